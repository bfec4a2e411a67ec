#!/usr/bin/env bash
# sigint.sh: SIGINT in the middle of a run: fedsim stops within a second or two, marks the
# interrupted scenario, starts no further one, and still writes the JUnit file, the transcripts
# and the summary (issue 8: nothing lost on failure). The same for SIGTERM. And what the
# transcripts hold: every byte, secrets redacted.
#
# usage: sigint.sh FEDSIM SOURCE_DIR JUNIT_CHECK
set -euo pipefail
fedsim=$1 src=$2 junit_check=$3
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""

interrupt() { # SIGNAL NAME: runs 3 scenarios, the 2nd waits 30 s; the signal comes during it
    local sig=$1 name=$2 pid t0 t1
    mkdir -p "$T_TMP/$name"
    (cd "$src" && exec "$fedsim" run --sut "$sut" --fixtures dnsfixtures \
        --junit "$T_TMP/$name.xml" --transcript "$T_TMP/$name" \
        scenarios/seed/gtalk-sut-user-adds-contact.scn tests/scenarios/slow/quiet.scn \
        scenarios/seed/gtalk-message-exchange.scn > "$T_TMP/$name.out" 2>&1) &
    pid=$!
    wait_for "$T_TMP/$name/tests_scenarios_slow_quiet.scn.log" 'quiet.scn:10 passed' 20 || true
    t0=$(date +%s%N)
    kill "-$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
}

for sig in INT TERM; do
    interrupt "$sig" "$sig"
    check "SIG$sig mid-scenario: fedsim exits ($ms ms after the signal) with status 3 (got $rc)" \
        eval "[ $rc -eq 3 ] && [ $ms -lt 5000 ]"
    check "... the first scenario passed, the second is marked interrupted, the third never ran" \
        eval "grep -q '^ok .*gtalk-sut-user-adds-contact' '$T_TMP/$sig.out' &&
              grep -q '^error .*quiet.scn' '$T_TMP/$sig.out' &&
              grep -q 'interrupted by a signal at step 2 of 2' '$T_TMP/$sig.out' &&
              ! grep -q 'gtalk-message-exchange' '$T_TMP/$sig.out' &&
              grep -q '^1 passed, 1 failed, 0 skipped' '$T_TMP/$sig.out'"
    check "... the JUnit file is complete: 2 test cases, the interrupted one an error" eval "
        '$junit_check' '$T_TMP/$sig.xml' > '$T_TMP/$sig.junit' 2>&1 &&
        grep -q \"tests='2'\" '$T_TMP/$sig.xml' && grep -q \"errors='1'\" '$T_TMP/$sig.xml' &&
        grep -q 'interrupted by a signal' '$T_TMP/$sig.xml'"
    check "... both transcripts written, the interrupted one to its last line" eval "
        [ -s '$T_TMP/$sig/scenarios_seed_gtalk-sut-user-adds-contact.scn.log' ] &&
        grep -q 'outcome: error: interrupted by a signal' \
            '$T_TMP/$sig/tests_scenarios_slow_quiet.scn.log' &&
        [ ! -e '$T_TMP/$sig/scenarios_seed_gtalk-message-exchange.scn.log' ]"
done
# The transcripts carry every byte of every connection, with keys and SASL data redacted.
tr=$T_TMP/INT/scenarios_seed_gtalk-sut-user-adds-contact.scn.log
check "a transcript holds the bytes of each connection, c2s and s2s, both ways" eval "
    grep -q ' >> <auth xmlns=.urn:ietf:params:xml:ns:xmpp-sasl' '$tr' &&
    grep -q ' << <db:result [^>]*from=.sut.test.' '$tr' && grep -q ' >> <db:verify ' '$tr'"
check "... SASL data and dialback keys redacted: no 64-hex key, no SASL text" eval "
    grep -q '>\[redacted\]</db:result>' '$tr' && grep -q '>\[redacted\]</response>' '$tr' &&
    ! grep -qE '[0-9a-f]{64}' '$tr' && ! grep -qE '<(response|challenge)[^>]*>[^[<]' '$tr'"
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/INT.out" "$T_TMP/INT.xml" "$T_TMP/INT.junit"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/INT.out" "$T_TMP/TERM.out"
t_done
