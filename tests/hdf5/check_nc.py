#!/usr/bin/python3
"""check_nc.py ORIGINAL COMPRESSED PLAN.json VERIFY_BOUND.py SCRATCH

Reads every planned variable of COMPRESSED with netCDF4-python (through the Strata
plugin), and checks it against ORIGINAL twice: here (every valid point within the
planned bound, fill points bit for bit) and with the independent checker
../shared/tools/verify_bound.py (when present). Exit 0 when both agree it passes.
"""
import json
import os
import subprocess
import sys

import numpy as np
import netCDF4

orig_path, comp_path, plan_path, verify, scratch = sys.argv[1:6]
plan = json.load(open(plan_path))
ok = True
with netCDF4.Dataset(orig_path) as a, netCDF4.Dataset(comp_path) as b:
    for e in plan:
        va, vb = a.variables[e["var"]], b.variables[e["var"]]
        va.set_auto_maskandscale(False)
        vb.set_auto_maskandscale(False)
        filt = vb.filters()  # netCDF4-python >= 1.6: names the filters it knows
        x, y = np.asarray(va[...]), np.asarray(vb[...])
        fill = e["fill"]
        special = ~np.isfinite(x)
        if fill is not None:
            special |= x == x.dtype.type(fill)
        it = np.uint32 if x.dtype == np.float32 else np.uint64
        bad_special = int(np.count_nonzero(x[special].view(it) != y[special].view(it)))
        err = np.abs(y[~special].astype(np.float64) - x[~special].astype(np.float64))
        eb = e["bound"] if e["mode"] == "abs" else 0.0
        bad = int(np.count_nonzero(~(err <= eb)))
        line = (f"  {e['var']:6s} valid {err.size:8d} fill {int(special.sum()):7d} "
                f"bound {eb:.4g} max_err {float(err.max()) if err.size else 0:.4g} "
                f"violations {bad} fill_mismatch {bad_special}")
        if os.path.exists(verify):
            t = "f32" if x.dtype == np.float32 else "f64"
            fo, fr = (os.path.join(scratch, f"{e['var']}.{k}.{t}") for k in ("orig", "recon"))
            x.tofile(fo)
            y.tofile(fr)
            args = [sys.executable, verify, fo, fr, "-t", t]
            args += ["--abs", repr(eb)] if e["mode"] == "abs" else ["--lossless"]
            if fill is not None:
                args.append(f"--fill={fill!r}")
            r = subprocess.run(args, capture_output=True, text=True)
            line += f"  verify_bound: {'ok' if r.returncode == 0 else 'FAIL'}"
            if r.returncode != 0:
                print(r.stdout + r.stderr)
                ok = False
            os.remove(fo)
            os.remove(fr)
        print(line)
        ok &= bad == 0 and bad_special == 0
sys.exit(0 if ok else 1)
