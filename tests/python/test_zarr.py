"""The numcodecs codec: zarr arrays written with Strata, reopened, compared within
the bound; configuration round trips through zarr's metadata."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

zarr = pytest.importorskip("zarr")
numcodecs = pytest.importorskip("numcodecs")

import strata  # noqa: E402
from strata.numcodecs import Strata  # noqa: E402
from conftest import check_roundtrip, smooth_field, with_specials  # noqa: E402

FILL = -1e10


def test_registered_and_config_round_trip():
    codec = numcodecs.get_codec({"id": "strata", "rel": 1e-3, "fill": FILL})
    assert isinstance(codec, Strata)
    assert codec.get_config() == {"id": "strata", "rel": 1e-3, "fill": FILL}
    for c in (Strata(abs=0.5), Strata(lossless=True), Strata(psnr=70, coder="huffman"),
              Strata(rel=1e-4, fill=-1e34, threads=2)):
        config = json.loads(json.dumps(c.get_config()))
        assert "threads" not in config
        again = numcodecs.get_codec(config)
        assert again.get_config() == c.get_config()
    assert repr(Strata(rel=1e-3, fill=FILL)) == "Strata(rel=0.001, fill=-10000000000.0)"
    with pytest.raises(TypeError):
        Strata()
    with pytest.raises(ValueError):
        Strata(abs=-1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_chunked_array_reopened(tmp_path, dtype, order):
    data = with_specials(smooth_field((30, 45, 50), dtype, noise=0.05), FILL)
    path = str(tmp_path / "a.zarr")
    z = zarr.open(path, mode="w", shape=data.shape, chunks=(8, 20, 50), dtype=dtype,
                  order=order, fill_value=FILL, compressor=Strata(abs=1e-3, fill=FILL))
    z[:] = data
    meta = json.load(open(os.path.join(path, ".zarray")))
    assert meta["compressor"] == {"id": "strata", "abs": 1e-3, "fill": FILL}
    back = zarr.open(path, mode="r")
    assert isinstance(back.compressor, Strata)
    check_roundtrip(data, back[:], abs=1e-3, fill=FILL)
    # A partial read: edge chunks, chunks decoded straight into the output and not.
    check_roundtrip(data[5:29, 3:44, 7:], back[5:29, 3:44, 7:], abs=1e-3, fill=FILL)
    chunk = open(os.path.join(path, "1.1.0"), "rb").read()
    assert strata.info(chunk).shape in ((8, 20, 50), (50, 20, 8))  # C or transposed F


def test_rel_is_per_chunk(tmp_path):
    data = smooth_field((40, 60), np.float32)
    data[20:] *= 100  # the second half has a much wider range
    z = zarr.open(str(tmp_path / "r.zarr"), mode="w", shape=data.shape, chunks=(20, 60),
                  dtype=data.dtype, compressor=Strata(rel=1e-3))
    z[:] = data
    back = z[:]
    check_roundtrip(data[:20], back[:20], rel=1e-3)
    check_roundtrip(data[20:], back[20:], rel=1e-3)


def test_reopened_without_importing_strata(tmp_path):
    """zarr finds the codec through the package's numcodecs.codecs entry point."""
    data = smooth_field((16, 16, 16), np.float64)
    path = str(tmp_path / "e.zarr")
    z = zarr.open(path, mode="w", shape=data.shape, chunks=(8, 8, 16), dtype=data.dtype,
                  compressor=Strata(rel=1e-5))
    z[:] = data
    np.save(str(tmp_path / "orig.npy"), data)
    code = ("import sys, zarr, numpy as np\n"
            "assert 'strata' not in sys.modules\n"
            "z = zarr.open(%r, mode='r')\n"
            "np.save(%r, z[:])\n"
            "print(type(z.compressor).__module__)\n") % (path, str(tmp_path / "back.npy"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "strata.numcodecs"
    check_roundtrip(data, np.load(str(tmp_path / "back.npy")), rel=1e-5)


def test_codec_direct_and_out():
    codec = Strata(rel=1e-4)
    data = smooth_field((12, 34), np.float32)
    enc = codec.encode(data)
    check_roundtrip(data, codec.decode(enc), rel=1e-4)
    out = np.empty_like(data)
    codec.decode(enc, out=out)
    check_roundtrip(data, out, rel=1e-4)
    with pytest.raises(TypeError):
        codec.encode(b"raw bytes are not a float array")
    with pytest.raises(strata.StrataError):
        codec.decode(enc[:-3])
