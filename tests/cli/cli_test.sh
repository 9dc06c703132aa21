#!/usr/bin/env bash
# cli_test.sh - drives the strata command-line tool the way a user would.
#
# usage: cli_test.sh PATH/TO/strata SCRATCH_DIR
#
# Round trips (raw files from ../shared/data, netCDF variables, HDF5 datasets) are
# checked point by point with ../shared/tools/verify_bound.py; then info, eval and
# the error cases (bad arguments, bad inputs, corrupt streams: non-zero exit, a
# message, and no output file left behind). Parts whose inputs or tools are missing
# are reported as skipped. Prints "N passed, M failed, K skipped"; exits 1 on any
# failure.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 PATH/TO/strata SCRATCH_DIR" >&2
    exit 2
fi
STRATA=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SCRATCH=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=$HERE/../../../shared
DATA=$SHARED/data
VERIFY=$SHARED/tools/verify_bound.py
FERRET=/usr/share/ferret-vis/data

rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
cd "$SCRATCH"

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "PASS  $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; [ -s err ] && sed 's/^/      | /' err | head -5; return 0; }
skip() { skipped=$((skipped + 1)); echo "SKIP  $1 (skipped: $2)"; }

# run CMD...: runs it with stdout in ./out and stderr in ./err; sets $rc.
run() { rc=0; "$@" >out 2>err || rc=$?; }

# ok NAME CMD...: CMD must exit 0.
ok() {
    local name=$1; shift
    run "$@"
    if [ "$rc" -eq 0 ]; then pass "$name"; else fail "$name (exit $rc)"; fi
}

# refuse NAME STATUS PATTERN CMD...: CMD must exit with STATUS (any non-zero if
# STATUS is "nz") and print "strata: error:" and PATTERN (extended regexp) on stderr.
refuse() {
    local name=$1 want=$2 pattern=$3; shift 3
    run "$@"
    if [ "$rc" -eq 0 ]; then fail "$name (exit 0, expected failure)"; return; fi
    if [ "$want" != nz ] && [ "$rc" -ne "$want" ]; then fail "$name (exit $rc, expected $want)"; return; fi
    if ! grep -q '^strata: error: ' err; then fail "$name (no 'strata: error:' message)"; return; fi
    if ! grep -qiE -- "$pattern" err; then fail "$name (message does not match '$pattern')"; return; fi
    pass "$name"
}

# no_output NAME PATH: neither PATH nor a temporary PATH.tmp.* may exist.
no_output() {
    if [ -e "$2" ] || compgen -G "$2.tmp.*" >/dev/null; then fail "$1 (output left behind)"
    else pass "$1"; fi
}

# A python3 with numpy for verify_bound.py and for reading ncdump output
# (Debian's python3-numpy; a python3 found first on PATH may lack it).
PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import numpy' 2>/dev/null; then PY=$p; break; fi
done

# verify NAME ORIG RECON ARGS...: every point of RECON against ORIG (verify_bound.py).
verify() {
    local name=$1; shift
    if [ ! -f "$VERIFY" ] || [ -z "$PY" ]; then skip "$name" "verify_bound.py or numpy missing"; return; fi
    run "$PY" "$VERIFY" "$@"
    if [ "$rc" -eq 0 ]; then pass "$name: $(head -c 200 out)"; else fail "$name: $(cat out)"; fi
}

# roundtrip NAME INPUT ORIG TYPE FILL ARGS...: compress INPUT with ARGS, decompress,
# and verify against the raw file ORIG with the bound of ARGS and fill value FILL
# ("-": none). FILL is given apart so that a fill value read from a file is checked.
roundtrip() {
    local name=$1 input=$2 orig=$3 type=$4 fill=$5; shift 5
    local vargs=() prev=
    for a in "$@"; do
        case $prev in --abs|--rel) vargs+=("$prev" "$a") ;; esac
        case $a in --lossless|--abs=*|--rel=*) vargs+=("$a") ;; esac
        prev=$a
    done
    [ "$fill" = - ] || vargs+=("--fill=$fill")
    ok "$name: compress" "$STRATA" compress -q -i "$input" -o "$name.str" "$@"
    ok "$name: decompress" "$STRATA" decompress -q -i "$name.str" -o "$name.out"
    verify "$name: bound" "$orig" "$name.out" -t "$type" "${vargs[@]}"
}

