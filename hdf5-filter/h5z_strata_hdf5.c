/*
 * h5z_strata_hdf5.c - binds the plugin to the HDF5 library that loads it
 * (see h5z_strata_hdf5.h for why).
 */
#define _GNU_SOURCE /* dladdr, RTLD_DEFAULT, RTLD_NOLOAD */
#include "h5z_strata_hdf5.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

h5zs_hdf5_api h5zs_hdf5;
static atomic_int bound_once;

/* Looks every function up in `handle`; @return 1 if all were found. */
static int lookup_functions(void *handle, h5zs_hdf5_api *api)
{
    int ok = 1;
#define H5ZS_LOOKUP(name)                                                              \
    {                                                                                  \
        void *sym = dlsym(handle, #name);                                              \
        ok &= sym != NULL;                                                             \
        /* Object to function pointer: allowed by POSIX (dlsym's contract). */          \
        *(void **)&api->name = sym;                                                    \
    }
    H5ZS_FUNCTIONS(H5ZS_LOOKUP)
#undef H5ZS_LOOKUP
    return ok;
}

/* Finds each global ID. An executable that uses one of them (H5T_NATIVE_FLOAT, say)
 * holds a copy of the variable (a copy relocation) which the library updates, and the
 * library's own definition stays at its initial -1. So the process's global symbol
 * wins when it holds an initialized ID (> 0), then the library's own one.
 * @return 1 if all were found. */
static int lookup_variables(void *handle, h5zs_hdf5_api *api)
{
    int ok = 1;
#define H5ZS_LOOKUP(name)                                                              \
    {                                                                                  \
        hid_t *global = (hid_t *)dlsym(RTLD_DEFAULT, #name);                           \
        hid_t *own = handle ? (hid_t *)dlsym(handle, #name) : NULL;                    \
        api->name = global && *global > 0 ? global : own ? own : global;               \
        ok &= api->name != NULL;                                                       \
    }
    H5ZS_VARIABLES(H5ZS_LOOKUP)
#undef H5ZS_LOOKUP
    return ok;
}

int h5zs_hdf5_bind(const void *caller)
{
    if (atomic_load(&bound_once)) return 1;
    h5zs_hdf5_api api;
    void *handle = NULL;
    Dl_info info;
    if (caller && dladdr(caller, &info) && info.dli_fname) {
        /* The object that called us is already loaded: RTLD_NOLOAD only returns a
         * handle to it (kept open, so the pointers stay valid while we are loaded). */
        handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
        if (handle && !lookup_functions(handle, &api)) {
            dlclose(handle);
            handle = NULL;
        }
    }
    if (!handle && !lookup_functions(RTLD_DEFAULT, &api)) return 0;
    if (!lookup_variables(handle, &api)) return 0;
    h5zs_hdf5 = api;
    atomic_store(&bound_once, 1);
    return 1;
}
