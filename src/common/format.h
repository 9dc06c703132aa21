/* format.h - stream layout constants and the parsed header (docs/format.md). */
#ifndef STRATA_FORMAT_H
#define STRATA_FORMAT_H

#include <math.h>
#include "internal.h"

#define STRATA_MAGIC "STRA"
#define STRATA_HEADER_SIZE STRATA_HEADER_BYTES
#define STRATA_SECTION_HEADER_SIZE 24

enum { STRATA_FLAG_HAS_FILL = 1u };
#define STRATA_KNOWN_FLAGS (STRATA_FLAG_HAS_FILL)

typedef enum {
    STRATA_METHOD_RAW = 0,      /* payload: one RAW section, stored */
    STRATA_METHOD_INTERP = 1,   /* multilevel interpolation + quantization */
    STRATA_METHOD_LOSSLESS = 2, /* byte-plane delta + zstd */
    /* 3: reported for block containers (STRATA_METHOD_CONTAINER), never in a header */
    STRATA_METHOD_WAVELET = 4,  /* CDF 9/7 transform + uniform quantization (PSNR mode) */
    STRATA_METHOD_COUNT_
} strata_method;

/* A stream carries the lowest format version that describes it, so streams of
 * the methods of version 1 keep their bytes and version-1 decoders refuse only
 * the streams they cannot read, with STRATA_ERR_VERSION. */
static inline unsigned strata_method_version(strata_method m)
{
    return m == STRATA_METHOD_WAVELET ? 2 : 1;
}
/* Method 1 in binary32 arithmetic (PARAMS arithmetic 1) needs version 3. */
static inline unsigned strata_stream_version(strata_method m, int binary32)
{
    const unsigned v = strata_method_version(m);
    return m == STRATA_METHOD_INTERP && binary32 && v < 3 ? 3 : v;
}

/* The encoder's choice of binary32 arithmetic for method 1 (every backend's,
 * so they write the same bytes): float32 fields whose bound is at least 2^-13
 * of their largest magnitude. A prediction in binary32 is then off its
 * binary64 value by about 2^-21 of that magnitude, under 1% of the bin, and
 * the reconstructions that rounding pushes past the bound (stored exactly)
 * stay rare. Tighter bounds keep binary64, as do bounds whose bin would not
 * be a finite float. */
static inline int strata_choose_binary32(strata_dtype dt, double eb, double vmin, double vmax)
{
    const double amax = fmax(fabs(vmin), fabs(vmax));
    return dt == STRATA_FLOAT32 && eb * 0x1p13 >= amax && eb < 0x1p126;
}

typedef enum {
    STRATA_SEC_PARAMS = 1,   /* interp: levels, predictors, level bounds */
    STRATA_SEC_MASK = 2,     /* bitmap of special points (NaN, Inf, fill) */
    STRATA_SEC_SPECIALS = 3, /* the special points' values, index order */
    STRATA_SEC_CODES = 4,    /* quantization codes, coder segments */
    STRATA_SEC_UNPRED = 5,   /* exact values of unpredictable points, index order
                                (method 4: the escaped quantization indices) */
    STRATA_SEC_RAW = 6,      /* field bytes (raw or lossless-transformed) */
    STRATA_SEC_COUNT_
} strata_section_id;

typedef enum { STRATA_CODING_STORED = 0, STRATA_CODING_ZSTD = 1 } strata_coding;

/* Header fields as parsed; raw_size and counts are validated by the parser. */
typedef struct {
    strata_stream_info info;
    strata_method method;
    int binary32; /* method 1 in binary32 arithmetic: version 3 */
    uint64_t payload_size;
    uint64_t payload_checksum;
    size_t count; /* points */
} strata_header;

/* Starts the header of a stream of field f coded with params p (method, range
 * and bounds are the encoder's to fill in). */
void strata_header_init(strata_header *h, const strata_field *f, const strata_params *p);
/* Sets the payload's size and checksum and writes header + payload to dst. */
strata_status strata_stream_write(strata_header *h, const uint8_t *payload, size_t payload_size,
                                  void *dst, size_t dst_capacity, size_t *dst_size);
/* Writes the header for `h` into dst[0..STRATA_HEADER_SIZE). */
void strata_header_write(const strata_header *h, uint8_t *dst);
/* Parses and validates; fills *h. */
strata_status strata_header_parse(const uint8_t *src, size_t src_size, strata_header *h);

/* One parsed section of a payload: points into the stream. */
typedef struct {
    int present;
    strata_coding coding;
    uint64_t raw_size;
    const uint8_t *data;
    size_t stored_size;
} strata_section;

/* Splits payload into sections[STRATA_SEC_COUNT_]; rejects unknown ids,
 * duplicates, unknown codings and sizes past the end. */
strata_status strata_sections_parse(const uint8_t *payload, size_t size,
                                    strata_section sections[STRATA_SEC_COUNT_]);

/* ---- block containers (format.md, "Block containers") ---- */
#define STRATA_CONTAINER_MAGIC "STRB"
#define STRATA_CONTAINER_HEAD 128
#define STRATA_CONTAINER_VERSION 1 /* blocks use methods 0..2, all of version 1 */
#define STRATA_METHOD_CONTAINER 3 /* as reported in strata_stream_info.method */
#define STRATA_BLOCK_POINTS ((size_t)1 << 20)

typedef struct {
    strata_stream_info info; /* field, mode, bounds, range, blocks, slab */
    const uint8_t *index;    /* blocks x u64 sizes */
    uint64_t payload_size;   /* sum of the block sizes */
} strata_container;

/* Parses and validates a container header and index (src_size may cover only
 * the header and index). */
strata_status strata_container_parse(const uint8_t *src, size_t src_size, strata_container *c);

#endif
