/* compress.c - strata_compress(): validate, preprocess, decompose, entropy-code,
 * and wrap the sections in the container. */
#include <math.h>
#include <stdlib.h>
#include "common/format.h"
#include "common/params_section.h"
#include "decompose/grid.h"
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
    STRATA_RETURN_IF(p->coder < STRATA_CODER_DEFAULT || p->coder > STRATA_CODER_RANGE_CTX, STRATA_ERR_INVALID_ARG);
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

/* Sum of squared errors of the reconstruction over valid points, in index
 * order (deterministic whatever the thread count). */
static double squared_error(const strata_field *f, const void *src, const void *rec, size_t n,
                            const uint8_t *mask)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (mask && mask[i]) continue;
        double d; /* src may be unaligned: the caller's buffer */
        if (f->dtype == STRATA_FLOAT32) {
            float x;
            memcpy(&x, (const uint8_t *)src + 4 * i, 4);
            d = (double)x - (double)((const float *)rec)[i];
        } else {
            double x;
            memcpy(&x, (const uint8_t *)src + 8 * i, 8);
            d = x - ((const double *)rec)[i];
        }
        sum += d * d;
    }
    return sum;
}

/* The decomposition overwrites `work` with the reconstruction: a copy of src made
 * here (work NULL), or src itself when compressing in place. Either way the
 * special and unpredictable points keep their original values at src, where
 * the SPECIALS and UNPRED sections take them from. */
