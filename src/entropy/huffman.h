/* huffman.h - canonical Huffman coding of 16-bit quantization codes in
 * independently decodable segments, each with its own table (format.md,
 * "CODES section"). Segments are coded and decoded in parallel. */
#ifndef STRATA_HUFFMAN_H
#define STRATA_HUFFMAN_H

#include "../common/internal.h"
#include "../common/bytes.h"

#define STRATA_HUFF_MAX_LEN 24
#define STRATA_HUFF_SEGMENT (1u << 17)

/* Appends the CODES section body for sym[0..count) to `out`. */
strata_status strata_huffman_encode(const uint16_t *sym, size_t count, size_t seg_len,
                                    int threads, strata_buf *out);
/* Decodes exactly `count` symbols from src[0..size) into sym. */
strata_status strata_huffman_decode(const uint8_t *src, size_t size, uint16_t *sym,
                                    size_t count, int threads);

#endif
