/* gx_driver.c - the GPU codec's host side: the order of the device stages, the
 * few decisions taken on the host between them, and the container.
 *
 * Compression mirrors strata_compress() with coder = Huffman (src/compress.c),
 * stage for stage, so the bytes are the same:
 *   scan (mask, range) -> [host: bound, method] -> plan estimate -> [host: plan]
 *   -> origin + levels (codes straight into level order) -> Huffman segments
 *   (histogram, used lists, segmented sort, lengths, canonical codes, tables,
 *   bit chunks) -> UNPRED / SPECIALS compaction -> [host: sections with zstd,
 *   header, checksum].
 * The host steps at the end run the CPU's own section and header code on the
 * bodies copied back; they are part of the end-to-end time, not of the device
 * time (docs/gpu.md). Lossless and PSNR modes and zero-width bounds go to the
 * CPU codec.
 *
 * Decompression reads any stream: Huffman segments on the device, range-coded
 * segments on the host (then copied), raw and lossless streams and block
 * containers on the host. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/format.h"
#include "common/params_section.h"
#include "entropy/section.h"
#include "entropy/segments.h"
#include "gx_driver.h"
#include "strata_gpu.h"

/* The encoder's choices of src/compress.c (section.h). */
#define GX_ZSTD_CODES ZSTD_LEVEL_CODES
#define GX_ZSTD_BULK ZSTD_LEVEL_BULK
_Static_assert(GX_SEGMENT_LEN == STRATA_SEGMENT_LEN, "gpu/ and compress.c segment lengths differ");
#define GX_MEM_SLOTS 64
#define GX_SYNC_ROUNDS 6 /* even: the last round writes exit B */

typedef strata_gx_ctx gx_ctx;

/* ---- device allocations of one call, released together ---------------------------- */
typedef struct {
    gx_ctx *cx;
    void *p[GX_MEM_SLOTS];
    int n;
} gx_mem;

static void *gx_get(gx_mem *m, size_t bytes)
{
    if (m->n == GX_MEM_SLOTS) return NULL;
    void *p = strata_gx_alloc(m->cx, bytes ? bytes : 1);
    if (p) m->p[m->n++] = p;
    return p;
}

static void *gx_get_zero(gx_mem *m, size_t bytes)
{
    void *p = gx_get(m, bytes);
    if (p) strata_gx_zero(m->cx, p, bytes ? bytes : 1);
    return p;
}

static void gx_drop(gx_mem *m, void *p)
{
    for (int i = 0; i < m->n; i++)
        if (m->p[i] == p) {
            strata_gx_free(m->cx, p);
            m->p[i] = m->p[--m->n];
            return;
        }
}

static void gx_drop_all(gx_mem *m)
{
    while (m->n) strata_gx_free(m->cx, m->p[--m->n]);
}

static strata_status gx_sync(gx_ctx *cx) { return strata_gx_wait(cx); }

static uint64_t gx_host_u64(gx_ctx *cx, const uint64_t *d, strata_status *st)
{
    uint64_t v = 0;
    strata_gx_to_host(cx, &v, d, sizeof v);
    *st = gx_sync(cx);
    return v;
}

static void gx_set_grid(gx_grid *gg, const strata_grid *g)
{
    for (int i = 0; i < 4; i++) {
        gg->n[i] = g->n[i];
        gg->st[i] = g->st[i];
    }
}

/* ---- selection: values of the points whose bit is set, index order --------------- */
static strata_status gx_select_to_host(gx_ctx *cx, const uint32_t *d_bits, uint64_t n,
                                       const void *d_vals, size_t w, strata_buf *out)
{
    const uint64_t words = (n + 31) / 32;
    gx_mem mem = {cx, {0}, 0};
    strata_status st = STRATA_ERR_NOMEM;
    gx_select_args a;
    memset(&a, 0, sizeof a);
    a.bits = d_bits;
    a.n = n;
    a.count = (uint64_t *)gx_get_zero(&mem, (words + 1) * 8);
    a.off = (uint64_t *)gx_get(&mem, (words + 1) * 8);
    a.in = d_vals;
    if (!a.count || !a.off) goto done;
    strata_gx_run_gx_select_count(cx, &a, words);
    strata_gx_scan(cx, a.count, (uint64_t *)a.off, words + 1);
    const uint64_t total = gx_host_u64(cx, a.off + words, &st);
    if (st != STRATA_OK) goto done;
    st = STRATA_ERR_NOMEM;
    if (!strata_buf_reserve(out, total * w + 1)) goto done;
    if (total) {
        a.out = gx_get(&mem, total * w);
        if (!a.out) goto done;
        (w == 4 ? strata_gx_run_gx_select_gather_4 : strata_gx_run_gx_select_gather_8)(cx, &a, gx_tile_threads(n));
        strata_gx_to_host(cx, out->data + out->size, a.out, total * w);
    }
    st = gx_sync(cx);
    if (st == STRATA_OK) out->size += total * w;
done:
    gx_drop_all(&mem);
    return st;
}

/* The inverse: values[0..count) (host) go to the points whose bit is set. */
static strata_status gx_select_from_host(gx_ctx *cx, const uint32_t *d_bits, uint64_t n,
                                         const void *values, uint64_t count, size_t w, void *d_out)
{
    const uint64_t words = (n + 31) / 32;
    gx_mem mem = {cx, {0}, 0};
    gx_select_args a;
    memset(&a, 0, sizeof a);
    a.bits = d_bits;
    a.n = n;
    a.count = (uint64_t *)gx_get_zero(&mem, (words + 1) * 8);
    a.off = (uint64_t *)gx_get(&mem, (words + 1) * 8);
    void *d_vals = gx_get(&mem, count * w);
    strata_status st = STRATA_ERR_NOMEM;
    if (a.count && a.off && d_vals) {
        strata_gx_to_dev(cx, d_vals, values, count * w);
        a.in = d_vals;
        a.out = d_out;
        strata_gx_run_gx_select_count(cx, &a, words);
        strata_gx_scan(cx, a.count, (uint64_t *)a.off, words + 1);
        (w == 4 ? strata_gx_run_gx_select_scatter_4 : strata_gx_run_gx_select_scatter_8)(cx, &a, gx_tile_threads(n));
        st = gx_sync(cx);
    }
    gx_drop_all(&mem);
    return st;
}

/* NaN at the special points of the decomposition's working values (gx_interp_args.mask). */
static void gx_nan_specials(gx_ctx *cx, const uint32_t *d_mask, uint64_t n, size_t w, void *d_v)
{
    gx_select_args a;
    memset(&a, 0, sizeof a);
    a.bits = d_mask;
    a.n = n;
    a.out = d_v;
    (w == 4 ? strata_gx_run_gx_select_nan_4 : strata_gx_run_gx_select_nan_8)(cx, &a, gx_tile_threads(n));
}

