#!/usr/bin/env bash
# Tests the Python package the way a user installs it: `pip install` of this
# checkout's python/ into a fresh virtual environment, then pytest on tests/python.
#
# usage: python/run_tests.sh [LIBSTRATA [WORKDIR [H5PLUGIN]]]
#   LIBSTRATA  the built libstrata.so to bundle (default: build/libstrata.so)
#   WORKDIR    where the environment and a copy of python/ go (default: a temporary
#              folder, removed afterwards); emptied first
#   H5PLUGIN   the built libh5z_strata.so to bundle, if any (default: plugins/ beside
#              LIBSTRATA); without it the h5py round trips are skipped
# CTest runs it (python/CMakeLists.txt). Exit 77 = skipped: Debian's python3, numpy
# or pytest missing (scripts/setup.sh installs them), or a sanitizer-instrumented
# libstrata, which an uninstrumented interpreter cannot load.
#
# The environment is a venv of Debian's /usr/bin/python3 with --system-site-packages
# (Debian's numpy, numcodecs, zarr, xarray, netCDF4, h5py, zfpy stay visible; the
# system stays untouched, no root needed) and the package is installed without
# network: --no-build-isolation (Debian's setuptools and wheel), --no-deps, --no-index.
# pip builds from a copy of python/ so that concurrent runs never share its build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
lib=${1:-$repo/build/libstrata.so}
work=${2:-}
plugin=${3:-}
PY=/usr/bin/python3

skip() { echo "python tests skipped: $*"; exit 77; }
[ -x "$PY" ] || skip "$PY not found (sudo bash scripts/setup.sh)"
for mod in numpy pytest venv; do
    "$PY" -c "import $mod" 2>/dev/null || skip "$PY cannot import $mod (sudo bash scripts/setup.sh)"
done
[ -f "$lib" ] || { echo "python/run_tests.sh: no libstrata at $lib (build it first)" >&2; exit 1; }
lib=$(realpath "$lib")  # pip builds in another folder
if nm -D --undefined-only "$lib" 2>/dev/null | grep -qE '__(asan|ubsan|tsan|msan)_'; then
    skip "$lib is sanitizer-instrumented"
fi

if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
rm -rf "$work/venv" "$work/src" "$work/tmp"
mkdir -p "$work/src" "$work/tmp"
tar -C "$repo" --exclude=build --exclude='*.egg-info' --exclude=__pycache__ -cf - python \
    | tar -C "$work/src" -xf -

"$PY" -m venv --system-site-packages --without-pip "$work/venv"
vpy=$work/venv/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
if [ -n "$plugin" ] && [ ! -f "$plugin" ]; then
    echo "python/run_tests.sh: no HDF5 plugin at $plugin; the h5py round trips will skip"
    plugin=""
fi
[ -z "$plugin" ] || plugin=$(realpath "$plugin")
STRATA_LIBRARY=$lib STRATA_HDF5_PLUGIN=$plugin \
    "$vpy" -m pip install -q --no-build-isolation --no-deps --no-index "$work/src/python"

# The installed package, with its bundled library, is what gets tested.
unset STRATA_LIBRARY STRATA_HDF5_PLUGIN_DIR
cd "$work/tmp"
TMPDIR="$work/tmp" "$vpy" -m pytest -q -p no:cacheprovider "$repo/tests/python"
