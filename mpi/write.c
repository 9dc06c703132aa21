/* write.c - compression: the container writer that every rank runs on its own
 * blocks, the in-situ entry (rows redistributed to the block owners) and the
 * raw-file entry (each rank reads its blocks with MPI-IO).
 *
 * The bytes are those of strata_compress_blocks() (src/compress_blocks.c): the
 * same value range (partial ranges combined by min/max/sum), the same block
 * params, the same per-block streams, and the header and index written by
 * strata_container_write_header() from the gathered block sizes. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static size_t dtype_size(strata_dtype t)
{
    return t == STRATA_FLOAT32 ? 4 : t == STRATA_FLOAT64 ? 8 : 0;
}

/* Checks field and params locally (the same outcome on every rank that passed
 * the same ones); returns nonzero after smpi_fail. */
static int check_field_params(smpi_ctx *c, const strata_field *f, const strata_params *p)
{
    if (!f || f->size != sizeof *f || !strata_field_count(f) || !dtype_size(f->dtype))
        return smpi_fail(c, STRATA_ERR_INVALID_ARG, "invalid field (size not set, or bad dtype or dims)");
    if (!p || p->size != sizeof *p)
        return smpi_fail(c, STRATA_ERR_INVALID_ARG, "invalid params (size not set)");
    strata_params bp;
    double eb;
    strata_status s = strata_block_params(p, 0.0, 1.0, &bp, &eb);
    if (s != STRATA_OK)
        return smpi_fail(c, s, "invalid bound or mode (%s)", strata_status_string(s));
    return 0;
}

/* What every rank must agree on to write one file: the field, the params (not
 * the thread count) and the paths. */
typedef struct {
    uint64_t dtype, ndims, dims[STRATA_MAX_DIMS], has_fill;
    double fill;
    uint64_t mode, coder;
    double bound;
    uint64_t out_hash, in_hash;
} signature;

static void check_signature(smpi_ctx *c, const strata_field *f, const strata_params *p,
                            const char *input, const char *output)
{
    signature s;
    memset(&s, 0, sizeof s);
    if (f && f->size == sizeof *f) {
        s.dtype = (uint64_t)f->dtype;
        s.ndims = f->ndims;
        for (unsigned i = 0; i < f->ndims && i < STRATA_MAX_DIMS; i++) s.dims[i] = f->dims[i];
        s.has_fill = f->has_fill != 0;
        s.fill = f->has_fill ? f->fill_value : 0.0;
    }
    if (p && p->size == sizeof *p) {
        s.mode = (uint64_t)p->mode;
        s.coder = (uint64_t)p->coder;
        s.bound = p->bound;
    }
    s.in_hash = smpi_hash(input);
    s.out_hash = smpi_hash(output);
    signature root = s;
    MPI_Bcast(&root, (int)sizeof root, MPI_BYTE, 0, c->comm);
    if (memcmp(&root.dtype, &s.dtype, offsetof(signature, mode)) != 0)
        smpi_fail(c, STRATA_ERR_INVALID_ARG, "the field (dtype, dims or fill value) differs from rank 0's");
    else if (root.mode != s.mode || root.coder != s.coder || memcmp(&root.bound, &s.bound, sizeof s.bound))
        smpi_fail(c, STRATA_ERR_INVALID_ARG, "the bound or coder differs from rank 0's");
    else if (root.in_hash != s.in_hash)
        smpi_fail(c, STRATA_ERR_INVALID_ARG, "the input file name differs from rank 0's");
    else if (root.out_hash != s.out_hash)
        smpi_fail(c, STRATA_ERR_INVALID_ARG, "the output file name differs from rank 0's");
}

/* ---- the writer ---------------------------------------------------------------- */

typedef struct {
    const strata_field *field;
    strata_params bp;         /* block params */
    const uint8_t *local;     /* points of this rank's first block */
    size_t first, first_point;
    uint8_t **out;            /* compressed local blocks */
    uint64_t *sizes;
} compress_job;

