"""compress(), decompress() and info(): numpy arrays in, Strata streams out, and back.

Every call goes straight to the C library through ctypes (which releases the GIL
for the duration of each call). The Python side only checks arguments, allocates
the output and, for compress(), copies the compressed bytes (a fraction of the
field) into the bytes object it returns. Inputs the C library cannot take as they
are (non-contiguous, Fortran-ordered or big-endian arrays) are converted to a
native, C-ordered copy first.
"""
import ctypes
import math
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from . import _capi
from ._capi import lib

_DTYPES = {np.dtype("float32"): _capi.FLOAT32, np.dtype("float64"): _capi.FLOAT64}
_DTYPE_OF = {_capi.FLOAT32: np.dtype("float32"), _capi.FLOAT64: np.dtype("float64")}
_MODE_NAMES = {_capi.MODE_ABS: "abs", _capi.MODE_REL: "rel",
               _capi.MODE_LOSSLESS: "lossless", _capi.MODE_PSNR: "psnr"}
_CODERS = {"default": _capi.CODER_DEFAULT, "huffman": _capi.CODER_HUFFMAN,
           "range": _capi.CODER_RANGE, "range_ctx": _capi.CODER_RANGE_CTX,
           "huffman_ctx": _capi.CODER_HUFFMAN_CTX, "ans_ctx": _capi.CODER_ANS_CTX}
_METHOD_NAMES = {0: "raw", 1: "interpolation", 2: "lossless", 3: "container", 4: "wavelet"}


class StrataError(Exception):
    """A libstrata call failed.

    Attributes: ``status`` (the strata_status value), ``status_name`` (its name in
    strata.h, e.g. "STRATA_ERR_CHECKSUM") and ``text`` (strata_status_string()).
    """

    def __init__(self, status, where, detail=None):
        self.status = int(status)
        self.status_name = _capi.STATUS_NAMES.get(self.status, "status %d" % self.status)
        self.text = _capi.status_text(self.status)
        message = "%s: %s (%s)" % (where, self.text, self.status_name)
        if detail:
            message += ": " + detail
        super().__init__(message)


def _check(status, where):
    if status != _capi.OK:
        raise StrataError(status, where)


# ---- arguments --------------------------------------------------------------------

def make_params(abs=None, rel=None, psnr=None, lossless=False, threads=0,
                coder="default"):
    """strata_params from the keyword arguments (exactly one bound)."""
    given = [(name, value) for name, value in (("abs", abs), ("rel", rel), ("psnr", psnr))
             if value is not None]
    if lossless:
        given.append(("lossless", True))
    if len(given) != 1:
        raise TypeError("give exactly one of abs=, rel=, psnr= or lossless=True (got %s)"
                        % (", ".join(name for name, _ in given) or "none"))
    name, value = given[0]
    params = _capi.Params()
    lib.strata_params_init(ctypes.addressof(params))
    if name == "lossless":
        params.mode, params.bound = _capi.MODE_LOSSLESS, 0.0
    else:
        bound = float(value)
        if not (math.isfinite(bound) and bound > 0):
            raise ValueError("%s= must be > 0 and finite, not %r" % (name, value))
        params.mode = {"abs": _capi.MODE_ABS, "rel": _capi.MODE_REL,
                       "psnr": _capi.MODE_PSNR}[name]
        params.bound = bound
    params.threads = check_threads(threads)
    if coder not in _CODERS:
        raise ValueError("coder= must be one of %s, not %r" % (", ".join(_CODERS), coder))
    params.coder = _CODERS[coder]
    return params


def check_threads(threads):
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 0:
        raise ValueError("threads= must be an int >= 0 (0: OpenMP's default), not %r"
                         % (threads,))
    return int(threads)


def check_fill(fill):
    """The fill value as a float, or None. A NaN fill changes nothing (NaN is always
    kept exact), so it is dropped."""
    if fill is None:
        return None
    value = float(fill)
    return None if math.isnan(value) else value


