/*
 * netcdf_filter.c - writing a netCDF-4 variable through the Strata HDF5 filter with
 * netCDF-C's nc_def_var_filter, then reading it back and checking every point.
 *
 *   cc netcdf_filter.c -o netcdf_filter $(pkg-config --cflags --libs netcdf) -lm
 *   HDF5_PLUGIN_PATH=/path/to/folder/with/libh5z_strata.so ./netcdf_filter out.nc
 *
 * The variable is a sea-surface temperature with land masked by _FillValue: netCDF
 * hands the fill value to HDF5, and the filter keeps those points exact and out of
 * the prediction, with no extra parameter. Filter parameters (docs/hdf5.md):
 *   mode (1 absolute, 2 relative to each chunk's range, 3 lossless), then the bound
 *   as a double in two 32-bit values, low word first.
 */
#include <math.h>
#include <netcdf.h>
#include <netcdf_filter.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define STRATA_FILTER_ID 41217
#define NT 4
#define NLAT 90
#define NLON 180
#define FILL (-1e34f)
#define BOUND 0.01 /* degrees C, absolute */
#define PI 3.14159265358979323846

#define NC_TRY(call)                                                                     \
    do {                                                                                 \
        const int e_ = (call);                                                           \
        if (e_ != NC_NOERR) {                                                            \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, nc_strerror(e_)); \
            return 1;                                                                    \
        }                                                                                \
    } while (0)

static float sst[NT][NLAT][NLON], back[NT][NLAT][NLON];

static void make_field(void)
{
    for (int t = 0; t < NT; t++)
        for (int j = 0; j < NLAT; j++)
            for (int i = 0; i < NLON; i++) {
                const double lat = -89.0 + 2.0 * j, lon = 2.0 * i;
                const int land = sin(lon * 0.05) * cos(lat * 0.07) > 0.55 || fabs(lat) > 80;
                sst[t][j][i] = land ? FILL
                                    : (float)(28.0 * cos(lat * PI / 180.0) - 1.5
                                              + 0.8 * sin(lon * PI / 90.0 + 0.3 * t));
            }
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "strata_example.nc";
    make_field();

    int ncid, dims[3], varid;
    NC_TRY(nc_create(path, NC_NETCDF4 | NC_CLOBBER, &ncid));
    NC_TRY(nc_def_dim(ncid, "time", NT, &dims[0]));
    NC_TRY(nc_def_dim(ncid, "lat", NLAT, &dims[1]));
    NC_TRY(nc_def_dim(ncid, "lon", NLON, &dims[2]));
    NC_TRY(nc_def_var(ncid, "sst", NC_FLOAT, 3, dims, &varid));
    const float fill = FILL;
    NC_TRY(nc_def_var_fill(ncid, varid, NC_FILL, &fill)); /* becomes the HDF5 fill value */
    const size_t chunks[3] = {1, 45, 90};                 /* 16 chunks, 4050 points each */
    NC_TRY(nc_def_var_chunking(ncid, varid, NC_CHUNKED, chunks));

    /* The filter must be findable (HDF5_PLUGIN_PATH) before it can be used. */
    if (nc_inq_filter_avail(ncid, STRATA_FILTER_ID) != NC_NOERR) {
        fprintf(stderr, "Strata filter %d not found: set HDF5_PLUGIN_PATH to the folder "
                        "holding libh5z_strata.so\n", STRATA_FILTER_ID);
        nc_close(ncid);
        return 1;
    }
    const double bound = BOUND;
    uint64_t bits;
    memcpy(&bits, &bound, sizeof bits);
    const unsigned params[3] = {1 /* absolute */, (unsigned)(bits & 0xFFFFFFFFu),
                                (unsigned)(bits >> 32)};
    NC_TRY(nc_def_var_filter(ncid, varid, STRATA_FILTER_ID, 3, params));
    NC_TRY(nc_enddef(ncid));
    NC_TRY(nc_put_var_float(ncid, varid, &sst[0][0][0]));
    NC_TRY(nc_close(ncid));

    /* Read back: the filter is recorded in the file, with what the plugin added. */
    NC_TRY(nc_open(path, NC_NOWRITE, &ncid));
    NC_TRY(nc_inq_varid(ncid, "sst", &varid));
    size_t nfilters = 0, nparams = 0;
    unsigned ids[8], stored[16];
    NC_TRY(nc_inq_var_filter_ids(ncid, varid, &nfilters, ids));
    if (nfilters != 1 || ids[0] != STRATA_FILTER_ID) {
        fprintf(stderr, "expected the Strata filter on sst\n");
        return 1;
    }
    NC_TRY(nc_inq_var_filter_info(ncid, varid, STRATA_FILTER_ID, &nparams, NULL));
    if (nparams > 16) return 1;
    NC_TRY(nc_inq_var_filter_info(ncid, varid, STRATA_FILTER_ID, &nparams, stored));
    printf("sst: filter %u with %zu parameters:", ids[0], nparams);
    for (size_t i = 0; i < nparams; i++) printf(" %u", stored[i]);
    printf("\n");
    NC_TRY(nc_get_var_float(ncid, varid, &back[0][0][0]));
    NC_TRY(nc_close(ncid));

    size_t bad = 0, valid = 0, masked = 0;
    double max_err = 0;
    for (size_t k = 0; k < (size_t)NT * NLAT * NLON; k++) {
        const float a = (&sst[0][0][0])[k], b = (&back[0][0][0])[k];
        if (a == FILL) {
            masked++;
            bad += memcmp(&a, &b, sizeof a) != 0;
        } else {
            valid++;
            const double err = fabs((double)b - (double)a);
            if (err > max_err) max_err = err;
            bad += !(err <= BOUND);
        }
    }
    struct stat st;
    const double raw = (double)NT * NLAT * NLON * sizeof(float);
    const double size = stat(path, &st) == 0 ? (double)st.st_size : 0;
    printf("%zu valid points, max error %.3g (bound %g); %zu fill points; %zu wrong\n", valid,
           max_err, BOUND, masked, bad);
    printf("%s: %.0f bytes for %.0f bytes of data (ratio %.1f, file overhead included)\n", path,
           size, raw, size > 0 ? raw / size : 0);
    return bad ? 1 : 0;
}
