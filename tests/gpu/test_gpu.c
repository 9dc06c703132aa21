/* test_gpu.c - the GPU codec against the CPU codec, built twice:
 *   test_gpu_emu  links strata_gpu_emu: the GPU path's bodies run on the host
 *                 (CTest `gpu_emulate`, runs in CI without a GPU);
 *   test_gpu      links strata_gpu (STRATA_GX_DEVICE): the same checks on a
 *                 device (CTest `gpu_device`, label gpu; exits 77 without one).
 *
 * For every field: the GPU stream must equal, byte for byte, the CPU stream with
 * coder = Huffman; the CPU decodes it within the bound on every point; the GPU
 * decodes CPU streams of both coders (host and device output) to exactly the
 * CPU's reconstruction; damaged streams get the CPU's verdict. The entropy stage
 * is also checked alone on crafted symbol sequences (multi-segment, one symbol,
 * codes that need the 24-bit length limit).
 *
 * STRATA_SHARED_DATA (set by CTest) points at ../shared/data: the real fields
 * there are used when present. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strata_gpu.h"
#include "test_util.h"
#include "common/format.h"
#include "entropy/segments.h"
#include "gx_driver.h"
#ifdef STRATA_GX_DEVICE
#include <cuda_runtime_api.h>
#endif

/* ---- "device" memory: the GPU's, or host memory for the emulation ----------------- */
static void *dev_alloc(size_t n)
{
#ifdef STRATA_GX_DEVICE
    void *p = NULL;
    if (cudaMalloc(&p, n ? n : 1) != cudaSuccess) {
        fprintf(stderr, "cudaMalloc(%zu) failed\n", n);
        abort();
    }
    return p;
#else
    return tu_malloc(n);
#endif
}
static void dev_free(void *p)
{
#ifdef STRATA_GX_DEVICE
    cudaFree(p);
#else
    free(p);
#endif
}
static void to_dev(void *d, const void *h, size_t n)
{
#ifdef STRATA_GX_DEVICE
    cudaMemcpy(d, h, n, cudaMemcpyHostToDevice);
#else
    memcpy(d, h, n);
#endif
}
static void to_host(void *h, const void *d, size_t n)
{
#ifdef STRATA_GX_DEVICE
    cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost);
#else
    memcpy(h, d, n);
#endif
}

static long n_cases = 0;

