#!/usr/bin/env bash
# fresh_addresses.sh: each scenario run gets peer addresses of its own (harness/runner.c maps the
# fixtures' 127.0.0.X to 127.A.B.X, a new block per run), so a SUT that remembers addresses does
# not carry one scenario's history into the next. The SUT is jabberd2 (tls optional): its s2s
# puts an address on a "bad" list whenever a connection to it closes and, after a failure, tries
# only addresses not on it. A scenario that uses gmail.test's 127.0.0.2:5269, then
# rfc6120-3.2.1-next-target, whose second SRV target is that address: with shared addresses the
# second fails (the stanza bounces), with fresh ones it passes. Also: the transcript names the
# run's block, peers listen inside it, the SUT's own address is kept, and two runs never share a
# block. In a network namespace of the test's own.
#
# usage: fresh_addresses.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
if [ -z "${FEDSIM_FRESH_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null; then
        echo "skipped: needs a network namespace of its own (root)"
        exit 77
    fi
    if ! command -v /usr/sbin/jabberd2-s2s > /dev/null 2>&1 && [ ! -x /usr/bin/jabberd2-s2s ] &&
        ! dpkg -s jabberd2 > /dev/null 2>&1; then
        echo "skipped: jabberd2 is not installed (ci/lib.sh installs it)"
        exit 77
    fi
    exec unshare -n env FEDSIM_FRESH_NS=1 bash "$0" "$@"
fi
ip link set lo up
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/jabberd2/start" --tls optional --fedsim "$fedsim" 2> "$T_TMP/start.err") ||
    { cat "$T_TMP/start.err"; exit 1; }
at_exit "'$src/ci/sut/jabberd2/stop' '$(dirname "$sut")'"

rc=0
"$fedsim" run --sut "$sut" --fixtures "$src/dnsfixtures" --transcript "$T_TMP/tr" \
    "$src/scenarios/conformance/rfc2782-srv-target-cname.scn" \
    "$src/scenarios/conformance/rfc6120-3.2.1-next-target.scn" > "$T_TMP/run.out" 2>&1 || rc=$?
check "the first scenario (gmail.test at its 127.0.0.2:5269) passes" \
    grep -q '^ok .*rfc2782-srv-target-cname' "$T_TMP/run.out"
if grep -q '^ok .*rfc6120-3.2.1-next-target' "$T_TMP/run.out" && [ "$rc" = 0 ]; then
    ok "next-target passes after it: its second target is an address jabberd2 has not seen"
else
    not_ok "next-target passes after it: its second target is an address jabberd2 has not seen" \
        "$T_TMP/run.out"
fi
tr1=$T_TMP/tr/$(ls "$T_TMP/tr" | grep cname)
tr2=$T_TMP/tr/$(ls "$T_TMP/tr" | grep next-target)
b1=$(sed -n 's/.*addresses 127\.0\.0\.X are 127\.\([0-9]*\.[0-9]*\)\.X in this run.*/\1/p' "$tr1")
b2=$(sed -n 's/.*addresses 127\.0\.0\.X are 127\.\([0-9]*\.[0-9]*\)\.X in this run.*/\1/p' "$tr2")
check "each transcript names its run's block ($b1, $b2)" test -n "$b1" -a -n "$b2"
check "the two runs have blocks of their own" test "$b1" != "$b2"
check "the peer listens inside the run's block" grep -q "listening on 127\.$b1\.2:5269" "$tr1"
check "the SUT's own address is kept (peers dial it at 127.0.0.1)" \
    grep -q "connected to sut.test at 127\.0\.0\.1:" "$tr2"
t_done
