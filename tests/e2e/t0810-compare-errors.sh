#!/usr/bin/env bash
# gbench compare on bad input: exit 2 with the reason; usage errors exit 2.
# Results files a run never writes (issue 21) are refused with file:record,
# exit 2, not an abort: a rep of 4000000000, a baseline's processes.count of
# 2^59 + 1, inf, nan, hex floats, negative times, duplicate rows, unsafe
# cell ids; and a directory whose files do not match its meta.json's
# manifest (new CSVs beside an old meta.json: a run killed while writing
# into a reused --out) is refused naming the file, and so is a time plan
# whose window is not a count of the trace's rows. With --paired (A/B of
# one job) a B of another config or machine class exits 2 in one line.
. "$(dirname "$0")/lib.sh"

# Hand edits below test the parser: without the manifest (as in an older
# run) the edited files are read, not refused as edited.
strip_manifest() {
	python3 - "$1/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("manifest", None)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
}

mkdir -p "$TMP/t"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/t/tiny.csv"
expect_exit 0 "a small run" "$GBENCH" run --no-report --quiet --executor cpu --batch 1 --quant f32 --cache 0 \
	--repetitions 3 --workload "$TMP/t/tiny.csv" --out "$TMP/a"

expect_exit 0 "-h exits 0" "$GBENCH" compare -h
check "usage on stdout" grep -q '^usage: gbench compare' "$TMP/out"
expect_exit 2 "one argument exits 2" "$GBENCH" compare "$TMP/a"
check "saying why" grep -q 'needs BASELINE and CURRENT' "$TMP/err"
expect_exit 2 "three arguments exit 2" "$GBENCH" compare "$TMP/a" "$TMP/a" "$TMP/a"
expect_exit 2 "a bad threshold exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --threshold 5
check "saying why" grep -q "bad threshold '5'" "$TMP/err"
expect_exit 2 "a bad alpha exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --alpha 2
expect_exit 2 "too few resamples exit 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --resamples 100
expect_exit 2 "an unknown option exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --frob
expect_exit 2 "a missing directory exits 2" "$GBENCH" compare "$TMP/nope" "$TMP/a"
check "naming it" grep -q "$TMP/nope" "$TMP/err"
expect_exit 2 "a gating metric no side has exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --metric wal_ns
check "naming it" grep -q "metric 'wal_ns'" "$TMP/err"

cp -r "$TMP/a" "$TMP/bad"
strip_manifest "$TMP/bad"
printf 'not,a,results,file\n1,2,3,4\n' > "$TMP/bad/results.csv"
expect_exit 2 "a malformed results.csv exits 2" "$GBENCH" compare "$TMP/bad" "$TMP/a"
check "naming the missing column" grep -q "missing column 'cell'" "$TMP/err"

cp -r "$TMP/a" "$TMP/bad2"
strip_manifest "$TMP/bad2"
sed -i '3s/,[0-9.e+]*$/,twelve/' "$TMP/bad2/samples.csv"
expect_exit 2 "a bad sample value exits 2" "$GBENCH" compare "$TMP/a" "$TMP/bad2"
check "naming file:line" grep -q "samples.csv:3: bad value 'twelve'" "$TMP/err"

cp -r "$TMP/a" "$TMP/schema"
sed -i 's/"schema": 1/"schema": 2/' "$TMP/schema/meta.json"
expect_exit 2 "another results schema exits 2" "$GBENCH" compare "$TMP/a" "$TMP/schema"
check "saying so" grep -q 'results schema 2' "$TMP/err"

cp -r "$TMP/a" "$TMP/json"
echo '{ "schema": 1,' > "$TMP/json/meta.json"
expect_exit 2 "a malformed meta.json exits 2" "$GBENCH" compare "$TMP/json" "$TMP/a"
check "naming it" grep -q 'meta.json:' "$TMP/err"

