/* bytes.h - little-endian serialization with explicit bounds, used by the
 * header and section code of both directions. */
#ifndef STRATA_BYTES_H
#define STRATA_BYTES_H

#include <stdint.h>
#include <string.h>

static inline void strata_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void strata_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void strata_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void strata_put_f64(uint8_t *p, double d)
{
    uint64_t v; memcpy(&v, &d, 8); strata_put_u64(p, v);
}
/* On little-endian GCC and clang, the loads and stores of whole words are one
 * instruction each (and a bswap for big-endian ones): the byte loops are not
 * always recognized as one, and the checksum and the Huffman bit readers and
 * writers run on them. */
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define STRATA_WORDS_LE 1
#else
#  define STRATA_WORDS_LE 0
#endif
static inline uint16_t strata_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t strata_get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    if (STRATA_WORDS_LE) { memcpy(&v, p, 4); return v; }
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static inline uint64_t strata_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    if (STRATA_WORDS_LE) { memcpy(&v, p, 8); return v; }
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
/* Big-endian 64-bit words: the bit readers and writers of MSB-first codes. */
static inline void strata_put_be64(uint8_t *p, uint64_t v)
{
#if STRATA_WORDS_LE
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
#endif
}
static inline uint64_t strata_get_be64(const uint8_t *p)
{
#if STRATA_WORDS_LE
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
#else
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
#endif
}
static inline double strata_get_f64(const uint8_t *p)
{
    uint64_t v = strata_get_u64(p); double d; memcpy(&d, &v, 8); return d;
}

/* A growable output buffer; `failed` latches an allocation failure so callers
 * can check once at the end. */
typedef struct {
    uint8_t *data;
    size_t size, cap;
    int failed;
} strata_buf;

int strata_buf_reserve(strata_buf *b, size_t extra);
void strata_buf_append(strata_buf *b, const void *src, size_t n);
void strata_buf_put_varint(strata_buf *b, uint64_t v);
void strata_buf_free(strata_buf *b);
/* malloc (zeroed: calloc) of a buffer the size of a field: where the system
 * offers transparent huge pages (Linux), asks for them over it, which takes
 * most page faults out of its first touch (a fifth of a large field's
 * compression time went to them). Freed with free(). */
void *strata_alloc_large(size_t size, int zeroed);
/* memcpy of n bytes by up to `threads` threads (large working copies). */
void strata_copy(void *dst, const void *src, size_t n, int threads);

/* Reads an unsigned LEB128 varint from [*p, end); returns 0 on malformed input. */
static inline int strata_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end) return 0;
        uint8_t c = *(*p)++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) { *out = v; return 1; }
    }
    return 0;
}

#endif
