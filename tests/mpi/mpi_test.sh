#!/usr/bin/env bash
# mpi_test.sh - strata-mpi end to end, one CTest case per invocation.
#
# usage: mpi_test.sh CASE
# Environment (set by tests/mpi/CMakeLists.txt):
#   MPIEXEC STRATA_MPI STRATA_CLI TESTTOOL DATA VERIFY SCRATCH
#
# Round trips compress with N = 1, 2, 3, 4 ranks, check each file byte for byte
# against strata_compress_blocks() in one process (mpi_testtool blocks), decompress
# each with a different rank count M and with the serial `strata decompress`, and
# check every point of the result against the bound (verify_bound.py, with
# Debian's python3-numpy) or bit for bit against an output already checked.
set -u
CASE=$1
WORK="$SCRATCH/$CASE"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
FAILS=0

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
run() { "$MPIEXEC" --oversubscribe -n "$@"; }

# An interpreter that has numpy (a pyenv or venv python3 may come first on PATH).
PY=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null && "$p" -c "import numpy" 2>/dev/null; then PY=$p; break; fi
done
verify() { # ORIG RECON TYPE MODE BOUND [FILL]
    if [ -z "$PY" ]; then echo "SKIP verify: no python3 with numpy (apt-get install python3-numpy)"; return 77; fi
    local fill=(); [ -n "${6:-}" ] && fill=("--fill=$6")
    local mode=("--$4" "$5"); [ "$4" = lossless ] && mode=(--lossless)
    "$PY" "$VERIFY" "$1" "$2" -t "$3" "${mode[@]}" "${fill[@]}" || fail "bound violated: $2"
}

no_leftovers() { # no OUT, no OUT.tmp.*
    local out=$1
    [ -e "$out" ] && fail "$out exists after a failed run"
    compgen -G "$out.tmp.*" >/dev/null && fail "temporary file left: $(ls "$out".tmp.*)"
    return 0
}

# roundtrip FILE TYPE DIMS MODE BOUND [FILL]
roundtrip() {
    local in=$1 t=$2 d=$3 mode=$4 bound=$5 fill=${6:-}
    local fopt=(); [ -n "$fill" ] && fopt=("--fill=$fill")
    local bopt=("--$mode" "$bound"); [ "$mode" = lossless ] && bopt=(--lossless)
    [ -r "$in" ] || { echo "SKIP: $in not found"; exit 77; }
    "$TESTTOOL" blocks "$in" ref.stra "$t" "$d" "$mode" "$bound" $fill || { fail "reference"; return; }
    for n in 1 2 3 4; do
        run $n "$STRATA_MPI" compress -q -i "$in" -t "$t" -d "$d" "${bopt[@]}" "${fopt[@]}" -o c$n.stra \
            || fail "compress with $n ranks"
        cmp -s c$n.stra ref.stra || fail "$n ranks: not the bytes of strata_compress_blocks"
    done
    for n in 1 2 3 4; do
        local m=$((n % 4 + 1))
        run $m "$STRATA_MPI" decompress -q -i c$n.stra -o d$m.raw || fail "decompress with $m ranks"
    done
    verify "$in" d1.raw "$t" "$mode" "$bound" "$fill"
    for m in 2 3 4; do cmp -s d$m.raw d1.raw || fail "decompressed with $m ranks differs from 1 rank"; done
    "$STRATA_CLI" decompress -q -i c4.stra -o serial.raw || fail "strata decompress"
    cmp -s serial.raw d1.raw || fail "strata decompress differs from strata-mpi decompress"
    "$STRATA_CLI" info -i c3.stra > info.txt || fail "strata info"
    grep -q "block container" info.txt || fail "strata info does not see a block container"
    compgen -G "*.tmp.*" >/dev/null && fail "temporary files left: $(ls ./*.tmp.*)"
    cmp -s c1.stra ref.stra && echo "ok: $(basename "$in") $d $mode $bound: same bytes for 1-4 ranks ($(stat -c %s ref.stra) bytes), decoded by 1-4 ranks and strata"
}

