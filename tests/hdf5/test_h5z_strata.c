/*
 * test_h5z_strata.c - the Strata HDF5 filter driven the way C users drive it: the
 * plugin is found through HDF5_PLUGIN_PATH (CTest sets it), datasets are created
 * with H5Pset_strata_* or a raw H5Pset_filter, written, closed, reopened and every
 * point checked.
 *
 * usage: test_h5z_strata CASE SCRATCH_DIR [GOLDEN_FILE]
 *   roundtrip  f32/f64 x 1-4D chunks (+ a 5-D dataset with a chunk dim of 1), partial
 *              edge chunks, abs/rel/lossless, with and without a fill value, NaN/Inf
 *   layout     the cd_values kept in the file match the documented layout, version 1
 *   golden     GOLDEN_FILE (written by an earlier plugin) reads within its bounds
 *   errors     unsupported types/shapes and bad parameters fail with a clear message
 *   corrupt    damaged chunks make H5Dread fail with an HDF5 error, never crash
 *   threads    STRATA_THREADS (read at call time) does not change the stored bytes
 *   props      the properties API
 *   all        every case above
 *   write-golden PATH   regenerates the golden file (see tests/hdf5/README.md)
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5z_strata.h"
#include "strata.h"

#define MAX_RANK 5

static int failures;
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                           \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
        }                                                                                  \
    } while (0)
#define H5OK(call) CHECK((call) >= 0, "%s", #call)

static char scratch[4096];

static const char *path_in(const char *name)
{
    static char p[4200 + 64];
    snprintf(p, sizeof p, "%s/%s", scratch, name);
    return p;
}

/* ---- HDF5 error stack capture -------------------------------------------------- */

static char errtext[8192];

static herr_t collect_error(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    (void)data;
    size_t len = strlen(errtext);
    snprintf(errtext + len, sizeof errtext - len, "%s | ", e->desc ? e->desc : "");
    return 0;
}

/* Copies the current error stack's messages into errtext. */
static void capture_errors(void)
{
    errtext[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, NULL);
}

/* ---- test data ----------------------------------------------------------------- */

typedef struct {
    const char *name;
    int rank;
    hsize_t dims[MAX_RANK];
    hsize_t chunk[MAX_RANK];
} shape_spec;

static const shape_spec shapes[] = {
    {"1d", 1, {1000}, {300}},
    {"2d", 2, {37, 53}, {16, 20}},
    {"3d", 3, {10, 33, 47}, {4, 16, 16}},
    {"4d", 4, {5, 6, 17, 19}, {2, 3, 8, 8}},
    {"5d_lead1", 5, {3, 9, 10, 11, 12}, {1, 4, 5, 6, 7}},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static size_t count_of(int rank, const hsize_t *dims)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    return n;
}

#define FILL_VALUE (-1e10)

/* A smooth field with a "land" mask (points = fill when with_fill), one NaN and two
 * infinities. Values rounded to the dtype. */
static double *make_field(const shape_spec *s, int with_fill, int f32)
{
    const size_t n = count_of(s->rank, s->dims);
    double *x = malloc(n * sizeof *x);
    uint32_t lcg = 12345;
    for (size_t i = 0; i < n; i++) {
        size_t r = i;
        double v = 0, land = 0;
        for (int d = s->rank - 1; d >= 0; d--) {
            const double c = (double)(r % s->dims[d]);
            r /= s->dims[d];
            v += sin(0.21 * (d + 1) * c + d) * (10.0 + d);
            land += cos(0.13 * c + 0.5 * d);
        }
        lcg = lcg * 1664525u + 1013904223u;
        v += 0.01 * ((double)(lcg >> 8) / 16777216.0 - 0.5);
        if (with_fill && land > 0.6 * s->rank) v = FILL_VALUE;
        x[i] = f32 ? (double)(float)v : v;
    }
    x[7] = NAN;
    x[11] = INFINITY;
    x[13] = -INFINITY;
    return x;
}

static int is_special(double v, int with_fill)
{
    return !isfinite(v) || (with_fill && v == FILL_VALUE);
}

/* The absolute bound each point gets: rel bounds use the valid range of the point's
 * chunk, padded as HDF5 pads edge chunks (with the fill value, else 0). */
