/* test_roundtrip.c - property tests of compress -> decompress.
 *
 * usage: test_roundtrip f32|f64 NDIMS   random smooth(+noise) fields of many shapes
 *                                        at every bound, then special fields (constant,
 *                                        NaN/Inf/fill, land masks, extremes, denormals,
 *                                        negative zero, incompressible, random bits)
 *        test_roundtrip api              threads determinism, headers, unaligned
 *                                        buffers, capacities
 *        test_roundtrip blocks           block containers: multi-block fields, thread
 *                                        counts, the distributed-writer calls, cuts
 * Every round trip goes through tu_roundtrip(), which checks every point.
 * STRATA_TEST_SCALE < 1 drops the largest shapes (sanitizer runs).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

typedef struct { strata_mode mode; double bound; } mode_spec;

static size_t n_roundtrips;

static strata_params make_params(strata_mode mode, double bound, int threads)
{
    strata_params p;
    strata_params_init(&p);
    p.mode = mode;
    p.bound = bound;
    p.threads = threads;
    return p;
}

/* Round trips `data` in every mode of `modes`, ABS bounds scaled by `scale`;
 * lossy modes once per entropy coder (both Huffman coders, both range coders),
 * lossless once. */
static void run_modes(const strata_field *f, const void *data, const mode_spec *modes,
                      size_t nmodes, double scale, const char *what)
{
    for (size_t m = 0; m < nmodes; m++)
        for (int c = 0; c < (modes[m].mode == STRATA_MODE_LOSSLESS ? 1 : TU_NCODERS); c++) {
            double bound = modes[m].mode == STRATA_MODE_ABS ? modes[m].bound * scale : modes[m].bound;
            strata_params p = make_params(modes[m].mode, bound, 0);
            p.coder = tu_coders[c];
            char label[256];
            snprintf(label, sizeof label, "%s %s %ux[%zu,%zu,%zu,%zu] %s %g coder %d",
                     f->dtype == STRATA_FLOAT32 ? "f32" : "f64", what, f->ndims, f->dims[0], f->dims[1],
                     f->dims[2], f->dims[3], tu_mode_name(p.mode), bound, (int)p.coder);
            tu_roundtrip(f, data, &p, 0, label, NULL, NULL);
            n_roundtrips++;
        }
}