# info_has NAME STREAM KEY VALUE: 'strata info' prints "KEY: VALUE" (VALUE a regexp).
info_has() {
    run "$STRATA" info -i "$2"
    if [ "$rc" -eq 0 ] && grep -qE "^$3: +$4\$" out; then pass "$1"
    else fail "$1 (want '$3: $4', got '$(grep -E "^$3:" out || true)')"; fi
}

echo "strata: $STRATA"
echo "scratch: $SCRATCH"
run "$STRATA" --version
cat out
HAVE_NETCDF=0 HAVE_HDF5=0
grep -q '^netCDF input: yes' out && HAVE_NETCDF=1
grep -q '^HDF5 input: yes' out && HAVE_HDF5=1

# ---- help and version --------------------------------------------------------------
ok "--version" "$STRATA" --version
grep -qE 'stream format version [0-9]+' out && pass "--version names the format version" \
    || fail "--version names the format version"
ok "--help" "$STRATA" --help
grep -q 'usage: strata' out && pass "--help prints usage" || fail "--help prints usage"
for c in compress decompress info eval; do ok "$c --help" "$STRATA" "$c" --help; done
refuse "no command" 2 'usage|help' "$STRATA"
refuse "unknown command" 2 'unknown command' "$STRATA" frobnicate

# ---- raw round trips on real fields ------------------------------------------------
LEV=$DATA/ferret_levitus__TEMP.f32
ISA=$DATA/ttk_isabel__velocityMag_t48.f64
MPAS=$DATA/geocat_mpas__surface_pressure.f64
ENS=$DATA/geocat_ccsm_trefht_ens__TREFHT_8members.f32
if [ -f "$LEV" ]; then
    roundtrip lev_abs "$LEV" "$LEV" f32 -1e10 -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10
    roundtrip lev_rel "$LEV" "$LEV" f32 -1e10 -t f32 -d 20x180x360 --rel 1e-3 --fill=-1e10
    # abs 0.01 >= 2^-13 of the largest magnitude (29.74): binary32 arithmetic, version 3
    info_has "info: format version" lev_abs.str "format version" 3
    info_has "info: dtype" lev_abs.str dtype f32
    info_has "info: dims" lev_abs.str dims 20x180x360
    info_has "info: mode" lev_abs.str mode abs
    info_has "info: bound" lev_abs.str bound 0.01
    info_has "info: abs bound" lev_abs.str "abs bound" 0.01
    info_has "info: fill value" lev_abs.str "fill value" -10000000000
    info_has "info: valid range" lev_abs.str "valid range" "-2.01999998[0-9]* 29.7400016[0-9]*"
    info_has "info: raw size" lev_abs.str "raw size" 5184000
    info_has "info: stream size" lev_abs.str "stream size" "$(wc -c <lev_abs.str | tr -d ' ')"
    info_has "info: ratio" lev_abs.str ratio "[0-9]+\.[0-9]+"
    info_has "info: method" lev_abs.str method "[0-9]+ \(.*\)"
    info_has "info: rel abs bound" lev_rel.str "abs bound" "0.0317600016[0-9]*"
    ok "lossless: compress" "$STRATA" compress -q -i "$LEV" -o lev_ll.str -t f32 -d 20x180x360 --lossless
    ok "lossless: decompress" "$STRATA" decompress -q -i lev_ll.str -o lev_ll.out
    cmp -s "$LEV" lev_ll.out && pass "lossless: bit-identical" || fail "lossless: bit-identical"
    info_has "info: lossless mode" lev_ll.str mode lossless
    # Same stream whatever the thread count.
    ok "threads 1" "$STRATA" compress -q -i "$LEV" -o lev_t1.str -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10 --threads 1
    ok "threads 2" "$STRATA" compress -q -i "$LEV" -o lev_t2.str -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10 --threads 2
    cmp -s lev_t1.str lev_t2.str && pass "stream independent of --threads" || fail "stream independent of --threads"
    ok "decompress --threads 2" "$STRATA" decompress -q -i lev_t1.str -o lev_t2.out --threads 2
    cmp -s lev_t2.out lev_abs.out && pass "decompression independent of --threads" \
        || fail "decompression independent of --threads"
    # Every entropy coder on request: different streams, each within the bound.
    roundtrip lev_huff "$LEV" "$LEV" f32 -1e10 -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10 --coder huffman
    roundtrip lev_range "$LEV" "$LEV" f32 -1e10 -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10 --coder range
    roundtrip lev_ctx "$LEV" "$LEV" f32 -1e10 -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10 --coder range_ctx
    roundtrip lev_hctx "$LEV" "$LEV" f32 -1e10 -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10 --coder huffman_ctx
    roundtrip lev_ans "$LEV" "$LEV" f32 -1e10 -t f32 -d 20x180x360 --abs 0.01 --fill=-1e10 --coder ans_ctx
    cmp -s lev_ctx.str lev_abs.str && pass "--coder range_ctx is the default" || fail "--coder range_ctx is the default"
    cmp -s lev_huff.str lev_ctx.str || cmp -s lev_range.str lev_ctx.str || cmp -s lev_huff.str lev_range.str \
        || cmp -s lev_hctx.str lev_huff.str || cmp -s lev_hctx.str lev_ctx.str || cmp -s lev_hctx.str lev_range.str \
        || cmp -s lev_ans.str lev_huff.str || cmp -s lev_ans.str lev_ctx.str || cmp -s lev_ans.str lev_range.str \
        || cmp -s lev_ans.str lev_hctx.str \
        && fail "each --coder writes its own stream" || pass "each --coder writes its own stream"
    # Output permissions are the usual ones, not mkstemp's 0600.
    perm=$(stat -c %a lev_abs.str)
    [ "$perm" = "$(printf '%o' $((0666 & ~0$(umask))))" ] && pass "output permissions $perm" \
        || fail "output permissions $perm"
