#!/usr/bin/env bash
# -h on gbench and on every command it lists: usage on stdout, exit 0;
# an unknown command or option: exit 2; the man page generated from -h holds
# every command's -h text; the bash completion parses and completes.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "gbench -h exits 0" "$GBENCH" -h
check "gbench -h prints usage on stdout" grep -q '^usage: gbench' "$TMP/out"
cmds=$(sed -n '/^commands:/,/^$/p' "$TMP/out" | awk 'NF > 1 {print $1}')
[ -n "$cmds" ] && ok "gbench -h lists commands" || fail "gbench -h lists commands"
for c in $cmds; do
	expect_exit 0 "gbench $c -h exits 0" "$GBENCH" "$c" -h
	check "gbench $c -h prints its usage on stdout" grep -q "^usage: gbench $c" "$TMP/out"
	expect_exit 2 "gbench $c --no-such-flag exits 2" "$GBENCH" "$c" --no-such-flag
done
expect_exit 2 "an unknown command exits 2" "$GBENCH" frobnicate
check "the unknown command is named" grep -q "'frobnicate' is not a gbench command" "$TMP/err"
expect_exit 2 "no command exits 2" "$GBENCH"

# The man page is generated from -h: every command's -h text is its section.
expect_exit 0 "scripts/gen-man.sh writes the page" "$TOP/scripts/gen-man.sh" "$GBENCH" "$TMP/gbench.1"
check "the page holds every command's -h text, verbatim" python3 - "$GBENCH" "$TMP/gbench.1" <<'PY'
import re, subprocess, sys
gb, page = sys.argv[1], open(sys.argv[2]).read()
cmds = subprocess.run([gb, "--list-commands"], capture_output=True, text=True, check=True).stdout.split()
assert cmds
def unroff(s):
    s = re.sub(r"^\\&", "", s, flags=re.M)
    return s.replace("\\e", "\\")
for c in cmds:
    m = re.search(r"^\.SS gbench " + re.escape(c) + r"\n\.nf\n(.*?)^\.fi$", page, re.S | re.M)
    assert m, "no section for " + c
    h = subprocess.run([gb, c, "-h"], capture_output=True, text=True, check=True).stdout
    assert unroff(m.group(1)) == h, c + ": the section differs from -h"
PY
if command -v man > /dev/null; then
	check "man renders it" bash -c "MANWIDTH=80 man -l '$TMP/gbench.1' 2> /dev/null | grep -q 'gbench compare'"
else
	skip "man renders it" "man is not installed"
fi

# Completion: bash parses it; completing asks gbench itself.
comp=$TOP/completions/gbench.bash
check "bash -n parses the bash completion" bash -n "$comp"
mkdir -p "$TMP/bin" && ln -sf "$GBENCH" "$TMP/bin/gbench"
complete_words() { # WORDS...: the COMPREPLY for the last word, one a line
	PATH="$TMP/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_gbench; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@"
}
check "completes a command" bash -c "$(declare -f complete_words); TMP='$TMP' comp='$comp'; complete_words gbench comp | grep -qx compare"
check "completes a command's long option from its table" \
	bash -c "$(declare -f complete_words); TMP='$TMP' comp='$comp'; complete_words gbench compare --mark | grep -qx -- --markdown"
check "completes run's options" \
	bash -c "$(declare -f complete_words); TMP='$TMP' comp='$comp'; complete_words gbench run --confi | grep -qx -- --config"
check "completes a --format value" \
	bash -c "$(declare -f complete_words); TMP='$TMP' comp='$comp'; complete_words gbench export --format hyper | grep -qx hyperfine-json"
check "completes a subcommand" \
	bash -c "$(declare -f complete_words); TMP='$TMP' comp='$comp'; complete_words gbench history ch | grep -qx check"
check "offers nothing for an unknown option prefix" \
	bash -c "$(declare -f complete_words); TMP='$TMP' comp='$comp'; [ -z \"\$(complete_words gbench compare --zz)\" ]"
if command -v zsh > /dev/null; then
	check "zsh -n parses the zsh completion" zsh -n "$TOP/completions/_gbench"
else
	skip "zsh -n parses the zsh completion" "zsh is not installed"
fi
done_testing
