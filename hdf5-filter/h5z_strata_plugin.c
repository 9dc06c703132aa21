/*
 * h5z_strata_plugin.c - the Strata HDF5 filter (ID 41217), a dynamically loaded plugin.
 *
 * HDF5 calls, per dataset and per chunk:
 *   can_apply  (dataset creation)  float32/float64 little-endian, <= 4 chunk dims > 1
 *   set_local  (dataset creation)  appends dtype, fill value and chunk shape to the
 *                                  user's cd_values (layout: h5z_strata.h)
 *   filter     (each chunk)        compresses a whole chunk (edge chunks arrive padded
 *                                  to full size), or decodes one
 * Every failure pushes an HDF5 error naming the cause and returns the failure value
 * HDF5 expects (0 from the filter, leaving *buf as it was); nothing here aborts.
 * All HDF5 calls go through h5zs_hdf5 (h5z_strata_hdf5.h); libstrata is linked in
 * statically, so HDF5_PLUGIN_PATH is all a user needs.
 */
#include "h5z_strata.h"
#include "h5z_strata_hdf5.h"

#include <H5PLextern.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

#define H5ZS_API h5zs_hdf5

/* ---- errors -------------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void push_error(const char *func, unsigned line, hid_t minor, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    H5ZS_API.H5Epush2(H5E_DEFAULT, __FILE__, func, line, *H5ZS_API.H5E_ERR_CLS_g,
                      *H5ZS_API.H5E_PLINE_g, minor, "Strata filter (%d): %s",
                      H5Z_FILTER_STRATA, msg);
}
#define H5ZS_ERROR(minor_g, ...) push_error(__func__, __LINE__, *H5ZS_API.minor_g, __VA_ARGS__)

/* ---- dataset properties -------------------------------------------------------- */

/* @return STRATA_FLOAT32 / STRATA_FLOAT64 for IEEE little-endian floats, else 0. */
static int dtype_of(hid_t type)
{
    if (H5ZS_API.H5Tget_class(type) != H5T_FLOAT) return 0;
    if (H5ZS_API.H5Tequal(type, *H5ZS_API.H5T_IEEE_F32LE_g) > 0) return STRATA_FLOAT32;
    if (H5ZS_API.H5Tequal(type, *H5ZS_API.H5T_IEEE_F64LE_g) > 0) return STRATA_FLOAT64;
    return 0;
}

/* Reads the chunk shape of `dcpl` without its dimensions of size 1 (they do not change
 * the order of the points). @return 1 and sets *ndims/dims; 0 (error pushed) when the
 * dataset is not chunked or has more than STRATA_MAX_DIMS dimensions larger than 1. */
static int chunk_shape(hid_t dcpl, unsigned *ndims, size_t dims[STRATA_MAX_DIMS])
{
    hsize_t d[H5S_MAX_RANK];
    const int rank = H5ZS_API.H5Pget_chunk(dcpl, H5S_MAX_RANK, d);
    if (rank <= 0) {
        H5ZS_ERROR(H5E_CANTINIT_g, "cannot read the chunk shape (is the dataset chunked?)");
        return 0;
    }
    unsigned n = 0;
    for (int i = 0; i < rank; i++) {
        if (d[i] == 1) continue;
        if (n == STRATA_MAX_DIMS) {
            H5ZS_ERROR(H5E_BADVALUE_g,
                       "chunks may have at most %d dimensions larger than 1; this one has more",
                       STRATA_MAX_DIMS);
            return 0;
        }
        dims[n++] = (size_t)d[i];
    }
    if (n == 0) dims[n++] = 1; /* a one-point chunk */
    *ndims = n;
    return 1;
}

/* ---- cd_values ------------------------------------------------------------------ */

/* Everything the filter function needs, from the stored cd_values. */
typedef struct {
    strata_mode mode;
    double bound;         /* 0 for lossless */
    strata_field field;   /* dtype, chunk shape, fill value */
    size_t chunk_bytes;   /* bytes of one chunk */
} h5zs_setup;

