#!/usr/bin/env bash
# dns_dig.sh: `fedsim dns` driven by dig, the real DNS client: the answering rules of
# docs/dns.md over UDP and TCP, TCP connection handling, the query log, zone files that do not
# load (file:line, exit 2), --check, and the SUT's own records. Fixtures: DATA_DIR/dns-*.zone.
#
# usage: dns_dig.sh FEDSIM DATA_DIR
#
# One "ok - ..." line per check; a failing check prints the output it looked at, the last lines
# of fedsim's stderr and query log, and the script exits 1 after the rest of the checks.
set -euo pipefail
fedsim=$1 data=$2
. "$(dirname "$0")/lib.sh"

zone=$data/dns-behaviour.zone
out=$T_TMP/out # what the last dig (or other command under test) printed
inst=          # the fedsim the checks look at: $T_TMP/$inst.err, .log, .out
port=          # ... and its port
rc=0           # exit status of the last `run`

# fail DESCRIPTION: a failed check, with the evidence.
fail() {
    local f
    not_ok "$1"
    for f in "$out" "$T_TMP/$inst.err" "$T_TMP/$inst.log"; do
        [ -s "$f" ] || continue
        if [ "$f" = "$out" ]; then printf '  --- output:\n'; sed 's/^/  | /' "$f"
        else printf '  --- last lines of %s:\n' "$f"; tail -n 25 "$f" | sed 's/^/  | /'; fi
    done
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds (lib.sh's check, with the evidence).
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# expect DESCRIPTION REGEX...: every REGEX (grep -E) matches a line of $out; "!REGEX": none does.
expect() {
    local desc=$1 re
    shift
    for re in "$@"; do
        if [[ $re == !* ]]; then
            grep -qE -- "${re#!}" "$out" || continue
        else
            grep -qE -- "$re" "$out" && continue
        fi
        fail "$desc (/$re/)"
        return 0
    done
    ok "$desc"
}

# q ARGS...: one dig exchange with the current fedsim; its output in $out.
q() { dig @127.0.0.1 -p "$port" +norec +time=2 +tries=1 "$@" > "$out" 2>&1 || true; }

# types SECTION: the types of the records of dig's SECTION ("ANSWER"...) in $out, in order.
types() { sed -n "/^;; $1 SECTION:/,/^\$/{/^[^;]/p}" "$out" | awk '{print $4}' | paste -sd ' '; }

# every_line REGEX FILE: every line of FILE matches REGEX (grep -E).
every_line() { ! grep -qvE -- "$1" "$2"; }

# run NAME COMMAND...: runs a command under test: stdout in $out, stderr in $T_TMP/NAME.err,
# exit status in $rc.
run() {
    inst=$1
    shift
    rc=0
    "$@" > "$out" 2> "$T_TMP/$inst.err" || rc=$?
}

# serve NAME ARGS...: starts `fedsim dns ARGS` on 127.0.0.1:0 (log in $T_TMP/NAME.log, stopped
# at exit) and makes it the current fedsim; fails unless the first stdout line is
# "listening ADDR:PORT" within the bounded wait of start_bg.
serve() {
    local v=LISTEN_$1
    inst=$1
    shift
    start_bg "$inst" '^listening ' "$fedsim" dns --listen 127.0.0.1:0 --log "$T_TMP/$inst.log" "$@"
    port=${!v##*:}
    head -n 1 "$T_TMP/$inst.out" > "$out"
    expect "$inst: the first stdout line is \"listening ADDR:PORT\"" '^listening 127\.0\.0\.1:[0-9]+$'
}

# stop: SIGTERM to the current fedsim; it exits 0 after its summary line (in $summary).
stop() {
    local v=PID_$inst
    rc=0
    kill -TERM "${!v}"
    wait "${!v}" || rc=$?
    summary=$(grep 'stopped after' "$T_TMP/$inst.err" || true)
    : > "$out"
    check "$inst: SIGTERM stops it with exit 0 (got $rc) and a summary" \
        test "$rc" -eq 0 -a -n "$summary"
}

# summary_count WHAT: a number from the summary: "udp", "tcp" (queries) or "conns".
summary_count() {
    case $1 in
    udp) sed -nE 's/.* ([0-9]+) udp and .*/\1/p' <<< "$summary" ;;
    tcp) sed -nE 's/.* ([0-9]+) tcp queries.*/\1/p' <<< "$summary" ;;
    conns) sed -nE 's/.*\(([0-9]+) tcp connections[,)].*/\1/p' <<< "$summary" ;;
    esac
}

