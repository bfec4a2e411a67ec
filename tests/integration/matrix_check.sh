#!/usr/bin/env bash
# matrix_check.sh: every cell of `fedsim matrix` generates a scenario that `fedsim check`
# parses, with the SUTs' deviations file (ci/matrix-deviations.txt) applied, and the
# counts `fedsim matrix --list` prints are the ones docs/tls.md states.
# usage: matrix_check.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
dir=$(mktemp -d /tmp/fedsim-matrix-check.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$fedsim" matrix --deviations "$src/ci/matrix-deviations.txt" --out "$dir/cells"
"$fedsim" check --fixtures "$src/dnsfixtures" "$dir/cells"
counts=$("$fedsim" matrix --list | grep '^# in all:')
grep -qF -- "$counts" "$src/docs/tls.md" || {
    echo "docs/tls.md does not state the counts \"$counts\""
    exit 1
}
