/* gx_interp_body.h - the decomposition's per-point bodies for one dtype, included
 * by gx_kernels.h once per dtype (the pattern of src/decompose/interp_template.h).
 *
 * Template parameters (defined by the includer, undefined at the end):
 *   T    the value type (float, double)
 *   SFX  the name suffix (f32, f64); strata_quantize_SFX etc. must exist
 *
 * A pass of level l (stride s) along dimension k is one 2D launch: a row `o` of
 * the pass's lattice (dimensions 0..2) and a column lane `j` (dimension 3): the
 * thread takes the row's points j, j + lanes, j + 2 lanes, ... so that what a
 * row's points share (coordinates, index, level-order position) is worked out
 * once per thread; per point that integer work cost more instructions than the
 * prediction. Every neighbour a pass reads was finished by an earlier pass, so
 * its points are independent. The neighbour flags and the arithmetic are those
 * of FN(visit) and FN(row) in interp_template.h, case by case:
 *   am3 = ck >= 3s, ap1 = ck + s < nk, ap3 = ck + 3s < nk (am1 always), then
 *   each cleared where the neighbour is special.
 * The decomposition tells a special neighbour by its value: the working values
 * hold NaN at every special point (gx_select_nan, before the first pass) and
 * finite values everywhere else (a reconstruction within a finite bound of a
 * finite value, or the value itself). That saves four bitmap reads a point.
 * The plan estimate reads the caller's field, whose fill values are finite: it
 * asks the bitmap.
 */
#define GX_CAT2_(a, b) a##_##b
#define GX_CAT_(a, b) GX_CAT2_(a, b)
#define GXFN(name) GX_CAT_(name, SFX)

#ifndef GX_INTERP_ARGS_
#define GX_INTERP_ARGS_
typedef struct {
    gx_grid g;
    gx_lattice L;               /* the pass */
    uint64_t lanes;             /* threads per row (<= L.cnt[3]) */
    uint64_t s, ds;             /* stride, element distance of a neighbour */
    int k, cubic;
    unsigned odd;               /* a multi-dimensional pass: its dimensions; else 0 */
    strata_line_params lp;      /* the level's arithmetic (predict.h) */
    const void *src;            /* encode: the original values */
    void *v;                    /* encode: reconstruction; decode: the output */
    uint16_t *sym;              /* codes in level order, special points left out */
    const uint32_t *mask;       /* special points (index order); NULL: none. Where set,
                                 * v holds NaN at them until the last pass */
    const uint32_t *nb_mask;    /* the estimate: special neighbours from this bitmap */
    const uint32_t *lo_bits;    /* special points in level order (with lo_off: their rank) */
    const uint64_t *lo_off;
    uint32_t *unpred_bits;      /* encode: set where the code is 0; decode: read */
    const uint64_t *unpred_off; /* decode: exclusive scan of unpred_bits' popcounts */
    const void *unpred;         /* decode: the UNPRED values, index order */
    /* The pass's points are all in level-order group t = level - 1: its first
     * position, lattice extents m and the products of the coarser lattice's
     * extents past each dimension (see gx_level_pos). */
    unsigned gt;
    uint64_t gbase, gm[4], ghp[4];
} gx_interp_args;

/* What the points of a pass's row share: coordinates 0..2, the index of the row's
 * start, and the row's part of gx_level_pos() in the pass's group (t = gt): the
 * position less the contribution of c[3], and whether c[3]'s part excludes the
 * coarser points before it (only when c[0..2] are even at the group's scale). */
typedef struct {
    uint64_t c[4], base, pos;
    int even;
} gx_row;

GX_HD void gx_row_init(const gx_interp_args *a, uint64_t o, gx_row *r)
{
    gx_lattice_coords(&a->L, o, 0, r->c);
    r->base = r->c[0] * a->g.st[0] + r->c[1] * a->g.st[1] + r->c[2] * a->g.st[2];
    const unsigned t = a->gt;
    const uint64_t a0 = r->c[0] >> t, a1 = r->c[1] >> t, a2 = r->c[2] >> t;
    uint64_t excl = ((a0 + 1) >> 1) * a->ghp[0];
    r->even = 0;
    if (!(a0 & 1)) {
        excl += ((a1 + 1) >> 1) * a->ghp[1];
        if (!(a1 & 1)) {
            excl += ((a2 + 1) >> 1) * a->ghp[2];
            r->even = !(a2 & 1);
        }
    }
    r->pos = a->gbase + ((a0 * a->gm[1] + a1) * a->gm[2] + a2) * a->gm[3] - excl;
}

