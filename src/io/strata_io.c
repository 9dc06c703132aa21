/* strata_io.c - netCDF variables and HDF5 datasets as Strata inputs: metadata
 * (dtype, shape, fill value) and hyperslab reads of rows along dims[0]. One
 * implementation for the strata tool and the strata-mpi driver. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef STRATA_HAVE_NETCDF
#include <netcdf.h>
#endif
#ifdef STRATA_HAVE_HDF5
#include <hdf5.h>
#endif
#include "strata_io.h"

/* Ranks beyond STRATA_MAX_DIMS that an input may have: leading dimensions of
 * length 1 are squeezed away. */
#define MAX_FILE_RANK 64

int sio_have_netcdf(void)
{
#ifdef STRATA_HAVE_NETCDF
    return 1;
#else
    return 0;
#endif
}

int sio_have_hdf5(void)
{
#ifdef STRATA_HAVE_HDF5
    return 1;
#else
    return 0;
#endif
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(char *err, size_t n, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *dtype_name(strata_dtype t)
{
    return t == STRATA_FLOAT32 ? "f32" : t == STRATA_FLOAT64 ? "f64" : "unknown";
}

void sio_format_dims(char *buf, size_t cap, unsigned ndims, const size_t *dims)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < ndims && pos < cap; i++) {
        int k = snprintf(buf + pos, cap - pos, "%s%zu", i ? "x" : "", dims[i]);
        if (k < 0) break;
        pos += (size_t)k;
    }
}

int sio_set_fill(strata_field *f, double v, const char *origin, char *err, size_t n)
{
    if (!isfinite(v)) {
        f->has_fill = 0;
        return 0;
    }
    if (f->dtype == STRATA_FLOAT32 && fabs(v) > FLT_MAX)
        return fail(err, n, SIO_ERROR, "fill value %.9g (%s) does not fit in float32", v, origin);
    f->has_fill = 1;
    f->fill_value = f->dtype == STRATA_FLOAT32 ? (double)(float)v : v;
    return 0;
}

