"""strata.h5py_opts(): the create_dataset() keywords of the HDF5 filter (ID 41217)."""
import struct

import numpy as np
import pytest

import strata
from conftest import check_roundtrip, smooth_field, with_specials

FILL = -1e10


def test_cd_values_layout():
    """Mode, then the bound as a double, low 32-bit word first (h5z_strata.h)."""
    opts = strata.h5py_opts(rel=1e-3, check=False)
    assert opts["compression"] == 41217 == strata.HDF5_FILTER_ID
    mode, low, high = opts["compression_opts"]
    assert mode == 2
    assert struct.unpack("<d", struct.pack("<II", low, high))[0] == 1e-3
    assert strata.h5py_opts(abs=0.5, check=False)["compression_opts"][0] == 1
    assert strata.h5py_opts(lossless=True, check=False)["compression_opts"] == (3,)
    assert strata.h5py_opts(abs=1, fill=FILL, check=False)["fillvalue"] == FILL
    assert "fillvalue" not in strata.h5py_opts(abs=1, check=False)
    with pytest.raises(TypeError):
        strata.h5py_opts(check=False)
    with pytest.raises(TypeError):
        strata.h5py_opts(psnr=60, check=False)
    with pytest.raises(ValueError):
        strata.h5py_opts(rel=0, check=False)


def _filter_or_skip():
    h5py = pytest.importorskip("h5py")
    try:
        strata.h5py_opts(lossless=True)
    except RuntimeError as exc:
        pytest.skip("HDF5 filter plugin not built: %s" % exc)
    return h5py


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_h5py_dataset_round_trip(tmp_path, dtype):
    h5py = _filter_or_skip()
    data = with_specials(smooth_field((20, 30, 44), dtype, noise=0.05), FILL)
    path = str(tmp_path / "t.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("abs", data=data, chunks=(5, 30, 20),
                         **strata.h5py_opts(abs=1e-3, fill=FILL))
        f.create_dataset("rel", data=data, chunks=(10, 30, 44),
                         **strata.h5py_opts(rel=1e-3, fill=FILL))
        f.create_dataset("lossless", data=data, chunks=(20, 30, 44),
                         **strata.h5py_opts(lossless=True))
    with h5py.File(path, "r") as f:
        assert f["abs"].fillvalue == np.asarray(FILL, dtype)
        filters = f["abs"].id.get_create_plist().get_filter(0)
        assert filters[0] == 41217
        assert f["abs"].id.get_storage_size() < data.nbytes / 2
        check_roundtrip(data, f["abs"][:], abs=1e-3, fill=FILL)
        back = f["rel"][:]
        check_roundtrip(data[:10], back[:10], rel=1e-3, fill=FILL)  # per chunk
        check_roundtrip(data[10:], back[10:], rel=1e-3, fill=FILL)
        check_roundtrip(data, f["lossless"][:], lossless=True)
