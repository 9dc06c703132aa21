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

/* Which points one pass visits: per dimension a start and a step. */
typedef struct {
    size_t start[4], step[4], cnt[4];
    size_t s, ds, rows;
    int k;         /* the interpolated dimension; -1 for a multi-dimensional pass */
    unsigned odd;  /* multi-dimensional pass: bit j set if new along dimension j */
} strata_pass_geom;

static int strata_pass_geom_init(strata_pass_geom *pg, const strata_grid *g, size_t s,
                                 int k, const int done[4])
{
    pg->s = s;
    pg->k = k;
    pg->odd = 0;
    pg->ds = s * g->st[k];
    for (int j = 0; j < 4; j++) {
        pg->start[j] = j == k ? s : 0;
        pg->step[j] = (j == k || !done[j]) ? 2 * s : s;
        pg->cnt[j] = g->n[j] > pg->start[j] ? (g->n[j] - 1 - pg->start[j]) / pg->step[j] + 1 : 0;
    }
    pg->rows = pg->cnt[0] * pg->cnt[1] * pg->cnt[2];
    return pg->rows != 0 && pg->cnt[3] != 0;
}

/* A multi-dimensional pass: the points new along exactly the dimensions in `odd`
 * (odd multiples of s there, multiples of 2s elsewhere). Its neighbours are new
 * along one dimension fewer, so passes run by increasing popcount of `odd`. */
static int strata_pass_geom_md_init(strata_pass_geom *pg, const strata_grid *g, size_t s,
                                    unsigned odd)
{
    pg->s = s;
    pg->k = -1;
    pg->ds = 0;
    pg->odd = odd;
    for (int j = 0; j < 4; j++) {
        pg->start[j] = (odd >> j) & 1 ? s : 0;
        pg->step[j] = 2 * s;
        pg->cnt[j] = g->n[j] > pg->start[j] ? (g->n[j] - 1 - pg->start[j]) / pg->step[j] + 1 : 0;
    }
    pg->rows = pg->cnt[0] * pg->cnt[1] * pg->cnt[2];
    return pg->rows != 0 && pg->cnt[3] != 0;
}

/* Row o of a pass: its coordinates along dimensions 0-2 (for the plan's
 * sample of rows; a whole pass walks them without dividing). */
static inline void strata_pass_row(const strata_pass_geom *pg, size_t o, size_t c[3])
{
    c[2] = pg->start[2] + (o % pg->cnt[2]) * pg->step[2];
    c[1] = pg->start[1] + ((o / pg->cnt[2]) % pg->cnt[1]) * pg->step[1];
    c[0] = pg->start[0] + (o / (pg->cnt[2] * pg->cnt[1])) * pg->step[0];
}

/* The index of the element at c3 = 0 of the row at c (dimensions 0-2). */
static inline size_t strata_row_base(const strata_grid *g, const size_t c[3])
{
    return c[0] * g->st[0] + c[1] * g->st[1] + c[2] * g->st[2];
}
#endif

/* Mutable state a pass works on; err[] accumulates estimates (linear, cubic, or
 * multi-dimensional in err[0] on a multi-dimensional pass). */
typedef struct {
    T *v;
    uint16_t *codes;
    const uint8_t *mask;
    strata_line_params lp; /* the level's */
    int cubic;
    double err[2];
    size_t sampled;
} FN(interp_state);

/* Whether the level computes in binary32: only where the values are floats. */
#define FN_SINGLE(st) (sizeof(T) == 4 && (st)->lp.single)

/* Quantizes (encode) or reconstructs (decode) point idx against pred (in
 * binary32, a float held in a double); its code is codes[ci]. */
STRATA_INLINE void FN(apply)(const int op, FN(interp_state) *st, size_t idx, size_t ci, double pred)
{
    T *v = st->v;
    if (op == OP_DECODE) {
        unsigned q = st->codes[ci];
        if (q) v[idx] = FN(strata_dequantize_at)(&st->lp, q, pred);
    } else {
        T r;
        unsigned q = FN(strata_quantize_at)(&st->lp, v[idx], pred, &r);
        st->codes[ci] = (uint16_t)q;
        if (q) v[idx] = r;
    }
}

