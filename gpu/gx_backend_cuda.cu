/* gx_backend_cuda.cu - the device backend of the GPU codec (library strata_gpu).
 *
 * Each body of gx_kernels.h becomes a kernel (one thread per index, grid-stride);
 * scans and the segmented sort are CUB's; the preprocessing scan and the
 * histogram have kernels of their own (warp ballots, shared-memory bins) whose
 * results do not depend on the schedule. Compile with --fmad=false: the bodies
 * must round exactly as the C compiler's code with -ffp-contract=off.
 *
 * Device memory comes from cudaMallocAsync on the caller's stream (the default
 * pool); everything runs on that stream; errors latch in the context. */
#include <cuda_runtime.h>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/device/device_scan.cuh>
#include <cub/device/device_segmented_sort.cuh>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strata_gpu.h"
#include "gx_driver.h"

#define GX_MAX_EVENTS 4096

struct strata_gx_ctx {
    cudaStream_t stream;
    strata_status err;
    int timing, nev;
    cudaEvent_t ev[GX_MAX_EVENTS];
    const char *label[GX_MAX_EVENTS / 2]; /* of each event pair */
    void *tmp;        /* CUB temporary storage */
    size_t tmp_size;
};

static void gx_check(strata_gx_ctx *cx, cudaError_t e)
{
    if (e == cudaSuccess || cx->err != STRATA_OK) return;
    cx->err = e == cudaErrorMemoryAllocation ? STRATA_ERR_NOMEM : STRATA_ERR_GENERIC;
}

/* Event pairs around each device operation when timing: gx_mark(cx, label)
 * opens one, gx_mark(cx, NULL) closes it. */
static void gx_mark(strata_gx_ctx *cx, const char *label)
{
    if (!cx->timing || cx->nev >= GX_MAX_EVENTS) return;
    if (!(cx->nev & 1)) cx->label[cx->nev / 2] = label;
    if (cudaEventCreate(&cx->ev[cx->nev]) != cudaSuccess) return;
    gx_check(cx, cudaEventRecord(cx->ev[cx->nev], cx->stream));
    cx->nev++;
}

extern "C" {

strata_status strata_gx_ctx_create(strata_gx_ctx **cx, void *stream, int timing)
{
    *cx = (strata_gx_ctx *)calloc(1, sizeof **cx);
    if (!*cx) return STRATA_ERR_NOMEM;
    (*cx)->stream = (cudaStream_t)stream;
    (*cx)->timing = timing;
    return STRATA_OK;
}

void strata_gx_ctx_destroy(strata_gx_ctx *cx)
{
    if (!cx) return;
    if (cx->tmp) cudaFreeAsync(cx->tmp, cx->stream);
    cudaStreamSynchronize(cx->stream);
    for (int i = 0; i < cx->nev; i++) cudaEventDestroy(cx->ev[i]);
    free(cx);
}

void *strata_gx_alloc(strata_gx_ctx *cx, size_t bytes)
{
    void *p = NULL;
    cudaError_t e = cudaMallocAsync(&p, bytes ? bytes : 1, cx->stream);
    gx_check(cx, e);
    return e == cudaSuccess ? p : NULL;
}

void strata_gx_free(strata_gx_ctx *cx, void *p)
{
    if (p) gx_check(cx, cudaFreeAsync(p, cx->stream));
}

void strata_gx_zero(strata_gx_ctx *cx, void *p, size_t bytes)
{
    gx_mark(cx, "memset");
    gx_check(cx, cudaMemsetAsync(p, 0, bytes, cx->stream));
    gx_mark(cx, NULL);
}

void strata_gx_to_dev(strata_gx_ctx *cx, void *d, const void *h, size_t bytes)
{
    if (bytes) gx_check(cx, cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, cx->stream));
}

void strata_gx_to_host(strata_gx_ctx *cx, void *h, const void *d, size_t bytes)
{
    if (bytes) gx_check(cx, cudaMemcpyAsync(h, d, bytes, cudaMemcpyDeviceToHost, cx->stream));
}

