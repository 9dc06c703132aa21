#!/usr/bin/env bash
# bench_setup.sh - prepares everything bench/run_bench.sh needs to compare Strata
# with SZ3 and ZFP in one run, on Debian 12 as root (or with sudo). Safe to run again.
#
#   - Debian packages: build tools (through scripts/setup.sh), python3-venv,
#     python3-numpy (for ../shared/tools/verify_bound.py), zfp (command-line tool).
#   - A virtual environment at .venv-bench/ (git-ignored) made from Debian's python3,
#     with PyPI's numpy and, in this order of preference:
#       SZ3:  pysz (SZ3's own Python binding: in-process compress/decompress calls);
#             fallback hdf5plugin + its h5py wheel (SZ3 HDF5 filter, id 32024),
#             timed through an in-memory HDF5 file.
#       ZFP:  zfpy (in-process); fallback: Debian's zfp command-line tool.
#     PyPI's h5py wheels carry their own HDF5, so none of this goes into Debian's
#     python3: the venv keeps them apart.
#
# Environment: BENCH_VENV (default: <repo>/.venv-bench), BENCH_PIP_PYSZ,
# BENCH_PIP_ZFPY, BENCH_PIP_HDF5PLUGIN (pip requirement strings, pinned by default).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${BENCH_VENV:-$repo/.venv-bench}"
req_pysz="${BENCH_PIP_PYSZ:-pysz==1.1.0}"
req_zfpy="${BENCH_PIP_ZFPY:-zfpy==1.0.1.post0}"
req_h5="${BENCH_PIP_HDF5PLUGIN:-hdf5plugin==7.1.0}"
sys_python=/usr/bin/python3   # Debian's; a pyenv or conda python3 on PATH is not wanted here

say() { echo "bench_setup: $*"; }

# ---- Debian packages: the project's setup installs them all (python3-venv,
# python3-numpy and zfp included) -------------------------------------------------
bash "$repo/scripts/setup.sh"

# ---- virtual environment ----------------------------------------------------
if ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    say "creating $venv"
    rm -rf "$venv"
    "$sys_python" -m venv "$venv"
fi
py="$venv/bin/python"
pipq() { "$py" -m pip install -q --disable-pip-version-check "$@"; }

# Installs only what is missing, so a second run does not touch the network.
have() { "$py" -c "import $1" 2>/dev/null; }
have numpy || pipq numpy

# SZ3: a 2x3 round trip proves the path works, not just that it imports.
sz3_check_pysz='
import numpy as np, pysz
x = np.arange(6, dtype=np.float32).reshape(2, 3)
c = pysz.szConfig(x.shape); c.errorBoundMode = pysz.szErrorBoundMode.ABS; c.absErrorBound = 0.01
b, _ = pysz.sz.compress(x, c); y, _ = pysz.sz.decompress(b, np.float32, x.shape)
assert np.abs(y - x).max() <= 0.01
'
sz3_check_h5='
import io, numpy as np, h5py, hdf5plugin
x = np.arange(6, dtype=np.float32).reshape(2, 3)
with h5py.File(io.BytesIO(), "w") as f:
    d = f.create_dataset("x", data=x, chunks=x.shape, **hdf5plugin.SZ3(absolute=0.01))
    assert np.abs(d[...] - x).max() <= 0.01
'
sz3=""
if "$py" -c "$sz3_check_pysz" 2>/dev/null || { pipq "$req_pysz" && "$py" -c "$sz3_check_pysz"; }; then
    sz3=pysz
else
    say "pysz does not work here; trying hdf5plugin"
    if "$py" -c "$sz3_check_h5" 2>/dev/null || { pipq "$req_h5" && "$py" -c "$sz3_check_h5"; }; then
        sz3=hdf5plugin
    fi
fi

zfp_check='
import numpy as np, zfpy
x = np.arange(6, dtype=np.float32).reshape(2, 3)
assert np.abs(zfpy.decompress_numpy(zfpy.compress_numpy(x, tolerance=0.01)) - x).max() <= 0.01
'
zfp=""
if "$py" -c "$zfp_check" 2>/dev/null || { pipq "$req_zfpy" && "$py" -c "$zfp_check"; }; then
    zfp=zfpy
elif command -v zfp >/dev/null; then
    zfp="zfp command-line tool"
fi

say "venv: $venv ($("$py" -c 'import sys, numpy; print("python", sys.version.split()[0], "numpy", numpy.__version__)'))"
say "SZ3 through: ${sz3:-NONE}"
say "ZFP through: ${zfp:-NONE}"
if [ -z "$sz3" ]; then
    say "error: no working SZ3 (neither pysz nor hdf5plugin)" >&2
    exit 1
fi