static const mode_spec all_modes[] = {
    {STRATA_MODE_REL, 1e-1}, {STRATA_MODE_REL, 1e-2}, {STRATA_MODE_REL, 1e-3},
    {STRATA_MODE_REL, 1e-4}, {STRATA_MODE_REL, 1e-5}, {STRATA_MODE_REL, 1e-6},
    {STRATA_MODE_REL, 1e-7}, {STRATA_MODE_ABS, 1e-1}, {STRATA_MODE_ABS, 1e-3},
    {STRATA_MODE_ABS, 1e-6}, {STRATA_MODE_PSNR, 40}, {STRATA_MODE_PSNR, 90},
    {STRATA_MODE_LOSSLESS, 0},
};
static const mode_spec few_modes[] = {
    {STRATA_MODE_REL, 1e-2}, {STRATA_MODE_REL, 1e-5}, {STRATA_MODE_ABS, 1e-3},
    {STRATA_MODE_PSNR, 60}, {STRATA_MODE_LOSSLESS, 0},
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- random smooth fields ------------------------------------------------- */

/* Shapes per rank; 0 ends a shape's list of dims. Sizes 1, 2, 3, 5, 17, 127 and a
 * few thousand (1D, 2D). */
static const size_t shapes1[][4] = {{1}, {2}, {3}, {5}, {17}, {127}, {1000}, {4099}};
static const size_t shapes2[][4] = {{1, 1}, {1, 5}, {2, 3}, {3, 2}, {5, 17}, {17, 5},
                                    {127, 3}, {17, 127}, {2, 3001}, {3001, 2}, {61, 67}};
static const size_t shapes3[][4] = {{1, 1, 1}, {2, 3, 5}, {5, 1, 17}, {1, 127, 2},
                                    {17, 17, 17}, {3, 127, 5}, {5, 17, 127}, {2, 1, 3000}};
static const size_t shapes4[][4] = {{1, 1, 1, 1}, {2, 3, 5, 1}, {1, 2, 3, 5}, {5, 5, 5, 5},
                                    {3, 17, 5, 17}, {2, 3, 17, 127}, {1, 127, 1, 2}};

static void random_fields(strata_dtype dt, unsigned nd)
{
    const size_t (*shapes)[4];
    size_t nshapes;
    switch (nd) {
    case 1: shapes = shapes1; nshapes = COUNT(shapes1); break;
    case 2: shapes = shapes2; nshapes = COUNT(shapes2); break;
    case 3: shapes = shapes3; nshapes = COUNT(shapes3); break;
    default: shapes = shapes4; nshapes = COUNT(shapes4); break;
    }
    /* Profiles: smooth, smooth + 1% noise, a large offset (values coarse in f32
     * ulps relative to small bounds), pure noise. */
    static const struct { double offset, amp, noise; const char *name; } prof[] = {
        {0.0, 1.0, 0.0, "smooth"}, {3.0, 2.0, 0.02, "smooth+noise"},
        {1e4, 1.0, 0.001, "offset"}, {-5.0, 0.0, 1.0, "noise"},
    };
    for (size_t s = 0; s < nshapes; s++) {
        strata_field f;
        strata_field_init(&f, dt, nd, shapes[s]);
        const size_t n = tu_count(nd, shapes[s]);
        if (n > 8000 && tu_scale() < 1) continue;
        void *data = tu_malloc(n * tu_dtype_size(dt));
        for (size_t k = 0; k < COUNT(prof); k++) {
            tu_gen_smooth(data, dt, nd, shapes[s], prof[k].offset, prof[k].amp, prof[k].noise,
                          1000 * s + 10 * k + nd);
            run_modes(&f, data, all_modes, COUNT(all_modes),
                      prof[k].amp > 0 ? prof[k].amp : prof[k].noise, prof[k].name);
        }
        free(data);
    }
}

/* ---- special fields --------------------------------------------------------- */

/* Land of an ocean-like mask: large contiguous regions in the last two dims,
 * growing with the first (depth), like the Levitus land mask. */
static int is_land(unsigned nd, const size_t *dims, size_t i)
{
    size_t c[4] = {0, 0, 0, 0}, rest = i;
    for (unsigned d = nd; d-- > 0;) { c[d] = rest % dims[d]; rest /= dims[d]; }
    const double y = nd >= 2 ? (double)c[nd - 2] / (double)dims[nd - 2] : 0.3;
    const double x = (double)c[nd - 1] / (double)dims[nd - 1];
    const double depth = nd >= 3 ? (double)c[0] / (double)dims[0] : 0.0;
    const double v = sin(3.1 * x + 1.0) * cos(2.3 * y + 0.5) + 0.3 * sin(7.0 * x * y + 2.0 * y);
    return v > 0.45 - 0.5 * depth;
}

/* A smooth field with land set to `fill` and scattered fill/NaN/+Inf/-Inf points. */
static void make_ocean(void *data, strata_dtype dt, unsigned nd, const size_t *dims,
                       double fill, int origin_special, uint64_t seed)
{
    const size_t n = tu_count(nd, dims);
    tu_gen_smooth(data, dt, nd, dims, 15.0, 10.0, 0.05, seed);
    tu_rng r;
    tu_rng_seed(&r, seed ^ 0x5eed);
    for (size_t i = 0; i < n; i++) {
        double u = tu_rng_uniform(&r);
        if (is_land(nd, dims, i) || u < 0.01) tu_set(data, dt, i, fill);
        else if (u < 0.015) tu_set(data, dt, i, NAN);
        else if (u < 0.017) tu_set(data, dt, i, INFINITY);
        else if (u < 0.019) tu_set(data, dt, i, -INFINITY);
    }
    tu_set(data, dt, 0, origin_special ? fill : 1.5);
}

static void special_fields(strata_dtype dt, unsigned nd)
{
    static const size_t medium[4][4] = {{3001}, {61, 83}, {13, 17, 19}, {5, 7, 9, 11}};
    static const size_t small[4][4] = {{5}, {3, 5}, {2, 3, 5}, {2, 1, 3, 2}};
    const size_t *dims = medium[nd - 1];
    const size_t n = tu_count(nd, dims), w = tu_dtype_size(dt);
    const double big = dt == STRATA_FLOAT32 ? FLT_MAX : DBL_MAX;
    const double tiny = dt == STRATA_FLOAT32 ? 1e-40 : 1e-310; /* denormal scale */
    uint8_t *data = tu_malloc(n * w);
    strata_field f;
    strata_field_init(&f, dt, nd, dims);
    tu_rng r;
    tu_rng_seed(&r, 77 + nd + 10 * (unsigned)dt);

    /* Constant fields, including zeros of both signs and a sentinel-sized value. */
    static const double constants[] = {3.25, 0.0, -0.0, -1e34, 1e-40};
    for (size_t k = 0; k < COUNT(constants); k++) {
        for (size_t i = 0; i < n; i++) tu_set(data, dt, i, constants[k]);
        run_modes(&f, data, few_modes, COUNT(few_modes), 1.0, "constant");
    }
    /* Constant apart from one point. */
    tu_set(data, dt, n / 2, 4.0);
    run_modes(&f, data, few_modes, COUNT(few_modes), 1.0, "constant+1");

    /* Ocean-like land masks and scattered specials, both fill values; with the
     * fill declared, and without (then the fill is a huge ordinary value). */
    static const double fills[] = {-1e34, -1e10};
    for (size_t k = 0; k < COUNT(fills); k++)
        for (int origin = 0; origin < 2; origin++) {
            make_ocean(data, dt, nd, dims, fills[k], origin, 500 + k * 2 + (unsigned)origin);
            f.has_fill = 1;
            f.fill_value = fills[k];
            run_modes(&f, data, all_modes, COUNT(all_modes), 10.0, "ocean");
            f.has_fill = 0;
            run_modes(&f, data, few_modes, COUNT(few_modes), 10.0, "ocean-undeclared");
        }
    /* Small shapes too: masks around the origin and the edges. */
    {
        const size_t *sd = small[nd - 1];
        strata_field fs;
        strata_field_init(&fs, dt, nd, sd);
        fs.has_fill = 1;
        fs.fill_value = -1e34;
        for (int seed = 0; seed < 8; seed++) {
            tu_gen_smooth(data, dt, nd, sd, 0.0, 1.0, 0.0, (uint64_t)seed);
            for (size_t i = 0; i < tu_count(nd, sd); i++)
                if (tu_rng_uniform(&r) < 0.4) tu_set(data, dt, i, (i + (size_t)seed) % 3 ? -1e34 : NAN);
            run_modes(&fs, data, few_modes, COUNT(few_modes), 1.0, "small-masked");
        }
    }

    /* All-special fields: all NaN, all fill, a mix of NaN/+-Inf/fill. */
    f.has_fill = 1;
    f.fill_value = -1e10;
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < n; i++) {
            static const double mix[4] = {NAN, INFINITY, -INFINITY, -1e10};
            tu_set(data, dt, i, kind == 0 ? NAN : kind == 1 ? -1e10 : mix[tu_rng_below(&r, 4)]);
        }
        run_modes(&f, data, few_modes, COUNT(few_modes), 1.0, "all-special");
    }
    f.has_fill = 0;
    /* NaN with payloads and sign bits must come back bit for bit. */
    for (size_t i = 0; i < n; i++) {
        if (dt == STRATA_FLOAT32) {
            uint32_t b = 0x7f800001u | (uint32_t)tu_rng_next(&r);
            memcpy(data + 4 * i, &b, 4);
        } else {
            uint64_t b = 0x7ff0000000000001ULL | tu_rng_next(&r);
            memcpy(data + 8 * i, &b, 8);
        }
        if (i % 5 == 0) tu_set(data, dt, i, (double)i);
    }
    run_modes(&f, data, few_modes, COUNT(few_modes), 1.0, "nan-payloads");

    /* Values near the largest finite value: one sign, then alternating signs. */
    for (int alt = 0; alt < 2; alt++) {
        tu_gen_smooth(data, dt, nd, dims, 0.0, 1.0, 0.0, 91 + (unsigned)alt);
        for (size_t i = 0; i < n; i++) {
            double v = big * (1.0 - 1e-3 * fabs(tu_get(data, dt, i)));
            tu_set(data, dt, i, alt && (i & 1) ? -v : v);
        }
        tu_set(data, dt, n - 1, alt ? -big : big);
        run_modes(&f, data, all_modes, COUNT(all_modes), big * 1e-3,
                  alt ? "near-max-alternating" : "near-max");
    }
    /* Denormals (and a few zeros of both signs). */
    tu_gen_smooth(data, dt, nd, dims, 0.0, tiny, tiny * 0.01, 93);
    for (size_t i = 0; i < n; i += 11) tu_set(data, dt, i, (i & 1) ? -0.0 : 0.0);
    run_modes(&f, data, all_modes, COUNT(all_modes), tiny, "denormal");
    /* Negative zeros among small values; then the fill declared as 0.0, which
     * makes both zeros special (bit-exact). */
    tu_gen_smooth(data, dt, nd, dims, 0.0, 1.0, 0.0, 94);
    for (size_t i = 0; i < n; i++)
        if (tu_rng_uniform(&r) < 0.3) tu_set(data, dt, i, tu_rng_uniform(&r) < 0.5 ? -0.0 : 0.0);
    run_modes(&f, data, all_modes, COUNT(all_modes), 1.0, "negative-zero");
    f.has_fill = 1;
    f.fill_value = 0.0;
    run_modes(&f, data, few_modes, COUNT(few_modes), 1.0, "zero-fill");
    f.has_fill = 0;

    /* Nothing predictable: random finite bits with a bound far below their
     * spacing. The stream must stay within strata_compress_bound (checked in
     * tu_roundtrip) and fall back to raw storage. Then values that zstd can
     * squeeze a little (same exponent) with a bound below their ulp. */
    tu_gen_random_finite(data, dt, n, 95 + nd);
    for (int k = 0; k < 2; k++) {
        strata_params p = k ? make_params(STRATA_MODE_REL, 1e-300, 0)
                            : make_params(STRATA_MODE_ABS, dt == STRATA_FLOAT32 ? 1e-45 : 1e-320, 0);
        tu_rt_result res;
        tu_roundtrip(&f, data, &p, 0, k ? "incompressible rel" : "incompressible abs", &res, NULL);
        /* (REL: the bound scales with the huge range, small values stay predictable.) */
        if (!k) TU_EXPECT(res.info.method == 0, "incompressible: method %u, expected raw", res.info.method);
        n_roundtrips++;
    }
    for (size_t i = 0; i < n; i++) tu_set(data, dt, i, 1.0 + tu_rng_uniform(&r));
    {
        strata_params p = make_params(STRATA_MODE_ABS, dt == STRATA_FLOAT32 ? 1e-30 : 1e-300, 0);
        tu_roundtrip(&f, data, &p, 0, "unpredictable abs", NULL, NULL);
        p = make_params(STRATA_MODE_REL, 1e-15, 0);
        tu_roundtrip(&f, data, &p, 0, "unpredictable rel", NULL, NULL);
        n_roundtrips += 2;
    }
    /* PSNR targets from trivial to beyond what the dtype can hold. */
    {
        static const mode_spec psnr[] = {{STRATA_MODE_PSNR, 1e-3}, {STRATA_MODE_PSNR, 1},
                                         {STRATA_MODE_PSNR, 200}, {STRATA_MODE_PSNR, 400},
                                         {STRATA_MODE_PSNR, 1e300}};
        tu_gen_smooth(data, dt, nd, dims, 2.0, 1.0, 0.01, 96);
        run_modes(&f, data, psnr, COUNT(psnr), 1.0, "psnr-extremes");
    }
    /* Random bit patterns: every class of float (NaN payloads, Inf, denormals,
     * +-0, huge and tiny) at once. */
    for (size_t i = 0; i < n * w; i += 8) {
        uint64_t b = tu_rng_next(&r);
        memcpy(data + i, &b, n * w - i < 8 ? n * w - i : 8);
    }
    run_modes(&f, data, few_modes, COUNT(few_modes), 1.0, "random-bits");
    run_modes(&f, data, few_modes, COUNT(few_modes), 1e30, "random-bits");
    free(data);
}

