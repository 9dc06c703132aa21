#!/usr/bin/env bash
# gpu/run_device.sh - everything the CUDA backend needs a GPU for, in one go:
#   1. configure and build (CMake) the GPU targets; if this machine cannot build
#      (no pkg-config/libzstd), use the binaries carried in build-gpu-pack/ (bin, lib, data)
#   2. test_gpu: GPU streams byte-identical to the CPU's, the CPU decodes GPU
#      streams and the GPU decodes CPU streams (both coders), bound on every point
#   3. bench_gpu: >= 1 GB fields, kernels-only and end-to-end times (CUDA events)
# Logs and the table go to $OUT (default ./device-out). Real fields are read from
# $STRATA_DEVICE_DATA (default build-gpu-pack/data, filled from ../shared/data).
# Usage: gpu/run_device.sh [bench fields...]   (sim sim64 etopo; default all)
#        gpu/run_device.sh --prepare          (here, before: fills build-gpu-pack/ with
#        the real fields and fallback binaries; carry it: run(..., carry=["build-gpu-pack"]))
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--prepare" ]; then
    set -e
    PACK=$ROOT/build-gpu-pack SHARED=${STRATA_SHARED_DATA:-$ROOT/../shared/data}
    mkdir -p "$PACK/bin" "$PACK/lib" "$PACK/data"
    for f in ferret_etopo5__ROSE.f32 ferret_levitus__TEMP.f32 ttk_viscous_fingers__density_run01_t060.f32 \
             geocat_mpas__surface_pressure.f64 ttk_isabel__velocityMag_t48.f64; do
        cp "$SHARED/$f" "$PACK/data/"
    done
    cmake -S "$ROOT" -B "$ROOT/build-gpu-carry" -DCMAKE_BUILD_TYPE=Release -DSTRATA_NETCDF=OFF -DSTRATA_HDF5=OFF \
          -DSTRATA_HDF5_FILTER=OFF -DSTRATA_MPI=OFF > /dev/null
    cmake --build "$ROOT/build-gpu-carry" -j 4 --target test_gpu bench_gpu > /dev/null
    cp "$ROOT/build-gpu-carry/gpu/test_gpu" "$ROOT/build-gpu-carry/gpu/bench_gpu" "$PACK/bin/"
    cp -L /lib/x86_64-linux-gnu/libzstd.so.1 /lib/x86_64-linux-gnu/libgomp.so.1 "$PACK/lib/" 2>/dev/null || true
    du -sh "$PACK"
    exit 0
fi
OUT=${OUT:-$ROOT/device-out}
DATA=${STRATA_DEVICE_DATA:-$ROOT/build-gpu-pack/data}
mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm,clocks.mem --format=csv || true
nproc

BIN=""
BUILD=$ROOT/build-device
t0=$(date +%s)
if cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSTRATA_NETCDF=OFF -DSTRATA_HDF5=OFF \
      -DSTRATA_HDF5_FILTER=OFF -DSTRATA_MPI=OFF -DSTRATA_CUDA_RESOURCE_USAGE=ON > "$OUT/configure.log" 2>&1 &&
   cmake --build "$BUILD" -j "$(nproc)" --target test_gpu bench_gpu > "$OUT/build.log" 2>&1; then
    BIN=$BUILD/gpu
    echo "built here in $(( $(date +%s) - t0 )) s"
elif [ -x "$ROOT/build-gpu-pack/bin/test_gpu" ]; then
    BIN=$ROOT/build-gpu-pack/bin
    echo "cannot build here (see configure.log/build.log); using the carried binaries"
    tail -3 "$OUT/configure.log" "$OUT/build.log" 2>/dev/null
    for lib in libzstd.so.1 libgomp.so.1; do
        ldconfig -p | grep -q "$lib" || export LD_LIBRARY_PATH=$ROOT/build-gpu-pack/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    done
else
    echo "no build and no carried binaries"; exit 1
fi

echo "== test_gpu =="
STRATA_SHARED_DATA=$DATA timeout 240 "$BIN/test_gpu" > "$OUT/test_gpu.log" 2>&1
echo "test_gpu exit $?"; tail -15 "$OUT/test_gpu.log"

echo "== bench_gpu =="
timeout 420 "$BIN/bench_gpu" --data "$DATA" --out "$OUT/table.md" "$@" > "$OUT/bench.log" 2>&1
echo "bench_gpu exit $?"
grep -E "^device|identical|violations|failed" "$OUT/bench.log" | grep -v "^|" | head -40
cat "$OUT/table.md" 2>/dev/null
