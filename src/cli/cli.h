/* cli.h - what main.c, commands.c and fileio.c of the strata tool share.
 * Private to src/cli/; the tool uses only the public API of strata.h. */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H

#include <stddef.h>
#include "strata.h"

/* Exit statuses. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_ERROR 1 /* bad input, failed I/O, library error, bound violated */
#define CLI_EXIT_USAGE 2 /* bad command line */

/* The command line, as main.c parsed and checked it. */
typedef struct {
    const char *input;    /* -i: raw file, file.nc:VAR or file.h5:/path */
    const char *output;   /* -o */
    int has_dtype;        /* -t given */
    strata_dtype dtype;
    unsigned ndims;       /* -d given when > 0 */
    size_t dims[STRATA_MAX_DIMS];
    int has_mode;         /* one of --abs, --rel, --lossless given */
    strata_mode mode;
    double bound;         /* > 0 and finite for ABS and REL */
    int has_fill;         /* --fill given */
    double fill;
    int threads;          /* 0: OpenMP's default */
    strata_coder coder;   /* --coder; STRATA_CODER_DEFAULT when not given */
    unsigned repeat;      /* eval: best of this many runs, >= 1 */
    int json;             /* eval: one JSON object instead of one line */
    int quiet;            /* compress, decompress: no summary on stderr */
    int gpu;              /* compress, decompress: the CUDA backend (strata_gpu.h) */
} cli_options;

/* A field read into memory: shape and fill value in `field`, values in `data`
 * (native little-endian, C order), `size` bytes. Release with cli_array_free(). */
typedef struct {
    strata_field field;
    void *data;
    size_t size;
} cli_array;

/* ---- errors (fileio.c) ---- */
/* Prints "strata: error: <message>\n" to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---- input and output (fileio.c) ---- */
/* Reads the field named by o->input (raw file, netCDF variable or HDF5 dataset),
 * checks it against -t/-d and applies --fill. Prints the error and returns nonzero
 * on failure. */
int cli_read_field(const cli_options *o, cli_array *out);
void cli_array_free(cli_array *a);
/* Reads a whole file into a malloc'ed buffer (*data, *size). */
int cli_read_file(const char *path, void **data, size_t *size);
/* Reads at most `capacity` bytes from the start of `path`; *file_size gets the
 * size of the whole file. */
int cli_read_prefix(const char *path, void *buf, size_t capacity, size_t *got,
                    unsigned long long *file_size);
/* Writes `size` bytes to `path` atomically: a temporary file in the same
 * directory, renamed over `path`; on failure nothing is left behind. */
int cli_write_atomic(const char *path, const void *data, size_t size);
/* Whether this build reads netCDF / HDF5 inputs. */
int cli_have_netcdf(void);
int cli_have_hdf5(void);

/* ---- commands (commands.c); each returns an exit status ---- */
int cli_compress(const cli_options *o);
int cli_decompress(const cli_options *o);
int cli_info(const cli_options *o);
int cli_eval(const cli_options *o);

/* ---- small helpers shared by the commands (commands.c) ---- */
const char *cli_dtype_name(strata_dtype t);
const char *cli_mode_name(strata_mode m);

#endif