static strata_status compress_one(smpi_ctx *c, void *arg, size_t i, int threads)
{
    compress_job *j = arg;
    strata_field bf;
    size_t first, size;
    strata_status s = strata_block_field(j->field, j->first + i, &bf, &first);
    if (s != STRATA_OK) return s;
    const size_t cap = strata_compress_bound(&bf);
    j->out[i] = malloc(cap);
    if (!j->out[i]) return smpi_fail(c, STRATA_ERR_NOMEM, "out of memory compressing block %zu", j->first + i);
    strata_params bp = j->bp;
    bp.threads = threads;
    const uint8_t *src = j->local + (first - j->first_point) * dtype_size(bf.dtype);
    s = strata_compress(&bf, src, &bp, j->out[i], cap, &size);
    if (s != STRATA_OK)
        return smpi_fail(c, s, "cannot compress block %zu: %s", j->first + i, strata_status_string(s));
    j->sizes[i] = size;
    return STRATA_OK;
}

/* The whole field's valid range from every rank's part. */
static void global_range(smpi_ctx *c, const strata_field *f, const void *local, size_t points,
                         double *vmin, double *vmax)
{
    double lo = 0, hi = 0;
    uint64_t valid = 0, all_valid = 0;
    strata_status s = strata_value_range(f, local, points, &lo, &hi, &valid);
    if (s != STRATA_OK) smpi_fail(c, s, "cannot scan the values: %s", strata_status_string(s));
    /* A part without valid points must not pull the range to its 0, 0. */
    double in[2] = { valid ? -lo : -INFINITY, valid ? hi : -INFINITY }, out[2];
    MPI_Allreduce(in, out, 2, MPI_DOUBLE, MPI_MAX, c->comm);
    MPI_Allreduce(&valid, &all_valid, 1, MPI_UINT64_T, MPI_SUM, c->comm);
    /* + 0.0 turns -0 into +0, as strata_value_range does. */
    *vmin = all_valid ? -out[0] + 0.0 : 0.0;
    *vmax = all_valid ? out[1] + 0.0 : 0.0;
}

/* Rank 0's header and index, from every rank's block sizes. */
static uint8_t *gather_header(smpi_ctx *c, const strata_field *f, const strata_params *p,
                              double vmin, double vmax, const compress_job *j, size_t count,
                              size_t nb, size_t hsize)
{
    int *counts = NULL, *displs = NULL;
    uint64_t *all = NULL;
    uint8_t *head = NULL;
    if (c->rank == 0) {
        counts = malloc((size_t)c->size * sizeof *counts);
        displs = malloc((size_t)c->size * sizeof *displs);
        all = malloc((nb ? nb : 1) * sizeof *all);
        head = malloc(hsize);
        if (!counts || !displs || !all || !head) smpi_fail(c, STRATA_ERR_NOMEM, "out of memory");
        for (int r = 0; counts && displs && r < c->size; r++) {
            size_t first, n;
            smpi_split(nb, c->size, r, &first, &n);
            counts[r] = (int)n;
            displs[r] = (int)first;
        }
    }
    int ok = c->rank != 0 || head, all_ok;
    MPI_Bcast(&ok, 1, MPI_INT, 0, c->comm);
    all_ok = ok;
    if (all_ok)
        MPI_Gatherv(j->sizes, (int)count, MPI_UINT64_T, all, counts, displs, MPI_UINT64_T, 0, c->comm);
    if (c->rank == 0 && all_ok) {
        strata_status s = strata_container_write_header(f, p, vmin, vmax, all, nb, head, hsize);
        if (s != STRATA_OK) smpi_fail(c, s, "cannot write the container header: %s", strata_status_string(s));
    }
    free(counts);
    free(displs);
    free(all);
    return head;
}

