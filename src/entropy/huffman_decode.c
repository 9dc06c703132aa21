/* huffman_decode.c - table-driven decoding of canonical Huffman segments.
 * Codes up to LUT_BITS long resolve with one table lookup; longer ones walk the
 * canonical first-code table. Every read is bounds-checked: a malformed segment
 * returns STRATA_ERR_CORRUPT. */
#include <stdlib.h>
#include "huffman.h"

#define LUT_BITS 11

typedef struct {
    uint32_t lut[1u << LUT_BITS];                 /* sym << 8 | len, 0 = long code */
    /* The same LUT_BITS decoded as far as whole codes go, up to three of them:
     * bits 0-1 how many (0: the first code is long), 2-5 their total length,
     * then each symbol in 16 bits from bit 16. Low-entropy codes are 1-3 bits,
     * so one lookup (the serial step of decoding) yields several symbols. */
    uint64_t multi[1u << LUT_BITS];
    uint32_t first[STRATA_HUFF_MAX_LEN + 2];      /* first canonical code per length */
    uint32_t count[STRATA_HUFF_MAX_LEN + 2];
    uint32_t offset[STRATA_HUFF_MAX_LEN + 2];     /* index into sorted[] per length */
    uint16_t sorted[65536];                       /* symbols by (length, symbol) */
    uint16_t used[65536];
    uint8_t len[65536];
    int maxlen;
} huff_table;

/* Parses the table at *pp and prepares decoding; advances *pp. */
static int read_table(const uint8_t **pp, const uint8_t *end, huff_table *t)
{
    uint64_t m, v;
    if (!strata_get_varint(pp, end, &m) || m == 0 || m > 65536) return 0;
    uint64_t sym = 0;
    for (uint64_t i = 0; i < m; i++) {
        if (!strata_get_varint(pp, end, &v) || v > 65535) return 0;
        sym = i ? sym + 1 + v : v;
        if (sym > 65535) return 0;
        t->used[i] = (uint16_t)sym;
    }
    if ((uint64_t)(end - *pp) < m) return 0;
    memset(t->count, 0, sizeof t->count);
    t->maxlen = 0;
    for (uint64_t i = 0; i < m; i++) {
        uint8_t l = (*pp)[i];
        if (l < 1 || l > STRATA_HUFF_MAX_LEN) return 0;
        t->len[t->used[i]] = l;
        t->count[l]++;
        if (l > t->maxlen) t->maxlen = l;
    }
    *pp += m;
    /* Canonical first codes; Kraft's inequality must hold or codes would collide. */
    uint64_t c = 0;
    uint32_t off = 0;
    for (int l = 1; l <= STRATA_HUFF_MAX_LEN; l++) {
        t->first[l] = (uint32_t)c;
        t->offset[l] = off;
        off += t->count[l];
        c += t->count[l];
        if (c > ((uint64_t)1 << l)) return 0;
        c <<= 1;
    }
    uint32_t fill[STRATA_HUFF_MAX_LEN + 2];
    memcpy(fill, t->offset, sizeof fill);
    for (uint64_t i = 0; i < m; i++) t->sorted[fill[t->len[t->used[i]]]++] = t->used[i];
    memset(t->lut, 0, sizeof t->lut);
    for (int l = 1; l <= LUT_BITS && l <= t->maxlen; l++)
        for (uint32_t j = 0; j < t->count[l]; j++) {
            uint32_t code = t->first[l] + j, s = t->sorted[t->offset[l] + j];
            uint32_t lo = code << (LUT_BITS - l), span = 1u << (LUT_BITS - l);
            for (uint32_t e = 0; e < span; e++) t->lut[lo + e] = s << 8 | (uint32_t)l;
        }
    for (uint32_t w = 0; w < (1u << LUT_BITS); w++) {
        uint64_t m3 = 0;
        unsigned count = 0, used = 0;
        while (count < 3) {
            /* The bits past `used` are known only up to LUT_BITS. */
            const uint32_t e = t->lut[(w << used) & ((1u << LUT_BITS) - 1)];
            if (!e || used + (e & 0xff) > LUT_BITS) break;
            m3 |= (uint64_t)(e >> 8) << (16 + 16 * count);
            used += e & 0xff;
            count++;
        }
        t->multi[w] = m3 | (uint64_t)used << 2 | count;
    }
    return 1;
}

