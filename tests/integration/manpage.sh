#!/usr/bin/env bash
# manpage.sh: the manual pages say what the programs' --help says. Every option that
# `fedsim --help`, `fedsim COMMAND --help`, `fedsim-sut --help` and the bundled SUT scripts'
# --help define (their usage lines and option lines) must appear in the page, under its command
# (fedsim.1: the .SS "fedsim COMMAND" section; global options under GLOBAL OPTIONS), short
# form too; every command has its section; fedsim-scenario(5) has every header key, step verb
# and dns verb of the parser's tables; and the pages format without a warning (man, when
# installed).
# usage: manpage.sh FEDSIM SOURCE_DIR
set -euo pipefail
fedsim=$1 src=$2
man1=$src/dist/man/fedsim.1 sut1=$src/dist/man/fedsim-sut.1 scn5=$src/dist/man/fedsim-scenario.5
bad=0 checked=0

# The text of a page's section as plain words: roff escapes for '-' and fonts removed. $2: the
# section's title line (exact), up to the next .SH or .SS; "" for the whole page.
section() {
    awk -v want="$2" '
        want == "" { print; next }
        $0 == want { on = 1; next }
        on && /^\.S[HS] / { on = 0 }
        on { print }' "$1" | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(sc/§/g'
}

# The options a help text defines, one "LONG SHORT" a line (SHORT "-" when none): from its usage
# lines (up to the first blank line) and from its option lines ("  -s, --sut FILE  ...").
options_of() {
    awk '
        NR == 1 || (usage && $0 != "") {
            usage = 1
            s = $0
            while (match(s, /--[a-z][a-z0-9-]*/)) {
                print substr(s, RSTART, RLENGTH), "-"
                s = substr(s, RSTART + RLENGTH)
            }
            next
        }
        { usage = 0 }
        /^ +-[A-Za-z], --[a-z]/ { split($0, w, /[ ,]+/); print w[3], w[2]; next }
        /^ +--[a-z]/ { split($0, w, /[ ]+/); print w[2], "-" }' | sort -u
}

# check PAGE SECTION WHAT HELPTEXT: every option of HELPTEXT in PAGE's SECTION.
check() {
    local page=$1 title=$2 what=$3 help=$4 text long short
    text=$(section "$page" "$title")
    while read -r long short; do
        [ -n "$long" ] || continue
        [ "$long" = --help ] && [ "$title" != ".SH GLOBAL OPTIONS" ] && [ "$what" != fedsim-sut ] &&
            continue # every command has --help; the page says so once
        checked=$((checked + 1))
        if ! grep -qE -- "(^|[^a-z0-9-])$long([^a-z0-9-]|\$)" <<< "$text"; then
            echo "not ok - ${page#"$src"/}: $what --help has $long, the page's ${title:-text} does not"
            bad=1
        fi
        if [ "$short" != - ] && ! grep -qE -- "(^|[^a-z0-9-])$short([^a-zA-Z0-9-]|\$)" <<< "$text"; then
            echo "not ok - ${page#"$src"/}: $what --help has $short ($long), the page's ${title:-text} does not"
            bad=1
        fi
    done < <(options_of <<< "$help")
}

check "$man1" ".SH GLOBAL OPTIONS" "fedsim" "$("$fedsim" --help)"
commands=$("$fedsim" --help | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 }
    on && /^  [a-z]/ { print $1 }')
[ -n "$commands" ] || { echo "not ok - fedsim --help lists no command"; exit 1; }
for c in $commands; do
    if ! grep -qxF ".SS \"fedsim $c\"" "$man1"; then
        echo "not ok - dist/man/fedsim.1: no section .SS \"fedsim $c\" for the command $c"
        bad=1
        continue
    fi
    check "$man1" ".SS \"fedsim $c\"" "fedsim $c" "$("$fedsim" "$c" --help)"
done

check "$sut1" "" fedsim-sut "$(bash "$src/dist/fedsim-sut" --help)"
for s in "$src"/ci/sut/*/; do
    s=$(basename "$s")
    for c in start stop; do
        check "$sut1" "" "fedsim-sut $s $c" "$(bash "$src/dist/fedsim-sut" "$s" "$c" --help)"
    done
done

# fedsim-scenario(5) against the parser's tables (harness/scenario.c): every header key, every
# actor verb, every dns verb.
scn_text=$(section "$scn5" "")
scenario_c=$src/harness/scenario.c
keys=$(awk '/header_keys\[\] = \{/ { on = 1 } on { print } on && /\};/ { exit }' "$scenario_c" |
    grep -ao '"[a-z]*"' | tr -d '"')
verbs=$(awk '/^static const struct verb verbs\[\] = \{/ { on = 1; next } on && /^\};/ { exit }
    on { print }' "$scenario_c" | grep -ao '{"[a-z0-9 ]*"' | tr -d '{"')
dns_verbs=$(grep -ao 'strcmp(words\[1\], "[a-z]*")' "$scenario_c" | grep -o '"[a-z]*"' | tr -d '"' | sort -u)
[ -n "$keys" ] && [ -n "$verbs" ] && [ -n "$dns_verbs" ] ||
    { echo "not ok - no header keys, verbs or dns verbs found in harness/scenario.c"; exit 1; }
n_scn=0
while IFS= read -r k; do
    n_scn=$((n_scn + 1))
    grep -qF -- "$k: " <<< "$scn_text" ||
        { echo "not ok - dist/man/fedsim-scenario.5: no header line \"$k:\" (harness/scenario.c has it)"; bad=1; }
done <<< "$keys"
while IFS= read -r v; do
    n_scn=$((n_scn + 1))
    grep -qF -- "$v" <<< "$scn_text" ||
        { echo "not ok - dist/man/fedsim-scenario.5: no step \"$v\" (harness/scenario.c has it)"; bad=1; }
done <<< "$verbs"
while IFS= read -r v; do
    n_scn=$((n_scn + 1))
    grep -qF -- "dns $v " <<< "$scn_text" ||
        { echo "not ok - dist/man/fedsim-scenario.5: no step \"dns $v\" (harness/scenario.c has it)"; bad=1; }
done <<< "$dns_verbs"
checked=$((checked + n_scn))

if command -v man > /dev/null; then
    for page in "$man1" "$sut1" "$scn5"; do
        warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 -Z "$page" 2>&1 > /dev/null)
        if [ -n "$warnings" ]; then
            echo "not ok - ${page#"$src"/}: formatting warnings:"
            printf '%s\n' "$warnings"
            bad=1
        fi
    done
else
    echo "# man is not installed: the pages' formatting is not checked"
fi
[ $bad -eq 0 ] && echo "ok - $checked options and scenario keywords in the manual pages, $(wc -w <<< "$commands") commands"
exit $bad