strata_status smpi_write_container(smpi_ctx *c, const char *path, const strata_field *f,
                                   const strata_params *p, const void *local, size_t first,
                                   size_t count, const strata_mpi_options *opt)
{
    const size_t nb = strata_block_count(f), hsize = strata_container_header_size(nb);
    const size_t w = dtype_size(f->dtype), per_row = strata_field_count(f) / f->dims[0];
    const size_t slab = strata_block_slab(f);
    size_t rows = 0;
    if (count) {
        size_t end = (first + count) * slab < f->dims[0] ? (first + count) * slab : f->dims[0];
        rows = end - first * slab;
    }
    double t = smpi_now(), vmin, vmax, eb = 0;
    global_range(c, f, local, rows * per_row, &vmin, &vmax);
    compress_job j;
    memset(&j, 0, sizeof j);
    j.field = f;
    j.local = local;
    j.first = first;
    j.first_point = first * slab * per_row;
    strata_status s = strata_block_params(p, vmin, vmax, &j.bp, &eb);
    if (s != STRATA_OK) smpi_fail(c, s, "invalid bound or mode (%s)", strata_status_string(s));
    c->t_exchange += smpi_now() - t;

    /* Compress the local blocks. */
    t = smpi_now();
    j.out = calloc(count ? count : 1, sizeof *j.out);
    j.sizes = calloc(count ? count : 1, sizeof *j.sizes);
    uint64_t *raw = calloc(count ? count : 1, sizeof *raw);
    if (!j.out || !j.sizes || !raw) smpi_fail(c, STRATA_ERR_NOMEM, "out of memory");
    for (size_t i = 0; raw && i < count; i++) {
        strata_field bf;
        size_t fp;
        if (strata_block_field(f, first + i, &bf, &fp) == STRATA_OK) raw[i] = strata_field_count(&bf) * w;
    }
    const int ready = c->st == STRATA_OK;
    smpi_run_blocks(c, "compress", ready ? count : 0, nb, raw, p->threads, opt->progress, compress_one, &j);
    free(raw);
    smpi_agree(c); /* the time waiting for the slowest rank counts as compressing */
    c->t_code += smpi_now() - t;

    /* Sizes: offsets by an exclusive scan, the index at rank 0. */
    t = smpi_now();
    uint64_t mine = 0, offset = 0, total = 0;
    for (size_t i = 0; c->st == STRATA_OK && i < count; i++) mine += j.sizes[i];
    uint8_t *head = NULL, *buf = NULL;
    smpi_output out;
    if (c->st != STRATA_OK) goto done;
    MPI_Exscan(&mine, &offset, 1, MPI_UINT64_T, MPI_SUM, c->comm);
    if (c->rank == 0) offset = 0; /* MPI_Exscan leaves rank 0's undefined */
    MPI_Allreduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, c->comm);
    head = gather_header(c, f, p, vmin, vmax, &j, count, nb, hsize);

    /* One contiguous buffer per rank: rank 0 starts with the header. */
    const size_t lead = c->rank == 0 ? hsize : 0;
    buf = malloc(smpi_nz(lead + (size_t)mine));
    if (!buf) smpi_fail(c, STRATA_ERR_NOMEM, "out of memory");
    if (buf && head && c->rank == 0) memcpy(buf, head, hsize);
    for (size_t i = 0, pos = lead; buf && i < count; pos += j.sizes[i], i++) memcpy(buf + pos, j.out[i], j.sizes[i]);
    if (smpi_agree(c) != STRATA_OK) goto done;
    if (smpi_output_open(c, &out, path, opt) != STRATA_OK) goto done;
    const MPI_Offset at = c->rank == 0 ? 0 : (MPI_Offset)(hsize + offset);
    smpi_io_all(c, out.fh, 1, at, buf, lead + (size_t)mine, out.temp);
    smpi_output_close(c, &out, path, hsize + total);
    if (c->st == STRATA_OK) {
        c->rep->raw_bytes = (uint64_t)strata_field_count(f) * w;
        c->rep->file_bytes = hsize + total;
        c->rep->blocks = nb;
        c->rep->abs_bound = eb;
        c->rep->valid_min = vmin;
        c->rep->valid_max = vmax;
    }
done:
    c->t_write += smpi_now() - t;
    for (size_t i = 0; j.out && i < count; i++) free(j.out[i]);
    free(j.out);
    free(j.sizes);
    free(head);
    free(buf);
    return c->st;
}

/* ---- in situ: rows redistributed to the block owners ---------------------------------- */

/* Checks that the ranks' rows (start, count pairs) tile 0..rows-1. Every rank
 * computes the same answer from the same gathered ranges. */