void strata_gx_copy(strata_gx_ctx *cx, void *d, const void *s, size_t bytes)
{
    gx_mark(cx, "copy d2d");
    if (bytes) gx_check(cx, cudaMemcpyAsync(d, s, bytes, cudaMemcpyDeviceToDevice, cx->stream));
    gx_mark(cx, NULL);
}

strata_status strata_gx_wait(strata_gx_ctx *cx)
{
    gx_check(cx, cudaStreamSynchronize(cx->stream));
    return cx->err;
}

strata_status strata_gx_error(const strata_gx_ctx *cx) { return cx->err; }

int strata_gx_device_profile(strata_gx_ctx *cx, char *buf, size_t cap)
{
    /* Time per label, summed, largest first. */
    enum { MAXL = 64 };
    const char *name[MAXL];
    double ms[MAXL];
    int cnt[MAXL], nl = 0, pos = 0;
    cudaStreamSynchronize(cx->stream);
    for (int i = 0; i + 1 < cx->nev; i += 2) {
        float t = 0;
        if (cudaEventElapsedTime(&t, cx->ev[i], cx->ev[i + 1]) != cudaSuccess) continue;
        const char *l = cx->label[i / 2] ? cx->label[i / 2] : "?";
        int k = 0;
        while (k < nl && strcmp(name[k], l) != 0) k++;
        if (k == nl) {
            if (nl == MAXL) continue;
            name[nl] = l; ms[nl] = 0; cnt[nl] = 0; nl++;
        }
        ms[k] += t;
        cnt[k]++;
    }
    if (cap) buf[0] = 0;
    for (int done = 0; done < nl; done++) {
        int b = -1;
        for (int k = 0; k < nl; k++) if (cnt[k] >= 0 && (b < 0 || ms[k] > ms[b])) b = k;
        const int w = snprintf(buf + pos, cap > (size_t)pos ? cap - pos : 0, "    %-26s %9.3f ms  (%d)\n", name[b], ms[b], cnt[b]);
        if (w > 0 && (size_t)(pos + w) < cap) pos += w;
        cnt[b] = -1;
    }
    return pos;
}

double strata_gx_device_ms(strata_gx_ctx *cx)
{
    cudaStreamSynchronize(cx->stream);
    double ms = 0;
    for (int i = 0; i + 1 < cx->nev; i += 2) {
        float t = 0;
        if (cudaEventElapsedTime(&t, cx->ev[i], cx->ev[i + 1]) == cudaSuccess) ms += t;
    }
    return ms;
}

} /* extern "C" */

/* ---- launching the bodies ------------------------------------------------------------- */
template <typename A, void (*F)(const A *, uint64_t)>
__global__ void gx_k1(const __grid_constant__ A a, uint64_t n)
{
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n; i += stride) F(&a, i);
}

/* Blocks of 256 threads an SM must hold for the 2D bodies (the decomposition's
 * passes, bound by issuing instructions: more resident warps hide more latency);
 * 0 leaves the register count to the compiler. */
#ifndef GX_K2_MIN_BLOCKS
#  define GX_K2_MIN_BLOCKS 5 /* H100, sim f32 rel 1e-3, GB/s compress/decompress: the
                              * compiler's 56 registers 130/134; 5 (48) 137/142; 6 (40) 134/141 */
#endif
#if GX_K2_MIN_BLOCKS > 0
#  define GX_K2_BOUNDS __launch_bounds__(256, GX_K2_MIN_BLOCKS)
#else
#  define GX_K2_BOUNDS
#endif

template <typename A, void (*F)(const A *, uint64_t, uint64_t)>
__global__ void GX_K2_BOUNDS gx_k2(const __grid_constant__ A a, uint64_t rows, uint64_t cols)
{
    const uint64_t j = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x;
    if (j >= cols) return;
    const uint64_t stride = (uint64_t)gridDim.y * blockDim.y;
    for (uint64_t o = blockIdx.y * (uint64_t)blockDim.y + threadIdx.y; o < rows; o += stride) F(&a, o, j);
}