/* ---- API behaviour ------------------------------------------------------------ */

/* Streams for threads 1, 2, 3 and 0 must be byte-identical, and so must the
 * decoded fields; with each entropy coder. */
static void check_threads(const strata_field *f, const void *data, strata_mode mode, double bound,
                          const char *what)
{
    const size_t raw = strata_field_count(f) * tu_dtype_size(f->dtype), cap = strata_compress_bound(f);
    static const int threads[] = {1, 2, 3, 0};
    static const strata_coder coders[] = {STRATA_CODER_HUFFMAN, STRATA_CODER_RANGE, STRATA_CODER_RANGE_CTX,
                                          STRATA_CODER_HUFFMAN_CTX, STRATA_CODER_ANS_CTX, STRATA_CODER_DEFAULT};
    uint8_t *ref = tu_malloc(cap), *s = tu_malloc(cap), *out_ref = tu_malloc(raw), *out = tu_malloc(raw);
    for (size_t c = 0; c < (mode == STRATA_MODE_LOSSLESS ? 1 : COUNT(coders)); c++) {
        size_t ref_size = 0, size = 0;
        for (size_t t = 0; t < COUNT(threads); t++) {
            strata_params p = make_params(mode, bound, threads[t]);
            p.coder = coders[c];
            strata_status st = strata_compress(f, data, &p, t ? s : ref, cap, t ? &size : &ref_size);
            TU_EXPECT_STATUS(st, STRATA_OK, "%s: threads %d", what, threads[t]);
            if (t && st == STRATA_OK)
                TU_EXPECT(size == ref_size && memcmp(s, ref, size) == 0,
                          "%s, coder %d: stream with threads=%d differs from threads=1 (%zu vs %zu bytes)",
                          what, (int)coders[c], threads[t], size, ref_size);
        }
        for (size_t t = 0; t < COUNT(threads); t++) {
            strata_status st = strata_decompress(ref, ref_size, t ? out : out_ref, raw, threads[t], NULL);
            TU_EXPECT_STATUS(st, STRATA_OK, "%s: decompress threads %d", what, threads[t]);
            if (t) TU_EXPECT(memcmp(out, out_ref, raw) == 0, "%s, coder %d: decoded with threads=%d differs",
                             what, (int)coders[c], threads[t]);
        }
        strata_params p = make_params(mode, bound, 2);
        p.coder = coders[c];
        tu_roundtrip(f, data, &p, 2, what, NULL, NULL);
    }
    free(ref); free(s); free(out_ref); free(out);
}

