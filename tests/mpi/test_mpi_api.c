/* test_mpi_api.c - the C API of libstrata_mpi on however many ranks mpirun gives.
 *
 * usage: mpirun -n N test_mpi_api SCRATCH_DIR
 *
 * One field of 23 rows (3 blocks of 10, 10 and 3 rows) is written in situ with
 * several decompositions (aligned with the blocks, uneven and reversed, with an
 * empty rank) and from a raw file; every file must equal strata_compress_blocks()
 * byte for byte. It is read back with other decompositions (overlapping ones too)
 * and every point is checked against the bound. Failures (rows that do not tile,
 * params that differ between ranks, a missing file) must come back the same on
 * every rank and leave no file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "strata_mpi.h"

#define ROWS 23
#define NY 200
#define NX 500
#define PER_ROW ((size_t)NY * NX)
#define FILL (-9999.0f)

static int g_rank, g_size, g_fails;
static char g_dir[900];

#define CHECK(cond, ...)                                                           \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "rank %d: FAIL %s:%d: ", g_rank, __FILE__, __LINE__);  \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
            g_fails++;                                                             \
        }                                                                          \
    } while (0)

static float value(size_t i)
{
    const size_t x = i % NX, y = i / NX % NY, z = i / PER_ROW;
    if (i % 1009 == 3) return FILL;
    if (i % 7919 == 11) return NAN;
    uint32_t h = (uint32_t)i * 2654435761u;
    return (float)(50.0 * sin(0.021 * (double)x + 0.3 * (double)z) * cos(0.033 * (double)y) +
                   1e-2 * ((double)(h >> 8) / 16777216.0));
}

static float *make_rows(size_t r0, size_t rn)
{
    float *p = malloc((rn ? rn : 1) * PER_ROW * sizeof *p);
    for (size_t i = 0; i < rn * PER_ROW; i++) p[i] = value(r0 * PER_ROW + i);
    return p;
}

static void path(char *buf, size_t n, const char *name)
{
    if (snprintf(buf, n, "%s/%s", g_dir, name) >= (int)n) abort();
}

static void setup(strata_field *f, strata_params *p)
{
    const size_t dims[3] = { ROWS, NY, NX };
    strata_field_init(f, STRATA_FLOAT32, 3, dims);
    f->has_fill = 1;
    f->fill_value = FILL;
    strata_params_init(p);
    p->mode = STRATA_MODE_REL;
    p->bound = 1e-3;
    p->threads = 1;
}

static void *read_file(const char *name, size_t *size)
{
    FILE *fp = fopen(name, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    void *b = malloc(n > 0 ? (size_t)n : 1);
    if (fread(b, 1, (size_t)n, fp) != (size_t)n) { free(b); b = NULL; }
    fclose(fp);
    *size = (size_t)n;
    return b;
}

/* Rank 0 compares the file with the reference container. */
static void expect_same_file(const char *name, const void *ref, size_t ref_size, const char *what)
{
    if (g_rank != 0) return;
    size_t n = 0;
    void *b = read_file(name, &n);
    CHECK(b && n == ref_size && memcmp(b, ref, n) == 0, "%s: not the bytes of strata_compress_blocks "
          "(%zu vs %zu bytes)", what, n, ref_size);
    free(b);
}

static void expect_no_file(const char *name)
{
    if (g_rank != 0) return;
    struct stat st;
    CHECK(stat(name, &st) != 0, "%s exists after a failed call", name);
    /* A leftover temporary name would start with NAME.tmp. */
    char cmd[1400];
    if (snprintf(cmd, sizeof cmd, "ls '%s.tmp.'* >/dev/null 2>&1", name) >= (int)sizeof cmd) abort();
    CHECK(system(cmd) != 0, "temporary file %s.tmp.* left", name);
}

