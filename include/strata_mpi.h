/*
 * strata_mpi.h - Strata over MPI: one compressed file written and read by many
 * ranks (library strata_mpi, on top of libstrata).
 *
 * The file is a block container (docs/format.md, section 7): a header, a block
 * index and the blocks, each block an independent stream of a slab of rows
 * along dims[0]. The cut into blocks depends only on the field, never on the
 * number of ranks, so the bytes are those of strata_compress_blocks() in one
 * process whatever the rank count, and any number of ranks (or the plain
 * `strata` tool) can read the file back.
 *
 * Ranks own blocks in contiguous runs: rank r of N gets blocks
 * [r*B/N + min(r, B%N) ...) (B/N of them, one more for the first B%N ranks); see
 * strata_mpi_block_range(). A simulation whose local rows are exactly those
 * writes without moving data; any other decomposition along dims[0] works too,
 * at the cost of one MPI_Alltoallv of rows.
 *
 * Collective calls: every function taking a communicator is collective over it
 * and must be called by all its ranks with the same field, params, paths and
 * options (they are checked against rank 0's: a mismatch is an error on every
 * rank, never a hang). Every failure, local or not, is agreed on: all ranks
 * return the same status and the same message, naming the lowest failing rank.
 * Outputs appear only when complete: they are written under a temporary name
 * beside the output and renamed by rank 0 once every rank has succeeded; on
 * failure the temporary file is removed and nothing is left.
 *
 * Threads: MPI must be initialized (any thread level: only the calling thread
 * makes MPI calls). Inside a rank, blocks are coded with OpenMP threads
 * (params->threads or options->threads; 0: OMP_NUM_THREADS). The library has no
 * global state.
 */
#ifndef STRATA_MPI_H
#define STRATA_MPI_H

#include <mpi.h>
#include "strata.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- options and report ------------------------------------------------------ */

typedef struct {
    size_t size;           /* sizeof(strata_mpi_options); set by strata_mpi_options_init() */
    int threads;           /* decoding threads per rank (0: OpenMP's default); compression
                              takes its threads from strata_params */
    int progress;          /* nonzero: rank 0 prints "blocks done/total, MB/s" on stderr
                              while coding (rank 0's value counts for every rank) */
    const char *temp_path; /* NULL: rank 0 creates "<output>.tmp.XXXXXX" beside the output.
                              Else the temporary file to write and rename (rank 0's value
                              counts), e.g. one a signal handler knows to remove. */
} strata_mpi_options;

#define STRATA_MPI_MESSAGE_SIZE 512

/* Output only: every call that takes one (may be NULL) fills it whole. */
typedef struct {
    size_t size;             /* sizeof(strata_mpi_report), set by the library */
    strata_status status;    /* same on every rank; STRATA_ERR_GENERIC for I/O and MPI failures */
    int failed_rank;         /* lowest rank that failed, -1 if none */
    char message[STRATA_MPI_MESSAGE_SIZE]; /* "" or the failure, the same on every rank,
                                              e.g. "rank 2: cannot open 'x': No such file" */
    /* On success (every rank holds the same values): */
    uint64_t raw_bytes;      /* bytes of the whole field */
    uint64_t file_bytes;     /* bytes of the compressed file */
    uint64_t blocks;         /* blocks of the container */
    double abs_bound;        /* absolute bound every block honours (0: lossless) */
    double valid_min, valid_max; /* value range of the whole field's valid points */
    /* Seconds, the maximum over ranks of each phase: */
    double seconds_read;     /* reading inputs (files, or the compressed blocks) */
    double seconds_exchange; /* value range, redistribution of rows */
    double seconds_code;     /* compressing or decompressing the blocks */
    double seconds_write;    /* writing the output, through the final rename */
    double seconds_total;    /* the whole call */
} strata_mpi_report;

/*! strata_mpi_options_init() : threads 0, no progress, temporary name chosen by rank 0. */
STRATA_API void strata_mpi_options_init(strata_mpi_options *options);
/*! strata_mpi_report_init() : zeroes `report`, sets its size and failed_rank -1. */
STRATA_API void strata_mpi_report_init(strata_mpi_report *report);

/* ---- decomposition ------------------------------------------------------------ */

/*! strata_mpi_block_range() :
 *  The blocks rank `rank` of `nranks` codes: *first_block, *block_count (0 when
 *  there are more ranks than blocks), and the rows along dims[0] they cover
 *  (*row_start, *row_count). Any output pointer may be NULL. Not collective.
 *  @return STRATA_OK or STRATA_ERR_INVALID_ARG (bad field, rank outside 0..nranks-1). */
