/* gray_scott.c - a 3D Gray-Scott reaction-diffusion simulation over MPI ranks
 * that writes compressed snapshots in situ, two ways:
 *
 *   1. strata_mpi_write_step(): one Strata block container per snapshot
 *      (gs_v_STEP.stra), readable by `strata`, `strata-mpi` or any rank count;
 *   2. parallel HDF5 (Debian's OpenMPI build): a collective H5Dwrite of a chunked
 *      dataset with the Strata filter (ID 41217) (gs_STEP.h5:/V), with the same
 *      absolute bound; built when HDF5's OpenMPI flavour is found, used when the
 *      plugin is found through HDF5_PLUGIN_PATH.
 *
 * The N^3 periodic grid is split along z (dims[0]) into slabs of N*r/P planes,
 * which in general do not line up with the container's blocks: write_step moves
 * the rows it needs to. Per snapshot rank 0 prints the ratio, the maximum error
 * (read back from each file by every rank, its own planes) against the bound, and
 * the share of wall time spent compressing and writing since the last snapshot.
 *
 *   mpirun -n 4 gray_scott [--n 128] [--steps 1000] [--every 200] [--rel 1e-3]
 *                          [--out DIR] [--no-hdf5] [--raw] [--threads T]
 *
 * --raw also writes each snapshot uncompressed (gs_v_STEP.f32, MPI-IO), for
 * checking the files with independent tools (tests/mpi/gray_scott_test.sh).
 *
 * u_t = Du lap(u) - u v^2 + F (1 - u),  v_t = Dv lap(v) + u v^2 - (F + k) v,
 * explicit Euler, dt = 1, 7-point Laplacian / 6; the snapshot is v as float32. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "strata_mpi.h"
#ifdef GS_HAVE_PHDF5
#include <hdf5.h>
#endif

#define FILTER_STRATA 41217 /* hdf5-filter/h5z_strata.h: cd_values {1 (ABS), bound lo32, hi32} */

typedef struct {
    size_t n;        /* grid points per side */
    int steps, every, hdf5, raw, threads;
    double rel;
    const char *out;
} gs_options;

typedef struct {
    MPI_Comm comm;
    int rank, size, up, down;
    size_t z0, nz, n;    /* my planes z0 .. z0+nz-1 of n */
    double *u, *v, *u2, *v2; /* (nz + 2) planes with one ghost plane each side */
} gs_state;

/* ADIOS2's Gray-Scott tutorial parameters (Laplacian scaled by 1/6: stable for dt = 1). */
static const double DU = 0.2, DV = 0.1, F = 0.02, K = 0.048;

#define AT(a, z, y, x) ((a)[((size_t)(z) * s->n + (size_t)(y)) * s->n + (size_t)(x)])

/* Deterministic noise from the global index: the same field for any rank count. */
static double noise(size_t i)
{
    uint32_t h = (uint32_t)(i * 2654435761u) ^ 0x9e3779b9u;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    return (double)(h & 0xffffff) / 16777216.0 - 0.5;
}

static void init(gs_state *s)
{
    const size_t n = s->n, plane = n * n;
    for (size_t z = 0; z < s->nz; z++)
        for (size_t y = 0; y < n; y++)
            for (size_t x = 0; x < n; x++) {
                const size_t gz = s->z0 + z, gi = gz * plane + y * n + x;
                const size_t c = n / 2, r = n / 8 + 1;
                const int inside = gz + r >= c && gz < c + r && y + r >= c && y < c + r && x + r >= c && x < c + r;
                AT(s->u, z + 1, y, x) = inside ? 0.5 : 1.0;
                AT(s->v, z + 1, y, x) = (inside ? 0.25 : 0.0) + 0.02 * noise(gi);
            }
}

/* Ghost planes from the neighbours (periodic in z). */
static void exchange(gs_state *s, double *a)
{
    const size_t plane = s->n * s->n;
    MPI_Sendrecv(&AT(a, s->nz, 0, 0), (int)plane, MPI_DOUBLE, s->up, 0, &AT(a, 0, 0, 0), (int)plane,
                 MPI_DOUBLE, s->down, 0, s->comm, MPI_STATUS_IGNORE);
    MPI_Sendrecv(&AT(a, 1, 0, 0), (int)plane, MPI_DOUBLE, s->down, 1, &AT(a, s->nz + 1, 0, 0), (int)plane,
                 MPI_DOUBLE, s->up, 1, s->comm, MPI_STATUS_IGNORE);
}

