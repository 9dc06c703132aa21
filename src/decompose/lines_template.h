/* lines_template.h - the line loops of lines.h, written once and instantiated
 * per dtype by lines.c (zfp's pattern).
 *
 * Template parameters (defined by the includer, undefined at the end):
 *   T    the value type (float, double)
 *   SFX  the name suffix (f32, f64)
 */
#define STRATA_CAT2_(a, b) a##_##b
#define STRATA_CAT_(a, b) STRATA_CAT2_(a, b)
#define FN(name) STRATA_CAT_(name, SFX)

/* Strided lines are copied to contiguous arrays this many points at a time:
 * the vectorizer cannot store every other element. */
#ifndef STRATA_LINE_CHUNK
#define STRATA_LINE_CHUNK 256
#endif

/* The prediction of point j from its neighbours a, b, c, d at -3, -1, +1, +3:
 * strata_predict's own formula, reading only what the form reads. */
STRATA_INLINE double FN(line_predict)(const int form, const T *a, const T *b, const T *c,
                                      const T *d, size_t j)
{
    return strata_predict_by_form(form, STRATA_FORM_READS_A(form) ? (double)a[j] : 0.0, (double)b[j],
                                  STRATA_FORM_READS_C(form) ? (double)c[j] : 0.0,
                                  STRATA_FORM_READS_D(form) ? (double)d[j] : 0.0);
}

/* The same in binary32 (float32 fields only: the values are floats). */
STRATA_INLINE float FN(line_predict_s)(const int form, const T *a, const T *b, const T *c,
                                       const T *d, size_t j)
{
    return strata_predict_by_form_s(form, STRATA_FORM_READS_A(form) ? (float)a[j] : 0.0f, (float)b[j],
                                    STRATA_FORM_READS_C(form) ? (float)c[j] : 0.0f,
                                    STRATA_FORM_READS_D(form) ? (float)d[j] : 0.0f);
}

/* Points x[0..n), neighbours a..d[0..n) (those the form reads), codes[0..n).
 * The loop once per arithmetic A, with every test a select: strata_quantize_*
 * (binary64: r may lie beyond T, WIDE; a miss is past eb, WITHIN <=), or
 * strata_quantize_s (binary32: r is a float, and an Inf fails WITHIN <, the
 * test against the float at most eb). */
#define STRATA_LINE_ENCODE(A, PREDICT, FABS, WIDE, WITHIN)                                        \
    STRATA_NO_DEPS                                                                               \
    for (size_t j = 0; j < n; j++) {                                                             \
        const A xv = (A)x[j];                                                                    \
        const A pred = PREDICT(form, a, b, c, d, j);                                             \
        const A qd = (xv - pred) * inv_step;                                                     \
        int ok = (qd > -lim) & (qd < lim);                                                       \
        const A qc = ok ? qd : (A)0; /* keeps the conversion below defined */                    \
        const int q = (int)(qc >= 0 ? qc + (A)0.5 : qc - (A)0.5);                                \
        const A r = pred + step * (A)q;                                                          \
        if (WIDE) ok &= FABS(r) <= tmax;                                                         \
        const T rt = (T)(WIDE && !ok ? (A)0 : r);                                                \
        ok &= FABS(xv - (A)rt) WITHIN eb;                                                        \
        codes[j] = (uint16_t)(ok ? q + STRATA_QUANT_RADIUS : 0);                                 \
        x[j] = ok ? rt : x[j];                                                                   \
    }
STRATA_INLINE void FN(line_encode_body)(const int form, const int single, T *x, const T *a,
                                        const T *b, const T *c, const T *d, size_t n,
                                        uint16_t *restrict codes, const strata_line_params *p)
{
    if (single) {
        const float lim = (float)(STRATA_QUANT_RADIUS - 1), step = p->step_s, inv_step = p->inv_step_s,
                    eb = p->eb_s, tmax = FLT_MAX;
        STRATA_LINE_ENCODE(float, FN(line_predict_s), fabsf, 0, <)
    } else {
        const double lim = (double)(STRATA_QUANT_RADIUS - 1), step = p->step, inv_step = p->inv_step,
                     eb = p->eb, tmax = p->tmax;
        STRATA_LINE_ENCODE(double, FN(line_predict), fabs, 1, <=)
    }
}
#undef STRATA_LINE_ENCODE