/* What the user asked for: cd_values[0..2], and [3..4] in the 5-value form. */
typedef struct {
    strata_mode mode;
    double bound;   /* 0 for lossless */
    int has_fill;   /* a fill value was given in the parameters */
    double fill;
} h5zs_user;

/* Reads the bits of a double at cd[0..1] into *v. @return 1 if finite. */
static int read_finite(const unsigned cd[2], double *v)
{
    *v = H5Z_strata_unpack_double(cd);
    return isfinite(*v);
}

/* Reads the user's parameters in any of their forms (h5z_strata.h): none, 1 (mode),
 * 3 (mode, bound), 5 (mode, bound, fill), or the stored form (>= 10 values) that
 * set_local wrote, when HDF5 or nccopy copy a filtered dataset into a new one.
 * @return 1, or 0 with `why` filled. */
static int parse_user(size_t n, const unsigned cd[], h5zs_user *u, char *why, size_t why_size)
{
    memset(u, 0, sizeof *u);
    u->mode = STRATA_MODE_LOSSLESS;
    if (n == 0) return 1; /* no parameters: lossless, never lose data silently */
    const int stored = n > H5Z_STRATA_CD_NDIMS;
    if (n != 1 && n != 3 && n != 5 && !stored) {
        snprintf(why, why_size, "%zu parameters given; expected mode, bound (2 values, low 32 "
                 "bits first), optionally a fill value (2 values): 1, 3 or 5 values", n);
        return 0;
    }
    const unsigned mode = cd[H5Z_STRATA_CD_MODE];
    if (mode != H5Z_STRATA_MODE_ABS && mode != H5Z_STRATA_MODE_REL
        && mode != H5Z_STRATA_MODE_LOSSLESS) {
        snprintf(why, why_size, "unknown mode %u (1 absolute, 2 relative, 3 lossless)", mode);
        return 0;
    }
    if (mode != H5Z_STRATA_MODE_LOSSLESS) {
        if (n < 3) {
            snprintf(why, why_size, "mode %u needs a bound (2 more values: the double's low "
                     "and high 32 bits)", mode);
            return 0;
        }
        u->mode = mode == H5Z_STRATA_MODE_ABS ? STRATA_MODE_ABS : STRATA_MODE_REL;
        if (!read_finite(cd + H5Z_STRATA_CD_BOUND, &u->bound) || !(u->bound > 0)) {
            snprintf(why, why_size, "the bound must be > 0 and finite, not %g (packed low "
                     "32 bits first)", u->bound);
            return 0;
        }
    }
    if (n == 5) {
        /* A NaN or infinite fill value needs no declaring: those are always exact. */
        u->has_fill = read_finite(cd + H5Z_STRATA_CD_USER_FILL, &u->fill);
    } else if (stored && cd[H5Z_STRATA_CD_VERSION] == H5Z_STRATA_CD_LAYOUT_VERSION
               && (cd[H5Z_STRATA_CD_FLAGS] & H5Z_STRATA_CD_FLAG_FILL)) {
        u->has_fill = read_finite(cd + H5Z_STRATA_CD_FILL, &u->fill);
    }
    return 1;
}

