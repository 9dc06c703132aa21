/* input.c - inputs of strata-mpi: raw files (read by libstrata_mpi with MPI-IO)
 * and netCDF variables / HDF5 datasets, which each rank reads a hyperslab of
 * (its own rows) with the serial netCDF and HDF5 libraries. Same conventions as
 * the strata tool: FILE:VAR, FILE:/DATASET, fill value from _FillValue (else
 * missing_value) or the HDF5 fill value, leading dimensions of length 1 dropped. */
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
#include "driver.h"

#define MAX_FILE_RANK 64

int drv_have_netcdf(void)
{
#ifdef STRATA_HAVE_NETCDF
    return 1;
#else
    return 0;
#endif
}

int drv_have_hdf5(void)
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

static void format_dims(char *buf, size_t cap, unsigned ndims, const size_t *dims)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < ndims && pos < cap; i++) {
        int k = snprintf(buf + pos, cap - pos, "%s%zu", i ? "x" : "", dims[i]);
        if (k < 0) break;
        pos += (size_t)k;
    }
}

/* NaN and Inf are always kept exact, so such a fill value is dropped. */
static int set_fill(strata_field *f, double v, const char *origin, char *err, size_t n)
{
    if (!isfinite(v)) {
        f->has_fill = 0;
        return 0;
    }
    if (f->dtype == STRATA_FLOAT32 && fabs(v) > FLT_MAX)
        return fail(err, n, DRV_EXIT_USAGE, "fill value %.9g (%s) does not fit in float32", v, origin);
    f->has_fill = 1;
    f->fill_value = f->dtype == STRATA_FLOAT32 ? (double)(float)v : v;
    return 0;
}

#if defined(STRATA_HAVE_NETCDF) || defined(STRATA_HAVE_HDF5)
/* Drops leading dimensions of length 1 until at most STRATA_MAX_DIMS remain. */
static int set_shape(drv_input *in, const size_t *dims, int rank, const char *what, char *err, size_t n)
{
    int first = 0;
    if (rank < 1) return fail(err, n, DRV_EXIT_ERROR, "%s is a scalar", what);
    while (rank - first > STRATA_MAX_DIMS && dims[first] == 1) first++;
    if (rank - first > STRATA_MAX_DIMS)
        return fail(err, n, DRV_EXIT_ERROR, "%s has %d dimensions; strata handles at most %d", what,
                    rank, STRATA_MAX_DIMS);
    for (int i = first; i < rank; i++)
        if (dims[i] == 0) return fail(err, n, DRV_EXIT_ERROR, "%s has no points", what);
    in->field.ndims = (unsigned)(rank - first);
    for (int i = 0; i < STRATA_MAX_DIMS; i++) in->field.dims[i] = i < rank - first ? dims[first + i] : 0;
    in->file_rank = rank;
    return 0;
}
#endif

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

/* ---- netCDF ---------------------------------------------------------------------- */
#ifdef STRATA_HAVE_NETCDF
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

static int nc_meta(drv_input *in, char *err, size_t n)
{
    char what[1200];
    snprintf(what, sizeof what, "netCDF variable '%s' of '%s'", in->name, in->file);
    int ncid, grp, varid, rank, st = nc_open(in->file, NC_NOWRITE, &ncid);
    if (st != NC_NOERR) return fail(err, n, DRV_EXIT_ERROR, "cannot open '%s' as netCDF: %s", in->file, nc_strerror(st));
    int rc = DRV_EXIT_ERROR, dimids[NC_MAX_VAR_DIMS];
    size_t dims[MAX_FILE_RANK];
    nc_type type;
    st = nc_locate(ncid, in->name, &grp, &varid);
    if (st != NC_NOERR) {
        fail(err, n, rc, "'%s' has no variable '%s' (%s)", in->file, in->name, nc_strerror(st));
        goto done;
    }
    st = nc_inq_var(grp, varid, NULL, &type, &rank, NULL, NULL);
    if (st == NC_NOERR && rank > MAX_FILE_RANK) st = NC_EMAXDIMS;
    if (st == NC_NOERR) st = nc_inq_vardimid(grp, varid, dimids);
    for (int i = 0; st == NC_NOERR && i < rank; i++) st = nc_inq_dimlen(grp, dimids[i], &dims[i]);
    if (st != NC_NOERR) {
        fail(err, n, rc, "cannot inquire %s: %s", what, nc_strerror(st));
        goto done;
    }
    if (type != NC_FLOAT && type != NC_DOUBLE) {
        fail(err, n, rc, "%s is not a float or double variable", what);
        goto done;
    }
    strata_field_init(&in->field, type == NC_FLOAT ? STRATA_FLOAT32 : STRATA_FLOAT64, 0, NULL);
    if (set_shape(in, dims, rank, what, err, n)) goto done;
    static const char *const names[] = { "_FillValue", "missing_value" };
    for (int i = 0; i < 2; i++) {
        size_t len;
        nc_type at;
        double v[1];
        if (nc_inq_att(grp, varid, names[i], &at, &len) != NC_NOERR || len != 1) continue;
        if (at == NC_CHAR || at == NC_STRING) continue;
        if (in->field.dtype == STRATA_FLOAT32) {
            float fv;
            st = nc_get_att_float(grp, varid, names[i], &fv);
            v[0] = fv;
        } else {
            st = nc_get_att_double(grp, varid, names[i], v);
        }
        if (st != NC_NOERR) {
            fail(err, n, rc, "cannot read %s of %s: %s", names[i], what, nc_strerror(st));
            goto done;
        }
        if (set_fill(&in->field, v[0], names[i], err, n)) goto done;
        break;
    }
    rc = 0;
done:
    nc_close(ncid);
    return rc;
}

