/* huffman.h - canonical Huffman coding of 16-bit quantization codes
 * (format.md, "Huffman segments"): coder 1, one table per segment; coder 5,
 * one table per context, the context drawn from the two codes before (or
 * coder 1's single table, where that is smaller). */
#ifndef STRATA_HUFFMAN_H
#define STRATA_HUFFMAN_H

#include "../common/internal.h"
#include "../common/bytes.h"
#include <stdlib.h>
#include "../decompose/grid.h" /* STRATA_QUANT_RADIUS */

#define STRATA_HUFF_MAX_LEN 24

/* Coder 5's size class of code v (< 65536): min(k, 5), k = 0 for q = v -
 * radius = 0, the bit length of |q| otherwise (v = 0, stored, has |q| =
 * radius: class 5). Comparisons rather than a bit scan, on |q| capped at 16
 * in 16-bit lanes (|q| <= radius = 2^15), so the encoder's loop vectorizes. */
static inline unsigned strata_hctx_class(unsigned v)
{
    _Static_assert(STRATA_QUANT_RADIUS == 32768, "q = v - radius by flipping the top bit");
    const int16_t q = (int16_t)(uint16_t)((uint16_t)v ^ 0x8000u);
    uint16_t m = (uint16_t)(q < 0 ? -q : q);
    m = m < 16 ? m : 16;
    return (m >= 1) + (m >= 2) + (m >= 4) + (m >= 8) + (m >= 16);
}

/* The context of a code from the classes of the two before it (t2 the earlier;
 * 0 before the segment's start): 3 * t2 + min(t1, 2). In level order a level's
 * points alternate between kinds predicted along different dimensions, so the
 * code two back, of the same kind, says most; the one just before tells runs
 * of zeros apart. On the shared fields at rel 1e-3 these contexts take 4-14% off
 * coder 1's bits. */
#define STRATA_HCTX_COUNT 18
static inline unsigned strata_hctx_context(unsigned t2, unsigned t1)
{
    return 3 * t2 + (t1 < 2 ? t1 : 2);
}

/* Coder 5 codes a segment as 4 lanes, each with its own bits and contexts (a
 * decoder's serial chain of table lookups, one per symbol, then runs 4 wide).
 * Lane j holds symbols [b[j], b[j + 1]): the segment cut in quarters, rounded up. */
#define STRATA_HCTX_LANES 4
static inline void strata_hctx_lanes(size_t n, size_t b[STRATA_HCTX_LANES + 1])
{
    const size_t q = (n + STRATA_HCTX_LANES - 1) / STRATA_HCTX_LANES;
    for (int j = 0; j <= STRATA_HCTX_LANES; j++) b[j] = (size_t)j * q < n ? (size_t)j * q : n;
}

#include "segments.h"

#endif
