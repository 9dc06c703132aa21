/* lines.c - instantiates lines_template.h for each dtype. */
#include <math.h>
#include "lines.h"
#include "predict.h"

/* Each entry point twice on x86-64 Linux: AVX2 and the baseline (lines.h). */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && !defined(STRATA_NO_CLONES)
#  define STRATA_LINE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define STRATA_LINE_CLONES
#endif
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

#define T float
#define SFX f32
#include "lines_template.h"

#define T double
#define SFX f64
#include "lines_template.h"
