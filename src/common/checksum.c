/* checksum.c - 64-bit payload checksum (format.md, "Checksum").
 * Four independent multiply-rotate lanes over 8-byte words keep it near memory
 * speed; the tail and the length are folded in so truncation changes the sum. */
#include "internal.h"
#include "bytes.h"

#define K1 0x9E3779B185EBCA87ULL
#define K2 0xC2B2AE3D27D4EB4FULL
#define K3 0x165667B19E3779F9ULL

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t lane_step(uint64_t acc, uint64_t w)
{
    return rotl64(acc + w * K2, 31) * K1;
}

uint64_t strata_checksum64(const void *data, size_t size)
{
    const uint8_t *p = data;
    uint64_t a = K1 + K2, b = K2, c = 0, d = 0 - K1;
    size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        a = lane_step(a, strata_get_u64(p + i));
        b = lane_step(b, strata_get_u64(p + i + 8));
        c = lane_step(c, strata_get_u64(p + i + 16));
        d = lane_step(d, strata_get_u64(p + i + 24));
    }
    uint64_t h = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18);
    h ^= (uint64_t)size * K3;
    for (; i + 8 <= size; i += 8) h = rotl64(h ^ lane_step(0, strata_get_u64(p + i)), 27) * K1 + K3;
    for (; i < size; i++) h = rotl64(h ^ (p[i] * K3), 11) * K1;
    h ^= h >> 33; h *= K2; h ^= h >> 29; h *= K3; h ^= h >> 32;
    return h;
}
