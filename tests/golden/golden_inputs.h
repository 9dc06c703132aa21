/* golden_inputs.h - the inputs of the golden streams in tests/golden/, shared by
 * make_golden.c (writes the streams) and test_golden.c (decodes them and
 * checks every point against the regenerated input).
 *
 * The generator uses only +, -, *, / and integer hashing, no libm calls, so that the
 * inputs are bit-identical on every IEEE-754 platform (build with
 * -ffp-contract=off, as the project does).
 */
#ifndef STRATA_GOLDEN_INPUTS_H
#define STRATA_GOLDEN_INPUTS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "strata.h"

typedef struct {
    const char *name;        /* file name without .strata */
    const char *description; /* how the input is made */
    strata_dtype dtype;
    unsigned ndims;
    size_t dims[4];
    strata_mode mode;
    double bound;
    int kind;                /* generator variant, see golden_value(); 4: golden_make_input() */
    strata_coder coder;
    int blocks;              /* written by strata_compress_blocks (a container) */
} golden_case;

static const golden_case golden_cases[] = {
    {"f32_2d_fill", "2D f32 48x64: bumps + 1e-3 noise, land (fill -1e34) where a quadratic > 0.3, "
     "REL 1e-3, range coder", STRATA_FLOAT32, 2, {48, 64}, STRATA_MODE_REL, 1e-3, 1, STRATA_CODER_RANGE, 0},
    {"f64_3d_rel", "3D f64 12x16x20: bumps + 1e-4 noise, REL 1e-4, Huffman coder", STRATA_FLOAT64, 3,
     {12, 16, 20}, STRATA_MODE_REL, 1e-4, 0, STRATA_CODER_HUFFMAN, 0},
    {"f32_1d_lossless", "1D f32 2000: bumps + 1e-2 noise, lossless", STRATA_FLOAT32, 1, {2000},
     STRATA_MODE_LOSSLESS, 0, 0, STRATA_CODER_DEFAULT, 0},
    {"f64_1d_raw", "1D f64 600: random finite bit patterns, ABS 1e-300: stored raw", STRATA_FLOAT64, 1,
     {600}, STRATA_MODE_ABS, 1e-300, 2, STRATA_CODER_DEFAULT, 0},
    {"f64_4d_abs_nan", "4D f64 3x5x7x9: bumps, every 13th point NaN/+Inf/-Inf, ABS 1e-3, range coder",
     STRATA_FLOAT64, 4, {3, 5, 7, 9}, STRATA_MODE_ABS, 1e-3, 3, STRATA_CODER_RANGE, 0},
    {"f32_2d_container", "as f32_2d_fill, through strata_compress_blocks: a one-block container",
     STRATA_FLOAT32, 2, {48, 64}, STRATA_MODE_REL, 1e-3, 1, STRATA_CODER_RANGE, 1},
    /* Added with coder 3 (range coder with pair contexts); the streams above
     * are unchanged. */
    {"f32_2d_fill_ctx", "as f32_2d_fill at REL 1e-5, range coder with pair contexts", STRATA_FLOAT32, 2,
     {48, 64}, STRATA_MODE_REL, 1e-5, 1, STRATA_CODER_RANGE_CTX, 0},
    {"f64_3d_ctx", "as f64_3d_rel at REL 1e-6, range coder with pair contexts", STRATA_FLOAT64, 3,
     {12, 16, 20}, STRATA_MODE_REL, 1e-6, 0, STRATA_CODER_RANGE_CTX, 0},
    /* Added with format version 2 (method 4, wavelet): version 2 streams. */
    {"f32_3d_psnr_wavelet", "3D f32 16x24x20: uniform noise summed along every dimension (a Brownian "
     "sheet), PSNR 60 dB: the wavelet method", STRATA_FLOAT32, 3, {16, 24, 20}, STRATA_MODE_PSNR, 60, 4,
     STRATA_CODER_DEFAULT, 0},
    /* Added with coder 5 (Huffman with a table per context); the streams above
     * are unchanged. */
    {"f32_2d_fill_hctx", "as f32_2d_fill at REL 1e-4, context Huffman coder (its segment: one table)",
     STRATA_FLOAT32, 2, {48, 64}, STRATA_MODE_REL, 1e-4, 1, STRATA_CODER_HUFFMAN_CTX, 0},
    {"f32_2d_bands_hctx", "2D f32 128x256: bumps + noise of amplitude 5e-3 and 1e-4 in alternate eighths of "
     "each row, REL 1e-3, context Huffman coder (its segment: context tables)", STRATA_FLOAT32, 2, {128, 256},
     STRATA_MODE_REL, 1e-3, 5, STRATA_CODER_HUFFMAN_CTX, 0},
    /* Added with format version 3 (binary32 arithmetic for float32): version 3
     * streams. */
    {"f32_3d_binary32", "3D f32 16x24x20: bumps + 1e-4 noise, REL 1e-3, range coder with pair contexts "
     "(binary32 arithmetic, multi-dimensional levels)", STRATA_FLOAT32, 3, {16, 24, 20}, STRATA_MODE_REL, 1e-3,
     0, STRATA_CODER_RANGE_CTX, 0},
    {"f32_2d_fill_binary32", "as f32_2d_fill, context Huffman coder (binary32 arithmetic, with a mask)",
     STRATA_FLOAT32, 2, {48, 64}, STRATA_MODE_REL, 1e-3, 1, STRATA_CODER_HUFFMAN_CTX, 0},
    /* Added with coder 6 (rANS with a table per context): version 3 streams;
     * the streams above are unchanged. */
    {"f32_2d_fill_ans", "as f32_2d_fill at REL 1e-4, rANS coder (binary32 arithmetic; its segment: one table)",
     STRATA_FLOAT32, 2, {48, 64}, STRATA_MODE_REL, 1e-4, 1, STRATA_CODER_ANS_CTX, 0},
    {"f32_2d_bands_ans", "as f32_2d_bands_hctx, rANS coder (binary32 arithmetic; its segment: context tables)",
     STRATA_FLOAT32, 2, {128, 256}, STRATA_MODE_REL, 1e-3, 5, STRATA_CODER_ANS_CTX, 0},
    {"f64_3d_ans", "as f64_3d_rel at REL 1e-7, rANS coder (one table; 1425 codes with 9 to 12 raw bits)",
     STRATA_FLOAT64, 3, {12, 16, 20}, STRATA_MODE_REL, 1e-7, 0, STRATA_CODER_ANS_CTX, 0},
};
#define GOLDEN_CASE_COUNT (sizeof golden_cases / sizeof golden_cases[0])
#define GOLDEN_FILL (-1e34)