/* In place (or into a copy that holds the points), a point of code 0 keeps
 * its value (placed from UNPRED); into a copy without them, every point is
 * written and line_scatter() keeps those. The
 * loop once per arithmetic A (strata_dequantize_s, strata_dequantize_*). */
#define STRATA_LINE_DECODE(A, PREDICT, STEP, TMAX)                                               \
    STRATA_NO_DEPS                                                                               \
    for (size_t j = 0; j < n; j++) {                                                             \
        const unsigned code = codes[j];                                                          \
        A r = PREDICT(form, a, b, c, d, j) + (STEP) * ((A)code - (A)STRATA_QUANT_RADIUS);        \
        r = r < -(TMAX) ? -(TMAX) : r; /* the clamp as two selects, as MAXPD and MINPD compute */ \
        r = r > (TMAX) ? (TMAX) : r;                                                             \
        x[j] = !in_place || code ? (T)r : x[j];                                                  \
    }
STRATA_INLINE void FN(line_decode_body)(const int form, const int single, const int in_place, T *x,
                                        const T *a, const T *b, const T *c, const T *d, size_t n,
                                        const uint16_t *restrict codes, const strata_line_params *p)
{
    if (single) {
        const float step = p->step_s;
        STRATA_LINE_DECODE(float, FN(line_predict_s), step, FLT_MAX)
    } else {
        const double step = p->step, tmax = p->tmax;
        STRATA_LINE_DECODE(double, FN(line_predict), step, tmax)
    }
}
#undef STRATA_LINE_DECODE

/* The plan's estimate where the cubic stencil is complete: the summed
 * strata_est_bits of linear (cost[0]) and cubic (cost[1]). The costs are
 * integers, so these sums equal the point-by-point ones. */
STRATA_INLINE void FN(line_estimate_body)(const T *x, const T *a, const T *b, const T *c,
                                          const T *d, size_t n, double inv_step, double cost[2])
{
    int64_t lin = 0, cub = 0; /* integer sums: a double sum would not vectorize */
    for (size_t j = 0; j < n; j++) {
        const double xv = (double)x[j];
        lin += strata_est_bits(inv_step, fabs(xv - FN(line_predict)(STRATA_FORM_MID, a, b, c, d, j)));
        cub += strata_est_bits(inv_step, fabs(xv - FN(line_predict)(STRATA_FORM_CUBIC, a, b, c, d, j)));
    }
    cost[0] += (double)lin;
    cost[1] += (double)cub;
}

/* Where a line's points and neighbours are read from: in place (a contiguous
 * line), or a chunk's copies; o: at stride 2, the odds between the points. */
typedef struct {
    T *x;
    const T *a, *b, *c, *d, *o;
    T X[STRATA_LINE_CHUNK], O[STRATA_LINE_CHUNK], N[4][STRATA_LINE_CHUNK + 3];
} FN(line_view);

STRATA_INLINE void FN(line_in_place)(FN(line_view) *k, const int form, T *x, ptrdiff_t ds)
{
    k->x = x;
    k->a = STRATA_FORM_READS_A(form) ? x - 3 * ds : x;
    k->b = x - ds;
    k->c = STRATA_FORM_READS_C(form) ? x + ds : x;
    k->d = STRATA_FORM_READS_D(form) ? x + 3 * ds : x;
}

/* Stride 2 (the finest level, most of the points): the points with the odds
 * between them, for zipping back, and the neighbours the form reads. A pass
 * along the row (on_row: ds == 1) finds the neighbours among those odds: the
 * run from x - 3 unzips into all of them. */
