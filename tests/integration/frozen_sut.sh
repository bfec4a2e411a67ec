#!/usr/bin/env bash
# frozen_sut.sh: the seed scenarios against a SUT frozen with SIGSTOP end within their
# timeouts, each an `error` that says the SUT stopped answering (not a hang, not a "fail" that
# would blame federation). Issue 8: every wait is bounded.
#
# usage: frozen_sut.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
pid=$(sed -n 's/^pid = //p' "$sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
at_exit "kill -CONT $pid 2> /dev/null"
kill -STOP "$pid"

n=$(ls "$src"/scenarios/seed/gtalk-*.scn | wc -l)
rc=0
# The outer timeout only catches a hang: 2 s per wait, a few waits per scenario at most.
timeout 120 "$fedsim" run --sut "$sut" --timeout 2s --fixtures "$src/dnsfixtures" \
    --junit "$T_TMP/frozen.xml" "$src"/scenarios/seed/gtalk-*.scn > "$T_TMP/frozen.out" 2>&1 ||
    rc=$?
check "a frozen SUT: the run ends (no hang), exit 3 (errors; got $rc)" test $rc -eq 3
check "... every one of the $n scenarios is an error" \
    test "$(grep -c '^error ' "$T_TMP/frozen.out")" -eq "$n"
check "... each saying the SUT stopped answering" \
    test "$(grep -c 'but stopped answering (at wait-header, 2000 ms): it is frozen' \
        "$T_TMP/frozen.out")" -eq "$n"
check "... and the JUnit file says so too" grep -q "errors='$n'" "$T_TMP/frozen.xml"
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/frozen.out"
kill -CONT "$pid"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/frozen.out"
t_done
