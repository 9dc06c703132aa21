/* test_util.c - see test_util.h. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long tu_failures = 0;

int tu_finish(const char *name)
{
    if (tu_failures) {
        printf("%s: FAIL (%ld failed expectations)\n", name, tu_failures);
        return 1;
    }
    printf("%s: PASS\n", name);
    return 0;
}

double tu_scale(void)
{
    const char *s = getenv("STRATA_TEST_SCALE");
    double v = s ? atof(s) : 1.0;
    return v > 0 ? v : 1.0;
}

size_t tu_scaled(size_t n)
{
    double v = (double)n * tu_scale();
    return v < 1 ? 1 : (size_t)v;
}

void *tu_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fprintf(stderr, "test: out of memory (%zu bytes)\n", size);
        abort();
    }
    return p;
}

/* ---- PRNG ------------------------------------------------------------------ */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void tu_rng_seed(tu_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t tu_rng_next(tu_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double tu_rng_uniform(tu_rng *r) { return (double)(tu_rng_next(r) >> 11) * 0x1.0p-53; }

double tu_rng_normal(tu_rng *r)
{
    double u = tu_rng_uniform(r), v = tu_rng_uniform(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

size_t tu_rng_below(tu_rng *r, size_t n) { return (size_t)(tu_rng_next(r) % n); }

/* ---- fields ---------------------------------------------------------------- */
size_t tu_dtype_size(strata_dtype dtype)
{
    return dtype == STRATA_FLOAT32 ? 4 : dtype == STRATA_FLOAT64 ? 8 : 0;
}

size_t tu_count(unsigned ndims, const size_t *dims)
{
    size_t n = 1;
    for (unsigned i = 0; i < ndims; i++) n *= dims[i];
    return n;
}

double tu_get(const void *data, strata_dtype dtype, size_t i)
{
    if (dtype == STRATA_FLOAT32) {
        float f;
        memcpy(&f, (const uint8_t *)data + 4 * i, 4);
        return (double)f;
    }
    double d;
    memcpy(&d, (const uint8_t *)data + 8 * i, 8);
    return d;
}

void tu_set(void *data, strata_dtype dtype, size_t i, double v)
{
    if (dtype == STRATA_FLOAT32) {
        float f = (float)v;
        memcpy((uint8_t *)data + 4 * i, &f, 4);
    } else {
        memcpy((uint8_t *)data + 8 * i, &v, 8);
    }
}

void tu_gen_smooth(void *dst, strata_dtype dtype, unsigned ndims, const size_t *dims,
                   double offset, double amplitude, double noise, uint64_t seed)
{
    tu_rng r;
    tu_rng_seed(&r, seed);
    double freq[3][STRATA_MAX_DIMS], phase[3], weight[3];
    for (int k = 0; k < 3; k++) {
        for (unsigned d = 0; d < STRATA_MAX_DIMS; d++) freq[k][d] = 0.5 + 6.0 * tu_rng_uniform(&r);
        phase[k] = 6.283185307179586 * tu_rng_uniform(&r);
        weight[k] = 1.0 / (double)(k + 1);
    }
    const size_t n = tu_count(ndims, dims);
    for (size_t i = 0; i < n; i++) {
        double x[STRATA_MAX_DIMS] = {0, 0, 0, 0};
        size_t rest = i;
        for (unsigned d = ndims; d-- > 0;) {
            x[d] = (double)(rest % dims[d]) / (double)(dims[d] > 1 ? dims[d] - 1 : 1);
            rest /= dims[d];
        }
        double v = 0;
        for (int k = 0; k < 3; k++) {
            double arg = phase[k];
            for (unsigned d = 0; d < ndims; d++) arg += freq[k][d] * x[d];
            v += weight[k] * sin(arg);
        }
        v = offset + amplitude * v;
        if (noise > 0) v += noise * tu_rng_normal(&r);
        tu_set(dst, dtype, i, v);
    }
}

void tu_gen_random_finite(void *dst, strata_dtype dtype, size_t n, uint64_t seed)
{
    tu_rng r;
    tu_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        if (dtype == STRATA_FLOAT32) {
            uint32_t b;
            do b = (uint32_t)(tu_rng_next(&r) >> 32); while ((b & 0x7f800000u) == 0x7f800000u);
            memcpy((uint8_t *)dst + 4 * i, &b, 4);
        } else {
            uint64_t b;
            do b = tu_rng_next(&r); while ((b & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL);
            memcpy((uint8_t *)dst + 8 * i, &b, 8);
        }
    }
}

int tu_is_special(const strata_field *f, const void *data, size_t i)
{
    if (f->dtype == STRATA_FLOAT32) {
        float v;
        memcpy(&v, (const uint8_t *)data + 4 * i, 4);
        return !isfinite(v) || (f->has_fill && v == (float)f->fill_value);
    }
    double v;
    memcpy(&v, (const uint8_t *)data + 8 * i, 8);
    return !isfinite(v) || (f->has_fill && v == f->fill_value);
}

size_t tu_valid_range(const strata_field *f, const void *data, double *vmin, double *vmax)
{
    const size_t n = tu_count(f->ndims, f->dims);
    size_t valid = 0;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (tu_is_special(f, data, i)) continue;
        double v = tu_get(data, f->dtype, i);
        if (!valid++) lo = hi = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    *vmin = lo;
    *vmax = hi;
    return valid;
}

double tu_user_abs_bound(const strata_field *f, const void *data, const strata_params *p)
{
    if (p->mode == STRATA_MODE_ABS) return p->bound;
    if (p->mode == STRATA_MODE_PSNR) return INFINITY;
    if (p->mode != STRATA_MODE_REL) return 0.0;
    double lo, hi;
    tu_valid_range(f, data, &lo, &hi);
    return p->bound * (hi - lo);
}

/* ---- the checker ------------------------------------------------------------ */
size_t tu_check_points(const strata_field *f, const void *orig, const void *recon,
                       int lossless, double abs_bound, const char *label, tu_check_result *res)
{
    const size_t n = tu_count(f->ndims, f->dims), w = tu_dtype_size(f->dtype);
    const uint8_t *a = orig, *b = recon;
    tu_check_result r = {0, 0, 0.0};
    size_t printed = 0;
    for (size_t i = 0; i < n; i++) {
        const int special = tu_is_special(f, orig, i);
        const int same_bits = memcmp(a + i * w, b + i * w, w) == 0;
        const double x = tu_get(orig, f->dtype, i), y = tu_get(recon, f->dtype, i);
        int bad;
        if (special || lossless) {
            bad = !same_bits;
            r.special_mismatches += (size_t)bad;
        } else {
            const double err = fabs(x - y);
            bad = !(err <= abs_bound); /* NaN err is a violation */
            r.violations += (size_t)bad;
            if (err > r.max_err || err != err) r.max_err = err;
        }
        if (bad && label && printed++ < 5)
            fprintf(stderr, "  %s: point %zu: orig %.17g recon %.17g |diff| %.6g bound %.17g%s%s\n",
                    label, i, x, y, fabs(x - y), abs_bound,
                    special ? " (special)" : "", lossless ? " (lossless)" : "");
    }
    if (res) *res = r;
    return r.violations + r.special_mismatches;
}

/* ---- checked round trip ------------------------------------------------------ */
static int same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b);
}

double tu_psnr(const strata_field *f, const void *orig, const void *recon)
{
    double lo, hi, sum = 0;
    size_t valid = tu_valid_range(f, orig, &lo, &hi), n = tu_count(f->ndims, f->dims);
    for (size_t i = 0; i < n; i++) {
        if (tu_is_special(f, orig, i)) continue;
        double e = tu_get(recon, f->dtype, i) - tu_get(orig, f->dtype, i);
        sum += e * e;
    }
    if (!valid || sum == 0 || !(hi > lo)) return INFINITY;
    return 20.0 * log10(hi - lo) - 10.0 * log10(sum / (double)valid);
}

/* Header fields that must describe the input. */
static void check_info(const strata_stream_info *in, const strata_field *f, const void *src,
                       const strata_params *p, size_t stream_size, int blocks, const char *label)
{
    const size_t n = tu_count(f->ndims, f->dims);
    /* The lowest version that describes the stream: 2 for method 4; 3 for
     * method 1 on float32 with a bound of at least 2^-13 of the largest
     * magnitude, below 2^126 (binary32 arithmetic, format.md 4.1); else 1. */
    const int binary32 = in->method == 1 && f->dtype == STRATA_FLOAT32 && in->abs_bound < 0x1p126 &&
                         in->abs_bound * 8192.0 >= fmax(fabs(in->valid_min), fabs(in->valid_max));
    const unsigned want_version = in->method == 4 ? 2 : binary32 ? 3 : 1;
    TU_EXPECT(in->format_version == want_version, "%s: version %u, want %u", label, in->format_version,
              want_version);
    TU_EXPECT(in->field.dtype == f->dtype, "%s: dtype %d", label, (int)in->field.dtype);
    TU_EXPECT(in->field.ndims == f->ndims, "%s: ndims %u", label, in->field.ndims);
    for (unsigned i = 0; i < STRATA_MAX_DIMS; i++) {
        size_t want = i < f->ndims ? f->dims[i] : 0;
        TU_EXPECT(in->field.dims[i] == want, "%s: dims[%u] = %zu, want %zu", label, i,
                  in->field.dims[i], want);
    }
    TU_EXPECT(!in->field.has_fill == !f->has_fill, "%s: has_fill %d", label, in->field.has_fill);
    if (f->has_fill) {
        double want = f->dtype == STRATA_FLOAT32 ? (double)(float)f->fill_value : f->fill_value;
        TU_EXPECT(same_double(in->field.fill_value, want), "%s: fill %.17g, want %.17g", label,
                  in->field.fill_value, want);
    }
    TU_EXPECT(in->mode == p->mode, "%s: mode %d", label, (int)in->mode);
    if (p->mode != STRATA_MODE_LOSSLESS)
        TU_EXPECT(same_double(in->bound, p->bound), "%s: bound %.17g, want %.17g", label, in->bound,
                  p->bound);
    TU_EXPECT(in->raw_size == n * tu_dtype_size(f->dtype), "%s: raw_size %llu", label,
              (unsigned long long)in->raw_size);
    TU_EXPECT(in->stream_size == stream_size, "%s: stream_size %llu, stream has %zu", label,
              (unsigned long long)in->stream_size, stream_size);
    if (blocks) {
        TU_EXPECT(in->method == 3 && in->blocks == strata_block_count(f) && in->slab == strata_block_slab(f),
                  "%s: container method %u, %llu blocks of %llu (want %zu of %zu)", label, in->method,
                  (unsigned long long)in->blocks, (unsigned long long)in->slab, strata_block_count(f),
                  strata_block_slab(f));
    } else {
        TU_EXPECT((in->method <= 2 || (in->method == 4 && p->mode == STRATA_MODE_PSNR)) && in->blocks == 0,
                  "%s: method %u, blocks %llu", label, in->method, (unsigned long long)in->blocks);
    }
    if (p->mode == STRATA_MODE_LOSSLESS) {
        TU_EXPECT(in->method != 1, "%s: lossless mode coded with method 1", label);
        TU_EXPECT(in->abs_bound == 0, "%s: lossless abs_bound %g", label, in->abs_bound);
    }
    double lo, hi;
    size_t valid = tu_valid_range(f, src, &lo, &hi);
    /* By value: which zero is the minimum of {-0, +0} is not specified. */
    TU_EXPECT(in->valid_min == lo && in->valid_max == hi,
              "%s: valid range [%.17g, %.17g], want [%.17g, %.17g] (%zu valid)", label,
              in->valid_min, in->valid_max, lo, hi, valid);
    TU_EXPECT(in->abs_bound >= 0 && isfinite(in->abs_bound), "%s: abs_bound %g", label, in->abs_bound);
    if (in->method == 1 || in->method == 4)
        TU_EXPECT(in->abs_bound > 0, "%s: method %u with abs_bound 0", label, in->method);
    /* The enforced bound may be tighter than the user's (huge ones are clamped),
     * never looser. */
    if (p->mode == STRATA_MODE_ABS || p->mode == STRATA_MODE_REL) {
        const double user = tu_user_abs_bound(f, src, p);
        TU_EXPECT(in->abs_bound <= user, "%s: abs_bound %.17g exceeds the user's bound %.17g", label,
                  in->abs_bound, user);
    }
}

static int roundtrip(const strata_field *f, const void *src, const strata_params *p, int threads,
                     int blocks, const char *label, tu_rt_result *out, uint8_t **stream_out)
{
    const long before = tu_failures;
    if (out) memset(out, 0, sizeof *out);
    if (stream_out) *stream_out = NULL;
    const size_t n = tu_count(f->ndims, f->dims), raw = n * tu_dtype_size(f->dtype);
    const size_t cap = blocks ? strata_compress_blocks_bound(f) : strata_compress_bound(f);
    if (blocks) {
        const size_t nb = strata_block_count(f);
        TU_EXPECT(cap >= raw + strata_container_header_size(nb), "%s: compress_blocks_bound %zu", label, cap);
    } else {
        TU_EXPECT(cap == raw + 256, "%s: compress_bound %zu for raw %zu", label, cap, raw);
    }
    uint8_t *stream = tu_malloc(cap);
    size_t size = 0;
    double t0 = tu_seconds();
    strata_status st = blocks ? strata_compress_blocks(f, src, p, stream, cap, &size)
                              : strata_compress(f, src, p, stream, cap, &size);
    const double compress_s = tu_seconds() - t0;
    TU_EXPECT_STATUS(st, STRATA_OK, "%s: compress%s", label, blocks ? "_blocks" : "");
    if (st != STRATA_OK) {
        free(stream);
        return 0;
    }
    TU_EXPECT(size >= STRATA_HEADER_BYTES && size <= cap, "%s: stream size %zu, bound %zu", label, size, cap);

    strata_stream_info hinfo, dinfo;
    memset(&hinfo, 0, sizeof hinfo);
    memset(&dinfo, 0, sizeof dinfo);
    st = strata_read_header(stream, size, &hinfo);
    TU_EXPECT_STATUS(st, STRATA_OK, "%s: read_header", label);
    if (st == STRATA_OK) check_info(&hinfo, f, src, p, size, blocks, label);

    uint8_t *recon = tu_malloc(raw);
    memset(recon, 0xA5, raw);
    t0 = tu_seconds();
    st = strata_decompress(stream, size, recon, raw, threads, &dinfo);
    const double decompress_s = tu_seconds() - t0;
    TU_EXPECT_STATUS(st, STRATA_OK, "%s: decompress", label);
    if (st == STRATA_OK) {
        TU_EXPECT(dinfo.method == hinfo.method && same_double(dinfo.abs_bound, hinfo.abs_bound) &&
                      dinfo.stream_size == hinfo.stream_size && dinfo.raw_size == hinfo.raw_size,
                  "%s: decompress info differs from read_header", label);
        /* Methods 0 and 2 (and containers coded losslessly) are bit-exact. */
        const int exact = hinfo.method == 0 || hinfo.method == 2 || hinfo.abs_bound == 0;
        const double bound = hinfo.abs_bound;
        tu_check_result cr;
        size_t bad = tu_check_points(f, src, recon, exact, bound, label, &cr);
        TU_EXPECT(bad == 0, "%s: %zu bad points (%zu over bound, %zu not bit-exact), method %u, "
                  "bound %.6g, max err %.6g", label, bad, cr.violations, cr.special_mismatches,
                  hinfo.method, bound, cr.max_err);
        if (p->mode == STRATA_MODE_PSNR) {
            const double psnr = tu_psnr(f, src, recon);
            TU_EXPECT(psnr >= p->bound - 1e-9, "%s: PSNR %.9g dB below the target %.9g", label, psnr, p->bound);
            if (out) out->psnr = psnr;
        }
        if (out) out->max_err = cr.max_err;
    }
    if (out) {
        out->stream_size = size;
        out->info = hinfo;
        out->compress_s = compress_s;
        out->decompress_s = decompress_s;
    }
    free(recon);
    if (stream_out) *stream_out = stream;
    else free(stream);
    return tu_failures == before;
}

int tu_roundtrip(const strata_field *f, const void *src, const strata_params *p, int threads,
                 const char *label, tu_rt_result *out, uint8_t **stream_out)
{
    return roundtrip(f, src, p, threads, 0, label, out, stream_out);
}

int tu_roundtrip_blocks(const strata_field *f, const void *src, const strata_params *p, int threads,
                        const char *label, tu_rt_result *out, uint8_t **stream_out)
{
    return roundtrip(f, src, p, threads, 1, label, out, stream_out);
}

/* ---- sample streams -------------------------------------------------------------- */
void tu_sample_make(int which, tu_sample *s)
{
    static const struct {
        const char *name; strata_dtype dt; unsigned nd; size_t dims[4]; strata_mode mode; double bound;
    } def[TU_SAMPLE_COUNT] = {
        {"f32_3d_fill_rel", STRATA_FLOAT32, 3, {6, 20, 24}, STRATA_MODE_REL, 1e-3},
        {"f64_1d_rel", STRATA_FLOAT64, 1, {700}, STRATA_MODE_REL, 1e-4},
        {"f32_2d_lossless", STRATA_FLOAT32, 2, {30, 40}, STRATA_MODE_LOSSLESS, 0},
        {"f32_1d_raw", STRATA_FLOAT32, 1, {500}, STRATA_MODE_ABS, 1e-40},
        {"f64_4d_abs_nan", STRATA_FLOAT64, 4, {3, 4, 5, 9}, STRATA_MODE_ABS, 1e-2},
        {"f32_2d_huffman", STRATA_FLOAT32, 2, {33, 35}, STRATA_MODE_REL, 1e-4},
        {"f32_2d_container", STRATA_FLOAT32, 2, {20, 24}, STRATA_MODE_REL, 1e-3},
        {"f32_multiblock", STRATA_FLOAT32, 2, {2, (1u << 20) - 5}, STRATA_MODE_REL, 1e-2},
        {"f32_3d_fill_wavelet", STRATA_FLOAT32, 3, {12, 20, 24}, STRATA_MODE_PSNR, 70},
        {"f32_2d_bands_hctx", STRATA_FLOAT32, 2, {128, 256}, STRATA_MODE_REL, 1e-3},
        {"f32_2d_bands_ans", STRATA_FLOAT32, 2, {128, 256}, STRATA_MODE_REL, 1e-3},
    };
    memset(s, 0, sizeof *s);
    if (which < 0 || which >= TU_SAMPLE_COUNT) abort();
    const strata_dtype dt = def[which].dt;
    const unsigned nd = def[which].nd;
    const size_t *dims = def[which].dims, n = tu_count(nd, dims);
    s->name = def[which].name;
    strata_field_init(&s->field, dt, nd, dims);
    strata_params_init(&s->params);
    s->params.mode = def[which].mode;
    s->params.bound = def[which].bound;
    s->params.threads = 1;
    s->data = tu_malloc(n * tu_dtype_size(dt));
    if (which == 3) {
        tu_gen_random_finite(s->data, dt, n, 3);
    } else {
        tu_gen_smooth(s->data, dt, nd, dims, 5.0, 4.0, which == 8 ? 0.0 : 0.01, (uint64_t)which);
    }
    if (which == 5) s->params.coder = STRATA_CODER_HUFFMAN;
    if (which == 9 || which == 10) { /* noise in alternate eighths of each row: coders 5 and 6 take
                                         their context tables */
        s->params.coder = which == 9 ? STRATA_CODER_HUFFMAN_CTX : STRATA_CODER_ANS_CTX;
        tu_rng r;
        tu_rng_seed(&r, 9);
        for (size_t i = 0; i < n; i++)
            if (i % 256 / 32 % 2) tu_set(s->data, dt, i, tu_get(s->data, dt, i) + 0.2 * tu_rng_uniform(&r));
    }
    if (which == 4) s->params.coder = STRATA_CODER_RANGE; /* the others: the default, RANGE_CTX */
    s->blocks = which == 6 || which == 7;
    if (which == 7) /* nearly constant: a small stream */
        for (size_t i = 0; i < n; i++) tu_set(s->data, dt, i, i % 100003 ? 1.0 : 2.0);
    if (which == 0 || which == 6 || which == 8) {
        s->field.has_fill = 1;
        s->field.fill_value = -1e34;
        for (size_t i = 0; i < n; i++)
            if ((i % 24) * 3 + (i / 24 % 20) * 2 < 20 || (which != 8 && i % 37 == 5)) tu_set(s->data, dt, i, -1e34);
    }
    if (which == 4)
        for (size_t i = 3; i < n; i += 17) tu_set(s->data, dt, i, i % 2 ? NAN : (i % 3 ? INFINITY : -INFINITY));
    const size_t cap = s->blocks ? strata_compress_blocks_bound(&s->field) : strata_compress_bound(&s->field);
    s->stream = tu_malloc(cap);
    if ((s->blocks ? strata_compress_blocks : strata_compress)(&s->field, s->data, &s->params, s->stream, cap,
                                                               &s->stream_size) != STRATA_OK) {
        fprintf(stderr, "tu_sample_make: cannot compress sample %s\n", s->name);
        abort();
    }
    strata_stream_info info;
    if (which == 8 && (strata_read_header(s->stream, s->stream_size, &info) != STRATA_OK || info.method != 4)) {
        fprintf(stderr, "tu_sample_make: sample %s is not a wavelet stream\n", s->name);
        abort();
    }
}

void tu_sample_free(tu_sample *s)
{
    free(s->data);
    free(s->stream);
    memset(s, 0, sizeof *s);
}

/* ---- stream surgery -------------------------------------------------------------- */
uint64_t strata_checksum64(const void *data, size_t size); /* internal, src/common/checksum.c */

void tu_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t tu_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* A single stream (magic STRA): payload checksum, then header checksum. */
static void fix_stream(uint8_t *s, size_t size)
{
    if (size < TU_HEADER_SIZE) return;
    uint64_t payload = tu_get_u64(s + TU_OFF_PAYLOAD_SIZE);
    if (payload > size - TU_HEADER_SIZE) payload = size - TU_HEADER_SIZE;
    tu_put_u64(s + TU_OFF_PAYLOAD_CHECKSUM, strata_checksum64(s + TU_HEADER_SIZE, (size_t)payload));
    put_u32(s + TU_OFF_HEADER_CHECKSUM, (uint32_t)strata_checksum64(s, TU_OFF_HEADER_CHECKSUM));
}

/* A block container (magic STRB, format.md section 7): every block that looks
 * like a stream, then the index checksum (116) and the header checksum (112). */
static void fix_container(uint8_t *s, size_t size)
{
    if (size < TU_CONTAINER_HEAD) return;
    const uint64_t blocks = tu_get_u64(s + 96);
    const size_t index_bytes = blocks > (size - TU_CONTAINER_HEAD) / 8 ? (size - TU_CONTAINER_HEAD) / 8 * 8
                                                                      : (size_t)blocks * 8;
    size_t pos = TU_CONTAINER_HEAD + index_bytes;
    for (size_t i = 0; i < index_bytes / 8 && pos < size; i++) {
        uint64_t b = tu_get_u64(s + TU_CONTAINER_HEAD + 8 * i);
        size_t len = b > size - pos ? size - pos : (size_t)b;
        if (len >= 4 && memcmp(s + pos, "STRA", 4) == 0) fix_stream(s + pos, len);
        pos += len;
    }
    put_u32(s + 116, (uint32_t)strata_checksum64(s + TU_CONTAINER_HEAD, index_bytes));
    put_u32(s + 112, (uint32_t)strata_checksum64(s, 112));
}

void tu_fix_checksums(uint8_t *s, size_t size)
{
    if (size >= 4 && memcmp(s, "STRB", 4) == 0) fix_container(s, size);
    else fix_stream(s, size);
}

/* ---- misc -------------------------------------------------------------------- */
uint64_t tu_fnv1a64(const void *data, size_t size)
{
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < size; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint8_t *tu_read_file(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    uint8_t *buf = NULL;
    long len = -1;
    if (fseek(fp, 0, SEEK_END) == 0) len = ftell(fp);
    if (len >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        buf = tu_malloc((size_t)len);
        if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(fp);
    if (buf) *size = (size_t)len;
    return buf;
}

int tu_write_file(const char *path, const void *data, size_t size)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return 0;
    int ok = fwrite(data, 1, size, fp) == size;
    return fclose(fp) == 0 && ok;
}

double tu_seconds(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *tu_mode_name(strata_mode mode)
{
    return mode == STRATA_MODE_ABS ? "abs" : mode == STRATA_MODE_REL ? "rel"
         : mode == STRATA_MODE_LOSSLESS ? "lossless" : mode == STRATA_MODE_PSNR ? "psnr" : "?";
}
