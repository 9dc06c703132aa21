/* ans_encode.c - coder 6's encoder (ans.h): tokens and contexts, a normalised
 * frequency table per context, then each lane coded backwards. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ans.h"

/* A token under one table, set up so that coding it takes no division:
 * q = floor(x / f) is (x * rcp) >> 32 >> shift, exact for x < 2^31 (with rcp =
 * ceil(2^(31 + shift + 1) / f), shift + 1 = ceil(log2 f); for f = 1, rcp = 2^32
 * - 1 gives x - 1, and bias makes up for it). Then x' = q * 2^10 + x mod f +
 * cum = x + bias + q * cmpl. */
typedef struct {
    uint32_t xmax, rcp, bias;
    uint16_t cmpl, shift;
} enc_token;

typedef struct {
    size_t cap;
    ans_tokens tk;
    uint32_t count[STRATA_HCTX_COUNT + 1][ANS_TOKENS]; /* per context; the last: all */
    uint32_t count2[STRATA_HCTX_COUNT][ANS_TOKENS];
    uint16_t freq[STRATA_HCTX_COUNT + 1][ANS_TOKENS];
    enc_token enc[STRATA_HCTX_COUNT][ANS_TOKENS];
    size_t lane_words; /* room for a lane's words */
    uint16_t *words;   /* the lanes' 16-bit words, each written from its room's end */
    uint8_t buf[];     /* tokens, contexts, classes */
} ans_scratch;

/* Words a code can emit: one per step (its token, two raw chunks at most). */
#define WORDS_PER_CODE 3

/* tok[i] = strata_ans_token(sym[i]); cls[i] = strata_hctx_class(sym[i]), apart
 * so that it vectorizes. */
static STRATA_CLONES void tokens_and_classes(const uint16_t *restrict sym, size_t n, uint8_t *restrict tok,
                                             uint8_t *restrict cls)
{
    for (size_t i = 0; i < n; i++) tok[i] = (uint8_t)strata_ans_token(sym[i]);
    for (size_t i = 0; i < n; i++) cls[i] = (uint8_t)strata_hctx_class(sym[i]);
}

static void enc_token_init(enc_token *e, uint32_t cum, uint32_t f)
{
    e->xmax = ((ANS_L >> ANS_SCALE_BITS) << 16) * f;
    e->cmpl = (uint16_t)(ANS_SCALE - f);
    if (f == 1) {
        e->rcp = ~0u;
        e->shift = 0;
        e->bias = cum + ANS_SCALE - 1;
        return;
    }
    unsigned s = 0;
    while (f > (1u << s)) s++;
    e->rcp = (uint32_t)(((1ull << (s + 31)) + f - 1) / f);
    e->shift = (uint16_t)(s - 1);
    e->bias = cum;
}

/* Frequencies summing to 2^10, at least 1 for every counted token, from counts
 * summing to n > 0: each rounded to nearest, the difference then taken up by
 * the most frequent token (or, should that leave it below 1, one at a time
 * from every token above 1). */
static void normalize(const uint32_t *count, uint64_t n, uint16_t *freq)
{
    int32_t sum = 0;
    unsigned top = 0;
    for (unsigned t = 0; t < ANS_TOKENS; t++) {
        uint32_t f = 0;
        if (count[t]) {
            f = (uint32_t)(((uint64_t)count[t] * ANS_SCALE + n / 2) / n);
            f = f ? f : 1;
            if (count[t] > count[top]) top = t;
        }
        freq[t] = (uint16_t)f;
        sum += (int32_t)f;
    }
    const int32_t d = (int32_t)ANS_SCALE - sum;
    if ((int32_t)freq[top] + d >= 1) {
        freq[top] = (uint16_t)(freq[top] + d);
        return;
    }
    for (unsigned t = 0; sum > (int32_t)ANS_SCALE; t = (t + 1) % ANS_TOKENS)
        if (freq[t] > 1) freq[t]--, sum--;
}

