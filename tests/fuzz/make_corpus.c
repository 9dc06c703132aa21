/* make_corpus.c - writes the seed corpora of the fuzz targets:
 *   corpus/fuzz_decompress/: the small sample streams of tu_sample_make (one
 *                            per method, coder and shape kind, a container)
 *   corpus/fuzz_roundtrip/:  inputs in fuzz_roundtrip.c's layout covering each
 *                            dtype, rank, mode and value source
 * usage: make_corpus FUZZ_DIR   (FUZZ_DIR/corpus/<target>/ must exist)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

static void put(const char *dir, const char *target, const char *name, const void *data, size_t size)
{
    char path[2048];
    if (snprintf(path, sizeof path, "%s/corpus/%s/%s", dir, target, name) >= (int)sizeof path ||
        !tu_write_file(path, data, size)) {
        fprintf(stderr, "make_corpus: cannot write %s\n", path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FUZZ_DIR\n", argv[0]);
        return 2;
    }
    int streams = 0;
    for (int i = 0; i < TU_SAMPLE_COUNT; i++) {
        tu_sample s;
        tu_sample_make(i, &s);
        if (strata_field_count(&s.field) > 100000) { /* seeds that decode slowly slow the fuzzer */
            tu_sample_free(&s);
            continue;
        }
        streams++;
        char name[64];
        snprintf(name, sizeof name, "%s.strata", s.name);
        put(argv[1], "fuzz_decompress", name, s.stream, s.stream_size);
        tu_sample_free(&s);
    }
    /* fuzz_roundtrip: control byte = dtype | (ndims-1) << 1 | mode << 3 | fill << 5 | source << 6;
     * byte 7 = fill choice | coder << 2 | blocks << 4 | huffman_ctx << 5 | ans_ctx << 6
     * (fuzz_roundtrip.c). */
    static const struct { const char *name; uint8_t c, dims[4], bexp, bmant, fill; } rt[] = {
        {"f32_1d_rel_walk", 0x00 | 0 << 1 | 0 << 3 | 1 << 6, {31, 0, 0, 0}, 3, 0, 1},
        {"f64_2d_abs_walk", 0x01 | 1 << 1 | 1 << 3 | 1 << 6, {12, 20, 0, 0}, 2, 64, 1},
        {"f32_3d_rel_specials", 0x00 | 2 << 1 | 0 << 3 | 1 << 5 | 2 << 6, {5, 6, 7, 0}, 4, 0, 1},
        {"f64_4d_abs_specials", 0x01 | 3 << 1 | 1 << 3 | 1 << 5 | 2 << 6, {3, 4, 5, 6}, 1, 10, 2},
        {"f32_2d_lossless_bits", 0x00 | 1 << 1 | 2 << 3 | 3 << 6, {9, 9, 0, 0}, 0, 0, 0},
        {"f64_1d_rel_bits", 0x01 | 0 << 1 | 0 << 3 | 0 << 6, {31, 0, 0, 0}, 6, 0, 0},
        {"f32_2d_fill_first", 0x00 | 1 << 1 | 1 << 3 | 1 << 5 | 1 << 6, {16, 16, 0, 0}, 2, 0, 0},
        {"f64_3d_psnr_huffman", 0x01 | 2 << 1 | 3 << 3 | 1 << 6, {9, 10, 11, 0}, 50, 0, 0 << 2},
        {"f32_2d_psnr_specials", 0x00 | 1 << 1 | 3 << 3 | 1 << 5 | 2 << 6, {20, 30, 0, 0}, 70, 0, 1 | 1 << 2},
        {"f32_3d_blocks_rel", 0x00 | 2 << 1 | 0 << 3 | 1 << 5 | 2 << 6, {7, 8, 9, 0}, 3, 0, 2 | 1 << 4},
        {"f64_1d_blocks_lossless", 0x01 | 0 << 1 | 2 << 3 | 3 << 6, {31, 0, 0, 0}, 0, 0, 1 << 4},
        {"f32_3d_rel_ctx", 0x00 | 2 << 1 | 0 << 3 | 1 << 5 | 2 << 6, {5, 6, 7, 0}, 5, 0, 1 | 2 << 2},
        {"f64_2d_abs_walk_ctx", 0x01 | 1 << 1 | 1 << 3 | 1 << 6, {12, 20, 0, 0}, 6, 64, 1 | 2 << 2},
        {"f32_3d_psnr_walk", 0x00 | 2 << 1 | 3 << 3 | 1 << 6, {16, 16, 16, 0}, 50, 0, 0},
        {"f32_3d_rel_hctx", 0x00 | 2 << 1 | 0 << 3 | 1 << 5 | 2 << 6, {9, 10, 11, 0}, 3, 0, 1 | 1 << 5},
        {"f32_3d_rel_ans", 0x00 | 2 << 1 | 0 << 3 | 1 << 5 | 2 << 6, {9, 10, 11, 0}, 3, 0, 1 | 1 << 6},
        {"f64_2d_abs_walk_ans", 0x01 | 1 << 1 | 1 << 3 | 1 << 6, {12, 20, 0, 0}, 7, 64, 1 | 1 << 6},
    };
    for (size_t k = 0; k < sizeof rt / sizeof rt[0]; k++) {
        uint8_t buf[8 + 256];
        buf[0] = rt[k].c;
        memcpy(buf + 1, rt[k].dims, 4);
        buf[5] = rt[k].bexp;
        buf[6] = rt[k].bmant;
        buf[7] = rt[k].fill;
        tu_rng r;
        tu_rng_seed(&r, k);
        for (size_t i = 8; i < sizeof buf; i++) {
            uint64_t x = tu_rng_next(&r);
            buf[i] = (uint8_t)(x % 7) - 3; /* small steps for the walks */
            if (x % 23 == 0) buf[i] = (uint8_t)(0xFC + (x >> 32) % 4);
            if ((rt[k].c >> 6) == 0 || (rt[k].c >> 6) == 3) buf[i] = (uint8_t)(x >> 40);
        }
        put(argv[1], "fuzz_roundtrip", rt[k].name, buf, sizeof buf);
    }
    printf("make_corpus: wrote %d streams and %zu round-trip inputs\n", streams, sizeof rt / sizeof rt[0]);
    return 0;
}