/* Dims equal once leading 1s are ignored on both sides. */
static int same_dims(unsigned na, const size_t *a, unsigned nb, const size_t *b)
{
    while (na > 1 && a[0] == 1) { a++; na--; }
    while (nb > 1 && b[0] == 1) { b++; nb--; }
    if (na != nb) return 0;
    for (unsigned i = 0; i < na; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

int sio_check_options(const strata_field *f, int has_dtype, strata_dtype dtype, unsigned ndims,
                      const size_t *dims, const char *what, char *err, size_t n)
{
    if (has_dtype && dtype != f->dtype)
        return fail(err, n, SIO_ERROR, "-t %s does not match %s, which holds %s values",
                    dtype_name(dtype), what, dtype_name(f->dtype));
    if (ndims && !same_dims(ndims, dims, f->ndims, f->dims)) {
        char want[128], have[128];
        sio_format_dims(want, sizeof want, ndims, dims);
        sio_format_dims(have, sizeof have, f->ndims, f->dims);
        return fail(err, n, SIO_ERROR, "-d %s does not match the dimensions of %s (%s)", want,
                    what, have);
    }
    return 0;
}

int sio_spec_is_raw(const char *spec)
{
    struct stat st;
    return stat(spec, &st) == 0;
}

#if defined(STRATA_HAVE_NETCDF) || defined(STRATA_HAVE_HDF5)
/* Squeezes leading dimensions of length 1 until at most STRATA_MAX_DIMS remain and
 * sets in->field.ndims/dims, in->rows and in->file_rank. */
static int set_shape(sio_input *in, const size_t *dims, int rank, const char *what, char *err,
                     size_t n)
{
    char buf[256];
    int first = 0;
    if (rank < 1)
        return fail(err, n, SIO_ERROR, "%s is a scalar; strata needs 1 to %d dimensions", what,
                    STRATA_MAX_DIMS);
    while (rank - first > STRATA_MAX_DIMS && dims[first] == 1) first++;
    if (rank - first > STRATA_MAX_DIMS) {
        sio_format_dims(buf, sizeof buf, (unsigned)rank, dims);
        return fail(err, n, SIO_ERROR, "%s has %d dimensions (%s); strata handles at most %d "
                    "(only leading dimensions of length 1 can be dropped)",
                    what, rank, buf, STRATA_MAX_DIMS);
    }
    for (int i = first; i < rank; i++) {
        if (dims[i] == 0) {
            sio_format_dims(buf, sizeof buf, (unsigned)rank, dims);
            return fail(err, n, SIO_ERROR, "%s has no points (dimensions %s)", what, buf);
        }
    }
    in->field.ndims = (unsigned)(rank - first);
    for (int i = 0; i < STRATA_MAX_DIMS; i++)
        in->field.dims[i] = i < rank - first ? dims[first + i] : 0;
    in->rows = in->field.dims[0];
    in->file_rank = rank;
    return 0;
}

/* The hyperslab of rows [r0, r0 + rn) in the file's own rank: the dropped leading
 * dimensions get index 0, count 1. Returns the number of points. */
static size_t row_slab(const sio_input *in, size_t r0, size_t rn, size_t *start, size_t *count)
{
    const int lead = in->file_rank - (int)in->field.ndims;
    size_t total = 1;
    for (int i = 0; i < in->file_rank; i++) {
        start[i] = 0;
        count[i] = i < lead ? 1 : in->field.dims[i - lead];
    }
    start[lead] = r0;
    count[lead] = rn;
    for (int i = 0; i < in->file_rank; i++) total *= count[i];
    return total;
}
#endif

/* ---- netCDF ---------------------------------------------------------------------- */
#ifdef STRATA_HAVE_NETCDF

static const char *nc_type_name(nc_type t)
{
    switch (t) {
    case NC_BYTE: return "byte";
    case NC_CHAR: return "char";
    case NC_SHORT: return "short";
    case NC_INT: return "int";
    case NC_FLOAT: return "float";
    case NC_DOUBLE: return "double";
    case NC_UBYTE: return "ubyte";
    case NC_USHORT: return "ushort";
    case NC_UINT: return "uint";
    case NC_INT64: return "int64";
    case NC_UINT64: return "uint64";
    case NC_STRING: return "string";
    default: return "a user-defined type";
    }
}

/* The fill value from _FillValue, else the first missing_value, as the variable's type. */
static int nc_fill(sio_input *in, int grp, const char *what, char *err, size_t n)
{
    static const char *const names[] = { "_FillValue", "missing_value" };
    strata_field *f = &in->field;
    for (int i = 0; i < 2; i++) {
        size_t len;
        nc_type at;
        if (nc_inq_att(grp, in->varid, names[i], &at, &len) != NC_NOERR || len == 0) continue;
        if (at == NC_CHAR || at == NC_STRING) continue;
        double *v = malloc(len * sizeof *v);
        if (!v) return fail(err, n, SIO_ERROR, "out of memory");
        int st;
        if (f->dtype == STRATA_FLOAT32) {
            float *fv = malloc(len * sizeof *fv);
            st = fv ? nc_get_att_float(grp, in->varid, names[i], fv) : NC_ENOMEM;
            if (fv && st == NC_NOERR) v[0] = fv[0];
            free(fv);
        } else {
            st = nc_get_att_double(grp, in->varid, names[i], v);
        }
        double fill = v[0];
        free(v);
        if (st != NC_NOERR)
            return fail(err, n, SIO_ERROR, "cannot read %s of %s as %s: %s", names[i], what,
                        dtype_name(f->dtype), nc_strerror(st));
        if (len > 1)
            snprintf(in->warning, sizeof in->warning, "%s of %s has %zu values; using the first (%.9g)",
                     names[i], what, len, fill);
        return sio_set_fill(f, fill, names[i], err, n);
    }
    return 0;
}

/* VAR may be "group/sub/var" in a netCDF-4 file. */
static int nc_locate(int ncid, const char *name, int *grp, int *varid)
{
    const char *slash = strrchr(name, '/');
    *grp = ncid;
    if (slash) {
        char path[1024];
        int k = snprintf(path, sizeof path, "/%.*s", (int)(slash - name), name);
        if (k < 0 || (size_t)k >= sizeof path) return NC_ENOTVAR;
        int st = nc_inq_grp_full_ncid(ncid, path, grp);
        if (st != NC_NOERR) return st;
        name = slash + 1;
    }
    return nc_inq_varid(*grp, name, varid);
}

static int nc_open_var(sio_input *in, const char *what, char *err, size_t n)
{
    int ncid, grp, rank, st = nc_open(in->file, NC_NOWRITE, &ncid);
    if (st != NC_NOERR)
        return fail(err, n, SIO_ERROR, "cannot open '%s' as netCDF: %s", in->file, nc_strerror(st));
    in->h_file = ncid;
    nc_type type;
    int dimids[NC_MAX_VAR_DIMS];
    size_t dims[MAX_FILE_RANK];
    st = nc_locate(ncid, in->name, &grp, &in->varid);
    if (st != NC_NOERR)
        return fail(err, n, SIO_ERROR, "'%s' has no variable '%s' (%s)", in->file, in->name,
                    nc_strerror(st));
    in->h_obj = grp;
    st = nc_inq_var(grp, in->varid, NULL, &type, &rank, NULL, NULL);
    if (st == NC_NOERR && rank > MAX_FILE_RANK) st = NC_EMAXDIMS;
    if (st == NC_NOERR) st = nc_inq_vardimid(grp, in->varid, dimids);
    for (int i = 0; st == NC_NOERR && i < rank; i++) st = nc_inq_dimlen(grp, dimids[i], &dims[i]);
    if (st != NC_NOERR) return fail(err, n, SIO_ERROR, "cannot inquire %s: %s", what, nc_strerror(st));
    if (type != NC_FLOAT && type != NC_DOUBLE)
        return fail(err, n, SIO_ERROR,
                    "%s holds %s values; strata compresses only float and double variables", what,
                    nc_type_name(type));
    strata_field_init(&in->field, type == NC_FLOAT ? STRATA_FLOAT32 : STRATA_FLOAT64, 0, NULL);
    if (set_shape(in, dims, rank, what, err, n)) return SIO_ERROR;
    return nc_fill(in, grp, what, err, n);
}

static int nc_read(const sio_input *in, size_t r0, size_t rn, void *dst)
{
    size_t start[MAX_FILE_RANK], count[MAX_FILE_RANK];
    row_slab(in, r0, rn, start, count);
    const int grp = (int)in->h_obj;
    return in->field.dtype == STRATA_FLOAT32
               ? nc_get_vara_float(grp, in->varid, start, count, dst)
               : nc_get_vara_double(grp, in->varid, start, count, dst);
}
#endif /* STRATA_HAVE_NETCDF */

/* ---- HDF5 ------------------------------------------------------------------------ */
#ifdef STRATA_HAVE_HDF5

static int h5_fill(sio_input *in, hid_t dset, const char *what, char *err, size_t n)
{
    hid_t dcpl = H5Dget_create_plist(dset);
    if (dcpl < 0) return 0;
    H5D_fill_value_t defined;
    int rc = 0;
    if (H5Pfill_value_defined(dcpl, &defined) >= 0 && defined == H5D_FILL_VALUE_USER_DEFINED) {
        double v = 0;
        float fv = 0;
        const int f32 = in->field.dtype == STRATA_FLOAT32;
        if (H5Pget_fill_value(dcpl, f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE,
                              f32 ? (void *)&fv : (void *)&v) < 0)
            rc = fail(err, n, SIO_ERROR, "cannot read the fill value of %s", what);
        else
            rc = sio_set_fill(&in->field, f32 ? (double)fv : v, "HDF5 fill value", err, n);
    }
    H5Pclose(dcpl);
    return rc;
}

static int h5_open_dset(sio_input *in, const char *what, char *err, size_t n)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* the callers print their own messages */
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_hdf5 = H5Fis_accessible(in->file, H5P_DEFAULT);
#else
    htri_t is_hdf5 = H5Fis_hdf5(in->file);
#endif
    if (is_hdf5 <= 0) return fail(err, n, SIO_ERROR, "'%s' is not an HDF5 file", in->file);
    hid_t fid = H5Fopen(in->file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) return fail(err, n, SIO_ERROR, "cannot open '%s' as HDF5", in->file);
    in->h_file = fid;
    hid_t dset = H5Dopen2(fid, in->name, H5P_DEFAULT);
    if (dset < 0) return fail(err, n, SIO_ERROR, "'%s' has no dataset '%s'", in->file, in->name);
    in->h_obj = dset;
    int rc = SIO_ERROR;
    hid_t ftype = H5Dget_type(dset), space = H5Dget_space(dset);
    hsize_t hdims[H5S_MAX_RANK];
    size_t dims[H5S_MAX_RANK];
    if (ftype < 0 || space < 0) {
        fail(err, n, rc, "cannot inquire %s", what);
        goto done;
    }
    size_t tsize = H5Tget_size(ftype);
    H5T_class_t tclass = H5Tget_class(ftype);
    if (tclass != H5T_FLOAT || (tsize != 4 && tsize != 8)) {
        fail(err, n, rc, "%s holds %zu-byte %s values; strata compresses only 4- and 8-byte floats",
             what, tsize, tclass == H5T_FLOAT ? "float" : tclass == H5T_INTEGER ? "integer"
             : tclass == H5T_STRING ? "string" : "non-numeric");
        goto done;
    }
    strata_field_init(&in->field, tsize == 4 ? STRATA_FLOAT32 : STRATA_FLOAT64, 0, NULL);
    int rank = H5Sget_simple_extent_dims(space, hdims, NULL);
    if (rank < 0 || rank > MAX_FILE_RANK) {
        fail(err, n, rc, "%s does not have a simple dataspace", what);
        goto done;
    }
    for (int i = 0; i < rank; i++) dims[i] = (size_t)hdims[i];
    if (set_shape(in, dims, rank, what, err, n) || h5_fill(in, dset, what, err, n)) goto done;
    rc = 0;
done:
    if (space >= 0) H5Sclose(space);
    if (ftype >= 0) H5Tclose(ftype);
    return rc;
}

/* 0 on success, -1 on failure. */
static int h5_read(const sio_input *in, size_t r0, size_t rn, void *dst)
{
    const hid_t dset = (hid_t)in->h_obj;
    size_t start[MAX_FILE_RANK], count[MAX_FILE_RANK];
    hsize_t hstart[MAX_FILE_RANK], hcount[MAX_FILE_RANK];
    hsize_t total = (hsize_t)row_slab(in, r0, rn, start, count);
    for (int i = 0; i < in->file_rank; i++) {
        hstart[i] = (hsize_t)start[i];
        hcount[i] = (hsize_t)count[i];
    }
    hid_t fspace = H5Dget_space(dset), mspace = -1;
    int ok = fspace >= 0 && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, hstart, NULL, hcount, NULL) >= 0;
    if (ok) mspace = H5Screate_simple(1, &total, NULL);
    ok = ok && mspace >= 0 &&
         H5Dread(dset, in->field.dtype == STRATA_FLOAT32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE,
                 mspace, fspace, H5P_DEFAULT, dst) >= 0;
    if (mspace >= 0) H5Sclose(mspace);
    if (fspace >= 0) H5Sclose(fspace);
    return ok ? 0 : -1;
}
#endif /* STRATA_HAVE_HDF5 */