static void api_threads(void)
{
    /* Large enough for parallel passes (>= 16384 points), a parallel scan
     * (> 65536), several entropy-coder segments and, lossless, sections of
     * several zstd frames (1.2 and 2.2 MB; a frame is 256 KiB). */
    const size_t d3[3] = {64, 64, 72}, d2[2] = {700, 400}, d1[1] = {300000};
    strata_field f;
    void *data = tu_malloc(300000 * 8);
    strata_field_init(&f, STRATA_FLOAT32, 3, d3);
    f.has_fill = 1;
    f.fill_value = -1e34;
    make_ocean(data, STRATA_FLOAT32, 3, d3, -1e34, 0, 3);
    check_threads(&f, data, STRATA_MODE_REL, 1e-4, "threads 3D f32 ocean rel");
    check_threads(&f, data, STRATA_MODE_PSNR, 70, "threads 3D f32 ocean psnr");
    check_threads(&f, data, STRATA_MODE_LOSSLESS, 0, "threads 3D f32 lossless");
    strata_field_init(&f, STRATA_FLOAT64, 2, d2);
    tu_gen_smooth(data, STRATA_FLOAT64, 2, d2, 1.0, 3.0, 1e-3, 4);
    check_threads(&f, data, STRATA_MODE_REL, 1e-5, "threads 2D f64 rel");
    check_threads(&f, data, STRATA_MODE_ABS, 1e-2, "threads 2D f64 abs");
    check_threads(&f, data, STRATA_MODE_PSNR, 95, "threads 2D f64 psnr");
    check_threads(&f, data, STRATA_MODE_LOSSLESS, 0, "threads 2D f64 lossless");
    strata_field_init(&f, STRATA_FLOAT32, 1, d1);
    tu_gen_smooth(data, STRATA_FLOAT32, 1, d1, 0.0, 1.0, 0.1, 5);
    check_threads(&f, data, STRATA_MODE_ABS, 1e-3, "threads 1D f32 abs");
    free(data);
}

