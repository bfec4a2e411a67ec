#!/usr/bin/env bash
# action.sh: the GitHub Action (action.yml) checked here: its inputs all reach dist/action.sh
# (each one an env FEDSIM_* of the run step, or used by the other steps), and dist/action.sh's
# run step, with the environment the runner gives it, against a Prosody that the installed
# fedsim-sut starts (fedsim from a staged `cmake --install`, in a network namespace of this
# test's own): the suite's results written (JUnit, JSON, HTML report, transcripts), the outputs
# and the job summary set, the SUT stopped; a failing scenario gives exit-code 1; bad inputs exit 2.
# (The setup step is ci/lib.sh's build and cmake --install, checked by unit.install and ci/demo.)
# usage: action.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
if [ -z "${FEDSIM_ACTION_NS:-}" ]; then
    if ! unshare -n true 2> /dev/null || ! command -v ip > /dev/null; then
        echo "skipped: needs a network namespace of its own (root, ip)"
        exit 77
    fi
    FEDSIM_ACTION_NS=1 exec unshare -n bash -c 'ip link set lo up && exec bash "$0" "$@"' \
        "$0" "$@"
fi
tmp=$(mktemp -d /tmp/fedsim-action.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
bad=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; bad=1; }

# --- action.yml ----------------------------------------------------------------------------
if problems=$(python3 - "$src/action.yml" "$src/dist/action.sh" <<'PY'
import re, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
script = open(sys.argv[2]).read()
bad = []
steps = action["runs"]["steps"]
assert action["runs"]["using"] == "composite"
text = open(sys.argv[1]).read()
for name, spec in action["inputs"].items():
    if "description" not in spec or "default" not in spec:
        bad.append(f"input {name}: no description or default")
    if "${{ inputs.%s }}" % name not in text and "inputs.%s " % name not in text:
        bad.append(f"input {name} is used by no step")
run = [s for s in steps if s.get("id") == "run"][0]
for var, value in run.get("env", {}).items():
    m = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", value)
    if not m or m.group(1) not in action["inputs"]:
        bad.append(f"run step env {var}: not an input ({value})")
    if var not in script:
        bad.append(f"run step env {var}: dist/action.sh never reads it")
for var in set(re.findall(r"\bFEDSIM_[A-Z_]+\b", script)) - set(run.get("env", {})):
    if var not in ("FEDSIM_BUILD_DIR", "FEDSIM_DEMO_PACKAGES"):
        bad.append(f"dist/action.sh reads {var}, which the action does not set")
for name, spec in action["outputs"].items():
    m = re.fullmatch(r"\$\{\{ steps\.run\.outputs\.([a-z-]+) \}\}", spec["value"])
    if not m or f"output {m.group(1)} " not in script:
        bad.append(f"output {name}: dist/action.sh does not set it")
if not any("dist/action.sh\" setup" in s.get("run", "") for s in steps):
    bad.append("no step runs dist/action.sh setup")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
); then
    ok "action.yml: every input reaches a step, every env and output matches dist/action.sh"
else
    notok "action.yml:"
    printf '%s\n' "$problems"
fi

# --- dist/action.sh run, as the runner would run it -----------------------------------------
DESTDIR=$tmp/root cmake --install "$build" --prefix /usr > /dev/null
export PATH=$tmp/root/usr/bin:$PATH
cd "$tmp"
run_action() { # NAME, then VAR=VALUE...: runs dist/action.sh run with a fresh runner env
    local name=$1
    shift
    : > "$tmp/$name.output"
    : > "$tmp/$name.summary"
    env -u FEDSIM_ACTION_NS GITHUB_OUTPUT="$tmp/$name.output" GITHUB_STEP_SUMMARY="$tmp/$name.summary" \
        RUNNER_TEMP="$tmp" FEDSIM_RESULTS="$tmp/results-$name" "$@" \
        bash "$src/dist/action.sh" run > "$tmp/$name.log" 2>&1
}