static void step(gs_state *s)
{
    exchange(s, s->u);
    exchange(s, s->v);
    const size_t n = s->n;
    #pragma omp parallel for schedule(static)
    for (long long zz = 1; zz <= (long long)s->nz; zz++) {
        const size_t z = (size_t)zz;
        for (size_t y = 0; y < n; y++) {
            const size_t ym = (y + n - 1) % n, yp = (y + 1) % n;
            for (size_t x = 0; x < n; x++) {
                const size_t xm = (x + n - 1) % n, xp = (x + 1) % n;
                const double u = AT(s->u, z, y, x), v = AT(s->v, z, y, x);
                const double lu = (AT(s->u, z - 1, y, x) + AT(s->u, z + 1, y, x) + AT(s->u, z, ym, x) +
                                  AT(s->u, z, yp, x) + AT(s->u, z, y, xm) + AT(s->u, z, y, xp) - 6 * u) / 6;
                const double lv = (AT(s->v, z - 1, y, x) + AT(s->v, z + 1, y, x) + AT(s->v, z, ym, x) +
                                  AT(s->v, z, yp, x) + AT(s->v, z, y, xm) + AT(s->v, z, y, xp) - 6 * v) / 6;
                const double uvv = u * v * v;
                AT(s->u2, z, y, x) = u + DU * lu - uvv + F * (1 - u);
                AT(s->v2, z, y, x) = v + DV * lv + uvv - (F + K) * v;
            }
        }
    }
    double *t = s->u; s->u = s->u2; s->u2 = t;
    t = s->v; s->v = s->v2; s->v2 = t;
}

/* Largest |got - want| over my points, across ranks. */
static double max_error(const gs_state *s, const float *want, const float *got)
{
    double e = 0, all;
    for (size_t i = 0; i < s->nz * s->n * s->n; i++) {
        if (isnan(want[i]) && isnan(got[i])) continue; /* kept exact */
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= e)) e = d; /* NaN counts */
    }
    MPI_Allreduce(&e, &all, 1, MPI_DOUBLE, MPI_MAX, s->comm);
    return all;
}

#ifdef GS_HAVE_PHDF5
/* Collective write of the snapshot as a chunked dataset with the Strata filter,
 * then a collective read of my planes. Returns 0, or -1 (reason printed by rank 0). */
static int write_hdf5(const gs_state *s, const char *path, const float *snap, double abs_bound,
                      float *back, double *seconds, double *ratio)
{
    const hsize_t n = s->n, dims[3] = { n, n, n };
    /* Chunks of n/5 planes: they straddle the ranks' planes, so several ranks write
     * parts of one chunk (HDF5 >= 1.10.2 gathers them to one rank to filter). */
    hsize_t chunk[3] = { n / 5 ? n / 5 : 1, n, n };
    hsize_t start[3] = { s->z0, 0, 0 }, count[3] = { s->nz, n, n };
    unsigned cd[3] = { 1, 0, 0 };
    uint64_t bits;
    memcpy(&bits, &abs_bound, sizeof bits);
    cd[1] = (unsigned)(bits & 0xffffffffu); /* low word first, as the filter expects */
    cd[2] = (unsigned)(bits >> 32);
    MPI_Barrier(s->comm);
    const double t0 = MPI_Wtime();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, s->comm, MPI_INFO_NULL);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 3, chunk);
    herr_t ok = H5Pset_filter(dcpl, FILTER_STRATA, H5Z_FLAG_MANDATORY, 3, cd);
    hid_t space = H5Screate_simple(3, dims, NULL);
    hid_t dset = file >= 0 && ok >= 0 ? H5Dcreate2(file, "V", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE); /* filtered writes must be collective */
    hid_t mem = H5Screate_simple(3, count, NULL);
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
    int good = dset >= 0 && H5Dwrite(dset, H5T_NATIVE_FLOAT, mem, space, dxpl, snap) >= 0;
    hsize_t stored = good ? H5Dget_storage_size(dset) : 0;
    if (dset >= 0) H5Dclose(dset);
    if (file >= 0) H5Fclose(file);
    *seconds = MPI_Wtime() - t0;
    *ratio = stored ? (double)(n * n * n * 4) / (double)stored : 0;
    /* Read my planes back. */
    file = good ? H5Fopen(path, H5F_ACC_RDONLY, fapl) : -1;
    dset = file >= 0 ? H5Dopen2(file, "V", H5P_DEFAULT) : -1;
    good = dset >= 0 && H5Dread(dset, H5T_NATIVE_FLOAT, mem, space, dxpl, back) >= 0;
    if (dset >= 0) H5Dclose(dset);
    if (file >= 0) H5Fclose(file);
    H5Sclose(mem);
    H5Sclose(space);
    H5Pclose(dxpl);
    H5Pclose(dcpl);
    H5Pclose(fapl);
    int all;
    MPI_Allreduce(&good, &all, 1, MPI_INT, MPI_MIN, s->comm);
    return all ? 0 : -1;
}
#endif

