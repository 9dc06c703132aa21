/* section.c - zstd back end for payload sections. A zstd body is cut into frames of
 * STRATA_ZSTD_FRAME raw bytes, so both directions run one frame a thread and the
 * bytes do not depend on the thread count. */
#include <stdlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getCParams() */
#include <zstd.h>
#include "section.h"

/* A context that codes every frame with the parameters zstd picks at `level`
 * for a 1 MiB input. Left to itself, zstd would pick, for a smaller frame,
 * shorter matches: on Huffman codes, 7-10% of the compression time for about
 * 1% of the size. The fast strategy (levels 1 and below) then looks for
 * matches of 5 bytes, not its 6 or 7, which is where Huffman codes repeat:
 * etopo's CODES (rel 1e-3) then shrink by 18.3%, as at level 3 (18.5%), 2.4x
 * as fast. NULL if out of memory. */
static ZSTD_CCtx *frame_context(int level)
{
    ZSTD_CCtx *cx = ZSTD_createCCtx();
    ZSTD_compressionParameters p = ZSTD_getCParams(level, (unsigned long long)1 << 20, 0);
    if (p.strategy == ZSTD_fast && p.minMatch > 5) p.minMatch = 5;
    const int set[][2] = {{ZSTD_c_compressionLevel, level}, {ZSTD_c_windowLog, (int)p.windowLog},
                          {ZSTD_c_chainLog, (int)p.chainLog}, {ZSTD_c_hashLog, (int)p.hashLog},
                          {ZSTD_c_searchLog, (int)p.searchLog}, {ZSTD_c_minMatch, (int)p.minMatch},
                          {ZSTD_c_targetLength, (int)p.targetLength},
                          {ZSTD_c_strategy, (int)p.strategy}};
    for (size_t i = 0; cx && i < sizeof set / sizeof set[0]; i++)
        if (ZSTD_isError(ZSTD_CCtx_setParameter(cx, (ZSTD_cParameter)set[i][0], set[i][1]))) {
            ZSTD_freeCCtx(cx);
            cx = NULL;
        }
    return cx;
}

/* Whether zstd is worth trying on a large section: the four 16 KiB pieces at
 * 0, 1/4, 1/2 and 3/4 of it must shrink by 1/64 together. Range-coded CODES
 * never do, nor Huffman codes of several bits each; the full attempt would
 * cost a tenth of such a compression. The answer depends on the bytes only. */
static int worth_zstd(const uint8_t *data, size_t size, int level)
{
    enum { PIECE = 1 << 14 };
    if (size < 16 * PIECE) return 1;
    ZSTD_CCtx *cx = frame_context(level);
    uint8_t *z = malloc(ZSTD_compressBound(PIECE));
    size_t sum = 0;
    for (int k = 0; k < 4 && cx && z; k++) {
        const size_t r = ZSTD_compress2(cx, z, ZSTD_compressBound(PIECE), data + (size_t)k * (size / 4), PIECE);
        sum += ZSTD_isError(r) ? PIECE : r;
    }
    const int worth = !cx || !z || sum < 4 * PIECE - 4 * PIECE / 64;
    free(z);
    ZSTD_freeCCtx(cx);
    return worth;
}

