#!/usr/bin/env bash
# scenarios_prosody.sh: the scenario language end to end against a real Prosody: `fedsim check`
# on every shipped scenario and on deliberately broken ones (file:line:col errors), the seed
# scenarios run (human, TAP and JUnit outputs checked), and deliberately failing scenarios that
# must fail with the evidence, at their timeout, or as expected failures.
#
# usage: scenarios_prosody.sh FEDSIM JUNIT_CHECK SOURCE_DIR
set -euo pipefail
fedsim=$1 junit_check=$2 src=$3
. "$src/tests/integration/lib.sh"
fixtures=$src/dnsfixtures

# --- fedsim check ---------------------------------------------------------------------------
if "$fedsim" check --fixtures "$fixtures" "$src/scenarios" > "$T_TMP/check.out" 2>&1; then
    ok "fedsim check: every shipped scenario parses ($(tail -n 1 "$T_TMP/check.out"))"
else
    not_ok "fedsim check on scenarios/" "$T_TMP/check.out"
fi
for f in "$src"/tests/scenarios/broken/*.scn; do
    want=$(sed -n 's/^# expect: //p' "$f")
    rc=0
    "$fedsim" check --fixtures "$fixtures" "$f" > /dev/null 2> "$T_TMP/err" || rc=$?
    if [ $rc -eq 2 ] && grep -qF -- "$want" "$T_TMP/err"; then
        ok "check $(basename "$f"): exit 2, \"$want\""
    else
        not_ok "check $(basename "$f") (exit $rc): wanted \"$want\"" "$T_TMP/err"
    fi
done

# --- the seed scenarios against Prosody (every scenario is also a ctest entry of its own) -----
sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
run() { "$fedsim" run --sut "$sut" --fixtures "$fixtures" "$@"; }
rc=0
run --junit "$T_TMP/seed.xml" --transcript "$T_TMP/tr" "$src/scenarios/seed" \
    > "$T_TMP/seed.out" 2> "$T_TMP/seed.err" || rc=$?
# This Prosody runs without TLS: the scenarios that require a TLS variant are skipped.
nseed=$(find "$src/scenarios/seed" -name '*.scn' | wc -l)
nskip=$(grep -L -E '^requires: tls (off|.*\|off)' $(grep -l '^requires:' "$src"/scenarios/seed/*.scn) | wc -l)
npass=$((nseed - nskip))
if [ $rc -eq 0 ] && grep -qx "$npass passed, 0 failed, $nskip skipped" "$T_TMP/seed.out"; then
    ok "fedsim run scenarios/seed: $npass passed, $nskip skipped (they need a TLS variant)"
else
    not_ok "fedsim run scenarios/seed (exit $rc)" "$T_TMP/seed.out" "$T_TMP/seed.err"
fi
check "the JUnit file parses and its counts match its elements" \
    eval "\"$junit_check\" \"$T_TMP/seed.xml\" | grep -qx 'tests=$nseed failures=0 errors=0 skipped=$nskip'"
check "--transcript wrote one file per scenario" \
    test "$(find "$T_TMP/tr" -name '*.log' | wc -l)" -eq "$nseed"
check "... a skipped one saying why" \
    eval "grep -l '^skipped: needs a SUT with tls' '$T_TMP'/tr/*.log | wc -l | grep -qx $nskip"
run --tap "$src/scenarios/seed" > "$T_TMP/tap.out" 2>&1 || true
check "TAP: a version line, $nseed ok lines, the plan" eval "
    head -n 1 '$T_TMP/tap.out' | grep -qx 'TAP version 13' &&
    [ \$(grep -c '^ok ' '$T_TMP/tap.out') -eq $nseed ] && grep -qx '1..$nseed' '$T_TMP/tap.out'"

# --shard K/N: a fixed partition; the two halves together are the whole, without overlap.
run --tap --shard 1/2 --json "$T_TMP/shard1.json" "$src/scenarios/seed" > "$T_TMP/shard1.out" 2>&1 || true
run --tap --shard 2/2 --json "$T_TMP/shard2.json" "$src/scenarios/seed" > "$T_TMP/shard2.out" 2>&1 || true
sed -n 's/^ok [0-9]* - //p' "$T_TMP/shard1.out" "$T_TMP/shard2.out" | sed 's/ # SKIP.*//' | sort > "$T_TMP/shards"
check "--shard 1/2 and 2/2: every seed scenario exactly once ($(wc -l < "$T_TMP/shards") of $nseed)" \
    eval "[ \$(sort -u '$T_TMP/shards' | wc -l) -eq $nseed ] && [ \$(wc -l < '$T_TMP/shards') -eq $nseed ]"
# fedsim merge: the shards' JSON results as one verdict and one JUnit file.
rc=0
"$fedsim" merge --junit "$T_TMP/merged.xml" --json "$T_TMP/merged.json" "$T_TMP/shard1.json" \
    "$T_TMP/shard2.json" > "$T_TMP/merge.out" 2>&1 || rc=$?
