#!/usr/bin/env bash
# record_live.sh: `fedsim record` live, in a network namespace of the test's own: a Prosody
# (sut.test) and a jabberd2 (gmail.test) side by side, both requiring TLS with certificates that
# verify (each its own fedsim CA, which the recorder issues from; FEDSIM_RECORD_TLS=optional or
# off for the other variants) and both asking fedsim's DNS, fedsim record between them.
# The seed flow both ways goes through it (tests/scenarios/record/: a Prosody user adds a
# jabberd2 user, is added back, chat both ways), driven by fedsim clients on both servers. The
# recording becomes a scenario, which replays against the same Prosody with a fedsim peer in
# jabberd2's place: it passes; mutants of it (a body the SUT must relay, a subscription answer
# it must send) fail at their steps. The same session from Prosody's debug log
# (--from-prosody-log) makes a scenario with the subscriptions both ways, which passes too.
# FEDSIM_RECORD_REMOTE=ejabberd, FEDSIM_RECORD_TLS=optional|off and FEDSIM_RECORD_FORM=address
# run the other set-ups by hand.
#
# usage: record_live.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
if [ -z "${FEDSIM_RECORD_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null; then
        echo "skipped: needs a network namespace of its own (root)"
        exit 77
    fi
    remote=${FEDSIM_RECORD_REMOTE:-jabberd2}
    case $remote in
        jabberd2) needs="prosody /usr/sbin/jabberd2-router sqlite3" ;;
        ejabberd) needs="prosody ejabberdctl" ;;
        *) echo "FEDSIM_RECORD_REMOTE: jabberd2 or ejabberd, not $remote" >&2; exit 2 ;;
    esac
    for b in $needs; do
        command -v "$b" > /dev/null || { echo "skipped: $b is not installed"; exit 77; }
    done
    exec unshare -n env FEDSIM_RECORD_NS=1 bash "$0" "$@"
fi
ip link set lo up
. "$src/tests/integration/lib.sh"
export FEDSIM=$fedsim

psut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/prosody" --tls "${FEDSIM_RECORD_TLS:-required}")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/prosody\""
dns=$(sut_get "$psut" dns)
# The remote server (FEDSIM_RECORD_REMOTE=ejabberd for ejabberd in jabberd2's place), and the
# remote user the replay's peer has (jdoe1).
remote=${FEDSIM_RECORD_REMOTE:-jabberd2}
jsut=$("$src/ci/sut/$remote/start" --dir "$T_TMP/remote" --domain gmail.test --dns "$dns" \
    --tls "${FEDSIM_RECORD_TLS:-required}" $([ "$remote" = ejabberd ] && echo --pool 0))
at_exit "\"$src/ci/sut/$remote/stop\" \"$T_TMP/remote\""
pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
if [ "$remote" = jabberd2 ]; then
    sqlite3 -batch -cmd '.timeout 5000' "$T_TMP/remote/sqlite.db" \
        "INSERT INTO authreg (username, realm, password) VALUES ('jdoe1', 'gmail.test', '$pw');"
else
    "$src/ci/sut/ejabberd/ctl" "$T_TMP/remote" register jdoe1 gmail.test "$pw" > /dev/null
fi
# SUT files for the clients' runs, whose DNS address is one nobody asks and whose hosts file is
# none (the recorder holds the servers' own, and writes the hosts file of a server that reads one).
sed -e 's/^dns = .*/dns = 127.0.0.77:5353/' -e '/^hosts = /d' "$psut" > "$T_TMP/p.sut"
sed -e 's/^dns = .*/dns = 127.0.0.78:5353/' -e '/^hosts = /d' "$jsut" > "$T_TMP/j.sut"
echo "account = jdoe1 $pw" >> "$T_TMP/j.sut"

# The recorder, until SIGTERM (30 s at most). FEDSIM_RECORD_FORM=address names the remote by
# its domain and address (and its CA) rather than its SUT file.
remote_args=(--remote "$jsut")
if [ "${FEDSIM_RECORD_FORM:-file}" = address ]; then
    remote_args=(--remote "gmail.test=$(sut_get "$jsut" s2s)")
    [ -z "$(sut_get "$jsut" ca)" ] || remote_args+=(--remote-ca "$(sut_get "$jsut" ca)")
