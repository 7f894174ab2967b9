#!/usr/bin/env bash
# -h on gbench and on every command it lists: usage on stdout, exit 0;
# an unknown command or option: exit 2.
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
done_testing
