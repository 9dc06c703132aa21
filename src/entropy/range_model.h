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
 *   sign of the previous code (0 for zero or stored, 1 positive, 2 negative),
 *   V3: and of the code before it (9 sign contexts);
 *   for k >= 2, the bit of |q| below its leading one, modelled;
 *   for k >= 3, the k-2 lowest bits of |q| as raw bits in a separate stream:
 *   they are incompressible, and each range-coded bit costs serial latency.
 * Every modelled bit has a probability per context. The context is the level
 * class of the symbol (stride 1, 2, or coarser) and the history of the symbols
 * before it in the segment (k1, k2: the k of the previous two):
 *   V2: the neighbour class c alone (9 contexts per level class);
 *   V3: the pair (min(k1, 9), min(k2, 9)) (100 per level class). In level order
 *       the points of one level alternate between kinds predicted differently
 *       (along different dimensions), so k2 often shares the current point's
 *       kind and k1 not; the pair lets the model learn that, a mean cannot.
 * Probabilities (of a 0 bit), reset to 1/2 per segment, move 1/32 of the way
 * towards each coded bit: V2 in 11 bits, V3 in 16 bits (V2's floor of 31/2048
 * costs 0.02 bits per near-certain decision, most of the stream at loose bounds).
 * V3 costs 4-8% more instructions per symbol than V2 (callgrind, UWND, rel 1e-2
 * and 1e-4); the precomputed pair tables keep its context choice one load.
 * Tried for V3 and left out (ratios over the shared fields): a fast and a slow
 * estimate averaged (+0.3 to +0.7% ratio for ~14% more coder instructions), the
 * second bit below the leading one modelled (+0.15% at rel 1e-4 for ~10% more),
 * k3 and k4 in the context (as a third context dimension, or in the mean: worse).
 * Segment layout: varint byte length of the range-coded part, that part, then
 * the raw bit stream (LSB first, 64-bit little-endian words, last one partial).
 */
#ifndef STRATA_RANGE_MODEL_H
#define STRATA_RANGE_MODEL_H

#include "segments.h"
#include <stdlib.h>
#include "../decompose/grid.h"

enum { RC_V2 = 2, RC_V3 = 3, RC_V4 = 4 };

#define RC_TOP (1u << 24)
#define RC_KMAX 16
#define RC_NB_CLASSES 9      /* neighbour classes c = 0..8 */
#define RC_V3_KCAP 9         /* V3 pairs (min(k1, 9), min(k2, 9)) */
#define RC_V3_CONTEXTS ((RC_V3_KCAP + 1) * (RC_V3_KCAP + 1))
/* Worst case bytes written per symbol: at most 19 modelled decisions of at most
 * two bytes each (V2: one); checked once per symbol rather than per byte. */
#define RC_SYMBOL_BYTES 48

/* Contexts per level class. */
static inline unsigned rc_class_contexts(const unsigned ver)
{
    return ver == RC_V2 ? RC_NB_CLASSES : RC_V3_CONTEXTS;
}

/* Bits of the probabilities. */
static inline unsigned rc_prob_bits(const unsigned ver)
{
    return ver == RC_V2 ? 11 : 16;
}

/* Moves p 1/32 of the way towards the coded bit; p stays in [31, 2^bits - 31]. */
static inline uint16_t rc_prob_adapt(uint32_t p, unsigned bit, const unsigned ver)
{
    const uint32_t one = 1u << rc_prob_bits(ver);
    return (uint16_t)(bit ? p - (p >> 5) : p + ((one - p) >> 5));
}

typedef struct {
    uint16_t ge;          /* k >= c */
    uint16_t up[RC_KMAX]; /* [k > j] for j = c, c+1, ... */
    uint16_t dn[RC_KMAX]; /* [k < j] for j = c-1, c-2, ..., 1 */
    uint16_t sign[9];     /* by the sign context (rc_history; V2 uses 3) */
    uint16_t mant[RC_KMAX];
} rc_context;

typedef struct {
    rc_context ctx[3 * RC_V3_CONTEXTS]; /* level class 0 (stride 1) first */
} rc_model;