/* The neighbours of point idx at -3ds, -ds, +ds, +3ds (nb[0..3]) and which exist
 * (f[0..3]: am3, am1, ap1, ap3; the caller gives am3, ap1, ap3 from the grid). */
STRATA_INLINE void FN(neighbours)(const int masked, const T *v, const uint8_t *m, size_t idx,
                                  size_t ds, int f[4], double nb[4])
{
    f[1] = 1;
    if (masked) {
        f[1] = !m[idx - ds];
        f[0] = f[0] && !m[idx - 3 * ds];
        f[2] = f[2] && !m[idx + ds];
        f[3] = f[3] && !m[idx + 3 * ds];
    }
    nb[0] = f[0] ? (double)v[idx - 3 * ds] : 0.0;
    nb[1] = f[1] ? (double)v[idx - ds] : 0.0;
    nb[2] = f[2] ? (double)v[idx + ds] : 0.0;
    nb[3] = f[3] ? (double)v[idx + 3 * ds] : 0.0;
}

/* The prediction from neighbours nb (floats held in doubles when single). */
STRATA_INLINE double FN(predict_nb)(const int single, int cubic, const int f[4], const double nb[4])
{
    if (single)
        return strata_predict_s(cubic, f[0], f[1], f[2], f[3], (float)nb[0], (float)nb[1], (float)nb[2],
                                (float)nb[3]);
    return strata_predict(cubic, f[0], f[1], f[2], f[3], nb[0], nb[1], nb[2], nb[3]);
}

STRATA_INLINE void FN(visit)(const int op, const int masked, FN(interp_state) *st,
                             size_t idx, size_t ci, size_t ds, int am3, int ap1, int ap3)
{
    if (masked && st->mask[idx]) return;
    int f[4] = {am3, 1, ap1, ap3};
    double nb[4];
    FN(neighbours)(masked, st->v, st->mask, idx, ds, f, nb);
    if (op == OP_ESTIMATE) {
        const double x = (double)st->v[idx];
        st->err[0] += strata_est_cost(st->lp.inv_step, fabs(x - FN(predict_nb)(0, 0, f, nb)));
        st->err[1] += strata_est_cost(st->lp.inv_step, fabs(x - FN(predict_nb)(0, 1, f, nb)));
        st->sampled++;
        return;
    }
    FN(apply)(op, st, idx, ci, FN(predict_nb)(FN_SINGLE(st), st->cubic, f, nb));
}

/* The stencils of a multi-dimensional row along the dimensions 0-2 in which
 * its points are new: the same for every point of the row, so set up once. */
typedef struct {
    int n;             /* how many (0-3) */
    size_t ds[3];      /* neighbour distance of each */
    int f[3][4];       /* am3, am1, ap1, ap3 from the grid, as in neighbours() */
    int along;         /* the points are new along dimension 3 too */
} FN(md_row);

/* Multi-dimensional visit of point idx (format.md: the mean of the cubic
 * predictions along the dimensions in which it is new, in dimension order).
 * n, along and full (every stencil of dimensions 0-2 complete) are constants of
 * the caller's instantiation; am3, ap1, ap3 are the grid's flags along dim 3. */
