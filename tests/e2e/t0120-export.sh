#!/usr/bin/env bash
# gbench export (issue 20, item 8): a results directory as Google Benchmark
# JSON (read by Google Benchmark's own tools/compare.py from Debian's
# libbenchmark-tools), hyperfine JSON and OpenMetrics text (parsed by
# python3-prometheus-client's OpenMetrics parser); the numbers round-trip
# against samples.csv; '-' and no -o are stdout.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
a=$(ls -d "$TOP"/baselines/*/ci/run-1 2> /dev/null | head -n1)
b=$(ls -d "$TOP"/baselines/*/ci/run-2 2> /dev/null | head -n1)
if [ -z "$a" ] || [ -z "$b" ]; then
	skip "export" "no committed baseline with run-1 and run-2 under baselines/*/ci"
	done_testing
	exit 0
fi

expect_exit 0 "gbench-json exits 0" "$GBENCH" export --format gbench-json "$a" -o "$TMP/a.json"
check "writes -o atomically (no temp file left)" bash -c "test -s '$TMP/a.json' && ! ls '$TMP' | grep -q '\.tmp\.'"
expect_exit 0 "gbench-json to stdout without -o" "$GBENCH" export --format gbench-json "$b"
cp "$TMP/out" "$TMP/b.json"
check "the layout Google Benchmark writes, times from samples.csv" python3 - "$TMP/a.json" "$a/samples.csv" <<'PY'
import csv, json, sys
j = json.load(open(sys.argv[1]))
assert set(j) == {"context", "benchmarks"}
it = [x for x in j["benchmarks"] if x["run_type"] == "iteration"]
assert it and all(k in x for x in j["benchmarks"] for k in
                  ("name", "run_name", "run_type", "iterations", "real_time", "cpu_time", "time_unit"))
assert all(x["time_unit"] == "ns" for x in it)
wall = {}
for r in csv.DictReader(open(sys.argv[2])):
    if r["metric"] == "wall_ns" and r["value"]:
        wall.setdefault(r["cell"], []).append(float(r["value"]))
got = {}
for x in it:
    got.setdefault(x["name"], []).append(x["real_time"])
assert sorted(got) == sorted(wall), "cells differ"
for c in wall:
    assert sorted(got[c]) == sorted(wall[c]), c
agg = {x["aggregate_name"] for x in j["benchmarks"] if x["run_type"] == "aggregate"}
assert agg == {"mean", "median", "stddev"}, agg
PY
cmp=/usr/share/benchmark/compare.py
# Debian's packages install into the system's python, which PATH may not lead to first
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if [ ! -f "$cmp" ]; then
	skip "compare.py reads two exports" "libbenchmark-tools is not installed (no $cmp)"
elif ! "$py" -c 'import scipy' 2> /dev/null; then
	skip "compare.py reads two exports" "python3-scipy, which compare.py imports, is not installed"
else
	expect_exit 0 "compare.py reads two exports" "$py" "$cmp" --no-color benchmarks "$TMP/a.json" "$TMP/b.json"
	cell=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["benchmarks"][0]["name"])' "$TMP/a.json")
	check "and compares their cells" grep -q "^$cell " "$TMP/out"
	check "with its U test over the repetitions" grep -q "${cell}_pvalue" "$TMP/out"
fi

expect_exit 0 "hyperfine-json exits 0" "$GBENCH" export --format hyperfine-json "$a" -o -
check "results[] with times in seconds from samples.csv" python3 - "$TMP/out" "$a/samples.csv" <<'PY'
import csv, json, statistics, sys
j = json.load(open(sys.argv[1]))
wall = {}
for r in csv.DictReader(open(sys.argv[2])):
    if r["metric"] == "wall_ns" and r["value"]:
        wall.setdefault(r["cell"], []).append(float(r["value"]) * 1e-9)
assert len(j["results"]) == len(wall)
for res in j["results"]:
    t = wall[res["command"]]
    assert sorted(res["times"]) == sorted(t)
    assert abs(res["mean"] - statistics.fmean(t)) <= 1e-12 * len(t)
    assert res["min"] == min(t) and res["max"] == max(t)
    for k in ("stddev", "median"):
        assert k in res
PY

expect_exit 0 "openmetrics exits 0" "$GBENCH" export --format openmetrics "$a"
check "ends in # EOF" bash -c "tail -n1 '$TMP/out' | grep -qx '# EOF'"
if "$py" -c 'import prometheus_client.openmetrics.parser' 2> /dev/null; then
	check "the OpenMetrics parser of prometheus_client reads it" "$py" - "$TMP/out" <<'PY'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
names = {f.name for f in fams}
assert "gbench_wall_ns" in names, names
s = [x for f in fams if f.name == "gbench_wall_ns" for x in f.samples]
assert s and all({"cell", "workload", "executor", "batch", "quant", "cache", "stat"} <= set(x.labels) for x in s)
PY
else
	skip "the OpenMetrics parser of prometheus_client reads it" "python3-prometheus-client is not installed"
