/* read.c - decompression: the header and index read once by rank 0 and
 * broadcast, then each rank reads (MPI_File_read_at_all) and decodes only the
 * blocks that hold its rows. A single stream (not a container) is read as one
 * block. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define CONTAINER_HEAD 128 /* docs/format.md, section 7 */

/* Where the blocks of a compressed file lie. */
typedef struct {
    strata_stream_info info;
    size_t nb, slab, per_row, w;
    uint64_t *offs; /* nb + 1 file offsets: block i is offs[i] .. offs[i+1] */
} layout;

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Rank 0: reads and checks the header and index; fills *l (offs malloc'ed). */
static void read_layout_root(smpi_ctx *c, MPI_File fh, uint64_t size, const char *path, layout *l)
{
    uint8_t head[CONTAINER_HEAD];
    const size_t want = size < sizeof head ? (size_t)size : sizeof head;
    MPI_Status status;
    int got = 0;
    int rc = MPI_File_read_at(fh, 0, head, (int)want, MPI_BYTE, &status);
    if (rc == MPI_SUCCESS) MPI_Get_count(&status, MPI_BYTE, &got);
    if (rc != MPI_SUCCESS) { smpi_fail_mpi(c, rc, "cannot read the header"); return; }
    if ((size_t)got != want) { smpi_fail(c, STRATA_ERR_TRUNCATED, "cannot read '%s': it ends early", path); return; }
    uint8_t *index = NULL;
    size_t hsize = 0;
    strata_status s;
    if (want >= 4 && memcmp(head, "STRB", 4) == 0) {
        const uint64_t nb = want >= 104 ? get_u64(head + 96) : 0;
        if (want < CONTAINER_HEAD) s = STRATA_ERR_TRUNCATED;
        else if (nb > (size - CONTAINER_HEAD) / 8) s = STRATA_ERR_TRUNCATED; /* or a corrupt count */
        else if (!(index = malloc(CONTAINER_HEAD + 8 * (size_t)nb))) s = STRATA_ERR_NOMEM;
        else {
            hsize = CONTAINER_HEAD + 8 * (size_t)nb;
            rc = MPI_File_read_at(fh, 0, index, (int)hsize, MPI_BYTE, &status);
            if (rc == MPI_SUCCESS) MPI_Get_count(&status, MPI_BYTE, &got);
            s = rc != MPI_SUCCESS || (size_t)got != hsize ? STRATA_ERR_TRUNCATED
                                                         : strata_read_header(index, hsize, &l->info);
        }
    } else {
        s = strata_read_header(head, want, &l->info);
    }
    if (s == STRATA_OK && l->info.stream_size != size)
        s = l->info.stream_size > size ? STRATA_ERR_TRUNCATED : STRATA_ERR_CORRUPT;
    if (s != STRATA_OK) {
        free(index);
        if (s == STRATA_ERR_CORRUPT && l->info.stream_size && l->info.stream_size < size)
            smpi_fail(c, s, "'%s' is %llu bytes, longer than the %llu bytes of its stream", path,
                      (unsigned long long)size, (unsigned long long)l->info.stream_size);
        else
            smpi_fail(c, s, "'%s' is not a valid Strata file: %s", path, strata_status_string(s));
        return;
    }
    l->nb = l->info.blocks ? (size_t)l->info.blocks : 1;
    l->offs = malloc((l->nb + 1) * sizeof *l->offs);
    if (!l->offs) { free(index); smpi_fail(c, STRATA_ERR_NOMEM, "out of memory"); return; }
    l->offs[0] = hsize;
    for (size_t i = 0; i < l->nb; i++)
        l->offs[i + 1] = l->offs[i] + (l->info.blocks ? get_u64(index + CONTAINER_HEAD + 8 * i) : size);
    free(index);
}

/* Collective: opens `path` and gives every rank its layout. On failure the file
 * is closed again. Agrees. */
static strata_status open_layout(smpi_ctx *c, const char *path, MPI_File *fh, layout *l)
{
    memset(l, 0, sizeof *l);
    uint64_t size;
    if (!path || !path[0]) smpi_fail(c, STRATA_ERR_INVALID_ARG, "no input path");
    if (smpi_agree(c) != STRATA_OK) return c->st;
    if (smpi_input_open(c, path, fh, &size) != STRATA_OK) return c->st;
    if (c->rank == 0) read_layout_root(c, *fh, size, path, l);
    if (smpi_agree(c) == STRATA_OK) {
        uint64_t nb = l->nb;
        MPI_Bcast(&l->info, (int)sizeof l->info, MPI_BYTE, 0, c->comm);
        MPI_Bcast(&nb, 1, MPI_UINT64_T, 0, c->comm);
        l->nb = (size_t)nb;
        if (c->rank != 0 && !(l->offs = malloc((l->nb + 1) * sizeof *l->offs)))
            smpi_fail(c, STRATA_ERR_NOMEM, "out of memory");
        int ok = l->offs != NULL, all;
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, c->comm);
        if (all && l->nb + 1 <= INT_MAX) MPI_Bcast(l->offs, (int)(l->nb + 1), MPI_UINT64_T, 0, c->comm);
        else if (all) smpi_fail(c, STRATA_ERR_UNSUPPORTED, "too many blocks");
        const strata_field *f = &l->info.field;
        l->w = f->dtype == STRATA_FLOAT32 ? 4 : 8;
        l->per_row = strata_field_count(f) / f->dims[0];
        l->slab = l->info.blocks ? (size_t)l->info.slab : f->dims[0];
    }
    if (smpi_agree(c) != STRATA_OK) {
        MPI_File_close(fh);
        free(l->offs);
        l->offs = NULL;
    }
    return c->st;
}

