/* test_regressions.c - one case per library bug found by the test suite or the
 * fuzzers, each kept as a regression test once fixed, and per rounding edge a
 * format change opened.
 *
 * usage: test_regressions NAME   (NAME as in the table at the bottom)
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

/* signed_zero_range: the header's valid_min / valid_max (and so the stream's
 * bytes) must not depend on the thread count. src/preprocess/scan.c reduced lo
 * and hi with OpenMP min/max reductions; when the extreme valid value was zero
 * and both +0 and -0 occurred, the zero that won depended on how partial
 * results were combined, which varied with the thread count and from run to
 * run (header bytes 72..79 and the header checksum differed). Fixed in 9b11b9f. */
static void signed_zero_range(void)
{
    const size_t n = 300000;
    strata_field f;
    strata_field_init(&f, STRATA_FLOAT32, 1, &n);
    float *x = tu_malloc(n * sizeof *x);
    for (int sign = 0; sign < 2; sign++) {
        /* sign 0: minimum is zero (values >= 0); sign 1: maximum is zero (values <= 0).
         * +0 in the first half, -0 in the second. */
        for (size_t i = 0; i < n; i++) {
            float v = 0.5f + (float)(i % 977) / 977.0f;
            if (i % 1000 == 10) v = i < n / 2 ? 0.0f : -0.0f;
            x[i] = sign ? -v : v;
        }
        const size_t cap = strata_compress_bound(&f);
        uint8_t *ref = tu_malloc(cap), *s = tu_malloc(cap);
        size_t ref_size = 0, size = 0;
        strata_params p;
        strata_params_init(&p);
        p.threads = 1;
        TU_EXPECT_STATUS(strata_compress(&f, x, &p, ref, cap, &ref_size), STRATA_OK, "threads 1");
        int differ = 0;
        for (int rep = 0; rep < 10; rep++)
            for (p.threads = 2; p.threads <= 4; p.threads++) {
                TU_EXPECT_STATUS(strata_compress(&f, x, &p, s, cap, &size), STRATA_OK, "threads %d", p.threads);
                if (size != ref_size || memcmp(s, ref, size) != 0) {
                    differ++;
                    strata_stream_info a, b;
                    if (differ == 1 && strata_read_header(ref, ref_size, &a) == STRATA_OK &&
                        strata_read_header(s, size, &b) == STRATA_OK)
                        fprintf(stderr, "  threads 1: valid [%g, %g]; threads %d: valid [%g, %g]\n",
                                a.valid_min, a.valid_max, p.threads, b.valid_min, b.valid_max);
                }
            }
        TU_EXPECT(differ == 0, "%s is zero: %d of 30 streams with threads 2..4 differ from threads=1",
                  sign ? "maximum" : "minimum", differ);
        free(ref);
        free(s);
    }
    free(x);
}

/* tiny_abs_bound: an ABS bound of DBL_TRUE_MIN (the smallest denormal) is > 0
 * and finite, so strata_compress accepts it. It used to code with method 1: the
 * level plan (src/decompose/interp_template.h, strata_interp_plan: pl->eb = eb /
 * min(1.5^(l-1), 2)) divided it by 2 for levels >= 3, which rounds to 0, and
 * the decoder (src/common/params_section.h, strata_params_read:
 * !(plan[l].eb > 0)) then rejected the library's own stream as
 * STRATA_ERR_CORRUPT. The field must compress (else the stream falls back to
 * raw): a constant field does. Fixed in 9b11b9f (such bounds code losslessly). */
static void tiny_abs_bound(void)
{
    const size_t n = 1000;
    strata_field f;
    for (int dt = STRATA_FLOAT32; dt <= STRATA_FLOAT64; dt++) {
        strata_field_init(&f, (strata_dtype)dt, 1, &n);
        void *x = tu_malloc(n * 8);
        for (size_t i = 0; i < n; i++) tu_set(x, f.dtype, i, 1.0);
        strata_params p;
        strata_params_init(&p);
        p.mode = STRATA_MODE_ABS;
        static const double bounds[] = {4.9406564584124654e-324, 9.8813129168249309e-324, 1e-320};
        for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
            p.bound = bounds[b];
            char label[64];
            snprintf(label, sizeof label, "%s constant abs %g", dt == STRATA_FLOAT32 ? "f32" : "f64",
                     p.bound);
            tu_roundtrip(&f, x, &p, 1, label, NULL, NULL);
        }
        free(x);
    }
}

/* binary32_bound_edge: format version 3 decomposes float32 in binary32 when the
 * bound is at least 2^-13 of the largest magnitude. Values in [990, 1010] sit
 * on a grid of 2^-14, and the bound here is 2^-20 below the grid point
 * 2021 * 2^-14: a reconstruction whose exact value is within the bound but
 * within half a grid step of it rounds to an r with |x - r| = 2021 * 2^-14,
 * past the bound. src/decompose/predict.h's test fl(|x - r|) < eb_f must send
 * each such point to UNPRED; loosened by an ulp of x, this case reports
 * violations. */
static void binary32_bound_edge(void)
{
    const size_t n = (size_t)1 << 20;
    strata_field f;
    strata_field_init(&f, STRATA_FLOAT32, 1, &n);
    float *x = tu_malloc(n * sizeof *x);
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < n; i++) {
        h ^= h << 13; h ^= h >> 7; h ^= h << 17;
        x[i] = (float)(1000.0 + 20.0 * ((double)(h >> 11) / 9007199254740992.0 - 0.5));
    }
    strata_params p;
    strata_params_init(&p);
    p.mode = STRATA_MODE_ABS;
    p.bound = 2021.0 / 16384.0 - 1.0 / 1048576.0; /* x 8192 = 1010.49 >= 1010: binary32 */
    static const strata_coder coders[] = {STRATA_CODER_HUFFMAN, STRATA_CODER_RANGE_CTX, STRATA_CODER_HUFFMAN_CTX,
                                          STRATA_CODER_ANS_CTX};
    for (size_t c = 0; c < sizeof coders / sizeof coders[0]; c++) {
        p.coder = coders[c];
        char label[64];
        snprintf(label, sizeof label, "f32 1000 +- 10, abs 2021/2^14 - 2^-20, coder %d", (int)coders[c]);
        tu_rt_result r;
        if (tu_roundtrip(&f, x, &p, 2, label, &r, NULL))
            TU_EXPECT(r.info.format_version == 3, "%s: version %u, want 3", label, r.info.format_version);
    }
    free(x);
}

static const struct { const char *name; void (*fn)(void); } cases[] = {
    {"signed_zero_range", signed_zero_range},
    {"tiny_abs_bound", tiny_abs_bound},
    {"binary32_bound_edge", binary32_bound_edge},
};

int main(int argc, char **argv)
{
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].fn();
            char name[96];
            snprintf(name, sizeof name, "test_regressions %s", cases[i].name);
            return tu_finish(name);
        }
    fprintf(stderr, "usage: %s CASE\n", argv[0]);
    return 2;
}
