#!/usr/bin/env bash
# hostile.sh: a hostile client (tests/integration/hostile.c) against fedsim's own listeners,
# `fedsim serve` with a plain (gtalk) and a STARTTLS (webex) peer and fedsim's DNS: billion
# laughs, an external entity, a 10 MB stanza, 100,000-deep nesting, invalid UTF-8, a NUL byte,
# TLS bytes where a stream belongs, garbage after STARTTLS, a 1-byte-per-second writer, a
# half-open connection, 1,000 simultaneous streams, a DNS flood, malformed DNS packets (a
# compression-pointer loop...), a stalled DNS-over-TCP length; and fedsim's c2s client against
# a hostile c2s server (a DTD, a 10 MB stanza, deep nesting, bad UTF-8, a 1-byte-per-second
# and a silent server). Each ends with the expected stream error or verdict; fedsim keeps serving (the slow attacks run beside the others, and a
# fresh stream is answered at the end); its peak RSS is printed and bounded.
#
# usage: hostile.sh FEDSIM SOURCE_DIR HOSTILE RSS_LIMIT_KB (ASan's shadow memory needs more)
set -euo pipefail
fedsim=$1 src=$2 hostile=$3 rss_limit=$4
. "$src/tests/integration/lib.sh"

# No SUT is needed: the peers only answer. DNS on a free port.
port=$(( (RANDOM % 20000) + 30000 ))
while grep -qi ":$(printf '%04X' "$port") " /proc/net/udp /proc/net/tcp 2> /dev/null; do
    port=$((port + 1))
done
printf 'name = none\ndomain = sut.test\nc2s = 127.0.0.1:1\ns2s = 127.0.0.1:1\ndns = 127.0.0.1:%s\n' \
    "$port" > "$T_TMP/sut"
T_STDIN=/dev/null start_bg serve 'listening on 127\.0\.0\.3:5269' "$fedsim" serve --sut "$T_TMP/sut" \
    --zone "$src/dnsfixtures/federation.zone" --peer gmail.test=gtalk --peer webex.test=webex
dns=127.0.0.1:$port

attack() { # NAME ATTACK ADDR [ARG]: runs one attack, its line in $T_TMP/NAME.out
    local name=$1
    shift
    rc=0
    timeout 60 "$hostile" "$@" > "$T_TMP/$name.out" 2>&1 || rc=$?
    line=$(head -n 1 "$T_TMP/$name.out")
}
# The slow ones beside the rest: fedsim must go on serving meanwhile.
(attack slow slow 127.0.0.2:5269; echo "$rc" > "$T_TMP/slow.rc") &
slow_pid=$!
(attack halfopen halfopen 127.0.0.2:5269; echo "$rc" > "$T_TMP/halfopen.rc") &
half_pid=$!

for a in laughs xxe; do
    attack "$a" "$a" 127.0.0.2:5269
    check "$line" test $rc -eq 0
done
attack big big 127.0.0.2:5269
check "$line (cut at the 512 KiB stanza limit)" test $rc -eq 0
for a in deep utf8 nul tlsbytes; do
    attack "$a" "$a" 127.0.0.2:5269
    check "$line" test $rc -eq 0
done
HOSTILE_DOMAIN=webex.test attack stg starttls-garbage 127.0.0.3:5269
check "$line" test $rc -eq 0
attack many many 127.0.0.2:5269 1000
check "$line" test $rc -eq 0
attack dnsbad dnsbad "$dns"
check "malformed DNS packets: $(grep -c rcode "$T_TMP/dnsbad.out") answered FORMERR or dropped, then: $(tail -n 1 "$T_TMP/dnsbad.out")" test $rc -eq 0
attack flood dnsflood "$dns" 20000
check "$line" test $rc -eq 0
attack dnstcp dnstcp "$dns"
check "$(paste -sd ';' "$T_TMP/dnstcp.out")" test $rc -eq 0
wait "$slow_pid" "$half_pid" || true
check "$(cat "$T_TMP/slow.out") (the handshake deadline)" test "$(cat "$T_TMP/slow.rc")" -eq 0
check "$(cat "$T_TMP/halfopen.out")" test "$(cat "$T_TMP/halfopen.rc")" -eq 0
attack after many 127.0.0.2:5269 1
check "fedsim still serves: $line" test $rc -eq 0
# fedsim's c2s client against a hostile c2s server: each a clear verdict, bounded.
free_port() { # a port free for TCP and UDP on loopback, below the ephemeral range (32768-)
    local p=$(( (RANDOM % 12000) + 20000 ))
    while grep -qi ":$(printf '%04X' "$p") " /proc/net/udp /proc/net/tcp 2> /dev/null; do
        p=$((p + 1))
    done
    echo "$p"
}
printf 'title: a SUT client meets a hostile server\nclient alice: account user1\n\nalice connects\n' \
    > "$T_TMP/c2s.scn"
for mode in laughs big deep utf8 slow silent; do
    # A port of its own per server: one left in use by an earlier mode's connections would
    # make the next bind fail (seen once in CI as "Connection refused").
    c2s=$(free_port)
    printf 'name = hostile\ndomain = sut.test\nc2s = 127.0.0.1:%s\ns2s = 127.0.0.1:1\ndns = 127.0.0.1:%s\naccount = user1 secret\n' \
        "$c2s" "$(free_port)" > "$T_TMP/c2s-sut"
    case $mode in
    laughs) want='fail .*alice could not log in: bad XML .*a DTD' ;;
    big) want='fail .*alice could not log in: bad XML .*a stanza larger than 524288 bytes' ;;
    deep) want='fail .*alice could not log in: bad XML .*nested deeper than 64' ;;
    utf8) want='fail .*alice could not log in: bad XML .*not well-formed' ;;
    slow | silent) want='error .*stopped answering \(at wait-header, 3000 ms\)' ;;
    esac
    "$hostile" c2s-server "127.0.0.1:$c2s" "$mode" > "$T_TMP/c2s-server.out" 2>&1 &
    server=$!
    wait_for "$T_TMP/c2s-server.out" '^listening' 5 || true
    rc=0
    timeout 30 "$fedsim" run --sut "$T_TMP/c2s-sut" --timeout 3s "$T_TMP/c2s.scn" \
        > "$T_TMP/c2s-$mode.out" 2>&1 || rc=$?
    kill "$server"
    wait "$server" 2> /dev/null || true
    check "c2s client vs a server sending $mode: $(grep -oE "(could not log in|stopped answering).{0,60}" "$T_TMP/c2s-$mode.out" | head -n 1)" \
        eval "{ [ $rc -eq 1 ] || [ $rc -eq 3 ]; } && tr '\n' ' ' < '$T_TMP/c2s-$mode.out' | grep -qE '$want'"
done

hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID_serve/status")
echo "# fedsim serve's peak RSS through all of it: $hwm kB"
check "... its peak RSS stays bounded: $hwm kB (at most $rss_limit kB)" test "$hwm" -le "$rss_limit"
n=$(grep -c 'bad XML from the other side' "$T_TMP/serve.out" || true)
check "... and the peers reported the 7 malformed streams ($n)" test "$n" -ge 7
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/serve.err"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/serve.err"
t_done
