/* internal.h - what the files of libstrata_mpi share; never installed.
 *
 * Every public call runs as a sequence of phases. A phase may fail on some ranks
 * only (a file one rank cannot open, a block that does not compress); the failing
 * rank records the error in its context and the phase ends with smpi_agree(),
 * a collective that tells every rank the outcome of the lowest failing rank. So
 * all ranks always make the same sequence of collective calls and leave together. */
#ifndef STRATA_MPI_INTERNAL_H
#define STRATA_MPI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "strata_mpi.h"

#if defined(__GNUC__)
#  define SMPI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define SMPI_PRINTF(f, a)
#endif

/* Largest count handed to one MPI-IO call: MPI counts are int. */
#define SMPI_IO_CHUNK ((size_t)1 << 30)

/* A size for malloc: at least 1, so that NULL always means out of memory. */
static inline size_t smpi_nz(size_t n)
{
    return n ? n : 1;
}

/* One collective call in progress. */
typedef struct {
    MPI_Comm comm;
    int rank, size;
    strata_status st;                      /* this rank's first error, or the agreed one */
    char msg[STRATA_MPI_MESSAGE_SIZE];     /* this rank's message for st */
    strata_mpi_report *rep;                /* the caller's, or own */
    strata_mpi_report own;
    double t0;
    double t_read, t_exchange, t_code, t_write; /* this rank's phase times */
} smpi_ctx;

/* ---- context and errors (common.c) ---- */
void smpi_begin(smpi_ctx *c, MPI_Comm comm, strata_mpi_report *report);
/* Records a local failure (the first one wins); returns `st`. */
strata_status smpi_fail(smpi_ctx *c, strata_status st, const char *fmt, ...) SMPI_PRINTF(3, 4);
/* Records a failed MPI call `rc` (not MPI_SUCCESS) made for `what`. */
strata_status smpi_fail_mpi(smpi_ctx *c, int rc, const char *what);
/* Collective: all ranks learn the lowest failing rank's status and message. */
strata_status smpi_agree(smpi_ctx *c);
/* Fills the report's times (maximum over ranks) and status; returns c->st. Collective. */
strata_status smpi_finish(smpi_ctx *c);
double smpi_now(void);

/* Collective: checks that `n` bytes at `sig` equal rank 0's; a rank whose bytes
 * differ fails with "<what> differs from rank 0's". Does not agree. */
void smpi_check_same(smpi_ctx *c, const void *sig, size_t n, const char *what);
/* 64-bit FNV-1a of a string (NULL hashes like ""), for consistency checks. */
uint64_t smpi_hash(const char *s);
/* Collective: rank 0's options (defaults if NULL) for everyone. */
void smpi_options(smpi_ctx *c, const strata_mpi_options *in, strata_mpi_options *out);

/* Splits `blocks` into contiguous runs over `nranks`. */
void smpi_split(size_t blocks, int nranks, int rank, size_t *first, size_t *count);

/* ---- file I/O (common.c) ---- */
/* Collective read or write of `n` bytes at `offset` (each rank its own range,
 * n may be 0), in chunks of SMPI_IO_CHUNK; failures are recorded, not agreed. */
void smpi_io_all(smpi_ctx *c, MPI_File fh, int write, MPI_Offset offset, void *buf, size_t n,
                 const char *path);

/* An output file written under a temporary name. */
typedef struct {
    char temp[4096];  /* what the ranks write (the output itself when in_place) */
    int in_place;     /* the output exists and is not a regular file (/dev/null) */
    int open;         /* fh is open on every rank */
    MPI_File fh;
} smpi_output;
/* Collective: rank 0 makes the temporary file, every rank opens it. Agrees. */
strata_status smpi_output_open(smpi_ctx *c, smpi_output *out, const char *path,
                               const strata_mpi_options *opt);
/* Collective: closes, agrees, and on success rank 0 truncates the temporary file
 * to `size` bytes and renames it to `path`; on failure it is removed. Agrees. */
strata_status smpi_output_close(smpi_ctx *c, smpi_output *out, const char *path, uint64_t size);

/* Collective: checks on every rank that `path` is a readable file, then opens it
 * read-only on every rank. Agrees. */
strata_status smpi_input_open(smpi_ctx *c, const char *path, MPI_File *fh, uint64_t *size);

/* ---- blocks in rounds, with progress (common.c) ---- */
/* Codes local block i with `threads` threads; returns its status and may write a
 * message with smpi_fail (thread-safe: the first error wins under a lock). */
typedef strata_status (*smpi_block_fn)(smpi_ctx *c, void *arg, size_t i, int threads);
/* Runs fn over the `count` local blocks, in parallel over threads (one block per
 * thread, or all threads in one block when there is only one). With progress,
 * rank 0 prints `verb` blocks done/total_blocks and MB/s of raw bytes
 * (raw_bytes[i] per local block) on stderr. Collective when progress is on. */
void smpi_run_blocks(smpi_ctx *c, const char *verb, size_t count, uint64_t total_blocks,
                     const uint64_t *raw_bytes, int threads, int progress, smpi_block_fn fn,
                     void *arg);

/* ---- the container writer (write.c) ---- */
/* Compresses this rank's blocks [first, first + count) of `field`, whose points
 * start at `local`, and writes the container to `path`. Collective; agrees. */
strata_status smpi_write_container(smpi_ctx *c, const char *path, const strata_field *field,
                                   const strata_params *params, const void *local,
                                   size_t first, size_t count, const strata_mpi_options *opt);

#endif
