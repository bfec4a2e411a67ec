#!/usr/bin/env bash
# dns_dig.sh: `fedsim dns` driven by dig, the real DNS client: every answering rule of
# docs/dns.md over UDP and TCP, the query log, zone errors with file:line, and the SUT records.
#
# usage: dns_dig.sh FEDSIM DATA_DIR
set -euo pipefail
fedsim=$1 data=$2
. "$(dirname "$0")/lib.sh"

zone=$data/dns-behaviour.zone
start_bg dns '^listening ' "$fedsim" dns --zone "$zone" --log "$T_TMP/dns.log"
port=${LISTEN_dns##*:}
last=$T_TMP/dig.out

# q ARGS...: one dig exchange with fedsim; the output is kept in $last for the checks.
q() { dig @127.0.0.1 -p "$port" +norec +time=2 +tries=1 "$@" > "$last" 2>&1 || true; }
has() { grep -qE -- "$1" "$last"; }
# expect DESCRIPTION REGEX...: every REGEX is in the last answer.
expect() {
    local desc=$1 re
    shift
    for re in "$@"; do
        if ! has "$re"; then
            not_ok "$desc (no match for /$re/)" "$last" "$T_TMP/dns.err" "$T_TMP/dns.log"
            return
        fi
    done
    ok "$desc"
}

q _xmpp-server._tcp.t1.test SRV
expect "SRV answer, AA, targets' A/AAAA in additional" 'flags: qr aa;' 'status: NOERROR' \
    'ANSWER: 2,' 'SRV\s+5 0 5269 xmpp.t1.test.' '^xmpp.t1.test.\s+30\s+IN\s+A\s+127.0.0.21' \
    '^xmpp.t1.test.\s+30\s+IN\s+AAAA\s+::1' '^backup.t1.test.\s+30\s+IN\s+A\s+127.0.0.22'
q +tcp _xmpp-server._tcp.t1.test SRV
expect "the same over TCP" 'flags: qr aa;' 'ANSWER: 2,' 'ADDITIONAL: 4'
q nothing.t1.test A
expect "NXDOMAIN with the zone's SOA (negative TTL) in authority" 'status: NXDOMAIN' \
    'AUTHORITY: 1' '^t1.test.\s+10\s+IN\s+SOA'
q xmpp.t1.test TXT
expect "NODATA for another type: NOERROR, no answer, SOA" 'status: NOERROR' 'ANSWER: 0,' \
    'AUTHORITY: 1' 'IN\s+SOA'
q ent.t1.test A
expect "NODATA for an empty non-terminal" 'status: NOERROR' 'ANSWER: 0,' 'IN\s+SOA'
q one.t1.test A
expect "a two-link CNAME chain is followed" 'ANSWER: 3,' '^one.t1.test.\s.*CNAME\s+two.t1.test.' \
    '^two.t1.test.\s.*CNAME\s+xmpp.t1.test.' '^xmpp.t1.test.\s.*A\s+127.0.0.21'
q away.t1.test A
expect "a CNAME leaving the served zones ends the answer" 'status: NOERROR' 'ANSWER: 1,' \
    'CNAME\s+www.example.com.'
q www.example.com A
expect "REFUSED outside every zone" 'status: REFUSED'
q _XMPP-SERVER._tcp.T1.Test SRV
expect "names match case-insensitively; the question is echoed as asked" 'ANSWER: 2,' \
    '^;_XMPP-SERVER._tcp.T1.Test.\s+IN\s+SRV'
q xmpp.t1.test A
expect "EDNS0: OPT echoed with fedsim's size" 'EDNS: version: 0' 'udp: 1232'
q +noedns xmpp.t1.test A
if has 'OPT PSEUDOSECTION'; then not_ok "no OPT without EDNS" "$last"; else ok "no OPT without EDNS"; fi
q +bufsize=4096 +ignore txt.mid.test TXT
expect "the client's UDP size is honoured (2.5 KB whole with bufsize 4096)" 'ANSWER: 60,'
q +bufsize=1232 +ignore txt.mid.test TXT
expect "... and truncated with bufsize 1232" 'flags: qr aa tc;' 'ANSWER: 0,'
q +ignore _xmpp-server._tcp.big.test SRV
expect "40 SRV records over UDP: TC=1, no answers" 'flags: qr aa tc;' 'ANSWER: 0,'
q +tcp _xmpp-server._tcp.big.test SRV
expect "... and whole over TCP" 'ANSWER: 40,' 'ADDITIONAL: 41'
before=$(wc -l < "$T_TMP/dns.log")
q _xmpp-server._tcp.big.test SRV
expect "plain dig retries over TCP and gets all 40" 'ANSWER: 40,'
tail -n +"$((before + 1))" "$T_TMP/dns.log" > "$T_TMP/retry.log"
check "the log shows the truncated UDP answer, then the TCP one" \
    grep -qE 'udp .* _xmpp-server._tcp.big.test. SRV NOERROR 0 tc$' "$T_TMP/retry.log"
check "... (tcp line)" grep -qE 'tcp .* _xmpp-server._tcp.big.test. SRV NOERROR 40$' \
    "$T_TMP/retry.log"

# Garbage: a header promising a question, then a name cut short.
printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x3f\x61\x62' > /dev/udp/127.0.0.1/"$port"
check "a garbage datagram gets FORMERR (log)" wait_for "$T_TMP/dns.log" 'udp .* - - FORMERR 0' 5
q xmpp.t1.test A
expect "the next query is answered normally" 'status: NOERROR' 'ANSWER: 1,'
check "every log line has the documented fields" \
    eval "! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (udp|tcp) 127\.0\.0\.1:[0-9]+ [^ ]+ [^ ]+ [A-Z]+ [0-9]+( tc)?$' '$T_TMP/dns.log'"

# Several queries on one TCP connection, then the summary at shutdown counts them.
dig @127.0.0.1 -p "$port" +norec +tcp +keepopen +time=2 +tries=1 \
    xmpp.t1.test A backup.t1.test A one.t1.test A > "$last" 2>&1 || true
check "three queries over one kept-open TCP connection are answered" \
    test "$(grep -c 'status: NOERROR' "$last")" -eq 3
kill "$PID_dns"
wait "$PID_dns" || true
summary=$(grep 'stopped after' "$T_TMP/dns.err" || true)
tcpq=$(sed -nE 's/.* ([0-9]+) tcp queries.*/\1/p' <<< "$summary")
tcpc=$(sed -nE 's/.*\(([0-9]+) tcp connections\).*/\1/p' <<< "$summary")
check "SIGTERM stops it with a summary ($summary)" test -n "$tcpq"
check "TCP carried more queries ($tcpq) than connections ($tcpc)" test "${tcpq:-0}" -gt "${tcpc:-0}"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/dns.err"

# Idle TCP connections are closed.
start_bg idle '^listening ' "$fedsim" dns --zone "$zone" --tcp-idle 0.3 --log /dev/null
exec {fd}<> "/dev/tcp/127.0.0.1/${LISTEN_idle##*:}"
if timeout 3 cat <&"$fd" > /dev/null; then ok "an idle TCP connection is closed (--tcp-idle 0.3)"
else not_ok "an idle TCP connection is closed" "$T_TMP/idle.err"; fi
exec {fd}>&-

# Zone errors: file:line, exit status 2.
zone_error() {
    local desc=$1 want=$2 rc=0
    printf '%b' "$3" > "$T_TMP/bad.zone"
    "$fedsim" dns --check --zone "$T_TMP/bad.zone" > /dev/null 2> "$T_TMP/bad.err" || rc=$?
    if [ $rc -eq 2 ] && grep -qF "$T_TMP/bad.zone:$want" "$T_TMP/bad.err"; then ok "$desc"
    else not_ok "$desc (exit $rc)" "$T_TMP/bad.err"; fi
}
zone_error "a record that does not parse: exit 2 and file:line" "5: " \
    '$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\n\n; a comment\nbad SRV 1 2 notaport t\n'
zone_error "a record outside every zone: file:line" "3: other.test. is outside" \
    '$ORIGIN x.test.\n@ SOA ns h 1 2 3 4 5\nother.test. A 127.0.0.1\n'
"$fedsim" dns --check --zone "$zone" > "$last"
expect "--check prints a summary" '^fedsim dns: 3 zones, ' '^  t1.test. +.*dns-behaviour.zone:9$'

# The SUT's own records, from a SUT file; none when a zone file covers its domain.
printf 'name = test\ndomain = sut.test\nc2s = 127.0.0.1:1\ns2s = 127.0.0.1:25269\ndns = 127.0.0.1:0\n' \
    > "$T_TMP/sut"
start_bg sut '^listening ' "$fedsim" dns --sut "$T_TMP/sut" --zone "$zone" --log /dev/null
port=${LISTEN_sut##*:}
q _xmpp-server._tcp.sut.test SRV
expect "--sut synthesizes the SUT's SRV (port from the SUT file) and target address" \
    'SRV\s+0 0 25269 s2s.sut.test.' '^s2s.sut.test.\s+5\s+IN\s+A\s+127.0.0.1'
printf '$ORIGIN sut.test.\n@ SOA ns h 1 2 3 4 5\n' > "$T_TMP/sut.zone"
start_bg cover '^listening ' "$fedsim" dns --sut "$T_TMP/sut" --zone "$T_TMP/sut.zone" \
    --log /dev/null
port=${LISTEN_cover##*:}
q _xmpp-server._tcp.sut.test SRV
expect "a zone file covering the SUT's domain wins: no SRV (field bug: SRV missing)" \
    'status: NXDOMAIN'
t_done
