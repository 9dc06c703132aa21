/* huffman.h - canonical Huffman coding of 16-bit quantization codes, one table
 * per segment (format.md, "Huffman segments"). */
#ifndef STRATA_HUFFMAN_H
#define STRATA_HUFFMAN_H

#include "../common/internal.h"
#include "../common/bytes.h"

#define STRATA_HUFF_MAX_LEN 24

#include "segments.h"

#endif