static double *point_bounds(const shape_spec *s, const double *x, int mode, double bound,
                            int with_fill, int f32)
{
    const size_t n = count_of(s->rank, s->dims);
    double *eb = malloc(n * sizeof *eb);
    if (mode != H5Z_STRATA_MODE_REL) {
        for (size_t i = 0; i < n; i++) eb[i] = mode == H5Z_STRATA_MODE_ABS ? bound : 0;
        return eb;
    }
    size_t nchunks[MAX_RANK], total = 1;
    for (int d = 0; d < s->rank; d++) {
        nchunks[d] = (size_t)((s->dims[d] + s->chunk[d] - 1) / s->chunk[d]);
        total *= nchunks[d];
    }
    size_t *chunk_of = malloc(n * sizeof *chunk_of);
    double *lo = malloc(total * sizeof *lo), *hi = malloc(total * sizeof *hi);
    int *partial = calloc(total, sizeof *partial);
    for (size_t c = 0; c < total; c++) lo[c] = INFINITY, hi[c] = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        size_t r = i, c = 0, stride = 1;
        for (int d = s->rank - 1; d >= 0; d--) {
            c += (size_t)((r % s->dims[d]) / s->chunk[d]) * stride;
            stride *= nchunks[d];
            r /= s->dims[d];
        }
        chunk_of[i] = c;
        if (!is_special(x[i], with_fill)) {
            if (x[i] < lo[c]) lo[c] = x[i];
            if (x[i] > hi[c]) hi[c] = x[i];
        }
    }
    for (size_t c = 0; c < total; c++) { /* is chunk c cut by the dataset's edge? */
        size_t r = c;
        for (int d = s->rank - 1; d >= 0; d--) {
            const size_t k = r % nchunks[d];
            r /= nchunks[d];
            if ((k + 1) * s->chunk[d] > s->dims[d]) partial[c] = 1;
        }
        if (partial[c] && !with_fill) { /* padding zeros are valid points */
            if (0 < lo[c]) lo[c] = 0;
            if (0 > hi[c]) hi[c] = 0;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const size_t c = chunk_of[i];
        eb[i] = hi[c] >= lo[c] ? bound * (hi[c] - lo[c]) : 0;
    }
    (void)f32;
    free(chunk_of), free(lo), free(hi), free(partial);
    return eb;
}

/* ---- write / read --------------------------------------------------------------- */

typedef enum { SET_PROPS, SET_RAW, SET_RAW_EMPTY } set_how;

static hid_t make_dcpl(const shape_spec *s, int mode, double bound, int with_fill, int f32,
                       set_how how)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5OK(H5Pset_chunk(dcpl, s->rank, s->chunk));
    if (with_fill) {
        const float ff = (float)FILL_VALUE;
        const double fd = FILL_VALUE;
        H5OK(f32 ? H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &ff)
                 : H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fd));
    }
    if (how == SET_PROPS) {
        H5OK(mode == H5Z_STRATA_MODE_ABS   ? H5Pset_strata_abs(dcpl, bound)
             : mode == H5Z_STRATA_MODE_REL ? H5Pset_strata_rel(dcpl, bound)
                                           : H5Pset_strata_lossless(dcpl));
    } else if (how == SET_RAW_EMPTY) { /* no parameters at all: lossless */
        H5OK(H5Pset_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_MANDATORY, 0, NULL));
    } else {
        unsigned cd[3] = {(unsigned)mode, 0, 0};
        H5Z_strata_pack_double(bound, cd + 1);
        H5OK(H5Pset_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_MANDATORY,
                           mode == H5Z_STRATA_MODE_LOSSLESS ? 1 : 3, cd));
    }
    return dcpl;
}

/* Writes x (already rounded to the dtype) as dataset `name`. @return 0 on success. */
static int write_dataset(hid_t file, const char *name, const shape_spec *s, const double *x,
                         int f32, hid_t dcpl)
{
    const size_t n = count_of(s->rank, s->dims);
    hid_t space = H5Screate_simple(s->rank, s->dims, NULL);
    hid_t dset = H5Dcreate2(file, name, f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, space,
                            H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int rc = -1;
    if (dset >= 0) {
        herr_t st;
        if (f32) {
            float *b = malloc(n * sizeof *b);
            for (size_t i = 0; i < n; i++) b[i] = (float)x[i];
            st = H5Dwrite(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, b);
            free(b);
        } else {
            st = H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
        }
        rc = st >= 0 && H5Dclose(dset) >= 0 ? 0 : -1;
    }
    H5Sclose(space);
    return rc;
}

/* Reads dataset `name` into doubles (NULL on failure). */
static double *read_dataset(hid_t file, const char *name, size_t n, int f32)
{
    hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
    if (dset < 0) return NULL;
    double *y = malloc(n * sizeof *y);
    herr_t st;
    if (f32) {
        float *b = malloc(n * sizeof *b);
        st = H5Dread(dset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, b);
        for (size_t i = 0; i < n && st >= 0; i++) y[i] = b[i];
        free(b);
    } else {
        st = H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, y);
    }
    H5Dclose(dset);
    if (st < 0) {
        free(y);
        return NULL;
    }
    return y;
}

