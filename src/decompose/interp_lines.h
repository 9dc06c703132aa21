/* interp_lines.h - the common case of a pass row as loops the compiler vectorizes,
 * included by interp_template.h (T, SFX and FN come from there).
 *
 * A *line* is a run of points of one row, without a mask, whose stencil is the
 * same for every point: complete for cubic, or +-ds inside the grid for linear.
 * Point j is x[j * xs], its neighbours x[j * xs +- ds] and x[j * xs +- 3 ds], its
 * code codes[j * cs]. The loops compute exactly what visit() computes point by
 * point (the same double operations in the same order, so the same bits), with
 * every test of the quantizer turned into a select: no branch per point. A
 * point whose reconstruction would miss gets code 0 and keeps its value, as in
 * strata_quantize_*.
 *
 * xs and cs are compile-time 1 or 2 (the strides of the finest level, which
 * holds most points); other lines take the point-by-point path. On x86-64 each
 * entry point is also built for AVX2 and picked at run time: vector adds,
 * multiplies and conversions round like scalar ones, so the bytes do not
 * depend on which version runs (no FMA: -ffp-contract=off).
 */

#ifndef STRATA_LINES_SHARED_
#define STRATA_LINES_SHARED_
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) && !defined(STRATA_NO_CLONES)
#  define STRATA_LINE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define STRATA_LINE_CLONES
#endif
/* The points of a line never read each other (a pass reads only coarser or
 * earlier points), which the compiler cannot prove from the strides. */
#if defined(__clang__)
#  define STRATA_NO_DEPS _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#  define STRATA_NO_DEPS _Pragma("GCC ivdep")
#else
#  define STRATA_NO_DEPS
#endif
#endif

/* Lines of stride 2 are copied to contiguous arrays in chunks of this many
 * points first: the vectorizer cannot store every other float. */
#ifndef STRATA_LINE_CHUNK
#define STRATA_LINE_CHUNK 256
#endif

/* The prediction of point j from its neighbours a, b, c, d at -3, -1, +1, +3
 * (strata_predict's interior expressions, in its order of operations). */
STRATA_INLINE double FN(line_predict)(const int cubic, const T *a, const T *b, const T *c,
                                      const T *d, size_t j)
{
    if (!cubic) return ((double)b[j] + (double)c[j]) * 0.5;
    return (-(double)a[j] + 9.0 * (double)b[j] + 9.0 * (double)c[j] - (double)d[j]) * 0.0625;
}

/* Points x[0..n), neighbours a..d[0..n) (a and d read only by cubic), codes[0..n). */
STRATA_INLINE void FN(line_encode_body)(const int cubic, T *x, const T *a, const T *b,
                                        const T *c, const T *d, size_t n,
                                        uint16_t *restrict codes, double step,
                                        double inv_step, double eb, double tmax)
{
    const double lim = (double)(STRATA_QUANT_RADIUS - 1);
    STRATA_NO_DEPS
    for (size_t j = 0; j < n; j++) {
        const double xv = (double)x[j];
        const double pred = FN(line_predict)(cubic, a, b, c, d, j);
        const double qd = (xv - pred) * inv_step;
        int ok = (qd > -lim) & (qd < lim);
        const double qc = ok ? qd : 0.0; /* keeps the conversion below defined */
        const int q = (int)(qc >= 0 ? qc + 0.5 : qc - 0.5);
        const double r = pred + step * (double)q;
        ok &= fabs(r) <= tmax;
        const T rt = (T)(ok ? r : 0.0);
        ok &= fabs(xv - (double)rt) <= eb;
        codes[j] = (uint16_t)(ok ? q + STRATA_QUANT_RADIUS : 0);
        x[j] = ok ? rt : x[j];
    }
}