/* ---- decoding the blocks of a run of rows ----------------------------------------------- */

typedef struct {
    const layout *l;
    const uint8_t *bytes;  /* the compressed blocks b0..b1-1, read from offs[b0] on */
    size_t b0;
    size_t r0, rn;         /* rows wanted */
    uint8_t *dst;          /* their values */
} decode_job;

/* A block must be a plain stream describing exactly its slab of the container
 * (as src/decompress.c checks). */
static int block_matches(const strata_stream_info *b, const strata_field *bf, const strata_stream_info *c)
{
    const strata_field *f = &b->field;
    if (b->method == 3 || f->dtype != bf->dtype || f->ndims != bf->ndims || f->has_fill != bf->has_fill)
        return 0;
    if (f->has_fill && memcmp(&f->fill_value, &bf->fill_value, sizeof(double)) != 0) return 0;
    for (unsigned i = 0; i < f->ndims; i++) if (f->dims[i] != bf->dims[i]) return 0;
    if (b->mode == STRATA_MODE_LOSSLESS) return 1;
    return b->mode == STRATA_MODE_ABS && b->abs_bound == c->abs_bound;
}

static strata_status decode_one(smpi_ctx *c, void *arg, size_t i, int threads)
{
    decode_job *j = arg;
    const layout *l = j->l;
    const size_t b = j->b0 + i;
    const uint8_t *src = j->bytes + (l->offs[b] - l->offs[j->b0]);
    const size_t bsize = (size_t)(l->offs[b + 1] - l->offs[b]);
    strata_field bf = l->info.field;
    size_t first = 0;
    strata_stream_info bi;
    strata_status s = STRATA_OK;
    if (l->info.blocks) {
        s = strata_block_field(&l->info.field, b, &bf, &first);
        if (s == STRATA_OK) s = strata_read_header(src, bsize, &bi);
        if (s == STRATA_OK && !block_matches(&bi, &bf, &l->info)) s = STRATA_ERR_CORRUPT;
        if (s != STRATA_OK)
            return smpi_fail(c, s, "block %zu: %s", b, strata_status_string(s));
    }
    /* Rows of this block, and those of them wanted. */
    const size_t br0 = b * l->slab, brn = bf.dims[0];
    const size_t lo = br0 > j->r0 ? br0 : j->r0;
    const size_t hi = br0 + brn < j->r0 + j->rn ? br0 + brn : j->r0 + j->rn;
    const size_t row_bytes = l->per_row * l->w, raw = brn * row_bytes;
    uint8_t *out = j->dst + (lo - j->r0) * row_bytes;
    uint8_t *tmp = NULL;
    if (lo != br0 || hi != br0 + brn) { /* only part of the block is wanted */
        tmp = malloc(raw);
        if (!tmp) return smpi_fail(c, STRATA_ERR_NOMEM, "out of memory decoding block %zu", b);
    }
    s = strata_decompress(src, bsize, tmp ? tmp : out, raw, threads, NULL);
    if (s == STRATA_OK && tmp) memcpy(out, tmp + (lo - br0) * row_bytes, (hi - lo) * row_bytes);
    free(tmp);
    if (s != STRATA_OK) return smpi_fail(c, s, "cannot decode block %zu: %s", b, strata_status_string(s));
    return STRATA_OK;
}