STRATA_INLINE void FN(line_unzip)(FN(line_view) *k, const int form, const T *x, ptrdiff_t ds,
                                  int on_row, size_t n)
{
    if (on_row) {
        FN(strata_unzip)(x - 3, k->N[0], k->N[1], n + 3); /* N[0][j] = x[2j - 3], N[1][j] = x[2j - 2] */
        k->x = k->N[1] + 1;
        k->o = k->N[0] + 2;
        k->a = k->N[0];
        k->b = k->N[0] + 1;
        k->c = k->N[0] + 2;
        k->d = k->N[0] + 3;
        return;
    }
    FN(strata_unzip)(x, k->X, k->O, n);
    k->x = k->X;
    k->o = k->O;
    FN(strata_unzip)(x - ds, k->N[1], NULL, n);
    if (STRATA_FORM_READS_A(form)) FN(strata_unzip)(x - 3 * ds, k->N[0], NULL, n);
    if (STRATA_FORM_READS_C(form)) FN(strata_unzip)(x + ds, k->N[2], NULL, n);
    if (STRATA_FORM_READS_D(form)) FN(strata_unzip)(x + 3 * ds, k->N[3], NULL, n);
    k->a = k->N[0];
    k->b = k->N[1];
    k->c = k->N[2];
    k->d = k->N[3];
}

/* Other strides (coarser levels): copies n points at stride xs (unless the
 * decoder, which does not read them) and the neighbours the form reads, as
 * line_unzip does. */
STRATA_INLINE void FN(line_gather)(FN(line_view) *k, const int form, const int points,
                                   const T *x, const ptrdiff_t xs, ptrdiff_t ds, int on_row, size_t n)
{
    if (points)
        for (size_t j = 0; j < n; j++) k->X[j] = x[(ptrdiff_t)j * xs];
    k->x = k->X;
    if (on_row) {
        for (size_t j = 0; j < n + 3; j++) k->N[0][j] = x[(ptrdiff_t)j * xs - 3 * ds];
        k->a = k->N[0];
        k->b = k->N[0] + 1;
        k->c = k->N[0] + 2;
        k->d = k->N[0] + 3;
        return;
    }
    for (size_t j = 0; j < n; j++) k->N[1][j] = x[(ptrdiff_t)j * xs - ds];
    if (STRATA_FORM_READS_A(form))
        for (size_t j = 0; j < n; j++) k->N[0][j] = x[(ptrdiff_t)j * xs - 3 * ds];
    if (STRATA_FORM_READS_C(form))
        for (size_t j = 0; j < n; j++) k->N[2][j] = x[(ptrdiff_t)j * xs + ds];
    if (STRATA_FORM_READS_D(form))
        for (size_t j = 0; j < n; j++) k->N[3][j] = x[(ptrdiff_t)j * xs + 3 * ds];
    k->a = k->N[0];
    k->b = k->N[1];
    k->c = k->N[2];
    k->d = k->N[3];
}

/* Writes line_gather's chunk back; with decoded codes, only those not 0. */
STRATA_INLINE void FN(line_scatter)(const FN(line_view) *k, T *x, ptrdiff_t xs, size_t n,
                                    const uint16_t *decoded)
{
    if (decoded) {
        for (size_t j = 0; j < n; j++) x[(ptrdiff_t)j * xs] = decoded[j] ? k->X[j] : x[(ptrdiff_t)j * xs];
        return;
    }
    for (size_t j = 0; j < n; j++) x[(ptrdiff_t)j * xs] = k->X[j];
}

/* One line, op (OP_ENCODE, OP_DECODE, OP_ESTIMATE) with a constant form: in
 * place when contiguous, else chunk by chunk through copies. p holds step,
 * inv_step, eb, tmax. The estimate only reads. */
