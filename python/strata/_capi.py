"""ctypes binding of libstrata's public C API (include/strata.h), nothing more.

The structures below mirror strata.h. They are checked against the loaded library
when this module is imported: strata_field and strata_params carry their own size,
which the library writes in strata_field_init()/strata_params_init(); a library whose
structures differ from these is refused (ImportError) instead of being handed
buffers of the wrong size.

Where the library comes from, first match wins:
  1. the file named by the environment variable STRATA_LIBRARY;
  2. libstrata.so next to this file (copied in by ``pip install ./python``);
  3. ctypes.util.find_library("strata") (a library installed with ``cmake --install``).
"""
import ctypes
import ctypes.util
import os

# Version of the C API this binding was written against (strata.h).
API_MAJOR = 0
API_MINOR = 1
MAX_DIMS = 4  # STRATA_MAX_DIMS

# strata_dtype
FLOAT32 = 1
FLOAT64 = 2
# strata_mode
MODE_ABS = 1
MODE_REL = 2
MODE_LOSSLESS = 3
MODE_PSNR = 5
# strata_coder
CODER_DEFAULT = 0
CODER_HUFFMAN = 1
CODER_RANGE = 2
CODER_RANGE_CTX = 3
CODER_HUFFMAN_CTX = 5
CODER_ANS_CTX = 6

# strata_status: pinned values, names as in strata.h
STATUS_NAMES = {
    0: "STRATA_OK",
    1: "STRATA_ERR_GENERIC",
    2: "STRATA_ERR_INVALID_ARG",
    3: "STRATA_ERR_UNSUPPORTED",
    4: "STRATA_ERR_DST_TOO_SMALL",
    5: "STRATA_ERR_CORRUPT",
    6: "STRATA_ERR_CHECKSUM",
    7: "STRATA_ERR_TRUNCATED",
    8: "STRATA_ERR_NOMEM",
    9: "STRATA_ERR_VERSION",
    10: "STRATA_ERR_EMPTY",
}
OK = 0
ERR_CORRUPT = 5


class Field(ctypes.Structure):
    """strata_field"""
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("dtype", ctypes.c_int),
        ("ndims", ctypes.c_uint),
        ("dims", ctypes.c_size_t * MAX_DIMS),
        ("has_fill", ctypes.c_int),
        ("fill_value", ctypes.c_double),
    ]


class Params(ctypes.Structure):
    """strata_params"""
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("mode", ctypes.c_int),
        ("bound", ctypes.c_double),
        ("threads", ctypes.c_int),
        ("coder", ctypes.c_int),
    ]


class StreamInfo(ctypes.Structure):
    """strata_stream_info"""
    _fields_ = [
        ("format_version", ctypes.c_uint),
        ("field", Field),
        ("mode", ctypes.c_int),
        ("bound", ctypes.c_double),
        ("abs_bound", ctypes.c_double),
        ("valid_min", ctypes.c_double),
        ("valid_max", ctypes.c_double),
        ("raw_size", ctypes.c_uint64),
        ("stream_size", ctypes.c_uint64),
        ("method", ctypes.c_uint),
        ("blocks", ctypes.c_uint64),
        ("slab", ctypes.c_uint64),
    ]


class PaddedStreamInfo(ctypes.Structure):
    """A strata_stream_info with room to spare. strata_stream_info has no size field,
    so a newer library with a longer one would write past ours; the padding absorbs
    that. Only .info is read."""
    _fields_ = [("info", StreamInfo), ("_spare", ctypes.c_char * 512)]


_P = ctypes.c_void_p
_SZ = ctypes.c_size_t
_PSZ = ctypes.POINTER(ctypes.c_size_t)
_STATUS = ctypes.c_int

# name: (restype, argtypes). Buffers are passed as integer addresses (c_void_p).
_SIGNATURES = {
    "strata_version_number": (ctypes.c_uint, []),
    "strata_format_version": (ctypes.c_uint, []),
    "strata_version_string": (ctypes.c_char_p, []),
    "strata_status_string": (ctypes.c_char_p, [_STATUS]),
    "strata_field_init": (None, [_P, ctypes.c_int, ctypes.c_uint, _PSZ]),
    "strata_params_init": (None, [_P]),
    "strata_compress_bound": (_SZ, [ctypes.POINTER(Field)]),
    "strata_compress": (_STATUS, [ctypes.POINTER(Field), _P, ctypes.POINTER(Params),
                                  _P, _SZ, _PSZ]),
    "strata_compress_blocks_bound": (_SZ, [ctypes.POINTER(Field)]),
    "strata_compress_blocks": (_STATUS, [ctypes.POINTER(Field), _P, ctypes.POINTER(Params),
                                         _P, _SZ, _PSZ]),
    "strata_read_header": (_STATUS, [_P, _SZ, _P]),
    "strata_decompress": (_STATUS, [_P, _SZ, _P, _SZ, ctypes.c_int, _P]),
}


def _candidates():
    """Where to look for libstrata, in order, as (how it was found, path) pairs."""
    env = os.environ.get("STRATA_LIBRARY")
    if env:
        # An explicit choice is never silently replaced by another library.
        return [("STRATA_LIBRARY", env)]
    found = []
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libstrata.so")
    if os.path.exists(here):
        found.append(("bundled with the package", here))
    system = ctypes.util.find_library("strata")
    if system:
        found.append(("ctypes.util.find_library", system))
    return found


def _load():
    tried = []
    for how, path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            tried.append("%s (%s): %s" % (path, how, exc))
    detail = "; ".join(tried) if tried else "no candidate found"
    raise ImportError(
        "strata: cannot load libstrata (%s). Build the C library (cmake --build build) "
        "and reinstall the package (pip install ./python), or point STRATA_LIBRARY at "
        "libstrata.so." % detail)


def _bind(lib):
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise ImportError("strata: %s lacks %s(); it is older than this binding "
                              "(C API %d.%d)" % (lib._name, name, API_MAJOR, API_MINOR))
        fn.restype = restype
        fn.argtypes = argtypes


def _check_abi(lib):
    """Refuses a library whose version or structure sizes differ from this binding's."""
    number = lib.strata_version_number()
    major, minor = number // 10000, number // 100 % 100
    if major != API_MAJOR or minor < API_MINOR:
        raise ImportError("strata: %s is libstrata %s; this binding needs %d.%d.x "
                          "(same major, minor >= %d)" % (lib._name, version_string(lib),
                                                         API_MAJOR, API_MINOR, API_MINOR))
    # The library writes sizeof(its struct) into .size: read it from a roomy buffer.
    for init, ours in (("strata_field_init", Field), ("strata_params_init", Params)):
        scratch = ctypes.create_string_buffer(4096)
        if init == "strata_field_init":
            dims = (ctypes.c_size_t * MAX_DIMS)(1, 1, 1, 1)
            lib.strata_field_init(ctypes.addressof(scratch), FLOAT32, 1, dims)
        else:
            lib.strata_params_init(ctypes.addressof(scratch))
        theirs = ctypes.c_size_t.from_buffer(scratch).value
        if theirs != ctypes.sizeof(ours):
            raise ImportError("strata: %s's %s is %d bytes, this binding's %d: the "
                              "package and the library do not match; reinstall the "
                              "package against this library" % (
                                  lib._name, init[:-5], theirs, ctypes.sizeof(ours)))


def version_string(lib_=None):
    return (lib_ or lib).strata_version_string().decode("ascii")


def status_text(status):
    """strata_status_string() of `status`."""
    return lib.strata_status_string(status).decode("utf-8", "replace")


lib, path = _load()
_bind(lib)
_check_abi(lib)
