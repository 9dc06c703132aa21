#!/usr/bin/python3
"""nccopy_strata.py - compress the float variables of a netCDF file with the Strata HDF5
filter (ID 41217) through nccopy, one -F per variable.

usage: nccopy_strata.py IN OUT [--frac F | --abs E | --rel E | --lossless]
                        [--vars A,B,...] [--include-coords] [--nccopy PATH]
                        [--dry-run] [--json FILE] [-- EXTRA_NCCOPY_ARGS...]

  --frac F    absolute bound F * (valid range of the variable), computed here first
              (default, F = 1e-3): one bound for the whole variable, every chunk alike
  --abs E     absolute bound E for every variable
  --rel E     bound E * (valid range of each chunk), resolved chunk by chunk by the filter
  --lossless  bit-exact

Valid points are finite and differ from the variable's _FillValue (else missing_value).
That fill value also goes into the filter parameters (the 5-value form), because nccopy
writes in no-fill mode and so never hands it to HDF5 itself; the filter keeps those
points exact and out of the prediction. Every NC_FLOAT/NC_DOUBLE variable is compressed
except coordinate variables (1-D, named like their dimension), which stay as they are
unless --include-coords. Needs Debian's python3-netcdf4 and netcdf-bin; the plugin is
found through HDF5_PLUGIN_PATH.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
import netCDF4

FILTER_ID = 41217
MODE = {"abs": 1, "rel": 2, "lossless": 3}


def pack(v):
    """A double as two 32-bit filter parameters, low word first."""
    return struct.unpack("<II", struct.pack("<d", float(v)))


def fill_value(var):
    attrs = var.ncattrs()
    for name in ("_FillValue", "missing_value"):
        if name in attrs:
            v = np.asarray(var.getncattr(name)).reshape(-1)
            if v.size:
                return float(v[0])
    return None


def valid_range(var, fill):
    """(min, max, valid count) over finite points that are not the fill value, read a
    slab of the first dimension at a time."""
    lo, hi, count = np.inf, -np.inf, 0
    var.set_auto_maskandscale(False)
    step = max(1, (8 << 20) // max(1, var[0:1].nbytes)) if var.ndim else 1
    n0 = var.shape[0] if var.ndim else 1
    for s in range(0, n0, step):
        x = np.asarray(var[s:s + step] if var.ndim else var[...])
        ok = np.isfinite(x)
        if fill is not None:
            ok &= x != x.dtype.type(fill)
        if ok.any():
            v = x[ok]
            lo, hi, count = min(lo, float(v.min())), max(hi, float(v.max())), count + v.size
    return (lo, hi, count) if count else (0.0, 0.0, 0)


def plan(path, args):
    """One entry per variable to compress: name, dtype, shape, range, mode, bound, fill."""
    out = []
    with netCDF4.Dataset(path) as nc:
        wanted = set(args.vars.split(",")) if args.vars else None
        for name, var in nc.variables.items():
            if var.dtype not in (np.float32, np.float64) or var.ndim == 0:
                continue
            if wanted is not None and name not in wanted:
                continue
            if wanted is None and not args.include_coords and var.ndim == 1 \
                    and var.dimensions[0] == name:
                continue
            fill = fill_value(var)
            lo, hi, count = valid_range(var, fill)
            mode, bound = args.mode, args.bound
            if mode == "frac":
                mode, bound = "abs", args.bound * (hi - lo)
                if not bound > 0:  # constant or empty: nothing to trade for size
                    mode, bound = "lossless", 0.0
            out.append(dict(var=name, dtype=str(var.dtype), shape=list(var.shape),
                            valid_min=lo, valid_max=hi, valid_points=count,
                            mode=mode, bound=bound, fill=fill))
    return out


def filter_spec(e):
    """The nccopy -F argument for one variable: var,41217,mode,bound(2)[,fill(2)]."""
    params = [MODE[e["mode"]], *pack(e["bound"])]
    if e["fill"] is not None and np.isfinite(e["fill"]):
        params += pack(e["fill"])
    return ",".join([e["var"], str(FILTER_ID)] + [str(p) for p in params])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input")
    p.add_argument("output")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--frac", type=float)
    g.add_argument("--abs", type=float)
    g.add_argument("--rel", type=float)
    g.add_argument("--lossless", action="store_true")
    p.add_argument("--vars", help="comma-separated variables (default: every float one)")
    p.add_argument("--include-coords", action="store_true")
    p.add_argument("--nccopy", default=shutil.which("nccopy") or "nccopy")
    p.add_argument("--dry-run", action="store_true", help="print the command only")
    p.add_argument("--json", help="write the per-variable plan (bounds, fill) here")
    p.add_argument("extra", nargs="*", help="after --: more nccopy arguments (e.g. -c ...)")
    args = p.parse_args()
    if args.lossless:
        args.mode, args.bound = "lossless", 0.0
    elif args.abs is not None:
        args.mode, args.bound = "abs", args.abs
    elif args.rel is not None:
        args.mode, args.bound = "rel", args.rel
    else:
        args.mode, args.bound = "frac", args.frac if args.frac is not None else 1e-3
    if args.mode != "lossless" and not args.bound > 0:
        p.error("the bound must be > 0")

    entries = plan(args.input, args)
    cmd = [args.nccopy, "-k", "nc4"]
    for e in entries:
        cmd += ["-F", filter_spec(e)]
    cmd += args.extra + [args.input, args.output]
    for e in entries:
        fill = "none" if e["fill"] is None else f"{e['fill']:g}"
        print(f"{e['var']:>10s} {e['dtype']:7s} {'x'.join(map(str, e['shape'])):>14s}  "
              f"valid [{e['valid_min']:.6g}, {e['valid_max']:.6g}]  {e['mode']} "
              f"{e['bound']:.6g}  fill {fill}")
    print(" ".join(cmd))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(entries, f, indent=1)
    if args.dry_run:
        return 0
    if not entries:
        print("no float variables to compress", file=sys.stderr)
    r = subprocess.run(cmd)
    if r.returncode != 0:
        print(f"nccopy failed ({r.returncode}); is HDF5_PLUGIN_PATH set to the folder of "
              f"libh5z_strata.so? (now: {os.environ.get('HDF5_PLUGIN_PATH')})", file=sys.stderr)
        return r.returncode
    a, b = os.path.getsize(args.input), os.path.getsize(args.output)
    print(f"{args.input}: {a} bytes -> {args.output}: {b} bytes (ratio {a / b:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