STRATA_API strata_status strata_mpi_block_range(const strata_field *field, int nranks, int rank,
                                                size_t *first_block, size_t *block_count,
                                                size_t *row_start, size_t *row_count);

/* ---- errors ---------------------------------------------------------------------- */

/*! strata_mpi_agree() :
 *  Collective. Every rank passes its own outcome (`local` STRATA_OK, or an error
 *  with a message, which may be NULL); every rank gets back the outcome of the
 *  lowest failing rank, and, if `report` is not NULL, its status, rank and
 *  message ("rank R: message" when the communicator has more than one rank).
 *  For callers that do their own work between calls (reading inputs). */
STRATA_API strata_status strata_mpi_agree(MPI_Comm comm, strata_status local,
                                          const char *message, strata_mpi_report *report);

/* ---- compression ------------------------------------------------------------------ */

/*! strata_mpi_write_step() :
 *  In-situ output. Collective. Each rank hands the rows [row_start, row_start +
 *  row_count) along dims[0] of the global `field` (`local`: row_count rows of
 *  dims[1]*...*dims[ndims-1] values, C order); the ranks' rows must tile
 *  0..dims[0]-1 without gap or overlap, in any rank order (row_count may be 0).
 *  Writes the container for the whole field to `path` (created or replaced).
 *  REL bounds use the whole field's valid range. `options` and `report` may be NULL.
 *  Constraint: the decomposition is along dims[0] only; a rank whose rows are not
 *  its strata_mpi_block_range() rows sends and receives rows to and from the ranks
 *  that own them (one MPI_Alltoallv), so each block is compressed by one rank.
 *  @return the agreed status: STRATA_OK, a codec error, STRATA_ERR_INVALID_ARG
 *  (rows that do not tile, arguments that differ between ranks) or
 *  STRATA_ERR_GENERIC (I/O or MPI failure; see report->message). */
STRATA_API strata_status strata_mpi_write_step(MPI_Comm comm, const char *path,
                                               const strata_field *field,
                                               const strata_params *params, const void *local,
                                               size_t row_start, size_t row_count,
                                               const strata_mpi_options *options,
                                               strata_mpi_report *report);

/*! strata_mpi_compress_file() :
 *  Collective. Compresses the raw file `input` (little-endian values of `field`,
 *  C order, exactly strata_field_count * dtype size bytes) into the container
 *  `output`. Each rank reads only the bytes of its blocks (MPI_File_read_at_all).
 *  Same outcome conventions as strata_mpi_write_step(). */
STRATA_API strata_status strata_mpi_compress_file(MPI_Comm comm, const char *input,
                                                  const char *output, const strata_field *field,
                                                  const strata_params *params,
                                                  const strata_mpi_options *options,
                                                  strata_mpi_report *report);

/* ---- decompression ------------------------------------------------------------------ */

/*! strata_mpi_read_info() :
 *  Collective. Reads the header of the compressed file `path` (a container, or a
 *  single stream) into *info on every rank. */
STRATA_API strata_status strata_mpi_read_info(MPI_Comm comm, const char *path,
                                              strata_stream_info *info,
                                              strata_mpi_report *report);

/*! strata_mpi_read_step() :
 *  Collective. Each rank receives the rows [row_start, row_start + row_count) of
 *  the field stored in `path` into `dst` (capacity `dst_capacity` bytes, at least
 *  row_count rows); ranks may ask for any rows, overlapping or none. Each rank
 *  reads and decodes only the blocks that hold its rows. If `info` is not NULL it
 *  receives the file's description. A single stream (not a container) is one block.
 *  @return the agreed status; STRATA_ERR_CORRUPT / _CHECKSUM / _TRUNCATED for bad files. */
STRATA_API strata_status strata_mpi_read_step(MPI_Comm comm, const char *path, void *dst,
                                              size_t dst_capacity, size_t row_start,
                                              size_t row_count, strata_stream_info *info,
                                              const strata_mpi_options *options,
                                              strata_mpi_report *report);

/*! strata_mpi_decompress_file() :
 *  Collective, for any number of ranks. Decodes the file `input` into `output`:
 *  raw little-endian values in C order. Each rank decodes a contiguous run of
 *  blocks and writes its bytes at their offset (MPI_File_write_at_all); the
 *  output is renamed into place once every rank succeeded. `info` as above. */
STRATA_API strata_status strata_mpi_decompress_file(MPI_Comm comm, const char *input,
                                                    const char *output,
                                                    strata_stream_info *info,
                                                    const strata_mpi_options *options,
                                                    strata_mpi_report *report);

#ifdef __cplusplus
}
#endif
#endif /* STRATA_MPI_H */