/* Rank structure of a bitmap: per word, the set bits before it. */
static strata_status gx_bitmap_ranks(gx_ctx *cx, gx_mem *mem, const uint32_t *d_bits, uint64_t n,
                                     uint64_t **d_off, uint64_t *total)
{
    const uint64_t words = (n + 31) / 32;
    gx_select_args a;
    memset(&a, 0, sizeof a);
    a.bits = d_bits;
    a.n = n;
    a.count = (uint64_t *)gx_get_zero(mem, (words + 1) * 8);
    *d_off = (uint64_t *)gx_get(mem, (words + 1) * 8);
    if (!a.count || !*d_off) return STRATA_ERR_NOMEM;
    strata_gx_run_gx_select_count(cx, &a, words);
    strata_gx_scan(cx, a.count, *d_off, words + 1);
    strata_status st = STRATA_OK;
    if (total) *total = gx_host_u64(cx, *d_off + words, &st);
    gx_drop(mem, a.count);
    return st;
}

/* Level-order bitmap of the special points and its ranks (masked fields). */
static strata_status gx_special_ranks(gx_ctx *cx, gx_mem *mem, const gx_grid *gg, uint64_t n,
                                      const uint32_t *d_mask, uint32_t **lo_bits, uint64_t **lo_off)
{
    gx_mark_args a;
    memset(&a, 0, sizeof a);
    a.g = *gg;
    a.mask = d_mask;
    a.lo_bits = *lo_bits = (uint32_t *)gx_get_zero(mem, (n + 31) / 32 * 4);
    if (!a.lo_bits) return STRATA_ERR_NOMEM;
    strata_gx_run_gx_mark_special_lo(cx, &a, (n + 31) / 32);
    return gx_bitmap_ranks(cx, mem, *lo_bits, n, lo_off, NULL);
}

/* ---- plan: FN(strata_interp_plan) with the estimate on the device ------------------- */
/* One estimate pass: which level and candidate it belongs to (candidate o < norders:
 * an order; o == norders: the multi-dimensional predictor). */
typedef struct { int level, cand; uint64_t points; } gx_plan_pass;

static int gx_add_est_pass(gx_est_pass *ps, gx_plan_pass *pp, uint64_t *np, uint64_t *ntasks,
                           uint64_t *npoints, const gx_est_pass *e, int level, int cand,
                           size_t count)
{
    const uint64_t rows = e->L.cnt[0] * e->L.cnt[1] * e->L.cnt[2];
    gx_est_pass x = *e;
    x.every = strata_est_every((size_t)(rows * x.L.cnt[3]), count);
    x.task0 = *ntasks;
    x.point0 = *npoints;
    *ntasks += (rows - 1) / x.every + 1;
    *npoints += ((rows - 1) / x.every + 1) * x.L.cnt[3];
    pp[*np].level = level;
    pp[*np].cand = cand;
    pp[*np].points = rows * x.L.cnt[3];
    ps[(*np)++] = x;
    return 1;
}

static strata_status gx_plan(gx_ctx *cx, const strata_grid *g, const gx_grid *gg, const void *d_src,
                             strata_dtype dt, const uint32_t *d_mask, double eb,
                             strata_level_plan *plan)
{
    uint8_t orders[STRATA_MAX_ORDERS][4];
    const int norders = strata_plan_orders(g, orders), md = strata_plan_md(g, STRATA_CODER_HUFFMAN); /* the coder the GPU writes */
    const int L = g->levels > 0 ? g->levels : 1;
    for (int l = 1; l <= L; l++) {
        plan[l - 1].eb = strata_level_eb(eb, l);
        plan[l - 1].predictor = STRATA_PRED_LINEAR;
        memcpy(plan[l - 1].order, orders[0], 4);
    }
    if (g->levels == 0) return STRATA_OK;
    /* Every pass of every candidate of every level; at most 4 per order, 15 for md. */
    const size_t maxp = (size_t)L * (4 * (size_t)norders + STRATA_MD_PASSES);
    gx_est_pass *ps = (gx_est_pass *)malloc(sizeof *ps * maxp);
    gx_plan_pass *pp = (gx_plan_pass *)malloc(sizeof *pp * maxp);
    uint64_t *et = (uint64_t *)malloc(8 * (maxp + 1));
    double *tot0 = (double *)malloc(8 * maxp), *tot1 = (double *)malloc(8 * maxp);
    uint64_t *totc = (uint64_t *)malloc(8 * maxp);
    strata_status st = STRATA_ERR_NOMEM;
    if (!ps || !pp || !et || !tot0 || !tot1 || !totc) goto out;
    uint64_t np = 0, ntasks = 0, npoints = 0;
    for (int l = 1; l <= L; l++) {
        const uint64_t s = (uint64_t)1 << (l - 1);
        gx_est_pass e;
        memset(&e, 0, sizeof e);
        e.s = s;
        e.inv_step = 1.0 / (2.0 * plan[l - 1].eb);
        for (int o = 0; o < norders; o++) {
            int done[4] = {0, 0, 0, 0};
            for (int p = 0; p < 4; p++) {
                const int k = orders[o][p];
                if (gx_pass_init(&e.L, gg, s, k, done)) {
                    e.ds = s * gg->st[k];
                    e.k = k;
                    e.odd = 0;
                    gx_add_est_pass(ps, pp, &np, &ntasks, &npoints, &e, l, o, g->count);
                }
                done[k] = 1;
            }
        }
        for (unsigned i = 0; md && i < STRATA_MD_PASSES; i++)
            if (gx_pass_md_init(&e.L, gg, s, strata_md_pass_odd[i])) {
                e.ds = 0;
                e.k = -1;
                e.odd = strata_md_pass_odd[i];
                gx_add_est_pass(ps, pp, &np, &ntasks, &npoints, &e, l, norders, g->count);
            }
    }
    /* One entry per pass: the device sums each pass; the host weighs them. */
    for (uint64_t i = 0; i < np; i++) et[i] = ps[i].task0;
    et[np] = ntasks;
    uint64_t nchunks = 0;
    for (uint64_t i = 0; i < np; i++) {
        ps[i].chunk0 = nchunks;
        nchunks += (et[i + 1] - et[i]) * ((ps[i].L.cnt[3] + GX_EST_CHUNK - 1) / GX_EST_CHUNK);
    }
    {
        gx_mem mem = {cx, {0}, 0};
        gx_est_args a;
        memset(&a, 0, sizeof a);
        a.g = *gg;
        a.src = d_src;
        a.mask = d_mask;
        a.npasses = np;
        a.ntasks = ntasks;
        a.npoints = npoints;
        gx_est_pass *d_ps = (gx_est_pass *)gx_get(&mem, sizeof *ps * np);
        uint64_t *d_et = (uint64_t *)gx_get(&mem, 8 * (np + 1));
        a.pe0 = (double *)gx_get(&mem, 8 * npoints);
        a.pe1 = (double *)gx_get(&mem, 8 * npoints);
        a.pv = (uint8_t *)gx_get(&mem, npoints);
        a.err0 = (double *)gx_get_zero(&mem, 8 * ntasks);
        a.err1 = (double *)gx_get_zero(&mem, 8 * ntasks);
        a.cnt = (uint64_t *)gx_get_zero(&mem, 8 * ntasks);
        a.tot0 = (double *)gx_get(&mem, 8 * np);
        a.tot1 = (double *)gx_get(&mem, 8 * np);
        a.tot_cnt = (uint64_t *)gx_get(&mem, 8 * np);
        if (d_ps && d_et && a.pe0 && a.pe1 && a.pv && a.err0 && a.err1 && a.cnt && a.tot0 && a.tot1 &&
            a.tot_cnt) {
            strata_gx_to_dev(cx, d_ps, ps, sizeof *ps * np);
            strata_gx_to_dev(cx, d_et, et, 8 * (np + 1));
            a.passes = d_ps;
            a.entry_task0 = d_et;
            if (dt == STRATA_FLOAT32) strata_gx_run_gx_est_point_f32(cx, &a, npoints);
            else strata_gx_run_gx_est_point_f64(cx, &a, npoints);
            strata_gx_run_gx_est_row(cx, &a, nchunks);
            strata_gx_run_gx_est_sum(cx, &a, np);
            strata_gx_to_host(cx, tot0, a.tot0, 8 * np);
            strata_gx_to_host(cx, tot1, a.tot1, 8 * np);
            strata_gx_to_host(cx, totc, a.tot_cnt, 8 * np);
            st = gx_sync(cx);
        }
        gx_drop_all(&mem);
    }
    if (st != STRATA_OK) goto out;
    /* The choice exactly as FN(strata_interp_plan): the costs are integers, so the
     * device's sums equal the CPU's; each pass weighs as strata_pass_cost says. */
    for (int l = 1, i = 0; l <= L; l++) {
        strata_level_plan *pl = &plan[l - 1];
        double best = -1.0;
        for (int o = 0; o <= norders; o++) {
            double cost[2] = {0, 0};
            for (; i < (int)np && pp[i].level == l && pp[i].cand == o; i++) {
                cost[0] += strata_pass_cost(tot0[i], (size_t)totc[i], (size_t)pp[i].points);
                cost[1] += strata_pass_cost(tot1[i], (size_t)totc[i], (size_t)pp[i].points);
            }
            if (o < norders) {
                for (int p = 0; p < 2; p++)
                    if (best < 0 || cost[p] < best) {
                        best = cost[p];
                        pl->predictor = (uint8_t)p;
                        memcpy(pl->order, orders[o], 4);
                    }
            } else if (md && cost[0] < best) {
                pl->predictor = STRATA_PRED_MD;
                memcpy(pl->order, orders[0], 4);
            }
        }
    }
out:
    free(ps);
    free(pp);
    free(et);
    free(tot0);
    free(tot1);
    free(totc);
    return st;
}

