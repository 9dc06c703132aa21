/* grid.h - the shape of a field as the decomposition sees it: always 4D (leading
 * dimensions of size 1 added), plus the per-level plan stored in the stream. */
#ifndef STRATA_GRID_H
#define STRATA_GRID_H

#include "../common/internal.h"

/* Helpers that the CUDA backend compiles too (gpu/gx_kernels.h). */
#ifdef __CUDACC__
#  define STRATA_HD __host__ __device__ __forceinline__
#elif defined(__GNUC__)
#  define STRATA_HD static inline __attribute__((always_inline)) /* GCC kept calls in the hot loops */
#else
#  define STRATA_HD static inline
#endif

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
 * about 16K points a pass, fewer on fields under 1M points (n/64, at least 4K)
 * so that the estimate stays a small part of their compression time. n/16
 * sampled up to 2.5x more for the same plans on the shared fields but one
 * (oxirane, whose n/64 plan is 3-9% smaller); a 2K floor changed plans. */
static inline size_t strata_est_every(size_t points, size_t count)
{
    size_t budget = count / 64;
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

/* Level order of the codes (format.md 4.3): the origin, then for each level from
 * coarsest to finest the points new at that level, raster order. Fields with
 * special points keep their codes in index order during the decomposition and
 * convert: gather leaves the special points out and returns the count written;
 * scatter is its inverse and returns 0 unless exactly `count` symbols were consumed. */
size_t strata_codes_gather(const strata_grid *g, const uint16_t *codes,
                           const uint8_t *mask, uint16_t *out);
int strata_codes_scatter(const strata_grid *g, const uint16_t *in, size_t count,
                         const uint8_t *mask, uint16_t *codes);

/* Position in that order (special points included) of the point at coordinates
 * c of a grid of extents n, for c all multiples of S = 2^t and not all of 2S (any
 * t for the origin, position 0): after the M(t+1) points of the 2S lattice, at
 * its raster rank within the S lattice less the 2S-lattice points before it. */
STRATA_HD uint64_t strata_level_pos(const uint64_t n[4], const uint64_t c[4], unsigned t)
{
    if (!(c[0] | c[1] | c[2] | c[3])) return 0;
    uint64_t a[4], m[4], h[4];
    for (int j = 0; j < 4; j++) {
        a[j] = c[j] >> t;
        m[j] = ((n[j] - 1) >> t) + 1;
        h[j] = ((n[j] - 1) >> (t + 1)) + 1;
    }
    const uint64_t lin = ((a[0] * m[1] + a[1]) * m[2] + a[2]) * m[3] + a[3];
    const uint64_t hp[4] = {h[1] * h[2] * h[3], h[2] * h[3], h[3], 1};
    uint64_t excl = 0;
    for (int j = 0; j < 4; j++) {
        excl += ((a[j] + 1) >> 1) * hp[j];
        if (a[j] & 1) break;
    }
    return h[0] * h[1] * h[2] * h[3] + lin - excl;
}

/* The inverse of strata_level_pos(): the coordinates of level-order position pos.
 * Used only for the rare points that need it (code 0), so it may loop. */
STRATA_HD void strata_pos_coords(const uint64_t n[4], uint64_t pos, uint64_t c[4])
{
    c[0] = c[1] = c[2] = c[3] = 0;
    if (pos == 0) return;
    unsigned t = 0;
    uint64_t next = 1; /* M(t+1): points of the 2^(t+1) lattice */
    for (;; t++) {
        next = 1;
        for (int j = 0; j < 4; j++) next *= ((n[j] - 1) >> (t + 1)) + 1;
        if (pos >= next) break;
    }
    uint64_t m[4], h[4], r = pos - next;
    for (int j = 0; j < 4; j++) {
        m[j] = ((n[j] - 1) >> t) + 1;
        h[j] = ((n[j] - 1) >> (t + 1)) + 1;
    }
    int even = 1; /* the coordinates so far are all even multiples of 2^t */
    for (int j = 0; j < 4; j++) {
        uint64_t P = 1, Q = 1;
        for (int i = j + 1; i < 4; i++) { P *= m[i]; Q *= h[i]; }
        uint64_t aj;
        if (even) {
            /* An even value leaves P - Q points (the all-even rest is coarser), an odd one P. */
            const uint64_t pair = 2 * P - Q, q = r / pair, rem = r - q * pair;
            aj = 2 * q;
            if (rem < P - Q) {
                r = rem;
            } else {
                aj++;
                r = rem - (P - Q);
                even = 0;
            }
        } else {
            aj = r / P;
            r -= aj * P;
        }
        c[j] = aj << t;
    }
}

/* Marks in `bits` (bit i & 7 of byte i >> 3, zeroed by the caller; the layout of
 * the MASK section) the unpredictable points: code 0 and not special. With a
 * mask, `codes` are in index order; without, in level order. Returns their count. */
size_t strata_unpred_bits(const strata_grid *g, const uint16_t *codes, const uint8_t *mask,
                          uint8_t *bits, int threads);

/* Runs BODY with `i` set to each point whose bit is set in `bits` (n points, the
 * layout above), in index order. */
#define STRATA_FOR_SET_BITS(bits, n, i, BODY)                                            \
    for (size_t w_ = 0; w_ < ((n) + 7) / 8; w_++)                                       \
        for (unsigned b_ = (bits)[w_]; b_; b_ &= b_ - 1) {                                \
            const size_t i = w_ * 8 + (size_t)__builtin_ctz(b_);                          \
            BODY;                                                                       \
        }

/* Non-special points new at stride 2 (n1) and stride 1 (n0): the last two
 * groups of the level order. */
void strata_fine_level_counts(const strata_grid *g, const uint8_t *mask, size_t *n1, size_t *n0);

/* Per-dtype entry points generated from interp_template.h (interp.c). `codes`
 * holds a code a point: in index order if there is a mask, else in level order
 * (format.md 4.3). Encode overwrites v with the reconstruction, except at the
 * special and unpredictable points, which keep their values. single: binary32
 * arithmetic (PARAMS arithmetic 1, format.md 4.2), float32 only. */
#define STRATA_DECLARE_INTERP(T, SFX)                                                   \
    int strata_interp_plan_##SFX(const strata_grid *g, const T *v, const uint8_t *mask,  \
                                 double eb, unsigned coder, int threads,                 \
                                 strata_level_plan *plan);                               \
    void strata_interp_encode_##SFX(const strata_grid *g, const strata_level_plan *plan, \
                                    T *v, uint16_t *codes, const uint8_t *mask,          \
                                    double eb, int single, int threads);                 \
    void strata_interp_decode_##SFX(const strata_grid *g, const strata_level_plan *plan, \
                                    T *v, const uint16_t *codes, const uint8_t *mask,    \
                                    int single, int threads);
STRATA_DECLARE_INTERP(float, f32)
STRATA_DECLARE_INTERP(double, f64)
#undef STRATA_DECLARE_INTERP

#endif
