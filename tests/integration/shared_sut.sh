#!/usr/bin/env bash
# shared_sut.sh: scenarios side by side against one SUT (`fedsim run -j N --sut FILE`) give the
# verdicts a serial run gives. A mixed subset (seed flows both ways, SRV fallback to 5269, next
# target, SRV over TCP after truncation, IPv6 targets on ::1, direct TLS, a DNS delay and the
# SUT's own records, which run alone) against one Prosody (tls optional): once with -j 1, once
# with -j 8; every scenario's outcome must agree, the ones that must run alone are named as
# such, and the JUnit file has a testcase per scenario; two shards of a -j 4 run, merged, give
# the same verdicts. In a network namespace of its own.
#
# usage: shared_sut.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
if [ -z "${FEDSIM_SHARED_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null; then
        echo "skipped: needs a network namespace of its own (root)"
        exit 77
    fi
    exec unshare -n env FEDSIM_SHARED_NS=1 bash "$0" "$@"
fi
ip link set lo up
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/prosody/start" --tls optional --fedsim "$fedsim" 2> "$T_TMP/start.err") ||
    { cat "$T_TMP/start.err"; exit 1; }
at_exit "'$src/ci/sut/prosody/stop' '$(dirname "$sut")'"
c=$src/scenarios/conformance f=$src/scenarios/fieldbugs s=$src/scenarios/seed
set -- "$s/webex-contact-adds-sut-user.scn" "$s/webex-sut-user-adds-contact.scn" \
    "$s/modern-message-exchange.scn" "$s/sametime-sut-user-unsubscribes.scn" \
    "$s/cup8-message-exchange.scn" "$c/rfc6120-3.2.2-srv-fallback.scn" \
    "$c/rfc6120-3.2.1-next-target.scn" "$c/rfc1035-truncated-srv-over-tcp.scn" \
    "$c/rfc6120-3.2.1-ipv6-target.scn" "$f/c08-ipv6-path-blackholed.scn" \
    "$c/xep0368-direct-tls-preferred.scn" "$c/rfc6121-8.5.1-no-such-user.scn" \
    "$f/c36-reconnect-storm.scn" "$c/dns-slow-srv.scn" "$f/c24-sut-own-srv-broken.scn"
n=$#
for j in 1 8; do
    rc=0
    "$fedsim" run -j $j --sut "$sut" --fixtures "$src/dnsfixtures" --json "$T_TMP/j$j.json" \
        --junit "$T_TMP/j$j.xml" --transcript "$T_TMP/tr$j" "$@" > "$T_TMP/j$j.out" 2>&1 || rc=$?
    echo "$rc" > "$T_TMP/j$j.rc"
done
# Shards of a side-by-side run, merged, are the whole.
for k in 1 2; do
    "$fedsim" run -j 4 --shard $k/2 --sut "$sut" --fixtures "$src/dnsfixtures" \
        --json "$T_TMP/shard$k.json" "$@" > "$T_TMP/shard$k.out" 2>&1 || true
done
rc=0
"$fedsim" merge --json "$T_TMP/merged.json" "$T_TMP/shard1.json" "$T_TMP/shard2.json" \
    > "$T_TMP/merge.out" 2>&1 || rc=$?
echo "$rc" > "$T_TMP/merge.rc"
outcomes() { # path outcome, sorted, from a --json file
    /usr/bin/python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["scenarios"]: print(r["path"], r["outcome"])' "$1" | sort
}
outcomes "$T_TMP/j1.json" > "$T_TMP/j1.outcomes"
outcomes "$T_TMP/j8.json" > "$T_TMP/j8.outcomes"
check "-j 1: every scenario has a verdict ($n)" test "$(wc -l < "$T_TMP/j1.outcomes")" -eq "$n"
check "-j 8: every scenario has a verdict ($n)" test "$(wc -l < "$T_TMP/j8.outcomes")" -eq "$n"
if cmp -s "$T_TMP/j1.outcomes" "$T_TMP/j8.outcomes"; then
    ok "-j 8 against one SUT gives the verdicts -j 1 gives"
else
    not_ok "-j 8 against one SUT gives the verdicts -j 1 gives" "$T_TMP/j1.outcomes" \
        "$T_TMP/j8.outcomes" "$T_TMP/j8.out"
    diff "$T_TMP/j1.outcomes" "$T_TMP/j8.outcomes" | sed 's/^/  | /'
fi
outcomes "$T_TMP/merged.json" > "$T_TMP/merged.outcomes"
if cmp -s "$T_TMP/j1.outcomes" "$T_TMP/merged.outcomes" && [ "$(cat "$T_TMP/merge.rc")" = 0 ]; then
    ok "two shards of -j 4, merged, give the serial run's verdicts"
else
    not_ok "two shards of -j 4, merged, give the serial run's verdicts" "$T_TMP/merged.outcomes" \
        "$T_TMP/merge.out" "$T_TMP/shard1.out" "$T_TMP/shard2.out"
fi
check "both runs pass (exit 0)" test "$(cat "$T_TMP/j1.rc")$(cat "$T_TMP/j8.rc")" = 00
check "c24 (the SUT's own records) runs alone, saying why" \
    grep -q 'c24-sut-own-srv-broken.scn runs alone: line [0-9]*: a DNS step about the SUT' \
    "$T_TMP/j8.out"
check "dns-slow-srv (a late answer) runs alone, saying why" \
    grep -q 'dns-slow-srv.scn runs alone: line [0-9]*: a DNS answer late' "$T_TMP/j8.out"
check "the number run alone is printed" grep -q 'against one SUT: 2 scenario(s) run alone' \
    "$T_TMP/j8.out"
check "JUnit: a testcase per scenario" test "$(grep -c '<testcase ' "$T_TMP/j8.xml")" -eq "$n"
check "a transcript per scenario" test "$(ls "$T_TMP/tr8" | wc -l)" -eq "$n"
# Each run had a block and a label of its own; the SUT's queries reached each run's DNS.
check "$n runs, blocks of their own" test "$(grep -ho 'are 127\.[0-9]*\.[0-9]*\.X' "$T_TMP"/tr8/* |
    sort -u | wc -l)" -eq "$n"
check "the SUT's DNS queries reached the runs (dns: lines from the relay)" \
    grep -q '^.\{24\} dns: udp ' "$T_TMP/tr8/$(ls "$T_TMP/tr8" | grep next-target)"
t_done
