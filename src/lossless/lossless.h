/* lossless.h - the bit-exact transform: integer delta of each value's bit
 * pattern against the previous one, then byte planes, for zstd to finish. */
#ifndef STRATA_LOSSLESS_H
#define STRATA_LOSSLESS_H

#include "../common/internal.h"

void strata_lossless_forward(const void *src, size_t n, size_t width, uint8_t *dst);
void strata_lossless_inverse(const uint8_t *src, size_t n, size_t width, void *dst);

#endif