/* The row's point j: sets c[3], returns its index; *pos: its level-order position. */
GX_HD uint64_t gx_row_point(const gx_interp_args *a, gx_row *r, uint64_t j, uint64_t *pos)
{
    r->c[3] = a->L.start[3] + j * a->L.step[3];
    const uint64_t a3 = r->c[3] >> a->gt;
    *pos = r->pos + a3 - (r->even ? (a3 + 1) >> 1 : 0);
    return r->base + r->c[3];
}

/* A neighbour's value as the predictor takes it: 0 where it does not count. */
GX_HD double gx_neighbour(int *counts, double x, int by_value)
{
    if (by_value && !isfinite(x)) *counts = 0;
    return *counts ? x : 0.0;
}
#endif

/* Neighbour values and the prediction at point idx along one dimension: coordinate
 * ck of extent nk, neighbour stride ds; *inner: the stencil straddles the point.
 * Special neighbours: those set in m, or with by_value those whose value is NaN. */
GX_HD double GXFN(gx_predict_dir)(const uint32_t *m, int by_value, const T *v, uint64_t idx,
                                  uint64_t s, uint64_t ds, uint64_t ck, uint64_t nk, int cubic,
                                  int single, int *inner)
{
    int am3 = ck >= 3 * s, am1 = 1, ap1 = ck + s < nk, ap3 = ck + 3 * s < nk;
    if (m) {
        am1 = !gx_bit(m, idx - ds);
        am3 = am3 && !gx_bit(m, idx - 3 * ds);
        ap1 = ap1 && !gx_bit(m, idx + ds);
        ap3 = ap3 && !gx_bit(m, idx + 3 * ds);
    }
    const double A = gx_neighbour(&am3, am3 ? (double)v[idx - 3 * ds] : 0.0, by_value);
    const double B = gx_neighbour(&am1, am1 ? (double)v[idx - ds] : 0.0, by_value);
    const double C = gx_neighbour(&ap1, ap1 ? (double)v[idx + ds] : 0.0, by_value);
    const double D = gx_neighbour(&ap3, ap3 ? (double)v[idx + 3 * ds] : 0.0, by_value);
    *inner = am1 && ap1;
    if (single) /* binary32: the values are floats */
        return (double)strata_predict_s(cubic, am3, am1, ap1, ap3, (float)A, (float)B, (float)C, (float)D);
    return strata_predict(cubic, am3, am1, ap1, ap3, A, B, C, D);
}

/* The prediction at point idx (coordinate ck along the pass's dimension k). */
GX_HD double GXFN(gx_predict_at)(const gx_interp_args *a, const T *v, uint64_t idx, uint64_t ck,
                                 int cubic, int single)
{
    int inner;
    return GXFN(gx_predict_dir)(a->nb_mask, a->mask && !a->nb_mask, v, idx, a->s, a->ds, ck, a->g.n[a->k], cubic,
                                single, &inner);
}

/* The multi-dimensional prediction at point idx, coordinates c: strata_predict_md
 * with running sums (the same additions in the same order), so that no array
 * indexed at run time pushes the kernel into local memory. */
GX_HD double GXFN(gx_predict_md)(const gx_interp_args *a, const T *v, uint64_t idx,
                                 const uint64_t c[4], unsigned odd, int single)
{
    double sum_in = 0.0, sum_all = 0.0;
    float sum_in_s = 0.0f, sum_all_s = 0.0f; /* binary32 */
    int n_in = 0, n_all = 0;
    for (int j = 0; j < 4; j++) {
        if (!((odd >> j) & 1)) continue;
        int inner;
        const double p = GXFN(gx_predict_dir)(a->nb_mask, a->mask && !a->nb_mask, v, idx, a->s, a->s * a->g.st[j],
                                              gx_pick(c, j), a->g.n[j], 1, single, &inner);
        if (inner) { sum_in += p; sum_in_s += (float)p; n_in++; }
        sum_all += p;
        sum_all_s += (float)p;
        n_all++;
    }
    if (single) return (double)(n_in ? sum_in_s / (float)n_in : sum_all_s / (float)n_all);
    return n_in ? sum_in / (double)n_in : sum_all / (double)n_all;
}

GX_HD double GXFN(gx_pred)(const gx_interp_args *a, const T *v, uint64_t idx, const uint64_t c[4])
{
    const int single = sizeof(T) == 4 && a->lp.single;
    return a->odd ? GXFN(gx_predict_md)(a, v, idx, c, a->odd, single)
                  : GXFN(gx_predict_at)(a, v, idx, gx_pick(c, a->k), a->cubic, single);
}