/* Every point: specials bit for bit (as doubles; f32 NaN payloads survive the
 * widening), valid ones within eb[i]. @return violations. */
static size_t compare(const double *x, const double *y, const double *eb, size_t n,
                      int with_fill, const char *what)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        int ok;
        if (is_special(x[i], with_fill) || eb[i] == 0)
            ok = memcmp(&x[i], &y[i], sizeof x[i]) == 0;
        else
            ok = fabs(y[i] - x[i]) <= eb[i];
        if (!ok && bad++ < 3)
            fprintf(stderr, "  %s: point %zu: %.17g read back as %.17g (bound %g)\n", what, i,
                    x[i], y[i], eb[i]);
    }
    return bad;
}

/* ---- cases --------------------------------------------------------------------- */

static const char *mode_name(int mode)
{
    return mode == H5Z_STRATA_MODE_ABS ? "abs" : mode == H5Z_STRATA_MODE_REL ? "rel" : "lossless";
}

static void case_roundtrip(void)
{
    struct { int mode; double bound; int with_fill; set_how how; } variants[] = {
        {H5Z_STRATA_MODE_ABS, 1e-2, 1, SET_PROPS},
        {H5Z_STRATA_MODE_REL, 1e-3, 1, SET_RAW},
        {H5Z_STRATA_MODE_ABS, 1e-3, 0, SET_RAW},
        {H5Z_STRATA_MODE_REL, 1e-2, 0, SET_PROPS},
        {H5Z_STRATA_MODE_LOSSLESS, 0, 1, SET_PROPS},
        {H5Z_STRATA_MODE_LOSSLESS, 0, 0, SET_RAW_EMPTY},
    };
    const size_t nvar = sizeof variants / sizeof variants[0];
    const char *path = path_in("roundtrip.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5OK(file);
    char name[128];
    for (int f32 = 0; f32 < 2; f32++)
        for (size_t s = 0; s < NSHAPES; s++)
            for (size_t v = 0; v < nvar; v++) {
                snprintf(name, sizeof name, "%s_%s_%s_%s_%zu", f32 ? "f32" : "f64",
                         shapes[s].name, mode_name(variants[v].mode),
                         variants[v].with_fill ? "fill" : "nofill", v);
                double *x = make_field(&shapes[s], variants[v].with_fill, f32);
                hid_t dcpl = make_dcpl(&shapes[s], variants[v].mode, variants[v].bound,
                                       variants[v].with_fill, f32, variants[v].how);
                CHECK(write_dataset(file, name, &shapes[s], x, f32, dcpl) == 0, "write %s", name);
                H5Pclose(dcpl);
                free(x);
            }
    H5OK(H5Fclose(file));

    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5OK(file);
    size_t datasets = 0;
    for (int f32 = 0; f32 < 2; f32++)
        for (size_t s = 0; s < NSHAPES; s++)
            for (size_t v = 0; v < nvar; v++) {
                snprintf(name, sizeof name, "%s_%s_%s_%s_%zu", f32 ? "f32" : "f64",
                         shapes[s].name, mode_name(variants[v].mode),
                         variants[v].with_fill ? "fill" : "nofill", v);
                const size_t n = count_of(shapes[s].rank, shapes[s].dims);
                double *x = make_field(&shapes[s], variants[v].with_fill, f32);
                double *eb = point_bounds(&shapes[s], x, variants[v].mode, variants[v].bound,
                                          variants[v].with_fill, f32);
                double *y = read_dataset(file, name, n, f32);
                CHECK(y != NULL, "read %s", name);
                if (y) CHECK(compare(x, y, eb, n, variants[v].with_fill, name) == 0, "%s", name);

                /* The filter is really in the pipeline, and it compressed. */
                hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
                hid_t dcpl = H5Dget_create_plist(dset);
                unsigned flags, cfg, cd[H5Z_STRATA_CD_MAX];
                size_t ncd = H5Z_STRATA_CD_MAX;
                CHECK(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_STRATA, &flags, &ncd, cd, 0, NULL,
                                           &cfg) >= 0, "%s has no Strata filter", name);
                const hsize_t stored = H5Dget_storage_size(dset);
                const size_t raw = n * (f32 ? 4 : 8);
                if (variants[v].mode != H5Z_STRATA_MODE_LOSSLESS)
                    CHECK(stored < raw, "%s: %llu bytes stored for %zu raw", name,
                          (unsigned long long)stored, raw);
                H5Pclose(dcpl);
                H5Dclose(dset);
                free(x), free(eb), free(y);
                datasets++;
            }
    H5OK(H5Fclose(file));
    printf("roundtrip: %zu datasets checked point by point\n", datasets);
}

