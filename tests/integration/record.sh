#!/usr/bin/env bash
# record.sh: `fedsim record --from-transcript` against Prosody, in a network namespace of the
# test's own: two seed scenarios (messages both ways; a contact's subscription, approved and
# returned) run with --transcript, each transcript made a scenario, and the replays run against
# the same Prosody with fedsim in the remote server's place: they pass. A replay mutated in
# what the SUT must send (a body text, a subscription type) fails at that step.
#
# usage: record.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
if [ -z "${FEDSIM_RECORD_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null; then
        echo "skipped: needs a network namespace of its own (root)"
        exit 77
    fi
    exec unshare -n env FEDSIM_RECORD_NS=1 bash "$0" "$@"
fi
ip link set lo up
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
run() { "$fedsim" run --sut "$sut" --fixtures "$src/dnsfixtures" "$@"; }

names=(gtalk-message-exchange gtalk-contact-adds-sut-user)
paths=("$src/scenarios/seed/${names[0]}.scn" "$src/scenarios/seed/${names[1]}.scn")
rc=0
run --transcript "$T_TMP/tr" "${paths[@]}" > "$T_TMP/orig.out" 2>&1 || rc=$?
check "the originals pass (exit $rc)" test $rc -eq 0
mkdir -p "$T_TMP/replay"
for n in "${names[@]}"; do
    rc=0
    "$fedsim" record --from-transcript "$T_TMP/tr/$(echo "$src/scenarios/seed/$n.scn" | tr / _).log" \
        -o "$T_TMP/replay/$n.scn" 2> "$T_TMP/$n.err" || rc=$?
    check "record --from-transcript $n: exit $rc, a scenario that fedsim check takes" \
        eval "[ $rc -eq 0 ] && '$fedsim' check --fixtures '$src/dnsfixtures' '$T_TMP/replay/$n.scn' > /dev/null"
done
check "the replay of the message exchange sends what was sent and expects what came" eval "
    grep -q \"^gmail sends:\" '$T_TMP/replay/gtalk-message-exchange.scn' &&
    grep -q \"hello sut\" '$T_TMP/replay/gtalk-message-exchange.scn' &&
    grep -q '^carol receives:' '$T_TMP/replay/gtalk-message-exchange.scn'"
rc=0
run "$T_TMP/replay" > "$T_TMP/replay.out" 2>&1 || rc=$?
if [ $rc -eq 0 ] && grep -qx "2 passed, 0 failed, 0 skipped" "$T_TMP/replay.out"; then
    ok "both replays pass against Prosody"
else
    not_ok "the replays (exit $rc)" "$T_TMP/replay.out" "$T_TMP/replay/gtalk-message-exchange.scn"
fi

# Mutants: what the SUT must deliver changed in the replay; each must fail at that step.
mkdir -p "$T_TMP/mut"
m=$T_TMP/mut/body.scn
awk '/^carol receives:/ { r = 1; print; next } r && /hello sut/ { sub(/hello sut/, "hello mutant"); r = 0 } { print }' \
    "$T_TMP/replay/gtalk-message-exchange.scn" > "$m"
line=$(grep -n 'hello mutant' "$m" | head -1 | cut -d: -f1)
m2=$T_TMP/mut/subscribed.scn
awk '/^gmail receives:/ && !done { r = 1; print; next } r && /type=.subscribed./ { sub(/type=.subscribed./, "type='"'"'unsubscribed'"'"'"); r = 0; done = 1 } { r = 0; print }' \
    "$T_TMP/replay/gtalk-contact-adds-sut-user.scn" > "$m2"
line2=$(grep -n "type='unsubscribed'" "$m2" | head -1 | cut -d: -f1)
check "the mutants differ from the replays" eval "[ -n '$line' ] && [ -n '$line2' ]"
rc=0
run --timeout 3s "$T_TMP/mut" > "$T_TMP/mut.out" 2>&1 || rc=$?
check "the mutated replays fail (exit $rc), each at its mutated step" eval "
    [ $rc -eq 1 ] && grep -q '^0 passed, 2 failed' '$T_TMP/mut.out' &&
    grep -q 'body.scn:$((line - 1)):' '$T_TMP/mut.out' &&
    grep -q 'subscribed.scn:$((line2 - 1)):' '$T_TMP/mut.out'"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/orig.out" "$T_TMP/replay.out" \
    "$T_TMP/mut.out" "$T_TMP"/*.err
t_done
