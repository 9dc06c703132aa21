/* wavelet.h - the CDF 9/7 wavelet transform of method 4 (PSNR mode), and the
 * order in which its coefficients are coded (format.md, "Method 4").
 *
 * Separable lifting with whole-sample symmetric extension, in double, over the
 * 4D view of strata_grid: at level l every dimension d with l < levels[d] is
 * split once along the current low-pass box, dimensions 0..3 in that order
 * (the inverse undoes them in reverse). A split of m values leaves the
 * (m + 1) / 2 low-pass ones first, then the m / 2 high-pass ones. */
#ifndef STRATA_WAVELET_H
#define STRATA_WAVELET_H

#include "grid.h"
#include "../entropy/segments.h"

#define STRATA_WAVELET_MAX_LEVELS 16 /* per dimension, in a stream */
#define STRATA_WAVELET_MAX_BANDS (1 + 15 * STRATA_WAVELET_MAX_LEVELS)

/* The encoder's levels: a dimension is split while its low-pass length is at
 * least 8, at most 6 times (the shared 3D fields: the deepest choice that pays). */
void strata_wavelet_levels(const strata_grid *g, uint8_t levels[4]);
/* Whether a stream's levels are valid for g: each split has at least 2 values. */
int strata_wavelet_levels_ok(const strata_grid *g, const uint8_t levels[4]);

/* Gives the points marked in mask (special: their values do not count) values
 * that make no edges for the transform: along dimensions 3, 2, 1, 0 in turn,
 * each line's unknown runs are interpolated linearly between their nearest
 * known points (the nearest one past the line's ends); what no line reached
 * gets the mean of the valid points. Returns 0 when out of memory. */
int strata_wavelet_fill(const strata_grid *g, double *x, const uint8_t *mask);

/* In place on x (g->count values, index order). Rows are independent, so the
 * values do not depend on the thread count. Return 0 when out of memory. */
int strata_wavelet_forward(const strata_grid *g, const uint8_t levels[4], double *x, int threads);
int strata_wavelet_inverse(const strata_grid *g, const uint8_t levels[4], double *x, int threads);

/* Coding order: the coarsest low-pass box, then level by level from the
 * coarsest, its high-pass subbands, each in raster order. Fills bands (the
 * subbands in that order) and lv: where the two finest levels start, for the
 * coders' level classes, and the subbands, for coder 4. */
void strata_wavelet_symbol_levels(const strata_grid *g, const uint8_t levels[4],
                                  strata_subband bands[STRATA_WAVELET_MAX_BANDS],
                                  strata_symbol_levels *lv);

/* Quantizes y (index order) with q = nearest integer of y / step into codes
 * (coding order): q + STRATA_QUANT_RADIUS, or 0 with q appended to esc when
 * |q| >= radius. Returns the number of escapes. The caller checks |y| / step
 * < 2^52 beforehand. */
size_t strata_wavelet_quantize(const strata_grid *g, const uint8_t levels[4], const double *y,
                               double step, uint16_t *codes, int64_t *esc);
/* The inverse: y (index order) = q * step. Returns 0 unless exactly nesc
 * escapes were read. */
int strata_wavelet_dequantize(const strata_grid *g, const uint8_t levels[4], const uint16_t *codes,
                              const int64_t *esc, size_t nesc, double step, double *y);

/* The value a quantization index q stands for: shared so that the encoder's
 * trial reconstruction is the decoder's. */
static inline double strata_wavelet_value(int64_t q, double step) { return (double)q * step; }
static inline int64_t strata_wavelet_index(double y, double step) { return (int64_t)llrint(y / step); }
/* The values a decoder writes: the inverse transform rounded to the dtype. */
static inline void strata_wavelet_store(strata_dtype t, const double *x, size_t n, void *dst)
{
    if (t == STRATA_FLOAT32) for (size_t i = 0; i < n; i++) ((float *)dst)[i] = (float)x[i];
    else memcpy(dst, x, n * sizeof *x);
}

#endif
