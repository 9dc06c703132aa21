/*
 * h5z_strata.h - the Strata HDF5 filter: its ID, its cd_values layout and a small
 * properties API (libh5z_strata_props) for C programs.
 *
 * The filter itself is a dynamically loaded HDF5 plugin, libh5z_strata.so; HDF5
 * finds it through HDF5_PLUGIN_PATH (docs/hdf5.md). This header and the properties
 * library are only a convenience for C users: h5py, netCDF-C, nccopy and h5repack
 * need nothing but the plugin.
 *
 * Filter ID 41217 comes from the range 32768-65535, which The HDF Group leaves
 * unregistered for anyone to use. It is not a registered ID; it stays 41217 until
 * one is registered, and any registered ID would be added beside it, never instead.
 *
 * ---- cd_values layout, version 1 (pinned; docs/hdf5.md) --------------------------
 * What the user passes (H5Pset_filter, h5py compression_opts, nccopy -F, h5repack UD=):
 *   [0] mode: 1 absolute, 2 relative to each chunk's valid value range, 3 lossless
 *   [1] bound, low 32 bits of the IEEE-754 double    (modes 1 and 2; 0 0 or omit for 3)
 *   [2] bound, high 32 bits of the IEEE-754 double
 *   [3] optional: fill value, low 32 bits of the double; points equal to it are kept
 *   [4]           exact and left out of the prediction. Without it the dataset's own
 *                 fill value is used when one was set (H5Pset_fill_value; netCDF's
 *                 _FillValue in fill mode). nccopy writes in no-fill mode: pass it here.
 *   So 0 values (lossless), 1 (mode 3), 3 or 5 values.
 * What the file keeps (set_local rewrites the parameters when the dataset is created):
 *   [0..2] mode and bound as above
 *   [3] layout version, 1
 *   [4] dtype: 1 float32, 2 float64 (IEEE, little-endian)
 *   [5] flags: bit 0 set when a fill value is declared
 *   [6] fill value, low 32 bits of the double   (0 when flag bit 0 is clear; for
 *   [7] fill value, high 32 bits of the double   float32, a float32 value)
 *   [8] n: number of chunk dimensions after dropping those of size 1 (1..4)
 *   [9 .. 9+n-1] those chunk dimensions, slowest first
 * Given the stored form back (h5repack, nccopy copying a filtered variable), set_local
 * keeps its mode, bound and fill value and recomputes the rest for the new dataset.
 * Decoding needs nothing from cd_values but the chunk's byte size: every Strata stream
 * carries its own parameters. Later versions of the plugin read every chunk written
 * with this layout.
 */
#ifndef H5Z_STRATA_H
#define H5Z_STRATA_H

#include <hdf5.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define H5Z_FILTER_STRATA 41217
#define H5Z_STRATA_NAME "strata"

/* cd_values[0] */
#define H5Z_STRATA_MODE_ABS 1
#define H5Z_STRATA_MODE_REL 2
#define H5Z_STRATA_MODE_LOSSLESS 3

/* Positions in the cd_values layout above. */
#define H5Z_STRATA_CD_MODE 0
#define H5Z_STRATA_CD_BOUND 1
#define H5Z_STRATA_CD_USER_FILL 3  /* in the 5-value form the user passes */
#define H5Z_STRATA_CD_VERSION 3
#define H5Z_STRATA_CD_DTYPE 4
#define H5Z_STRATA_CD_FLAGS 5
#define H5Z_STRATA_CD_FILL 6
#define H5Z_STRATA_CD_NDIMS 8
#define H5Z_STRATA_CD_DIMS 9
#define H5Z_STRATA_CD_USER_MAX 5   /* values a user passes: mode, bound, fill value */
#define H5Z_STRATA_CD_MAX 13       /* 9 + 4 dimensions */
#define H5Z_STRATA_CD_LAYOUT_VERSION 1
#define H5Z_STRATA_CD_FLAG_FILL 1u

/*! H5Z_strata_pack_double() :
 *  Writes `v` into cd[0] (low 32 bits of its IEEE-754 pattern) and cd[1] (high 32
 *  bits): netCDF's order for its `d` parameter suffix. */
static inline void H5Z_strata_pack_double(double v, unsigned cd[2])
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    cd[0] = (unsigned)(u & 0xFFFFFFFFu);
    cd[1] = (unsigned)(u >> 32);
}

/*! H5Z_strata_unpack_double() :
 *  @return the double whose low and high 32 bits are cd[0] and cd[1]. */
static inline double H5Z_strata_unpack_double(const unsigned cd[2])
{
    uint64_t u = (uint64_t)(cd[0] & 0xFFFFFFFFu) | (uint64_t)(cd[1] & 0xFFFFFFFFu) << 32;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* ---- properties API (link with -lh5z_strata_props) ------------------------------
 * Each call puts the Strata filter, mandatory, into the pipeline of the dataset
 * creation property list `dcpl` (replacing the parameters of a Strata filter already
 * there) and sets nothing else: the caller chooses the chunk shape with H5Pset_chunk.
 * The plugin must be findable when the dataset is created and read (HDF5_PLUGIN_PATH).
 * @return a non-negative value, or a negative value with an HDF5 error pushed when
 * `dcpl` is not a dataset creation property list or the bound is not > 0 and finite. */

/*! H5Pset_strata_abs() : every valid point within `abs_bound` of the original. */
herr_t H5Pset_strata_abs(hid_t dcpl, double abs_bound);

/*! H5Pset_strata_rel() : every valid point within `rel_bound` times the value range
 *  (max - min over the valid points) of the chunk it lies in. Each chunk has its own
 *  range, so the absolute error differs from chunk to chunk; use H5Pset_strata_abs
 *  with the dataset's range for one bound over the whole dataset. */
herr_t H5Pset_strata_rel(hid_t dcpl, double rel_bound);

/*! H5Pset_strata_lossless() : every bit comes back. */
herr_t H5Pset_strata_lossless(hid_t dcpl);

#ifdef __cplusplus
}
#endif
#endif /* H5Z_STRATA_H */
