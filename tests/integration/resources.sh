#!/usr/bin/env bash
# resources.sh: 200 scenarios in one `fedsim run` against a real Prosody leave fedsim's open
# file descriptors and RSS flat: sampled from /proc every 100 ms, the peaks of the last quarter
# of the run are no higher than those of the second (after warm-up), within a small slack.
# The figures are printed; the slack is about leaks, not speed.
#
# usage: resources.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""

# A peer-only scenario and one with a SUT client (a fresh account each time), 100 times each.
args=()
for _ in $(seq 100); do
    args+=(scenarios/conformance/xep0199-s2s-ping.scn scenarios/seed/gtalk-sut-user-adds-contact.scn)
done
cd "$src"
"$fedsim" run --sut "$sut" --fixtures dnsfixtures "${args[@]}" > "$T_TMP/run.out" 2>&1 &
pid=$!
at_exit "kill $pid 2> /dev/null"
: > "$T_TMP/samples"
while kill -0 "$pid" 2> /dev/null; do
    fds=$(ls "/proc/$pid/fd" 2> /dev/null | wc -l) || break
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2> /dev/null) || break
    done_n=$(grep -c '^ok ' "$T_TMP/run.out" || true)
    [ -n "$rss" ] && printf '%s %s %s\n' "$done_n" "$fds" "$rss" >> "$T_TMP/samples"
    sleep 0.1
done
rc=0
wait "$pid" || rc=$?
check "200 scenarios in one run: all passed (exit $rc)" eval "
    [ $rc -eq 0 ] && grep -q '^200 passed, 0 failed' '$T_TMP/run.out'"
# Peaks per quarter of the run, by scenarios done: 50-99 (warm) against 150-200 (end).
read -r fd2 rss2 <<< "$(awk '$1 >= 50 && $1 < 100 { if ($2 > f) f = $2; if ($3 > r) r = $3 }
    END { print f + 0, r + 0 }' "$T_TMP/samples")"
read -r fd4 rss4 <<< "$(awk '$1 >= 150 { if ($2 > f) f = $2; if ($3 > r) r = $3 }
    END { print f + 0, r + 0 }' "$T_TMP/samples")"
samples=$(wc -l < "$T_TMP/samples")
echo "# $samples samples; peak fds: $fd2 (scenarios 50-99), $fd4 (150-200); peak RSS: $rss2 kB, $rss4 kB"
check "... enough samples in both quarters ($samples)" eval "[ $fd2 -gt 0 ] && [ $fd4 -gt 0 ]"
check "... open fds flat: $fd2 then $fd4 (at most +2)" test "$fd4" -le $((fd2 + 2))
check "... RSS flat: $rss2 kB then $rss4 kB (at most +1 MiB)" test "$rss4" -le $((rss2 + 1024))
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/run.out" "$T_TMP/samples"
t_done
