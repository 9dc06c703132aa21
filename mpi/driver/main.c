/* main.c - strata-mpi: compress a field into one block container, or decompress
 * one, with any number of MPI ranks. Parses the command line (the same options
 * as the strata tool), reads netCDF/HDF5 inputs through input.c, and leaves the
 * distributed work to libstrata_mpi. Every rank parses the same arguments;
 * rank 0 prints the messages. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "driver.h"

enum { CMD_COMPRESS = 1, CMD_DECOMPRESS = 2 };

static const char g_usage[] =
    "usage: mpirun [-n N] strata-mpi COMMAND [OPTIONS]\n"
    "Error-bounded lossy compression with MPI: one file written and read by many ranks.\n\n"
    "  compress    -i IN -o OUT [-t f32|f64 -d DIMS] (--abs E|--rel E|--lossless)\n"
    "              [--fill V] [--threads N] [--progress|--no-progress] [-q]\n"
    "  decompress  -i IN -o OUT [--threads N] [--progress|--no-progress] [-q]\n\n"
    "Input of compress (-i IN): a raw file of little-endian values (needs -t and -d),\n"
    "  FILE:VAR (a netCDF float/double variable) or FILE:/PATH (an HDF5 dataset).\n"
    "  -t, --type f32|f64    value type of a raw input\n"
    "  -d, --dims D1x...xDn  dimensions, slowest first (1 to 4); ranks split dims[0]\n"
    "  --abs E | --rel E | --lossless   the bound (REL: times the valid value range)\n"
    "  --fill V              points equal to V are kept exact (--fill=nan: none)\n"
    "  --threads N           OpenMP threads per rank (0: OMP_NUM_THREADS)\n"
    "  --progress            progress line on stderr (default: when it is a terminal)\n"
    "  -q, --quiet           no summary line\n\n"
    "OUT of compress is a Strata block container: the same bytes whatever the rank count;\n"
    "'strata decompress' and 'strata info' read it too. decompress writes raw values.\n"
    "OUT appears only when every rank succeeded (written as OUT.tmp.XXXXXX, then renamed).\n";

/* ---- parsing --------------------------------------------------------------------------- */

static int parse_double(const char *s, double *v)
{
    char *end;
    if (!*s || isspace((unsigned char)*s)) return 1;
    errno = 0;
    *v = strtod(s, &end);
    return *end != '\0' || (errno == ERANGE && fabs(*v) > 1.0);
}

static int parse_count(const char *s, unsigned long long hi, unsigned long long *v, const char **end)
{
    char *e;
    if (!isdigit((unsigned char)*s)) return 1;
    errno = 0;
    *v = strtoull(s, &e, 10);
    if (errno == ERANGE || *v > hi) return 1;
    if (end) *end = e;
    else if (*e) return 1;
    return 0;
}

static int parse_dims(const char *s, drv_options *o)
{
    o->ndims = 0;
    for (;;) {
        unsigned long long d;
        const char *end;
        if (o->ndims == STRATA_MAX_DIMS || parse_count(s, SIZE_MAX, &d, &end) || d == 0) return 1;
        o->dims[o->ndims++] = (size_t)d;
        if (!*end) return 0;
        if (*end != 'x' && *end != 'X') return 1;
        s = end + 1;
    }
}

