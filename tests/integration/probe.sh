#!/usr/bin/env bash
# probe.sh: `fedsim probe` against a real Prosody (TLS optional, certificate from a fedsim CA)
# found through fedsim's DNS: a healthy set-up gives no failure; broken ones (no SRV record, a
# target without address, the "." target, nothing listening on 5269, a certificate nobody
# trusts, two SRV targets with one address, dialback required without errors support) each give
# the expected line. With --from, the dialback round trip, healthy and with
# the verify-back going nowhere.
#
# usage: probe.sh FEDSIM SOURCE_DIR BLACKHOLE
set -euo pipefail
fedsim=$1 src=$2 blackhole=$3
. "$src/tests/integration/lib.sh"

sut=$(FEDSIM=$fedsim "$src/ci/sut/prosody/start" --dir "$T_TMP/sut" --tls optional)
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
dns=$(sed -n 's/^dns = //p' "$sut")
"$fedsim" dns --sut "$sut" --zone "$src/dnsfixtures/federation.zone" \
    --zone "$src/tests/data/probe.zone" > "$T_TMP/dns.out" 2> "$T_TMP/dns.err" &
at_exit "kill $!; wait $! 2> /dev/null"
wait_for "$T_TMP/dns.out" '^listening ' 5 || { not_ok "fedsim dns did not start" "$T_TMP/dns.err"; t_done; }

probe() { # NAME ARGS...: runs the probe; output in $T_TMP/NAME.out, exit status in $rc
    local name=$1
    shift
    rc=0
    "$fedsim" probe --resolver "$dns" "$@" > "$T_TMP/$name.out" 2>&1 || rc=$?
}
has() { grep -qE -- "$2" "$T_TMP/$1.out"; }

probe healthy --ca "$T_TMP/sut/ca/ca.pem" sut.test
check "a healthy SUT: exit 0, no failure" eval "[ $rc -eq 0 ] && has healthy ' 0 fail$'"
check "... SRV, address, TCP, stream, STARTTLS, a verified certificate, dialback" eval "
    has healthy '^ok +SRV _xmpp-server\._tcp\.sut\.test: 0 0 [0-9]+ s2s\.sut\.test\.' &&
    has healthy '^ok +address: s2s\.sut\.test\. -> 127\.0\.0\.1:' &&
    has healthy '^ok +TCP 127\.0\.0\.1:[0-9]+ .*connected in' &&
    has healthy '^ok +stream: from sut\.test, version 1\.0' &&
    has healthy '^ok +STARTTLS offered' &&
    has healthy '^ok +TLS: TLSv1\.[23] .*certificate DNS:sut\.test \(verified\)' &&
    has healthy '^ok +dialback offered, without errors support'"
probe untrusted sut.test
check "the certificate checked against the system's CAs: a failure naming why, and the remedy" \
    eval "[ $rc -eq 1 ] && has untrusted '^fail +TLS: .*NOT verified: .*remedy: a certificate'"
probe refused gmail.test
n=$(grep -cE '^fail +TCP 127\.0\.0\.2:5269 .*Connection refused.*start the XMPP federation service' \
    "$T_TMP/refused.out" || true)
check "nothing listening on 5269: the address refused once ($n), the remedy names the service" \
    eval "[ $rc -eq 1 ] && [ '$n' -eq 1 ]"
# gmail.test's two SRV targets (one a CNAME to the other) are one address: listed once, with
# both names.
n=$(grep -cE '^ok +address: ' "$T_TMP/refused.out" || true)
check "two SRV targets with one address: one address line ($n) naming both targets" eval "
    [ '$n' -eq 1 ] &&
    has refused '^ok +address: (alt1\.)?xmpp-server\.l\.gmail\.test\., (alt1\.)?xmpp-server\.l\.gmail\.test\. -> 127\.0\.0\.2:5269$'"
# jabberd2's dialback feature: <required/> and no <errors/>.
python3 "$src/tests/integration/features_server.py" 127.0.0.13 5269 \
    "<dialback xmlns='urn:xmpp:features:dialback'><required/></dialback>" > "$T_TMP/fs.out" 2>&1 &
fs_pid=$!
wait_for "$T_TMP/fs.out" '^ready' 5 && ready=ready || ready="not ready"
probe dbrequired dbrequired.test
check "dialback required without <errors/> ($ready): said so, no errors support claimed" eval "
    has dbrequired '^ok +dialback offered and required, without errors support' &&
    ! has dbrequired 'with errors support'"
