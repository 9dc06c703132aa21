#!/usr/bin/env bash
# run_tests.sh - Strata's test configurations (in the style of libdeflate's
# scripts/run_tests.sh): each named configuration builds the project in its own
# build-<name>/ directory (git-ignored) and runs what it checks.
#
# usage: scripts/run_tests.sh [CONFIG...]     (default: release portable asan clang symbols)
#
#   release  gcc, Release, -DSTRATA_WERROR=ON; ctest --output-on-failure -j$JOBS
#   portable the CLI without the AVX2 clones (-DSTRATA_NO_CLONES) must write and
#            decode every shared field exactly as the release build does, and
#            its round trip (strata eval) must keep every point within the bound
#   asan     clang, RelWithDebInfo, -fsanitize=address,undefined
#            -fno-sanitize-recover=all -fno-omit-frame-pointer; ctest (OpenMP on:
#            clang's libomp gives no false positives here; tests labelled mpi
#            run with detect_leaks=0, see test_asan)
#   clang    clang with -DSTRATA_WERROR=ON: the build must be warning-free
#   symbols  nm -D on libstrata.so: every exported symbol starts with strata_,
#            and every function strata.h declares is exported
#   fuzz     (not in the default set) clang -DSTRATA_FUZZ=ON; each libFuzzer
#            target runs $FUZZ_SECONDS seconds (default 60) from its seed corpus
#
# Environment: JOBS (default 2), CTEST_ARGS (extra ctest arguments, e.g.
# "-E mpi"), ASAN_TEST_SCALE (STRATA_TEST_SCALE for the asan run, default 0.5),
# FUZZ_SECONDS.
# Prints a summary and exits non-zero if any configuration failed.
set -u
cd "$(dirname "$0")/.." || exit 2
JOBS=${JOBS:-2}
CTEST_ARGS=${CTEST_ARGS:-}
ALL=(release portable asan clang symbols)

log() { printf '\n=== %s\n' "$*"; }

configure_build() { # dir, cmake args...: configure and build; show warnings and errors
    local dir=$1 rc; shift
    mkdir -p "$dir"
    cmake -S . -B "$dir" "$@" >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; return 1; }
    cmake --build "$dir" -j"$JOBS" >"$dir/build.log" 2>&1
    rc=$?
    grep -E -A3 'warning|error' "$dir/build.log" | head -60
    [ $rc -eq 0 ] || { echo "build failed in $dir (log: $dir/build.log)"; tail -5 "$dir/build.log"; }
    return $rc
}

run_ctest() { # dir
    # shellcheck disable=SC2086
    (cd "$1" && ctest --output-on-failure -j"$JOBS" $CTEST_ARGS)
}

test_release() {
    configure_build build-release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release \
        -DSTRATA_WERROR=ON && run_ctest build-release
}

test_asan() {
    local san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    configure_build build-asan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" \
        -DCMAKE_MODULE_LINKER_FLAGS="$san" || return 1
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    export STRATA_TEST_SCALE=${ASAN_TEST_SCALE:-0.5}
    local rc=0
    # Everything but MPI with LeakSanitizer on; Open MPI's own allocations (in
    # plugins it dlopens) show up as leaks, so the tests labelled mpi run
    # without leak detection (ASan and UBSan still watch them).
    # intercept_tls_get_addr=0: clang 14's runtime can take a glibc >= 2.25
    # dynamic TLS block (libomp's) for a 2.19 one and read a bogus range, and
    # LeakSanitizer's tracer then dies at exit with "Tracer caught signal 11"
    # after the test has passed (google/sanitizers#1322). Strata has no TLS.
    local common=abort_on_error=1:intercept_tls_get_addr=0
    CTEST_ARGS="$CTEST_ARGS -LE mpi" ASAN_OPTIONS=${ASAN_OPTIONS:-$common:detect_leaks=1} \
        run_ctest build-asan || rc=1
    if (cd build-asan && ctest -N -L mpi | grep -q 'Test *#'); then
        CTEST_ARGS="$CTEST_ARGS -L mpi" ASAN_OPTIONS=${ASAN_OPTIONS:-$common:detect_leaks=0} \
            run_ctest build-asan || rc=1
    fi
    return $rc
}

test_clang() {
    configure_build build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release -DSTRATA_WERROR=ON
}

