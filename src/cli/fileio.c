/* fileio.c - input and output of the strata tool: raw files, netCDF variables,
 * HDF5 datasets, and output files written atomically. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef STRATA_HAVE_NETCDF
#include <netcdf.h>
#endif
#ifdef STRATA_HAVE_HDF5
#include <hdf5.h>
#endif
#include "cli.h"

/* Ranks beyond STRATA_MAX_DIMS that a netCDF or HDF5 input may have: leading
 * dimensions of length 1 are squeezed away. */
#define MAX_FILE_RANK 64

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("strata: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_have_netcdf(void)
{
#ifdef STRATA_HAVE_NETCDF
    return 1;
#else
    return 0;
#endif
}

int cli_have_hdf5(void)
{
#ifdef STRATA_HAVE_HDF5
    return 1;
#else
    return 0;
#endif
}

void cli_array_free(cli_array *a)
{
    free(a->data);
    a->data = NULL;
    a->size = 0;
}

/* ---- plain files ---------------------------------------------------------- */

/* Reads exactly n bytes; 0 on success, else errno-style failure (EIO at EOF). */
static int read_full(int fd, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n > (1u << 30) ? (1u << 30) : n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errno;
        if (r == 0) return EIO;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Opens a regular file for reading and returns its size; -1 after printing. */
static int open_input(const char *path, unsigned long long *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        cli_error("cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        cli_error("cannot stat '%s': %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        cli_error("'%s' is a directory", path);
        close(fd);
        return -1;
    }
    *size = (unsigned long long)st.st_size;
    return fd;
}

int cli_read_file(const char *path, void **data, size_t *size)
{
    unsigned long long n;
    int fd = open_input(path, &n);
    if (fd < 0) return 1;
    if (n > SIZE_MAX - 1) {
        cli_error("'%s' is too large (%llu bytes)", path, n);
        close(fd);
        return 1;
    }
    void *buf = malloc(n ? (size_t)n : 1);
    if (!buf) {
        cli_error("out of memory reading '%s' (%llu bytes)", path, n);
        close(fd);
        return 1;
    }
    int err = read_full(fd, buf, (size_t)n);
    close(fd);
    if (err) {
        cli_error("cannot read '%s': %s", path, err == EIO ? "file shrank while reading" : strerror(err));
        free(buf);
        return 1;
    }
    *data = buf;
    *size = (size_t)n;
    return 0;
}

int cli_read_prefix(const char *path, void *buf, size_t capacity, size_t *got,
                    unsigned long long *file_size)
{
    int fd = open_input(path, file_size);
    if (fd < 0) return 1;
    size_t want = *file_size < capacity ? (size_t)*file_size : capacity;
    int err = read_full(fd, buf, want);
    close(fd);
    if (err) {
        cli_error("cannot read '%s': %s", path, err == EIO ? "file shrank while reading" : strerror(err));
        return 1;
    }
    *got = want;
    return 0;
}

/* ---- atomic output --------------------------------------------------------
 * The temporary file's name is kept where a signal handler can reach it, so that
 * Ctrl-C during the write leaves nothing behind either. */
static char g_temp_path[4096];
static volatile sig_atomic_t g_temp_live;
static const int g_signals[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction g_old_actions[sizeof g_signals / sizeof g_signals[0]];

static void on_signal(int sig)
{
    if (g_temp_live) unlink(g_temp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_temp(int on)
{
    const size_t n = sizeof g_signals / sizeof g_signals[0];
    for (size_t i = 0; i < n; i++) {
        if (on) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(g_signals[i], &sa, &g_old_actions[i]);
        } else {
            sigaction(g_signals[i], &g_old_actions[i], NULL);
        }
    }
}

/* Outputs that are not regular files (/dev/null, a pipe) cannot be renamed over:
 * write them in place. */
static int write_in_place(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        cli_error("cannot open '%s' for writing: %s", path, strerror(errno));
        return 1;
    }
    int err = write_full(fd, data, size);
    if (close(fd) != 0 && !err) err = errno;
    if (err) {
        cli_error("cannot write '%s': %s", path, strerror(err));
        return 1;
    }
    return 0;
}

int cli_write_atomic(const char *path, const void *data, size_t size)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            cli_error("cannot write '%s': it is a directory", path);
            return 1;
        }
        return write_in_place(path, data, size);
    }
    int len = snprintf(g_temp_path, sizeof g_temp_path, "%s.tmp.XXXXXX", path);
    if (len < 0 || (size_t)len >= sizeof g_temp_path) {
        cli_error("output path too long: '%s'", path);
        return 1;
    }
    guard_temp(1);
    int fd = mkstemp(g_temp_path);
    if (fd < 0) {
        cli_error("cannot create a temporary file beside '%s': %s", path, strerror(errno));
        guard_temp(0);
        return 1;
    }
    g_temp_live = 1;
    /* mkstemp makes the file 0600; give it the permissions a plain open would. */
    mode_t mask = umask(0);
    umask(mask);
    const char *what = "write";
    int err = 0;
    if (fchmod(fd, 0666 & ~mask) != 0) { err = errno; what = "set permissions of"; }
    if (!err) err = write_full(fd, data, size);
    if (close(fd) != 0 && !err) err = errno;
    if (!err && rename(g_temp_path, path) != 0) { err = errno; what = "rename into place"; }
    if (err) {
        unlink(g_temp_path);
        g_temp_live = 0;
        guard_temp(0);
        cli_error("cannot %s '%s': %s (no output written)", what, path, strerror(err));
        return 1;
    }
    g_temp_live = 0;
    guard_temp(0);
    return 0;
}