STRATA_INLINE void FN(line_decode_body)(const int cubic, T *x, const T *a, const T *b,
                                        const T *c, const T *d, size_t n,
                                        const uint16_t *restrict codes, double step, double tmax)
{
    STRATA_NO_DEPS
    for (size_t j = 0; j < n; j++) {
        const unsigned code = codes[j];
        const double pred = FN(line_predict)(cubic, a, b, c, d, j);
        double r = pred + step * ((double)code - (double)STRATA_QUANT_RADIUS);
        r = r > tmax ? tmax : r < -tmax ? -tmax : r;
        x[j] = code ? (T)r : x[j];
    }
}

/* The plan's estimate: the summed strata_est_cost of linear (cost[0]) and cubic
 * (cost[1]). The costs are integers, so vectorized sums equal the serial ones. */
STRATA_INLINE void FN(line_estimate_body)(const T *x, const T *a, const T *b, const T *c,
                                          const T *d, size_t n, double inv_step, double cost[2])
{
    double lin = 0.0, cub = 0.0;
    for (size_t j = 0; j < n; j++) {
        const double xv = (double)x[j];
        lin += strata_est_cost(inv_step, fabs(xv - FN(line_predict)(0, a, b, c, d, j)));
        cub += strata_est_cost(inv_step, fabs(xv - FN(line_predict)(1, a, b, c, d, j)));
    }
    cost[0] += lin;
    cost[1] += cub;
}

/* A chunk of a strided line, copied out: the points to X[0..n), their
 * neighbours to A..D, or, when those lie on the points' own lattice (xs == 2 ds,
 * a pass along the row), to one array of n + 3 that A..D point into. */
typedef struct {
    T X[STRATA_LINE_CHUNK], N[4][STRATA_LINE_CHUNK + 3];
    const T *a, *b, *c, *d;
} FN(line_chunk);

STRATA_INLINE void FN(line_gather_strided)(FN(line_chunk) *k, const int cubic, const T *x,
                                           const ptrdiff_t xs, ptrdiff_t ds, size_t n)
{
    for (size_t j = 0; j < n; j++) k->X[j] = x[(ptrdiff_t)j * xs];
    if (xs == 2 * ds) {
        for (size_t j = 0; j < n + 3; j++) k->N[0][j] = x[(ptrdiff_t)j * xs - 3 * ds];
        k->a = k->N[0];
        k->b = k->N[0] + 1;
        k->c = k->N[0] + 2;
        k->d = k->N[0] + 3;
        return;
    }
    for (size_t j = 0; j < n; j++) k->N[1][j] = x[(ptrdiff_t)j * xs - ds];
    for (size_t j = 0; j < n; j++) k->N[2][j] = x[(ptrdiff_t)j * xs + ds];
    if (cubic) {
        for (size_t j = 0; j < n; j++) k->N[0][j] = x[(ptrdiff_t)j * xs - 3 * ds];
        for (size_t j = 0; j < n; j++) k->N[3][j] = x[(ptrdiff_t)j * xs + 3 * ds];
    }
    k->a = k->N[0];
    k->b = k->N[1];
    k->c = k->N[2];
    k->d = k->N[3];
}

/* Stride 2 (the finest level, most of the points) gets its own copy loops. */
STRATA_INLINE void FN(line_gather)(FN(line_chunk) *k, const int cubic, const T *x, ptrdiff_t xs,
                                   ptrdiff_t ds, size_t n)
{
    if (xs == 2) FN(line_gather_strided)(k, cubic, x, 2, ds, n);
    else FN(line_gather_strided)(k, cubic, x, xs, ds, n);
}

STRATA_INLINE void FN(line_scatter)(const FN(line_chunk) *k, T *x, ptrdiff_t xs, size_t n)
{
    if (xs == 2) for (size_t j = 0; j < n; j++) x[2 * j] = k->X[j];
    else for (size_t j = 0; j < n; j++) x[(ptrdiff_t)j * xs] = k->X[j];
}

