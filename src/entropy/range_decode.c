/* range_decode.c - decoder of range_encode.c. Reading past the segment's end
 * marks it corrupt (a valid segment never needs to).
 *
 * State in locals (registers): range, code, and the read pointer. One decision
 * renormalises with at most one byte for V2, two for V3 (see range_encode.c).
 * Everything takes the model version `ver` as a constant. A symbol takes at
 * most RC_SYMBOL_BYTES bytes, so while that many remain the reads go unchecked;
 * the last symbols of a segment take the checked path. */
#include "range_model.h"

typedef struct {
    const uint8_t *p, *end;
    uint32_t range, code;
    int overrun;
} rc_decoder;

STRATA_INLINE uint8_t rc_byte(rc_decoder *d, const int checked)
{
    if (!checked || STRATA_LIKELY(d->p < d->end)) return *d->p++;
    d->overrun = 1;
    return 0;
}

/* Branch-free on the decoded bit: it is the unpredictable part. */
STRATA_INLINE unsigned rc_bit(rc_decoder *d, uint16_t *p, const int checked, const unsigned ver)
{
    const uint32_t prob = *p, bound = (d->range >> rc_prob_bits(ver)) * prob;
    const unsigned bit = d->code >= bound;
    const uint32_t mask = 0u - bit;
    d->code -= bound & mask;
    d->range = bit ? d->range - bound : bound;
    *p = rc_prob_adapt(prob, bit, ver);
    if (d->range < RC_TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | rc_byte(d, checked);
        if (ver != RC_V2 && d->range < RC_TOP) {
            d->range <<= 8;
            d->code = (d->code << 8) | rc_byte(d, checked);
        }
    }
    return bit;
}

/* Decodes one symbol with the contexts of its level class; 0 if corrupt. */
STRATA_INLINE int rc_symbol(rc_decoder *d, rc_raw_reader *raw, rc_context *ctx, const rc_scratch *s,
                            rc_history *h, uint16_t *out, const int checked, const unsigned ver)
{
    unsigned nb;
    rc_context *c = rc_select(ctx, s, h, &nb, ver);
    unsigned k;
    if (nb == 0 || rc_bit(d, &c->ge, checked, ver)) {
        k = nb;
        while (k < RC_KMAX && rc_bit(d, &c->up[k], checked, ver)) k++;
    } else {
        k = nb - 1;
        while (k >= 1 && rc_bit(d, &c->dn[k], checked, ver)) k--;
    }
    unsigned v = 0, sign = 0;
    if (k - 1 < RC_KMAX - 1) { /* 1 <= k <= 15 */
        const unsigned neg = rc_bit(d, &c->sign[h->sign], checked, ver);
        unsigned mag = 1;
        if (k >= 2) mag = 2 | rc_bit(d, &c->mant[k], checked, ver);
        if (k >= 3) mag = (mag << (k - 2)) | rc_raw_get(raw, k - 2);
        v = (unsigned)(STRATA_QUANT_RADIUS + (neg ? -(int)mag : (int)mag));
        sign = 1 + neg;
    } else if (k == 0) {
        v = STRATA_QUANT_RADIUS;
    }
    *out = (uint16_t)v;
    rc_history_push(h, k, sign, ver);
    /* |q| < 2^15 keeps v <= 65535: only the overrun can make a symbol corrupt. */
    return !checked || !d->overrun;
}

STRATA_INLINE int rc_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n, size_t first,
                                    const strata_symbol_levels *lv, void **scratch, const unsigned ver)
{
    rc_band_walk bw;
    rc_scratch *s = rc_segment_begin(scratch, lv, first, &bw, ver);
    if (!s) return 0;
    rc_model *m = &s->model;
    const uint8_t *p = src, *end = src + size;
    uint64_t coded;
    if (!strata_get_varint(&p, end, &coded) || coded > (uint64_t)(end - p)) return 0;
    rc_decoder d = {p, p + coded, 0xFFFFFFFFu, 0, 0};
    rc_raw_reader raw = {p + coded, end, 0, 0, 0};
    if (rc_byte(&d, 1) != 0) return 0; /* the encoder's first byte is always 0 */
    for (int i = 0; i < 4; i++) d.code = (d.code << 8) | rc_byte(&d, 1);
    rc_history h = {0, 0, 0, 0};
    size_t b[4];
    rc_class_runs(lv, first, n, b);
    for (int r = 0; r < 3; r++) {
        rc_context *ctx = &m->ctx[(2 - r) * rc_class_contexts(ver)];
        size_t i = b[r];
        for (; i < b[r + 1] && d.end - d.p >= RC_SYMBOL_BYTES; i++) {
            if (ver == RC_V4) h.pair = h.k1 * (RC_KMAX + 1) + rc_band_k(&bw, sym, i);
            rc_symbol(&d, &raw, ctx, s, &h, &sym[i], 0, ver);
            if (ver == RC_V4) rc_band_next(&bw);
        }
        for (; i < b[r + 1]; i++) {
            if (ver == RC_V4) h.pair = h.k1 * (RC_KMAX + 1) + rc_band_k(&bw, sym, i);
            if (!rc_symbol(&d, &raw, ctx, s, &h, &sym[i], 1, ver)) return 0;
            if (ver == RC_V4) rc_band_next(&bw);
        }
    }
    return !d.overrun && !raw.overrun;
}

int strata_range_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                size_t first, const strata_symbol_levels *lv, void **scratch)
{
    return rc_decode_segment(src, size, sym, n, first, lv, scratch, RC_V2);
}

int strata_range3_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                 size_t first, const strata_symbol_levels *lv, void **scratch)
{
    return rc_decode_segment(src, size, sym, n, first, lv, scratch, RC_V3);
}

int strata_range4_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                 size_t first, const strata_symbol_levels *lv, void **scratch)
{
    return rc_decode_segment(src, size, sym, n, first, lv, scratch, RC_V4);
}
