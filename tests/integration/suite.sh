#!/usr/bin/env bash
# suite.sh: scenarios against one bundled SUT in one TLS variant, `fedsim run -j N
# --sut-start`: N workers, each in a network namespace of its own with its own SUT
# (ci/sut/NAME/start). The ctest entry for a whole suite against a second SUT (ejabberd); its
# output is fedsim's: one line per scenario, the evidence of each failure, the summary.
#
# usage: suite.sh FEDSIM SOURCE_DIR SUT VARIANT JOBS SCENARIO...
set -euo pipefail
fedsim=$1 src=$2 sut=$3 variant=$4 jobs=$5
shift 5
if ! unshare -n true 2> /dev/null; then
    echo "skipped: -j needs network namespaces (root)"
    exit 77
fi
exec "$fedsim" run -j "$jobs" --fixtures "$src/dnsfixtures" \
    --sut-start "$src/ci/sut/$sut/start --tls $variant --fedsim $fedsim" "$@"