/* Writes the reason for a usage error into err; returns DRV_EXIT_USAGE. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int usage(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return DRV_EXIT_USAGE;
}

/* Parses argv[2..]; 0, -1 for --help, or DRV_EXIT_USAGE with the reason in err. */
static int parse(int argc, char **argv, unsigned cmd, drv_options *o, char *err, size_t n)
{
    memset(o, 0, sizeof *o);
    o->progress = -1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        char name[32] = "";
        if (a[0] == '-' && a[1] == '-') {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            if (len >= sizeof name) len = sizeof name - 1;
            memcpy(name, a, len);
            name[len] = '\0';
            if (eq) v = eq + 1;
        } else if (a[0] == '-' && a[1] && strchr("iotdqh", a[1])) {
            snprintf(name, sizeof name, "-%c", a[1]);
            if (a[2]) v = a + 2;
        } else {
            return usage(err, n, "unexpected argument '%s'", a);
        }
#define IS(s, l) (!strcmp(name, s) || !strcmp(name, l))
        const int valued = IS("-i", "--input") || IS("-o", "--output") || IS("-t", "--type") ||
                           IS("-d", "--dims") || !strcmp(name, "--abs") || !strcmp(name, "--rel") ||
                           !strcmp(name, "--fill") || !strcmp(name, "--threads");
        if (valued && !v) {
            if (i + 1 >= argc) return usage(err, n, "option '%s' needs a value", a);
            v = argv[++i];
        } else if (!valued && v) {
            return usage(err, n, "option '%s' takes no value", a);
        }
        const int compress_only = IS("-t", "--type") || IS("-d", "--dims") || !strcmp(name, "--abs") ||
                                  !strcmp(name, "--rel") || !strcmp(name, "--lossless") ||
                                  !strcmp(name, "--fill");
        if (compress_only && cmd != CMD_COMPRESS)
            return usage(err, n, "option '%s' does not apply to decompress", a);
        unsigned long long u;
        if (IS("-i", "--input")) o->input = v;
        else if (IS("-o", "--output")) o->output = v;
        else if (IS("-t", "--type")) {
            if (!strcmp(v, "f32") || !strcmp(v, "float32")) o->dtype = STRATA_FLOAT32;
            else if (!strcmp(v, "f64") || !strcmp(v, "float64")) o->dtype = STRATA_FLOAT64;
            else return usage(err, n, "-t must be f32 or f64, not '%s'", v);
            o->has_dtype = 1;
        } else if (IS("-d", "--dims")) {
            if (parse_dims(v, o))
                return usage(err, n, "bad dims '%s': give 1 to 4 positive integers, slowest first, "
                             "separated by 'x' (e.g. 20x180x360)", v);
        } else if (!strcmp(name, "--abs") || !strcmp(name, "--rel") || !strcmp(name, "--lossless")) {
            if (o->has_mode) return usage(err, n, "--abs, --rel and --lossless exclude each other");
            o->has_mode = 1;
            o->mode = name[2] == 'a' ? STRATA_MODE_ABS
                    : name[2] == 'r' ? STRATA_MODE_REL : STRATA_MODE_LOSSLESS;
            if (v && (parse_double(v, &o->bound) || !isfinite(o->bound) || !(o->bound > 0)))
                return usage(err, n, "the bound must be a finite number > 0, not '%s'", v);
        } else if (!strcmp(name, "--fill")) {
            if (parse_double(v, &o->fill)) return usage(err, n, "--fill needs a number, not '%s'", v);
            o->has_fill = 1;
        } else if (!strcmp(name, "--threads")) {
            if (parse_count(v, INT_MAX, &u, NULL))
                return usage(err, n, "--threads needs an integer >= 0, not '%s'", v);
            o->threads = (int)u;
        } else if (!strcmp(name, "--progress")) o->progress = 1;
        else if (!strcmp(name, "--no-progress")) o->progress = 0;
        else if (IS("-q", "--quiet")) o->quiet = 1;
        else if (IS("-h", "--help")) return -1;
        else return usage(err, n, "unknown option '%s'", a);
#undef IS
    }
    if (!o->input) return usage(err, n, "missing -i IN");
    if (!o->output) return usage(err, n, "missing -o OUT");
    if (cmd == CMD_COMPRESS && !o->has_mode)
        return usage(err, n, "missing the bound: give --abs E, --rel E or --lossless");
    if (!o->input[0] || !o->output[0]) return usage(err, n, "empty file name");
    return 0;
}

typedef struct {
    MPI_Comm comm;
    int rank, size;
} drv_world;

/* ---- output safety: the temporary file goes if the job is killed ------------------------ */

static char g_temp[4096];
static volatile sig_atomic_t g_temp_live;

