#!/usr/bin/env bash
# What gbench run shows while it runs and when it ends (issue 20 item 1,
# issue 15 item 5): progress lines in a log (stderr not a terminal) during
# warm-ups, measured repetitions and every process of a shared run; none
# with --quiet; the end-of-run summary; the one interrupt line and no
# 'nan'; the report written into the results folder unless --no-report;
# the dry run's estimate, as text and as JSON, and the calibration's
# progress; --out refusals before work.
. "$(dirname "$0")/lib.sh"

hdr='# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n'
{ printf "$hdr"; for i in $(seq 0 39); do echo "$i,0,silu,1,256,0,0,,x"; done; } > "$TMP/tiny.csv"
args=(run --workload "$TMP/tiny.csv" --executor cpu --batch 1 --quant f32,q8 --cache 0
      --repetitions 4 --warmup 1)
export TMPDIR="$TMP"

# A log: one line per event, each naming its phase.
expect_exit 0 "a run with its stderr in a log" "$GBENCH" "${args[@]}" --no-report --out "$TMP/log"
cp "$TMP/err" "$TMP/log.err"
check "a progress line during the warm-ups" grep -q '^gbench run: warm-up [0-9]* of 2 repetitions' "$TMP/log.err"
check "a progress line during the measured repetitions" \
	grep -q '^gbench run: measured [0-9]* of 8 repetitions, [0-9] of 2 cells done' "$TMP/log.err"
check "with the elapsed time and the current cell" \
	grep -q 'measured .* s elapsed, .*tiny\.cpu\.b1\.' "$TMP/log.err"
check "an ETA only from a measured rate ('measuring' before)" \
	bash -c "grep -q 'warm-up 0 of 2 .*ETA: measuring' '$TMP/log.err' && grep -q 'measured 8 of 8 .*ETA 0.0 s' '$TMP/log.err'"
check "not a flood: at most a dozen progress lines" \
	[ "$(grep -c '^gbench run: \(warm-up\|measured\)' "$TMP/log.err")" -le 14 ]

# The summary.
check "the summary's first line" \
	grep -q '^gbench run: done in [0-9.]* s: 2 of 2 cells measured, 0 skipped, 0 invalid, 0 over an accuracy budget' "$TMP/log.err"
check "the highest and lowest throughput" \
	bash -c "grep -q '^  highest throughput: *tiny\.cpu' '$TMP/log.err' && grep -q '^  lowest throughput: *tiny\.cpu' '$TMP/log.err'"
check "where the results are" grep -q "^  results: *$TMP/log " "$TMP/log.err"
check "no report, and why" grep -q '^  report: *none (--no-report)' "$TMP/log.err"
check "the next command" grep -q "^  next: *gbench compare BASELINE $TMP/log" "$TMP/log.err"
check "no per-cell line without --verbose" bash -c "! grep -q '^\[1/2\]' '$TMP/log.err'"
check "--no-report writes no report" test ! -e "$TMP/log/report"

expect_exit 0 "--verbose" "$GBENCH" "${args[@]}" --verbose --no-report --out "$TMP/verbose"
check "prints a line per cell" grep -q '^\[2/2\] tiny\.cpu\.b1\.q8\.c0 .* req/s' "$TMP/err"

# The report, written by the run into its folder.
expect_exit 0 "a run that writes its report" "$GBENCH" "${args[@]}" --out "$TMP/rep"
check "report.md in the results folder" test -s "$TMP/rep/report/report.md"
check "and the summary says where" grep -q "^  report: *$TMP/rep/report/report.md" "$TMP/err"

# --quiet: no progress, no summary.
expect_exit 0 "--quiet" "$GBENCH" "${args[@]}" --quiet --no-report --out "$TMP/quiet"
check "prints nothing on stderr" test ! -s "$TMP/err"

