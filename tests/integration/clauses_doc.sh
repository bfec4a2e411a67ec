#!/usr/bin/env bash
# clauses_doc.sh: docs/clauses.md is what `fedsim clauses` makes of docs/requirements.txt, the
# scenarios' clause: lines and the results ci/matrix kept (docs/results/*.json): it fails when
# the checked-in table is out of date, or when a clause: line names an unknown requirement.
# The certificate matrix's generated cells (fedsim matrix) and their results
# (docs/results/matrix/) count too.
# usage: clauses_doc.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1
cd "$2"
args=()
for f in docs/results/*.json docs/results/matrix/*.json; do
    [ -e "$f" ] && args+=(--results "$f")
done
# The certificate matrix's cells, generated as ci/matrix does (their results keyed
# scenarios/matrix/NAME.scn).
tmp=$(mktemp -d /tmp/fedsim-clauses-doc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scenarios"
"$fedsim" matrix --deviations ci/matrix-deviations.txt --out "$tmp/scenarios/matrix" > /dev/null
"$fedsim" clauses --requirements docs/requirements.txt --fixtures dnsfixtures "${args[@]}" \
    --output docs/clauses.md --check scenarios "$tmp/scenarios/matrix"
echo "ok - docs/clauses.md is current ($(sed -n 's/^- \*\*\(MUST[^*]*\)\*\*.*/\1/p' docs/clauses.md))"
