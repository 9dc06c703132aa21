/* test_util.h - helpers shared by the Strata tests: a deterministic PRNG, field
 * generators, THE point checker, a checked round trip, small file helpers and
 * failure reporting. Tests use only strata.h plus these helpers.
 *
 * The checker (tu_check_points) is the single definition of "the bound holds":
 *   - original point NaN, +-Inf or equal to the fill value (converted to dtype):
 *     the reconstruction must have the same bits;
 *   - any other point: fabs((double)x - (double)y) <= abs_bound, evaluated in
 *     double exactly like shared/tools/verify_bound.py (a NaN y fails);
 *   - lossless: every point must have the same bits.
 */
#ifndef STRATA_TEST_UTIL_H
#define STRATA_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "strata.h"

/* ---- reporting ----------------------------------------------------------- */
extern long tu_failures; /* incremented by every failed expectation */

/* The coders a user can pick (not DEFAULT), for the tests that try each. */
#define TU_NCODERS 5
static const strata_coder tu_coders[TU_NCODERS] = {STRATA_CODER_HUFFMAN, STRATA_CODER_RANGE,
                                                   STRATA_CODER_RANGE_CTX, STRATA_CODER_HUFFMAN_CTX,
                                                   STRATA_CODER_ANS_CTX};

#define TU_EXPECT(cond, ...)                                                  \
    do {                                                                      \
        if (!(cond)) {                                                        \
            tu_failures++;                                                    \
            fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

/* Expects status `got` to equal `want`, naming both. */
#define TU_EXPECT_STATUS(got, want, ...)                                      \
    do {                                                                      \
        strata_status got_ = (got), want_ = (want);                           \
        if (got_ != want_) {                                                  \
            tu_failures++;                                                    \
            fprintf(stderr, "%s:%d: FAILED: status %d (%s), expected %d (%s): ", \
                    __FILE__, __LINE__, (int)got_, strata_status_string(got_), \
                    (int)want_, strata_status_string(want_));                 \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

/* Prints "name: PASS/FAIL (n failures)"; returns the process exit code. */
int tu_finish(const char *name);

/* Scale factor for iteration counts: env STRATA_TEST_SCALE (default 1.0).
 * Sanitizer runs may lower it; tu_scaled(n) never returns less than 1. */
double tu_scale(void);
size_t tu_scaled(size_t n);

/* Aborts with a message when malloc fails (tests do not recover from OOM). */
void *tu_malloc(size_t size);

/* ---- PRNG (xoshiro256**, seeded by splitmix64) --------------------------- */
typedef struct { uint64_t s[4]; } tu_rng;

void tu_rng_seed(tu_rng *r, uint64_t seed);
uint64_t tu_rng_next(tu_rng *r);
double tu_rng_uniform(tu_rng *r);           /* [0, 1) */
double tu_rng_normal(tu_rng *r);            /* N(0, 1), Box-Muller */
size_t tu_rng_below(tu_rng *r, size_t n);   /* [0, n), n > 0 */

/* ---- fields -------------------------------------------------------------- */
size_t tu_dtype_size(strata_dtype dtype);
size_t tu_count(unsigned ndims, const size_t *dims);
double tu_get(const void *data, strata_dtype dtype, size_t i);
void tu_set(void *data, strata_dtype dtype, size_t i, double v); /* v converted to dtype */

/* Fills dst (tu_count(ndims, dims) points of dtype) with
 *   offset + amplitude * (sum of 3 sines with random frequency and phase per
 *   dimension) + noise * N(0, 1),
 * deterministically from seed. */
void tu_gen_smooth(void *dst, strata_dtype dtype, unsigned ndims, const size_t *dims,
                   double offset, double amplitude, double noise, uint64_t seed);

/* Fills dst with n finite values of random bits (sign, exponent, mantissa all
 * uniform): incompressible, denormals and zeros included. */
void tu_gen_random_finite(void *dst, strata_dtype dtype, size_t n, uint64_t seed);

/* Whether point i of `field` is special (NaN, +-Inf, or the fill value). */
int tu_is_special(const strata_field *field, const void *data, size_t i);

/* Independently computed range of the valid points; returns how many there are
 * (*vmin = *vmax = 0 when none). */
size_t tu_valid_range(const strata_field *field, const void *data, double *vmin, double *vmax);

/* The absolute bound the user asked for, computed independently of the library:
 * ABS: bound; REL: bound * (max - min over valid points) in double; LOSSLESS: 0;
 * PSNR: +Inf (no pointwise bound is asked for). */
double tu_user_abs_bound(const strata_field *field, const void *data, const strata_params *params);

/* ---- the checker ---------------------------------------------------------- */
typedef struct {
    size_t violations;         /* valid points with |x - y| > abs_bound (or y NaN) */
    size_t special_mismatches; /* special points (or any point, lossless) not bit-exact */
    double max_err;            /* over valid points */
} tu_check_result;

/* Checks every point of recon against orig (see the top of this file).
 * Prints up to 5 offending points prefixed by `label` (NULL: prints nothing).
 * Returns the number of bad points (0: all good); *res may be NULL. */
size_t tu_check_points(const strata_field *field, const void *orig, const void *recon,
                       int lossless, double abs_bound, const char *label,
                       tu_check_result *res);

/* ---- a checked round trip -------------------------------------------------- */
typedef struct {
    size_t stream_size;
    strata_stream_info info;
    double max_err;
    double psnr;                     /* PSNR mode only */
    double compress_s, decompress_s; /* wall-clock seconds of the two calls */
} tu_rt_result;

/* Compresses src into a buffer of strata_compress_bound() bytes, checks the
 * stream size against that bound, strata_read_header() against field/params and
 * the independently computed range and bound (the enforced abs_bound may be
 * tighter than the user's, never looser), decompresses with `threads`, and
 * checks every point: bit-exact for methods 0 (raw) and 2 (lossless), else within
 * info.abs_bound; in PSNR mode the PSNR must reach the target. Failures go to
 * tu_failures. If stream_out is non-NULL it receives the malloc'ed stream
 * (caller frees). Returns 1 if everything held. */
int tu_roundtrip(const strata_field *field, const void *src, const strata_params *params,
                 int threads, const char *label, tu_rt_result *out, uint8_t **stream_out);
/* The same through strata_compress_blocks() (a block container, method 3). */
int tu_roundtrip_blocks(const strata_field *field, const void *src, const strata_params *params,
                        int threads, const char *label, tu_rt_result *out, uint8_t **stream_out);

/* PSNR of recon over the valid points of orig, in dB, as PSNR mode defines it:
 * 20 log10(max - min) - 10 log10(MSE); +Inf when MSE or the range is 0. */
double tu_psnr(const strata_field *field, const void *orig, const void *recon);

/* ---- sample streams -------------------------------------------------------- */
/* Small streams of each kind, for the corruption tests and the fuzz corpus:
 * 0 "f32_3d_fill_rel": 3D f32 ocean-like field with fill -1e34, REL 1e-3
 * 1 "f64_1d_rel":      1D f64 smooth field, REL 1e-4
 * 2 "f32_2d_lossless": 2D f32, lossless
 * 3 "f32_1d_raw":      1D f32 random bits with a tiny ABS bound: stored raw
 * 4 "f64_4d_abs_nan":  4D f64 with NaN/Inf, ABS 1e-2, range coder 2 (the others
 *                      with an entropy coder use the default, range_ctx)
 * 5 "f32_2d_huffman":  2D f32, REL 1e-4, Huffman coder
 * 6 "f32_2d_container": a one-block container of a 2D f32 field with fill
 * 7 "f32_multiblock":  a 2-block container of 2 x (2^20 - 5) points (8 MB)
 * 8 "f32_3d_fill_wavelet": 3D f32 with fill, PSNR 70 dB, coded by the wavelet
 *                      method (aborts if the encoder chose another)
 * 9 "f32_2d_bands_hctx": 2D f32 with noise in alternate eighths of each row,
 *                      REL 1e-3, context Huffman coder (5) with context tables */
#define TU_SAMPLE_COUNT 11
typedef struct {
    const char *name;
    strata_field field;
    strata_params params;
    void *data;          /* the input field */
    uint8_t *stream;
    size_t stream_size;
    int blocks;          /* made by strata_compress_blocks */
} tu_sample;

/* Builds sample `which` (aborts on failure); tu_sample_free releases it. */
void tu_sample_make(int which, tu_sample *s);
void tu_sample_free(tu_sample *s);

/* ---- stream surgery -------------------------------------------------------- */
/* Stream layout facts the corruption tests and fuzzers need (format.h). */
#define TU_HEADER_SIZE STRATA_HEADER_BYTES
#define TU_OFF_PAYLOAD_SIZE 88
#define TU_OFF_PAYLOAD_CHECKSUM 96
#define TU_OFF_HEADER_CHECKSUM 104
#define TU_CONTAINER_HEAD 128 /* block containers: header before the index */

/* Recomputes the checksums of a (damaged) stream so that it reaches the decoder
 * proper: for a stream, the payload checksum (over the bytes the header's
 * payload size names, clipped to `size`) and then the header checksum; for a
 * block container, those of every block, the index and the header. Streams
 * shorter than a header are left alone. Uses the library's internal
 * strata_checksum64 (in strata_static, not declared in strata.h). */
void tu_fix_checksums(uint8_t *stream, size_t size);
void tu_put_u64(uint8_t *p, uint64_t v);
uint64_t tu_get_u64(const uint8_t *p);

/* ---- misc ------------------------------------------------------------------ */
uint64_t tu_fnv1a64(const void *data, size_t size);
/* Whole file into a malloc'ed buffer; NULL on failure. */
uint8_t *tu_read_file(const char *path, size_t *size);
int tu_write_file(const char *path, const void *data, size_t size); /* 1 on success */
const char *tu_mode_name(strata_mode mode);
double tu_seconds(void); /* monotonic-enough wall clock (C11 timespec_get) */

#endif
