"""Real data: ferret-datasets' Levitus TEMP through xarray to zarr with Strata (the
example of docs/python.md, run as written), and the store-size floor against
numcodecs' Blosc-zstd and zfpy at the same absolute bound."""
import os
import re

import pytest

from conftest import FERRET

LEVITUS = os.path.join(FERRET, "levitus_climatology.cdf")
DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "python.md")

pytestmark = [
    pytest.mark.skipif(not os.path.exists(LEVITUS), reason="ferret-datasets not installed"),
]


def test_docs_xarray_example(tmp_path, monkeypatch):
    pytest.importorskip("xarray")
    pytest.importorskip("zarr")
    text = open(DOC).read()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S)
              if "levitus_climatology.cdf" in b and "to_zarr" in b]
    assert blocks, "docs/python.md lost its xarray example"
    monkeypatch.chdir(tmp_path)
    scope = {}
    exec(compile(blocks[0], "docs/python.md", "exec"), scope)  # noqa: S102 - our own doc
    assert scope["err"] <= scope["eb"]
    assert bool(scope["same_land"])


def test_store_smaller_than_blosc_zstd_and_zfpy(tmp_path):
    pytest.importorskip("xarray")
    pytest.importorskip("zarr")
    import measure_levitus
    rows, eb, raw = measure_levitus.measure(str(tmp_path), depth=5)
    strata_size, strata_err, strata_land = rows["strata rel 1e-3 (per chunk)"]
    assert strata_err <= eb and strata_land
    assert rows["strata abs eb"][1] <= eb and rows["strata abs eb"][2]
    blosc = rows["blosc-zstd (lossless)"][0]
    assert strata_size < blosc, (strata_size, blosc)
    if "zfpy accuracy eb" not in rows:
        pytest.skip("zfpy not installed: only the Blosc-zstd comparison ran")
    assert strata_size < rows["zfpy accuracy eb"][0]
    assert strata_size < rows["aside: zfpy accuracy eb, land set to 0 first (other data)"][0]
