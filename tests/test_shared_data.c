/* test_shared_data.c - round trips of every real field in ../shared/data.
 *
 * usage: test_shared_data DATA_DIR VERIFY_TOOL SCRATCH_DIR
 *
 * Reads DATA_DIR/manifest.jsonl (one JSON object a line; "file", "dims",
 * "dtype", "fill_value", "n_fill" are extracted with strstr, nothing is
 * hard-coded), compresses each field at REL 1e-2, 1e-3 and 1e-4 (declaring the
 * fill value when n_fill > 0), checks every point with tu_roundtrip, and at 1e-3
 * also writes the original and the reconstruction to SCRATCH_DIR and runs the
 * independent checker VERIFY_TOOL (shared/tools/verify_bound.py) on them, which
 * must exit 0. Prints a table of ratios. Returns 77 (skipped) if DATA_DIR or
 * its manifest is missing.
 */
#include <stdlib.h>
#include <string.h>
#include "test_util.h"

typedef struct {
    char file[256];
    strata_dtype dtype;
    unsigned ndims;
    size_t dims[STRATA_MAX_DIMS];
    int has_fill_value;
    double fill_value;
    long long n_fill;
} manifest_entry;

/* Points at the value of "key" in line, or NULL. */
static const char *json_value(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (!p) return NULL;
    p += strlen(pat);
    while (*p == ' ') p++;
    return p;
}

/* Returns 1 if the line holds a usable entry. */
static int parse_entry(const char *line, manifest_entry *e)
{
    memset(e, 0, sizeof *e);
    const char *v = json_value(line, "file");
    if (!v || *v != '"') return 0;
    const char *end = strchr(v + 1, '"');
    if (!end || (size_t)(end - v - 1) >= sizeof e->file) return 0;
    memcpy(e->file, v + 1, (size_t)(end - v - 1));

    v = json_value(line, "dtype");
    if (!v) return 0;
    if (strncmp(v, "\"float32", 8) == 0) e->dtype = STRATA_FLOAT32;
    else if (strncmp(v, "\"float64", 8) == 0) e->dtype = STRATA_FLOAT64;
    else return 0;

    v = json_value(line, "dims");
    if (!v || *v != '[') return 0;
    v++;
    while (*v && *v != ']') {
        char *next;
        unsigned long long d = strtoull(v, &next, 10);
        if (next == v || e->ndims == STRATA_MAX_DIMS || d == 0) return 0;
        e->dims[e->ndims++] = (size_t)d;
        v = next;
        while (*v == ',' || *v == ' ') v++;
    }
    if (e->ndims == 0) return 0;

    v = json_value(line, "fill_value");
    if (v && strncmp(v, "null", 4) != 0) {
        char *next;
        e->fill_value = strtod(v, &next);
        e->has_fill_value = next != v;
    }
    v = json_value(line, "n_fill");
    e->n_fill = v ? strtoll(v, NULL, 10) : 0;
    return 1;
}

static void dims_string(const manifest_entry *e, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < e->ndims && pos < size; i++)
        pos += (size_t)snprintf(buf + pos, size - pos, "%s%zu", i ? "x" : "", e->dims[i]);
}