check "fedsim merge of both shards: exit 0, the whole suite in one summary and one JUnit file" eval "
    [ $rc -eq 0 ] && grep -q '^$((nseed - nskip)) passed, 0 failed, $nskip skipped (2 files)' '$T_TMP/merge.out' &&
    \"$junit_check\" '$T_TMP/merged.xml' | grep -qx 'tests=$nseed failures=0 errors=0 skipped=$nskip' &&
    grep -q '\"shard\": null' '$T_TMP/merged.json' && grep -q '\"name\": \"prosody\"' '$T_TMP/merged.json'"
"$fedsim" merge --matrix "$T_TMP/matrix.md" "$T_TMP/shard1.json" "$T_TMP/shard2.json" > /dev/null 2>&1 || true
check "fedsim merge --matrix: a Markdown row per seed scenario, its clauses, a prosody column" eval "
    head -n 1 '$T_TMP/matrix.md' | grep -qx '| scenario | clause | prosody |' &&
    [ \$(grep -c '^| seed/' '$T_TMP/matrix.md') -eq $nseed ] &&
    grep -q '^| seed/gtalk-message-exchange.scn | seed: the message flow between two federated servers. clients<br>RFC 6121 §8.5.3.1<br>.*<br>XEP-0220 §2.2.2/1 | ok |$' '$T_TMP/matrix.md'"
cat > "$T_TMP/xfail.json" << 'EOF'
{"fedsim": "t", "shard": null, "seconds": 1, "sut": {"name": "x", "version": "1", "domain": "sut.test", "tls": "off"},
 "counts": {"ok": 0, "fail": 0, "error": 0, "skip": 0, "xfail": 1},
 "scenarios": [{"path": "a/s.scn", "title": "t", "clause": "RFC 6120 §4.7.4/1", "outcome": "xfail", "seconds": 1, "line": 3,
   "message": "expected failure (RFC 6120 §4.7.4/1 (SHOULD): no xml:lang): a/s.scn:3: j receives: nothing"}]}
EOF
"$fedsim" merge --matrix "$T_TMP/xfail.md" "$T_TMP/xfail.json" > /dev/null 2>&1 || true
check "fedsim merge --matrix: an xfail's whole reason, a '): ' in it too" \
    grep -qF '| off: **xfail** RFC 6120 §4.7.4/1 (SHOULD): no xml:lang |' "$T_TMP/xfail.md"
rc=0
"$fedsim" merge "$T_TMP/shard2.json" > "$T_TMP/merge1.out" 2>&1 || rc=$?
check "fedsim merge without shard 1/2: exit 3, naming the missing shard" eval "
    [ $rc -eq 3 ] && grep -q 'shard 1/2 is missing: its scenarios did not run' '$T_TMP/merge1.out'"
rc=0
"$fedsim" merge "$T_TMP/shard1.json" "$T_TMP/shard1.json" "$T_TMP/shard2.json" > "$T_TMP/merge2.out" 2>&1 || rc=$?
check "fedsim merge with a shard twice: exit 3, saying so" eval "
    [ $rc -eq 3 ] && grep -q 'shard 1/2 given twice' '$T_TMP/merge2.out'"
rc=0
run --shard 3/2 "$src/scenarios/seed" > "$T_TMP/badshard.out" 2>&1 || rc=$?
check "--shard 3/2: bad usage, exit 2" test $rc -eq 2

# --- language features that must pass (their failing counterparts are in failing/) -----------
rc=0
run "$src/tests/scenarios/lang" > "$T_TMP/lang.out" 2>&1 || rc=$?
nlang=$(find "$src/tests/scenarios/lang" -name '*.scn' | wc -l)
if [ $rc -eq 0 ] && grep -qx "$nlang passed, 0 failed, 0 skipped" "$T_TMP/lang.out"; then
    ok "tests/scenarios/lang: $nlang passed (alternatives, negative steps, wait, late dialback)"
else
    not_ok "tests/scenarios/lang (exit $rc)" "$T_TMP/lang.out"
fi

# --- deliberately failing scenarios ---------------------------------------------------------
rc=0
run --junit "$T_TMP/failing.xml" "$src/tests/scenarios/failing" > "$T_TMP/failing.out" 2>&1 ||
    rc=$?
check "failing scenarios: exit status 1" test $rc -eq 1
has() { grep -qF -- "$1" "$T_TMP/failing.out"; }
check "a wrong expectation fails at its line with the closest stanza and the difference" eval "
    has 'wrong-expectation.scn:15: alice receives: nothing within 1000 ms' &&
    has \"closest received: <presence\" &&
    has \"difference: /presence: type='subscribed', expected 'unsubscribed'\""
check "... the expected stanza as the run saw it (the run's name for gmail.test, not the text)" \
    eval "grep -qE \"^ +expected: <presence type='unsubscribed' from='jdoe1@r[0-9a-f]{6}\\.gmail\\.test'/>\" '$T_TMP/failing.out'"
check "failure reports end with the SUT's log" has "last lines of the SUT's log"
check "a stanza that never comes fails at its 1 s timeout" \
    has 'never-comes.scn:10: gmail receives: nothing within 1000 ms'