# zone_error DESCRIPTION FILE: FILE does not load: exit 2 and "FILE:LINE: " on stderr, LINE
# being the one marked "; <- error:" in the file.
zone_error() {
    local desc=$1 file=$2 name line
    name=$(basename "$file" .zone)
    line=$(grep -n '; <- error:' "$file" | cut -d: -f1)
    run "$name" timeout 5 "$fedsim" dns --zone "$file" --listen 127.0.0.1:0 --log /dev/null
    check "$desc: exit status 2 (got $rc)" test "$rc" -eq 2
    check "$desc: \"$file:$line: \" on stderr" grep -qF -- "$file:$line: " "$T_TMP/$inst.err"
}

# --- Answers, over UDP unless said otherwise.
serve main --zone "$zone"

q _xmpp-server._tcp.gmail.test SRV
expect "SRV answer, AA set, the targets' A and AAAA in the additional section" \
    'status: NOERROR' 'flags: qr aa;' 'ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 4$' \
    '^_xmpp-server._tcp.gmail.test.\s+30\s+IN\s+SRV\s+5 0 5269 xmpp.gmail.test.$' \
    '^_xmpp-server._tcp.gmail.test.\s+30\s+IN\s+SRV\s+20 0 5269 backup.gmail.test.$' \
    '^xmpp.gmail.test.\s+30\s+IN\s+A\s+127.0.0.21$' '^xmpp.gmail.test.\s+30\s+IN\s+AAAA\s+::1$' \
    '^backup.gmail.test.\s+30\s+IN\s+A\s+127.0.0.22$'
q +tcp _xmpp-server._tcp.gmail.test SRV
expect "... the same over TCP" 'status: NOERROR' 'flags: qr aa;' \
    'ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 4$' '\(TCP\)$'

q nothing.gmail.test A
expect "NXDOMAIN with the zone's SOA in authority (TTL min(SOA TTL, MINIMUM))" \
    'status: NXDOMAIN' 'flags: qr aa;' 'ANSWER: 0, AUTHORITY: 1,' \
    '^gmail.test.\s+10\s+IN\s+SOA\s+ns.gmail.test. hostmaster.gmail.test. 1 60 60 600 10$'
q xmpp.gmail.test TXT
expect "NODATA for an existing name and another type: NOERROR, no answer, SOA" \
    'status: NOERROR' 'flags: qr aa;' 'ANSWER: 0, AUTHORITY: 1,' '^gmail.test.\s+10\s+IN\s+SOA'
q ent.gmail.test A
expect "NODATA for an empty non-terminal" \
    'status: NOERROR' 'flags: qr aa;' 'ANSWER: 0, AUTHORITY: 1,' '^gmail.test.\s+10\s+IN\s+SOA'

q one.gmail.test A
expect "a two-link CNAME chain inside the zones is followed" 'status: NOERROR' 'ANSWER: 3,' \
    '^one.gmail.test.\s+30\s+IN\s+CNAME\s+two.gmail.test.$' \
    '^two.gmail.test.\s+30\s+IN\s+CNAME\s+xmpp.gmail.test.$' \
    '^xmpp.gmail.test.\s+30\s+IN\s+A\s+127.0.0.21$'
check "... in chain order: CNAME CNAME A (got: $(types ANSWER))" test "$(types ANSWER)" = "CNAME CNAME A"
q away.gmail.test A
expect "a CNAME leaving the served zones: the CNAME alone, NOERROR" \
    'status: NOERROR' 'ANSWER: 1, AUTHORITY: 0,' '^away.gmail.test.\s+30\s+IN\s+CNAME\s+www.example.com.$'