template <typename A, void (*F)(const A *, uint64_t)>
static void gx_launch1(strata_gx_ctx *cx, const A *a, uint64_t n, const char *name)
{
    if (!n || cx->err != STRATA_OK) return;
    /* Few indices (per-segment or per-pass work): small blocks, so they spread
     * over the multiprocessors. The longest such bodies are GX_KERNEL_SEQ's. */
    const unsigned block = n < 32768 ? 32 : 256;
    uint64_t grid = (n + block - 1) / block;
    if (grid > (1u << 20)) grid = 1u << 20;
    gx_mark(cx, name);
    gx_k1<A, F><<<(unsigned)grid, block, 0, cx->stream>>>(*a, n);
    gx_check(cx, cudaGetLastError());
    gx_mark(cx, NULL);
}

/* Long sequential bodies (GX_KERNEL_SEQ): a thread a block while there are at most 4096
 * indices (all resident at once). In a full warp every lane walks another segment's
 * arrays, so each load touches 32 lines and waits for all of them. */
template <typename A, void (*F)(const A *, uint64_t)>
static void gx_launch_seq(strata_gx_ctx *cx, const A *a, uint64_t n, const char *name)
{
    if (!n || cx->err != STRATA_OK) return;
    unsigned block = 1;
    while (block < 32 && n / block > 4096) block *= 2;
    gx_mark(cx, name);
    gx_k1<A, F><<<(unsigned)((n + block - 1) / block), block, 0, cx->stream>>>(*a, n);
    gx_check(cx, cudaGetLastError());
    gx_mark(cx, NULL);
}

template <typename A, void (*F)(const A *, uint64_t, uint64_t)>
static void gx_launch2(strata_gx_ctx *cx, const A *a, uint64_t rows, uint64_t cols, const char *name)
{
    if (!rows || !cols || cx->err != STRATA_OK) return;
    unsigned bx = 32;
    while (bx < 256 && bx < cols) bx *= 2;
    const unsigned by = 256 / bx;
    const uint64_t gx = (cols + bx - 1) / bx;
    uint64_t gy = (rows + by - 1) / by;
    if (gy > 65535) gy = 65535;
    if (gx > 0x7fffffff) { gx_check(cx, cudaErrorInvalidConfiguration); return; }
    gx_mark(cx, name);
    gx_k2<A, F><<<dim3((unsigned)gx, (unsigned)gy), dim3(bx, by), 0, cx->stream>>>(*a, rows, cols);
    gx_check(cx, cudaGetLastError());
    gx_mark(cx, NULL);
}