/* ---- shapes ------------------------------------------------------------------ */

static size_t dtype_size(strata_dtype t)
{
    return t == STRATA_FLOAT64 ? 8 : 4;
}

#if defined(STRATA_HAVE_NETCDF) || defined(STRATA_HAVE_HDF5)
/* Squeezes leading dimensions of length 1 until at most STRATA_MAX_DIMS remain and
 * sets field->ndims/dims. `what` names the input for messages. */
static int set_shape(strata_field *field, const size_t *dims, int rank, const char *what)
{
    char buf[256];
    int first = 0;
    if (rank < 1) {
        cli_error("%s is a scalar; strata needs 1 to %d dimensions", what, STRATA_MAX_DIMS);
        return 1;
    }
    while (rank - first > STRATA_MAX_DIMS && dims[first] == 1) first++;
    if (rank - first > STRATA_MAX_DIMS) {
        cli_format_dims(buf, sizeof buf, (unsigned)rank, dims);
        cli_error("%s has %d dimensions (%s); strata handles at most %d "
                  "(only leading dimensions of length 1 can be dropped)",
                  what, rank, buf, STRATA_MAX_DIMS);
        return 1;
    }
    for (int i = first; i < rank; i++) {
        if (dims[i] == 0) {
            cli_format_dims(buf, sizeof buf, (unsigned)rank, dims);
            cli_error("%s has no points (dimensions %s)", what, buf);
            return 1;
        }
    }
    field->ndims = (unsigned)(rank - first);
    for (int i = 0; i < STRATA_MAX_DIMS; i++)
        field->dims[i] = i < rank - first ? dims[first + i] : 0;
    return 0;
}
#endif