case $CASE in
rt_etopo)    roundtrip "$DATA/ferret_etopo5__ROSE.f32" f32 2161x4320 rel 1e-3 ;;
rt_levitus)  roundtrip "$DATA/ferret_levitus__TEMP.f32" f32 20x180x360 rel 1e-4 -1e10 ;;
rt_trefht)   roundtrip "$DATA/geocat_ccsm_trefht_ens__TREFHT_8members.f32" f32 8x110x64x128 abs 0.05 ;;
rt_isabel)   roundtrip "$DATA/ttk_isabel__velocityMag_t48.f64" f64 25x125x125 rel 1e-5 ;;
rt_mpas)     roundtrip "$DATA/geocat_mpas__surface_pressure.f64" f64 163842 lossless 0 ;;
rt_gen_f64)
    # 2.6 M points: 3 blocks of 82, 82 and 39 rows; 203 rows divide by none of 2, 3, 4.
    "$TESTTOOL" gen gen.f64 f64 203x97x131 || fail gen
    roundtrip "$WORK/gen.f64" f64 203x97x131 rel 1e-4 -9999 ;;
rt_gen_f32)
    # 5 blocks (slab 7 rows of 151x997) over 1-4 ranks; 33 rows.
    "$TESTTOOL" gen gen.f32 f32 33x151x997 || fail gen
    roundtrip "$WORK/gen.f32" f32 33x151x997 abs 0.01 -9999 ;;

netcdf_hdf5_input)
    # FILE:VAR and FILE:/DSET read by every rank's own rows give the same bytes as
    # the raw field with the same fill value.
    nc=/usr/share/ferret-vis/data/levitus_climatology.cdf
    raw="$DATA/ferret_levitus__TEMP.f32"
    "$TESTTOOL" blocks "$raw" ref.stra f32 20x180x360 rel 1e-4 -1e10 || fail reference
    if [ -r "$nc" ]; then
        for n in 1 3; do
            run $n "$STRATA_MPI" compress -q -i "$nc:TEMP" --rel 1e-4 -o nc$n.stra || fail "netCDF input, $n ranks"
            cmp -s nc$n.stra ref.stra || fail "netCDF input, $n ranks: bytes differ from the raw field's"
        done
    else
        echo "SKIP netCDF part: $nc not found (Debian package ferret-datasets)"
    fi
    if [ -n "$PY" ] && "$PY" -c "import h5py" 2>/dev/null; then
        "$PY" - "$raw" <<'EOF' || fail "making the HDF5 input"
import sys, numpy as np, h5py
x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(20, 180, 360)
with h5py.File("in.h5", "w") as f:
    f.create_dataset("/grp/T", data=x, chunks=(5, 90, 360), fillvalue=np.float32(-1e10))
EOF
        for n in 2 4; do
            run $n "$STRATA_MPI" compress -q -i "in.h5:/grp/T" --rel 1e-4 -o h5$n.stra || fail "HDF5 input, $n ranks"
            cmp -s h5$n.stra ref.stra || fail "HDF5 input, $n ranks: bytes differ from the raw field's"
        done
    else
        echo "SKIP HDF5 part: no python3 with h5py"
    fi
    ;;

