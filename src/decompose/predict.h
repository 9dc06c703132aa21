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

STRATA_HD double strata_predict_by_form(int form, double a, double b, double c, double d)
{
    switch (form) {
    case STRATA_FORM_MID: return (b + c) * 0.5;
    case STRATA_FORM_CUBIC: return (-a + 9.0 * b + 9.0 * c - d) * 0.0625;
    case STRATA_FORM_NO_A: return (3.0 * b + 6.0 * c - d) * 0.125;
    case STRATA_FORM_NO_D: return (-a + 6.0 * b + 3.0 * c) * 0.125;
    case STRATA_FORM_EXTRAP_B: return (3.0 * b - a) * 0.5;
    case STRATA_FORM_B: return b;
    case STRATA_FORM_EXTRAP_C: return (3.0 * c - d) * 0.5;
    case STRATA_FORM_C: return c;
    default: return 0.0;
    }
}

STRATA_HD double strata_predict(int cubic, int am3, int am1, int ap1, int ap3,
                                double a, double b, double c, double d)
{
    return strata_predict_by_form(strata_predict_form(cubic, am3, am1, ap1, ap3), a, b, c, d);
}

/* Multi-dimensional prediction of a point new along n dimensions at once: the
 * mean of the 1D predictions p[i] along those whose stencil straddles the point
 * (inner[i]: b and c exist), or of all of them when none does. Summed in
 * dimension order so that every backend rounds the same way. */
STRATA_HD double strata_predict_md(int n, const double *p, const int *inner)
{
    double sum = 0.0;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (inner[i]) { sum += p[i]; m++; }
    if (m == 0)
        for (int i = 0; i < n; i++) { sum += p[i]; m++; }
    /* Halving is exact, so only a mean of three needs the (slow) division. */
    return m == 1 ? sum : m == 2 ? sum * 0.5 : m == 4 ? sum * 0.25 : sum / (double)m;
}

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

/* Quantizes x against pred with bin width `step` (= 2 * level bound).
 * Returns the code (q + radius, in [1, 2*radius-1]) and stores the reconstructed
 * value in *recon, or returns 0 when the point must be stored exactly: |q| too
 * large, the value out of range of the type, or rounding put it past `eb`. */
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
    }
STRATA_DEFINE_QUANTIZE(float, f32, 3.4028234663852886e38)
STRATA_DEFINE_QUANTIZE(double, f64, 1.7976931348623157e308)
#undef STRATA_DEFINE_QUANTIZE

#endif