/* Header parsing, unaligned buffers and capacities, on one stream per method. */
static void api_buffers(strata_dtype dt, strata_mode mode, double bound, int noise, unsigned want_method)
{
    const size_t dims[2] = {45, 77}, n = dims[0] * dims[1], w = tu_dtype_size(dt), raw = n * w;
    char what[64];
    snprintf(what, sizeof what, "%s %s %g", dt == STRATA_FLOAT32 ? "f32" : "f64", tu_mode_name(mode), bound);
    strata_field f;
    strata_field_init(&f, dt, 2, dims);
    f.has_fill = 1;
    f.fill_value = -1e34;
    uint8_t *data = tu_malloc(raw);
    if (noise) {
        tu_gen_random_finite(data, dt, n, 11);
    } else {
        make_ocean(data, dt, 2, dims, -1e34, 0, 12);
    }
    strata_params p = make_params(mode, bound, 1);
    uint8_t *stream = NULL;
    tu_rt_result res;
    if (!tu_roundtrip(&f, data, &p, 1, what, &res, &stream)) { free(stream); free(data); return; }
    const size_t size = res.stream_size;
    TU_EXPECT(res.info.method == want_method, "%s: method %u, expected %u", what, res.info.method,
              want_method);

    /* Header: exactly STRATA_HEADER_BYTES (112) suffice; one fewer does not. */
    TU_EXPECT(STRATA_HEADER_BYTES == 112, "STRATA_HEADER_BYTES %d", STRATA_HEADER_BYTES);
    strata_stream_info info;
    TU_EXPECT_STATUS(strata_read_header(stream, STRATA_HEADER_BYTES, &info), STRATA_OK, "%s: header from 112 bytes", what);
    TU_EXPECT(info.stream_size == size && info.raw_size == raw && info.field.dtype == dt &&
                  info.field.ndims == 2 && info.field.dims[0] == 45 && info.field.dims[1] == 77 &&
                  info.mode == mode && info.field.has_fill && info.field.fill_value == (dt == STRATA_FLOAT32 ? (double)-1e34f : -1e34),
              "%s: header from 112 bytes describes the field", what);
    if (mode != STRATA_MODE_LOSSLESS) TU_EXPECT(info.bound == bound, "%s: bound %g", what, info.bound);
    TU_EXPECT_STATUS(strata_read_header(stream, STRATA_HEADER_BYTES - 1, &info), STRATA_ERR_TRUNCATED, "%s: 111 bytes", what);

    uint8_t *ref = tu_malloc(raw), *buf = tu_malloc(raw + 64);
    TU_EXPECT_STATUS(strata_decompress(stream, size, ref, raw, 1, NULL), STRATA_OK, "%s: info NULL", what);
    /* Unaligned destination (dst + 1) and unaligned source. */
    TU_EXPECT_STATUS(strata_decompress(stream, size, buf + 1, raw, 1, NULL), STRATA_OK, "%s: dst+1", what);
    TU_EXPECT(memcmp(buf + 1, ref, raw) == 0, "%s: decoded into dst+1 differs", what);
    uint8_t *src1 = tu_malloc(size + 101);
    memcpy(src1 + 1, stream, size);
    TU_EXPECT_STATUS(strata_decompress(src1 + 1, size, buf + 3, raw, 2, NULL), STRATA_OK, "%s: src+1", what);
    TU_EXPECT(memcmp(buf + 3, ref, raw) == 0, "%s: decoded from src+1 differs", what);
    /* Bytes after the stream are ignored. */
    memcpy(src1, stream, size);
    memset(src1 + size, 0xC3, 100);
    TU_EXPECT_STATUS(strata_decompress(src1, size + 100, buf, raw, 1, &info), STRATA_OK, "%s: trailing bytes", what);
    TU_EXPECT(memcmp(buf, ref, raw) == 0 && info.stream_size == size, "%s: trailing bytes change the output", what);
    free(src1);
    /* Destination one byte short (and empty): DST_TOO_SMALL, nothing written
     * past the capacity. */
    const size_t caps[] = {raw - 1, 0, 1};
    for (size_t k = 0; k < COUNT(caps); k++) {
        memset(buf, 0x5A, raw + 64);
        TU_EXPECT_STATUS(strata_decompress(stream, size, buf, caps[k], 1, NULL), STRATA_ERR_DST_TOO_SMALL,
                         "%s: dst_capacity %zu of %zu", what, caps[k], raw);
        size_t bad = 0;
        for (size_t i = caps[k]; i < raw + 64; i++) bad += buf[i] != 0x5A;
        TU_EXPECT(bad == 0, "%s: %zu bytes written past dst_capacity %zu", what, bad, caps[k]);
    }
    TU_EXPECT_STATUS(strata_decompress(stream, size, buf, raw + 64, 1, NULL), STRATA_OK, "%s: roomy dst", what);

    /* Compression capacity: too small fails, exactly the stream size works. */
    uint8_t *dst = tu_malloc(size + 64);
    const size_t ccaps[] = {0, 1, 111, 112, size - 1};
    for (size_t k = 0; k < COUNT(ccaps); k++) {
        if (ccaps[k] >= size) continue;
        memset(dst, 0x5A, size + 64);
        size_t got = 12345;
        TU_EXPECT_STATUS(strata_compress(&f, data, &p, dst, ccaps[k], &got), STRATA_ERR_DST_TOO_SMALL,
                         "%s: compress dst_capacity %zu for a %zu-byte stream", what, ccaps[k], size);
        size_t bad = 0;
        for (size_t i = ccaps[k]; i < size + 64; i++) bad += dst[i] != 0x5A;
        TU_EXPECT(bad == 0, "%s: compress wrote %zu bytes past dst_capacity %zu", what, bad, ccaps[k]);
    }
    size_t got = 0;
    TU_EXPECT_STATUS(strata_compress(&f, data, &p, dst, size, &got), STRATA_OK, "%s: exact capacity", what);
    TU_EXPECT(got == size && memcmp(dst, stream, size) == 0, "%s: exact-capacity stream differs", what);
    free(dst);
    free(ref); free(buf); free(stream); free(data);
}

/* ---- block containers ---------------------------------------------------------- */

/* The container strata_compress_blocks writes must equal the one a distributed
 * writer assembles from strata_value_range, strata_block_params,
 * strata_block_field, strata_compress and strata_container_write_header. */
