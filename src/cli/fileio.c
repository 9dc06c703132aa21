/* fileio.c - input and output of the strata tool: raw files, netCDF variables and
 * HDF5 datasets (read through strata_io, src/io/), and output files written
 * atomically. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include "cli.h"
#include "strata_io.h"

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
    return sio_have_netcdf();
}

int cli_have_hdf5(void)
{
    return sio_have_hdf5();
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
        sio_format_dims(d, sizeof d, o->ndims, o->dims);
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

/* ---- netCDF variables and HDF5 datasets (src/io/strata_io.h) ----------------- */

/* FILE:VAR or FILE:/DATASET, for an input that is not an existing file: checked
 * against -t/-d, then read whole. */
static int read_variable(const cli_options *o, cli_array *a)
{
    char err[2048];
    sio_input in;
    int rc = CLI_EXIT_ERROR;
    if (sio_open(o->input, &in, err, sizeof err) ||
        sio_check_options(&in.field, o->has_dtype, o->dtype, o->ndims, o->dims, o->input, err,
                          sizeof err)) {
        cli_error("%s", err);
        goto done;
    }
    if (in.warning[0]) fprintf(stderr, "strata: warning: %s\n", in.warning);
    a->field = in.field;
    if (alloc_field(a, o->input)) goto done;
    if (sio_read_rows(&in, 0, in.rows, a->data, err, sizeof err)) {
        cli_error("%s", err);
        goto done;
    }
    rc = CLI_EXIT_OK;
done:
    sio_close(&in);
    return rc;
}

int cli_read_field(const cli_options *o, cli_array *out)
{
    memset(out, 0, sizeof *out);
    int rc = sio_spec_is_raw(o->input) ? read_raw(o, out) : read_variable(o, out);
    if (rc == CLI_EXIT_OK && o->has_fill) {
        char err[256];
        if (sio_set_fill(&out->field, o->fill, "--fill", err, sizeof err)) {
            cli_error("%s", err);
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc != CLI_EXIT_OK) cli_array_free(out);
    return rc;
}