/* ---- the decomposition: origin, then levels L..1, one launch per pass ------------- */
/* Threads per row of a pass (gx_interp_body.h): as few as keep about 2^21 threads in
 * the launch, enough to fill the device, and at least a warp's 32. */
static uint64_t gx_row_lanes(uint64_t rows, uint64_t cols)
{
    uint64_t lanes = 32;
    while (lanes < cols && rows * lanes < ((uint64_t)1 << 21)) lanes *= 2;
    return lanes < cols ? lanes : cols;
}

/* One pass of the decomposition over the lattice a->L. */
static void gx_run_pass(gx_ctx *cx, int decode, int f32, gx_interp_args *a)
{
    const uint64_t rows = a->L.cnt[0] * a->L.cnt[1] * a->L.cnt[2];
    a->lanes = gx_row_lanes(rows, a->L.cnt[3]);
    if (decode) (f32 ? strata_gx_run_gx_interp_dec_f32 : strata_gx_run_gx_interp_dec_f64)(cx, a, rows, a->lanes);
    else (f32 ? strata_gx_run_gx_interp_enc_f32 : strata_gx_run_gx_interp_enc_f64)(cx, a, rows, a->lanes);
}

static void gx_decompose(gx_ctx *cx, int decode, strata_dtype dt, const strata_grid *g,
                         const strata_level_plan *plan, const gx_interp_args *proto)
{
    gx_interp_args a = *proto;
    const int f32 = dt == STRATA_FLOAT32;
    const strata_level_plan *top = &plan[g->levels > 0 ? g->levels - 1 : 0];
    strata_line_params_init(&a.lp, top->eb, a.lp.eb, a.lp.single, a.lp.tmax);
    if (decode) (f32 ? strata_gx_run_gx_origin_dec_f32 : strata_gx_run_gx_origin_dec_f64)(cx, &a, 1);
    else (f32 ? strata_gx_run_gx_origin_enc_f32 : strata_gx_run_gx_origin_enc_f64)(cx, &a, 1);
    for (int l = g->levels; l >= 1; l--) {
        const strata_level_plan *pl = &plan[l - 1];
        const uint64_t s = (uint64_t)1 << (l - 1);
        int done[4] = {0, 0, 0, 0};
        strata_line_params_init(&a.lp, pl->eb, a.lp.eb, a.lp.single, a.lp.tmax);
        a.cubic = pl->predictor == STRATA_PRED_CUBIC;
        a.odd = 0;
        a.s = s;
        a.gt = (unsigned)(l - 1);
        uint64_t h[4];
        for (int j = 0; j < 4; j++) {
            a.gm[j] = ((a.g.n[j] - 1) >> a.gt) + 1;
            h[j] = ((a.g.n[j] - 1) >> (a.gt + 1)) + 1;
        }
        a.gbase = h[0] * h[1] * h[2] * h[3];
        a.ghp[0] = h[1] * h[2] * h[3];
        a.ghp[1] = h[2] * h[3];
        a.ghp[2] = h[3];
        a.ghp[3] = 1;
        if (pl->predictor == STRATA_PRED_MD) {
            for (unsigned i = 0; i < STRATA_MD_PASSES; i++) {
                if (!gx_pass_md_init(&a.L, &a.g, s, strata_md_pass_odd[i])) continue;
                a.k = -1;
                a.ds = 0;
                a.odd = strata_md_pass_odd[i];
                gx_run_pass(cx, decode, f32, &a);
            }
            continue;
        }
        for (int p = 0; p < 4; p++) {
            const int k = pl->order[p];
            if (gx_pass_init(&a.L, &a.g, s, k, done)) {
                a.k = k;
                a.ds = s * a.g.st[k];
                gx_run_pass(cx, decode, f32, &a);
            }
            done[k] = 1;
        }
    }
}

