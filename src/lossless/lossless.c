/* lossless.c - delta + byte-plane transform and its inverse. Values are read
 * as little-endian unsigned integers of `width` bytes (4 or 8). */
#include "lossless.h"
#include "../common/bytes.h"

void strata_lossless_forward(const void *src, size_t n, size_t width, uint8_t *dst)
{
    const uint8_t *s = src;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = width == 4 ? strata_get_u32(s + 4 * i) : strata_get_u64(s + 8 * i);
        uint64_t d = v - prev;
        prev = v;
        for (size_t b = 0; b < width; b++) dst[b * n + i] = (uint8_t)(d >> (8 * b));
    }
}

void strata_lossless_inverse(const uint8_t *src, size_t n, size_t width, void *dst)
{
    uint8_t *o = dst;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = 0;
        for (size_t b = 0; b < width; b++) d |= (uint64_t)src[b * n + i] << (8 * b);
        prev += d;
        if (width == 4) strata_put_u32(o + 4 * i, (uint32_t)prev);
        else strata_put_u64(o + 8 * i, prev);
    }
}
