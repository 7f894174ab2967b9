#!/usr/bin/env bash
# gbench history add / list / show / check on fixtures made from a real run
# (tests/data/history/gen.py: 60 runs resampled from the committed ci
# baseline's repetitions): a 3% step after run 40 is found at run 41 +- 1
# in every series (exit 1, the commits named), an A/A history of 60 runs
# shows nothing (exit 0); a run added twice is kept once; a bad directory
# adds nothing (exit 2); the XDG default path; the trend chart.
. "$(dirname "$0")/lib.sh"

SRC="$TOP/baselines/intel-xeon-2c-llvmpipe-llvm-15-0-6-256-bits/ci/run-1"
if ! command -v python3 > /dev/null; then
	skip "history fixtures" "no python3 to generate them"
	done_testing
	exit 0
fi
python3 "$TOP/tests/data/history/gen.py" "$SRC" "$TMP/step" --step 0.03 --after 40 --seed 1
python3 "$TOP/tests/data/history/gen.py" "$SRC" "$TMP/aa" --step 0 --seed 2
DB="$TMP/h.sqlite"

expect_exit 0 "history -h exits 0" "$GBENCH" history -h
check "usage on stdout" grep -q '^usage: gbench history' "$TMP/out"
expect_exit 2 "no subcommand exits 2" "$GBENCH" history
expect_exit 2 "an unknown subcommand exits 2" "$GBENCH" history frob
expect_exit 2 "add without RESULTS exits 2" "$GBENCH" history add --history "$DB"
expect_exit 4 "list of a store that is not there exits 4" "$GBENCH" history list --history "$DB"
check "naming it" grep -q "no history store '$DB'" "$TMP/err"

# All or nothing: a missing directory at the end adds none of the others.
expect_exit 2 "a missing results directory exits 2" \
	"$GBENCH" history add -q --history "$DB" "$TMP"/step/run-00[1-5] "$TMP/nope"
check "naming it" grep -q "'$TMP/nope' is not a results directory" "$TMP/err"
check "and makes no store" test ! -e "$DB"
cp -r "$TMP/step/run-001" "$TMP/incomplete"
sed -i 's/"complete": true/"complete": false/' "$TMP/incomplete/meta.json"
expect_exit 2 "an incomplete run is refused" "$GBENCH" history add -q --history "$DB" "$TMP/incomplete"
check "saying so" grep -q 'incomplete run' "$TMP/err"

expect_exit 0 "add 60 runs with a 3% step after run 40" \
	"$GBENCH" history add -q --history "$DB" --branch main "$TMP"/step/run-*
check "60 added" grep -q '^60 runs added' "$TMP/out"
expect_exit 0 "adding them again" "$GBENCH" history add -q --history "$DB" "$TMP"/step/run-00[1-3]
check "keeps them once" grep -q '^0 runs added .*(3 already there)' "$TMP/out"
expect_exit 0 "list" "$GBENCH" history list --history "$DB"
check "lists 60 runs" grep -q '^60 runs in' "$TMP/out"
check "oldest first" bash -c "grep -m1 ' c001 ' '$TMP/out' > /dev/null && sed -n 2p '$TMP/out' | grep -q ' c001 '"

expect_exit 1 "check finds the step: exit 1" "$GBENCH" history check --history "$DB"
cp "$TMP/out" "$TMP/check.out"
check "in all 6 series (3 cells x wall_ns, latency_p50_ns)" grep -q '^6 series checked: 6 persistent shifts, 6 regressions' "$TMP/check.out"
runs=$(grep -o 'from run [0-9]*' "$TMP/check.out" | awk '{print $3}' | sort -u | tr '\n' ' ')
check "each at run 41 +- 1 (found: $runs)" bash -c "[ -n '$runs' ] && for r in $runs; do [ \$r -ge 40 ] && [ \$r -le 42 ] || exit 1; done"
check "with the commits between which it began" grep -q 'between commits c040 (2026-12-01T00:40:00Z) and c041' "$TMP/check.out"
expect_exit 0 "--min-shift 5% hides a 3% step" "$GBENCH" history check --history "$DB" --min-shift 5%
expect_exit 0 "another branch has no history" "$GBENCH" history check --history "$DB" --branch other
check "and checks nothing" grep -q '^0 series checked' "$TMP/out"

expect_exit 0 "an A/A history of 60 runs" "$GBENCH" history add -q --history "$TMP/aa.sqlite" "$TMP"/aa/run-*
expect_exit 0 "check finds nothing in it: exit 0" "$GBENCH" history check --history "$TMP/aa.sqlite"
check "no shift" grep -q '^6 series checked: 0 persistent shifts, 0 regressions' "$TMP/out"

# The default store: $XDG_DATA_HOME/gbench/history.sqlite.
expect_exit 0 "add to the default store" env XDG_DATA_HOME="$TMP/xdg" "$GBENCH" history add -q "$TMP/step/run-001"
check "in XDG_DATA_HOME" test -s "$TMP/xdg/gbench/history.sqlite"

