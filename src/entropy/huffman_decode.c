/* huffman_decode.c - table-driven decoding of canonical Huffman segments.
 * Codes up to LUT_BITS long resolve with one table lookup; longer ones walk the
 * canonical first-code table. Every read is bounds-checked: a malformed segment
 * returns STRATA_ERR_CORRUPT. */
#include <stdlib.h>
#include "huffman.h"

#define LUT_BITS 11

/* Where a canonical code's lengths put its symbols: first code, count and
 * index into the symbols sorted by (length, symbol), per length. */
typedef struct {
    uint32_t first[STRATA_HUFF_MAX_LEN + 2];
    uint32_t count[STRATA_HUFF_MAX_LEN + 2];
    uint32_t offset[STRATA_HUFF_MAX_LEN + 2];
    int maxlen; /* 0: no symbols (a context coder 5 never uses) */
} huff_canon;

typedef struct {
    uint32_t lut[1u << LUT_BITS]; /* lut_entry(), 0 = long code */
    /* The same LUT_BITS decoded as far as whole codes go, up to three of them:
     * bits 0-1 how many (0: the first code is long), 2-5 their total length,
     * then each symbol in 16 bits from bit 16. Low-entropy codes are 1-3 bits,
     * so one lookup (the serial step of decoding) yields several symbols. */
    uint64_t multi[1u << LUT_BITS];
    huff_canon canon;
    uint16_t sorted[65536]; /* symbols by (length, symbol) */
    uint16_t used[65536];
    uint8_t len[65536];
} huff_table;

/* A lookup table entry: symbol << 16 | 3 * class << 7 | min(class, 2) << 5 |
 * length (5 bits; class: strata_hctx_class, which coder 5's next contexts need). */
static inline uint32_t lut_entry(unsigned sym, unsigned len)
{
    const unsigned t = strata_hctx_class(sym);
    return (uint32_t)sym << 16 | 3 * t << 7 | (t < 2 ? t : 2) << 5 | len;
}
#define LUT_LEN(e) ((e) & 31u)

/* Parses a table at *pp (m = 0 only if allow_empty) into t's canon and sorted;
 * advances *pp. */
static int read_table(const uint8_t **pp, const uint8_t *end, huff_table *t, int allow_empty)
{
    uint64_t m, v;
    huff_canon *cn = &t->canon;
    if (!strata_get_varint(pp, end, &m) || m > 65536) return 0;
    memset(cn, 0, sizeof *cn);
    if (m == 0) return allow_empty;
    uint64_t sym = 0;
    for (uint64_t i = 0; i < m; i++) {
        if (!strata_get_varint(pp, end, &v) || v > 65535) return 0;
        sym = i ? sym + 1 + v : v;
        if (sym > 65535) return 0;
        t->used[i] = (uint16_t)sym;
    }
    if ((uint64_t)(end - *pp) < m) return 0;
    for (uint64_t i = 0; i < m; i++) {
        uint8_t l = (*pp)[i];
        if (l < 1 || l > STRATA_HUFF_MAX_LEN) return 0;
        t->len[t->used[i]] = l;
        cn->count[l]++;
        if (l > cn->maxlen) cn->maxlen = l;
    }
    *pp += m;
    /* Canonical first codes; Kraft's inequality must hold or codes would collide. */
    uint64_t c = 0;
    uint32_t off = 0;
    for (int l = 1; l <= STRATA_HUFF_MAX_LEN; l++) {
        cn->first[l] = (uint32_t)c;
        cn->offset[l] = off;
        off += cn->count[l];
        c += cn->count[l];
        if (c > ((uint64_t)1 << l)) return 0;
        c <<= 1;
    }
    uint32_t fill[STRATA_HUFF_MAX_LEN + 2];
    memcpy(fill, cn->offset, sizeof fill);
    for (uint64_t i = 0; i < m; i++) t->sorted[fill[t->len[t->used[i]]]++] = t->used[i];
    return 1;
}

