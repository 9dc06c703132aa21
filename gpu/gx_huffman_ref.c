/* gx_huffman_ref.c - the CPU's Huffman table builder, compiled into the GPU
 * libraries. The GPU builds each segment's code lengths with a port of
 * huffman_lengths() (gx_huff_lengths); a segment whose longest code would exceed
 * 24 bits needs the frequency flattening loop of segment_table(), which the host
 * runs here with the CPU's own code (rare: Fibonacci-like frequencies). The
 * emulation tests also check the port against this reference.
 *
 * huffman_encode.c's static functions are what we want; its external symbols
 * are renamed so they do not collide with the copies in libstrata. */
#ifndef STRATA_NO_CLONES /* clang gives target clones global resolvers, which would collide too */
#define STRATA_NO_CLONES
#endif
#define strata_huffman_encode_segment strata_gx_ref_encode_segment_unused_
#define strata_huffman_ctx_encode_segment strata_gx_ref_ctx_encode_segment_unused_
#define strata_huffman_ctx_release strata_gx_ref_ctx_release_unused_
#include "../src/entropy/huffman_encode.c"
#undef strata_huffman_encode_segment
#undef strata_huffman_ctx_encode_segment
#undef strata_huffman_ctx_release

#include "gx_driver.h"

int strata_gx_ref_lengths(const uint16_t *sym, size_t n, const uint16_t *used, uint64_t m,
                          uint8_t *len)
{
    huff_scratch *sc = malloc(sizeof *sc);
    if (!sc) return 0;
    segment_table(sym, n, sc);
    for (uint64_t i = 0; i < m; i++) len[i] = sc->len[used[i]];
    free(sc);
    return 1;
}
