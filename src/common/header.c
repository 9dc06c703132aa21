/* header.c - the fixed 112-byte stream header and the section table. */
#include <math.h>
#include "format.h"
#include "bytes.h"

void strata_header_write(const strata_header *h, uint8_t *d)
{
    const strata_stream_info *in = &h->info;
    memset(d, 0, STRATA_HEADER_SIZE);
    memcpy(d, STRATA_MAGIC, 4);
    strata_put_u16(d + 4, (uint16_t)strata_stream_version(h->method, h->binary32));
    strata_put_u16(d + 6, STRATA_HEADER_SIZE);
    d[8] = (uint8_t)in->field.dtype;
    d[9] = (uint8_t)in->field.ndims;
    d[10] = (uint8_t)in->mode;
    d[11] = in->field.has_fill ? STRATA_FLAG_HAS_FILL : 0;
    d[12] = (uint8_t)h->method;
    for (unsigned i = 0; i < in->field.ndims; i++) strata_put_u64(d + 16 + 8 * i, in->field.dims[i]);
    strata_put_f64(d + 48, in->bound);
    strata_put_f64(d + 56, in->abs_bound);
    strata_put_f64(d + 64, in->field.has_fill ? in->field.fill_value : 0.0);
    strata_put_f64(d + 72, in->valid_min);
    strata_put_f64(d + 80, in->valid_max);
    strata_put_u64(d + 88, h->payload_size);
    strata_put_u64(d + 96, h->payload_checksum);
    strata_put_u32(d + 104, (uint32_t)strata_checksum64(d, 104));
}

void strata_header_init(strata_header *h, const strata_field *f, const strata_params *p)
{
    memset(h, 0, sizeof *h);
    h->info.field = *f;
    for (unsigned i = f->ndims; i < STRATA_MAX_DIMS; i++) h->info.field.dims[i] = 0;
    if (f->has_fill)
        h->info.field.fill_value = f->dtype == STRATA_FLOAT32 ? (double)(float)f->fill_value : f->fill_value;
    h->info.mode = p->mode;
    h->info.bound = p->mode == STRATA_MODE_LOSSLESS ? 0.0 : p->bound;
}

strata_status strata_stream_write(strata_header *h, const uint8_t *payload, size_t payload_size,
                                  void *dst, size_t cap, size_t *dst_size)
{
    h->info.method = h->method;
    h->payload_size = payload_size;
    h->payload_checksum = strata_checksum64(payload, payload_size);
    STRATA_RETURN_IF(cap < STRATA_HEADER_SIZE || payload_size > cap - STRATA_HEADER_SIZE,
                     STRATA_ERR_DST_TOO_SMALL);
    strata_header_write(h, dst);
    if (payload_size) memcpy((uint8_t *)dst + STRATA_HEADER_SIZE, payload, payload_size);
    *dst_size = STRATA_HEADER_SIZE + payload_size;
    return STRATA_OK;
}

