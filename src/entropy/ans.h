/* ans.h - coder 6: static rANS with coder 5's contexts (format.md, "rANS
 * segments with context tables"), shared by both directions.
 *
 * Why: coder 5 spends at least one bit per code, and most codes at loose bounds
 * carry far less information; the range coders get under that floor but decide
 * one binary choice at a time (~60 cycles a code). rANS with a frequency table
 * per context and segment costs a table lookup and a multiply per code, and
 * reaches within a few percent of the static entropy.
 *
 * A code v is coded as a token (below) under its context's table, then its
 * raw low bits as uniform rANS steps: the lowest min(k, 8) of its k raw bits
 * in one (a step that changes nothing when k = 0, so that decoding has no
 * branch on escapes, which are most codes at tight bounds), then any others.
 * States live in [ANS_L, ANS_L << 16) < 2^31, renormalised 16 bits at a time. */
#ifndef STRATA_ANS_H
#define STRATA_ANS_H

#include "huffman.h" /* coder 5's classes, contexts and lanes */

/* Every table's frequencies sum to 2^10: a context's decoding table then takes
 * 5 KiB, and the few contexts most codes fall in stay in the L1 cache (2^11
 * gains 0.1-0.8% on the shared fields, 2% on the most compressible). */
#define ANS_SCALE_BITS 10
#define ANS_SCALE (1u << ANS_SCALE_BITS)
#define ANS_L (1u << 15)
#define ANS_CHUNK_BITS 8 /* raw bits per uniform step */

/* Tokens: q = v - radius in [-7, 7] is token q + 7 (0..14); larger |q|, of bit
 * length e (4..15), is token 15 + 8 (e - 4) + 2 m + s, with m the two bits of
 * |q| below its leading one and s its sign (1 negative), and e - 3 raw low
 * bits; v = 0 (stored) is token 111. Two bits of mantissa in the token keep the
 * raw bits nearly uniform, so coding them raw loses little. */
#define ANS_DIRECT 7
#define ANS_ESCAPE0 (2 * ANS_DIRECT + 1)
#define ANS_STORED 111
#define ANS_TOKENS 112

static inline unsigned strata_ans_token(unsigned v)
{
    _Static_assert(STRATA_QUANT_RADIUS == 32768, "tokens cover |q| < 2^15");
    /* Comparisons rather than a bit scan and no branches, so that the
     * encoder's loop over a segment vectorizes. */
    const int q = (int)v - STRATA_QUANT_RADIUS;
    const unsigned neg = q < 0, a = (unsigned)(neg ? -q : q);
    unsigned e = 0;
    for (unsigned j = 0; j < 16; j++) e += a >= 1u << j;
    const unsigned m = (a >> (e >= 3 ? e - 3 : 0)) & 3;
    const unsigned t = a <= ANS_DIRECT ? (unsigned)(q + ANS_DIRECT) : ANS_ESCAPE0 + 8 * (e - 4) + 2 * m + neg;
    return v == 0 ? ANS_STORED : t;
}

/* Raw low bits of a token's codes: e - 3 for escapes, else 0. */
static inline unsigned strata_ans_extra_bits(unsigned t)
{
    return t >= ANS_ESCAPE0 && t < ANS_STORED ? 1 + ((t - ANS_ESCAPE0) >> 3) : 0;
}

/* What decoding a token needs: its code with the raw bits 0 (v itself for
 * direct and stored tokens), the raw bit count, whether raw bits lower the
 * code (negative q), and coder 5's class (which picks the next contexts). */
typedef struct {
    uint16_t code[ANS_TOKENS];
    uint8_t extra[ANS_TOKENS], negative[ANS_TOKENS], cls[ANS_TOKENS];
} ans_tokens;

static inline void strata_ans_tokens_init(ans_tokens *t)
{
    for (unsigned k = 0; k < ANS_TOKENS; k++) {
        const unsigned x = strata_ans_extra_bits(k), neg = x && ((k - ANS_ESCAPE0) & 1);
        unsigned v;
        if (k == ANS_STORED) v = 0;
        else if (k < ANS_ESCAPE0) v = STRATA_QUANT_RADIUS + k - ANS_DIRECT;
        else v = (4u + (((k - ANS_ESCAPE0) >> 1) & 3)) << x;
        if (x) v = neg ? STRATA_QUANT_RADIUS - v : STRATA_QUANT_RADIUS + v;
        t->code[k] = (uint16_t)v;
        t->extra[k] = (uint8_t)x;
        t->negative[k] = (uint8_t)neg;
        /* Every code of a token has the same class. */
        t->cls[k] = (uint8_t)strata_hctx_class(v);
    }
}

/* Mode byte of a segment: one table for every code, or one per context. */
enum { ANS_ONE_TABLE = 0, ANS_CONTEXT_TABLES = 1 };

/* The mask that maps a context to its table: every context to table 0 in
 * ANS_ONE_TABLE mode. */
static inline unsigned strata_ans_context_mask(unsigned mode)
{
    _Static_assert(STRATA_HCTX_COUNT <= 32, "contexts under a 5-bit mask");
    return mode == ANS_CONTEXT_TABLES ? 31u : 0u;
}

#endif