secs=$(sed -nE 's/^fail +([0-9.]+)s .*never-comes.scn.*/\1/p' "$T_TMP/failing.out")
check "... and not much later (${secs:-?} s for a 1 s wait plus set-up)" \
    awk -v s="${secs:-99}" 'BEGIN { exit !(s < 5) }'
check "receives nothing like: a matching stanza fails the step at its line, and is shown" \
    has 'nothing-like-fails.scn:21: gmail received a stanza like the one it must not receive ('
check "... also one that arrived before the step began, which no step took, named" eval "
    grep -F \"nothing-like-vacuous.scn:19: gmail received a stanza like the one it must not receive (it arrived before the step began, and no step took it): <message \" '$T_TMP/failing.out' |
    grep -q \"id='b'\""
check "never receives: checked over the whole run at its end, a taken stanza too, named" \
    eval "has 'never-receives.scn:16: gmail never receives: it received, as stanza 1 of 1 in the run: <message' &&
    ! has 'never-receives.scn:14: '"
check "alternatives: none matching fails at the step's line, listing each as the run saw it" eval "
    has 'alternatives-none-match.scn:12: gmail receives: nothing within 1000 ms' &&
    has 'expected one of:' && has \"<iq type='error' id='alt2' from='nobody-here@sut.test'>\" &&
    has 'difference (from the closest alternative): /iq/error/item-not-found: missing'"
check "or STEP: no outcome of the group fails at its first step's line, naming each alternative" eval "
    has 'or-steps-none.scn:12: gmail receives stream error host-unknown: not so within 1000 ms' &&
    has 'nor its alternative at line 13: gmail receives' &&
    has 'nor its alternative at line 15: dns asked: nothing-here.gmail.test A'"
check "does not authenticate: an authentication within the window fails it, saying how" \
    has 'does-not-authenticate.scn:13: gmail authenticated a stream from sut.test by dialback'
check "receives negotiation: the SUT's closest stream header and what differs in it" eval "
    has 'negotiation-wrong.scn:11: gmail receives: nothing within 2000 ms' &&
    has \"difference: /stream: from='sut.test', expected\""
check "receives next: another stanza first fails the step, naming it" eval "
    has 'receives-next-out-of-order.scn:15: alice receives next: the next <message/> no step took is another one: <message' &&
    grep -F 'receives-next-out-of-order.scn:15:' '$T_TMP/failing.out' | grep -q \"id='o1'\""
check "a scenario marked xfail for this SUT is an expected failure" \
    eval "grep -qE '^xfail .*xfail-marked.scn' '$T_TMP/failing.out'"
nfailing=$(find "$src/tests/scenarios/failing" -name '*.scn' | wc -l)
check "JUnit for the failing run: $((nfailing - 1)) failures, 1 skipped (the xfail)" \
    eval "\"$junit_check\" \"$T_TMP/failing.xml\" | grep -qx 'tests=$nfailing failures=$((nfailing - 1)) errors=0 skipped=1'"
rc=0
run --watchdog 500ms "$src/tests/scenarios/failing/never-comes.scn" > "$T_TMP/wd.out" 2>&1 || rc=$?
check "--watchdog bounds a whole scenario: an error, exit status 3" eval "[ $rc -eq 3 ] &&
    grep -q 'the watchdog stopped the scenario after 0.5 s' '$T_TMP/wd.out'"
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/failing.out" "$T_TMP/wd.out"
# --report: one HTML file, a section and a sequence diagram per scenario, the failure in red.
rc=0
run --report "$T_TMP/report.html" "$src/scenarios/seed/gtalk-sut-user-adds-contact.scn" \
    "$src/tests/scenarios/failing/wrong-expectation.scn" > "$T_TMP/report.out" 2>&1 || rc=$?
count() { grep -o "$1" "$T_TMP/report.html" | wc -l; }
check "--report: exit 1 (one failure), one section per scenario ($(count "<section class='scenario'>"))" \
    eval "[ $rc -eq 1 ] && [ \$(count \"<section class='scenario'>\") -eq 2 ]"
check "... lifelines: each scenario's 2 actors, the SUT and DNS ($(count "class='lifeline'") = 2 x 4)" \
    test "$(count "class='lifeline'")" -eq 8
check "... arrows for the DNS questions, connections, dialback and stanzas ($(count "class='arrow"))" \
    eval "[ \$(count \"class='arrow\") -ge 15 ] && grep -q '_xmpp-server._tcp.r[0-9a-f]*.gmail.test. SRV' '$T_TMP/report.html'"
check "... the failing step marked" eval "[ \$(count \"class='arrow failed'\") -eq 1 ] &&
    grep -q '[0-9]*\. fail at line 15</text>' '$T_TMP/report.html'"
check "... self-contained: no external reference" eval "! grep -qE '(src|href)=.(https?:|//)' '$T_TMP/report.html'"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/seed.err" "$T_TMP/failing.out"
t_done