/* ---- one field: every check ------------------------------------------------------------- */
static void check_field(const char *label, const strata_field *f, const void *data, strata_mode mode,
                        double bound, int damage)
{
    n_cases++;
    const size_t n = strata_field_count(f), w = tu_dtype_size(f->dtype), raw = n * w;
    const size_t cap = strata_compress_bound(f);
    uint8_t *cpu = tu_malloc(cap), *gpu = tu_malloc(cap), *rng = tu_malloc(cap);
    uint8_t *out_cpu = tu_malloc(raw), *out_gpu = tu_malloc(raw);
    strata_params p;
    strata_params_init(&p);
    p.mode = mode;
    p.bound = bound;
    p.coder = STRATA_CODER_HUFFMAN;
    size_t ncpu = 0, ngpu = 0, nrng = 0;
    TU_EXPECT_STATUS(strata_compress(f, data, &p, cpu, cap, &ncpu), STRATA_OK, "%s: cpu", label);

    /* GPU from host memory and from device memory: identical bytes. */
    TU_EXPECT_STATUS(strata_gpu_compress(f, data, 0, &p, gpu, cap, &ngpu, NULL), STRATA_OK, "%s: gpu", label);
    TU_EXPECT(ngpu == ncpu && memcmp(cpu, gpu, ncpu) == 0, "%s: GPU stream (%zu bytes) differs from CPU (%zu)",
              label, ngpu, ncpu);
    if (ngpu == ncpu && memcmp(cpu, gpu, ncpu) != 0) {
        size_t i = 0;
        while (cpu[i] == gpu[i]) i++;
        fprintf(stderr, "  first difference at byte %zu\n", i);
    }
    void *d = dev_alloc(raw);
    to_dev(d, data, raw);
    memset(gpu, 0, cap);
    ngpu = 0;
    TU_EXPECT_STATUS(strata_gpu_compress_device(f, d, &p, gpu, cap, &ngpu, NULL), STRATA_OK, "%s: gpu dev", label);
    TU_EXPECT(ngpu == ncpu && memcmp(cpu, gpu, ncpu) == 0, "%s: GPU stream from device memory differs", label);

    /* The CPU decodes the GPU stream within the bound. */
    strata_stream_info info;
    TU_EXPECT_STATUS(strata_decompress(gpu, ngpu, out_cpu, raw, 0, &info), STRATA_OK, "%s: cpu decode", label);
    tu_check_points(f, data, out_cpu, info.method != 1, info.abs_bound, label, NULL);

    /* The GPU decodes the CPU's streams (Huffman and range) to the CPU's values. */
    TU_EXPECT_STATUS(strata_gpu_decompress(cpu, ncpu, out_gpu, raw, 0, NULL, NULL), STRATA_OK, "%s: gpu decode", label);
    TU_EXPECT(memcmp(out_cpu, out_gpu, raw) == 0, "%s: GPU reconstruction differs from CPU", label);
    memset(out_gpu, 0xEE, raw);
    to_dev(d, out_gpu, raw);
    TU_EXPECT_STATUS(strata_gpu_decompress_device(cpu, ncpu, d, raw, &info, NULL), STRATA_OK, "%s: gpu decode dev", label);
    to_host(out_gpu, d, raw);
    TU_EXPECT(memcmp(out_cpu, out_gpu, raw) == 0, "%s: GPU reconstruction in device memory differs", label);
    /* The coders the GPU does not write: both range coders and context Huffman. */
    static const strata_coder host_coders[] = {STRATA_CODER_RANGE, STRATA_CODER_RANGE_CTX, STRATA_CODER_HUFFMAN_CTX};
    for (size_t c = 0; c < sizeof host_coders / sizeof *host_coders; c++) {
        const int rc = (int)host_coders[c];
        p.coder = host_coders[c];
        TU_EXPECT_STATUS(strata_compress(f, data, &p, rng, cap, &nrng), STRATA_OK, "%s: cpu coder %d", label, rc);
        strata_stream_info hinfo;
        TU_EXPECT_STATUS(strata_decompress(rng, nrng, out_cpu, raw, 0, &hinfo), STRATA_OK, "%s: cpu decode coder %d",
                         label, rc);
        tu_check_points(f, data, out_cpu, hinfo.method != 1, hinfo.abs_bound, label, NULL);
        TU_EXPECT_STATUS(strata_gpu_decompress(rng, nrng, out_gpu, raw, 0, NULL, NULL), STRATA_OK,
                         "%s: gpu decode coder %d", label, rc);
        TU_EXPECT(memcmp(out_cpu, out_gpu, raw) == 0, "%s: GPU reconstruction of a coder %d stream differs", label, rc);
        TU_EXPECT_STATUS(strata_gpu_compress(f, data, 0, &p, gpu, cap, &ngpu, NULL), STRATA_ERR_UNSUPPORTED,
                         "%s: coder %d", label, rc);
    }

    /* Damaged streams (checksums fixed up): the GPU's verdict is the CPU's, and
     * when both accept, the values agree. */
    for (int t = 0; t < damage; t++) {
        tu_rng r;
        tu_rng_seed(&r, 1000 + (uint64_t)t);
        memcpy(gpu, cpu, ncpu);
        const int flips = 1 + (int)tu_rng_below(&r, 3);
        for (int k = 0; k < flips && ncpu > STRATA_HEADER_SIZE; k++)
            gpu[STRATA_HEADER_SIZE + tu_rng_below(&r, ncpu - STRATA_HEADER_SIZE)] ^= (uint8_t)(1u << tu_rng_below(&r, 8));
        strata_header h;
        if (strata_header_parse(cpu, ncpu, &h) != STRATA_OK) continue;
        h.payload_checksum = strata_checksum64(gpu + STRATA_HEADER_SIZE, ncpu - STRATA_HEADER_SIZE);
        strata_header_write(&h, gpu);
        memset(out_cpu, 0, raw);
        memset(out_gpu, 0, raw);
        const strata_status sc = strata_decompress(gpu, ncpu, out_cpu, raw, 0, NULL);
        const strata_status sg = strata_gpu_decompress(gpu, ncpu, out_gpu, raw, 0, NULL, NULL);
        TU_EXPECT(sc == sg, "%s: damaged stream %d: cpu says %s, gpu says %s", label, t,
                  strata_status_string(sc), strata_status_string(sg));
        if (sc == STRATA_OK && sg == STRATA_OK)
            TU_EXPECT(memcmp(out_cpu, out_gpu, raw) == 0, "%s: damaged stream %d decodes differently", label, t);
    }
    dev_free(d);
    free(cpu); free(gpu); free(rng); free(out_cpu); free(out_gpu);
}