static int parse(int argc, char **argv, gs_options *o)
{
    *o = (gs_options){ 128, 1000, 200, 1, 0, 0, 1e-3, "." };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-hdf5")) { o->hdf5 = 0; continue; }
        if (!strcmp(a, "--raw")) { o->raw = 1; continue; }
        if (!v) return 1;
        if (!strcmp(a, "--n")) o->n = (size_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--steps")) o->steps = atoi(v);
        else if (!strcmp(a, "--every")) o->every = atoi(v);
        else if (!strcmp(a, "--rel")) o->rel = atof(v);
        else if (!strcmp(a, "--out")) o->out = v;
        else if (!strcmp(a, "--threads")) o->threads = atoi(v);
        else return 1;
        i++;
    }
    return o->n < 4 || o->steps < 1 || o->every < 1 || !(o->rel > 0);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    gs_state st = { MPI_COMM_WORLD, 0, 1, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL };
    gs_state *s = &st;
    MPI_Comm_rank(s->comm, &s->rank);
    MPI_Comm_size(s->comm, &s->size);
    gs_options o;
    if (parse(argc, argv, &o)) {
        if (s->rank == 0)
            fprintf(stderr, "usage: mpirun -n P gray_scott [--n N] [--steps S] [--every K] [--rel E]\n"
                            "                [--out DIR] [--no-hdf5] [--raw] [--threads T]\n");
        MPI_Finalize();
        return 2;
    }
    s->n = o.n;
    s->z0 = o.n * (size_t)s->rank / (size_t)s->size;
    s->nz = o.n * (size_t)(s->rank + 1) / (size_t)s->size - s->z0;
    s->up = (s->rank + 1) % s->size;
    s->down = (s->rank + s->size - 1) % s->size;
    const size_t plane = o.n * o.n, local = s->nz * plane;
    s->u = calloc((s->nz + 2) * plane, sizeof(double));
    s->v = calloc((s->nz + 2) * plane, sizeof(double));
    s->u2 = calloc((s->nz + 2) * plane, sizeof(double));
    s->v2 = calloc((s->nz + 2) * plane, sizeof(double));
    float *snap = malloc((local ? local : 1) * sizeof *snap);
    float *back = malloc((local ? local : 1) * sizeof *back);
    int ok = s->u && s->v && s->u2 && s->v2 && snap && back && s->nz > 0, all_ok;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, s->comm);
    if (!all_ok) {
        if (s->rank == 0) fprintf(stderr, "gray_scott: out of memory, or more ranks than planes\n");
        MPI_Finalize();
        return 1;
    }
    if (s->rank == 0) mkdir(o.out, 0777);
    init(s);

    strata_field f;
    const size_t dims[3] = { o.n, o.n, o.n };
    strata_field_init(&f, STRATA_FLOAT32, 3, dims);
    strata_params p;
    strata_params_init(&p);
    p.mode = STRATA_MODE_REL;
    p.bound = o.rel;
    p.threads = o.threads;
    int use_hdf5 = 0;
#ifdef GS_HAVE_PHDF5
    use_hdf5 = o.hdf5 && H5Zfilter_avail(FILTER_STRATA) > 0;
    if (o.hdf5 && !use_hdf5 && s->rank == 0)
        fprintf(stderr, "gray_scott: Strata HDF5 filter %d not found (set HDF5_PLUGIN_PATH); "
                        "writing Strata containers only\n", FILTER_STRATA);
#else
    if (o.hdf5 && s->rank == 0)
        fprintf(stderr, "gray_scott: built without parallel HDF5; writing Strata containers only\n");