q www.example.com A
expect "REFUSED for a name outside every zone" 'status: REFUSED' 'ANSWER: 0,'

q _XMPP-SERVER._tcp.Gmail.TEST SRV
expect "names match case-insensitively; the question is echoed exactly as asked" \
    'status: NOERROR' 'ANSWER: 2,' '^;_XMPP-SERVER._tcp.Gmail.TEST.\s+IN\s+SRV$' \
    'SRV\s+5 0 5269 xmpp.gmail.test.$'

# --- EDNS0 and sizes.
q +bufsize=4096 xmpp.gmail.test A
expect "EDNS0: the OPT record is echoed, with fedsim's own size" 'status: NOERROR' \
    '^; EDNS: version: 0, flags:; udp: 1232$'
q +noedns xmpp.gmail.test A
expect "... and no OPT record without EDNS0" 'status: NOERROR' 'ANSWER: 1,' \
    'ADDITIONAL: 0$' '!OPT PSEUDOSECTION'
q +edns=1 +noednsnegotiation xmpp.gmail.test A
expect "BADVERS for an EDNS version other than 0" 'status: BADVERS' 'ANSWER: 0,'
q +opcode=notify xmpp.gmail.test A
expect "NOTIMP for an opcode other than QUERY" 'status: NOTIMP'

q +tcp txt.mid.test TXT
size=$(sed -n 's/^;; MSG SIZE  rcvd: //p' "$out")
expect "txt.mid.test TXT is $size bytes whole (over TCP)" 'flags: qr aa;' 'ANSWER: 60,'
check "... ($size is more than 1232)" test "${size:-0}" -gt 1232
q +bufsize=4096 +ignore txt.mid.test TXT
expect "... over UDP, the client's size counts up to fedsim's own 1232 bytes: TC with +bufsize=4096" \
    'status: NOERROR' 'flags: qr aa tc;' 'ANSWER: 0,' '^;txt.mid.test.\s+IN\s+TXT$'
q +bufsize=1232 +ignore txt.mid.test TXT
expect "... and with +bufsize=1232" 'status: NOERROR' 'flags: qr aa tc;' \
    'ANSWER: 0,' '^;txt.mid.test.\s+IN\s+TXT$'

q +ignore _xmpp-server._tcp.big.test SRV
expect "40 SRV records over UDP: TC=1 and no answers" 'status: NOERROR' 'flags: qr aa tc;' \
    'ANSWER: 0, AUTHORITY: 0,'
q +tcp _xmpp-server._tcp.big.test SRV
expect "... whole over TCP: 40 answers, the 40 targets' addresses" 'status: NOERROR' \
    'flags: qr aa;' 'ANSWER: 40, AUTHORITY: 0, ADDITIONAL: 41$' \
    '^_xmpp-server._tcp.big.test.\s+30\s+IN\s+SRV\s+10 39 5269 a-rather-long-target-name-for-xmpp-server-39.big.test.$' \
    '^a-rather-long-target-name-for-xmpp-server-39.big.test.\s+30\s+IN\s+A\s+127.0.1.40$'
before=$(wc -l < "$T_TMP/main.log")
q _xmpp-server._tcp.big.test SRV
expect "plain dig gets TC=1 over UDP, retries over TCP and gets all 40" \
    'Truncated, retrying in TCP mode' 'ANSWER: 40,' '\(TCP\)$'
tail -n +"$((before + 1))" "$T_TMP/main.log" > "$out"
check "... the log shows one UDP query answered with tc" \
    test "$(grep -cE ' udp [^ ]+ _xmpp-server._tcp.big.test. SRV NOERROR 0 tc$' "$out")" -eq 1
check "... and one TCP query answered with 40 records" \
    test "$(grep -cE ' tcp [^ ]+ _xmpp-server._tcp.big.test. SRV NOERROR 40$' "$out")" -eq 1
