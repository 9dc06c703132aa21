#!/usr/bin/env bash
# bench_speed.sh - strata-mpi compression time with 1 and 2 ranks (docs/mpi_speed.md).
#
# usage: mpi/bench_speed.sh BUILD_DIR [REPEATS]
# Runs every configuration REPEATS times (default 3), interleaving the rank counts
# so that load from other processes hits both alike, and prints a Markdown table of
# medians: the job's own time (from after MPI_Init to the renamed output: read,
# range, compress, write), the wall time of the whole mpirun (with its ~0.3 s of
# start-up), the speedup of 2 ranks over 1, and the output's size (identical for
# both rank counts, checked). OMP_NUM_THREADS=1: one thread per rank.
set -euo pipefail
BUILD=${1:?usage: bench_speed.sh BUILD_DIR [REPEATS]}
REPEATS=${2:-3}
DATA=${DATA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/data}
MPI=$BUILD/mpi/strata-mpi
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

FIELDS=("ferret_etopo5__ROSE.f32 2161x4320" "geocat_ccsm_trefht_ens__TREFHT_8members.f32 8x110x64x128")
echo "| field | MB | blocks | ranks | job s (median of $REPEATS) | mpirun wall s | job speedup | wall speedup | output bytes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for fd in "${FIELDS[@]}"; do
    set -- $fd
    f=$1 d=$2
    in=$DATA/$f
    mb=$(awk -v b="$(stat -c %s "$in")" 'BEGIN {printf "%.1f", b / 1e6}')
    for rep in $(seq "$REPEATS"); do
        for n in 1 2; do
            s=$( { /usr/bin/time -f "WALL %e" mpirun -n $n --bind-to core "$MPI" compress -i "$in" -t f32 -d "$d" \
                   --rel 1e-3 -o "$TMP/o$n.stra"; } 2>&1 )
            echo "$s" | sed -n 's/.*ranks\?, \([0-9.]*\) s (.*/\1/p' >> "$TMP/job$n"
            echo "$s" | sed -n 's/^WALL //p' >> "$TMP/wall$n"
            blocks=$(echo "$s" | sed -n 's/.*), \([0-9]*\) blocks.*/\1/p')
        done
        cmp -s "$TMP/o1.stra" "$TMP/o2.stra" || { echo "outputs differ between 1 and 2 ranks" >&2; exit 1; }
    done
    j1=$(median < "$TMP/job1"); j2=$(median < "$TMP/job2")
    w1=$(median < "$TMP/wall1"); w2=$(median < "$TMP/wall2")
    size=$(stat -c %s "$TMP/o1.stra")
    echo "| $f | $mb | $blocks | 1 | $j1 | $w1 | | | $size |"
    echo "| | | | 2 | $j2 | $w2 | $(awk -v a="$j1" -v b="$j2" 'BEGIN {printf "%.2fx", a / b}') | $(awk -v a="$w1" -v b="$w2" 'BEGIN {printf "%.2fx", a / b}') | $size |"
    rm -f "$TMP"/job* "$TMP"/wall*
done
