/* grid.h - the shape of a field as the decomposition sees it: always 4D (leading
 * dimensions of size 1 added), plus the per-level plan stored in the stream. */
#ifndef STRATA_GRID_H
#define STRATA_GRID_H

#include "../common/internal.h"

#define STRATA_MAX_LEVELS 64
#define STRATA_QUANT_RADIUS 32768 /* codes are q + radius in [1, 65535]; 0 = exact */

typedef struct {
    size_t n[4];   /* extents, slowest first; padded with leading 1s */
    size_t st[4];  /* element strides */
    size_t count;
    int levels;    /* L: smallest with 2^L >= max extent; level l has stride 2^(l-1) */
} strata_grid;

/* STRATA_PRED_MD: cubic along every dimension in which a point is new, averaged
 * (format.md, "Decomposition"); the level's order is then unused. */
enum { STRATA_PRED_LINEAR = 0, STRATA_PRED_CUBIC = 1, STRATA_PRED_MD = 2, STRATA_PRED_COUNT_ };

/* How one level is coded: predictor, the order in which its dimensions are
 * interpolated (a permutation of 0..3), and its quantization bin half-width. */
typedef struct {
    uint8_t predictor;
    uint8_t order[4];
    double eb;
} strata_level_plan;

void strata_grid_init(strata_grid *g, const strata_field *f);

/* Plan helpers shared by the CPU plan (interp_template.h) and the GPU driver, so
 * both choose the same plan. */
#define STRATA_MAX_ORDERS 24
/* The candidate dimension orders: every permutation of 0..3, in lexicographic
 * order, less those that order the dimensions of extent > 1 as an earlier one
 * does. The first is always 0,1,2,3. Returns the count. */
int strata_plan_orders(const strata_grid *g, uint8_t orders[STRATA_MAX_ORDERS][4]);
/* Whether the multi-dimensional predictor is a candidate: 2+ dims of extent > 1,
 * and a coder other than Huffman. Huffman is the speed-first coder (and the GPU's):
 * multi-dimensional passes read up to 3x the neighbours, and cost the GPU about a
 * third of its decomposition speed for a 2-6% smaller stream. */
int strata_plan_md(const strata_grid *g, unsigned coder);
/* Level-wise bound eb / min(alpha^(l-1), beta), alpha = 1.1, beta = 1.5: coarse
 * levels feed every finer prediction, so they get tighter bins. With this plan,
 * (1.1, 1.5) beat (1.25, 2) and (1, 1) on the shared fields at rel 1e-3 and 1e-4
 * and on the weakest field (mpas, 1e-2), for 0.4% less at 1e-2. */
double strata_level_eb(double eb, int level);
/* Every how many rows the estimate samples a pass of `points` points in rows:
 * about 16K points a pass, fewer on small fields (n/16, at least 4K) so that
 * the estimate stays a small part of their compression time. */
static inline size_t strata_est_every(size_t points, size_t count)
{
    size_t budget = count / 16;
    budget = budget < 4096 ? 4096 : budget > 16384 ? 16384 : budget;
    return points / budget + 1;
}
/* A pass's estimated cost from `sampled` of its `points`: the sampled sum scaled
 * to the whole pass, so that passes weigh by their size. */
static inline double strata_pass_cost(double sum, size_t sampled, size_t points)
{
    return sampled ? sum / (double)sampled * (double)points : 0.0;
}
/* The passes of a multi-dimensional level: the dimension sets (bit j: new along
 * dimension j) by increasing size, so every neighbour a pass reads is known. */
#define STRATA_MD_PASSES 15
static const unsigned strata_md_pass_odd[STRATA_MD_PASSES] = {1, 2, 4, 8, 3, 5, 6, 9, 10, 12,
                                                              7, 11, 13, 14, 15};

/* Level order of the codes (format.md, "Code order"): the origin, then for each
 * level from coarsest to finest the points new at that level, raster order.
 * Special points (mask != 0) are skipped. gather returns the count written. */
size_t strata_codes_gather(const strata_grid *g, const uint16_t *codes,
                           const uint8_t *mask, uint16_t *out);
/* Inverse of gather; returns 0 unless exactly `count` symbols were consumed. */
int strata_codes_scatter(const strata_grid *g, const uint16_t *in, size_t count,
                         const uint8_t *mask, uint16_t *codes);

/* Non-special points new at stride 2 (n1) and stride 1 (n0): the last two
 * groups of the level order. */
void strata_fine_level_counts(const strata_grid *g, const uint8_t *mask, size_t *n1, size_t *n0);

/* Per-dtype entry points generated from interp_template.h (interp.c). */
#define STRATA_DECLARE_INTERP(T, SFX)                                                   \
    int strata_interp_plan_##SFX(const strata_grid *g, const T *v, const uint8_t *mask,  \
                                 double eb, unsigned coder, int threads,                 \
                                 strata_level_plan *plan);                               \
    void strata_interp_encode_##SFX(const strata_grid *g, const strata_level_plan *plan, \
                                    T *v, uint16_t *codes, const uint8_t *mask,          \
                                    double eb, int threads);                             \
    void strata_interp_decode_##SFX(const strata_grid *g, const strata_level_plan *plan, \
                                    T *v, const uint16_t *codes, const uint8_t *mask,    \
                                    int threads);
STRATA_DECLARE_INTERP(float, f32)
STRATA_DECLARE_INTERP(double, f64)
#undef STRATA_DECLARE_INTERP

#endif
