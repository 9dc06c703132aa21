#!/usr/bin/env bash
# Regenerates tests/golden/ (must-decode streams + checksums.txt) and
# tests/golden-errors/ (must-reject streams + expected.txt) with the current
# library, through tests/golden/make_golden.c.
#
# Regenerating is only legitimate when the stream format version
# (STRATA_FORMAT_VERSION) changes. Golden streams exist to prove that streams
# written by earlier builds still decode to the same bytes; rewriting them to make
# test_golden pass defeats that. When the format version does change, keep the
# old streams (e.g. in tests/golden/v1/) since the library must still read them.
#
# usage: scripts/make_golden.sh [BUILD_DIR]   (default build-golden)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-golden}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target make_golden -j2 >/dev/null
mkdir -p tests/golden tests/golden-errors
rm -f tests/golden/*.strata tests/golden-errors/*.strata
"$build/tests/make_golden" tests
echo "make_golden.sh: review 'git status tests/golden tests/golden-errors' before committing"
