#!/usr/bin/python3
"""Zarr stores of ferret-datasets' Levitus TEMP (20x180x360 float32, land = _FillValue
-1e10) written through xarray with Strata at rel 1e-3, and with numcodecs' Blosc-zstd
(lossless) and zfpy (fixed accuracy) at the same absolute bound:
eb = 1e-3 * (max - min over the valid points).

usage: measure_levitus.py [CHUNK_DEPTH ...]   (default: 1 5 20; chunks are D x 180 x 360)
Prints one table row per store: TEMP's bytes in the store (chunks + metadata), ratio,
max error over valid points, and whether every land point came back as land.
test_levitus.py runs the same code for the floor.
"""
import os
import sys
import tempfile

import numpy as np

LEVITUS = "/usr/share/ferret-vis/data/levitus_climatology.cdf"
REL = 1e-3


def dir_size(path):
    return sum(os.path.getsize(os.path.join(root, name))
               for root, _, names in os.walk(path) for name in names)


def load():
    import xarray as xr
    ds = xr.open_dataset(LEVITUS)  # land -> NaN, _FillValue kept in .encoding
    temp = ds["TEMP"].values
    valid = temp[np.isfinite(temp)].astype(np.float64)
    return ds, float(valid.max() - valid.min())


def compressors(fill, eb):
    import numcodecs
    from strata.numcodecs import Strata
    out = {
        "strata rel 1e-3 (per chunk)": Strata(rel=REL, fill=fill),
        "strata abs eb": Strata(abs=eb, fill=fill),
        "blosc-zstd (lossless)": numcodecs.Blosc(cname="zstd", clevel=5,
                                                 shuffle=numcodecs.Blosc.SHUFFLE),
    }
    try:
        import zfpy
        from numcodecs.zfpy import ZFPY
        out["zfpy accuracy eb"] = ZFPY(mode=zfpy.mode_fixed_accuracy, tolerance=eb)
    except ImportError:
        pass  # python3-zfpy missing: no zfpy row
    return out


def measure(workdir, depth):
    """{name: (bytes of TEMP in the store, max error on valid points, land exact)}."""
    import xarray as xr
    ds, vrange = load()
    eb = REL * vrange
    fill = float(ds["TEMP"].encoding["_FillValue"])
    orig = ds["TEMP"].values
    land = ~np.isfinite(orig)
    rows = {}
    for name, codec in compressors(fill, eb).items():
        path = os.path.join(workdir, "%s-%d.zarr" % (name.split()[0], depth))
        encoding = {"TEMP": {"compressor": codec, "chunks": (depth, 180, 360)}}
        ds[["TEMP"]].to_zarr(path, mode="w", encoding=encoding)
        back = xr.open_zarr(path)["TEMP"].values
        back_land = ~np.isfinite(back)
        err = np.abs(back[~land].astype(np.float64) - orig[~land])
        max_err = float(np.nanmax(err)) if np.isfinite(err).all() else float("inf")
        rows[name] = (dir_size(os.path.join(path, "TEMP")), max_err,
                      bool(np.array_equal(land, back_land)))
    aside = zfpy_land_zeroed(workdir, orig, land, depth, eb)
    if aside:
        rows["aside: zfpy accuracy eb, land set to 0 first (other data)"] = aside
    return rows, eb, orig.nbytes


def zfpy_land_zeroed(workdir, orig, land, depth, eb):
    """zfpy on TEMP with land set to 0 (zfp has no fill value): not the same data
    as the other stores, which keep land exact; only to show what zfp does on a
    field without the -1e10 land. Written with zarr directly."""
    try:
        import zarr
        import zfpy
        from numcodecs.zfpy import ZFPY
    except ImportError:
        return None
    data = np.where(land, np.float32(0), orig)
    path = os.path.join(workdir, "zfpy-zeroed-%d.zarr" % depth)
    z = zarr.open(path, mode="w", shape=data.shape, chunks=(depth, 180, 360),
                  dtype=data.dtype, compressor=ZFPY(mode=zfpy.mode_fixed_accuracy,
                                                    tolerance=eb))
    z[:] = data
    err = np.abs(z[:][~land].astype(np.float64) - orig[~land])
    return dir_size(path), float(err.max()), None  # land was not kept


def main():
    depths = [int(a) for a in sys.argv[1:]] or [1, 5, 20]
    with tempfile.TemporaryDirectory() as workdir:
        for depth in depths:
            rows, eb, raw = measure(workdir, depth)
            print("chunks %dx180x360, eb = %.6g (rel 1e-3 of the valid range), raw %d bytes"
                  % (depth, eb, raw))
            print("| store | TEMP bytes | ratio | max error (valid) | within eb | land exact |")
            print("|---|---:|---:|---:|---|---|")
            for name, (size, err, land_ok) in rows.items():
                print("| %s | %d | %.2f | %.4g | %s | %s |" % (
                    name, size, raw / size, err, "yes" if err <= eb else "**no**",
                    "n/a (set to 0)" if land_ok is None else "yes" if land_ok else "**no**"))
            print()


if __name__ == "__main__":
    main()
