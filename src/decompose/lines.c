/* lines.c - instantiates lines_template.h for each dtype. */
#include <math.h>
#include <string.h>
#include "lines.h"
#include "predict.h"

/* The points of a line never read each other (a pass reads only coarser or
 * earlier points), which the compiler cannot prove from the strides. To clang
 * this is a request; where it cannot vectorize a loop it would warn. */
#if defined(__clang__)
#  pragma clang diagnostic ignored "-Wpass-failed"
#  define STRATA_NO_DEPS _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#  define STRATA_NO_DEPS _Pragma("GCC ivdep")
#else
#  define STRATA_NO_DEPS
#endif

/* Stride 2, the finest level (seven eighths of a 3D field's points), as
 * unzip and zip: a run of 2m - 1 elements split into its m evens and m - 1
 * odds, and merged back. On x86-64 with 128-bit shuffles, which cost one
 * cycle on every AVX2 CPU; what GCC emits for a stride-2 loop crosses 128-bit
 * lanes (vpermd), slow where AVX2 runs as two halves (Zen 1). A run reads and
 * writes exactly its 2m - 1 elements: the element after it may be another
 * thread's. Zipping writes the odds back as they were read; they belong to
 * other passes, which no thread runs meanwhile. */
#if defined(__SSE2__)
#  include <emmintrin.h>
#  define STRATA_IF_SSE2(...) __VA_ARGS__
#else
#  define STRATA_IF_SSE2(...)
#endif

/* For T, W elements to a vector V: strata_unzip_SFX, even[j] = src[2j] for
 * j < m, odd[j] = src[2j + 1] for j < m - 1 (odd may be NULL), and
 * strata_zip_SFX, dst[2j] = even[j] for j < m, dst[2j + 1] = odd[j] for
 * j < m - 1; m >= 1. EVENS and ODDS split two vectors of a run, LOW and HIGH
 * merge two back. */
#define STRATA_DEFINE_ZIP(SFX, T, V, W, LOAD, STORE, EVENS, ODDS, LOW, HIGH)                   \
    STRATA_INLINE void strata_unzip_##SFX(const T *src, T *restrict even, T *restrict odd,    \
                                          size_t m)                                          \
    {                                                                                        \
        size_t j = 0;                                                                        \
        STRATA_IF_SSE2(for (; j + W < m; j += W) { /* all before src[2m - 1] */              \
            const V lo = LOAD(src + 2 * j), hi = LOAD(src + 2 * j + W);                      \
            STORE(even + j, EVENS(lo, hi));                                                  \
            if (odd) STORE(odd + j, ODDS(lo, hi));                                           \
        })                                                                                   \
        for (; j + 1 < m; j++) {                                                             \
            even[j] = src[2 * j];                                                            \
            if (odd) odd[j] = src[2 * j + 1];                                                \
        }                                                                                    \
        even[m - 1] = src[2 * (m - 1)];                                                      \
    }                                                                                        \
    STRATA_INLINE void strata_zip_##SFX(T *dst, const T *even, const T *odd, size_t m)        \
    {                                                                                        \
        size_t j = 0;                                                                        \
        STRATA_IF_SSE2(for (; j + W < m; j += W) {                                           \
            const V e = LOAD(even + j), o = LOAD(odd + j);                                   \
            STORE(dst + 2 * j, LOW(e, o));                                                   \
            STORE(dst + 2 * j + W, HIGH(e, o));                                              \
        })                                                                                   \
        for (; j + 1 < m; j++) {                                                             \
            dst[2 * j] = even[j];                                                            \
            dst[2 * j + 1] = odd[j];                                                         \
        }                                                                                    \
        dst[2 * (m - 1)] = even[m - 1];                                                      \
    }
#define STRATA_EVENS_PS(lo, hi) _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))
#define STRATA_ODDS_PS(lo, hi) _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))
STRATA_DEFINE_ZIP(f32, float, __m128, 4, _mm_loadu_ps, _mm_storeu_ps, STRATA_EVENS_PS,
                  STRATA_ODDS_PS, _mm_unpacklo_ps, _mm_unpackhi_ps)
STRATA_DEFINE_ZIP(f64, double, __m128d, 2, _mm_loadu_pd, _mm_storeu_pd, _mm_unpacklo_pd,
                  _mm_unpackhi_pd, _mm_unpacklo_pd, _mm_unpackhi_pd)
#undef STRATA_DEFINE_ZIP

/* dst[2j] = src[j] for j < n (n >= 1): codes, 16-bit. The compiler does not
 * vectorize a loop that stores every other element, so this one runs over
 * whole pairs and writes each pair's other half back unchanged (as zipping
 * does); the last element goes alone. */
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint32_t __attribute__((may_alias, aligned(2))) pair16;
static inline void strata_store_even16(uint16_t *dst, const uint16_t *src, size_t n)
{
    pair16 *d = (pair16 *)(void *)dst;
    for (size_t j = 0; j + 1 < n; j++) d[j] = (d[j] & 0xffff0000u) | src[j];
    dst[2 * (n - 1)] = src[n - 1];
}
#else
static inline void strata_store_even16(uint16_t *dst, const uint16_t *src, size_t n)
{
    for (size_t j = 0; j < n; j++) dst[2 * j] = src[j];
}
#endif

#define T float
#define SFX f32
#include "lines_template.h"

#define T double
#define SFX f64
#include "lines_template.h"
