/* bench_gpu.c - the GPU codec on fields of at least 1 GB (gpu/run_device.sh runs
 * it on the device; not a CTest case).
 *
 * For each field: the CPU codec (coder = Huffman, all threads) as reference;
 * the GPU stream must be byte-identical; the CPU decodes the GPU stream and the
 * bound is checked on every point; the GPU decodes it too (compared with the
 * CPU's reconstruction). Times, median of `reps` after one warm-up:
 *   kernels    summed device time of the GPU stages (CUDA events around every
 *              kernel, scan, sort and memset; no transfers, no host steps)
 *   e2e dev    one call, field in device memory -> stream in host memory
 *              (decompress: stream in host memory -> field in device memory),
 *              CUDA events around the call; includes the D2H/H2D of the small
 *              bodies and the host steps (zstd of the sections, checksum)
 *   e2e host   the same with the field in (pinned) host memory: + the field's
 *              transfer over PCIe
 * GB/s are raw field bytes / time (1 GB = 1e9 bytes). The default memory pool
 * keeps its memory between calls (release threshold raised), as an application
 * compressing every time step would set it.
 *
 * Fields: `sim` (generated turbulence-like 3D field, f32 and f64), `etopo`
 * (ETOPO5 relief, 2161x4320, mirror-tiled to 12966x21600 = 1.12 GB; needs
 * --data DIR holding ferret_etopo5__ROSE.f32), `sim-fill` (sim with 10% fill
 * points, the masked path).
 *
 * usage: bench_gpu [--data DIR] [--reps N] [--out FILE] [--quick] [field...] */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cuda_runtime_api.h>
#include "strata_gpu.h"
#include "test_util.h"
#include "gx_driver.h"