fi
"$fedsim" record --sut "$psut" "${remote_args[@]}" --duration 30 --transcript "$T_TMP/live.log" \
    -o "$T_TMP/replay.scn" > "$T_TMP/rec.out" 2> "$T_TMP/rec.err" &
rpid=$!
at_exit "kill $rpid"
check "the recorder starts" wait_for "$T_TMP/rec.err" '^fedsim record: recording ' 10

# Both users at once, each on its own server; the recorder sees their servers' s2s traffic.
"$fedsim" run --sut "$T_TMP/j.sut" --timeout 15s "$src/tests/scenarios/record/jabberd2-side.scn" \
    > "$T_TMP/j.out" 2>&1 &
jpid=$!
rc=0
"$fedsim" run --sut "$T_TMP/p.sut" --timeout 15s "$src/tests/scenarios/record/prosody-side.scn" \
    > "$T_TMP/p.out" 2>&1 || rc=$?
jrc=0
wait $jpid || jrc=$?
check "the seed flow through the recorder: both sides pass (exit $rc and $jrc)" \
    eval "[ $rc -eq 0 ] && [ $jrc -eq 0 ]"
[ $rc -eq 0 ] && [ $jrc -eq 0 ] || not_ok "the sides' runs" "$T_TMP/p.out" "$T_TMP/j.out" "$T_TMP/rec.err"
kill -TERM $rpid
rc=0
wait $rpid || rc=$?
check "the recorder stops on SIGTERM and writes the scenario (exit $rc)" \
    eval "[ $rc -eq 0 ] && [ -s '$T_TMP/replay.scn' ] && [ -s '$T_TMP/live.log' ]"
[ $rc -eq 0 ] || not_ok "the recorder" "$T_TMP/rec.err"
check "dialback went both ways through it, verify ids mapped" eval "
    grep -q '^[^ ]* dialback sut.test > gmail.test <db:result' '$T_TMP/live.log' &&
    grep -q '^[^ ]* dialback gmail.test > sut.test <db:result' '$T_TMP/live.log' &&
    grep -q \"<db:result [^>]*type='valid'\" '$T_TMP/live.log' &&
    grep -q 'db:verify.* is .* on the other side' '$T_TMP/live.log'"
if [ "${FEDSIM_RECORD_TLS:-required}" != off ]; then
    # Each server's certificate verified by the recorder against its CA, and (required) the
    # recorder's by each server, or the streams would not have gone on.
    check "TLS on all four legs of the two pairs, every certificate verified" eval "
        [ \$(grep -c ' leg TLS with .*(verified)' '$T_TMP/live.log') -ge 4 ] &&
        ! grep -q 'leg TLS with .*NOT verified' '$T_TMP/live.log'"
fi
check "the scenario: the remote server a peer, the SUT user a client, both directions" eval "
    grep -q '^peer gmail: profile modern, domain gmail.test' '$T_TMP/replay.scn' &&
    grep -q '^client user1' '$T_TMP/replay.scn' && grep -q '^gmail sends:' '$T_TMP/replay.scn' &&
    grep -q '^gmail receives:' '$T_TMP/replay.scn' && grep -q 'hello jabberd2' '$T_TMP/replay.scn' &&
    grep -q 'hello prosody' '$T_TMP/replay.scn'"
rc=0
"$fedsim" record --from-transcript "$T_TMP/live.log" -o "$T_TMP/again.scn" 2> "$T_TMP/again.err" ||
    rc=$?
check "--from-transcript takes the live transcript again: the same steps (exit $rc)" eval "
    [ $rc -eq 0 ] && diff <(grep -v '^#\|^title:' '$T_TMP/replay.scn') \
        <(grep -v '^#\|^title:' '$T_TMP/again.scn') > /dev/null"

