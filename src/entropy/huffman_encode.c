/* huffman_encode.c - histogram, length-limited code lengths, canonical codes
 * and the MSB-first bit writer, one segment at a time. */
#include <stdlib.h>
#include "huffman.h"
#include "huffman_tree.h"
#include "../decompose/grid.h" /* STRATA_QUANT_RADIUS: where most codes lie */

/* Sorts the distinct keys k[0..m) ascending; tmp has room for m. Runs of 16 by
 * insertion, then merged bottom-up: qsort() calls its comparison at every
 * step, and those calls cost more than the tree built after. */
static void sort_keys(uint64_t *k, uint64_t *tmp, int m)
{
    enum { RUN = 16 };
    for (int r = 0; r < m; r += RUN) {
        const int e = m - r < RUN ? m : r + RUN;
        for (int i = r + 1; i < e; i++) {
            const uint64_t v = k[i];
            int j = i;
            for (; j > r && k[j - 1] > v; j--) k[j] = k[j - 1];
            k[j] = v;
        }
    }
    uint64_t *src = k, *dst = tmp;
    for (int width = RUN; width < m; width *= 2) {
        for (int lo = 0; lo < m; lo += 2 * width) {
            const int mid = m - lo > width ? lo + width : m, hi = m - mid > width ? mid + width : m;
            int a = lo, b = mid, o = lo;
            while (a < mid && b < hi) dst[o++] = src[a] <= src[b] ? src[a++] : src[b++];
            while (a < mid) dst[o++] = src[a++];
            while (b < hi) dst[o++] = src[b++];
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != k) memcpy(k, src, (size_t)m * sizeof *k);
}

/* Huffman lengths for m >= 2 used symbols, keys frequency << 16 | symbol (so
 * sorted by frequency, then symbol). Returns the longest length. */
static int huffman_lengths(uint64_t *key, int m, uint8_t *len, uint64_t *w, int32_t *parent)
{
    sort_keys(key, w, m);
    for (int i = 0; i < m; i++) w[i] = key[i] >> 16;
    const int maxlen = strata_huffman_tree(w, parent, m);
    for (int x = 0; x < m; x++) len[key[x] & 0xffff] = (uint8_t)(w[x] > 255 ? 255 : w[x]);
    return maxlen;
}

/* Per-thread scratch for one segment. */
typedef struct {
    uint32_t hist[65536];
    uint8_t len[65536];
    uint32_t code[65536];
    uint64_t key[65536];
    uint64_t w[2 * 65536];
    int32_t parent[2 * 65536];
    uint16_t used[65536];
} huff_scratch;

/* Most codes lie near the radius: the encoders count those in small tables,
 * without a branch, and the rest (the far symbols, if any) in a second pass.
 * Only [lo, hi] of hist is cleared and scanned. */
enum { NEAR = 256, NEAR_LO = STRATA_QUANT_RADIUS - NEAR / 2 };

/* Whether any of sym[0..16) is far. Far symbols are rare: blocks of 16 are
 * tested at once (a constant count: the loop vectorizes). */
static inline int any_far16(const uint16_t *sym)
{
    /* In 16-bit lanes: s is far when (s - NEAR_LO) mod 2^16 has bits above 8.
     * Written as one vector: GCC did not vectorize the loop of 16. */
    _Static_assert(NEAR == 256, "far test by shifting");
    typedef uint16_t u16x16 __attribute__((vector_size(32)));
    u16x16 v;
    memcpy(&v, sym, sizeof v);
    v = (v - NEAR_LO) >> 8;
    uint64_t w[4];
    memcpy(w, &v, sizeof w);
    return (w[0] | w[1] | w[2] | w[3]) != 0;
}

/* Counts the far symbols of sym[0..n) into sc->hist, widening [*lo, *hi] and
 * clearing what it adds. */
static void count_far(const uint16_t *sym, size_t n, huff_scratch *sc, unsigned *lo, unsigned *hi)
{
    for (size_t i = 0; i < n; i += 16) {
        const size_t e = n - i < 16 ? n : i + 16;
        if (e == i + 16 && !any_far16(sym + i)) continue;
        for (size_t j = i; j < e; j++) {
            const unsigned s = sym[j];
            if (s - NEAR_LO < NEAR) continue;
            if (s < *lo) { memset(sc->hist + s, 0, (*lo - s) * sizeof *sc->hist); *lo = s; }
            if (s > *hi) { memset(sc->hist + *hi + 1, 0, (s - *hi) * sizeof *sc->hist); *hi = s; }
            sc->hist[s]++;
        }
    }
}

/* The lengths (sc->len) and the used symbols, ascending (sc->used), of the
 * histogram near[0..NEAR) (the window from NEAR_LO) plus sc->hist[lo..hi]
 * outside it. Returns how many symbols are used (>= 1). */
static int table_from_counts(const uint32_t *near, unsigned lo, unsigned hi, huff_scratch *sc)
{
    memcpy(sc->hist + NEAR_LO, near, NEAR * sizeof *near);
    int m = 0;
    for (unsigned s = lo; s <= hi; s++)
        if (sc->hist[s]) sc->used[m++] = (uint16_t)s;
    if (m == 1) { sc->len[sc->used[0]] = 1; return m; }
    for (uint32_t shift = 0;; shift++) {
        /* Flatten frequencies until the longest code fits STRATA_HUFF_MAX_LEN. */
        for (int u = 0; u < m; u++) {
            const uint32_t f = sc->hist[sc->used[u]] >> shift;
            sc->key[u] = (uint64_t)(f ? f : 1) << 16 | sc->used[u];
        }
        if (huffman_lengths(sc->key, m, sc->len, sc->w, sc->parent) <= STRATA_HUFF_MAX_LEN) break;
    }
    return m;
}

/* Builds the lengths for sym[0..n) (n >= 1) into sc->len, lists used symbols
 * ascending; returns their count. */
static int segment_table(const uint16_t *sym, size_t n, huff_scratch *sc)
{
    /* Four tables: a run of one symbol then does not wait on its own counter's store. */
    uint32_t near[4][NEAR + 1];
    memset(near, 0, sizeof near);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
            const unsigned d = (unsigned)sym[i + k] - NEAR_LO;
            near[k][d < NEAR ? d : NEAR]++;
        }
    for (; i < n; i++) {
        const unsigned d = (unsigned)sym[i] - NEAR_LO;
        near[0][d < NEAR ? d : NEAR]++;
    }
    unsigned lo = NEAR_LO, hi = NEAR_LO + NEAR - 1;
    if (near[0][NEAR] + near[1][NEAR] + near[2][NEAR] + near[3][NEAR]) count_far(sym, n, sc, &lo, &hi);
    for (int d = 0; d < NEAR; d++) near[0][d] += near[1][d] + near[2][d] + near[3][d];
    return table_from_counts(near[0], lo, hi, sc);
}

