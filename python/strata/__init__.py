"""Strata: error-bounded lossy compression of float32/float64 fields, from Python.

    import numpy as np, strata
    stream = strata.compress(field, rel=1e-3, fill=-1e10)   # bytes
    back = strata.decompress(stream)                         # ndarray, same dtype/shape
    strata.info(stream).ratio

strata.numcodecs.Strata is a numcodecs codec (id "strata") for zarr; strata.h5py_opts()
gives the create_dataset() keywords of the Strata HDF5 filter. A ctypes binding of
libstrata's public C API; see python/README.md.
"""
from ._core import Info, StrataError, compress, decompress, info
from ._hdf5 import FILTER_ID as HDF5_FILTER_ID, h5py_opts
from . import _capi

__version__ = "0.1.0"
__all__ = ["compress", "decompress", "info", "Info", "StrataError", "h5py_opts",
           "HDF5_FILTER_ID", "library_version", "library_path", "numcodecs"]


def library_version() -> str:
    """Version of the libstrata actually loaded ("MAJOR.MINOR.PATCH")."""
    return _capi.version_string()


def library_path() -> str:
    """Path of the libstrata actually loaded."""
    return _capi.path


def __getattr__(name):
    # strata.numcodecs is imported on first use: numcodecs is optional.
    if name == "numcodecs":
        import importlib
        return importlib.import_module(".numcodecs", __name__)
    raise AttributeError("module 'strata' has no attribute %r" % name)
