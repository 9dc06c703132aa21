#!/usr/bin/env bash
# Installs every Debian package that building, testing, the demo and the benchmark need.
# Safe to run again; needs root (or sudo) on Debian 12.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libzstd-dev zstd libomp-14-dev
      libnetcdf-dev netcdf-bin libhdf5-dev hdf5-tools
      ferret-datasets python3 python3-numpy
      zfp libzfp-dev valgrind time
      python3-h5py python3-h5py-mpi python3-netcdf4
      openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
      python3-pip python3-venv python3-setuptools python3-wheel python3-pytest
      python3-numcodecs python3-zarr python3-xarray python3-zfpy)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
