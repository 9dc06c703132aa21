/* range_model.h - the adaptive models of the range coders (format.md, "Range
 * segments"), shared by both directions so they cannot disagree. Two versions,
 * one per coder id: RC_V2 (coder 2) and RC_V3 (coder 3). Every function here
 * and in the coder loops takes the version as a constant argument (`ver`); the
 * loops are force-inlined into one entry point per version, so each coder
 * compiles to its own code with no test of the version per symbol.
 *
 * A code v (0 = stored exactly, else q = v - radius) is binarized as:
 *   k = 0 if q == 0, bit length of |q| (1..15) otherwise, 16 for v == 0;
 *   k relative to the neighbour class c (the mean k of the two previous codes,
 *   at most 8), so typical codes take two or three decisions:
 *   [k >= c] (omitted when c = 0); if so, bits [k > j] for j = c, c+1, ...
 *   until a 0 bit or j = 15; if not, bits [k < j] for j = c-1, ..., 1 until a
 *   0 bit (k = j), k = 0 when all are 1;
 *   for 1 <= k <= 15, the sign (1 = negative), modelled by the context and the
 *   sign of the previous code (0 for zero or stored, 1 positive, 2 negative);
 *   for k >= 2, the bit of |q| below its leading one, modelled;
 *   V3 only: for k >= 3, the next bit of |q| too, modelled by k and the bit
 *   above it;
 *   the remaining low bits of |q| (k-2 of them for V2, k-3 for V3) as raw bits
 *   in a separate stream: they are nearly incompressible, and each range-coded
 *   bit costs serial latency.
 * Every modelled bit has a probability per context. The context is the level
 * class of the symbol (stride 1, 2, or coarser) and the history of the symbols
 * before it in the segment (k1, k2: the k of the previous two):
 *   V2: the neighbour class c alone (9 contexts per level class);
 *   V3: the pair (min(k1, 9), min(k2, 9)) (100 per level class). In level order
 *       the points of one level alternate between kinds predicted differently
 *       (along different dimensions), so k2 often shares the current point's
 *       kind and k1 not; the pair lets the model learn that, a mean cannot.
 * Probabilities, reset per segment:
 *   V2: one 11-bit estimate p, initial 1024, moved 1/32 of the way to each bit;
 *   V3: two 16-bit estimates f and s, initial 32768, moved 1/8 and 1/64 of the
 *       way to each bit (a fast and a slow learner); the bit is coded with the
 *       15-bit probability clamp((f + s) >> 2, 32, 32736).
 * Segment layout: varint byte length of the range-coded part, that part, then
 * the raw bit stream (LSB first, 64-bit little-endian words, last one partial).
 */
#ifndef STRATA_RANGE_MODEL_H
#define STRATA_RANGE_MODEL_H

#include "segments.h"
#include <stdlib.h>
#include "../decompose/grid.h"

enum { RC_V2 = 2, RC_V3 = 3 };

#define RC_TOP (1u << 24)
#define RC_KMAX 16
#define RC_NB_CLASSES 9      /* neighbour classes c = 0..8 */
#define RC_V3_KCAP 9         /* V3 pairs (min(k1, 9), min(k2, 9)) */
#define RC_V3_CONTEXTS ((RC_V3_KCAP + 1) * (RC_V3_KCAP + 1))
#define RC_V3_PMIN 32u
/* Worst case bytes written per symbol: at most 20 modelled decisions of at most
 * two bytes each (V2: one); checked once per symbol rather than per byte. */
#define RC_SYMBOL_BYTES 48

/* Contexts per level class. */
static inline unsigned rc_class_contexts(const unsigned ver)
{
    return ver == RC_V2 ? RC_NB_CLASSES : RC_V3_CONTEXTS;
}

/* Bits of the probability a decision is coded with. */
static inline unsigned rc_prob_bits(const unsigned ver)
{
    return ver == RC_V2 ? 11 : 15;
}

/* V2 uses f only, V3 both. */
typedef struct { uint16_t f, s; } rc_prob;