static void case_layout(void)
{
    const char *path = path_in("layout.h5");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const shape_spec s = {"lay", 3, {6, 40, 50}, {1, 16, 20}};
    double *x = make_field(&s, 1, 1);
    hid_t dcpl = make_dcpl(&s, H5Z_STRATA_MODE_ABS, 0.25, 1, 1, SET_PROPS);
    CHECK(write_dataset(file, "x", &s, x, 1, dcpl) == 0, "write");
    H5Pclose(dcpl);
    H5Fclose(file);
    free(x);

    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t dset = H5Dopen2(file, "x", H5P_DEFAULT);
    dcpl = H5Dget_create_plist(dset);
    unsigned flags = 0, cfg = 0, cd[32];
    size_t n = 32;
    char name[32] = "";
    H5OK(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_STRATA, &flags, &n, cd, sizeof name, name, &cfg));
    const double fill = (double)(float)FILL_VALUE;
    unsigned want[11] = {1, 0, 0, 1, 1, 1, 0, 0, 2, 16, 20};
    H5Z_strata_pack_double(0.25, want + 1);
    H5Z_strata_pack_double(fill, want + 6);
    CHECK(n == 11, "%zu cd_values kept, want 11", n);
    for (size_t i = 0; i < 11 && i < n; i++)
        CHECK(cd[i] == want[i], "cd_values[%zu] = %u, want %u", i, cd[i], want[i]);
    CHECK(want[1] == 0 && want[2] == 0x3FD00000u, "0.25 packs low word first");
    CHECK(strcmp(name, "strata") == 0, "filter name '%s'", name);
    CHECK(!(flags & H5Z_FLAG_OPTIONAL), "the properties API sets the filter mandatory");
    CHECK((cfg & H5Z_FILTER_CONFIG_ENCODE_ENABLED) && (cfg & H5Z_FILTER_CONFIG_DECODE_ENABLED),
          "filter config %u", cfg);
    H5Pclose(dcpl);
    H5Dclose(dset);

    /* The stored form given back (as h5repack and nccopy do when copying a filtered
     * dataset): mode, bound and fill value kept, chunk shape recomputed. And the
     * 5-value form: the fill value in the parameters, none in the dataset. */
    H5Fclose(file);
    file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    const shape_spec s2 = {"lay2", 3, {6, 40, 50}, {2, 40, 50}};
    x = make_field(&s2, 1, 1);
    for (int form = 0; form < 2; form++) {
        dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, s2.rank, s2.chunk);
        unsigned five[5] = {1, want[1], want[2], want[6], want[7]};
        H5OK(form == 0 ? H5Pset_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_MANDATORY, n, cd)
                       : H5Pset_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_MANDATORY, 5, five));
        CHECK(write_dataset(file, form ? "five" : "again", &s2, x, 1, dcpl) == 0, "write");
        H5Pclose(dcpl);
        dset = H5Dopen2(file, form ? "five" : "again", H5P_DEFAULT);
        dcpl = H5Dget_create_plist(dset);
        unsigned cd2[32];
        size_t n2 = 32;
        H5OK(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_STRATA, &flags, &n2, cd2, 0, NULL, &cfg));
        const unsigned want2[12] = {1, want[1], want[2], 1, 1, 1, want[6], want[7], 3, 2, 40, 50};
        CHECK(n2 == 12, "%zu cd_values kept, want 12", n2);
        for (size_t i = 0; i < 12 && i < n2; i++)
            CHECK(cd2[i] == want2[i], "form %d: cd_values[%zu] = %u, want %u", form, i, cd2[i],
                  want2[i]);
        const size_t cnt = count_of(s2.rank, s2.dims);
        double *y = read_dataset(file, form ? "five" : "again", cnt, 1);
        double *eb = point_bounds(&s2, x, H5Z_STRATA_MODE_ABS, 0.25, 1, 1);
        CHECK(y && compare(x, y, eb, cnt, 1, "layout") == 0, "form %d round trip", form);
        free(y), free(eb);
        H5Pclose(dcpl);
        H5Dclose(dset);
    }
    free(x);
    H5Fclose(file);
    printf("layout: cd_values as documented\n");
}

/* The golden file holds, for each compressed dataset D, its original as D_orig and
 * the bound as attributes mode/bound (see write_golden). */
