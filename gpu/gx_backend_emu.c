/* gx_backend_emu.c - the GPU codec on the host: every body of gx_kernels.h run by
 * a plain loop over its thread indices, "device memory" from malloc. Library
 * strata_gpu_emu, for tests without a GPU (CI): with gx_driver.c it provides the
 * strata_gpu_* entry points of include/strata_gpu.h (a device is always
 * "present"), so the same test program runs on either library. Never installed.
 *
 * The loops run the indices in order, one at a time. That is a legal schedule of
 * the device launches because the bodies of one launch never depend on each
 * other, except through OR and + (whose result does not depend on the order). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "strata_gpu.h"
#include "gx_driver.h"

struct strata_gx_ctx {
    strata_status err;
};

strata_status strata_gx_ctx_create(strata_gx_ctx **cx, void *stream, int timing)
{
    (void)stream; (void)timing;
    *cx = (strata_gx_ctx *)calloc(1, sizeof **cx);
    return *cx ? STRATA_OK : STRATA_ERR_NOMEM;
}

void strata_gx_ctx_destroy(strata_gx_ctx *cx) { free(cx); }

void *strata_gx_alloc(strata_gx_ctx *cx, size_t bytes)
{
    /* Poisoned, so a stage that reads what nothing wrote shows up in the tests. */
    void *p = malloc(bytes ? bytes : 1);
    if (!p) cx->err = cx->err ? cx->err : STRATA_ERR_NOMEM;
    else memset(p, 0xA5, bytes);
    return p;
}

void strata_gx_free(strata_gx_ctx *cx, void *p) { (void)cx; free(p); }
void strata_gx_zero(strata_gx_ctx *cx, void *p, size_t bytes) { (void)cx; memset(p, 0, bytes); }
void strata_gx_to_dev(strata_gx_ctx *cx, void *d, const void *h, size_t bytes)
{
    (void)cx;
    if (bytes) memcpy(d, h, bytes);
}
void strata_gx_to_host(strata_gx_ctx *cx, void *h, const void *d, size_t bytes)
{
    (void)cx;
    if (bytes) memcpy(h, d, bytes);
}
void strata_gx_copy(strata_gx_ctx *cx, void *d, const void *s, size_t bytes)
{
    (void)cx;
    if (bytes) memmove(d, s, bytes);
}
strata_status strata_gx_wait(strata_gx_ctx *cx) { return cx->err; }
strata_status strata_gx_error(const strata_gx_ctx *cx) { return cx->err; }
double strata_gx_device_ms(strata_gx_ctx *cx) { (void)cx; return 0.0; }
int strata_gx_device_profile(strata_gx_ctx *cx, char *buf, size_t cap)
{
    (void)cx;
    if (cap) buf[0] = 0;
    return 0;
}

/* ---- primitives ----------------------------------------------------------------------- */
void strata_gx_scan(strata_gx_ctx *cx, const uint64_t *in, uint64_t *out, uint64_t n)
{
    (void)cx;
    uint64_t s = 0;
    for (uint64_t i = 0; i < n; i++) {
        out[i] = s;
        s += in[i];
    }
}

static int cmp_u64(const void *pa, const void *pb)
{
    const uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

void strata_gx_sort_segments(strata_gx_ctx *cx, const uint64_t *in, uint64_t *out, uint64_t total,
                             uint64_t nseg, const uint64_t *off)
{
    (void)cx;
    memcpy(out, in, total * 8);
    for (uint64_t s = 0; s < nseg; s++) qsort(out + off[s], off[s + 1] - off[s], 8, cmp_u64);
}

#define GX_DEFINE_SCAN(T, SFX)                                                             \
    static void scan_##SFX(const T *x, uint64_t n, int has_fill, T fill, uint32_t *mask,  \
                           strata_gx_scan_result *res)                                    \
    {                                                                                     \
        double lo = INFINITY, hi = -INFINITY;                                             \
        uint64_t specials = 0;                                                            \
        memset(mask, 0, (n + 31) / 32 * 4);                                               \
        for (uint64_t i = 0; i < n; i++) {                                                \
            const T v = x[i];                                                             \
            if (gx_special_##SFX(v, has_fill, fill)) {                                    \
                mask[i >> 5] |= 1u << (i & 31);                                           \
                specials++;                                                               \
                continue;                                                                 \
            }                                                                             \
            lo = (double)v < lo ? (double)v : lo;                                         \
            hi = (double)v > hi ? (double)v : hi;                                         \
        }                                                                                 \
        res->specials = specials;                                                         \
        res->vmin = specials < n ? lo + 0.0 : 0.0; /* + 0.0: -0 becomes +0, as scan.c */ \
        res->vmax = specials < n ? hi + 0.0 : 0.0;                                        \
    }
GX_DEFINE_SCAN(float, f32)
GX_DEFINE_SCAN(double, f64)
#undef GX_DEFINE_SCAN

void strata_gx_field_scan(strata_gx_ctx *cx, const void *src, strata_dtype dtype, uint64_t n,
                          int has_fill, double fill, uint32_t *mask, strata_gx_scan_result *res)
{
    (void)cx;
    if (dtype == STRATA_FLOAT32) scan_f32((const float *)src, n, has_fill, (float)fill, mask, res);
    else scan_f64((const double *)src, n, has_fill, fill, mask, res);
}

void strata_gx_histogram(strata_gx_ctx *cx, const uint16_t *sym, uint64_t n, uint64_t seg_len,
                         uint32_t *hist)
{
    (void)cx;
    for (uint64_t i = 0; i < n; i++) hist[(i / seg_len) * 65536 + sym[i]]++;
}

void strata_gx_hist_count(strata_gx_ctx *cx, const uint32_t *hist, uint64_t nseg, uint64_t *m)
{
    (void)cx;
    for (uint64_t s = 0; s < nseg; s++) {
        uint64_t c = 0;
        for (int v = 0; v < 65536; v++) c += hist[s * 65536 + v] != 0;
        m[s] = c;
    }
}

void strata_gx_hist_compact(strata_gx_ctx *cx, const uint32_t *hist, uint64_t nseg,
                            const uint64_t *used_off, uint16_t *used_sym, uint32_t *used_freq,
                            uint64_t *keys)
{
    (void)cx;
    for (uint64_t s = 0; s < nseg; s++) {
        uint64_t k = used_off[s];
        for (uint32_t v = 0; v < 65536; v++) {
            const uint32_t f = hist[s * 65536 + v];
            if (!f) continue;
            used_sym[k] = (uint16_t)v;
            used_freq[k] = f;
            keys[k] = (uint64_t)f << 16 | (k - used_off[s]);
            k++;
        }
    }
}

/* ---- the bodies, as loops ---------------------------------------------------------------- */
#define GX_KERNEL_1D(name, A)                                                     \
    void strata_gx_run_##name(strata_gx_ctx *cx, const A *a, uint64_t n)          \
    {                                                                             \
        (void)cx;                                                                 \
        for (uint64_t i = 0; i < n; i++) name(a, i);                              \
    }
#define GX_KERNEL_2D(name, A)                                                            \
    void strata_gx_run_##name(strata_gx_ctx *cx, const A *a, uint64_t rows, uint64_t cols) \
    {                                                                                    \
        (void)cx;                                                                        \
        for (uint64_t o = 0; o < rows; o++)                                              \
            for (uint64_t j = 0; j < cols; j++) name(a, o, j);                           \
    }
#include "gx_kernels.def"
#undef GX_KERNEL_1D
#undef GX_KERNEL_2D

/* ---- include/strata_gpu.h, emulated ------------------------------------------------------ */
int strata_gpu_available(void) { return 1; }

