#!/usr/bin/env bash
# hostile.sh: a hostile client (tests/integration/hostile.c) against fedsim's own listeners,
# `fedsim serve` with a plain (gtalk) and a STARTTLS (webex) peer and fedsim's DNS: billion
# laughs, an external entity, a 10 MB stanza, 100,000-deep nesting, invalid UTF-8, a NUL byte,
# TLS bytes where a stream belongs, garbage after STARTTLS, a 1-byte-per-second writer, a
# half-open connection, 1,000 simultaneous streams, a DNS flood, malformed DNS packets (a
# compression-pointer loop...), a stalled DNS-over-TCP length; and fedsim's c2s client against
# a hostile c2s server (a DTD, a 10 MB stanza, deep nesting, bad UTF-8, a 1-byte-per-second
# and a silent server). Then the connection limits: more idle TCP connections than `fedsim
# dns` takes (per client address, and with --tcp-max), some with garbage and lying lengths, and
# more idle connections to a peer than its file descriptors: a normal query over UDP and TCP,
# and a fresh stream, are answered within 2 s; warnings one line a second; peak RSS printed. Each ends with the expected stream error or verdict; fedsim keeps serving (the slow attacks run beside the others, and a
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
for mode in laughs big deep utf8 slow silent ise hostunknown; do
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
    # <internal-server-error/> before authentication: the login is tried once more, then fails;
    # any other stream error fails it at once.
    ise) want='fail .*alice could not log in: stream error from the SUT: internal-server-error' ;;
    hostunknown) want='fail .*alice could not log in: stream error from the SUT: host-unknown' ;;
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
    retries=$(grep -c 'login tried again' "$T_TMP/c2s-$mode.out" || true)
    case $mode in
    ise) check "... tried again once, not more ($retries): $(grep -o 'login tried again: the SUT ended it before authenticating it' "$T_TMP/c2s-$mode.out" | head -n 1)" \
        [ "$retries" -eq 1 ] ;;
    *) check "... not tried again ($retries)" [ "$retries" -eq 0 ] ;;
    esac
done

hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID_serve/status")
echo "# fedsim serve's peak RSS through all of it: $hwm kB"
check "... its peak RSS stays bounded: $hwm kB (at most $rss_limit kB)" test "$hwm" -le "$rss_limit"
n=$(grep -c 'bad XML from the other side' "$T_TMP/serve.out" || true)
check "... and the peers reported the 7 malformed streams ($n)" test "$n" -ge 7
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/serve.err"
kill "$PID_serve" 2> /dev/null || true
wait "$PID_serve" 2> /dev/null || true

# --- More idle connections than the limit, then a normal query or stream within 2 s: fedsim
# dns closes the TCP connection idle the longest (RFC 7766 §6.2) instead of refusing the new
# one; a peer out of file descriptors closes its oldest stream not established.
# warned_ok FILE REGEX SECONDS: the warning is rate-limited (a line a second at most, plus one).
warned_ok() { test "$(grep -cE "$2" "$1" || true)" -le $(($3 + 2)); }
for inst in dnsidle dnsmax; do
    dport=$(free_port)
    extra=()
    [ $inst = dnsmax ] && extra=(--tcp-max 64 --tcp-max-per-client 1000)
    start_bg "$inst" '^listening ' "$fedsim" dns --zone "$src/dnsfixtures/federation.zone" \
        --listen "127.0.0.1:$dport" --log /dev/null "${extra[@]}"
    t0=$SECONDS
    if [ $inst = dnsidle ]; then
        attack "$inst" dnsidle "127.0.0.1:$dport" 300
        check "$line (300 idle > the 192 one client address may hold)" test $rc -eq 0
    else
        attack "$inst" dnsidle "127.0.0.1:$dport" 100
        check "$line (100 idle > --tcp-max 64)" test $rc -eq 0
    fi
    pid_var=PID_$inst
    hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/${!pid_var}/status")
    echo "# fedsim dns's peak RSS with the idle connections: $hwm kB"
    check "... its peak RSS stays bounded: $hwm kB (at most $rss_limit kB)" test "$hwm" -le "$rss_limit"
    check "... the warning is one line a second: $(grep -m 1 -oE 'closed [0-9]+ connections? idle.*' "$T_TMP/$inst.err")" \
        warned_ok "$T_TMP/$inst.err" 'TCP connection limits reached' $((SECONDS - t0))
    kill "${!pid_var}" 2> /dev/null || true
    wait "${!pid_var}" 2> /dev/null || true
    check "... no sanitizer report" no_sanitizer_reports "$T_TMP/$inst.err"
done
# A peer limited to 256 file descriptors, 400 idle connections held to its listener.
printf 'name = none\ndomain = sut.test\nc2s = 127.0.0.1:1\ns2s = 127.0.0.1:1\ndns = 127.0.0.1:%s\n' \
    "$(free_port)" > "$T_TMP/sut2"
T_STDIN=/dev/null start_bg serve2 'listening on 127\.0\.0\.2:5269' prlimit --nofile=256:256 \
    "$fedsim" serve --sut "$T_TMP/sut2" --zone "$src/dnsfixtures/federation.zone" \
    --peer gmail.test=gtalk
t0=$SECONDS
attack idle idle 127.0.0.2:5269 400
check "$line (400 idle > the 256 file descriptors of fedsim serve)" test $rc -eq 0
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID_serve2/status")
echo "# fedsim serve's peak RSS with the idle connections: $hwm kB"
check "... its peak RSS stays bounded: $hwm kB (at most $rss_limit kB)" test "$hwm" -le "$rss_limit"
check "... the accept warning is one line a second: $(grep -m 1 -oE 'failed [0-9]+ times?: .*' "$T_TMP/serve2.err")" \
    warned_ok "$T_TMP/serve2.err" 'accept on 127.0.0.2:5269 failed' $((SECONDS - t0))
kill "$PID_serve2" 2> /dev/null || true
wait "$PID_serve2" 2> /dev/null || true
check "no sanitizer report" no_sanitizer_reports "$T_TMP/serve.err" "$T_TMP/serve2.err"
t_done