cp -r "$TMP/a" "$TMP/other"
strip_manifest "$TMP/other"
sed -i 's/tiny\.cpu/renamed.cpu/' "$TMP/other/results.csv" "$TMP/other/samples.csv" "$TMP/other/accuracy.csv"
expect_exit 2 "results with no cell in common exit 2" "$GBENCH" compare "$TMP/a" "$TMP/other"
check "saying so" grep -q 'share no cell' "$TMP/err"

expect_exit 0 "one process a side, against itself: unchanged, no test needed" "$GBENCH" compare "$TMP/a" "$TMP/a"

# --paired (A and B of one job, issue 16): another config or machine class
# as B is a wrong invocation, one line and exit 2.
for what in config host; do
	rm -rf "$TMP/ab-$what"; cp -r "$TMP/a" "$TMP/ab-$what"
	python3 - "$TMP/ab-$what/meta.json" "$what" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
if sys.argv[2] == "config":
    m["config"]["name"] = "another"
else:
    m["host"]["cpu_model"] = "Some Other CPU 9000"
json.dump(m, open(sys.argv[1], "w"))
PY
	expect_exit 2 "--paired with another $what as B exits 2" "$GBENCH" compare --paired "$TMP/a" "$TMP/ab-$what"
	check "in one line naming --paired" bash -c "[ \$(wc -l < '$TMP/err') -eq 1 ] && grep -q '^gbench compare: error: --paired: A ran' '$TMP/err'"
done

# A samples.csv row (line 3) replaced by TEXT in a copy of the run, without its manifest.
edited() {
	rm -rf "$TMP/ed"
	cp -r "$TMP/a" "$TMP/ed"
	strip_manifest "$TMP/ed"
	python3 - "$TMP/ed/samples.csv" "$1" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
lines[2] = sys.argv[2]
open(sys.argv[1], "w").write("\n".join(lines))
PY
}
cell=tiny.cpu.b1.f32.c0
edited "$cell,wall_ns,4000000000,1"
expect_exit 2 "a rep of 4000000000 exits 2, no abort" "$GBENCH" compare "$TMP/a" "$TMP/ed"
check "naming file:record" grep -q "samples.csv:3: rep 4000000000 is out of range" "$TMP/err"
check "and nothing fatal" bash -c "! grep -q 'fatal\|Sanitizer' '$TMP/err'"
edited "$cell,wall_ns,3,1"
expect_exit 2 "a rep beyond the run's 3 repetitions exits 2" "$GBENCH" compare "$TMP/a" "$TMP/ed"
check "saying so" grep -q "samples.csv:3: rep 3 is out of range: the run had 3 repetitions" "$TMP/err"
for v in inf nan -nan 0x1p3 -1500 1e999; do
	edited "$cell,wall_ns,0,$v"
	expect_exit 2 "a wall_ns of '$v' exits 2" "$GBENCH" compare "$TMP/a" "$TMP/ed"
	check "naming file:record" grep -q "samples.csv:3: .*'$v'" "$TMP/err"
done
edited "$(sed -n 2p "$TMP/a/samples.csv")"
expect_exit 2 "a duplicate sample row exits 2" "$GBENCH" compare "$TMP/a" "$TMP/ed"
check "naming it" grep -q "samples.csv:3: a second row for rep 0 of metric" "$TMP/err"

rm -rf "$TMP/ed"; cp -r "$TMP/a" "$TMP/ed"; strip_manifest "$TMP/ed"
sed -i 's/^tiny\.cpu\.b1\.f32\.c0,/..,/' "$TMP/ed/results.csv"
expect_exit 2 "a cell id '..' exits 2" "$GBENCH" compare "$TMP/ed" "$TMP/a"
check "naming file:record" grep -q "results.csv:2: cell id '..' is not a safe file name" "$TMP/err"

