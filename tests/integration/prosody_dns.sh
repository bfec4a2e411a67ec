#!/usr/bin/env bash
# prosody_dns.sh: a real Prosody, configured to resolve through fedsim's DNS, looks up
# _xmpp-server._tcp.gmail.test when its user sends a message to jdoe1@gmail.test, then connects
# to the address and port the fixture gives (a plain TCP listener there sees it arrive).
#
# usage: prosody_dns.sh FEDSIM TCP_SINK SOURCE_DIR [--show]
#   --show prints what happens (the DNS log, the connection) for people: ci/demo uses it.
set -euo pipefail
fedsim=$1 sink=$2 src=$3 show=${4:-}
. "$src/tests/integration/lib.sh"
. "$src/tests/integration/c2s.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
ok "Prosody started ($(sut_get "$sut" version), c2s $(sut_get "$sut" c2s), s2s $(sut_get "$sut" s2s))"

start_bg dns '^listening ' "$fedsim" dns --sut "$sut" --zone "$src/dnsfixtures/federation.zone" \
    --log "$T_TMP/dns.log"
check "fedsim dns listens where the SUT asks ($LISTEN_dns)" \
    test "$LISTEN_dns" = "$(sut_get "$sut" dns)"

# gmail.test's SRV points at xmpp-server.l.gmail.test:5269, whose A record is 127.0.0.2.
start_bg sink '^listening ' "$sink" 127.0.0.2:5269 60

c2s=$(sut_get "$sut" c2s)
read -r user password <<< "$(sut_get "$sut" account)"
domain=$(sut_get "$sut" domain)
if c2s_login "${c2s%:*}" "${c2s##*:}" "$domain" "$user" "$password"; then
    ok "$user@$domain logged in over c2s"
else
    not_ok "$user@$domain logs in over c2s" "$(sut_get "$sut" log)"
    t_done
fi
c2s_send "<message to='jdoe1@gmail.test' id='m1' type='chat'><body>hello</body></message>"

if wait_for "$T_TMP/sink.out" "^data .*<stream:stream" 20; then
    ok "Prosody connected to gmail.test's SRV target and opened a stream"
else
    not_ok "Prosody connects to 127.0.0.2:5269" "$T_TMP/sink.out" "$T_TMP/dns.log" \
        "$(sut_get "$sut" log)"
fi
header=$(grep -m1 '^data ' "$T_TMP/sink.out" || true)
check "the stream header is for to='gmail.test' from='$domain'" \
    eval "[[ \$header =~ to=[\\'\\\"]gmail.test[\\'\\\"] && \$header =~ from=[\\'\\\"]$domain[\\'\\\"] ]]"

dns_asked() { grep -qE " $1 NOERROR $2( |\$)" "$T_TMP/dns.log"; }
check "the SUT asked _xmpp-server._tcp.gmail.test SRV (2 answers)" \
    dns_asked '_xmpp-server._tcp.gmail.test. SRV' 2
check "the SUT asked the target's A (1 answer)" dns_asked 'xmpp-server.l.gmail.test. A' 1
check "the SUT asked the target's AAAA (none)" dns_asked 'xmpp-server.l.gmail.test. AAAA' 0
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/dns.log" "$T_TMP/sink.out"
c2s_close
kill "$PID_dns" && wait "$PID_dns" || true
check "fedsim dns stopped cleanly, no sanitizer report" no_sanitizer_reports "$T_TMP/dns.err"

if [ "$show" = --show ]; then
    printf '\n-- what fedsim dns answered Prosody (%s):\n' "$T_TMP/dns.log"
    sed 's/^/   /' "$T_TMP/dns.log"
    printf '\n-- what arrived at gmail.test (127.0.0.2:5269):\n'
    sed -n 's/^/   /; /accepted\|data/p' "$T_TMP/sink.out"
    printf '\n'
fi
t_done
