/* internal.h - shared by every stage of libstrata; never installed. */
#ifndef STRATA_INTERNAL_H
#define STRATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "strata.h"

/* Error propagation in the style of zstd's RETURN_ERROR_IF / FORWARD_IF_ERROR. */
#define STRATA_RETURN_IF(cond, status) \
    do { if (cond) return (status); } while (0)
#define STRATA_FORWARD(expr) \
    do { strata_status s_fwd_ = (expr); if (s_fwd_ != STRATA_OK) return s_fwd_; } while (0)

#ifdef STRATA_ENABLE_ASSERTIONS
#  include <assert.h>
#  define STRATA_ASSERT(c) assert(c)
#else
#  define STRATA_ASSERT(c) ((void)0)
#endif

#if defined(__GNUC__)
#  define STRATA_INLINE static inline __attribute__((always_inline))
#  define STRATA_LIKELY(x) __builtin_expect(!!(x), 1)
#  define STRATA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define STRATA_INLINE static inline
#  define STRATA_LIKELY(x) (x)
#  define STRATA_UNLIKELY(x) (x)
#endif

/* Hot loops built twice on x86-64 Linux, AVX2 and the baseline, picked at load
 * time (an ifunc). Only where vector results round like scalar ones (adds,
 * multiplies, conversions, min/max; no FMA: -ffp-contract=off), so the bytes
 * do not depend on which version runs. clang resolves clones only within
 * their translation unit: call them from there. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && !defined(STRATA_NO_CLONES)
#  define STRATA_CLONES __attribute__((target_clones("avx2", "default")))
/* Integer loops that read or write bits, built for x86-64-v3 (AVX2 and BMI2,
 * whose shifts take their count in any register: a move saved a shift) and
 * the baseline. Integer only: v3 also has FMA. Such a function is never
 * inlined, which keeps its loop's registers its own; without clones it stays
 * a function of its own too. */
#  define STRATA_CLONES_BITS __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#  define STRATA_CLONES
#  if defined(__GNUC__)
#    define STRATA_CLONES_BITS __attribute__((noinline))
#  else
#    define STRATA_CLONES_BITS
#  endif
#endif

/* Multiplication that reports overflow instead of wrapping (sizes from streams). */
static inline int strata_mul_overflows(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 1;
    *out = a * b;
    return 0;
}

static inline size_t strata_dtype_size(strata_dtype t)
{
    return t == STRATA_FLOAT32 ? 4 : t == STRATA_FLOAT64 ? 8 : 0;
}

/* A FLOAT32 field's fill value must convert to float: NaN, +-Inf or in range. */
static inline int strata_fill_ok(const strata_field *f)
{
    if (!f->has_fill || f->dtype != STRATA_FLOAT32) return 1;
    const double v = f->fill_value;
    return isnan(v) || isinf(v) || fabs(v) <= 3.4028234663852886e38;
}

/* The absolute bound that ABS/REL params give over the valid range [vmin, vmax].
 * 0 means none is usable and the field is coded losslessly (which honours any
 * bound): lossless mode, a zero-width range, or a bound so small that level
 * bounds and bin reciprocals would leave the normal range. */
static inline double strata_resolve_abs_bound(strata_mode mode, double bound, double vmin, double vmax)
{
    double eb = mode == STRATA_MODE_ABS ? bound : mode == STRATA_MODE_REL ? bound * (vmax - vmin) : 0.0;
    /* A huge bound is clamped: enforcing a tighter one still honours it. */
    return eb >= 0x1p-1000 ? (eb <= 0x1p1000 ? eb : 0x1p1000) : 0.0;
}

/* Number of threads an OpenMP region should use (params.threads semantics). */
int strata_thread_count(int requested);

/* Validates strata_compress()'s arguments (src/compress.c). */
strata_status strata_check_compress_args(const strata_field *f, const void *src,
                                         const strata_params *p, const void *dst,
                                         const size_t *dst_size);

/* The first error of per-item statuses, in item order: what parallel loops over
 * blocks report, the same whatever the thread count. */
static inline strata_status strata_first_error(const strata_status *st, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (st[i] != STRATA_OK) return st[i];
    return STRATA_OK;
}

/* 64-bit checksum of a byte range (src/common/checksum.c). */
uint64_t strata_checksum64(const void *data, size_t size);

#endif
