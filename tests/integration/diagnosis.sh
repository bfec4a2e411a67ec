#!/usr/bin/env bash
# diagnosis.sh: deliberately broken set-ups and injected faults make scenarios fail, and each
# failure's diagnosis names the cause (the scenario's own fault first, in the words of the seed
# document's troubleshooting where they fit) and never a cause the run's events contradict.
#
# Each tests/scenarios/diagnosis/*.scn says in its header:
#   # expect: TEXT   a diagnosis line holds TEXT (one or more lines, all required)
#   # not: TEXT      no diagnosis line holds TEXT (the look-alikes' causes)
#   # sut: closed    run against the SUT with its s2s address on a closed port
#   # sut: udp-only  run against a Prosody whose resolver never asks over TCP
#   # sut: dns-elsewhere  fedsim's DNS on another port than the one the SUT asks
#   # sut: tls-required   run against a Prosody that requires TLS and certificates
#   # sut: s2s-dropped    the SUT's s2s address behind a firewall dropping SYNs (BLACKHOLE)
#
# usage: diagnosis.sh FEDSIM SOURCE_DIR BLACKHOLE
set -euo pipefail
fedsim=$1 src=$2 blackhole=$3
. "$src/tests/integration/lib.sh"
dir=$src/tests/scenarios/diagnosis

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
# The same SUT, but its s2s address is a port nothing listens on (the federation service down).
sed 's/^s2s = .*/s2s = 127.0.0.1:1/' "$sut" > "$T_TMP/sut-closed"
# ... and one whose DNS is not where the SUT asks (fedsim's DNS on a port of its choosing).
sed 's/^dns = .*/dns = 127.0.0.1:0/' "$sut" > "$T_TMP/sut-dns-elsewhere"
# ... and one whose s2s address drops SYNs (127.0.0.12:5269, a firewall: connects time out).
sed 's/^s2s = .*/s2s = 127.0.0.12:5269/' "$sut" > "$T_TMP/sut-s2s-dropped"
sut_udp="" sut_tls="" bh_pid=""

# Each scenario's SUT file; the scenarios of one SUT file run side by side in one `fedsim run -j
# 8` (the runner runs alone those that change what every run sees), the SUT files one after the
# other (they share the SUT's DNS address).
declare -A group
uses=()
for f in "$dir"/*.scn; do
    use=$sut
    case $(sed -n 's/^# sut: //p' "$f") in
        closed) use=$T_TMP/sut-closed ;;
        udp-only)
            if [ -z "$sut_udp" ]; then
                sut_udp=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut-udp" --dns-udp-only)
                at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut-udp\""
            fi
            use=$sut_udp
            ;;
        dns-elsewhere) use=$T_TMP/sut-dns-elsewhere ;;
        s2s-dropped)
            if [ -z "$bh_pid" ]; then
                coproc BH { exec "$blackhole" 127.0.0.12:5269 250; }
                # bash unsets BH and BH_PID when the coprocess ends: keep what is needed.
                bh_pid=$BH_PID bh_out=${BH[0]}
                at_exit "kill $bh_pid; wait $bh_pid"
                read -r -t 5 ready <&"$bh_out" || ready=""
                [ -n "$ready" ] || not_ok "the blackhole at 127.0.0.12:5269 gets ready"
            fi
            use=$T_TMP/sut-s2s-dropped
            ;;
        tls-required)
            if [ -z "$sut_tls" ]; then
                sut_tls=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut-tls" --tls required \
                    --fedsim "$fedsim")
                at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut-tls\""
            fi
            use=$sut_tls
            ;;
    esac
    [ -n "${group[$use]:-}" ] || uses+=("$use")
    group[$use]+="$f"$'\n'
done
n=0
for use in "${uses[@]}"; do
    mapfile -t files < <(printf '%s' "${group[$use]}")
    n=$((n + 1))
    "$fedsim" run -j 8 --sut "$use" --fixtures "$src/dnsfixtures" "${files[@]}" \
        > "$T_TMP/group-$n.out" 2>&1 || true
    # Each scenario's block of the output: its result line and the indented lines after it.
    for f in "${files[@]}"; do
        awk -v path="$f" '/^(ok|fail|error|skip|xfail) +[0-9.]+s / { on = ($3 == path) }
            on' "$T_TMP/group-$n.out" > "$T_TMP/$(basename "$f" .scn).out"
    done
done

for f in "$dir"/*.scn; do
    name=$(basename "$f" .scn)
    grep '^ *diagnosis: ' "$T_TMP/$name.out" > "$T_TMP/$name.diag" || true
    bad=""
    outcome=$(awk 'NR == 1 { print $1 }' "$T_TMP/$name.out")
    [ "$outcome" = fail ] || bad="${outcome:-no result}, not fail"
    while IFS= read -r want; do
        grep -qF -- "$want" "$T_TMP/$name.diag" || bad+="${bad:+; }no diagnosis with \"$want\""
    done < <(sed -n 's/^# expect: //p' "$f")
    while IFS= read -r never; do
        ! grep -qF -- "$never" "$T_TMP/$name.diag" || bad+="${bad:+; }a diagnosis with \"$never\""
    done < <(sed -n 's/^# not: //p' "$f")
    if [ -z "$bad" ]; then
        ok "$name: fails with the diagnosis: $(sed -n 's/^# expect: //p' "$f" | head -n 1)"
    else
        not_ok "$name: $bad" "$T_TMP/$name.diag" "$T_TMP/$name.out"
    fi
done
check "no sanitizer report" no_sanitizer_reports "$T_TMP"/*.out
t_done