/* Collective: rows [r0, r0 + rn) of the open file into dst. */
static void decode_rows(smpi_ctx *c, MPI_File fh, const layout *l, const char *path, size_t r0,
                        size_t rn, void *dst, int threads, int progress)
{
    size_t b0 = 0, b1 = 0;
    if (rn) {
        b0 = r0 / l->slab;
        b1 = (r0 + rn + l->slab - 1) / l->slab;
    }
    double t = smpi_now();
    const size_t bytes = (size_t)(l->offs[b1] - l->offs[b0]);
    uint8_t *buf = malloc(smpi_nz(bytes));
    if (!buf) smpi_fail(c, STRATA_ERR_NOMEM, "out of memory for %zu compressed bytes", bytes);
    smpi_io_all(c, fh, 0, (MPI_Offset)l->offs[b0], buf, buf ? bytes : 0, path);
    c->t_read += smpi_now() - t;
    t = smpi_now();
    uint64_t *raw = calloc(b1 > b0 ? b1 - b0 : 1, sizeof *raw);
    if (!raw) smpi_fail(c, STRATA_ERR_NOMEM, "out of memory");
    for (size_t b = b0; raw && b < b1; b++) {
        size_t end = (b + 1) * l->slab < l->info.field.dims[0] ? (b + 1) * l->slab : l->info.field.dims[0];
        raw[b - b0] = (end - b * l->slab) * l->per_row * l->w;
    }
    decode_job j = { l, buf, b0, r0, rn, dst };
    const int ready = c->st == STRATA_OK;
    smpi_run_blocks(c, "decompress", ready ? b1 - b0 : 0, l->nb, raw, threads, progress, decode_one, &j);
    free(raw);
    free(buf);
    smpi_agree(c); /* the time waiting for the slowest rank counts as decoding */
    c->t_code += smpi_now() - t;
}

static void fill_report(smpi_ctx *c, const layout *l)
{
    c->rep->raw_bytes = l->info.raw_size;
    c->rep->file_bytes = l->info.stream_size;
    c->rep->blocks = l->info.blocks;
    c->rep->abs_bound = l->info.abs_bound;
    c->rep->valid_min = l->info.valid_min;
    c->rep->valid_max = l->info.valid_max;
}

strata_status strata_mpi_read_info(MPI_Comm comm, const char *path, strata_stream_info *info,
                                   strata_mpi_report *report)
{
    smpi_ctx c;
    smpi_begin(&c, comm, report);
    MPI_File fh;
    layout l;
    if (open_layout(&c, path, &fh, &l) == STRATA_OK) {
        MPI_File_close(&fh);
        if (info) *info = l.info;
        fill_report(&c, &l);
        free(l.offs);
    }
    return smpi_finish(&c);
}

