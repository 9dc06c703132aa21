/*
 * strata.h - Strata: error-bounded lossy compression of floating-point fields.
 *
 * This header is the contract of libstrata. Everything it does not declare is
 * private. All functions are thread-safe: the library has no global state, and
 * any number of threads may compress or decompress at once with their own buffers.
 *
 * A *field* says what the data is (type, shape, fill value); *params* say how to
 * code it (bound mode and value, threads). A compressed *stream* is
 * self-describing: it carries every parameter the decoder needs, a checksum of
 * its payload and a format version (docs/format.md).
 *
 * Error-bound guarantee: for every point that is not NaN, +-Inf or the fill
 * value, |decompressed - original| <= the absolute bound (computed in double
 * precision, the way an independent checker computes it). NaN, +-Inf and fill
 * points come back bit for bit. Lossless mode returns every bit.
 */
#ifndef STRATA_H
#define STRATA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(STRATA_DLL_EXPORT)
#  define STRATA_API __declspec(dllexport)
#elif defined(__GNUC__)
#  define STRATA_API __attribute__((visibility("default")))
#else
#  define STRATA_API
#endif

/* ---- versions ------------------------------------------------------------ */
#define STRATA_VERSION_MAJOR 0
#define STRATA_VERSION_MINOR 1
#define STRATA_VERSION_PATCH 0
#define STRATA_VERSION_NUMBER \
    (STRATA_VERSION_MAJOR * 10000 + STRATA_VERSION_MINOR * 100 + STRATA_VERSION_PATCH)
/* Version of the stream format this library writes. It reads every earlier one. */
#define STRATA_FORMAT_VERSION 3

/*! strata_version_number() :
 *  @return STRATA_VERSION_NUMBER of the library actually linked. */
STRATA_API unsigned strata_version_number(void);
/*! strata_format_version() :
 *  @return STRATA_FORMAT_VERSION of the library actually linked: the stream
 *  format it writes; it reads every version up to this one. */
STRATA_API unsigned strata_format_version(void);
/*! strata_version_string() :
 *  @return "MAJOR.MINOR.PATCH" of the library actually linked (static string). */
STRATA_API const char *strata_version_string(void);

/* ---- status codes ---------------------------------------------------------
 * Every call returns one. Values are pinned: they never change meaning. */
typedef enum {
    STRATA_OK = 0,
    STRATA_ERR_GENERIC = 1,        /* unexpected internal failure */
    STRATA_ERR_INVALID_ARG = 2,    /* NULL pointer, bad dims, bad bound, bad struct size */
    STRATA_ERR_UNSUPPORTED = 3,    /* valid request this build or version cannot do */
    STRATA_ERR_DST_TOO_SMALL = 4,  /* output capacity too small; nothing useful written */
    STRATA_ERR_CORRUPT = 5,        /* stream malformed: bad magic, sizes, sections, codes */
    STRATA_ERR_CHECKSUM = 6,       /* stream payload or header fails its checksum */
    STRATA_ERR_TRUNCATED = 7,      /* stream shorter than its header says */
    STRATA_ERR_NOMEM = 8,          /* memory allocation failed */
    STRATA_ERR_VERSION = 9,        /* stream written by a newer, unknown format version */
    STRATA_ERR_EMPTY = 10,         /* field has no points */
    STRATA_ERR_IO = 11,            /* reading or writing a file failed (front ends: CLI, MPI) */
    STRATA_STATUS_COUNT_           /* not a status; keeps the table in step */
} strata_status;

/*! strata_status_string() :
 *  @return a static, human-readable sentence for `status` (never NULL). */
STRATA_API const char *strata_status_string(strata_status status);

/* ---- field: what the data is --------------------------------------------- */
typedef enum { STRATA_FLOAT32 = 1, STRATA_FLOAT64 = 2 } strata_dtype;

#define STRATA_MAX_DIMS 4