static const struct { const char *name; shape_spec s; int f32, mode; double bound; int fill; }
    golden_sets[] = {
        {"f32_3d_abs_fill", {"g1", 3, {5, 20, 30}, {2, 16, 16}}, 1, H5Z_STRATA_MODE_ABS, 0.05, 1},
        {"f64_2d_rel", {"g2", 2, {40, 30}, {16, 16}}, 0, H5Z_STRATA_MODE_REL, 1e-3, 0},
        {"f32_1d_lossless", {"g3", 1, {500}, {128}}, 1, H5Z_STRATA_MODE_LOSSLESS, 0, 1},
        {"f64_4d_abs", {"g4", 4, {3, 4, 9, 10}, {2, 2, 8, 8}}, 0, H5Z_STRATA_MODE_ABS, 1e-4, 0},
};
#define NGOLDEN (sizeof golden_sets / sizeof golden_sets[0])

static void write_golden(const char *path)
{
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    char name[128];
    for (size_t g = 0; g < NGOLDEN; g++) {
        const shape_spec *s = &golden_sets[g].s;
        double *x = make_field(s, golden_sets[g].fill, golden_sets[g].f32);
        hid_t dcpl = make_dcpl(s, golden_sets[g].mode, golden_sets[g].bound, golden_sets[g].fill,
                               golden_sets[g].f32, SET_PROPS);
        CHECK(write_dataset(file, golden_sets[g].name, s, x, golden_sets[g].f32, dcpl) == 0,
              "write %s", golden_sets[g].name);
        H5Pclose(dcpl);
        hid_t plain = H5Pcreate(H5P_DATASET_CREATE);
        snprintf(name, sizeof name, "%s_orig", golden_sets[g].name);
        CHECK(write_dataset(file, name, s, x, golden_sets[g].f32, plain) == 0, "write %s", name);
        H5Pclose(plain);
        free(x);
    }
    H5Fclose(file);
    printf("wrote %s\n", path);
}

static void case_golden(const char *path)
{
    if (!path) {
        CHECK(0, "golden: no file given");
        return;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(file >= 0, "cannot open %s", path);
    if (file < 0) return;
    char name[128];
    for (size_t g = 0; g < NGOLDEN; g++) {
        const shape_spec *s = &golden_sets[g].s;
        const size_t n = count_of(s->rank, s->dims);
        snprintf(name, sizeof name, "%s_orig", golden_sets[g].name);
        double *x = read_dataset(file, name, n, golden_sets[g].f32);
        double *y = read_dataset(file, golden_sets[g].name, n, golden_sets[g].f32);
        CHECK(x && y, "read %s", golden_sets[g].name);
        if (x && y) {
            double *eb = point_bounds(s, x, golden_sets[g].mode, golden_sets[g].bound,
                                      golden_sets[g].fill, golden_sets[g].f32);
            CHECK(compare(x, y, eb, n, golden_sets[g].fill, golden_sets[g].name) == 0, "%s",
                  golden_sets[g].name);
            free(eb);
        }
        free(x), free(y);
    }
    H5Fclose(file);
    printf("golden: %zu datasets of %s read within their bounds\n", NGOLDEN, path);
}

/* Tries to create a dataset; @return 1 if creation failed with `expect` in the
 * error stack. */
static int creation_fails(hid_t file, const char *name, hid_t type, int rank,
                          const hsize_t *dims, hid_t dcpl, const char *expect)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dset = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    capture_errors();
    H5Sclose(space);
    if (dset >= 0) {
        H5Dclose(dset);
        fprintf(stderr, "  %s: created, expected a failure\n", name);
        return 0;
    }
    if (!strstr(errtext, expect)) {
        fprintf(stderr, "  %s: error stack lacks '%s': %s\n", name, expect, errtext);
        return 0;
    }
    return 1;
}