/* Runs the independent checker on the 1e-3 round trip; returns its verdict. */
static int verify_externally(const char *tool, const char *scratch, const manifest_entry *e,
                             const strata_field *f, const void *data, size_t raw,
                             const uint8_t *stream, size_t stream_size)
{
    char orig[1024], recon[1024], cmd[4096], fill[64] = "";
    snprintf(orig, sizeof orig, "%s/shared_%s.orig", scratch, e->file);
    snprintf(recon, sizeof recon, "%s/shared_%s.recon", scratch, e->file);
    uint8_t *out = tu_malloc(raw);
    int ok = strata_decompress(stream, stream_size, out, raw, 0, NULL) == STRATA_OK &&
             tu_write_file(orig, data, raw) && tu_write_file(recon, out, raw);
    free(out);
    TU_EXPECT(ok, "%s: cannot write the scratch files %s, %s", e->file, orig, recon);
    if (!ok) return 0;
    if (f->has_fill) snprintf(fill, sizeof fill, " --fill=%.17g", f->fill_value);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' -t %s --rel 1e-3%s", tool, orig, recon,
             f->dtype == STRATA_FLOAT32 ? "f32" : "f64", fill);
    printf("    verify_bound.py: ");
    fflush(stdout);
    int rc = system(cmd);
    fflush(stdout);
    TU_EXPECT(rc == 0, "%s: %s exited with status %d", e->file, cmd, rc);
    remove(orig);
    remove(recon);
    return rc == 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DATA_DIR VERIFY_TOOL SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1], *tool = argv[2], *scratch = argv[3];
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
    FILE *manifest = fopen(path, "r");
    if (!manifest) {
        printf("skipped: no %s\n", path);
        return 77;
    }
    static const double rels[3] = {1e-2, 1e-3, 1e-4};
    char line[1 << 16];
    struct {
        const char *type;
        char file[256], dims[64];
        double ratio[3], cmbs, dmbs, err_frac;
    } table[64];
    int rows = 0, fields = 0;
    double t_start = tu_seconds();
    while (fgets(line, sizeof line, manifest)) {
        manifest_entry e;
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        TU_EXPECT(parse_entry(line, &e), "cannot parse manifest line: %.80s", line);
        if (!parse_entry(line, &e)) continue;
        strata_field f;
        strata_field_init(&f, e.dtype, e.ndims, e.dims);
        if (e.n_fill > 0 && e.has_fill_value) {
            f.has_fill = 1;
            f.fill_value = e.fill_value;
        }
        const size_t raw = strata_field_count(&f) * tu_dtype_size(e.dtype);
        snprintf(path, sizeof path, "%s/%s", dir, e.file);
        size_t size = 0;
        uint8_t *data = tu_read_file(path, &size);
        TU_EXPECT(data && size == raw, "%s: cannot read %zu bytes (got %zu)", path, raw, data ? size : 0);
        if (!data || size != raw) { free(data); continue; }
        fields++;
        char dims[64];
        dims_string(&e, dims, sizeof dims);
        printf("%s (%s %s%s)\n", e.file, dims, e.dtype == STRATA_FLOAT32 ? "f32" : "f64",
               f.has_fill ? ", fill declared" : "");
        double ratio[3] = {0, 0, 0}, cmbs = 0, dmbs = 0, max_err = 0, eb = 0;
        for (int b = 0; b < 3; b++) {
            strata_params p;
            strata_params_init(&p);
            p.mode = STRATA_MODE_REL;
            p.bound = rels[b];
            char label[320];
            snprintf(label, sizeof label, "%s rel %g", e.file, rels[b]);
            tu_rt_result res;
            uint8_t *stream = NULL;
            tu_roundtrip(&f, data, &p, 0, label, &res, &stream);
            if (!stream) continue;
            ratio[b] = (double)raw / (double)res.stream_size;
            if (b == 1) {
                cmbs = res.compress_s > 0 ? (double)raw / 1e6 / res.compress_s : 0;
                dmbs = res.decompress_s > 0 ? (double)raw / 1e6 / res.decompress_s : 0;
                max_err = res.max_err;
                eb = res.info.abs_bound;
                verify_externally(tool, scratch, &e, &f, data, raw, stream, res.stream_size);
            }
            free(stream);
        }
        if (rows < 64) {
            memcpy(table[rows].file, e.file, sizeof e.file);
            memcpy(table[rows].dims, dims, sizeof dims);
            table[rows].type = e.dtype == STRATA_FLOAT32 ? "f32" : "f64";
            memcpy(table[rows].ratio, ratio, sizeof ratio);
            table[rows].cmbs = cmbs;
            table[rows].dmbs = dmbs;
            table[rows].err_frac = eb > 0 ? max_err / eb : 0.0;
            rows++;
        }
        free(data);
    }
    fclose(manifest);
    TU_EXPECT(fields > 0, "no fields found in %s", dir);
    printf("\n%-44s %-14s %3s %9s %9s %9s %8s %8s %9s\n", "field", "dims", "", "rel 1e-2", "rel 1e-3",
           "rel 1e-4", "comp MB/s", "dec MB/s", "maxerr/eb");
    for (int i = 0; i < rows; i++)
        printf("%-44s %-14s %3s %9.2f %9.2f %9.2f %9.0f %8.0f %9.3f\n", table[i].file, table[i].dims,
               table[i].type, table[i].ratio[0], table[i].ratio[1], table[i].ratio[2], table[i].cmbs,
               table[i].dmbs, table[i].err_frac);
    printf("(MB/s and max error at rel 1e-3; %d fields, %.1f s)\n", fields, tu_seconds() - t_start);
    return tu_finish("test_shared_data");
}
