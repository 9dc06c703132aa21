/* section.c - zstd back end for payload sections. */
#include <zstd.h>
#include "section.h"

void strata_section_append(strata_buf *payload, strata_section_id id,
                           const void *data, size_t size, int zstd_level)
{
    const size_t bound = ZSTD_compressBound(size);
    if (!strata_buf_reserve(payload, STRATA_SECTION_HEADER_SIZE + (bound > size ? bound : size)))
        return;
    uint8_t *h = payload->data + payload->size, *body = h + STRATA_SECTION_HEADER_SIZE;
    size_t stored = size;
    strata_coding coding = STRATA_CODING_STORED;
    if (zstd_level != STRATA_STORE && size >= 64) {
        size_t z = ZSTD_compress(body, bound, data, size, zstd_level);
        if (!ZSTD_isError(z) && z < size) { stored = z; coding = STRATA_CODING_ZSTD; }
    }
    if (coding == STRATA_CODING_STORED && size) memcpy(body, data, size);
    strata_put_u32(h, (uint32_t)id);
    strata_put_u32(h + 4, (uint32_t)coding);
    strata_put_u64(h + 8, size);
    strata_put_u64(h + 16, stored);
    payload->size += STRATA_SECTION_HEADER_SIZE + stored;
}

strata_status strata_section_load(const strata_section *sec, void *dst, size_t dst_size)
{
    STRATA_RETURN_IF(!sec->present || sec->raw_size != dst_size, STRATA_ERR_CORRUPT);
    if (sec->coding == STRATA_CODING_STORED) {
        if (dst_size) memcpy(dst, sec->data, dst_size);
        return STRATA_OK;
    }
    unsigned long long frame = ZSTD_getFrameContentSize(sec->data, sec->stored_size);
    STRATA_RETURN_IF(frame != dst_size, STRATA_ERR_CORRUPT);
    size_t r = ZSTD_decompress(dst, dst_size, sec->data, sec->stored_size);
    STRATA_RETURN_IF(ZSTD_isError(r) || r != dst_size, STRATA_ERR_CORRUPT);
    return STRATA_OK;
}
