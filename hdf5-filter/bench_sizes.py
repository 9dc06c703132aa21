#!/usr/bin/python3
"""bench_sizes.py - netCDF-4 file sizes: Strata vs SZ3 (HDF5 filter 32024) vs zlib.

usage: bench_sizes.py [--build DIR] [--venv DIR] [--frac F] [--out docs/hdf5_sizes.md]

For the Levitus and COADS climatologies of Debian's ferret-datasets, writes the same
netCDF-4 file (nccopy -k nc4, nccopy's default chunking) four ways:
  plain    no filter
  zlib     nccopy -d9 -s (deflate level 9 + shuffle, every variable)
  SZ3      nccopy -F VAR,32024,... per float variable: SZ3's HDF5 filter from PyPI's
           hdf5plugin, absolute bound = F * the variable's valid range
  Strata   hdf5-filter/nccopy_strata.py --frac F: the same bounds, filter 41217
The bounds come from nccopy_strata.py (valid = finite and not _FillValue). Each lossy
file is checked point by point: Strata with Debian's netCDF4-python (check_nc.py), SZ3
with the virtual environment's own h5py. The table goes to --out (markdown).

The SZ3 plugin comes from hdf5plugin in a virtual environment (its h5py wheel carries
its own HDF5, so it stays out of Debian's python3): <repo>/.venv-bench if it has
hdf5plugin, else <repo>/.venv-h5, created here when missing:
  /usr/bin/python3 -m venv .venv-h5 && .venv-h5/bin/pip install hdf5plugin==7.1.0
nccopy loads that plugin from HDF5_PLUGIN_PATH=<hdf5plugin>/plugins.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import h5py  # Debian's: storage sizes only, no decoding needed

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DATA = "/usr/share/ferret-vis/data"
FILES = ["levitus_climatology.cdf", "coads_climatology.cdf"]
HDF5PLUGIN = "hdf5plugin==7.1.0"

SZ3_OPTS = r"""
import json, sys, hdf5plugin
plan = json.load(open(sys.argv[1]))
print(json.dumps({"path": hdf5plugin.PLUGIN_PATH, "version": hdf5plugin.version,
                  "opts": {e["var"]: list(hdf5plugin.SZ3(absolute=e["bound"]).filter_options)
                           for e in plan}}))
"""

# Runs in the venv: reads the SZ3 file with the venv's h5py + hdf5plugin.
SZ3_CHECK = r"""
import json, sys, numpy as np, h5py, hdf5plugin
plain, sz3, plan = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
out = {}
with h5py.File(plain, "r") as a, h5py.File(sz3, "r") as b:
    for e in plan:
        x, y = a[e["var"]][...], b[e["var"]][...]
        special = ~np.isfinite(x)
        if e["fill"] is not None:
            special |= x == x.dtype.type(e["fill"])
        err = np.abs(y[~special].astype(np.float64) - x[~special].astype(np.float64))
        out[e["var"]] = dict(max_err=float(err.max()) if err.size else 0.0,
                             violations=int(np.count_nonzero(~(err <= e["bound"]))),
                             fill_changed=int(np.count_nonzero(x[special] != y[special])))