void strata_section_append(strata_buf *payload, strata_section_id id, const void *data,
                           size_t size, int zstd_level, int threads)
{
    const size_t frames = size ? (size - 1) / STRATA_ZSTD_FRAME + 1 : 0;
    const size_t frame_bound = ZSTD_compressBound(size < STRATA_ZSTD_FRAME ? size : STRATA_ZSTD_FRAME);
    if (!strata_buf_reserve(payload, STRATA_SECTION_HEADER_SIZE + size)) return;
    uint8_t *h = payload->data + payload->size, *body = h + STRATA_SECTION_HEADER_SIZE;
    size_t stored = size;
    strata_coding coding = STRATA_CODING_STORED;
    uint8_t *z = NULL;
    size_t *zsize = NULL;
    if (zstd_level != STRATA_STORE && size >= 64 && worth_zstd(data, size, zstd_level) &&
        (z = malloc(frames * frame_bound)) &&
        (zsize = malloc(frames * sizeof *zsize))) {
        const long long nf = (long long)frames;
        #pragma omp parallel num_threads(threads) if (threads > 1 && frames > 1)
        {
            ZSTD_CCtx *cx = frame_context(zstd_level); /* one a thread */
            #pragma omp for schedule(dynamic)
            for (long long i = 0; i < nf; i++) {
                const size_t off = (size_t)i * STRATA_ZSTD_FRAME;
                const size_t len = size - off < STRATA_ZSTD_FRAME ? size - off : STRATA_ZSTD_FRAME;
                /* Without a context, an error code: the section is then stored. */
                zsize[i] = cx ? ZSTD_compress2(cx, z + (size_t)i * frame_bound, frame_bound,
                                               (const uint8_t *)data + off, len)
                              : (size_t)-1;
            }
            ZSTD_freeCCtx(cx);
        }
        size_t total = 0;
        for (size_t i = 0; i < frames && total < size; i++)
            total = ZSTD_isError(zsize[i]) ? size : total + zsize[i];
        if (total < size) {
            stored = 0;
            for (size_t i = 0; i < frames; i++) {
                memcpy(body + stored, z + i * frame_bound, zsize[i]);
                stored += zsize[i];
            }
            coding = STRATA_CODING_ZSTD;
        }
    }
    free(z);
    free(zsize);
    if (coding == STRATA_CODING_STORED && size) memcpy(body, data, size);
    strata_put_u32(h, (uint32_t)id);
    strata_put_u32(h + 4, (uint32_t)coding);
    strata_put_u64(h + 8, size);
    strata_put_u64(h + 16, stored);
    payload->size += STRATA_SECTION_HEADER_SIZE + stored;
}

/* Splits a zstd body into its frames: where each starts in the body and in the
 * decoded section. Returns the frame count, 0 if the body is not a sequence of
 * zstd frames (with content sizes) that decode to exactly raw_size bytes. */
static size_t find_frames(const strata_section *sec, size_t *src_off, size_t *dst_off, size_t max)
{
    const uint8_t *p = sec->data;
    size_t at = 0, out = 0, k = 0;
    while (at < sec->stored_size) {
        const size_t left = sec->stored_size - at;
        /* A skippable frame would hide bytes the checksum covers but nothing reads. */
        if (k == max || left < 4 || strata_get_u32(p + at) != ZSTD_MAGICNUMBER) return 0;
        const size_t len = ZSTD_findFrameCompressedSize(p + at, left);
        const unsigned long long content = ZSTD_getFrameContentSize(p + at, left);
        if (ZSTD_isError(len) || content == ZSTD_CONTENTSIZE_UNKNOWN ||
            content == ZSTD_CONTENTSIZE_ERROR || content > sec->raw_size - out)
            return 0;
        src_off[k] = at;
        dst_off[k++] = out;
        at += len;
        out += (size_t)content;
    }
    if (out != sec->raw_size || k == 0) return 0;
    src_off[k] = at;
    dst_off[k] = out;
    return k;
}

strata_status strata_section_load(const strata_section *sec, void *dst, size_t dst_size, int threads)
{
    STRATA_RETURN_IF(!sec->present || sec->raw_size != dst_size, STRATA_ERR_CORRUPT);
    if (sec->coding == STRATA_CODING_STORED) {
        if (dst_size) memcpy(dst, sec->data, dst_size);
        return STRATA_OK;
    }
    /* A frame takes at least 9 bytes: this bounds the frame count. */
    const size_t max = sec->stored_size / 9 + 1;
    size_t *off = malloc(2 * (max + 1) * sizeof *off);
    STRATA_RETURN_IF(!off, STRATA_ERR_NOMEM);
    size_t *src_off = off, *dst_off = off + max + 1;
    const size_t frames = find_frames(sec, src_off, dst_off, max);
    int bad = frames == 0;
    const long long nf = (long long)frames;
    #pragma omp parallel for schedule(dynamic) num_threads(threads) if (threads > 1 && frames > 1) reduction(|:bad)
    for (long long i = 0; i < nf; i++) {
        const size_t want = dst_off[i + 1] - dst_off[i];
        const size_t r = ZSTD_decompress((uint8_t *)dst + dst_off[i], want, sec->data + src_off[i],
                                         src_off[i + 1] - src_off[i]);
        bad |= ZSTD_isError(r) || r != want;
    }
    free(off);
    return bad ? STRATA_ERR_CORRUPT : STRATA_OK;
}
