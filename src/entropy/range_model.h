/* range_model.h - the adaptive model of the range coder (format.md, "Range
 * segments"), shared by both directions so they cannot disagree.
 *
 * A code v (0 = stored exactly, else q = v - radius) is binarized as:
 *   k = 0 if q == 0, bit length of |q| (1..15) otherwise, 16 for v == 0;
 *   k relative to the neighbour class c of its context (the mean k of the two
 *   previous codes, at most 8), so typical codes take two or three decisions:
 *   [k >= c] (omitted when c = 0); if so, bits [k > j] for j = c, c+1, ...
 *   until a 0 bit or j = 15; if not, bits [k < j] for j = c-1, ..., 1 until a
 *   0 bit (k = j), k = 0 when all are 1;
 *   for 1 <= k <= 15, the sign (1 = negative), modelled by the context and the
 *   sign of the previous code (0 for zero or stored, 1 positive, 2 negative);
 *   for k >= 2, the bit of |q| below its leading one, modelled;
 *   for k >= 3, the k-2 lowest bits of |q| as raw bits in a separate stream:
 *   they are incompressible, and each range-coded bit costs serial latency.
 * Every modelled bit has a probability per context; the context is the level
 * class of the symbol (stride 1, 2, or coarser) and the mean k of the two
 * symbols before it in the segment. Probabilities start at 1/2 per segment.
 * Segment layout: varint byte length of the range-coded part, that part, then
 * the raw bit stream (LSB first, 64-bit little-endian words, last one partial).
 */
#ifndef STRATA_RANGE_MODEL_H
#define STRATA_RANGE_MODEL_H

#include "segments.h"
#include <stdlib.h>
#include "../decompose/grid.h"

#define RC_PROB_BITS 11
#define RC_PROB_ONE (1u << RC_PROB_BITS)
#define RC_ADAPT 5
#define RC_TOP (1u << 24)
#define RC_KMAX 16
#define RC_NB_CLASSES 9
#define RC_CONTEXTS (3 * RC_NB_CLASSES)

typedef struct {
    uint16_t ge;          /* k >= c */
    uint16_t up[RC_KMAX]; /* [k > j] for j = c, c+1, ... */
    uint16_t dn[RC_KMAX]; /* [k < j] for j = c-1, c-2, ..., 1 */
    uint16_t sign[3];   /* by the sign of the previous code: zero, positive, negative */
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

/* Probability after coding `bit`: moves 1/32 of the way towards the bit. */
static inline uint16_t rc_adapt(uint32_t prob, unsigned bit)
{
    return (uint16_t)(bit ? prob - (prob >> RC_ADAPT) : prob + ((RC_PROB_ONE - prob) >> RC_ADAPT));
}

static inline unsigned rc_level_class(size_t pos, const strata_symbol_levels *lv)
{
    return pos >= lv->fine0 ? 0 : pos >= lv->fine1 ? 1 : 2;
}

/* Context index and its neighbour class c. */
static inline unsigned rc_nb_class(unsigned k1, unsigned k2)
{
    unsigned c = (k1 + k2 + 1) >> 1;
    return c < RC_NB_CLASSES - 1 ? c : RC_NB_CLASSES - 1;
}

static inline unsigned rc_bit_length(unsigned x)
{
    return x ? 32u - (unsigned)__builtin_clz(x) : 0u;
}

/* A coder's per-thread scratch: the model, and the neighbour class of every
 * k1 + k2 (a load instead of an add, a shift and a min per symbol). */
typedef struct {
    rc_model model;
    uint8_t nb_class[2 * RC_KMAX + 1];
} rc_scratch;

static inline rc_scratch *rc_scratch_get(void **scratch)
{
    if (!*scratch) {
        rc_scratch *s = malloc(sizeof *s);
        if (!s) return NULL;
        for (unsigned k = 0; k <= 2 * RC_KMAX; k++) s->nb_class[k] = (uint8_t)rc_nb_class(k, 0);
        *scratch = s;
    }
    return *scratch;
}

/* Raw bit stream, LSB first. */
typedef struct { uint64_t acc; unsigned n; strata_buf out; } rc_raw_writer;

static inline void rc_raw_put(rc_raw_writer *w, uint64_t bits, unsigned n)
{
    w->acc |= bits << w->n;
    w->n += n;
    if (w->n >= 64) {
        uint8_t b[8];
        strata_put_u64(b, w->acc);
        strata_buf_append(&w->out, b, 8);
        w->n -= 64;
        w->acc = w->n ? bits >> (n - w->n) : 0;
    }
}

static inline void rc_raw_flush(rc_raw_writer *w)
{
    uint8_t b[8];
    strata_put_u64(b, w->acc);
    strata_buf_append(&w->out, b, (w->n + 7) / 8);
}

typedef struct { const uint8_t *p, *end; uint64_t acc; unsigned n; int overrun; } rc_raw_reader;

static inline uint32_t rc_raw_get(rc_raw_reader *r, unsigned n)
{
    if (r->n < n) {
        uint64_t w = 0;
        if (r->end - r->p >= 8) { w = strata_get_u64(r->p); r->p += 8; }
        else if (r->p < r->end) { for (int i = 0; r->p < r->end; i++) w |= (uint64_t)*r->p++ << (8 * i); }
        else r->overrun = 1;
        uint32_t v = (uint32_t)((r->acc | (w << r->n)) & ((1ull << n) - 1));
        unsigned used = n - r->n;
        r->acc = used < 64 ? w >> used : 0;
        r->n = 64 - used;
        return v;
    }
    uint32_t v = (uint32_t)(r->acc & ((1ull << n) - 1));
    r->acc >>= n;
    r->n -= n;
    return v;
}

#endif