static void check_distributed_writer(const strata_field *f, const void *data, const strata_params *p,
                                     const uint8_t *ref, size_t ref_size, const char *what)
{
    const size_t n = strata_field_count(f), w = tu_dtype_size(f->dtype), nb = strata_block_count(f);
    double vmin, vmax, eb;
    uint64_t valid;
    strata_params bp;
    TU_EXPECT_STATUS(strata_value_range(f, data, n, &vmin, &vmax, &valid), STRATA_OK, "%s: value_range", what);
    /* Partial ranges of the blocks combine to the whole one. */
    double lo = INFINITY, hi = -INFINITY;
    uint64_t total_valid = 0;
    for (size_t b = 0; b < nb; b++) {
        strata_field bf;
        size_t first;
        double l, h;
        uint64_t v;
        strata_block_field(f, b, &bf, &first);
        TU_EXPECT_STATUS(strata_value_range(f, (const uint8_t *)data + first * w, strata_field_count(&bf), &l, &h, &v),
                         STRATA_OK, "%s: partial range", what);
        if (v) { lo = l < lo ? l : lo; hi = h > hi ? h : hi; }
        total_valid += v;
    }
    double tlo, thi;
    uint64_t tvalid = tu_valid_range(f, data, &tlo, &thi);
    TU_EXPECT(total_valid == valid && valid == tvalid && (!valid || (lo == vmin && hi == vmax)) &&
                  vmin == tlo && vmax == thi,
              "%s: value ranges: whole [%g, %g] %llu, blocks [%g, %g] %llu, test [%g, %g] %llu", what, vmin,
              vmax, (unsigned long long)valid, lo, hi, (unsigned long long)total_valid, tlo, thi,
              (unsigned long long)tvalid);
    TU_EXPECT_STATUS(strata_block_params(p, vmin, vmax, &bp, &eb), STRATA_OK, "%s: block_params", what);
    const size_t head = strata_container_header_size(nb);
    uint8_t *out = tu_malloc(strata_compress_blocks_bound(f));
    uint64_t *sizes = tu_malloc(nb * sizeof *sizes);
    size_t pos = head;
    size_t covered = 0;
    for (size_t b = 0; b < nb; b++) {
        strata_field bf;
        size_t first, bsize = 0;
        TU_EXPECT_STATUS(strata_block_field(f, b, &bf, &first), STRATA_OK, "%s: block_field %zu", what, b);
        TU_EXPECT(first == covered, "%s: block %zu starts at %zu, expected %zu", what, b, first, covered);
        covered += strata_field_count(&bf);
        bp.threads = 1;
        TU_EXPECT_STATUS(strata_compress(&bf, (const uint8_t *)data + first * w, &bp, out + pos,
                                         strata_compress_bound(&bf), &bsize), STRATA_OK, "%s: block %zu", what, b);
        sizes[b] = bsize;
        pos += bsize;
    }
    TU_EXPECT(covered == n, "%s: blocks cover %zu of %zu points", what, covered, n);
    TU_EXPECT_STATUS(strata_container_write_header(f, p, vmin, vmax, sizes, nb, out, head), STRATA_OK,
                     "%s: write_header", what);
    TU_EXPECT(pos == ref_size && memcmp(out, ref, ref_size) == 0,
              "%s: distributed writer's container (%zu bytes) differs from strata_compress_blocks' (%zu)",
              what, pos, ref_size);
    free(sizes);
    free(out);
}

static void blocks_case(strata_dtype dt, unsigned nd, const size_t *dims, strata_mode mode, double bound,
                        int fill)
{
    strata_field f;
    strata_field_init(&f, dt, nd, dims);
    const size_t n = strata_field_count(&f), w = tu_dtype_size(dt), raw = n * w;
    uint8_t *data = tu_malloc(raw);
    char what[128];
    snprintf(what, sizeof what, "blocks %s %uD %zu points %s %g%s", dt == STRATA_FLOAT32 ? "f32" : "f64", nd, n,
             tu_mode_name(mode), bound, fill ? " fill" : "");
    if (fill) {
        make_ocean(data, dt, nd, dims, -1e10, 0, 21);
        f.has_fill = 1;
        f.fill_value = -1e10;
    } else {
        tu_gen_smooth(data, dt, nd, dims, 1.0, 5.0, 0.01, 22);
    }
    strata_params p = make_params(mode, bound, 1);
    uint8_t *ref = NULL;
    tu_rt_result res;
    if (!tu_roundtrip_blocks(&f, data, &p, 0, what, &res, &ref)) { free(ref); free(data); return; }
    const size_t size = res.stream_size, nb = strata_block_count(&f);
    printf("%s: %zu blocks of %zu, %zu bytes (ratio %.1f)\n", what, nb, strata_block_slab(&f), size,
           (double)raw / (double)size);

    /* Threads 2, 3, 0 write the same bytes; decoding with any thread count gives
     * the same field. */
    const size_t cap = strata_compress_blocks_bound(&f);
    uint8_t *s = tu_malloc(cap), *out = tu_malloc(raw + 1), *out2 = tu_malloc(raw);
    static const int threads[] = {2, 3, 0};
    for (size_t t = 0; t < COUNT(threads); t++) {
        size_t got = 0;
        p.threads = threads[t];
        TU_EXPECT_STATUS(strata_compress_blocks(&f, data, &p, s, cap, &got), STRATA_OK, "%s threads %d", what, threads[t]);
        TU_EXPECT(got == size && memcmp(s, ref, size) == 0, "%s: container with threads=%d differs", what, threads[t]);
    }
    p.threads = 1;
    TU_EXPECT_STATUS(strata_decompress(ref, size, out2, raw, 1, NULL), STRATA_OK, "%s: decode threads 1", what);
    for (size_t t = 0; t < COUNT(threads); t++) {
        TU_EXPECT_STATUS(strata_decompress(ref, size, out, raw, threads[t], NULL), STRATA_OK, "%s: decode", what);
        TU_EXPECT(memcmp(out, out2, raw) == 0, "%s: decoded with threads=%d differs", what, threads[t]);
    }
    /* Unaligned destination. */
    TU_EXPECT_STATUS(strata_decompress(ref, size, out + 1, raw, 2, NULL), STRATA_OK, "%s: dst+1", what);
    TU_EXPECT(memcmp(out + 1, out2, raw) == 0, "%s: decoded into dst+1 differs", what);
    /* Bytes after the container are ignored. */
    memcpy(s, ref, size);
    memset(s + size, 0x3C, cap - size < 64 ? cap - size : 64);
    TU_EXPECT_STATUS(strata_decompress(s, cap - size < 64 ? cap : size + 64, out, raw, 1, NULL), STRATA_OK,
                     "%s: trailing bytes", what);
    TU_EXPECT(memcmp(out, out2, raw) == 0, "%s: trailing bytes change the output", what);
    /* Capacities and truncations. */
    TU_EXPECT_STATUS(strata_decompress(ref, size, out, raw - 1, 1, NULL), STRATA_ERR_DST_TOO_SMALL, "%s: raw-1", what);
    const size_t head = strata_container_header_size(nb);
    const size_t cuts[] = {0, 4, 127, 128, head - 1, head, head + 50, size / 2, size - 1};
    strata_stream_info info;
    for (size_t k = 0; k < COUNT(cuts); k++) {
        uint8_t *cut = tu_malloc(cuts[k]);
        memcpy(cut, ref, cuts[k]);
        strata_status st = strata_decompress(cut, cuts[k], out, raw, 1, NULL);
        TU_EXPECT(st == STRATA_ERR_TRUNCATED, "%s: cut to %zu of %zu bytes: status %d (%s)", what, cuts[k], size,
                  (int)st, strata_status_string(st));
        st = strata_read_header(cut, cuts[k], &info);
        TU_EXPECT(cuts[k] >= head ? st == STRATA_OK : st != STRATA_OK, "%s: read_header of %zu bytes: %d", what,
                  cuts[k], (int)st);
        free(cut);
    }
    size_t got = 0;
    TU_EXPECT_STATUS(strata_compress_blocks(&f, data, &p, s, size - 1, &got), STRATA_ERR_DST_TOO_SMALL,
                     "%s: compress_blocks into size-1", what);
    TU_EXPECT_STATUS(strata_compress_blocks(&f, data, &p, s, size, &got), STRATA_OK, "%s: exact capacity", what);
    check_distributed_writer(&f, data, &p, ref, size, what);
    free(s); free(out); free(out2); free(ref); free(data);
}