static int nc_rows(const drv_input *in, size_t r0, size_t rn, void *dst, char *err, size_t n)
{
    int ncid, grp, varid, st = nc_open(in->file, NC_NOWRITE, &ncid);
    if (st != NC_NOERR) return fail(err, n, 1, "cannot open '%s' as netCDF: %s", in->file, nc_strerror(st));
    size_t start[MAX_FILE_RANK], count[MAX_FILE_RANK];
    const int lead = in->file_rank - (int)in->field.ndims;
    for (int i = 0; i < in->file_rank; i++) {
        start[i] = 0;
        count[i] = i < lead ? 1 : in->field.dims[i - lead];
    }
    start[lead] = r0;
    count[lead] = rn;
    st = nc_locate(ncid, in->name, &grp, &varid);
    if (st == NC_NOERR && rn)
        st = in->field.dtype == STRATA_FLOAT32 ? nc_get_vara_float(grp, varid, start, count, dst)
                                                : nc_get_vara_double(grp, varid, start, count, dst);
    nc_close(ncid);
    if (st != NC_NOERR)
        return fail(err, n, 1, "cannot read rows %zu..%zu of '%s:%s': %s", r0, r0 + rn - 1, in->file,
                    in->name, nc_strerror(st));
    return 0;
}
#endif

/* ---- HDF5 ------------------------------------------------------------------------ */
#ifdef STRATA_HAVE_HDF5
static int h5_meta(drv_input *in, char *err, size_t n)
{
    char what[1200];
    snprintf(what, sizeof what, "HDF5 dataset '%s' of '%s'", in->name, in->file);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(in->file) <= 0) return fail(err, n, DRV_EXIT_ERROR, "'%s' is not an HDF5 file", in->file);
    hid_t fid = H5Fopen(in->file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) return fail(err, n, DRV_EXIT_ERROR, "cannot open '%s' as HDF5", in->file);
    int rc = DRV_EXIT_ERROR;
    hid_t dset = H5Dopen2(fid, in->name, H5P_DEFAULT), type = -1, space = -1, dcpl = -1;
    if (dset < 0) {
        fail(err, n, rc, "'%s' has no dataset '%s'", in->file, in->name);
        goto done;
    }
    type = H5Dget_type(dset);
    space = H5Dget_space(dset);
    size_t tsize = type >= 0 ? H5Tget_size(type) : 0;
    if (type < 0 || space < 0 || H5Tget_class(type) != H5T_FLOAT || (tsize != 4 && tsize != 8)) {
        fail(err, n, rc, "%s is not a 4- or 8-byte float dataset", what);
        goto done;
    }
    strata_field_init(&in->field, tsize == 4 ? STRATA_FLOAT32 : STRATA_FLOAT64, 0, NULL);
    hsize_t hd[H5S_MAX_RANK];
    size_t dims[H5S_MAX_RANK];
    int rank = H5Sget_simple_extent_dims(space, hd, NULL);
    if (rank < 0 || rank > MAX_FILE_RANK) {
        fail(err, n, rc, "%s does not have a simple dataspace", what);
        goto done;
    }
    for (int i = 0; i < rank; i++) dims[i] = (size_t)hd[i];
    if (set_shape(in, dims, rank, what, err, n)) goto done;
    dcpl = H5Dget_create_plist(dset);
    H5D_fill_value_t defined;
    if (dcpl >= 0 && H5Pfill_value_defined(dcpl, &defined) >= 0 && defined == H5D_FILL_VALUE_USER_DEFINED) {
        double v = 0;
        float fv = 0;
        int f32 = in->field.dtype == STRATA_FLOAT32;
        if (H5Pget_fill_value(dcpl, f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE, f32 ? (void *)&fv : (void *)&v) < 0) {
            fail(err, n, rc, "cannot read the fill value of %s", what);
            goto done;
        }
        if (set_fill(&in->field, f32 ? (double)fv : v, "HDF5 fill value", err, n)) goto done;
    }
    rc = 0;
done:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    if (dset >= 0) H5Dclose(dset);
    H5Fclose(fid);
    return rc;
}

