/* segments.c - parallel driver and framing for segment coders. */
#include <stdlib.h>
#include "segments.h"

strata_status strata_segments_encode(const strata_segment_coder *c, const uint16_t *sym,
                                     size_t count, size_t seg_len, const strata_symbol_levels *lv,
                                     int threads, strata_buf *out)
{
    STRATA_RETURN_IF(seg_len == 0 || seg_len > UINT32_MAX, STRATA_ERR_INVALID_ARG);
    const size_t nseg = (count + seg_len - 1) / seg_len;
    STRATA_RETURN_IF(nseg > UINT32_MAX, STRATA_ERR_UNSUPPORTED);
    strata_buf *segs = calloc(nseg ? nseg : 1, sizeof *segs);
    STRATA_RETURN_IF(!segs, STRATA_ERR_NOMEM);
    int failed = 0;
    #pragma omp parallel num_threads(threads) if (threads > 1 && nseg > 1) reduction(| : failed)
    {
        void *scratch = NULL;
        #pragma omp for schedule(dynamic, 1)
        for (long long i = 0; i < (long long)nseg; i++) {
            size_t lo = (size_t)i * seg_len, n = count - lo < seg_len ? count - lo : seg_len;
            if (!c->encode(sym + lo, n, lo, lv, &scratch, &segs[i]) || segs[i].failed) failed = 1;
        }
        if (c->release) c->release(scratch);
        else free(scratch);
    }
    uint8_t head[16];
    strata_put_u64(head, count);
    strata_put_u32(head + 8, (uint32_t)seg_len);
    strata_put_u32(head + 12, (uint32_t)nseg);
    strata_buf_append(out, head, 16);
    for (size_t i = 0; i < nseg && !failed; i++) {
        uint8_t sz[8];
        strata_put_u64(sz, segs[i].size);
        strata_buf_append(out, sz, 8);
    }
    for (size_t i = 0; i < nseg; i++) {
        if (!failed) strata_buf_append(out, segs[i].data, segs[i].size);
        strata_buf_free(&segs[i]);
    }
    free(segs);
    return failed || out->failed ? STRATA_ERR_NOMEM : STRATA_OK;
}

strata_status strata_segments_decode(const strata_segment_coder *c, const uint8_t *src,
                                     size_t size, uint16_t *sym, size_t count,
                                     const strata_symbol_levels *lv, int threads)
{
    STRATA_RETURN_IF(size < 16, STRATA_ERR_CORRUPT);
    uint64_t total = strata_get_u64(src), seg_len = strata_get_u32(src + 8),
             nseg = strata_get_u32(src + 12);
    STRATA_RETURN_IF(total != count || seg_len == 0, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(nseg != (count + seg_len - 1) / seg_len, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF((size - 16) / 8 < nseg, STRATA_ERR_CORRUPT);
    size_t *offs = malloc((nseg + 1) * sizeof *offs);
    STRATA_RETURN_IF(!offs, STRATA_ERR_NOMEM);
    size_t pos = 16 + (size_t)nseg * 8;
    int bad = 0;
    for (size_t i = 0; i < nseg; i++) {
        uint64_t sz = strata_get_u64(src + 16 + 8 * i);
        offs[i] = pos;
        if (sz > size - pos) { bad = 1; break; }
        pos += (size_t)sz;
    }
    offs[nseg] = pos;
    if (bad || pos != size) { free(offs); return STRATA_ERR_CORRUPT; }
    /* A task is one segment, or two where the coder decodes pairs and there
     * are enough pairs to keep the threads evenly busy. */
    const size_t per = c->decode2 && (threads <= 1 || nseg >= 8 * (size_t)threads) ? 2 : 1,
                 tasks = (nseg + per - 1) / per;
    #pragma omp parallel num_threads(threads) if (threads > 1 && tasks > 1) reduction(| : bad)
    {
        void *scratch = NULL;
        #pragma omp for schedule(dynamic, 1)
        for (long long k = 0; k < (long long)tasks; k++) {
            const uint8_t *s[2];
            size_t sz[2], n[2];
            uint16_t *out[2];
            const size_t i0 = (size_t)k * per, m = nseg - i0 < per ? nseg - i0 : per;
            for (size_t j = 0; j < m; j++) {
                const size_t lo = (i0 + j) * seg_len;
                s[j] = src + offs[i0 + j];
                sz[j] = offs[i0 + j + 1] - offs[i0 + j];
                out[j] = sym + lo;
                n[j] = count - lo < seg_len ? count - lo : seg_len;
            }
            const size_t first = i0 * seg_len;
            if (m == 2 ? !c->decode2(s, sz, out, n, first, lv, &scratch)
                       : !c->decode(s[0], sz[0], out[0], n[0], first, lv, &scratch))
                bad |= 1;
        }
        free(scratch);
    }
    free(offs);
    return bad ? STRATA_ERR_CORRUPT : STRATA_OK;
}

const strata_segment_coder *strata_segment_coder_get(unsigned id)
{
    static const strata_segment_coder huffman = {.encode = strata_huffman_encode_segment,
                                                 .decode = strata_huffman_decode_segment,
                                                 .decode2 = strata_huffman_decode_segment2};
    static const strata_segment_coder huffman_ctx = {.encode = strata_huffman_ctx_encode_segment,
                                                     .decode = strata_huffman_ctx_decode_segment,
                                                     .release = strata_huffman_ctx_release};
    static const strata_segment_coder range = {.encode = strata_range_encode_segment,
                                               .decode = strata_range_decode_segment};
    static const strata_segment_coder range_ctx = {.encode = strata_range3_encode_segment,
                                                   .decode = strata_range3_decode_segment};
    static const strata_segment_coder range_bands = {.encode = strata_range4_encode_segment,
                                                     .decode = strata_range4_decode_segment};
    static const strata_segment_coder ans_ctx = {.encode = strata_ans_ctx_encode_segment,
                                                 .decode = strata_ans_ctx_decode_segment};
    return id == STRATA_CODER_HUFFMAN ? &huffman : id == STRATA_CODER_RANGE ? &range
         : id == STRATA_CODER_RANGE_CTX ? &range_ctx : id == STRATA_CODER_RANGE_BANDS ? &range_bands
         : id == STRATA_CODER_HUFFMAN_CTX ? &huffman_ctx : id == STRATA_CODER_ANS_CTX ? &ans_ctx : NULL;
}