typedef struct {
    size_t size;            /* sizeof(strata_field); set by strata_field_init() */
    strata_dtype dtype;
    unsigned ndims;         /* 1..4 */
    size_t dims[STRATA_MAX_DIMS]; /* slowest first (C order, like netCDF); each >= 1 */
    int has_fill;           /* nonzero: points equal to fill_value are kept exact and
                               left out of the value range and of prediction */
    double fill_value;      /* converted to dtype before comparing; for FLOAT32 it must
                               be NaN, +-Inf or within float range (else
                               STRATA_ERR_INVALID_ARG). A NaN fill changes nothing:
                               NaN points are always kept exact. */
} strata_field;

/*! strata_field_init() :
 *  Fills `field` with dtype and shape (dims slowest first) and no fill value.
 *  Dimensions beyond `ndims` are ignored. */
STRATA_API void strata_field_init(strata_field *field, strata_dtype dtype,
                                  unsigned ndims, const size_t *dims);

/*! strata_field_count() :
 *  @return the number of points of `field` (0 if it is not valid). */
STRATA_API size_t strata_field_count(const strata_field *field);

/* ---- params: how to code it ---------------------------------------------- */
typedef enum {
    STRATA_MODE_ABS = 1,      /* |error| <= bound */
    STRATA_MODE_REL = 2,      /* |error| <= bound * (max - min over valid points) */
    STRATA_MODE_LOSSLESS = 3, /* bit-exact; bound ignored */
    STRATA_MODE_RESERVED_PW_REL_ = 4, /* pointwise relative: reserved, not yet accepted */
    STRATA_MODE_PSNR = 5,     /* PSNR over valid points >= bound (dB), with
                                 PSNR = 20 log10(max - min) - 10 log10(MSE), in
                                 the fewer bytes of two methods: interpolation
                                 (method 1) or a CDF 9/7 wavelet transform
                                 (method 4, format version 2). The stream also
                                 holds an absolute bound it honours
                                 (stream_info.abs_bound): method 1's bin, or the
                                 largest error method 4's encoder measured plus a
                                 margin for other platforms' rounding. Several
                                 trial encodings: slower than ABS/REL. Not for
                                 block containers. */
} strata_mode;

/* Entropy coder of the quantization codes. Every decoder reads all of them. */
typedef enum {
    STRATA_CODER_DEFAULT = 0,   /* the library's choice (currently RANGE_CTX) */
    STRATA_CODER_HUFFMAN = 1,   /* canonical Huffman segments, then zstd: fastest */
    STRATA_CODER_RANGE = 2,     /* context-adaptive binary range coder (the default
                                   of earlier versions) */
    STRATA_CODER_RANGE_CTX = 3, /* range coder with pair-of-neighbours contexts and
                                   16-bit probabilities: smallest */
    /* 4 is the wavelet method's own coder, chosen by the library in PSNR mode. */
    STRATA_CODER_HUFFMAN_CTX = 5, /* Huffman with a table per context (the two
                                     codes before), then zstd: near HUFFMAN's
                                     speed, near RANGE_CTX's size */
    STRATA_CODER_ANS_CTX = 6,   /* rANS with a static table per context (HUFFMAN_CTX's
                                   contexts): about twice RANGE_CTX's speed and
                                   half HUFFMAN_CTX's decompression speed; its
                                   size between theirs on large fields */
} strata_coder;

typedef struct {
    size_t size;        /* sizeof(strata_params); set by strata_params_init() */
    strata_mode mode;
    double bound;       /* > 0 and finite for ABS and REL */
    int threads;        /* 0: OpenMP's default (OMP_NUM_THREADS); n > 0: at most n.
                           The stream's bytes do not depend on it. */
    strata_coder coder;
} strata_params;

/*! strata_params_init() :
 *  Sets REL mode with bound 1e-3, threads = 0 and the default coder. */
STRATA_API void strata_params_init(strata_params *params);

/* ---- stream information --------------------------------------------------- */
/* Bytes of a stream's fixed header: enough for strata_read_header() on a
 * single stream (a block container needs 128 + 8 * blocks). */
#define STRATA_HEADER_BYTES 112

