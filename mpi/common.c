/* common.c - what every collective call of libstrata_mpi needs: agreeing on
 * failures, checking that ranks passed the same arguments, MPI-IO in chunks,
 * outputs under a temporary name, and blocks coded in rounds with progress. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "internal.h"

void strata_mpi_options_init(strata_mpi_options *o)
{
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->size = sizeof *o;
}

void strata_mpi_report_init(strata_mpi_report *r)
{
    if (!r) return;
    memset(r, 0, sizeof *r);
    r->size = sizeof *r;
    r->failed_rank = -1;
}

double smpi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- context and agreement ---------------------------------------------------- */

void smpi_begin(smpi_ctx *c, MPI_Comm comm, strata_mpi_report *report)
{
    memset(c, 0, sizeof *c);
    c->comm = comm;
    MPI_Comm_rank(comm, &c->rank);
    MPI_Comm_size(comm, &c->size);
    c->st = STRATA_OK;
    c->rep = report ? report : &c->own; /* output only: filled here whatever it held */
    strata_mpi_report_init(c->rep);
    c->t0 = smpi_now();
}

strata_status smpi_fail(smpi_ctx *c, strata_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    #pragma omp critical
    if (c->st == STRATA_OK) {
        c->st = st;
        vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    }
    va_end(ap);
    return st;
}

strata_status smpi_fail_mpi(smpi_ctx *c, int rc, const char *what)
{
    char err[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, err, &len) != MPI_SUCCESS) snprintf(err, sizeof err, "MPI error %d", rc);
    return smpi_fail(c, STRATA_ERR_GENERIC, "%s: %s", what, err);
}

strata_status smpi_agree(smpi_ctx *c)
{
    struct { int ok, rank; } in = { c->st == STRATA_OK, c->rank }, out;
    MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, c->comm);
    if (out.ok) return STRATA_OK;
    int code = (int)c->st;
    char msg[STRATA_MPI_MESSAGE_SIZE];
    memcpy(msg, c->msg, sizeof msg);
    MPI_Bcast(&code, 1, MPI_INT, out.rank, c->comm);
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, out.rank, c->comm);
    msg[sizeof msg - 1] = '\0';
    c->st = (strata_status)code;
    memcpy(c->msg, msg, sizeof msg);
    c->rep->status = c->st;
    c->rep->failed_rank = out.rank;
    if (c->size > 1) snprintf(c->rep->message, sizeof c->rep->message, "rank %d: %s", out.rank, msg);
    else snprintf(c->rep->message, sizeof c->rep->message, "%s", msg);
    return c->st;
}

strata_status smpi_finish(smpi_ctx *c)
{
    double t[5] = { c->t_read, c->t_exchange, c->t_code, c->t_write, smpi_now() - c->t0 }, m[5];
    MPI_Allreduce(t, m, 5, MPI_DOUBLE, MPI_MAX, c->comm);
    c->rep->seconds_read = m[0];
    c->rep->seconds_exchange = m[1];
    c->rep->seconds_code = m[2];
    c->rep->seconds_write = m[3];
    c->rep->seconds_total = m[4];
    c->rep->status = c->st;
    return c->st;
}

strata_status strata_mpi_agree(MPI_Comm comm, strata_status local, const char *message,
                               strata_mpi_report *report)
{
    smpi_ctx c;
    smpi_begin(&c, comm, report);
    if (local != STRATA_OK) smpi_fail(&c, local, "%s", message ? message : strata_status_string(local));
    return smpi_agree(&c);
}

uint64_t smpi_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

void smpi_check_same(smpi_ctx *c, const void *sig, size_t n, const char *what)
{
    unsigned char root[256]; /* signatures are small: hashes and a few fields */
    if (n > sizeof root) {
        /* The same n everywhere: every rank fails alike, and no call is left unmatched. */
        smpi_fail(c, STRATA_ERR_GENERIC, "internal: signature of %zu bytes", n);
        return;
    }
    if (c->rank == 0) memcpy(root, sig, n);
    MPI_Bcast(root, (int)n, MPI_BYTE, 0, c->comm);
    if (memcmp(root, sig, n) != 0) smpi_fail(c, STRATA_ERR_INVALID_ARG, "%s differs from rank 0's", what);
}

void smpi_options(smpi_ctx *c, const strata_mpi_options *in, strata_mpi_options *out)
{
    strata_mpi_options_init(out);
    if (in && in->size == sizeof *in) *out = *in;
    else if (in) smpi_fail(c, STRATA_ERR_INVALID_ARG, "strata_mpi_options.size is not set "
                           "(call strata_mpi_options_init)");
    int v[2] = { out->threads, out->progress != 0 };
    MPI_Bcast(v, 2, MPI_INT, 0, c->comm);
    out->progress = v[1]; /* threads stay per rank: they do not change the bytes */
}

