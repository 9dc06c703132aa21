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

/* A lookup table entry: symbol << 16 | class << 12 | length (5 bits). The
 * class (strata_hctx_class) gives coder 5's next context. */
static inline uint32_t lut_entry(unsigned sym, unsigned len)
{
    return (uint32_t)sym << 16 | strata_hctx_class(sym) << 12 | len;
}
#define LUT_LEN(e) ((e) & 31u)
#define LUT_CLASS(e) ((e) >> 12 & 7u)

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

/* Coder 5: a table per context. A lane's state is the classes of its last
 * two codes, t2 and t1, as 6 * t2 + t1: 36 states, where the context is only
 * 3 * t2 + min(t1, 2). Knowing t1 itself, a state's lookup table knows the
 * context of the code after the first, and the state after both: an entry
 * gives up to two codes of the next HCTX_LUT_BITS bits. Low-entropy codes are
 * 1-4 bits, so most lookups, the serial step of decoding, yield two. */
#define HCTX_LUT_BITS 9 /* 8 or 10 decoded slower (docs/performance.md, 11) */
#define HCTX_STATES 36

/* A lookup table entry (0: the first code is longer than HCTX_LUT_BITS):
 *   bits 0-4   bits of the codes it yields, the window's shift (bit 5 is 0)
 *   bits 9-14  the state after them (from bit HCTX_LUT_BITS), so the entry
 *              masked is the offset of the next table (HCTX_STATE_MASK)
 *   bits 16-31 the first symbol, bits 32-47 the second
 *   bits 48-52 the first code's length, bits 53-58 the state after it alone
 *              (for a lane's last code)
 *   bits 61-63 2 * how many codes (1 or 2): the output's advance in bytes. */
#define HCTX_STATE_MASK ((uint64_t)63 << HCTX_LUT_BITS)
static inline uint64_t hctx_entry(unsigned sym1, unsigned len1, unsigned state1, unsigned sym2,
                                  unsigned len, unsigned state, unsigned count)
{
    return len | (uint64_t)state << HCTX_LUT_BITS | (uint64_t)sym1 << 16 | (uint64_t)sym2 << 32 |
           (uint64_t)len1 << 48 | (uint64_t)state1 << 53 | (uint64_t)(2 * count) << 61;
}
#define HCTX_LEN1(e) ((unsigned)((e) >> 48) & 31u)
#define HCTX_STATE1(e) ((uint64_t)((e) >> 53 & 63) << HCTX_LUT_BITS)
#define HCTX_PAIR(e) ((e) >> 62 == 2)

/* The context of state s, and the state after a code of class t. */
static inline unsigned hctx_state_context(unsigned s)
{
    return strata_hctx_context(s / 6, s % 6);
}
static inline unsigned hctx_next_state(unsigned s, unsigned t)
{
    return 6 * (s % 6) + t;
}

/* Codes longer than HCTX_LUT_BITS (1-2% of a low-entropy segment's) resolve
 * by a second table under their first HCTX_LUT_BITS bits, as many bits wide
 * as the longest code there takes, up to HCTX_SUB_BITS; the canonical walk is
 * left to longer codes and to prefixes past HCTX_SUB_MAX entries in all. */
#define HCTX_SUB_BITS 7
#define HCTX_SUB_MAX 16384

typedef struct {
    uint64_t lut[HCTX_STATES << HCTX_LUT_BITS];                /* hctx_entry() */
    uint32_t code_lut[STRATA_HCTX_COUNT][1u << HCTX_LUT_BITS]; /* each context's lut_entry() */
    uint32_t sub_at[STRATA_HCTX_COUNT][1u << HCTX_LUT_BITS];   /* offset << 5 | bits (>= 1); 0: none */
    uint32_t sub[HCTX_SUB_MAX];                                /* lut_entry(), 0: walk */
    uint64_t one[STRATA_HCTX_COUNT][1u << HCTX_LUT_BITS];      /* hctx_fill_states() */
    uint64_t two[STRATA_HCTX_COUNT][1u << HCTX_LUT_BITS];
    huff_canon canon[STRATA_HCTX_COUNT];
    uint32_t base[STRATA_HCTX_COUNT];          /* each context's first symbol in sorted */
    uint16_t sorted[STRATA_HCTX_COUNT * 65536];
    huff_table parse;                          /* one table as read */
} hctx_table;

