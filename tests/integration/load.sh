#!/usr/bin/env bash
# load.sh: fedsim load against a real Prosody: 100 fake domains, 4 SUT users, 300 messages each
# way as fast as possible, then 200 at 100/s. The report's counts are what arrived: every
# message the SUT delivered to its users (inbound) and to the domains' users (outbound),
# checked here against the SUT's own count of routed stanzas, and the JSON agrees.
#
# usage: load.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut" --accounts 4)
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
rc=0
timeout 120 "$fedsim" load --sut "$sut" --domains 100 --messages 300 --json "$T_TMP/load.json" \
    > "$T_TMP/load.out" 2> "$T_TMP/load.err" || rc=$?
sed 's/^/# /' "$T_TMP/load.out"
check "100 domains, 300 messages each way as fast as possible: exit 0 (got $rc)" test $rc -eq 0
check "... inbound: all 300 received, none lost" \
    grep -q '^inbound  300 sent, 300 received, 0 lost, 0 bounced, 0 duplicates' "$T_TMP/load.out"
check "... outbound: all 300 received, none lost" \
    grep -q '^outbound 300 sent, 300 received, 0 lost, 0 bounced, 0 duplicates' "$T_TMP/load.out"
# Prosody's own log: one "Received[s2sin" line per stanza from a domain, and a delivery of the
# outbound messages on its s2sout streams; count the messages by their ids.
log=$(sut_get "$sut" log)
n_in=$(grep -oE "id='in-[0-9]+'" "$log" | sort -u | wc -l)
n_out=$(grep -oE "id='out-[0-9]+'" "$log" | sort -u | wc -l)
check "... the SUT saw the same messages: $n_in inbound, $n_out outbound ids in its log" eval "
    [ $n_in -eq 300 ] && [ $n_out -eq 300 ]"
check "... the report's JSON agrees, and has latencies, CPU and peak RSS" eval "
    grep -q '\"inbound\": {\"sent\": 300, \"received\": 300, \"lost\": 0' '$T_TMP/load.json' &&
    grep -q '\"outbound\": {\"sent\": 300, \"received\": 300, \"lost\": 0' '$T_TMP/load.json' &&
    grep -q '\"p99\": [0-9]' '$T_TMP/load.json' && grep -q '\"peak_rss_kb\": [0-9]' '$T_TMP/load.json'"
t0=$SECONDS
rc=0
timeout 120 "$fedsim" load --sut "$sut" --domains 100 --messages 200 --rate 100 --quiet \
    > "$T_TMP/rate.out" 2> "$T_TMP/rate.err" || rc=$?
sed 's/^/# /' "$T_TMP/rate.out"
check "200 messages each way at 100/s: exit 0, all received, in about 2 s ($((SECONDS - t0)) s)" eval "
    [ $rc -eq 0 ] && grep -q '^inbound  200 sent, 200 received, 0 lost' '$T_TMP/rate.out' &&
    grep -q '^outbound 200 sent, 200 received, 0 lost' '$T_TMP/rate.out' && [ $((SECONDS - t0)) -ge 2 ]"
rc=0
"$fedsim" load --sut "$sut" --domains 0 > "$T_TMP/usage.out" 2>&1 || rc=$?
check "--domains 0: usage, exit 2" test $rc -eq 2
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/load.err" "$T_TMP/rate.err"
check "no sanitizer report" no_sanitizer_reports "$T_TMP"/*.err
t_done