#define GX_KERNEL_1D(name, A)                                                          \
    extern "C" void strata_gx_run_##name(strata_gx_ctx *cx, const A *a, uint64_t n)    \
    {                                                                                  \
        gx_launch1<A, name>(cx, a, n, #name);                                                 \
    }
#define GX_KERNEL_SEQ(name, A)                                                         \
    extern "C" void strata_gx_run_##name(strata_gx_ctx *cx, const A *a, uint64_t n)    \
    {                                                                                  \
        gx_launch_seq<A, name>(cx, a, n, #name);                                       \
    }
#define GX_KERNEL_2D(name, A)                                                          \
    extern "C" void strata_gx_run_##name(strata_gx_ctx *cx, const A *a, uint64_t rows, \
                                         uint64_t cols)                                \
    {                                                                                  \
        gx_launch2<A, name>(cx, a, rows, cols, #name);                                        \
    }
#include "gx_kernels.def"
#undef GX_KERNEL_1D
#undef GX_KERNEL_SEQ
#undef GX_KERNEL_2D

/* ---- primitives --------------------------------------------------------------------------- */
static void *gx_tmp(strata_gx_ctx *cx, size_t bytes)
{
    if (bytes <= cx->tmp_size && cx->tmp) return cx->tmp;
    if (cx->tmp) cudaFreeAsync(cx->tmp, cx->stream);
    cx->tmp = NULL;
    cx->tmp_size = 0;
    if (cudaMallocAsync(&cx->tmp, bytes, cx->stream) != cudaSuccess) {
        cx->tmp = NULL;
        gx_check(cx, cudaErrorMemoryAllocation);
        return NULL;
    }
    cx->tmp_size = bytes;
    return cx->tmp;
}

extern "C" void strata_gx_scan(strata_gx_ctx *cx, const uint64_t *in, uint64_t *out, uint64_t n)
{
    if (!n || cx->err != STRATA_OK) return;
    size_t bytes = 0;
    gx_check(cx, cub::DeviceScan::ExclusiveSum(NULL, bytes, in, out, n, cx->stream));
    void *t = gx_tmp(cx, bytes);
    if (!t) return;
    gx_mark(cx, "scan (cub)");
    gx_check(cx, cub::DeviceScan::ExclusiveSum(t, bytes, in, out, n, cx->stream));
    gx_mark(cx, NULL);
}

extern "C" void strata_gx_sort_segments(strata_gx_ctx *cx, const uint64_t *in, uint64_t *out,
                                        uint64_t total, uint64_t nseg, const uint64_t *off)
{
    if (!total || cx->err != STRATA_OK) return;
    size_t bytes = 0;
    gx_check(cx, cub::DeviceSegmentedSort::SortKeys(NULL, bytes, in, out, (int64_t)total, (int64_t)nseg,
                                                    off, off + 1, cx->stream));
    void *t = gx_tmp(cx, bytes);
    if (!t) return;
    gx_mark(cx, "segmented sort (cub)");
    gx_check(cx, cub::DeviceSegmentedSort::SortKeys(t, bytes, in, out, (int64_t)total, (int64_t)nseg,
                                                    off, off + 1, cx->stream));
    gx_mark(cx, NULL);
}

/* The preprocessing scan: a warp covers 32 consecutive points, so its ballot is
 * one word of the mask. Range: min/max of the valid points, a zero extreme made
 * +0 (scan.c adds 0.0: which zero a parallel min/max keeps varies). */
struct gx_scan_part {
    double lo, hi;
    unsigned long long specials;
};

#define GX_SCAN_BLOCK 256
#define GX_SCAN_GRID 2048

template <typename T>
__global__ void __launch_bounds__(GX_SCAN_BLOCK)
gx_scan_kernel(const T *x, uint64_t n, int has_fill, T fill, uint32_t *mask, gx_scan_part *parts)
{
    double lo = INFINITY, hi = -INFINITY;
    unsigned long long spec = 0;
    const unsigned lane = threadIdx.x & 31;
    const uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
    /* Four words a warp per iteration, their loads issued first. */
    for (uint64_t base = blockIdx.x * (uint64_t)blockDim.x + (threadIdx.x & ~31u); base < n; base += 4 * stride) {
        T v[4];
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const uint64_t i = base + u * stride + lane;
            v[u] = i < n ? x[i] : (T)0;
        }
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const uint64_t wb = base + u * stride, i = wb + lane;
            int special = 0;
            if (i < n) {
                special = !isfinite(v[u]) || (has_fill && v[u] == fill);
                if (special) {
                    spec++;
                } else {
                    const double d = (double)v[u];
                    lo = d < lo ? d : lo;
                    hi = d > hi ? d : hi;
                }
            }
            const unsigned b = __ballot_sync(0xffffffffu, special);
            if (lane == 0 && wb < n) mask[wb >> 5] = b;
        }
    }
    for (int o = 16; o; o >>= 1) {
        const double l2 = __shfl_down_sync(0xffffffffu, lo, o), h2 = __shfl_down_sync(0xffffffffu, hi, o);
        const unsigned long long s2 = __shfl_down_sync(0xffffffffu, spec, o);
        lo = l2 < lo ? l2 : lo;
        hi = h2 > hi ? h2 : hi;
        spec += s2;
    }
    __shared__ gx_scan_part sh[GX_SCAN_BLOCK / 32];
    if (lane == 0) {
        gx_scan_part p = {lo, hi, spec};
        sh[threadIdx.x >> 5] = p;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        gx_scan_part p = sh[0];
        for (int w = 1; w < GX_SCAN_BLOCK / 32; w++) {
            const gx_scan_part q = sh[w];
            p.lo = q.lo < p.lo ? q.lo : p.lo;
            p.hi = q.hi > p.hi ? q.hi : p.hi;
            p.specials += q.specials;
        }
        parts[blockIdx.x] = p;
    }
}