# A shared run: each process's lines, with its number.
expect_exit 0 "--processes 2" "$GBENCH" "${args[@]}" --processes 2 --no-report --out "$TMP/p2"
check "progress of process 1 of 2" grep -q '^gbench run: process 1 of 2, measured' "$TMP/err"
check "progress of process 2 of 2 (the child)" grep -q '^gbench run: process 2 of 2, measured' "$TMP/err"
check "the summary once" [ "$(grep -c '^gbench run: done in' "$TMP/err")" -eq 1 ]

# The dry run: its estimate, as text and as JSON.
expect_exit 0 "--dry-run" "$GBENCH" "${args[@]}" --dry-run
check "prints the estimated time" grep -q '^estimated time: [0-9]* s' "$TMP/out"
check "the calibration's progress: a line as it starts" \
	grep -q '^gbench run: calibrating, probe 1 of 2, [0-9.]* s elapsed, tiny\.cpu\.b1\.f32\.c0$' "$TMP/err"
check "and the probes it took" grep -q '^gbench run: calibrated 2 probes in [0-9.]* s$' "$TMP/err"
expect_exit 0 "a run with a time budget" "$GBENCH" "${args[@]}" --time-budget 20s --no-report \
	--out "$TMP/budget"
check "its calibration's lines say the budget left" \
	bash -c "grep -q '^gbench run: calibrating, probe 2 of 2, .* s of the 20 s budget left, tiny\.cpu\.b1\.q8\.c0\$' '$TMP/err' &&
		 grep -q '^gbench run: calibrated 2 probes in .* s, [0-9]* s of the 20 s budget left\$' '$TMP/err'"
expect_exit 0 "--dry-run --quiet" "$GBENCH" "${args[@]}" --dry-run --quiet
check "shows no calibration line" bash -c "! grep -q 'calibrat' '$TMP/err'"
expect_exit 0 "--dry-run --json" "$GBENCH" "${args[@]}" --dry-run --json
check "prints the plan as JSON" python3 -c "
import json, sys
p = json.load(open('$TMP/out'))
sys.exit(not (len(p['cells']) == 2 and p['estimate_s'] > 0 and
              p['cells'][0]['id'] == 'tiny.cpu.b1.f32.c0' and 'cpu' in p['estimate_by_executor_s']))"
expect_exit 2 "--json without --dry-run is refused" "$GBENCH" "${args[@]}" --json --out "$TMP/j"

# --out refusals, before any work.
: > "$TMP/file"
expect_exit 2 "--out onto an existing file exits 2" "$GBENCH" "${args[@]}" --out "$TMP/file"
check "naming it" grep -q "'$TMP/file' is an existing file" "$TMP/err"
cp "$TMP/log/meta.json" "$TMP/meta.before"
expect_exit 2 "--out onto earlier results exits 2" "$GBENCH" "${args[@]}" --out "$TMP/log"
check "saying --force" grep -q "holds earlier results.*--force" "$TMP/err"
check "and leaves them as they were" cmp -s "$TMP/log/meta.json" "$TMP/meta.before"
expect_exit 0 "--force replaces them" "$GBENCH" "${args[@]}" --force --no-report --quiet --out "$TMP/log"
check "with a new meta.json" bash -c "! cmp -s '$TMP/log/meta.json' '$TMP/meta.before'"

# SIGINT mid-run: one line, no 'nan' for cells never measured.
"$GBENCH" "${args[@]}" --repetitions 20000 --no-report --out "$TMP/int" 2> "$TMP/int.err" &
pid=$!
for _ in $(seq 1 300); do
	grep -q '^gbench run: measured' "$TMP/int.err" && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 130 ] && ok "exits 130 on SIGINT" || fail "exits 130 on SIGINT (got $rc)"
check "says so in one line" grep -q "^gbench run: interrupted after [0-9.]* s (0 of 2 cells measured); partial results in $TMP/int (complete: false)$" "$TMP/int.err"
check "no 'nan' line" bash -c "! grep -qi 'nan' '$TMP/int.err'"
check "no summary" bash -c "! grep -q 'done in' '$TMP/int.err'"
done_testing