check "... and nothing else" test "$(wc -l < "$out")" -eq 2

# --- Several queries on one TCP connection.
before=$(wc -l < "$T_TMP/main.log")
q +tcp +keepopen xmpp.gmail.test A backup.gmail.test A nothing.gmail.test A
expect "three queries over one kept-open TCP connection are all answered" \
    '^xmpp.gmail.test.\s+30\s+IN\s+A\s+127.0.0.21$' '^backup.gmail.test.\s+30\s+IN\s+A\s+127.0.0.22$' \
    'status: NXDOMAIN'
tail -n +"$((before + 1))" "$T_TMP/main.log" | awk '$2 == "tcp" {print $3}' | sort -u > "$out"
check "... and the log shows them from one client port" test "$(wc -l < "$out")" -eq 1

# --- An undecodable query (a name cut short), then a normal one.
exec {udp}<> "/dev/udp/127.0.0.1/$port"
printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff\xff' >&"$udp"
{ timeout 3 head -c 12 <&"$udp" | od -An -tx1 > "$out"; } || true
exec {udp}>&-
expect "FORMERR for an undecodable query: header only, ID and RD echoed" \
    '^ 12 34 81 01 00 00 00 00 00 00 00 00$'
check "... and its log line says FORMERR" \
    wait_for "$T_TMP/main.log" '^[^ ]+ udp 127\.0\.0\.1:[0-9]+ - - FORMERR 0$' 5
q xmpp.gmail.test A
expect "... the next query is answered normally" 'status: NOERROR' 'flags: qr aa;' 'ANSWER: 1,' \
    '^xmpp.gmail.test.\s+30\s+IN\s+A\s+127.0.0.21$'

# --- The query log.
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
cp "$T_TMP/main.log" "$out"
expect "--log: TIME udp|tcp CLIENT QNAME QTYPE RCODE ANSWERS, in that order" \
    "^$ts udp 127\.0\.0\.1:[0-9]+ _xmpp-server\._tcp\.gmail\.test\. SRV NOERROR 2$" \
    "^$ts tcp 127\.0\.0\.1:[0-9]+ _xmpp-server\._tcp\.gmail\.test\. SRV NOERROR 2$" \
    "^$ts udp 127\.0\.0\.1:[0-9]+ nothing\.gmail\.test\. A NXDOMAIN 0$" \
    "^$ts udp 127\.0\.0\.1:[0-9]+ _XMPP-SERVER\._tcp\.Gmail\.TEST\. SRV NOERROR 2$" \
    "^$ts udp 127\.0\.0\.1:[0-9]+ www\.example\.com\. A REFUSED 0$"
check "... every line has those fields" \
    every_line "^$ts (udp|tcp) 127\.0\.0\.1:[0-9]+ [^ ]+ [^ ]+ [A-Z]+ [0-9]+( tc)?$" "$out"

stop
check "the summary counts more TCP queries ($(summary_count tcp)) than TCP connections ($(summary_count conns))" \
    test "$(summary_count tcp)" -gt "$(summary_count conns)"
check "the log has one line per query ($(summary_count udp) udp + $(summary_count tcp) tcp)" \
    test "$(wc -l < "$T_TMP/main.log")" -eq "$(($(summary_count udp) + $(summary_count tcp)))"

