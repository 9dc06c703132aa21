/* range_model.h - the adaptive model of the range coder (format.md, "Range
 * segments"), shared by both directions so they cannot disagree.
 *
 * A code v (0 = stored exactly, else q = v - radius) is binarized as:
 *   k = 0 if q == 0, bit length of |q| (1..15) otherwise, 16 for v == 0;
 *   k in unary: bits [k > j] for j = 0.. until a 0 bit or j = 15;
 *   for 1 <= k <= 15: the sign (1 = negative), then the k-1 bits of |q| below
 *   its leading one, the first of them modelled, the rest at probability 1/2.
 * Every modelled bit has a probability per context; the context is the level
 * class of the symbol (stride 1, 2, or coarser) and the mean k of the two
 * symbols before it in the segment. Probabilities start at 1/2 per segment.
 */
#ifndef STRATA_RANGE_MODEL_H
#define STRATA_RANGE_MODEL_H

#include "segments.h"
#include "../decompose/grid.h"

#define RC_PROB_BITS 11
#define RC_PROB_ONE (1u << RC_PROB_BITS)
#define RC_ADAPT 5
#define RC_TOP (1u << 24)
#define RC_KMAX 16
#define RC_NB_CLASSES 9
#define RC_CONTEXTS (3 * RC_NB_CLASSES)

typedef struct {
    uint16_t k[RC_KMAX];
    uint16_t sign;
    uint16_t mant[RC_KMAX];
} rc_context;

typedef struct {
    rc_context ctx[RC_CONTEXTS];
} rc_model;

static inline void rc_model_init(rc_model *m)
{
    uint16_t *p = (uint16_t *)m;
    for (size_t i = 0; i < sizeof *m / sizeof *p; i++) p[i] = RC_PROB_ONE / 2;
}

static inline unsigned rc_level_class(size_t pos, const strata_symbol_levels *lv)
{
    return pos >= lv->fine0 ? 0 : pos >= lv->fine1 ? 1 : 2;
}

static inline unsigned rc_nb_class(unsigned k1, unsigned k2)
{
    unsigned c = (k1 + k2 + 1) >> 1;
    return c < RC_NB_CLASSES - 1 ? c : RC_NB_CLASSES - 1;
}

static inline unsigned rc_bit_length(unsigned x)
{
    return x ? 32u - (unsigned)__builtin_clz(x) : 0u;
}

#endif
