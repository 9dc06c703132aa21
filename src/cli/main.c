/* main.c - command-line parsing of the strata tool, and nothing else: the
 * commands are in commands.c, the I/O in fileio.c. */
#define _POSIX_C_SOURCE 200809L /* setenv, execv */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

enum { CMD_COMPRESS = 1, CMD_DECOMPRESS = 2, CMD_INFO = 4, CMD_EVAL = 8 };

typedef enum {
    OPT_INPUT, OPT_OUTPUT, OPT_TYPE, OPT_DIMS, OPT_ABS, OPT_REL, OPT_LOSSLESS, OPT_PSNR, OPT_FILL,
    OPT_THREADS, OPT_CODER, OPT_REPEAT, OPT_JSON, OPT_QUIET, OPT_GPU, OPT_HELP
} option_id;

static const struct {
    option_id id;
    const char *name;  /* --name */
    char letter;       /* -l, or 0 */
    int has_value;
    unsigned commands; /* CMD_* that accept it */
} g_options[] = {
    { OPT_INPUT, "input", 'i', 1, CMD_COMPRESS | CMD_DECOMPRESS | CMD_INFO | CMD_EVAL },
    { OPT_OUTPUT, "output", 'o', 1, CMD_COMPRESS | CMD_DECOMPRESS },
    { OPT_TYPE, "type", 't', 1, CMD_COMPRESS | CMD_EVAL },
    { OPT_DIMS, "dims", 'd', 1, CMD_COMPRESS | CMD_EVAL },
    { OPT_ABS, "abs", 0, 1, CMD_COMPRESS | CMD_EVAL },
    { OPT_REL, "rel", 0, 1, CMD_COMPRESS | CMD_EVAL },
    { OPT_LOSSLESS, "lossless", 0, 0, CMD_COMPRESS | CMD_EVAL },
    { OPT_PSNR, "psnr", 0, 1, CMD_COMPRESS | CMD_EVAL },
    { OPT_FILL, "fill", 0, 1, CMD_COMPRESS | CMD_EVAL },
    { OPT_THREADS, "threads", 0, 1, CMD_COMPRESS | CMD_DECOMPRESS | CMD_EVAL },
    { OPT_CODER, "coder", 0, 1, CMD_COMPRESS | CMD_EVAL },
    { OPT_REPEAT, "repeat", 0, 1, CMD_EVAL },
    { OPT_JSON, "json", 0, 0, CMD_EVAL },
    { OPT_QUIET, "quiet", 'q', 0, CMD_COMPRESS | CMD_DECOMPRESS },
    { OPT_GPU, "gpu", 0, 0, CMD_COMPRESS | CMD_DECOMPRESS },
    { OPT_HELP, "help", 'h', 0, CMD_COMPRESS | CMD_DECOMPRESS | CMD_INFO | CMD_EVAL },
};
#define OPTION_COUNT (sizeof g_options / sizeof g_options[0])

static const struct {
    const char *name;
    unsigned id;
    int (*run)(const cli_options *);
} g_commands[] = {
    { "compress", CMD_COMPRESS, cli_compress },
    { "decompress", CMD_DECOMPRESS, cli_decompress },
    { "info", CMD_INFO, cli_info },
    { "eval", CMD_EVAL, cli_eval },
};
#define COMMAND_COUNT (sizeof g_commands / sizeof g_commands[0])

/* ---- help ------------------------------------------------------------------------- */

static const char g_input_help[] =
    "Input (-i IN): a raw file of little-endian values (needs -t and -d), or\n"
    "  FILE:VAR       a float or double variable of a netCDF-3/4 file (VAR may be\n"
    "                 GROUP/VAR in netCDF-4), or\n"
    "  FILE:/PATH     a float or double dataset of an HDF5 file.\n"
    "  An existing file is always raw; otherwise IN is split at its last ':'.\n"
    "  For netCDF and HDF5, dtype, dims and the fill value (_FillValue, else\n"
    "  missing_value; HDF5: the dataset's fill value) come from the file; -t and -d,\n"
    "  if given, must match it.\n";