strata_status strata_mpi_read_step(MPI_Comm comm, const char *path, void *dst, size_t cap,
                                   size_t row_start, size_t row_count, strata_stream_info *info,
                                   const strata_mpi_options *options, strata_mpi_report *report)
{
    smpi_ctx c;
    smpi_begin(&c, comm, report);
    strata_mpi_options opt;
    smpi_options(&c, options, &opt);
    MPI_File fh;
    layout l;
    if (open_layout(&c, path, &fh, &l) != STRATA_OK) return smpi_finish(&c);
    const size_t rows = l.info.field.dims[0], row_bytes = l.per_row * l.w;
    if (row_start > rows || row_count > rows - row_start)
        smpi_fail(&c, STRATA_ERR_INVALID_ARG, "rows %zu..%zu lie outside dims[0] = %zu of '%s'",
                  row_start, row_start + row_count - 1, rows, path);
    else if (row_count && (!dst || cap / row_bytes < row_count))
        smpi_fail(&c, STRATA_ERR_DST_TOO_SMALL, "%zu rows need %zu bytes, the buffer holds %zu",
                  row_count, row_count * row_bytes, dst ? cap : 0);
    if (smpi_agree(&c) == STRATA_OK)
        decode_rows(&c, fh, &l, path, row_start, row_count, dst, opt.threads, opt.progress);
    MPI_File_close(&fh);
    if (smpi_agree(&c) == STRATA_OK) {
        if (info) *info = l.info;
        fill_report(&c, &l);
    }
    free(l.offs);
    return smpi_finish(&c);
}

strata_status strata_mpi_decompress_file(MPI_Comm comm, const char *input, const char *output,
                                         strata_stream_info *info, const strata_mpi_options *options,
                                         strata_mpi_report *report)
{
    smpi_ctx c;
    smpi_begin(&c, comm, report);
    strata_mpi_options opt;
    smpi_options(&c, options, &opt);
    const uint64_t h = smpi_hash(output);
    if (!output || !output[0]) smpi_fail(&c, STRATA_ERR_INVALID_ARG, "no output path");
    smpi_check_same(&c, &h, sizeof h, "the output file name");
    MPI_File fh;
    layout l;
    if (smpi_agree(&c) != STRATA_OK || open_layout(&c, input, &fh, &l) != STRATA_OK)
        return smpi_finish(&c);
    /* Each rank a contiguous run of blocks, decoded whole. */
    size_t first, count;
    smpi_split(l.nb, c.size, c.rank, &first, &count);
    const size_t rows = l.info.field.dims[0], row_bytes = l.per_row * l.w;
    size_t r0 = first * l.slab < rows ? first * l.slab : rows;
    size_t r1 = (first + count) * l.slab < rows ? (first + count) * l.slab : rows;
    if (!count) r1 = r0;
    uint8_t *local = malloc(smpi_nz((r1 - r0) * row_bytes));
    if (!local) smpi_fail(&c, STRATA_ERR_NOMEM, "out of memory for %zu bytes", (r1 - r0) * row_bytes);
    if (smpi_agree(&c) == STRATA_OK) decode_rows(&c, fh, &l, input, r0, r1 - r0, local, opt.threads, opt.progress);
    MPI_File_close(&fh);
    smpi_output out;
    if (smpi_agree(&c) == STRATA_OK && smpi_output_open(&c, &out, output, &opt) == STRATA_OK) {
        double t = smpi_now();
        smpi_io_all(&c, out.fh, 1, (MPI_Offset)(r0 * row_bytes), local, (r1 - r0) * row_bytes, out.temp);
        smpi_output_close(&c, &out, output, l.info.raw_size);
        c.t_write += smpi_now() - t;
    }
    if (c.st == STRATA_OK) {
        if (info) *info = l.info;
        fill_report(&c, &l);
    }
    free(local);
    free(l.offs);
    return smpi_finish(&c);
}
