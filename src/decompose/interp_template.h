/* interp_template.h - multilevel interpolation with in-loop quantization,
 * written once and instantiated per dtype by interp.c.
 *
 * Template parameters (defined by the includer, undefined at the end):
 *   T    the value type (float, double)
 *   SFX  the name suffix (f32, f64); strata_quantize_SFX etc. must exist
 *
 * Traversal (format.md, "Decomposition"): the origin first, then levels l = L..1
 * with stride s = 2^(l-1). Within a level, one pass per dimension k in the level's
 * order predicts the points whose coordinate k is an odd multiple of s, with the
 * dimensions already passed at multiples of s and the others at multiples of 2s,
 * from neighbours at +-s and +-3s along k. All neighbours of a pass are known
 * before it starts, so the points of a pass are independent: rows run in parallel
 * and the result does not depend on the thread count.
 */
#define STRATA_CAT2_(a, b) a##_##b
#define STRATA_CAT_(a, b) STRATA_CAT2_(a, b)
#define FN(name) STRATA_CAT_(name, SFX)

#ifndef STRATA_INTERP_OPS_
#define STRATA_INTERP_OPS_
enum { OP_ENCODE, OP_DECODE, OP_ESTIMATE };

/* Which points one pass visits: per dimension a start and a step. */
typedef struct {
    size_t start[4], step[4], cnt[4];
    size_t s, ds, rows;
    int k;
} strata_pass_geom;

static int strata_pass_geom_init(strata_pass_geom *pg, const strata_grid *g, size_t s,
                                 int k, const int done[4])
{
    pg->s = s;
    pg->k = k;
    pg->ds = s * g->st[k];
    for (int j = 0; j < 4; j++) {
        pg->start[j] = j == k ? s : 0;
        pg->step[j] = (j == k || !done[j]) ? 2 * s : s;
        pg->cnt[j] = g->n[j] > pg->start[j] ? (g->n[j] - 1 - pg->start[j]) / pg->step[j] + 1 : 0;
    }
    pg->rows = pg->cnt[0] * pg->cnt[1] * pg->cnt[2];
    return pg->rows != 0 && pg->cnt[3] != 0;
}
#endif

/* Mutable state a pass works on; err[] accumulates estimates (linear, cubic). */
typedef struct {
    T *v;
    uint16_t *codes;
    const uint8_t *mask;
    double step, inv_step, eb;
    int cubic;
    double err[2];
    size_t sampled;
} FN(interp_state);

STRATA_INLINE void FN(visit)(const int op, const int masked, const int cubic, FN(interp_state) *st,
                             size_t idx, size_t ds, int am3, int ap1, int ap3)
{
    T *v = st->v;
    int am1 = 1;
    if (masked) {
        if (st->mask[idx]) return;
        const uint8_t *m = st->mask;
        am1 = !m[idx - ds];
        am3 = am3 && !m[idx - 3 * ds];
        ap1 = ap1 && !m[idx + ds];
        ap3 = ap3 && !m[idx + 3 * ds];
    }
    double a = am3 ? (double)v[idx - 3 * ds] : 0.0;
    double b = am1 ? (double)v[idx - ds] : 0.0;
    double c = ap1 ? (double)v[idx + ds] : 0.0;
    double d = ap3 ? (double)v[idx + 3 * ds] : 0.0;
    if (op == OP_ESTIMATE) {
        double x = (double)v[idx];
        st->err[0] += fabs(x - strata_predict(0, am3, am1, ap1, ap3, a, b, c, d));
        st->err[1] += fabs(x - strata_predict(1, am3, am1, ap1, ap3, a, b, c, d));
        st->sampled++;
        return;
    }
    double pred = strata_predict(cubic, am3, am1, ap1, ap3, a, b, c, d);
    if (op == OP_DECODE) {
        unsigned q = st->codes[idx];
        if (q) v[idx] = FN(strata_dequantize)(q, pred, st->step);
    } else {
        T r;
        unsigned q = FN(strata_quantize)(v[idx], pred, st->step, st->inv_step, st->eb, &r);
        st->codes[idx] = (uint16_t)q;
        if (q) v[idx] = r;
    }
}

