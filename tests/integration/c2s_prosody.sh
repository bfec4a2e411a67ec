#!/usr/bin/env bash
# c2s_prosody.sh: starts a private Prosody and runs fedsim's c2s client tests against it.
# usage: c2s_prosody.sh TEST_BINARY SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
. "$src/tests/integration/lib.sh"

sut=$("$src/ci/sut/prosody/start" --dir "$T_TMP/sut")
at_exit "\"$src/ci/sut/prosody/stop\" \"$T_TMP/sut\""
FEDSIM_SUT=$sut "$bin"
