#!/usr/bin/env bash
# prosody_gtalk.sh: the seed flow with a real Prosody and a Google Talk-like fedsim peer
# (plain TCP, dialback only, no stream version), both ways:
#  - peer -> SUT: jdoe1@gmail.test subscribes to user1@sut.test; the SUT dials back to the
#    peer's authoritative side; user1 approves and subscribes back; both end in `both`;
#  - SUT -> peer: user1's answers travel over a stream the SUT opens after resolving
#    _xmpp-server._tcp.gmail.test; the peer verifies the SUT's key through DNS and db:verify;
#  - chat messages both ways;
#  - an unsolicited db:result type='valid' is reported and not taken as authentication.
#
# usage: prosody_gtalk.sh FEDSIM SOURCE_DIR [PEER_SPEC [--show]]   (default gmail.test=gtalk)
#   --show prints what fedsim serve saw, for people: ci/demo uses it.
set -euo pipefail
fedsim=$1 src=$2 spec=${3:-gmail.test=gtalk} show=${4:-}
. "$src/tests/integration/lib.sh"
. "$src/tests/integration/c2s.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
domain=$(sut_get "$sut" domain)

# serve reads commands from a FIFO the test keeps open.
mkfifo "$T_TMP/cmd"
exec {cmd}<> "$T_TMP/cmd"
T_STDIN=$T_TMP/cmd start_bg serve 'gmail.test: listening on 127.0.0.2:5269' \
    "$fedsim" serve --sut "$sut" --zone "$src/dnsfixtures/federation.zone" \
    --peer "$spec" --seed 1
T_STDIN=
ok "fedsim serve is up: gmail.test listens where its SRV record points"
out=$T_TMP/serve.out
saw() { wait_for "$out" "$1" "${2:-15}"; }
evidence() { not_ok "$1" "$out" "$T_TMP/serve.err" "$(sut_get "$sut" log)"; }
expect_line() { if saw "$2"; then ok "$1"; else evidence "$1"; fi; }

c2s=$(sut_get "$sut" c2s)
read -r user password <<< "$(sut_get "$sut" account)"
me=$user@$domain
if ! c2s_login "${c2s%:*}" "${c2s##*:}" "$domain" "$user" "$password"; then
    evidence "$me logs in"
    t_done
fi
c2s_send "<iq type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq><presence/>"
c2s_expect "id='roster1'" || true
ok "$me logged in with a roster and initial presence"

# --- peer -> SUT: a subscription request from the Google Talk-like peer --------------------
printf '%s\n' "send <presence type='subscribe' from='jdoe1@gmail.test' to='$me'/>" >&"$cmd"
expect_line "the peer resolves the SUT and sends its dialback key" \
    "s2s out #[0-9]+ to $domain: dialback key for gmail\.test sent"
expect_line "the SUT dials back: the peer, as authoritative server, says valid" \
    "authoritative: $domain asked to verify our key for stream .*: valid"
expect_line "the peer's stream is authenticated and the held subscribe released" \
    "s2s out #[0-9]+ to $domain: gmail\.test authenticated by dialback, 1 stanza"
check "the peer looked the SUT up in DNS (_xmpp-server._tcp.$domain SRV)" \
    saw "dns \(fedsim's own lookup\): udp .* _xmpp-server\._tcp\.$domain\. SRV NOERROR 1"
if c2s_expect "type='subscribe'" 15; then
    ok "$me receives jdoe1@gmail.test's subscription request"
else
    evidence "$me receives jdoe1@gmail.test's subscription request"
fi

# --- SUT -> peer: user1 approves and subscribes back ----------------------------------------
c2s_send "<presence type='subscribed' to='jdoe1@gmail.test'/>"
c2s_send "<presence type='subscribe' to='jdoe1@gmail.test'/>"
check "the SUT asked for _xmpp-server._tcp.gmail.test SRV" \
    saw "dns: udp .* _xmpp-server\._tcp\.gmail\.test\. SRV NOERROR 2"