#endif
    if (s->rank == 0)
        printf("gray_scott: %zu^3 grid on %d ranks (planes split %zu..%zu per rank), %d steps, "
               "snapshot of v every %d, rel bound %g\n", o.n, s->size, o.n / (size_t)s->size,
               (o.n + (size_t)s->size - 1) / (size_t)s->size, o.steps, o.every, o.rel);

    int rc = 0;
    double t_interval = MPI_Wtime();
    for (int it = 1; it <= o.steps && !rc; it++) {
        step(s);
        if (it % o.every && it != o.steps) continue;
        for (size_t i = 0; i < local; i++) snap[i] = (float)s->v[plane + i];
        const double t_sim = MPI_Wtime() - t_interval;
        char path[4200];
        if (o.raw) {
            snprintf(path, sizeof path, "%s/gs_v_%05d.f32", o.out, it);
            MPI_File fh;
            int e = MPI_File_open(s->comm, path, MPI_MODE_WRONLY | MPI_MODE_CREATE, MPI_INFO_NULL, &fh);
            if (e == MPI_SUCCESS) {
                MPI_File_set_size(fh, 0);
                e = MPI_File_write_at_all(fh, (MPI_Offset)(s->z0 * plane * sizeof *snap), snap, (int)local,
                                          MPI_FLOAT, MPI_STATUS_IGNORE);
                MPI_File_close(&fh);
            }
            if (e != MPI_SUCCESS && s->rank == 0) fprintf(stderr, "gray_scott: cannot write %s\n", path);
        }

        /* 1. Strata container. */
        snprintf(path, sizeof path, "%s/gs_v_%05d.stra", o.out, it);
        strata_mpi_report r;
        strata_status stt = strata_mpi_write_step(s->comm, path, &f, &p, snap, s->z0, s->nz, NULL, &r);
        if (stt != STRATA_OK) {
            if (s->rank == 0) fprintf(stderr, "gray_scott: write_step: %s\n", r.message);
            rc = 1;
            break;
        }
        const double t_strata = r.seconds_total;
        strata_mpi_report rr;
        stt = strata_mpi_read_step(s->comm, path, back, local * sizeof *back, s->z0, s->nz, NULL, NULL, &rr);
        const double err = stt == STRATA_OK ? max_error(s, snap, back) : INFINITY;
        if (stt != STRATA_OK && s->rank == 0) fprintf(stderr, "gray_scott: read_step: %s\n", rr.message);

        /* 2. Parallel HDF5 with the Strata filter, same absolute bound. */
        double t_h5 = 0, ratio_h5 = 0, err_h5 = 0;
        int h5 = 0;
#ifdef GS_HAVE_PHDF5
        if (use_hdf5) {
            snprintf(path, sizeof path, "%s/gs_%05d.h5", o.out, it);
            h5 = write_hdf5(s, path, snap, r.abs_bound, back, &t_h5, &ratio_h5) == 0;
            if (!h5) {
                if (s->rank == 0) fprintf(stderr, "gray_scott: parallel HDF5 write of %s failed\n", path);
                rc = 1;
            } else {
                err_h5 = max_error(s, snap, back);
            }
        }
#endif
        const double total = t_sim + t_strata + t_h5;
        if (s->rank == 0) {
            printf("step %5d: strata ratio %6.2f  max err %.3g (bound %.3g)%s  compress %4.1f%%  "
                   "write %4.1f%%", it, (double)r.raw_bytes / (double)r.file_bytes, err, r.abs_bound,
                   err <= r.abs_bound ? "" : " VIOLATED", 100 * r.seconds_code / total,
                   100 * (r.seconds_write + r.seconds_exchange) / total);
            if (h5)
                printf("  | hdf5 ratio %6.2f  max err %.3g%s  compress+write %4.1f%%", ratio_h5, err_h5,
                       err_h5 <= r.abs_bound ? "" : " VIOLATED", 100 * t_h5 / total);
            printf("\n");
            fflush(stdout);
        }
        if (!(err <= r.abs_bound) || (h5 && !(err_h5 <= r.abs_bound)) || stt != STRATA_OK) rc = 1;
        t_interval = MPI_Wtime();
    }
    free(s->u);
    free(s->v);
    free(s->u2);
    free(s->v2);
    free(snap);
    free(back);
    MPI_Finalize();
    return rc;
}
