/* test_errors.c - bad arguments give the documented status codes and never
 * crash; status strings exist for every code. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

#define N 64
static float src[N];
static uint8_t dst[N * 4 + 1024];

static strata_field good_field(void)
{
    const size_t dims[2] = {8, 8};
    strata_field f;
    strata_field_init(&f, STRATA_FLOAT32, 2, dims);
    return f;
}

static strata_params good_params(void)
{
    strata_params p;
    strata_params_init(&p);
    return p;
}

static strata_status compress(const strata_field *f, const strata_params *p)
{
    size_t size = 0;
    return strata_compress(f, src, p, dst, sizeof dst, &size);
}

static void compress_args(void)
{
    strata_field f = good_field();
    strata_params p = good_params();
    size_t size;
    TU_EXPECT_STATUS(compress(&f, &p), STRATA_OK, "baseline");
    TU_EXPECT_STATUS(strata_compress(NULL, src, &p, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "field NULL");
    TU_EXPECT_STATUS(strata_compress(&f, NULL, &p, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "src NULL");
    TU_EXPECT_STATUS(strata_compress(&f, src, NULL, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "params NULL");
    TU_EXPECT_STATUS(strata_compress(&f, src, &p, NULL, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "dst NULL");
    TU_EXPECT_STATUS(strata_compress(&f, src, &p, dst, sizeof dst, NULL), STRATA_ERR_INVALID_ARG, "dst_size NULL");
    TU_EXPECT_STATUS(strata_compress(&f, src, &p, dst, 0, &size), STRATA_ERR_DST_TOO_SMALL, "capacity 0");

    /* Struct sizes. */
    static const size_t bad_sizes[] = {0, 1, sizeof(strata_field) - 1, sizeof(strata_field) + 8, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        strata_field g = good_field();
        g.size = bad_sizes[i];
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_ERR_INVALID_ARG, "field.size %zu", bad_sizes[i]);
        TU_EXPECT(strata_compress_bound(&g) == 0, "compress_bound with field.size %zu", bad_sizes[i]);
        TU_EXPECT(strata_field_count(&g) == 0, "field_count with field.size %zu", bad_sizes[i]);
        strata_params q = good_params();
        q.size = bad_sizes[i] == sizeof(strata_field) - 1 ? sizeof(strata_params) - 1 : bad_sizes[i];
        TU_EXPECT_STATUS(compress(&f, &q), STRATA_ERR_INVALID_ARG, "params.size %zu", q.size);
    }

    /* ndims 0 and 5; a zero dimension in each position; dims past ndims ignored. */
    static const unsigned bad_nd[] = {0, 5, 100};
    for (size_t i = 0; i < 3; i++) {
        strata_field g = good_field();
        g.ndims = bad_nd[i];
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_ERR_INVALID_ARG, "ndims %u", bad_nd[i]);
        TU_EXPECT(strata_compress_bound(&g) == 0 && strata_field_count(&g) == 0, "ndims %u", bad_nd[i]);
    }
    for (unsigned nd = 1; nd <= 4; nd++)
        for (unsigned z = 0; z < nd; z++) {
            const size_t dims[4] = {2, 2, 2, 2};
            strata_field g;
            strata_field_init(&g, STRATA_FLOAT32, nd, dims);
            g.dims[z] = 0;
            TU_EXPECT_STATUS(compress(&g, &p), STRATA_ERR_EMPTY, "ndims %u, dims[%u] = 0", nd, z);
            TU_EXPECT(strata_compress_bound(&g) == 0, "compress_bound of an empty field");
        }
    {
        strata_field g = good_field();
        g.dims[2] = 0;
        g.dims[3] = 12345;
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_OK, "dims past ndims are ignored");
    }
    /* Point counts whose byte size overflows: rejected before src is read. */
    {
        const size_t huge[2] = {SIZE_MAX / 2 + 1, 2}, big[2] = {SIZE_MAX / 8, 3};
        strata_field g;
        strata_field_init(&g, STRATA_FLOAT32, 2, huge);
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_ERR_INVALID_ARG, "point count overflows size_t");
        strata_field_init(&g, STRATA_FLOAT64, 2, big);
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_ERR_INVALID_ARG, "byte size overflows size_t");
        TU_EXPECT(strata_compress_bound(&g) == 0, "compress_bound overflow");
        const size_t edge[1] = {(SIZE_MAX - 200) / 4};
        strata_field_init(&g, STRATA_FLOAT32, 1, edge);
        TU_EXPECT(strata_compress_bound(&g) == 0, "compress_bound: raw + 256 overflows");
    }

    /* dtype. */
    static const int bad_dt[] = {0, 3, 4, -1, 255};
    for (size_t i = 0; i < 5; i++) {
        strata_field g = good_field();
        g.dtype = (strata_dtype)bad_dt[i];
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_ERR_INVALID_ARG, "dtype %d", bad_dt[i]);
        TU_EXPECT(strata_compress_bound(&g) == 0, "compress_bound with dtype %d", bad_dt[i]);
    }

    /* Bounds: 0, negative, NaN, +-Inf for ABS and REL. Lossless ignores it. */
    static const double bad_bound[] = {0.0, -0.0, -1e-3, -INFINITY, INFINITY, NAN, -NAN};
    for (int m = STRATA_MODE_ABS; m <= STRATA_MODE_REL; m++)
        for (size_t i = 0; i < sizeof bad_bound / sizeof bad_bound[0]; i++) {
            strata_params q = good_params();
            q.mode = (strata_mode)m;
            q.bound = bad_bound[i];
            TU_EXPECT_STATUS(compress(&f, &q), STRATA_ERR_INVALID_ARG, "%s bound %g",
                             tu_mode_name(q.mode), q.bound);
            q.mode = STRATA_MODE_LOSSLESS;
            TU_EXPECT_STATUS(compress(&f, &q), STRATA_OK, "lossless ignores bound %g", q.bound);
        }

    /* Modes: unknown values, and 4 (pointwise relative), reserved and not yet
     * accepted. 5 (PSNR) takes a bound > 0 and finite, in dB. */
    static const int bad_mode[] = {0, 4, 6, 99, -1};
    for (size_t i = 0; i < sizeof bad_mode / sizeof bad_mode[0]; i++) {
        strata_params q = good_params();
        q.mode = (strata_mode)bad_mode[i];
        TU_EXPECT_STATUS(compress(&f, &q), STRATA_ERR_INVALID_ARG, "mode %d", bad_mode[i]);
    }
    {
        strata_params q = good_params();
        q.mode = STRATA_MODE_PSNR;
        q.bound = 60;
        TU_EXPECT_STATUS(compress(&f, &q), STRATA_OK, "PSNR 60 dB");
        for (size_t i = 0; i < sizeof bad_bound / sizeof bad_bound[0]; i++) {
            q.bound = bad_bound[i];
            TU_EXPECT_STATUS(compress(&f, &q), STRATA_ERR_INVALID_ARG, "PSNR bound %g", q.bound);
        }
    }
    /* Coders. */
    static const int bad_coder[] = {-1, 4, 7, 100}; /* 4: the wavelet method's own */
    for (size_t i = 0; i < sizeof bad_coder / sizeof *bad_coder; i++) {
        strata_params q = good_params();
        q.coder = (strata_coder)bad_coder[i];
        TU_EXPECT_STATUS(compress(&f, &q), STRATA_ERR_INVALID_ARG, "coder %d", bad_coder[i]);
    }
    for (int c = -1; c < TU_NCODERS; c++) {
        strata_params q = good_params();
        q.coder = c < 0 ? STRATA_CODER_DEFAULT : tu_coders[c];
        TU_EXPECT_STATUS(compress(&f, &q), STRATA_OK, "coder %d", (int)q.coder);
    }
    /* Fill values: FLOAT32 needs one that converts to float (NaN, +-Inf, or
     * in range); FLOAT64 takes any. */
    static const double f32_bad_fill[] = {1e39, -1e39, 1e300, -3.5e38};
    static const double f32_good_fill[] = {NAN, INFINITY, -INFINITY, 3.4028234663852886e38, -1e34, 0.0};
    for (size_t i = 0; i < sizeof f32_bad_fill / sizeof f32_bad_fill[0]; i++) {
        strata_field g = good_field();
        g.has_fill = 1;
        g.fill_value = f32_bad_fill[i];
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_ERR_INVALID_ARG, "f32 fill %g", g.fill_value);
        g.has_fill = 0;
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_OK, "f32 fill %g not declared", g.fill_value);
    }
    for (size_t i = 0; i < sizeof f32_good_fill / sizeof f32_good_fill[0]; i++) {
        strata_field g = good_field();
        g.has_fill = 1;
        g.fill_value = f32_good_fill[i];
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_OK, "f32 fill %g", g.fill_value);
    }
    {
        const size_t dims[1] = {N / 2};
        strata_field g;
        strata_field_init(&g, STRATA_FLOAT64, 1, dims);
        g.has_fill = 1;
        g.fill_value = 1e300;
        TU_EXPECT_STATUS(compress(&g, &p), STRATA_OK, "f64 fill 1e300");
    }
    /* Negative thread count. */
    {
        strata_params q = good_params();
        q.threads = -1;
        TU_EXPECT_STATUS(compress(&f, &q), STRATA_ERR_INVALID_ARG, "threads -1");
    }
    TU_EXPECT(strata_compress_bound(NULL) == 0, "compress_bound(NULL)");
    TU_EXPECT(strata_field_count(NULL) == 0, "field_count(NULL)");
    strata_field_init(NULL, STRATA_FLOAT32, 1, NULL); /* must not crash */
    strata_params_init(NULL);
    {
        strata_field g;
        strata_field_init(&g, STRATA_FLOAT64, 3, NULL); /* dims NULL: zeros */
        TU_EXPECT(strata_field_count(&g) == 0, "field_init with dims NULL");
    }
}

