/* range_encode.c - adaptive binary range coder (carry-propagating, 32-bit
 * range, byte output) over the model of range_model.h.
 *
 * Encoder state, in locals so that it stays in registers:
 *   low    the interval's low end; bit 32 is a carry not yet added to the bytes
 *   range  the interval's width, >= 2^24 between decisions
 *   out    where the next byte goes; bytes leave low as soon as they are shifted
 *          out, and a carry walks back over the run of 0xFF bytes already written.
 * That gives exactly the bytes of the usual cache + pending-count formulation:
 * both write the digits of the same final sum. The first byte is 0 and never
 * takes a carry (the interval never leaves [0, 1)), so the walk stops in time.
 * V2: with 11-bit probabilities that stay in [31, 2017], one decision leaves
 * range >= (2^24 >> 11) * 31 > 2^16, so one shift of 8 bits always renormalises.
 * V3: 16-bit probabilities in [31, 65505] leave range >= (2^24 >> 16) * 31 > 2^12,
 * so two shifts do.
 */
#include <stdlib.h>
#include "range_model.h"

typedef struct {
    uint64_t low;
    uint32_t range;
    uint8_t *out;
} rc_encoder;

/* Moves the top byte of low to the output, adding a pending carry first. */
STRATA_INLINE void rc_shift(rc_encoder *e)
{
    if (STRATA_UNLIKELY(e->low >> 32)) {
        uint8_t *q = e->out;
        while (*--q == 0xFF) *q = 0;
        ++*q;
    }
    *e->out++ = (uint8_t)(e->low >> 24);
    e->low = (e->low & 0x00FFFFFFu) << 8;
}

STRATA_INLINE void rc_bit(rc_encoder *e, uint16_t *p, unsigned bit, const unsigned ver)
{
    const uint32_t prob = *p, bound = (e->range >> rc_prob_bits(ver)) * prob;
    e->low += bound & (0u - bit);
    e->range = bit ? e->range - bound : bound;
    *p = rc_prob_adapt(prob, bit, ver);
    if (e->range < RC_TOP) {
        e->range <<= 8;
        rc_shift(e);
        if (ver != RC_V2 && e->range < RC_TOP) {
            e->range <<= 8;
            rc_shift(e);
        }
    }
}

/* Codes sym[i0..i1), all of one level class, with the model contexts `ctx`
 * (the class's). The history carries over from one call to the next. */
STRATA_INLINE int rc_encode_run(rc_encoder *e, strata_buf *coded, rc_raw_writer *raw, rc_context *ctx,
                                const rc_scratch *s, const uint16_t *sym, size_t i0, size_t i1,
                                rc_history *hp, rc_band_walk *bw, const unsigned ver)
{
    rc_history h = *hp;
    for (size_t i = i0; i < i1; i++) {
        if (STRATA_UNLIKELY((size_t)(coded->data + coded->cap - e->out) < RC_SYMBOL_BYTES)) {
            coded->size = (size_t)(e->out - coded->data);
            if (!strata_buf_reserve(coded, coded->cap)) return 0;
            e->out = coded->data + coded->size;
        }
        const unsigned v = sym[i];
        const int q = (int)v - STRATA_QUANT_RADIUS;
        const unsigned mag = (unsigned)(q < 0 ? -q : q);
        const unsigned k = v == 0 ? RC_KMAX : rc_bit_length(mag);
        unsigned nb;
        if (ver == RC_V4) h.pair = h.k1 * (RC_KMAX + 1) + rc_band_k(bw, sym, i);
        rc_context *c = rc_select(ctx, s, &h, &nb, ver);
        if (nb == 0 || (rc_bit(e, &c->ge, k >= nb, ver), k >= nb)) {
            /* [k > j] for j = nb.. : ones up to k, then a zero unless k is the top. */
            const unsigned top = k < RC_KMAX ? k : RC_KMAX - 1;
            for (unsigned j = nb; j <= top; j++) rc_bit(e, &c->up[j], j < k, ver);
        } else {
            /* [k < j] for j = nb-1 down: ones down to k+1, then a zero unless k = 0. */
            const unsigned bottom = k > 0 ? k : 1;
            for (unsigned j = nb - 1; j >= bottom; j--) rc_bit(e, &c->dn[j], j > k, ver);
        }
        unsigned sign = 0;
        if (k - 1 < RC_KMAX - 1) { /* 1 <= k <= 15 */
            rc_bit(e, &c->sign[h.sign], q < 0, ver);
            sign = q < 0 ? 2 : 1;
            if (k >= 2) rc_bit(e, &c->mant[k], (mag >> (k - 2)) & 1, ver);
            if (k >= 3) rc_raw_put(raw, mag & ((1u << (k - 2)) - 1), k - 2);
        }
        rc_history_push(&h, k, sign, ver);
        if (ver == RC_V4) rc_band_next(bw);
    }
    *hp = h;
    return 1;
}

STRATA_INLINE int rc_encode_segment(const uint16_t *sym, size_t n, size_t first, const strata_symbol_levels *lv,
                                    void **scratch, strata_buf *out, const unsigned ver)
{
    rc_band_walk bw;
    rc_scratch *s = rc_segment_begin(scratch, lv, first, &bw, ver);
    if (!s) return 0;
    rc_model *m = &s->model;
    strata_buf coded = {0};
    rc_raw_writer raw = {0, 0, {0}};
    if (!strata_buf_reserve(&coded, n / 4 + 64 + RC_SYMBOL_BYTES)) return 0;
    coded.data[0] = 0; /* the initial cache byte of the usual formulation */
    rc_encoder e = {0, 0xFFFFFFFFu, coded.data + 1};
    rc_history h = {0, 0, 0, 0};
    /* Code each run of one level class with its contexts instead of testing
     * the position per symbol. */
    size_t b[4];
    rc_class_runs(lv, first, n, b);
    int ok = 1;
    for (int r = 0; r < 3 && ok; r++)
        ok = rc_encode_run(&e, &coded, &raw, &m->ctx[(2 - r) * rc_class_contexts(ver)], s, sym, b[r], b[r + 1],
                           &h, &bw, ver);
    if (ok) {
        /* Flush: the 4 bytes of low (the carry, if any, goes in with the first). */
        for (int i = 0; i < 4; i++) rc_shift(&e);
        coded.size = (size_t)(e.out - coded.data);
    }
    rc_raw_flush(&raw);
    strata_buf_put_varint(out, coded.size);
    strata_buf_append(out, coded.data, coded.size);
    strata_buf_append(out, raw.out.data, raw.out.size);
    ok = ok && !coded.failed && !raw.out.failed && !out->failed;
    strata_buf_free(&coded);
    strata_buf_free(&raw.out);
    return ok;
}

int strata_range_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    return rc_encode_segment(sym, n, first, lv, scratch, out, RC_V2);
}

int strata_range3_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                 const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    return rc_encode_segment(sym, n, first, lv, scratch, out, RC_V3);
}

int strata_range4_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                 const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    return rc_encode_segment(sym, n, first, lv, scratch, out, RC_V4);
}