else
    skip "raw round trips of ferret_levitus__TEMP.f32" "$LEV missing"
fi
if [ -f "$ISA" ]; then
    roundtrip isabel_f64 "$ISA" "$ISA" f64 - -t f64 -d 25x125x125 --rel 1e-4
    info_has "info: f64 dtype" isabel_f64.str dtype f64
else
    skip "f64 round trip" "$ISA missing"
fi
if [ -f "$MPAS" ]; then
    roundtrip mpas_1d "$MPAS" "$MPAS" f64 - -t f64 -d 163842 --abs 1.5
else
    skip "1-D f64 round trip" "$MPAS missing"
fi
if [ -f "$ENS" ]; then
    roundtrip ens_4d "$ENS" "$ENS" f32 - -t f32 -d 8x110x64x128 --rel 1e-4
else
    skip "4-D f32 round trip" "$ENS missing"
fi

# ---- eval -----------------------------------------------------------------------------
if [ -f "$LEV" ]; then
    ok "eval: exit 0" "$STRATA" eval -i "$LEV" -t f32 -d 20x180x360 --rel 1e-3 --fill=-1e10 --repeat 2
    if grep -qE '^ratio=[0-9.]+ bpv=[0-9.]+ max_abs_err=[0-9.e+-]+ abs_bound=[0-9.e+-]+ psnr=[0-9.]+ compress_MBps=[0-9.]+ decompress_MBps=[0-9.]+ violations=0 verdict=PASS$' out
    then pass "eval: one parseable line"; else fail "eval: one parseable line: $(cat out)"; fi
    ok "eval --json" "$STRATA" eval -i "$LEV" -t f32 -d 20x180x360 --abs 0.05 --fill=-1e10 --json
    if [ -n "$PY" ] && "$PY" - out <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["verdict"] == "pass" and j["violations"] == 0, j
assert j["dims"] == [20, 180, 360] and j["dtype"] == "f32" and j["mode"] == "abs", j
assert j["abs_bound"] == 0.05 and 0 < j["max_abs_error"] <= 0.05, j
assert j["points"] == 1296000 and j["valid_points"] == 718725, j
assert abs(j["ratio"] - j["raw_size"] / j["stream_size"]) < 1e-9, j
for k in ("bits_per_value", "psnr", "compress_mbps", "decompress_mbps"):
    assert j[k] > 0, k
EOF
    then pass "eval --json: fields"; else fail "eval --json: fields"; fi
    ok "eval --lossless" "$STRATA" eval -i "$LEV" -t f32 -d 20x180x360 --lossless
    grep -q 'max_abs_err=0 .*verdict=PASS' out && pass "eval --lossless: exact" || fail "eval --lossless: exact"
    ok "eval --psnr" "$STRATA" eval -i "$LEV" -t f32 -d 20x180x360 --psnr 75 --fill=-1e10
    # The measured PSNR must reach the target and every point stay within the stream's bound.
    awk '{for (i = 1; i <= NF; i++) if ($i ~ /^psnr=/) { split($i, a, "="); exit !(a[2] >= 75) }}' out \
        && grep -q 'violations=0 verdict=PASS' out && pass "eval --psnr: target reached" \
        || fail "eval --psnr: target reached: $(cat out)"
    refuse "eval: wrong size" 1 'bytes' "$STRATA" eval -i "$LEV" -t f64 -d 20x180x360 --abs 1
