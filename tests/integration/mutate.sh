#!/usr/bin/env bash
# mutate.sh: fedsim mutate against Prosody, in workers with network namespaces of their own:
# a scenario with a vacuous check makes it fail, naming the step and the change; then a random
# sample of the shipped suites' mutants (seed printed; FEDSIM_MUTATE_SEED repeats one) must
# all be killed, and the sample must not be empty.
#
# usage: mutate.sh FEDSIM SOURCE_DIR [SAMPLE]
set -euo pipefail
fedsim=$1 src=$2 sample=${3:-20}
. "$src/tests/integration/lib.sh"

if ! unshare -n true 2> /dev/null; then
    echo "skipped: needs network namespaces (root)"
    exit 77
fi
start="$src/ci/sut/prosody/start --fedsim $fedsim"
cd "$src"

rc=0
"$fedsim" mutate --fixtures dnsfixtures --sut-start "$start --tls off" \
    tests/scenarios/mutate/vacuous.scn > "$T_TMP/vacuous.out" 2> "$T_TMP/vacuous.err" || rc=$?
check "a vacuous check: a survivor, exit 1 (exit $rc)" [ "$rc" -eq 1 ]
check "... reported with file:line, step and change" grep -q \
    "^SURVIVED tests/scenarios/mutate/vacuous.scn:15: saw at most: \[max-connections\] at most 3 connections lowered to 0" \
    "$T_TMP/vacuous.out"
check "... the real check's mutants killed, the score printed" grep -qE \
    "^  tests/scenarios/mutate +4/5 80.0 % \(1 survived, 0 errors\)" "$T_TMP/vacuous.out"
[ "$T_FAIL" -eq 0 ] || cat "$T_TMP/vacuous.out" "$T_TMP/vacuous.err"

seed=${FEDSIM_MUTATE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# the sample's seed: $seed (FEDSIM_MUTATE_SEED=$seed repeats it)"
rc=0
"$fedsim" mutate -j 2 --sample "$sample" --seed "$seed" --fixtures dnsfixtures \
    --sut-start "$start --tls optional" scenarios > "$T_TMP/sample.out" 2> "$T_TMP/sample.err" ||
    rc=$?
grep -vE '^(killed|baseline skip)' "$T_TMP/sample.out" || true
check "the sample of $sample mutants, seed $seed: none survived (exit $rc)" [ "$rc" -ne 1 ]
check "... the sample was not empty" grep -q "^mutants: [1-9][0-9]* to run" "$T_TMP/sample.out"
check "... and its mutants were killed" grep -q "^killed" "$T_TMP/sample.out"
[ "$rc" -eq 0 ] || echo "# exit $rc: errors, or a scenario failing on its own (see above)"
t_done
