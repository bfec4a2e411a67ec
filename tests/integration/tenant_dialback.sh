#!/usr/bin/env bash
# tenant_dialback.sh: a WebEx-like peer serving tenant domains (tenants=acme|globex) answers
# each tenant's dialback from that tenant's domain (XEP-0220: the answer's from is the request's
# to), also when the SUT's stream header names no domain, as jabberd2 without TLS sends it
# (jabberd2 closes the stream with <invalid-id/> otherwise); a legacy peer without target
# multiplexing (gtalk) takes the stream to be for its first request's domain. The SUT is tenant_dialback.py,
# which also answers the peer's verify connection; fedsim serve runs the peer and the DNS, in a
# network namespace of the test's own.
#
# usage: tenant_dialback.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"

if ! unshare -n true 2> /dev/null; then
    echo "skipped: needs a network namespace of its own (root)"
    exit 77
fi
cat > "$T_TMP/sut" << 'SUT'
name = tenant_dialback.py
domain = sut.test
c2s = 127.0.0.1:5222
s2s = 127.0.0.1:5299
dns = 127.0.0.1:5300
SUT
rc=0
unshare -n bash -c "
    ip link set lo up
    '$fedsim' serve --sut '$T_TMP/sut' --zone '$src/dnsfixtures/federation.zone' \
        --peer 'webex.test=webex,tenants=acme|globex' --peer 'gmail.test=gtalk,tenants=acme' \
        < /dev/null > '$T_TMP/serve.out' 2>&1 &
    serve=\$!
    for i in \$(seq 100); do
        grep -q 'webex.test: listening on 127.0.0.3:5269' '$T_TMP/serve.out' &&
            grep -q 'gmail.test: listening on 127.0.0.2:5269' '$T_TMP/serve.out' && break
        sleep 0.1
    done
    timeout 60 python3 '$src/tests/integration/tenant_dialback.py' 5299 127.0.0.3:5269 webex.test \
        acme.webex.test globex.webex.test > '$T_TMP/check.out' 2>&1
    rc=\$?
    # A legacy peer (no dialback errors support, no target multiplexing): the stream is for the
    # domain of its first request.
    timeout 60 python3 '$src/tests/integration/tenant_dialback.py' --without-to-only 5299 \
        127.0.0.2:5269 gmail.test acme.gmail.test >> '$T_TMP/check.out' 2>&1 || rc=\$?
    kill -INT \$serve; wait \$serve
    exit \$rc" || rc=$?
while read -r line; do
    case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }" ;;
    esac
done < "$T_TMP/check.out"
[ "$rc" -eq 0 ] || not_ok "the fake SUT ended with status $rc" "$T_TMP/check.out" "$T_TMP/serve.out"
check "no sanitizer report" no_sanitizer_reports "$T_TMP/serve.out"
t_done