typedef struct {
    unsigned format_version;
    strata_field field;       /* dtype, dims and fill value as compressed */
    strata_mode mode;
    double bound;             /* the user's bound as given */
    double abs_bound;         /* the absolute bound actually enforced (0 if lossless) */
    double valid_min, valid_max; /* value range of the valid points (0, 0 if none) */
    uint64_t raw_size;        /* bytes of the decompressed field */
    uint64_t stream_size;     /* bytes of the whole stream (header + payload) */
    unsigned method;          /* 0 stored raw, 1 multilevel interpolation, 2 lossless,
                                 3 block container (blocks > 0), 4 wavelet (PSNR mode) */
    uint64_t blocks;          /* number of blocks of a container; 0 for a single stream */
    uint64_t slab;            /* container: extent of each block along dims[0] */
} strata_stream_info;

/* ---- compression ---------------------------------------------------------- */

/*! strata_compress_bound() :
 *  @return the largest stream strata_compress() can produce for `field`: the raw
 *  size plus a small constant. A field that does not compress is stored raw.
 *  Returns 0 if `field` is invalid. */
STRATA_API size_t strata_compress_bound(const strata_field *field);

/*! strata_compress() :
 *  Compresses the points at `src` (C order, native little-endian floats of
 *  field->dtype) into `dst`, which has room for `dst_capacity` bytes.
 *  On STRATA_OK, *dst_size holds the stream's size. On any error nothing in
 *  *dst_size is meaningful and `dst` may hold partial bytes.
 *  `dst_capacity >= strata_compress_bound(field)` always suffices.
 *  @return STRATA_OK, or STRATA_ERR_INVALID_ARG (NULLs, bad dims, bound <= 0 or
 *  not finite, unknown mode or dtype), STRATA_ERR_EMPTY, STRATA_ERR_DST_TOO_SMALL,
 *  STRATA_ERR_NOMEM. */
STRATA_API strata_status strata_compress(const strata_field *field, const void *src,
                                         const strata_params *params,
                                         void *dst, size_t dst_capacity,
                                         size_t *dst_size);

/*! strata_compress_inplace() :
 *  strata_compress() that uses the field's own memory as its working memory:
 *  the same stream bytes, without the copy of the field that strata_compress()
 *  makes (for a caller that owns `data` and would drop it after compressing).
 *  `data` must be writable and is overwritten: on STRATA_OK it holds exactly the
 *  values strata_decompress() returns for the stream, bit for bit (the
 *  reconstruction; NaN, +-Inf, fill and unpredictable points as they were).
 *  ABS and REL work in place. PSNR mode (trial encodings each start from the
 *  original) and a `data` not aligned for field->dtype compress from an internal
 *  copy and then decode the stream into `data`: the same result, not the memory
 *  saving. LOSSLESS leaves `data` unchanged.
 *  @return what strata_compress() returns for the same arguments (then `data` is
 *  unchanged if the arguments were rejected, unspecified after any other error),
 *  except STRATA_ERR_UNSUPPORTED where strata_compress() would store the field
 *  raw (it does not compress: format.md, method 0): the stored stream needs the
 *  original values, already overwritten, so nothing useful is in `dst` and `data`
 *  holds the reconstruction; compress the original with strata_compress(). */
STRATA_API strata_status strata_compress_inplace(const strata_field *field, void *data,
                                                 const strata_params *params,
                                                 void *dst, size_t dst_capacity,
                                                 size_t *dst_size);

/* ---- decompression -------------------------------------------------------- */

/*! strata_read_header() :
 *  Parses and checks the header of the stream at `src` (`src_size` bytes may be
 *  only the beginning of the stream: STRATA_HEADER_BYTES suffice for a stream, 128 + 8 *
 *  blocks for a block container, which returns STRATA_ERR_TRUNCATED with fewer)
 *  without decoding.
 *  @return STRATA_OK and fills *info, or STRATA_ERR_CORRUPT / _CHECKSUM /
 *  _TRUNCATED / _VERSION / _INVALID_ARG. */
STRATA_API strata_status strata_read_header(const void *src, size_t src_size,
                                            strata_stream_info *info);

/*! strata_decompress() :
 *  Decodes the whole stream at `src` into `dst` (capacity `dst_capacity` bytes,
 *  at least info.raw_size). `src_size` may exceed the stream: bytes after
 *  info.stream_size are ignored (callers that expect none compare the two). `threads` as in strata_params (0: OpenMP default).
 *  `info` may be NULL; otherwise it receives the stream's description.
 *  The payload checksum is verified before anything is decoded.
 *  @return STRATA_OK, or an error; on error the contents of `dst` are undefined
 *  but nothing outside it is written. */