static inline uint64_t golden_hash(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* Uniform in [-1, 1) from point i of case c. */
static inline double golden_noise(uint64_t c, uint64_t i)
{
    return (double)(golden_hash(c * 0x9E3779B97F4A7C15ULL + i) >> 11) * 0x1.0p-52 - 1.0;
}

/* Point i with normalized coordinates x[0..3] (slowest first, padded with 0). */
static inline double golden_value(const golden_case *gc, size_t ci, size_t i, const double *x)
{
    double v = 0;
    for (int k = 0; k < 3; k++) {
        double r2 = 0;
        for (int d = 0; d < 4; d++) {
            double t = x[d] - 0.2 - 0.3 * (double)k - 0.05 * (double)d;
            r2 += t * t;
        }
        v += (double)(k + 1) / (1.0 + 8.0 * (double)(k + 1) * r2);
    }
    v += 0.5 * x[0] * x[1] - 0.25 * x[2] + 0.125 * x[3];
    switch (gc->kind) {
    case 1: {
        double a = x[2] - 0.6, b = x[3] - 0.3; /* a 2D case: the last two coordinates */
        if (a * a + 0.5 * b * b - 0.2 * a * b > 0.3) return GOLDEN_FILL;
        return 20.0 * v + 1e-3 * golden_noise(ci, i);
    }
    case 5: /* noise whose size the codes before a code tell: coder 5's contexts */
        return v + ((size_t)(x[3] * 8.0) % 2 ? 5e-3 : 1e-4) * golden_noise(ci, i);
    case 3:
        if (i % 13 == 4) return (i / 13) % 3 == 0 ? (double)NAN : (i / 13) % 3 == 1 ? (double)INFINITY : -(double)INFINITY;
        return v;
    default:
        return v + (gc->dtype == STRATA_FLOAT64 && gc->mode == STRATA_MODE_REL ? 1e-4 : 1e-2) *
                       golden_noise(ci, i);
    }
}

/* Builds the field, params and malloc'ed input of case ci. */
static inline void *golden_make_input(size_t ci, strata_field *f, strata_params *p)
{
    const golden_case *gc = &golden_cases[ci];
    strata_field_init(f, gc->dtype, gc->ndims, gc->dims);
    if (gc->kind == 1) {
        f->has_fill = 1;
        f->fill_value = GOLDEN_FILL;
    }
    strata_params_init(p);
    p->mode = gc->mode;
    p->bound = gc->bound;
    p->threads = 1;
    p->coder = gc->coder;
    const size_t n = strata_field_count(f), w = gc->dtype == STRATA_FLOAT32 ? 4 : 8;
    uint8_t *data = malloc(n * w);
    if (!data) return NULL;
    if (gc->kind == 4) { /* noise summed along each dimension in turn, in double */
        double *v = malloc(n * sizeof *v);
        if (!v) { free(data); return NULL; }
        for (size_t i = 0; i < n; i++) v[i] = golden_noise(ci, i);
        size_t stride = 1;
        for (unsigned d = gc->ndims; d-- > 0; stride *= gc->dims[d])
            for (size_t i = 0; i < n; i++)
                if (i / stride % gc->dims[d]) v[i] += v[i - stride];
        for (size_t i = 0; i < n; i++) {
            if (w == 4) { float fv = (float)v[i]; memcpy(data + 4 * i, &fv, 4); }
            else memcpy(data + 8 * i, &v[i], 8);
        }
        free(v);
        return data;
    }
    for (size_t i = 0; i < n; i++) {
        double x[4] = {0, 0, 0, 0};
        size_t rest = i;
        for (unsigned d = gc->ndims; d-- > 0;) {
            x[4 - gc->ndims + d] = (double)(rest % gc->dims[d]) / (double)gc->dims[d];
            rest /= gc->dims[d];
        }
        if (gc->kind == 2) { /* random finite bits */
            uint64_t b = golden_hash(ci * 1000003u + i);
            if ((b & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL) b ^= 0x0010000000000000ULL;
            memcpy(data + 8 * i, &b, 8);
            continue;
        }
        double v = golden_value(gc, ci, i, x);
        if (w == 4) {
            float fv = (float)v;
            memcpy(data + 4 * i, &fv, 4);
        } else {
            memcpy(data + 8 * i, &v, 8);
        }
    }
    return data;
}

/* Status names as written in golden-errors/expected.txt. */
static const char *const golden_status_names[STRATA_STATUS_COUNT_] = {
    "STRATA_OK", "STRATA_ERR_GENERIC", "STRATA_ERR_INVALID_ARG", "STRATA_ERR_UNSUPPORTED",
    "STRATA_ERR_DST_TOO_SMALL", "STRATA_ERR_CORRUPT", "STRATA_ERR_CHECKSUM", "STRATA_ERR_TRUNCATED",
    "STRATA_ERR_NOMEM", "STRATA_ERR_VERSION", "STRATA_ERR_EMPTY",
};

#endif
