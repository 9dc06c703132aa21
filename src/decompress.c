/* decompress.c - strata_read_header() and strata_decompress(): check the
 * container, load the sections, undo entropy coding and the decomposition. */
#include <stdlib.h>
#include "common/format.h"
#include "common/bytes.h"
#include "common/params_section.h"
#include "decompose/grid.h"
#include "decompose/wavelet.h"
#include "entropy/segments.h"
#include "entropy/section.h"
#include "lossless/lossless.h"

static int is_container(const void *src, size_t size)
{
    return size >= 4 && memcmp(src, STRATA_CONTAINER_MAGIC, 4) == 0;
}

strata_status strata_read_header(const void *src, size_t src_size, strata_stream_info *info)
{
    STRATA_RETURN_IF(!src || !info, STRATA_ERR_INVALID_ARG);
    if (is_container(src, src_size)) {
        strata_container c;
        STRATA_FORWARD(strata_container_parse(src, src_size, &c));
        *info = c.info;
        return STRATA_OK;
    }
    strata_header h;
    STRATA_FORWARD(strata_header_parse(src, src_size, &h));
    *info = h.info;
    return STRATA_OK;
}

/* Writes the values of sec (count values of width w, index order) to the points
 * whose bit is set (STRATA_FOR_SET_BITS); the count must match exactly. */
static strata_status place_values(const strata_section *sec, uint8_t *dst, size_t n, size_t w,
                                  const uint8_t *bits, size_t count, int threads)
{
    if (count == 0) return sec->present && sec->raw_size ? STRATA_ERR_CORRUPT : STRATA_OK;
    uint8_t *vals = malloc(count * w);
    STRATA_RETURN_IF(!vals, STRATA_ERR_NOMEM);
    strata_status st = strata_section_load(sec, vals, count * w, threads);
    if (st == STRATA_OK) {
        const uint8_t *v = vals;
        STRATA_FOR_SET_BITS(bits, n, i, memcpy(dst + i * w, v, w); v += w);
    }
    free(vals);
    return st;
}

/* Loads the MASK section into bits and mask and counts the special points; an
 * absent MASK leaves both NULL and the count 0. */
static strata_status load_mask(const strata_section *sec, size_t n, int threads, uint8_t **bits_out,
                               uint8_t **mask_out, size_t *specials_out)
{
    *bits_out = NULL;
    *mask_out = NULL;
    *specials_out = 0;
    STRATA_RETURN_IF(sec[STRATA_SEC_MASK].present != sec[STRATA_SEC_SPECIALS].present, STRATA_ERR_CORRUPT);
    if (!sec[STRATA_SEC_MASK].present) return STRATA_OK;
    uint8_t *bits = malloc((n + 7) / 8), *mask = malloc(n);
    size_t specials = 0;
    strata_status st = STRATA_ERR_NOMEM;
    if (bits && mask) st = strata_section_load(&sec[STRATA_SEC_MASK], bits, (n + 7) / 8, threads);
    if (st == STRATA_OK) {
        for (size_t i = 0; i < n; i++) specials += mask[i] = (bits[i >> 3] >> (i & 7)) & 1;
        /* An encoder never writes an empty mask, nor bits past the last point. */
        if (specials == 0 || ((n & 7) && bits[n >> 3] >> (n & 7))) st = STRATA_ERR_CORRUPT;
    }
    if (st != STRATA_OK) {
        free(bits);
        free(mask);
        return st;
    }
    *bits_out = bits;
    *mask_out = mask;
    *specials_out = specials;
    return STRATA_OK;
}

/* Decodes the CODES section (segments of `coder`, stored or zstd) into sym. */
static strata_status load_codes(const strata_section *cs, const strata_segment_coder *coder, size_t n,
                                uint16_t *sym, size_t nsym, const strata_symbol_levels *lv, int threads)
{
    STRATA_RETURN_IF(!cs->present, STRATA_ERR_CORRUPT);
    if (cs->coding != STRATA_CODING_ZSTD)
        return strata_segments_decode(coder, cs->data, cs->stored_size, sym, nsym, lv, threads);
    /* The segments are decoded from a zstd-decompressed copy. */
    STRATA_RETURN_IF(cs->raw_size > (uint64_t)n * 4 + 65536, STRATA_ERR_CORRUPT); /* plausibility cap */
    uint8_t *raw = malloc((size_t)cs->raw_size + 1);
    STRATA_RETURN_IF(!raw, STRATA_ERR_NOMEM);
    strata_status st = strata_section_load(cs, raw, (size_t)cs->raw_size, threads);
    if (st == STRATA_OK) st = strata_segments_decode(coder, raw, (size_t)cs->raw_size, sym, nsym, lv, threads);
    free(raw);
    return st;
}