/* The tables of the 36 states from the contexts' code tables, a first code
 * at a time (its entries are the 2^(HCTX_LUT_BITS - len1) that start with
 * it): its entry as one code, and for each entry the code after it as a
 * second, if it fits in the bits left. `one` holds each context's codes as one
 * code from state 0 (the state's 6 * t1 is added), `two` as a second code:
 * symbol << 32 | class << HCTX_LUT_BITS | length. */
static void hctx_fill_states(hctx_table *t)
{
    const uint32_t W = 1u << HCTX_LUT_BITS;
    const uint64_t STATES = HCTX_STATE_MASK | (uint64_t)63 << 53, PAIR = (uint64_t)2 << 61;
    for (unsigned c = 0; c < STRATA_HCTX_COUNT; c++)
        for (uint32_t w = 0; w < W; w++) {
            const uint32_t e = t->code_lut[c][w], len = LUT_LEN(e), cls = LUT_CLASS(e);
            t->one[c][w] = e ? hctx_entry(e >> 16, len, cls, 0, len, cls, 1) : 0;
            t->two[c][w] = e ? (uint64_t)(e >> 16) << 32 | cls << HCTX_LUT_BITS | len : 0;
        }
    for (unsigned t2 = 0; t2 < 6; t2++)
        for (unsigned t1 = 0; t1 < 6; t1++) {
            const uint64_t *one = t->one[strata_hctx_context(t2, t1)];
            uint64_t *out = t->lut + ((size_t)(6 * t2 + t1) << HCTX_LUT_BITS);
            for (uint32_t w = 0; w < W;) {
                const uint64_t e1 = one[w];
                if (!e1) { out[w++] = 0; continue; } /* a long code starts here */
                const unsigned len1 = LUT_LEN(e1), ta = (unsigned)(e1 >> HCTX_LUT_BITS) & 63,
                               left = HCTX_LUT_BITS - len1;
                const uint64_t single = e1 + hctx_entry(0, 0, 6 * t1, 0, 0, 6 * t1, 0);
                const uint64_t pair = (single & ~STATES) + PAIR + ((uint64_t)(6 * ta) << HCTX_LUT_BITS) +
                                      ((uint64_t)(6 * t1 + ta) << 53);
                const uint64_t *two = t->two[strata_hctx_context(t1, ta)];
                for (uint32_t r = 0; r < 1u << left; r++) {
                    const uint64_t e2 = two[r << len1];
                    out[w + r] = e2 && LUT_LEN(e2) <= left ? pair + e2 : single;
                }
                w += 1u << left;
            }
        }
}