static size_t varint_bytes(uint64_t v)
{
    size_t b = 1;
    while (v >= 128) v >>= 7, b++;
    return b;
}

/* A table's layout (format.md): the number K of tokens it holds, their gaps,
 * then the frequencies less one of all but the last (which takes the rest).
 * Writes it to out if not NULL; returns its bytes. */
static size_t put_table(const uint16_t *freq, strata_buf *out)
{
    unsigned k = 0;
    for (unsigned t = 0; t < ANS_TOKENS; t++) k += freq[t] != 0;
    size_t bytes = varint_bytes(k);
    if (out) strata_buf_put_varint(out, k);
    for (unsigned t = 0, prev = 0, seen = 0; t < ANS_TOKENS; t++) {
        if (!freq[t]) continue;
        const unsigned gap = seen ? t - prev - 1 : t;
        bytes += varint_bytes(gap);
        if (out) strata_buf_put_varint(out, gap);
        prev = t, seen++;
    }
    for (unsigned t = 0, seen = 0; t < ANS_TOKENS && seen + 1 < k; t++) {
        if (!freq[t]) continue;
        bytes += varint_bytes(freq[t] - 1u);
        if (out) strata_buf_put_varint(out, freq[t] - 1u);
        seen++;
    }
    return bytes;
}

/* Bits of the codes counted under a table, raw bits aside. */
static double table_bits(const uint32_t *count, const uint16_t *freq)
{
    double bits = 0;
    for (unsigned t = 0; t < ANS_TOKENS; t++)
        if (count[t]) bits += count[t] * (ANS_SCALE_BITS - log2(freq[t]));
    return bits;
}

/* Writes the state's low 16 bits below *w if it is at least xmax (a step from
 * it would leave 31 bits). Without a branch: whether a token's step writes is
 * as random as its bits (+4-15% compression); the word below is always written
 * (each lane has a spare one below its room). A raw step keeps its branch,
 * never taken for direct tokens. */
static inline uint32_t renorm(uint32_t x, uint32_t xmax, uint16_t **w)
{
    const uint32_t out = x >= xmax;
    (*w)[-1] = (uint16_t)x;
    *w -= out;
    return out ? x >> 16 : x;
}

/* One uniform step: the k (0..8) bits b (k = 0 changes nothing). */
static inline uint32_t put_raw(uint32_t x, unsigned b, unsigned k, uint16_t **w)
{
    const unsigned s = ANS_SCALE_BITS - k;
    if (x >= ((ANS_L >> ANS_SCALE_BITS) << 16) << s) *--*w = (uint16_t)x, x >>= 16;
    return ((x >> s) << ANS_SCALE_BITS) + (b << s) + (x & ((1u << s) - 1));
}

/* One code, backwards: raw bits past the lowest 8, the lowest (none for
 * direct tokens), then its token. */
static inline __attribute__((always_inline)) uint32_t put_code(uint32_t x, unsigned v, unsigned t, unsigned c,
                                                              const enc_token (*enc)[ANS_TOKENS], uint16_t **w)
{
    const unsigned k = strata_ans_extra_bits(t), r = STRATA_QUANT_RADIUS;
    const unsigned low = (v > r ? v - r : r - v) & ((1u << k) - 1);
    if (STRATA_UNLIKELY(k > ANS_CHUNK_BITS)) {
        x = put_raw(x, low >> ANS_CHUNK_BITS, k - ANS_CHUNK_BITS, w);
        x = put_raw(x, low & ((1u << ANS_CHUNK_BITS) - 1), ANS_CHUNK_BITS, w);
    } else {
        x = put_raw(x, low, k, w);
    }
    const enc_token *e = &enc[c][t];
    x = renorm(x, e->xmax, w);
    const uint32_t q = (uint32_t)(((uint64_t)x * e->rcp) >> 32) >> e->shift;
    return x + e->bias + q * e->cmpl;
}

