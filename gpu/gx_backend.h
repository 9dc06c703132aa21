/* gx_backend.h - what the GPU codec's driver (gx_driver.c, plain C) needs from a
 * backend. Two backends implement it:
 *   gx_backend_cuda.cu  the device: kernels around the bodies of gx_kernels.h,
 *                       CUB for scans and sorts (library strata_gpu)
 *   gx_backend_emu.c    the same bodies called from loops on the host, for CI
 *                       without a GPU (library strata_gpu_emu, tests only)
 * "Device memory" is the backend's: cudaMallocAsync'ed, or malloc'ed in the
 * emulation. Every call is ordered on the context's stream; the first failure is
 * latched and returned by strata_gx_wait(), which also synchronizes. */
#ifndef STRATA_GX_BACKEND_H
#define STRATA_GX_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "strata.h"
#include "gx_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_gx_ctx strata_gx_ctx;

/* ---- context, memory, transfers ------------------------------------------------- */
strata_status strata_gx_ctx_create(strata_gx_ctx **cx, void *stream, int timing);
void strata_gx_ctx_destroy(strata_gx_ctx *cx);
void *strata_gx_alloc(strata_gx_ctx *cx, size_t bytes);   /* NULL (and latched NOMEM) on failure */
void strata_gx_free(strata_gx_ctx *cx, void *p);           /* NULL is fine */
void strata_gx_zero(strata_gx_ctx *cx, void *p, size_t bytes);
void strata_gx_to_dev(strata_gx_ctx *cx, void *d, const void *h, size_t bytes);
void strata_gx_to_host(strata_gx_ctx *cx, void *h, const void *d, size_t bytes);
void strata_gx_copy(strata_gx_ctx *cx, void *d, const void *s, size_t bytes); /* device to device */
strata_status strata_gx_wait(strata_gx_ctx *cx);           /* synchronize; first error */
strata_status strata_gx_error(const strata_gx_ctx *cx);    /* first error so far, no sync */
/* Device time: with `timing` set at creation, every kernel, scan, sort, memset
 * and device-to-device copy is timed with an event pair; this sums them (ms).
 * Transfers between host and device and host work are not in it. */
double strata_gx_device_ms(strata_gx_ctx *cx);
/* The same times per operation, summed by kernel name, as text (bytes written). */
int strata_gx_device_profile(strata_gx_ctx *cx, char *buf, size_t cap);

/* ---- primitives (order-independent, exact) ---------------------------------------- */
/* out[i] = in[0] + ... + in[i-1]; in and out may not overlap. */
void strata_gx_scan(strata_gx_ctx *cx, const uint64_t *in, uint64_t *out, uint64_t n);
/* Sorts keys[off[s] .. off[s+1]) ascending for every segment s < nseg. */
void strata_gx_sort_segments(strata_gx_ctx *cx, const uint64_t *in, uint64_t *out, uint64_t total,
                             uint64_t nseg, const uint64_t *off);

/* The preprocessing scan (src/preprocess/scan.c): special points into the bitmap
 * `mask` ((n + 31) / 32 words), and the range of the others (a zero extreme is
 * +0, as scan.c makes it). Synchronizes. */
typedef struct {
    uint64_t specials;
    double vmin, vmax;
} strata_gx_scan_result;
void strata_gx_field_scan(strata_gx_ctx *cx, const void *src, strata_dtype dtype, uint64_t n,
                          int has_fill, double fill, uint32_t *mask, strata_gx_scan_result *res);

/* hist[s * 65536 + v] += 1 for each symbol v of segment s (zeroed beforehand). */
void strata_gx_histogram(strata_gx_ctx *cx, const uint16_t *sym, uint64_t n, uint64_t seg_len,
                         uint32_t *hist);
/* m[s] = number of used symbols of segment s. */
void strata_gx_hist_count(strata_gx_ctx *cx, const uint32_t *hist, uint64_t nseg, uint64_t *m);
/* The used symbols of each segment, ascending, at used_off[s]: symbol, frequency
 * and the sort key freq << 16 | index within the segment's list. */
void strata_gx_hist_compact(strata_gx_ctx *cx, const uint32_t *hist, uint64_t nseg,
                            const uint64_t *used_off, uint16_t *used_sym, uint32_t *used_freq,
                            uint64_t *keys);

/* ---- the per-thread bodies of gx_kernels.h, one launch each ---------------------- */
#define GX_KERNEL_1D(name, A) void strata_gx_run_##name(strata_gx_ctx *cx, const A *a, uint64_t n);
#define GX_KERNEL_2D(name, A) \
    void strata_gx_run_##name(strata_gx_ctx *cx, const A *a, uint64_t rows, uint64_t cols);
#include "gx_kernels.def"
#undef GX_KERNEL_1D
#undef GX_KERNEL_2D

#ifdef __cplusplus
}
#endif
#endif