/* MSB-first bit reader; reads past the end as zeros and counts them. */
typedef struct {
    const uint8_t *p, *end;
    uint64_t win;
    unsigned bits;
    size_t fetched; /* bytes brought into the window, zeros past the end included */
} bit_reader;

/* Tops the window up to at least 57 bits. */
static inline void refill(bit_reader *br)
{
    if (STRATA_LIKELY(br->end - br->p >= 8)) {
        br->win |= strata_get_be64(br->p) >> br->bits;
        const unsigned nbytes = (63 - br->bits) >> 3;
        br->p += nbytes;
        br->fetched += nbytes;
        br->bits += nbytes * 8;
        return;
    }
    while (br->bits <= 56) {
        uint64_t byte = br->p < br->end ? *br->p++ : 0;
        br->win |= byte << (56 - br->bits);
        br->bits += 8;
        br->fetched++;
    }
}

/* A code longer than LUT_BITS, by the canonical first-code table; the window
 * holds at least STRATA_HUFF_MAX_LEN bits. 0 if no code matches. */
static int decode_long(bit_reader *br, const huff_table *t, uint16_t *out)
{
    for (int l = LUT_BITS + 1; l <= t->maxlen; l++) {
        uint32_t code = (uint32_t)(br->win >> (64 - l));
        if (code - t->first[l] < t->count[l]) {
            *out = t->sorted[t->offset[l] + code - t->first[l]];
            br->win <<= l;
            br->bits -= (unsigned)l;
            return 1;
        }
    }
    return 0;
}

static int decode_segment(const uint8_t *src, size_t size, uint16_t *out, size_t n, huff_table *t)
{
    const uint8_t *p = src, *end = src + size;
    if (!read_table(&p, end, t)) return 0;
    bit_reader br = {p, end, 0, 0, 0};
    const size_t avail_bits = (size_t)(end - p) * 8;
    /* One refill leaves at least 57 bits: four lookups (4 * LUT_BITS = 44 bits,
     * up to 12 symbols) or one long code (STRATA_HUFF_MAX_LEN = 24). */
    size_t i = 0;
    while (n - i >= 12) {
        refill(&br);
        int r = 0;
        for (; r < 4; r++) {
            const uint64_t e = t->multi[br.win >> (64 - LUT_BITS)];
            if (STRATA_UNLIKELY(!(e & 3))) break;
            out[i] = (uint16_t)(e >> 16);
            out[i + 1] = (uint16_t)(e >> 32);
            out[i + 2] = (uint16_t)(e >> 48);
            i += e & 3;
            br.win <<= (e >> 2) & 15;
            br.bits -= (unsigned)((e >> 2) & 15);
        }
        if (r < 4) {
            refill(&br);
            if (!decode_long(&br, t, &out[i])) return 0;
            i++;
        }
    }
    while (i < n) {
        refill(&br);
        const uint32_t e = t->lut[br.win >> (64 - LUT_BITS)];
        if (e) {
            out[i++] = (uint16_t)(e >> 8);
            br.win <<= (e & 0xff);
            br.bits -= (e & 0xff);
        } else if (!decode_long(&br, t, &out[i++])) {
            return 0;
        }
    }
    /* Bits consumed must lie within the segment. */
    return br.fetched * 8 - br.bits <= avail_bits;
}

int strata_huffman_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                  size_t first, const strata_symbol_levels *lv, void **scratch)
{
    (void)first; (void)lv;
    if (!*scratch) *scratch = malloc(sizeof(huff_table));
    return *scratch && decode_segment(src, size, sym, n, *scratch);
}
