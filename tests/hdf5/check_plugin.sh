#!/usr/bin/env bash
# check_plugin.sh PLUGIN - the plugin's linkage, as docs/hdf5.md promises it:
#  - no libhdf5 among its needed libraries and no undefined HDF5 symbol: it binds to
#    the HDF5 of the process that loads it (serial or OpenMPI flavour alike);
#  - exports exactly H5PLget_plugin_type and H5PLget_plugin_info (libstrata inside
#    stays hidden, so it cannot clash with a libstrata.so in the same process);
#  - no libstrata.so needed: HDF5_PLUGIN_PATH alone suffices.
set -euo pipefail
plugin="$1"
fail=0
needed=$(readelf -d "$plugin" | awk '/NEEDED/ {print $NF}' | tr -d '[]')
echo "needed: $(echo $needed)"
if grep -qi hdf5 <<<"$needed"; then echo "FAIL: the plugin needs an HDF5 library"; fail=1; fi
if grep -qi strata <<<"$needed"; then echo "FAIL: the plugin needs libstrata.so"; fail=1; fi
undef=$(nm -D --undefined-only "$plugin" | awk '{print $NF}' | grep -E '^H5' || true)
if [ -n "$undef" ]; then echo "FAIL: undefined HDF5 symbols: $(echo $undef)"; fail=1; fi
exports=$(nm -D --defined-only "$plugin" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort | tr '\n' ' ')
echo "exports: $exports"
if [ "$exports" != "H5PLget_plugin_info H5PLget_plugin_type " ]; then
    echo "FAIL: exports other than the two plugin functions"; fail=1
fi
[ $fail -eq 0 ] && echo "plugin linkage ok"
exit $fail