fi
sample_re='^gbench_[a-zA-Z0-9_]+\{([a-z]+="([^"\\]|\\.)*",?)+\} [-0-9.e+]+$'
check "every sample line is name{labels} value" \
	bash -c '! grep -v "^#" "$1" | grep -vqE "$2"' _ "$TMP/out" "$sample_re"

# Names from a hand-edited folder: two metrics whose names map to the same
# OpenMetrics name stay two families, a workload name with a quote, a
# newline, an escape byte and bytes that are not UTF-8 stays in its label.
cp -r "$a" "$TMP/odd"
"$py" - "$TMP/odd" <<'PY'
import csv, json, sys
d = sys.argv[1]
m = json.load(open(d + "/meta.json"))
m.pop("manifest", None)   # the files were edited
json.dump(m, open(d + "/meta.json", "w"))
def edit(name, fn):
    rows = list(csv.reader(open(d + "/" + name, newline="", encoding="latin-1")))
    for r in rows[1:]:
        fn(r)
    with open(d + "/" + name, "w", newline="", encoding="latin-1") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
cell = sorted({r[0] for r in csv.reader(open(d + "/results.csv")) if r[7] == "wall_ns"})[0]
def res(r):
    if r[0] == cell:
        r[1] = 'w"x\n\x1b\xff'
        if r[7] == "wall_ns":
            r[7] = "wall.ns"
def smp(r):
    if r[0] == cell and r[1] == "wall_ns":
        r[1] = "wall.ns"
edit("results.csv", res)
edit("samples.csv", smp)
PY
expect_exit 0 "openmetrics of a folder with odd names" "$GBENCH" export --format openmetrics "$TMP/odd"
check "wall.ns is a family of its own beside wall_ns" bash -c "grep -q '^# TYPE gbench_wall_ns gauge' '$TMP/out' &&
	grep -q '^# TYPE gbench_wall_ns_[0-9a-f]\{8\} gauge' '$TMP/out'"
check "the workload's label escaped, U+FFFD for the rest" grep -qF 'workload="w\"x\n'$'\xef\xbf\xbd\xef\xbf\xbd''"' "$TMP/out"
if "$py" -c 'import prometheus_client.openmetrics.parser' 2> /dev/null; then
	check "the OpenMetrics parser reads it" "$py" -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
f = list(text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()))
assert len({x.name for x in f}) == len(f)' "$TMP/out"
else
	skip "the OpenMetrics parser reads it" "python3-prometheus-client is not installed"
fi

# A cell a time budget replayed over a window of its trace goes by
# "ID/rows:N" (an OpenMetrics label rows="N"), so that no tool matching
# names sets it against the whole trace: other work.
cp -r "$a" "$TMP/win"
cell=$(python3 - "$TMP/win/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("manifest", None)   # the files were edited
cid = sorted(m["cells"])[0]
m["time_plan"] = {"budget_s": 60, "cells": {cid: {"window": 20, "requests": 100000}}}
json.dump(m, open(sys.argv[1], "w"))
print(cid)
PY
)
expect_exit 0 "gbench-json of a run with a windowed cell" "$GBENCH" export --format gbench-json "$TMP/win"
check "names it ID/rows:20, its aggregates too, and no other" python3 - "$TMP/out" "$cell" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
cid = sys.argv[2]
names = {b["run_name"] for b in j["benchmarks"]}
assert f"{cid}/rows:20" in names and cid not in names, names
assert f"{cid}/rows:20_median" in {b["name"] for b in j["benchmarks"]}
assert sum("/rows:" in n for n in names) == 1, names
PY
expect_exit 0 "hyperfine-json of it" "$GBENCH" export --format hyperfine-json "$TMP/win"
check "its command is ID/rows:20" python3 -c "
import json, sys
c = [r['command'] for r in json.load(open(sys.argv[1]))['results']]
assert sys.argv[2] + '/rows:20' in c and sys.argv[2] not in c, c" "$TMP/out" "$cell"
expect_exit 0 "openmetrics of it" "$GBENCH" export --format openmetrics "$TMP/win"
check "its samples carry rows=\"20\", the others none" bash -c "grep -F 'cell=\"$cell\"' '$TMP/out' | grep -q ',rows=\"20\",' &&
	[ \"\$(grep -c 'rows=' '$TMP/out')\" -eq \"\$(grep -cF 'cell=\"$cell\"' '$TMP/out')\" ]"

expect_exit 2 "an unknown format exits 2" "$GBENCH" export --format csv "$a"
expect_exit 2 "no --format exits 2" "$GBENCH" export "$a"
expect_exit 2 "an unreadable RESULTS exits 2" "$GBENCH" export --format openmetrics "$TMP/none" -o "$TMP/x.om"
check "and writes nothing" test ! -e "$TMP/x.om"
expect_exit 2 "-o into a missing folder exits 2 before reading" "$GBENCH" export --format openmetrics "$a" -o "$TMP/no/x.om"
done_testing