else
    skip "eval" "$LEV missing"
fi

# ---- netCDF and HDF5 inputs written here with ncgen ------------------------------------
# tiny.cdl: a float field with _FillValue, NaN and Inf, a double field with only
# missing_value, a short, a scalar, and 5-D variables; tiny_*.f32/f64 hold the same
# values raw. Written with plain python3 (no numpy needed).
if command -v ncgen >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    python3 - <<'EOF'
import math, struct
def f32(v): return struct.unpack('<f', struct.pack('<f', v))[0]
def cdl(v, suffix):
    if math.isnan(v): return 'NaN' + suffix
    if math.isinf(v): return ('-' if v < 0 else '') + 'Infinity' + suffix
    return repr(v) + suffix
nz, ny, nx = 3, 17, 29
t = []
for k in range(nz):
    for j in range(ny):
        for i in range(nx):
            v = 15 + 10 * math.sin(0.3 * i) * math.cos(0.2 * j) - 2.5 * k
            if (i + 2 * j) % 11 == 0: v = -999.0          # land
            t.append(f32(v))
t[5] = float('nan'); t[6] = float('inf'); t[7] = float('-inf')
d = [1000 + 50 * math.cos(0.1 * n) + 0.001 * n for n in range(2 * 3 * 10 * 12)]
for n in range(0, len(d), 17): d[n] = 1e30
open('tiny_temp.f32', 'wb').write(struct.pack('<%df' % len(t), *t))
open('tiny_pres.f64', 'wb').write(struct.pack('<%dd' % len(d), *d))
with open('tiny.cdl', 'w') as f:
    f.write('netcdf tiny {\ndimensions:\n  z = 3 ; y = 17 ; x = 29 ; one = 1 ; two = 2 ;\n'
            '  a = 2 ; b = 3 ; c = 10 ; e = 12 ;\nvariables:\n'
            '  float temp(z, y, x) ; temp:_FillValue = -999.f ; temp:units = "C" ;\n'
            '  double pres(a, b, c, e) ; pres:missing_value = 1.e+30 ;\n'
            '  short counts(z, y, x) ;\n  float scalar ;\n'
            '  float five(one, z, one, y, x) ;\n  float fat(two, two, two, two, two) ;\n'
            'data:\n')
    f.write('  temp = ' + ', '.join(cdl(v, 'f') for v in t) + ' ;\n')
    f.write('  pres = ' + ', '.join(cdl(v, '') for v in d) + ' ;\n')
    f.write('  five = ' + ', '.join(cdl(v, 'f') for v in t) + ' ;\n')
    f.write('  scalar = 1.f ;\n}\n')
with open('group.cdl', 'w') as f:   # netCDF-4 only: a variable in a group
    f.write('netcdf group {\ngroup: ocean {\n dimensions:\n  n = 40 ;\n variables:\n'
            '  double sst(n) ;\n data:\n  sst = ' + ', '.join(cdl(v, '') for v in d[:40]) +
            ' ;\n}\n}\n')
open('group_sst.f64', 'wb').write(struct.pack('<40d', *d[:40]))
EOF
    ncgen -k classic -o tiny3.nc tiny.cdl && ncgen -k nc4 -o tiny4.nc tiny.cdl
    ncgen -k nc4 -o group.nc group.cdl
    HAVE_TINY=1
else
    HAVE_TINY=0
    skip "netCDF/HDF5 inputs from ncgen" "ncgen or python3 missing"
fi

if [ "$HAVE_NETCDF" = 0 ]; then
    if [ "$HAVE_TINY" = 1 ]; then
        refuse "netCDF input without netCDF support" 1 'not built with netCDF support' \
            "$STRATA" compress -i tiny3.nc:temp -o x.str --abs 1
    fi
    skip "netCDF inputs" "strata built without netCDF"
