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

/* Stores to every other element of a strided line, for the encoder, whose
 * working copy holds a value at every point. The compiler does not vectorize a
 * loop that stores every other element, so these run over whole pairs and
 * write each pair's other half back unchanged: the points between a line's
 * points belong to other passes, which no thread runs meanwhile. The last
 * pair could reach past the row, into another thread's, so the last element
 * goes alone. */
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint64_t __attribute__((may_alias, aligned(4))) pair32;
typedef uint32_t __attribute__((may_alias)) word32;
typedef uint32_t __attribute__((may_alias, aligned(2))) pair16;
/* dst[2j] = src[j] for j < n (n >= 1), 4-byte elements (floats, as bits). */
static inline void strata_store_even32(void *dst_, const void *src_, size_t n)
{
    pair32 *d = dst_;
    const word32 *src = src_;
    word32 *dst = dst_;
    for (size_t j = 0; j + 1 < n; j++) d[j] = (d[j] & ~(uint64_t)0xffffffffu) | src[j]; /* low half: dst[2j] */
    dst[2 * (n - 1)] = src[n - 1];
}
/* dst[2j] = src[j] for j < n (n >= 1) where keep[j] != 0, for the decoder. */
static inline void strata_store_even32_kept(void *dst_, const void *src_, const uint16_t *keep, size_t n)
{
    pair32 *d = dst_;
    const word32 *src = src_;
    word32 *dst = dst_;
    STRATA_NO_DEPS
    for (size_t j = 0; j + 1 < n; j++)
        d[j] = keep[j] ? (d[j] & ~(uint64_t)0xffffffffu) | src[j] : d[j];
    if (keep[n - 1]) dst[2 * (n - 1)] = src[n - 1];
}
/* dst[2j] = src[j] for j < n (n >= 1). */
static inline void strata_store_even16(uint16_t *dst, const uint16_t *src, size_t n)
{
    pair16 *d = (pair16 *)(void *)dst;
    for (size_t j = 0; j + 1 < n; j++) d[j] = (d[j] & 0xffff0000u) | src[j];
    dst[2 * (n - 1)] = src[n - 1];
}
#else
static inline void strata_store_even32_kept(void *dst, const void *src, const uint16_t *keep, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (keep[j]) memcpy((char *)dst + 8 * j, (const char *)src + 4 * j, 4);
}
static inline void strata_store_even32(void *dst, const void *src, size_t n)
{
    for (size_t j = 0; j < n; j++) memcpy((char *)dst + 8 * j, (const char *)src + 4 * j, 4);
}
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