/* Reads the full layout that set_local wrote. @return 1, or 0 with `why` filled. */
static int parse_local(size_t n, const unsigned cd[], h5zs_setup *s, char *why, size_t why_size)
{
    if (n <= H5Z_STRATA_CD_NDIMS) {
        snprintf(why, why_size, "%zu filter parameters: set_local did not run", n);
        return 0;
    }
    if (cd[H5Z_STRATA_CD_VERSION] != H5Z_STRATA_CD_LAYOUT_VERSION) {
        snprintf(why, why_size, "parameter layout version %u is not known to this plugin "
                 "(it knows 1); upgrade the plugin", cd[H5Z_STRATA_CD_VERSION]);
        return 0;
    }
    h5zs_user u;
    if (!parse_user(n, cd, &u, why, why_size)) return 0;
    s->mode = u.mode;
    s->bound = u.bound;
    const unsigned dtype = cd[H5Z_STRATA_CD_DTYPE], nd = cd[H5Z_STRATA_CD_NDIMS];
    if ((dtype != STRATA_FLOAT32 && dtype != STRATA_FLOAT64) || nd < 1 || nd > STRATA_MAX_DIMS
        || n != H5Z_STRATA_CD_DIMS + nd || (cd[H5Z_STRATA_CD_FLAGS] & ~H5Z_STRATA_CD_FLAG_FILL)) {
        snprintf(why, why_size, "malformed filter parameters (dtype %u, ndims %u, %zu values)",
                 dtype, nd, n);
        return 0;
    }
    size_t dims[STRATA_MAX_DIMS];
    for (unsigned i = 0; i < nd; i++) dims[i] = cd[H5Z_STRATA_CD_DIMS + i];
    strata_field_init(&s->field, (strata_dtype)dtype, nd, dims);
    s->field.has_fill = (cd[H5Z_STRATA_CD_FLAGS] & H5Z_STRATA_CD_FLAG_FILL) != 0;
    s->field.fill_value = s->field.has_fill ? H5Z_strata_unpack_double(cd + H5Z_STRATA_CD_FILL) : 0;
    const size_t count = strata_field_count(&s->field);
    const size_t w = dtype == STRATA_FLOAT32 ? 4 : 8;
    if (count == 0 || count > SIZE_MAX / w) {
        snprintf(why, why_size, "malformed chunk shape in the filter parameters");
        return 0;
    }
    s->chunk_bytes = count * w;
    return 1;
}

/* ---- HDF5 callbacks ------------------------------------------------------------ */

static htri_t can_apply(hid_t dcpl, hid_t type, hid_t space)
{
    (void)space;
    if (!dtype_of(type)) {
        H5ZS_ERROR(H5E_BADTYPE_g,
                   "the dataset's datatype must be IEEE float32 or float64, little-endian "
                   "(H5T_IEEE_F32LE, H5T_IEEE_F64LE, or the native float/double); "
                   "this one is not (class %d, %zu bytes)",
                   (int)H5ZS_API.H5Tget_class(type), H5ZS_API.H5Tget_size(type));
        return 0;
    }
    unsigned nd;
    size_t dims[STRATA_MAX_DIMS];
    return chunk_shape(dcpl, &nd, dims) ? 1 : 0;
}