static void case_errors(void)
{
    hid_t file = H5Fcreate(path_in("errors.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[6] = {4, 4, 4, 4, 4, 4}, chunk[6] = {2, 2, 2, 2, 2, 2};
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5OK(H5Pset_strata_abs(dcpl, 1e-3));
    CHECK(creation_fails(file, "int", H5T_NATIVE_INT, 2, dims, dcpl, "float32 or float64"),
          "an int dataset must be refused");
    CHECK(creation_fails(file, "be", H5T_IEEE_F32BE, 2, dims, dcpl, "little-endian"),
          "a big-endian dataset must be refused");
    H5Pclose(dcpl);

    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 5, chunk);
    H5OK(H5Pset_strata_abs(dcpl, 1e-3));
    CHECK(creation_fails(file, "5d", H5T_NATIVE_FLOAT, 5, dims, dcpl, "at most 4"),
          "a chunk with 5 dimensions > 1 must be refused");
    H5Pclose(dcpl);

    struct { size_t n; unsigned cd[4]; const char *expect; } bad[] = {
        {3, {7, 0, 0}, "unknown mode 7"},
        {1, {1, 0, 0}, "needs a bound"},
        {2, {1, 0, 0}, "2 parameters"},
        {4, {1, 0, 0x3FF00000u}, "4 parameters"},
        {3, {1, 0, 0xBFF00000u}, "> 0 and finite"},  /* -1.0 */
        {3, {2, 0, 0x7FF80000u}, "> 0 and finite"},  /* NaN */
        {3, {1, 0, 0}, "> 0 and finite"},            /* 0.0 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 2, chunk);
        H5OK(H5Pset_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_MANDATORY, bad[i].n, bad[i].cd));
        char name[32];
        snprintf(name, sizeof name, "bad%zu", i);
        CHECK(creation_fails(file, name, H5T_NATIVE_DOUBLE, 2, dims, dcpl, bad[i].expect),
              "bad parameters %zu must be refused", i);
        H5Pclose(dcpl);
    }

    /* Optional filter on an unsupported type: HDF5 keeps it in the pipeline, the
     * filter declines each chunk and HDF5 stores the chunks unfiltered (what optional
     * means); the data comes back exactly. */
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    const unsigned cd[3] = {3, 0, 0};
    H5OK(H5Pset_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_OPTIONAL, 1, cd));
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t dset = H5Dcreate2(file, "int_optional", H5T_NATIVE_INT, space, H5P_DEFAULT, dcpl,
                            H5P_DEFAULT);
    CHECK(dset >= 0, "optional filter on an int dataset");
    if (dset >= 0) {
        int in[16], out[16];
        for (int i = 0; i < 16; i++) in[i] = i * 7 - 20, out[i] = 0;
        H5OK(H5Dwrite(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, in));
        H5OK(H5Dread(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out));
        CHECK(memcmp(in, out, sizeof in) == 0, "int data through an optional filter");
        H5Dclose(dset);
    }
    H5Sclose(space);
    H5Pclose(dcpl);

    /* Properties API argument checks. */
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    CHECK(H5Pset_strata_abs(dcpl, -1) < 0, "negative bound accepted");
    CHECK(H5Pset_strata_rel(dcpl, NAN) < 0, "NaN bound accepted");
    CHECK(H5Pset_strata_abs(dcpl, INFINITY) < 0, "infinite bound accepted");
    CHECK(H5Pset_strata_lossless(H5P_DEFAULT) < 0, "H5P_DEFAULT accepted");
    H5Pclose(dcpl);
    H5Fclose(file);
    H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)H5Eprint2, stderr);
    printf("errors: refused with clear messages\n");
}

/* Writes a 2-chunk dataset, replaces chunk 0 by `bytes`, and expects reading it to
 * fail with `expect` in the error stack while chunk 1 still reads. */
static void corrupt_one(hid_t file, const char *name, const void *bytes, size_t size,
                        const char *expect)
{
    const shape_spec s = {"c", 2, {32, 64}, {32, 32}};
    double *x = make_field(&s, 0, 0);
    hid_t dcpl = make_dcpl(&s, H5Z_STRATA_MODE_ABS, 1e-3, 0, 0, SET_PROPS);
    CHECK(write_dataset(file, name, &s, x, 0, dcpl) == 0, "write %s", name);
    H5Pclose(dcpl);
    hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
    const hsize_t origin[2] = {0, 0};
    H5OK(H5Dwrite_chunk(dset, H5P_DEFAULT, 0, origin, size, bytes));
    H5Dclose(dset);
    H5Fflush(file, H5F_SCOPE_GLOBAL);

    dset = H5Dopen2(file, name, H5P_DEFAULT);
    double *y = malloc(32 * 64 * sizeof *y);
    const herr_t st = H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, y);
    capture_errors();
    CHECK(st < 0, "%s: reading a corrupted chunk succeeded", name);
    CHECK(strstr(errtext, expect) != NULL, "%s: error stack lacks '%s': %s", name, expect,
          errtext);
    const char *msg = strstr(errtext, "Strata filter");
    if (msg) printf("  %-16s -> %.*s\n", name, (int)strcspn(msg, "|"), msg);
    /* The intact chunk (columns 32..63) still reads. */
    hid_t fspace = H5Dget_space(dset);
    const hsize_t start[2] = {0, 32}, count[2] = {32, 32};
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mspace = H5Screate_simple(2, count, NULL);
    CHECK(H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, y) >= 0,
          "%s: the intact chunk does not read", name);
    size_t bad = 0;
    for (size_t r = 0; r < 32; r++)
        for (size_t c = 0; c < 32; c++) {
            const double a = x[r * 64 + 32 + c], b = y[r * 32 + c];
            if (isfinite(a) ? !(fabs(a - b) <= 1e-3) : memcmp(&a, &b, sizeof a) != 0) bad++;
        }
    CHECK(bad == 0, "%s: %zu points of the intact chunk wrong", name, bad);
    H5Sclose(mspace), H5Sclose(fspace), H5Dclose(dset);
    free(x), free(y);
}

