/* range_decode.c - decoder of range_encode.c. Reading past the segment's end
 * marks it corrupt (a valid segment never needs to). */
#include <stdlib.h>
#include "range_model.h"

typedef struct {
    const uint8_t *p, *end;
    uint32_t range, code;
    int overrun;
} rc_decoder;

static inline uint8_t rc_byte(rc_decoder *d)
{
    if (STRATA_LIKELY(d->p < d->end)) return *d->p++;
    d->overrun = 1;
    return 0;
}

/* Branch-free on the decoded bit: it is the unpredictable part. */
static inline unsigned rc_bit(rc_decoder *d, uint16_t *p)
{
    const uint32_t prob = *p, bound = (d->range >> RC_PROB_BITS) * prob;
    const unsigned bit = d->code >= bound;
    const uint32_t mask = 0u - bit;
    d->code -= bound & mask;
    d->range = bit ? d->range - bound : bound;
    *p = (uint16_t)(bit ? prob - (prob >> RC_ADAPT) : prob + ((RC_PROB_ONE - prob) >> RC_ADAPT));
    if (d->range < RC_TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | rc_byte(d);
        if (d->range < RC_TOP) { d->range <<= 8; d->code = (d->code << 8) | rc_byte(d); }
    }
    return bit;
}

int strata_range_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                size_t first, const strata_symbol_levels *lv, void **scratch)
{
    if (!*scratch) *scratch = malloc(sizeof(rc_model));
    if (!*scratch) return 0;
    rc_model *m = *scratch;
    rc_model_init(m);
    const uint8_t *p = src, *end = src + size;
    uint64_t coded;
    if (!strata_get_varint(&p, end, &coded) || coded > (uint64_t)(end - p)) return 0;
    rc_decoder d = {p, p + coded, 0xFFFFFFFFu, 0, 0};
    rc_raw_reader raw = {p + coded, end, 0, 0, 0};
    if (rc_byte(&d) != 0) return 0; /* the encoder's first byte is always 0 */
    for (int i = 0; i < 4; i++) d.code = (d.code << 8) | rc_byte(&d);
    unsigned k1 = 0, k2 = 0, prev_sign = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned nb = rc_nb_class(k1, k2);
        rc_context *c = &m->ctx[rc_level_class(first + i, lv) * RC_NB_CLASSES + nb];
        unsigned k;
        if (nb == 0 || rc_bit(&d, &c->ge)) {
            k = nb;
            while (k < RC_KMAX && rc_bit(&d, &c->up[k])) k++;
        } else {
            k = nb - 1;
            while (k >= 1 && rc_bit(&d, &c->dn[k])) k--;
        }
        unsigned v = 0;
        unsigned sign = 0;
        if (k >= 1 && k < RC_KMAX) {
            const unsigned neg = rc_bit(&d, &c->sign[prev_sign]);
            unsigned mag = 1;
            if (k >= 2) mag = 2 | rc_bit(&d, &c->mant[k]);
            if (k >= 3) mag = (mag << (k - 2)) | rc_raw_get(&raw, k - 2);
            v = (unsigned)(STRATA_QUANT_RADIUS + (neg ? -(int)mag : (int)mag));
            sign = 1 + neg;
        } else if (k == 0) {
            v = STRATA_QUANT_RADIUS;
        }
        if (STRATA_UNLIKELY(v > 65535 || d.overrun)) return 0;
        sym[i] = (uint16_t)v;
        prev_sign = sign;
        k2 = k1;
        k1 = k;
    }
    return !d.overrun && !raw.overrun;
}