def as_field_array(array):
    """`array` as a native-endian, C-contiguous float32/float64 ndarray of 1-4 dims
    (no copy when it already is one)."""
    if isinstance(array, np.ma.MaskedArray):
        raise TypeError("strata: masked arrays are not compressed as such; pass "
                        "array.filled(v) and fill=v")
    arr = np.asarray(array)
    dtype = arr.dtype
    if dtype.kind != "f" or dtype.itemsize not in (4, 8):
        raise TypeError("strata compresses float32 and float64 arrays, not %s; convert "
                        "first (array.astype(numpy.float32))" % dtype)
    if not dtype.isnative:
        arr = arr.astype(dtype.newbyteorder("="))  # byte swap; values unchanged
    if not 1 <= arr.ndim <= _capi.MAX_DIMS:
        raise ValueError("strata compresses arrays of 1 to %d dimensions, not %d"
                         % (_capi.MAX_DIMS, arr.ndim))
    return np.ascontiguousarray(arr)


def make_field(arr, fill):
    field = _capi.Field()
    dims = (ctypes.c_size_t * _capi.MAX_DIMS)(*arr.shape)
    lib.strata_field_init(ctypes.addressof(field), _DTYPES[arr.dtype], arr.ndim, dims)
    if fill is not None:
        field.has_fill, field.fill_value = 1, fill
    return field


def _buffer_view(data, what):
    """A read-only uint8 ndarray over the bytes of `data` (no copy if contiguous)."""
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError("%s needs a bytes-like object, not %s" % (what, type(data).__name__))
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    return np.frombuffer(view.cast("B"), dtype=np.uint8)


# ---- the three calls --------------------------------------------------------------

def compress(array, *, abs=None, rel=None, psnr=None, lossless=False, fill=None,
             threads=0, coder="default", blocks=False) -> bytes:
    """Compresses a float32/float64 array of 1-4 dimensions into a Strata stream.

    Give exactly one bound: ``abs=E`` (every valid point within E), ``rel=E``
    (within E times max-min of the valid points), ``psnr=P`` (PSNR >= P dB) or
    ``lossless=True``. ``fill=V``: points equal to V come back exact and are left out
    of the value range (land in ocean fields); NaN and +-Inf always come back exact.
    ``threads``: 0 is OpenMP's default; the bytes do not depend on it. ``coder``:
    "default" (currently "range_ctx"), "range_ctx" (smallest), "range" (the
    default of earlier versions), "ans_ctx" (about twice range_ctx's speed,
    streams 5-19% larger), "huffman_ctx" (near huffman's speed, near range_ctx's
    size) or "huffman" (fastest). ``blocks=True`` writes a
    block container (slabs along the first axis, compressed in parallel).

    Non-contiguous, Fortran-ordered and big-endian arrays are compressed from a
    native C-ordered copy; decompress() returns native byte order.
    Raises TypeError/ValueError for bad arguments, StrataError if the library fails.
    """
    arr = as_field_array(array)
    field = make_field(arr, check_fill(fill))
    params = make_params(abs=abs, rel=rel, psnr=psnr, lossless=lossless,
                         threads=threads, coder=coder)
    if blocks:
        bound_fn, compress_fn = lib.strata_compress_blocks_bound, lib.strata_compress_blocks
    else:
        bound_fn, compress_fn = lib.strata_compress_bound, lib.strata_compress
    capacity = bound_fn(ctypes.byref(field))
    # capacity 0: the field is invalid (an empty axis); the library says why below.
    out = np.empty(max(capacity, 1), dtype=np.uint8)
    size = ctypes.c_size_t(0)
    status = compress_fn(ctypes.byref(field), arr.ctypes.data, ctypes.byref(params),
                         out.ctypes.data, capacity, ctypes.byref(size))
    _check(status, compress_fn.__name__)
    return out[:size.value].tobytes()


