#!/usr/bin/python3
"""Debian's h5py writing and reading through the Strata plugin (HDF5_PLUGIN_PATH).

usage: test_h5py.py SCRATCH_DIR      exit 0 pass, 1 fail, 77 h5py missing
  STRATA_EXPECT_HDF5=serial|openmpi  also check that only that flavour of libhdf5 is
  in the process (H5PY_ALWAYS_USE_MPI=1 makes Debian's h5py load its OpenMPI build)

Datasets: float32 and float64, 1-4D chunks with partial edge chunks, absolute,
relative and lossless modes, a fill value over a masked region, NaN and +-Inf. Every
point is checked after closing and reopening the file.
"""
import os
import struct
import sys

try:
    import numpy as np
    import h5py
except ImportError as e:
    print(f"skipped: {e} (apt-get install python3-h5py)")
    sys.exit(77)
if os.environ.get("STRATA_EXPECT_HDF5") == "openmpi" and not h5py.get_config().mpi:
    print("skipped: Debian's OpenMPI h5py is not installed (apt-get install python3-h5py-mpi)")
    sys.exit(77)

STRATA = 41217


def strata_opts(mode, bound=None):
    """compression_opts for h5py: mode, then the bound's low and high 32 bits."""
    if bound is None:
        return (mode,)
    lo, hi = struct.unpack("<II", struct.pack("<d", bound))
    return (mode, lo, hi)


def field(shape, dtype, fill):
    grids = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in shape], indexing="ij")
    x = sum(np.sin(0.17 * (k + 1) * g + k) * (5.0 + k) for k, g in enumerate(grids))
    land = sum(np.cos(0.11 * g + 0.4 * k) for k, g in enumerate(grids)) > 0.6 * len(shape)
    x = x.astype(dtype)
    if fill is not None:
        x[land] = fill
    flat = x.reshape(-1)
    flat[3], flat[5], flat[8] = np.nan, np.inf, -np.inf
    return x


def chunk_bounds(x, chunks, rel, fill):
    """Per-point absolute bound for relative mode: rel * valid range of the point's
    chunk (edge chunks are padded with the fill value, which is not valid)."""
    eb = np.zeros(x.shape)
    valid = np.isfinite(x) & (x != fill)
    ranges = [range(0, n, c) for n, c in zip(x.shape, chunks)]
    for start in np.array(np.meshgrid(*ranges, indexing="ij")).reshape(len(x.shape), -1).T:
        sl = tuple(slice(s, s + c) for s, c in zip(start, chunks))
        v = x[sl][valid[sl]].astype(np.float64)
        eb[sl] = rel * (v.max() - v.min()) if v.size else 0.0
    return eb


def check(name, x, y, eb, fill):
    xf, yf = x.astype(np.float64), y.astype(np.float64)
    special = ~np.isfinite(x)
    if fill is not None:
        special |= x == fill
    exact = special | (eb == 0)
    bits = x.view(np.uint32 if x.dtype == np.float32 else np.uint64)
    ybits = y.view(bits.dtype)
    bad_exact = int(np.count_nonzero(bits[exact] != ybits[exact]))
    err = np.abs(yf[~exact] - xf[~exact])
    bad = int(np.count_nonzero(~(err <= np.broadcast_to(eb, x.shape)[~exact])))
    maxerr = float(err.max()) if err.size else 0.0
    print(f"  {name:28s} points {x.size:6d} special {int(special.sum()):5d} "
          f"max_err {maxerr:.3g} violations {bad} special_mismatch {bad_exact}")
    return bad == 0 and bad_exact == 0


def main():
    scratch = sys.argv[1]
    os.makedirs(scratch, exist_ok=True)
    path = os.path.join(scratch, "h5py_strata.h5")
    if not h5py.h5z.filter_avail(STRATA):
        print("FAIL: filter 41217 not available; HDF5_PLUGIN_PATH =",
              os.environ.get("HDF5_PLUGIN_PATH"))
        return 1

    cases = []  # (name, shape, chunks, dtype, mode, bound, fill)
    shapes = [((1000,), (256,)), ((50, 70), (16, 32)), ((7, 30, 41), (3, 16, 16)),
              ((4, 5, 13, 17), (2, 2, 8, 8)), ((1, 3, 40, 50), (1, 2, 16, 16))]
    for dt in (np.float32, np.float64):
        for shape, chunks in shapes:
            tag = f"{np.dtype(dt).name}_{'x'.join(map(str, shape))}"
            cases.append((f"{tag}_abs_fill", shape, chunks, dt, 1, 1e-2, -999.0))
            cases.append((f"{tag}_rel_fill", shape, chunks, dt, 2, 1e-3, -1e10))
            cases.append((f"{tag}_abs_nofill", shape, chunks, dt, 1, 1e-3, None))
            cases.append((f"{tag}_lossless", shape, chunks, dt, 3, None, -999.0))

    with h5py.File(path, "w") as f:
        for name, shape, chunks, dt, mode, bound, fill in cases:
            x = field(shape, dt, fill)
            f.create_dataset(name, data=x, chunks=chunks, fillvalue=fill,
                             compression=STRATA, compression_opts=strata_opts(mode, bound))
        # Integers: h5py sets user filters as optional, so HDF5 stores them unfiltered.
        f.create_dataset("ints", data=np.arange(100, dtype=np.int32), chunks=(30,),
                         compression=STRATA, compression_opts=strata_opts(3))

    ok = True
    raw = stored = 0
    with h5py.File(path, "r") as f:
        for name, shape, chunks, dt, mode, bound, fill in cases:
            d = f[name]
            x = field(shape, dt, fill)
            y = d[...]
            if str(STRATA) not in d._filters:
                print(f"FAIL {name}: no Strata filter in {d._filters}")
                ok = False
            eb = (np.full(x.shape, bound) if mode == 1 else
                  chunk_bounds(x, chunks, bound, fill) if mode == 2 else np.zeros(x.shape))
            ok &= check(name, x, y, eb, fill)
            raw += x.nbytes
            stored += d.id.get_storage_size()
        if not np.array_equal(f["ints"][...], np.arange(100, dtype=np.int32)):
            print("FAIL ints: not read back exactly")
            ok = False

    # A bad parameter (mode 7) makes dataset creation fail with the plugin's message.
    with h5py.File(os.path.join(scratch, "bad.h5"), "w") as f:
        try:
            f.create_dataset("bad", data=np.zeros((8, 8), np.float32), chunks=(4, 4),
                             compression=STRATA, compression_opts=(7, 0, 0))
            print("FAIL: mode 7 accepted")
            ok = False
        except (ValueError, RuntimeError, OSError) as e:
            print(f"  mode 7 refused: {type(e).__name__}: {e}")

    # The plugin binds to the HDF5 h5py loaded and brings no other one into the process.
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps")
                   if "libhdf5" in l and "_hl" not in l and l.split()[-1].startswith("/")})
    print(f"  HDF5 libraries in this process: {libs}")
    flavour = os.environ.get("STRATA_EXPECT_HDF5")
    if flavour and (not libs or any(flavour not in os.path.basename(l) for l in libs)):
        print(f"FAIL: expected only the {flavour} HDF5")
        ok = False

    print(f"h5py: {len(cases)} datasets, {raw} bytes raw, {stored} stored "
          f"(ratio {raw / max(stored, 1):.2f}); {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