static void on_signal(int sig)
{
    if (g_temp_live) unlink(g_temp);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Rank 0 creates OUT.tmp.XXXXXX for the library to write (unless OUT exists and is
 * not a regular file, which is written in place) and every rank learns its name and
 * removes it on SIGINT/SIGTERM/SIGHUP: when mpirun stops a job it signals the ranks
 * one after the other, so the last rank to go removes the file even if another one
 * was still writing it. Collective. Returns the name on rank 0, NULL elsewhere. */
static const char *make_temp(const drv_world *w, const char *out)
{
    /* Handlers first: from the moment the file exists, a signal removes it. */
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
    if (w->rank == 0) {
        struct stat st;
        int len = snprintf(g_temp, sizeof g_temp, "%s.tmp.XXXXXX", out);
        int fd = -1;
        if (!(stat(out, &st) == 0 && !S_ISREG(st.st_mode)) && len > 0 && (size_t)len < sizeof g_temp)
            fd = mkstemp(g_temp);
        if (fd >= 0) {
            g_temp_live = 1;
            close(fd);
        } else {
            g_temp[0] = '\0'; /* the library says why it cannot write */
        }
    }
    MPI_Bcast(g_temp, (int)sizeof g_temp, MPI_CHAR, 0, w->comm);
    if (!g_temp[0]) return NULL;
    g_temp_live = 1;
    return w->rank == 0 ? g_temp : NULL;
}

/* After the call: on failure rank 0 removes the temporary file if the library has
 * not (a failure before the output stage); on success it has become OUT. */
static void drop_temp(const drv_world *w, int failed)
{
    if (g_temp_live && failed && w->rank == 0) unlink(g_temp);
    g_temp_live = 0;
}

/* The progress line's default: stderr is a terminal, or (under mpirun, which
 * passes it through a pipe) the launcher's stderr is. */
static int stderr_is_terminal(void)
{
    if (isatty(STDERR_FILENO)) return 1;
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_RANK")) return 0;
    char link[64], target[256];
    snprintf(link, sizeof link, "/proc/%ld/fd/2", (long)getppid());
    ssize_t k = readlink(link, target, sizeof target - 1);
    if (k <= 0) return 0;
    target[k] = '\0';
    return !strncmp(target, "/dev/pts/", 9) || !strncmp(target, "/dev/tty", 8);
}

/* ---- commands ----------------------------------------------------------------------- */

static void error_line(const drv_world *w, const char *msg)
{
    if (w->rank != 0) return;
    fflush(stdout);
    fprintf(stderr, "strata-mpi: error: %s\n", msg);
}

static void summary(const drv_world *w, const drv_options *o, const strata_mpi_report *r, int compress)
{
    if (w->rank != 0 || o->quiet) return;
    const double ratio = r->file_bytes ? (double)r->raw_bytes / (double)r->file_bytes : 0.0;
    const double t = r->seconds_total, mbs = t > 0 ? (double)r->raw_bytes / 1e6 / t : 0.0;
    fprintf(stderr, "strata-mpi: %s -> %s: %llu -> %llu bytes (ratio %.2f), %llu blocks, %d rank%s, "
            "%.3f s (%.1f MB/s; read %.3f, exchange %.3f, %s %.3f, write %.3f)\n", o->input, o->output,
            (unsigned long long)(compress ? r->raw_bytes : r->file_bytes),
            (unsigned long long)(compress ? r->file_bytes : r->raw_bytes), ratio,
            (unsigned long long)r->blocks, w->size, w->size == 1 ? "" : "s", t, mbs, r->seconds_read,
            r->seconds_exchange, compress ? "compress" : "decompress", r->seconds_code, r->seconds_write);
}

static void make_options(const drv_world *w, const drv_options *o, strata_mpi_options *mo)
{
    strata_mpi_options_init(mo);
    mo->threads = o->threads;
    mo->progress = o->progress >= 0 ? o->progress : (w->rank == 0 && stderr_is_terminal());
    mo->temp_path = make_temp(w, o->output);
}

static int run_compress(const drv_world *w, const drv_options *o)
{
    char err[STRATA_MPI_MESSAGE_SIZE] = "";
    drv_input in;
    strata_mpi_report rep;
    strata_mpi_report_init(&rep);
    int rc = drv_input_open(o, &in, err, sizeof err);
    /* A usage error on any rank is reported as one; other failures as errors. */
    int worst;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, w->comm);
    if (strata_mpi_agree(w->comm, rc ? STRATA_ERR_INVALID_ARG : STRATA_OK, err, &rep) != STRATA_OK) {
        error_line(w, rep.message);
        drv_input_close(&in);
        return worst;
    }
    strata_params p;
    strata_params_init(&p);
    p.mode = o->mode;
    p.bound = o->mode == STRATA_MODE_LOSSLESS ? 0.0 : o->bound;
    p.threads = o->threads;
    strata_mpi_options mo;
    make_options(w, o, &mo);
    strata_status st;
    if (in.kind == DRV_RAW) {
        st = strata_mpi_compress_file(w->comm, o->input, o->output, &in.field, &p, &mo, &rep);
    } else {
        /* Each rank reads the rows of its own blocks: no data moves afterwards. */
        double t0 = MPI_Wtime();
        size_t r0 = 0, rn = 0;
        strata_mpi_block_range(&in.field, w->size, w->rank, NULL, NULL, &r0, &rn);
        const size_t row_bytes = strata_field_count(&in.field) / in.field.dims[0] *
                                 (in.field.dtype == STRATA_FLOAT32 ? 4 : 8);
        void *rows = malloc(rn * row_bytes + 1);
        st = STRATA_OK;
        if (!rows) { st = STRATA_ERR_NOMEM; snprintf(err, sizeof err, "out of memory for %zu bytes", rn * row_bytes); }
        else if (drv_input_read_rows(&in, r0, rn, rows, err, sizeof err)) st = STRATA_ERR_GENERIC;
        double t_read = MPI_Wtime() - t0, t_max;
        MPI_Allreduce(&t_read, &t_max, 1, MPI_DOUBLE, MPI_MAX, w->comm);
        st = strata_mpi_agree(w->comm, st, err, &rep);
        if (st == STRATA_OK) {
            st = strata_mpi_write_step(w->comm, o->output, &in.field, &p, rows, r0, rn, &mo, &rep);
            rep.seconds_read += t_max;
            rep.seconds_total += t_max;
        }
        free(rows);
    }
    drop_temp(w, st != STRATA_OK);
    drv_input_close(&in);
    if (st != STRATA_OK) {
        error_line(w, rep.message);
        return DRV_EXIT_ERROR;
    }
    summary(w, o, &rep, 1);
    return DRV_EXIT_OK;
}

