/* predict.h - the per-point arithmetic of the decomposition and the quantizer.
 * Encoder and decoder (and any other backend) call exactly these functions, so
 * they compute bit-identical predictions. Build with -ffp-contract=off: a fused
 * multiply-add on one side only would change the bits.
 *
 * Neighbours along the interpolated dimension, at -3s, -s, +s, +3s, are a, b, c,
 * d; the am3/am1/ap1/ap3 flags say which exist (inside the grid and not special).
 */
#ifndef STRATA_PREDICT_H
#define STRATA_PREDICT_H

#include <float.h>
#include <math.h>
#include "grid.h"

/* The formula a stencil takes, decided by which neighbours exist. */
enum {
    STRATA_FORM_MID,      /* (b + c) / 2 */
    STRATA_FORM_CUBIC,    /* (-a + 9b + 9c - d) / 16 */
    STRATA_FORM_NO_A,     /* (3b + 6c - d) / 8 */
    STRATA_FORM_NO_D,     /* (-a + 6b + 3c) / 8 */
    STRATA_FORM_EXTRAP_B, /* (3b - a) / 2 */
    STRATA_FORM_B,        /* b */
    STRATA_FORM_EXTRAP_C, /* (3c - d) / 2 */
    STRATA_FORM_C,        /* c */
    STRATA_FORM_NONE      /* 0 */
};
#define STRATA_FORM_READS_A(f) ((f) == STRATA_FORM_CUBIC || (f) == STRATA_FORM_NO_D || (f) == STRATA_FORM_EXTRAP_B)
#define STRATA_FORM_READS_B(f) ((f) <= STRATA_FORM_B)
#define STRATA_FORM_READS_C(f) ((f) <= STRATA_FORM_NO_D || (f) == STRATA_FORM_EXTRAP_C || (f) == STRATA_FORM_C)
#define STRATA_FORM_READS_D(f) ((f) == STRATA_FORM_CUBIC || (f) == STRATA_FORM_NO_A || (f) == STRATA_FORM_EXTRAP_C)

STRATA_HD int strata_predict_form(int cubic, int am3, int am1, int ap1, int ap3)
{
    if (am1 && ap1) {
        if (!cubic) return STRATA_FORM_MID;
        if (am3 && ap3) return STRATA_FORM_CUBIC;
        if (ap3) return STRATA_FORM_NO_A;
        if (am3) return STRATA_FORM_NO_D;
        return STRATA_FORM_MID;
    }
    if (am1) return cubic && am3 ? STRATA_FORM_EXTRAP_B : STRATA_FORM_B;
    if (ap1) return cubic && ap3 ? STRATA_FORM_EXTRAP_C : STRATA_FORM_C;
    return STRATA_FORM_NONE;
}

/* The formulas, written once for binary64 (suffix none: every stream) and for
 * binary32 (suffix _s: float32 fields whose PARAMS say arithmetic 1). A
 * constant such as (A)9.0 is exact in either type.
 *
 * strata_predict_md: the prediction of a point new along n dimensions at once,
 * the mean of the 1D predictions p[i] along those whose stencil straddles the
 * point (inner[i]: b and c exist), or of all of them when none does. Summed in
 * dimension order so that every backend rounds the same way. Halving is exact,
 * so only a mean of three needs the (slow) division. */