/* ---- spec, open, read, close ------------------------------------------------------ */

/* "netCDF variable 'VAR' of 'FILE'" / "HDF5 dataset '/PATH' of 'FILE'", for messages. */
static void describe(const sio_input *in, char *what, size_t cap)
{
    snprintf(what, cap, "%s '%s' of '%s'", in->kind == SIO_HDF5 ? "HDF5 dataset" : "netCDF variable",
             in->name, in->file);
}

int sio_open(const char *spec, sio_input *in, char *err, size_t n)
{
    memset(in, 0, sizeof *in);
    in->h_file = in->h_obj = -1;
    const char *colon = strrchr(spec, ':');
    if (!colon) return fail(err, n, SIO_ERROR, "cannot open '%s': %s", spec, strerror(ENOENT));
    const size_t flen = (size_t)(colon - spec), total = strlen(spec);
    in->file = malloc(total + 1);
    if (!in->file) return fail(err, n, SIO_ERROR, "out of memory");
    memcpy(in->file, spec, total + 1);
    in->file[flen] = '\0';
    in->name = in->file + flen + 1;
    const int hdf5 = in->name[0] == '/';
    in->kind = hdf5 ? SIO_HDF5 : SIO_NETCDF;
    struct stat st;
    if (flen == 0 || stat(in->file, &st) != 0) {
        const char *why = strerror(flen ? errno : ENOENT);
        if (flen)
            return fail(err, n, SIO_ERROR, "cannot open '%s' (-i '%s' read as FILE:%s): %s", in->file,
                        spec, hdf5 ? "/DATASET" : "VAR", why);
        return fail(err, n, SIO_ERROR, "cannot open '%s': %s", spec, why);
    }
    if (!in->name[0] || (hdf5 && !in->name[1]))
        return fail(err, n, SIO_USAGE, "'%s' names no %s after ':'", spec, hdf5 ? "dataset" : "variable");
    char what[1200];
    describe(in, what, sizeof what);
    if (hdf5) {
#ifdef STRATA_HAVE_HDF5
        return h5_open_dset(in, what, err, n);
#else
        return fail(err, n, SIO_ERROR,
                    "'%s' names an HDF5 dataset, but this strata was not built with HDF5 support", spec);
#endif
    }
#ifdef STRATA_HAVE_NETCDF
    return nc_open_var(in, what, err, n);
#else
    return fail(err, n, SIO_ERROR,
                "'%s' names a netCDF variable, but this strata was not built with netCDF support", spec);
#endif
}