/* Context c's second tables (sub_at, sub from *used on). */
static void hctx_fill_sub(hctx_table *t, unsigned c, uint32_t *used)
{
    const huff_canon *cn = &t->canon[c];
    const uint16_t *sorted = t->sorted + t->base[c];
    const int top = cn->maxlen < HCTX_LUT_BITS + HCTX_SUB_BITS ? cn->maxlen : HCTX_LUT_BITS + HCTX_SUB_BITS;
    uint32_t *at = t->sub_at[c];
    memset(at, 0, sizeof t->sub_at[c]);
    /* Each prefix's width: its longest code's bits past the prefix, up to
     * HCTX_SUB_BITS. Canonical codes of one length cover a run of prefixes. */
    for (int l = HCTX_LUT_BITS + 1; l <= cn->maxlen; l++) {
        if (!cn->count[l]) continue;
        const unsigned sh = (unsigned)(l - HCTX_LUT_BITS), bits = l < top ? sh : (unsigned)(top - HCTX_LUT_BITS);
        const uint32_t last = (cn->first[l] + cn->count[l] - 1) >> sh;
        for (uint32_t p = cn->first[l] >> sh; p <= last; p++) at[p] = bits;
    }
    for (uint32_t p = 0; p < (1u << HCTX_LUT_BITS); p++) {
        if (!at[p]) continue;
        const uint32_t size = 1u << at[p];
        if (size > HCTX_SUB_MAX - *used) { at[p] = 0; continue; }
        memset(t->sub + *used, 0, size * sizeof *t->sub);
        at[p] |= *used << 5;
        *used += size;
    }
    for (int l = HCTX_LUT_BITS + 1; l <= top; l++) {
        const unsigned sh = (unsigned)(l - HCTX_LUT_BITS);
        for (uint32_t j = 0; j < cn->count[l]; j++) {
            const uint32_t code = cn->first[l] + j, a = at[code >> sh];
            if (!a) continue;
            const unsigned span = (a & 31) - sh; /* the entries that start with the code */
            const uint32_t lo = (a >> 5) + ((code & ((1u << sh) - 1)) << span),
                           e = lut_entry(sorted[cn->offset[l] + j], (unsigned)l);
            for (uint32_t k = 0; k < 1u << span; k++) t->sub[lo + k] = e;
        }
    }
}

/* One lane being decoded. Each refill loads the 8 bytes under its bit
 * position and sets a marker bit under them; decoding only shifts the window,
 * and the next refill counts the bits consumed from where the marker got to. */
typedef struct {
    const uint8_t *src;
    size_t size;    /* bytes */
    size_t pos;     /* bits consumed up to the last refill */
    uint64_t win;   /* the bits from pos, then a 1 (at least 56 bits after a refill) */
    uint16_t *out;  /* the next code's place */
    uint16_t *end;  /* the lane's end */
    uint64_t state; /* << HCTX_LUT_BITS */
} hctx_lane;

/* Bits the lane has consumed. */
static inline size_t hctx_used(const hctx_lane *l)
{
    return l->pos + (size_t)__builtin_ctzll(l->win);
}

/* The lane's last bytes, and zeros past its end (pos is checked at the end). */
static __attribute__((noinline)) uint64_t hctx_tail_bytes(const uint8_t *src, size_t size, size_t byte)
{
    uint64_t w = 0;
    for (size_t k = 0; k < 8; k++)
        if (byte + k < size) w |= (uint64_t)src[byte + k] << (56 - 8 * k);
    return w;
}

/* The window at bit pos of the 8 bytes w under it. */
static inline uint64_t hctx_window(uint64_t w, size_t pos)
{
    return w << (pos & 7) | 1;
}

static inline void hctx_refill(hctx_lane *l)
{
    l->pos = hctx_used(l);
    const size_t byte = l->pos >> 3;
    l->win = hctx_window(STRATA_LIKELY(byte + 8 <= l->size) ? strata_get_be64(l->src + byte)
                                                            : hctx_tail_bytes(l->src, l->size, byte),
                         l->pos);
}

/* How many more refill-and-two-lookups steps the lane can take before a
 * refill could read past its end (a step consumes at most 2 *
 * STRATA_HUFF_MAX_LEN bits) or its output past its end (a step yields at most
 * 4 codes, and a lookup writes two places). */
static inline size_t hctx_safe_steps(const hctx_lane *l)
{
    const size_t pos = hctx_used(l), left = (size_t)(l->end - l->out);
    if (l->size < 8 || pos > (l->size - 8) * 8) return 0;
    const size_t by_bits = ((l->size - 8) * 8 - pos) / (2 * STRATA_HUFF_MAX_LEN) + 1;
    return left / 4 < by_bits ? left / 4 : by_bits;
}

/* The entry of a code longer than HCTX_LUT_BITS in state s (<< HCTX_LUT_BITS),
 * by its context's canonical table; 0 if no code matches. */