static herr_t set_local(hid_t dcpl, hid_t type, hid_t space)
{
    (void)space;
    unsigned flags = 0, config = 0, cd[H5Z_STRATA_CD_MAX] = {0};
    size_t n = H5Z_STRATA_CD_MAX;
    char name[16], why[200];
    if (H5ZS_API.H5Pget_filter_by_id2(dcpl, H5Z_FILTER_STRATA, &flags, &n, cd, sizeof name,
                                      name, &config) < 0) {
        H5ZS_ERROR(H5E_CANTINIT_g, "cannot read the filter's parameters");
        return -1;
    }
    h5zs_user u;
    if (!parse_user(n, cd, &u, why, sizeof why)) {
        H5ZS_ERROR(H5E_BADVALUE_g, "%s", why);
        return -1;
    }
    /* HDF5 calls set_local even when can_apply said no, for an optional filter: then
     * the parameters stay incomplete, the filter fails on each chunk and HDF5 stores
     * the chunks unfiltered, as "optional" means. */
    const int dtype = dtype_of(type);
    unsigned nd;
    size_t dims[STRATA_MAX_DIMS];
    if (!dtype || !chunk_shape(dcpl, &nd, dims)) {
        if (flags & H5Z_FLAG_OPTIONAL) return 0;
        if (!dtype) H5ZS_ERROR(H5E_BADTYPE_g, "the datatype is not float32 or float64");
        return -1;
    }

    /* The fill value: one given in the parameters, else the dataset's (netCDF's
     * _FillValue when fill mode is on), else none. Only a declared one: HDF5's implicit
     * default of 0 is a value like any other. NaN and Inf are always kept exact. */
    int has_fill = u.has_fill;
    double fill = u.fill;
    H5D_fill_value_t defined;
    if (!has_fill) {
        if (H5ZS_API.H5Pfill_value_defined(dcpl, &defined) < 0) {
            H5ZS_ERROR(H5E_CANTINIT_g, "cannot read the dataset's fill value");
            return -1;
        }
        if (defined == H5D_FILL_VALUE_USER_DEFINED) {
            float f32 = 0;
            herr_t st = dtype == STRATA_FLOAT32
                ? H5ZS_API.H5Pget_fill_value(dcpl, *H5ZS_API.H5T_NATIVE_FLOAT_g, &f32)
                : H5ZS_API.H5Pget_fill_value(dcpl, *H5ZS_API.H5T_NATIVE_DOUBLE_g, &fill);
            if (st < 0) {
                H5ZS_ERROR(H5E_CANTINIT_g, "cannot read the dataset's fill value");
                return -1;
            }
            if (dtype == STRATA_FLOAT32) fill = f32;
            has_fill = isfinite(fill);
        }
    }
    if (has_fill && dtype == STRATA_FLOAT32) { /* as the float32 data will hold it */
        has_fill = fabs(fill) <= FLT_MAX;
        fill = has_fill ? (double)(float)fill : 0;
    }

    unsigned out[H5Z_STRATA_CD_MAX] = {0};
    out[H5Z_STRATA_CD_MODE] = u.mode == STRATA_MODE_ABS   ? H5Z_STRATA_MODE_ABS
                              : u.mode == STRATA_MODE_REL ? H5Z_STRATA_MODE_REL
                                                          : H5Z_STRATA_MODE_LOSSLESS;
    H5Z_strata_pack_double(u.bound, out + H5Z_STRATA_CD_BOUND);
    out[H5Z_STRATA_CD_VERSION] = H5Z_STRATA_CD_LAYOUT_VERSION;
    out[H5Z_STRATA_CD_DTYPE] = (unsigned)dtype;
    out[H5Z_STRATA_CD_FLAGS] = has_fill ? H5Z_STRATA_CD_FLAG_FILL : 0;
    H5Z_strata_pack_double(has_fill ? fill : 0.0, out + H5Z_STRATA_CD_FILL);
    out[H5Z_STRATA_CD_NDIMS] = nd;
    for (unsigned i = 0; i < nd; i++) out[H5Z_STRATA_CD_DIMS + i] = (unsigned)dims[i];
    if (H5ZS_API.H5Pmodify_filter(dcpl, H5Z_FILTER_STRATA, flags, H5Z_STRATA_CD_DIMS + nd, out) < 0) {
        H5ZS_ERROR(H5E_CANTINIT_g, "cannot store the filter's parameters");
        return -1;
    }
    return 0;
}

/* Threads per chunk: 1 unless STRATA_THREADS says otherwise (0: OpenMP's default).
 * Read at every call, so a program may change it between writes. */
static int filter_threads(void)
{
    const char *s = getenv("STRATA_THREADS");
    if (!s || !*s) return 1;
    char *end;
    const long v = strtol(s, &end, 10);
    return *end == '\0' && v >= 0 && v <= 4096 ? (int)v : 1;
}

