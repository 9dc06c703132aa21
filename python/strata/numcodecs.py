"""The Strata numcodecs codec (codec id "strata"), for zarr arrays.

    import zarr
    from strata.numcodecs import Strata
    z = zarr.open("t.zarr", mode="w", shape=t.shape, chunks=(5, 180, 360),
                  dtype=t.dtype, compressor=Strata(rel=1e-3, fill=-1e10))
    z[:] = t

The codec is registered with numcodecs when this module is imported, and through
the "numcodecs.codecs" entry point of the installed package, so zarr reopens such
an array without an explicit import. Its configuration (the bound, the fill value,
the coder) is stored in the array's .zarray metadata and round-trips through
get_config()/from_config(); threads= is a reading/writing choice, not stored.

Each chunk is one Strata stream of the chunk's shape. rel= is therefore relative to
each chunk's own value range; for one absolute bound over the whole array, give
abs= (for instance rel times the array's valid max - min).

Like every numcodecs codec, decode() gives back the bytes in the memory order encode()
saw: a C-ordered chunk comes back as an array of its shape; a Fortran-ordered chunk
is compressed as its transpose (no copy) and comes back as that transpose, which
is what zarr arrays with order="F" expect. Put no byte-producing filter before it:
Strata needs float32/float64 chunks.
"""
import numpy as np
from numcodecs.abc import Codec
from numcodecs.compat import ensure_contiguous_ndarray
from numcodecs.registry import register_codec

from . import _core

_BOUND_KEYS = ("abs", "rel", "psnr", "lossless")


class Strata(Codec):
    """Error-bounded lossy (or lossless) compression of float32/float64 chunks.

    Parameters: exactly one of ``abs``, ``rel``, ``psnr`` or ``lossless=True``
    (as strata.compress); ``fill``: the fill value of the data (kept exact, left out
    of the value range); ``coder``: "default", "range_ctx", "range", "ans_ctx",
    "huffman_ctx" or "huffman"; ``threads``: OpenMP threads per chunk (0: OpenMP's default), not stored in the
    metadata.
    """

    codec_id = "strata"

    def __init__(self, abs=None, rel=None, psnr=None, lossless=False, fill=None,
                 coder="default", threads=0):
        # Checks the arguments now, not at the first chunk.
        _core.make_params(abs=abs, rel=rel, psnr=psnr, lossless=lossless,
                          threads=threads, coder=coder)
        self.abs = None if abs is None else float(abs)
        self.rel = None if rel is None else float(rel)
        self.psnr = None if psnr is None else float(psnr)
        self.lossless = bool(lossless)
        self.fill = _core.check_fill(fill)
        self.coder = coder
        self.threads = int(threads)

    def _bound(self):
        for key in _BOUND_KEYS:
            value = getattr(self, key)
            if value is not None and value is not False:
                return key, value
        raise AssertionError("no bound")  # __init__ made sure there is one

    def get_config(self):
        key, value = self._bound()
        config = {"id": self.codec_id, key: value}
        if self.fill is not None:
            config["fill"] = self.fill
        if self.coder != "default":
            config["coder"] = self.coder
        return config

    def encode(self, buf):
        arr = buf if isinstance(buf, np.ndarray) else np.asarray(buf)
        if arr.ndim > 1 and not arr.flags.c_contiguous and arr.flags.f_contiguous:
            arr = arr.T  # keep the memory order (see the module's comment)
        key, value = self._bound()
        return _core.compress(arr, fill=self.fill, threads=self.threads,
                              coder=self.coder, **{key: value})

    def decode(self, buf, out=None):
        data = ensure_contiguous_ndarray(buf)
        if out is not None:
            out = ensure_contiguous_ndarray(out)  # raw bytes semantics, as numcodecs
        return _core.decompress(data, threads=self.threads, out=out)

    def __repr__(self):
        key, value = self._bound()
        parts = ["%s=%r" % (key, value)]
        if self.fill is not None:
            parts.append("fill=%r" % self.fill)
        if self.coder != "default":
            parts.append("coder=%r" % self.coder)
        if self.threads:
            parts.append("threads=%d" % self.threads)
        return "Strata(%s)" % ", ".join(parts)


register_codec(Strata)