/* ---- generated fields ----------------------------------------------------------------------- */
static void gen_case(const char *name, strata_dtype dt, unsigned nd, const size_t *dims, double fill_frac,
                     int nonfinite, strata_mode mode, double bound, double noise, int damage)
{
    strata_field f;
    strata_field_init(&f, dt, nd, dims);
    const size_t n = strata_field_count(&f);
    void *x = tu_malloc(n * tu_dtype_size(dt));
    tu_gen_smooth(x, dt, nd, dims, 10.0, 3.0, noise, 77 + n);
    tu_rng r;
    tu_rng_seed(&r, n * 31 + nd);
    if (fill_frac > 0) {
        f.has_fill = 1;
        f.fill_value = -9999.0;
        for (size_t i = 0; i < n; i++)
            if (tu_rng_uniform(&r) < fill_frac) tu_set(x, dt, i, f.fill_value);
        /* a block of fill, like land in ocean data */
        for (size_t i = n / 3; i < n / 3 + n / 10; i++) tu_set(x, dt, i, f.fill_value);
    }
    if (nonfinite) {
        tu_set(x, dt, n / 2, NAN);
        tu_set(x, dt, n / 5, INFINITY);
        tu_set(x, dt, n - 1, -INFINITY);
    }
    char label[160];
    snprintf(label, sizeof label, "%s %s %uD %s %g", name, dt == STRATA_FLOAT32 ? "f32" : "f64", nd,
             tu_mode_name(mode), bound);
    check_field(label, &f, x, mode, bound, damage);
    free(x);
}

static void generated_fields(void)
{
    const size_t d1[1] = {100003}, d2[2] = {157, 211}, d3[3] = {37, 45, 61}, d4[4] = {7, 9, 11, 13};
    const size_t big[3] = {80, 72, 96}, one[1] = {1}, tiny[2] = {2, 3}, flat[3] = {1, 1, 500}, thin[4] = {3, 1, 64, 1};
    for (int dt = 1; dt <= 2; dt++) {
        const strata_dtype t = (strata_dtype)dt;
        gen_case("1d", t, 1, d1, 0, 0, STRATA_MODE_REL, 1e-3, 0.01, 4);
        gen_case("2d", t, 2, d2, 0, 0, STRATA_MODE_REL, 1e-2, 0.0, 4);
        gen_case("3d", t, 3, d3, 0, 0, STRATA_MODE_REL, 1e-4, 0.001, 4);
        gen_case("4d", t, 4, d4, 0, 0, STRATA_MODE_ABS, 0.01, 0.02, 4);
        gen_case("3d fill", t, 3, d3, 0.05, 0, STRATA_MODE_REL, 1e-3, 0.01, 8);
        gen_case("2d fill+nan", t, 2, d2, 0.2, 1, STRATA_MODE_REL, 1e-3, 0.0, 8);
        gen_case("4d nan", t, 4, d4, 0, 1, STRATA_MODE_REL, 1e-3, 0.01, 4);
        gen_case("1d noisy", t, 1, d1, 0, 0, STRATA_MODE_REL, 1e-5, 1.0, 2);
        gen_case("one point", t, 1, one, 0, 0, STRATA_MODE_ABS, 0.1, 0.0, 2);
        gen_case("2x3", t, 2, tiny, 0, 0, STRATA_MODE_REL, 1e-3, 0.0, 2);
        gen_case("1x1x500", t, 3, flat, 0, 0, STRATA_MODE_REL, 1e-3, 0.01, 2);
        gen_case("3x1x64x1", t, 4, thin, 0.1, 0, STRATA_MODE_REL, 1e-3, 0.01, 2);
        gen_case("lossless", t, 2, d2, 0, 1, STRATA_MODE_LOSSLESS, 0, 0.01, 2);
    }
    /* Several segments of 2^18 codes, the last one short. */
    gen_case("3 segments", STRATA_FLOAT32, 3, big, 0, 0, STRATA_MODE_REL, 1e-3, 0.05, 4);
    gen_case("3 segments fill", STRATA_FLOAT64, 3, big, 0.01, 1, STRATA_MODE_REL, 1e-4, 0.05, 4);
}