/* The lookup table of the codes up to `bits` long (0 where a longer one starts). */
static void fill_lut(uint32_t *lut, unsigned bits, const huff_canon *cn, const uint16_t *sorted)
{
    memset(lut, 0, sizeof *lut << bits);
    for (int l = 1; l <= (int)bits && l <= cn->maxlen; l++)
        for (uint32_t j = 0; j < cn->count[l]; j++) {
            const uint32_t code = cn->first[l] + j, e = lut_entry(sorted[cn->offset[l] + j], (unsigned)l);
            const uint32_t lo = code << (bits - l), span = 1u << (bits - l);
            for (uint32_t k = 0; k < span; k++) lut[lo + k] = e;
        }
}

/* Coder 1: parses the table at *pp and prepares decoding; advances *pp. */
static int read_plain_table(const uint8_t **pp, const uint8_t *end, huff_table *t)
{
    if (!read_table(pp, end, t, 0)) return 0;
    fill_lut(t->lut, LUT_BITS, &t->canon, t->sorted);
    for (uint32_t w = 0; w < (1u << LUT_BITS); w++) {
        uint64_t m3 = 0;
        unsigned count = 0, used = 0;
        while (count < 3) {
            /* The bits past `used` are known only up to LUT_BITS. */
            const uint32_t e = t->lut[(w << used) & ((1u << LUT_BITS) - 1)];
            if (!e || used + LUT_LEN(e) > LUT_BITS) break;
            m3 |= (uint64_t)(e >> 16) << (16 + 16 * count);
            used += LUT_LEN(e);
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

/* The code at the top of win, by the canonical first-code table, trying
 * lengths above `from` (codes up to `from` are in a lookup table): its
 * lut_entry() with its true length, 0 if no code matches. */
static uint32_t canonical_decode(const huff_canon *cn, const uint16_t *sorted, int from, uint64_t win)
{
    for (int l = from + 1; l <= cn->maxlen; l++) {
        const uint32_t code = (uint32_t)(win >> (64 - l));
        if (code - cn->first[l] < cn->count[l]) return lut_entry(sorted[cn->offset[l] + code - cn->first[l]], (unsigned)l);
    }
    return 0;
}

/* A code longer than LUT_BITS; the window holds at least STRATA_HUFF_MAX_LEN
 * bits. 0 if no code matches. */
static int decode_long(bit_reader *br, const huff_table *t, uint16_t *out)
{
    const uint32_t e = canonical_decode(&t->canon, t->sorted, LUT_BITS, br->win);
    if (!e) return 0;
    *out = (uint16_t)(e >> 16);
    br->win <<= LUT_LEN(e);
    br->bits -= LUT_LEN(e);
    return 1;
}

/* One segment being decoded: its table, its bits, its output. */
typedef struct {
    const huff_table *t;
    bit_reader br;
    size_t avail_bits; /* bits after the table */
    uint16_t *out;
    size_t n, i;       /* symbols in all, decoded so far */
} segment_state;

static int segment_begin(segment_state *s, const uint8_t *src, size_t size, uint16_t *out,
                         size_t n, huff_table *t)
{
    const uint8_t *p = src, *end = src + size;
    if (!read_plain_table(&p, end, t)) return 0;
    s->t = t;
    s->br = (bit_reader){p, end, 0, 0, 0};
    s->avail_bits = (size_t)(end - p) * 8;
    s->out = out;
    s->n = n;
    s->i = 0;
    return 1;
}

/* Up to one multi-code lookup: the symbols it yields, or 0 when the next code
 * is long (the caller then calls decode_long). out needs room for 3. */
static inline unsigned lookup(segment_state *s)
{
    const uint64_t e = s->t->multi[s->br.win >> (64 - LUT_BITS)];
    uint16_t *o = s->out + s->i;
    o[0] = (uint16_t)(e >> 16);
    o[1] = (uint16_t)(e >> 32);
    o[2] = (uint16_t)(e >> 48);
    s->i += e & 3;
    s->br.win <<= (e >> 2) & 15;
    s->br.bits -= (unsigned)((e >> 2) & 15);
    return (unsigned)(e & 3);
}

static inline int long_code(segment_state *s)
{
    refill(&s->br);
    return decode_long(&s->br, s->t, &s->out[s->i++]);
}

/* Decodes the rest of a segment; 0 if malformed. */
static int segment_finish(segment_state *s)
{
    /* One refill leaves at least 57 bits: four lookups (4 * LUT_BITS = 44 bits,
     * up to 12 symbols) or one long code (STRATA_HUFF_MAX_LEN = 24). */
    while (s->n - s->i >= 12) {
        refill(&s->br);
        int r = 0;
        while (r < 4 && lookup(s)) r++;
        if (r < 4 && !long_code(s)) return 0;
    }
    while (s->i < s->n) {
        refill(&s->br);
        const uint32_t e = s->t->lut[s->br.win >> (64 - LUT_BITS)];
        if (e) {
            s->out[s->i++] = (uint16_t)(e >> 16);
            s->br.win <<= LUT_LEN(e);
            s->br.bits -= LUT_LEN(e);
        } else if (!long_code(s)) {
            return 0;
        }
    }
    /* Bits consumed must lie within the segment. */
    return s->br.fetched * 8 - s->br.bits <= s->avail_bits;
}

/* Two segments at once: each lookup waits on the one before it in its own
 * segment, so interleaving two segments keeps twice as many in flight. */
static int segments_finish2(segment_state *a, segment_state *b)
{
    while (a->n - a->i >= 12 && b->n - b->i >= 12) {
        refill(&a->br);
        refill(&b->br);
        for (int r = 0; r < 4; r++) {
            const unsigned ka = lookup(a), kb = lookup(b);
            if (STRATA_UNLIKELY(!ka || !kb)) {
                /* Only a segment whose lookup found a long code decodes it: at
                 * most 3 lookups (9 symbols) came before, so it stays within the
                 * 12 symbols the loop's test leaves room for. */
                if (!ka && !long_code(a)) return 0;
                if (!kb && !long_code(b)) return 0;
                break;
            }
        }
    }
    return segment_finish(a) && segment_finish(b);
}

int strata_huffman_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                  size_t first, const strata_symbol_levels *lv, void **scratch)
{
    (void)first; (void)lv;
    if (!*scratch) *scratch = malloc(2 * sizeof(huff_table)); /* room for decode_segment2 */
    segment_state s;
    return *scratch && segment_begin(&s, src, size, sym, n, *scratch) && segment_finish(&s);
}

int strata_huffman_decode_segment2(const uint8_t *const src[2], const size_t size[2],
                                   uint16_t *const sym[2], const size_t n[2], size_t first,
                                   const strata_symbol_levels *lv, void **scratch)
{
    (void)first; (void)lv;
    if (!*scratch) *scratch = malloc(2 * sizeof(huff_table));
    huff_table *t = *scratch;
    segment_state a, b;
    return t && segment_begin(&a, src[0], size[0], sym[0], n[0], &t[0]) &&
           segment_begin(&b, src[1], size[1], sym[1], n[1], &t[1]) && segments_finish2(&a, &b);
}

/* Coder 5: a table per context. Its lookup tables are smaller than coder 1's
 * (18 of them must stay in cache), and give one symbol each: the next
 * symbol's table depends on this one. */
#define HCTX_LUT_BITS 10

typedef struct {
    uint32_t lut[STRATA_HCTX_COUNT][1u << HCTX_LUT_BITS];
    huff_canon canon[STRATA_HCTX_COUNT];
    uint32_t base[STRATA_HCTX_COUNT];          /* each context's first symbol in sorted */
    uint16_t sorted[STRATA_HCTX_COUNT * 65536];
    huff_table parse;                          /* one table as read */
} hctx_table;

/* One lane being decoded. Its reader is a bit position: each refill loads the
 * 8 bytes under it, so a lane's state is four numbers the compiler can keep in
 * registers for all four lanes at once. */
typedef struct {
    const uint8_t *src;
    size_t size;      /* bytes */
    size_t pos;       /* bits consumed */
    uint64_t win;     /* the bits from pos, at least 57 after a refill */
    uint16_t *out;
    size_t n;         /* codes */
    unsigned ctx, a1; /* the next code's context; 3 * class of the last code */
} hctx_lane;

/* The lane's last bytes, and zeros past its end (pos is checked at the end). */
static __attribute__((noinline)) uint64_t hctx_tail_bytes(const uint8_t *src, size_t size, size_t byte)
{
    uint64_t w = 0;
    for (size_t k = 0; k < 8; k++)
        if (byte + k < size) w |= (uint64_t)src[byte + k] << (56 - 8 * k);
    return w;
}

static inline void hctx_refill(hctx_lane *l)
{
    const size_t byte = l->pos >> 3;
    const uint64_t w = STRATA_LIKELY(byte + 8 <= l->size) ? strata_get_be64(l->src + byte)
                                                          : hctx_tail_bytes(l->src, l->size, byte);
    l->win = w << (l->pos & 7);
}

/* A refill that needs no check: the caller knows 8 bytes remain. */
static inline void hctx_refill_fast(hctx_lane *l)
{
    l->win = strata_get_be64(l->src + (l->pos >> 3)) << (l->pos & 7);
}

/* How many more refill-and-two-codes steps the lane can take before a refill
 * could read past its end (each step consumes at most 2 * STRATA_HUFF_MAX_LEN
 * bits). */
static inline size_t hctx_safe_steps(const hctx_lane *l)
{
    if (l->size < 8 || l->pos > (l->size - 8) * 8) return 0;
    return ((l->size - 8) * 8 - l->pos) / (2 * STRATA_HUFF_MAX_LEN) + 1;
}

/* Decodes code i of a lane; its window holds at least STRATA_HUFF_MAX_LEN bits. */
static inline __attribute__((always_inline)) int hctx_step(hctx_lane *l, size_t i, const hctx_table *t)
{
    uint32_t e = t->lut[l->ctx][l->win >> (64 - HCTX_LUT_BITS)];
    if (STRATA_UNLIKELY(!e) &&
        !(e = canonical_decode(&t->canon[l->ctx], t->sorted + t->base[l->ctx], HCTX_LUT_BITS, l->win)))
        return 0;
    l->out[i] = (uint16_t)(e >> 16);
    l->win <<= LUT_LEN(e);
    l->pos += LUT_LEN(e);
    l->ctx = l->a1 + ((e >> 5) & 3);
    l->a1 = (e >> 7) & 15;
    return 1;
}

/* Codes i.. of one lane; 0 if malformed. */
static int hctx_lane_finish(hctx_lane *l, size_t i, const hctx_table *t)
{
    for (; i < l->n; i += 2) { /* one refill, two codes */
        hctx_refill(l);
        if (!hctx_step(l, i, t) || (i + 1 < l->n && !hctx_step(l, i + 1, t))) return 0;
    }
    return l->pos <= l->size * 8; /* bits consumed must lie within the lane */
}

/* Reads the tables and places the lanes; 0 if malformed. */
static int hctx_begin(hctx_lane *ln, const uint8_t *src, size_t size, uint16_t *out, size_t n, hctx_table *t)
{
    const uint8_t *p = src, *end = src + size;
    uint32_t base = 0;
    for (int c = 0; c < STRATA_HCTX_COUNT; c++) {
        if (!read_table(&p, end, &t->parse, 1)) return 0;
        const huff_canon *cn = &t->parse.canon;
        const uint32_t m = cn->maxlen ? cn->offset[cn->maxlen] + cn->count[cn->maxlen] : 0;
        t->canon[c] = *cn;
        t->base[c] = base;
        memcpy(t->sorted + base, t->parse.sorted, m * sizeof *t->sorted);
        fill_lut(t->lut[c], HCTX_LUT_BITS, cn, t->sorted + base);
        base += m;
    }
    if ((size_t)(end - p) < 4 * (STRATA_HCTX_LANES - 1)) return 0;
    const uint8_t *sizes = p;
    p += 4 * (STRATA_HCTX_LANES - 1);
    size_t b[STRATA_HCTX_LANES + 1];
    strata_hctx_lanes(n, b);
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        const size_t bytes = j < STRATA_HCTX_LANES - 1 ? strata_get_u32(sizes + 4 * j) : (size_t)(end - p);
        if (bytes > (size_t)(end - p)) return 0;
        ln[j] = (hctx_lane){p, bytes, 0, 0, out + b[j], b[j + 1] - b[j], 0, 0};
        p += bytes;
    }
    return 1;
}

int strata_huffman_ctx_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                      size_t first, const strata_symbol_levels *lv, void **scratch)
{
    (void)first; (void)lv;
    if (!*scratch) *scratch = malloc(sizeof(hctx_table));
    hctx_table *t = *scratch;
    if (!t || size < 1 || src[0] > 1) return 0;
    if (src[0] == 0) { /* one table: coder 1's segment */
        segment_state s;
        return segment_begin(&s, src + 1, size - 1, sym, n, &t->parse) && segment_finish(&s);
    }
    hctx_lane ln[STRATA_HCTX_LANES];
    if (!hctx_begin(ln, src + 1, size - 1, sym, n, t)) return 0;
    /* The lanes in step while the last (the shortest) has codes left, as four
     * named variables whose address never leaves this function, so their
     * state stays in registers; each lookup waits only on the one before it in
     * its lane. */
    _Static_assert(STRATA_HCTX_LANES == 4, "the loop below names four lanes");
    hctx_lane l0 = ln[0], l1 = ln[1], l2 = ln[2], l3 = ln[3];
    size_t i = 0;
#define STRATA_HCTX_STEPS(REFILL)                                                                \
    do {                                                                                         \
        REFILL(&l0);                                                                             \
        REFILL(&l1);                                                                             \
        REFILL(&l2);                                                                             \
        REFILL(&l3);                                                                             \
        if (!(hctx_step(&l0, i, t) & hctx_step(&l1, i, t) & hctx_step(&l2, i, t) &               \
              hctx_step(&l3, i, t) & hctx_step(&l0, i + 1, t) & hctx_step(&l1, i + 1, t) &       \
              hctx_step(&l2, i + 1, t) & hctx_step(&l3, i + 1, t)))                              \
            return 0;                                                                            \
    } while (0)
    /* Runs of steps that no lane's end can reach read without a bounds check. */
    for (;;) {
        size_t safe = hctx_safe_steps(&l0), s1 = hctx_safe_steps(&l1), s2 = hctx_safe_steps(&l2),
               s3 = hctx_safe_steps(&l3), left = (l3.n - i) / 2;
        safe = safe < s1 ? safe : s1;
        safe = safe < s2 ? safe : s2;
        safe = safe < s3 ? safe : s3;
        safe = safe < left ? safe : left;
        if (safe < 8) break;
        for (const size_t end = i + 2 * safe; i < end; i += 2) STRATA_HCTX_STEPS(hctx_refill_fast);
    }
    for (; i + 2 <= l3.n; i += 2) STRATA_HCTX_STEPS(hctx_refill);
#undef STRATA_HCTX_STEPS
    hctx_lane rest[STRATA_HCTX_LANES] = {l0, l1, l2, l3};
    for (int j = 0; j < STRATA_HCTX_LANES; j++)
        if (!hctx_lane_finish(&rest[j], i, t)) return 0;
    return 1;
}