/* Canonical codes: by (length, symbol), consecutive values per length. */
static void canonical_codes(const uint16_t *used, int m, const uint8_t *len, uint32_t *code)
{
    uint32_t count[STRATA_HUFF_MAX_LEN + 2] = {0}, next[STRATA_HUFF_MAX_LEN + 2];
    for (int i = 0; i < m; i++) count[len[used[i]]]++;
    uint32_t c = 0;
    for (int l = 1; l <= STRATA_HUFF_MAX_LEN; l++) { next[l] = c; c = (c + count[l]) << 1; }
    for (int i = 0; i < m; i++) code[used[i]] = next[len[used[i]]]++;
}

/* Writes the table of m used symbols that sc holds, and leaves code << 8 |
 * length per used symbol in code[]. Returns the bit count of their codes. */
static uint64_t put_table(int m, huff_scratch *sc, uint32_t *code, strata_buf *out)
{
    canonical_codes(sc->used, m, sc->len, code);
    uint64_t bits = 0;
    for (int i = 0; i < m; i++) bits += (uint64_t)sc->hist[sc->used[i]] * sc->len[sc->used[i]];
    strata_buf_put_varint(out, (uint64_t)m);
    for (int i = 0; i < m; i++)
        strata_buf_put_varint(out, i ? (uint64_t)(sc->used[i] - sc->used[i - 1] - 1) : sc->used[0]);
    for (int i = 0; i < m; i++) strata_buf_append(out, &sc->len[sc->used[i]], 1);
    /* code << 8 | length per symbol: one lookup a symbol. */
    for (int i = 0; i < m; i++) code[sc->used[i]] = code[sc->used[i]] << 8 | sc->len[sc->used[i]];
    return bits;
}

