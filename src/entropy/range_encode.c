/* range_encode.c - adaptive binary range coder (carry-propagating, 32-bit
 * range, byte output) over the model of range_model.h. */
#include <stdlib.h>
#include "range_model.h"

typedef struct {
    uint64_t low;
    uint32_t range;
    uint8_t cache;
    uint64_t pending; /* bytes waiting for a possible carry: cache + 0xFF run */
    strata_buf *out;
} rc_encoder;

static inline void rc_put(rc_encoder *e, uint8_t b)
{
    strata_buf *o = e->out;
    if (STRATA_UNLIKELY(o->size == o->cap) && !strata_buf_reserve(o, 1)) return;
    o->data[o->size++] = b;
}

static inline void rc_shift_low(rc_encoder *e)
{
    if ((uint32_t)e->low < 0xFF000000u || (e->low >> 32) != 0) {
        uint8_t carry = (uint8_t)(e->low >> 32), b = e->cache;
        do { rc_put(e, (uint8_t)(b + carry)); b = 0xFF; } while (--e->pending);
        e->cache = (uint8_t)(e->low >> 24);
    }
    e->pending++;
    e->low = (e->low & 0x00FFFFFFu) << 8;
}

static inline void rc_bit(rc_encoder *e, uint16_t *p, unsigned bit)
{
    const uint32_t prob = *p, bound = (e->range >> RC_PROB_BITS) * prob;
    e->low += bound & (0u - bit);
    e->range = bit ? e->range - bound : bound;
    *p = (uint16_t)(bit ? prob - (prob >> RC_ADAPT) : prob + ((RC_PROB_ONE - prob) >> RC_ADAPT));
    while (e->range < RC_TOP) { e->range <<= 8; rc_shift_low(e); }
}

int strata_range_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    if (!*scratch) *scratch = malloc(sizeof(rc_model));
    if (!*scratch) return 0;
    rc_model *m = *scratch;
    rc_model_init(m);
    strata_buf coded = {0};
    rc_encoder e = {0, 0xFFFFFFFFu, 0, 1, &coded};
    rc_raw_writer raw = {0, 0, {0}};
    if (!strata_buf_reserve(&coded, n / 4 + 64)) return 0;
    unsigned k1 = 0, k2 = 0, prev_sign = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned v = sym[i];
        const int q = (int)v - STRATA_QUANT_RADIUS;
        const unsigned mag = (unsigned)(q < 0 ? -q : q);
        const unsigned k = v == 0 ? RC_KMAX : rc_bit_length(mag);
        const unsigned nb = rc_nb_class(k1, k2);
        rc_context *c = &m->ctx[rc_level_class(first + i, lv) * RC_NB_CLASSES + nb];
        if (nb == 0 || (rc_bit(&e, &c->ge, k >= nb), k >= nb)) {
            for (unsigned j = nb; j < RC_KMAX; j++) {
                rc_bit(&e, &c->up[j], k > j);
                if (k <= j) break;
            }
        } else {
            for (unsigned j = nb - 1; j >= 1; j--) {
                rc_bit(&e, &c->dn[j], k < j);
                if (k >= j) break;
            }
        }
        unsigned sign = 0;
        if (k >= 1 && k < RC_KMAX) {
            rc_bit(&e, &c->sign[prev_sign], q < 0);
            sign = q < 0 ? 2 : 1;
            if (k >= 2) rc_bit(&e, &c->mant[k], (mag >> (k - 2)) & 1);
            if (k >= 3) rc_raw_put(&raw, mag & ((1u << (k - 2)) - 1), k - 2);
        }
        prev_sign = sign;
        k2 = k1;
        k1 = k;
    }
    for (int i = 0; i < 5; i++) rc_shift_low(&e);
    rc_raw_flush(&raw);
    strata_buf_put_varint(out, coded.size);
    strata_buf_append(out, coded.data, coded.size);
    strata_buf_append(out, raw.out.data, raw.out.size);
    int ok = !coded.failed && !raw.out.failed && !out->failed;
    strata_buf_free(&coded);
    strata_buf_free(&raw.out);
    return ok;
}