GX_HD void GXFN(gx_interp_enc)(const gx_interp_args *a, uint64_t o, uint64_t j0)
{
    gx_row r;
    gx_row_init(a, o, &r);
    T *v = (T *)a->v;
    for (uint64_t j = j0; j < a->L.cnt[3]; j += a->lanes) {
        uint64_t pos;
        const uint64_t idx = gx_row_point(a, &r, j, &pos);
        if (a->mask && gx_bit(a->mask, idx)) continue;
        const double pred = GXFN(gx_pred)(a, v, idx, r.c);
        const T x = ((const T *)a->src)[idx];
        T rec = x;
        const unsigned q = GXFN(strata_quantize_at)(&a->lp, x, pred, &rec);
        a->sym[gx_slot(a->lo_bits, a->lo_off, pos)] = (uint16_t)q;
        v[idx] = q ? rec : x;
        if (!q) gx_atomic_or32(&a->unpred_bits[idx >> 5], 1u << (idx & 31));
    }
}

GX_HD void GXFN(gx_interp_dec)(const gx_interp_args *a, uint64_t o, uint64_t j0)
{
    gx_row r;
    gx_row_init(a, o, &r);
    T *v = (T *)a->v;
    for (uint64_t j = j0; j < a->L.cnt[3]; j += a->lanes) {
        uint64_t pos;
        const uint64_t idx = gx_row_point(a, &r, j, &pos);
        if (a->mask && gx_bit(a->mask, idx)) continue;
        const unsigned q = a->sym[gx_slot(a->lo_bits, a->lo_off, pos)];
        if (q) {
            const double pred = GXFN(gx_pred)(a, v, idx, r.c);
            v[idx] = GXFN(strata_dequantize_at)(&a->lp, q, pred);
        } else {
            v[idx] = ((const T *)a->unpred)[gx_rank(a->unpred_bits, a->unpred_off, idx)];
        }
    }
}

/* The origin (FN(origin)): predicted as 0.0 with the bin of the top level. */
GX_HD void GXFN(gx_origin_enc)(const gx_interp_args *a, uint64_t i)
{
    (void)i;
    if (a->mask && gx_bit(a->mask, 0)) return;
    T *v = (T *)a->v;
    const T x = ((const T *)a->src)[0];
    T r = x;
    const unsigned q = GXFN(strata_quantize_at)(&a->lp, x, 0.0, &r);
    a->sym[0] = (uint16_t)q;
    v[0] = q ? r : x;
    if (!q) gx_atomic_or32(&a->unpred_bits[0], 1u);
}

GX_HD void GXFN(gx_origin_dec)(const gx_interp_args *a, uint64_t i)
{
    (void)i;
    if (a->mask && gx_bit(a->mask, 0)) return;
    T *v = (T *)a->v;
    const unsigned q = a->sym[0];
    v[0] = q ? GXFN(strata_dequantize_at)(&a->lp, q, 0.0) : ((const T *)a->unpred)[0];
}

/* One sampled point of the plan estimate (FN(visit) with OP_ESTIMATE): the
 * costs (strata_est_cost) of the linear and cubic predictors, or on a
 * multi-dimensional pass that of the multi-dimensional one (and 0). */
GX_HD void GXFN(gx_est_point)(const gx_est_args *a, uint64_t p)
{
    const gx_est_pass *ps = gx_est_find(a, p, GX_BY_POINT);
    uint64_t row, j, c[4];
    gx_divmod(p - ps->point0, ps->L.cnt[3], &row, &j);
    gx_lattice_coords(&ps->L, row * ps->every, j, c);
    const uint64_t idx = c[0] * a->g.st[0] + c[1] * a->g.st[1] + c[2] * a->g.st[2] + c[3];
    if (a->mask && gx_bit(a->mask, idx)) {
        a->pe0[p] = a->pe1[p] = 0.0;
        a->pv[p] = 0;
        return;
    }
    gx_interp_args ia;
    ia.g = a->g;
    ia.s = ps->s;
    ia.ds = ps->ds;
    ia.k = ps->k;
    ia.mask = ia.nb_mask = a->mask;
    const T *v = (const T *)a->src;
    const double x = (double)v[idx];
    if (ps->k < 0) {
        ia.k = 0;
        a->pe0[p] = strata_est_cost(ps->inv_step, fabs(x - GXFN(gx_predict_md)(&ia, v, idx, c, ps->odd, 0)));
        a->pe1[p] = 0.0;
    } else {
        a->pe0[p] = strata_est_cost(ps->inv_step, fabs(x - GXFN(gx_predict_at)(&ia, v, idx, gx_pick(c, ps->k), 0, 0)));
        a->pe1[p] = strata_est_cost(ps->inv_step, fabs(x - GXFN(gx_predict_at)(&ia, v, idx, gx_pick(c, ps->k), 1, 0)));
    }
    a->pv[p] = 1;
}

#undef GXFN
#undef GX_CAT_
#undef GX_CAT2_
#undef T
#undef SFX
