/* huffman_encode.c - histogram, length-limited code lengths, canonical codes
 * and the MSB-first bit writer, one segment at a time. */
#include <stdlib.h>
#include "huffman.h"
#include "huffman_tree.h"

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
    memset(sc->hist, 0, sizeof sc->hist);
    for (size_t i = 0; i < n; i++) sc->hist[sym[i]]++;
    int m = 0;
    for (int s = 0; s < 65536; s++)
        if (sc->hist[s]) sc->used[m++] = (uint16_t)s;
    if (m == 1) { sc->len[sc->used[0]] = 1; return m; }
    for (uint32_t shift = 0;; shift++) {
        /* Flatten frequencies until the longest code fits STRATA_HUFF_MAX_LEN. */
        for (int i = 0; i < m; i++) {
            uint32_t f = sc->hist[sc->used[i]] >> shift;
            sc->sf[i].freq = f ? f : 1;
            sc->sf[i].sym = sc->used[i];
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

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
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
    if (!strata_buf_reserve(out, nbytes + 4)) return 0;
    uint8_t *p = out->data + out->size;
    uint64_t acc = 0;
    unsigned pending = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned s = sym[i];
        acc = (acc << sc->len[s]) | sc->code[s];
        pending += sc->len[s];
        if (pending >= 32) {
            pending -= 32;
            put_be32(p, (uint32_t)(acc >> pending));
            p += 4;
        }
    }
    while (pending >= 8) { pending -= 8; *p++ = (uint8_t)(acc >> pending); }
    if (pending) *p++ = (uint8_t)(acc << (8 - pending));
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