static inline uint32_t rc_prob_get(const rc_prob *p, const unsigned ver)
{
    if (ver == RC_V2) return p->f;
    const uint32_t v = ((uint32_t)p->f + p->s) >> 2;
    return v < RC_V3_PMIN ? RC_V3_PMIN : v > (1u << 15) - RC_V3_PMIN ? (1u << 15) - RC_V3_PMIN : v;
}

/* Moves the estimates towards the coded bit (V2: 1/32 of the way in 11 bits). */
static inline void rc_prob_adapt(rc_prob *p, unsigned bit, const unsigned ver)
{
    const uint32_t f = p->f, s = p->s;
    if (ver == RC_V2) {
        p->f = (uint16_t)(bit ? f - (f >> 5) : f + ((2048u - f) >> 5));
    } else {
        p->f = (uint16_t)(bit ? f - (f >> 3) : f + ((65536u - f) >> 3));
        p->s = (uint16_t)(bit ? s - (s >> 6) : s + ((65536u - s) >> 6));
    }
}

typedef struct {
    rc_prob ge;              /* k >= c */
    rc_prob up[RC_KMAX];     /* [k > j] for j = c, c+1, ... */
    rc_prob dn[RC_KMAX];     /* [k < j] for j = c-1, c-2, ..., 1 */
    rc_prob sign[3];         /* by the sign of the previous code: zero, positive, negative */
    rc_prob mant[RC_KMAX];   /* the bit below the leading one, by k */
    rc_prob mant2[RC_KMAX][2]; /* V3: the next bit, by k and the bit above */
} rc_context;

typedef struct {
    rc_context ctx[3 * RC_V3_CONTEXTS]; /* level class 0 (stride 1) first */
} rc_model;

static inline void rc_model_init(rc_model *m, const unsigned ver)
{
    const rc_prob init = ver == RC_V2 ? (rc_prob){1024, 0} : (rc_prob){32768, 32768};
    rc_prob *p = (rc_prob *)m->ctx;
    const size_t n = 3 * rc_class_contexts(ver) * (sizeof(rc_context) / sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = init;
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

/* What the model knows of the symbols before the current one. */
typedef struct {
    unsigned k1, k2, sign;
} rc_history;

/* A coder's per-thread scratch: the model, and the neighbour class of every
 * k1 + k2 (a load instead of an add, a shift and a min per symbol). */
typedef struct {
    rc_model model;
    uint8_t nb_class[2 * RC_KMAX + 1];
} rc_scratch;

/* The context of the next symbol within its level class's `ctx`, and its
 * neighbour class in *nb. */
static inline rc_context *rc_select(rc_context *ctx, const rc_scratch *s, const rc_history *h,
                                    unsigned *nb, const unsigned ver)
{
    *nb = s->nb_class[h->k1 + h->k2];
    if (ver == RC_V2) return &ctx[*nb];
    const unsigned a = h->k1 < RC_V3_KCAP ? h->k1 : RC_V3_KCAP, b = h->k2 < RC_V3_KCAP ? h->k2 : RC_V3_KCAP;
    return &ctx[a * (RC_V3_KCAP + 1) + b];
}

static inline void rc_history_push(rc_history *h, unsigned k, unsigned sign)
{
    h->k2 = h->k1;
    h->k1 = k;
    h->sign = sign;
}

/* Modelled bits of |q| below its leading one, for bit length k (1..15). */
static inline unsigned rc_mant_bits(unsigned k, const unsigned ver)
{
    const unsigned most = ver == RC_V2 ? 1 : 2;
    return k - 1 < most ? k - 1 : most;
}

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

/* The runs of one level class in a segment of n symbols from `first`: symbols
 * b[r] .. b[r+1]-1 have level class 2 - r (the class changes at most twice). */
static inline void rc_class_runs(const strata_symbol_levels *lv, size_t first, size_t n, size_t b[4])
{
    b[0] = 0;
    b[1] = lv->fine1 > first ? (lv->fine1 - first < n ? lv->fine1 - first : n) : 0;
    b[2] = lv->fine0 > first ? (lv->fine0 - first < n ? lv->fine0 - first : n) : 0;
    if (b[2] < b[1]) b[2] = b[1];
    b[3] = n;
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
