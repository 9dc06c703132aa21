"""Round trips of strata.compress/decompress: every dtype, 1-4D, every mode, every
point checked; layouts the C library cannot take directly; info()."""
import numpy as np
import pytest

import strata
from conftest import DTYPES, SHAPES, check_roundtrip, smooth_field, value_range, with_specials

FILL = -1e10

MODES = [("abs", 0.05), ("rel", 1e-3), ("rel", 1e-5), ("lossless", True), ("psnr", 60.0)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("ndims", [1, 2, 3, 4])
@pytest.mark.parametrize("mode,bound", MODES, ids=[f"{m}{b}" for m, b in MODES])
def test_roundtrip_every_point(dtype, ndims, mode, bound):
    orig = smooth_field(SHAPES[ndims], dtype, seed=ndims)
    stream = strata.compress(orig, **{mode: bound})
    assert isinstance(stream, bytes)
    back = strata.decompress(stream)
    assert back.flags.c_contiguous and back.dtype.isnative
    meta = strata.info(stream)
    assert meta.shape == orig.shape and meta.dtype == orig.dtype and meta.mode == mode
    assert meta.stream_size == len(stream) and meta.raw_size == orig.nbytes
    check_roundtrip(orig, back, stream_abs=meta.abs_bound,
                    **({"lossless": True} if mode == "lossless" else {mode: bound}))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("ndims", [1, 2, 3, 4])
def test_nan_inf_fill_exact(dtype, ndims):
    orig = with_specials(smooth_field(SHAPES[ndims], dtype, seed=10 + ndims), FILL)
    for kwargs in ({"rel": 1e-3}, {"abs": 1e-2}):
        stream = strata.compress(orig, fill=FILL, **kwargs)
        meta = strata.info(stream)
        assert meta.fill == float(np.asarray(FILL, dtype))
        vr, vmin, vmax = value_range(orig, FILL)
        assert (meta.valid_min, meta.valid_max) == (vmin, vmax)  # fill left out of the range
        check_roundtrip(orig, strata.decompress(stream), fill=FILL, **kwargs)
    assert strata.info(stream).ratio > 2  # the fill points did not ruin the ratio


def test_nan_fill_is_no_fill():
    orig = with_specials(smooth_field((40, 50), np.float32), np.nan)
    stream = strata.compress(orig, rel=1e-3, fill=np.nan)
    assert strata.info(stream).fill is None
    check_roundtrip(orig, strata.decompress(stream), rel=1e-3)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_layouts(dtype):
    """Non-contiguous, Fortran-ordered and big-endian inputs are compressed as the
    array they represent; the result is native and C-ordered."""
    base = smooth_field((30, 40, 50), dtype)
    cases = {
        "strided": base[::2, 1::3, ::-1],
        "transposed": base.T,
        "fortran": np.asfortranarray(base),
        "big-endian": base.astype(np.dtype(dtype).newbyteorder(">")),
        "big-endian strided": base.astype(np.dtype(dtype).newbyteorder(">"))[:, ::2],
        "readonly": np.frombuffer(base.tobytes(), dtype=dtype).reshape(base.shape),
    }
    for name, arr in cases.items():
        back = strata.decompress(strata.compress(arr, abs=1e-3))
        assert back.shape == arr.shape, name
        check_roundtrip(arr, back, abs=1e-3)
        lossless = strata.decompress(strata.compress(arr, lossless=True))
        check_roundtrip(arr, lossless, lossless=True)


def test_big_endian_specials_exact():
    orig = with_specials(smooth_field((20, 30), np.float64), FILL)
    be = orig.astype(">f8")
    back = strata.decompress(strata.compress(be, rel=1e-4, fill=FILL))
    assert back.dtype == np.dtype("<f8")
    check_roundtrip(orig, back, rel=1e-4, fill=FILL)


def test_lists_and_scalars_fill():
    back = strata.decompress(strata.compress([1.0, 2.0, 3.5, -1.0], lossless=True))
    assert back.dtype == np.float64 and back.tolist() == [1.0, 2.0, 3.5, -1.0]
    orig = smooth_field((100,), np.float32)
    orig[::7] = np.float32(-1e34)
    stream = strata.compress(orig, rel=1e-3, fill=np.float32(-1e34))
    check_roundtrip(orig, strata.decompress(stream), rel=1e-3, fill=np.float32(-1e34))


@pytest.mark.parametrize("bad", [
    np.arange(10, dtype=np.int32), np.arange(10, dtype=np.float16),
    np.arange(10, dtype=np.complex64), np.array(["a", "b"]), np.zeros(3, dtype=object),
])
def test_unsupported_dtypes_refused(bad):
    with pytest.raises(TypeError, match="float32 and float64"):
        strata.compress(bad, rel=1e-3)


def test_bad_shapes_and_arguments():
    with pytest.raises(ValueError, match="1 to 4 dimensions"):
        strata.compress(np.float32(1.0), rel=1e-3)
    with pytest.raises(ValueError, match="1 to 4 dimensions"):
        strata.compress(np.zeros((2,) * 5, np.float32), rel=1e-3)
    with pytest.raises(TypeError, match="exactly one"):
        strata.compress(np.zeros(8, np.float32))
    with pytest.raises(TypeError, match="exactly one"):
        strata.compress(np.zeros(8, np.float32), abs=1, rel=1)
    with pytest.raises(TypeError, match="exactly one"):
        strata.compress(np.zeros(8, np.float32), abs=1, lossless=True)
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="> 0 and finite"):
            strata.compress(np.zeros(8, np.float32), abs=bad)
    with pytest.raises(ValueError, match="threads"):
        strata.compress(np.zeros(8, np.float32), abs=1, threads=-1)
    with pytest.raises(ValueError, match="coder"):
        strata.compress(np.zeros(8, np.float32), abs=1, coder="lz4")
    with pytest.raises(TypeError, match="masked"):
        strata.compress(np.ma.masked_array(np.zeros(8, np.float32)), abs=1)