int sio_read_rows(const sio_input *in, size_t r0, size_t rn, void *dst, char *err, size_t n)
{
    if (r0 > in->rows || rn > in->rows - r0)
        return fail(err, n, SIO_ERROR, "rows %zu..%zu are outside the %zu rows of '%s:%s'", r0,
                    r0 + rn - 1, in->rows, in->file, in->name);
    if (rn == 0) return 0;
    (void)dst; /* unused in a build without netCDF and HDF5 */
    char what[1200];
    describe(in, what, sizeof what);
    char part[1300];
    if (r0 == 0 && rn == in->rows) snprintf(part, sizeof part, "%s", what);
    else snprintf(part, sizeof part, "rows %zu..%zu of %s", r0, r0 + rn - 1, what);
    switch (in->kind) {
#ifdef STRATA_HAVE_NETCDF
    case SIO_NETCDF: {
        int st = in->h_obj >= 0 ? nc_read(in, r0, rn, dst) : NC_EBADID;
        if (st != NC_NOERR) return fail(err, n, SIO_ERROR, "cannot read %s: %s", part, nc_strerror(st));
        return 0;
    }
#endif
#ifdef STRATA_HAVE_HDF5
    case SIO_HDF5:
        if (in->h_obj < 0 || h5_read(in, r0, rn, dst))
            return fail(err, n, SIO_ERROR, "cannot read %s (a filter it needs may be missing)", part);
        return 0;
#endif
    default:
        return fail(err, n, SIO_ERROR, "cannot read %s: not open", what);
    }
}

void sio_close(sio_input *in)
{
#ifdef STRATA_HAVE_NETCDF
    if (in->kind == SIO_NETCDF && in->h_file >= 0) nc_close((int)in->h_file);
#endif
#ifdef STRATA_HAVE_HDF5
    if (in->kind == SIO_HDF5) {
        if (in->h_obj >= 0) H5Dclose((hid_t)in->h_obj);
        if (in->h_file >= 0) H5Fclose((hid_t)in->h_file);
    }
#endif
    free(in->file);
    in->file = NULL;
    in->name = NULL;
    in->h_file = in->h_obj = -1;
}