static void decompress_args(void)
{
    strata_field f = good_field();
    strata_params p = good_params();
    for (int i = 0; i < N; i++) src[i] = (float)i * 0.25f;
    uint8_t stream[N * 4 + 256];
    size_t size = 0;
    TU_EXPECT_STATUS(strata_compress(&f, src, &p, stream, sizeof stream, &size), STRATA_OK, "baseline");
    float out[N];
    strata_stream_info info;
    TU_EXPECT_STATUS(strata_decompress(stream, size, out, sizeof out, 1, &info), STRATA_OK, "baseline");
    TU_EXPECT_STATUS(strata_decompress(NULL, size, out, sizeof out, 1, &info), STRATA_ERR_INVALID_ARG, "src NULL");
    TU_EXPECT_STATUS(strata_decompress(stream, size, NULL, sizeof out, 1, &info), STRATA_ERR_INVALID_ARG, "dst NULL");
    TU_EXPECT_STATUS(strata_decompress(stream, size, out, sizeof out, -1, &info), STRATA_ERR_INVALID_ARG, "threads -1");
    TU_EXPECT_STATUS(strata_decompress(stream, 0, out, sizeof out, 1, &info), STRATA_ERR_TRUNCATED, "src_size 0");
    TU_EXPECT_STATUS(strata_read_header(NULL, size, &info), STRATA_ERR_INVALID_ARG, "read_header src NULL");
    TU_EXPECT_STATUS(strata_read_header(stream, size, NULL), STRATA_ERR_INVALID_ARG, "read_header info NULL");
    TU_EXPECT_STATUS(strata_read_header(stream, 0, &info), STRATA_ERR_TRUNCATED, "read_header size 0");
    /* Not a stream at all. */
    uint8_t junk[200];
    memset(junk, 'x', sizeof junk);
    TU_EXPECT_STATUS(strata_read_header(junk, sizeof junk, &info), STRATA_ERR_CORRUPT, "junk header");
    TU_EXPECT_STATUS(strata_decompress(junk, sizeof junk, out, sizeof out, 1, &info), STRATA_ERR_CORRUPT, "junk");
}