static int rows_tile(smpi_ctx *c, const uint64_t *ranges, size_t rows)
{
    size_t pos = 0;
    for (;;) {
        int next = -1;
        for (int r = 0; r < c->size; r++) {
            if (!ranges[2 * r + 1]) continue;
            if (ranges[2 * r] < pos && ranges[2 * r] + ranges[2 * r + 1] > pos) {
                smpi_fail(c, STRATA_ERR_INVALID_ARG, "the rows of rank %d (%llu..%llu) overlap others "
                          "along dims[0]", r, (unsigned long long)ranges[2 * r],
                          (unsigned long long)(ranges[2 * r] + ranges[2 * r + 1] - 1));
                return 1;
            }
            if (ranges[2 * r] == pos) {
                if (next >= 0) {
                    smpi_fail(c, STRATA_ERR_INVALID_ARG, "ranks %d and %d both hold row %zu", next, r, pos);
                    return 1;
                }
                next = r;
            }
        }
        if (pos == rows) return 0;
        if (next < 0) {
            smpi_fail(c, STRATA_ERR_INVALID_ARG, "no rank holds row %zu of dims[0] = %zu "
                      "(the ranks' rows must tile 0..dims[0]-1)", pos, rows);
            return 1;
        }
        pos += (size_t)ranges[2 * next + 1];
        if (pos > rows) {
            smpi_fail(c, STRATA_ERR_INVALID_ARG, "rank %d holds rows past dims[0] = %zu", next, rows);
            return 1;
        }
    }
}

static size_t overlap(size_t a0, size_t an, size_t b0, size_t bn, size_t *start)
{
    size_t lo = a0 > b0 ? a0 : b0, hi = a0 + an < b0 + bn ? a0 + an : b0 + bn;
    *start = lo;
    return hi > lo ? hi - lo : 0;
}

/* Moves rows from the tiling in `ranges` to the block owners' rows; *dst gets a
 * malloc'ed buffer of this rank's block rows. */
static void exchange_rows(smpi_ctx *c, const strata_field *f, const void *local, size_t row_start,
                          size_t row_count, const uint64_t *ranges, void **dst)
{
    const size_t per_row = strata_field_count(f) / f->dims[0], w = dtype_size(f->dtype);
    size_t t0, tn;
    strata_mpi_block_range(f, c->size, c->rank, NULL, NULL, &t0, &tn);
    int *sc = calloc((size_t)c->size * 4, sizeof *sc);
    int bad = !sc || per_row > INT_MAX || f->dims[0] > INT_MAX;
    *dst = malloc(smpi_nz(tn * per_row * w));
    if (!*dst) bad = 1;
    for (int r = 0; !bad && r < c->size; r++) {
        size_t r0, rn, s;
        strata_mpi_block_range(f, c->size, r, NULL, NULL, &r0, &rn);
        sc[r] = (int)overlap(row_start, row_count, r0, rn, &s);            /* send counts */
        sc[c->size + r] = sc[r] ? (int)(s - row_start) : 0;                 /* send displs */
        sc[2 * c->size + r] = (int)overlap((size_t)ranges[2 * r], (size_t)ranges[2 * r + 1], t0, tn, &s);
        sc[3 * c->size + r] = sc[2 * c->size + r] ? (int)(s - t0) : 0;       /* recv displs */
    }
    int all_ok, ok = !bad;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, c->comm);
    if (!ok) smpi_fail(c, STRATA_ERR_NOMEM, "out of memory (or rows too long for MPI counts)");
    if (all_ok) {
        MPI_Datatype row;
        MPI_Type_contiguous((int)per_row, f->dtype == STRATA_FLOAT32 ? MPI_FLOAT : MPI_DOUBLE, &row);
        MPI_Type_commit(&row);
        MPI_Alltoallv(local, sc, sc + c->size, row, *dst, sc + 2 * c->size, sc + 3 * c->size, row, c->comm);
        MPI_Type_free(&row);
    }
    free(sc);
}

