/* segments.h - framing shared by the segment coders of the CODES section:
 *   u64 symbol count | u32 segment length | u32 segment count |
 *   u64 byte size of each segment | the segments
 * Each segment is coded independently, so segments are coded and decoded in
 * parallel and the bytes do not depend on the thread count. */
#ifndef STRATA_SEGMENTS_H
#define STRATA_SEGMENTS_H

#include "../common/internal.h"
#include "../common/bytes.h"

/* A run of the symbol sequence that is a box in raster order: method 4's
 * subbands. It starts at `start`, and covers [lo[j], lo[j] + e[j]) of each
 * dimension j of the 4D view (slowest first). */
typedef struct { size_t start, lo[4], e[4]; } strata_subband;

/* Where the levels start in the symbol sequence, for coders whose contexts
 * depend on the level: symbols before fine1 are coarse (stride >= 4), those in
 * [fine1, fine0) have stride 2 and those from fine0 on stride 1. Coder 4 also
 * needs the subbands, in order and covering the sequence (NULL for method 1). */
typedef struct {
    size_t fine1, fine0;
    const strata_subband *bands;
    size_t nbands;
} strata_symbol_levels;

/* `scratch` is per thread: a coder allocates it on first use (malloc) and the
 * driver frees it (with `release` where the coder has one). */
typedef struct {
    /* Codes sym[0..n), the symbols at positions first..first+n of the sequence. */
    int (*encode)(const uint16_t *sym, size_t n, size_t first, const strata_symbol_levels *lv,
                  void **scratch, strata_buf *out);
    /* Decodes exactly n symbols from src[0..size); returns 0 if malformed. */
    int (*decode)(const uint8_t *src, size_t size, uint16_t *sym, size_t n, size_t first,
                  const strata_symbol_levels *lv, void **scratch);
    /* Optional: decodes two segments at once, the first at position `first`
     * (what one decode of each does; NULL if the coder has no such path). */
    int (*decode2)(const uint8_t *const src[2], const size_t size[2], uint16_t *const sym[2],
                   const size_t n[2], size_t first, const strata_symbol_levels *lv, void **scratch);
    /* Optional: frees an encoder's scratch that holds allocations of its own. */
    void (*release)(void *scratch);
} strata_segment_coder;

strata_status strata_segments_encode(const strata_segment_coder *c, const uint16_t *sym,
                                     size_t count, size_t seg_len, const strata_symbol_levels *lv,
                                     int threads, strata_buf *out);
strata_status strata_segments_decode(const strata_segment_coder *c, const uint8_t *src,
                                     size_t size, uint16_t *sym, size_t count,
                                     const strata_symbol_levels *lv, int threads);

/* The coders, by their id in the PARAMS section (strata_coder values): the two
 * functions of strata_segment_coder for each. */
#define STRATA_DECLARE_SEGMENT_CODER(NAME)                                                \
    int strata_##NAME##_encode_segment(const uint16_t *sym, size_t n, size_t first,       \
                                       const strata_symbol_levels *lv, void **scratch,    \
                                       strata_buf *out);                                  \
    int strata_##NAME##_decode_segment(const uint8_t *src, size_t size, uint16_t *sym,    \
                                       size_t n, size_t first, const strata_symbol_levels *lv, \
                                       void **scratch);
STRATA_DECLARE_SEGMENT_CODER(huffman)
int strata_huffman_decode_segment2(const uint8_t *const src[2], const size_t size[2],
                                   uint16_t *const sym[2], const size_t n[2], size_t first,
                                   const strata_symbol_levels *lv, void **scratch);
STRATA_DECLARE_SEGMENT_CODER(huffman_ctx)
void strata_huffman_ctx_release(void *scratch);
STRATA_DECLARE_SEGMENT_CODER(ans_ctx)
STRATA_DECLARE_SEGMENT_CODER(range)
STRATA_DECLARE_SEGMENT_CODER(range3)
STRATA_DECLARE_SEGMENT_CODER(range4)
#undef STRATA_DECLARE_SEGMENT_CODER
/* Coder 4: coder 3 with subband neighbour contexts, for method 4 only (not a
 * strata_coder a user picks: the wavelet method's default). */
#define STRATA_CODER_RANGE_BANDS 4
/* NULL for an unknown id. */
const strata_segment_coder *strata_segment_coder_get(unsigned id);

#endif
