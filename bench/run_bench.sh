#!/usr/bin/env bash
# run_bench.sh - Strata against SZ3 and ZFP on every field of ../shared/data, and
# Strata's --psnr mode against SPERR's numbers in ../shared/peers.md on the 3D fields.
#
#   bench/run_bench.sh [--quick] [--write-docs] [other bench/bench.py options]
#
#   --quick       rel 1e-3 only, one run each (about 25 s); the PSNR section as always
#   --write-docs  regenerate docs/benchmarks.md from this run
#   (bench/bench.py --help lists the others: --only NAME, --rel E, --json-out FILE, ...)
#
# Builds Strata (Release) in build-bench/, makes the Python environment with
# scripts/bench_setup.sh if it is missing, and runs bench/bench.py with it. The full run
# (rel 1e-2, 1e-3, 1e-4, best of 3) takes about 1-2 minutes on 2 cores.
# Environment: STRATA_BIN (a strata executable to use instead of building one),
# BENCH_VENV (default .venv-bench), STRATA_DATA (default ../shared/data beside the repo).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
data="${STRATA_DATA:-$(cd "$here/../../shared/data" 2>/dev/null && pwd)}" || data=""
venv="${BENCH_VENV:-$repo/.venv-bench}"
build="$repo/build-bench"
build_note=""

if [ -z "$data" ] || [ ! -f "$data/manifest.jsonl" ]; then
    echo "run_bench: no data: expected ../shared/data beside the repository (or set STRATA_DATA)" >&2
    exit 2
fi

if [ -n "${STRATA_BIN:-}" ]; then
    strata="$STRATA_BIN"
else
    strata="$build/src/cli/strata"
    # Configure and build every time (a no-op when up to date): a stale binary would
    # benchmark old code. If that fails but an older binary exists, say so and use it.
    log="$(mktemp)"
    if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSTRATA_BUILD_TESTS=OFF &&
           cmake --build "$build" -j"$(nproc)" --target strata-cli; } >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        if [ -x "$strata" ]; then
            echo "run_bench: warning: building failed; benchmarking the existing $strata" >&2
            build_note="the build of the current tree FAILED; this is the binary built $(date -u -r "$strata" '+%Y-%m-%d %H:%M UTC')"
        else
            rm -f "$log"
            echo "run_bench: build failed" >&2
            exit 2
        fi
    fi
    rm -f "$log"
fi
if [ ! -x "$strata" ]; then
    echo "run_bench: no strata executable at $strata" >&2
    exit 2
fi

# The codec when issue #5 was filed: the floor's "ratios no lower than before" are
# measured against it, in the same run. Built once from git history; skipped (and
# said so in the tables) where the history is missing or the build fails.
before_rev=ceaf903
before="$repo/build-bench-before/build/src/cli/strata"
if [ ! -x "$before" ]; then
    log="$(mktemp)"
    src="$repo/build-bench-before/src"
    if ! { rm -rf "$src" && mkdir -p "$src" && git -C "$repo" archive "$before_rev" | tar -x -C "$src" &&
           cmake -S "$src" -B "$repo/build-bench-before/build" -DCMAKE_BUILD_TYPE=Release \
                 -DSTRATA_BUILD_TESTS=OFF && cmake --build "$repo/build-bench-before/build" -j"$(nproc)" \
                 --target strata-cli; } >"$log" 2>&1; then
        echo "run_bench: warning: could not build $before_rev, the ratios before issue #5 are left out" >&2
        before=""
    fi
    rm -f "$log"
fi

if ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
    BENCH_VENV="$venv" "$repo/scripts/bench_setup.sh" >&2
fi

# The command the docs show: this one, less options that only say where output goes.
cmdline="bench/run_bench.sh"
skip=0
for arg in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    case "$arg" in
        --json-out) skip=1 ;;
        --json-out=*) ;;
        *) cmdline="$cmdline $arg" ;;
    esac
done
exec "$venv/bin/python" "$here/bench.py" --strata "$strata" --data "$data" \
    --command "$cmdline" ${build_note:+--build-note "$build_note"} \
    ${before:+--before "$before" --before-rev "$before_rev"} "$@"
