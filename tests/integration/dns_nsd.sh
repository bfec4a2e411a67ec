#!/usr/bin/env bash
# dns_nsd.sh: the differential test of fedsim's DNS responder: the zone files of tests/dns/
# served by `fedsim dns` and by NSD (Debian's nsd, a private instance: its own config, zonesdir,
# pidfile and a free port on 127.0.0.1, no root daemon), every question of
# tests/dns/questions.txt asked of both over UDP, UDP with EDNS and TCP by dns_compare, which
# compares rcode, flags, OPT and the three sections. Differences listed in
# tests/dns/known-differences.txt are expected (each is explained in docs/dns.md) and must
# occur; any other difference fails the test.
#
# usage: dns_nsd.sh FEDSIM DNS_COMPARE SOURCE_DIR
# Runs itself inside a network namespace of its own when it can (root): loopback only.
set -euo pipefail
fedsim=$1 compare=$2 src=$3
if [ -z "${FEDSIM_DNS_NSD_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && command -v ip > /dev/null &&
    unshare -n true 2> /dev/null; then
    FEDSIM_DNS_NSD_NETNS=1 exec unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' \
        "$0" "$@"
fi
. "$src/tests/integration/lib.sh"

if ! command -v nsd > /dev/null 2>&1 && [ ! -x /usr/sbin/nsd ]; then
    echo "nsd is not installed (ci/lib.sh installs it)" >&2
    exit 1
fi
PATH=$PATH:/usr/sbin

free_port() { # a port free for TCP and UDP on loopback
    local p=$(((RANDOM % 20000) + 30000))
    while grep -qi ":$(printf '%04X' "$p") " /proc/net/udp /proc/net/tcp 2> /dev/null; do
        p=$((p + 1))
    done
    echo "$p"
}

zones=(diff.test other.test sub.other.test)
nsd_port=$(free_port)
mkdir -p "$T_TMP/nsd"
{
    cat << EOF
server:
    ip-address: 127.0.0.1
    port: $nsd_port
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$src/tests/dns"
    database: ""
    pidfile: "$T_TMP/nsd/nsd.pid"
    xfrdfile: "$T_TMP/nsd/xfrd.state"
    xfrdir: "$T_TMP/nsd"
    zonelistfile: "$T_TMP/nsd/zone.list"
    logfile: "$T_TMP/nsd/nsd.log"
    verbosity: 1
    hide-version: yes
    hide-identity: yes
    minimal-responses: no
    refuse-any: no
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
EOF
    for z in "${zones[@]}"; do
        printf 'zone:\n    name: "%s"\n    zonefile: "%s.zone"\n' "$z" "$z"
    done
} > "$T_TMP/nsd/nsd.conf"
check "nsd-checkconf accepts the private config" nsd-checkconf "$T_TMP/nsd/nsd.conf"
nsd -d -c "$T_TMP/nsd/nsd.conf" > "$T_TMP/nsd.out" 2>&1 &
nsd_pid=$!
at_exit "kill $nsd_pid; wait $nsd_pid"

zone_args=()
for z in "${zones[@]}"; do zone_args+=(--zone "$src/tests/dns/$z.zone"); done
start_bg fedsim '^listening ' "$fedsim" dns "${zone_args[@]}" --listen 127.0.0.1:0 \
    --log /dev/null

# NSD is ready once it answers (5 s at most).
ready=0
for _ in $(seq 50); do
    if dig +norec +time=1 +tries=1 -p "$nsd_port" @127.0.0.1 diff.test SOA 2> /dev/null |
        grep -q 'status: NOERROR'; then
        ready=1
        break
    fi
    sleep 0.1
done
check "NSD answers on 127.0.0.1:$nsd_port" test $ready -eq 1
[ $ready -eq 1 ] || { cat "$T_TMP/nsd.out" "$T_TMP/nsd/nsd.log" 2> /dev/null; t_done; }
grep -i 'warning\|error' "$T_TMP/nsd/nsd.log" 2> /dev/null | sed 's/^/# nsd: /' || true

rc=0
"$compare" "$src/tests/dns/questions.txt" "$LISTEN_fedsim" "127.0.0.1:$nsd_port" \
    "$src/tests/dns/known-differences.txt" > "$T_TMP/compare.out" 2>&1 || rc=$?
cat "$T_TMP/compare.out"
summary=$(tail -n 1 "$T_TMP/compare.out")
check "fedsim (A) and NSD (B) agree but for the documented differences: $summary" test $rc -eq 0
check "no sanitizer report" no_sanitizer_reports "$T_TMP/fedsim.err"
t_done