elif [ "$HAVE_TINY" = 1 ]; then
    for k in 3 4; do
        roundtrip "nc${k}_temp" "tiny$k.nc:temp" tiny_temp.f32 f32 -999 --abs 0.05
        info_has "nc$k: _FillValue taken" "nc${k}_temp.str" "fill value" -999
        info_has "nc$k: dims" "nc${k}_temp.str" dims 3x17x29
        roundtrip "nc${k}_pres" "tiny$k.nc:pres" tiny_pres.f64 f64 1e30 --rel 1e-5
        info_has "nc$k: missing_value taken" "nc${k}_pres.str" "fill value" 1e\\+30
        info_has "nc$k: 4-D dims" "nc${k}_pres.str" dims 2x3x10x12
    done
    roundtrip nc_five tiny3.nc:five tiny_temp.f32 f32 -999 --abs 0.05 --fill=-999
    info_has "nc: 5-D with a leading 1 squeezed" nc_five.str dims 3x1x17x29
    ok "nc: -t/-d that match" "$STRATA" compress -q -i tiny3.nc:temp -o m.str -t f32 -d 3x17x29 --abs 1
    ok "nc: --fill overrides" "$STRATA" compress -q -i tiny3.nc:temp -o ovr.str --abs 1 --fill 12.5
    info_has "nc: --fill override in stream" ovr.str "fill value" 12.5
    ok "nc: --fill=nan drops the fill" "$STRATA" compress -q -i tiny3.nc:temp -o nofill.str --abs 1 --fill=nan
    info_has "nc: no fill" nofill.str "fill value" none
    ok "nc: eval" "$STRATA" eval -i tiny4.nc:temp --rel 1e-3
    roundtrip nc_group group.nc:ocean/sst group_sst.f64 f64 1e30 --lossless
    cmp -s nc_group.out group_sst.f64 && pass "nc: GROUP/VAR lossless bit-identical" \
        || fail "nc: GROUP/VAR lossless bit-identical"
    refuse "nc: unknown group" 1 "no variable 'land/sst'" "$STRATA" compress -i group.nc:land/sst -o x.str --abs 1
    refuse "nc: -t mismatch" 1 'f64.*f32|match' "$STRATA" compress -i tiny3.nc:temp -o x.str -t f64 --abs 1
    refuse "nc: -d mismatch" 1 'match' "$STRATA" compress -i tiny3.nc:temp -o x.str -d 3x17x30 --abs 1
    refuse "nc: unknown variable" 1 "no variable 'nosuch'" "$STRATA" compress -i tiny3.nc:nosuch -o x.str --abs 1
    refuse "nc: short refused" 1 'short' "$STRATA" compress -i tiny3.nc:counts -o x.str --abs 1
    refuse "nc: scalar refused" 1 'scalar' "$STRATA" compress -i tiny3.nc:scalar -o x.str --abs 1
    refuse "nc: 5 dims refused" 1 'at most 4' "$STRATA" compress -i tiny3.nc:fat -o x.str --abs 1
    refuse "nc: missing file" 1 'nosuch.nc.*no such file' "$STRATA" compress -i nosuch.nc:temp -o x.str --abs 1
    refuse "nc: empty variable name" 1 'no variable' "$STRATA" compress -i tiny3.nc: -o x.str --abs 1
    no_output "nc: no output after refusals" x.str
fi

# The real ferret file: original values dumped with ncdump ("_" is the fill value).
if [ "$HAVE_NETCDF" = 1 ] && [ -f "$FERRET/levitus_climatology.cdf" ] && command -v ncdump >/dev/null 2>&1 \
        && [ -n "$PY" ]; then
    ncdump -p 9,17 -v TEMP "$FERRET/levitus_climatology.cdf" > lev_dump.cdl
    "$PY" - lev_dump.cdl lev_nc_orig.f32 <<'EOF'
import re, sys
import numpy as np
text = open(sys.argv[1]).read()
fill = float(re.search(r'TEMP:_FillValue = ([^ ;]+?)f? ;', text).group(1))
body = text[text.index('data:'):]
body = body[body.index('TEMP =') + 6:body.index(';', body.index('TEMP ='))]
vals = [fill if v.strip() == '_' else float(v) for v in body.split(',')]
np.array(vals, dtype=np.float32).tofile(sys.argv[2])
EOF
    roundtrip nc_levitus "$FERRET/levitus_climatology.cdf:TEMP" lev_nc_orig.f32 f32 -1e10 --abs 0.05
    info_has "nc levitus: dims" nc_levitus.str dims 20x180x360
    info_has "nc levitus: fill" nc_levitus.str "fill value" -10000000000
    if [ -f "$LEV" ]; then
        cmp -s lev_nc_orig.f32 "$LEV" && pass "ncdump values equal shared/data raw file" \
            || fail "ncdump values equal shared/data raw file"
    fi
    refuse "nc file given as raw" 1 'bytes.*netCDF' "$STRATA" compress -i "$FERRET/levitus_climatology.cdf" \
        -o x.str -t f32 -d 20x180x360 --abs 1