/* ---- Huffman segments: encode ------------------------------------------------------ */
static strata_status gx_codes_encode_dev(gx_ctx *cx, const uint16_t *d_sym, uint64_t nsym,
                                         uint8_t **body_out, size_t *body_size)
{
    const uint64_t S = GX_SEGMENT_LEN, nseg = (nsym + S - 1) / S;
    gx_mem mem = {cx, {0}, 0};
    strata_status st = STRATA_ERR_NOMEM;
    uint8_t *flags = NULL, *hbody = NULL;
    gx_huff_args a;
    memset(&a, 0, sizeof a);
    a.nseg = nseg;
    a.nsym = nsym;
    a.seg_len = S;
    a.chunks_per_seg = S / GX_CHUNK;
    a.sym = d_sym;
    a.data0 = 16 + 8 * nseg;
    *body_out = NULL;
    if (nseg == 0) {
        hbody = (uint8_t *)calloc(16, 1);
        if (!hbody) return STRATA_ERR_NOMEM;
        gx_put_le(hbody + 8, S, 4);
        *body_out = hbody;
        *body_size = 16;
        return STRATA_OK;
    }
    /* Histograms, then each segment's used symbols (ascending) and their sort keys. */
    uint32_t *hist = (uint32_t *)gx_get_zero(&mem, nseg * 65536 * 4);
    uint64_t *m = (uint64_t *)gx_get_zero(&mem, (nseg + 1) * 8);
    uint64_t *used_off = (uint64_t *)gx_get(&mem, (nseg + 1) * 8);
    if (!hist || !m || !used_off) goto done;
    strata_gx_histogram(cx, d_sym, nsym, S, hist);
    strata_gx_hist_count(cx, hist, nseg, m);
    strata_gx_scan(cx, m, used_off, nseg + 1);
    const uint64_t M = gx_host_u64(cx, used_off + nseg, &st);
    if (st != STRATA_OK) goto done;
    st = STRATA_ERR_NOMEM;
    a.used_off = used_off;
    a.used_sym = (uint16_t *)gx_get(&mem, M * 2);
    a.used_freq = (uint32_t *)gx_get(&mem, M * 4);
    uint64_t *keys = (uint64_t *)gx_get(&mem, M * 8);
    a.keys = (uint64_t *)gx_get(&mem, M * 8);
    a.w = (uint64_t *)gx_get(&mem, M * 16);
    a.parent = (int32_t *)gx_get(&mem, M * 8);
    a.len = (uint8_t *)gx_get(&mem, M);
    a.flag = (uint8_t *)gx_get_zero(&mem, nseg);
    a.nflag = (uint32_t *)gx_get_zero(&mem, 4);
    a.tbytes = (uint64_t *)gx_get(&mem, nseg * 8);
    a.seg_size = (uint64_t *)gx_get_zero(&mem, (nseg + 1) * 8);
    a.seg_off = (uint64_t *)gx_get(&mem, (nseg + 1) * 8);
    if (!a.used_sym || !a.used_freq || !keys || !a.keys || !a.w || !a.parent || !a.len || !a.flag ||
        !a.nflag || !a.tbytes || !a.seg_size || !a.seg_off)
        goto done;
    strata_gx_hist_compact(cx, hist, nseg, used_off, (uint16_t *)a.used_sym,
                           (uint32_t *)a.used_freq, keys);
    strata_gx_sort_segments(cx, keys, (uint64_t *)a.keys, M, nseg, used_off);
    /* Code lengths; the rare segment that needs flattening goes to the CPU's code. */
    strata_gx_run_gx_huff_lengths(cx, &a, nseg);
    uint32_t nflag = 0;
    strata_gx_to_host(cx, &nflag, a.nflag, 4);
    if ((st = gx_sync(cx)) != STRATA_OK) goto done;
    if (nflag) {
        st = STRATA_ERR_NOMEM;
        flags = (uint8_t *)malloc(nseg);
        uint64_t *hoff = (uint64_t *)malloc((nseg + 1) * 8);
        uint16_t *hsym = (uint16_t *)malloc(S * 2), *hused = (uint16_t *)malloc(65536 * 2);
        uint8_t *hlen = (uint8_t *)malloc(65536);
        int ok = flags && hoff && hsym && hused && hlen;
        if (ok) {
            strata_gx_to_host(cx, flags, a.flag, nseg);
            strata_gx_to_host(cx, hoff, used_off, (nseg + 1) * 8);
            ok = strata_gx_wait(cx) == STRATA_OK;
        }
        for (uint64_t s = 0; ok && s < nseg; s++) {
            if (!flags[s]) continue;
            const uint64_t lo = s * S, n = gx_seg_symbols(s, S, nsym), mm = hoff[s + 1] - hoff[s];
            strata_gx_to_host(cx, hsym, d_sym + lo, n * 2);
            strata_gx_to_host(cx, hused, a.used_sym + hoff[s], mm * 2);
            ok = strata_gx_wait(cx) == STRATA_OK && strata_gx_ref_lengths(hsym, n, hused, mm, hlen);
            if (ok) strata_gx_to_dev(cx, a.len + hoff[s], hlen, mm);
        }
        free(hoff); free(hsym); free(hused); free(hlen);
        if (!ok) {
            st = strata_gx_error(cx) != STRATA_OK ? strata_gx_error(cx) : STRATA_ERR_NOMEM;
            goto done;
        }
    }
    /* Canonical codes (into the histogram's memory), sizes, offsets. */
    a.table = hist;
    strata_gx_run_gx_huff_canon(cx, &a, nseg);
    strata_gx_scan(cx, a.seg_size, (uint64_t *)a.seg_off, nseg + 1);
    const uint64_t total = gx_host_u64(cx, a.seg_off + nseg, &st);
    if (st != STRATA_OK) goto done;
    st = STRATA_ERR_NOMEM;
    const uint64_t size = a.data0 + total;
    a.body = (uint8_t *)gx_get_zero(&mem, (size + 3) / 4 * 4 + 8);
    const uint64_t nlast = gx_seg_symbols(nseg - 1, S, nsym);
    const uint64_t nchunks = (nseg - 1) * a.chunks_per_seg + (nlast + GX_CHUNK - 1) / GX_CHUNK;
    a.chunk_bits = (uint64_t *)gx_get_zero(&mem, (nchunks + 1) * 8);
    a.chunk_pos = (uint64_t *)gx_get(&mem, (nchunks + 1) * 8);
    hbody = (uint8_t *)malloc(size);
    if (!a.body || !a.chunk_bits || !a.chunk_pos || !hbody) goto done;
    strata_gx_run_gx_huff_table(cx, &a, nseg);
    strata_gx_run_gx_huff_chunk_bits(cx, &a, nchunks);
    strata_gx_scan(cx, a.chunk_bits, (uint64_t *)a.chunk_pos, nchunks + 1);
    strata_gx_run_gx_huff_chunk_write(cx, &a, nchunks);
    strata_gx_to_host(cx, hbody, a.body, size);
    st = gx_sync(cx);
    if (st == STRATA_OK) {
        *body_out = hbody;
        *body_size = size;
        hbody = NULL;
    }
done:
    free(hbody);
    free(flags);
    gx_drop_all(&mem);
    return st;
}