static __attribute__((noinline)) uint64_t hctx_long(const hctx_table *t, uint64_t state, uint64_t win)
{
    const unsigned s = (unsigned)(state >> HCTX_LUT_BITS), c = hctx_state_context(s);
    const uint32_t a = t->sub_at[c][win >> (64 - HCTX_LUT_BITS)];
    uint32_t e = a ? t->sub[(a >> 5) + (uint32_t)((win << HCTX_LUT_BITS) >> (64 - (a & 31)))] : 0;
    if (!e) e = canonical_decode(&t->canon[c], t->sorted + t->base[c], HCTX_LUT_BITS, win);
    if (!e) return 0;
    const unsigned s1 = hctx_next_state(s, LUT_CLASS(e));
    return hctx_entry(e >> 16, LUT_LEN(e), s1, 0, LUT_LEN(e), s1, 1);
}

/* The entry at the top of a lane's window in its state; 0 if malformed. */
static inline __attribute__((always_inline)) uint64_t hctx_fetch(const hctx_table *t, uint64_t state, uint64_t win)
{
    const uint64_t e = t->lut[state + (win >> (64 - HCTX_LUT_BITS))];
    return STRATA_LIKELY(e) ? e : hctx_long(t, state, win);
}

/* One lookup at the top of a lane's window (at least STRATA_HUFF_MAX_LEN
 * bits): writes its one or two codes at *out (two places either way) and moves
 * past them; 0 if malformed. On the lane's numbers one by one, so that the
 * caller's can be plain locals. */
static inline __attribute__((always_inline)) int hctx_lookup(uint64_t *win, uint64_t *state, uint16_t **out,
                                                             const hctx_table *t)
{
    const uint64_t e = hctx_fetch(t, *state, *win);
    if (STRATA_UNLIKELY(!e)) return 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint32_t two = (uint32_t)(e >> 16);
    memcpy(*out, &two, 4);
#else
    (*out)[0] = (uint16_t)(e >> 16);
    (*out)[1] = (uint16_t)(e >> 32);
#endif
    *out = (uint16_t *)(void *)((char *)*out + (e >> 61));
    *win <<= e & 63; /* bit 5 is 0 */
    *state = e & HCTX_STATE_MASK;
    return 1;
}

/* `steps` refill-and-two-lookups steps of k lanes in turn (k constant once
 * inlined), none of which can reach its lane's end (hctx_safe_steps), so they
 * need no check. Unrolled, each lane's numbers are plain locals, which the
 * compiler keeps in registers; each lookup waits only on the one before it in
 * its lane. 0 if malformed. */
static inline __attribute__((always_inline)) int hctx_run_lanes(hctx_lane *const *ln, const int k, size_t steps,
                                                                const hctx_table *t)
{
    uint64_t w[STRATA_HCTX_LANES], s[STRATA_HCTX_LANES];
    size_t p[STRATA_HCTX_LANES];
    uint16_t *o[STRATA_HCTX_LANES];
#pragma GCC unroll 4
    for (int j = 0; j < k; j++) w[j] = ln[j]->win, s[j] = ln[j]->state, p[j] = ln[j]->pos, o[j] = ln[j]->out;
    for (; steps; steps--) {
#pragma GCC unroll 4
        for (int j = 0; j < k; j++) {
            p[j] += (size_t)__builtin_ctzll(w[j]);
            w[j] = hctx_window(strata_get_be64(ln[j]->src + (p[j] >> 3)), p[j]);
        }
#pragma GCC unroll 2
        for (int r = 0; r < 2; r++)
#pragma GCC unroll 4
            for (int j = 0; j < k; j++)
                if (!hctx_lookup(&w[j], &s[j], &o[j], t)) return 0;
    }
#pragma GCC unroll 4
    for (int j = 0; j < k; j++) ln[j]->win = w[j], ln[j]->state = s[j], ln[j]->pos = p[j], ln[j]->out = o[j];
    return 1;
}

/* hctx_run_lanes() for 4, 3 or 2 lanes: as lanes reach their ends at
 * different steps, the others go on interleaved. */