static void blocks_all(void)
{
    const int big = tu_scale() >= 1;
    const size_t d3[3] = {9, 256, 512}, d2[2] = {3, (1u << 19) + 7}, d1[1] = {big ? 3000000 : 1100000};
    const size_t d4[4] = {3, 5, 200, 400}, small[2] = {7, 9};
    blocks_case(STRATA_FLOAT32, 3, d3, STRATA_MODE_REL, 1e-3, 0);
    blocks_case(STRATA_FLOAT64, 2, d2, STRATA_MODE_ABS, 1e-2, 0);
    blocks_case(STRATA_FLOAT32, 1, d1, STRATA_MODE_REL, 1e-4, 0);
    blocks_case(STRATA_FLOAT32, 4, d4, STRATA_MODE_REL, 1e-3, 1);
    if (big) blocks_case(STRATA_FLOAT64, 4, d4, STRATA_MODE_LOSSLESS, 0, 1);
    blocks_case(STRATA_FLOAT32, 2, small, STRATA_MODE_REL, 1e-3, 1);
    blocks_case(STRATA_FLOAT64, 2, small, STRATA_MODE_LOSSLESS, 0, 0);
    /* One-block containers of special fields, every dtype and rank. */
    for (int dt = STRATA_FLOAT32; dt <= STRATA_FLOAT64; dt++)
        for (unsigned nd = 1; nd <= 4; nd++) {
            static const size_t dims[4][4] = {{300}, {17, 19}, {5, 7, 9}, {3, 4, 5, 6}};
            strata_field f;
            strata_field_init(&f, (strata_dtype)dt, nd, dims[nd - 1]);
            const size_t n = strata_field_count(&f);
            uint8_t *data = tu_malloc(n * 8);
            make_ocean(data, f.dtype, nd, dims[nd - 1], -1e34, 1, 30 + nd);
            f.has_fill = 1;
            f.fill_value = -1e34;
            static const mode_spec modes[] = {{STRATA_MODE_REL, 1e-2}, {STRATA_MODE_ABS, 1e-4},
                                              {STRATA_MODE_LOSSLESS, 0}, {STRATA_MODE_REL, 1e-300}};
            for (size_t m = 0; m < COUNT(modes); m++) {
                strata_params p = make_params(modes[m].mode, modes[m].bound, 0);
                tu_roundtrip_blocks(&f, data, &p, 0, "blocks special", NULL, NULL);
                n_roundtrips++;
            }
            for (size_t i = 0; i < n; i++) tu_set(data, f.dtype, i, NAN);
            strata_params p = make_params(STRATA_MODE_REL, 1e-3, 0);
            tu_roundtrip_blocks(&f, data, &p, 0, "blocks all-NaN", NULL, NULL);
            free(data);
        }
}

/* Uniform noise summed along every dimension in turn (a Brownian sheet): rough
 * at every scale, where PSNR mode's wavelet method beats interpolation. */
static void make_brownian(void *data, strata_dtype dt, unsigned nd, const size_t *dims, uint64_t seed)
{
    const size_t n = tu_count(nd, dims);
    double *v = tu_malloc(n * sizeof *v);
    tu_rng r;
    tu_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) v[i] = tu_rng_uniform(&r) - 0.5;
    size_t stride = 1;
    for (unsigned d = nd; d-- > 0; stride *= dims[d])
        for (size_t i = 0; i < n; i++)
            if (i / stride % dims[d]) v[i] += v[i - stride];
    for (size_t i = 0; i < n; i++) tu_set(data, dt, i, v[i]);
    free(v);
}

/* PSNR mode's wavelet method (4): every rank and dtype, with and without
 * special points, checked point by point and for the PSNR (tu_roundtrip); the
 * fields here are where it must be the one chosen, and its bytes must not
 * depend on the thread count. */