static const char g_field_help[] =
    "  -t, --type f32|f64    value type of a raw input\n"
    "  -d, --dims D1x...xDn  dimensions of a raw input, slowest first (1 to 4)\n"
    "  --abs E               absolute bound: |error| <= E\n"
    "  --rel E               bound relative to the value range: |error| <= E*(max-min)\n"
    "  --lossless            bit-exact\n"
    "  --psnr P              PSNR over valid points >= P dB, with the fewest bytes\n"
    "                        found (several trial encodings: slower)\n"
    "  --fill V              points equal to V are kept exact and left out of the range\n"
    "                        (overrides the file's; --fill=nan drops it; write a negative\n"
    "                        value as --fill=-1e10 or --fill -1e10)\n"
    "  --threads N           threads (0: OpenMP's default)\n"
    "  --coder C             entropy coder: range_ctx (default, smallest streams),\n"
    "                        range (that of earlier versions), ans_ctx (about 2x\n"
    "                        faster, 5-19% larger), huffman_ctx (2-4x faster, 7-23%\n"
    "                        larger) or huffman (faster still; the GPU's)\n";

static void print_general_help(FILE *out)
{
    fprintf(out,
            "usage: strata COMMAND [OPTIONS]\n"
            "Error-bounded lossy compression of float fields.\n\n"
            "Commands:\n"
            "  compress    -i IN -o OUT [-t f32|f64 -d DIMS] (--abs E|--rel E|--psnr P|--lossless)\n"
            "  decompress  -i IN -o OUT        writes raw little-endian values\n"
            "  info        -i IN               describes a compressed stream\n"
            "  eval        -i IN [-t -d] (--abs E|--rel E|--psnr P|--lossless) [--repeat K] [--json]\n"
            "              round trip in memory, checks every point, prints ratio and speed\n\n"
            "  strata COMMAND --help   options of one command\n"
            "  strata --version        library and stream-format versions\n\n%s",
            g_input_help);
}

static void print_command_help(unsigned cmd)
{
    switch (cmd) {
    case CMD_COMPRESS:
        printf("usage: strata compress -i IN -o OUT [-t f32|f64 -d DIMS] (--abs E | --rel E |\n"
               "                       --lossless) [--fill V] [--threads N] [--coder C] [--gpu] [-q]\n"
               "Compresses IN into the stream OUT (written atomically).\n\n%s%s"
               "  -o, --output OUT      the compressed stream\n"
               "  --gpu                 on the GPU (CUDA backend): the Huffman coder's stream,\n"
               "                        the same bytes the CPU writes with it\n"
               "  -q, --quiet           no summary on stderr\n",
               g_input_help, g_field_help);
        break;
    case CMD_DECOMPRESS:
        printf("usage: strata decompress -i IN -o OUT [--threads N] [-q]\n"
               "Decompresses the stream IN into OUT: raw little-endian values in C order\n"
               "(see 'strata info' for dtype and dims). OUT is written atomically.\n\n"
               "  --threads N           threads (0: OpenMP's default)\n"
               "  -q, --quiet           no summary on stderr\n");
        break;
    case CMD_INFO:
        printf("usage: strata info -i IN\n"
               "Prints the header of the stream IN: format version, dtype, dims, mode, bound,\n"
               "absolute bound, fill value, valid range, sizes, ratio and method.\n"
               "Exits 1 if the file's size differs from the stream's.\n");
        break;
    case CMD_EVAL:
        printf("usage: strata eval -i IN [-t f32|f64 -d DIMS] (--abs E | --rel E | --psnr P | --lossless)\n"
               "                   [--fill V] [--threads N] [--coder C] [--repeat K] [--json]\n"
               "Compresses and decompresses IN in memory, checks every point (NaN, Inf and\n"
               "fill points bit for bit, the others within the absolute bound, in double)\n"
               "and prints one line of key=value pairs: ratio, bits per value, max abs error,\n"
               "abs bound, PSNR (dB, over valid points), compress and decompress MB/s\n"
               "(raw MB per second, best of K runs) and the verdict. Exits 1 if any point\n"
               "breaks the bound.\n\n%s%s"
               "  --repeat K            time the best of K runs (default 1)\n"
               "  --json                print one JSON object instead (non-finite numbers: null)\n",
               g_input_help, g_field_help);
        break;
    default:
        break;
    }
}

static void print_version(void)
{
    printf("strata %s (stream format version %d)\n", strata_version_string(),
           STRATA_FORMAT_VERSION);
    printf("netCDF input: %s\nHDF5 input: %s\n", cli_have_netcdf() ? "yes" : "no",
           cli_have_hdf5() ? "yes" : "no");
}

/* Prints a usage error and returns the usage exit status. */
static int usage_error(const char *command, const char *fmt, const char *arg)
{
    fflush(stdout);
    fputs("strata: error: ", stderr);
    fprintf(stderr, fmt, arg);
    if (command) fprintf(stderr, "\nTry 'strata %s --help'.\n", command);
    else fputs("\nTry 'strata --help'.\n", stderr);
    return CLI_EXIT_USAGE;
}

