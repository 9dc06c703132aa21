/*
 * strata_gpu.h - the CUDA backend of Strata (library strata_gpu, built from gpu/
 * whenever CMake finds nvcc; -DSTRATA_CUDA=OFF leaves it out).
 *
 * The GPU codec writes the stream format of docs/format.md with the canonical
 * Huffman coder (coder 1) and produces the same bytes as strata_compress() with
 * params.coder = STRATA_CODER_HUFFMAN for the same field and parameters: every
 * GPU stream decodes with strata_decompress(), and strata_gpu_decompress() reads
 * every stream (Huffman segments are decoded on the GPU; range-coded segments,
 * lossless and raw streams are decoded on the host and the result copied).
 * No CUDA type appears here: a CUDA stream is passed as `void *` (cudaStream_t),
 * NULL meaning the default stream.
 *
 * Calls are synchronous: they return when the result is complete. The device
 * work is ordered after earlier work on `cuda_stream`. Any number of host threads
 * may call at once with their own buffers; the library has no global state.
 * Device memory is taken with cudaMallocAsync on the stream and given back
 * before the call returns (about 3x the field's size while compressing).
 *
 * Every call returns STRATA_ERR_UNSUPPORTED when no CUDA device can be used
 * (no driver, no GPU). See docs/gpu.md for what runs where and how fast.
 */
#ifndef STRATA_GPU_H
#define STRATA_GPU_H

#include "strata.h"

#ifdef __cplusplus
extern "C" {
#endif

/*! strata_gpu_available() :
 *  @return 1 if a CUDA device can be used by this build, else 0. */
STRATA_API int strata_gpu_available(void);

/*! strata_gpu_compress() :
 *  Like strata_compress(), with the points at `src` in device memory when
 *  `src_on_device` is nonzero (a cudaMalloc'ed pointer), else in host memory.
 *  The stream is written to host memory `dst` (capacity `dst_capacity`;
 *  strata_compress_bound(field) always suffices).
 *  params->coder must be STRATA_CODER_DEFAULT or STRATA_CODER_HUFFMAN (both give
 *  Huffman streams on the GPU); STRATA_CODER_RANGE gives STRATA_ERR_UNSUPPORTED.
 *  Lossless and PSNR modes, and fields whose bound has zero width, are coded by
 *  the CPU codec on a host copy (same bytes as strata_compress()).
 *  params->threads applies to the host steps (zstd of the sections).
 *  @return as strata_compress(), plus STRATA_ERR_UNSUPPORTED (no device, range
 *  coder) and STRATA_ERR_GENERIC (a CUDA call failed). */
STRATA_API strata_status strata_gpu_compress(const strata_field *field, const void *src,
                                             int src_on_device, const strata_params *params,
                                             void *dst, size_t dst_capacity, size_t *dst_size,
                                             void *cuda_stream);

/*! strata_gpu_decompress() :
 *  Like strata_decompress(): decodes the whole stream at host memory `src`
 *  into `dst` (capacity `dst_capacity` bytes, at least info.raw_size), which is
 *  device memory when `dst_on_device` is nonzero, else host memory. `info` may
 *  be NULL. The payload checksum is verified before anything is decoded.
 *  @return as strata_decompress(), plus STRATA_ERR_UNSUPPORTED (no device) and
 *  STRATA_ERR_GENERIC (a CUDA call failed). On error the contents of `dst` are
 *  undefined but nothing outside it is written. */
STRATA_API strata_status strata_gpu_decompress(const void *src, size_t src_size, void *dst,
                                               size_t dst_capacity, int dst_on_device,
                                               strata_stream_info *info, void *cuda_stream);

/*! strata_gpu_compress_device() / strata_gpu_decompress_device() :
 *  The device-pointer forms: strata_gpu_compress(..., src_on_device = 1, ...)
 *  and strata_gpu_decompress(..., dst_on_device = 1, ...). */
STRATA_API strata_status strata_gpu_compress_device(const strata_field *field, const void *d_src,
                                                    const strata_params *params, void *dst,
                                                    size_t dst_capacity, size_t *dst_size,
                                                    void *cuda_stream);
STRATA_API strata_status strata_gpu_decompress_device(const void *src, size_t src_size,
                                                      void *d_dst, size_t dst_capacity,
                                                      strata_stream_info *info,
                                                      void *cuda_stream);

#ifdef __cplusplus
}
#endif
#endif /* STRATA_GPU_H */