def read_header(buf) -> _capi.StreamInfo:
    """strata_read_header() over the uint8 ndarray `buf`."""
    padded = _capi.PaddedStreamInfo()
    status = lib.strata_read_header(buf.ctypes.data, buf.size, ctypes.addressof(padded))
    _check(status, "strata_read_header")
    return padded.info


def _expect_whole(buf, raw):
    if raw.stream_size < buf.size:
        raise StrataError(_capi.ERR_CORRUPT, "strata.decompress",
                          "%d bytes follow the end of the stream (%d bytes)"
                          % (buf.size - raw.stream_size, raw.stream_size))


def decompress(data, *, threads=0, out=None) -> np.ndarray:
    """Decodes a whole Strata stream (or block container) from a bytes-like object.

    Returns a new C-ordered, native-endian ndarray with the stream's dtype and
    shape; or, with ``out=``, decodes straight into that writable, contiguous buffer
    (exactly info(data).raw_size bytes) and returns it. Bytes after the stream, a
    bad checksum, a truncated or malformed stream raise StrataError.
    """
    threads = check_threads(threads)
    buf = _buffer_view(data, "strata.decompress")
    raw = read_header(buf)
    _expect_whole(buf, raw)
    dtype = _DTYPE_OF.get(raw.field.dtype)
    shape = tuple(int(raw.field.dims[i]) for i in range(raw.field.ndims))
    if dtype is None or math.prod(shape) * dtype.itemsize != raw.raw_size:
        raise StrataError(_capi.ERR_CORRUPT, "strata.decompress",
                          "header's dtype and shape disagree with its raw size")
    if out is None:
        result = np.empty(shape, dtype=dtype)
        target = result
    else:
        result = out
        target = np.asarray(out)
        if not (target.flags.c_contiguous or target.flags.f_contiguous) \
                or not target.flags.writeable:
            raise ValueError("out= must be a writable contiguous buffer")
        if target.nbytes != raw.raw_size:
            raise ValueError("out= holds %d bytes, the stream decodes to %d"
                             % (target.nbytes, raw.raw_size))
    status = lib.strata_decompress(buf.ctypes.data, buf.size, target.ctypes.data,
                                   target.nbytes, threads, None)
    _check(status, "strata_decompress")
    return result


@dataclass(frozen=True)
class Info:
    """What a stream's header says (strata_stream_info)."""
    format_version: int
    dtype: np.dtype
    shape: Tuple[int, ...]
    fill: Optional[float]      # the declared fill value, or None
    mode: str                  # "abs", "rel", "lossless" or "psnr"
    bound: float               # the bound as given
    abs_bound: float           # the absolute bound enforced (0 for lossless)
    valid_min: float
    valid_max: float
    raw_size: int              # bytes of the decompressed field
    stream_size: int           # bytes of the whole stream
    method: str                # "raw", "interpolation", "lossless", "container" or "wavelet"
    blocks: int                # blocks of a container (0 for a single stream)
    slab: int                  # container: extent of each block along axis 0

    @property
    def ratio(self) -> float:
        return self.raw_size / self.stream_size if self.stream_size else float("nan")


def info(data) -> Info:
    """Parses and checks a stream's header without decoding the payload."""
    buf = _buffer_view(data, "strata.info")
    raw = read_header(buf)
    f = raw.field
    return Info(
        format_version=raw.format_version,
        dtype=_DTYPE_OF.get(f.dtype),
        shape=tuple(int(f.dims[i]) for i in range(f.ndims)),
        fill=float(f.fill_value) if f.has_fill else None,
        mode=_MODE_NAMES.get(raw.mode, "mode %d" % raw.mode),
        bound=raw.bound, abs_bound=raw.abs_bound,
        valid_min=raw.valid_min, valid_max=raw.valid_max,
        raw_size=int(raw.raw_size), stream_size=int(raw.stream_size),
        method=_METHOD_NAMES.get(raw.method, "method %d" % raw.method),
        blocks=int(raw.blocks), slab=int(raw.slab))