rc=0
run_action seed FEDSIM_SUT_START="fedsim-sut prosody start --tls optional" FEDSIM_SUITES="seed" || rc=$?
out=$tmp/seed.output
if [ $rc -eq 0 ] && grep -qx 'exit-code=0' "$out" &&
    grep -qx 'summary=16 passed, 0 failed, 4 skipped' "$out"; then
    ok "run: seed against the installed fedsim-sut's Prosody: $(sed -n 's/^summary=//p' "$out")"
else
    notok "run: seed (exit $rc):"
    cat "$out" "$tmp/seed.log" | tail -n 30
fi
n=$(grep -o '<testcase ' "$tmp/results-seed/junit.xml" 2> /dev/null | wc -l || true)
[ "$n" -eq 20 ] && ok "junit.xml: 20 test cases" || notok "junit.xml: $n test cases, not 20"
grep -q '"outcome"' "$tmp/results-seed/results.json" 2> /dev/null && ok "results.json written" ||
    notok "no results.json"
{ grep -qx "report=$tmp/results-seed/report.html" "$out" && grep -q '<svg' "$tmp/results-seed/report.html"; } &&
    ok "report.html written, with diagrams, and named in the outputs" || notok "no report.html"
n=$(find "$tmp/results-seed/transcripts" -name '*.log' 2> /dev/null | wc -l || true)
[ "$n" -eq 20 ] && ok "20 transcripts" || notok "$n transcripts, not 20"
grep -qx '### fedsim: 16 passed, 0 failed, 4 skipped' "$tmp/seed.summary" &&
    ok "the job summary says so" || notok "job summary: $(cat "$tmp/seed.summary")"
sut_dir=$(grep -o '(/tmp/fedsim-prosody\.[A-Za-z0-9]*/sut ' "$tmp/seed.log" | head -n 1 | tr -d '(' | xargs -r dirname || true)
if [ -n "$sut_dir" ] && [ ! -e "$sut_dir" ]; then
    ok "the SUT was stopped by its stop line ($sut_dir removed)"
else
    notok "the SUT's directory (${sut_dir:-not found in the log}) is still there"
    [ -z "$sut_dir" ] || /usr/share/fedsim/sut/prosody/stop "$sut_dir" > /dev/null 2>&1 || "$src/ci/sut/prosody/stop" "$sut_dir" > /dev/null 2>&1 || true
fi

rc=0
run_action failing FEDSIM_SUT_START="fedsim-sut prosody start" FEDSIM_JOBS=2 \
    FEDSIM_SUITES="$src/tests/scenarios/failing/wrong-expectation.scn,$src/scenarios/seed/gtalk-message-exchange.scn" || rc=$?
if [ $rc -eq 0 ] && grep -qx 'exit-code=1' "$tmp/failing.output" &&
    grep -qx 'summary=1 passed, 1 failed, 0 skipped' "$tmp/failing.output" &&
    grep -q '^- fail .*wrong-expectation.scn' "$tmp/failing.summary"; then
    if grep -q -- '-j 2' "$tmp/failing.log" && [ ! -e "$tmp/results-failing/report.html" ]; then
        ok "run: a failing scenario with jobs 2: exit-code=1 (the verdict step fails the job), listed in the summary"
    else
        notok "run: jobs 2 did not run fedsim run -j 2 without --report"
    fi
else
    notok "run: a failing scenario (exit $rc):"
    cat "$tmp/failing.output" "$tmp/failing.summary" "$tmp/failing.log" | tail -n 30
fi

# Each with a SUT file that exists (never used: the inputs are refused first), but one.
printf 'domain = sut.test\n' > "$tmp/unused.sut"
for bad_input in "FEDSIM_SHARD=x" "FEDSIM_JOBS=0" "FEDSIM_SUT_START=true" "FEDSIM_SUITES=,," \
    "FEDSIM_SUT_FILE=/nonexistent/sut"; do
    rc=0
    # shellcheck disable=SC2086 # one VAR=VALUE word
    run_action badinput FEDSIM_SUT_FILE="$tmp/unused.sut" $bad_input || rc=$?
    [ $rc -eq 2 ] && ok "bad input $bad_input: exit 2" ||
        { notok "bad input $bad_input: exit $rc"; cat "$tmp/badinput.log"; }
done
exit $bad