expect_line "the SUT's stream to the peer is authenticated (key verified with the SUT)" \
    "s2s in #[0-9]+: $domain authenticated by dialback"
case $spec in
    *verify=stream*) expect_line "the SUT's key was verified over the peer's own outbound stream" \
        "s2s in #[0-9]+: verifying $domain's key over s2s out #" ;;
    *) expect_line "the SUT's key was verified over a new connection" \
        "s2s verify #[0-9]+: connected to $domain" ;;
esac
expect_line "the peer receives the approval" "receives <presence .*type='subscribed'"
expect_line "jdoe1@gmail.test and $me end in subscription state both (peer side)" \
    "jdoe1@gmail\.test's subscription with $me: both"
if c2s_expect "subscription='both'" 15; then
    ok "the SUT's roster push says both"
else
    evidence "the SUT's roster push says both"
fi
if c2s_expect "from='jdoe1@gmail.test/gmail.A1B2C3D4'" 15; then
    ok "$me sees jdoe1's presence (Google-style resource)"
else
    evidence "$me sees jdoe1's presence"
fi

# --- chat both ways ------------------------------------------------------------------------
c2s_send "<message to='jdoe1@gmail.test' type='chat' id='m1'><body>hello gmail</body></message>"
expect_line "the peer receives $me's message" "receives <message .*<body>hello gmail</body>"
printf '%s\n' "send <message from='jdoe1@gmail.test/gmail.A1B2C3D4' to='$me' type='chat'><body>hello sut</body></message>" >&"$cmd"
if c2s_expect "hello sut" 15; then
    ok "$me receives jdoe1's message"
else
    evidence "$me receives jdoe1's message"
fi

# --- an unsolicited db:result type='valid' ------------------------------------------------
exec {raw}<> /dev/tcp/127.0.0.2/5269
printf '%s' "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' xmlns:stream='http://etherx.jabber.org/streams' from='evil.test' to='gmail.test'>" >&"$raw"
printf '%s' "<db:result from='evil.test' to='gmail.test' type='valid'/><message from='x@evil.test' to='jdoe1@gmail.test'><body>spoof</body></message>" >&"$raw"
reply=$(timeout 5 cat <&"$raw" || true)
exec {raw}>&-
expect_line "the unsolicited db:result type='valid' is reported" \
    "UNSOLICITED db:result type='valid' from evil.test"
check "the stanza after it is refused with not-authorized" \
    eval "[[ \$reply == *'<not-authorized'* ]]"
check "the spoofed message never reaches jdoe1" \
    eval "! grep -q 'receives <message from=.x@evil.test' '$out'"

c2s_close
printf 'quit\n' >&"$cmd"
if wait "$PID_serve"; then ok "serve stops on quit, exit status 0"; else evidence "serve exits 0"; fi
check "serve said it stopped" saw "serve: stopped" 1
check "no sanitizer report from fedsim" no_sanitizer_reports "$T_TMP/serve.err"

# Nothing left behind: the peer's port is free, the SUT is gone with its directory.
check "nothing listens on 127.0.0.2:5269 any more" \
    eval "! (exec 3<> /dev/tcp/127.0.0.2/5269) 2> /dev/null"
sut_pid=$(sut_get "$sut" pid)
"$src/ci/sut/prosody/stop" "$T_TMP/sut" 2> /dev/null
# Gone, or a zombie: an orphan's exit status is for whoever is PID 1 to collect.
check "the SUT's process ($sut_pid) is gone" \
    eval "[[ \$(awk '{print \$3}' /proc/$sut_pid/stat 2> /dev/null) =~ ^(Z|)\$ ]]"
check "the SUT's directory is removed" test ! -e "$T_TMP/sut"
if [ "$show" = --show ]; then
    printf '\n-- what fedsim serve printed (DNS, s2s, dialback, stanzas):\n'
    cut -c 1-160 "$out" | sed 's/^/   /'
    printf '\n'
fi
t_done