STRATA_INLINE void FN(visit_md)(const int op, const int masked, FN(interp_state) *st,
                                const FN(md_row) *r, const int n, const int along, const int full,
                                size_t idx, size_t ci, size_t s, int am3, int ap1, int ap3)
{
    if (masked && st->mask[idx]) return;
    const int single = op != OP_ESTIMATE && FN_SINGLE(st);
    double p[4], nb[4];
    int inner[4];
    for (int i = 0; i < n; i++) {
        int f[4] = {1, 1, 1, 1};
        if (!full) memcpy(f, r->f[i], sizeof f);
        FN(neighbours)(masked, st->v, st->mask, idx, r->ds[i], f, nb);
        p[i] = FN(predict_nb)(single, 1, f, nb);
        inner[i] = f[1] && f[2];
    }
    if (along) {
        int f[4] = {am3, 1, ap1, ap3};
        FN(neighbours)(masked, st->v, st->mask, idx, s, f, nb);
        p[n] = FN(predict_nb)(single, 1, f, nb);
        inner[n] = f[1] && f[2];
    }
    double pred;
    if (single) {
        const float ps[4] = {(float)p[0], (float)p[1], (float)p[2], (float)p[3]};
        pred = strata_predict_md_s(n + along, ps, inner);
    } else {
        pred = strata_predict_md(n + along, p, inner);
    }
    if (op == OP_ESTIMATE) {
        st->err[0] += strata_est_cost(st->lp.inv_step, fabs((double)st->v[idx] - pred));
        st->sampled++;
        return;
    }
    FN(apply)(op, st, idx, ci, pred);
}

/* Where the codes of a row whose first point is at (c[0..2], start[3]) go: the
 * j-th point's to codes[*ci + j * *dci]. With a mask the codes are in index order;
 * without, straight in the level order of format.md 4.3 (no gather), where a row
 * is contiguous: every point of the row at stride s, or only the odd multiples
 * of s when its outer coordinates are even multiples of s (the others are coarser). */
STRATA_INLINE void FN(row_codes)(const int masked, const strata_grid *g, const strata_pass_geom *pg,
                                 const size_t c[3], size_t base, size_t *ci, size_t *dci)
{
    if (masked) {
        *ci = base + pg->start[3];
        *dci = pg->step[3];
        return;
    }
    const uint64_t n[4] = {g->n[0], g->n[1], g->n[2], g->n[3]},
                   p[4] = {c[0], c[1], c[2], pg->start[3]};
    const unsigned t = (unsigned)__builtin_ctzll(pg->s); /* s = 2^t: no division per row */
    *ci = (size_t)strata_level_pos(n, p, t);
    *dci = ((c[0] | c[1] | c[2]) & pg->s) == 0 ? 1 : pg->step[3] >> t;
}

/* The points of one multi-dimensional row: new along dimension 3 (odd multiples
 * of s: head, branch-free interior, tail, as in row()) or not (every 2s). */
STRATA_INLINE void FN(row_md_points)(const int op, const int masked, FN(interp_state) *st,
                                     const FN(md_row) *r, const int n, const int along,
                                     const int full, size_t base, size_t ci, size_t dci,
                                     size_t s, size_t n3)
{
    if (!along) {
        for (size_t c3 = 0; c3 < n3; c3 += 2 * s, ci += dci)
            FN(visit_md)(op, masked, st, r, n, 0, full, base + c3, ci, s, 1, 1, 1);
        return;
    }
    size_t c3 = s;
    FN(visit_md)(op, masked, st, r, n, 1, full, base + c3, ci, s, 0, c3 + s < n3, c3 + 3 * s < n3);
    for (c3 += 2 * s, ci += dci; c3 + 3 * s < n3; c3 += 2 * s, ci += dci)
        FN(visit_md)(op, masked, st, r, n, 1, full, base + c3, ci, s, 1, 1, 1);
    for (; c3 < n3; c3 += 2 * s, ci += dci)
        FN(visit_md)(op, masked, st, r, n, 1, full, base + c3, ci, s, 1, c3 + s < n3, c3 + 3 * s < n3);
}

#define STRATA_ROW_MD_CASE(N, ALONG)                                                        \
    case (N) * 2 + (ALONG):                                                                 \
        if (full) FN(row_md_points)(op, masked, st, &r, N, ALONG, 1, base, ci, dci, s, g->n[3]); \
        else FN(row_md_points)(op, masked, st, &r, N, ALONG, 0, base, ci, dci, s, g->n[3]);      \
        break;

