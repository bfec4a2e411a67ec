#!/usr/bin/env bash
# sut_fixture.sh: the ctest fixture that starts one SUT (ci/sut/NAME) for all scenario entries
# of a build (ctest FIXTURES_SETUP) and stops it afterwards (FIXTURES_CLEANUP).
# usage: sut_fixture.sh start|stop DIR SOURCE_DIR [TLS FEDSIM [NAME]]
#   TLS: the variant (off, optional, required); FEDSIM: the binary that makes its CA;
#   NAME: prosody (default), ejabberd or jabberd2 (ci/sut/NAME).
set -euo pipefail
action=$1 dir=$2 src=$3 tls=${4:-off} fedsim=${5:-} name=${6:-prosody}
case $action in
    start)
        # A directory left by an interrupted run is cleaned up first.
        [ -e "$dir" ] && "$src/ci/sut/$name/stop" "$dir" > /dev/null 2>&1 || true
        rm -rf "$dir"
        "$src/ci/sut/$name/start" --dir "$dir" --tls "$tls" ${fedsim:+--fedsim "$fedsim"} > /dev/null
        echo "SUT file: $dir/sut"
        ;;
    stop)
        "$src/ci/sut/$name/stop" "$dir"
        ;;
    *)
        echo "usage: sut_fixture.sh start|stop DIR SOURCE_DIR [TLS FEDSIM [NAME]]" >&2
        exit 2
        ;;
esac