failures)
    in="$DATA/ferret_navy_winds__UWND.f32"
    [ -r "$in" ] || { echo "SKIP: $in not found"; exit 77; }
    args=(compress -i "$in" -t f32 -d 132x73x144 --rel 1e-3)
    # 1. One rank of four cannot read its input (MPMD: rank 2 gets another path).
    run 2 "$STRATA_MPI" "${args[@]}" -o out.stra : -n 1 "$STRATA_MPI" compress -i /nonexistent/x.f32 \
        -t f32 -d 132x73x144 --rel 1e-3 -o out.stra : -n 1 "$STRATA_MPI" "${args[@]}" -o out.stra 2> err1.txt
    rc=$?
    [ $rc -ne 0 ] || fail "unreadable input on rank 2: exit status 0"
    grep -q "rank 2: cannot open '/nonexistent/x.f32'" err1.txt || { cat err1.txt; fail "no clear message for rank 2's input"; }
    no_leftovers out.stra
    # 2. One rank given a mismatched size (-d) for the same file.
    run 1 "$STRATA_MPI" "${args[@]}" -o out.stra : -n 1 "$STRATA_MPI" compress -i "$in" -t f32 -d 132x73x145 \
        --rel 1e-3 -o out.stra 2> err2.txt && fail "mismatched dims on rank 1: exit status 0"
    grep -q "rank 1: the field (dtype, dims or fill value) differs from rank 0's" err2.txt || { cat err2.txt; fail "no clear message for rank 1's dims"; }
    no_leftovers out.stra
    # 3. Every rank given a size that does not match the file.
    run 3 "$STRATA_MPI" compress -i "$in" -t f32 -d 132x73x143 --rel 1e-3 -o out.stra 2> err3.txt \
        && fail "wrong size: exit status 0"
    grep -q "holds 5550336 bytes, but f32 132x73x143 needs" err3.txt || { cat err3.txt; fail "no clear message for the size"; }
    no_leftovers out.stra
    # 4. A bad bound (usage error, exit 2) and an unknown option.
    run 2 "$STRATA_MPI" compress -i "$in" -t f32 -d 132x73x144 --rel -1 -o out.stra 2> err4.txt
    [ $? -eq 2 ] || fail "bad bound: exit status not 2"
    grep -q "bound must be a finite number > 0" err4.txt || { cat err4.txt; fail "no clear message for the bound"; }
    no_leftovers out.stra
    # 5. A full disk: /dev/full takes no byte (written in place: it is not a regular file).
    if [ -w /dev/full ]; then
        run 2 "$STRATA_MPI" "${args[@]}" -o /dev/full 2> err5.txt && fail "/dev/full: exit status 0"
        grep -q "error: rank [0-9]: cannot write" err5.txt || { cat err5.txt; fail "no clear message for a full disk"; }
    fi
    # 6. A damaged container: nothing written when decompressing it.
    run 2 "$STRATA_MPI" "${args[@]}" -q -o good.stra || fail "compress"
    head -c 100000 good.stra > cut.stra
    run 3 "$STRATA_MPI" decompress -i cut.stra -o back.raw 2> err6.txt && fail "truncated container: exit status 0"
    grep -q "not a valid Strata file" err6.txt || { cat err6.txt; fail "no clear message for a truncated file"; }
    no_leftovers back.raw
    cp good.stra flip.stra
    printf '\xff' | dd of=flip.stra bs=1 seek=50000 conv=notrunc status=none
    run 2 "$STRATA_MPI" decompress -i flip.stra -o back.raw 2> err7.txt && fail "damaged block: exit status 0"
    grep -q "error: rank [0-9]: cannot decode block" err7.txt || { cat err7.txt; fail "no clear message for a damaged block"; }
    no_leftovers back.raw
    # 7. An existing output is left alone when the job fails.
    echo keep > kept.stra
    run 2 "$STRATA_MPI" compress -i /nonexistent -t f32 -d 132x73x144 --rel 1e-3 -o kept.stra 2>/dev/null && fail "exit status 0"
    [ "$(cat kept.stra)" = keep ] || fail "an existing output was replaced by a failed run"
    compgen -G "kept.stra.tmp.*" >/dev/null && fail "temporary file left"
    # 8. The job stopped from outside (mpirun gets SIGTERM, as from Ctrl-C or a batch
    #    system) once the temporary file exists: it goes with the job.
    "$MPIEXEC" --oversubscribe -n 2 "$STRATA_MPI" compress -q -i "$DATA/ferret_etopo5__ROSE.f32" -t f32 \
        -d 2161x4320 --rel 1e-7 -o sig.stra 2>/dev/null &
    pid=$!
    for _ in $(seq 500); do compgen -G "sig.stra.tmp.*" >/dev/null && break; sleep 0.01; done
    kill -TERM $pid
    wait $pid
    compgen -G "sig.stra.tmp.*" >/dev/null && fail "temporary file left after the job was stopped"
    [ $FAILS -eq 0 ] && echo "ok: failures end every rank with a message and leave no output"
    ;;

progress)
    in="$DATA/ferret_navy_winds__UWND.f32"
    [ -r "$in" ] || { echo "SKIP: $in not found"; exit 77; }
    run 2 "$STRATA_MPI" compress -q -i "$in" -t f32 -d 132x73x144 --rel 1e-3 -o a.stra 2> quiet.txt || fail compress
    [ -s quiet.txt ] && { cat quiet.txt; fail "output on stderr without a terminal and without --progress"; }
    run 2 "$STRATA_MPI" compress -q --progress -i "$in" -t f32 -d 132x73x144 --rel 1e-3 -o b.stra 2> prog.txt || fail compress
    grep -Eq "compress ([0-9]+)/\1 blocks, .* MB/s" prog.txt || { cat prog.txt; fail "no progress line with --progress"; }
    cmp -s a.stra b.stra || fail "--progress changed the bytes"
    run 3 "$STRATA_MPI" decompress -q --progress -i b.stra -o b.raw 2> prog2.txt || fail decompress
    grep -Eq "decompress ([0-9]+)/\1 blocks" prog2.txt || { cat prog2.txt; fail "no progress line for decompress"; }
    [ $FAILS -eq 0 ] && echo "ok: progress only when asked (or on a terminal)"
    ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
[ $FAILS -eq 0 ] || { echo "$FAILS failure(s) in $CASE"; exit 1; }
rm -rf "$WORK"
exit 0