static strata_status encode_interp(const strata_field *f, const void *src, void *work, size_t n,
                                   const uint8_t *mask, size_t specials, double eb,
                                   unsigned coder, int threads, strata_buf *payload,
                                   double *sq_err)
{
    const size_t w = strata_dtype_size(f->dtype);
    const int copy = work == NULL;
    strata_grid g;
    strata_grid_init(&g, f);
    strata_level_plan plan[STRATA_MAX_LEVELS];
    if (copy) work = malloc(n * w);
    /* Without a mask the codes are written in level order, the CODES order, and
     * are the symbols; with one, in index order, gathered into sym below. */
    uint16_t *codes = calloc(n, sizeof *codes), *sym = mask ? NULL : codes;
    uint8_t *bits = NULL;
    strata_status st = STRATA_ERR_NOMEM;
    if (!work || !codes) goto done;
    if (copy) memcpy(work, src, n * w);
    if (f->dtype == STRATA_FLOAT32) {
        if (!strata_interp_plan_f32(&g, work, mask, eb, coder, threads, plan)) goto done;
        strata_interp_encode_f32(&g, plan, work, codes, mask, eb, threads);
    } else {
        if (!strata_interp_plan_f64(&g, work, mask, eb, coder, threads, plan)) goto done;
        strata_interp_encode_f64(&g, plan, work, codes, mask, eb, threads);
    }
    if (sq_err) *sq_err = squared_error(f, src, work, n, mask);
    if (copy) free(work);
    work = NULL;
    /* Allocated only now, so the working copy's memory is reused. */
    if (mask && !(sym = malloc((n - specials + 1) * sizeof *sym))) goto done;
    if (!(bits = calloc((n + 7) / 8, 1))) goto done;

    uint8_t params[STRATA_PARAMS_HEAD + STRATA_MAX_LEVELS * STRATA_PARAMS_PER_LEVEL];
    strata_params_write(&g, plan, coder, params);
    strata_section_append(payload, STRATA_SEC_PARAMS, params, strata_params_size(&g), STRATA_STORE, threads);

    strata_buf tmp = {0};
    if (specials) {
        pack_mask(mask, n, bits);
        strata_section_append(payload, STRATA_SEC_MASK, bits, (n + 7) / 8, ZSTD_LEVEL_CODES, threads);
        append_selected(&tmp, src, w, n, bits);
        strata_section_append(payload, STRATA_SEC_SPECIALS, tmp.data, tmp.size, ZSTD_LEVEL_CODES, threads);
        tmp.size = 0;
        memset(bits, 0, (n + 7) / 8);
    }
    const size_t nsym = mask ? strata_codes_gather(&g, codes, mask, sym) : n;
    strata_symbol_levels lv;
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

/* PSNR mode: the largest absolute bound whose reconstruction reaches the target,
 * by a few trial encodings. Uniform errors in [-eb, eb] give MSE = eb^2/3, the
 * first guess; each trial's measured PSNR corrects the next, then bisection in
 * log space between the best bound that reached the target and the smallest
 * that did not. Returns eb = 0 if none reached it (then coded losslessly). */
static strata_status encode_psnr(const strata_field *f, const void *src, size_t n,
                                 const uint8_t *mask, size_t specials, double target,
                                 double vmin, double vmax, unsigned coder, int threads,
                                 strata_buf *best, double *eb_out)
{
    const double range = vmax - vmin, valid = (double)(n - specials);
    double eb = range * sqrt(3.0) * pow(10.0, -target / 20.0), good = 0.0, bad = 0.0;
    *eb_out = 0.0;
    for (int iter = 0; iter < 8; iter++) {
        eb = strata_resolve_abs_bound(STRATA_MODE_ABS, eb, 0.0, 0.0);
        if (eb <= 0) break;
        strata_buf trial = {0};
        double sq;
        strata_status st = encode_interp(f, src, NULL, n, mask, specials, eb, coder, threads, &trial, &sq);
        if (st != STRATA_OK) { strata_buf_free(&trial); strata_buf_free(best); return st; }
        const double psnr = sq > 0 ? 10.0 * log10(range * range * valid / sq) : INFINITY;
        if (psnr >= target) {
            if (!best->data || trial.size <= best->size) {
                strata_buf_free(best);
                *best = trial;
                *eb_out = eb;
            } else {
                strata_buf_free(&trial);
            }
            good = eb > good ? eb : good;
        } else {
            strata_buf_free(&trial);
            bad = bad == 0.0 || eb < bad ? eb : bad;
        }
        if (good > 0 && bad > 0) {
            if (bad / good < 1.03) break;
            eb = sqrt(good * bad);
        } else {
            /* Scale by the PSNR gap (error ~ eb), nudged past the target. */
            double gap = isinf(psnr) ? 20.0 : psnr - target;
            eb *= pow(10.0, gap / 20.0) * (psnr >= target ? 1.05 : 0.95);
        }
    }
    return STRATA_OK;
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
    strata_scan(&h.info.field, src, n, NULL, threads, &scan);
    if (scan.specials) {
        /* The mask costs a byte a point: only fields with special points pay it. */
        mask = malloc(n);
        if (!mask) return STRATA_ERR_NOMEM;
        strata_scan(&h.info.field, src, n, mask, threads, &scan);
    }
    h.info.valid_min = scan.vmin;
    h.info.valid_max = scan.vmax;
    const unsigned coder = p->coder == STRATA_CODER_DEFAULT ? STRATA_CODER_RANGE_CTX : (unsigned)p->coder;
    double eb = 0.0;
    if (p->mode == STRATA_MODE_PSNR && scan.vmax > scan.vmin) {
        st = encode_psnr(&h.info.field, src, n, mask, scan.specials, p->bound, scan.vmin,
                         scan.vmax, coder, threads, &payload, &eb);
    } else if ((eb = strata_resolve_abs_bound(p->mode, p->bound, scan.vmin, scan.vmax)) > 0) {
        st = encode_interp(&h.info.field, src, inplace, n, mask, scan.specials, eb, coder, threads,
                           &payload, NULL);
    }
    if (st == STRATA_OK && eb > 0) {
        h.method = STRATA_METHOD_INTERP;
        h.info.abs_bound = eb;
    } else if (st == STRATA_OK) {
        /* Lossless asked for, or a bound of zero width (constant field, no valid
         * points) where exact coding is the only way to honour it. */
        h.method = STRATA_METHOD_LOSSLESS;
        st = encode_lossless(src, n, w, threads, &payload);
    }
    free(mask);
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
