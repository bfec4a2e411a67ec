#!/usr/bin/env bash
# check_xmppng.sh: fedsim's peers seen by an XMPP client nobody here wrote: Debian's
# nagios-check-xmppng (`check_xmppng --s2s`, Python's ssl: OpenSSL 3, strict about
# close_notify) against `fedsim serve` with one peer per profile, in a network namespace of the
# test's own. It must say OK wherever a listener offers what it checks: a stream with features
# (version 1.0), and with --starttls, STARTTLS, a certificate it verifies (the fedsim CA, -r)
# and a clean close. Each TLS profile (webex, cup8, sametime, modern) is checked plain and with
# --starttls; gtalk, which has no TLS, plain, with version=1.0 (stock gtalk is a pre-RFC 3920
# server: no version, so no stream features, and check_xmppng's CRITICAL "feature list is not
# finished" is the right answer; asserted too). Then Python's ssl on modern's direct TLS
# listener (XEP-0368) and on a STARTTLS stream that fedsim serve closes when it stops: both
# end with </stream:stream> and a close_notify.
#
# check_xmppng reads each answer for 0.1 s; on a busy machine a late answer is a CRITICAL
# "unexpected state": each check gets 3 tries, and every try's output is kept as evidence.
#
# usage: check_xmppng.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
plugin=/usr/lib/nagios/plugins/check_xmppng
if [ -z "${FEDSIM_CHECK_XMPPNG_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null; then
        echo "skipped: needs a network namespace of its own (root)"
        exit 77
    fi
    if [ ! -e "$plugin" ]; then
        echo "skipped: $plugin is missing (Debian package nagios-check-xmppng, ci/lib.sh)"
        exit 77
    fi
    exec unshare -n env FEDSIM_CHECK_XMPPNG_NS=1 bash "$0" "$@"
fi
ip link set lo up
. "$src/tests/integration/lib.sh"
# Debian's python3 has the plugin's modules (defusedxml, nagiosplugin); another one first in
# PATH may not.
py=/usr/bin/python3
[ -x "$py" ] || py=python3

"$fedsim" ca init "$T_TMP/ca" > /dev/null
cat > "$T_TMP/sut" << SUT
name = check_xmppng
domain = sut.test
c2s = 127.0.0.1:5222
s2s = 127.0.0.1:5299
dns = 127.0.0.1:5300
ca = $T_TMP/ca
SUT
# legacy1.test: a gtalk peer with version=1.0, on an address of its own.
cat > "$T_TMP/legacy.zone" << 'ZONE'
$TTL 0
$ORIGIN legacy1.test.
@                       IN SOA  ns hostmaster 2026120301 60 60 600 0
@                       IN NS   ns
ns                      IN A    127.0.0.7
_xmpp-server._tcp       IN SRV  10 0 5269 xmpp
xmpp                    IN A    127.0.0.7
ZONE
T_STDIN=/dev/null start_bg serve '^.{24} serve: SUT ' \
    "$fedsim" serve --sut "$T_TMP/sut" --zone "$src/dnsfixtures/federation.zone" \
    --zone "$T_TMP/legacy.zone" --peer gmail.test=gtalk --peer legacy1.test=gtalk,version=1.0 \
    --peer webex.test=webex --peer sametime.test=sametime --peer cup.test=cup8 \
    --peer jabber.test=modern
for a in 2:5269 7:5269 3:5269 4:5269 5:5269 6:5269 '6:5270 [(]direct TLS[)]'; do
    wait_for "$T_TMP/serve.out" "listening on 127\.0\.0\.$a" 5 ||
        not_ok "a peer listens on 127.0.0.$a" "$T_TMP/serve.out"
done

n=0
xmppng() { # EXPECT DESCRIPTION ARGS...: check_xmppng --s2s ARGS, up to 3 tries; EXPECT: OK|CRITICAL REGEX
    local expect=$1 desc=$2 try out
    shift 2
    n=$((n + 1))
    out="$T_TMP/xmppng.$n.out"
    : > "$out"
    for try in 1 2 3; do
        echo "--- try $try: check_xmppng --s2s $*" >> "$out"
        timeout 30 "$py" "$plugin" --s2s "$@" >> "$out" 2>&1 || true
        if tail -n 1 "$out" | grep -qE "^XMPP $expect"; then
            ok "$desc: $(tail -n 1 "$out" | cut -c1-100)"
            return
        fi
    done
    not_ok "$desc: check_xmppng said $(tail -n 1 "$out")" "$out" "$T_TMP/serve.out"
}
ca=(-r "$T_TMP/ca/ca.pem")
for p in webex.test:127.0.0.3:webex sametime.test:127.0.0.4:sametime cup.test:127.0.0.5:cup8 \
    jabber.test:127.0.0.6:modern; do
    IFS=: read -r domain addr profile <<< "$p"
    xmppng OK "$profile plain" -H "$addr" --servername "$domain" "${ca[@]}"
    xmppng OK "$profile --starttls, certificate verified" --starttls -H "$addr" \
        --servername "$domain" "${ca[@]}"
done
xmppng OK "gtalk,version=1.0 plain" -H 127.0.0.7 --servername legacy1.test
xmppng 'CRITICAL .*(feature list is not finished|unexpected state started)' \
    "stock gtalk (no version, so no features): CRITICAL" -H 127.0.0.2 --servername gmail.test

# Python's ssl on the direct TLS listener, and on a stream fedsim closes when it stops.
if "$py" "$src/tests/integration/tls_close.py" direct 127.0.0.6 5270 jabber.test \
    "$T_TMP/ca/ca.pem" > "$T_TMP/direct.out" 2>&1; then
    ok "$(sed -n 's/^ok - //p' "$T_TMP/direct.out")"
else
    not_ok "direct TLS: $(tail -n 1 "$T_TMP/direct.out")" "$T_TMP/direct.out" "$T_TMP/serve.out"
fi
"$py" "$src/tests/integration/tls_close.py" starttls 127.0.0.3 5269 webex.test \
    "$T_TMP/ca/ca.pem" > "$T_TMP/stop.out" 2>&1 &
closer=$!
if wait_for "$T_TMP/stop.out" '^open' 10; then
    kill -INT "$PID_serve"
    wait "$PID_serve" 2> /dev/null || true
fi
if wait "$closer"; then
    ok "fedsim serve stopping: $(sed -n 's/^ok - //p' "$T_TMP/stop.out")"
else
    not_ok "fedsim serve stopping: $(tail -n 1 "$T_TMP/stop.out")" "$T_TMP/stop.out" "$T_TMP/serve.out"
fi
check "no sanitizer report" no_sanitizer_reports "$T_TMP/serve.out" "$T_TMP/serve.err"
t_done