void smpi_split(size_t blocks, int nranks, int rank, size_t *first, size_t *count)
{
    const size_t n = (size_t)nranks, r = (size_t)rank;
    const size_t base = blocks / n, extra = blocks % n;
    *first = r * base + (r < extra ? r : extra);
    *count = base + (r < extra ? 1 : 0);
}

strata_status strata_mpi_block_range(const strata_field *f, int nranks, int rank,
                                     size_t *first_block, size_t *block_count,
                                     size_t *row_start, size_t *row_count)
{
    if (!f || nranks < 1 || rank < 0 || rank >= nranks) return STRATA_ERR_INVALID_ARG;
    const size_t nb = strata_block_count(f), slab = strata_block_slab(f);
    if (!nb) return STRATA_ERR_INVALID_ARG;
    size_t first, count;
    smpi_split(nb, nranks, rank, &first, &count);
    size_t r0 = first * slab, r1 = (first + count) * slab;
    if (r0 > f->dims[0]) r0 = f->dims[0];
    if (r1 > f->dims[0]) r1 = f->dims[0];
    if (first_block) *first_block = first;
    if (block_count) *block_count = count;
    if (row_start) *row_start = r0;
    if (row_count) *row_count = r1 - r0;
    return STRATA_OK;
}

/* ---- MPI-IO ---------------------------------------------------------------------- */

void smpi_io_all(smpi_ctx *c, MPI_File fh, int write, MPI_Offset offset, void *buf, size_t n,
                 const char *path)
{
    /* Collective calls must match in number: every rank makes as many as the rank
     * with the most chunks, with a count of 0 once its own bytes are done. */
    unsigned long long mine = (n + SMPI_IO_CHUNK - 1) / SMPI_IO_CHUNK, rounds;
    MPI_Allreduce(&mine, &rounds, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, c->comm);
    size_t done = 0;
    int failed = 0;
    for (unsigned long long k = 0; k < rounds; k++) {
        size_t want = failed ? 0 : (n - done < SMPI_IO_CHUNK ? n - done : SMPI_IO_CHUNK);
        char *p = (char *)buf + (want ? done : 0);
        MPI_Status status;
        int rc = write ? MPI_File_write_at_all(fh, offset + (MPI_Offset)done, p, (int)want, MPI_BYTE, &status)
                       : MPI_File_read_at_all(fh, offset + (MPI_Offset)done, p, (int)want, MPI_BYTE, &status);
        int got = 0;
        if (rc == MPI_SUCCESS) MPI_Get_count(&status, MPI_BYTE, &got);
        if (failed) continue;
        if (rc != MPI_SUCCESS) {
            char what[4200];
            snprintf(what, sizeof what, "cannot %s '%s'", write ? "write" : "read", path);
            smpi_fail_mpi(c, rc, what);
            failed = 1;
        } else if ((size_t)got != want) {
            smpi_fail(c, write ? STRATA_ERR_GENERIC : STRATA_ERR_TRUNCATED,
                      write ? "cannot write '%s': only %d of %zu bytes written (disk full?)"
                            : "cannot read '%s': it ends early (%d of %zu bytes read)",
                      path, got, want);
            failed = 1;
        }
        done += want;
    }
}