extern "C" void strata_gx_field_scan(strata_gx_ctx *cx, const void *src, strata_dtype dtype, uint64_t n,
                                     int has_fill, double fill, uint32_t *mask,
                                     strata_gx_scan_result *res)
{
    memset(res, 0, sizeof *res);
    uint64_t grid = (n + GX_SCAN_BLOCK - 1) / GX_SCAN_BLOCK;
    if (grid > GX_SCAN_GRID) grid = GX_SCAN_GRID;
    gx_scan_part *d_parts = (gx_scan_part *)strata_gx_alloc(cx, grid * sizeof(gx_scan_part));
    gx_scan_part *parts = (gx_scan_part *)malloc(grid * sizeof(gx_scan_part));
    if (!d_parts || !parts) {
        if (!parts) gx_check(cx, cudaErrorMemoryAllocation);
        strata_gx_free(cx, d_parts);
        free(parts);
        return;
    }
    gx_mark(cx, "field scan");
    if (dtype == STRATA_FLOAT32)
        gx_scan_kernel<float><<<(unsigned)grid, GX_SCAN_BLOCK, 0, cx->stream>>>(
            (const float *)src, n, has_fill, (float)fill, mask, d_parts);
    else
        gx_scan_kernel<double><<<(unsigned)grid, GX_SCAN_BLOCK, 0, cx->stream>>>(
            (const double *)src, n, has_fill, fill, mask, d_parts);
    gx_check(cx, cudaGetLastError());
    gx_mark(cx, NULL);
    strata_gx_to_host(cx, parts, d_parts, grid * sizeof(gx_scan_part));
    strata_gx_free(cx, d_parts);
    if (strata_gx_wait(cx) == STRATA_OK) {
        gx_scan_part p = parts[0];
        for (uint64_t b = 1; b < grid; b++) {
            const gx_scan_part q = parts[b];
            p.lo = q.lo < p.lo ? q.lo : p.lo;
            p.hi = q.hi > p.hi ? q.hi : p.hi;
            p.specials += q.specials;
        }
        res->specials = p.specials;
        res->vmin = p.specials < n ? p.lo + 0.0 : 0.0;
        res->vmax = p.specials < n ? p.hi + 0.0 : 0.0;
    }
    free(parts);
}

/* Histogram: each block counts one slice of one segment; the codes near the
 * centre go to shared bins (warp-aggregated: smooth data makes one code dominate),
 * the rest straight to the segment's global bins. */
#define GX_HIST_WIN 8192
#define GX_HIST_SLICE 16384

__global__ void __launch_bounds__(256)
gx_hist_kernel(const uint16_t *sym, uint64_t n, uint64_t seg_len, uint64_t slice, uint32_t *hist)
{
    __shared__ uint32_t sh[GX_HIST_WIN];
    const uint64_t lo = blockIdx.x * slice, seg = lo / seg_len;
    const uint64_t send = (seg + 1) * seg_len < n ? (seg + 1) * seg_len : n;
    const uint64_t hi = lo + slice < send ? lo + slice : send;
    const unsigned base = 32768 - GX_HIST_WIN / 2, lane = threadIdx.x & 31;
    uint32_t *g = hist + seg * 65536;
    for (unsigned k = threadIdx.x; k < GX_HIST_WIN; k += blockDim.x) sh[k] = 0;
    __syncthreads();
    for (uint64_t i0 = lo; i0 < hi; i0 += blockDim.x) {
        const uint64_t i = i0 + threadIdx.x;
        const int live = i < hi;
        const unsigned v = live ? sym[i] : 0xffffffffu;
        const unsigned peers = __match_any_sync(0xffffffffu, v);
        if (live && lane == (unsigned)(__ffs(peers) - 1)) {
            const unsigned c = __popc(peers);
            if (v - base < GX_HIST_WIN) atomicAdd(&sh[v - base], c);
            else atomicAdd(&g[v], c);
        }
    }
    __syncthreads();
    for (unsigned k = threadIdx.x; k < GX_HIST_WIN; k += blockDim.x)
        if (sh[k]) atomicAdd(&g[base + k], sh[k]);
}