/* One row of a pass: row `o` of the outer dims (0..2), along dimension 3. */
STRATA_INLINE void FN(row)(const int op, const int masked, const int cubic, FN(interp_state) *st,
                           const strata_grid *g, const strata_pass_geom *pg, size_t o)
{
    size_t c[3], m2 = o % pg->cnt[2], m1 = (o / pg->cnt[2]) % pg->cnt[1],
                 m0 = o / (pg->cnt[2] * pg->cnt[1]);
    c[0] = pg->start[0] + m0 * pg->step[0];
    c[1] = pg->start[1] + m1 * pg->step[1];
    c[2] = pg->start[2] + m2 * pg->step[2];
    const size_t base = c[0] * g->st[0] + c[1] * g->st[1] + c[2] * g->st[2];
    const size_t s = pg->s, n3 = g->n[3];
    if (pg->k == 3) {
        /* Interpolating along the row itself: head, branch-free interior, tail. */
        size_t c3 = s;
        FN(visit)(op, masked, cubic, st, base + c3, s, 0, c3 + s < n3, c3 + 3 * s < n3);
        for (c3 += 2 * s; c3 + 3 * s < n3; c3 += 2 * s)
            FN(visit)(op, masked, cubic, st, base + c3, s, 1, 1, 1);
        for (; c3 < n3; c3 += 2 * s)
            FN(visit)(op, masked, cubic, st, base + c3, s, 1, c3 + s < n3, c3 + 3 * s < n3);
        return;
    }
    const int k = pg->k;
    const size_t ck = c[k], nk = g->n[k], ds = pg->ds, step3 = pg->step[3];
    const int am3 = ck >= 3 * s, ap1 = ck + s < nk, ap3 = ck + 3 * s < nk;
    if (am3 && ap1 && ap3) {
        for (size_t c3 = 0; c3 < n3; c3 += step3)
            FN(visit)(op, masked, cubic, st, base + c3, ds, 1, 1, 1);
    } else {
        for (size_t c3 = 0; c3 < n3; c3 += step3)
            FN(visit)(op, masked, cubic, st, base + c3, ds, am3, ap1, ap3);
    }
}

/* The estimate over points j0 .. j0 + STRATA_EST_UNIT - 1 (clipped) of row `o`:
 * the neighbour flags of FN(row), computed per point (this path is not hot). */
static void FN(estimate_unit)(FN(interp_state) *st, const strata_grid *g,
                              const strata_pass_geom *pg, size_t o, size_t j0)
{
    size_t c[4], m2 = o % pg->cnt[2], m1 = (o / pg->cnt[2]) % pg->cnt[1],
                 m0 = o / (pg->cnt[2] * pg->cnt[1]);
    c[0] = pg->start[0] + m0 * pg->step[0];
    c[1] = pg->start[1] + m1 * pg->step[1];
    c[2] = pg->start[2] + m2 * pg->step[2];
    const size_t base = c[0] * g->st[0] + c[1] * g->st[1] + c[2] * g->st[2];
    const size_t s = pg->s, nk = g->n[pg->k];
    const size_t j1 = j0 + STRATA_EST_UNIT < pg->cnt[3] ? j0 + STRATA_EST_UNIT : pg->cnt[3];
    for (size_t j = j0; j < j1; j++) {
        c[3] = pg->start[3] + j * pg->step[3];
        const size_t ck = c[pg->k];
        FN(visit)(OP_ESTIMATE, st->mask != NULL, 0, st, base + c[3], pg->ds, ck >= 3 * s,
                  ck + s < nk, ck + 3 * s < nk);
    }
}

STRATA_INLINE void FN(pass)(const int op, const int masked, const int cubic,
                            const FN(interp_state) *proto,
                            const strata_grid *g, const strata_pass_geom *pg, int threads)
{
    const long long rows = (long long)pg->rows;
    const int par = threads > 1 && pg->rows * pg->cnt[3] >= 16384;
    #pragma omp parallel num_threads(threads) if (par)
    {
        FN(interp_state) st = *proto;
        #pragma omp for schedule(static)
        for (long long o = 0; o < rows; o++) FN(row)(op, masked, cubic, &st, g, pg, (size_t)o);
    }
}

static void FN(run_level)(const int op, const strata_grid *g, const strata_level_plan *pl,
                          int level, FN(interp_state) *st, int threads)
{
    int done[4] = {0, 0, 0, 0};
    const size_t s = (size_t)1 << (level - 1);
    st->step = 2.0 * pl->eb;
    st->inv_step = 1.0 / st->step;
    st->cubic = pl->predictor == STRATA_PRED_CUBIC;
    for (int p = 0; p < 4; p++) {
        const int k = pl->order[p];
        strata_pass_geom pg;
        if (strata_pass_geom_init(&pg, g, s, k, done)) {
            /* Mask and predictor as constants: the unmasked interior has no
             * per-point tests left but the quantizer's. */
            if (st->mask) {
                if (st->cubic) FN(pass)(op, 1, 1, st, g, &pg, threads);
                else FN(pass)(op, 1, 0, st, g, &pg, threads);
            } else {
                if (st->cubic) FN(pass)(op, 0, 1, st, g, &pg, threads);
                else FN(pass)(op, 0, 0, st, g, &pg, threads);
            }
        }
        done[k] = 1;
    }
}

/* Mean prediction error of linear and cubic over a sample of one level.
 * The sample is cut into units of at most STRATA_EST_UNIT consecutive points of a
 * row; each unit is summed on its own, then the unit sums in pass and unit order: a
 * fixed association that a parallel backend reproduces bit for bit (one unit a
 * thread), and short enough that long rows (1D fields) do not serialise it. */
