/* driver.h - what main.c and input.c of the strata-mpi driver share.
 * Private to mpi/driver/; the driver uses only strata.h and strata_mpi.h. */
#ifndef STRATA_MPI_DRIVER_H
#define STRATA_MPI_DRIVER_H

#include <stddef.h>
#include "strata_mpi.h"
#include "strata_io.h"

#define DRV_EXIT_OK 0
#define DRV_EXIT_ERROR 1 /* bad input, failed I/O, library error (on every rank) */
#define DRV_EXIT_USAGE 2 /* bad command line */

/* The command line, as main.c parsed it. */
typedef struct {
    const char *input, *output;
    int has_dtype;
    strata_dtype dtype;
    unsigned ndims;            /* -d given when > 0 */
    size_t dims[STRATA_MAX_DIMS];
    int has_mode;
    strata_mode mode;
    double bound;
    int has_fill;
    double fill;
    int threads;
    int progress;              /* -1 auto, 0 off, 1 on */
    int quiet;
} drv_options;

/* An input field: a raw file (read by the library with MPI-IO), or a netCDF
 * variable or HDF5 dataset that each rank reads its rows of. */
typedef enum { DRV_RAW = 0, DRV_NETCDF = 1, DRV_HDF5 = 2 } drv_kind;

typedef struct {
    drv_kind kind;
    strata_field field;        /* with -t, -d and --fill applied */
    sio_input src;             /* netCDF/HDF5: the open variable (src/io/strata_io.h) */
} drv_input;

/* Works out what o->input names and its field (dtype, dims, fill value); applies
 * -t, -d and --fill. Local to one rank. Returns 0, or DRV_EXIT_USAGE /
 * DRV_EXIT_ERROR with the reason in err. */
int drv_input_open(const drv_options *o, drv_input *in, char *err, size_t err_size);
/* netCDF/HDF5: reads rows [r0, r0 + rn) along the field's dims[0] into dst.
 * Returns 0, or nonzero with the reason in err. */
int drv_input_read_rows(const drv_input *in, size_t r0, size_t rn, void *dst, char *err,
                        size_t err_size);
void drv_input_close(drv_input *in);
int drv_have_netcdf(void);
int drv_have_hdf5(void);

#endif