/* ---- values ------------------------------------------------------------------------ */

/* A whole string as a double: no leading space, no trailing garbage. */
static int parse_double(const char *s, double *v)
{
    char *end;
    if (!*s || isspace((unsigned char)*s)) return 1;
    errno = 0;
    *v = strtod(s, &end);
    return *end != '\0' || (errno == ERANGE && fabs(*v) > 1.0);
}

/* A decimal integer in [lo, hi]; rejects signs, spaces and trailing garbage.
 * *end, if not NULL, receives where the digits stop (then anything may follow). */
static int parse_unsigned(const char *s, unsigned long long lo, unsigned long long hi,
                          unsigned long long *v, const char **end)
{
    char *e;
    if (!isdigit((unsigned char)*s)) return 1;
    errno = 0;
    *v = strtoull(s, &e, 10);
    if (errno == ERANGE || *v < lo || *v > hi) return 1;
    if (end) *end = e;
    else if (*e != '\0') return 1;
    return 0;
}

static int parse_dims(const char *s, cli_options *o)
{
    const char *p = s;
    o->ndims = 0;
    for (;;) {
        unsigned long long d;
        const char *end;
        if (o->ndims == STRATA_MAX_DIMS) return 1;
        if (parse_unsigned(p, 1, SIZE_MAX, &d, &end)) return 1;
        o->dims[o->ndims++] = (size_t)d;
        if (*end == '\0') return 0;
        if (*end != 'x' && *end != 'X') return 1;
        p = end + 1;
    }
}

static int parse_dtype(const char *s, strata_dtype *t)
{
    if (!strcmp(s, "f32") || !strcmp(s, "float32") || !strcmp(s, "float")) *t = STRATA_FLOAT32;
    else if (!strcmp(s, "f64") || !strcmp(s, "float64") || !strcmp(s, "double")) *t = STRATA_FLOAT64;
    else return 1;
    return 0;
}

/* Applies one option; returns 0, or an exit status (usage error, or help printed). */
static int apply_option(const char *cmd, unsigned cmd_id, option_id id, const char *v,
                        cli_options *o)
{
    unsigned long long u;
    switch (id) {
    case OPT_INPUT: o->input = v; break;
    case OPT_OUTPUT: o->output = v; break;
    case OPT_TYPE:
        if (parse_dtype(v, &o->dtype)) return usage_error(cmd, "-t must be f32 or f64, not '%s'", v);
        o->has_dtype = 1;
        break;
    case OPT_DIMS:
        if (parse_dims(v, o))
            return usage_error(cmd, "bad dims '%s': give 1 to 4 positive integers, slowest first, "
                               "separated by 'x' (e.g. 20x180x360)", v);
        break;
    case OPT_ABS:
    case OPT_REL:
    case OPT_LOSSLESS:
    case OPT_PSNR:
        if (o->has_mode)
            return usage_error(cmd, "%s", "--abs, --rel, --psnr and --lossless exclude each other");
        o->has_mode = 1;
        o->mode = id == OPT_ABS ? STRATA_MODE_ABS : id == OPT_REL ? STRATA_MODE_REL
                : id == OPT_PSNR ? STRATA_MODE_PSNR : STRATA_MODE_LOSSLESS;
        if (id != OPT_LOSSLESS && (parse_double(v, &o->bound) || !isfinite(o->bound) || !(o->bound > 0)))
            return usage_error(cmd, "the bound must be a finite number > 0, not '%s'", v);
        break;
    case OPT_FILL:
        if (parse_double(v, &o->fill)) return usage_error(cmd, "--fill needs a number, not '%s'", v);
        o->has_fill = 1;
        break;
    case OPT_THREADS:
        if (parse_unsigned(v, 0, INT_MAX, &u, NULL))
            return usage_error(cmd, "--threads needs an integer >= 0, not '%s'", v);
        o->threads = (int)u;
        break;
    case OPT_CODER:
        if (!strcmp(v, "range_ctx")) o->coder = STRATA_CODER_RANGE_CTX;
        else if (!strcmp(v, "huffman_ctx")) o->coder = STRATA_CODER_HUFFMAN_CTX;
        else if (!strcmp(v, "ans_ctx")) o->coder = STRATA_CODER_ANS_CTX;
        else if (!strcmp(v, "range")) o->coder = STRATA_CODER_RANGE;
        else if (!strcmp(v, "huffman")) o->coder = STRATA_CODER_HUFFMAN;
        else return usage_error(cmd, "--coder must be range_ctx, range, ans_ctx, huffman_ctx or huffman, not '%s'", v);
        break;
    case OPT_REPEAT:
        if (parse_unsigned(v, 1, 1000000, &u, NULL))
            return usage_error(cmd, "--repeat needs an integer from 1 to 1000000, not '%s'", v);
        o->repeat = (unsigned)u;
        break;
    case OPT_JSON: o->json = 1; break;
    case OPT_QUIET: o->quiet = 1; break;
    case OPT_GPU: o->gpu = 1; break;
    case OPT_HELP:
        print_command_help(cmd_id);
        return -1; /* done, exit 0 */
    }
    return 0;
}

