/* ans_decode.c - coder 6's decoder (ans.h): four lanes in turn, each step one
 * table lookup under the lane's context. */
#include <stdlib.h>
#include <string.h>
#include "ans.h"

/* Table entry of a slot: what the next step waits on, in one load.
 *   bits 0..10   the token's frequency f (>= 1: an entry is 0 only in a
 *                context no code of the segment has)
 *   bits 11..20  slot - cum, the state's offset
 *   bits 21..29  min(class, 2) | 3 * class << 5: added to the lane's context
 *                state shifted down by 5, the next context and state.
 * The token of the slot, which only the code's value needs, lies aside. */
#define ENTRY_FREQ(d) ((d) & 0x7ffu)
#define ENTRY_OFFSET(d) (((d) >> 11) & 0x3ffu)
#define ENTRY_NEXT(d) ((d) >> 21)
_Static_assert(ANS_SCALE == 1024 && STRATA_HCTX_COUNT <= 32, "entry fields");

typedef struct {
    ans_tokens tk;
    uint32_t slot[STRATA_HCTX_COUNT][ANS_SCALE];
    uint8_t token[STRATA_HCTX_COUNT][ANS_SCALE];
} ans_table;

/* One table (format.md) into a context's slots; 0 if malformed. */
static int read_table(const uint8_t **pp, const uint8_t *end, const ans_tokens *tk, uint32_t *slot,
                      uint8_t *slot_token)
{
    uint64_t k, v;
    if (!strata_get_varint(pp, end, &k) || k > ANS_TOKENS) return 0;
    if (k == 0) {
        memset(slot, 0, ANS_SCALE * sizeof *slot);
        return 1;
    }
    uint8_t token[ANS_TOKENS];
    for (unsigned i = 0, next = 0; i < k; i++) {
        if (!strata_get_varint(pp, end, &v) || v >= ANS_TOKENS - next) return 0;
        token[i] = (uint8_t)(next + v);
        next = token[i] + 1u;
    }
    uint32_t cum = 0;
    for (unsigned i = 0; i < k; i++) {
        uint32_t f;
        if (i + 1 < k) {
            if (!strata_get_varint(pp, end, &v) || v >= ANS_SCALE - cum - 1) return 0;
            f = (uint32_t)v + 1;
        } else {
            f = ANS_SCALE - cum; /* >= 1: each earlier one left room */
        }
        const unsigned c = tk->cls[token[i]], next = (c < 2 ? c : 2) | 3 * c << 5;
        for (uint32_t s = 0; s < f; s++) slot[cum + s] = f | s << 11 | next << 21;
        memset(slot_token + cum, token[i], f);
        cum += f;
    }
    return 1;
}

/* A lane: its rANS state, its context state (the context in bits 0..4, 3 *
 * the last code's class above), and its words. */
typedef struct {
    uint32_t x, ctx;
    const uint8_t *p, *end;
} ans_lane;

/* Reads 16 bits into the state when it fell below ANS_L; 0 past the lane
 * (checked unless the caller knows the lane has the bytes). */
static inline __attribute__((always_inline)) int renorm(ans_lane *l, int checked)
{
    if (l->x >= ANS_L) return 1;
    if (checked && STRATA_UNLIKELY(l->p == l->end)) return 0;
    l->x = l->x << 16 | strata_get_u16(l->p);
    l->p += 2;
    return 1;
}

/* k (0..8) raw bits (k = 0: none, and the state unchanged). */
static inline __attribute__((always_inline)) unsigned get_raw(ans_lane *l, unsigned k, int checked, int *ok)
{
    const unsigned s = ANS_SCALE_BITS - k, slot = l->x & (ANS_SCALE - 1);
    l->x = ((l->x >> ANS_SCALE_BITS) << s) + (slot & ((1u << s) - 1));
    *ok &= renorm(l, checked);
    return slot >> s;
}

/* Raw bits past the lowest 8 (|q| >= 2^11), checked. */
static __attribute__((noinline)) unsigned high_bits(ans_lane *l, unsigned k, int *ok)
{
    return get_raw(l, k - ANS_CHUNK_BITS, 1, ok) << ANS_CHUNK_BITS;
}

/* One code of a lane into *out; 0 if malformed. `mask` maps contexts to tables
 * (a constant, strata_ans_context_mask). */
static inline __attribute__((always_inline)) int step(ans_lane *l, const ans_table *tb, unsigned mask,
                                                      int checked, uint16_t *out)
{
    const unsigned ctx = l->ctx & mask, slot = l->x & (ANS_SCALE - 1);
    const uint32_t d = tb->slot[ctx][slot];
    if (STRATA_UNLIKELY(!d)) return 0;
    l->x = ENTRY_FREQ(d) * (l->x >> ANS_SCALE_BITS) + ENTRY_OFFSET(d);
    l->ctx = (l->ctx >> 5) + ENTRY_NEXT(d);
    int ok = renorm(l, checked);
    const unsigned t = tb->token[ctx][slot], k = tb->tk.extra[t];
    unsigned bits = get_raw(l, k < ANS_CHUNK_BITS ? k : ANS_CHUNK_BITS, checked, &ok);
    if (STRATA_UNLIKELY(k > ANS_CHUNK_BITS)) {
        /* through a copy, so that the lane itself stays in registers */
        ans_lane e = *l;
        int fine = 1;
        bits |= high_bits(&e, k, &fine);
        *l = e;
        ok &= fine;
    }
    *out = (uint16_t)(tb->tk.negative[t] ? tb->tk.code[t] - bits : tb->tk.code[t] + bits);
    return ok;
}

