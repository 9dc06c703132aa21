/* commands.c - the commands of the strata tool: compress, decompress, info, eval.
 * main.c hands each one a checked cli_options; fileio.c does the I/O. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "cli.h"
#include "strata_io.h"
#ifdef STRATA_HAVE_GPU
#include "strata_gpu.h"
#endif

/* ---- small shared helpers ---------------------------------------------------- */

const char *cli_dtype_name(strata_dtype t)
{
    return t == STRATA_FLOAT32 ? "f32" : t == STRATA_FLOAT64 ? "f64" : "unknown";
}

const char *cli_mode_name(strata_mode m)
{
    switch (m) {
    case STRATA_MODE_ABS: return "abs";
    case STRATA_MODE_REL: return "rel";
    case STRATA_MODE_LOSSLESS: return "lossless";
    case STRATA_MODE_PSNR: return "psnr";
    default: return "unknown";
    }
}


static const char *method_name(unsigned method)
{
    switch (method) {
    case 0: return "stored raw";
    case 1: return "multilevel interpolation";
    case 2: return "lossless";
    case 3: return "block container";
    case 4: return "wavelet (CDF 9/7)";
    default: return "unknown";
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void make_params(const cli_options *o, strata_params *p)
{
    strata_params_init(p);
    p->mode = o->mode;
    p->bound = o->mode == STRATA_MODE_LOSSLESS ? 0.0 : o->bound;
    p->threads = o->threads;
    p->coder = o->coder;
}

/* Compresses `a` into a new buffer; prints the error and returns nonzero on failure.
 * With `inplace`, a's values are the working memory and are overwritten (by the
 * reconstruction): for a caller that drops them after. */
static int compress_array(const cli_options *o, const cli_array *a, int inplace, void **dst,
                          size_t *capacity, size_t *dst_size)
{
    strata_params p;
    make_params(o, &p);
    size_t cap = strata_compress_bound(&a->field);
    if (cap == 0) {
        cli_error("cannot compress '%s': %s (the field's shape is not valid)", o->input,
                  strata_status_string(STRATA_ERR_INVALID_ARG));
        return 1;
    }
    if (!*dst || *capacity < cap) {
        free(*dst);
        *dst = malloc(cap);
        *capacity = *dst ? cap : 0;
        if (!*dst) {
            cli_error("out of memory: the compressed stream needs up to %zu bytes", cap);
            return 1;
        }
    }
    strata_status st;
    if (o->gpu) {
#ifdef STRATA_HAVE_GPU
        if (p.coder != STRATA_CODER_DEFAULT && p.coder != STRATA_CODER_HUFFMAN) {
            cli_error("%s", "--gpu writes the Huffman coder's stream; the range coders are CPU only");
            return 1;
        }
        p.coder = STRATA_CODER_HUFFMAN; /* the GPU's coder */
        st = strata_gpu_compress(&a->field, a->data, 0, &p, *dst, cap, dst_size, NULL);
#else
        st = STRATA_ERR_UNSUPPORTED; /* built without the CUDA backend */
#endif
    } else if (inplace && p.mode != STRATA_MODE_PSNR) {
        /* (PSNR mode works on copies anyway, and would only decode into the buffer.) */
        st = strata_compress_inplace(&a->field, a->data, &p, *dst, cap, dst_size);
        if (st == STRATA_ERR_UNSUPPORTED) {
            /* The field does not compress: storing it raw needs the original again. */
            cli_array b;
            if (cli_read_field(o, &b)) return 1;
            st = strata_compress(&b.field, b.data, &p, *dst, cap, dst_size);
            cli_array_free(&b);
        }
    } else {
        st = strata_compress(&a->field, a->data, &p, *dst, cap, dst_size);
    }
    if (st != STRATA_OK) {
        cli_error("cannot compress '%s': %s", o->input, strata_status_string(st));
        return 1;
    }
    return 0;
}

/* ---- compress ------------------------------------------------------------------ */

int cli_compress(const cli_options *o)
{
    cli_array a;
    int rc = cli_read_field(o, &a);
    if (rc) return rc;
    void *dst = NULL;
    size_t cap = 0, n = 0;
    rc = CLI_EXIT_ERROR;
    if (compress_array(o, &a, 1, &dst, &cap, &n) == 0 && cli_write_atomic(o->output, dst, n) == 0)
        rc = CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK && !o->quiet)
        fprintf(stderr, "%s: %zu -> %zu bytes (ratio %.2f) -> %s\n", o->input, a.size, n,
                n ? (double)a.size / (double)n : 0.0, o->output);
    free(dst);
    cli_array_free(&a);
    return rc;
}

/* ---- decompress ------------------------------------------------------------------ */

int cli_decompress(const cli_options *o)
{
    void *src = NULL, *dst = NULL;
    size_t size;
    int rc = CLI_EXIT_ERROR;
    if (cli_read_file(o->input, &src, &size)) return CLI_EXIT_ERROR;
    strata_stream_info info;
    strata_status st = strata_read_header(src, size, &info);
    if (st != STRATA_OK) {
        cli_error("'%s' is not a valid strata stream: %s", o->input, strata_status_string(st));
        goto done;
    }
    if (size > info.stream_size) {
        cli_error("'%s' has %llu bytes after the end of the stream (%llu bytes)", o->input,
                  (unsigned long long)(size - info.stream_size),
                  (unsigned long long)info.stream_size);
        goto done;
    }
    if (info.raw_size > SIZE_MAX || !(dst = malloc(info.raw_size ? (size_t)info.raw_size : 1))) {
        cli_error("out of memory: the field needs %llu bytes", (unsigned long long)info.raw_size);
        goto done;
    }
    if (o->gpu) {
#ifdef STRATA_HAVE_GPU
        st = strata_gpu_decompress(src, size, dst, (size_t)info.raw_size, 0, NULL, NULL);
#else
        st = STRATA_ERR_UNSUPPORTED; /* built without the CUDA backend */
#endif
    } else {
        st = strata_decompress(src, size, dst, (size_t)info.raw_size, o->threads, NULL);
    }
    if (st != STRATA_OK) {
        cli_error("cannot decompress '%s': %s", o->input, strata_status_string(st));
        goto done;
    }
    if (cli_write_atomic(o->output, dst, (size_t)info.raw_size)) goto done;
    if (!o->quiet) {
        char d[128];
        sio_format_dims(d, sizeof d, info.field.ndims, info.field.dims);
        fprintf(stderr, "%s: %s %s, %llu bytes -> %s\n", o->input, cli_dtype_name(info.field.dtype),
                d, (unsigned long long)info.raw_size, o->output);
    }
    rc = CLI_EXIT_OK;
done:
    free(src);
    free(dst);
    return rc;
}

/* ---- info ------------------------------------------------------------------------ */

int cli_info(const cli_options *o)
{
    unsigned char head[112]; /* strata_read_header needs no more for a single stream */
    size_t got;
    unsigned long long file_size;
    if (cli_read_prefix(o->input, head, sizeof head, &got, &file_size)) return CLI_EXIT_ERROR;
    strata_stream_info info;
    strata_status st = strata_read_header(head, got, &info);
    if (st == STRATA_ERR_TRUNCATED && file_size > got) {
        /* A container's block index may follow the 112 bytes: read the file. */
        void *all;
        size_t size;
        if (cli_read_file(o->input, &all, &size)) return CLI_EXIT_ERROR;
        st = strata_read_header(all, size, &info);
        free(all);
    }
    if (st != STRATA_OK) {
        cli_error("'%s' is not a valid strata stream: %s", o->input, strata_status_string(st));
        return CLI_EXIT_ERROR;
    }
    const strata_field *f = &info.field;
    char d[128];
    sio_format_dims(d, sizeof d, f->ndims, f->dims);
    printf("format version: %u\n", info.format_version);
    printf("dtype:          %s\n", cli_dtype_name(f->dtype));
    printf("dims:           %s\n", d);
    printf("mode:           %s\n", cli_mode_name(info.mode));
    printf("bound:          %.17g\n", info.bound);
    printf("abs bound:      %.17g\n", info.abs_bound);
    if (f->has_fill) printf("fill value:     %.17g\n", f->fill_value);
    else printf("fill value:     none\n");
    printf("valid range:    %.17g %.17g\n", info.valid_min, info.valid_max);
    printf("raw size:       %llu\n", (unsigned long long)info.raw_size);
    printf("stream size:    %llu\n", (unsigned long long)info.stream_size);
    printf("ratio:          %.4f\n",
           info.stream_size ? (double)info.raw_size / (double)info.stream_size : 0.0);
    printf("method:         %u (%s)\n", info.method, method_name(info.method));
    if (info.blocks)
        printf("blocks:         %llu (slab %llu along dims[0])\n",
               (unsigned long long)info.blocks, (unsigned long long)info.slab);
    if (file_size != info.stream_size) {
        cli_error("'%s' holds %llu bytes, but its stream is %llu bytes (%s)", o->input, file_size,
                  (unsigned long long)info.stream_size,
                  file_size < info.stream_size ? "truncated" : "trailing bytes");
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

/* ---- eval ------------------------------------------------------------------------ */

/* What an independent check of a round trip finds. */
typedef struct {
    size_t points, valid;
    double vmin, vmax;      /* over valid points (0, 0 if none) */
    double eb;              /* absolute bound checked: ABS: E; REL: E * (vmax - vmin) */
    double max_err, sse;    /* over valid points */
    size_t violations;      /* valid points off by more than eb (any bit for lossless) */
    size_t special_mismatch;/* NaN, Inf or fill points not returned bit for bit */
} round_trip_check;

/* Pass 1: range of the valid points. Pass 2: every point against the bound, with
 * errors computed in double. A valid point that comes back NaN is a violation. */
#define DEFINE_CHECK(NAME, T)                                                              \
    static void NAME(const T *x, const T *y, size_t n, int has_fill, T fill,              \
                     const cli_options *o, double stream_eb, round_trip_check *r)          \
    {                                                                                      \
        double lo = INFINITY, hi = -INFINITY;                                              \
        size_t valid = 0;                                                                  \
        for (size_t i = 0; i < n; i++) {                                                   \
            if (!isfinite(x[i]) || (has_fill && x[i] == fill)) continue;                   \
            valid++;                                                                       \
            if (x[i] < lo) lo = x[i];                                                      \
            if (x[i] > hi) hi = x[i];                                                      \
        }                                                                                  \
        r->points = n;                                                                     \
        r->valid = valid;                                                                  \
        r->vmin = valid ? lo : 0.0;                                                        \
        r->vmax = valid ? hi : 0.0;                                                        \
        r->eb = o->mode == STRATA_MODE_ABS ? o->bound                                      \
              : o->mode == STRATA_MODE_REL ? o->bound * (r->vmax - r->vmin)                \
              : o->mode == STRATA_MODE_PSNR ? stream_eb : 0.0;                             \
        for (size_t i = 0; i < n; i++) {                                                   \
            int same = memcmp(&x[i], &y[i], sizeof(T)) == 0;                               \
            if (!isfinite(x[i]) || (has_fill && x[i] == fill)) {                           \
                if (!same) r->special_mismatch++;                                          \
                continue;                                                                  \
            }                                                                              \
            double err = fabs((double)y[i] - (double)x[i]);                                \
            if (o->mode == STRATA_MODE_LOSSLESS ? !same : !(err <= r->eb)) r->violations++;\
            if (err > r->max_err || err != err) r->max_err = err;                          \
            r->sse += err * err;                                                           \
        }                                                                                  \
    }
DEFINE_CHECK(check_f32, float)
DEFINE_CHECK(check_f64, double)
#undef DEFINE_CHECK

/* stream_eb: the absolute bound a PSNR-mode stream records and must honour. */
static void check_round_trip(const cli_options *o, const cli_array *a, const void *recon,
                             double stream_eb, round_trip_check *r)
{
    memset(r, 0, sizeof *r);
    const strata_field *f = &a->field;
    size_t n = strata_field_count(f);
    if (f->dtype == STRATA_FLOAT32)
        check_f32(a->data, recon, n, f->has_fill, (float)f->fill_value, o, stream_eb, r);
    else
        check_f64(a->data, recon, n, f->has_fill, f->fill_value, o, stream_eb, r);
}

/* JSON has no NaN or Inf: those become null. */
static void json_number(const char *key, double v, int last)
{
    if (isfinite(v)) printf("\"%s\":%.17g%s", key, v, last ? "" : ",");
    else printf("\"%s\":null%s", key, last ? "" : ",");
}

static void json_string(const char *key, const char *s)
{
    printf("\"%s\":\"", key);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    printf("\",");
}

typedef struct {
    size_t raw_size, stream_size;
    double compress_s, decompress_s; /* best of o->repeat */
} eval_timing;

static void print_eval(const cli_options *o, const cli_array *a, const round_trip_check *r,
                       const eval_timing *t)
{
    const double range = r->vmax - r->vmin;
    const double mse = r->valid ? r->sse / (double)r->valid : 0.0;
    const double psnr = mse > 0 ? 20 * log10(range) - 10 * log10(mse) : INFINITY;
    const double ratio = (double)t->raw_size / (double)t->stream_size;
    const double bpv = 8.0 * (double)t->stream_size / (double)r->points;
    const double cmbs = (double)t->raw_size / 1e6 / t->compress_s;
    const double dmbs = (double)t->raw_size / 1e6 / t->decompress_s;
    const int pass = r->violations == 0 && r->special_mismatch == 0 &&
                     (o->mode != STRATA_MODE_PSNR || psnr >= o->bound);
    if (!o->json) {
        printf("ratio=%.4f bpv=%.4f max_abs_err=%.6g abs_bound=%.6g psnr=%.2f "
               "compress_MBps=%.1f decompress_MBps=%.1f violations=%zu verdict=%s\n",
               ratio, bpv, r->max_err, r->eb, psnr, cmbs, dmbs,
               r->violations + r->special_mismatch, pass ? "PASS" : "FAIL");
        return;
    }
    const strata_field *f = &a->field;
    printf("{");
    json_string("input", o->input);
    json_string("dtype", cli_dtype_name(f->dtype));
    printf("\"dims\":[");
    for (unsigned i = 0; i < f->ndims; i++) printf("%s%zu", i ? "," : "", f->dims[i]);
    printf("],");
    json_string("mode", cli_mode_name(o->mode));
    json_number("bound", o->mode == STRATA_MODE_LOSSLESS ? 0.0 : o->bound, 0);
    json_number("fill_value", f->has_fill ? f->fill_value : NAN, 0);
    printf("\"points\":%zu,\"valid_points\":%zu,\"raw_size\":%zu,\"stream_size\":%zu,",
           r->points, r->valid, t->raw_size, t->stream_size);
    json_number("ratio", ratio, 0);
    json_number("bits_per_value", bpv, 0);
    json_number("max_abs_error", r->max_err, 0);
    json_number("abs_bound", r->eb, 0);
    json_number("psnr", psnr, 0);
    json_number("compress_mbps", cmbs, 0);
    json_number("decompress_mbps", dmbs, 0);
    printf("\"threads\":%d,\"repeat\":%u,\"violations\":%zu,\"special_mismatches\":%zu,",
           o->threads, o->repeat, r->violations, r->special_mismatch);
    printf("\"verdict\":\"%s\"}\n", pass ? "pass" : "fail");
}

/* eval times calls as a long-running process (an HDF5 filter, an MPI code)
 * makes them, with the heap warm from the last one. glibc serves large blocks
 * by mmap until a free raises its threshold, and gives the heap's top back past
 * twice that, so whether a run's buffers come back or are faulted in anew
 * depended on what the process had freed before: built with CUDA's static
 * runtime, eval faulted navy's buffers in again on every compression (3.4x the
 * page faults, a third of its time). Blocks up to glibc's largest threshold
 * (32 MiB) now come from the heap, which keeps what is freed. compress and
 * decompress, one call each, keep glibc's defaults and their peak memory. */
static void keep_freed_memory(void)
{
#if defined(__GLIBC__)
    (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int cli_eval(const cli_options *o)
{
    keep_freed_memory();
    cli_array a;
    int rc = cli_read_field(o, &a);
    if (rc) return rc;
    rc = CLI_EXIT_ERROR;
    void *stream = NULL, *recon = malloc(a.size);
    size_t cap = 0;
    eval_timing t = { a.size, 0, INFINITY, INFINITY };
    strata_stream_info info;
    if (!recon) {
        cli_error("out of memory: the decompressed field needs %zu bytes", a.size);
        goto done;
    }
    for (unsigned k = 0; k < o->repeat; k++) {
        double t0 = now_seconds();
        if (compress_array(o, &a, 0, &stream, &cap, &t.stream_size)) goto done;
        double dt = now_seconds() - t0;
        if (dt < t.compress_s) t.compress_s = dt;
    }
    for (unsigned k = 0; k < o->repeat; k++) {
        double t0 = now_seconds();
        strata_status st = strata_decompress(stream, t.stream_size, recon, a.size, o->threads, &info);
        double dt = now_seconds() - t0;
        if (st != STRATA_OK) {
            cli_error("cannot decompress what was just compressed: %s", strata_status_string(st));
            goto done;
        }
        if (dt < t.decompress_s) t.decompress_s = dt;
    }
    round_trip_check r;
    check_round_trip(o, &a, recon, info.abs_bound, &r);
    print_eval(o, &a, &r, &t);
    if (o->mode == STRATA_MODE_LOSSLESS && (r.violations || r.special_mismatch)) {
        cli_error("lossless round trip changed %zu of %zu points", r.violations + r.special_mismatch,
                  r.points);
        goto done;
    }
    if (r.violations || r.special_mismatch) {
        cli_error("%zu of %zu valid points break the bound %.6g, and %zu special (NaN, Inf, fill) "
                  "points changed", r.violations, r.valid, r.eb, r.special_mismatch);
        goto done;
    }
    if (o->mode == STRATA_MODE_PSNR) {
        const double mse = r.valid ? r.sse / (double)r.valid : 0.0, range = r.vmax - r.vmin;
        if (mse > 0 && 20 * log10(range) - 10 * log10(mse) < o->bound) {
            cli_error("PSNR %.2f dB is below the target %.2f dB",
                      20 * log10(range) - 10 * log10(mse), o->bound);
            goto done;
        }
    }
    rc = CLI_EXIT_OK;
done:
    free(stream);
    free(recon);
    cli_array_free(&a);
    return rc;
}