/* Finds the option named by argv[*i] ("--name", "--name=value", "-l", "-lvalue") and
 * its value (possibly the next argument), then applies it. */
static int parse_option(const char *cmd, unsigned cmd_id, int argc, char **argv, int *i,
                        cli_options *o)
{
    const char *arg = argv[*i], *value = NULL;
    size_t k;
    if (arg[0] != '-' || arg[1] == '\0')
        return usage_error(cmd, "unexpected argument '%s'", arg);
    if (arg[1] == '-') {
        const char *eq = strchr(arg + 2, '=');
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        for (k = 0; k < OPTION_COUNT; k++)
            if (strlen(g_options[k].name) == len && !strncmp(g_options[k].name, arg + 2, len)) break;
        if (k < OPTION_COUNT && eq && !g_options[k].has_value)
            return usage_error(cmd, "option '%s' takes no value", arg);
        if (eq) value = eq + 1;
    } else {
        for (k = 0; k < OPTION_COUNT; k++)
            if (g_options[k].letter == arg[1]) break;
        if (k < OPTION_COUNT && arg[2] != '\0') {
            if (!g_options[k].has_value) return usage_error(cmd, "unknown option '%s'", arg);
            value = arg + 2;
        }
    }
    if (k == OPTION_COUNT) return usage_error(cmd, "unknown option '%s'", arg);
    if (!(g_options[k].commands & cmd_id))
        return usage_error(cmd, "option '%s' does not apply to this command", arg);
    if (g_options[k].has_value && !value) {
        if (*i + 1 >= argc) return usage_error(cmd, "option '%s' needs a value", arg);
        value = argv[++*i];
    }
    return apply_option(cmd, cmd_id, g_options[k].id, value, o);
}

/* Required options of each command. */
static int check_required(const char *cmd, unsigned cmd_id, const cli_options *o)
{
    if (!o->input) return usage_error(cmd, "%s", "missing -i IN");
    if ((cmd_id & (CMD_COMPRESS | CMD_DECOMPRESS)) && !o->output)
        return usage_error(cmd, "%s", "missing -o OUT");
    if ((cmd_id & (CMD_COMPRESS | CMD_EVAL)) && !o->has_mode)
        return usage_error(cmd, "%s", "missing the bound: give --abs E, --rel E, --psnr P or --lossless");
    if (o->input[0] == '\0' || (o->output && o->output[0] == '\0'))
        return usage_error(cmd, "%s", "empty file name");
    return 0;
}

/* libgomp reads its wait policy once, when it loads, and by default idle threads
 * spin between parallel regions: on a shared machine (2 cores, one busy) that
 * made 2 threads several times slower than 1. Passive waiting costs nothing
 * measurable here, so unless the user chose a policy, restart with it set. */
static void prefer_passive_omp_wait(char **argv)
{
#if defined(__linux__) && defined(_OPENMP)
    if (getenv("OMP_WAIT_POLICY") || setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
    execv("/proc/self/exe", argv); /* returns only on failure: then go on as we are */
#else
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    prefer_passive_omp_wait(argv);
    if (argc < 2) return usage_error(NULL, "%s", "no command given");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        print_general_help(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        print_version();
        return CLI_EXIT_OK;
    }
    size_t c;
    for (c = 0; c < COMMAND_COUNT; c++)
        if (!strcmp(cmd, g_commands[c].name)) break;
    if (c == COMMAND_COUNT) return usage_error(NULL, "unknown command '%s'", cmd);

    cli_options o;
    memset(&o, 0, sizeof o);
    o.repeat = 1;
    for (int i = 2; i < argc; i++) {
        int rc = parse_option(cmd, g_commands[c].id, argc, argv, &i, &o);
        if (rc < 0) return CLI_EXIT_OK; /* --help */
        if (rc) return rc;
    }
    int rc = check_required(cmd, g_commands[c].id, &o);
    if (rc) return rc;
    return g_commands[c].run(&o);
}