/* Edge cases that the CPU codes without interpolation. */
static void edge_cases(void)
{
    const size_t d[2] = {64, 50};
    strata_field f;
    strata_field_init(&f, STRATA_FLOAT32, 2, d);
    float *x = tu_malloc(sizeof(float) * 3200);
    for (int i = 0; i < 3200; i++) x[i] = 4.25f;
    check_field("constant", &f, x, STRATA_MODE_REL, 1e-3, 2);
    f.has_fill = 1;
    f.fill_value = 4.25;
    check_field("all fill", &f, x, STRATA_MODE_REL, 1e-3, 2);
    f.has_fill = 0;
    tu_rng r;
    tu_rng_seed(&r, 5);
    for (int i = 0; i < 3200; i++) x[i] = (float)(tu_rng_uniform(&r) * 2e6);
    check_field("noise, stored raw", &f, x, STRATA_MODE_ABS, 1e-6, 2);
    /* A zero at the minimum, both signs: the header keeps the first one's sign. */
    for (int i = 0; i < 3200; i++) x[i] = (float)(1 + i % 7);
    x[100] = -0.0f;
    x[200] = 0.0f;
    check_field("signed zero minimum", &f, x, STRATA_MODE_REL, 1e-3, 0);

    /* Arguments: the CPU's statuses. */
    strata_params p;
    strata_params_init(&p);
    uint8_t buf[512];
    size_t got;
    TU_EXPECT_STATUS(strata_gpu_compress(NULL, x, 0, &p, buf, sizeof buf, &got, NULL), STRATA_ERR_INVALID_ARG, "NULL field");
    p.bound = -1;
    TU_EXPECT_STATUS(strata_gpu_compress(&f, x, 0, &p, buf, sizeof buf, &got, NULL), STRATA_ERR_INVALID_ARG, "bad bound");
    strata_params_init(&p);
    for (int i = 0; i < 3200; i++) x[i] = (float)sin(i * 0.37) * 1000;
    TU_EXPECT_STATUS(strata_gpu_compress(&f, x, 0, &p, buf, 200, &got, NULL), STRATA_ERR_DST_TOO_SMALL, "small dst");
    const size_t cap = strata_compress_bound(&f);
    uint8_t *s = tu_malloc(cap);
    TU_EXPECT_STATUS(strata_gpu_compress(&f, x, 0, &p, s, cap, &got, NULL), STRATA_OK, "compress");
    TU_EXPECT_STATUS(strata_gpu_decompress(s, 100, x, 12800, 0, NULL, NULL), STRATA_ERR_TRUNCATED, "short header");
    TU_EXPECT_STATUS(strata_gpu_decompress(s, got - 1, x, 12800, 0, NULL, NULL), STRATA_ERR_TRUNCATED, "short payload");
    TU_EXPECT_STATUS(strata_gpu_decompress(s, got, x, 12799, 0, NULL, NULL), STRATA_ERR_DST_TOO_SMALL, "small dst");
    free(s);
    free(x);
}