# --- Idle TCP connections are closed.
serve idle --zone "$zone" --tcp-idle 0.3
exec {tcp}<> "/dev/tcp/127.0.0.1/$port"
t0=${EPOCHREALTIME//[.,]/}
rc=0
read -r -t 3 -u "$tcp" _ || rc=$?
ms=$(((${EPOCHREALTIME//[.,]/} - t0) / 1000))
exec {tcp}>&-
check "--tcp-idle 0.3: an idle TCP connection is closed (EOF after $ms ms)" \
    test "$rc" -eq 1 -a "$ms" -ge 250
stop

# --- Under pressure (3/4 of --tcp-max open), idle connections time out five times sooner
# (RFC 7766 §6.2.3): with --tcp-idle 5 and 6 of --tcp-max 8 open, after 1 s, not 5 s.
serve pressure --zone "$zone" --tcp-idle 5 --tcp-max 8 --tcp-max-per-client 8
held=()
for _ in 1 2 3 4 5 6; do
    exec {tcp}<> "/dev/tcp/127.0.0.1/$port"
    held+=("$tcp")
done
t0=${EPOCHREALTIME//[.,]/}
rc=0
read -r -t 4 -u "${held[0]}" _ || rc=$?
ms=$(((${EPOCHREALTIME//[.,]/} - t0) / 1000))
for tcp in "${held[@]}"; do exec {tcp}>&-; done
check "6 of --tcp-max 8 open: an idle connection is closed after $ms ms (a fifth of --tcp-idle 5)" \
    test "$rc" -eq 1 -a "$ms" -lt 3000
stop

# --- The SUT's own records.
s2s_port=15269
printf '%s\n' 'name = prosody' 'domain = sut.test' 'c2s = 127.0.0.1:15222' \
    "s2s = 127.0.0.1:$s2s_port" 'dns = 127.0.0.1:0' 'account = user1 secret' > "$T_TMP/sut"
serve sut --zone "$zone" --sut "$T_TMP/sut"
q _xmpp-server._tcp.sut.test SRV
expect "--sut synthesizes the SUT's SRV (port from s2s) with its target's A" 'status: NOERROR' \
    'flags: qr aa;' 'ANSWER: 1,' "^_xmpp-server._tcp.sut.test.\s+5\s+IN\s+SRV\s+0 0 $s2s_port s2s.sut.test.$" \
    '^s2s.sut.test.\s+5\s+IN\s+A\s+127.0.0.1$'
q xmpp.gmail.test A
expect "... next to the zone files" 'status: NOERROR' 'ANSWER: 1,'
stop

serve cover --zone "$zone" --zone "$data/dns-sut-cover.zone" --sut "$T_TMP/sut"
q _xmpp-server._tcp.sut.test SRV
expect "a zone file covering the SUT's domain wins: no SRV synthesized" 'status: NXDOMAIN' \
    '^sut.test.\s+10\s+IN\s+SOA\s+ns.sut.test. hostmaster.sut.test. 7 '
q s2s.sut.test A
expect "... the fixture's records are served" 'status: NOERROR' '^s2s.sut.test.\s+30\s+IN\s+A\s+127.0.0.9$'
cp "$T_TMP/cover.err" "$out"
expect "... and stderr says so" '^fedsim dns: SUT sut.test: a zone file covers it'
stop

# --- Zone files: --check, and files that do not load.
run check "$fedsim" dns --check --zone "$zone"
want=$(awk -v f="$zone" '$1 == "$ORIGIN" {o = $2} $2 == "SOA" {print o, f ":" NR}' "$zone")
check "--check exits 0 (got $rc)" test "$rc" -eq 0
expect "... prints a summary" "^fedsim dns: $(wc -l <<< "$want") zones, [0-9]+ records$"
check "... listing every zone with its SOA's file:line" \
    test "$(sed -n 's/^  //p' "$out" | awk '{print $1, $2}')" = "$want"
zone_error "a record that does not parse" "$data/dns-bad-syntax.zone"
zone_error "a record outside every zone of its file" "$data/dns-bad-outside.zone"
cp "$T_TMP/$inst.err" "$out"
expect "... says so" 'is outside every zone of this file'

# --- Sanitizers (a build with -DSANITIZE=ON): no report on any fedsim's stderr.
inst=none
grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T_TMP"/*.err > "$out" || true
check "no sanitizer report on the stderr of the $(ls "$T_TMP"/*.err | wc -l) fedsim runs" test ! -s "$out"
while read -r f; do
    printf '  --- %s:\n' "$f"
    sed 's/^/  | /' "$f"
done < "$out"
t_done
