/* huffman_encode.c - histogram, length-limited code lengths, canonical codes
 * and the MSB-first bit writer, one segment at a time. */
#include <stdlib.h>
#include "huffman.h"
#include "huffman_tree.h"
#include "../decompose/grid.h" /* STRATA_QUANT_RADIUS: where most codes lie */

typedef struct { uint32_t freq; uint16_t sym; } sym_freq;

static int by_freq(const void *pa, const void *pb)
{
    const sym_freq *a = pa, *b = pb;
    if (a->freq != b->freq) return a->freq < b->freq ? -1 : 1;
    return a->sym < b->sym ? -1 : a->sym > b->sym;
}

/* Huffman lengths for m >= 2 used symbols, sorted by (frequency, symbol).
 * Returns the longest length. */
static int huffman_lengths(sym_freq *sf, int m, uint8_t *len, uint64_t *w, int32_t *parent)
{
    qsort(sf, (size_t)m, sizeof *sf, by_freq);
    for (int i = 0; i < m; i++) w[i] = sf[i].freq;
    const int maxlen = strata_huffman_tree(w, parent, m);
    for (int x = 0; x < m; x++) len[sf[x].sym] = (uint8_t)(w[x] > 255 ? 255 : w[x]);
    return maxlen;
}

/* Per-thread scratch for one segment. */
typedef struct {
    uint32_t hist[65536];
    uint8_t len[65536];
    uint32_t code[65536];
    sym_freq sf[65536];
    uint64_t w[2 * 65536];
    int32_t parent[2 * 65536];
    uint16_t used[65536];
} huff_scratch;

/* Builds the lengths for sym[0..n) into sc->len, lists used symbols ascending. */
static int segment_table(const uint16_t *sym, size_t n, huff_scratch *sc)
{
    /* Most codes lie near the radius: count those in four small tables (a run
     * of one symbol then does not wait on its own counter's store), without a
     * branch; the rest, if any, in a second pass. Only [lo, hi] of hist is
     * cleared and scanned. */
    enum { NEAR = 256, NEAR_LO = STRATA_QUANT_RADIUS - NEAR / 2 };
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
    /* Symbols outside [lo, hi] are unused. */
    unsigned lo = NEAR_LO, hi = NEAR_LO + NEAR - 1;
    memset(sc->hist + lo, 0, NEAR * sizeof *sc->hist);
    if (near[0][NEAR] + near[1][NEAR] + near[2][NEAR] + near[3][NEAR])
        /* Far symbols are rare: test blocks of 16 at once (vectorized). */
        for (i = 0; i < n; i += 16) {
            const size_t e = n - i < 16 ? n : i + 16;
            unsigned any = 0;
            for (size_t j = i; j < e; j++) any |= (unsigned)sym[j] - NEAR_LO >= NEAR;
            for (size_t j = i; any && j < e; j++) {
                const unsigned s = sym[j];
                if (s - NEAR_LO < NEAR) continue;
                if (s < lo) { memset(sc->hist + s, 0, (lo - s) * sizeof *sc->hist); lo = s; }
                if (s > hi) { memset(sc->hist + hi + 1, 0, (s - hi) * sizeof *sc->hist); hi = s; }
                sc->hist[s]++;
            }
        }
    for (int d = 0; d < NEAR; d++) sc->hist[NEAR_LO + d] = near[0][d] + near[1][d] + near[2][d] + near[3][d];
    int m = 0;
    for (unsigned s = lo; s <= hi; s++)
        if (sc->hist[s]) sc->used[m++] = (uint16_t)s;
    if (m == 1) { sc->len[sc->used[0]] = 1; return m; }
    for (uint32_t shift = 0;; shift++) {
        /* Flatten frequencies until the longest code fits STRATA_HUFF_MAX_LEN. */
        for (int u = 0; u < m; u++) {
            uint32_t f = sc->hist[sc->used[u]] >> shift;
            sc->sf[u].freq = f ? f : 1;
            sc->sf[u].sym = sc->used[u];
        }
        if (huffman_lengths(sc->sf, m, sc->len, sc->w, sc->parent) <= STRATA_HUFF_MAX_LEN) break;
    }
    return m;
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

/* Encodes one segment into a fresh buffer: table, then the bits. */
static int encode_segment(const uint16_t *sym, size_t n, huff_scratch *sc, strata_buf *out)
{
    int m = segment_table(sym, n, sc);
    canonical_codes(sc->used, m, sc->len, sc->code);
    uint64_t bits = 0;
    for (int i = 0; i < m; i++) bits += (uint64_t)sc->hist[sc->used[i]] * sc->len[sc->used[i]];
    strata_buf_put_varint(out, (uint64_t)m);
    for (int i = 0; i < m; i++)
        strata_buf_put_varint(out, i ? (uint64_t)(sc->used[i] - sc->used[i - 1] - 1) : sc->used[0]);
    for (int i = 0; i < m; i++) strata_buf_append(out, &sc->len[sc->used[i]], 1);
    size_t nbytes = (size_t)((bits + 7) / 8);
    if (!strata_buf_reserve(out, nbytes + 8)) return 0;
    /* code << 8 | length per symbol: one lookup a symbol. */
    for (int i = 0; i < m; i++) sc->code[sc->used[i]] = sc->code[sc->used[i]] << 8 | sc->len[sc->used[i]];
    uint8_t *p = out->data + out->size;
    /* The pending bits sit at the top of acc; after two symbols (at most 7 + 2 *
     * 24 bits) its whole bytes go out in one 8-byte store (the reserve above
     * leaves room for the bytes past the end). */
    uint64_t acc = 0;
    unsigned pending = 0;
    size_t i = 0;
#define STRATA_HUFF_PUT(s)                                                    \
    do {                                                                      \
        const uint32_t e = sc->code[s];                                       \
        pending += e & 0xff;                                                  \
        acc |= (uint64_t)(e >> 8) << (64 - pending);                          \
    } while (0)
    for (; i + 2 <= n; i += 2) {
        STRATA_HUFF_PUT(sym[i]);
        STRATA_HUFF_PUT(sym[i + 1]);
        strata_put_be64(p, acc);
        p += pending >> 3;
        acc <<= pending & ~7u;
        pending &= 7;
    }
    if (i < n) STRATA_HUFF_PUT(sym[i]);
#undef STRATA_HUFF_PUT
    strata_put_be64(p, acc);
    p += (pending + 7) >> 3;
    out->size = (size_t)(p - out->data);
    return 1;
}

int strata_huffman_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                  const strata_symbol_levels *lv, void **scratch, strata_buf *out)
{
    (void)first; (void)lv;
    if (!*scratch) *scratch = malloc(sizeof(huff_scratch));
    return *scratch && encode_segment(sym, n, *scratch, out);
}
