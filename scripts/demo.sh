#!/usr/bin/env bash
# demo.sh - the README's main job: compress every float variable of the Levitus and
# COADS climatologies (Debian's ferret-datasets: netCDF files whose land points hold
# _FillValue) at a relative bound, checking every point, and print one table.
#
#   bash scripts/demo.sh [REL]        REL defaults to 1e-3
#
# For each NC_FLOAT / NC_DOUBLE variable with at least 2 dimensions it runs
#   strata eval -i FILE:VAR --rel REL --repeat 3 --json
# which takes dtype, dims and _FillValue from the file, compresses and decompresses
# in memory and checks every valid point against REL x (max - min over valid points)
# and every fill point bit for bit. Exits 1 if any variable breaks its bound or
# fails, 2 on bad usage or a missing prerequisite (run scripts/setup.sh first).
# Environment: STRATA_THREADS (default 0: OpenMP's default), STRATA_BIN (an
# executable to use instead of build/src/cli/strata).
set -euo pipefail

rel="${1:-1e-3}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
data=/usr/share/ferret-vis/data
files="levitus_climatology.cdf coads_climatology.cdf"
threads="${STRATA_THREADS:-0}"
py=/usr/bin/python3
[ -x "$py" ] || py=python3

die() { echo "demo: $*" >&2; exit 2; }

"$py" -c 'import sys; v = float(sys.argv[1]); sys.exit(0 if 0 < v < float("inf") else 1)' "$rel" \
    2>/dev/null || die "usage: demo.sh [REL]  (REL a positive number, e.g. 1e-3; got '$rel')"
command -v ncdump >/dev/null || die "ncdump not found (Debian package netcdf-bin; run scripts/setup.sh)"
for f in $files; do
    [ -r "$data/$f" ] || die "$data/$f not found (Debian package ferret-datasets; run scripts/setup.sh)"
done

# ---- build ------------------------------------------------------------------------
strata="${STRATA_BIN:-$repo/build/src/cli/strata}"
if [ -z "${STRATA_BIN:-}" ]; then
    log="$(mktemp)"
    trap 'rm -f "$log"' EXIT
    if [ ! -x "$strata" ]; then
        echo "demo: building Strata in build/ (Release)" >&2
        # The whole project; if some other target (a test) does not build, the CLI may.
        if ! { cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=Release &&
               { cmake --build "$repo/build" -j2 ||
                 cmake --build "$repo/build" -j2 --target strata-cli; }; } >"$log" 2>&1; then
            tail -n 30 "$log" >&2
            die "build failed"
        fi
    elif ! cmake --build "$repo/build" -j2 --target strata-cli >"$log" 2>&1; then
        # Up to date is a no-op; a failure leaves the last good binary, which we say.
        echo "demo: warning: rebuilding build/ failed; using the existing binary" >&2
    fi
fi
[ -x "$strata" ] || die "no strata executable at $strata"
"$strata" --version 2>/dev/null | grep -q 'netCDF input: yes' ||
    die "$strata was built without netCDF input (install libnetcdf-dev and rebuild)"

# ---- variables: NC_FLOAT / NC_DOUBLE with >= 2 dimensions, from ncdump -h ----------
list_vars() {
    ncdump -h "$1" | "$py" -c '
import re, sys
text = sys.stdin.read()
dims = {}
sect = None
for line in text.splitlines():
    s = line.strip()
    if s in ("dimensions:", "variables:") or s.startswith("// global") or s == "}":
        sect = s
        continue
    if sect == "dimensions:":
        m = re.match(r"(\S+)\s*=\s*(UNLIMITED\s*;\s*//\s*\((\d+) currently\)|(\d+))", s)
        if m:
            dims[m.group(1)] = int(m.group(3) or m.group(4))
    elif sect == "variables:":
        m = re.match(r"(float|double)\s+(\S+)\((.*)\)\s*;", s)
        if m:
            names = [d.strip() for d in m.group(3).split(",")]
            if len(names) >= 2:
                print(m.group(2), "x".join(str(dims[d]) for d in names))
'
}

results="$(mktemp)"
errs="$(mktemp)"
trap 'rm -f "$results" "$errs" "${log:-}"' EXIT
echo "demo: $("$strata" --version | head -n 1); rel $rel; threads ${threads} (0: OpenMP default)" >&2
for f in $files; do
    vars="$(list_vars "$data/$f")"
    [ -n "$vars" ] || die "no float variable with >= 2 dimensions in $data/$f"
    while read -r var dims; do
        echo "demo: $f:$var ($dims)" >&2
        out="$("$strata" eval -i "$data/$f:$var" --rel "$rel" --threads "$threads" \
                --repeat 3 --json 2>"$errs")" && rc=0 || rc=$?
        err="$(cat "$errs")"
        # One line per variable: file, variable, dims, exit status, JSON (or the error).
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$var" "$dims" "$rc" "${out:-null}" \
            "$(printf '%s' "$err" | tr '\t\n' '  ')" >>"$results"
    done <<<"$vars"
done

# ---- table ------------------------------------------------------------------------
"$py" - "$results" "$rel" <<'PY'
import json, math, sys
rows, failed = [], 0
for line in open(sys.argv[1]):
    f, var, dims, rc, js, err = line.rstrip("\n").split("\t")
    try:
        j = json.loads(js)
    except ValueError:
        j = None
    if not j:
        failed += 1
        rows.append([f, var, dims, "-", "-", "-", "-", "-", "-", "ERROR: " + (err or "exit " + rc)[:60]])
        continue
    ok = j.get("verdict") == "pass" and rc == "0"
    failed += not ok
    eb = j.get("abs_bound") or 0.0
    e = j.get("max_abs_error")
    psnr = j.get("psnr")
    rows.append([
        f, var, dims, str(j["points"] - j["valid_points"]), "%.2f" % j["ratio"],
        ("%.4f" % (e / eb)) if e is not None and eb > 0 else str(e),
        "%.1f" % psnr if psnr is not None else "inf",
        "%.0f" % j["compress_mbps"], "%.0f" % j["decompress_mbps"],
        "ok" if ok else "VIOLATES (%d points)" % (j.get("violations", 0) + j.get("special_mismatches", 0))])
head = ["file", "variable", "dims", "fill points", "ratio", "max err / bound", "PSNR dB",
        "comp MB/s", "decomp MB/s", "verdict"]
w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
left = {0, 1, 2, 9}
fmt = lambda r: "  ".join(c.ljust(w[i]) if i in left else c.rjust(w[i]) for i, c in enumerate(r))
print("Strata on ferret-datasets at rel %s (bound = rel x value range of the valid points)" % sys.argv[2])
print(fmt(head))
print("  ".join("-" * x for x in w))
for r in rows:
    print(fmt(r))
print("%d variables, %d within bound%s" % (len(rows), len(rows) - failed,
                                          "" if not failed else ", %d FAILED" % failed))
sys.exit(1 if failed else 0)
PY