else
    skip "netCDF round trip of levitus_climatology.cdf:TEMP" "netCDF support, the ferret file, ncdump or numpy missing"
fi

# ---- HDF5 --------------------------------------------------------------------------------
if [ "$HAVE_HDF5" = 0 ]; then
    if [ "$HAVE_TINY" = 1 ]; then
        refuse "HDF5 input without HDF5 support" 1 'not built with HDF5 support' \
            "$STRATA" compress -i tiny4.nc:/temp -o x.str --abs 1
    fi
    skip "HDF5 inputs" "strata built without HDF5"
else
    if [ -f "$ISA" ] && command -v h5import >/dev/null 2>&1; then
        # A big-endian f64 dataset in nested groups.
        printf '%s\n' "PATH /sim/hour48/velocity" "INPUT-CLASS FP" "INPUT-SIZE 64" \
            "INPUT-BYTE-ORDER LE" "RANK 3" "DIMENSION-SIZES 25 125 125" "OUTPUT-CLASS FP" \
            "OUTPUT-SIZE 64" "OUTPUT-ARCHITECTURE IEEE" "OUTPUT-BYTE-ORDER BE" > isabel.cfg
        h5import "$ISA" -c isabel.cfg -o isabel.h5 >/dev/null
        roundtrip h5_isabel isabel.h5:/sim/hour48/velocity "$ISA" f64 - --rel 1e-4
        info_has "h5: dims" h5_isabel.str dims 25x125x125
        info_has "h5: no fill" h5_isabel.str "fill value" none
        refuse "h5: unknown dataset" 1 "no dataset '/nosuch'" "$STRATA" compress -i isabel.h5:/nosuch -o x.str --abs 1
        refuse "h5: -d mismatch" 1 'match' "$STRATA" compress -i isabel.h5:/sim/hour48/velocity -o x.str -d 25x125 --abs 1
    else
        skip "HDF5 dataset from h5import" "h5import or $ISA missing"
    fi
    if [ "$HAVE_TINY" = 1 ]; then
        # A netCDF-4 file is an HDF5 file: its _FillValue is the dataset's fill value.
        roundtrip h5_temp tiny4.nc:/temp tiny_temp.f32 f32 -999 --abs 0.05
        info_has "h5: fill value from H5Pget_fill_value" h5_temp.str "fill value" -999
        refuse "h5: short refused" 1 'integer' "$STRATA" compress -i tiny4.nc:/counts -o x.str --abs 1
        refuse "h5: not an HDF5 file" 1 'not an HDF5 file' "$STRATA" compress -i tiny3.nc:/temp -o x.str --abs 1
    fi
    no_output "h5: no output after refusals" x.str
fi