/* Block-container helpers: argument checks. */
static void block_args(void)
{
    strata_field f = good_field(), bad = good_field();
    bad.size = 0;
    strata_params p = good_params();
    TU_EXPECT(strata_block_slab(NULL) == 0 && strata_block_count(NULL) == 0, "slab/count of NULL");
    TU_EXPECT(strata_block_slab(&bad) == 0 && strata_block_count(&bad) == 0, "slab/count of a bad field");
    TU_EXPECT(strata_block_slab(&f) == 8 && strata_block_count(&f) == 1, "small field: one block");
    TU_EXPECT(strata_compress_blocks_bound(NULL) == 0 && strata_compress_blocks_bound(&bad) == 0,
              "compress_blocks_bound of invalid fields");
    TU_EXPECT(strata_container_header_size(SIZE_MAX) == 0, "container_header_size overflow");
    TU_EXPECT(strata_container_header_size(3) == 128 + 24, "container_header_size(3)");

    double lo, hi;
    uint64_t valid;
    TU_EXPECT_STATUS(strata_value_range(NULL, src, N, &lo, &hi, &valid), STRATA_ERR_INVALID_ARG, "range: field NULL");
    TU_EXPECT_STATUS(strata_value_range(&f, NULL, N, &lo, &hi, &valid), STRATA_ERR_INVALID_ARG, "range: src NULL");
    TU_EXPECT_STATUS(strata_value_range(&f, src, N, NULL, &hi, &valid), STRATA_ERR_INVALID_ARG, "range: vmin NULL");
    TU_EXPECT_STATUS(strata_value_range(&f, src, N, &lo, NULL, &valid), STRATA_ERR_INVALID_ARG, "range: vmax NULL");
    TU_EXPECT_STATUS(strata_value_range(&f, src, N, &lo, &hi, NULL), STRATA_ERR_INVALID_ARG, "range: valid NULL");
    TU_EXPECT_STATUS(strata_value_range(&bad, src, N, &lo, &hi, &valid), STRATA_ERR_INVALID_ARG, "range: bad field");
    TU_EXPECT_STATUS(strata_value_range(&f, NULL, 0, &lo, &hi, &valid), STRATA_OK, "range: no points");
    TU_EXPECT(lo == 0 && hi == 0 && valid == 0, "range of no points: [%g, %g], %llu valid", lo, hi,
              (unsigned long long)valid);

    strata_params bp;
    double eb;
    TU_EXPECT_STATUS(strata_block_params(NULL, 0, 1, &bp, &eb), STRATA_ERR_INVALID_ARG, "block_params NULL");
    TU_EXPECT_STATUS(strata_block_params(&p, 0, 1, NULL, &eb), STRATA_ERR_INVALID_ARG, "block_params out NULL");
    TU_EXPECT_STATUS(strata_block_params(&p, 0, 1, &bp, NULL), STRATA_ERR_INVALID_ARG, "block_params eb NULL");
    TU_EXPECT_STATUS(strata_block_params(&p, 0, 1, &bp, &eb), STRATA_OK, "block_params");
    TU_EXPECT(bp.mode == STRATA_MODE_ABS && bp.bound == 1e-3 && eb == 1e-3, "REL 1e-3 over [0, 1] -> ABS 1e-3");
    TU_EXPECT_STATUS(strata_block_params(&p, 2, 2, &bp, &eb), STRATA_OK, "block_params, zero range");
    TU_EXPECT(bp.mode == STRATA_MODE_LOSSLESS && eb == 0, "zero-width bound -> LOSSLESS");
    {
        strata_params q = good_params();
        q.mode = STRATA_MODE_PSNR;
        q.bound = 60;
        TU_EXPECT_STATUS(strata_block_params(&q, 0, 1, &bp, &eb), STRATA_ERR_UNSUPPORTED, "block_params PSNR");
        size_t size;
        TU_EXPECT_STATUS(strata_compress_blocks(&f, src, &q, dst, sizeof dst, &size), STRATA_ERR_UNSUPPORTED,
                         "compress_blocks PSNR");
        q = good_params();
        q.bound = -1;
        TU_EXPECT_STATUS(strata_block_params(&q, 0, 1, &bp, &eb), STRATA_ERR_INVALID_ARG, "block_params bound -1");
        q.mode = (strata_mode)0;
        TU_EXPECT_STATUS(strata_block_params(&q, 0, 1, &bp, &eb), STRATA_ERR_INVALID_ARG, "block_params mode 0");
    }

    strata_field bf;
    size_t first;
    TU_EXPECT_STATUS(strata_block_field(&f, 0, &bf, &first), STRATA_OK, "block_field 0");
    TU_EXPECT(first == 0 && bf.dims[0] == 8 && bf.dims[1] == 8, "block_field 0 of a one-block field");
    TU_EXPECT_STATUS(strata_block_field(&f, 1, &bf, &first), STRATA_ERR_INVALID_ARG, "block_field past the end");
    TU_EXPECT_STATUS(strata_block_field(NULL, 0, &bf, &first), STRATA_ERR_INVALID_ARG, "block_field NULL");
    TU_EXPECT_STATUS(strata_block_field(&f, 0, NULL, &first), STRATA_ERR_INVALID_ARG, "block_field out NULL");
    TU_EXPECT_STATUS(strata_block_field(&f, 0, &bf, NULL), STRATA_ERR_INVALID_ARG, "block_field first NULL");

    uint64_t sizes[2] = {200, 200};
    uint8_t head[256];
    TU_EXPECT_STATUS(strata_container_write_header(&f, &p, 0, 1, sizes, 2, head, sizeof head),
                     STRATA_ERR_INVALID_ARG, "write_header with a wrong block count");
    TU_EXPECT_STATUS(strata_container_write_header(&f, &p, 0, 1, sizes, 1, head, 135),
                     STRATA_ERR_DST_TOO_SMALL, "write_header into 135 bytes");
    TU_EXPECT_STATUS(strata_container_write_header(&f, &p, 0, 1, sizes, 1, head, 136), STRATA_OK,
                     "write_header into 136 bytes");
    TU_EXPECT_STATUS(strata_container_write_header(NULL, &p, 0, 1, sizes, 1, head, sizeof head),
                     STRATA_ERR_INVALID_ARG, "write_header field NULL");
    TU_EXPECT_STATUS(strata_container_write_header(&f, NULL, 0, 1, sizes, 1, head, sizeof head),
                     STRATA_ERR_INVALID_ARG, "write_header params NULL");
    TU_EXPECT_STATUS(strata_container_write_header(&f, &p, 0, 1, NULL, 1, head, sizeof head),
                     STRATA_ERR_INVALID_ARG, "write_header sizes NULL");
    TU_EXPECT_STATUS(strata_container_write_header(&f, &p, 0, 1, sizes, 1, NULL, sizeof head),
                     STRATA_ERR_INVALID_ARG, "write_header dst NULL");

    size_t size;
    TU_EXPECT_STATUS(strata_compress_blocks(NULL, src, &p, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "blocks field NULL");
    TU_EXPECT_STATUS(strata_compress_blocks(&f, NULL, &p, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "blocks src NULL");
    TU_EXPECT_STATUS(strata_compress_blocks(&f, src, NULL, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "blocks params NULL");
    TU_EXPECT_STATUS(strata_compress_blocks(&f, src, &p, NULL, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "blocks dst NULL");
    TU_EXPECT_STATUS(strata_compress_blocks(&f, src, &p, dst, sizeof dst, NULL), STRATA_ERR_INVALID_ARG, "blocks dst_size NULL");
    TU_EXPECT_STATUS(strata_compress_blocks(&bad, src, &p, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "blocks bad field");
    TU_EXPECT_STATUS(strata_compress_blocks(&f, src, &p, dst, 0, &size), STRATA_ERR_DST_TOO_SMALL, "blocks capacity 0");
    TU_EXPECT_STATUS(strata_compress_blocks(&f, src, &p, dst, 200, &size), STRATA_ERR_DST_TOO_SMALL, "blocks capacity 200");
    {
        strata_field g = good_field();
        g.dims[1] = 0;
        TU_EXPECT_STATUS(strata_compress_blocks(&g, src, &p, dst, sizeof dst, &size), STRATA_ERR_EMPTY, "blocks empty");
        strata_params q = good_params();
        q.bound = NAN;
        TU_EXPECT_STATUS(strata_compress_blocks(&f, src, &q, dst, sizeof dst, &size), STRATA_ERR_INVALID_ARG, "blocks bound NaN");
    }
}

static void status_strings(void)
{
    /* Values are pinned by the contract. */
    TU_EXPECT(STRATA_OK == 0 && STRATA_ERR_GENERIC == 1 && STRATA_ERR_INVALID_ARG == 2 &&
                  STRATA_ERR_UNSUPPORTED == 3 && STRATA_ERR_DST_TOO_SMALL == 4 && STRATA_ERR_CORRUPT == 5 &&
                  STRATA_ERR_CHECKSUM == 6 && STRATA_ERR_TRUNCATED == 7 && STRATA_ERR_NOMEM == 8 &&
                  STRATA_ERR_VERSION == 9 && STRATA_ERR_EMPTY == 10 && STRATA_ERR_IO == 11 && STRATA_STATUS_COUNT_ == 12,
              "pinned status values");
    const char *unknown = strata_status_string((strata_status)STRATA_STATUS_COUNT_);
    TU_EXPECT(unknown && *unknown, "string for STRATA_STATUS_COUNT_");
    for (int i = 0; i < STRATA_STATUS_COUNT_; i++) {
        const char *s = strata_status_string((strata_status)i);
        TU_EXPECT(s && *s, "status %d has no string", i);
        if (!s) continue;
        TU_EXPECT(strcmp(s, unknown) != 0, "status %d named like an unknown one: %s", i, s);
        for (int j = 0; j < i; j++)
            TU_EXPECT(strcmp(s, strata_status_string((strata_status)j)) != 0, "statuses %d and %d share \"%s\"", i, j, s);
    }
    static const int out_of_range[] = {STRATA_STATUS_COUNT_, STRATA_STATUS_COUNT_ + 1, 100, 1 << 30, -1, -100};
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++) {
        const char *s = strata_status_string((strata_status)out_of_range[i]);
        TU_EXPECT(s && *s && strcmp(s, unknown) == 0, "out-of-range status %d: \"%s\"", out_of_range[i],
                  s ? s : "(null)");
    }
}

int main(void)
{
    compress_args();
    decompress_args();
    block_args();
    status_strings();
    return tu_finish("test_errors");
}