static inline void rc_model_init(rc_model *m, const unsigned ver)
{
    const uint16_t init = (uint16_t)(1u << (rc_prob_bits(ver) - 1));
    uint16_t *p = (uint16_t *)m->ctx;
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

/* What the model knows of the symbols before the current one: pair =
 * k1 * 17 + k2 (k1, k2: the k of the previous two symbols), k1, the sign
 * context (V2: the previous sign s1; V3: 3 * the sign before it + s1), and s1. */
typedef struct {
    unsigned pair, k1, sign, s1;
} rc_history;

#define RC_PAIRS ((RC_KMAX + 1) * (RC_KMAX + 1))

/* A coder's per-thread scratch: the model, and per (k1, k2) pair the neighbour
 * class and the context index of each version (a load instead of the
 * arithmetic per symbol). */
typedef struct {
    rc_model model;
    uint8_t nb_class[RC_PAIRS];
    uint8_t context[2][RC_PAIRS]; /* [ver != RC_V2]: V4 uses V3's */
} rc_scratch;

/* The context of the next symbol within its level class's `ctx`, and its
 * neighbour class in *nb. */
static inline rc_context *rc_select(rc_context *ctx, const rc_scratch *s, const rc_history *h,
                                    unsigned *nb, const unsigned ver)
{
    *nb = s->nb_class[h->pair];
    return &ctx[s->context[ver != RC_V2][h->pair]];
}

static inline void rc_history_push(rc_history *h, unsigned k, unsigned sign, const unsigned ver)
{
    h->pair = k * (RC_KMAX + 1) + h->k1;
    h->k1 = k;
    h->sign = ver == RC_V2 ? sign : 3 * h->s1 + sign;
    h->s1 = sign;
}

static inline rc_scratch *rc_scratch_get(void **scratch)
{
    if (!*scratch) {
        rc_scratch *s = malloc(sizeof *s);
        if (!s) return NULL;
        for (unsigned k1 = 0; k1 <= RC_KMAX; k1++)
            for (unsigned k2 = 0; k2 <= RC_KMAX; k2++) {
                const unsigned i = k1 * (RC_KMAX + 1) + k2;
                const unsigned a = k1 < RC_V3_KCAP ? k1 : RC_V3_KCAP, b = k2 < RC_V3_KCAP ? k2 : RC_V3_KCAP;
                s->nb_class[i] = (uint8_t)rc_nb_class(k1, k2);
                s->context[0][i] = s->nb_class[i];
                s->context[1][i] = (uint8_t)(a * (RC_V3_KCAP + 1) + b);
            }
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

/* V4 (coder 4, method 4): V3's model and contexts with k2 replaced by kn, the
 * largest k of the symbol's neighbours one row, one plane and one cube back in
 * its subband (0 for those outside the subband or before the segment): in a
 * wavelet subband the neighbours across rows predict a coefficient's size as
 * well as the previous one along the row, which k1 still gives. The walk keeps
 * the current symbol's coordinates in its subband. */
typedef struct {
    const strata_subband *b, *end;
    size_t c[4], row, plane, cube;
} rc_band_walk;

static inline void rc_band_enter(rc_band_walk *w)
{
    if (w->b == w->end) return;
    w->row = w->b->e[3];
    w->plane = w->row * w->b->e[2];
    w->cube = w->plane * w->b->e[1];
}

static inline void rc_band_walk_init(rc_band_walk *w, const strata_symbol_levels *lv, size_t first)
{
    w->b = lv->bands;
    w->end = lv->bands + lv->nbands;
    while (w->b != w->end && first >= w->b->start + w->b->e[0] * w->b->e[1] * w->b->e[2] * w->b->e[3]) w->b++;
    memset(w->c, 0, sizeof w->c);
    rc_band_enter(w);
    if (w->b == w->end) return;
    size_t r = first - w->b->start;
    for (int j = 3; j >= 0; j--) { w->c[j] = r % w->b->e[j]; r /= w->b->e[j]; }
}

static inline unsigned rc_symbol_k(unsigned v)
{
    const int q = (int)v - STRATA_QUANT_RADIUS;
    return v == 0 ? RC_KMAX : rc_bit_length((unsigned)(q < 0 ? -q : q));
}

/* kn for symbol i of the segment (sym: the segment's symbols before i). */
static inline unsigned rc_band_k(const rc_band_walk *w, const uint16_t *sym, size_t i)
{
    unsigned kn = 0, k;
    if (w->b == w->end) return 0;
    if (w->c[2] && i >= w->row) kn = rc_symbol_k(sym[i - w->row]);
    if (w->c[1] && i >= w->plane && (k = rc_symbol_k(sym[i - w->plane])) > kn) kn = k;
    if (w->c[0] && i >= w->cube && (k = rc_symbol_k(sym[i - w->cube])) > kn) kn = k;
    return kn;
}

static inline void rc_band_next(rc_band_walk *w)
{
    if (w->b == w->end) return;
    for (int j = 3; j >= 0; j--) {
        if (++w->c[j] < w->b->e[j]) return;
        w->c[j] = 0;
    }
    w->b++;
    rc_band_enter(w);
}

/* What both directions do first in a segment: the scratch with its model reset
 * and, for V4, the walk placed at the segment's first symbol. NULL if out of
 * memory or, for V4, without subbands. */
static inline rc_scratch *rc_segment_begin(void **scratch, const strata_symbol_levels *lv, size_t first,
                                           rc_band_walk *bw, const unsigned ver)
{
    rc_scratch *s = rc_scratch_get(scratch);
    if (!s || (ver == RC_V4 && !lv->bands)) return NULL;
    rc_model_init(&s->model, ver);
    memset(bw, 0, sizeof *bw);
    if (ver == RC_V4) rc_band_walk_init(bw, lv, first);
    return s;
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
