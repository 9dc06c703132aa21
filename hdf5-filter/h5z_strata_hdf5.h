/*
 * h5z_strata_hdf5.h - the HDF5 functions and global IDs the plugin uses, reached
 * through pointers into the HDF5 library that loaded the plugin.
 *
 * Why: Debian ships two HDF5 libraries (serial and OpenMPI) with the same symbols, and
 * hosts such as h5py load theirs with RTLD_LOCAL, where a plugin's undefined symbols
 * cannot see it. Linking the plugin to one flavour would load a second HDF5 into a
 * process that uses the other. So the plugin is linked without libhdf5, references no
 * HDF5 symbol directly (the link uses --no-undefined to prove it), and looks the
 * functions up in the library that calls H5PLget_plugin_info(), found with dladdr().
 *
 * This table is the plugin's only process-wide state. It is written when HDF5 loads
 * the plugin (before any filter callback can run, under HDF5's own lock in thread-safe
 * builds) and only read afterwards. One process is expected to hold one HDF5 library.
 */
#ifndef H5Z_STRATA_HDF5_H
#define H5Z_STRATA_HDF5_H

#include <hdf5.h>

/* X(name) for each function; __typeof__ keeps the pointer types equal to hdf5.h's
 * prototypes without referencing the symbols. */
#define H5ZS_FUNCTIONS(X)                                                              \
    X(H5Epush2) X(H5allocate_memory) X(H5free_memory)                                  \
    X(H5Tget_class) X(H5Tget_size) X(H5Tequal)                                         \
    X(H5Pget_chunk) X(H5Pget_filter_by_id2) X(H5Pmodify_filter)                         \
    X(H5Pfill_value_defined) X(H5Pget_fill_value)
/* Global IDs that HDF5's macros (H5E_ERR_CLS, H5T_NATIVE_FLOAT, ...) read. */
#define H5ZS_VARIABLES(X)                                                              \
    X(H5E_ERR_CLS_g) X(H5E_PLINE_g) X(H5E_CANTFILTER_g) X(H5E_BADTYPE_g)               \
    X(H5E_BADVALUE_g) X(H5E_CANTINIT_g) X(H5E_NOSPACE_g)                               \
    X(H5T_NATIVE_FLOAT_g) X(H5T_NATIVE_DOUBLE_g) X(H5T_IEEE_F32LE_g) X(H5T_IEEE_F64LE_g)

typedef struct {
#define H5ZS_FIELD(name) __typeof__(name) *name;
    H5ZS_FUNCTIONS(H5ZS_FIELD)
    H5ZS_VARIABLES(H5ZS_FIELD)
#undef H5ZS_FIELD
} h5zs_hdf5_api;

/* The table; valid once h5zs_hdf5_bind() has returned 1. */
extern h5zs_hdf5_api h5zs_hdf5;

/*! h5zs_hdf5_bind() :
 *  Fills h5zs_hdf5 from the HDF5 library containing `caller` (an address inside it),
 *  or from the process's global symbols when that fails. Idempotent.
 *  @return 1 when every function and ID was found, 0 otherwise. */
int h5zs_hdf5_bind(const void *caller);

#endif /* H5Z_STRATA_HDF5_H */
