/* scan.c - special points and value range, one template body per dtype. */
#include <math.h>
#include "scan.h"

static inline float fabsf32(float v) { return fabsf(v); }
static inline double fabsf64(double v) { return fabs(v); }

/* Lanes of the range scan: each keeps its own min and max, a select per point
 * and no branch (a special point offers +-Inf), so the lanes vectorize; a
 * min/max reduction would not without -ffinite-math-only. */
#define STRATA_SCAN_LANES 16
/* Points a call of scan_chunk covers: its 32-bit lane counts cannot wrap. */
#define STRATA_SCAN_CHUNK ((size_t)1 << 16)

/* Range and special count of x[0..n) (n a multiple of the lanes) into *lo, *hi
 * and *specials, each merged with what they hold; and x copied to `copy`
 * unless NULL (the encoder's working copy, written while x is at hand). */
#define STRATA_DEFINE_SCAN(T, SFX)                                                       \
    static STRATA_CLONES void scan_chunk_##SFX(const uint8_t *x, size_t n, int has_fill,  \
                                               T fill, double *lo, double *hi,            \
                                               size_t *specials, uint8_t *copy)           \
    {                                                                                    \
        const T inf = (T)INFINITY;                                                       \
        T lo_l[STRATA_SCAN_LANES], hi_l[STRATA_SCAN_LANES];                              \
        uint32_t sp_l[STRATA_SCAN_LANES];                                                \
        for (int k = 0; k < STRATA_SCAN_LANES; k++) { lo_l[k] = inf; hi_l[k] = -inf; sp_l[k] = 0; } \
        for (size_t b = 0; b < n; b += STRATA_SCAN_LANES) {                              \
            T v[STRATA_SCAN_LANES]; /* x may be unaligned: the caller's buffer */        \
            memcpy(v, x + b * sizeof(T), sizeof v);                                      \
            if (copy) memcpy(copy + b * sizeof(T), v, sizeof v);                         \
            for (int k = 0; k < STRATA_SCAN_LANES; k++) {                                \
                const int special = (fabs##SFX(v[k]) < inf ? 0 : 1) | (has_fill & (v[k] == fill)); \
                sp_l[k] += (uint32_t)special;                                            \
                const T vl = special ? inf : v[k], vh = special ? -inf : v[k];           \
                lo_l[k] = vl < lo_l[k] ? vl : lo_l[k];                                   \
                hi_l[k] = vh > hi_l[k] ? vh : hi_l[k];                                   \
            }                                                                            \
        }                                                                                \
        for (int k = 0; k < STRATA_SCAN_LANES; k++) {                                    \
            *lo = (double)lo_l[k] < *lo ? (double)lo_l[k] : *lo;                         \
            *hi = (double)hi_l[k] > *hi ? (double)hi_l[k] : *hi;                         \
            *specials += sp_l[k];                                                        \
        }                                                                                \
    }                                                                                    \
    static void scan_##SFX(const uint8_t *x, size_t n, int has_fill, T fill, int threads,  \
                           strata_scan_result *out, uint8_t *copy)                       \
    {                                                                                    \
        const size_t whole = n / STRATA_SCAN_LANES * STRATA_SCAN_LANES;                  \
        const long long chunks = (long long)((whole + STRATA_SCAN_CHUNK - 1) / STRATA_SCAN_CHUNK); \
        double lo = INFINITY, hi = -INFINITY;                                            \
        size_t specials = 0;                                                             \
        _Pragma("omp parallel for num_threads(threads) if (threads > 1 && chunks > 1) \
                 schedule(static) reduction(min : lo) reduction(max : hi) reduction(+ : specials)") \
        for (long long c = 0; c < chunks; c++) {                                         \
            const size_t b = (size_t)c * STRATA_SCAN_CHUNK;                              \
            scan_chunk_##SFX(x + b * sizeof(T), whole - b < STRATA_SCAN_CHUNK ? whole - b : STRATA_SCAN_CHUNK, \
                             has_fill, fill, &lo, &hi, &specials, copy ? copy + b * sizeof(T) : NULL); \
        }                                                                                \
        for (size_t i = whole; i < n; i++) {                                             \
            T v;                                                                         \
            memcpy(&v, x + i * sizeof v, sizeof v);                                      \
            if (copy) memcpy(copy + i * sizeof v, &v, sizeof v);                         \
            if (!isfinite(v) || (has_fill && v == fill)) { specials++; continue; }       \
            lo = (double)v < lo ? (double)v : lo;                                        \
            hi = (double)v > hi ? (double)v : hi;                                        \
        }                                                                                \
        out->specials = specials;                                                        \
        /* + 0.0 turns -0 into +0: which zero a parallel min/max keeps varies. */     \
        out->vmin = specials < n ? lo + 0.0 : 0.0;                                       \
        out->vmax = specials < n ? hi + 0.0 : 0.0;                                       \
    }
STRATA_DEFINE_SCAN(float, f32)
STRATA_DEFINE_SCAN(double, f64)
#undef STRATA_DEFINE_SCAN

/* The mask alone: no range, no count, and no branch, so the loop vectorizes. */
#define STRATA_DEFINE_MARK(T, SFX)                                                       \
    static STRATA_CLONES void mark_chunk_##SFX(const uint8_t *x, size_t n, int has_fill,  \
                                               T fill, uint8_t *mask)                     \
    {                                                                                    \
        const T inf = (T)INFINITY;                                                       \
        for (size_t i = 0; i < n; i++) {                                                 \
            T v;                                                                         \
            memcpy(&v, x + i * sizeof v, sizeof v);                                      \
            /* NaN fails every comparison: !(|v| < inf) is NaN or +-Inf. */              \
            mask[i] = (uint8_t)((fabs##SFX(v) < inf ? 0 : 1) | (has_fill & (v == fill)));    \
        }                                                                                \
    }                                                                                    \
    static void mark_##SFX(const uint8_t *x, size_t n, int has_fill, T fill, uint8_t *mask, \
                           int threads)                                                  \
    {                                                                                    \
        const long long chunks = (long long)((n + STRATA_SCAN_CHUNK - 1) / STRATA_SCAN_CHUNK); \
        _Pragma("omp parallel for num_threads(threads) if (threads > 1 && chunks > 1)")  \
        for (long long c = 0; c < chunks; c++) {                                         \
            const size_t i = (size_t)c * STRATA_SCAN_CHUNK;                              \
            mark_chunk_##SFX(x + i * sizeof(T), n - i < STRATA_SCAN_CHUNK ? n - i : STRATA_SCAN_CHUNK, \
                             has_fill, fill, mask + i);                                  \
        }                                                                                \
    }
STRATA_DEFINE_MARK(float, f32)
STRATA_DEFINE_MARK(double, f64)
#undef STRATA_DEFINE_MARK

void strata_mark_specials(const strata_field *f, const void *src, size_t n, uint8_t *mask, int threads)
{
    if (f->dtype == STRATA_FLOAT32) mark_f32(src, n, f->has_fill != 0, (float)f->fill_value, mask, threads);
    else mark_f64(src, n, f->has_fill != 0, f->fill_value, mask, threads);
}

void strata_scan(const strata_field *f, const void *src, size_t n, int threads, strata_scan_result *out,
                 void *copy)
{
    if (f->dtype == STRATA_FLOAT32)
        scan_f32(src, n, f->has_fill, (float)f->fill_value, threads, out, copy);
    else
        scan_f64(src, n, f->has_fill, f->fill_value, threads, out, copy);
}
