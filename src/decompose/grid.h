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

/* The plan estimate sums its sample in units of at most this many points of a row
 * (interp_template.h, FN(estimate_level)); the GPU's estimate uses the same units. */
#define STRATA_EST_UNIT 256

enum { STRATA_PRED_LINEAR = 0, STRATA_PRED_CUBIC = 1, STRATA_PRED_COUNT_ };

/* How one level is coded: predictor, the order in which its dimensions are
 * interpolated (a permutation of 0..3), and its quantization bin half-width. */
typedef struct {
    uint8_t predictor;
    uint8_t order[4];
    double eb;
} strata_level_plan;

void strata_grid_init(strata_grid *g, const strata_field *f);

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
    void strata_interp_plan_##SFX(const strata_grid *g, const T *v, const uint8_t *mask, \
                                  double eb, int threads, strata_level_plan *plan);      \
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