static STRATA_LINE_CLONES void FN(line_encode)(int cubic, T *x, ptrdiff_t xs, ptrdiff_t ds,
                                               size_t n, uint16_t *codes, ptrdiff_t cs,
                                               double step, double inv_step, double eb, double tmax)
{
    if (xs == 1 && cs == 1) {
        const T *a = cubic ? x - 3 * ds : x, *d = cubic ? x + 3 * ds : x;
        FN(line_encode_body)(cubic, x, a, x - ds, x + ds, d, n, codes, step, inv_step, eb, tmax);
        return;
    }
    FN(line_chunk) k;
    uint16_t q[STRATA_LINE_CHUNK];
    for (size_t j0 = 0; j0 < n; j0 += STRATA_LINE_CHUNK, x += xs * STRATA_LINE_CHUNK) {
        const size_t m = n - j0 < STRATA_LINE_CHUNK ? n - j0 : STRATA_LINE_CHUNK;
        FN(line_gather)(&k, cubic, x, xs, ds, m);
        uint16_t *out = cs == 1 ? codes + j0 : q;
        if (cubic) FN(line_encode_body)(1, k.X, k.a, k.b, k.c, k.d, m, out, step, inv_step, eb, tmax);
        else FN(line_encode_body)(0, k.X, k.a, k.b, k.c, k.d, m, out, step, inv_step, eb, tmax);
        FN(line_scatter)(&k, x, xs, m);
        if (cs != 1)
            for (size_t j = 0; j < m; j++) codes[(ptrdiff_t)(j0 + j) * cs] = q[j];
    }
}

static STRATA_LINE_CLONES void FN(line_decode)(int cubic, T *x, ptrdiff_t xs, ptrdiff_t ds,
                                               size_t n, const uint16_t *codes, ptrdiff_t cs,
                                               double step, double tmax)
{
    if (xs == 1 && cs == 1) {
        const T *a = cubic ? x - 3 * ds : x, *d = cubic ? x + 3 * ds : x;
        FN(line_decode_body)(cubic, x, a, x - ds, x + ds, d, n, codes, step, tmax);
        return;
    }
    FN(line_chunk) k;
    uint16_t q[STRATA_LINE_CHUNK];
    for (size_t j0 = 0; j0 < n; j0 += STRATA_LINE_CHUNK, x += xs * STRATA_LINE_CHUNK) {
        const size_t m = n - j0 < STRATA_LINE_CHUNK ? n - j0 : STRATA_LINE_CHUNK;
        FN(line_gather)(&k, cubic, x, xs, ds, m);
        const uint16_t *in = codes + j0;
        if (cs != 1) {
            for (size_t j = 0; j < m; j++) q[j] = codes[(ptrdiff_t)(j0 + j) * cs];
            in = q;
        }
        if (cubic) FN(line_decode_body)(1, k.X, k.a, k.b, k.c, k.d, m, in, step, tmax);
        else FN(line_decode_body)(0, k.X, k.a, k.b, k.c, k.d, m, in, step, tmax);
        FN(line_scatter)(&k, x, xs, m);
    }
}

/* The estimate needs the complete cubic stencil. */
static STRATA_LINE_CLONES void FN(line_estimate)(const T *x, ptrdiff_t xs, ptrdiff_t ds, size_t n,
                                                 double inv_step, double cost[2])
{
    if (xs == 1) {
        FN(line_estimate_body)(x, x - 3 * ds, x - ds, x + ds, x + 3 * ds, n, inv_step, cost);
        return;
    }
    FN(line_chunk) k;
    for (size_t j0 = 0; j0 < n; j0 += STRATA_LINE_CHUNK, x += xs * STRATA_LINE_CHUNK) {
        const size_t m = n - j0 < STRATA_LINE_CHUNK ? n - j0 : STRATA_LINE_CHUNK;
        FN(line_gather)(&k, 1, x, xs, ds, m);
        FN(line_estimate_body)(k.X, k.a, k.b, k.c, k.d, m, inv_step, cost);
    }
}
