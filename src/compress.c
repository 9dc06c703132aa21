/* compress.c - strata_compress(): validate, preprocess, decompose, entropy-code,
 * and wrap the sections in the container. */
#include <math.h>
#include <stdlib.h>
#include "common/format.h"
#include "common/params_section.h"
#include "decompose/grid.h"
#include "decompose/wavelet.h"
#include "entropy/segments.h"
#include "entropy/section.h"
#include "lossless/lossless.h"
#include "preprocess/scan.h"


size_t strata_compress_bound(const strata_field *f)
{
    size_t n = strata_field_count(f), raw;
    if (!n || !strata_dtype_size(f->dtype) || strata_mul_overflows(n, strata_dtype_size(f->dtype), &raw))
        return 0;
    return raw > SIZE_MAX - 256 ? 0 : raw + 256;
}

strata_status strata_check_compress_args(const strata_field *f, const void *src, const strata_params *p,
                                const void *dst, const size_t *dst_size)
{
    STRATA_RETURN_IF(!f || !src || !p || !dst || !dst_size, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(f->size != sizeof *f || p->size != sizeof *p, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(!strata_dtype_size(f->dtype), STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(f->ndims < 1 || f->ndims > STRATA_MAX_DIMS, STRATA_ERR_INVALID_ARG);
    for (unsigned i = 0; i < f->ndims; i++) STRATA_RETURN_IF(f->dims[i] == 0, STRATA_ERR_EMPTY);
    STRATA_RETURN_IF(!strata_compress_bound(f), STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(!strata_fill_ok(f), STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(p->mode < STRATA_MODE_ABS || p->mode > STRATA_MODE_PSNR ||
                     p->mode == STRATA_MODE_RESERVED_PW_REL_, STRATA_ERR_INVALID_ARG);
    if (p->mode != STRATA_MODE_LOSSLESS)
        STRATA_RETURN_IF(!(p->bound > 0) || !isfinite(p->bound), STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(p->threads < 0, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(p->coder < STRATA_CODER_DEFAULT || p->coder > STRATA_CODER_ANS_CTX ||
                         p->coder == (strata_coder)STRATA_CODER_RANGE_BANDS, STRATA_ERR_INVALID_ARG);
    return STRATA_OK;
}

/* Packs mask bytes into a bitmap, LSB first. */
static void pack_mask(const uint8_t *mask, size_t n, uint8_t *bits)
{
    memset(bits, 0, (n + 7) / 8);
    for (size_t i = 0; i < n; i++) bits[i >> 3] |= (uint8_t)(mask[i] << (i & 7));
}

/* Appends the values of the points whose bit is set (STRATA_FOR_SET_BITS), in
 * index order. */
static void append_selected(strata_buf *out, const uint8_t *src, size_t w, size_t n,
                            const uint8_t *bits)
{
    STRATA_FOR_SET_BITS(bits, n, i, strata_buf_append(out, src + i * w, w));
}

/* The MASK and SPECIALS sections of both lossy methods; bits (ceil(n/8) bytes)
 * is scratch and comes back zeroed. */
static void append_specials(strata_buf *payload, const uint8_t *src, size_t w, size_t n,
                            const uint8_t *mask, uint8_t *bits, int threads)
{
    strata_buf tmp = {0};
    pack_mask(mask, n, bits);
    strata_section_append(payload, STRATA_SEC_MASK, bits, (n + 7) / 8, ZSTD_LEVEL_CODES, threads);
    append_selected(&tmp, src, w, n, bits);
    strata_section_append(payload, STRATA_SEC_SPECIALS, tmp.data, tmp.size, ZSTD_LEVEL_CODES, threads);
    if (tmp.failed) payload->failed = 1;
    strata_buf_free(&tmp);
    memset(bits, 0, (n + 7) / 8);
}

/* Sum of squared errors of the reconstruction over valid points, in index
 * order (deterministic whatever the thread count). */
/* Value i of a field's points in double; src may be unaligned (the caller's
 * buffer). */
static inline double value_at(strata_dtype t, const void *src, size_t i)
{
    if (t == STRATA_FLOAT32) {
        float x;
        memcpy(&x, (const uint8_t *)src + 4 * i, 4);
        return x;
    }
    double x;
    memcpy(&x, (const uint8_t *)src + 8 * i, 8);
    return x;
}

static double squared_error(const strata_field *f, const void *src, const void *rec, size_t n,
                            const uint8_t *mask)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (mask && mask[i]) continue;
        const double d = value_at(f->dtype, src, i) - value_at(f->dtype, rec, i);
        sum += d * d;
    }
    return sum;
}

/* The decomposition overwrites `work` with the reconstruction: the caller's copy
 * of src, src itself when compressing in place, or a copy made here (work
 * NULL: the PSNR trials). Either way the special and unpredictable points keep
 * their original values at src, where the SPECIALS and UNPRED sections take
 * them from. */
static strata_status encode_interp(const strata_field *f, const void *src, void *work, size_t n,
                                   const uint8_t *mask, size_t specials, double eb, int binary32,
                                   unsigned coder, int threads, strata_buf *payload,
                                   double *sq_err)
{
    const size_t w = strata_dtype_size(f->dtype);
    const int copy = work == NULL;
    strata_grid g;
    strata_grid_init(&g, f);
    strata_level_plan plan[STRATA_MAX_LEVELS];
    if (copy) work = strata_alloc_large(n * w, 0);
    /* Without a mask the codes are written in level order, the CODES order, and
     * are the symbols; with one, in index order, gathered into sym below. */
    uint16_t *codes = strata_alloc_large(n * sizeof *codes, 1), *sym = mask ? NULL : codes;
    uint8_t *bits = NULL;
    strata_status st = STRATA_ERR_NOMEM;
    if (!work || !codes) goto done;
    if (copy) strata_copy(work, src, n * w, threads);
    if (f->dtype == STRATA_FLOAT32) {
        if (!strata_interp_plan_f32(&g, work, mask, eb, coder, threads, plan)) goto done;
        strata_interp_encode_f32(&g, plan, work, codes, mask, eb, binary32, threads);
    } else {
        if (!strata_interp_plan_f64(&g, work, mask, eb, coder, threads, plan)) goto done;
        strata_interp_encode_f64(&g, plan, work, codes, mask, eb, 0, threads);
    }
    if (sq_err) *sq_err = squared_error(f, src, work, n, mask);
    if (copy) free(work);
    work = NULL;
    st = STRATA_OK;
    if (!payload) goto done; /* a PSNR trial: the error is all it needs */
    st = STRATA_ERR_NOMEM;
    /* Allocated only now, so the working copy's memory is reused. */
    if (mask && !(sym = strata_alloc_large((n - specials + 1) * sizeof *sym, 0))) goto done;
    if (!(bits = strata_alloc_large((n + 7) / 8, 1))) goto done;

    uint8_t params[STRATA_PARAMS_HEAD + STRATA_MAX_LEVELS * STRATA_PARAMS_PER_LEVEL];
    strata_params_write(&g, plan, coder, binary32, params);
    strata_section_append(payload, STRATA_SEC_PARAMS, params, strata_params_size(&g), STRATA_STORE, threads);

    if (specials) append_specials(payload, src, w, n, mask, bits, threads);
    strata_buf tmp = {0};
    const size_t nsym = mask ? strata_codes_gather(&g, codes, mask, sym) : n;
    strata_symbol_levels lv = {0};
    size_t n1, n0;
    strata_fine_level_counts(&g, mask, &n1, &n0);
    lv.fine0 = nsym - n0;
    lv.fine1 = lv.fine0 - n1;
    st = strata_segments_encode(strata_segment_coder_get(coder), sym, nsym, STRATA_SEGMENT_LEN,
                                &lv, threads, &tmp);
    if (st == STRATA_OK) {
        strata_section_append(payload, STRATA_SEC_CODES, tmp.data, tmp.size, ZSTD_LEVEL_CODES, threads);
        tmp.size = 0;
        strata_unpred_bits(&g, codes, mask, bits, threads);
        append_selected(&tmp, src, w, n, bits);
        strata_section_append(payload, STRATA_SEC_UNPRED, tmp.data, tmp.size, ZSTD_LEVEL_BULK, threads);
        st = tmp.failed || payload->failed ? STRATA_ERR_NOMEM : STRATA_OK;
    }
    strata_buf_free(&tmp);
done:
    if (copy) free(work);
    if (mask) free(sym);
    free(codes);
    free(bits);
    return st;
}

static strata_status encode_lossless(const void *src, size_t n, size_t w, int threads,
                                     strata_buf *payload)
{
    uint8_t *t = malloc(n * w);
    STRATA_RETURN_IF(!t, STRATA_ERR_NOMEM);
    strata_lossless_forward(src, n, w, t);
    strata_section_append(payload, STRATA_SEC_RAW, t, n * w, ZSTD_LEVEL_CODES, threads);
    free(t);
    return payload->failed ? STRATA_ERR_NOMEM : STRATA_OK;
}

/* PSNR mode, for both lossy methods: a search for the coarsest setting s (an
 * absolute bound, or a quantization step) whose reconstruction reaches the
 * target. A trial reconstructs with s and returns the PSNR reached, or NAN to
 * stop. The first guess comes from the uniform error of the setting; each
 * trial's measured PSNR corrects the next (error ~ s) until the target is
 * bracketed between the largest s that reached it and the smallest that did
 * not; then the PSNR is interpolated in log s across the bracket (aiming a hair
 * above the target, and never closer than 2% of the bracket to its ends, so it
 * always shrinks) until the ends are within `tol`. Returns the best s, or 0. */
typedef double (*psnr_trial)(void *ctx, double s);

static double psnr_search(psnr_trial trial, void *ctx, double s, double target, int iters, double tol)
{
    double good = 0.0, bad = 0.0, p_good = 0.0, p_bad = 0.0;
    for (int iter = 0; iter < iters; iter++) {
        s = strata_resolve_abs_bound(STRATA_MODE_ABS, s, 0.0, 0.0);
        if (s <= 0) break;
        const double psnr = trial(ctx, s);
        if (isnan(psnr)) break;
        if (psnr >= target && s > good) good = s, p_good = psnr;
        if (psnr < target && (bad == 0.0 || s < bad)) bad = s, p_bad = psnr;
        if (good > 0 && bad > 0) {
            if (bad / good < tol) break;
            double t = isfinite(p_good) && p_good > p_bad ? (p_good - target - 1e-3) / (p_good - p_bad) : 0.5;
            t = t < 0.02 ? 0.02 : t > 0.98 ? 0.98 : t;
            s = good * pow(bad / good, t);
        } else {
            const double gap = isinf(psnr) ? 20.0 : psnr - target;
            s *= pow(10.0, gap / 20.0) * (psnr >= target ? 1.05 : 0.95);
        }
    }
    return good;
}

/* What both methods' PSNR trials share: the field, and how PSNR is measured. */
typedef struct {
    const strata_field *f;
    const void *src;
    size_t n, specials;
    const uint8_t *mask;
    double vmin, vmax, range, target;
    unsigned coder, wavelet_coder; /* the interpolation's and the wavelet's */
    int threads;
    strata_status st;
} psnr_job;

/* NaN or infinite errors (a reconstruction that overflowed) fail any target;
 * a range near the top of double is taken in the log domain. */
static double psnr_of(const psnr_job *j, double sq)
{
    const double valid = (double)(j->n - j->specials), top = j->range * j->range * valid;
    if (!(sq < INFINITY)) return -INFINITY;
    if (sq == 0) return INFINITY;
    return isfinite(top) ? 10.0 * log10(top / sq) : 20.0 * log10(j->range) - 10.0 * log10(sq / valid);
}

/* Interpolation: trials decompose and measure; the bound found is coded once. */
static double interp_trial(void *ctx, double eb)
{
    psnr_job *j = ctx;
    double sq;
    j->st = encode_interp(j->f, j->src, NULL, j->n, j->mask, j->specials, eb,
                          strata_choose_binary32(j->f->dtype, eb, j->vmin, j->vmax), j->coder, j->threads, NULL, &sq);
    return j->st == STRATA_OK ? psnr_of(j, sq) : NAN;
}

/* Wavelet: trials only quantize, dequantize and invert (the size falls as the
 * step grows); the largest step that reaches the target is coded once. */
typedef struct {
    psnr_job *job;
    strata_grid g;
    uint8_t levels[4];
    const double *coef; /* forward transform of the field */
    double *work;       /* a trial's coefficients, then its reconstruction */
    void *rec;          /* the reconstruction in the field's dtype */
    double coef_max, step;
} wavelet_psnr;

/* Reconstructs c->rec from the coefficients quantized with `step`. */
static int wavelet_reconstruct(wavelet_psnr *c, double step)
{
    const psnr_job *j = c->job;
    const long long n = (long long)j->n;
    #pragma omp parallel for schedule(static) num_threads(j->threads) if (j->threads > 1)
    for (long long i = 0; i < n; i++)
        c->work[i] = strata_wavelet_value(strata_wavelet_index(c->coef[i], step), step);
    if (!strata_wavelet_inverse(&c->g, c->levels, c->work, j->threads)) return 0;
    strata_wavelet_store(j->f->dtype, c->work, j->n, c->rec);
    return 1;
}

static double wavelet_trial(void *ctx, double step)
{
    wavelet_psnr *c = ctx;
    /* Indices must stay exact in double and in int64. */
    if (c->coef_max / step >= 0x1p52) return NAN;
    if (!wavelet_reconstruct(c, step)) {
        c->job->st = STRATA_ERR_NOMEM;
        return NAN;
    }
    return psnr_of(c->job, squared_error(c->job->f, c->job->src, c->rec, c->job->n, c->job->mask));
}

/* Largest |error| over valid points, plus a margin of 2^-22 (float32) or 2^-40
 * (float64) of the largest magnitude: a decoder whose double arithmetic rounds
 * differently (another compiler or machine) still honours the recorded bound. */
static double recorded_bound(const psnr_job *j, const void *rec, double vmin, double vmax)
{
    double worst = 0.0;
    for (size_t i = 0; i < j->n; i++) {
        if (j->mask && j->mask[i]) continue;
        const double e = fabs(value_at(j->f->dtype, j->src, i) - value_at(j->f->dtype, rec, i));
        worst = e > worst ? e : worst;
    }
    const double amax = fmax(fabs(vmin), fabs(vmax));
    return worst + amax * (j->f->dtype == STRATA_FLOAT32 ? 0x1p-22 : 0x1p-40) + 0x1p-1000;
}

/* Method 4: forward transform once (special points filled smoothly, so they
 * make no edges), search the step, code its indices.
 * *eb_out = 0 if the method does not apply (no dimension of 8 or more) or no
 * step reached the target. */
static strata_status encode_wavelet(psnr_job *j, double vmin, double vmax, strata_buf *payload,
                                    double *eb_out)
{
    wavelet_psnr c = {.job = j};
    *eb_out = 0.0;
    strata_grid_init(&c.g, j->f);
    strata_wavelet_levels(&c.g, c.levels);
    if (!(c.levels[0] | c.levels[1] | c.levels[2] | c.levels[3])) return STRATA_OK;
    const size_t n = j->n, w = strata_dtype_size(j->f->dtype);
    double *coef = malloc(n * sizeof *coef);
    c.work = malloc(n * sizeof *c.work);
    c.rec = malloc(n * w);
    uint16_t *codes = NULL;
    uint8_t *bits = NULL;
    strata_status st = STRATA_ERR_NOMEM;
    if (!coef || !c.work || !c.rec) goto done;
    for (size_t i = 0; i < n; i++) coef[i] = value_at(j->f->dtype, j->src, i);
    if (j->mask && !strata_wavelet_fill(&c.g, coef, j->mask)) goto done;
    if (!strata_wavelet_forward(&c.g, c.levels, coef, j->threads)) goto done;
    for (size_t i = 0; i < n; i++) c.coef_max = fmax(c.coef_max, fabs(coef[i]));
    c.coef = coef;
    /* Near-orthogonal: a uniform step gives MSE ~ step^2 / 12. */
    c.step = psnr_search(wavelet_trial, &c, j->range * sqrt(12.0) * pow(10.0, -j->target / 20.0), j->target,
                         20, 1.001);
    st = j->st;
    if (st != STRATA_OK || c.step == 0.0) goto done;
    st = STRATA_ERR_NOMEM;
    if (!wavelet_reconstruct(&c, c.step)) goto done;
    const double eb = recorded_bound(j, c.rec, vmin, vmax);
    free(c.rec);
    c.rec = NULL;
    codes = malloc(n * sizeof *codes);
    if (!codes || !(bits = calloc((n + 7) / 8, 1))) goto done;
    /* The trial's buffer is free again: it takes the escaped indices. */
    int64_t *esc = (int64_t *)c.work;
    const size_t nesc = strata_wavelet_quantize(&c.g, c.levels, coef, c.step, codes, esc);
    free(coef);
    coef = NULL;

    uint8_t params[STRATA_WAVELET_PARAMS_SIZE];
    strata_wavelet_params_write(c.levels, j->wavelet_coder, c.step, params);
    strata_section_append(payload, STRATA_SEC_PARAMS, params, sizeof params, STRATA_STORE, j->threads);
    if (j->specials) append_specials(payload, j->src, w, n, j->mask, bits, j->threads);
    strata_subband bands[STRATA_WAVELET_MAX_BANDS];
    strata_symbol_levels lv;
    strata_wavelet_symbol_levels(&c.g, c.levels, bands, &lv);
    strata_buf tmp = {0};
    st = strata_segments_encode(strata_segment_coder_get(j->wavelet_coder), codes, n, STRATA_SEGMENT_LEN, &lv,
                                j->threads, &tmp);
    if (st == STRATA_OK) {
        strata_section_append(payload, STRATA_SEC_CODES, tmp.data, tmp.size, ZSTD_LEVEL_CODES, j->threads);
        tmp.size = 0;
        for (size_t i = 0; i < nesc; i++) {
            uint8_t b[8];
            strata_put_u64(b, (uint64_t)esc[i]);
            strata_buf_append(&tmp, b, 8);
        }
        strata_section_append(payload, STRATA_SEC_UNPRED, tmp.data, tmp.size, ZSTD_LEVEL_BULK, j->threads);
        st = tmp.failed || payload->failed ? STRATA_ERR_NOMEM : STRATA_OK;
        if (st == STRATA_OK) *eb_out = eb;
    }
    strata_buf_free(&tmp);
done:
    free(coef);
    free(c.work);
    free(c.rec);
    free(codes);
    free(bits);
    return st;
}

/* PSNR mode: both methods, and the smaller stream. *method_out = RAW, with
 * *eb_out = 0, if neither reached the target (the field is then coded losslessly). */
static strata_status encode_psnr(psnr_job *j, double vmin, double vmax, strata_buf *best,
                                 double *eb_out, strata_method *method_out)
{
    /* Uniform errors in [-eb, eb] give MSE = eb^2/3. */
    const double eb = psnr_search(interp_trial, j, j->range * sqrt(3.0) * pow(10.0, -j->target / 20.0),
                                  j->target, 8, 1.01);
    *eb_out = eb;
    *method_out = eb > 0 ? STRATA_METHOD_INTERP : STRATA_METHOD_RAW;
    if (j->st != STRATA_OK) return j->st;
    if (eb > 0) {
        const strata_status st = encode_interp(j->f, j->src, NULL, j->n, j->mask, j->specials, eb,
                                               strata_choose_binary32(j->f->dtype, eb, vmin, vmax), j->coder,
                                               j->threads, best, NULL);
        if (st != STRATA_OK) return st;
    }
    strata_buf wp = {0};
    double web;
    const strata_status st = encode_wavelet(j, vmin, vmax, &wp, &web);
    if (st == STRATA_OK && web > 0 && (!best->data || wp.size < best->size)) {
        strata_buf_free(best);
        *best = wp;
        *eb_out = web;
        *method_out = STRATA_METHOD_WAVELET;
    } else {
        strata_buf_free(&wp);
    }
    return st;
}

/* strata_compress(), or in place (inplace == src) for ABS and REL. */
static strata_status compress_field(const strata_field *f, const void *src, void *inplace,
                                    const strata_params *p, void *dst, size_t dst_capacity,
                                    size_t *dst_size)
{
    STRATA_FORWARD(strata_check_compress_args(f, src, p, dst, dst_size));
    const size_t n = strata_field_count(f), w = strata_dtype_size(f->dtype);
    const int threads = strata_thread_count(p->threads);

    strata_header h;
    strata_header_init(&h, f, p);

    strata_buf payload = {0};
    strata_status st = STRATA_OK;
    strata_scan_result scan;
    uint8_t *mask = NULL;
    /* ABS and REL decompose a working copy (unless in place): made by the scan. */
    void *work = inplace;
    if (!inplace && (p->mode == STRATA_MODE_ABS || p->mode == STRATA_MODE_REL)) {
        work = strata_alloc_large(n * w, 0);
        if (!work) return STRATA_ERR_NOMEM;
    }
    strata_scan(&h.info.field, src, n, threads, &scan, work == inplace ? NULL : work);
    if (scan.specials) {
        /* The mask costs a byte a point: only fields with special points pay it. */
        mask = malloc(n);
        if (!mask) {
            if (work != inplace) free(work);
            return STRATA_ERR_NOMEM;
        }
        strata_mark_specials(&h.info.field, src, n, mask, threads);
    }
    h.info.valid_min = scan.vmin;
    h.info.valid_max = scan.vmax;
    const unsigned coder = p->coder == STRATA_CODER_DEFAULT ? STRATA_CODER_RANGE_CTX : (unsigned)p->coder;
    double eb = 0.0;
    strata_method method = STRATA_METHOD_INTERP;
    if (p->mode == STRATA_MODE_PSNR && scan.vmax > scan.vmin) {
        psnr_job job = {.f = &h.info.field, .src = src, .n = n, .specials = scan.specials, .mask = mask,
                        .vmin = scan.vmin, .vmax = scan.vmax, .range = scan.vmax - scan.vmin, .target = p->bound, .coder = coder,
                        .wavelet_coder = p->coder == STRATA_CODER_DEFAULT ? STRATA_CODER_RANGE_BANDS
                                                                          : (unsigned)p->coder,
                        .threads = threads, .st = STRATA_OK};
        st = encode_psnr(&job, scan.vmin, scan.vmax, &payload, &eb, &method);
    } else if ((eb = strata_resolve_abs_bound(p->mode, p->bound, scan.vmin, scan.vmax)) > 0) {
        st = encode_interp(&h.info.field, src, work, n, mask, scan.specials, eb,
                           strata_choose_binary32(f->dtype, eb, scan.vmin, scan.vmax), coder, threads,
                           &payload, NULL);
    }
    if (st == STRATA_OK && eb > 0) {
        h.method = method;
        h.info.abs_bound = eb;
        h.binary32 = method == STRATA_METHOD_INTERP && strata_choose_binary32(f->dtype, eb, scan.vmin, scan.vmax);
    } else if (st == STRATA_OK) {
        /* Lossless asked for, or a bound of zero width (constant field, no valid
         * points) where exact coding is the only way to honour it. */
        h.method = STRATA_METHOD_LOSSLESS;
        st = encode_lossless(src, n, w, threads, &payload);
    }
    free(mask);
    if (work != inplace) free(work);
    if (st == STRATA_OK && payload.size >= n * w && inplace && h.method == STRATA_METHOD_INTERP) {
        st = STRATA_ERR_UNSUPPORTED; /* stored raw needs the values just overwritten */
    } else if (st == STRATA_OK && payload.size >= n * w) {
        /* Stored raw: the stream never exceeds the input by more than the overhead. */
        h.method = STRATA_METHOD_RAW;
        payload.size = 0;
        strata_section_append(&payload, STRATA_SEC_RAW, src, n * w, STRATA_STORE, threads);
        if (payload.failed) st = STRATA_ERR_NOMEM;
    }
    if (st == STRATA_OK) st = strata_stream_write(&h, payload.data, payload.size, dst, dst_capacity, dst_size);
    strata_buf_free(&payload);
    return st;
}

strata_status strata_compress(const strata_field *f, const void *src, const strata_params *p,
                              void *dst, size_t dst_capacity, size_t *dst_size)
{
    return compress_field(f, src, NULL, p, dst, dst_capacity, dst_size);
}

strata_status strata_compress_inplace(const strata_field *f, void *data, const strata_params *p,
                                      void *dst, size_t dst_capacity, size_t *dst_size)
{
    STRATA_FORWARD(strata_check_compress_args(f, data, p, dst, dst_size));
    const size_t w = strata_dtype_size(f->dtype);
    if (p->mode != STRATA_MODE_PSNR && (uintptr_t)data % w == 0)
        return compress_field(f, data, data, p, dst, dst_capacity, dst_size);
    /* PSNR's trial encodings each start from the original, and the decomposition
     * works on aligned values: compress from a copy, then decode into data. */
    STRATA_FORWARD(strata_compress(f, data, p, dst, dst_capacity, dst_size));
    return strata_decompress(dst, *dst_size, data, strata_field_count(f) * w, p->threads, NULL);
}
