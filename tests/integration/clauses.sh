#!/usr/bin/env bash
# clauses.sh: every shipped scenario names the clause it checks (a clause: line, document first)
# and every xfail: line the clause the SUT breaks (xfail: SUT: RFC N ... or XEP-N ...).
# usage: clauses.sh SOURCE_DIR
set -euo pipefail
src=$1
bad=0
while IFS= read -r f; do
    rel=${f#"$src"/}
    if ! grep -qE '^clause: (RFC [0-9]+|XEP-[0-9]+|seed)' "$f"; then
        echo "not ok - $rel: no clause: line"
        bad=1
    fi
    while IFS= read -r line; do
        echo "not ok - $rel: an xfail without a clause: $line"
        bad=1
    done < <(grep -E '^xfail:' "$f" | grep -vE '^xfail: ([a-z0-9_-]+: )?(RFC [0-9]+|XEP-[0-9]+)' || true)
done < <(find "$src/scenarios" -name '*.scn' | sort)
n=$(find "$src/scenarios" -name '*.scn' | wc -l)
[ $bad -eq 0 ] && echo "ok - $n scenarios, each with its clause; every xfail names one"
exit $bad