#define STRATA_DEFINE_PREDICT(A, S)                                                          \
    STRATA_HD A strata_predict_by_form##S(int form, A a, A b, A c, A d)                      \
    {                                                                                        \
        switch (form) {                                                                      \
        case STRATA_FORM_MID: return (b + c) * (A)0.5;                                       \
        case STRATA_FORM_CUBIC: return (-a + (A)9.0 * b + (A)9.0 * c - d) * (A)0.0625;      \
        case STRATA_FORM_NO_A: return ((A)3.0 * b + (A)6.0 * c - d) * (A)0.125;             \
        case STRATA_FORM_NO_D: return (-a + (A)6.0 * b + (A)3.0 * c) * (A)0.125;            \
        case STRATA_FORM_EXTRAP_B: return ((A)3.0 * b - a) * (A)0.5;                         \
        case STRATA_FORM_B: return b;                                                        \
        case STRATA_FORM_EXTRAP_C: return ((A)3.0 * c - d) * (A)0.5;                         \
        case STRATA_FORM_C: return c;                                                        \
        default: return (A)0.0;                                                              \
        }                                                                                    \
    }                                                                                        \
    STRATA_HD A strata_predict##S(int cubic, int am3, int am1, int ap1, int ap3, A a, A b,   \
                                  A c, A d)                                                  \
    {                                                                                        \
        return strata_predict_by_form##S(strata_predict_form(cubic, am3, am1, ap1, ap3), a,  \
                                         b, c, d);                                           \
    }                                                                                        \
    STRATA_HD A strata_predict_md##S(int n, const A *p, const int *inner)                    \
    {                                                                                        \
        A sum = (A)0.0;                                                                      \
        int m = 0;                                                                           \
        for (int i = 0; i < n; i++)                                                          \
            if (inner[i]) { sum += p[i]; m++; }                                              \
        if (m == 0)                                                                          \
            for (int i = 0; i < n; i++) { sum += p[i]; m++; }                                \
        return m == 1 ? sum : m == 2 ? sum * (A)0.5 : m == 4 ? sum * (A)0.25 : sum / (A)m;   \
    }
STRATA_DEFINE_PREDICT(double, )
STRATA_DEFINE_PREDICT(float, _s)
#undef STRATA_DEFINE_PREDICT

/* The plan's estimate of what a residual e costs: the bit length of its
 * quantization index, (33 when it is beyond 32 bits). An integer, so sums of
 * these do not depend on the order of summation. */
STRATA_HD int strata_est_bits(double inv_step, double e)
{
    const double q = e * inv_step + 0.5;
#ifdef __CUDA_ARCH__
    if (!(q < 4294967295.0)) return 33;
    const unsigned u = (unsigned)q;
    return 32 - __clz((int)u);
#else
    /* The same number without a branch on u == 0 (a coin flip on smooth data, so
     * a mispredict per point): for q in [0.5, 2^32), floor(log2 q) + 1, read from
     * the exponent, is the bit length of (unsigned)q, and 0 below 1. */
    uint64_t bits;
    memcpy(&bits, &q, sizeof bits);
    const int len = (int)((bits >> 52) & 0x7ff) - 1022;
    return q < 4294967295.0 ? len : 33;
#endif
}

STRATA_HD double strata_est_cost(double inv_step, double e)
{
    return (double)strata_est_bits(inv_step, e);
}

/* Binary32 arithmetic (format.md 4.2; float32 fields whose PARAMS say
 * arithmetic 1): eight points a vector instead of four. The bin width and the
 * bound are the floats at most 2 * eb_l and eb (strata_f32_at_most), and a
 * point passes when fl(|x - r|) < eb_f: rounding is monotonic and eb_f is a
 * float, so then |x - r| < eb_f <= eb exactly. An r that overflowed to Inf
 * fails the same test. */
STRATA_HD float strata_f32_at_most(double x)
{
    const float f = (float)x;
    return (double)f > x ? nextafterf(f, -INFINITY) : f;
}

/* The arithmetic of a level's points, for every backend: binary64, or binary32
 * (single) with the bin width and bound as strata_f32_at_most makes them. */
typedef struct {
    double step, inv_step, eb, tmax; /* bin width 2 * eb_l, its inverse, the bound (0 when
                                        decoding), the type's largest finite value */
    float step_s, inv_step_s, eb_s;  /* the same in binary32 */
    int single;
} strata_line_params;

static inline void strata_line_params_init(strata_line_params *p, double eb_l, double eb, int single,
                                           double tmax)
{
    p->step = 2.0 * eb_l;
    p->inv_step = 1.0 / p->step;
    p->eb = eb;
    p->tmax = tmax;
    p->single = single;
    p->step_s = strata_f32_at_most(p->step);
    p->inv_step_s = 1.0f / p->step_s;
    p->eb_s = strata_f32_at_most(eb);
}

