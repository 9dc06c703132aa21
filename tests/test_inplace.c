/* test_inplace.c - strata_compress_inplace() against strata_compress().
 *
 * For fields of both dtypes and 1-4 dims, plain, with NaN/Inf, with a fill value
 * and with outliers (unpredictable points), in every mode, every coder and 1 and
 * 2 threads: the stream bytes must equal strata_compress()'s, and the field
 * left in place must equal strata_decompress()'s output bit for bit and hold
 * the bound on every point (tu_check_points). Then the
 * field that does not compress (STRATA_ERR_UNSUPPORTED), unaligned data, and
 * the argument errors (the same status as strata_compress, data untouched).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

static size_t n_cases;

/* Compresses a copy of `src` both ways and compares; returns the in-place status. */
static strata_status check_case(const strata_field *f, const void *src, const strata_params *p,
                                size_t offset, const char *label)
{
    const size_t raw = tu_count(f->ndims, f->dims) * tu_dtype_size(f->dtype);
    const size_t cap = strata_compress_bound(f);
    uint8_t *want = tu_malloc(cap), *got = tu_malloc(cap), *out = tu_malloc(raw + 1);
    uint8_t *buf = tu_malloc(raw + offset), *data = buf + offset;
    memcpy(data, src, raw);
    size_t want_size = 0, got_size = 0;
    const strata_status ws = strata_compress(f, src, p, want, cap, &want_size);
    const strata_status gs = strata_compress_inplace(f, data, p, got, cap, &got_size);
    strata_stream_info info;
    if (ws == STRATA_OK && gs == STRATA_ERR_UNSUPPORTED) {
        TU_EXPECT(strata_read_header(want, want_size, &info) == STRATA_OK && info.method == 0,
                  "%s: in place refused a field that compresses (method %u)", label, info.method);
    } else {
        TU_EXPECT_STATUS(gs, ws, "%s", label);
    }
    if (ws == STRATA_OK && gs == STRATA_OK) {
        TU_EXPECT(got_size == want_size && memcmp(got, want, want_size) == 0,
                  "%s: stream differs (%zu vs %zu bytes)", label, got_size, want_size);
        TU_EXPECT_STATUS(strata_decompress(want, want_size, out, raw, 1, NULL), STRATA_OK, "%s", label);
        TU_EXPECT(memcmp(out, data, raw) == 0, "%s: data is not the decompressed field", label);
        /* And every point left in place is within the bound (special points exact). */
        TU_EXPECT(tu_check_points(f, src, data, p->mode == STRATA_MODE_LOSSLESS,
                                  tu_user_abs_bound(f, src, p), label, NULL) == 0,
                  "%s: the field left in place breaks the bound", label);
    }
    free(want); free(got); free(out); free(buf);
    n_cases++;
    return gs;
}

/* Every mode, every coder, 1 and 2 threads. */
static void check_modes(const strata_field *f, const void *src, const char *what)
{
    static const struct { strata_mode mode; double bound; } modes[] = {
        {STRATA_MODE_ABS, 1e-3}, {STRATA_MODE_REL, 1e-2}, {STRATA_MODE_REL, 1e-4},
        {STRATA_MODE_LOSSLESS, 0}, {STRATA_MODE_PSNR, 60},
    };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
        for (int c = 0; c < TU_NCODERS; c++)
            for (int t = 1; t <= 2; t++) {
                strata_params p;
                strata_params_init(&p);
                p.mode = modes[m].mode;
                p.bound = modes[m].bound;
                p.coder = tu_coders[c];
                p.threads = t;
                char label[256];
                snprintf(label, sizeof label, "%s %s %ux[%zu,%zu,%zu,%zu] %s %g coder %d threads %d",
                         f->dtype == STRATA_FLOAT32 ? "f32" : "f64", what, f->ndims, f->dims[0],
                         f->dims[1], f->dims[2], f->dims[3], tu_mode_name(p.mode), p.bound, (int)p.coder, t);
                check_case(f, src, &p, 0, label);
            }
}

static void fields(strata_dtype dt)
{
    static const size_t shapes[][5] = {
        {1, 1}, {1, 1000}, {2, 2, 2}, {2, 37, 53}, {2, 300, 300}, {3, 17, 9, 23}, {4, 3, 5, 7, 9},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        strata_field f;
        strata_field_init(&f, dt, (unsigned)shapes[s][0], &shapes[s][1]);
        const size_t n = strata_field_count(&f);
        void *x = tu_malloc(n * tu_dtype_size(dt));
        tu_gen_smooth(x, dt, f.ndims, f.dims, 10.0, 5.0, 0.01, 1000 + s);
        check_modes(&f, x, "smooth");
        /* Outliers far beyond the quantizer's range: unpredictable points. */
        for (size_t i = 3; i < n; i += 97) tu_set(x, dt, i, i % 2 ? 1e6 : -1e6);
        check_modes(&f, x, "outliers");
        tu_rng r;
        tu_rng_seed(&r, 7 + s);
        for (size_t i = 0; i < n / 20 + 1; i++) {
            const size_t j = tu_rng_below(&r, n);
            tu_set(x, dt, j, j % 3 == 0 ? NAN : j % 3 == 1 ? INFINITY : -9999.0);
        }
        f.has_fill = 1;
        f.fill_value = -9999.0;
        check_modes(&f, x, "NaN, Inf and fill");
        free(x);
    }
}