/* One row of a multi-dimensional pass, along dimension 3; c: its coordinates
 * along dimensions 0-2. */
STRATA_INLINE void FN(row_md)(const int op, const int masked, FN(interp_state) *st,
                              const strata_grid *g, const strata_pass_geom *pg, const size_t c[3])
{
    const size_t base = strata_row_base(g, c), s = pg->s;
    FN(md_row) r;
    r.n = 0;
    r.along = (pg->odd >> 3) & 1;
    for (int j = 0; j < 3; j++) {
        if (!((pg->odd >> j) & 1)) continue;
        r.ds[r.n] = s * g->st[j];
        r.f[r.n][0] = c[j] >= 3 * s;
        r.f[r.n][1] = 1;
        r.f[r.n][2] = c[j] + s < g->n[j];
        r.f[r.n][3] = c[j] + 3 * s < g->n[j];
        r.n++;
    }
    int full = 1;
    for (int i = 0; i < r.n; i++) full &= r.f[i][0] && r.f[i][2] && r.f[i][3];
    size_t ci, dci;
    FN(row_codes)(masked, g, pg, c, base, &ci, &dci);
    /* One instantiation per (n, along, full): the per-point loops unroll. */
    switch (r.n * 2 + r.along) {
    STRATA_ROW_MD_CASE(0, 1)
    STRATA_ROW_MD_CASE(1, 0)
    STRATA_ROW_MD_CASE(1, 1)
    STRATA_ROW_MD_CASE(2, 0)
    STRATA_ROW_MD_CASE(2, 1)
    STRATA_ROW_MD_CASE(3, 0)
    STRATA_ROW_MD_CASE(3, 1)
    default: break; /* odd is never 0 */
    }
}
#undef STRATA_ROW_MD_CASE

/* n points of a row from index idx at stride xs (codes from ci at stride cs),
 * neighbours at +-ds and +-3ds, as a line of lines.h. */
STRATA_INLINE void FN(row_line)(const int op, FN(interp_state) *st, int form, size_t idx,
                                size_t xs, size_t ds, int on_row, size_t n, size_t ci, size_t cs)
{
    FN(strata_line)(op, form, st->v + idx, (ptrdiff_t)xs, (ptrdiff_t)ds, on_row, n,
             op == OP_ESTIMATE ? NULL : st->codes + ci, (ptrdiff_t)cs, &st->lp, st->err);
    if (op == OP_ESTIMATE) st->sampled += n;
}

/* Whether point i of a masked field and the neighbours `form` reads are all
 * valid: then the point predicts as the line of its row does. */
STRATA_INLINE int FN(clear)(const uint8_t *m, size_t i, size_t ds, const int form)
{
    unsigned bad = m[i] | m[i - ds];
    if (STRATA_FORM_READS_C(form)) bad |= m[i + ds];
    if (STRATA_FORM_READS_A(form)) bad |= m[i - 3 * ds];
    if (STRATA_FORM_READS_D(form)) bad |= m[i + 3 * ds];
    return !bad;
}

/* n points of one stencil form from index idx at stride xs (codes from ci at
 * stride cs): lines; with a mask, when encoding or estimating, lines over the
 * runs of at least 8 points clear of special points, the others point by point
 * with the row's flags. Decoding a point costs less than testing the mask of
 * its stencil (measured on Levitus: 9% slower), so a masked decoder does not. */