/* Appends the codes of sym[0..n), `bits` in all, MSB first: symbol i's is
 * code[ctx[i] << 16 | sym[i]] (ctx NULL: one table). Inlined into one function
 * per case (put_bits_one, put_bits_ctx), so the single-table loop has no test
 * of ctx, and kept out of the callers, whose other state would take its
 * registers. */
static inline __attribute__((always_inline)) int put_bits(const uint16_t *sym, const uint8_t *ctx, size_t n,
                                                          const uint32_t *code, uint64_t bits, strata_buf *out)
{
    size_t nbytes = (size_t)((bits + 7) / 8);
    if (!strata_buf_reserve(out, nbytes + 8)) return 0;
    uint8_t *p = out->data + out->size;
    /* The pending bits are the low bits of acc (a code goes in with a shift
     * and an or; bits above them are stale). After two symbols (at most 7 + 2
     * * 24 bits, at least 2) its whole bytes go out in one 8-byte store (the
     * reserve above leaves room for the bytes past the end). With contexts,
     * the table indices of a chunk are computed first, in a loop that
     * vectorizes; chunks are even, so pairs never straddle two. */
    uint64_t acc = 0;
    unsigned pending = 0;
    enum { CHUNK = 256 };
    uint32_t ix[CHUNK];
#define STRATA_HUFF_PUT(x)                                                    \
    do {                                                                      \
        const uint32_t e = code[x];                                           \
        acc = acc << (e & 0xff) | e >> 8;                                     \
        pending += e & 0xff;                                                  \
    } while (0)
    for (size_t c0 = 0; c0 < n; c0 += CHUNK) {
        const size_t m = n - c0 < CHUNK ? n - c0 : CHUNK;
        const uint16_t *s = sym + c0;
        if (ctx)
            for (size_t j = 0; j < m; j++) ix[j] = (uint32_t)ctx[c0 + j] << 16 | s[j];
        size_t j = 0;
        for (; j + 2 <= m; j += 2) {
            STRATA_HUFF_PUT(ctx ? ix[j] : s[j]);
            STRATA_HUFF_PUT(ctx ? ix[j + 1] : s[j + 1]);
            strata_put_be64(p, acc << (64 - pending));
            p += pending >> 3;
            pending &= 7;
        }
        if (j < m) STRATA_HUFF_PUT(ctx ? ix[j] : s[j]); /* the last chunk's last symbol */
    }
#undef STRATA_HUFF_PUT
    strata_put_be64(p, pending ? acc << (64 - pending) : 0);
    p += (pending + 7) >> 3;
    out->size = (size_t)(p - out->data);
    return 1;
}

static STRATA_CLONES_BITS int put_bits_one(const uint16_t *sym, size_t n, const uint32_t *code,
                                           uint64_t bits, strata_buf *out)
{
    return put_bits(sym, NULL, n, code, bits, out);
}

static STRATA_CLONES_BITS int put_bits_ctx(const uint16_t *sym, const uint8_t *ctx, size_t n,
                                           const uint32_t *code, uint64_t bits, strata_buf *out)
{
    return put_bits(sym, ctx, n, code, bits, out);
}

/* Encodes one segment into a fresh buffer: table, then the bits. */
static int encode_segment(const uint16_t *sym, size_t n, huff_scratch *sc, strata_buf *out)
{
    const uint64_t bits = put_table(segment_table(sym, n, sc), sc, sc->code, out);
    return put_bits_one(sym, n, sc->code, bits, out);
}

int strata_huffman_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                  const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    (void)first; (void)lv;
    if (!*scratch) *scratch = malloc(sizeof(huff_scratch));
    return *scratch && encode_segment(sym, n, *scratch, out);
}