expect_exit 0 "show a series" "$GBENCH" history show --history "$DB" vector-search.cpu.b1.f16.c0 latency_p50_ns --out "$TMP/chart"
check "run by run, the shift marked at run 41" grep -q '^   41  c041 .*<- shift begins' "$TMP/out"
check "data and script written" test -s "$TMP/chart/history-vector-search.cpu.b1.f16.c0.latency_p50_ns.gp"
if command -v "${GNUPLOT:-gnuplot}" > /dev/null; then
	check "an SVG" grep -q '<svg' "$TMP/chart/history-vector-search.cpu.b1.f16.c0.latency_p50_ns.svg"
	check "a PNG" bash -c "head -c 8 '$TMP/chart/history-vector-search.cpu.b1.f16.c0.latency_p50_ns.png' | grep -q PNG"
	check "no temp image left" bash -c "! ls '$TMP/chart' | grep -q tmp"
else
	skip "the chart drawn" "no gnuplot"
fi
# A branch and a commit are data: they reach gnuplot only escaped.
cp -r "$TMP/step/run-001" "$TMP/hostile"
sed -i "s/\"commit\": \"c001\"/\"commit\": \"c'\`touch pwned-c\`\\\\\\\"x\"/" "$TMP/hostile/meta.json"
for i in 2 3 4 5 6 7 8 9 10 11; do cp -r "$TMP/step/run-0$(printf %02d $i)" "$TMP/hostile-$i"; done
expect_exit 0 "a hostile branch name and commit" "$GBENCH" history add -q --history "$TMP/bad.sqlite" \
	--branch "b'\`touch pwned-b\`\"; system('touch pwned-s')" "$TMP/hostile" "$TMP"/hostile-*
mkdir -p "$TMP/hchart"
( cd "$TMP/hchart" && "$GBENCH" history show --history "$TMP/bad.sqlite" vector-search.cpu.b1.f16.c0 wall_ns --out . ) > /dev/null 2>&1
check "are drawn without running anything" bash -c "ls '$TMP/hchart' | grep -q '\.gp\$' && ! ls '$TMP/hchart' '$TMP' | grep -q pwned"
# Names from the store reach the terminal escaped: one line a row, no escape sequence.
expect_exit 0 "a branch with an escape sequence and a newline" "$GBENCH" history add -q \
	--history "$TMP/ctl.sqlite" --branch "$(printf 'b\033[31m\nx')" "$TMP/step/run-001"
expect_exit 0 "list" "$GBENCH" history list --history "$TMP/ctl.sqlite"
check "prints it escaped" grep -qF 'b\x1b[31m\nx' "$TMP/out"
check "with no control byte" bash -c "! LC_ALL=C grep -q \$'\\033' '$TMP/out' && [ \$(wc -l < '$TMP/out') -eq 3 ]"
# A store another tool wrote, or a damaged one: a median that is not a number.
cp "$DB" "$TMP/damaged.sqlite"
python3 - "$TMP/damaged.sqlite" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("UPDATE points SET median = 'abc' WHERE run = 1 AND metric = 'wall_ns' "
            "AND cell = 'vector-search.cpu.b1.f16.c0'")
con.commit()
PY
expect_exit 4 "check of a store with a median that is not a number exits 4" "$GBENCH" history check --history "$TMP/damaged.sqlite"
check "naming the run, cell and metric" grep -q "history store '$TMP/damaged.sqlite': run 1, cell 'vector-search.cpu.b1.f16.c0', metric 'wall_ns': its median is not a number" "$TMP/err"
check "in one line" test "$(wc -l < "$TMP/err")" -eq 1
expect_exit 0 "list still lists its runs" "$GBENCH" history list --history "$TMP/damaged.sqlite"
expect_exit 2 "show of a series that is not there exits 2" "$GBENCH" history show --history "$DB" nope.cpu wall_ns --out "$TMP/chart"

# A cell a time budget's plan replayed over a window of its trace is a
# series of its own, CELL/rows:N: another run's plan may pick another
# window, other work.
cp -r "$TMP/step/run-001" "$TMP/windowed"
python3 - "$TMP/windowed/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["time_plan"] = {"budget_s": 60, "cells": {
    "llm-prefill.cpu.b8.q8.c0": {"window": 20, "requests": 1000, "why": "window"},
    "vector-search.cpu.b1.f16.c0": {"window": 1000, "requests": 1000, "why": "fit"}}}
json.dump(m, open(sys.argv[1], "w"))
PY
expect_exit 0 "add a run with a windowed cell" "$GBENCH" history add --history "$TMP/w.sqlite" "$TMP/windowed"
check "says the cell is kept apart, and why" grep -q "1 cell of '$TMP/windowed' replayed a window of its trace (a time budget's plan; the first: llm-prefill.cpu.b8.q8.c0): kept as CELL/rows:N, a series for each window" "$TMP/err"
expect_exit 2 "not in the cell's series" "$GBENCH" history show --history "$TMP/w.sqlite" llm-prefill.cpu.b8.q8.c0 wall_ns --out "$TMP/wchart"
expect_exit 0 "but in its window's" "$GBENCH" history show --history "$TMP/w.sqlite" llm-prefill.cpu.b8.q8.c0/rows:20 wall_ns --out "$TMP/wchart2"
check "whose chart is drawn under a file name made safe" bash -c "ls '$TMP/wchart2' | grep -q '^history-llm-prefill\.cpu\.b8\.q8\.c0_rows_20\.wall_ns-'"
expect_exit 0 "a cell that replayed its whole trace is kept" "$GBENCH" history show --history "$TMP/w.sqlite" vector-search.cpu.b1.f16.c0 wall_ns --out "$TMP/wchart"
done_testing