STRATA_INLINE void FN(row_span)(const int op, const int masked, FN(interp_state) *st, int form,
                                size_t idx, size_t xs, size_t ds, int on_row, size_t n,
                                size_t ci, size_t cs, int am3, int ap1, int ap3)
{
    if (!masked) {
        FN(row_line)(op, st, form, idx, xs, ds, on_row, n, ci, cs);
        return;
    }
    if (op == OP_DECODE) {
        for (size_t j = 0; j < n; j++)
            FN(visit)(op, 1, st, idx + j * xs, ci + j * cs, ds, am3, ap1, ap3);
        return;
    }
    const int reads = op == OP_ESTIMATE ? STRATA_FORM_CUBIC : form; /* the estimate reads all */
    size_t j = 0;
    while (j < n) {
        size_t e = j;
        while (e < n && FN(clear)(st->mask, idx + e * xs, ds, reads)) e++;
        if (e - j >= 8) {
            FN(row_line)(op, st, form, idx + j * xs, xs, ds, on_row, e - j, ci + j * cs, cs);
            j = e;
        }
        for (; j < e; j++) /* a run too short for a line */
            FN(visit)(op, 1, st, idx + j * xs, ci + j * cs, ds, am3, ap1, ap3);
        if (j < n) { /* the point that ended the run */
            FN(visit)(op, 1, st, idx + j * xs, ci + j * cs, ds, am3, ap1, ap3);
            j++;
        }
    }
}

/* One row of a pass, along dimension 3; c: its coordinates along dimensions 0-2. */
STRATA_INLINE void FN(row)(const int op, const int masked, FN(interp_state) *st,
                           const strata_grid *g, const strata_pass_geom *pg, const size_t c[3])
{
    const size_t base = strata_row_base(g, c), s = pg->s, n3 = g->n[3];
    size_t ci, dci;
    FN(row_codes)(masked, g, pg, c, base, &ci, &dci);
    if (pg->k == 3) {
        /* Interpolating along the row itself: head, branch-free interior, tail. */
        size_t c3 = s;
        FN(visit)(op, masked, st, base + c3, ci, s, 0, c3 + s < n3, c3 + 3 * s < n3);
        c3 += 2 * s;
        ci += dci;
        if (n3 > c3 + 3 * s) {
            const size_t m = (n3 - c3 - 3 * s + 2 * s - 1) / (2 * s);
            FN(row_span)(op, masked, st, st->cubic ? STRATA_FORM_CUBIC : STRATA_FORM_MID, base + c3,
                         2 * s, s, 1, m, ci, dci, 1, 1, 1);
            c3 += 2 * s * m;
            ci += dci * m;
        }
        for (; c3 < n3; c3 += 2 * s, ci += dci)
            FN(visit)(op, masked, st, base + c3, ci, s, 1, c3 + s < n3, c3 + 3 * s < n3);
        return;
    }
    const int k = pg->k;
    const size_t ck = c[k], nk = g->n[k], ds = pg->ds, step3 = pg->step[3];
    const int am3 = ck >= 3 * s, ap1 = ck + s < nk, ap3 = ck + 3 * s < nk;
    const int full = am3 && ap1 && ap3;
    /* The estimate compares linear and cubic: it needs the whole stencil. */
    if (full || op != OP_ESTIMATE) {
        FN(row_span)(op, masked, st, strata_predict_form(st->cubic, am3, 1, ap1, ap3), base, step3,
                     ds, 0, pg->cnt[3], ci, dci, am3, ap1, ap3);
        return;
    }
    for (size_t c3 = 0; c3 < n3; c3 += step3, ci += dci)
        FN(visit)(op, masked, st, base + c3, ci, ds, am3, ap1, ap3);
}

/* Asks for the cache lines of the pass's next row along dimension 2: its points
 * (to be written) and, along dimensions 0-2, its neighbour row at +3ds, the one
 * no earlier row read. Only where rows are short (a few lines each, as in 3D
 * and 4D fields: they end before the hardware prefetchers find their pattern)
 * and the field outgrows the caches; elsewhere the hints cost more than they
 * bring (docs/performance.md, section 13). */
STRATA_INLINE int FN(prefetch_wanted)(const strata_grid *g)
{
    return g->n[3] * sizeof(T) <= 1024 && g->n[0] * g->n[1] * g->n[2] * g->n[3] * sizeof(T) >= ((size_t)4 << 20);
}