/* ---- Huffman segments: decode -------------------------------------------------------- */
static strata_status gx_codes_decode_dev(gx_ctx *cx, const uint8_t *src, size_t size,
                                         uint64_t count, uint16_t *d_sym)
{
    STRATA_RETURN_IF(size < 16, STRATA_ERR_CORRUPT);
    const uint64_t total = strata_get_u64(src), S = strata_get_u32(src + 8),
                   nseg = strata_get_u32(src + 12);
    STRATA_RETURN_IF(total != count || S == 0, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(nseg != (count + S - 1) / S, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF((size - 16) / 8 < nseg, STRATA_ERR_CORRUPT);
    if (nseg == 0) return size == 16 ? STRATA_OK : STRATA_ERR_CORRUPT;
    uint64_t *h = (uint64_t *)malloc((4 * nseg + 1) * 8);
    STRATA_RETURN_IF(!h, STRATA_ERR_NOMEM);
    uint64_t *seg_start = h, *seg_size = h + nseg, *sorted_off = h + 2 * nseg, *sub_off = h + 3 * nseg;
    strata_status st = STRATA_ERR_CORRUPT;
    gx_mem mem = {cx, {0}, 0};
    uint64_t pos = 16 + nseg * 8, msum = 0, nsub = 0;
    for (uint64_t i = 0; i < nseg; i++) {
        const uint64_t sz = strata_get_u64(src + 16 + 8 * i);
        if (sz > size - pos) goto done;
        seg_start[i] = pos;
        seg_size[i] = sz;
        pos += sz;
    }
    if (pos != size) goto done;
    for (uint64_t i = 0; i < nseg; i++) {
        const uint8_t *p = src + seg_start[i];
        uint64_t m;
        if (!strata_get_varint(&p, src + seg_start[i] + seg_size[i], &m) || m == 0 || m > 65536) goto done;
        sorted_off[i] = msum;
        msum += m;
        sub_off[i] = nsub;
        const uint64_t ns = (seg_size[i] * 8 + GX_SUBSEQ_BITS - 1) / GX_SUBSEQ_BITS;
        nsub += ns ? ns : 1;
    }
    sub_off[nseg] = nsub;
    st = STRATA_ERR_NOMEM;
    gx_hdec_args a;
    memset(&a, 0, sizeof a);
    a.nseg = nseg;
    a.nsym = count;
    a.seg_len = S;
    const size_t wbytes = (size + 3) / 4 * 4 + 16; /* zero padded: the reader loads whole words */
    uint32_t *words = (uint32_t *)gx_get(&mem, wbytes);
    uint64_t *d_h = (uint64_t *)gx_get(&mem, (4 * nseg + 1) * 8);
    a.sorted = (uint16_t *)gx_get(&mem, msum * 2);
    a.tables = (gx_hdec_table *)gx_get(&mem, nseg * sizeof(gx_hdec_table));
    a.start = (uint64_t *)gx_get(&mem, nsub * 8);
    uint64_t *exA = (uint64_t *)gx_get(&mem, nsub * 8), *exB = (uint64_t *)gx_get(&mem, nsub * 8);
    a.cnt = (uint64_t *)gx_get_zero(&mem, (nsub + 1) * 8);
    a.sym_off = (uint64_t *)gx_get(&mem, (nsub + 1) * 8);
    a.err = (uint32_t *)gx_get_zero(&mem, 4);
    uint32_t *moved = (uint32_t *)gx_get_zero(&mem, nseg * 4);
    if (!words || !d_h || !a.sorted || !a.tables || !a.start || !exA || !exB || !a.cnt || !a.sym_off ||
        !a.err || !moved)
        goto done;
    strata_gx_zero(cx, (uint8_t *)words + size / 4 * 4, wbytes - size / 4 * 4);
    strata_gx_to_dev(cx, words, src, size);
    strata_gx_to_dev(cx, d_h, h, (4 * nseg + 1) * 8);
    a.words = words;
    a.seg_start = d_h;
    a.seg_size = d_h + nseg;
    a.sorted_off = d_h + 2 * nseg;
    a.sub_off = d_h + 3 * nseg;
    a.out = d_sym;
    strata_gx_run_gx_hdec_parse(cx, &a, nseg);
    /* Rounds 0..5 (exit A, B, A, ...; later rounds only redo what moved), then
     * the sequential settling on the last round's exits (B). */
    uint64_t *ex[2] = {exA, exB};
    for (int r = 0; r < GX_SYNC_ROUNDS; r++) {
        a.round = r;
        a.exit_in = ex[(r + 1) & 1];
        a.exit_out = ex[r & 1];
        a.moved = r == GX_SYNC_ROUNDS - 1 ? moved : NULL; /* what the last round still moved */
        strata_gx_run_gx_hdec_sync(cx, &a, nsub);
    }
    a.moved = moved;
    strata_gx_run_gx_hdec_fixup(cx, &a, nseg);
    strata_gx_scan(cx, a.cnt, (uint64_t *)a.sym_off, nsub + 1);
    strata_gx_run_gx_hdec_check(cx, &a, nseg);
    strata_gx_run_gx_hdec_write(cx, &a, nsub);
    uint32_t err = 1;
    strata_gx_to_host(cx, &err, a.err, 4);
    st = gx_sync(cx);
    if (st == STRATA_OK && err) st = STRATA_ERR_CORRUPT;
done:
    gx_drop_all(&mem);
    free(h);
    return st;
}

/* ---- compression ------------------------------------------------------------------ */
/* The field in host memory (a copy if it is on the device); *owned to free. */
static strata_status gx_host_copy(gx_ctx *cx, const void *src, int src_dev, size_t bytes,
                                  const void **h, void **owned)
{
    *owned = NULL;
    *h = src;
    if (!src_dev) return STRATA_OK;
    *owned = malloc(bytes ? bytes : 1);
    STRATA_RETURN_IF(!*owned, STRATA_ERR_NOMEM);
    strata_gx_to_host(cx, *owned, src, bytes);
    *h = *owned;
    return strata_gx_wait(cx);
}

/* Lossless mode, zero-width bounds (which the CPU codes losslessly) and PSNR mode
 * (trial encodings, each with the CPU's squared error): the CPU codec. */
static strata_status gx_compress_on_host(gx_ctx *cx, const strata_field *f, const void *src,
                                         int src_dev, const strata_params *p, void *dst,
                                         size_t cap, size_t *dst_size)
{
    const void *h;
    void *owned;
    strata_status st = gx_host_copy(cx, src, src_dev, strata_field_count(f) * strata_dtype_size(f->dtype), &h, &owned);
    if (st == STRATA_OK) {
        strata_params q = *p;
        q.coder = STRATA_CODER_HUFFMAN;
        st = strata_compress(f, h, &q, dst, cap, dst_size);
    }
    free(owned);
    return st;
}

/* Everything between the scan and the container: the payload of method 1. */
static strata_status gx_encode_interp(gx_ctx *cx, const strata_field *f, const void *d_src, size_t n,
                                      const uint32_t *d_mask, uint64_t specials, double eb,
                                      int binary32, int threads, strata_buf *payload)
{
    const size_t w = strata_dtype_size(f->dtype);
    const uint64_t words = (n + 31) / 32;
    strata_grid g;
    strata_grid_init(&g, f);
    gx_grid gg;
    gx_set_grid(&gg, &g);
    const uint32_t *mask = specials ? d_mask : NULL;
    strata_level_plan plan[STRATA_MAX_LEVELS];
    STRATA_FORWARD(gx_plan(cx, &g, &gg, d_src, f->dtype, mask, eb, plan));

    gx_mem mem = {cx, {0}, 0};
    strata_status st = STRATA_ERR_NOMEM;
    uint8_t *body = NULL;
    size_t body_size = 0;
    strata_buf tmp = {0};
    gx_interp_args a;
    memset(&a, 0, sizeof a);
    a.g = gg;
    a.lp.eb = eb;
    a.lp.single = binary32;
    a.src = d_src;
    a.mask = mask;
    if (mask) {
        uint32_t *lo_bits;
        uint64_t *lo_off;
        if ((st = gx_special_ranks(cx, &mem, &gg, n, mask, &lo_bits, &lo_off)) != STRATA_OK) goto done;
        st = STRATA_ERR_NOMEM;
        a.lo_bits = lo_bits;
        a.lo_off = lo_off;
    }
    const uint64_t nsym = n - specials;
    a.sym = (uint16_t *)gx_get(&mem, nsym * 2);
    a.v = gx_get(&mem, n * w);
    a.unpred_bits = (uint32_t *)gx_get_zero(&mem, words * 4);
    if (!a.sym || !a.v || !a.unpred_bits) goto done;
    if (mask) gx_nan_specials(cx, mask, n, w, a.v);
    gx_decompose(cx, 0, f->dtype, &g, plan, &a);
    gx_drop(&mem, a.v);
    if ((st = gx_codes_encode_dev(cx, a.sym, nsym, &body, &body_size)) != STRATA_OK) goto done;

    uint8_t params[STRATA_PARAMS_HEAD + STRATA_MAX_LEVELS * STRATA_PARAMS_PER_LEVEL];
    strata_params_write(&g, plan, STRATA_CODER_HUFFMAN, binary32, params);
    strata_section_append(payload, STRATA_SEC_PARAMS, params, strata_params_size(&g), STRATA_STORE, 1);
    if (specials) {
        st = STRATA_ERR_NOMEM;
        if (!strata_buf_reserve(&tmp, words * 4)) goto done;
        strata_gx_to_host(cx, tmp.data, d_mask, words * 4);
        if ((st = gx_sync(cx)) != STRATA_OK) goto done;
        strata_section_append(payload, STRATA_SEC_MASK, tmp.data, (n + 7) / 8, GX_ZSTD_CODES, threads);
        if ((st = gx_select_to_host(cx, d_mask, n, d_src, w, &tmp)) != STRATA_OK) goto done;
        strata_section_append(payload, STRATA_SEC_SPECIALS, tmp.data, tmp.size, GX_ZSTD_CODES, threads);
        tmp.size = 0;
    }
    strata_section_append(payload, STRATA_SEC_CODES, body, body_size, GX_ZSTD_CODES, threads);
    if ((st = gx_select_to_host(cx, a.unpred_bits, n, d_src, w, &tmp)) != STRATA_OK) goto done;
    strata_section_append(payload, STRATA_SEC_UNPRED, tmp.data, tmp.size, GX_ZSTD_BULK, threads);
    st = tmp.failed || payload->failed ? STRATA_ERR_NOMEM : STRATA_OK;
done:
    free(body);
    strata_buf_free(&tmp);
    gx_drop_all(&mem);
    return st;
}

strata_status strata_gx_compress(gx_ctx *cx, const strata_field *f, const void *src, int src_dev,
                                 const strata_params *p, void *dst, size_t cap, size_t *dst_size)
{
    STRATA_FORWARD(strata_check_compress_args(f, src, p, dst, dst_size));
    /* The GPU writes coder 1 only (the context coders are sequential per segment). */
    STRATA_RETURN_IF(p->coder != STRATA_CODER_DEFAULT && p->coder != STRATA_CODER_HUFFMAN, STRATA_ERR_UNSUPPORTED);
    if (p->mode == STRATA_MODE_LOSSLESS || p->mode == STRATA_MODE_PSNR)
        return gx_compress_on_host(cx, f, src, src_dev, p, dst, cap, dst_size);
    const size_t n = strata_field_count(f), w = strata_dtype_size(f->dtype);

    strata_header h;
    strata_header_init(&h, f, p);

    gx_mem mem = {cx, {0}, 0};
    strata_buf payload = {0};
    strata_status st = STRATA_ERR_NOMEM;
    const void *d_src = src, *hsrc = NULL;
    void *owned = NULL;
    if (!src_dev || (uintptr_t)src % w) {
        void *c = gx_get(&mem, n * w);
        if (!c) goto done;
        if (src_dev) strata_gx_copy(cx, c, src, n * w);
        else strata_gx_to_dev(cx, c, src, n * w);
        d_src = c;
    }
    uint32_t *d_mask = (uint32_t *)gx_get(&mem, (n + 31) / 32 * 4);
    if (!d_mask) goto done;
    strata_gx_scan_result scan;
    strata_gx_field_scan(cx, d_src, f->dtype, n, f->has_fill, h.info.field.fill_value, d_mask, &scan);
    if ((st = gx_sync(cx)) != STRATA_OK) goto done;
    h.info.valid_min = scan.vmin;
    h.info.valid_max = scan.vmax;
    const double eb = strata_resolve_abs_bound(p->mode, p->bound, scan.vmin, scan.vmax);
    if (!(eb > 0)) {
        gx_drop_all(&mem);
        return gx_compress_on_host(cx, f, src, src_dev, p, dst, cap, dst_size);
    }
    h.method = STRATA_METHOD_INTERP;
    h.info.abs_bound = eb;
    h.binary32 = strata_choose_binary32(f->dtype, eb, scan.vmin, scan.vmax);
    st = gx_encode_interp(cx, &h.info.field, d_src, n, d_mask, scan.specials, eb, h.binary32,
                          strata_thread_count(p->threads), &payload);
    if (st == STRATA_OK && payload.size >= n * w) {
        /* Stored raw, as the CPU does when nothing is gained. */
        h.method = STRATA_METHOD_RAW;
        payload.size = 0;
        if ((st = gx_host_copy(cx, src, src_dev, n * w, &hsrc, &owned)) != STRATA_OK) goto done;
        strata_section_append(&payload, STRATA_SEC_RAW, hsrc, n * w, STRATA_STORE, 1);
        if (payload.failed) st = STRATA_ERR_NOMEM;
    }
    if (st == STRATA_OK) st = strata_stream_write(&h, payload.data, payload.size, dst, cap, dst_size);
done:
    free(owned);
    strata_buf_free(&payload);
    gx_drop_all(&mem);
    return st;
}

/* ---- decompression ----------------------------------------------------------------- */
static strata_status gx_decode_interp(gx_ctx *cx, const strata_header *hd, const strata_section *sec,
                                      uint8_t *dst, int dst_dev)
{
    const strata_field *f = &hd->info.field;
    const size_t n = hd->count, w = strata_dtype_size(f->dtype);
    const uint64_t words = (n + 31) / 32;
    strata_grid g;
    strata_grid_init(&g, f);
    gx_grid gg;
    gx_set_grid(&gg, &g);
    strata_level_plan plan[STRATA_MAX_LEVELS];
    const int threads = strata_thread_count(0); /* host steps: every core */
    /* The checks of decode_interp() (src/decompress.c), same order and statuses. */
    const strata_section *ps = &sec[STRATA_SEC_PARAMS];
    STRATA_RETURN_IF(!ps->present || ps->coding != STRATA_CODING_STORED, STRATA_ERR_CORRUPT);
    unsigned coder_id;
    int binary32;
    STRATA_RETURN_IF(!strata_params_read(&g, hd, ps->data, ps->stored_size, plan, &coder_id, &binary32),
                     STRATA_ERR_CORRUPT);
    const strata_segment_coder *coder = strata_segment_coder_get(coder_id);
    STRATA_RETURN_IF(!coder, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(!sec[STRATA_SEC_CODES].present || sec[STRATA_SEC_RAW].present, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(sec[STRATA_SEC_MASK].present != sec[STRATA_SEC_SPECIALS].present, STRATA_ERR_CORRUPT);

    gx_mem mem = {cx, {0}, 0};
    strata_status st = STRATA_ERR_NOMEM;
    uint32_t *bits = NULL;
    uint8_t *raw = NULL, *vals = NULL, *svals = NULL, *mbytes = NULL;
    uint16_t *hsym = NULL;
    uint64_t specials = 0;
    gx_interp_args a;
    memset(&a, 0, sizeof a);
    a.g = gg;
    a.lp.single = binary32;
    if (sec[STRATA_SEC_MASK].present) {
        bits = (uint32_t *)calloc(words + 1, 4);
        if (!bits) goto done;
        st = strata_section_load(&sec[STRATA_SEC_MASK], bits, (n + 7) / 8, threads);
        if (st != STRATA_OK) goto done;
        for (uint64_t i = 0; i < words; i++) specials += gx_popc32(bits[i]);
        st = STRATA_ERR_CORRUPT;
        if (specials == 0) goto done;
        const uint8_t *mb = (const uint8_t *)bits; /* bits past the last point: decompress.c */
        if ((n & 7) && mb[n >> 3] >> (n & 7)) goto done;
        st = STRATA_ERR_NOMEM;
        uint32_t *d_mask = (uint32_t *)gx_get(&mem, words * 4);
        if (!d_mask) goto done;
        strata_gx_to_dev(cx, d_mask, bits, words * 4);
        a.mask = d_mask;
    }
    const uint64_t nsym = n - specials;
    a.sym = (uint16_t *)gx_get(&mem, nsym * 2);
    if (!a.sym) goto done;
    const strata_section *cs = &sec[STRATA_SEC_CODES];
    const uint8_t *body = cs->data;
    size_t body_size = cs->stored_size;
    if (cs->coding == STRATA_CODING_ZSTD) {
        st = STRATA_ERR_CORRUPT;
        if (cs->raw_size > (uint64_t)n * 4 + 65536) goto done; /* decompress.c's cap */
        st = STRATA_ERR_NOMEM;
        raw = (uint8_t *)malloc((size_t)cs->raw_size + 1);
        if (!raw) goto done;
        if ((st = strata_section_load(cs, raw, (size_t)cs->raw_size, threads)) != STRATA_OK) goto done;
        body = raw;
        body_size = (size_t)cs->raw_size;
    }
    if (coder_id == STRATA_CODER_HUFFMAN) {
        st = gx_codes_decode_dev(cx, body, body_size, nsym, a.sym);
    } else {
        /* Range and context-Huffman segments are sequential by nature: decoded on the host. */
        st = STRATA_ERR_NOMEM;
        hsym = (uint16_t *)malloc((nsym + 1) * 2);
        if (bits) mbytes = (uint8_t *)malloc(n);
        if (!hsym || (bits && !mbytes)) goto done;
        for (size_t i = 0; bits && i < n; i++) mbytes[i] = (uint8_t)((bits[i >> 5] >> (i & 31)) & 1u);
        strata_symbol_levels lv = {0};
        size_t n1, n0;
        strata_fine_level_counts(&g, mbytes, &n1, &n0);
        lv.fine0 = nsym - n0;
        lv.fine1 = lv.fine0 - n1;
        st = strata_segments_decode(coder, body, body_size, hsym, nsym, &lv, strata_thread_count(0));
        if (st == STRATA_OK) {
            strata_gx_to_dev(cx, a.sym, hsym, nsym * 2);
            st = gx_sync(cx);
        }
    }
    if (st != STRATA_OK) goto done;
    free(raw);
    raw = NULL;

    uint8_t *out = dst;
    if (!dst_dev || (uintptr_t)dst % w) {
        st = STRATA_ERR_NOMEM;
        if (!(out = (uint8_t *)gx_get(&mem, n * w))) goto done;
    }
    a.v = out;
    if (a.mask) {
        /* The level-order ranks of the masked points place the codes; SPECIALS go to
         * them after the last pass. */
        gx_nan_specials(cx, a.mask, n, w, out);
        uint32_t *lo_bits;
        uint64_t *lo_off;
        if ((st = gx_special_ranks(cx, &mem, &gg, n, a.mask, &lo_bits, &lo_off)) != STRATA_OK) goto done;
        a.lo_bits = lo_bits;
        a.lo_off = lo_off;
    }
    /* The points of code 0 take the UNPRED values in index order. */
    {
        gx_mark_args m;
        memset(&m, 0, sizeof m);
        m.g = gg;
        m.mask = a.mask;
        m.lo_bits = (uint32_t *)a.lo_bits;
        m.lo_off = a.lo_off;
        m.lo_words = words;
        m.sym = a.sym;
        m.nsym = nsym;
        st = STRATA_ERR_NOMEM;
        if (!(a.unpred_bits = m.unpred_bits = (uint32_t *)gx_get_zero(&mem, words * 4))) goto done;
        strata_gx_run_gx_mark_unpred(cx, &m, (nsym + 7) / 8);
        uint64_t *off, unpred;
        if ((st = gx_bitmap_ranks(cx, &mem, a.unpred_bits, n, &off, &unpred)) != STRATA_OK) goto done;
        a.unpred_off = off;
        const strata_section *us = &sec[STRATA_SEC_UNPRED];
        if (unpred == 0) {
            st = STRATA_ERR_CORRUPT;
            if (us->present && us->raw_size) goto done;
            a.unpred = a.sym; /* never read */
        } else {
            st = STRATA_ERR_NOMEM;
            void *d_un = gx_get(&mem, unpred * w);
            if (!d_un || !(vals = (uint8_t *)malloc(unpred * w))) goto done;
            if ((st = strata_section_load(us, vals, unpred * w, threads)) != STRATA_OK) goto done;
            strata_gx_to_dev(cx, d_un, vals, unpred * w);
            a.unpred = d_un;
        }
    }
    gx_decompose(cx, 1, f->dtype, &g, plan, &a);
    if (a.mask) {
        st = STRATA_ERR_NOMEM;
        if (!(svals = (uint8_t *)malloc(specials * w))) goto done;
        if ((st = strata_section_load(&sec[STRATA_SEC_SPECIALS], svals, specials * w, threads)) != STRATA_OK) goto done;
        if ((st = gx_select_from_host(cx, a.mask, n, svals, specials, w, out)) != STRATA_OK) goto done;
    }
    if (!dst_dev) strata_gx_to_host(cx, dst, out, n * w);
    else if (out != dst) strata_gx_copy(cx, dst, out, n * w);
    st = strata_gx_wait(cx);
done:
    free(bits); free(raw); free(vals); free(svals); free(mbytes); free(hsym);
    gx_drop_all(&mem);
    return st;
}

/* The CPU decoder into host memory, then one copy to the device if asked. */
static strata_status gx_decompress_on_host(gx_ctx *cx, const void *src, size_t src_size, void *dst,
                                           int dst_dev, uint64_t raw_size, strata_stream_info *info)
{
    uint8_t *out = dst_dev ? (uint8_t *)malloc(raw_size ? (size_t)raw_size : 1) : (uint8_t *)dst;
    STRATA_RETURN_IF(!out, STRATA_ERR_NOMEM);
    strata_status st = strata_decompress(src, src_size, out, (size_t)raw_size, 0, info);
    if (st == STRATA_OK && dst_dev) {
        strata_gx_to_dev(cx, dst, out, (size_t)raw_size);
        st = strata_gx_wait(cx);
    }
    if (dst_dev) free(out);
    return st;
}

strata_status strata_gx_decompress(gx_ctx *cx, const void *src, size_t src_size, void *dst,
                                   size_t cap, int dst_dev, strata_stream_info *info)
{
    STRATA_RETURN_IF(!src || !dst, STRATA_ERR_INVALID_ARG);
    if (src_size >= 4 && memcmp(src, STRATA_CONTAINER_MAGIC, 4) == 0) {
        /* Block containers (blocks of about 2^20 points): the CPU decoder. */
        strata_stream_info ci;
        STRATA_FORWARD(strata_read_header(src, src_size, &ci));
        STRATA_RETURN_IF(cap < ci.raw_size, STRATA_ERR_DST_TOO_SMALL);
        return gx_decompress_on_host(cx, src, src_size, dst, dst_dev, ci.raw_size, info);
    }
    strata_header h;
    STRATA_FORWARD(strata_header_parse((const uint8_t *)src, src_size, &h));
    STRATA_RETURN_IF(src_size - STRATA_HEADER_SIZE < h.payload_size, STRATA_ERR_TRUNCATED);
    const uint8_t *payload = (const uint8_t *)src + STRATA_HEADER_SIZE;
    STRATA_RETURN_IF(strata_checksum64(payload, (size_t)h.payload_size) != h.payload_checksum,
                     STRATA_ERR_CHECKSUM);
    STRATA_RETURN_IF(cap < h.info.raw_size, STRATA_ERR_DST_TOO_SMALL);
    if (h.method != STRATA_METHOD_INTERP) /* raw and lossless: the CPU decoder, one copy */
        return gx_decompress_on_host(cx, src, src_size, dst, dst_dev, h.info.raw_size, info);
    strata_section sec[STRATA_SEC_COUNT_];
    STRATA_FORWARD(strata_sections_parse(payload, (size_t)h.payload_size, sec));
    const strata_status st = gx_decode_interp(cx, &h, sec, (uint8_t *)dst, dst_dev);
    if (st == STRATA_OK && info) *info = h.info;
    return st;
}

/* ---- the entropy stage alone (tests) ---------------------------------------------------- */
strata_status strata_gx_encode_codes(gx_ctx *cx, const uint16_t *sym, uint64_t n, uint8_t **body,
                                     size_t *body_size)
{
    gx_mem mem = {cx, {0}, 0};
    uint16_t *d = (uint16_t *)gx_get(&mem, n * 2);
    strata_status st = STRATA_ERR_NOMEM;
    if (d) {
        strata_gx_to_dev(cx, d, sym, n * 2);
        st = gx_codes_encode_dev(cx, d, n, body, body_size);
    }
    gx_drop_all(&mem);
    return st;
}

strata_status strata_gx_decode_codes(gx_ctx *cx, const uint8_t *body, size_t body_size, uint16_t *sym,
                                     uint64_t n)
{
    gx_mem mem = {cx, {0}, 0};
    uint16_t *d = (uint16_t *)gx_get(&mem, n * 2);
    strata_status st = STRATA_ERR_NOMEM;
    if (d) {
        st = gx_codes_decode_dev(cx, body, body_size, n, d);
        if (st == STRATA_OK) {
            strata_gx_to_host(cx, sym, d, n * 2);
            st = strata_gx_wait(cx);
        }
    }
    gx_drop_all(&mem);
    return st;
}

/* ---- timed calls (benchmark) -------------------------------------------------------------- */
strata_status strata_gx_timed_compress(const strata_field *f, const void *src, int src_dev,
                                       const strata_params *p, void *dst, size_t cap, size_t *dst_size,
                                       void *stream, double *device_ms, char *profile, size_t profile_cap)
{
    gx_ctx *cx;
    STRATA_FORWARD(strata_gx_ctx_create(&cx, stream, 1));
    strata_status st = strata_gx_compress(cx, f, src, src_dev, p, dst, cap, dst_size);
    *device_ms = strata_gx_device_ms(cx);
    if (profile) strata_gx_device_profile(cx, profile, profile_cap);
    strata_gx_ctx_destroy(cx);
    return st;
}

strata_status strata_gx_timed_decompress(const void *src, size_t src_size, void *dst, size_t cap,
                                         int dst_dev, void *stream, double *device_ms, char *profile,
                                         size_t profile_cap)
{
    gx_ctx *cx;
    STRATA_FORWARD(strata_gx_ctx_create(&cx, stream, 1));
    strata_status st = strata_gx_decompress(cx, src, src_size, dst, cap, dst_dev, NULL);
    *device_ms = strata_gx_device_ms(cx);
    if (profile) strata_gx_device_profile(cx, profile, profile_cap);
    strata_gx_ctx_destroy(cx);
    return st;
}

/* ---- include/strata_gpu.h: the same for both backends ---------------------------- */
strata_status strata_gpu_compress(const strata_field *field, const void *src, int src_on_device,
                                  const strata_params *params, void *dst, size_t dst_capacity,
                                  size_t *dst_size, void *cuda_stream)
{
    if (!strata_gpu_available()) return STRATA_ERR_UNSUPPORTED;
    strata_gx_ctx *cx;
    STRATA_FORWARD(strata_gx_ctx_create(&cx, cuda_stream, 0));
    strata_status st = strata_gx_compress(cx, field, src, src_on_device, params, dst, dst_capacity, dst_size);
    strata_gx_ctx_destroy(cx);
    return st;
}

strata_status strata_gpu_decompress(const void *src, size_t src_size, void *dst, size_t dst_capacity,
                                    int dst_on_device, strata_stream_info *info, void *cuda_stream)
{
    if (!strata_gpu_available()) return STRATA_ERR_UNSUPPORTED;
    strata_gx_ctx *cx;
    STRATA_FORWARD(strata_gx_ctx_create(&cx, cuda_stream, 0));
    strata_status st = strata_gx_decompress(cx, src, src_size, dst, dst_capacity, dst_on_device, info);
    strata_gx_ctx_destroy(cx);
    return st;
}

strata_status strata_gpu_compress_device(const strata_field *field, const void *d_src,
                                         const strata_params *params, void *dst, size_t dst_capacity,
                                         size_t *dst_size, void *cuda_stream)
{
    return strata_gpu_compress(field, d_src, 1, params, dst, dst_capacity, dst_size, cuda_stream);
}

strata_status strata_gpu_decompress_device(const void *src, size_t src_size, void *d_dst,
                                           size_t dst_capacity, strata_stream_info *info,
                                           void *cuda_stream)
{
    return strata_gpu_decompress(src, src_size, d_dst, dst_capacity, 1, info, cuda_stream);
}
