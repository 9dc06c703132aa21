/* container.c - block containers: how a field is cut into slabs, and the
 * container header and index (format.md, "Block containers"). */
#include <math.h>
#include "format.h"
#include "bytes.h"

size_t strata_block_slab(const strata_field *f)
{
    size_t n = strata_field_count(f);
    if (!n) return 0;
    size_t per_slab = n / f->dims[0]; /* points in one unit of dims[0] */
    size_t slab = STRATA_BLOCK_POINTS / per_slab;
    if (slab < 1) slab = 1;
    return slab < f->dims[0] ? slab : f->dims[0];
}

size_t strata_block_count(const strata_field *f)
{
    size_t slab = strata_block_slab(f);
    return slab ? (f->dims[0] + slab - 1) / slab : 0;
}

strata_status strata_block_field(const strata_field *f, size_t index, strata_field *block,
                                 size_t *first_point)
{
    STRATA_RETURN_IF(!f || !block || !first_point, STRATA_ERR_INVALID_ARG);
    size_t slab = strata_block_slab(f), nb = strata_block_count(f);
    STRATA_RETURN_IF(!slab || index >= nb, STRATA_ERR_INVALID_ARG);
    *block = *f;
    size_t start = index * slab;
    block->dims[0] = f->dims[0] - start < slab ? f->dims[0] - start : slab;
    *first_point = start * (strata_field_count(f) / f->dims[0]);
    return STRATA_OK;
}

size_t strata_container_header_size(size_t blocks)
{
    return blocks > (SIZE_MAX - STRATA_CONTAINER_HEAD) / 8 ? 0 : STRATA_CONTAINER_HEAD + 8 * blocks;
}