static int h5_rows(const drv_input *in, size_t r0, size_t rn, void *dst, char *err, size_t n)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = H5Fopen(in->file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) return fail(err, n, 1, "cannot open '%s' as HDF5", in->file);
    hid_t dset = H5Dopen2(fid, in->name, H5P_DEFAULT);
    hid_t fspace = dset >= 0 ? H5Dget_space(dset) : -1, mspace = -1;
    hsize_t start[MAX_FILE_RANK], count[MAX_FILE_RANK], total = 1;
    const int lead = in->file_rank - (int)in->field.ndims;
    for (int i = 0; i < in->file_rank; i++) {
        start[i] = 0;
        count[i] = i < lead ? 1 : in->field.dims[i - lead];
    }
    start[lead] = r0;
    count[lead] = rn;
    for (int i = 0; i < in->file_rank; i++) total *= count[i];
    int ok = fspace >= 0;
    if (ok && rn) {
        ok = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
        mspace = H5Screate_simple(1, &total, NULL);
        ok = ok && mspace >= 0 &&
             H5Dread(dset, in->field.dtype == STRATA_FLOAT32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE,
                     mspace, fspace, H5P_DEFAULT, dst) >= 0;
    }
    if (mspace >= 0) H5Sclose(mspace);
    if (fspace >= 0) H5Sclose(fspace);
    if (dset >= 0) H5Dclose(dset);
    H5Fclose(fid);
    if (!ok)
        return fail(err, n, 1, "cannot read rows %zu..%zu of '%s:%s' (a filter it needs may be missing)",
                    r0, r0 + rn - 1, in->file, in->name);
    return 0;
}
#endif

/* ---- dispatch -------------------------------------------------------------------------- */

static int open_variable(const drv_options *o, drv_input *in, char *err, size_t n)
{
    const char *colon = strrchr(o->input, ':');
    if (!colon) return fail(err, n, DRV_EXIT_ERROR, "cannot open '%s': %s", o->input, strerror(ENOENT));
    const size_t flen = (size_t)(colon - o->input);
    in->name = colon + 1;
    in->file = malloc(flen + 1);
    if (!in->file) return fail(err, n, DRV_EXIT_ERROR, "out of memory");
    memcpy(in->file, o->input, flen);
    in->file[flen] = '\0';
    struct stat st;
    if (flen == 0 || stat(in->file, &st) != 0)
        return fail(err, n, DRV_EXIT_ERROR, "cannot open '%s': %s", flen ? in->file : o->input,
                    strerror(flen ? errno : ENOENT));
    const int hdf5 = in->name[0] == '/';
    if (!in->name[0] || (hdf5 && !in->name[1]))
        return fail(err, n, DRV_EXIT_USAGE, "'%s' names no %s after ':'", o->input, hdf5 ? "dataset" : "variable");
    in->kind = hdf5 ? DRV_HDF5 : DRV_NETCDF;
    if (hdf5) {
#ifdef STRATA_HAVE_HDF5
        return h5_meta(in, err, n);
#else
        return fail(err, n, DRV_EXIT_ERROR,
                    "'%s' names an HDF5 dataset, but this strata-mpi has no HDF5 support", o->input);
#endif
    }
#ifdef STRATA_HAVE_NETCDF
    return nc_meta(in, err, n);
#else
    return fail(err, n, DRV_EXIT_ERROR,
                "'%s' names a netCDF variable, but this strata-mpi has no netCDF support", o->input);
#endif
}

int drv_input_open(const drv_options *o, drv_input *in, char *err, size_t n)
{
    memset(in, 0, sizeof *in);
    struct stat st;
    int rc;
    if (stat(o->input, &st) == 0) {
        /* An existing file is raw. The library opens and checks it (MPI-IO). */
        if (!o->has_dtype || !o->ndims)
            return fail(err, n, DRV_EXIT_USAGE,
                        "raw input '%s' needs -t (f32 or f64) and -d (dims, e.g. 20x180x360)", o->input);
        in->kind = DRV_RAW;
        strata_field_init(&in->field, o->dtype, o->ndims, o->dims);
        rc = 0;
    } else {
        rc = open_variable(o, in, err, n);
        if (!rc && o->has_dtype && o->dtype != in->field.dtype)
            rc = fail(err, n, DRV_EXIT_USAGE, "-t does not match '%s'", o->input);
        if (!rc && o->ndims && !same_dims(o->ndims, o->dims, in->field.ndims, in->field.dims)) {
            char want[128], have[128];
            format_dims(want, sizeof want, o->ndims, o->dims);
            format_dims(have, sizeof have, in->field.ndims, in->field.dims);
            rc = fail(err, n, DRV_EXIT_USAGE, "-d %s does not match the dimensions of '%s' (%s)", want,
                      o->input, have);
        }
    }
    if (!rc && o->has_fill) rc = set_fill(&in->field, o->fill, "--fill", err, n);
    return rc;
}

int drv_input_read_rows(const drv_input *in, size_t r0, size_t rn, void *dst, char *err, size_t n)
{
    switch (in->kind) {
#ifdef STRATA_HAVE_NETCDF
    case DRV_NETCDF: return nc_rows(in, r0, rn, dst, err, n);
#endif
#ifdef STRATA_HAVE_HDF5
    case DRV_HDF5: return h5_rows(in, r0, rn, dst, err, n);
#endif
    default: return fail(err, n, 1, "raw inputs are read by the library");
    }
}

void drv_input_close(drv_input *in)
{
    free(in->file);
    in->file = NULL;
}