/* ---- the entropy stage alone ---------------------------------------------------------------- */
static void codes_case(const char *label, const uint16_t *sym, size_t n)
{
    strata_gx_ctx *cx;
    TU_EXPECT_STATUS(strata_gx_ctx_create(&cx, NULL, 0), STRATA_OK, "ctx");
    strata_buf ref = {0};
    TU_EXPECT_STATUS(strata_segments_encode(strata_segment_coder_get(STRATA_CODER_HUFFMAN), sym, n,
                                            GX_SEGMENT_LEN, NULL, 1, &ref), STRATA_OK, "%s: cpu", label);
    uint8_t *body = NULL;
    size_t size = 0;
    TU_EXPECT_STATUS(strata_gx_encode_codes(cx, sym, n, &body, &size), STRATA_OK, "%s: gpu", label);
    TU_EXPECT(body && size == ref.size && memcmp(body, ref.data, size) == 0,
              "%s: GPU CODES body (%zu bytes) differs from CPU (%zu)", label, size, ref.size);
    uint16_t *back = tu_malloc(n * 2 + 2);
    TU_EXPECT_STATUS(strata_gx_decode_codes(cx, ref.data, ref.size, back, n), STRATA_OK, "%s: gpu decode", label);
    TU_EXPECT(memcmp(back, sym, n * 2) == 0, "%s: GPU decoding differs", label);
    free(back);
    free(body);
    strata_buf_free(&ref);
    strata_gx_ctx_destroy(cx);
    n_cases++;
}

static void codes_cases(void)
{
    const size_t n = 3 * GX_SEGMENT_LEN + 12345;
    uint16_t *s = tu_malloc(n * 2);
    tu_rng r;
    tu_rng_seed(&r, 9);
    /* Laplacian-like codes around the centre, a few wide outliers and zeros. */
    for (size_t i = 0; i < n; i++) {
        const double u = tu_rng_uniform(&r);
        int q = (int)(log(1 - u) * (i < n / 2 ? 3.0 : 40.0));
        if (tu_rng_below(&r, 2)) q = -q;
        s[i] = (uint16_t)(32768 + q);
        if (tu_rng_below(&r, 1000) == 0) s[i] = (uint16_t)tu_rng_below(&r, 65536);
    }
    codes_case("laplacian, 4 segments", s, n);
    for (size_t i = 0; i < n; i++) s[i] = 32768;
    codes_case("one symbol", s, n);
    codes_case("one code", s, 1);
    /* Fibonacci frequencies: the deepest code a 2^18-symbol segment can have, 24
     * bits (a 25-bit code needs F(28) - 1 = 317810 symbols, so the CPU's length
     * flattening, and the GPU's host fallback for it, cannot trigger). Codes past
     * the decoder's 11-bit lookup take its long-code path. */
    size_t k = GX_SEGMENT_LEN;
    uint64_t fa = 1, fb = 1;
    for (int sym = 0; sym < 27 && k < 2 * GX_SEGMENT_LEN; sym++) {
        const uint64_t f = sym < 2 ? 1 : fa + fb;
        if (sym >= 2) { fa = fb; fb = f; }
        for (uint64_t j = 0; j < f && k < 2 * GX_SEGMENT_LEN; j++) s[k++] = (uint16_t)(1000 + sym * 7);
    }
    while (k < 2 * GX_SEGMENT_LEN) s[k++] = 1000;
    codes_case("fibonacci, 24-bit codes", s, 2 * GX_SEGMENT_LEN + 7);
    for (size_t i = 0; i < n; i++) s[i] = (uint16_t)tu_rng_below(&r, 65536);
    codes_case("uniform over 65536", s, 2 * GX_SEGMENT_LEN);
    for (size_t i = 0; i < n; i++) s[i] = (uint16_t)(32760 + tu_rng_below(&r, 8));
    codes_case("fixed length 3 bits", s, n);
    free(s);
}

/* ---- the level order and its inverse ------------------------------------------------------ */
/* gx_level_pos() must agree with strata_codes_gather() (checked through the
 * streams above); here: gx_pos_coords() inverts it, and gx_slot_pos() inverts
 * gx_slot() on a grid with special points. */