def test_empty_field_is_a_library_error():
    with pytest.raises(strata.StrataError) as err:
        strata.compress(np.zeros((0, 4), np.float32), rel=1e-3)
    assert err.value.status in (2, 10)  # INVALID_ARG (an axis of 0) or EMPTY
    assert err.value.text in str(err.value)


def test_fill_out_of_float_range_is_a_library_error():
    with pytest.raises(strata.StrataError) as err:
        strata.compress(np.zeros(16, np.float32), rel=1e-3, fill=1e300)
    assert err.value.status_name == "STRATA_ERR_INVALID_ARG"
    assert "invalid argument" in str(err.value)


def test_threads_coders_and_blocks():
    orig = with_specials(smooth_field((64, 40, 30), np.float32), FILL)
    ref = strata.compress(orig, rel=1e-4, fill=FILL, threads=1)
    assert strata.compress(orig, rel=1e-4, fill=FILL, threads=2) == ref  # same bytes
    for coder in ("huffman", "range", "range_ctx", "huffman_ctx", "ans_ctx", "default"):
        stream = strata.compress(orig, rel=1e-4, fill=FILL, coder=coder)
        check_roundtrip(orig, strata.decompress(stream, threads=2), rel=1e-4, fill=FILL)
    big = smooth_field((1200, 40, 30), np.float32, noise=0.1)  # more than one block
    container = strata.compress(big, rel=1e-3, blocks=True, threads=2)
    meta = strata.info(container)
    assert meta.method == "container" and meta.blocks > 1 and meta.slab > 0
    check_roundtrip(big, strata.decompress(container), rel=1e-3)
    with pytest.raises(strata.StrataError):  # PSNR is not for block containers
        strata.compress(big, psnr=60, blocks=True)


def test_decompress_into_out():
    orig = smooth_field((20, 30), np.float64)
    stream = strata.compress(orig, abs=1e-6)
    out = np.empty_like(orig)
    assert strata.decompress(stream, out=out) is out
    check_roundtrip(orig, out, abs=1e-6)
    raw = bytearray(orig.nbytes)
    strata.decompress(stream, out=raw)
    check_roundtrip(orig, np.frombuffer(raw, np.float64).reshape(orig.shape), abs=1e-6)
    with pytest.raises(ValueError, match="bytes"):
        strata.decompress(stream, out=np.empty(10))
    with pytest.raises(ValueError, match="writable"):
        strata.decompress(stream, out=np.empty((40, 30))[::2])


def test_buffer_types():
    orig = smooth_field((50,), np.float32)
    stream = strata.compress(orig, abs=1e-3)
    for data in (stream, bytearray(stream), memoryview(stream),
                 np.frombuffer(stream, np.uint8)):
        check_roundtrip(orig, strata.decompress(data), abs=1e-3)
        assert strata.info(data).stream_size == len(stream)


def test_constant_and_tiny_fields():
    for arr in (np.full((10, 10), 3.25, np.float32), np.array([1.0]), np.zeros(2, np.float32)):
        for kwargs in ({"rel": 1e-3}, {"abs": 1e-3}, {"lossless": True}):
            stream = strata.compress(arr, **kwargs)
            back = strata.decompress(stream)
            check_roundtrip(arr, back, **({"abs": 1e-3} if "rel" in kwargs else kwargs))


def test_all_fill_field():
    arr = np.full((8, 9), FILL, np.float32)
    back = strata.decompress(strata.compress(arr, rel=1e-3, fill=FILL))
    assert np.array_equal(back.view(np.uint32), arr.view(np.uint32))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_psnr_wavelet_method(dtype):
    """A field rough at every scale (noise summed along each axis): PSNR mode
    codes it with the wavelet method, and the target and stream bound hold."""
    rng = np.random.default_rng(7)
    orig = rng.uniform(-0.5, 0.5, (16, 24, 20)).cumsum(0).cumsum(1).cumsum(2).astype(dtype)
    stream = strata.compress(orig, psnr=60)
    meta = strata.info(stream)
    assert meta.method == "wavelet" and meta.format_version == 2
    check_roundtrip(orig, strata.decompress(stream), psnr=60, stream_abs=meta.abs_bound)