static size_t encode_chunk(const h5zs_setup *s, size_t nbytes, size_t *buf_size, void **buf)
{
    if (nbytes != s->chunk_bytes) {
        H5ZS_ERROR(H5E_CANTFILTER_g, "got %zu bytes to compress; a chunk holds %zu", nbytes,
                   s->chunk_bytes);
        return 0;
    }
    strata_params p;
    strata_params_init(&p);
    p.mode = s->mode;
    p.bound = s->bound;
    p.threads = filter_threads();
    const size_t cap = strata_compress_bound(&s->field);
    void *out = cap ? H5ZS_API.H5allocate_memory(cap, 0) : NULL;
    if (!out) {
        H5ZS_ERROR(H5E_NOSPACE_g, "cannot allocate %zu bytes", cap);
        return 0;
    }
    size_t size = 0;
    const strata_status st = strata_compress(&s->field, *buf, &p, out, cap, &size);
    if (st != STRATA_OK) {
        H5ZS_API.H5free_memory(out);
        H5ZS_ERROR(H5E_CANTFILTER_g, "compression failed: %s", strata_status_string(st));
        return 0;
    }
    H5ZS_API.H5free_memory(*buf);
    *buf = out;
    *buf_size = cap;
    return size;
}

static size_t decode_chunk(const h5zs_setup *s, size_t nbytes, size_t *buf_size, void **buf)
{
    strata_stream_info info;
    strata_status st = strata_read_header(*buf, nbytes, &info);
    if (st != STRATA_OK) {
        H5ZS_ERROR(H5E_CANTFILTER_g, "cannot read the chunk's stream (%zu bytes): %s", nbytes,
                   strata_status_string(st));
        return 0;
    }
    /* The stream describes itself; only its byte size has to match the chunk's. */
    if (info.raw_size != (uint64_t)s->chunk_bytes || info.field.dtype != s->field.dtype) {
        H5ZS_ERROR(H5E_CANTFILTER_g,
                   "the chunk's stream decodes to %llu bytes of %s; the dataset's chunk holds "
                   "%zu bytes of %s",
                   (unsigned long long)info.raw_size,
                   info.field.dtype == STRATA_FLOAT32 ? "float32" : "float64", s->chunk_bytes,
                   s->field.dtype == STRATA_FLOAT32 ? "float32" : "float64");
        return 0;
    }
    void *out = H5ZS_API.H5allocate_memory(s->chunk_bytes, 0);
    if (!out) {
        H5ZS_ERROR(H5E_NOSPACE_g, "cannot allocate %zu bytes", s->chunk_bytes);
        return 0;
    }
    st = strata_decompress(*buf, nbytes, out, s->chunk_bytes, filter_threads(), NULL);
    if (st != STRATA_OK) {
        H5ZS_API.H5free_memory(out);
        H5ZS_ERROR(H5E_CANTFILTER_g, "cannot decode the chunk: %s", strata_status_string(st));
        return 0;
    }
    H5ZS_API.H5free_memory(*buf);
    *buf = out;
    *buf_size = s->chunk_bytes;
    return s->chunk_bytes;
}

static size_t filter(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                     size_t *buf_size, void **buf)
{
    h5zs_setup s;
    char why[200];
    if (!parse_local(cd_nelmts, cd_values, &s, why, sizeof why)) {
        H5ZS_ERROR(H5E_BADVALUE_g, "%s", why);
        return 0;
    }
    return (flags & H5Z_FLAG_REVERSE) ? decode_chunk(&s, nbytes, buf_size, buf)
                                      : encode_chunk(&s, nbytes, buf_size, buf);
}

/* ---- plugin entry points ------------------------------------------------------- */

static const H5Z_class2_t h5z_strata_class = {
    H5Z_CLASS_T_VERS, H5Z_FILTER_STRATA, 1, 1, H5Z_STRATA_NAME, can_apply, set_local, filter,
};

H5PL_type_t H5PLget_plugin_type(void)
{
    return H5PL_TYPE_FILTER;
}

const void *H5PLget_plugin_info(void)
{
    /* The caller is the HDF5 library loading us: bind to that one. NULL makes HDF5
     * report that the plugin could not be loaded. */
    if (!h5zs_hdf5_bind(__builtin_return_address(0))) return NULL;
    return &h5z_strata_class;
}