/* Codes the four lanes backwards, so that the decoder reads forwards: first
 * the codes past the shortest lane's length, then the rest four at a time (one
 * serial chain per lane, interleaved). Lane j's words go below w[j]. */
static STRATA_CLONES_BITS void encode_lanes(const uint16_t *sym, const uint8_t *tok, const uint8_t *ctx,
                                            const size_t *lane, unsigned mask,
                                            const enc_token (*enc)[ANS_TOKENS], uint16_t **w, uint32_t *state)
{
    _Static_assert(STRATA_HCTX_LANES == 4, "four chains");
    const size_t common = lane[4] - lane[3];
    uint32_t x[STRATA_HCTX_LANES];
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        x[j] = ANS_L;
        for (size_t i = lane[j + 1]; i-- > lane[j] + common;)
            x[j] = put_code(x[j], sym[i], tok[i], ctx[i] & mask, enc, &w[j]);
    }
    uint32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    uint16_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
    const size_t b1 = lane[1], b2 = lane[2], b3 = lane[3];
    for (size_t i = common; i-- > 0;) {
        x0 = put_code(x0, sym[i], tok[i], ctx[i] & mask, enc, &w0);
        x1 = put_code(x1, sym[b1 + i], tok[b1 + i], ctx[b1 + i] & mask, enc, &w1);
        x2 = put_code(x2, sym[b2 + i], tok[b2 + i], ctx[b2 + i] & mask, enc, &w2);
        x3 = put_code(x3, sym[b3 + i], tok[b3 + i], ctx[b3 + i] & mask, enc, &w3);
    }
    state[0] = x0, state[1] = x1, state[2] = x2, state[3] = x3;
    w[0] = w0, w[1] = w1, w[2] = w2, w[3] = w3;
}