STRATA_API strata_status strata_decompress(const void *src, size_t src_size,
                                           void *dst, size_t dst_capacity,
                                           int threads, strata_stream_info *info);

/* ---- block containers -----------------------------------------------------
 * A container holds one field cut into slabs along its slowest dimension
 * (dims[0]); each slab is an independent stream, so blocks are compressed and
 * decompressed independently (by MPI ranks, threads or processes). The cut
 * depends only on the field, never on who compresses it, so the bytes are the
 * same whatever the process or thread count. strata_read_header() and
 * strata_decompress() accept a container wherever they accept a stream.
 * Layout: docs/format.md, "Block containers". */

/*! strata_block_slab() :
 *  @return the extent along dims[0] of every block of `field` (the last block
 *  may be thinner), about 2^20 points a block; 0 if `field` is invalid. */
STRATA_API size_t strata_block_slab(const strata_field *field);

/*! strata_block_count() :
 *  @return ceil(dims[0] / strata_block_slab(field)); 0 if `field` is invalid. */
STRATA_API size_t strata_block_count(const strata_field *field);

/*! strata_value_range() :
 *  Scans `count` values at `src` of field->dtype and reports the minimum and
 *  maximum of the valid points (not NaN, Inf or field's fill value) and how many
 *  are valid. With no valid point, *vmin = *vmax = 0. Partial ranges of several
 *  processes combine by min/max/sum. */
STRATA_API strata_status strata_value_range(const strata_field *field, const void *src,
                                            size_t count, double *vmin, double *vmax,
                                            uint64_t *valid);

/*! strata_block_params() :
 *  The params each block of a container is compressed with: the user's `params`
 *  resolved to an absolute bound with the whole field's valid range [vmin, vmax]
 *  (REL becomes ABS; a zero-width bound becomes LOSSLESS). *abs_bound receives the
 *  bound that the container records. */
STRATA_API strata_status strata_block_params(const strata_params *params, double vmin,
                                             double vmax, strata_params *block_params,
                                             double *abs_bound);

/*! strata_block_field() :
 *  The sub-field of block `index` (dims[0] = its slab, other dims and fill as
 *  `field`) and the index of its first point in the whole field. */
STRATA_API strata_status strata_block_field(const strata_field *field, size_t index,
                                            strata_field *block, size_t *first_point);

/*! strata_container_header_size() :
 *  @return bytes of a container's header and block index for `blocks` blocks. */
STRATA_API size_t strata_container_header_size(size_t blocks);

/*! strata_container_write_header() :
 *  Writes the header and block index of a container for `field`, compressed with
 *  the user's `params` (as given, before strata_block_params), whole-field range
 *  [vmin, vmax], and the sizes of its strata_block_count(field) block streams.
 *  The blocks follow the header, in order, with no gap.
 *  @return STRATA_OK, STRATA_ERR_INVALID_ARG or STRATA_ERR_DST_TOO_SMALL. */
STRATA_API strata_status strata_container_write_header(const strata_field *field,
                                                       const strata_params *params,
                                                       double vmin, double vmax,
                                                       const uint64_t *block_sizes,
                                                       size_t blocks, void *dst,
                                                       size_t dst_capacity);

/*! strata_compress_blocks_bound() :
 *  @return the largest container strata_compress_blocks() can produce for
 *  `field` (0 if `field` is invalid). */
STRATA_API size_t strata_compress_blocks_bound(const strata_field *field);

/*! strata_compress_blocks() :
 *  Compresses `field` into a container in one process, the blocks in parallel
 *  over params->threads. Same bytes as any distributed writer that follows the
 *  calls above. `dst_capacity >= strata_compress_blocks_bound(field)` suffices. */
STRATA_API strata_status strata_compress_blocks(const strata_field *field, const void *src,
                                                const strata_params *params, void *dst,
                                                size_t dst_capacity, size_t *dst_size);

#ifdef __cplusplus
}
#endif
#endif /* STRATA_H */