/* Bytes a code can take from its lane: a word per step (its token, two raw
 * chunks at most). */
#define CODE_BYTES 6

/* The four lanes, lane j's codes at out + j * q: in runs of steps that cannot
 * pass any lane's end, unchecked, then the rest. */
static inline __attribute__((always_inline)) int run_lanes(ans_lane *ln, uint16_t *out, size_t q, const size_t *len,
                                                           const ans_table *tb, unsigned mask)
{
    _Static_assert(STRATA_HCTX_LANES == 4, "four chains");
    ans_lane a = ln[0], b = ln[1], c = ln[2], d = ln[3];
    const size_t both = len[3];
    size_t i = 0;
    for (;;) {
        size_t run = both - i;
        const ans_lane *l[4] = {&a, &b, &c, &d};
        for (int j = 0; j < 4; j++) {
            const size_t r = (size_t)(l[j]->end - l[j]->p) / CODE_BYTES;
            run = r < run ? r : run;
        }
        if (run < 16) break;
        for (const size_t stop = i + run; i < stop; i++)
            if (!(step(&a, tb, mask, 0, out + i) & step(&b, tb, mask, 0, out + q + i) &
                  step(&c, tb, mask, 0, out + 2 * q + i) & step(&d, tb, mask, 0, out + 3 * q + i)))
                return 0;
    }
    int ok = 1;
    for (; i < both; i++)
        ok &= step(&a, tb, mask, 1, out + i) & step(&b, tb, mask, 1, out + q + i) &
              step(&c, tb, mask, 1, out + 2 * q + i) & step(&d, tb, mask, 1, out + 3 * q + i);
    for (size_t k = both; k < len[0]; k++) ok &= step(&a, tb, mask, 1, out + k);
    for (size_t k = both; k < len[1]; k++) ok &= step(&b, tb, mask, 1, out + q + k);
    for (size_t k = both; k < len[2]; k++) ok &= step(&c, tb, mask, 1, out + 2 * q + k);
    ln[0] = a, ln[1] = b, ln[2] = c, ln[3] = d;
    return ok;
}

/* One copy of the loops per mode, so that the mask is a constant. */
static STRATA_CLONES_BITS int decode_lanes(ans_lane *ln, uint16_t *out, size_t q, const size_t *len,
                                           const ans_table *tb, unsigned mode)
{
    return mode == ANS_CONTEXT_TABLES ? run_lanes(ln, out, q, len, tb, strata_ans_context_mask(ANS_CONTEXT_TABLES))
                                      : run_lanes(ln, out, q, len, tb, strata_ans_context_mask(ANS_ONE_TABLE));
}

int strata_ans_ctx_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                  size_t first, const strata_symbol_levels *lv, void **scratch)
{
    (void)first; (void)lv;
    if (!*scratch) {
        ans_table *t = malloc(sizeof *t);
        if (!t) return 0;
        strata_ans_tokens_init(&t->tk);
        *scratch = t;
    }
    ans_table *tb = *scratch;
    const uint8_t *p = src, *end = src + size;
    if (size < 1 || src[0] > ANS_CONTEXT_TABLES) return 0;
    const unsigned mode = *p++, tables = mode == ANS_ONE_TABLE ? 1 : STRATA_HCTX_COUNT;
    for (unsigned c = 0; c < tables; c++)
        if (!read_table(&p, end, &tb->tk, tb->slot[c], tb->token[c])) return 0;
    if ((size_t)(end - p) < 4 * (STRATA_HCTX_LANES - 1)) return 0;
    const uint8_t *sizes = p;
    p += 4 * (STRATA_HCTX_LANES - 1);
    size_t b[STRATA_HCTX_LANES + 1], len[STRATA_HCTX_LANES];
    strata_hctx_lanes(n, b);
    ans_lane ln[STRATA_HCTX_LANES];
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        const size_t bytes = j < STRATA_HCTX_LANES - 1 ? strata_get_u32(sizes + 4 * j) : (size_t)(end - p);
        /* the final state, then whole words */
        if (bytes > (size_t)(end - p) || bytes < 4 || bytes % 2) return 0;
        ln[j] = (ans_lane){strata_get_u32(p), strata_hctx_context(0, 0), p + 4, p + bytes};
        if (ln[j].x < ANS_L || ln[j].x >= ANS_L << 16) return 0;
        len[j] = b[j + 1] - b[j];
        p += bytes;
    }
    /* Lane 3 is the shortest, and lanes start q = b[1] codes apart (b[j] = j * q
     * while lane 3 is not empty; when it is, no step reads past a lane's start). */
    if (!decode_lanes(ln, sym, b[1], len, tb, mode)) return 0;
    /* The encoder started every lane from ANS_L, and the lane holds no more words. */
    for (int j = 0; j < STRATA_HCTX_LANES; j++)
        if (ln[j].x != ANS_L || ln[j].p != ln[j].end) return 0;
    return 1;
}