/* Coder 5: a table per context (huffman.h). */
typedef struct {
    huff_scratch h;
    uint32_t code[STRATA_HCTX_COUNT << 16]; /* [context << 16 | symbol] */
    strata_buf tables;                      /* the context tables of a segment */
    size_t cap;                             /* symbols `buf` has room for */
    uint16_t buf[];                         /* far symbols by context, then classes, contexts */
} hctx_scratch;

/* cls[i] = strata_hctx_class(sym[i]), 16 lanes at a time with AVX2. */
static STRATA_CLONES void hctx_classes(const uint16_t *restrict sym, size_t n, uint8_t *restrict cls)
{
    for (size_t i = 0; i < n; i++) cls[i] = (uint8_t)strata_hctx_class(sym[i]);
}

/* at[i] = ctx[i] * (NEAR + 1) + min(sym[i] - NEAR_LO, NEAR) (mod 2^16): the
 * counter of symbol i. In 16-bit lanes (the largest is 17 * 257 + 256). */
static STRATA_CLONES void hctx_counter_index(const uint16_t *restrict sym, const uint8_t *restrict ctx,
                                             size_t n, uint16_t *restrict at)
{
    _Static_assert(STRATA_HCTX_COUNT * (NEAR + 1) <= 65536, "counter indices in 16 bits");
    for (size_t i = 0; i < n; i++) {
        const uint16_t d = (uint16_t)(sym[i] - NEAR_LO);
        at[i] = (uint16_t)(ctx[i] * (NEAR + 1) + (d < NEAR ? d : NEAR));
    }
}

/* Lists the far symbols of sym[0..n) by context: far[at[c]++] for context c.
 * Blocks of 16 are tested at once, as in count_far (one vector with AVX2). */
static STRATA_CLONES void hctx_list_far(const uint16_t *sym, const uint8_t *ctx, size_t n,
                                        size_t at[STRATA_HCTX_COUNT], uint16_t *far)
{
    for (size_t b = 0; b < n; b += 16) {
        const size_t e = n - b < 16 ? n : b + 16;
        if (e == b + 16 && !any_far16(sym + b)) continue;
        for (size_t j = b; j < e; j++)
            if ((unsigned)sym[j] - NEAR_LO >= NEAR) far[at[ctx[j]]++] = sym[j];
    }
}