strata_status smpi_input_open(smpi_ctx *c, const char *path, MPI_File *fh, uint64_t *size)
{
    /* A plain open first, on every rank: a clear message for the rank that cannot
     * read the file, before the collective open. */
    int fd = path && path[0] ? open(path, O_RDONLY) : -1;
    struct stat st;
    if (!path || !path[0]) smpi_fail(c, STRATA_ERR_INVALID_ARG, "no input path");
    else if (fd < 0) smpi_fail(c, STRATA_ERR_GENERIC, "cannot open '%s': %s", path, strerror(errno));
    else if (fstat(fd, &st) != 0) smpi_fail(c, STRATA_ERR_GENERIC, "cannot stat '%s': %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode)) smpi_fail(c, STRATA_ERR_GENERIC, "'%s' is a directory", path);
    if (fd >= 0) close(fd);
    const uint64_t h = smpi_hash(path);
    smpi_check_same(c, &h, sizeof h, "the input file name");
    if (smpi_agree(c) != STRATA_OK) return c->st;
    int rc = MPI_File_open(c->comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, fh);
    const int opened = rc == MPI_SUCCESS;
    if (!opened) {
        char what[4200];
        snprintf(what, sizeof what, "cannot open '%s' with MPI-IO", path);
        smpi_fail_mpi(c, rc, what);
    }
    MPI_Offset sz = 0;
    if (opened && (rc = MPI_File_get_size(*fh, &sz)) != MPI_SUCCESS)
        smpi_fail_mpi(c, rc, "cannot get the input's size");
    *size = (uint64_t)sz;
    /* MPI_File_open is collective: normally every rank has the handle or none has.
     * Close it (collectively) on failure only when every rank has it. */
    int all;
    MPI_Allreduce(&opened, &all, 1, MPI_INT, MPI_MIN, c->comm);
    if (smpi_agree(c) != STRATA_OK && all) MPI_File_close(fh);
    return c->st;
}

/* ---- outputs under a temporary name ----------------------------------------------- */

/* Rank 0: decides where to write. Returns nonzero after smpi_fail. */
static int output_prepare(smpi_ctx *c, smpi_output *out, const char *path,
                          const strata_mpi_options *opt)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return smpi_fail(c, STRATA_ERR_GENERIC, "cannot write '%s': it is a directory", path);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* /dev/null, a pipe: cannot be renamed over; written in place. */
        out->in_place = 1;
        snprintf(out->temp, sizeof out->temp, "%s", path);
        return 0;
    }
    if (opt->temp_path && opt->temp_path[0]) {
        if (strlen(opt->temp_path) >= sizeof out->temp)
            return smpi_fail(c, STRATA_ERR_INVALID_ARG, "temporary path too long");
        snprintf(out->temp, sizeof out->temp, "%s", opt->temp_path);
        return 0;
    }
    int len = snprintf(out->temp, sizeof out->temp, "%s.tmp.XXXXXX", path);
    if (len < 0 || (size_t)len >= sizeof out->temp)
        return smpi_fail(c, STRATA_ERR_INVALID_ARG, "output path too long: '%s'", path);
    int fd = mkstemp(out->temp);
    if (fd < 0)
        return smpi_fail(c, STRATA_ERR_GENERIC, "cannot create a temporary file beside '%s': %s",
                         path, strerror(errno));
    close(fd);
    return 0;
}

strata_status smpi_output_open(smpi_ctx *c, smpi_output *out, const char *path,
                               const strata_mpi_options *opt)
{
    memset(out, 0, sizeof *out);
    int prepared = 0;
    if (c->rank == 0) prepared = output_prepare(c, out, path, opt) == 0;
    MPI_Bcast(&prepared, 1, MPI_INT, 0, c->comm);
    if (smpi_agree(c) != STRATA_OK) return c->st;
    MPI_Bcast(out->temp, (int)sizeof out->temp, MPI_CHAR, 0, c->comm);
    MPI_Bcast(&out->in_place, 1, MPI_INT, 0, c->comm);
    int rc = MPI_File_open(c->comm, out->temp, MPI_MODE_WRONLY | MPI_MODE_CREATE, MPI_INFO_NULL, &out->fh);
    if (rc != MPI_SUCCESS) {
        char what[4200];
        snprintf(what, sizeof what, "cannot open '%s' for writing", out->in_place ? path : out->temp);
        smpi_fail_mpi(c, rc, what);
    }
    int opened = rc == MPI_SUCCESS, all;
    MPI_Allreduce(&opened, &all, 1, MPI_INT, MPI_MIN, c->comm);
    out->open = all;
    if (smpi_agree(c) != STRATA_OK) {
        if (out->open) MPI_File_close(&out->fh);
        out->open = 0;
        if (c->rank == 0 && !out->in_place) unlink(out->temp);
    }
    return c->st;
}

strata_status smpi_output_close(smpi_ctx *c, smpi_output *out, const char *path, uint64_t size)
{
    if (out->open) {
        int rc = MPI_File_close(&out->fh);
        if (rc != MPI_SUCCESS) {
            char what[4200];
            snprintf(what, sizeof what, "cannot close '%s'", out->temp);
            smpi_fail_mpi(c, rc, what);
        }
        out->open = 0;
    }
    smpi_agree(c);
    if (c->rank == 0 && !out->in_place) {
        if (c->st == STRATA_OK) {
            mode_t mask = umask(0);
            umask(mask);
            const char *what = NULL;
            if (chmod(out->temp, 0666 & ~mask) != 0) what = "set permissions of";
            else if (truncate(out->temp, (off_t)size) != 0) what = "truncate";
            else if (rename(out->temp, path) != 0) what = "rename into place";
            if (what) smpi_fail(c, STRATA_ERR_GENERIC, "cannot %s '%s': %s (no output written)",
                                what, path, strerror(errno));
        }
        if (c->st != STRATA_OK) unlink(out->temp);
    }
    return smpi_agree(c);
}

