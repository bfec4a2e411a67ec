#!/usr/bin/env bash
# valgrind.sh: memcheck over seed scenarios against a real Prosody with TLS (plain dialback,
# STARTTLS + dialback, SASL EXTERNAL, a SUT client): no memory error, no definite leak.
#
# usage: valgrind.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"

if ! command -v valgrind > /dev/null; then
    echo "skipped: needs valgrind"
    exit 77
fi
# Waits bounded at 30 s (--timeout), not 10: memcheck makes fedsim 20 to 50 times slower, and a
# loaded machine more (seen: a seed scenario past 10 s beside the rest of ci/test); the check
# here is memory, the scenarios' timing is the suites'.
sut=$(FEDSIM=$fedsim "$src/ci/sut/prosody/start" --dir "$T_TMP/sut" --tls optional)
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
rc=0
(cd "$src" && valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
    --log-file="$T_TMP/memcheck.log" "$fedsim" run --sut "$sut" --fixtures dnsfixtures \
    --timeout 30s \
    scenarios/seed/sametime-sut-user-adds-contact.scn scenarios/seed/webex-message-exchange.scn \
    scenarios/seed/modern-message-exchange.scn scenarios/seed/cup8-contact-adds-sut-user.scn) \
    > "$T_TMP/run.out" 2>&1 || rc=$?
grep -E 'definitely lost|indirectly lost|possibly lost|ERROR SUMMARY' "$T_TMP/memcheck.log" |
    sed 's/^==[0-9]*==/#/'
check "4 seed scenarios under memcheck pass (exit $rc; 99 would be a memcheck error)" eval "
    [ $rc -eq 0 ] && grep -q '^4 passed, 0 failed' '$T_TMP/run.out'"
check "... no memory error" grep -q 'ERROR SUMMARY: 0 errors' "$T_TMP/memcheck.log"
check "... no definite leak" grep -qE 'definitely lost: 0 bytes|All heap blocks were freed' \
    "$T_TMP/memcheck.log"
if [ "$T_FAIL" -ne 0 ]; then
    grep -A 4 -E '^(fail|error) ' "$T_TMP/run.out" | head -n 30 | sed 's/^/# /'
    not_ok "evidence" "$T_TMP/run.out" "$T_TMP/memcheck.log"
fi
t_done