/* Every rank got the same status and message. */
static void expect_agreed(strata_status st, const strata_mpi_report *r, strata_status want, const char *what)
{
    CHECK(st == want, "%s: status %d (%s), expected %d; message '%s'", what, st, strata_status_string(st),
          want, r->message);
    uint64_t h = 1469598103934665603ull;
    for (const char *s = r->message; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    uint64_t lo, hi;
    MPI_Allreduce(&h, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&h, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    CHECK(lo == hi, "%s: ranks got different messages ('%s' here)", what, r->message);
    if (g_rank == 0 && want != STRATA_OK) printf("  %s -> %s\n", what, r->message);
}

/* Checks rows [r0, r0 + rn) decoded at `got` against the original. */
static void check_rows(const float *got, size_t r0, size_t rn, double eb, const char *what)
{
    size_t bad = 0;
    for (size_t i = 0; i < rn * PER_ROW; i++) {
        const float x = value(r0 * PER_ROW + i), y = got[i];
        if (isnan(x) || x == FILL) {
            if (memcmp(&x, &y, sizeof x) != 0) bad++;
        } else if (!(fabs((double)y - (double)x) <= eb)) {
            bad++;
        }
    }
    CHECK(bad == 0, "%s: %zu points of rows %zu..%zu break the bound %g", what, bad, r0, r0 + rn, eb);
}

/* Writes with each rank holding `rn` rows from `r0` and compares with the reference. */
static void write_with(size_t r0, size_t rn, const void *ref, size_t ref_size, const char *what)
{
    strata_field f;
    strata_params p;
    setup(&f, &p);
    char out[1200];
    path(out, sizeof out, "step.stra");
    float *local = make_rows(r0, rn);
    strata_mpi_report r;
    strata_mpi_report_init(&r);
    strata_status st = strata_mpi_write_step(MPI_COMM_WORLD, out, &f, &p, local, r0, rn, NULL, &r);
    expect_agreed(st, &r, STRATA_OK, what);
    expect_same_file(out, ref, ref_size, what);
    CHECK(r.file_bytes == ref_size && r.blocks == 3 && r.raw_bytes == ROWS * PER_ROW * 4,
          "%s: report %llu bytes, %llu blocks", what, (unsigned long long)r.file_bytes,
          (unsigned long long)r.blocks);
    free(local);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    snprintf(g_dir, sizeof g_dir, "%s", argc > 1 ? argv[1] : ".");
    if (g_rank == 0) {
        char cmd[2000];
        if (snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", g_dir, g_dir) >= (int)sizeof cmd) abort();
        CHECK(system(cmd) == 0, "cannot make %s", g_dir);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    strata_field f;
    strata_params p;
    setup(&f, &p);
    CHECK(strata_block_count(&f) == 3 && strata_block_slab(&f) == 10, "unexpected block layout");

    /* The reference, at rank 0 (which alone compares files): the whole field in one process. */
    float *all = g_rank == 0 ? make_rows(0, ROWS) : NULL;
    size_t cap = strata_compress_blocks_bound(&f), ref_size = 0;
    uint8_t *ref = g_rank == 0 ? malloc(cap) : NULL;
    if (g_rank == 0)
        CHECK(strata_compress_blocks(&f, all, &p, ref, cap, &ref_size) == STRATA_OK, "strata_compress_blocks");
    unsigned long long rs = ref_size;
    MPI_Bcast(&rs, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    ref_size = (size_t)rs;

    /* 1. Rows aligned with the blocks: nothing moves. */
    size_t r0, rn;
    CHECK(strata_mpi_block_range(&f, g_size, g_rank, NULL, NULL, &r0, &rn) == STRATA_OK, "block_range");
    write_with(r0, rn, ref, ref_size, "aligned rows");

    /* 2. Uneven rows in reverse rank order: rank r holds a share ~ (r + 1). */
    {
        size_t total = (size_t)g_size * (g_size + 1) / 2, end = ROWS;
        size_t start = ROWS;
        for (int r = 0; r <= g_rank; r++) {
            size_t share = r == g_size - 1 ? end : ROWS * (size_t)(r + 1) / total;
            if (share > end) share = end;
            start = end - share;
            if (r < g_rank) end = start;
        }
        write_with(start, end - start, ref, ref_size, "uneven reversed rows");
    }

    /* 3. Rank 1 holds nothing; rank 0 holds its rows too. */
    if (g_size > 1) {
        const size_t per = ROWS / (size_t)(g_size - 1);
        size_t a, n;
        if (g_rank == 1) { a = 0; n = 0; }
        else {
            const size_t k = g_rank == 0 ? 0 : (size_t)g_rank - 1;
            a = k * per;
            n = (g_rank == 0 ? g_size == 2 : g_rank == g_size - 1) ? ROWS - a : per;
        }
        write_with(a, n, ref, ref_size, "an empty rank");
    }

    /* 4. From a raw file, each rank reading its own blocks. */
    char raw[1200], out[1200], single[1200];
    path(raw, sizeof raw, "field.f32");
    path(out, sizeof out, "file.stra");
    path(single, sizeof single, "single.stra");
    if (g_rank == 0) {
        FILE *fp = fopen(raw, "wb");
        CHECK(fp && fwrite(all, sizeof *all, ROWS * PER_ROW, fp) == ROWS * PER_ROW, "write raw");
        if (fp) fclose(fp);
        /* and a single stream (not a container) of the same field */
        size_t scap = strata_compress_bound(&f), ssize;
        uint8_t *s = malloc(scap);
        CHECK(strata_compress(&f, all, &p, s, scap, &ssize) == STRATA_OK, "strata_compress");
        fp = fopen(single, "wb");
        CHECK(fp && fwrite(s, 1, ssize, fp) == ssize, "write single stream");
        if (fp) fclose(fp);
        free(s);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    strata_mpi_report rep;
    strata_mpi_report_init(&rep);
    strata_status st = strata_mpi_compress_file(MPI_COMM_WORLD, raw, out, &f, &p, NULL, &rep);
    expect_agreed(st, &rep, STRATA_OK, "compress_file");
    expect_same_file(out, ref, ref_size, "compress_file");

    /* 5. Reads: an even split (not the blocks), then the same overlapping rows everywhere. */
    strata_stream_info info;
    CHECK(strata_mpi_read_info(MPI_COMM_WORLD, out, &info, NULL) == STRATA_OK, "read_info");
    CHECK(info.blocks == 3 && info.field.dims[0] == ROWS && info.abs_bound > 0, "read_info: wrong info");
    const double eb = info.abs_bound;
    {
        size_t a = ROWS * (size_t)g_rank / (size_t)g_size, b = ROWS * (size_t)(g_rank + 1) / (size_t)g_size;
        const size_t cap_got = ROWS * PER_ROW * sizeof(float);
        float *got = malloc(cap_got);
        st = strata_mpi_read_step(MPI_COMM_WORLD, out, got, (b - a) * PER_ROW * sizeof *got, a, b - a,
                                  NULL, NULL, &rep);
        expect_agreed(st, &rep, STRATA_OK, "read_step, even split");
        check_rows(got, a, b - a, eb, "read_step, even split");
        st = strata_mpi_read_step(MPI_COMM_WORLD, out, got, cap_got, 7, 14, NULL, NULL, &rep);
        expect_agreed(st, &rep, STRATA_OK, "read_step, overlapping");
        check_rows(got, 7, 14, eb, "read_step, overlapping");
        /* A single stream is one block: every rank decodes it and keeps its rows. */
        st = strata_mpi_read_step(MPI_COMM_WORLD, single, got, cap_got, a,
                                  b - a, &info, NULL, &rep);
        expect_agreed(st, &rep, STRATA_OK, "read_step, single stream");
        check_rows(got, a, b - a, info.abs_bound, "read_step, single stream");
        free(got);
    }

    /* 6. decompress_file: the bytes strata_decompress gives in one process. */
    {
        char back[1200];
        path(back, sizeof back, "back.f32");
        float *dec = g_rank == 0 ? malloc(ROWS * PER_ROW * sizeof *dec) : NULL;
        if (g_rank == 0)
            CHECK(strata_decompress(ref, ref_size, dec, ROWS * PER_ROW * sizeof *dec, 1, NULL) == STRATA_OK,
                  "strata_decompress");
        const char *inputs[2] = { out, single };
        for (int k = 0; k < 2; k++) {
            st = strata_mpi_decompress_file(MPI_COMM_WORLD, inputs[k], back, NULL, NULL, &rep);
            expect_agreed(st, &rep, STRATA_OK, k ? "decompress_file, single stream" : "decompress_file");
            if (g_rank == 0) {
                size_t n;
                float *b = read_file(back, &n);
                if (k == 0)
                    CHECK(b && n == ROWS * PER_ROW * 4 && memcmp(b, dec, n) == 0, "decompress_file differs");
                else if (b && n == ROWS * PER_ROW * 4)
                    check_rows(b, 0, ROWS, info.abs_bound, "decompress_file, single stream");
                else
                    CHECK(0, "decompress_file, single stream: %zu bytes", n);
                free(b);
            }
        }
        free(dec);
    }

    /* 7. Failures: agreed on every rank, no file left. */
    char bad[1200];
    path(bad, sizeof bad, "bad.stra");
    {
        /* Rows that do not tile: every rank claims rows 0.. (overlap), or one rank leaves a gap. */
        const size_t n = g_size > 1 ? 10 : ROWS - 1;
        float *local = make_rows(0, n);
        st = strata_mpi_write_step(MPI_COMM_WORLD, bad, &f, &p, local, 0, n, NULL, &rep);
        expect_agreed(st, &rep, STRATA_ERR_INVALID_ARG, "rows that do not tile");
        expect_no_file(bad);
        free(local);
    }
    {
        /* The last rank passes another bound (with one rank: an invalid one). */
        strata_params q = p;
        if (g_rank == g_size - 1) q.bound = g_size > 1 ? 2e-3 : -1.0;
        float *local = make_rows(r0, rn);
        st = strata_mpi_write_step(MPI_COMM_WORLD, bad, &f, &q, local, r0, rn, NULL, &rep);
        expect_agreed(st, &rep, STRATA_ERR_INVALID_ARG, "params that differ (or a bad bound)");
        CHECK(rep.failed_rank == g_size - 1, "failed_rank %d, expected %d", rep.failed_rank, g_size - 1);
        expect_no_file(bad);
        free(local);
    }
    {
        /* A missing file, and a raw file of the wrong size. */
        char missing[1200];
        path(missing, sizeof missing, "missing.stra");
        float one;
        st = strata_mpi_read_step(MPI_COMM_WORLD, missing, &one, sizeof one, 0, 0, NULL, NULL, &rep);
        expect_agreed(st, &rep, STRATA_ERR_GENERIC, "a missing file");
        strata_field g = f;
        g.dims[0] = ROWS - 1;
        st = strata_mpi_compress_file(MPI_COMM_WORLD, raw, bad, &g, &p, NULL, &rep);
        expect_agreed(st, &rep, STRATA_ERR_INVALID_ARG, "a raw file of the wrong size");
        expect_no_file(bad);
        /* strata_mpi_agree: the lowest failing rank wins. */
        const int failing = g_rank == g_size - 1 || (g_size > 2 && g_rank == 1);
        st = strata_mpi_agree(MPI_COMM_WORLD, failing ? STRATA_ERR_NOMEM : STRATA_OK, "no memory here", &rep);
        expect_agreed(st, &rep, STRATA_ERR_NOMEM, "strata_mpi_agree");
        CHECK(rep.failed_rank == (g_size > 2 ? 1 : g_size - 1), "agree: failed_rank %d", rep.failed_rank);
    }

    int fails = 0;
    MPI_Allreduce(&g_fails, &fails, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (g_rank == 0) printf("test_mpi_api on %d rank%s: %s (%d failure%s)\n", g_size, g_size > 1 ? "s" : "",
                            fails ? "FAIL" : "ok", fails, fails == 1 ? "" : "s");
    free(all);
    free(ref);
    MPI_Finalize();
    return fails ? 1 : 0;
}