/* Quantizes x against pred in binary32 (step, inv_step, eb as above). */
STRATA_HD unsigned strata_quantize_s(float x, float pred, float step, float inv_step, float eb,
                                     float *recon)
{
    const float lim = (float)(STRATA_QUANT_RADIUS - 1);
    const float qd = (x - pred) * inv_step;
    if (!(qd > -lim && qd < lim)) return 0;
    const int q = (int)(qd >= 0 ? qd + 0.5f : qd - 0.5f);
    const float r = pred + step * (float)q;
    if (!(fabsf(x - r) < eb)) return 0;
    *recon = r;
    return (unsigned)(q + STRATA_QUANT_RADIUS);
}

STRATA_HD float strata_dequantize_s(unsigned code, float pred, float step)
{
    float r = pred + step * ((float)code - (float)STRATA_QUANT_RADIUS);
    r = r > FLT_MAX ? FLT_MAX : r < -FLT_MAX ? -FLT_MAX : r;
    return r;
}

/* Quantizes x against pred with bin width `step` (= 2 * level bound).
 * Returns the code (q + radius, in [1, 2*radius-1]) and stores the reconstructed
 * value in *recon, or returns 0 when the point must be stored exactly: |q| too
 * large, the value out of range of the type, or rounding put it past `eb`.
 * strata_quantize_at_SFX and strata_dequantize_at_SFX take a level's
 * arithmetic, binary32 (pred then a float held in a double) or binary64. */
#define STRATA_DEFINE_QUANTIZE(T, SFX, TMAX)                                           \
    STRATA_HD unsigned strata_quantize_##SFX(T x, double pred, double step,             \
                                             double inv_step, double eb, T *recon)      \
    {                                                                                   \
        const double lim = (double)(STRATA_QUANT_RADIUS - 1);                           \
        double qd = ((double)x - pred) * inv_step;                                      \
        if (!(qd > -lim && qd < lim)) return 0;                                         \
        int q = (int)(qd >= 0 ? qd + 0.5 : qd - 0.5);                                   \
        double r = pred + step * (double)q;                                             \
        if (!(fabs(r) <= (TMAX))) return 0;                                             \
        T rt = (T)r;                                                                    \
        if (!(fabs((double)x - (double)rt) <= eb)) return 0;                            \
        *recon = rt;                                                                    \
        return (unsigned)(q + STRATA_QUANT_RADIUS);                                     \
    }                                                                                   \
    /* Inverse of quantize for code != 0; clamps so corrupt codes stay defined. */     \
    STRATA_HD T strata_dequantize_##SFX(unsigned code, double pred, double step)        \
    {                                                                                   \
        double r = pred + step * ((double)code - (double)STRATA_QUANT_RADIUS);          \
        r = r > (TMAX) ? (TMAX) : r < -(TMAX) ? -(TMAX) : r;                            \
        return (T)r;                                                                    \
    }                                                                                   \
    STRATA_HD unsigned strata_quantize_at_##SFX(const strata_line_params *p, T x,       \
                                                double pred, T *recon)                  \
    {                                                                                   \
        if (sizeof(T) == 4 && p->single) {                                              \
            float r = 0.0f;                                                             \
            const unsigned q = strata_quantize_s((float)x, (float)pred, p->step_s,      \
                                                 p->inv_step_s, p->eb_s, &r);           \
            if (q) *recon = (T)r;                                                       \
            return q;                                                                   \
        }                                                                               \
        return strata_quantize_##SFX(x, pred, p->step, p->inv_step, p->eb, recon);      \
    }                                                                                   \
    STRATA_HD T strata_dequantize_at_##SFX(const strata_line_params *p, unsigned code,  \
                                           double pred)                                 \
    {                                                                                   \
        if (sizeof(T) == 4 && p->single)                                                \
            return (T)strata_dequantize_s(code, (float)pred, p->step_s);                \
        return strata_dequantize_##SFX(code, pred, p->step);                            \
    }
STRATA_DEFINE_QUANTIZE(float, f32, 3.4028234663852886e38)
STRATA_DEFINE_QUANTIZE(double, f64, 1.7976931348623157e308)
#undef STRATA_DEFINE_QUANTIZE

#endif
