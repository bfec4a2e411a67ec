# ci/lib.sh: what ci/test and ci/demo share: the Debian packages fedsim needs, installing the
# missing ones (as root) or saying which (otherwise), and the out-of-tree builds.
# Sourced, not run.

# The packages fedsim needs, in two sets. Keep README's table in step.
# What `ci/demo` needs: the build and the bundled Prosody (the demo runs nothing else).
FEDSIM_DEMO_PACKAGES=(
    build-essential cmake pkg-config            # the toolchain
    libevent-dev libssl-dev libunbound-dev      # the loop, TLS, fedsim's own resolver
    libldns-dev libexpat1-dev                   # DNS messages and zones, XML streams
    prosody lua-unbound                         # the bundled SUT, resolving through fedsim
)
# What `ci/test` needs on top: the tests' own tools and the other SUTs.
FEDSIM_TEST_PACKAGES=(
    libcmocka-dev                               # unit tests
    bind9-dnsutils                              # dig, the real DNS client in the tests
    nsd                                         # the reference DNS server of a differential test
    ejabberd                                    # the second bundled SUT (ci/sut/ejabberd)
    jabberd2 sqlite3                            # the third bundled SUT (ci/sut/jabberd2), its accounts
    chromium                                    # renders the HTML report in a test
    clang libclang-rt-14-dev                    # libFuzzer and its sanitizers (ci/fuzz)
    valgrind                                    # memcheck over seed scenarios in a test
    nagios-check-xmppng                         # check_xmppng, an XMPP client we did not write
    iproute2                                    # ip link set lo up in the tests' network namespaces
    man-db                                      # formats the manual pages in a test, man fedsim
    debhelper lintian                           # builds the Debian package, checks it (ci/package)
    python3-yaml                                # reads action.yml in the action's test
)
FEDSIM_PACKAGES=("${FEDSIM_DEMO_PACKAGES[@]}" "${FEDSIM_TEST_PACKAGES[@]}")
# Packages whose behaviour the shipped verdicts depend on, and the least version they hold for
# (upgraded to the registry's when older). libexpat1 from 2.5.0-1+deb12u2 (the CVE-2023-52425
# fix) defers reparsing a stream header that arrives in small pieces, in Prosody's, ejabberd's
# and jabberd2's parsers alike: network-slow-peer's xfail lines. A machine image with an older
# one (seen: 2.5.0-1+deb12u1) would make those SUTs pass it, as the lines then say.
FEDSIM_LEAST_VERSIONS=(libexpat1=2.5.0-1+deb12u2 libexpat1-dev=2.5.0-1+deb12u2)

fedsim_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '%s\n' "$*" >&2; }

# ensure_packages [demo]: installs the missing packages of FEDSIM_PACKAGES (with demo: of
# FEDSIM_DEMO_PACKAGES only) as root; otherwise prints the one apt-get line needed and exits 2.
ensure_packages() {
    local missing=() p wanted=("${FEDSIM_PACKAGES[@]}")
    [ "${1:-}" = demo ] && wanted=("${FEDSIM_DEMO_PACKAGES[@]}")
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    local least version
    for p in "${FEDSIM_LEAST_VERSIONS[@]}"; do
        least=${p#*=} p=${p%%=*}
        version=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || continue # not installed
        [ -n "$version" ] || continue
        dpkg --compare-versions "$version" lt "$least" && missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "fedsim needs these Debian packages (or newer versions of them); as root, run:"
        say "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
        exit 2
    fi
    say "== installing ${missing[*]}"
    # Debian starts packaged services on install; the SUT is always our own private instance.
    local policy_added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_added=1
    fi
    local rc=0
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2 || rc=$?
    [ $policy_added -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    if [ $rc -ne 0 ]; then
        say "apt-get failed (exit $rc)"
        exit 2
    fi
}

# build DIR [cmake options...]: configures and builds out of tree, quietly unless it fails.
build() {
    local dir=$1 log
    shift
    log=$(mktemp)
    say "== building in ${dir#"$fedsim_root"/} $*"
    if ! { cmake -S "$fedsim_root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" &&
        cmake --build "$dir" -j "$(nproc)"; } > "$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        say "build failed in $dir"
        exit 3
    fi
    rm -f "$log"
}