static void case_corrupt(void)
{
    hid_t file = H5Fcreate(path_in("corrupt.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    /* A genuine chunk stream to damage: the first chunk of a fresh dataset. */
    const shape_spec s = {"c", 2, {32, 64}, {32, 32}};
    double *x = make_field(&s, 0, 0);
    hid_t dcpl = make_dcpl(&s, H5Z_STRATA_MODE_ABS, 1e-3, 0, 0, SET_PROPS);
    CHECK(write_dataset(file, "source", &s, x, 0, dcpl) == 0, "write source");
    H5Pclose(dcpl);
    free(x);
    hid_t dset = H5Dopen2(file, "source", H5P_DEFAULT);
    const hsize_t origin[2] = {0, 0};
    hsize_t size = 0;
    H5OK(H5Dget_chunk_storage_size(dset, origin, &size));
    unsigned char *good = malloc(size), *bad = malloc(size + 64);
    uint32_t mask = 0;
    H5OK(H5Dread_chunk(dset, H5P_DEFAULT, origin, &mask, good));
    H5Dclose(dset);
    CHECK(size > 200 && mask == 0, "source chunk: %llu bytes, mask %u", (unsigned long long)size,
          mask);

    memcpy(bad, good, size);
    bad[size - 5] ^= 0x40;
    corrupt_one(file, "payload_flip", bad, size, "checksum");

    memcpy(bad, good, size);
    bad[20] ^= 0x01; /* a dimension: header checksum */
    corrupt_one(file, "header_flip", bad, size, "Strata filter");

    corrupt_one(file, "truncated", good, size / 2, "Strata filter");
    corrupt_one(file, "header_only_part", good, 40, "Strata filter");

    memset(bad, 0, size);
    corrupt_one(file, "zeros", bad, size, "Strata filter");

    uint32_t lcg = 99;
    for (size_t i = 0; i < size; i++) bad[i] = (unsigned char)((lcg = lcg * 1103515245u + 12345u) >> 24);
    corrupt_one(file, "random", bad, size, "Strata filter");

    /* A valid stream of the wrong size: a 16x32 float64 field. */
    strata_field f;
    const size_t d2[2] = {16, 32};
    strata_field_init(&f, STRATA_FLOAT64, 2, d2);
    double small[16 * 32];
    for (size_t i = 0; i < 16 * 32; i++) small[i] = sin(0.1 * (double)i);
    strata_params p;
    strata_params_init(&p);
    p.threads = 1;
    const size_t cap = strata_compress_bound(&f);
    unsigned char *stream = malloc(cap);
    size_t ssize = 0;
    CHECK(strata_compress(&f, small, &p, stream, cap, &ssize) == STRATA_OK, "compress small");
    corrupt_one(file, "wrong_size", stream, ssize, "the dataset's chunk holds");
    free(stream);

    /* Single-bit flips all over a genuine chunk: each read must fail cleanly or (a flip
     * in a byte decoders ignore) return the right data; valgrind watches memory. */
    {
        const shape_spec cs = {"c", 2, {32, 64}, {32, 32}};
        double *cx = make_field(&cs, 0, 0), *cy = malloc(32 * 64 * sizeof *cy);
        hid_t cdcpl = make_dcpl(&cs, H5Z_STRATA_MODE_ABS, 1e-3, 0, 0, SET_PROPS);
        CHECK(write_dataset(file, "flips", &cs, cx, 0, cdcpl) == 0, "write flips");
        H5Pclose(cdcpl);
        size_t failed = 0, tried = 0, wrong = 0;
        for (size_t pos = 0; pos < size; pos += 1 + size / 97, tried++) {
            memcpy(bad, good, size);
            bad[pos] ^= (unsigned char)(1u << (pos % 8));
            hid_t d = H5Dopen2(file, "flips", H5P_DEFAULT);
            H5OK(H5Dwrite_chunk(d, H5P_DEFAULT, 0, origin, size, bad));
            if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, cy) < 0) {
                failed++;
            } else {
                for (size_t i = 0; i < 32 * 64; i++)
                    if (isfinite(cx[i]) ? !(fabs(cx[i] - cy[i]) <= 1e-3)
                                        : memcmp(&cx[i], &cy[i], sizeof cx[i]) != 0) {
                        wrong++;
                        break;
                    }
            }
            H5Dclose(d);
        }
        CHECK(wrong == 0, "%zu flipped chunks decoded to wrong data", wrong);
        CHECK(failed + 4 >= tried, "only %zu of %zu flipped chunks were rejected", failed, tried);
        printf("  %zu single-bit flips: %zu rejected, the rest decoded correctly\n", tried, failed);
        free(cx), free(cy);
    }

    free(good), free(bad);
    H5Fclose(file);
    H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)H5Eprint2, stderr);
    printf("corrupt: every damaged chunk failed cleanly\n");
}

