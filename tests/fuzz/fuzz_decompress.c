/* fuzz_decompress.c - arbitrary bytes into strata_read_header and
 * strata_decompress. Must never crash, hang, leak or touch memory it does not
 * own; the status is free (any code), but the two calls must agree.
 *
 * Each input is decoded twice: as given (the checksums reject nearly all
 * mutations, so this mostly fuzzes the header parser), and with its checksums
 * recomputed (tu_fix_checksums) so that the section parser, zstd, Huffman and
 * the interpolation decoder see the mutated bytes.
 */
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"
#include "strata.h"
#include "test_util.h"

static void decode(const uint8_t *src, size_t size, int threads)
{
    strata_stream_info hinfo, dinfo;
    const strata_status hst = strata_read_header(src, size, &hinfo);
    size_t cap = 64;
    if (hst == STRATA_OK) cap = hinfo.raw_size < FUZZ_MAX_RAW ? (size_t)hinfo.raw_size : FUZZ_MAX_RAW;
    /* dst sized from the header; the allocation is exact so ASan sees overruns. */
    uint8_t *dst = malloc(cap ? cap : 1);
    if (!dst) return;
    const strata_status st = strata_decompress(src, size, dst, cap, threads, &dinfo);
    if ((unsigned)st >= STRATA_STATUS_COUNT_) abort();
    if (st == STRATA_OK) {
        /* A stream that decodes has a header that parses, and says the same. */
        if (hst != STRATA_OK || dinfo.raw_size != hinfo.raw_size || dinfo.raw_size > cap ||
            dinfo.stream_size > size || dinfo.method > 4)
            abort();
    }
    if (hst == STRATA_OK && hinfo.raw_size > cap && st == STRATA_OK) abort();
    free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode(data, size, 1);
    if (size >= TU_HEADER_SIZE) {
        uint8_t *copy = malloc(size);
        if (!copy) return 0;
        memcpy(copy, data, size);
        tu_fix_checksums(copy, size);
        decode(copy, size, 1);
        free(copy);
    }
    return 0;
}