static void level_order_cases(void)
{
    static const uint64_t shapes[][4] = {{1, 1, 1, 1}, {1, 1, 1, 10}, {1, 1, 7, 13}, {1, 5, 6, 9},
                                         {3, 4, 5, 6}, {2, 17, 1, 33}, {1, 1, 64, 64}, {9, 1, 1, 2}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        gx_grid g;
        for (int j = 0; j < 4; j++) g.n[j] = shapes[s][j];
        g.st[3] = 1;
        for (int j = 2; j >= 0; j--) g.st[j] = g.st[j + 1] * g.n[j + 1];
        const uint64_t n = g.st[0] * g.n[0], words = (n + 31) / 32;
        uint8_t *seen = calloc(n, 1);
        uint32_t *bits = calloc(words + 1, 4), *lo = calloc(words + 1, 4);
        uint64_t *off = calloc(words + 1, 8);
        int bad = 0;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t c[4], d[4];
            gx_index_coords(&g, i, c);
            const uint64_t p = gx_level_pos(&g, c);
            gx_pos_coords(&g, p, d);
            bad |= p >= n || seen[p] || memcmp(c, d, sizeof c) != 0;
            if (p < n) seen[p] = 1;
            if (i % 3 == 1) { bits[i >> 5] |= 1u << (i & 31); lo[p >> 5] |= 1u << (p & 31); }
        }
        for (uint64_t w = 0; w < words; w++) off[w + 1] = off[w] + gx_popc32(lo[w]);
        for (uint64_t p = 0; p < n; p++)
            if (!(lo[p >> 5] >> (p & 31) & 1)) bad |= gx_slot_pos(lo, off, words, gx_slot(lo, off, p)) != p;
        TU_EXPECT(!bad, "level order of %llux%llux%llux%llu", (unsigned long long)g.n[0],
                  (unsigned long long)g.n[1], (unsigned long long)g.n[2], (unsigned long long)g.n[3]);
        free(seen); free(bits); free(lo); free(off);
        n_cases++;
    }
}

/* ---- real fields ------------------------------------------------------------------------------ */
static void real_field(const char *dir, const char *file, strata_dtype dt, unsigned nd, const size_t *dims,
                       int has_fill, double fill, double bound)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t size = 0;
    uint8_t *x = tu_read_file(path, &size);
    if (!x) {
        printf("  (skipping %s: not found)\n", path);
        return;
    }
    strata_field f;
    strata_field_init(&f, dt, nd, dims);
    f.has_fill = has_fill;
    f.fill_value = fill;
    if (size == strata_field_count(&f) * tu_dtype_size(dt)) check_field(file, &f, x, STRATA_MODE_REL, bound, 4);
    else TU_EXPECT(0, "%s: %zu bytes, not the expected shape", file, size);
    free(x);
}

static void real_fields(void)
{
    const char *dir = getenv("STRATA_SHARED_DATA");
    if (!dir) return;
    const size_t lev[3] = {20, 180, 360}, visc[3] = {64, 64, 64}, mpas[1] = {163842},
                 ccsm[4] = {8, 110, 64, 128}, isab[3] = {25, 125, 125};
    real_field(dir, "ferret_levitus__TEMP.f32", STRATA_FLOAT32, 3, lev, 1, -1e10, 1e-3);
    real_field(dir, "ttk_viscous_fingers__density_run01_t060.f32", STRATA_FLOAT32, 3, visc, 0, 0, 1e-3);
    real_field(dir, "geocat_mpas__surface_pressure.f64", STRATA_FLOAT64, 1, mpas, 0, 0, 1e-4);
    real_field(dir, "ttk_isabel__velocityMag_t48.f64", STRATA_FLOAT64, 3, isab, 0, 0, 1e-3);
    real_field(dir, "geocat_ccsm_trefht_ens__TREFHT_8members.f32", STRATA_FLOAT32, 4, ccsm, 0, 0, 1e-2);
#ifdef STRATA_GX_DEVICE
    const size_t topo[2] = {2161, 4320};
    real_field(dir, "ferret_etopo5__ROSE.f32", STRATA_FLOAT32, 2, topo, 0, 0, 1e-3);
#endif
}

int main(void)
{
#ifdef STRATA_GX_DEVICE
    if (!strata_gpu_available()) {
        printf("test_gpu: SKIP (no CUDA device)\n");
        return 77;
    }
    const char *name = "test_gpu";
#else
    const char *name = "test_gpu_emu";
#endif
    level_order_cases();
    codes_cases();
    generated_fields();
    edge_cases();
    real_fields();
    printf("%s: %ld cases\n", name, n_cases);
    return tu_finish(name);
}