/* Stored chunk bytes with STRATA_THREADS unset and = 3 must be identical. */
static void case_threads(void)
{
    const shape_spec s = {"t", 3, {8, 64, 64}, {8, 64, 64}};
    double *x = make_field(&s, 1, 0);
    unsigned char *chunk[2] = {NULL, NULL};
    hsize_t size[2] = {0, 0};
    for (int t = 0; t < 2; t++) {
        if (t) setenv("STRATA_THREADS", "3", 1);
        else unsetenv("STRATA_THREADS");
        hid_t file = H5Fcreate(path_in("threads.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        hid_t dcpl = make_dcpl(&s, H5Z_STRATA_MODE_REL, 1e-4, 1, 0, SET_PROPS);
        CHECK(write_dataset(file, "x", &s, x, 0, dcpl) == 0, "write");
        H5Pclose(dcpl);
        hid_t dset = H5Dopen2(file, "x", H5P_DEFAULT);
        const hsize_t origin[3] = {0, 0, 0};
        uint32_t mask;
        H5OK(H5Dget_chunk_storage_size(dset, origin, &size[t]));
        chunk[t] = malloc(size[t]);
        H5OK(H5Dread_chunk(dset, H5P_DEFAULT, origin, &mask, chunk[t]));
        const size_t n = count_of(s.rank, s.dims);
        double *y = malloc(n * sizeof *y);
        H5OK(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, y));
        double *eb = point_bounds(&s, x, H5Z_STRATA_MODE_REL, 1e-4, 1, 0);
        CHECK(compare(x, y, eb, n, 1, "threads") == 0, "threads=%s", t ? "3" : "unset");
        free(y), free(eb);
        H5Dclose(dset);
        H5Fclose(file);
    }
    unsetenv("STRATA_THREADS");
    CHECK(size[0] == size[1] && memcmp(chunk[0], chunk[1], size[0]) == 0,
          "stored bytes depend on STRATA_THREADS");
    free(chunk[0]), free(chunk[1]), free(x);
    printf("threads: identical chunks with STRATA_THREADS unset and 3\n");
}

static void case_props(void)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5OK(H5Pset_strata_abs(dcpl, 0.5));
    H5OK(H5Pset_strata_rel(dcpl, 1e-2)); /* replaces, does not append */
    CHECK(H5Pget_nfilters(dcpl) == 1, "%d filters after two calls", H5Pget_nfilters(dcpl));
    unsigned flags, cfg, cd[8];
    size_t n = 8;
    H5OK(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_STRATA, &flags, &n, cd, 0, NULL, &cfg));
    CHECK(n == 3 && cd[0] == H5Z_STRATA_MODE_REL && H5Z_strata_unpack_double(cd + 1) == 1e-2,
          "rel parameters");
    H5OK(H5Pset_strata_lossless(dcpl));
    n = 8;
    H5OK(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_STRATA, &flags, &n, cd, 0, NULL, &cfg));
    CHECK(n == 1 && cd[0] == H5Z_STRATA_MODE_LOSSLESS, "lossless parameters");
    CHECK(H5Zfilter_avail(H5Z_FILTER_STRATA) > 0, "plugin not found: HDF5_PLUGIN_PATH?");
    H5Pclose(dcpl);
    printf("props: ok\n");
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s CASE SCRATCH_DIR [GOLDEN_FILE] | write-golden PATH\n", argv[0]);
        return 2;
    }
    const char *c = argv[1];
    if (strcmp(c, "write-golden") == 0) {
        write_golden(argv[2]);
        return failures ? 1 : 0;
    }
    snprintf(scratch, sizeof scratch, "%s", argv[2]);
    const int all = strcmp(c, "all") == 0;
    int ran = 0;
#define RUN(name, call)                                                                    \
    if (all || strcmp(c, name) == 0) {                                                     \
        call;                                                                              \
        ran++;                                                                             \
    }
    RUN("props", case_props());
    RUN("roundtrip", case_roundtrip());
    RUN("layout", case_layout());
    RUN("golden", case_golden(argc > 3 ? argv[3] : NULL));
    RUN("errors", case_errors());
    RUN("corrupt", case_corrupt());
    RUN("threads", case_threads());
    if (!ran) {
        fprintf(stderr, "unknown case %s\n", c);
        return 2;
    }
    H5close();
    if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
