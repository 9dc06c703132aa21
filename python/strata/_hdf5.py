"""h5py_opts(): the create_dataset() keywords of the Strata HDF5 filter.

The filter is the plugin libh5z_strata.so of hdf5-filter/, HDF5 filter ID 41217.
cd_values, as the user passes them (layout version 1, hdf5-filter/h5z_strata.h and
docs/hdf5.md):
    [0] mode: 1 absolute, 2 relative to each chunk's valid value range, 3 lossless
    [1] bound, low 32 bits of the IEEE-754 double   (modes 1 and 2)
    [2] bound, high 32 bits
The plugin's set_local appends the dtype, the dataset's fill value and the chunk
shape when the dataset is created.
"""
import math
import os
import struct

FILTER_ID = 41217
_MODES = {"abs": 1, "rel": 2, "lossless": 3}


def pack_double(value):
    """(low, high) 32-bit words of the IEEE-754 double `value`: low word first."""
    bits, = struct.unpack("<Q", struct.pack("<d", value))
    return bits & 0xFFFFFFFF, bits >> 32


def _plugin_dirs():
    """Folders that may hold libh5z_strata.so besides HDF5_PLUGIN_PATH's."""
    dirs = []
    env = os.environ.get("STRATA_HDF5_PLUGIN_DIR")
    if env:
        dirs.append(env)
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hdf5_plugin")
    if os.path.exists(os.path.join(bundled, "libh5z_strata.so")):
        dirs.append(bundled)
    return dirs


def ensure_filter():
    """Makes the Strata filter available to h5py's HDF5, adding the plugin folder
    bundled with the package (or $STRATA_HDF5_PLUGIN_DIR) to HDF5's plugin search
    path when HDF5 does not find it by itself. Raises RuntimeError if it cannot."""
    import h5py
    if h5py.h5z.filter_avail(FILTER_ID):
        return
    for folder in _plugin_dirs():
        h5py.h5pl.prepend(os.fsencode(folder))
        if h5py.h5z.filter_avail(FILTER_ID):
            return
    raise RuntimeError(
        "strata: HDF5 cannot find the Strata filter (ID %d, libh5z_strata.so). Build "
        "it (cmake --build build, target h5z_strata) and set HDF5_PLUGIN_PATH to the "
        "folder holding it (build/plugins), or STRATA_HDF5_PLUGIN_DIR, or reinstall "
        "the package after building it so that it is bundled." % FILTER_ID)


def h5py_opts(*, abs=None, rel=None, lossless=False, fill=None, check=True):
    """Keyword arguments for h5py's create_dataset() that compress with Strata.

        f.create_dataset("t", data=t, chunks=(5, 180, 360),
                         **strata.h5py_opts(rel=1e-3, fill=-1e10))

    Exactly one of ``abs=``, ``rel=`` (relative to each chunk's valid range) or
    ``lossless=True``. ``fill=V`` also sets the dataset's fill value to V, which
    the filter keeps exact and leaves out of the value range (and with which HDF5
    pads edge chunks). PSNR targets are not available through the filter.
    With ``check=True`` (default) the filter must be loadable by h5py's HDF5
    (see ensure_filter()); check=False only builds the dictionary.
    """
    given = [(k, v) for k, v in (("abs", abs), ("rel", rel)) if v is not None]
    if lossless:
        given.append(("lossless", None))
    if len(given) != 1:
        raise TypeError("give exactly one of abs=, rel= or lossless=True (the HDF5 "
                        "filter has no PSNR mode)")
    mode, value = given[0]
    if mode == "lossless":
        cd_values = (_MODES[mode],)
    else:
        bound = float(value)
        if not (math.isfinite(bound) and bound > 0):
            raise ValueError("%s= must be > 0 and finite, not %r" % (mode, value))
        cd_values = (_MODES[mode],) + pack_double(bound)
    opts = {"compression": FILTER_ID, "compression_opts": cd_values}
    if fill is not None:
        opts["fillvalue"] = float(fill)
    if check:
        ensure_filter()
    return opts
