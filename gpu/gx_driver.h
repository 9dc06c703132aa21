/* gx_driver.h - the GPU codec's host side (gx_driver.c), over any backend of
 * gx_backend.h. Private to gpu/ and its tests. */
#ifndef STRATA_GX_DRIVER_H
#define STRATA_GX_DRIVER_H

#include "gx_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* strata_gpu_compress() / strata_gpu_decompress() on context cx. */
strata_status strata_gx_compress(strata_gx_ctx *cx, const strata_field *field, const void *src,
                                 int src_on_device, const strata_params *params, void *dst,
                                 size_t dst_capacity, size_t *dst_size);
strata_status strata_gx_decompress(strata_gx_ctx *cx, const void *src, size_t src_size, void *dst,
                                   size_t dst_capacity, int dst_on_device,
                                   strata_stream_info *info);

/* The same calls with device timing: *device_ms gets the summed time of the
 * device operations (kernels, scans, sorts, memsets; no host-device transfers,
 * no host work), and `profile` (if not NULL) the same per kernel. For the
 * benchmark (tests/gpu/bench_gpu.c). */
strata_status strata_gx_timed_compress(const strata_field *field, const void *src, int src_on_device,
                                       const strata_params *params, void *dst, size_t dst_capacity,
                                       size_t *dst_size, void *stream, double *device_ms,
                                       char *profile, size_t profile_cap);
strata_status strata_gx_timed_decompress(const void *src, size_t src_size, void *dst,
                                         size_t dst_capacity, int dst_on_device, void *stream,
                                         double *device_ms, char *profile, size_t profile_cap);

/* The entropy stage alone, for tests: the CODES body (format.md 4.3, Huffman) of
 * the n host symbols `sym` into a malloc'ed *body, and back. */
strata_status strata_gx_encode_codes(strata_gx_ctx *cx, const uint16_t *sym, uint64_t n,
                                     uint8_t **body, size_t *body_size);
strata_status strata_gx_decode_codes(strata_gx_ctx *cx, const uint8_t *body, size_t body_size,
                                     uint16_t *sym, uint64_t n);

/* gx_huffman_ref.c: the code lengths src/entropy/huffman_encode.c gives segment
 * sym[0..n) (frequency flattening included), for its m used symbols `used`
 * (ascending) into len[0..m). Returns 0 on allocation failure. */
int strata_gx_ref_lengths(const uint16_t *sym, size_t n, const uint16_t *used, uint64_t m,
                          uint8_t *len);

#ifdef __cplusplus
}
#endif
#endif
