#!/usr/bin/env bash
# suite.sh: scenarios against one bundled SUT in one TLS variant: the SUT (ci/sut/NAME/start)
# started for this entry, then `fedsim run -j JOBS --sut` side by side against it (each run with
# names, addresses and SRV ports of its own, docs/scenarios.md), then stopped. The ctest entry
# suite.NAME.VARIANT; its output is fedsim's: one line per scenario, the evidence of each
# failure, the summary; the JUnit file is junit-suite.NAME.VARIANT.xml in the working directory.
# In a network namespace of its own when it can make one (root): entries then run beside each
# other with nothing shared; else in the machine's. When a scenario fails, the SUT's logs are
# kept in suite-logs.NAME.VARIANT/ of the working directory.
#
# usage: suite.sh FEDSIM SOURCE_DIR SUT VARIANT JOBS SCENARIO...
# (FEDSIM_SUITE_JUNIT=NAME: the JUnit file's name instead, for tests/integration/matrix.sh)
set -euo pipefail
fedsim=$1 src=$2 sut=$3 variant=$4 jobs=$5
shift 5
if [ -z "${FEDSIM_SUITE_NS:-}" ] && unshare -n true 2> /dev/null; then
    exec unshare -n env FEDSIM_SUITE_NS=1 bash "$0" "$fedsim" "$src" "$sut" "$variant" "$jobs" "$@"
fi
[ -n "${FEDSIM_SUITE_NS:-}" ] && ip link set lo up
case $sut in # a developer machine without that server: skipped, saying so
    prosody) server=prosody ;;
    ejabberd) server=erl ;;
    jabberd2) server=/usr/sbin/jabberd2-s2s ;;
    *) server=true ;;
esac
if ! command -v "$server" > /dev/null; then
    echo "skipped: $sut is not installed (ci/lib.sh installs it)"
    exit 77
fi
dir=$(mktemp -d "/tmp/fedsim-suite-$sut-$variant.XXXXXX")
rmdir "$dir" # start wants a directory that does not exist or is empty; stop removes it
file=$("$src/ci/sut/$sut/start" --dir "$dir" --tls "$variant" --fedsim "$fedsim") || {
    echo "suite.sh: ci/sut/$sut/start --tls $variant failed"
    exit 1
}
trap '"$src/ci/sut/$sut/stop" "$dir" > /dev/null 2>&1 || true' EXIT
rc=0
"$fedsim" run -j "$jobs" --sut "$file" --fixtures "$src/dnsfixtures" \
    --junit "${FEDSIM_SUITE_JUNIT:-junit-suite.$sut.$variant.xml}" "$@" || rc=$?
# On a failure the SUT's own logs are kept (its directory goes with stop): in the working
# directory, suite-logs.SUT.VARIANT/, named in the output.
if [ $rc -ne 0 ]; then
    keep=$PWD/suite-logs.$sut.$variant
    rm -rf "$keep"
    mkdir -p "$keep"
    (cd "$dir" && find . -maxdepth 3 -type f \( -name '*.log' -o -name '*.console' -o -name sut \) \
        -exec cp --parents {} "$keep/" \;) 2> /dev/null || true
    echo "suite.sh: the SUT's logs are kept in $keep"
fi
exit $rc
