/* scan.c - special points and value range, one template body per dtype. */
#include <math.h>
#include "scan.h"

#define STRATA_DEFINE_SCAN(T, SFX)                                                       \
    static void scan_##SFX(const uint8_t *x, size_t n, int has_fill, T fill, uint8_t *mask, \
                           int threads, strata_scan_result *out)                         \
    {                                                                                    \
        double lo = INFINITY, hi = -INFINITY;                                            \
        size_t specials = 0;                                                             \
        _Pragma("omp parallel for num_threads(threads) if (threads > 1 && n > 65536) \
                 reduction(min : lo) reduction(max : hi) reduction(+ : specials)")       \
        for (long long i = 0; i < (long long)n; i++) {                                   \
            T v; /* x may be unaligned: the caller's buffer */                           \
            memcpy(&v, x + (size_t)i * sizeof v, sizeof v);                              \
            const int special = !isfinite(v) || (has_fill && v == fill);                 \
            if (mask) mask[i] = (uint8_t)special;                                        \
            specials += (size_t)special;                                                 \
            if (!special) {                                                              \
                lo = (double)v < lo ? (double)v : lo;                                    \
                hi = (double)v > hi ? (double)v : hi;                                    \
            }                                                                            \
        }                                                                                \
        out->specials = specials;                                                        \
        /* + 0.0 turns -0 into +0: which zero a parallel min/max keeps varies. */     \
        out->vmin = specials < n ? lo + 0.0 : 0.0;                                       \
        out->vmax = specials < n ? hi + 0.0 : 0.0;                                       \
    }
STRATA_DEFINE_SCAN(float, f32)
STRATA_DEFINE_SCAN(double, f64)
#undef STRATA_DEFINE_SCAN

void strata_scan(const strata_field *f, const void *src, size_t n, uint8_t *mask,
                 int threads, strata_scan_result *out)
{
    if (f->dtype == STRATA_FLOAT32)
        scan_f32(src, n, f->has_fill, (float)f->fill_value, mask, threads, out);
    else
        scan_f64(src, n, f->has_fill, f->fill_value, mask, threads, out);
}
