#!/usr/bin/env bash
# gbench compare --history: a cell x metric with 50 runs or more of history
# (same machine class and config as the current run) is judged with its own
# threshold, Q3 + 3 IQR of the relative changes between consecutive runs
# over the last 100 (computed here independently from the fixture's
# samples); with less history, or without --history, the fixed 5%.
. "$(dirname "$0")/lib.sh"

SRC="$TOP/baselines/intel-xeon-2c-llvmpipe-llvm-15-0-6-256-bits/ci/run-1"
if ! command -v python3 > /dev/null; then
	skip "compare --history" "no python3 to generate the fixtures"
	done_testing
	exit 0
fi
python3 "$TOP/tests/data/history/gen.py" "$SRC" "$TMP/aa" --step 0 --seed 2 --runs 120
python3 "$TOP/tests/data/history/gen.py" "$SRC" "$TMP/x" --step 0.03 --seed 5 --runs 2 --after 1

thresholds() { # JSON -> "cell metric threshold" lines
	python3 - "$1" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["rows"]:
    print(r["cell"], r["metric"], "%.9f" % r["threshold"])
PY
}
expected() { # FIRST LAST: the rule over the fixture's runs FIRST..LAST
	python3 - "$TMP/aa" "$1" "$2" <<'PY'
import csv, os, statistics, sys
root, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
series = {}
for i in range(first, last + 1):
    vals = {}
    with open(os.path.join(root, "run-%03d" % i, "samples.csv")) as f:
        for r in csv.DictReader(f):
            vals.setdefault((r["cell"], r["metric"]), []).append(float(r["value"]))
    for k, v in vals.items():
        series.setdefault(k, []).append(statistics.median(v))
def q(s, p):   # type 7
    h = (len(s) - 1) * p; lo = int(h)
    return s[lo] + (h - lo) * (s[min(lo + 1, len(s) - 1)] - s[lo])
for (cell, metric), x in sorted(series.items()):
    if len(x) < 50:
        t = 0.05
    else:
        x = x[-100:]
        d = sorted(abs(x[i] / x[i - 1] - 1) for i in range(1, len(x)))
        t = max(q(d, 0.75) + 3 * (q(d, 0.75) - q(d, 0.25)), 0.001)
    print(cell, metric, "%.9f" % t)
PY
}

"$GBENCH" compare "$TMP/x/run-001" "$TMP/x/run-002" --json "$TMP/fixed.json" > /dev/null 2>&1
got=$(thresholds "$TMP/fixed.json" | awk '{print $3}' | sort -u)
check "without --history: 5% everywhere" [ "$got" = 0.050000000 ]

expect_exit 0 "a history of 49 runs" "$GBENCH" history add -q --history "$TMP/short.sqlite" "$TMP"/aa/run-00* "$TMP"/aa/run-0[1-4]?
"$GBENCH" compare "$TMP/x/run-001" "$TMP/x/run-002" --history="$TMP/short.sqlite" --json "$TMP/short.json" > /dev/null 2> "$TMP/short.err"
got=$(thresholds "$TMP/short.json" | awk '{print $3}' | sort -u)
check "is too short: still 5%" [ "$got" = 0.050000000 ]
check "saying none of 6 has enough" grep -q 'thresholds from history: 0 of 6 ' "$TMP/short.err"

expect_exit 0 "a history of 120 runs" "$GBENCH" history add -q --history "$TMP/h.sqlite" "$TMP"/aa/run-*
"$GBENCH" compare "$TMP/x/run-001" "$TMP/x/run-002" --history="$TMP/h.sqlite" --json "$TMP/h.json" > /dev/null 2>&1
thresholds "$TMP/h.json" | sort > "$TMP/got"
expected 21 120 > "$TMP/want"
check "each cell's threshold from its last 100 runs" cmp -s "$TMP/got" "$TMP/want"
if ! cmp -s "$TMP/got" "$TMP/want"; then diff "$TMP/got" "$TMP/want" | sed 's/^/#   /'; fi
check "and not the fixed 5%" bash -c "! grep -q ' 0.050000000$' '$TMP/got'"

# A cell that a time budget replayed on a window of its trace is a series
# of its own, CELL/rows:N (history add): its threshold comes from the runs
# that replayed those rows, and a run of the whole trace finds none.
cell=$(awk 'NR == 1 { print $1 }' "$TMP/want")
window() { # DIR...: CELL on the first 20 of 1000 rows in each run's meta.json
	python3 - "$cell" "$@" <<'PY'
import json, sys
for d in sys.argv[2:]:
    m = json.load(open(d + "/meta.json"))
    m.pop("manifest", None)   # the files were edited
    m["time_plan"] = {"budget_s": 60, "cells": {sys.argv[1]: {"window": 20, "requests": 1000}}}
    json.dump(m, open(d + "/meta.json", "w"))
PY
}
cp -r "$TMP/aa" "$TMP/aw" && cp -r "$TMP/x" "$TMP/xw" && window "$TMP"/aw/run-* "$TMP"/xw/run-*
expect_exit 0 "a history of 120 runs with a windowed cell" \
	"$GBENCH" history add -q --history "$TMP/w.sqlite" "$TMP"/aw/run-*
"$GBENCH" compare "$TMP/xw/run-001" "$TMP/xw/run-002" --history="$TMP/w.sqlite" --json "$TMP/w.json" > /dev/null 2>&1
thresholds "$TMP/w.json" | sort > "$TMP/got.w"
check "a windowed cell's threshold from its window's series, the others' as before" \
	cmp -s "$TMP/got.w" "$TMP/want"
"$GBENCH" compare "$TMP/x/run-001" "$TMP/x/run-002" --history="$TMP/w.sqlite" --json "$TMP/w2.json" > /dev/null 2>&1
got=$(thresholds "$TMP/w2.json" | awk -v c="$cell" '$1 == c { print $3 }' | sort -u)
check "the cell on its whole trace has no such history: 5% ($cell: $got)" [ "$got" = 0.050000000 ]

mkdir -p "$TMP/xdg/gbench" && cp "$TMP/h.sqlite" "$TMP/xdg/gbench/history.sqlite"
XDG_DATA_HOME="$TMP/xdg" "$GBENCH" compare "$TMP/x/run-001" "$TMP/x/run-002" --history --json "$TMP/xdg.json" > /dev/null 2>&1
thresholds "$TMP/xdg.json" | sort > "$TMP/got.xdg"
check "--history without =FILE reads the default store" cmp -s "$TMP/got.xdg" "$TMP/want"
expect_exit 2 "--history naming no store exits 2" \
	"$GBENCH" compare "$TMP/x/run-001" "$TMP/x/run-002" --history="$TMP/nope.sqlite"
check "naming it" grep -q "no history store '$TMP/nope.sqlite'" "$TMP/err"
expect_exit 2 "--history with the default store absent exits 2" \
	env XDG_DATA_HOME="$TMP/none" "$GBENCH" compare "$TMP/x/run-001" "$TMP/x/run-002" --history
check "naming it" grep -q "no history store '$TMP/none/gbench/history.sqlite'" "$TMP/err"
done_testing
