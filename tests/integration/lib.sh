# lib.sh: helpers for the shell integration tests (sourced): checks counted TAP-style, bounded
# waits on a process's output, and clean-up of everything started, on any exit.

T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d /tmp/fedsim-test.XXXXXX)
T_CLEANUP=()

t_cleanup() {
    local i
    for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${T_CLEANUP[i]}" > /dev/null 2>&1 || true
    done
    [ -n "${T_KEEP:-}" ] && { echo "kept $T_TMP" >&2; return; }
    rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# at_exit COMMAND: run COMMAND (a string) at exit, last registered first.
at_exit() { T_CLEANUP+=("$1"); }

ok() { T_PASS=$((T_PASS + 1)); printf 'ok - %s\n' "$1"; }

# not_ok DESCRIPTION FILE...: reports a failure with the files' last lines as evidence.
not_ok() {
    local f
    T_FAIL=$((T_FAIL + 1))
    printf 'not ok - %s\n' "$1"
    shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        printf '  --- last lines of %s:\n' "$f"
        tail -n 25 "$f" | sed 's/^/  | /'
    done
}

# check DESCRIPTION COMMAND...: runs COMMAND; ok when it succeeds.
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# wait_for FILE REGEX SECONDS: waits until a line of FILE matches (grep -E). Bounded.
wait_for() {
    local file=$1 re=$2 deadline=$((SECONDS + $3))
    while [ $SECONDS -lt "$deadline" ]; do
        grep -qE -- "$re" "$file" 2> /dev/null && return 0
        sleep 0.05
    done
    grep -qE -- "$re" "$file" 2> /dev/null
}

# start_bg NAME READY_REGEX COMMAND...: starts COMMAND with stdout in $T_TMP/NAME.out and
# stderr in $T_TMP/NAME.err (stdin from $T_STDIN if set), stopped at exit; waits until a line
# of its stdout matches READY_REGEX. Sets PID_NAME, and LISTEN_NAME from a "listening ADDR:PORT"
# line if there is one.
start_bg() {
    local name=$1 ready=$2 pid
    shift 2
    "$@" < "${T_STDIN:-/dev/null}" > "$T_TMP/$name.out" 2> "$T_TMP/$name.err" &
    pid=$!
    at_exit "kill $pid; wait $pid"
    printf -v "PID_$name" '%s' "$pid"
    if ! wait_for "$T_TMP/$name.out" "$ready" 10; then
        not_ok "$name gets ready" "$T_TMP/$name.out" "$T_TMP/$name.err"
        t_done
    fi
    printf -v "LISTEN_$name" '%s' "$(sed -n 's/^listening //p' "$T_TMP/$name.out" | head -n 1)"
}

# no_sanitizer_reports FILE...: fails if ASan/UBSan/LSan wrote anything into these files.
no_sanitizer_reports() {
    ! grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$@" 2> /dev/null
}

# sut_get SUTFILE KEY: the first value of KEY in a SUT file.
sut_get() { sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$1" | head -n 1; }

# t_done: the closing line, and the exit status.
t_done() {
    printf '%d passed, %d failed\n' "$T_PASS" "$T_FAIL"
    [ "$T_FAIL" -eq 0 ] && [ "$T_PASS" -gt 0 ]
    exit $?
}
