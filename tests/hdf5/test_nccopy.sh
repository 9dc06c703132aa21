#!/usr/bin/env bash
# test_nccopy.sh NCCOPY_STRATA_PY PYTHON SCRATCH [VERIFY_BOUND_PY]
# nccopy -F (through hdf5-filter/nccopy_strata.py: one -F per float variable, absolute
# bound 1e-3 of each variable's valid range, its _FillValue passed along) on the
# Levitus and COADS climatologies of Debian's ferret-datasets; ncdump reads the result,
# netCDF4-python and ../shared/tools/verify_bound.py check every point. Exit 77 when a
# tool or the data is missing.
set -euo pipefail
script="$1"; py="$2"; scratch="$3"
here="$(cd "$(dirname "$0")" && pwd)"
verify="${4:-$here/../../../shared/tools/verify_bound.py}"
data=/usr/share/ferret-vis/data
for t in nccopy ncdump; do
    command -v "$t" >/dev/null || { echo "skipped: $t missing (netcdf-bin)"; exit 77; }
done
"$py" -c 'import netCDF4' 2>/dev/null || { echo "skipped: python3-netcdf4 missing"; exit 77; }
[ -f "$data/levitus_climatology.cdf" ] || { echo "skipped: ferret-datasets missing"; exit 77; }
[ -f "$verify" ] || echo "note: $verify not found; checking with netCDF4-python only"
mkdir -p "$scratch"
fail=0
for name in levitus_climatology coads_climatology; do
    src="$data/$name.cdf"; out="$scratch/$name.strata.nc"; plan="$scratch/$name.json"
    echo "== $name"
    "$py" "$script" "$src" "$out" --frac 1e-3 --json "$plan"
    # ncdump: the header shows the filter on each variable, and the data decodes.
    nfilt=$(ncdump -hs "$out" | grep -c '_Filter = "41217,' || true)
    nvars=$("$py" -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$plan")
    echo "ncdump -hs: $nfilt of $nvars variables carry _Filter 41217"
    [ "$nfilt" -eq "$nvars" ] || { echo "FAIL: filter missing"; fail=1; }
    first=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['var'])" "$plan")
    if ncdump -v "$first" "$out" > "$scratch/$name.cdl"; then
        echo "ncdump -v $first: $(grep -c . "$scratch/$name.cdl") lines"
    else
        echo "FAIL: ncdump cannot read $first"; fail=1
    fi
    "$py" "$here/check_nc.py" "$src" "$out" "$plan" "$verify" "$scratch" || fail=1
    echo "size: $(stat -c %s "$src") bytes (netCDF-3) -> $(stat -c %s "$out") bytes"
done
[ $fail -eq 0 ] && echo "nccopy: ok"
exit $fail
