#!/usr/bin/env bash
# parallel.sh: fedsim run -j N --sut-start: N workers, each in a network namespace of its own
# with its own Prosody: the seed suite passes as it does alone, every SUT is stopped at the end
# and after SIGINT, and a start command that fails is an error, not a hang.
#
# usage: parallel.sh FEDSIM SOURCE_DIR JUNIT_CHECK
set -euo pipefail
fedsim=$1 src=$2 junit_check=$3
. "$src/tests/integration/lib.sh"

if ! unshare -n true 2> /dev/null; then
    echo "skipped: needs network namespaces (root)"
    exit 77
fi
start="FEDSIM=$fedsim $src/ci/sut/prosody/start --tls optional"
# The Prosodys a run started and left running: those whose directory its stderr named (other
# tests beside this one start Prosodys of their own, so a machine-wide count would not do).
left_running() {
    local dir
    for dir in $(sed -n 's/.* dir \(\/[^ ]*\)$/\1/p' "$1"); do
        pgrep -f "$dir/prosody\.cfg\.lua" || true
    done
}
nseed=$(ls "$src"/scenarios/seed/*.scn | wc -l)
# Against tls optional, the seed flows whose requires: line leaves optional out (the Google Talk
# flows over plain dialback: tls off) are skipped.
nskip=$(grep -L -E '^requires: tls (optional|.*\|optional)' "$src"/scenarios/seed/*.scn | wc -l)

cd "$src"
rc=0
"$fedsim" run -j 2 --sut-start "$start" --fixtures dnsfixtures --junit "$T_TMP/j2.xml" \
    scenarios/seed > "$T_TMP/j2.out" 2> "$T_TMP/j2.err" || rc=$?
check "-j 2: the seed suite passes (exit $rc): $(tail -n 1 "$T_TMP/j2.out")" eval "
    [ $rc -eq 0 ] && grep -q '^$((nseed - nskip)) passed, 0 failed, $nskip skipped' '$T_TMP/j2.out' &&
    '$junit_check' '$T_TMP/j2.xml' | grep -qx 'tests=$nseed failures=0 errors=0 skipped=$nskip'"
check "... two SUTs started and both stopped" eval "
    [ \$(grep -c 'ready in' '$T_TMP/j2.err') -eq 2 ] && [ \$(grep -c 'stopped in' '$T_TMP/j2.err') -eq 2 ] &&
    [ \$(grep -c ' dir /' '$T_TMP/j2.err') -eq 2 ] && [ -z \"\$(left_running '$T_TMP/j2.err')\" ]"

# SIGINT to fedsim alone, while both workers wait in a quiet scenario.
"$fedsim" run -j 2 --sut-start "$start" --fixtures dnsfixtures --junit "$T_TMP/int.xml" \
    tests/scenarios/slow/quiet.scn scenarios/seed/sametime-contact-adds-sut-user.scn \
    tests/scenarios/slow/quiet.scn > "$T_TMP/int.out" 2> "$T_TMP/int.err" &
pid=$!
wait_for "$T_TMP/int.out" '^ok ' 30 || true
sleep 1
kill -INT "$pid"
t0=$SECONDS
rc=0
wait "$pid" || rc=$?
check "-j 2 and SIGINT: exit 3 within seconds ($((SECONDS - t0)) s), the interrupted scenario marked" eval "
    [ $rc -eq 3 ] && [ $((SECONDS - t0)) -lt 15 ] && grep -q '^error .*quiet.scn' '$T_TMP/int.out' &&
    grep -q 'interrupted by a signal' '$T_TMP/int.xml'"
check "... and both SUTs stopped" eval "
    [ \$(grep -c 'stopped in' '$T_TMP/int.err') -eq 2 ] &&
    [ \$(grep -c ' dir /' '$T_TMP/int.err') -eq 2 ] && [ -z \"\$(left_running '$T_TMP/int.err')\" ]"

rc=0
"$fedsim" run -j 2 --sut-start false scenarios/seed > "$T_TMP/false.out" 2>&1 || rc=$?
check "a start command that fails: exit 3, saying so, no scenario run" eval "
    [ $rc -eq 3 ] && grep -q 'sut-start \"false\" failed' '$T_TMP/false.out' &&
    grep -q '^0 passed, $nseed failed' '$T_TMP/false.out'"
rc=0
"$fedsim" run -j 2 --sut /dev/null scenarios/seed > "$T_TMP/usage.out" 2>&1 || rc=$?
check "-j 2 with a --sut file that is not one: bad usage, exit 2, naming the file" eval "
    [ $rc -eq 2 ] && grep -q '/dev/null: missing domain' '$T_TMP/usage.out'"
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/j2.out" "$T_TMP/j2.err" "$T_TMP/int.out" "$T_TMP/int.err"
check "no sanitizer report" no_sanitizer_reports "$T_TMP"/*.out "$T_TMP"/*.err
t_done