/* The field that does not compress, unaligned data, and rejected arguments. */
static void special_cases(void)
{
    const size_t dims[2] = {64, 64}, n = 64 * 64;
    strata_field f;
    strata_field_init(&f, STRATA_FLOAT32, 2, dims);
    float *x = tu_malloc(n * sizeof *x);
    tu_gen_random_finite(x, STRATA_FLOAT32, n, 5);
    strata_params p;
    strata_params_init(&p);
    p.mode = STRATA_MODE_ABS;
    p.bound = 1e-30;
    TU_EXPECT_STATUS(check_case(&f, x, &p, 0, "random bits, stored raw"), STRATA_ERR_UNSUPPORTED,
                     "a field stored raw cannot be compressed in place");

    tu_gen_smooth(x, STRATA_FLOAT32, 2, dims, 0.0, 1.0, 0.0, 6);
    p.mode = STRATA_MODE_REL;
    p.bound = 1e-3;
    check_case(&f, x, &p, 1, "unaligned data");

    /* Rejected arguments: the same status, data untouched. */
    const size_t cap = strata_compress_bound(&f);
    uint8_t *dst = tu_malloc(cap);
    float *data = tu_malloc(n * sizeof *data);
    size_t size;
    static const struct { strata_mode mode; double bound; int threads; const char *what; } bad[] = {
        {STRATA_MODE_ABS, 0.0, 0, "bound 0"},          {STRATA_MODE_REL, -1.0, 0, "bound < 0"},
        {STRATA_MODE_ABS, NAN, 0, "bound NaN"},        {STRATA_MODE_ABS, INFINITY, 0, "bound Inf"},
        {(strata_mode)4, 1e-3, 0, "reserved mode"},    {(strata_mode)9, 1e-3, 0, "unknown mode"},
        {STRATA_MODE_REL, 1e-3, -1, "threads < 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strata_params q = p;
        q.mode = bad[i].mode;
        q.bound = bad[i].bound;
        q.threads = bad[i].threads;
        memcpy(data, x, n * sizeof *data);
        TU_EXPECT_STATUS(strata_compress_inplace(&f, data, &q, dst, cap, &size),
                         strata_compress(&f, x, &q, dst, cap, &size), "%s", bad[i].what);
        TU_EXPECT(memcmp(data, x, n * sizeof *data) == 0, "%s: data changed", bad[i].what);
    }
    strata_field g = f;
    g.dims[1] = 0;
    TU_EXPECT_STATUS(strata_compress_inplace(&g, data, &p, dst, cap, &size),
                     strata_compress(&g, x, &p, dst, cap, &size), "empty field");
    g = f;
    g.size = 0;
    TU_EXPECT_STATUS(strata_compress_inplace(&g, data, &p, dst, cap, &size),
                     strata_compress(&g, x, &p, dst, cap, &size), "bad field size");
    TU_EXPECT_STATUS(strata_compress_inplace(&f, NULL, &p, dst, cap, &size), STRATA_ERR_INVALID_ARG, "NULL data");
    TU_EXPECT_STATUS(strata_compress_inplace(&f, data, NULL, dst, cap, &size), STRATA_ERR_INVALID_ARG, "NULL params");
    TU_EXPECT_STATUS(strata_compress_inplace(&f, data, &p, NULL, cap, &size), STRATA_ERR_INVALID_ARG, "NULL dst");
    TU_EXPECT_STATUS(strata_compress_inplace(&f, data, &p, dst, cap, NULL), STRATA_ERR_INVALID_ARG, "NULL size");
    memcpy(data, x, n * sizeof *data);
    TU_EXPECT_STATUS(strata_compress_inplace(&f, data, &p, dst, 16, &size),
                     strata_compress(&f, x, &p, dst, 16, &size), "capacity 16");
    n_cases += 13;
    free(x); free(data); free(dst);
}

int main(void)
{
    fields(STRATA_FLOAT32);
    fields(STRATA_FLOAT64);
    special_cases();
    printf("%zu cases\n", n_cases);
    return tu_finish("inplace");
}