STRATA_INLINE void FN(prefetch_row)(const T *v, const strata_grid *g, const strata_pass_geom *pg,
                                    const size_t c[3])
{
    const size_t bytes = g->n[3] * sizeof(T), next[3] = {c[0], c[1], c[2] + pg->step[2]};
    if (next[2] >= g->n[2]) return;
    const char *row = (const char *)(v + strata_row_base(g, next));
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch(row + o, 1, 3);
    if (pg->k < 0 || pg->k == 3 || next[pg->k] + 3 * pg->s >= g->n[pg->k]) return;
    const char *lead = row + 3 * pg->ds * sizeof(T);
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch(lead + o, 0, 3);
}

STRATA_INLINE void FN(pass)(const int op, const int masked, const FN(interp_state) *proto,
                            const strata_grid *g, const strata_pass_geom *pg, int threads)
{
    const long long n0 = (long long)pg->cnt[0], n1 = (long long)pg->cnt[1],
                    n2 = (long long)pg->cnt[2];
    const int par = threads > 1 && pg->rows * pg->cnt[3] >= 16384, pf = FN(prefetch_wanted)(g);
    #pragma omp parallel num_threads(threads) if (par)
    {
        FN(interp_state) st = *proto;
        /* Collapsed, the loop divides once per thread, not per row. */
        #pragma omp for schedule(static) collapse(3)
        for (long long i0 = 0; i0 < n0; i0++)
            for (long long i1 = 0; i1 < n1; i1++)
                for (long long i2 = 0; i2 < n2; i2++) {
                    const size_t c[3] = {pg->start[0] + (size_t)i0 * pg->step[0],
                                         pg->start[1] + (size_t)i1 * pg->step[1],
                                         pg->start[2] + (size_t)i2 * pg->step[2]};
                    if (pf) FN(prefetch_row)(st.v, g, pg, c);
                    if (pg->k < 0) FN(row_md)(op, masked, &st, g, pg, c);
                    else FN(row)(op, masked, &st, g, pg, c);
                }
    }
}

static void FN(run_level)(const int op, const strata_grid *g, const strata_level_plan *pl,
                          int level, FN(interp_state) *st, int threads)
{
    int done[4] = {0, 0, 0, 0};
    const size_t s = (size_t)1 << (level - 1);
    strata_line_params_init(&st->lp, pl->eb, st->lp.eb, st->lp.single, st->lp.tmax);
    st->cubic = pl->predictor == STRATA_PRED_CUBIC;
    if (pl->predictor == STRATA_PRED_MD) {
        for (unsigned i = 0; i < STRATA_MD_PASSES; i++) {
            strata_pass_geom pg;
            if (!strata_pass_geom_md_init(&pg, g, s, strata_md_pass_odd[i])) continue;
            if (st->mask) FN(pass)(op, 1, st, g, &pg, threads);
            else FN(pass)(op, 0, st, g, &pg, threads);
        }
        return;
    }
    for (int p = 0; p < 4; p++) {
        const int k = pl->order[p];
        strata_pass_geom pg;
        if (strata_pass_geom_init(&pg, g, s, k, done)) {
            if (st->mask) FN(pass)(op, 1, st, g, &pg, threads);
            else FN(pass)(op, 0, st, g, &pg, threads);
        }
        done[k] = 1;
    }
}

/* Plan estimate of one pass on a sample of its rows (about 16K points): the
 * summed costs (strata_est_cost) of linear and cubic, or of the multi-dimensional
 * predictor in cost[0], scaled to the whole pass. The costs are integers, so the
 * sums do not depend on their order and a parallel backend reproduces them. */