# The same session from Prosody's debug log (its stanzas' top tags only).
cp "$T_TMP/prosody/prosody.log" "$T_TMP/prosody-session.log"
rc=0
"$fedsim" record --from-prosody-log "$T_TMP/prosody-session.log" --remote gmail.test \
    --sut "$psut" -o "$T_TMP/plog.scn" 2> "$T_TMP/plog.err" || rc=$?
check "--from-prosody-log: the session's subscriptions and messages (exit $rc)" eval "
    [ $rc -eq 0 ] && grep -A1 '^user1 sends:' '$T_TMP/plog.scn' | grep -q \"type='subscribe'\" &&
    grep -A1 '^gmail sends:' '$T_TMP/plog.scn' | grep -q \"type='subscribed'\" &&
    grep -A1 '^gmail receives:' '$T_TMP/plog.scn' | grep -q '<message .*jdoe1@gmail.test'"

# The replay, against the same Prosody, fedsim's peer in jabberd2's place.
"$src/ci/sut/$remote/stop" "$T_TMP/remote" > /dev/null 2>&1 || true
run() { "$fedsim" run --sut "$psut" --fixtures "$src/dnsfixtures" "$@"; }
mkdir -p "$T_TMP/replay" "$T_TMP/mut"
cp "$T_TMP/replay.scn" "$T_TMP/replay/live.scn"
rc=0
run "$T_TMP/replay" > "$T_TMP/replay.out" 2>&1 || rc=$?
if [ $rc -eq 0 ] && grep -qx "1 passed, 0 failed, 0 skipped" "$T_TMP/replay.out"; then
    ok "the replay passes against Prosody"
else
    not_ok "the replay (exit $rc)" "$T_TMP/replay.out" "$T_TMP/replay.scn"
fi
mkdir -p "$T_TMP/plog"
cp "$T_TMP/plog.scn" "$T_TMP/plog/prosody-log.scn"
rc=0
run "$T_TMP/plog" > "$T_TMP/plog.out" 2>&1 || rc=$?
if [ $rc -eq 0 ] && grep -qx "1 passed, 0 failed, 0 skipped" "$T_TMP/plog.out"; then
    ok "the replay made from Prosody's log passes too"
else
    not_ok "the replay made from Prosody's log (exit $rc)" "$T_TMP/plog.out" "$T_TMP/plog.scn"
fi
# Mutants: what Prosody must relay to the peer changed (the body it got from its user), and
# what it must deliver to its user (the peer's subscription answer); each fails at its step.
m1=$T_TMP/mut/body.scn m2=$T_TMP/mut/subscribed.scn
awk '/^gmail receives:/ { r = 1; print; next } r && /hello jabberd2/ { sub(/hello jabberd2/, "hello mutant") } { r = 0; print }' \
    "$T_TMP/replay.scn" > "$m1"
awk '/^user1 receives:/ { r = 1; print; next } r && !done && /type=.subscribed./ { sub(/type=.subscribed./, "type='"'"'unsubscribed'"'"'"); done = 1 } { r = 0; print }' \
    "$T_TMP/replay.scn" > "$m2"
line1=$(grep -n 'hello mutant' "$m1" | head -1 | cut -d: -f1) || true
line2=$(grep -n "type='unsubscribed'" "$m2" | head -1 | cut -d: -f1) || true
check "the mutants differ from the replay" eval "[ -n '$line1' ] && [ -n '$line2' ]"
rc=0
run --timeout 3s "$T_TMP/mut" > "$T_TMP/mut.out" 2>&1 || rc=$?
check "the mutated replays fail (exit $rc), each at its mutated step" eval "
    [ $rc -eq 1 ] && grep -q '^0 passed, 2 failed' '$T_TMP/mut.out' &&
    grep -q 'body.scn:$((line1 - 1)):' '$T_TMP/mut.out' &&
    grep -q 'subscribed.scn:$((line2 - 1)):' '$T_TMP/mut.out'"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/rec.err" "$T_TMP/p.out" "$T_TMP/j.out" \
    "$T_TMP/replay.out" "$T_TMP/mut.out"
t_done