extern "C" void strata_gx_histogram(strata_gx_ctx *cx, const uint16_t *sym, uint64_t n, uint64_t seg_len,
                                    uint32_t *hist)
{
    if (!n || cx->err != STRATA_OK) return;
    /* A slice never straddles two segments: it divides the segment length. */
    const uint64_t slice = seg_len % GX_HIST_SLICE == 0 ? GX_HIST_SLICE : seg_len;
    const uint64_t grid = (n + slice - 1) / slice;
    if (grid > 0x7fffffff) { gx_check(cx, cudaErrorInvalidConfiguration); return; }
    gx_mark(cx, "histogram");
    gx_hist_kernel<<<(unsigned)grid, 256, 0, cx->stream>>>(sym, n, seg_len, slice, hist);
    gx_check(cx, cudaGetLastError());
    gx_mark(cx, NULL);
}

/* Used symbols per segment: a block per segment, each thread owning 256
 * consecutive bins, so a block scan of the threads' counts lists them ascending. */
#define GX_BINS_PER_THREAD 256

__global__ void __launch_bounds__(256) gx_hist_count_kernel(const uint32_t *hist, uint64_t *m)
{
    typedef cub::BlockReduce<unsigned, 256> R;
    __shared__ typename R::TempStorage ts;
    const uint32_t *h = hist + blockIdx.x * 65536ull + threadIdx.x * GX_BINS_PER_THREAD;
    unsigned c = 0;
    for (int k = 0; k < GX_BINS_PER_THREAD; k += 4) {
        const uint4 q = *(const uint4 *)(h + k);
        c += (q.x != 0) + (q.y != 0) + (q.z != 0) + (q.w != 0);
    }
    const unsigned total = R(ts).Sum(c);
    if (threadIdx.x == 0) m[blockIdx.x] = total;
}

__global__ void __launch_bounds__(256)
gx_hist_compact_kernel(const uint32_t *hist, const uint64_t *used_off, uint16_t *used_sym,
                       uint32_t *used_freq, uint64_t *keys)
{
    typedef cub::BlockScan<unsigned, 256> S;
    __shared__ typename S::TempStorage ts;
    const unsigned first = threadIdx.x * GX_BINS_PER_THREAD;
    const uint32_t *h = hist + blockIdx.x * 65536ull + first;
    unsigned c = 0;
    for (int k = 0; k < GX_BINS_PER_THREAD; k += 4) {
        const uint4 q = *(const uint4 *)(h + k);
        c += (q.x != 0) + (q.y != 0) + (q.z != 0) + (q.w != 0);
    }
    unsigned r;
    S(ts).ExclusiveSum(c, r);
    const uint64_t off = used_off[blockIdx.x];
    for (int k = 0; k < GX_BINS_PER_THREAD && c; k++) {
        const uint32_t f = h[k];
        if (!f) continue;
        used_sym[off + r] = (uint16_t)(first + k);
        used_freq[off + r] = f;
        keys[off + r] = (uint64_t)f << 16 | r;
        r++;
        c--;
    }
}

extern "C" void strata_gx_hist_count(strata_gx_ctx *cx, const uint32_t *hist, uint64_t nseg, uint64_t *m)
{
    if (!nseg || cx->err != STRATA_OK) return;
    gx_mark(cx, "used symbols: count");
    gx_hist_count_kernel<<<(unsigned)nseg, 256, 0, cx->stream>>>(hist, m);
    gx_check(cx, cudaGetLastError());
    gx_mark(cx, NULL);
}

extern "C" void strata_gx_hist_compact(strata_gx_ctx *cx, const uint32_t *hist, uint64_t nseg,
                                       const uint64_t *used_off, uint16_t *used_sym,
                                       uint32_t *used_freq, uint64_t *keys)
{
    if (!nseg || cx->err != STRATA_OK) return;
    gx_mark(cx, "used symbols: list");
    gx_hist_compact_kernel<<<(unsigned)nseg, 256, 0, cx->stream>>>(hist, used_off, used_sym, used_freq, keys);
    gx_check(cx, cudaGetLastError());
    gx_mark(cx, NULL);
}

/* ---- include/strata_gpu.h ----------------------------------------------------------------- */
extern "C" {

int strata_gpu_available(void)
{
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

} /* extern "C" */