static strata_status decode_interp(const strata_header *h, const strata_section *sec,
                                   uint8_t *dst, int threads)
{
    const strata_field *f = &h->info.field;
    const size_t n = h->count, w = strata_dtype_size(f->dtype);
    strata_grid g;
    strata_grid_init(&g, f);
    strata_level_plan plan[STRATA_MAX_LEVELS];
    const strata_section *ps = &sec[STRATA_SEC_PARAMS];
    STRATA_RETURN_IF(!ps->present || ps->coding != STRATA_CODING_STORED, STRATA_ERR_CORRUPT);
    unsigned coder_id;
    int binary32;
    STRATA_RETURN_IF(!strata_params_read(&g, h, ps->data, ps->stored_size, plan, &coder_id, &binary32),
                     STRATA_ERR_CORRUPT);
    /* Coder 4 needs subbands: method 4 only. */
    const strata_segment_coder *coder = strata_segment_coder_get(coder_id);
    STRATA_RETURN_IF(!coder || coder_id == STRATA_CODER_RANGE_BANDS, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(sec[STRATA_SEC_RAW].present, STRATA_ERR_CORRUPT);

    uint8_t *mask, *bits;
    uint16_t *codes = NULL, *sym = NULL;
    size_t specials;
    strata_status st = load_mask(sec, n, threads, &bits, &mask, &specials);
    if (st != STRATA_OK) return st;
    st = STRATA_ERR_NOMEM;
    /* Without a mask the decomposition reads the symbols in place (level order);
     * with one, they are scattered to index order first. */
    sym = strata_alloc_large((n - specials + 1) * sizeof *sym, 0);
    if (!sym || (mask && !(codes = strata_alloc_large(n * sizeof *codes, 0)))) goto done;
    const size_t nsym = n - specials;
    strata_symbol_levels lv = {0};
    size_t n1, n0;
    strata_fine_level_counts(&g, mask, &n1, &n0);
    lv.fine0 = nsym - n0;
    lv.fine1 = lv.fine0 - n1;
    st = load_codes(&sec[STRATA_SEC_CODES], coder, n, sym, nsym, &lv, threads);
    if (st != STRATA_OK) goto done;
    if (mask) {
        st = STRATA_ERR_CORRUPT;
        if (!strata_codes_scatter(&g, sym, nsym, mask, codes)) goto done;
        free(sym);
        sym = NULL;
        st = place_values(&sec[STRATA_SEC_SPECIALS], dst, n, w, bits, specials, threads);
        if (st != STRATA_OK) goto done;
        memset(bits, 0, (n + 7) / 8);
    } else {
        codes = sym;
        sym = NULL;
        st = STRATA_ERR_NOMEM;
        if (!(bits = strata_alloc_large((n + 7) / 8, 1))) goto done;
    }
    const size_t unpred = strata_unpred_bits(&g, codes, mask, bits, threads);
    st = place_values(&sec[STRATA_SEC_UNPRED], dst, n, w, bits, unpred, threads);
    if (st != STRATA_OK) goto done;
    if (f->dtype == STRATA_FLOAT32) strata_interp_decode_f32(&g, plan, (float *)dst, codes, mask, binary32, threads);
    else strata_interp_decode_f64(&g, plan, (double *)dst, codes, mask, 0, threads);
done:
    free(bits); free(mask); free(codes); free(sym);
    return st;
}

/* Method 4: indices to coefficients, inverse transform, rounded to the dtype;
 * the special points are then written over. */
static strata_status decode_wavelet(const strata_header *h, const strata_section *sec, uint8_t *dst,
                                    int threads)
{
    const strata_field *f = &h->info.field;
    const size_t n = h->count, w = strata_dtype_size(f->dtype);
    strata_grid g;
    strata_grid_init(&g, f);
    const strata_section *ps = &sec[STRATA_SEC_PARAMS];
    STRATA_RETURN_IF(!ps->present || ps->coding != STRATA_CODING_STORED, STRATA_ERR_CORRUPT);
    uint8_t levels[4];
    unsigned coder_id;
    double step;
    STRATA_RETURN_IF(!strata_wavelet_params_read(&g, ps->data, ps->stored_size, levels, &coder_id, &step),
                     STRATA_ERR_CORRUPT);
    const strata_segment_coder *coder = strata_segment_coder_get(coder_id);
    STRATA_RETURN_IF(!coder || sec[STRATA_SEC_RAW].present, STRATA_ERR_CORRUPT);
    const strata_section *es = &sec[STRATA_SEC_UNPRED];
    STRATA_RETURN_IF(es->present && (es->raw_size % 8 || es->raw_size / 8 > n), STRATA_ERR_CORRUPT);
    const size_t nesc = es->present ? (size_t)es->raw_size / 8 : 0;

    uint8_t *mask, *bits, *raw_esc = NULL;
    size_t specials;
    strata_status st = load_mask(sec, n, threads, &bits, &mask, &specials);
    if (st != STRATA_OK) return st;
    uint16_t *codes = malloc(n * sizeof *codes);
    double *y = malloc(n * sizeof *y);
    int64_t *esc = malloc((nesc + 1) * sizeof *esc);
    st = STRATA_ERR_NOMEM;
    if (!codes || !y || !esc || !(raw_esc = malloc(nesc * 8 + 1))) goto done;
    strata_subband bands[STRATA_WAVELET_MAX_BANDS];
    strata_symbol_levels lv;
    strata_wavelet_symbol_levels(&g, levels, bands, &lv);
    st = load_codes(&sec[STRATA_SEC_CODES], coder, n, codes, n, &lv, threads);
    if (st == STRATA_OK && nesc) st = strata_section_load(es, raw_esc, nesc * 8, threads);
    if (st != STRATA_OK) goto done;
    for (size_t i = 0; i < nesc; i++) esc[i] = (int64_t)strata_get_u64(raw_esc + 8 * i);
    st = STRATA_ERR_CORRUPT;
    if (!strata_wavelet_dequantize(&g, levels, codes, esc, nesc, step, y)) goto done;
    st = STRATA_ERR_NOMEM;
    if (!strata_wavelet_inverse(&g, levels, y, threads)) goto done;
    strata_wavelet_store(f->dtype, y, n, dst);
    st = mask ? place_values(&sec[STRATA_SEC_SPECIALS], dst, n, w, bits, specials, threads) : STRATA_OK;
done:
    free(bits); free(mask); free(codes); free(y); free(esc); free(raw_esc);
    return st;
}

static strata_status decode_payload(const strata_header *h, const uint8_t *payload, uint8_t *dst,
                                    int threads)
{
    strata_section sec[STRATA_SEC_COUNT_];
    STRATA_FORWARD(strata_sections_parse(payload, (size_t)h->payload_size, sec));
    const size_t n = h->count, w = strata_dtype_size(h->info.field.dtype);
    switch (h->method) {
    case STRATA_METHOD_RAW:
        return strata_section_load(&sec[STRATA_SEC_RAW], dst, n * w, threads);
    case STRATA_METHOD_LOSSLESS: {
        uint8_t *t = malloc(n * w);
        STRATA_RETURN_IF(!t, STRATA_ERR_NOMEM);
        strata_status st = strata_section_load(&sec[STRATA_SEC_RAW], t, n * w, threads);
        if (st == STRATA_OK) strata_lossless_inverse(t, n, w, dst);
        free(t);
        return st;
    }
    case STRATA_METHOD_INTERP:
        return decode_interp(h, sec, dst, threads);
    case STRATA_METHOD_WAVELET:
        return decode_wavelet(h, sec, dst, threads);
    default:
        return STRATA_ERR_CORRUPT;
    }
}

static strata_status decompress_stream(const void *src, size_t src_size, void *dst,
                                       size_t dst_capacity, int threads, strata_stream_info *info);

/* A block must be a plain stream describing exactly its slab of the container. */
static int block_matches(const strata_stream_info *b, const strata_field *bf, const strata_container *c)
{
    const strata_field *f = &b->field;
    if (f->dtype != bf->dtype || f->ndims != bf->ndims || f->has_fill != bf->has_fill) return 0;
    if (f->has_fill && memcmp(&f->fill_value, &bf->fill_value, sizeof(double)) != 0) return 0;
    for (unsigned i = 0; i < f->ndims; i++) if (f->dims[i] != bf->dims[i]) return 0;
    if (b->mode == STRATA_MODE_LOSSLESS) return 1;
    return b->mode == STRATA_MODE_ABS && b->abs_bound == c->info.abs_bound;
}

static strata_status decompress_container(const uint8_t *src, size_t src_size, uint8_t *dst,
                                          size_t cap, int threads, strata_stream_info *info)
{
    strata_container c;
    STRATA_FORWARD(strata_container_parse(src, src_size, &c));
    STRATA_RETURN_IF(src_size < c.info.stream_size, STRATA_ERR_TRUNCATED);
    STRATA_RETURN_IF(cap < c.info.raw_size, STRATA_ERR_DST_TOO_SMALL);
    const size_t nb = (size_t)c.info.blocks, w = strata_dtype_size(c.info.field.dtype);
    size_t *offs = malloc((nb + 1) * sizeof *offs);
    strata_status *bst = malloc(nb * sizeof *bst);
    if (!offs || !bst) { free(offs); free(bst); return STRATA_ERR_NOMEM; }
    offs[0] = strata_container_header_size(nb);
    for (size_t i = 0; i < nb; i++) offs[i + 1] = offs[i] + (size_t)strata_get_u64(c.index + 8 * i);
    const int nt = strata_thread_count(threads), outer = nb > 1 && nt > 1;
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (outer)
    for (long long i = 0; i < (long long)nb; i++) {
        strata_field bf;
        size_t first;
        strata_stream_info bi;
        const uint8_t *b = src + offs[i];
        const size_t bsize = offs[i + 1] - offs[i];
        strata_status s = strata_block_field(&c.info.field, (size_t)i, &bf, &first);
        if (s == STRATA_OK) s = is_container(b, bsize) ? STRATA_ERR_CORRUPT : strata_read_header(b, bsize, &bi);
        if (s == STRATA_OK && !block_matches(&bi, &bf, &c)) s = STRATA_ERR_CORRUPT;
        if (s == STRATA_OK)
            s = decompress_stream(b, bsize, dst + first * w, bi.raw_size, outer ? 1 : nt, NULL);
        bst[i] = s;
    }
    const strata_status st = strata_first_error(bst, nb);
    free(offs);
    free(bst);
    if (st == STRATA_OK && info) *info = c.info;
    return st;
}

strata_status strata_decompress(const void *src, size_t src_size, void *dst, size_t dst_capacity,
                                int threads, strata_stream_info *info)
{
    STRATA_RETURN_IF(!src || !dst || threads < 0, STRATA_ERR_INVALID_ARG);
    if (is_container(src, src_size))
        return decompress_container(src, src_size, dst, dst_capacity, threads, info);
    return decompress_stream(src, src_size, dst, dst_capacity, threads, info);
}

static strata_status decompress_stream(const void *src, size_t src_size, void *dst,
                                       size_t dst_capacity, int threads, strata_stream_info *info)
{
    strata_header h;
    STRATA_FORWARD(strata_header_parse(src, src_size, &h));
    STRATA_RETURN_IF(src_size - STRATA_HEADER_SIZE < h.payload_size, STRATA_ERR_TRUNCATED);
    const uint8_t *payload = (const uint8_t *)src + STRATA_HEADER_SIZE;
    STRATA_RETURN_IF(strata_checksum64(payload, (size_t)h.payload_size) != h.payload_checksum,
                     STRATA_ERR_CHECKSUM);
    STRATA_RETURN_IF(dst_capacity < h.info.raw_size, STRATA_ERR_DST_TOO_SMALL);
    const size_t align = strata_dtype_size(h.info.field.dtype);
    uint8_t *out = dst, *aligned = NULL;
    if ((uintptr_t)dst % align) {
        /* The decoder works on typed values; decode unaligned outputs via a copy. */
        aligned = malloc(h.info.raw_size);
        STRATA_RETURN_IF(!aligned, STRATA_ERR_NOMEM);
        out = aligned;
    }
    strata_status st = decode_payload(&h, payload, out, strata_thread_count(threads));
    if (aligned) {
        if (st == STRATA_OK) memcpy(dst, aligned, h.info.raw_size);
        free(aligned);
    }
    if (st == STRATA_OK && info) *info = h.info;
    return st;
}