static void FN(estimate_pass)(const strata_grid *g, const T *v, const uint8_t *mask,
                              const strata_pass_geom *pg, double inv_step, double cost[2])
{
    double sum[2] = {0, 0};
    size_t sampled = 0;
    const size_t every = strata_est_every(pg->rows * pg->cnt[3], g->count);
    for (size_t o = 0; o < pg->rows; o += every) {
        FN(interp_state) st;
        memset(&st, 0, sizeof st);
        st.v = (T *)v; /* OP_ESTIMATE only reads */
        st.mask = mask;
        st.lp.inv_step = inv_step;
        size_t c[3];
        strata_pass_row(pg, o, c);
        if (pg->k < 0) {
            if (mask) FN(row_md)(OP_ESTIMATE, 1, &st, g, pg, c);
            else FN(row_md)(OP_ESTIMATE, 0, &st, g, pg, c);
        } else {
            if (mask) FN(row)(OP_ESTIMATE, 1, &st, g, pg, c);
            else FN(row)(OP_ESTIMATE, 0, &st, g, pg, c);
        }
        sum[0] += st.err[0];
        sum[1] += st.err[1];
        sampled += st.sampled;
    }
    const size_t points = pg->rows * pg->cnt[3];
    cost[0] = strata_pass_cost(sum[0], sampled, points);
    cost[1] = strata_pass_cost(sum[1], sampled, points);
}

/* One pass the plan estimates: level, and a 1D pass along k after the dimensions
 * in `set`, or (k < 0) the multi-dimensional pass of the points new along `set`. */
typedef struct {
    int level, k;
    unsigned set;
    double cost[2];
} FN(est_task);

static int FN(est_task_geom)(const strata_grid *g, const FN(est_task) *t, strata_pass_geom *pg)
{
    const size_t s = (size_t)1 << (t->level - 1);
    if (t->k < 0) return strata_pass_geom_md_init(pg, g, s, t->set);
    const int done[4] = {(int)(t->set & 1), (int)((t->set >> 1) & 1), (int)((t->set >> 2) & 1),
                         (int)((t->set >> 3) & 1)};
    return strata_pass_geom_init(pg, g, s, t->k, done);
}

/* The plan: per level, the candidate (order, linear or cubic, or the
 * multi-dimensional predictor) of smallest estimated cost; ties keep the first.
 * A 1D pass depends only on its level, its dimension and the dimensions passed
 * before it, so orders share passes: every distinct pass of every level is
 * estimated once, all of them in parallel (each sum is one thread's, in a fixed
 * order, so the plan does not depend on the thread count). Returns 0 when out
 * of memory. */