static int encode(const uint16_t *sym, size_t n, ans_scratch *sc, strata_buf *out)
{
    uint8_t *tok = sc->buf, *ctx = tok + sc->cap, *cls = ctx + sc->cap;
    size_t lane[STRATA_HCTX_LANES + 1];
    strata_hctx_lanes(n, lane);
    tokens_and_classes(sym, n, tok, cls);
    /* Contexts as coder 5's, from the classes of a lane's two codes before. */
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        const size_t s = lane[j], e = lane[j + 1];
        if (e > s) ctx[s] = (uint8_t)strata_hctx_context(0, 0);
        if (e > s + 1) ctx[s + 1] = (uint8_t)strata_hctx_context(0, cls[s]);
        for (size_t i = s + 2; i < e; i++) ctx[i] = (uint8_t)strata_hctx_context(cls[i - 2], cls[i - 1]);
    }
    /* Counts per context, in two halves so that a run of one context and
     * token does not wait on its own increments. */
    memset(sc->count, 0, sizeof sc->count);
    memset(sc->count2, 0, sizeof sc->count2);
    size_t i = 0;
    for (; i + 1 < n; i += 2) sc->count[ctx[i]][tok[i]]++, sc->count2[ctx[i + 1]][tok[i + 1]]++;
    if (i < n) sc->count[ctx[i]][tok[i]]++;
    /* The halves added up, with each context's total and each token's (the
     * one table's counts). */
    uint64_t per[STRATA_HCTX_COUNT] = {0};
    uint32_t *all = sc->count[STRATA_HCTX_COUNT];
    for (unsigned c = 0; c < STRATA_HCTX_COUNT; c++)
        for (unsigned t = 0; t < ANS_TOKENS; t++) {
            sc->count[c][t] += sc->count2[c][t];
            per[c] += sc->count[c][t];
            all[t] += sc->count[c][t];
        }
    /* One table or a table per context: whichever the estimate says is smaller. */
    double bits_ctx = 0, bits_one = 0;
    if (n) {
        normalize(all, n, sc->freq[STRATA_HCTX_COUNT]);
        bits_one = table_bits(all, sc->freq[STRATA_HCTX_COUNT]) + 8.0 * put_table(sc->freq[STRATA_HCTX_COUNT], NULL);
    }
    for (unsigned c = 0; c < STRATA_HCTX_COUNT; c++) {
        if (per[c]) normalize(sc->count[c], per[c], sc->freq[c]);
        else memset(sc->freq[c], 0, sizeof sc->freq[c]);
        bits_ctx += (per[c] ? table_bits(sc->count[c], sc->freq[c]) : 0) + 8.0 * put_table(sc->freq[c], NULL);
    }
    const unsigned mode = bits_one <= bits_ctx ? ANS_ONE_TABLE : ANS_CONTEXT_TABLES;
    const uint8_t mode_byte = (uint8_t)mode;
    strata_buf_append(out, &mode_byte, 1);
    if (mode == ANS_ONE_TABLE) memcpy(sc->freq[0], sc->freq[STRATA_HCTX_COUNT], sizeof sc->freq[0]);
    const unsigned tables = mode == ANS_ONE_TABLE ? 1 : STRATA_HCTX_COUNT;
    for (unsigned c = 0; c < tables; c++) {
        put_table(sc->freq[c], out);
        uint32_t cum = 0;
        for (unsigned t = 0; t < ANS_TOKENS; t++)
            if (sc->freq[c][t]) enc_token_init(&sc->enc[c][t], cum, sc->freq[c][t]), cum += sc->freq[c][t];
    }
    /* Lane sizes, then the lanes: each its final state and its words. */
    uint16_t *top[STRATA_HCTX_LANES], *w[STRATA_HCTX_LANES];
    uint32_t x[STRATA_HCTX_LANES];
    for (int j = 0; j < STRATA_HCTX_LANES; j++) top[j] = w[j] = sc->words + (size_t)(j + 1) * (sc->lane_words + 1);
    encode_lanes(sym, tok, ctx, lane, strata_ans_context_mask(mode), (const enc_token (*)[ANS_TOKENS])sc->enc, w, x);
    size_t bytes[STRATA_HCTX_LANES], total = 4 * (STRATA_HCTX_LANES - 1);
    for (int j = 0; j < STRATA_HCTX_LANES; j++) total += bytes[j] = 4 + 2 * (size_t)(top[j] - w[j]);
    if (!strata_buf_reserve(out, total)) return 0;
    uint8_t *p = out->data + out->size;
    for (int j = 0; j < STRATA_HCTX_LANES - 1; j++) strata_put_u32(p + 4 * j, (uint32_t)bytes[j]);
    p += 4 * (STRATA_HCTX_LANES - 1);
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        strata_put_u32(p, x[j]);
        for (size_t k = 0; k < (bytes[j] - 4) / 2; k++) strata_put_u16(p + 4 + 2 * k, w[j][k]);
        p += bytes[j];
    }
    out->size += total;
    return !out->failed;
}

int strata_ans_ctx_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                  const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    (void)first; (void)lv;
    ans_scratch *sc = *scratch;
    if (!sc || sc->cap < n) {
        const int fresh = !sc;
        const size_t lane_words = WORDS_PER_CODE * ((n + STRATA_HCTX_LANES - 1) / STRATA_HCTX_LANES);
        /* tokens, contexts and classes, then the words at an even offset */
        const size_t head = (sizeof *sc + 3 * n + 1) & ~(size_t)1;
        ans_scratch *grown = realloc(sc, head + 2 * STRATA_HCTX_LANES * (lane_words + 1));
        if (!grown) return 0;
        sc = grown;
        if (fresh) strata_ans_tokens_init(&sc->tk);
        sc->cap = n;
        sc->lane_words = lane_words;
        sc->words = (uint16_t *)((uint8_t *)sc + head);
        *scratch = sc;
    }
    return encode(sym, n, sc, out);
}
