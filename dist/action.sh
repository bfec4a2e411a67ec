#!/usr/bin/env bash
# dist/action.sh: the script of the GitHub Action (action.yml), runnable by hand or locally in a
# test with the same environment. Two steps:
#   setup  installs what is missing of the build's and Prosody's Debian packages (ci/lib.sh,
#          FEDSIM_DEMO_PACKAGES; as root, or through sudo), builds fedsim without its tests and
#          installs it under $RUNNER_TEMP/fedsim, whose bin/ goes on $GITHUB_PATH
#   run    runs the suites against the SUT: FEDSIM_SUT_FILE (a running SUT), or FEDSIM_SUT_START
#          (a command printing a SUT file's path: run once here and stopped afterwards by the SUT
#          file's stop line); FEDSIM_JOBS: scenarios side by side against it (fedsim run -j N);
#          FEDSIM_SUITES (names or paths, space or comma separated; default seed), FEDSIM_TAGS,
#          FEDSIM_SHARD (K/N), FEDSIM_FIXTURES; writes FEDSIM_RESULTS/ (default fedsim-results):
#          junit.xml, results.json, report.html (with one job), transcripts/, run.log; sets the
#          outputs exit-code, summary, junit, report in $GITHUB_OUTPUT and a summary in
#          $GITHUB_STEP_SUMMARY. Exits 0 when fedsim ran (whatever the verdict: exit-code says
#          it), 2 for bad inputs, 3 when the SUT did not start.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
say() { printf 'fedsim action: %s\n' "$*" >&2; }
output() { [ -z "${GITHUB_OUTPUT:-}" ] || printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"; }

setup() {
    local prefix=${RUNNER_TEMP:-/tmp}/fedsim build=${FEDSIM_BUILD_DIR:-${RUNNER_TEMP:-/tmp}/fedsim-build}
    if [ "$(id -u)" -eq 0 ]; then
        bash -c '. "$1/ci/lib.sh" && ensure_packages demo' _ "$root"
    elif command -v sudo > /dev/null; then
        sudo -E bash -c '. "$1/ci/lib.sh" && ensure_packages demo' _ "$root"
    else
        bash -c '. "$1/ci/lib.sh" && ensure_packages demo' _ "$root"
    fi
    # shellcheck source=../ci/lib.sh
    . "$root/ci/lib.sh"
    build "$build" -DFEDSIM_TESTS=OFF
    cmake --install "$build" --prefix "$prefix" > /dev/null
    [ -z "${GITHUB_PATH:-}" ] || printf '%s\n' "$prefix/bin" >> "$GITHUB_PATH"
    say "installed $("$prefix/bin/fedsim" --version) in $prefix"
}

run() {
    local results=${FEDSIM_RESULTS:-fedsim-results} jobs=${FEDSIM_JOBS:-1} sut="" rc=0 summary
    local args=() suites=() stop=""
    if [ -n "${FEDSIM_SUT_FILE:-}" ] && [ -n "${FEDSIM_SUT_START:-}" ]; then
        say "give sut-file or sut-start, not both"
        exit 2
    fi
    [[ $jobs =~ ^[1-9][0-9]?$ ]] || { say "jobs: a number from 1 to 64, not '$jobs'"; exit 2; }
    if [ -n "${FEDSIM_SHARD:-}" ] && [[ ! $FEDSIM_SHARD =~ ^[0-9]+/[0-9]+$ ]]; then
        say "shard: K/N, not '$FEDSIM_SHARD'"
        exit 2
    fi
    command -v fedsim > /dev/null || { say "fedsim is not on PATH (the setup step installs it)"; exit 2; }
    read -r -a suites <<< "${FEDSIM_SUITES:-seed}"
    suites=("${suites[@]//,/ }")
    read -r -a suites <<< "${suites[*]}"
    [ ${#suites[@]} -gt 0 ] || { say "suites: none given"; exit 2; }
    mkdir -p "$results"
    results=$(cd "$results" && pwd)
    args=(--junit "$results/junit.xml" --json "$results/results.json" --transcript "$results/transcripts")
    mkdir -p "$results/transcripts"
    [ -z "${FEDSIM_TAGS:-}" ] || args+=(--tags "$FEDSIM_TAGS")
    [ -z "${FEDSIM_SHARD:-}" ] || args+=(--shard "$FEDSIM_SHARD")
    [ -z "${FEDSIM_FIXTURES:-}" ] || args+=(--fixtures "$FEDSIM_FIXTURES")
    if [ -n "${FEDSIM_SUT_FILE:-}" ]; then
        sut=$FEDSIM_SUT_FILE
        [ -f "$sut" ] || { say "sut-file: no such file: $sut"; exit 2; }
    elif [ -n "${FEDSIM_SUT_START:-}" ]; then
        say "starting the SUT: $FEDSIM_SUT_START"
        if ! sut=$(bash -c "$FEDSIM_SUT_START" < /dev/null) || [ ! -f "$sut" ]; then
            say "the SUT did not start (the command printed '${sut:-nothing}')"
            output exit-code 3
            exit 3
        fi
        stop=$(sed -n 's/^stop[[:space:]]*=[[:space:]]*//p' "$sut" | head -n 1)
        # shellcheck disable=SC2064 # the command as it is now
        trap "bash -c $(printf '%q' "$stop") > /dev/null 2>&1 || true" EXIT
    else
        say "give sut-file (a running SUT) or sut-start (a command that starts one)"
        exit 2
    fi
    # One SUT; -j N runs N scenarios side by side against it (no root needed); the HTML report's
    # diagrams need one at a time.
    args+=(--sut "$sut")
    if [ "$jobs" -gt 1 ]; then
        args+=(-j "$jobs")
    else
        args+=(--report "$results/report.html")
    fi
    say "fedsim run ${args[*]} ${suites[*]}"
    fedsim run "${args[@]}" "${suites[@]}" 2>&1 | tee "$results/run.log" || rc=${PIPESTATUS[0]}
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$results/run.log" | tail -n 1 || true)
    output exit-code "$rc"
    output summary "${summary:-no summary (exit $rc)}"
    output junit "$results/junit.xml"
    [ ! -f "$results/report.html" ] || output report "$results/report.html"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        {
            printf '### fedsim: %s\n\n' "${summary:-exit status $rc}"
            grep -E '^(fail|error) ' "$results/run.log" | sed 's/^/- /' || true
        } >> "$GITHUB_STEP_SUMMARY"
    fi
    say "exit status $rc: ${summary:-no summary}"
}

case ${1:-} in
    setup) setup ;;
    run) run ;;
    *) say "usage: dist/action.sh setup|run (environment: see the file's header)"; exit 2 ;;
esac
