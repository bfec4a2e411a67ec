#!/usr/bin/env bash
# netns.sh COMMAND [ARGS...]: runs COMMAND in a network namespace of its own, loopback up, so
# that a test binding the fixtures' fixed addresses (127.0.0.2:5269, the SUT's 127.0.0.1 ports,
# [::1]:5269...) runs beside every other test with nothing shared. tests/CMakeLists.txt puts
# it in front of those tests when a namespace can be made at configure time (root, or
# unprivileged user namespaces); otherwise they share the machine's and take a lock instead.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: netns.sh COMMAND [ARGS...]" >&2; exit 2; }
exec unshare -n bash -c 'ip link set lo up && exec "$@"' netns.sh "$@"