static void api_wavelet(void)
{
    static const size_t shapes[4][4] = {{6000}, {48, 70}, {16, 24, 20}, {6, 8, 10, 12}};
    static const double targets[] = {40, 60, 90};
    for (unsigned nd = 1; nd <= 4; nd++)
        for (int dt = 0; dt < 2; dt++)
            for (int specials = 0; specials < 2; specials++) {
                const strata_dtype t = dt ? STRATA_FLOAT64 : STRATA_FLOAT32;
                const size_t *dims = shapes[nd - 1], n = tu_count(nd, dims);
                strata_field f;
                strata_field_init(&f, t, nd, dims);
                void *data = tu_malloc(n * tu_dtype_size(t));
                make_brownian(data, t, nd, dims, 100 + nd);
                if (specials) { /* a corner of land and a few NaN and Inf */
                    f.has_fill = 1;
                    f.fill_value = -1e34;
                    for (size_t i = 0; i < n; i++)
                        if (i < n / 10) tu_set(data, t, i, -1e34);
                        else if (i % 97 == 3) tu_set(data, t, i, i % 2 ? NAN : INFINITY);
                }
                for (size_t k = 0; k < COUNT(targets); k++) {
                    char what[96];
                    snprintf(what, sizeof what, "wavelet %s %uD%s psnr %g", dt ? "f64" : "f32", nd,
                             specials ? " specials" : "", targets[k]);
                    strata_params p = make_params(STRATA_MODE_PSNR, targets[k], 0);
                    tu_rt_result r;
                    tu_roundtrip(&f, data, &p, 0, what, &r, NULL);
                    if (nd >= 2 && !specials && k == 1)
                        TU_EXPECT(r.info.method == 4, "%s: method %u, want the wavelet (4)", what, r.info.method);
                }
                if (nd == 3 && !specials) check_threads(&f, data, STRATA_MODE_PSNR, 60, "threads wavelet 3D");
                free(data);
            }
}

/* Codes longer than the decoders' lookup tables: blocks of zeros between
 * blocks of Cauchy noise, clipped, give coder 5 tables per context (the zeros
 * cost nothing in theirs) whose codes reach 17 bits, under more 9-bit
 * prefixes than its decoder's second tables hold: codes resolve by those
 * tables, by the canonical walk, and past their room. */
static void api_long_codes(void)
{
    const size_t n = (size_t)1 << 20;
    strata_field f;
    strata_field_init(&f, STRATA_FLOAT32, 1, &n);
    float *x = tu_malloc(n * sizeof *x);
    tu_rng r;
    tu_rng_seed(&r, 24);
    for (size_t i = 0; i < n; i++) {
        const double c = 1000.0 * tan(3.14159265358979 * (tu_rng_uniform(&r) - 0.5));
        x[i] = (i >> 10) & 1 ? (float)(c < -30000 ? -30000 : c > 30000 ? 30000 : c) : 0.0f;
    }
    strata_params p;
    strata_params_init(&p);
    p.mode = STRATA_MODE_ABS;
    p.bound = 0.5;
    static const strata_coder coders[] = {STRATA_CODER_HUFFMAN_CTX, STRATA_CODER_HUFFMAN};
    for (size_t c = 0; c < COUNT(coders); c++) {
        p.coder = coders[c];
        char label[64];
        snprintf(label, sizeof label, "long codes, coder %d", (int)coders[c]);
        tu_roundtrip(&f, x, &p, 1, label, NULL, NULL);
    }
    free(x);
}

static void api_misc(void)
{
    TU_EXPECT(strata_version_number() == STRATA_VERSION_NUMBER, "version number");
    TU_EXPECT(strata_format_version() == STRATA_FORMAT_VERSION, "format version");
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", STRATA_VERSION_MAJOR, STRATA_VERSION_MINOR, STRATA_VERSION_PATCH);
    TU_EXPECT(strcmp(strata_version_string(), v) == 0, "version string %s", strata_version_string());
    const size_t dims[4] = {3, 5, 7, 11};
    strata_field f;
    for (unsigned nd = 1; nd <= 4; nd++) {
        strata_field_init(&f, STRATA_FLOAT64, nd, dims);
        size_t n = tu_count(nd, dims);
        TU_EXPECT(strata_field_count(&f) == n, "field_count %u", nd);
        TU_EXPECT(strata_compress_bound(&f) == n * 8 + 256, "compress_bound %u", nd);
        TU_EXPECT(f.size == sizeof f && !f.has_fill, "field_init");
    }
    strata_params p;
    strata_params_init(&p);
    TU_EXPECT(p.size == sizeof p && p.mode == STRATA_MODE_REL && p.bound == 1e-3 && p.threads == 0,
              "params_init defaults");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "api") == 0) {
        api_misc();
        api_threads();
        api_wavelet();
        api_long_codes();
        api_buffers(STRATA_FLOAT32, STRATA_MODE_REL, 1e-3, 0, 1);
        api_buffers(STRATA_FLOAT64, STRATA_MODE_ABS, 1e-2, 0, 1);
        api_buffers(STRATA_FLOAT32, STRATA_MODE_LOSSLESS, 0, 0, 2);
        api_buffers(STRATA_FLOAT64, STRATA_MODE_ABS, 1e-300, 1, 0);
        return tu_finish("test_roundtrip api");
    }
    if (argc == 2 && strcmp(argv[1], "blocks") == 0) {
        blocks_all();
        return tu_finish("test_roundtrip blocks");
    }
    if (argc == 3 && (!strcmp(argv[1], "f32") || !strcmp(argv[1], "f64")) &&
        atoi(argv[2]) >= 1 && atoi(argv[2]) <= 4) {
        const strata_dtype dt = strcmp(argv[1], "f32") == 0 ? STRATA_FLOAT32 : STRATA_FLOAT64;
        const unsigned nd = (unsigned)atoi(argv[2]);
        random_fields(dt, nd);
        special_fields(dt, nd);
        printf("%zu round trips\n", n_roundtrips);
        char name[64];
        snprintf(name, sizeof name, "test_roundtrip %s %uD", argv[1], nd);
        return tu_finish(name);
    }
    fprintf(stderr, "usage: %s f32|f64 1..4 | api | blocks\n", argv[0]);
    return 2;
}