static int run_decompress(const drv_world *w, const drv_options *o)
{
    strata_mpi_options mo;
    strata_mpi_report rep;
    strata_mpi_report_init(&rep);
    make_options(w, o, &mo);
    strata_status st = strata_mpi_decompress_file(w->comm, o->input, o->output, NULL, &mo, &rep);
    drop_temp(w, st != STRATA_OK);
    if (st != STRATA_OK) {
        error_line(w, rep.message);
        return DRV_EXIT_ERROR;
    }
    summary(w, o, &rep, 0);
    return DRV_EXIT_OK;
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    drv_world w = { MPI_COMM_WORLD, 0, 1 };
    MPI_Comm_rank(w.comm, &w.rank);
    MPI_Comm_size(w.comm, &w.size);
    char err[STRATA_MPI_MESSAGE_SIZE] = "";
    unsigned cmd = 0;
    int rc;
    if (argc < 2) { snprintf(err, sizeof err, "no command given"); rc = DRV_EXIT_USAGE; }
    else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) rc = -1;
    else if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) rc = -2;
    else if (!strcmp(argv[1], "compress")) cmd = CMD_COMPRESS;
    else if (!strcmp(argv[1], "decompress")) cmd = CMD_DECOMPRESS;
    else { snprintf(err, sizeof err, "unknown command '%s'", argv[1]); rc = DRV_EXIT_USAGE; }
    drv_options o;
    if (cmd) rc = parse(argc, argv, cmd, &o, err, sizeof err);

    /* Every rank parsed its own argv: agree before any collective work. */
    int worst;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, w.comm);
    strata_mpi_report rep;
    if (strata_mpi_agree(w.comm, rc > 0 ? STRATA_ERR_INVALID_ARG : STRATA_OK, err, &rep) != STRATA_OK) {
        /* The same argv on every rank is the rule: name a rank only when rank 0's is fine. */
        if (w.rank == 0)
            fprintf(stderr, "strata-mpi: error: %s\nTry 'strata-mpi --help'.\n", rc > 0 ? err : rep.message);
        rc = DRV_EXIT_USAGE;
    } else if (worst < 0 || rc < 0) {
        if (w.rank == 0 && rc == -2)
            printf("strata-mpi %s (stream format version %d), netCDF input: %s, HDF5 input: %s\n",
                   strata_version_string(), STRATA_FORMAT_VERSION, drv_have_netcdf() ? "yes" : "no",
                   drv_have_hdf5() ? "yes" : "no");
        else if (w.rank == 0) fputs(g_usage, stdout);
        rc = DRV_EXIT_OK;
    } else {
        rc = cmd == CMD_COMPRESS ? run_compress(&w, &o) : run_decompress(&w, &o);
    }
    MPI_Finalize();
    return rc;
}
