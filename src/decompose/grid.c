/* grid.c - 4D view of a field and the level order of its codes. */
#include <math.h>
#include "grid.h"

void strata_grid_init(strata_grid *g, const strata_field *f)
{
    const unsigned pad = STRATA_MAX_DIMS - f->ndims;
    size_t maxn = 1;
    for (unsigned i = 0; i < 4; i++) {
        g->n[i] = i < pad ? 1 : f->dims[i - pad];
        if (g->n[i] > maxn) maxn = g->n[i];
    }
    g->st[3] = 1;
    for (int i = 2; i >= 0; i--) g->st[i] = g->st[i + 1] * g->n[i + 1];
    g->count = g->st[0] * g->n[0];
    g->levels = 0;
    while (g->levels < 63 && ((size_t)1 << g->levels) < maxn) g->levels++;
}

/* Calls BODY(idx) for every point new at level t+1 (stride S = 2^t), raster order:
 * all coordinates multiples of S and not all multiples of 2S. When the outer
 * three are all multiples of 2S, the row only holds odd multiples of S. */
#define STRATA_FOR_LEVEL_POINTS(g, t, BODY)                                            \
    do {                                                                               \
        const size_t S_ = (size_t)1 << (t);                                            \
        for (size_t c0 = 0; c0 < (g)->n[0]; c0 += S_)                                  \
            for (size_t c1 = 0; c1 < (g)->n[1]; c1 += S_)                              \
                for (size_t c2 = 0; c2 < (g)->n[2]; c2 += S_) {                        \
                    const int even_ = ((c0 | c1 | c2) & S_) == 0;                      \
                    const size_t row_ = c0 * (g)->st[0] + c1 * (g)->st[1] + c2 * (g)->st[2]; \
                    for (size_t c3 = even_ ? S_ : 0; c3 < (g)->n[3]; c3 += even_ ? 2 * S_ : S_) { \
                        const size_t idx = row_ + c3;                                  \
                        BODY;                                                          \
                    }                                                                  \
                }                                                                      \
    } while (0)

size_t strata_codes_gather(const strata_grid *g, const uint16_t *codes,
                           const uint8_t *mask, uint16_t *out)
{
    size_t k = 0;
    if (!mask || !mask[0]) out[k++] = codes[0];
    for (int t = g->levels - 1; t >= 0; t--) {
        if (mask) STRATA_FOR_LEVEL_POINTS(g, t, if (!mask[idx]) out[k++] = codes[idx]);
        else STRATA_FOR_LEVEL_POINTS(g, t, out[k++] = codes[idx]);
    }
    return k;
}

int strata_codes_scatter(const strata_grid *g, const uint16_t *in, size_t count,
                         const uint8_t *mask, uint16_t *codes)
{
    size_t k = 0;
    /* Count first so a short code stream can never be over-read. */
    size_t need = mask ? 0 : g->count;
    if (mask) for (size_t i = 0; i < g->count; i++) need += !mask[i];
    if (need != count) return 0;
    if (!mask || !mask[0]) codes[0] = in[k++];
    else codes[0] = 0;
    for (int t = g->levels - 1; t >= 0; t--) {
        if (mask) STRATA_FOR_LEVEL_POINTS(g, t, codes[idx] = mask[idx] ? 0 : in[k++]);
        else STRATA_FOR_LEVEL_POINTS(g, t, codes[idx] = in[k++]);
    }
    return k == count;
}

/* Whether codes[0..n) holds a 0 (rare): no branch, so it vectorizes. */
static STRATA_CLONES int any_zero(const uint16_t *codes, size_t n)
{
    uint16_t least = UINT16_MAX; /* a 16-bit min: the narrowest vector reduction */
    for (size_t p = 0; p < n; p++) least = codes[p] < least ? codes[p] : least;
    return least == 0;
}

size_t strata_unpred_bits(const strata_grid *g, const uint16_t *codes, const uint8_t *mask,
                          uint8_t *bits, int threads)
{
    size_t count = 0;
    if (mask) {
        for (size_t i = 0; i < g->count; i++)
            if (!mask[i] && codes[i] == 0) { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); count++; }
        return count;
    }
    /* Level order: find the zeros (rare) in parallel, a block at a time with a
     * test that vectorizes, and map each back to its index. */
    const uint64_t n[4] = {g->n[0], g->n[1], g->n[2], g->n[3]};
    const size_t total = g->count, block = 1024;
    const long long blocks = (long long)((total + block - 1) / block);
    #pragma omp parallel for schedule(static) reduction(+ : count) num_threads(threads) if (threads > 1 && blocks >= 64)
    for (long long b = 0; b < blocks; b++) {
        const size_t lo = (size_t)b * block, hi = lo + block < total ? lo + block : total;
        if (!any_zero(codes + lo, hi - lo)) continue;
        for (size_t p = lo; p < hi; p++) {
            if (codes[p]) continue;
            uint64_t c[4];
            strata_pos_coords(n, p, c);
            const size_t i = c[0] * g->st[0] + c[1] * g->st[1] + c[2] * g->st[2] + c[3];
            #pragma omp atomic
            bits[i >> 3] |= (uint8_t)(1u << (i & 7));
            count++;
        }
    }
    return count;
}

void strata_fine_level_counts(const strata_grid *g, const uint8_t *mask, size_t *n1, size_t *n0)
{
    size_t c[2] = {0, 0};
    for (int t = 0; t < 2 && t < g->levels; t++) {
        if (mask) {
            STRATA_FOR_LEVEL_POINTS(g, t, c[t] += !mask[idx]);
        } else {
            /* Without a mask, a count: points on the stride-S lattice less those on 2S. */
            size_t on = 1, on2 = 1;
            for (int j = 0; j < 4; j++) {
                on *= ((g->n[j] - 1) >> t) + 1;
                on2 *= ((g->n[j] - 1) >> (t + 1)) + 1;
            }
            c[t] = on - on2;
        }
    }
    *n1 = c[1];
    *n0 = c[0];
}

int strata_plan_orders(const strata_grid *g, uint8_t orders[STRATA_MAX_ORDERS][4])
{
    int count = 0;
    for (int p = 0; p < 256; p++) {
        const uint8_t o[4] = {(uint8_t)(p >> 6), (uint8_t)((p >> 4) & 3), (uint8_t)((p >> 2) & 3),
                              (uint8_t)(p & 3)};
        if ((1u << o[0] | 1u << o[1] | 1u << o[2] | 1u << o[3]) != 0xF) continue;
        /* Keep it unless an earlier order lists the dims of extent > 1 alike. */
        int dup = 0;
        for (int q = 0; q < count && !dup; q++) {
            int i = 0, j = 0;
            dup = 1;
            while (dup) {
                while (i < 4 && g->n[o[i]] <= 1) i++;
                while (j < 4 && g->n[orders[q][j]] <= 1) j++;
                if (i == 4 || j == 4) { dup = i == 4 && j == 4; break; }
                dup = o[i++] == orders[q][j++];
            }
        }
        if (!dup) memcpy(orders[count++], o, 4);
    }
    return count;
}

int strata_plan_md(const strata_grid *g, unsigned coder)
{
    int dims = 0;
    for (int j = 0; j < 4; j++) dims += g->n[j] > 1;
    return dims >= 2 && coder != STRATA_CODER_HUFFMAN && coder != STRATA_CODER_HUFFMAN_CTX;
}

double strata_level_eb(double eb, int level)
{
    const double alpha = 1.1, beta = 1.5, scale = pow(alpha, level - 1);
    return eb / (scale < beta ? scale : beta);
}