static void FN(estimate_level)(const strata_grid *g, const T *v, const uint8_t *mask,
                               int level, const uint8_t order[4], double mean_err[2])
{
    double total[2] = {0, 0};
    size_t sampled = 0;
    int done[4] = {0, 0, 0, 0};
    const size_t s = (size_t)1 << (level - 1);
    for (int p = 0; p < 4; p++) {
        const int k = order[p];
        strata_pass_geom pg;
        if (strata_pass_geom_init(&pg, g, s, k, done)) {
            const size_t per_row = (pg.cnt[3] - 1) / STRATA_EST_UNIT + 1;
            const size_t units = pg.rows * per_row;
            /* About 16K points per pass: enough to rank two predictors. */
            const size_t every = pg.rows * pg.cnt[3] / 16384 + 1;
            for (size_t u = 0; u < units; u += every) {
                FN(interp_state) st;
                memset(&st, 0, sizeof st);
                st.v = (T *)v; /* OP_ESTIMATE only reads */
                st.mask = mask;
                FN(estimate_unit)(&st, g, &pg, u / per_row, u % per_row * STRATA_EST_UNIT);
                total[0] += st.err[0];
                total[1] += st.err[1];
                sampled += st.sampled;
            }
        }
        done[k] = 1;
    }
    double n = sampled ? (double)sampled : 1.0;
    mean_err[0] = total[0] / n;
    mean_err[1] = total[1] / n;
}

void FN(strata_interp_plan)(const strata_grid *g, const T *v, const uint8_t *mask,
                            double eb, int threads, strata_level_plan *plan)
{
    (void)threads;
    static const uint8_t orders[2][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}};
    /* Level-wise bound eb / min(alpha^(l-1), beta): coarse levels feed every finer
     * prediction, so they get tighter bins. (1.25, 2) measured best over the shared
     * fields at rel 1e-2..1e-4 among (1,1), (1.25,2), (1.5,2), (1.5,3), (2,3). */
    const double alpha = 1.25, beta = 2.0;
    const int L = g->levels > 0 ? g->levels : 1;
    for (int l = 1; l <= L; l++) {
        strata_level_plan *pl = &plan[l - 1];
        double best = -1.0;
        for (int o = 0; o < 2; o++) {
            double err[2] = {0, 0};
            if (g->levels > 0) FN(estimate_level)(g, v, mask, l, orders[o], err);
            for (int p = 0; p < STRATA_PRED_COUNT_; p++)
                if (best < 0 || err[p] < best) {
                    best = err[p];
                    pl->predictor = (uint8_t)p;
                    memcpy(pl->order, orders[o], 4);
                }
        }
        double scale = pow(alpha, l - 1);
        pl->eb = eb / (scale < beta ? scale : beta);
    }
}

static void FN(origin)(const int op, const strata_grid *g, const strata_level_plan *plan,
                       FN(interp_state) *st)
{
    const strata_level_plan *top = &plan[g->levels > 0 ? g->levels - 1 : 0];
    if (st->mask && st->mask[0]) return;
    double step = 2.0 * top->eb;
    if (op == OP_DECODE) {
        if (st->codes[0]) st->v[0] = FN(strata_dequantize)(st->codes[0], 0.0, step);
    } else {
        T r;
        unsigned q = FN(strata_quantize)(st->v[0], 0.0, step, 1.0 / step, st->eb, &r);
        st->codes[0] = (uint16_t)q;
        if (q) st->v[0] = r;
    }
}

void FN(strata_interp_encode)(const strata_grid *g, const strata_level_plan *plan, T *v,
                              uint16_t *codes, const uint8_t *mask, double eb, int threads)
{
    FN(interp_state) st;
    memset(&st, 0, sizeof st);
    st.v = v; st.codes = codes; st.mask = mask; st.eb = eb;
    FN(origin)(OP_ENCODE, g, plan, &st);
    for (int l = g->levels; l >= 1; l--) FN(run_level)(OP_ENCODE, g, &plan[l - 1], l, &st, threads);
}

void FN(strata_interp_decode)(const strata_grid *g, const strata_level_plan *plan, T *v,
                              const uint16_t *codes, const uint8_t *mask, int threads)
{
    FN(interp_state) st;
    memset(&st, 0, sizeof st);
    st.v = v; st.codes = (uint16_t *)codes; /* OP_DECODE only reads codes */
    st.mask = mask;
    FN(origin)(OP_DECODE, g, plan, &st);
    for (int l = g->levels; l >= 1; l--) FN(run_level)(OP_DECODE, g, &plan[l - 1], l, &st, threads);
}

#undef FN
#undef STRATA_CAT_
#undef STRATA_CAT2_
#undef T
#undef SFX
