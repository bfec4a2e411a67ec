#!/usr/bin/env bash
# listen_warning.sh: fedsim's listeners belong on loopback; one given elsewhere (here the
# wildcard, inside a network namespace of the test's own, where only lo exists) is served with
# a warning on stderr; a loopback one gets none.
#
# usage: listen_warning.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"

if ! unshare -n true 2> /dev/null; then
    echo "skipped: needs a network namespace of its own (root)"
    exit 77
fi
serve() { # NAME ADDR: fedsim dns on ADDR for a second, in a private network namespace
    unshare -n sh -c "ip link set lo up && exec timeout -s INT 1 '$fedsim' dns --listen '$2' \
        --zone '$src/dnsfixtures/federation.zone'" > "$T_TMP/$1.out" 2> "$T_TMP/$1.err" || true
}
serve wildcard 0.0.0.0:5300
check "the wildcard address: served, with a warning naming it" eval "
    grep -q '^listening ' '$T_TMP/wildcard.out' &&
    grep -q 'listening on 0.0.0.0:5300 (udp), which is not a loopback address' '$T_TMP/wildcard.err'"
serve loopback 127.0.0.1:5300
check "a loopback address: no warning" eval "
    grep -q '^listening ' '$T_TMP/loopback.out' && ! grep -q 'not a loopback' '$T_TMP/loopback.err'"
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/wildcard.out" "$T_TMP/wildcard.err"
t_done