/* Allocates the bytes of `field`; checks the size for overflow. */
static int alloc_field(cli_array *a, const char *what)
{
    size_t n = strata_field_count(&a->field), w = dtype_size(a->field.dtype);
    if (n == 0 || n > SIZE_MAX / w) {
        cli_error("%s is too large to hold in memory", what);
        return 1;
    }
    a->size = n * w;
    a->data = malloc(a->size);
    if (!a->data) {
        cli_error("out of memory: %s needs %zu bytes", what, a->size);
        return 1;
    }
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

/* -t and -d given for a netCDF or HDF5 input must agree with the file. */
static int check_against_options(const cli_options *o, const strata_field *f, const char *what)
{
    if (o->has_dtype && o->dtype != f->dtype) {
        cli_error("-t %s does not match %s, which holds %s values", cli_dtype_name(o->dtype),
                  what, cli_dtype_name(f->dtype));
        return 1;
    }
    if (o->ndims && !same_dims(o->ndims, o->dims, f->ndims, f->dims)) {
        char want[128], have[128];
        cli_format_dims(want, sizeof want, o->ndims, o->dims);
        cli_format_dims(have, sizeof have, f->ndims, f->dims);
        cli_error("-d %s does not match the dimensions of %s (%s)", want, what, have);
        return 1;
    }
    return 0;
}

/* Checks a fill value for the field's type. NaN and Inf need no fill value (they
 * are always kept exact), so such a fill value is dropped. */
static int set_fill(strata_field *f, double v, const char *origin)
{
    if (!isfinite(v)) {
        f->has_fill = 0;
        return 0;
    }
    if (f->dtype == STRATA_FLOAT32 && fabs(v) > FLT_MAX) {
        cli_error("fill value %.9g (%s) does not fit in float32", v, origin);
        return 1;
    }
    f->has_fill = 1;
    f->fill_value = f->dtype == STRATA_FLOAT32 ? (double)(float)v : v;
    return 0;
}

/* ---- raw input ----------------------------------------------------------------- */

/* A hint for a raw input that looks like a netCDF or HDF5 file. */
static const char *container_hint(const char *path)
{
    unsigned char m[4] = { 0 };
    int fd = open(path, O_RDONLY);
    if (fd < 0) return "";
    int err = read_full(fd, m, sizeof m);
    close(fd);
    if (!err && (memcmp(m, "CDF", 3) == 0 || memcmp(m, "\x89HDF", 4) == 0))
        return " (it looks like a netCDF/HDF5 file: name the variable as FILE:VAR or FILE:/DATASET)";
    return "";
}

static int read_raw(const cli_options *o, cli_array *a)
{
    if (!o->has_dtype || !o->ndims) {
        cli_error("raw input '%s' needs -t (f32 or f64) and -d (dims, e.g. 20x180x360)", o->input);
        return CLI_EXIT_USAGE;
    }
    strata_field_init(&a->field, o->dtype, o->ndims, o->dims);
    size_t n = strata_field_count(&a->field), w = dtype_size(o->dtype);
    if (n == 0 || n > SIZE_MAX / w) {
        cli_error("dimensions given with -d are too large");
        return CLI_EXIT_USAGE;
    }
    unsigned long long size;
    int fd = open_input(o->input, &size);
    if (fd < 0) return CLI_EXIT_ERROR;
    if (size != (unsigned long long)n * w) {
        char d[128];
        close(fd);
        cli_format_dims(d, sizeof d, o->ndims, o->dims);
        cli_error("'%s' holds %llu bytes, but -t %s -d %s needs %zu bytes%s", o->input, size,
                  cli_dtype_name(o->dtype), d, n * w, container_hint(o->input));
        return CLI_EXIT_ERROR;
    }
    if (alloc_field(a, o->input)) { close(fd); return CLI_EXIT_ERROR; }
    int err = read_full(fd, a->data, a->size);
    close(fd);
    if (err) {
        cli_error("cannot read '%s': %s", o->input, err == EIO ? "file shrank while reading" : strerror(err));
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

/* ---- netCDF input ----------------------------------------------------------------- */
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
static int nc_fill(int ncid, int varid, strata_field *f, const char *what)
{
    static const char *const names[] = { "_FillValue", "missing_value" };
    for (int i = 0; i < 2; i++) {
        size_t len;
        nc_type at;
        if (nc_inq_att(ncid, varid, names[i], &at, &len) != NC_NOERR || len == 0) continue;
        if (at == NC_CHAR || at == NC_STRING) continue;
        double *v = malloc(len * sizeof *v);
        if (!v) { cli_error("out of memory"); return 1; }
        int st;
        if (f->dtype == STRATA_FLOAT32) {
            float *fv = malloc(len * sizeof *fv);
            st = fv ? nc_get_att_float(ncid, varid, names[i], fv) : NC_ENOMEM;
            if (fv && st == NC_NOERR) v[0] = fv[0];
            free(fv);
        } else {
            st = nc_get_att_double(ncid, varid, names[i], v);
        }
        double fill = v[0];
        free(v);
        if (st != NC_NOERR) {
            cli_error("cannot read %s of %s as %s: %s", names[i], what,
                      cli_dtype_name(f->dtype), nc_strerror(st));
            return 1;
        }
        if (len > 1)
            fprintf(stderr, "strata: warning: %s of %s has %zu values; using the first (%.9g)\n",
                    names[i], what, len, fill);
        return set_fill(f, fill, names[i]);
    }
    return 0;
}

/* VAR may be "group/sub/var" in a netCDF-4 file. */
static int nc_locate(int ncid, const char *name, int *grp, int *varid, const char **base)
{
    const char *slash = strrchr(name, '/');
    *grp = ncid;
    *base = name;
    if (slash) {
        char path[1024];
        int n = snprintf(path, sizeof path, "/%.*s", (int)(slash - name), name);
        if (n < 0 || (size_t)n >= sizeof path) return NC_ENOTVAR;
        int st = nc_inq_grp_full_ncid(ncid, path, grp);
        if (st != NC_NOERR) return st;
        *base = slash + 1;
    }
    return nc_inq_varid(*grp, *base, varid);
}

static int read_netcdf(const char *file, const char *var, cli_array *a)
{
    char what[1200];
    snprintf(what, sizeof what, "netCDF variable '%s' of '%s'", var, file);
    int ncid, grp, varid, st = nc_open(file, NC_NOWRITE, &ncid);
    if (st != NC_NOERR) {
        cli_error("cannot open '%s' as netCDF: %s", file, nc_strerror(st));
        return 1;
    }
    int rc = 1, rank;
    nc_type type;
    const char *base;
    int dimids[NC_MAX_VAR_DIMS];
    size_t dims[MAX_FILE_RANK];
    st = nc_locate(ncid, var, &grp, &varid, &base);
    if (st != NC_NOERR) {
        cli_error("'%s' has no variable '%s' (%s)", file, var, nc_strerror(st));
        goto done;
    }
    st = nc_inq_var(grp, varid, NULL, &type, &rank, NULL, NULL);
    if (st == NC_NOERR && rank > MAX_FILE_RANK) st = NC_EMAXDIMS;
    if (st == NC_NOERR) st = nc_inq_vardimid(grp, varid, dimids);
    for (int i = 0; st == NC_NOERR && i < rank; i++) st = nc_inq_dimlen(grp, dimids[i], &dims[i]);
    if (st != NC_NOERR) {
        cli_error("cannot inquire %s: %s", what, nc_strerror(st));
        goto done;
    }
    if (type != NC_FLOAT && type != NC_DOUBLE) {
        cli_error("%s holds %s values; strata compresses only float and double variables",
                  what, nc_type_name(type));
        goto done;
    }
    strata_field_init(&a->field, type == NC_FLOAT ? STRATA_FLOAT32 : STRATA_FLOAT64, 0, NULL);
    if (set_shape(&a->field, dims, rank, what) || nc_fill(grp, varid, &a->field, what)) goto done;
    if (alloc_field(a, what)) goto done;
    st = type == NC_FLOAT ? nc_get_var_float(grp, varid, a->data)
                          : nc_get_var_double(grp, varid, a->data);
    if (st != NC_NOERR) {
        cli_error("cannot read %s: %s", what, nc_strerror(st));
        goto done;
    }
    rc = 0;
done:
    nc_close(ncid);
    return rc;
}
#endif /* STRATA_HAVE_NETCDF */

/* ---- HDF5 input -------------------------------------------------------------------- */
#ifdef STRATA_HAVE_HDF5

static int h5_fill(hid_t dset, hid_t memtype, strata_field *f)
{
    hid_t dcpl = H5Dget_create_plist(dset);
    if (dcpl < 0) return 0;
    H5D_fill_value_t defined;
    int rc = 0;
    if (H5Pfill_value_defined(dcpl, &defined) >= 0 && defined == H5D_FILL_VALUE_USER_DEFINED) {
        double v = 0;
        float fv = 0;
        herr_t st = H5Pget_fill_value(dcpl, memtype, f->dtype == STRATA_FLOAT32 ? (void *)&fv : (void *)&v);
        if (st < 0) {
            cli_error("cannot read the fill value of the dataset");
            rc = 1;
        } else {
            rc = set_fill(f, f->dtype == STRATA_FLOAT32 ? (double)fv : v, "HDF5 fill value");
        }
    }
    H5Pclose(dcpl);
    return rc;
}

static int read_hdf5(const char *file, const char *path, cli_array *a)
{
    char what[1200];
    snprintf(what, sizeof what, "HDF5 dataset '%s' of '%s'", path, file);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we print our own messages */
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_hdf5 = H5Fis_accessible(file, H5P_DEFAULT);
#else
    htri_t is_hdf5 = H5Fis_hdf5(file);
#endif
    if (is_hdf5 <= 0) {
        cli_error("'%s' is not an HDF5 file", file);
        return 1;
    }
    hid_t fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) {
        cli_error("cannot open '%s' as HDF5", file);
        return 1;
    }
    int rc = 1;
    hid_t dset = -1, ftype = -1, space = -1, memtype = -1;
    hsize_t hdims[H5S_MAX_RANK];
    size_t dims[H5S_MAX_RANK];
    dset = H5Dopen2(fid, path, H5P_DEFAULT);
    if (dset < 0) {
        cli_error("'%s' has no dataset '%s'", file, path);
        goto done;
    }
    ftype = H5Dget_type(dset);
    space = H5Dget_space(dset);
    if (ftype < 0 || space < 0) {
        cli_error("cannot inquire %s", what);
        goto done;
    }
    size_t tsize = H5Tget_size(ftype);
    H5T_class_t tclass = H5Tget_class(ftype);
    if (tclass != H5T_FLOAT || (tsize != 4 && tsize != 8)) {
        cli_error("%s holds %zu-byte %s values; strata compresses only 4- and 8-byte floats",
                  what, tsize, tclass == H5T_FLOAT ? "float" : tclass == H5T_INTEGER ? "integer"
                  : tclass == H5T_STRING ? "string" : "non-numeric");
        goto done;
    }
    strata_field_init(&a->field, tsize == 4 ? STRATA_FLOAT32 : STRATA_FLOAT64, 0, NULL);
    memtype = tsize == 4 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    int rank = H5Sget_simple_extent_dims(space, hdims, NULL);
    if (rank < 0) {
        cli_error("%s does not have a simple dataspace", what);
        goto done;
    }
    for (int i = 0; i < rank; i++) dims[i] = (size_t)hdims[i];
    if (set_shape(&a->field, dims, rank, what) || h5_fill(dset, memtype, &a->field)) goto done;
    if (alloc_field(a, what)) goto done;
    if (H5Dread(dset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data) < 0) {
        cli_error("cannot read %s (a filter it needs may be missing)", what);
        goto done;
    }
    rc = 0;
done:
    if (space >= 0) H5Sclose(space);
    if (ftype >= 0) H5Tclose(ftype);
    if (dset >= 0) H5Dclose(dset);
    H5Fclose(fid);
    return rc;
}
#endif /* STRATA_HAVE_HDF5 */

/* ---- dispatch ---------------------------------------------------------------------- */

/* FILE:VAR or FILE:/DATASET, for an input that is not an existing file. */
static int read_variable(const cli_options *o, cli_array *a)
{
    const char *colon = strrchr(o->input, ':');
    if (!colon) {
        cli_error("cannot open '%s': %s", o->input, strerror(ENOENT));
        return CLI_EXIT_ERROR;
    }
    size_t flen = (size_t)(colon - o->input);
    const char *name = colon + 1;
    char *file = malloc(flen + 1);
    if (!file) { cli_error("out of memory"); return CLI_EXIT_ERROR; }
    memcpy(file, o->input, flen);
    file[flen] = '\0';
    int rc = CLI_EXIT_ERROR, hdf5 = name[0] == '/';
    struct stat st;
    if (flen == 0 || stat(file, &st) != 0) {
        const char *why = strerror(flen ? errno : ENOENT);
        if (flen) cli_error("cannot open '%s' (-i '%s' read as FILE:%s): %s", file, o->input,
                            name[0] == '/' ? "/DATASET" : "VAR", why);
        else cli_error("cannot open '%s': %s", o->input, why);
        goto done;
    }
    if (*name == '\0' || (hdf5 && name[1] == '\0')) {
        cli_error("'%s' names no %s after ':'", o->input, hdf5 ? "dataset" : "variable");
        goto done;
    }
    if (hdf5) {
#ifdef STRATA_HAVE_HDF5
        if (read_hdf5(file, name, a)) goto done;
#else
        cli_error("'%s' names an HDF5 dataset, but this strata was not built with HDF5 support",
                  o->input);
        goto done;
#endif
    } else {
#ifdef STRATA_HAVE_NETCDF
        if (read_netcdf(file, name, a)) goto done;
#else
        cli_error("'%s' names a netCDF variable, but this strata was not built with netCDF support",
                  o->input);
        goto done;
#endif
    }
    if (check_against_options(o, &a->field, o->input)) goto done;
    rc = CLI_EXIT_OK;
done:
    free(file);
    return rc;
}

int cli_read_field(const cli_options *o, cli_array *out)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    int rc = stat(o->input, &st) == 0 ? read_raw(o, out) : read_variable(o, out);
    if (rc == CLI_EXIT_OK && o->has_fill && set_fill(&out->field, o->fill, "--fill"))
        rc = CLI_EXIT_USAGE;
    if (rc != CLI_EXIT_OK) cli_array_free(out);
    return rc;
}