wait "$fs_pid" 2> /dev/null || true
probe nosrv nosrv.test
check "no SRV record: a warning with the seed's remedy, then the domain's own address" eval "
    has nosrv '^warn +SRV _xmpp-server\._tcp\.nosrv\.test: none .*create the SRV record' &&
    has nosrv '^ok +address: nosrv\.test -> 127\.0\.0\.9:5269'"
probe noaddr noaddr.test
check "an SRV target without address: a failure naming the A record" eval "
    [ $rc -eq 1 ] && has noaddr '^fail +address: .*needs an A'"
probe optout optout.test
check "the \".\" target: a failure" eval "[ $rc -eq 1 ] && has optout '^fail +SRV .*\".\" target'"
# A firewall dropping SYNs to the target (127.0.0.10:5269).
coproc BH { exec "$blackhole" 127.0.0.10:5269 60; }
# bash unsets BH and BH_PID as soon as the coprocess ends: keep what is needed of them.
bh_pid=$BH_PID bh_out=${BH[0]} bh_in=${BH[1]}
read -r -t 5 ready <&"$bh_out" || ready=""
probe dropped dropped.test
check "a firewall dropping 5269 ($ready): a failure naming it, with the seed's remedy" eval "
    [ $rc -eq 1 ] && has dropped '^fail +TCP 127\.0\.0\.10:5269 .*no answer in 3000 ms: a firewall drops it; remedy: NAT/PAT'"
exec {bh_in}>&-
wait "$bh_pid" 2> /dev/null || true
sut_req=$(FEDSIM=$fedsim "$src/ci/sut/prosody/start" --dir "$T_TMP/sut-req" --tls required)
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut-req\""
"$fedsim" dns --sut "$sut_req" > "$T_TMP/dns-req.out" 2> "$T_TMP/dns-req.err" &
at_exit "kill $!; wait $! 2> /dev/null"
wait_for "$T_TMP/dns-req.out" '^listening ' 5 || true
rc=0
"$fedsim" probe --resolver "$(sed -n 's/^dns = //p' "$sut_req")" sut.test > "$T_TMP/req.out" 2>&1 ||
    rc=$?
check "a TLS-required SUT whose certificate the checker does not trust: STARTTLS required, TLS fails" \
    eval "[ $rc -eq 1 ] && has req '^ok +STARTTLS offered and required' && has req '^fail +TLS: .*NOT verified'"
probe json --json nosrv.test
check "--json: one document with each check, its verdict and detail, and the counts" eval "
    [ $rc -eq 1 ] && head -c 1 '$T_TMP/json.out' | grep -q '{' &&
    has json '\"check\": \"srv\", \"verdict\": \"warn\", \"detail\": \"SRV _xmpp-server' &&
    has json '\"check\": \"tcp\", \"verdict\": \"fail\"' &&
    has json '\"ok\": 1, \"warn\": 1, \"fail\": 1}$'"
# --from: the dialback round trip. probefrom.test's SRV record points at 127.0.0.11:5269, where
# the probe's own peer listens; Prosody verifies the key back there, then answers a ping.
probe roundtrip --ca "$T_TMP/sut/ca/ca.pem" --from probefrom.test sut.test
check "--from: the SUT verified our key back with the probe's peer and answered the ping" eval "
    [ $rc -eq 0 ] &&
    has roundtrip '^ok +from: a fedsim peer serves probefrom\.test at 127\.0\.0\.11:5269' &&
    has roundtrip '^ok +dialback round trip: sut\.test authenticated probefrom\.test in [0-9.]+ ms, after verifying our key .*verify-back from 127\.0\.0\.1:' &&
    has roundtrip '^ok +stanza: sut\.test answered our ping \(type result\)'"
# elsewhere.test's record points at 127.0.0.12, where nothing listens; the peer is at .11.
probe verifyback --ca "$T_TMP/sut/ca/ca.pem" --from elsewhere.test --listen 127.0.0.11:5269 sut.test
check "--from whose DNS points elsewhere: no verify-back reaches us, a failure saying so" eval "
    [ $rc -eq 1 ] &&
    has verifyback '^fail +dialback round trip: sut\.test closed our stream .* before authenticating elsewhere\.test; no verify-back reached us' &&
    has verifyback '^info +peer: elsewhere\.test: '"
rc=0
"$fedsim" probe --listen 127.0.0.11:5269 sut.test > "$T_TMP/usage.out" 2>&1 || rc=$?
check "--listen without --from: usage, exit 2" test $rc -eq 2
rc=0
"$fedsim" probe > "$T_TMP/usage.out" 2>&1 || rc=$?
check "no domain: usage, exit 2" test $rc -eq 2
check "no sanitizer report" no_sanitizer_reports "$T_TMP"/*.out "$T_TMP/dns.err"
t_done