#define CK(x)                                                                        \
    do {                                                                             \
        cudaError_t e_ = (x);                                                        \
        if (e_ != cudaSuccess) {                                                     \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

/* ---- fields -------------------------------------------------------------------------- */
/* A smooth multi-scale field: 12 separable Fourier modes with a k^-5/3-like
 * spectrum, plus a deterministic hash noise of about the rel-1e-3 bound (small
 * scales a simulation resolves poorly). */
static void gen_sim(void *dst, strata_dtype dt, const size_t *dims)
{
    enum { M = 12 };
    const size_t n0 = dims[0], n1 = dims[1], n2 = dims[2];
    double *t0 = malloc(sizeof(double) * M * n0), *t1 = malloc(sizeof(double) * M * n1),
           *t2 = malloc(sizeof(double) * M * n2), amp[M];
    tu_rng r;
    tu_rng_seed(&r, 42);
    for (int m = 0; m < M; m++) {
        const double k = 1.0 + m * 1.7;
        amp[m] = pow(k, -5.0 / 3.0);
        const double ph[3] = {6.28 * tu_rng_uniform(&r), 6.28 * tu_rng_uniform(&r), 6.28 * tu_rng_uniform(&r)};
        const double kk[3] = {k * (0.5 + tu_rng_uniform(&r)), k * (0.5 + tu_rng_uniform(&r)), k * (0.5 + tu_rng_uniform(&r))};
        for (size_t i = 0; i < n0; i++) t0[m * n0 + i] = sin(6.283185307 * kk[0] * (double)i / (double)n0 + ph[0]);
        for (size_t i = 0; i < n1; i++) t1[m * n1 + i] = sin(6.283185307 * kk[1] * (double)i / (double)n1 + ph[1]);
        for (size_t i = 0; i < n2; i++) t2[m * n2 + i] = sin(6.283185307 * kk[2] * (double)i / (double)n2 + ph[2]);
    }
    #pragma omp parallel for schedule(static)
    for (long long a = 0; a < (long long)n0; a++)
        for (size_t b = 0; b < n1; b++)
            for (size_t c = 0; c < n2; c++) {
                double v = 0;
                for (int m = 0; m < M; m++) v += amp[m] * t0[m * n0 + (size_t)a] * t1[m * n1 + b] * t2[m * n2 + c];
                const size_t i = ((size_t)a * n1 + b) * n2 + c;
                uint64_t h = i * 0x9E3779B97F4A7C15ull;
                h ^= h >> 29;
                h *= 0xBF58476D1CE4E5B9ull;
                h ^= h >> 32;
                v += 1.5e-2 * ((double)(h & 0xffff) / 65536.0 - 0.5);
                if (dt == STRATA_FLOAT32) ((float *)dst)[i] = (float)(280.0 + 20.0 * v);
                else ((double *)dst)[i] = 280.0 + 20.0 * v;
            }
    free(t0); free(t1); free(t2);
}

/* Mirror tiling keeps the tiled field continuous across tile edges. */
static int gen_etopo(float *dst, const char *dir, size_t ty, size_t tx)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/ferret_etopo5__ROSE.f32", dir ? dir : ".");
    size_t size = 0;
    float *src = (float *)tu_read_file(path, &size);
    const size_t H = 2161, W = 4320;
    if (!src || size != H * W * 4) {
        fprintf(stderr, "bench_gpu: %s not found (etopo skipped)\n", path);
        free(src);
        return 0;
    }
    const size_t rows = H * ty, cols = W * tx;
    #pragma omp parallel for schedule(static)
    for (long long y = 0; y < (long long)rows; y++) {
        const size_t by = (size_t)y / H, iy = (size_t)y % H, sy = by & 1 ? H - 1 - iy : iy;
        for (size_t x = 0; x < cols; x++) {
            const size_t bx = x / W, ix = x % W, sx = bx & 1 ? W - 1 - ix : ix;
            dst[(size_t)y * cols + x] = src[sy * W + sx];
        }
    }
    free(src);
    return 1;
}

/* ---- one field ---------------------------------------------------------------------- */
typedef struct {
    char name[64], dims[64];
    double gb, ratio_cpu, ratio_gpu, maxerr_over_eb;
    int identical, gpu_decode_same;
    double ck, cd, ch, dk, dd, dh; /* GB/s: compress kernels/e2e dev/e2e host, decompress likewise */
    double cpu_c, cpu_d;
    size_t violations;
} row;

static void bench_field(const char *name, const strata_field *f, const void *h_field, double rel,
                        int reps, FILE *log, row *R)
{
    const size_t n = strata_field_count(f), w = strata_dtype_size(f->dtype), raw = n * w;
    const size_t cap = strata_compress_bound(f);
    memset(R, 0, sizeof *R);
    snprintf(R->name, sizeof R->name, "%s %s", name, f->dtype == STRATA_FLOAT32 ? "f32" : "f64");
    int p = 0;
    for (unsigned i = 0; i < f->ndims; i++) p += snprintf(R->dims + p, sizeof R->dims - p, "%s%zu", i ? "x" : "", f->dims[i]);
    R->gb = (double)raw / 1e9;
    fprintf(log, "\n== %s (%s, %.3f GB), rel %g ==\n", R->name, R->dims, R->gb, rel);
    fflush(log);

    strata_params prm;
    strata_params_init(&prm);
    prm.mode = STRATA_MODE_REL;
    prm.bound = rel;
    prm.coder = STRATA_CODER_HUFFMAN;
    uint8_t *cpu = malloc(cap), *gpu = malloc(cap);
    void *out = malloc(raw), *out2 = malloc(raw);
    if (!cpu || !gpu || !out || !out2) { fprintf(stderr, "out of memory\n"); exit(1); }
    size_t ncpu = 0, ngpu = 0;
    double t = now();
    strata_status st = strata_compress(f, h_field, &prm, cpu, cap, &ncpu);
    R->cpu_c = R->gb / (now() - t);
    fprintf(log, "cpu compress: %s, %zu bytes, %.2f GB/s\n", strata_status_string(st), ncpu, R->cpu_c);
    R->ratio_cpu = (double)raw / (double)ncpu;

    void *d_field, *d_out, *h_pinned;
    CK(cudaMalloc(&d_field, raw));
    CK(cudaMalloc(&d_out, raw));
    CK(cudaMallocHost(&h_pinned, raw));
    memcpy(h_pinned, h_field, raw);
    CK(cudaMemcpy(d_field, h_field, raw, cudaMemcpyHostToDevice));
    cudaStream_t s;
    CK(cudaStreamCreate(&s));
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    double tk[16], td[16], th[16], ms;
    float f_ms;
    static char prof[8192];
    /* Compression. */
    for (int r = -1; r < reps; r++) {
        st = strata_gx_timed_compress(f, d_field, 1, &prm, gpu, cap, &ngpu, s, &ms, prof, sizeof prof);
        if (st != STRATA_OK) { fprintf(log, "gpu compress failed: %s\n", strata_status_string(st)); return; }
        if (r >= 0) tk[r] = ms;
        CK(cudaEventRecord(e0, s));
        st = strata_gpu_compress(f, d_field, 1, &prm, gpu, cap, &ngpu, s);
        CK(cudaEventRecord(e1, s));
        CK(cudaEventSynchronize(e1));
        CK(cudaEventElapsedTime(&f_ms, e0, e1));
        if (r >= 0) td[r] = f_ms;
        CK(cudaEventRecord(e0, s));
        st = strata_gpu_compress(f, h_pinned, 0, &prm, gpu, cap, &ngpu, s);
        CK(cudaEventRecord(e1, s));
        CK(cudaEventSynchronize(e1));
        CK(cudaEventElapsedTime(&f_ms, e0, e1));
        if (r >= 0) th[r] = f_ms;
    }
    fprintf(log, "gpu compress kernels, per stage (last run):\n%s", prof);
    R->ck = R->gb / (median(tk, reps) / 1e3);
    R->cd = R->gb / (median(td, reps) / 1e3);
    R->ch = R->gb / (median(th, reps) / 1e3);
    R->ratio_gpu = (double)raw / (double)ngpu;
    R->identical = ngpu == ncpu && memcmp(cpu, gpu, ncpu) == 0;
    fprintf(log, "gpu compress: %zu bytes, identical to cpu: %s; kernels %.2f ms, e2e dev %.2f ms, e2e host %.2f ms\n",
            ngpu, R->identical ? "yes" : "NO", median(tk, reps), median(td, reps), median(th, reps));

    /* The CPU decodes the GPU stream; the bound on every point. */
    strata_stream_info info;
    t = now();
    st = strata_decompress(gpu, ngpu, out, raw, 0, &info);
    R->cpu_d = R->gb / (now() - t);
    tu_check_result cr;
    R->violations = tu_check_points(f, h_field, out, 0, info.abs_bound, R->name, &cr) ;
    R->maxerr_over_eb = cr.max_err / info.abs_bound;
    fprintf(log, "cpu decode of the gpu stream: %s, %.2f GB/s, violations %zu, max err / bound %.6f\n",
            strata_status_string(st), R->cpu_d, R->violations, R->maxerr_over_eb);

    /* Decompression. */
    for (int r = -1; r < reps; r++) {
        st = strata_gx_timed_decompress(gpu, ngpu, d_out, raw, 1, s, &ms, prof, sizeof prof);
        if (st != STRATA_OK) { fprintf(log, "gpu decompress failed: %s\n", strata_status_string(st)); return; }
        if (r >= 0) tk[r] = ms;
        CK(cudaEventRecord(e0, s));
        st = strata_gpu_decompress(gpu, ngpu, d_out, raw, 1, NULL, s);
        CK(cudaEventRecord(e1, s));
        CK(cudaEventSynchronize(e1));
        CK(cudaEventElapsedTime(&f_ms, e0, e1));
        if (r >= 0) td[r] = f_ms;
        CK(cudaEventRecord(e0, s));
        st = strata_gpu_decompress(gpu, ngpu, h_pinned, raw, 0, NULL, s);
        CK(cudaEventRecord(e1, s));
        CK(cudaEventSynchronize(e1));
        CK(cudaEventElapsedTime(&f_ms, e0, e1));
        if (r >= 0) th[r] = f_ms;
    }
    fprintf(log, "gpu decompress kernels, per stage (last run):\n%s", prof);
    R->dk = R->gb / (median(tk, reps) / 1e3);
    R->dd = R->gb / (median(td, reps) / 1e3);
    R->dh = R->gb / (median(th, reps) / 1e3);
    CK(cudaMemcpy(out2, d_out, raw, cudaMemcpyDeviceToHost));
    R->gpu_decode_same = memcmp(out, out2, raw) == 0 && memcmp(out, h_pinned, raw) == 0;
    fprintf(log, "gpu decompress: kernels %.2f ms, e2e dev %.2f ms, e2e host %.2f ms; same values as cpu: %s\n",
            median(tk, reps), median(td, reps), median(th, reps), R->gpu_decode_same ? "yes" : "NO");
    fflush(log);
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    cudaStreamDestroy(s);
    cudaFree(d_field);
    cudaFree(d_out);
    cudaFreeHost(h_pinned);
    free(cpu); free(gpu); free(out); free(out2);
}

/* Device-to-device copy bandwidth, counting bytes read plus written. */
static double copy_bandwidth(void)
{
    const size_t bytes = (size_t)2 << 30;
    void *a, *b;
    CK(cudaMalloc(&a, bytes));
    CK(cudaMalloc(&b, bytes));
    CK(cudaMemset(a, 1, bytes));
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    double t[5];
    for (int r = -1; r < 5; r++) {
        float ms;
        CK(cudaEventRecord(e0, 0));
        CK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice));
        CK(cudaEventRecord(e1, 0));
        CK(cudaEventSynchronize(e1));
        CK(cudaEventElapsedTime(&ms, e0, e1));
        if (r >= 0) t[r] = ms;
    }
    cudaFree(a);
    cudaFree(b);
    return 2.0 * (double)bytes / 1e9 / (median(t, 5) / 1e3);
}

