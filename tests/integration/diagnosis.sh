#!/usr/bin/env bash
# diagnosis.sh: deliberately broken set-ups (the SUT's own SRV record missing, its s2s port
# closed, outbound 5269 blocked, the domain collision) make scenarios fail, and each failure
# report names the cause in the words of the seed document's troubleshooting.
#
# usage: diagnosis.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"
dir=$src/tests/scenarios/diagnosis

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
# The same SUT, but its s2s address is a port nothing listens on (the federation service down).
sed 's/^s2s = .*/s2s = 127.0.0.1:1/' "$sut" > "$T_TMP/sut-closed"

for f in "$dir"/*.scn; do
    name=$(basename "$f" .scn)
    want=$(sed -n 's/^# expect: //p' "$f")
    use=$sut
    [ "$name" = inbound-refused ] && use=$T_TMP/sut-closed
    rc=0
    "$fedsim" run --sut "$use" --fixtures "$src/dnsfixtures" "$f" > "$T_TMP/$name.out" 2>&1 || rc=$?
    if [ $rc -eq 1 ] && grep -q "^ *diagnosis: .*$want" "$T_TMP/$name.out"; then
        ok "$name: fails (exit 1) with a diagnosis: \"...$want...\""
    else
        not_ok "$name (exit $rc): wanted a diagnosis with \"$want\"" "$T_TMP/$name.out"
    fi
done
check "no sanitizer report" no_sanitizer_reports "$T_TMP"/*.out
t_done
