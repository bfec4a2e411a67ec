#!/usr/bin/env bash
# report_chromium.sh: the HTML report of a failing field-bug reproduction, rendered by a real
# browser (Debian's chromium, headless, in a network namespace of its own: it can reach
# nothing) into a screenshot, and its DOM as the browser parsed it: one lifeline per actor plus
# the SUT and DNS, the arrows, the failing step.
#
# usage: report_chromium.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
. "$src/tests/integration/lib.sh"

if ! command -v chromium > /dev/null || ! unshare -n true 2> /dev/null; then
    echo "skipped: needs chromium and a network namespace of its own (root)"
    exit 77
fi
sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
rc=0
"$fedsim" run --sut "$sut" --fixtures "$src/dnsfixtures" --report "$T_TMP/report.html" \
    "$src/tests/scenarios/diagnosis/domain-collision.scn" > "$T_TMP/run.out" 2>&1 || rc=$?
check "the field-bug reproduction fails (exit 1, got $rc) and writes the report" \
    eval "[ $rc -eq 1 ] && [ -s '$T_TMP/report.html' ]"

chrome() {
    unshare -n timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$T_TMP/chrome" "$@" "file://$T_TMP/report.html" 2> "$T_TMP/chrome.err"
}
chrome --hide-scrollbars --window-size=1000,900 --screenshot="$T_TMP/report.png" > /dev/null || true
check "chromium renders a screenshot ($(stat -c %s "$T_TMP/report.png" 2> /dev/null || echo 0) bytes)" \
    eval "[ \$(stat -c %s '$T_TMP/report.png' 2> /dev/null || echo 0) -gt 10000 ]"
chrome --dump-dom > "$T_TMP/dom.html" || true
count() { grep -o "$1" "$T_TMP/dom.html" | wc -l; }
check "the DOM: 4 lifelines (gmail, alice, the SUT, DNS): $(count 'class="lifeline"')" \
    test "$(count 'class="lifeline"')" -eq 4
check "... arrows ($(count 'class="arrow'))" test "$(count 'class="arrow')" -ge 5
check "... the failing step, one" test "$(count 'class="arrow failed"')" -eq 1
check "... the diagnosis in the evidence" grep -q 'unexpected dialback' "$T_TMP/dom.html"
check "... a link to the failing step" grep -q '>the failing step</a>' "$T_TMP/dom.html"

# Readability at scale: some 800 arrows (250 messages each way, and their deliveries). Runs of
# the same arrow are drawn once, "×N"; every arrow keeps its raw bytes; the lifelines' names
# stay on screen (a sticky strip).
rc=0
"$fedsim" run --sut "$sut" --fixtures "$src/dnsfixtures" --report "$T_TMP/report.html" \
    "$src/tests/scenarios/report/flood.scn" > "$T_TMP/flood.out" 2>&1 || rc=$?
check "a scenario of 250 messages each way passes (exit $rc)" test $rc -eq 0
chrome --hide-scrollbars --window-size=1000,900 --screenshot="$T_TMP/flood.png" > /dev/null || true
chrome --dump-dom > "$T_TMP/dom.html" || true
drawn=$(count 'class="arrow') raw=$(count '<li id=')
check "... $raw arrows' raw bytes kept, $drawn drawn" eval "[ $raw -ge 500 ] && [ $drawn -le 40 ]"
check "... the 250 copies of each message drawn as one arrow each, ×250" \
    test "$(grep -o '&lt;message chat&gt; ×250' "$T_TMP/dom.html" | wc -l)" -eq 2
check "... the lifelines' names in a sticky strip, each arrow timed and linked to its bytes" eval "
    grep -q 'class=\"heads\"' '$T_TMP/dom.html' && grep -q 'class=\"t\"' '$T_TMP/dom.html' &&
    grep -q '<a href=\"#s0-r1\">' '$T_TMP/dom.html'"
[ "$T_FAIL" -eq 0 ] || not_ok "evidence" "$T_TMP/run.out" "$T_TMP/flood.out" "$T_TMP/chrome.err"
t_done
