#!/usr/bin/env bash
# install.sh: `cmake --install` into a staging directory (DESTDIR, prefix /usr), then the
# installed tree used from elsewhere: fedsim finds the suites by name and their zone files in
# PREFIX/share/fedsim (from its own path, whatever the working directory), fedsim-sut finds the
# SUT scripts there, the manual pages and the completion are in place, and --version is
# git describe's in a checkout.
# usage: install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d /tmp/fedsim-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
bad=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; bad=1; }

DESTDIR=$tmp/root cmake --install "$build" --prefix /usr > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; notok "cmake --install failed"; exit 1; }
root=$tmp/root/usr
for f in bin/fedsim bin/fedsim-sut share/man/man1/fedsim.1 share/man/man1/fedsim-sut.1 \
    share/man/man5/fedsim-scenario.5 share/bash-completion/completions/fedsim \
    share/bash-completion/completions/fedsim-sut share/fedsim/dnsfixtures/federation.zone \
    share/fedsim/sut/prosody/start share/fedsim/sut/prosody/prosody.cfg.lua.in \
    share/doc/fedsim/README.md; do
    [ -e "$root/$f" ] || notok "not installed: /usr/$f"
done
for f in bin/fedsim bin/fedsim-sut share/fedsim/sut/{prosody,ejabberd,jabberd2}/{start,stop,register}; do
    [ -x "$root/$f" ] || notok "not executable: /usr/$f"
done
n_src=$(find "$src/scenarios" -name '*.scn' | wc -l)
n_inst=$(find "$root/share/fedsim/scenarios" -name '*.scn' | wc -l)
[ "$n_src" = "$n_inst" ] && ok "$n_inst scenarios installed" ||
    notok "$n_inst scenarios installed, $n_src in the tree"

# From a directory with neither scenarios/ nor dnsfixtures/: suites by name, zones from the tree.
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
for suite in seed conformance fieldbugs; do
    if out=$("$root/bin/fedsim" check "$suite" 2>&1) &&
        grep -q "^$(find "$src/scenarios/$suite" -name '*.scn' | wc -l) scenarios parse, 0 do not" <<< "$out"; then
        ok "fedsim check $suite: the installed suite, its zones from /usr/share/fedsim/dnsfixtures"
    else
        notok "fedsim check $suite from the installed tree:"
        printf '%s\n' "$out" | tail -5
    fi
done
if out=$("$root/bin/fedsim" check nosuchsuite 2>&1); then
    notok "fedsim check nosuchsuite passed"
elif grep -qF "not an installed suite ($root/share/fedsim/scenarios: conformance fieldbugs seed)" <<< "$out"; then
    ok "an unknown suite's error names the installed ones"
else
    notok "unknown suite, unexpected error: $out"
fi
# The build tree's binary has no installed tree: by name only from a checkout's root.
if "$build/fedsim" check seed > /dev/null 2>&1; then
    notok "the build tree's fedsim found a suite 'seed' outside a checkout"
else
    ok "the build tree's fedsim finds no installed tree"
fi
(cd "$src" && "$build/fedsim" check seed > /dev/null) && ok "fedsim check seed in a checkout's root" ||
    notok "fedsim check seed in the checkout's root"

list=$(env -u FEDSIM_SUT_DIR "$root/bin/fedsim-sut" --list)
if [ "$list" = "ejabberd: ctl register start stop
jabberd2: register start stop
prosody: register start stop" ]; then
    ok "fedsim-sut --list: the installed SUT scripts"
else
    notok "fedsim-sut --list: $list"
fi
help=$("$root/bin/fedsim-sut" prosody start --help)
grep -q "Starts a private Prosody" <<< "$help" && ok "fedsim-sut prosody start --help" ||
    notok "fedsim-sut prosody start --help: $help"
"$root/bin/fedsim-sut" nosuch start 2> /dev/null && notok "fedsim-sut nosuch start passed" ||
    ok "fedsim-sut nosuch start fails"

# Bash completion: commands, a command's options (from its --help), suites by name, fedsim-sut.
# ("ru": "r" is record and run since fedsim record.)
completions=$(PATH=$root/bin:$PATH bash -c '
    . "$1"
    c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "$F"; echo "${COMPREPLY[*]}"; }
    F=_fedsim; c fedsim ru; c fedsim run --sh; c fedsim run --sut x se
    F=_fedsim_sut; c fedsim-sut p; c fedsim-sut prosody st' _ "$root/share/bash-completion/completions/fedsim" 2>&1)
if [ "$completions" = "run
--shard --show-secrets
seed
prosody
start stop" ]; then
    ok "bash completion: commands, options, suites, fedsim-sut's SUTs and commands"
else
    notok "bash completion: $completions"
fi

version=$("$root/bin/fedsim" --version)
if git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
    # A commit of this repository (HEAD when built after the last commit; a build before a
    # later commit or rebase still names the commit it was built from).
    hash=$(sed -n 's/^fedsim [0-9][0-9.]*-\(.*-\)\{0,1\}g\([0-9a-f]\{7,\}\)\(-dirty\)\{0,1\}$/\2/p' <<< "$version")
    if [[ $version =~ ^fedsim\ ([0-9]+\.[0-9]+\.[0-9]+)$ ]] &&
        git -C "$src" rev-parse -q --verify "refs/tags/v${BASH_REMATCH[1]}" > /dev/null; then
        ok "--version: $version (the tag v${BASH_REMATCH[1]})"
    elif [ -n "$hash" ] && git -C "$src" cat-file -e "$hash^{commit}" 2> /dev/null; then
        ok "--version: $version (commit $hash; HEAD is $(git -C "$src" rev-parse --short=10 HEAD))"
    else
        notok "--version says $version: not VERSION-gCOMMIT of this repository's git describe"
    fi
else
    [[ $version =~ ^fedsim\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && ok "--version: $version" ||
        notok "--version: $version"
fi
exit $bad