int FN(strata_interp_plan)(const strata_grid *g, const T *v, const uint8_t *mask,
                           double eb, unsigned coder, int threads, strata_level_plan *plan)
{
    uint8_t orders[STRATA_MAX_ORDERS][4];
    const int norders = strata_plan_orders(g, orders), md = strata_plan_md(g, coder);
    const int L = g->levels > 0 ? g->levels : 1;
    for (int l = 1; l <= L; l++) {
        plan[l - 1].eb = strata_level_eb(eb, l);
        plan[l - 1].predictor = STRATA_PRED_LINEAR;
        memcpy(plan[l - 1].order, orders[0], 4);
    }
    if (g->levels == 0) return 1;
    /* idx[L][k][set] indexes the 1D passes (-1: not a pass of any candidate). */
    const size_t nidx = (size_t)L * 64, maxt = (size_t)L * (64 + STRATA_MD_PASSES);
    int *idx = malloc(nidx * sizeof *idx);
    FN(est_task) *task = malloc(maxt * sizeof *task);
    if (!idx || !task) { free(idx); free(task); return 0; }
    size_t nt = 0;
    strata_pass_geom pg;
    for (size_t i = 0; i < nidx; i++) idx[i] = -1;
    for (int l = 1; l <= L; l++) {
        for (int o = 0; o < norders; o++) {
            unsigned set = 0;
            for (int p = 0; p < 4; p++) {
                const int k = orders[o][p];
                int *at = &idx[((size_t)(l - 1) * 4 + (size_t)k) * 16 + set];
                const FN(est_task) t = {l, k, set, {0, 0}};
                if (*at < 0 && FN(est_task_geom)(g, &t, &pg)) { *at = (int)nt; task[nt++] = t; }
                set |= 1u << k;
            }
        }
        for (unsigned i = 0; md && i < STRATA_MD_PASSES; i++) {
            const FN(est_task) t = {l, -1, strata_md_pass_odd[i], {0, 0}};
            if (FN(est_task_geom)(g, &t, &pg)) task[nt++] = t;
        }
    }
    #pragma omp parallel for num_threads(threads) schedule(dynamic, 1) if (threads > 1 && nt > 1)
    for (long long i = 0; i < (long long)nt; i++) {
        strata_pass_geom tg;
        FN(est_task_geom)(g, &task[i], &tg);
        FN(estimate_pass)(g, v, mask, &tg, 1.0 / (2.0 * plan[task[i].level - 1].eb), task[i].cost);
    }
    size_t t = 0;
    for (int l = 1; l <= L; l++) {
        strata_level_plan *pl = &plan[l - 1];
        double best = -1.0;
        for (int o = 0; o < norders; o++) {
            double cost[2] = {0.0, 0.0};
            unsigned set = 0;
            for (int p = 0; p < 4; p++) {
                const int k = orders[o][p], at = idx[((size_t)(l - 1) * 4 + (size_t)k) * 16 + set];
                if (at >= 0) { cost[0] += task[at].cost[0]; cost[1] += task[at].cost[1]; }
                set |= 1u << k;
            }
            for (int p = 0; p < 2; p++)
                if (best < 0 || cost[p] < best) {
                    best = cost[p];
                    pl->predictor = (uint8_t)p;
                    memcpy(pl->order, orders[o], 4);
                }
        }
        while (t < nt && task[t].level == l && task[t].k >= 0) t++;
        if (md) {
            double cost = 0.0;
            for (; t < nt && task[t].level == l; t++) cost += task[t].cost[0];
            if (cost < best) {
                pl->predictor = STRATA_PRED_MD;
                memcpy(pl->order, orders[0], 4);
            }
        }
    }
    free(idx);
    free(task);
    return 1;
}

/* The origin: predicted as 0.0 with the bin of the top level. */
static void FN(origin)(const int op, const strata_grid *g, const strata_level_plan *plan,
                       FN(interp_state) *st)
{
    const strata_level_plan *top = &plan[g->levels > 0 ? g->levels - 1 : 0];
    if (st->mask && st->mask[0]) return;
    strata_line_params_init(&st->lp, top->eb, st->lp.eb, st->lp.single, st->lp.tmax);
    FN(apply)(op, st, 0, 0, 0.0);
}

/* single: binary32 arithmetic (PARAMS arithmetic 1; float32 only). */
static void FN(interp_run)(const int op, const strata_grid *g, const strata_level_plan *plan, T *v,
                           uint16_t *codes, const uint8_t *mask, double eb, int single, int threads)
{
    FN(interp_state) st;
    memset(&st, 0, sizeof st);
    st.v = v; st.codes = codes; st.mask = mask;
    st.lp.eb = eb;
    st.lp.single = single;
    st.lp.tmax = sizeof(T) == 4 ? (double)FLT_MAX : DBL_MAX;
    FN(origin)(op, g, plan, &st);
    for (int l = g->levels; l >= 1; l--) FN(run_level)(op, g, &plan[l - 1], l, &st, threads);
}

void FN(strata_interp_encode)(const strata_grid *g, const strata_level_plan *plan, T *v,
                              uint16_t *codes, const uint8_t *mask, double eb, int single, int threads)
{
    FN(interp_run)(OP_ENCODE, g, plan, v, codes, mask, eb, single, threads);
}

void FN(strata_interp_decode)(const strata_grid *g, const strata_level_plan *plan, T *v,
                              const uint16_t *codes, const uint8_t *mask, int single, int threads)
{
    /* OP_DECODE only reads codes. */
    FN(interp_run)(OP_DECODE, g, plan, v, (uint16_t *)codes, mask, 0.0, single, threads);
}

#undef FN_SINGLE
#undef FN
#undef STRATA_CAT_
#undef STRATA_CAT2_
#undef T
#undef SFX
