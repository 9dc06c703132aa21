/* fuzz_roundtrip.c - bytes -> a small field and params -> compress ->
 * decompress -> every point checked (tu_check_points); abort() on any
 * violation, on a failure to compress or decode a valid request, on a stream
 * larger than strata_compress_bound, or when threads=1 and threads=2 streams
 * differ.
 *
 * Input layout (missing bytes read as 0):
 *   [0]    bit 0 dtype (0 f32, 1 f64); bits 1-2 ndims-1; bits 3-4 mode
 *          (0 REL, 1 ABS, 2 LOSSLESS, 3 PSNR); bit 5 has_fill; bits 6-7 value source
 *   [1..4] dims: 1 + byte % 32 each (halved until the field has <= 4096 points)
 *   [5]    REL/ABS bound = (1 + [6] / 64) * 10^-([5] % 40); PSNR: 10 + [5] % 120 dB
 *   [7]    bits 0-1 fill value: 0 -> the first value of the field, else -1e34,
 *          -1e10, 0.0; bits 2-3 coder (0 Huffman, 1 range, 2 range_ctx, 3 default); bit 4: through
 *          strata_compress_blocks (a container; PSNR must give UNSUPPORTED);
 *          bit 5: coder huffman_ctx instead of bits 2-3's; bit 6: coder ans_ctx
 *          instead of any of those
 *   [8..]  values: source 0: raw bits (cycled); 1: random walk of int8 steps;
 *          2: walk with 0xFF/0xFE/0xFD/0xFC bytes as NaN/+Inf/-Inf/fill;
 *          3: raw bits, of which 0x7F8/0x7FF exponents are kept (NaN, Inf)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_common.h"
#include "strata.h"
#include "test_util.h"

#define MAX_POINTS 4096

static uint8_t at(const uint8_t *d, size_t size, size_t i) { return i < size ? d[i] : 0; }

static void build_values(const uint8_t *d, size_t size, unsigned source, strata_dtype dt, size_t n,
                         double fill, uint8_t *out)
{
    const size_t w = dt == STRATA_FLOAT32 ? 4 : 8;
    const uint8_t *v = size > 8 ? d + 8 : NULL;
    const size_t nv = size > 8 ? size - 8 : 0;
    if (source == 0 || source == 3) {
        for (size_t i = 0; i < n * w; i++) out[i] = nv ? v[i % nv] : 0;
        if (source == 0) /* keep values finite */
            for (size_t i = 0; i < n; i++)
                if (!isfinite(tu_get(out, dt, i))) tu_set(out, dt, i, (double)i);
        return;
    }
    double x = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = nv ? v[i % nv] : 0;
        x += (double)(int8_t)b * (nv > 4 ? 0.01 * (double)(1 + v[0] % 16) : 0.5);
        double y = x;
        if (source == 2) {
            if (b == 0xFF) y = NAN;
            else if (b == 0xFE) y = INFINITY;
            else if (b == 0xFD) y = -INFINITY;
            else if (b == 0xFC) y = fill;
        }
        tu_set(out, dt, i, y);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
    const uint8_t c = at(d, size, 0);
    const strata_dtype dt = (c & 1) ? STRATA_FLOAT64 : STRATA_FLOAT32;
    const unsigned nd = 1 + ((c >> 1) & 3);
    static const strata_mode modes[4] = {STRATA_MODE_REL, STRATA_MODE_ABS, STRATA_MODE_LOSSLESS,
                                         STRATA_MODE_PSNR};
    size_t dims[4];
    for (unsigned i = 0; i < nd; i++) dims[i] = 1 + at(d, size, 1 + i) % 32;
    for (;;) {
        size_t n = 1, big = 0;
        for (unsigned i = 0; i < nd; i++) {
            n *= dims[i];
            if (dims[i] > dims[big]) big = i;
        }
        if (n <= MAX_POINTS) break;
        dims[big] /= 2;
    }
    strata_field f;
    strata_field_init(&f, dt, nd, dims);
    strata_params p;
    strata_params_init(&p);
    p.mode = modes[(c >> 3) & 3];
    p.bound = p.mode == STRATA_MODE_PSNR ? 10.0 + at(d, size, 5) % 120
                                         : (1.0 + at(d, size, 6) / 64.0) * pow(10.0, -(double)(at(d, size, 5) % 40));
    p.threads = 1;
    static const strata_coder coders[4] = {STRATA_CODER_HUFFMAN, STRATA_CODER_RANGE, STRATA_CODER_RANGE_CTX,
                                           STRATA_CODER_DEFAULT};
    p.coder = (at(d, size, 7) >> 6) & 1   ? STRATA_CODER_ANS_CTX
              : (at(d, size, 7) >> 5) & 1 ? STRATA_CODER_HUFFMAN_CTX
                                          : coders[(at(d, size, 7) >> 2) & 3];
    const int blocks = (at(d, size, 7) >> 4) & 1;
    static const double fills[4] = {0, -1e34, -1e10, 0.0};
    const uint8_t fb = at(d, size, 7) % 4;
    const size_t n = strata_field_count(&f), w = dt == STRATA_FLOAT32 ? 4 : 8, raw = n * w;
    uint8_t *src = malloc(raw), *out = malloc(raw);
    const size_t cap = blocks ? strata_compress_blocks_bound(&f) : strata_compress_bound(&f);
    uint8_t *s1 = malloc(cap), *s2 = malloc(cap);
    if (!src || !out || !s1 || !s2) abort();
    build_values(d, size, c >> 6, dt, n, fills[fb] ? fills[fb] : -1e34, src);
    if (c & 0x20) {
        f.has_fill = 1;
        f.fill_value = fb ? fills[fb] : tu_get(src, dt, 0);
    }

    strata_status (*const compress)(const strata_field *, const void *, const strata_params *, void *, size_t,
                                    size_t *) = blocks ? strata_compress_blocks : strata_compress;
    size_t n1 = 0, n2 = 0;
    strata_status st = compress(&f, src, &p, s1, cap, &n1);
    if (blocks && p.mode == STRATA_MODE_PSNR) {
        if (st != STRATA_ERR_UNSUPPORTED) abort();
        free(src); free(out); free(s1); free(s2);
        return 0;
    }
    if (st != STRATA_OK || n1 > cap) abort();
    p.threads = 2;
    if (compress(&f, src, &p, s2, cap, &n2) != STRATA_OK || n2 != n1 || memcmp(s1, s2, n1) != 0) abort();
    strata_stream_info info;
    if (strata_decompress(s1, n1, out, raw, 1, &info) != STRATA_OK) abort();
    /* The enforced bound may be tighter than the user's, never looser. */
    if (!(info.abs_bound <= tu_user_abs_bound(&f, src, &p))) abort();
    if (info.method == 1 && !(info.abs_bound > 0)) abort();
    const int exact = info.method == 0 || info.method == 2 || info.abs_bound == 0;
    if (tu_check_points(&f, src, out, exact, info.abs_bound, "fuzz_roundtrip", NULL) != 0) abort();
    if (p.mode == STRATA_MODE_PSNR && !(tu_psnr(&f, src, out) >= p.bound - 1e-9)) abort();
    free(src); free(out); free(s1); free(s2);
    return 0;
}
