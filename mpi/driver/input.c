/* input.c - inputs of strata-mpi: raw files (read by libstrata_mpi with MPI-IO)
 * and netCDF variables / HDF5 datasets, which each rank reads a hyperslab of
 * (its own rows) through strata_io (src/io/), with the same conventions as the
 * strata tool. */
#include <stdio.h>
#include <string.h>
#include "driver.h"

int drv_have_netcdf(void)
{
    return sio_have_netcdf();
}

int drv_have_hdf5(void)
{
    return sio_have_hdf5();
}

int drv_input_open(const drv_options *o, drv_input *in, char *err, size_t n)
{
    memset(in, 0, sizeof *in);
    int rc;
    if (sio_spec_is_raw(o->input)) {
        /* An existing file is raw. The library opens and checks it (MPI-IO). */
        if (!o->has_dtype || !o->ndims) {
            snprintf(err, n, "raw input '%s' needs -t (f32 or f64) and -d (dims, e.g. 20x180x360)",
                     o->input);
            return DRV_EXIT_USAGE;
        }
        in->kind = DRV_RAW;
        strata_field_init(&in->field, o->dtype, o->ndims, o->dims);
    } else {
        rc = sio_open(o->input, &in->src, err, n);
        if (rc) return rc == SIO_USAGE ? DRV_EXIT_USAGE : DRV_EXIT_ERROR;
        /* A multi-valued fill attribute (in->src.warning) is used as the strata tool
         * does (its first value), without a note: every rank would print it. */
        in->kind = in->src.kind == SIO_HDF5 ? DRV_HDF5 : DRV_NETCDF;
        in->field = in->src.field;
        if (sio_check_options(&in->field, o->has_dtype, o->dtype, o->ndims, o->dims, o->input, err, n))
            return DRV_EXIT_USAGE;
    }
    if (o->has_fill && sio_set_fill(&in->field, o->fill, "--fill", err, n)) return DRV_EXIT_USAGE;
    return DRV_EXIT_OK;
}

int drv_input_read_rows(const drv_input *in, size_t r0, size_t rn, void *dst, char *err, size_t n)
{
    if (in->kind == DRV_RAW) {
        snprintf(err, n, "raw inputs are read by the library");
        return 1;
    }
    return sio_read_rows(&in->src, r0, rn, dst, err, n);
}

void drv_input_close(drv_input *in)
{
    sio_close(&in->src); /* also after a failed sio_open(); a no-op for raw inputs */
}
