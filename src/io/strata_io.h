/* strata_io.h - netCDF variables and HDF5 datasets as Strata inputs, shared by
 * the strata tool (src/cli/) and the strata-mpi driver (mpi/driver/).
 * Private to the project: not installed, not part of the public API.
 *
 * Conventions (the same for both front ends):
 *   - An input spec that names an existing file is a raw file (sio_spec_is_raw());
 *     the callers read raw files themselves (the CLI with read(), the MPI driver
 *     with MPI-IO). Anything else is FILE:VAR (netCDF; VAR may be GROUP/VAR) or
 *     FILE:/PATH (HDF5), split at the last ':'.
 *   - Only float and double (4- and 8-byte float) variables are accepted, with 1
 *     to STRATA_MAX_DIMS dimensions once leading dimensions of length 1 are
 *     dropped.
 *   - The fill value is netCDF's _FillValue, else missing_value (the first value
 *     if there are several: see sio_input.warning), or the HDF5 dataset's
 *     user-defined fill value. NaN and Inf fill values are dropped.
 *
 * Functions returning int give 0 on success, else SIO_ERROR (or SIO_USAGE for a
 * malformed spec) with a message, without a program-name prefix, in err.
 * The user of this library must also link a libstrata (strata or strata_static):
 * strata_field_init() comes from there. */
#ifndef STRATA_IO_H
#define STRATA_IO_H

#include <stddef.h>
#include <stdint.h>
#include "strata.h"

#define SIO_ERROR 1 /* bad input or failed I/O */
#define SIO_USAGE 2 /* a malformed spec (nothing after ':') */

typedef enum { SIO_NETCDF = 1, SIO_HDF5 = 2 } sio_kind;

typedef struct {
    sio_kind kind;
    strata_field field;    /* dtype, dims (leading 1s dropped), fill value */
    size_t rows;           /* field.dims[0]: what sio_read_rows() ranges over */
    char *file;            /* the FILE part of the spec (malloc'ed) */
    const char *name;      /* the VAR or /PATH part (in the same allocation) */
    int file_rank;         /* dimensions in the file (>= field.ndims) */
    int64_t h_file, h_obj; /* netCDF: file id, group id; HDF5: file, dataset (-1: none) */
    int varid;             /* netCDF: the variable in group h_obj */
    char warning[1400];    /* non-empty: a note for the user (a multi-valued fill) */
} sio_input;

/* Whether spec names an existing file, which is then a raw input. */
int sio_spec_is_raw(const char *spec);

/* Opens FILE:VAR or FILE:/PATH and fills in->field (dtype, ndims, dims, has_fill,
 * fill_value) and in->rows. The file stays open until sio_close(), which is
 * needed (and safe) after a failed sio_open() too. */
int sio_open(const char *spec, sio_input *in, char *err, size_t errlen);

/* Reads rows [row0, row0 + nrows) along in->field.dims[0] into dst, C order, as
 * float or double (in->field.dtype). nrows == in->rows reads the whole field. */
int sio_read_rows(const sio_input *in, size_t row0, size_t nrows, void *dst, char *err,
                  size_t errlen);

/* Also safe on a zeroed sio_input (never opened) and after sio_close(). */
void sio_close(sio_input *in);

/* Checks a fill value (--fill, or one from a file) against f->dtype and sets it;
 * NaN and Inf drop the fill value. origin names it in the message. */
int sio_set_fill(strata_field *f, double v, const char *origin, char *err, size_t errlen);

/* -t / -d given for a netCDF or HDF5 input must agree with it (leading 1s of the
 * dims are ignored). what names the input in the message. */
int sio_check_options(const strata_field *f, int has_dtype, strata_dtype dtype, unsigned ndims,
                      const size_t *dims, const char *what, char *err, size_t errlen);

/* dims as "20x180x360" (always NUL-terminated). */
void sio_format_dims(char *buf, size_t cap, unsigned ndims, const size_t *dims);

/* Whether this build reads netCDF / HDF5 inputs. */
int sio_have_netcdf(void);
int sio_have_hdf5(void);

#endif
