#!/usr/bin/env bash
# zoo.sh: `fedsim serve --zoo` (docs/zoo.md), in a network namespace of the test's own: each
# broken domain gets its expected verdict from `fedsim probe` (exit status and the checklist
# line that names the fault) and from Debian's check_xmppng (nagios-check-xmppng), plain and
# with --starttls, the fedsim CA given with -r. The control domain passes everything, so a
# verdict that names a fault is the fault's, not the set-up's.
#
# check_xmppng reads each answer for 0.1 s: an expected OK gets 3 tries (a late answer on a busy
# machine is a CRITICAL "unexpected state"), every try's output kept as evidence.
#
# usage: zoo.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
plugin=/usr/lib/nagios/plugins/check_xmppng
if [ -z "${FEDSIM_ZOO_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null; then
        echo "skipped: needs a network namespace of its own (root)"
        exit 77
    fi
    exec unshare -n env FEDSIM_ZOO_NS=1 bash "$0" "$@"
fi
ip link set lo up
. "$src/tests/integration/lib.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=python3

"$fedsim" ca init "$T_TMP/ca" > /dev/null
cat > "$T_TMP/sut" << SUT
name = zoo
domain = sut.test
c2s = 127.0.0.1:5222
s2s = 127.0.0.1:5299
dns = 127.0.0.1:5300
ca = $T_TMP/ca
SUT
T_STDIN=/dev/null start_bg serve '^.{24} serve: SUT ' \
    "$fedsim" serve --sut "$T_TMP/sut" --zoo --fixtures "$src/dnsfixtures"
for a in 127.0.1.1:5269 127.0.1.15:5269 '\[::1\]:5396'; do
    wait_for "$T_TMP/serve.out" "listening on $a" 5 ||
        not_ok "a zoo peer listens on $a" "$T_TMP/serve.out"
done
wait_for "$T_TMP/serve.out" "black-hole.zoo.test: now drops connections" 5 ||
    not_ok "black-hole drops connections" "$T_TMP/serve.out"
check "every zoo domain named in docs/zoo.md" eval "(
    for d in \$(sed -n 's/^ *{\"\\([a-z0-9.-]*\\.zoo\\.test\\)\".*/\\1/p' '$src/harness/zoo.c'); do
        grep -q \"^| \\\`\$d\\\`\" '$src/docs/zoo.md' || { echo \"missing \$d\"; exit 1; }
    done)"

