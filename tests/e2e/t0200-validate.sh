#!/usr/bin/env bash
# gbench validate: good traces and configs pass with a one-line summary; bad
# ones exit 2 with every problem as FILE:LINE: what, across all files given.
. "$(dirname "$0")/lib.sh"

D=tests/data/traces
cd "$TOP" || exit 2

expect_exit 0 "a good trace validates" "$GBENCH" validate "$D/good-odd-sizes.csv"
check "and is summarized" grep -qx "$D/good-odd-sizes.csv: ok (10 requests, 4 streams)" "$TMP/out"
expect_exit 0 "quoted fields validate" "$GBENCH" validate "$D/good-quoted.csv"

# file, line, message: one bad row each
while IFS='|' read -r f line msg; do
	expect_exit 2 "$f is rejected" "$GBENCH" validate "$D/$f"
	check "$f: the problem is at $f:$line" grep -qF "$D/$f:$line: $msg" "$TMP/err"
done <<'LIST'
bad-unknown-op.csv|5|unknown op 'conv2d'
bad-missing-column.csv|5|expected 9 columns, found 8
bad-extra-column.csv|5|expected 9 columns, found 10
bad-non-numeric.csv|5|m 'abc' is not a number
bad-negative.csv|5|n '-8' is negative
bad-decreasing-arrival.csv|6|arrival_ns 50 is before the previous row's 100
bad-over-limit.csv|5|m 65537 is over the limit 65536
bad-elems.csv|5|operand y (m*n) has 4294967296 elements
bad-fft-n.csv|5|fft n 1000 is not a power of two
bad-topk-p.csv|5|topk p 9 is greater than n 8
bad-tensor.csv|5|matmul needs a tensor name
bad-stream.csv|5|stream '2147483648' is too large
bad-unused.csv|5|k is 4; silu does not use k
bad-quote.csv|5|malformed csv: a quote inside an unquoted field
bad-no-header.csv|3|no header
bad-no-magic.csv|1|missing '# gbench-trace v1' header line
bad-empty.csv|3|no requests (empty trace)
LIST

expect_exit 2 "every problem of a file is reported" "$GBENCH" validate "$D/bad-many.csv"
check "four problems, one line each" test "$(grep -c "^$D/bad-many.csv:[0-9]*: " "$TMP/err")" -eq 4
for l in 5 7 9 11; do
	check "bad-many.csv:$l reported" grep -q "^$D/bad-many.csv:$l: " "$TMP/err"
done

expect_exit 2 "problems in several files, good ones still summarized" \
	"$GBENCH" validate "$D/bad-fft-n.csv" "$D/good-quoted.csv" "$D/bad-topk-p.csv"
check "the first bad file is reported" grep -q "^$D/bad-fft-n.csv:5: " "$TMP/err"
check "the last bad file is reported" grep -q "^$D/bad-topk-p.csv:5: " "$TMP/err"
check "the good file between them is ok" grep -q "^$D/good-quoted.csv: ok" "$TMP/out"

expect_exit 2 "a missing file exits 2" "$GBENCH" validate "$TMP/none.csv"
expect_exit 2 "no file at all exits 2" "$GBENCH" validate
expect_exit 0 "-h exits 0" "$GBENCH" validate -h
check "-h prints usage on stdout" grep -q '^usage: gbench validate' "$TMP/out"

# Shipped workloads and configs are all valid.
shipped=$(ls workloads/*.csv workloads/*/*.csv 2>/dev/null)
if [ -n "$shipped" ]; then
	# shellcheck disable=SC2086
	expect_exit 0 "every shipped workload validates" "$GBENCH" validate $shipped
else
	skip "every shipped workload validates" "no workloads/*.csv yet"
fi
configs=$(ls bench/configs/*.ini 2>/dev/null)
if [ -n "$configs" ]; then
	# shellcheck disable=SC2086
	expect_exit 0 "every shipped config validates" "$GBENCH" validate $configs
else
	skip "every shipped config validates" "no bench/configs/*.ini yet"
fi
printf '[run]\nbatch = 1,x\n' > "$TMP/bad.ini"
expect_exit 2 "a bad config is rejected" "$GBENCH" validate "$TMP/bad.ini"
check "with its file and line" grep -q "bad.ini:2: " "$TMP/err"

# A field of a bad row is data: its control characters are escaped, so
# each problem is one line and no escape sequence reaches the terminal.
head -n 8 workloads/audio-features.csv > "$TMP/ctl.csv"
printf '0,0,\033[31mred,1,1,1,0,,k\n0,0,"ma\ntmul",1,1,1,0,,k\n' >> "$TMP/ctl.csv"
expect_exit 2 "a trace with control characters in its fields" "$GBENCH" validate "$TMP/ctl.csv"
check "names them escaped" bash -c "grep -qF \"ctl.csv:9: unknown op '\\x1b[31mred'\" '$TMP/err' &&
	grep -qF \"ctl.csv:10: unknown op 'ma\\ntmul'\" '$TMP/err'"
check "a line each, no escape byte" bash -c "[ \$(wc -l < '$TMP/err') -eq 3 ] && ! grep -q \$'\\033' '$TMP/err'"
printf '[run]\nexecutors = cpu,\033[2Jx\n\033[31m = 1\n' > "$TMP/ctl.ini"
expect_exit 2 "a config with control characters" "$GBENCH" validate "$TMP/ctl.ini"
check "names them escaped, a line each" bash -c "grep -qF \"ctl.ini:2: unknown executor '\\x1b[2Jx'\" '$TMP/err' &&
	grep -qF \"ctl.ini:3: unknown key '\\x1b[31m' in [run]\" '$TMP/err' && ! grep -q \$'\\033' '$TMP/err'"
done_testing