# A baseline's processes.count of 2^59 + 1 sized its split by process.
rm -rf "$TMP/ed"; cp -r "$TMP/a" "$TMP/ed"
python3 - "$TMP/ed/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["processes"] = {"count": 2**59 + 1, "repetitions": {"tiny.cpu.b1.f32.c0": [1, 1, 1]}}
json.dump(m, open(sys.argv[1], "w"))
PY
expect_exit 2 "a baseline's processes.count of 2^59+1 exits 2, no abort" "$GBENCH" compare "$TMP/ed" "$TMP/a"
check "naming the count" grep -q "meta.json: processes.count is not a process count" "$TMP/err"

# A time plan's window is read as the rows a cell replayed: one that is not
# a count of its trace's rows is refused, not taken for the whole trace.
for w in '"abc"' -5 1.5 1001 null; do
	rm -rf "$TMP/ed"; cp -r "$TMP/a" "$TMP/ed"
	python3 - "$TMP/ed/meta.json" "$w" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["time_plan"] = {"budget_s": 60, "cells": {"tiny.cpu.b1.f32.c0": {"window": json.loads(sys.argv[2]), "requests": 1000}}}
json.dump(m, open(sys.argv[1], "w"))
PY
	expect_exit 2 "a time plan's window of $w exits 2" "$GBENCH" compare "$TMP/a" "$TMP/ed"
	check "naming the file and the cell" grep -q "ed/meta.json: time_plan.cells.tiny.cpu.b1.f32.c0 has a window that is not a count of rows of its trace (0 to requests)" "$TMP/err"
done
check "so does the report" bash -c "! '$GBENCH' report '$TMP/ed' --out '$TMP/rep' > /dev/null 2>&1"
# A cell's cut (repetitions the run gave up to its clock) is a count too.
for k in '-3' '"x"'; do
	rm -rf "$TMP/cut"; cp -r "$TMP/a" "$TMP/cut"
	python3 - "$TMP/cut/meta.json" "$k" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["time_plan"] = {"budget_s": 60, "cells": {"tiny.cpu.b1.f32.c0": {"cut": json.loads(sys.argv[2]), "requests": 1000}}}
json.dump(m, open(sys.argv[1], "w"))
PY
	expect_exit 2 "a time plan's cut of $k exits 2" "$GBENCH" report "$TMP/cut" --out "$TMP/cut-rep"
	check "naming the file and the cell" grep -q "cut/meta.json: time_plan.cells.tiny.cpu.b1.f32.c0 has a count (requests, repetitions, cut) that is not an integer from 0" "$TMP/err"
done
expect_exit 2 "and --windows-of" "$GBENCH" run --no-report --executor cpu --batch 1 --quant f32 --cache 0 \
	--workload "$TMP/t/tiny.csv" --time-budget 5s --windows-of "$TMP/ed" --dry-run
check "naming it before anything is calibrated" grep -q "ed/meta.json: time_plan.cells" "$TMP/err"
# New CSVs beside an old meta.json (a run killed while writing into a reused --out).
expect_exit 0 "a second small run" "$GBENCH" run --no-report --quiet --executor cpu --batch 1 --quant f32 --cache 0 \
	--repetitions 3 --workload "$TMP/t/tiny.csv" --out "$TMP/b"
rm -rf "$TMP/mix"; cp -r "$TMP/a" "$TMP/mix"
cp "$TMP/b/results.csv" "$TMP/b/samples.csv" "$TMP/mix/"
expect_exit 2 "a directory mixing two runs exits 2" "$GBENCH" compare "$TMP/a" "$TMP/mix"
check "naming the file that does not match" grep -qE "mix/(results|samples).csv: does not match meta.json's manifest" "$TMP/err"
expect_exit 2 "as a baseline too" "$GBENCH" compare "$TMP/mix" "$TMP/a"
check "the report refuses it too" bash -c "! '$GBENCH' report '$TMP/mix' --out '$TMP/rep' > /dev/null 2>&1"
done_testing
