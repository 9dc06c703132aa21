/* lines.h - the common case of a pass row as loops the compiler vectorizes.
 *
 * A *line* is a run of points of one row, without a mask, whose stencil has the
 * same shape for every point (its *form*, one branch of strata_predict). Point
 * j is x[j * xs], its neighbours x[j * xs +- ds] and x[j * xs +- 3 ds], its code
 * codes[j * cs]. The loops compute exactly what interp_template.h's visit()
 * computes point by point (the same operations, in binary64 or binary32, in
 * the same order, so the same bits), with every test of the quantizer turned into a select: no
 * branch per point. A point whose reconstruction would miss gets code 0 and
 * keeps its value, as in strata_quantize_*. Contiguous lines run in place;
 * strided ones through contiguous copies of a chunk.
 *
 * On x86-64 the entry points are also built for AVX2 and picked at load time:
 * vector adds, multiplies and conversions round like scalar ones, so the bytes
 * do not depend on which version runs (no FMA: -ffp-contract=off). lines.c is
 * built with -fno-trapping-math (CMakeLists.txt), the rest of the
 * decomposition without: it changes no value, but lets GCC compute both sides
 * of a select, which helps these loops and slows the scalar ones.
 */
#ifndef STRATA_LINES_H
#define STRATA_LINES_H

#include <stddef.h>
#include <stdint.h>
#include "predict.h"

/* What a pass does to a point (the decomposition's three passes over rows). */
enum { OP_ENCODE, OP_DECODE, OP_ESTIMATE };

/* One line (lines_template.h): op on n points of the given form (a
 * strata_predict_form of predict.h in which b exists, STRATA_FORM_MID to
 * STRATA_FORM_B: a point of a row always has its -ds neighbour). The
 * estimate (form ignored: it needs the whole cubic stencil; always binary64)
 * adds the bit lengths of linear and cubic to cost[0] and cost[1]. */
#define STRATA_DECLARE_LINE(T, SFX)                                                           \
    void strata_line_##SFX(int op, int form, T *x, ptrdiff_t xs, ptrdiff_t ds, int on_row,   \
                           size_t n, uint16_t *codes, ptrdiff_t cs,                            \
                           const strata_line_params *p, double cost[2]);
STRATA_DECLARE_LINE(float, f32)
STRATA_DECLARE_LINE(double, f64)
#undef STRATA_DECLARE_LINE

#endif