/* ---- blocks in rounds, with progress ------------------------------------------------- */

typedef struct {
    const char *verb;
    uint64_t total_blocks;
    double t0, last;
    int rounds, posted, tested; /* Ireduce: one per round; posted so far; seen by rank 0 */
    MPI_Request *req;
    uint64_t (*send)[2], (*recv)[2];
} progress;

static void progress_print(const progress *p, const uint64_t done[2], int final)
{
    double dt = smpi_now() - p->t0;
    double mbs = dt > 0 ? (double)done[1] / 1e6 / dt : 0.0;
    fprintf(stderr, "\rstrata-mpi: %s %llu/%llu blocks, %.1f MB/s%s", p->verb,
            (unsigned long long)done[0], (unsigned long long)p->total_blocks, mbs,
            final ? "\n" : "   ");
    fflush(stderr);
}

/* Rank 0: shows every completed round, waiting for them when `wait` is set. */
static void progress_poll(progress *p, int wait)
{
    while (p->tested < p->posted) {
        int flag = 1;
        if (wait) MPI_Wait(&p->req[p->tested], MPI_STATUS_IGNORE);
        else MPI_Test(&p->req[p->tested], &flag, MPI_STATUS_IGNORE);
        if (!flag) break;
        const uint64_t *d = p->recv[p->tested++];
        double now = smpi_now();
        int last = p->tested == p->rounds;
        if (last || now - p->last >= 0.2) {
            progress_print(p, d, last);
            p->last = now;
        }
    }
}

void smpi_run_blocks(smpi_ctx *c, const char *verb, size_t count, uint64_t total_blocks,
                     const uint64_t *raw_bytes, int threads, int show, smpi_block_fn fn, void *arg)
{
    int nt = threads;
#ifdef _OPENMP
    if (nt <= 0) nt = omp_get_max_threads();
#endif
    if (nt < 1) nt = 1;
    /* Without progress: one round with every local block. With it: rounds of nt
     * blocks, each followed by a non-blocking reduction of the counts to rank 0;
     * every rank posts as many as the rank with the most rounds. */
    progress p;
    memset(&p, 0, sizeof p);
    p.verb = verb;
    p.total_blocks = total_blocks;
    unsigned long long per_round = show ? (unsigned long long)nt : (count ? count : 1);
    unsigned long long rounds = (count + per_round - 1) / per_round;
    if (show) {
        unsigned long long mine = rounds;
        MPI_Allreduce(&mine, &rounds, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, c->comm);
        const size_t k = rounds ? (size_t)rounds : 1;
        p.req = calloc(k, sizeof *p.req);
        p.send = calloc(k, sizeof *p.send);
        p.recv = calloc(k, sizeof *p.recv);
        /* Without memory for the requests nobody shows progress (same calls everywhere). */
        int ok = p.req && p.send && p.recv && rounds <= INT_MAX, all;
        MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, c->comm);
        if (!all) {
            show = 0;
            per_round = count ? count : 1;
            rounds = 1;
        }
        p.rounds = (int)rounds;
        p.t0 = p.last = smpi_now();
        if (show && c->rank == 0) progress_print(&p, (const uint64_t[2]){ 0, 0 }, 0);
    }
    uint64_t done[2] = { 0, 0 };
    for (unsigned long long r = 0; r < rounds; r++) {
        const size_t a = (size_t)(r * per_round);
        const size_t b = a >= count ? a : (count - a < per_round ? count : a + (size_t)per_round);
        const int outer = b - a > 1 && nt > 1;
        #pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (outer)
        for (long long i = (long long)a; i < (long long)b; i++) {
            strata_status s = fn(c, arg, (size_t)i, outer ? 1 : nt);
            if (s != STRATA_OK) smpi_fail(c, s, "%s", strata_status_string(s));
        }
        for (size_t i = a; i < b; i++) {
            done[0]++;
            done[1] += raw_bytes ? raw_bytes[i] : 0;
        }
        if (show) {
            p.send[r][0] = done[0];
            p.send[r][1] = done[1];
            MPI_Ireduce(p.send[r], p.recv[r], 2, MPI_UINT64_T, MPI_SUM, 0, c->comm, &p.req[r]);
            p.posted++;
            if (c->rank == 0) progress_poll(&p, 0);
        }
    }
    if (show) {
        if (c->rank == 0) progress_poll(&p, 1);
        else MPI_Waitall(p.rounds, p.req, MPI_STATUSES_IGNORE);
    }
    free(p.req);
    free(p.send);
    free(p.recv);
}
