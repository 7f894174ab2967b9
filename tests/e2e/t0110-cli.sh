#!/usr/bin/env bash
# CLI conventions (issue 20, item 7): --version, one error format
# "gbench CMD: error: ...", "did you mean" for options, commands and values,
# the valid values listed, '-' as stdout for output flags, output paths
# checked before any work, --json for info and baseline list.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
base=$(ls -d "$TOP"/baselines/*/ci 2> /dev/null | head -n1)

expect_exit 0 "gbench --version exits 0" "$GBENCH" --version
check "it names the version and the commit" grep -qE '^gbench [0-9]+\.[0-9]+\.[0-9]+ \(commit [^)]+\)$' "$TMP/out"
check "and the build flags" grep -q '^flags: ' "$TMP/out"
expect_exit 0 "gbench version exits 0" "$GBENCH" version
check "the same text" grep -qE '^gbench [0-9]+\.[0-9]+\.[0-9]+ \(commit' "$TMP/out"

expect_exit 2 "a mistyped option exits 2" "$GBENCH" compare --jsno x a b
check "one error line naming it, with a suggestion" \
	grep -qx "gbench compare: error: unknown option '--jsno'; did you mean '--json'?" "$TMP/err"
check "the synopsis and the hint, not the whole usage" \
	bash -c "grep -q '^usage: gbench compare' '$TMP/err' && grep -qx \"see 'gbench compare -h'\" '$TMP/err' && ! grep -q '^Exit:' '$TMP/err'"
expect_exit 2 "an option missing its value exits 2" "$GBENCH" merge --out
check "says so" grep -qx "gbench merge: error: option '--out' needs a value" "$TMP/err"
expect_exit 2 "a value given to a flag exits 2" "$GBENCH" peak --quick=3
check "says it takes none" grep -qx "gbench peak: error: option '--quick' takes no value" "$TMP/err"
expect_exit 2 "an unknown short option exits 2" "$GBENCH" info -x
check "names it" grep -qx "gbench info: error: unknown option '-x'" "$TMP/err"
expect_exit 2 "a mistyped command exits 2" "$GBENCH" comprae
check "did you mean the command" grep -q "'comprae' is not a gbench command; did you mean 'compare'?" "$TMP/err"
expect_exit 2 "a mistyped top-level option exits 2" "$GBENCH" --verison
check "did you mean --version" grep -q "unknown option '--verison'; did you mean '--version'?" "$TMP/err"
expect_exit 2 "a bad value exits 2" "$GBENCH" export --format hyperfin x
check "the valid values listed, with a suggestion" grep -qx \
	"gbench export: error: bad value 'hyperfin' for 'format' (valid: gbench-json, hyperfine-json, hlog, openmetrics); did you mean 'hyperfine-json'?" "$TMP/err"

# one format: the first line of every command's bad-option error
cmds=$("$GBENCH" --list-commands)
for c in $cmds; do
	"$GBENCH" "$c" --no-such-flag > /dev/null 2> "$TMP/err"
	first=$(head -n1 "$TMP/err")
	case $first in
	"gbench $c: error: unknown option '--no-such-flag'"*) ok "$c: one error format" ;;
	*) fail "$c: one error format ('$first')" ;;
	esac
done
expect_exit 0 "--list-options lists a command's options" "$GBENCH" compare --list-options
check "with '=' for those that take a value" bash -c "grep -qx -- '--json=' '$TMP/out' && grep -qx -- '--paired' '$TMP/out'"

# '-' is stdout; output paths are checked before any work
if [ -n "$base" ]; then
	expect_exit 0 "compare --json - exits 0" "$GBENCH" compare "$base" "$base" --json -
	check "stdout is the JSON alone" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/out"
	check "no file named '-'" test ! -e "$TMP/-"
	check "the verdict table went to stderr" test -s "$TMP/err"
	expect_exit 0 "compare --markdown - exits 0" "$GBENCH" compare "$base" "$base" --markdown -
	check "stdout is the Markdown" grep -q '|' "$TMP/out"
	expect_exit 2 "two outputs on stdout exit 2" "$GBENCH" compare "$base" "$base" --json - --junit -
	expect_exit 2 "a --markdown in a missing folder exits 2" \
		"$GBENCH" compare "$base" "$base" --markdown "$TMP/no/such/dir/x.md"
	check "before anything is printed" test ! -s "$TMP/out"
	check "naming the flag and the folder" grep -q "gbench compare: error: --markdown '.*': no folder" "$TMP/err"
else
	for t in "compare --json -" "compare --markdown -" "two outputs" "bad --markdown folder"; do
		skip "$t" "no committed baseline under baselines/*/ci"
	done
fi
expect_exit 0 "synth --out - writes stdout" "$GBENCH" synth --kind llm-decode --out -
check "the trace" grep -q '^# gbench-trace v1' "$TMP/out"
check "no file named '-'" test ! -e "$TMP/-"
expect_exit 2 "synth --out into a missing folder exits 2" "$GBENCH" synth --kind llm-decode --out "$TMP/nope/t.csv"

expect_exit 0 "info --json exits 0" "$GBENCH" info --json
check "one JSON object with host, build, version, executors" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['gbench_version'] and j['host'] and j['build']
assert any(e['name'] == 'cpu' and e['available'] for e in j['executors'])" "$TMP/out"
expect_exit 0 "baseline list --json exits 0" "$GBENCH" baseline list --json --root "$TOP/baselines"
check "a JSON array of baselines" python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert isinstance(j, list)
assert all({'path', 'class', 'config', 'cells'} <= set(b) for b in j)" "$TMP/out"
done_testing