strata_status strata_mpi_write_step(MPI_Comm comm, const char *path, const strata_field *f,
                                    const strata_params *p, const void *local, size_t row_start,
                                    size_t row_count, const strata_mpi_options *options,
                                    strata_mpi_report *report)
{
    smpi_ctx c;
    smpi_begin(&c, comm, report);
    strata_mpi_options opt;
    smpi_options(&c, options, &opt);
    if (!path || !path[0]) smpi_fail(&c, STRATA_ERR_INVALID_ARG, "no output path");
    else if (!check_field_params(&c, f, p)) {
        if (row_start > f->dims[0] || row_count > f->dims[0] - row_start)
            smpi_fail(&c, STRATA_ERR_INVALID_ARG, "rows %zu..%zu lie outside dims[0] = %zu",
                      row_start, row_start + row_count - 1, f->dims[0]);
        else if (row_count && !local)
            smpi_fail(&c, STRATA_ERR_INVALID_ARG, "no local data for %zu rows", row_count);
    }
    check_signature(&c, f, p, NULL, path);
    if (smpi_agree(&c) != STRATA_OK) return smpi_finish(&c);

    double t = smpi_now();
    uint64_t mine[2] = { row_start, row_count };
    uint64_t *ranges = malloc((size_t)c.size * sizeof mine);
    int ok = ranges != NULL, all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm);
    if (!all) {
        smpi_fail(&c, STRATA_ERR_NOMEM, "out of memory");
        free(ranges);
        smpi_agree(&c);
        return smpi_finish(&c);
    }
    MPI_Allgather(mine, 2, MPI_UINT64_T, ranges, 2, MPI_UINT64_T, comm);
    if (rows_tile(&c, ranges, f->dims[0]) || smpi_agree(&c) != STRATA_OK) {
        free(ranges);
        smpi_agree(&c);
        return smpi_finish(&c);
    }
    /* Already in block layout on every rank: no data moves. */
    int aligned = 1;
    for (int r = 0; r < c.size; r++) {
        size_t r0, rn;
        strata_mpi_block_range(f, c.size, r, NULL, NULL, &r0, &rn);
        if (rn && (ranges[2 * r] != r0 || ranges[2 * r + 1] != rn)) aligned = 0;
        if (!rn && ranges[2 * r + 1]) aligned = 0;
    }
    void *moved = NULL;
    if (!aligned) exchange_rows(&c, f, local, row_start, row_count, ranges, &moved);
    free(ranges);
    c.t_exchange += smpi_now() - t;
    size_t first, count;
    strata_mpi_block_range(f, c.size, c.rank, &first, &count, NULL, NULL);
    if (smpi_agree(&c) == STRATA_OK)
        smpi_write_container(&c, path, f, p, aligned ? local : moved, first, count, &opt);
    free(moved);
    return smpi_finish(&c);
}

/* ---- raw files: each rank reads its blocks ------------------------------------------ */

strata_status strata_mpi_compress_file(MPI_Comm comm, const char *input, const char *output,
                                       const strata_field *f, const strata_params *p,
                                       const strata_mpi_options *options, strata_mpi_report *report)
{
    smpi_ctx c;
    smpi_begin(&c, comm, report);
    strata_mpi_options opt;
    smpi_options(&c, options, &opt);
    if (!input || !input[0] || !output || !output[0])
        smpi_fail(&c, STRATA_ERR_INVALID_ARG, "missing input or output path");
    else
        check_field_params(&c, f, p);
    /* The input first: a rank that cannot read it says so (not that its name differs). */
    double t = smpi_now();
    MPI_File fh;
    uint64_t size;
    if (smpi_input_open(&c, input, &fh, &size) != STRATA_OK) return smpi_finish(&c);
    check_signature(&c, f, p, input, output);
    if (smpi_agree(&c) != STRATA_OK) {
        MPI_File_close(&fh);
        return smpi_finish(&c);
    }
    const size_t n = strata_field_count(f), w = dtype_size(f->dtype);
    if (size != (uint64_t)n * w) {
        char dims[128] = "";
        for (unsigned i = 0, pos = 0; i < f->ndims && pos < sizeof dims; i++) {
            int k = snprintf(dims + pos, sizeof dims - pos, "%s%zu", i ? "x" : "", f->dims[i]);
            if (k > 0) pos += (unsigned)k;
        }
        smpi_fail(&c, STRATA_ERR_INVALID_ARG, "'%s' holds %llu bytes, but %s %s needs %llu bytes",
                  input, (unsigned long long)size, f->dtype == STRATA_FLOAT32 ? "f32" : "f64", dims,
                  (unsigned long long)n * w);
    }
    size_t first, count, r0, rn;
    strata_mpi_block_range(f, c.size, c.rank, &first, &count, &r0, &rn);
    const size_t row_bytes = n / f->dims[0] * w;
    void *local = malloc(smpi_nz(rn * row_bytes));
    if (!local) smpi_fail(&c, STRATA_ERR_NOMEM, "out of memory for %zu bytes of input", rn * row_bytes);
    if (smpi_agree(&c) == STRATA_OK)
        smpi_io_all(&c, fh, 0, (MPI_Offset)(r0 * row_bytes), local, rn * row_bytes, input);
    MPI_File_close(&fh);
    c.t_read += smpi_now() - t;
    if (smpi_agree(&c) == STRATA_OK) smpi_write_container(&c, output, f, p, local, first, count, &opt);
    free(local);
    return smpi_finish(&c);
}