STRATA_INLINE void FN(line_run)(const int op, const int form, const int single, T *x, ptrdiff_t xs,
                                ptrdiff_t ds, int on_row, size_t n, uint16_t *codes, ptrdiff_t cs,
                                const strata_line_params *p, double cost[2])
{
    FN(line_view) k;
    if (xs == 1 && cs == 1) {
        FN(line_in_place)(&k, form, x, ds);
        if (op == OP_ENCODE)
            FN(line_encode_body)(form, single, k.x, k.a, k.b, k.c, k.d, n, codes, p);
        else if (op == OP_DECODE)
            FN(line_decode_body)(form, single, 1, k.x, k.a, k.b, k.c, k.d, n, codes, p);
        else
            FN(line_estimate_body)(k.x, k.a, k.b, k.c, k.d, n, p->inv_step, cost);
        return;
    }
    uint16_t q[STRATA_LINE_CHUNK];
    for (size_t j0 = 0; j0 < n; j0 += STRATA_LINE_CHUNK) {
        const size_t m = n - j0 < STRATA_LINE_CHUNK ? n - j0 : STRATA_LINE_CHUNK;
        T *xj = x + (ptrdiff_t)j0 * xs;
        /* At stride 2 the decoder reads the points too: code 0 keeps its value. */
        const int zip = xs == 2;
        if (zip) FN(line_unzip)(&k, form, xj, ds, on_row, m);
        else FN(line_gather)(&k, form, op != OP_DECODE, xj, xs, ds, on_row, m);
        if (op == OP_ESTIMATE) {
            FN(line_estimate_body)(k.x, k.a, k.b, k.c, k.d, m, p->inv_step, cost);
            continue;
        }
        uint16_t *c = cs == 1 ? codes + j0 : q;
        if (op == OP_ENCODE) {
            FN(line_encode_body)(form, single, k.x, k.a, k.b, k.c, k.d, m, c, p);
            if (cs == 2) strata_store_even16(codes + 2 * j0, q, m);
            else if (cs != 1)
                for (size_t j = 0; j < m; j++) codes[(ptrdiff_t)(j0 + j) * cs] = q[j];
        } else {
            if (cs == 2)
                for (size_t j = 0; j < m; j++) q[j] = codes[2 * (j0 + j)];
            else if (cs != 1)
                for (size_t j = 0; j < m; j++) q[j] = codes[(ptrdiff_t)(j0 + j) * cs];
            FN(line_decode_body)(form, single, zip, k.x, k.a, k.b, k.c, k.d, m, c, p);
        }
        if (zip) FN(strata_zip)(xj, k.x, k.o, m);
        else FN(line_scatter)(&k, xj, xs, m, op == OP_DECODE ? c : NULL);
    }
}

/* One instantiation per form and arithmetic, built once per target (lines.c).
 * codes: written when encoding, read when decoding, NULL for the estimate. */
static STRATA_CLONES void FN(line)(int op, int form, T *x, ptrdiff_t xs, ptrdiff_t ds,
                                        int on_row, size_t n, uint16_t *codes, ptrdiff_t cs,
                                        const strata_line_params *p, double cost[2])
{
    /* Binary32 only where the values are floats. */
    const int single = sizeof(T) == 4 && p->single;
#define STRATA_LINE_CASE(OP, F)                                                                  \
    case F:                                                                                      \
        if (single) FN(line_run)(OP, F, 1, x, xs, ds, on_row, n, codes, cs, p, cost);            \
        else FN(line_run)(OP, F, 0, x, xs, ds, on_row, n, codes, cs, p, cost);                   \
        break;
#define STRATA_LINE_OP(OP)                           \
    switch (form) {                                  \
    STRATA_LINE_CASE(OP, STRATA_FORM_MID)            \
    STRATA_LINE_CASE(OP, STRATA_FORM_CUBIC)          \
    STRATA_LINE_CASE(OP, STRATA_FORM_NO_A)           \
    STRATA_LINE_CASE(OP, STRATA_FORM_NO_D)           \
    STRATA_LINE_CASE(OP, STRATA_FORM_EXTRAP_B)       \
    default: STRATA_LINE_CASE(OP, STRATA_FORM_B)     \
    }
    if (op == OP_ENCODE) STRATA_LINE_OP(OP_ENCODE)
    else if (op == OP_DECODE) STRATA_LINE_OP(OP_DECODE)
    else FN(line_run)(OP_ESTIMATE, STRATA_FORM_CUBIC, 0, x, xs, ds, on_row, n, NULL, 1, p, cost);
#undef STRATA_LINE_OP
#undef STRATA_LINE_CASE
}

/* The entry point of lines.h: a plain function (clang resolves target clones
 * only within their translation unit). */
void FN(strata_line)(int op, int form, T *x, ptrdiff_t xs, ptrdiff_t ds, int on_row, size_t n,
                     uint16_t *codes, ptrdiff_t cs, const strata_line_params *p, double cost[2])
{
    FN(line)(op, form, x, xs, ds, on_row, n, codes, cs, p, cost);
}

#undef FN
#undef STRATA_CAT_
#undef STRATA_CAT2_
#undef T
#undef SFX
