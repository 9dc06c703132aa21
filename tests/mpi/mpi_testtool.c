/* mpi_testtool.c - single-process helpers for the MPI tests (no MPI here).
 *
 *   mpi_testtool blocks IN OUT f32|f64 DIMS abs|rel|lossless BOUND [FILL]
 *       compresses the raw file IN with strata_compress_blocks(): the reference
 *       every strata-mpi output must equal byte for byte, whatever the rank count.
 *   mpi_testtool gen OUT f32|f64 DIMS
 *       writes a deterministic smooth field with noise, NaN, +Inf and fill points
 *       (fill value -9999), for shapes the tests choose not to divide evenly. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strata.h"

static int parse_dims(const char *s, strata_field *f, strata_dtype t)
{
    size_t dims[STRATA_MAX_DIMS];
    unsigned n = 0;
    char *end;
    for (;;) {
        if (n == STRATA_MAX_DIMS) return 1;
        dims[n++] = (size_t)strtoull(s, &end, 10);
        if (*end == '\0') break;
        if (*end != 'x') return 1;
        s = end + 1;
    }
    strata_field_init(f, t, n, dims);
    return strata_field_count(f) == 0;
}

static void *read_all(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *size = (size_t)n;
    return buf;
}

static int write_all(const char *path, const void *buf, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return 1;
    int bad = fwrite(buf, 1, n, fp) != n;
    return fclose(fp) != 0 || bad;
}

static int cmd_blocks(int argc, char **argv)
{
    if (argc < 8) return 2;
    strata_field f;
    strata_params p;
    const strata_dtype t = !strcmp(argv[4], "f64") ? STRATA_FLOAT64 : STRATA_FLOAT32;
    if (parse_dims(argv[5], &f, t)) return 2;
    strata_params_init(&p);
    p.mode = !strcmp(argv[6], "abs") ? STRATA_MODE_ABS : !strcmp(argv[6], "rel") ? STRATA_MODE_REL
                                                                                   : STRATA_MODE_LOSSLESS;
    p.bound = p.mode == STRATA_MODE_LOSSLESS ? 0.0 : atof(argv[7]);
    if (argc > 8) {
        f.has_fill = 1;
        f.fill_value = t == STRATA_FLOAT32 ? (double)(float)atof(argv[8]) : atof(argv[8]);
    }
    size_t size, out_size;
    void *src = read_all(argv[2], &size);
    if (!src || size != strata_field_count(&f) * (t == STRATA_FLOAT32 ? 4 : 8)) {
        fprintf(stderr, "mpi_testtool: cannot read %s or wrong size\n", argv[2]);
        return 1;
    }
    const size_t cap = strata_compress_blocks_bound(&f);
    void *dst = malloc(cap);
    strata_status st = dst ? strata_compress_blocks(&f, src, &p, dst, cap, &out_size) : STRATA_ERR_NOMEM;
    if (st != STRATA_OK) {
        fprintf(stderr, "mpi_testtool: %s\n", strata_status_string(st));
        return 1;
    }
    int rc = write_all(argv[3], dst, out_size);
    free(src);
    free(dst);
    return rc;
}

static int cmd_gen(int argc, char **argv)
{
    if (argc < 5) return 2;
    strata_field f;
    const strata_dtype t = !strcmp(argv[3], "f64") ? STRATA_FLOAT64 : STRATA_FLOAT32;
    if (parse_dims(argv[4], &f, t)) return 2;
    const size_t n = strata_field_count(&f), nx = f.dims[f.ndims - 1];
    const size_t ny = f.ndims > 1 ? f.dims[f.ndims - 2] : 1;
    const size_t w = t == STRATA_FLOAT32 ? 4 : 8;
    unsigned char *buf = malloc(n * w);
    if (!buf) return 1;
    uint32_t h = 12345;
    for (size_t i = 0; i < n; i++) {
        const double x = (double)(i % nx), y = (double)(i / nx % ny), z = (double)(i / (nx * ny));
        h = h * 1664525u + 1013904223u;
        double v = 40.0 * sin(0.031 * x + 0.2 * z) * cos(0.047 * y) + 3.0 * sin(0.11 * z) +
                   1e-3 * ((double)(h >> 8) / 16777216.0 - 0.5);
        if (i % 997 == 5) v = -9999.0;
        if (i % 4999 == 7) v = NAN;
        if (i == n / 2) v = INFINITY;
        if (t == STRATA_FLOAT32) {
            float fv = (float)v;
            memcpy(buf + i * w, &fv, w);
        } else {
            memcpy(buf + i * w, &v, w);
        }
    }
    int rc = write_all(argv[2], buf, n * w);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (argc > 1 && !strcmp(argv[1], "blocks")) rc = cmd_blocks(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "gen")) rc = cmd_gen(argc, argv);
    if (rc == 2) fprintf(stderr, "usage: mpi_testtool blocks IN OUT f32|f64 DIMS abs|rel|lossless BOUND [FILL]\n"
                                 "       mpi_testtool gen OUT f32|f64 DIMS\n");
    return rc;
}