print(json.dumps(out))
"""


def run(cmd, env=None, capture=False):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, check=True, text=True,
                       stdout=subprocess.PIPE if capture else None)
    return r.stdout if capture else time.perf_counter() - t


def find_venv(arg):
    cands = [arg] if arg else [os.path.join(REPO, ".venv-bench"), os.path.join(REPO, ".venv-h5")]
    for v in cands:
        py = os.path.join(v, "bin", "python")
        if os.path.exists(py) and subprocess.run([py, "-c", "import hdf5plugin"],
                                                 capture_output=True).returncode == 0:
            return py
    v = arg or os.path.join(REPO, ".venv-h5")
    print(f"bench_sizes: creating {v} with {HDF5PLUGIN}")
    run(["/usr/bin/python3", "-m", "venv", v])
    py = os.path.join(v, "bin", "python")
    run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", HDF5PLUGIN])
    return py


def storage(path, names):
    with h5py.File(path, "r") as f:
        return {n: f[n].id.get_storage_size() for n in names}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(REPO, "build"))
    p.add_argument("--venv")
    p.add_argument("--frac", type=float, default=1e-3)
    p.add_argument("--out", default=os.path.join(REPO, "docs", "hdf5_sizes.md"))
    p.add_argument("--work", default=os.path.join(REPO, "build-sizes"))
    a = p.parse_args()
    plugins = os.path.join(os.path.abspath(a.build), "plugins")
    if not os.path.exists(os.path.join(plugins, "libh5z_strata.so")):
        sys.exit(f"bench_sizes: no {plugins}/libh5z_strata.so; build first (--build DIR)")
    vpy = find_venv(a.venv)
    os.makedirs(a.work, exist_ok=True)
    env_strata = dict(os.environ, HDF5_PLUGIN_PATH=plugins)
    ncs = os.path.join(HERE, "nccopy_strata.py")
    check = os.path.join(REPO, "tests", "hdf5", "check_nc.py")
    verify = os.path.join(REPO, "..", "shared", "tools", "verify_bound.py")

    rows, details, sz3_version = [], [], "?"
    for fname in FILES:
        src = os.path.join(DATA, fname)
        stem = os.path.join(a.work, fname.split(".")[0])
        plan_path = stem + ".plan.json"
        run(["/usr/bin/python3", ncs, src, stem + ".x.nc", "--frac", str(a.frac),
             "--dry-run", "--json", plan_path], capture=True)
        plan = json.load(open(plan_path))
        names = [e["var"] for e in plan]
        t = {}
        t["plain"] = run(["nccopy", "-k", "nc4", src, stem + ".plain.nc"])
        t["zlib"] = run(["nccopy", "-k", "nc4", "-d9", "-s", src, stem + ".zlib.nc"])
        sz3 = json.loads(run([vpy, "-c", SZ3_OPTS, plan_path], capture=True))
        sz3_version = sz3["version"]
        cmd = ["nccopy", "-k", "nc4"]
        for n in names:
            cmd += ["-F", ",".join([n, "32024"] + [str(v) for v in sz3["opts"][n]])]
        t["sz3"] = run(cmd + [src, stem + ".sz3.nc"],
                       env=dict(os.environ, HDF5_PLUGIN_PATH=sz3["path"]))
        t["strata"] = run(["/usr/bin/python3", ncs, src, stem + ".strata.nc", "--frac",
                           str(a.frac)], env=env_strata)

        print(f"== {fname}: checking Strata (netCDF4-python) and SZ3 (venv h5py)")
        run(["/usr/bin/python3", check, src, stem + ".strata.nc", plan_path, verify, a.work],
            env=env_strata)
        sz3chk = json.loads(run([vpy, "-c", SZ3_CHECK, stem + ".plain.nc", stem + ".sz3.nc",
                                 plan_path], capture=True))
        size = {k: os.path.getsize(f"{stem}.{k}.nc") for k in ("plain", "zlib", "sz3", "strata")}
        size["orig"] = os.path.getsize(src)
        rows.append((fname, len(names), size, t))
        per = {k: storage(f"{stem}.{k}.nc", names) for k in ("plain", "zlib", "sz3", "strata")}
        for e in plan:
            n = e["var"]
            details.append((fname, n, e, per, sz3chk[n]))

    L = []
    L.append("# Strata HDF5 filter: netCDF-4 file sizes\n")
    L.append(f"Generated by `hdf5-filter/bench_sizes.py` (absolute bound = {a.frac:g} x each "
             "variable's valid range, computed by `hdf5-filter/nccopy_strata.py`; valid = "
             "finite and not `_FillValue`). Same nccopy, same chunking (nccopy's default), "
             "only the filter differs. SZ3 is the HDF5 filter 32024 of PyPI's "
             f"hdf5plugin {sz3_version} (from a separate virtual environment), given the same "
             "absolute bounds; zlib is `nccopy -d9 -s` (deflate 9 + shuffle, lossless, on "
             "every variable). Sizes are whole files in bytes.\n")
    L.append("| file | float vars | netCDF-3 original | netCDF-4 plain | zlib 9 + shuffle "
             "| SZ3 | **Strata** | Strata / SZ3 | Strata / zlib |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fname, nv, s, t in rows:
        L.append(f"| {fname} | {nv} | {s['orig']:,} | {s['plain']:,} | {s['zlib']:,} | "
                 f"{s['sz3']:,} | **{s['strata']:,}** | {s['strata'] / s['sz3']:.2f} | "
                 f"{s['strata'] / s['zlib']:.3f} |")
    L.append("\nPer variable: stored bytes of the dataset (chunks only, no metadata), and the "
             "largest error over valid points (every one within the bound for both; Strata "
             "also checked by `../shared/tools/verify_bound.py`). *fill changed*: fill points "
             "that SZ3 did not return exactly (Strata keeps them bit for bit).\n")
    L.append("| file | var | shape | abs bound | plain | zlib | SZ3 | **Strata** "
             "| SZ3 max err | SZ3 fill changed |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for fname, n, e, per, chk in details:
        L.append(f"| {fname.split('_')[0]} | {n} | {'x'.join(map(str, e['shape']))} | "
                 f"{e['bound']:.4g} | {per['plain'][n]:,} | {per['zlib'][n]:,} | "
                 f"{per['sz3'][n]:,} | **{per['strata'][n]:,}** | {chk['max_err']:.4g} | "
                 f"{chk['fill_changed']} |")
    L.append("\nnccopy wall time (s, one run, this machine): " + "; ".join(
        f"{f.split('_')[0]}: plain {t['plain']:.2f}, zlib {t['zlib']:.2f}, SZ3 {t['sz3']:.2f}, "
        f"Strata {t['strata']:.2f} (incl. the valid-range pass)" for f, _, _, t in rows) + ".\n")
    L.append("Reproduce: `cmake -S . -B build && cmake --build build -j2 && "
             "/usr/bin/python3 hdf5-filter/bench_sizes.py --build build`.")
    with open(a.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print("\n".join(L))
    for _, _, e, _, chk in details:
        if chk["violations"]:
            print(f"note: SZ3 exceeded the bound on {chk['violations']} points of {e['var']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
