/* segments.h - framing shared by the segment coders of the CODES section:
 *   u64 symbol count | u32 segment length | u32 segment count |
 *   u64 byte size of each segment | the segments
 * Each segment is coded independently, so segments are coded and decoded in
 * parallel and the bytes do not depend on the thread count. */
#ifndef STRATA_SEGMENTS_H
#define STRATA_SEGMENTS_H

#include "../common/internal.h"
#include "../common/bytes.h"

/* Where the levels start in the symbol sequence, for coders whose contexts
 * depend on the level: symbols before fine1 are coarse (stride >= 4), those in
 * [fine1, fine0) have stride 2 and those from fine0 on stride 1. */
typedef struct { size_t fine1, fine0; } strata_symbol_levels;

/* `scratch` is per thread: a coder allocates it on first use (malloc) and the
 * driver frees it. */
typedef struct {
    /* Codes sym[0..n), the symbols at positions first..first+n of the sequence. */
    int (*encode)(const uint16_t *sym, size_t n, size_t first, const strata_symbol_levels *lv,
                  void **scratch, strata_buf *out);
    /* Decodes exactly n symbols from src[0..size); returns 0 if malformed. */
    int (*decode)(const uint8_t *src, size_t size, uint16_t *sym, size_t n, size_t first,
                  const strata_symbol_levels *lv, void **scratch);
} strata_segment_coder;

strata_status strata_segments_encode(const strata_segment_coder *c, const uint16_t *sym,
                                     size_t count, size_t seg_len, const strata_symbol_levels *lv,
                                     int threads, strata_buf *out);
strata_status strata_segments_decode(const strata_segment_coder *c, const uint8_t *src,
                                     size_t size, uint16_t *sym, size_t count,
                                     const strata_symbol_levels *lv, int threads);

/* The coders, by their id in the PARAMS section (strata_coder values). */
int strata_huffman_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                  const strata_symbol_levels *lv, void **scratch, strata_buf *out);
int strata_huffman_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                  size_t first, const strata_symbol_levels *lv, void **scratch);
int strata_range_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                const strata_symbol_levels *lv, void **scratch, strata_buf *out);
int strata_range_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                size_t first, const strata_symbol_levels *lv, void **scratch);
int strata_range3_encode_segment(const uint16_t *sym, size_t n, size_t first,
                                 const strata_symbol_levels *lv, void **scratch, strata_buf *out);
int strata_range3_decode_segment(const uint8_t *src, size_t size, uint16_t *sym, size_t n,
                                 size_t first, const strata_symbol_levels *lv, void **scratch);
/* NULL for an unknown id. */
const strata_segment_coder *strata_segment_coder_get(unsigned id);

#endif
