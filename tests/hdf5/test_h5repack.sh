#!/usr/bin/env bash
# test_h5repack.sh SCRATCH [VERIFY_BOUND_PY]
# h5repack compressing a real HDF5 file with the Strata filter, h5dump and h5diff
# reading it back. The file: ferret-datasets' ocean_atlas_subset.nc (monthly ocean
# temperature, 12x19x90x180 float32, land = -1e34) converted to netCDF-4, i.e. HDF5.
# Exit 77 when a tool or the data is missing.
set -euo pipefail
scratch="$1"
here="$(cd "$(dirname "$0")" && pwd)"
verify="${2:-$here/../../../shared/tools/verify_bound.py}"
src=/usr/share/ferret-vis/data/ocean_atlas_subset.nc
for t in h5repack h5dump h5diff nccopy; do
    command -v "$t" >/dev/null || { echo "skipped: $t missing (hdf5-tools, netcdf-bin)"; exit 77; }
done
[ -f "$src" ] || { echo "skipped: ferret-datasets missing"; exit 77; }
mkdir -p "$scratch"; cd "$scratch"
rm -f in.h5 abs.h5 lossless.h5
nccopy -k nc4 "$src" in.h5
fail=0

# Absolute bound 0.01 = 0x3F847AE147AE147B: low word 1202590843, high 1065646817.
# The fill value -1e34 is passed too (the file has none at the HDF5 level: nccopy writes
# in no-fill mode): -1e34f as a double = 0xC6FED09BE0000000 -> 3758096384, 3338588315.
# Chunks of 5 months: the last one (months 10-11) is a partial edge chunk.
h5repack -l TEMP:CHUNK=5x19x90x180 -f TEMP:UD=41217,0,5,1,1202590843,1065646817,3758096384,3338588315 \
    in.h5 abs.h5
# Lossless on every dataset at once (1 parameter: mode 3).
h5repack -f UD=41217,0,1,3 in.h5 lossless.h5

h5dump -pH -d /TEMP abs.h5 | sed -n '/FILTERS/,/}/p'
h5dump -pH -d /TEMP abs.h5 | grep -q 'FILTER_ID 41217' || { echo "FAIL: no filter 41217"; fail=1; }
# h5dump decodes: a text window and the whole variable in binary.
h5dump -A 0 -d /TEMP -s 0,0,40,60 -c 1,1,2,4 abs.h5 | sed -n "/DATA {/,/}/p"
h5dump -d /TEMP -b LE -o abs.bin abs.h5 >/dev/null
h5dump -d /TEMP -b LE -o in.bin in.h5 >/dev/null
if [ -f "$verify" ]; then
    python3_bin=/usr/bin/python3; [ -x "$python3_bin" ] || python3_bin=python3
    "$python3_bin" "$verify" in.bin abs.bin -t f32 --abs 0.01 --fill=-1e34 || fail=1
fi
# h5diff: nothing differs by more than 0.01; something does by more than 1e-4 (the data
# really went through the lossy filter); the lossless copy is identical everywhere.
h5diff -d 0.01 in.h5 abs.h5 /TEMP /TEMP && echo "h5diff -d 0.01: no difference" \
    || { echo "FAIL: h5diff -d 0.01 found differences"; fail=1; }
if h5diff -q -d 0.0001 in.h5 abs.h5 /TEMP /TEMP; then
    echo "FAIL: no point differs by 1e-4: was the filter applied?"; fail=1
fi
h5diff in.h5 lossless.h5 && echo "h5diff lossless: identical" \
    || { echo "FAIL: lossless copy differs"; fail=1; }
echo "sizes: original $(stat -c %s "$src"), HDF5 $(stat -c %s in.h5)," \
     "Strata abs 0.01 $(stat -c %s abs.h5), Strata lossless $(stat -c %s lossless.h5) bytes"
rm -f in.bin abs.bin
[ $fail -eq 0 ] && echo "h5repack: ok"
exit $fail