# probe DOMAIN EXIT REGEX...: fedsim probe through the zoo's DNS exits EXIT, and each REGEX
# matches a line of its checklist.
n=0
probe() {
    local domain=$1 want=$2 rc=0 re out
    shift 2
    n=$((n + 1))
    out="$T_TMP/probe.$n.out"
    timeout 30 "$fedsim" probe --resolver 127.0.0.1:5300 --ca "$T_TMP/ca/ca.pem" "$domain" \
        > "$out" 2>&1 || rc=$?
    for re in "$@"; do
        if ! grep -qE -- "$re" "$out"; then
            not_ok "probe $domain: no line /$re/ (exit $rc)" "$out"
            return
        fi
    done
    if [ $rc -ne "$want" ]; then
        not_ok "probe $domain: exit $rc, expected $want" "$out"
        return
    fi
    ok "probe $domain: exit $rc, $(grep -E -- "${!#}" "$out" | head -1 | cut -c1-110)"
}
probe valid.zoo.test 0 '^ok    STARTTLS offered$' '^ok    TLS: .*\(verified\)' '^7 ok, 0 warn, 0 fail'
probe self-signed.zoo.test 1 '^fail  TLS: .*NOT verified: self-signed certificate'
probe expired.zoo.test 1 '^fail  TLS: .*NOT verified: certificate has expired'
probe wrong-name.zoo.test 1 '^fail  TLS: .*DNS:wrong-name.invalid \(NOT verified: not for wrong-name.zoo.test'
probe missing-chain.zoo.test 1 '^fail  TLS: .*NOT verified: unable to verify the first certificate'
probe server-auth-only.zoo.test 0 '^ok    TLS: .*\(verified\)'
probe no-sasl.zoo.test 0 '^info  SASL EXTERNAL not offered' '^ok    dialback offered'
probe no-service.zoo.test 1 '^warn  SRV _xmpp-server._tcp.no-service.zoo.test: none' \
    '^fail  TCP 127.0.1.8:5269 .*Connection refused'
probe ipv6-only.zoo.test 0 '^ok    address: ipv6-only.zoo.test. -> \[::1\]:5396$' '^ok    stream: '
probe dialback-only.zoo.test 0 '^warn  no STARTTLS offered' '^ok    dialback offered'
probe tls-required.zoo.test 0 '^ok    STARTTLS offered and required' '^ok    TLS: .*\(verified\)'
probe black-hole.zoo.test 1 '^fail  TCP 127.0.1.11:5269 .*no answer in 3000 ms: a firewall drops it'
# The reset comes as the connect completes or just after: either line is the fault's.
probe resets.zoo.test 1 '^fail  (TCP 127.0.1.12:5269 .*|stream: connection error: )Connection reset by peer'
probe slow.zoo.test 0 '^ok    stream: from slow.zoo.test'
probe dot-srv.zoo.test 1 '^fail  SRV _xmpp-server._tcp.dot-srv.zoo.test: 0 0 0 \.: the "\." target'
probe reconnect.zoo.test 0 '^ok    stream: from reconnect.zoo.test'

# xmppng EXPECT DOMAIN ADDR PORT [--starttls]: check_xmppng's last line matches ^XMPP EXPECT;
# EXPECT "none" means no verdict within 10 s (the check hangs on a dropped SYN).
xmppng() {
    local expect=$1 domain=$2 addr=$3 port=$4 try out rc tries=1
    shift 4
    n=$((n + 1))
    out="$T_TMP/xmppng.$n.out"
    : > "$out"
    [[ $expect == OK* ]] && tries=3
    for ((try = 1; try <= tries; try++)); do
        echo "--- try $try: check_xmppng --s2s $* -H $addr -p $port --servername $domain" >> "$out"
        rc=0
        timeout 10 "$py" "$plugin" --s2s "$@" -H "$addr" -p "$port" --servername "$domain" \
            -r "$T_TMP/ca/ca.pem" >> "$out" 2>&1 || rc=$?
        if [ "$expect" = none ]; then
            if [ $rc -eq 124 ] && ! grep -q '^XMPP' "$out"; then
                ok "check_xmppng $* $domain: no verdict in 10 s (connect never answered)"
            else
                not_ok "check_xmppng $* $domain: expected no verdict, got $(tail -n 1 "$out")" "$out"
            fi
            return
        fi
        if tail -n 1 "$out" | grep -qE "^XMPP $expect"; then
            ok "check_xmppng $* $domain: $(tail -n 1 "$out" | cut -c1-110)"
            return
        fi
    done
    not_ok "check_xmppng $* $domain: said $(tail -n 1 "$out"), expected XMPP $expect" "$out" \
        "$T_TMP/serve.out"
}
for d in valid:1 self-signed:2 expired:3 wrong-name:4 missing-chain:5 server-auth-only:6 \
    no-sasl:7 dialback-only:9 tls-required:10 reconnect:15; do
    xmppng OK "${d%%:*}.zoo.test" "127.0.1.${d#*:}" 5269
done
xmppng OK ipv6-only.zoo.test ::1 5396
xmppng OK ipv6-only.zoo.test ::1 5396 --starttls
for d in valid:1 server-auth-only:6 no-sasl:7 tls-required:10 reconnect:15; do
    xmppng OK "${d%%:*}.zoo.test" "127.0.1.${d#*:}" 5269 --starttls
done
xmppng 'CRITICAL .*self-signed certificate' self-signed.zoo.test 127.0.1.2 5269 --starttls
xmppng 'CRITICAL .*certificate has expired' expired.zoo.test 127.0.1.3 5269 --starttls
xmppng "CRITICAL .*Hostname mismatch, certificate is not valid for 'wrong-name.zoo.test'" \
    wrong-name.zoo.test 127.0.1.4 5269 --starttls
xmppng 'CRITICAL .*unable to get local issuer certificate' missing-chain.zoo.test 127.0.1.5 5269 \
    --starttls
xmppng 'CRITICAL .*expected STARTTLS capable service' dialback-only.zoo.test 127.0.1.9 5269 \
    --starttls
xmppng 'CRITICAL .*could not open socket' no-service.zoo.test 127.0.1.8 5269
xmppng none black-hole.zoo.test 127.0.1.11 5269
xmppng 'UNKNOWN.*Connection reset by peer' resets.zoo.test 127.0.1.12 5269
xmppng 'CRITICAL .*unexpected state' slow.zoo.test 127.0.1.13 5269

# reconnect.zoo.test switches "times out its streams" on every 5 s.
check "reconnect.zoo.test times out its streams every 5 s" eval "
    wait_for '$T_TMP/serve.out' 'reconnect.zoo.test: now times out its streams' 7"
kill -INT "$PID_serve"
wait "$PID_serve" 2> /dev/null || true
check "serve --zoo stopped" grep -q ' serve: stopped' "$T_TMP/serve.out"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/serve.out" "$T_TMP/serve.err" \
    "$T_TMP"/probe.*.out
t_done
