#!/usr/bin/env bash
# random.sh: probabilistic faults against Prosody, in a network namespace of the test's own.
# tests/scenarios/random/ run three times: twice with --seed 1, once with --seed 2. With one
# seed, the two runs make the same choices (the transcripts' choice lines, the digest fedsim
# run prints); with the other seed, other choices. And the choices are what happened: the
# messages Prosody delivered are those the lossy peer did not lose, in order; the stanzas it
# held arrived; a cut came at the drawn byte; the SUT got SERVFAIL exactly when the draw said
# so; a scenario that passes or fails by the draw gives the same verdict for the same seed.
#
# usage: random.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
if [ -z "${FEDSIM_RANDOM_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null; then
        echo "skipped: needs a network namespace of its own (root)"
        exit 77
    fi
    exec unshare -n env FEDSIM_RANDOM_NS=1 bash "$0" "$@"
fi
ip link set lo up
. "$src/tests/integration/lib.sh"
dir=$src/tests/scenarios/random

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""

for run in a b c; do
    seed=1
    [ $run = c ] && seed=2
    rc=0
    extra=()
    [ $run = a ] && extra=(--json "$T_TMP/a.json" --junit "$T_TMP/a.xml" --report "$T_TMP/a.html")
    "$fedsim" run --sut "$sut" --fixtures "$src/dnsfixtures" --seed $seed "${extra[@]}" \
        --transcript "$T_TMP/tr-$run" "$dir" > "$T_TMP/$run.out" 2>&1 || rc=$?
    echo "$rc" > "$T_TMP/$run.rc"
done

tfile() { echo "$T_TMP/tr-$1/$(echo "$dir/$2.scn" | tr / _).log"; }
# The choice lines of a transcript, without timestamps and the run-wide count, by stream.
choices() { sed -n 's/^[^ ]* chance #[0-9]* //p' "$1" | sort -s -t'#' -k1,1; }
digest() { grep -A1 "random/$2.scn" "$T_TMP/$1.out" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p'; }

check "the transcript's first line is the seed" \
    eval "head -1 '$(tfile a lossy-peer)' | grep -q ' seed: 1 (fedsim run --seed 1 makes the same'"
check "fedsim run prints each scenario's choices and seed" \
    grep -q '^      random: [0-9]* choices from seed 1, digest [0-9a-f]\{16\} (--seed 1 makes' \
    "$T_TMP/a.out"
check "... and so do the JSON results, the JUnit properties and the HTML report" eval "
    grep -q '\"random\": \"random: [0-9]* choices from seed 1, digest' '$T_TMP/a.json' &&
    grep -q \"<property name='random' value='random: [0-9]* choices from seed 1\" '$T_TMP/a.xml' &&
    grep -q \"<p class='random'>random: [0-9]* choices from seed 1\" '$T_TMP/a.html'"

for s in lossy-peer cuts; do
    n=$(choices "$(tfile a $s)" | wc -l)
    check "$s: seed 1 twice, the same $n choices" \
        eval "[ $n -gt 0 ] && diff <(choices '$(tfile a $s)') <(choices '$(tfile b $s)') > /dev/null"
    check "$s: seed 1 twice, the same digest" \
        eval "[ -n '$(digest a $s)' ] && [ '$(digest a $s)' = '$(digest b $s)' ]"
    check "$s: seed 2, other choices and another digest" \
        eval "! diff <(choices '$(tfile a $s)') <(choices '$(tfile c $s)') > /dev/null &&
              [ '$(digest a $s)' != '$(digest c $s)' ]"
done

# What the SUT delivered to alice is what the peer did not lose, in the order it was sent.
for run in a b c; do
    t=$(tfile $run lossy-peer)
    kept=$(sed -n "s/.*gmail.test: sends <message id='\(m[0-9]\)'> held .*/\1/p" "$t" | xargs)
    lost=$(sed -n "s/.*gmail.test: sends <message id='\(m[0-9]\)'> lost .*/\1/p" "$t" | xargs)
    got=$(grep ' c2s .* << ' "$t" | grep -o "id='m[0-9]'" | tr -d "id='" | xargs)
    check "lossy-peer ($run): alice got [$got], the ones not lost [$kept], in order; lost [$lost]" \
        eval "[ -n '$kept' ] && [ '$got' = '$kept' ]"
    # Held (delayed) on the way in, never lost: all four arrive, in order.
    into=$(grep -v "> held " "$t" | sed -n "s/.*gmail.test: receives <message.*id='\(a[0-9]\)'.*/\1/p" | xargs)
    check "lossy-peer ($run): the peer got a1..a4 in order, some held [$into]" \
        eval "[ '$into' = 'a1 a2 a3 a4' ] && grep -q \"receives <message id='a[0-9]'> held\" '$t'"
done
check "lossy-peer: seed 1 lost some of m1..m8" \
    grep -q "sends <message id='m[0-9]'> lost (drops, chance" "$(tfile a lossy-peer)"

# The cut comes at the byte the draw chose.
for run in a c; do
    t=$(tfile $run cuts)
    at=$(sed -n 's/.*gmail.conn#[0-9]*: cut after bytes 1-150: \([0-9]*\)$/\1/p' "$t" | head -1)
    check "cuts ($run): the first connection cut after the drawn $at bytes" \
        eval "[ -n '$at' ] && grep -q 'closed by fedsim: cut after $at bytes' '$t'"
done

# Each question the draw struck got SERVFAIL, each other one an answer.
for run in a b c; do
    t=$(tfile $run dns-fails)
    pairs=$(grep -E ' chance #[0-9]+ dns _xmpp-server| dns: .*_xmpp-server._tcp\.[a-z0-9]*\.gmail\.test\. SRV' "$t" |
        sed -n 's/.*: \(yes\|no\) (draw.*/\1/p; s/.* SRV \([A-Z]*\) .*/\1/p' | paste -d' ' - - | sort | uniq -c | xargs)
    check "dns-fails ($run): yes -> SERVFAIL, no -> NOERROR [$pairs]" \
        eval "[ -n '$pairs' ] && ! echo '$pairs' | grep -Eq 'yes NOERROR|no SERVFAIL'"
done
check "dns-fails: seed 1 twice, the same first choices" \
    eval "[ \"\$(choices '$(tfile a dns-fails)' | head -2)\" = \"\$(choices '$(tfile b dns-fails)' | head -2)\" ] &&
          [ -n \"\$(choices '$(tfile a dns-fails)')\" ]"

# A verdict the draw decides: the same for the same seed (a failure replays), another seed can
# differ. With seed 1 the peer's first draw loses m1 (chance_value(1, "gmail.out", 0) = 0.376
# of 1), with seed 2 it does not (0.585).
check "replay-drop: seed 1 fails at alice's receive, twice, naming the seed" \
    eval "grep -q '^fail .*replay-drop.scn' '$T_TMP/a.out' && grep -q '^fail .*replay-drop.scn' '$T_TMP/b.out' &&
          grep -A1 '^fail .*replay-drop.scn' '$T_TMP/a.out' | grep -q 'random: 1 choices from seed 1' &&
          grep -q \"sends <message id='m1'> lost\" '$(tfile a replay-drop)'"
check "replay-drop: seed 2 passes" grep -q '^ok .*replay-drop.scn' "$T_TMP/c.out"
check "the failing runs exit 1, the passing one 0" \
    eval "[ \$(cat '$T_TMP/a.rc') = 1 ] && [ \$(cat '$T_TMP/b.rc') = 1 ] && [ \$(cat '$T_TMP/c.rc') = 0 ]"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/a.out" "$T_TMP/b.out" "$T_TMP/c.out"
t_done