test_symbols() {
    local lib=build-release/libstrata.so
    if [ ! -f "$lib" ]; then
        configure_build build-release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release || return 1
    fi
    local syms bad missing=()
    syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
    bad=$(printf '%s\n' "$syms" | grep -v '^strata_' | grep -v '^$' || true)
    # Every function the public header declares must be exported.
    while read -r f; do
        printf '%s\n' "$syms" | grep -qx "$f" || missing+=("$f")
    done < <(sed -n 's/^STRATA_API[^(]*[ *]\(strata_[a-z0-9_]*\)(.*/\1/p' include/strata.h)
    echo "libstrata.so exports $(printf '%s\n' "$syms" | grep -c .) symbols;" \
         "strata.h declares $(sed -n 's/^STRATA_API[^(]*[ *]\(strata_[a-z0-9_]*\)(.*/\1/p' include/strata.h | wc -l)"
    [ -z "$bad" ] || { echo "exported symbols without the strata_ prefix:"; printf '  %s\n' $bad; }
    [ ${#missing[@]} -eq 0 ] || { echo "declared in strata.h but not exported:"; printf '  %s\n' "${missing[@]}"; }
    [ -z "$bad" ] && [ ${#missing[@]} -eq 0 ]
}

# The decomposition's vector loops are built twice on x86-64 (AVX2 and the
# baseline) and picked at run time; this builds the CLI with the baseline loops
# only and checks that both builds write the same streams and decode them to
# the same bytes, on every field of ../shared/data, both coders, three bounds,
# and that the baseline build's round trip keeps every point within the bound
# (`strata eval` exits 1 otherwise).
test_portable() {
    local data=../shared/data ref=build-release/src/cli/strata alt=build-portable/src/cli/strata
    [ -d "$data" ] || { echo "no $data: skipped"; return 0; }
    if [ ! -x "$ref" ]; then
        configure_build build-release -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release || return 1
    fi
    configure_build build-portable -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release \
        -DSTRATA_BUILD_TESTS=OFF -DCMAKE_C_FLAGS=-DSTRATA_NO_CLONES || return 1
    local tmp n=0 bad=0 f dims dtype fill rel coder
    tmp=$(mktemp -d)
    while read -r f dims dtype fill; do
        for rel in 1e-2 1e-3 1e-4; do
            for coder in range_ctx huffman huffman_ctx ans_ctx; do
                local args=(-i "$data/$f" -t "$dtype" -d "$dims" --rel "$rel" --coder "$coder")
                [ "$fill" = none ] || args+=("--fill=$fill")
                "$ref" compress "${args[@]}" -o "$tmp/a" >/dev/null 2>&1 &&
                    "$alt" compress "${args[@]}" -o "$tmp/b" >/dev/null 2>&1 &&
                    cmp -s "$tmp/a" "$tmp/b" &&
                    "$alt" eval "${args[@]}" >/dev/null 2>&1 &&
                    "$ref" decompress -i "$tmp/a" -o "$tmp/ra" >/dev/null 2>&1 &&
                    "$alt" decompress -i "$tmp/a" -o "$tmp/rb" >/dev/null 2>&1 &&
                    cmp -s "$tmp/ra" "$tmp/rb" || { echo "differs: $f rel $rel $coder"; bad=1; }
                n=$((n + 1))
            done
        done
    done < <(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    t = "f64" if "64" in r["dtype"] else "f32"
    fill = r.get("fill_value") if r.get("n_fill") else None
    print(r["file"], "x".join(map(str, r["dims"])), t, "none" if fill is None else repr(fill))
' "$data/manifest.jsonl")
    rm -rf "$tmp"
    echo "$n streams: AVX2 and baseline builds $([ $bad -eq 0 ] && echo "agree; every baseline round trip within the bound" || echo "DIFFER (or a round trip broke the bound)")"
    return $bad
}

test_fuzz() {
    configure_build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON \
        || return 1
    local t ok=0 work
    for t in fuzz_decompress fuzz_roundtrip; do
        work=build-fuzz/corpus-$t
        mkdir -p "$work"
        echo "--- $t, ${FUZZ_SECONDS:-60} s (log: build-fuzz/$t.log; crashes: build-fuzz/crash-*)"
        (cd build-fuzz && "./tests/$t" -max_total_time="${FUZZ_SECONDS:-60}" -rss_limit_mb=4096 \
            -print_final_stats=1 -artifact_prefix=./ "../$work" "../tests/fuzz/corpus/$t") \
            >"build-fuzz/$t.log" 2>&1 || ok=1
        tail -15 "build-fuzz/$t.log"
    done
    return $ok
}

configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=("${ALL[@]}")
declare -A result elapsed
failed=0
for c in "${configs[@]}"; do
    if ! declare -F "test_$c" >/dev/null; then
        echo "run_tests.sh: unknown configuration '$c' (known: ${ALL[*]} fuzz)" >&2
        exit 2
    fi
    log "$c"
    start=$(date +%s)
    if "test_$c"; then result[$c]=PASS; else result[$c]=FAIL; failed=1; fi
    elapsed[$c]=$(( $(date +%s) - start ))
done

log "summary"
for c in "${configs[@]}"; do printf '  %-8s %s  (%ss)\n' "$c" "${result[$c]}" "${elapsed[$c]}"; done
exit $failed
