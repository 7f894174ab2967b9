#!/usr/bin/env bash
# extra_repetitions: after the planned repetitions, cells whose medians are
# less precise than `precision` get more, within extra_seconds; recorded in
# meta.json, counted as one more group of a shared run, and compare still
# splits the run by process.
. "$(dirname "$0")/lib.sh"

export TMPDIR="$TMP"
# A precision no real cell reaches (0.01%): every cell asks for its cap.
cat > "$TMP/x.ini" <<'EOF'
[run]
workloads = llm-decode,vector-search
executors = cpu
batch = 1,8
quant = f32
repetitions = 6
extra_repetitions = 4
precision = 0.01%
extra_seconds = 60
accuracy_samples = 1
EOF
expect_exit 0 "a run with extra repetitions" "$GBENCH" run --config "$TMP/x.ini" --quiet \
	--processes 2 --out "$TMP/x"
expect_exit 0 "the same run without them (--extra-repetitions 0)" "$GBENCH" run \
	--config "$TMP/x.ini" --quiet --processes 2 --extra-repetitions 0 --out "$TMP/none"
expect_exit 0 "and with no time for them (extra_seconds = 0)" "$GBENCH" run \
	--config <(sed 's/^extra_seconds.*/extra_seconds = 0/' "$TMP/x.ini") --quiet \
	--processes 1 --out "$TMP/zero"

python3 - "$TMP/x" "$TMP/none" "$TMP/zero" <<'PY'
import csv, json, os, sys
x, none, zero = sys.argv[1:4]
n = 0
def ok(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok"), n, "-", what)

def reps(d):
    out = {}
    for r in csv.DictReader(open(os.path.join(d, "samples.csv"))):
        if r["metric"] == "wall_ns":
            out.setdefault(r["cell"], []).append(int(r["rep"]))
    return out

m = json.load(open(os.path.join(x, "meta.json")))
ex = m.get("extra_repetitions", {})
cells = ex.get("cells", {})
r = reps(x)
ok(len(r) == 4 and all(sorted(v) == list(range(10)) for v in r.values()),
   f"each of the 4 cells has its 6 planned and 4 extra repetitions ({ {k: len(v) for k, v in r.items()} })")
ok(len(cells) == 4 and all(c["added"] == 4 and c["before"] == 6 and c["imprecision_before"] > 0.0001
                           for c in cells.values()),
   "meta.json extra_repetitions lists each cell: 6 before, 4 added, its imprecision")
ok(ex.get("repetitions") == 16 and ex.get("precision") == 0.0001 and ex.get("seconds_budget") == 60,
   "and the total, the precision and the budget")
ok(m["config"]["extra_repetitions_by_executor"] == {"cpu": 4} and m["config"]["precision"] == 0.0001,
   "config records extra_repetitions and precision")
p = m.get("processes", {})
ok(p.get("count") == 2 and [q.get("share") for q in p.get("runs", [])] == [0, 1, "extra"],
   "the extra repetitions are one more group after the 2 processes")
ok(all(v == [3, 3, 4] for v in p.get("repetitions", {}).values()),
   "processes.repetitions: 3 + 3 planned, 4 extra per cell")
rn = reps(none)
mn = json.load(open(os.path.join(none, "meta.json")))
ok(all(len(v) == 6 for v in rn.values()) and "extra_repetitions" not in mn,
   "--extra-repetitions 0: 6 repetitions, no extra_repetitions in meta.json")
mz = json.load(open(os.path.join(zero, "meta.json")))
ok(all(len(v) == 6 for v in reps(zero).values()) and mz["extra_repetitions"]["repetitions"] == 0
   and mz["extra_repetitions"]["cells"] == {},
   "extra_seconds = 0 in one process: none added, and meta.json says so")
print(f"1..{n}")
PY

# compare splits such a run by process, the extra group with the first (test-compare)
"$GBENCH" compare "$TMP/x" "$TMP/x" --json "$TMP/c.json" > "$TMP/out" 2> "$TMP/err"
rc=$?
check "compare takes a run with extra repetitions as its baseline (exit $rc, not 2)" \
	test "$rc" -ne 2
check "and judges every cell" python3 -c "
import json, sys
rows = json.load(open('$TMP/c.json'))['rows']
sys.exit(len({r['cell'] for r in rows if r['metric'] == 'wall_ns'}) != 4)"

expect_exit 0 "--dry-run says what extra repetitions may cost" "$GBENCH" run \
	--config "$TMP/x.ini" --dry-run
check "in one line" grep -q 'then up to 60 s of extra repetitions (at most 4 a cell)' "$TMP/out"

sed 's/^precision.*/precision = 150%/' "$TMP/x.ini" > "$TMP/bad.ini"
expect_exit 2 "precision = 150% is refused" "$GBENCH" run --config "$TMP/bad.ini" --quiet \
	--out "$TMP/b1"
check "naming the file and line" grep -q "bad.ini:8" "$TMP/err"
expect_exit 2 "--extra-repetitions x is refused" "$GBENCH" run --config "$TMP/x.ini" --quiet \
	--extra-repetitions x --out "$TMP/b2"
check "naming the flag" grep -q -- "--extra-repetitions: 'x'" "$TMP/err"
check "nothing written for either" bash -c "! test -e '$TMP/b1' && ! test -e '$TMP/b2'"
done_testing
