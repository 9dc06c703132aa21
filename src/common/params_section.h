/* params_section.h - the PARAMS sections of the interpolation and wavelet
 * methods, shared by both directions so their layouts are written down once
 * (format.md 4.1 and 8.1). */
#ifndef STRATA_PARAMS_SECTION_H
#define STRATA_PARAMS_SECTION_H

#include <math.h>
#include "bytes.h"
#include "format.h"
#include "../decompose/grid.h"
#include "../decompose/wavelet.h"

#define STRATA_PARAMS_HEAD 16
#define STRATA_PARAMS_PER_LEVEL 16

static inline int strata_plan_levels(const strata_grid *g) { return g->levels > 0 ? g->levels : 1; }

static inline size_t strata_params_size(const strata_grid *g)
{
    return STRATA_PARAMS_HEAD + (size_t)strata_plan_levels(g) * STRATA_PARAMS_PER_LEVEL;
}

/* binary32: the arithmetic field (format.md 4.1), 1 for binary32. */
static inline void strata_params_write(const strata_grid *g, const strata_level_plan *plan,
                                       unsigned coder, int binary32, uint8_t *p)
{
    memset(p, 0, strata_params_size(g));
    strata_put_u32(p, (uint32_t)g->levels);
    strata_put_u32(p + 4, STRATA_QUANT_RADIUS);
    strata_put_u32(p + 8, coder);
    strata_put_u32(p + 12, binary32 ? 1u : 0u);
    for (int l = 0; l < strata_plan_levels(g); l++) {
        uint8_t *e = p + STRATA_PARAMS_HEAD + (size_t)l * STRATA_PARAMS_PER_LEVEL;
        e[0] = plan[l].predictor;
        memcpy(e + 1, plan[l].order, 4);
        strata_put_f64(e + 8, plan[l].eb);
    }
}

/* Returns 0 if the section does not describe a valid plan for grid g of a
 * stream of header h (binary32 arithmetic only for float32, from version 3). */
static inline int strata_params_read(const strata_grid *g, const strata_header *h, const uint8_t *p,
                                     size_t size, strata_level_plan *plan, unsigned *coder, int *binary32)
{
    if (size != strata_params_size(g)) return 0;
    if (strata_get_u32(p) != (uint32_t)g->levels || strata_get_u32(p + 4) != STRATA_QUANT_RADIUS) return 0;
    *coder = strata_get_u32(p + 8);
    const uint32_t arith = strata_get_u32(p + 12);
    if (arith > 1 || (arith && (h->info.field.dtype != STRATA_FLOAT32 || h->info.format_version < 3)))
        return 0;
    *binary32 = (int)arith;
    const double abs_bound = h->info.abs_bound;
    for (int l = 0; l < strata_plan_levels(g); l++) {
        const uint8_t *e = p + STRATA_PARAMS_HEAD + (size_t)l * STRATA_PARAMS_PER_LEVEL;
        if (e[0] >= STRATA_PRED_COUNT_ || e[5] || e[6] || e[7]) return 0;
        unsigned seen = 0;
        for (int j = 0; j < 4; j++) { if (e[1 + j] > 3) return 0; seen |= 1u << e[1 + j]; }
        if (seen != 0xF) return 0;
        plan[l].predictor = e[0];
        memcpy(plan[l].order, e + 1, 4);
        plan[l].eb = strata_get_f64(e + 8);
        if (!(plan[l].eb > 0) || !(plan[l].eb <= abs_bound) || !isfinite(2.0 * plan[l].eb)) return 0;
    }
    return 1;
}

/* Method 4: levels per dimension of the 4D view (u8 x 4), coder (u32), step
 * (f64), radius (u32), reserved (u32, 0). */
#define STRATA_WAVELET_PARAMS_SIZE 24

static inline void strata_wavelet_params_write(const uint8_t levels[4], unsigned coder, double step,
                                               uint8_t *p)
{
    memset(p, 0, STRATA_WAVELET_PARAMS_SIZE);
    memcpy(p, levels, 4);
    strata_put_u32(p + 4, coder);
    strata_put_f64(p + 8, step);
    strata_put_u32(p + 16, STRATA_QUANT_RADIUS);
}

/* Returns 0 if the section does not describe a valid transform of grid g. */
static inline int strata_wavelet_params_read(const strata_grid *g, const uint8_t *p, size_t size,
                                             uint8_t levels[4], unsigned *coder, double *step)
{
    if (size != STRATA_WAVELET_PARAMS_SIZE) return 0;
    memcpy(levels, p, 4);
    *coder = strata_get_u32(p + 4);
    *step = strata_get_f64(p + 8);
    return strata_wavelet_levels_ok(g, levels) && *step > 0 && isfinite(*step) &&
           strata_get_u32(p + 16) == STRATA_QUANT_RADIUS && strata_get_u32(p + 20) == 0;
}

#endif
