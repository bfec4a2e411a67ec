#!/usr/bin/env bash
# matrix.sh: the pairwise-covering subset of the certificate x TLS x authentication x direction
# matrix (`fedsim matrix --pairwise`, docs/tls.md) for one TLS variant, generated with the SUTs'
# deviations (ci/matrix-deviations.txt), run against one bundled SUT started for this
# entry, side by side (-j JOBS), in a network namespace of its own when root: suite.sh does
# the running. The ctest entry matrix.SUT.VARIANT; the JUnit file junit-matrix.SUT.VARIANT.xml.
#
# usage: matrix.sh FEDSIM SOURCE_DIR SUT VARIANT JOBS
set -euo pipefail
fedsim=$1 src=$2 sut=$3 variant=$4 jobs=$5
dir=$(mktemp -d "/tmp/fedsim-matrix-$sut-$variant.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$fedsim" matrix --pairwise --tls "$variant" --deviations "$src/ci/matrix-deviations.txt" \
    --out "$dir" > /dev/null
rc=0
FEDSIM_SUITE_JUNIT="junit-matrix.$sut.$variant.xml" bash "$src/tests/integration/suite.sh" \
    "$fedsim" "$src" "$sut" "$variant" "$jobs" "$dir"/*.scn || rc=$?
exit $rc