static STRATA_CLONES_BITS int hctx_run_safe(hctx_lane *const *ln, int k, size_t steps, const hctx_table *t)
{
    _Static_assert(STRATA_HCTX_LANES == 4, "hctx_run_safe runs up to four lanes");
    if (k == 4) return hctx_run_lanes(ln, 4, steps, t);
    if (k == 3) return hctx_run_lanes(ln, 3, steps, t);
    return hctx_run_lanes(ln, 2, steps, t);
}

/* The rest of one lane, checked: a lookup whose second code would pass the
 * lane's end gives only its first. 0 if malformed. */
static int hctx_lane_finish(hctx_lane *l, const hctx_table *t)
{
    while (l->out < l->end) {
        hctx_refill(l);
        for (int r = 0; r < 2 && l->out < l->end; r++) {
            const uint64_t e = hctx_fetch(t, l->state, l->win);
            if (!e) return 0;
            *l->out++ = (uint16_t)(e >> 16);
            if (HCTX_PAIR(e) && l->out < l->end) {
                *l->out++ = (uint16_t)(e >> 32);
                l->win <<= e & 63;
                l->state = e & HCTX_STATE_MASK;
            } else {
                l->win <<= HCTX_LEN1(e);
                l->state = HCTX_STATE1(e);
            }
        }
    }
    return hctx_used(l) <= l->size * 8; /* bits consumed must lie within the lane */
}

/* Reads the tables and places the lanes; 0 if malformed. */
static int hctx_begin(hctx_lane *ln, const uint8_t *src, size_t size, uint16_t *out, size_t n, hctx_table *t)
{
    const uint8_t *p = src, *end = src + size;
    uint32_t base = 0, sub_used = 0;
    for (int c = 0; c < STRATA_HCTX_COUNT; c++) {
        if (!read_table(&p, end, &t->parse, 1)) return 0;
        const huff_canon *cn = &t->parse.canon;
        const uint32_t m = cn->maxlen ? cn->offset[cn->maxlen] + cn->count[cn->maxlen] : 0;
        t->canon[c] = *cn;
        t->base[c] = base;
        memcpy(t->sorted + base, t->parse.sorted, m * sizeof *t->sorted);
        fill_lut(t->code_lut[c], HCTX_LUT_BITS, cn, t->sorted + base);
        hctx_fill_sub(t, (unsigned)c, &sub_used);
        base += m;
    }
    hctx_fill_states(t);
    if ((size_t)(end - p) < 4 * (STRATA_HCTX_LANES - 1)) return 0;
    const uint8_t *sizes = p;
    p += 4 * (STRATA_HCTX_LANES - 1);
    size_t b[STRATA_HCTX_LANES + 1];
    strata_hctx_lanes(n, b);
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        const size_t bytes = j < STRATA_HCTX_LANES - 1 ? strata_get_u32(sizes + 4 * j) : (size_t)(end - p);
        if (bytes > (size_t)(end - p)) return 0;
        ln[j] = (hctx_lane){p, bytes, 0, 1, out + b[j], out + b[j + 1], 0};
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
    hctx_lane ln[STRATA_HCTX_LANES], *live[STRATA_HCTX_LANES];
    if (!hctx_begin(ln, src + 1, size - 1, sym, n, t)) return 0;
    /* Runs of steps that no lane's end can reach, without bounds checks
     * (hctx_run_safe); a lane that nears its end finishes alone, checked,
     * and the rest go on. */
    int k = STRATA_HCTX_LANES;
    for (int j = 0; j < k; j++) live[j] = &ln[j];
    while (k >= 2) {
        size_t safe = SIZE_MAX;
        int low = 0;
        for (int j = 0; j < k; j++) {
            const size_t sj = hctx_safe_steps(live[j]);
            if (sj < safe) safe = sj, low = j;
        }
        if (safe >= 8) {
            if (!hctx_run_safe(live, k, safe, t)) return 0;
            continue;
        }
        if (!hctx_lane_finish(live[low], t)) return 0;
        live[low] = live[--k];
    }
    return k == 0 || hctx_lane_finish(live[0], t);
}