strata_status strata_header_parse(const uint8_t *s, size_t size, strata_header *h)
{
    STRATA_RETURN_IF(!s || !h, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(size < 8, STRATA_ERR_TRUNCATED);
    STRATA_RETURN_IF(memcmp(s, STRATA_MAGIC, 4) != 0, STRATA_ERR_CORRUPT);
    unsigned version = strata_get_u16(s + 4);
    STRATA_RETURN_IF(version == 0, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(version > STRATA_FORMAT_VERSION, STRATA_ERR_VERSION);
    STRATA_RETURN_IF(strata_get_u16(s + 6) != STRATA_HEADER_SIZE, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(size < STRATA_HEADER_SIZE, STRATA_ERR_TRUNCATED);
    STRATA_RETURN_IF(strata_get_u32(s + 104) != (uint32_t)strata_checksum64(s, 104),
                     STRATA_ERR_CHECKSUM);

    memset(h, 0, sizeof *h);
    strata_stream_info *in = &h->info;
    in->format_version = version;
    strata_field *f = &in->field;
    f->size = sizeof *f;
    f->dtype = (strata_dtype)s[8];
    f->ndims = s[9];
    in->mode = (strata_mode)s[10];
    unsigned flags = s[11];
    h->method = (strata_method)s[12];
    STRATA_RETURN_IF(!strata_dtype_size(f->dtype), STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(f->ndims < 1 || f->ndims > STRATA_MAX_DIMS, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(in->mode < STRATA_MODE_ABS || in->mode > STRATA_MODE_PSNR ||
                     in->mode == STRATA_MODE_RESERVED_PW_REL_, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(flags & ~STRATA_KNOWN_FLAGS, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF((unsigned)h->method >= STRATA_METHOD_COUNT_ || h->method == STRATA_METHOD_CONTAINER ||
                     strata_method_version(h->method) > version, STRATA_ERR_CORRUPT);
    for (int i = 13; i < 16; i++) STRATA_RETURN_IF(s[i] != 0, STRATA_ERR_CORRUPT);
    /* Reserved and outside the header checksum: must be zero, so no flip passes. */
    STRATA_RETURN_IF(strata_get_u32(s + 108) != 0, STRATA_ERR_CORRUPT);
    size_t n = 1;
    for (unsigned i = 0; i < STRATA_MAX_DIMS; i++) {
        uint64_t d = strata_get_u64(s + 16 + 8 * i);
        if (i >= f->ndims) { STRATA_RETURN_IF(d != 0, STRATA_ERR_CORRUPT); continue; }
        STRATA_RETURN_IF(d == 0 || d > SIZE_MAX, STRATA_ERR_CORRUPT);
        f->dims[i] = (size_t)d;
        STRATA_RETURN_IF(strata_mul_overflows(n, f->dims[i], &n), STRATA_ERR_CORRUPT);
    }
    size_t raw;
    STRATA_RETURN_IF(strata_mul_overflows(n, strata_dtype_size(f->dtype), &raw), STRATA_ERR_CORRUPT);
    h->count = n;
    in->raw_size = raw;
    in->bound = strata_get_f64(s + 48);
    in->abs_bound = strata_get_f64(s + 56);
    f->has_fill = (flags & STRATA_FLAG_HAS_FILL) != 0;
    f->fill_value = strata_get_f64(s + 64);
    in->valid_min = strata_get_f64(s + 72);
    in->valid_max = strata_get_f64(s + 80);
    h->payload_size = strata_get_u64(s + 88);
    h->payload_checksum = strata_get_u64(s + 96);
    STRATA_RETURN_IF(h->payload_size > UINT64_MAX - STRATA_HEADER_SIZE, STRATA_ERR_CORRUPT);
    in->stream_size = STRATA_HEADER_SIZE + h->payload_size;
    in->method = (unsigned)h->method;
    STRATA_RETURN_IF(!(in->abs_bound >= 0) || !isfinite(in->abs_bound), STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF((h->method == STRATA_METHOD_INTERP || h->method == STRATA_METHOD_WAVELET) &&
                     !(in->abs_bound > 0), STRATA_ERR_CORRUPT);
    return STRATA_OK;
}

strata_status strata_sections_parse(const uint8_t *p, size_t size,
                                    strata_section sec[STRATA_SEC_COUNT_])
{
    memset(sec, 0, sizeof(strata_section) * STRATA_SEC_COUNT_);
    size_t pos = 0;
    while (pos < size) {
        STRATA_RETURN_IF(size - pos < STRATA_SECTION_HEADER_SIZE, STRATA_ERR_CORRUPT);
        const uint8_t *h = p + pos;
        uint32_t id = strata_get_u32(h), coding = strata_get_u32(h + 4);
        uint64_t raw = strata_get_u64(h + 8), stored = strata_get_u64(h + 16);
        pos += STRATA_SECTION_HEADER_SIZE;
        STRATA_RETURN_IF(id == 0 || id >= STRATA_SEC_COUNT_ || sec[id].present, STRATA_ERR_CORRUPT);
        STRATA_RETURN_IF(coding > STRATA_CODING_ZSTD, STRATA_ERR_CORRUPT);
        STRATA_RETURN_IF(stored > size - pos, STRATA_ERR_CORRUPT);
        STRATA_RETURN_IF(coding == STRATA_CODING_STORED && raw != stored, STRATA_ERR_CORRUPT);
        sec[id].present = 1;
        sec[id].coding = (strata_coding)coding;
        sec[id].raw_size = raw;
        sec[id].data = p + pos;
        sec[id].stored_size = (size_t)stored;
        pos += (size_t)stored;
    }
    return STRATA_OK;
}
