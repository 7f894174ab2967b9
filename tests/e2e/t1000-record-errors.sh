#!/usr/bin/env bash
# gbench record on bad input: no program, a program not found (127, no
# trace), one that exits non-zero or is killed (its status passed on, the
# trace so far kept), one that uses no BLAS (an empty trace and a clear
# message), no recorder library (4), an unwritable trace (2).
. "$(dirname "$0")/lib.sh"

: "${GBENCH_BUILD:=$TOP/build/san}"
prog=$GBENCH_BUILD/record/t1000-record-blas

expect_exit 0 "-h exits 0" "$GBENCH" record -h
check "-h prints usage on stdout" grep -q '^usage: gbench record' "$TMP/out"
expect_exit 2 "no program exits 2" "$GBENCH" record -o "$TMP/x.csv"
check "it says what is missing" grep -q 'no program to record' "$TMP/err"
check "usage goes to stderr" grep -q '^usage: gbench record' "$TMP/err"
expect_exit 2 "an unknown option exits 2" "$GBENCH" record --frob -- true

expect_exit 127 "a program not found exits 127" "$GBENCH" record -o "$TMP/nf.csv" -- "$TMP/no-such-program"
check "it is named" grep -q "cannot run '$TMP/no-such-program': No such file or directory" "$TMP/err"
check "no trace is left" test ! -e "$TMP/nf.csv"
check "nor a counters file" test -z "$(ls "$TMP" | grep counts)"

expect_exit 0 "a program that uses no BLAS exits with its status" \
	"$GBENCH" record -o "$TMP/none.csv" -- true
check "with a clear message" grep -q "'true' made no call gbench records" "$TMP/err"
check "the trace has its header and no rows" \
	test "$(grep -c '^arrival_ns,stream,op' "$TMP/none.csv")" = 1 -a \
	     "$(grep -cE '^[0-9]+,' "$TMP/none.csv")" = 0
check "and says nothing was recorded" grep -qx '# recorded: none' "$TMP/none.csv"

expect_exit 3 "a non-zero exit status is passed on" "$GBENCH" record -o "$TMP/three.csv" -- sh -c 'exit 3'
check "and written in the header" grep -qx '# exit: 3' "$TMP/three.csv"
check "the message says so" grep -q "exited with status 3" "$TMP/err"

if [ -x "$prog" ]; then
	# sh runs the BLAS program, then kills itself: 128 + 9, the program's rows kept.
	expect_exit 137 "a killed program's status is 128 + the signal" \
		"$GBENCH" record -o "$TMP/killed.csv" -- sh -c '"$0" > /dev/null && kill -KILL $$' "$prog"
	expect_exit 0 "its trace validates" "$GBENCH" validate "$TMP/killed.csv"
	check "with every row of the program it started" \
		test "$(grep -cE '^[0-9]+,' "$TMP/killed.csv")" = 9
	check "both processes loaded the recorder" grep -qx '# processes: 2' "$TMP/killed.csv"
	check "the kill is in the header" grep -q '^# exit: killed by signal 9' "$TMP/killed.csv"
else
	fail "$prog is built (make tests)"
fi

expect_exit 4 "no recorder library exits 4" env GBENCH_RECORD_PRELOAD="$TMP/nope.so" \
	"$GBENCH" record -o "$TMP/x.csv" -- true
check "the library is named" grep -q "nope.so" "$TMP/err"
expect_exit 2 "an unwritable trace exits 2" "$GBENCH" record -o "$TMP/no/dir/x.csv" -- true
check "and the program did not run" test ! -e "$TMP/no/dir"
done_testing