static int wanted(const char **sel, int nsel, const char *name)
{
    for (int k = 0; k < nsel; k++)
        if (!strcmp(sel[k], name)) return 1;
    return nsel == 0;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *outp = NULL;
    int reps = 3, quick = 0, nsel = 0;
    const char *sel[8];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) outp = argv[++i];
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (nsel < 8) sel[nsel++] = argv[i];
    }
    if (reps < 1 || reps > 16) reps = 3;
    if (!strata_gpu_available()) {
        printf("bench_gpu: no CUDA device\n");
        return 77;
    }
    /* Keep freed device memory in the default pool between calls, as an
     * application that compresses every time step would: the library takes its
     * working memory with cudaMallocAsync from that pool. */
    cudaMemPool_t pool;
    uint64_t keep = UINT64_MAX;
    CK(cudaDeviceGetDefaultMemPool(&pool, 0));
    CK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
    FILE *log = stdout;
    struct cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    const double bw = copy_bandwidth();
    fprintf(log, "device: %s, %d SMs, %.1f GB; device-to-device copy %.0f GB/s (read + write)\n", prop.name,
            prop.multiProcessorCount, (double)prop.totalGlobalMem / 1e9, bw);
    row rows[8];
    int nr = 0;
    const int scale = quick ? 4 : 1; /* --quick: 1/16 of the size (1/4 per two dims) */
    if (wanted(sel, nsel, "sim")) {
        const size_t d[3] = {512 / scale, 512 / scale, 1024};
        strata_field f;
        strata_field_init(&f, STRATA_FLOAT32, 3, d);
        void *x = malloc(strata_field_count(&f) * 4);
        gen_sim(x, STRATA_FLOAT32, d);
        bench_field("sim", &f, x, 1e-3, reps, log, &rows[nr++]);
        bench_field("sim (rel 1e-2)", &f, x, 1e-2, reps, log, &rows[nr++]);
        bench_field("sim (rel 1e-4)", &f, x, 1e-4, reps, log, &rows[nr++]);
        /* 10% fill points in blocks (the masked path). */
        f.has_fill = 1;
        f.fill_value = -9999.0;
        const size_t n = strata_field_count(&f);
        for (size_t i = 0; i < n; i += 1024 * 10) for (size_t j = i; j < i + 1024 && j < n; j++) ((float *)x)[j] = -9999.0f;
        bench_field("sim 10% fill", &f, x, 1e-3, reps, log, &rows[nr++]);
        free(x);
    }
    if (wanted(sel, nsel, "sim64")) {
        const size_t d[3] = {512 / scale, 512 / scale, 512};
        strata_field f;
        strata_field_init(&f, STRATA_FLOAT64, 3, d);
        void *x = malloc(strata_field_count(&f) * 8);
        gen_sim(x, STRATA_FLOAT64, d);
        bench_field("sim", &f, x, 1e-3, reps, log, &rows[nr++]);
        free(x);
    }
    if (wanted(sel, nsel, "etopo")) {
        const size_t ty = quick ? 2 : 6, tx = quick ? 2 : 5, d[2] = {2161 * ty, 4320 * tx};
        strata_field f;
        strata_field_init(&f, STRATA_FLOAT32, 2, d);
        float *x = malloc(strata_field_count(&f) * 4);
        if (gen_etopo(x, data, ty, tx)) bench_field("etopo tiled", &f, x, 1e-3, reps, log, &rows[nr++]);
        free(x);
    }
    FILE *tab = outp ? fopen(outp, "w") : NULL;
    for (int pass = 0; pass < 2; pass++) {
        FILE *o = pass ? tab : stdout;
        if (!o) continue;
        fprintf(o, "\n| field | dims | GB | ratio CPU | ratio GPU | same bytes | max err/eb | violations | "
                   "comp kernels | comp e2e dev | comp e2e host | decomp kernels | decomp e2e dev | decomp e2e host | "
                   "GPU decode = CPU | CPU comp | CPU decomp |\n");
        fprintf(o, "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (int i = 0; i < nr; i++) {
            const row *R = &rows[i];
            fprintf(o, "| %s | %s | %.2f | %.2f | %.2f | %s | %.4f | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %.2f | %.2f |\n",
                    R->name, R->dims, R->gb, R->ratio_cpu, R->ratio_gpu, R->identical ? "yes" : "NO",
                    R->maxerr_over_eb, R->violations, R->ck, R->cd, R->ch, R->dk, R->dd, R->dh,
                    R->gpu_decode_same ? "yes" : "NO", R->cpu_c, R->cpu_d);
        }
        fprintf(o, "\nGB/s of raw field bytes; device copy bandwidth %.0f GB/s (read + write) on %s.\n", bw, prop.name);
    }
    if (tab) fclose(tab);
    int bad = 0;
    for (int i = 0; i < nr; i++) bad |= !rows[i].identical || rows[i].violations || !rows[i].gpu_decode_same;
    return bad;
}