strata_status strata_container_write_header(const strata_field *f, const strata_params *p,
                                            double vmin, double vmax, const uint64_t *sizes,
                                            size_t blocks, void *dst, size_t cap)
{
    STRATA_RETURN_IF(!f || !p || !sizes || !dst, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(f->size != sizeof *f || p->size != sizeof *p, STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(!strata_dtype_size(f->dtype) || blocks != strata_block_count(f), STRATA_ERR_INVALID_ARG);
    STRATA_RETURN_IF(!strata_fill_ok(f), STRATA_ERR_INVALID_ARG);
    strata_params bp;
    double eb;
    STRATA_FORWARD(strata_block_params(p, vmin, vmax, &bp, &eb));
    size_t hsize = strata_container_header_size(blocks);
    STRATA_RETURN_IF(!hsize || cap < hsize, STRATA_ERR_DST_TOO_SMALL);
    uint8_t *d = dst;
    memset(d, 0, STRATA_CONTAINER_HEAD);
    memcpy(d, STRATA_CONTAINER_MAGIC, 4);
    strata_put_u16(d + 4, STRATA_CONTAINER_VERSION);
    strata_put_u16(d + 6, STRATA_CONTAINER_HEAD);
    d[8] = (uint8_t)f->dtype;
    d[9] = (uint8_t)f->ndims;
    d[10] = (uint8_t)p->mode;
    d[11] = f->has_fill ? STRATA_FLAG_HAS_FILL : 0;
    for (unsigned i = 0; i < f->ndims; i++) strata_put_u64(d + 16 + 8 * i, f->dims[i]);
    strata_put_f64(d + 48, p->mode == STRATA_MODE_LOSSLESS ? 0.0 : p->bound);
    strata_put_f64(d + 56, eb);
    double fill = f->dtype == STRATA_FLOAT32 ? (double)(float)f->fill_value : f->fill_value;
    strata_put_f64(d + 64, f->has_fill ? fill : 0.0);
    strata_put_f64(d + 72, vmin);
    strata_put_f64(d + 80, vmax);
    strata_put_u64(d + 88, strata_block_slab(f));
    strata_put_u64(d + 96, blocks);
    uint64_t total = 0;
    for (size_t i = 0; i < blocks; i++) {
        STRATA_RETURN_IF(sizes[i] > UINT64_MAX - total, STRATA_ERR_INVALID_ARG);
        total += sizes[i];
        strata_put_u64(d + STRATA_CONTAINER_HEAD + 8 * i, sizes[i]);
    }
    strata_put_u64(d + 104, total);
    strata_put_u32(d + 112, (uint32_t)strata_checksum64(d, 112));
    strata_put_u32(d + 116, (uint32_t)strata_checksum64(d + STRATA_CONTAINER_HEAD, 8 * blocks));
    return STRATA_OK;
}

strata_status strata_container_parse(const uint8_t *s, size_t size, strata_container *c)
{
    STRATA_RETURN_IF(size < STRATA_CONTAINER_HEAD, STRATA_ERR_TRUNCATED);
    STRATA_RETURN_IF(memcmp(s, STRATA_CONTAINER_MAGIC, 4) != 0, STRATA_ERR_CORRUPT);
    unsigned version = strata_get_u16(s + 4);
    STRATA_RETURN_IF(version == 0, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(version > STRATA_FORMAT_VERSION, STRATA_ERR_VERSION);
    STRATA_RETURN_IF(strata_get_u16(s + 6) != STRATA_CONTAINER_HEAD, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(strata_get_u32(s + 112) != (uint32_t)strata_checksum64(s, 112), STRATA_ERR_CHECKSUM);
    memset(c, 0, sizeof *c);
    strata_stream_info *in = &c->info;
    strata_field *f = &in->field;
    f->size = sizeof *f;
    f->dtype = (strata_dtype)s[8];
    f->ndims = s[9];
    in->mode = (strata_mode)s[10];
    STRATA_RETURN_IF(!strata_dtype_size(f->dtype) || f->ndims < 1 || f->ndims > STRATA_MAX_DIMS,
                     STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(in->mode < STRATA_MODE_ABS || in->mode > STRATA_MODE_LOSSLESS, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(s[11] & ~STRATA_KNOWN_FLAGS, STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(strata_get_u32(s + 12) != 0 || strata_get_u64(s + 120) != 0, STRATA_ERR_CORRUPT);
    for (unsigned i = 0; i < STRATA_MAX_DIMS; i++) {
        uint64_t d = strata_get_u64(s + 16 + 8 * i);
        STRATA_RETURN_IF(i < f->ndims ? (d == 0 || d > SIZE_MAX) : d != 0, STRATA_ERR_CORRUPT);
        f->dims[i] = (size_t)d;
    }
    size_t n = strata_field_count(f), raw;
    STRATA_RETURN_IF(!n || strata_mul_overflows(n, strata_dtype_size(f->dtype), &raw), STRATA_ERR_CORRUPT);
    f->has_fill = (s[11] & STRATA_FLAG_HAS_FILL) != 0;
    in->format_version = version;
    in->bound = strata_get_f64(s + 48);
    in->abs_bound = strata_get_f64(s + 56);
    f->fill_value = strata_get_f64(s + 64);
    in->valid_min = strata_get_f64(s + 72);
    in->valid_max = strata_get_f64(s + 80);
    in->slab = strata_get_u64(s + 88);
    in->blocks = strata_get_u64(s + 96);
    c->payload_size = strata_get_u64(s + 104);
    in->raw_size = raw;
    in->method = STRATA_METHOD_CONTAINER;
    STRATA_RETURN_IF(in->slab != strata_block_slab(f) || in->blocks != strata_block_count(f),
                     STRATA_ERR_CORRUPT);
    STRATA_RETURN_IF(!(in->abs_bound >= 0) || !isfinite(in->abs_bound), STRATA_ERR_CORRUPT);
    size_t hsize = strata_container_header_size((size_t)in->blocks);
    STRATA_RETURN_IF(size < hsize, STRATA_ERR_TRUNCATED);
    STRATA_RETURN_IF(strata_get_u32(s + 116) != (uint32_t)strata_checksum64(s + STRATA_CONTAINER_HEAD,
                                                                            8 * (size_t)in->blocks),
                     STRATA_ERR_CHECKSUM);
    c->index = s + STRATA_CONTAINER_HEAD;
    uint64_t total = 0;
    for (uint64_t i = 0; i < in->blocks; i++) {
        uint64_t b = strata_get_u64(c->index + 8 * i);
        STRATA_RETURN_IF(b < STRATA_HEADER_SIZE || b > UINT64_MAX - total, STRATA_ERR_CORRUPT);
        total += b;
    }
    STRATA_RETURN_IF(total != c->payload_size || total > UINT64_MAX - hsize, STRATA_ERR_CORRUPT);
    in->stream_size = hsize + total;
    return STRATA_OK;
}
