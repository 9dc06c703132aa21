"""Shared helpers of the Python tests (run by python/run_tests.sh).

check_roundtrip() is an independent checker, as ../shared/tools/verify_bound.py: the
bound is computed here from the user's parameters in double precision, never taken
from the stream; NaN, +-Inf and fill points must come back bit for bit.
"""
import math

import numpy as np

SHAPES = {1: (4099,), 2: (61, 73), 3: (13, 24, 29), 4: (5, 7, 11, 13)}
DTYPES = (np.float32, np.float64)
FERRET = "/usr/share/ferret-vis/data"


def smooth_field(shape, dtype, seed=0, noise=0.01):
    """A smooth field with a little noise (what simulations write)."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 3, n) for n in shape], indexing="ij")
    field = sum(np.sin((k + 1) * g + k) for k, g in enumerate(grids))
    field = field * 10 + 5 + noise * rng.standard_normal(shape)
    return field.astype(dtype)


def with_specials(field, fill, seed=1):
    """Copies `field` with fill, NaN (two payloads) and +-Inf points sprinkled in."""
    rng = np.random.default_rng(seed)
    out = field.copy()
    flat = out.reshape(-1)
    n = flat.size
    idx = rng.permutation(n)
    k = max(1, n // 20)
    flat[idx[:k]] = fill
    flat[idx[k:k + 3]] = np.nan
    uint = np.uint32 if out.dtype == np.float32 else np.uint64
    payload = np.array([0x7FC00123 if uint is np.uint32 else 0x7FF8000000000123], dtype=uint)
    flat[idx[k + 3]] = payload.view(out.dtype)[0]  # a NaN with a payload
    flat[idx[k + 4]] = np.inf
    flat[idx[k + 5]] = -np.inf
    # A contiguous run of fill (land).
    flat[: max(1, n // 10)] = fill
    return out


def _uint(dtype):
    return np.uint32 if np.dtype(dtype).itemsize == 4 else np.uint64


def valid_mask(orig, fill=None):
    mask = np.isfinite(orig)
    if fill is not None:
        mask &= orig != np.asarray(fill, dtype=orig.dtype)
    return mask


def value_range(orig, fill=None):
    v = orig[valid_mask(orig, fill)].astype(np.float64)
    return (float(v.max() - v.min()), float(v.min()), float(v.max())) if v.size else (0.0, 0.0, 0.0)


def check_roundtrip(orig, back, *, abs=None, rel=None, lossless=False, fill=None,
                    psnr=None, stream_abs=None):
    """Asserts every point of `back` honours the bound against `orig`."""
    orig = np.asarray(orig)
    assert back.shape == orig.shape
    assert back.dtype == orig.dtype.newbyteorder("=")
    orig = orig.astype(back.dtype)  # native order for the comparison
    it = _uint(orig.dtype)
    if lossless:
        assert np.array_equal(orig.view(it), back.view(it)), "lossless round trip differs"
        return 0.0
    valid = valid_mask(orig, fill)
    special = ~valid
    assert np.array_equal(orig[special].view(it), back[special].view(it)), \
        "NaN/Inf/fill points not bit-exact"
    err = np.abs(back[valid].astype(np.float64) - orig[valid].astype(np.float64))
    if abs is not None:
        eb = float(abs)
    elif rel is not None:
        eb = rel * value_range(orig, fill)[0]
    else:
        eb = stream_abs  # psnr: the stream's own absolute bound
    bad = np.count_nonzero(~(err <= eb))
    assert bad == 0, "%d points beyond the bound %g (max error %g)" % (bad, eb, err.max())
    if psnr is not None and err.size:
        mse = float(np.mean(err ** 2))
        vr = value_range(orig, fill)[0]
        if mse > 0:
            achieved = 20 * math.log10(vr) - 10 * math.log10(mse)
            assert achieved >= psnr, "PSNR %.3f < target %.3f" % (achieved, psnr)
    return float(err.max()) if err.size else 0.0


def pytest_configure(config):
    # Debian's compiled packages (netCDF4, pandas) were built against an older numpy
    # struct layout; numpy warns on import. Not ours, and harmless.
    config.addinivalue_line("filterwarnings",
                            "ignore:numpy.ndarray size changed:RuntimeWarning")