# ---- command-line errors -------------------------------------------------------------------
printf 'abcdefgh' > eight.bin   # 2 f32 values
refuse "raw: wrong size" 1 "holds 8 bytes.*needs 12 bytes" "$STRATA" compress -i eight.bin -o x.str -t f32 -d 3 --abs 1
refuse "raw: missing -t/-d" 2 '-t.*-d' "$STRATA" compress -i eight.bin -o x.str --abs 1
refuse "dims: zero" 2 'dims' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2x0 --abs 1
refuse "dims: negative" 2 'dims' "$STRATA" compress -i eight.bin -o x.str -t f32 -d -2 --abs 1
refuse "dims: garbage" 2 'dims' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2y1 --abs 1
refuse "dims: empty part" 2 'dims' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2x --abs 1
refuse "dims: five" 2 'dims' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 1x1x1x1x2 --abs 1
refuse "type: unknown" 2 'f32 or f64' "$STRATA" compress -i eight.bin -o x.str -t f16 -d 2 --abs 1
refuse "bound 0" 2 'bound' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 0
refuse "bound -1" 2 'bound' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs -1
refuse "bound nan" 2 'bound' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --rel nan
refuse "bound inf" 2 'bound' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --rel inf
refuse "bound garbage" 2 'bound' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 1e-3x
refuse "two bounds" 2 'exclude' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 1 --lossless
refuse "no bound" 2 'bound' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2
refuse "no output" 2 'missing -o' "$STRATA" compress -i eight.bin -t f32 -d 2 --abs 1
refuse "fill garbage" 2 'fill' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 1 --fill 1z
refuse "fill out of f32 range" 2 'float32' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 1 --fill 1e39
refuse "unknown coder" 2 'coder' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 1 --coder zstd
refuse "threads negative" 2 'threads' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 1 --threads -1
refuse "unknown option" 2 'unknown option' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs 1 --fast
refuse "option of another command" 2 'does not apply' "$STRATA" decompress -i eight.bin -o x.str --abs 1
refuse "missing value" 2 'needs a value' "$STRATA" compress -i eight.bin -o x.str -t f32 -d 2 --abs
refuse "missing file" 1 'nosuch.f32.*no such file' "$STRATA" compress -i nosuch.f32 -o x.str -t f32 -d 2 --abs 1
refuse "missing output directory" 1 'nosuchdir' "$STRATA" compress -i eight.bin -o nosuchdir/x.str -t f32 -d 2 --abs 1
no_output "no output after refusals" x.str

# ---- corrupt streams --------------------------------------------------------------------------
# A real stream if the shared data is there, else one of the small field made above.
if [ ! -f lev_abs.str ] && [ -f tiny_temp.f32 ]; then
    cp tiny_temp.f32 tiny_temp_raw.f32
    run "$STRATA" compress -q -i tiny_temp_raw.f32 -o lev_abs.str -t f32 -d 3x17x29 --abs 0.01 --fill=-999
fi
if [ -f lev_abs.str ]; then
    size=$(wc -c <lev_abs.str | tr -d ' ')
    head -c $((size / 2)) lev_abs.str > trunc.str
    refuse "decompress: truncated" 1 'truncated' "$STRATA" decompress -i trunc.str -o bad.out
    no_output "decompress: truncated leaves no output" bad.out
    refuse "info: truncated" 1 'truncated' "$STRATA" info -i trunc.str
    head -c 60 lev_abs.str > head.str
    refuse "decompress: truncated header" 1 'truncated' "$STRATA" decompress -i head.str -o bad.out
    no_output "decompress: truncated header leaves no output" bad.out
    : > empty.str
    refuse "decompress: empty file" 1 'not a valid strata stream' "$STRATA" decompress -i empty.str -o bad.out
    no_output "decompress: empty file leaves no output" bad.out
    for pos in 30 $((size / 2)) $((size - 1)); do
        cp lev_abs.str flip.str
        byte=$(od -An -tu1 -j "$pos" -N1 flip.str | tr -d ' ')
        printf "\\$(printf '%03o' $((byte ^ 0x10)))" | dd of=flip.str bs=1 seek="$pos" conv=notrunc 2>/dev/null
        if cmp -s flip.str lev_abs.str; then fail "bit flip at $pos (file unchanged)"; continue; fi
        refuse "decompress: bit flipped at byte $pos" 1 'checksum|corrupt' "$STRATA" decompress -i flip.str -o bad.out
        no_output "decompress: bit flip at $pos leaves no output" bad.out
    done
    # A failed decompress leaves an existing output as it was.
    echo keep > kept.out
    run "$STRATA" decompress -i trunc.str -o kept.out
    [ "$rc" -ne 0 ] && [ "$(cat kept.out)" = keep ] && ! compgen -G 'kept.out.tmp.*' >/dev/null \
        && pass "failed decompress keeps the old output" || fail "failed decompress keeps the old output"
    cat lev_abs.str lev_abs.str > twice.str
    refuse "decompress: trailing bytes" 1 'after the end' "$STRATA" decompress -i twice.str -o bad.out
    no_output "decompress: trailing bytes leave no output" bad.out
    refuse "decompress: not a stream" 1 'not a valid strata stream' "$STRATA" decompress -i eight.bin -o bad.out
    no_output "decompress: not a stream leaves no output" bad.out
    ok "decompress to /dev/null" "$STRATA" decompress -q -i lev_abs.str -o /dev/null
else
    skip "corrupt streams" "no stream from the raw round trips"
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