static int encode_ctx_segment(const uint16_t *sym, size_t n, hctx_scratch *sc, strata_buf *out)
{
    uint16_t *far = sc->buf;
    uint8_t *cls = (uint8_t *)(sc->buf + sc->cap), *ctx = cls + sc->cap;
    /* Size classes, then each symbol's context (both vectorized); a lane's
     * first two symbols see classes 0 before them. */
    size_t lane[STRATA_HCTX_LANES + 1];
    strata_hctx_lanes(n, lane);
    hctx_classes(sym, n, cls);
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        const size_t s = lane[j], e = lane[j + 1];
        if (e > s) ctx[s] = (uint8_t)strata_hctx_context(0, 0);
        if (e > s + 1) ctx[s + 1] = (uint8_t)strata_hctx_context(0, cls[s]);
        for (size_t i = s + 2; i < e; i++) ctx[i] = (uint8_t)strata_hctx_context(cls[i - 2], cls[i - 1]);
    }
    /* Near counts per context, in two tables (see segment_table; four were no
     * faster), through each symbol's counter index, computed first (vectorized)
     * into far[], which is filled only after. */
    uint32_t near[2][STRATA_HCTX_COUNT][NEAR + 1];
    memset(near, 0, sizeof near);
    uint16_t *at_count = far;
    hctx_counter_index(sym, ctx, n, at_count);
    uint32_t *near0 = near[0][0], *near1 = near[1][0];
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        near0[at_count[i]]++;
        near1[at_count[i + 1]]++;
    }
    if (i < n) near0[at_count[i]]++;
    /* The far symbols, grouped by context. */
    size_t at[STRATA_HCTX_COUNT], nfar[STRATA_HCTX_COUNT], all = 0;
    for (int c = 0; c < STRATA_HCTX_COUNT; c++) {
        nfar[c] = near[0][c][NEAR] + near[1][c][NEAR];
        at[c] = all;
        all += nfar[c];
    }
    if (all) hctx_list_far(sym, ctx, n, at, far);
    /* The context tables, aside: the segment may do better with one. */
    strata_buf *tables = &sc->tables;
    tables->size = 0;
    uint64_t bits = 0;
    uint32_t one[NEAR];
    memset(one, 0, sizeof one);
    for (int c = 0; c < STRATA_HCTX_COUNT; c++) {
        unsigned lo = NEAR_LO, hi = NEAR_LO + NEAR - 1;
        size_t used = nfar[c];
        for (int d = 0; d < NEAR; d++) {
            used += near[0][c][d] += near[1][c][d];
            one[d] += near[0][c][d];
        }
        if (!used) { strata_buf_put_varint(tables, 0); continue; }
        count_far(far + at[c] - nfar[c], nfar[c], &sc->h, &lo, &hi);
        bits += put_table(table_from_counts(near[0][c], lo, hi, &sc->h), &sc->h, sc->code + ((size_t)c << 16), tables);
    }
    /* One table for the whole segment (coder 1's), if its table and bits come to
     * fewer bytes: small or nearly constant segments, whose 18 tables cost more
     * than the contexts save. zstd, which comes after, is not foreseen: over the
     * shared fields (3 bounds) this choice gives coder 5 at least 0.994 of coder
     * 1's ratio, against 0.91 with contexts always, and moves the geometric
     * means by +1.8% at rel 1e-2 and -0.4% at 1e-3 and 1e-4. */
    unsigned lo = NEAR_LO, hi = NEAR_LO + NEAR - 1;
    count_far(far, all, &sc->h, &lo, &hi);
    const size_t before = out->size;
    strata_buf_append(out, (const uint8_t[]){0}, 1);
    const uint64_t bits1 = put_table(table_from_counts(one, lo, hi, &sc->h), &sc->h, sc->h.code, out);
    const uint64_t bytes1 = out->size - before + (bits1 + 7) / 8,
                   bytes_ctx = 1 + tables->size + 5 * STRATA_HCTX_LANES - 4 + (bits + 7) / 8; /* sizes, last bytes */
    if (bytes1 <= bytes_ctx) return put_bits_one(sym, n, sc->h.code, bits1, out);
    out->size = before;
    strata_buf_append(out, (const uint8_t[]){1}, 1);
    strata_buf_append(out, tables->data, tables->size);
    if (tables->failed) return 0;
    /* The lanes' byte sizes (but the last's), then their bits. */
    const size_t sizes = out->size;
    uint8_t zero[4 * (STRATA_HCTX_LANES - 1)] = {0};
    strata_buf_append(out, zero, sizeof zero);
    for (int j = 0; j < STRATA_HCTX_LANES; j++) {
        const size_t start = out->size, count = lane[j + 1] - lane[j];
        /* Room for the longest codes: reserved, not touched. */
        if (!put_bits_ctx(sym + lane[j], ctx + lane[j], count, sc->code, (uint64_t)count * STRATA_HUFF_MAX_LEN, out))
            return 0;
        if (j < STRATA_HCTX_LANES - 1) strata_put_u32(out->data + sizes + 4 * j, (uint32_t)(out->size - start));
    }
    return !out->failed;
}

int strata_huffman_ctx_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                      const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    (void)first; (void)lv;
    hctx_scratch *sc = *scratch;
    if (!sc || sc->cap < n) {
        const int fresh = !sc;
        sc = realloc(sc, sizeof *sc + n * (sizeof *sc->buf + 2));
        if (!sc) return 0;
        if (fresh) memset(&sc->tables, 0, sizeof sc->tables);
        sc->cap = n;
        *scratch = sc;
    }
    return encode_ctx_segment(sym, n, sc, out);
}

void strata_huffman_ctx_release(void *scratch)
{
    hctx_scratch *sc = scratch;
    if (sc) strata_buf_free(&sc->tables);
    free(sc);
}
