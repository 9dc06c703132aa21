/*
 * h5z_strata_props.c - H5Pset_strata_abs/_rel/_lossless (h5z_strata.h).
 *
 * A plain library linked to the program's own HDF5; it only writes the user's part of
 * the cd_values layout into a dataset creation property list. The plugin does the rest
 * when the dataset is created.
 */
#include "h5z_strata.h"

#include <math.h>

/* Replaces the parameters of a Strata filter already in `dcpl`, or appends one. */
static herr_t set_strata(hid_t dcpl, size_t n, const unsigned cd[])
{
    const int nfilters = H5Pget_nfilters(dcpl);
    if (nfilters < 0) return -1; /* HDF5 pushed the error: not a dcpl */
    for (int i = 0; i < nfilters; i++) {
        unsigned flags, config;
        size_t nvalues = 0;
        const H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nvalues, NULL, 0,
                                               NULL, &config);
        if (id == H5Z_FILTER_STRATA)
            return H5Pmodify_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_MANDATORY, n, cd);
    }
    return H5Pset_filter(dcpl, H5Z_FILTER_STRATA, H5Z_FLAG_MANDATORY, n, cd);
}

static herr_t set_bounded(hid_t dcpl, unsigned mode, double bound, const char *func)
{
    if (!(bound > 0) || !isfinite(bound)) {
        H5Epush2(H5E_DEFAULT, __FILE__, func, __LINE__, H5E_ERR_CLS, H5E_PLIST, H5E_BADVALUE,
                 "Strata filter: the bound must be > 0 and finite, not %g", bound);
        return -1;
    }
    unsigned cd[3] = {mode, 0, 0};
    H5Z_strata_pack_double(bound, cd + H5Z_STRATA_CD_BOUND);
    return set_strata(dcpl, 3, cd);
}

herr_t H5Pset_strata_abs(hid_t dcpl, double abs_bound)
{
    return set_bounded(dcpl, H5Z_STRATA_MODE_ABS, abs_bound, __func__);
}

herr_t H5Pset_strata_rel(hid_t dcpl, double rel_bound)
{
    return set_bounded(dcpl, H5Z_STRATA_MODE_REL, rel_bound, __func__);
}

herr_t H5Pset_strata_lossless(hid_t dcpl)
{
    const unsigned cd[1] = {H5Z_STRATA_MODE_LOSSLESS};
    return set_strata(dcpl, 1, cd);
}
