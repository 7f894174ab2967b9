#!/usr/bin/env bash
# gbench run held to its time plan while it runs (plan/pace.h): when the
# calibration was low, the measured repetitions past each cell's minimum
# give way so that the run ends near its budget, and the run says so
# (stderr, meta.json time_plan cells.<id>.cut, the report). The low
# calibration is made real: GB_INJECT adds three times their own time to
# every call of the cells (GB_INJECT_CELLS names them), while the
# calibration's probe (a cell named "calibration") runs at full speed. The
# plan is asserted, not the wall time: timed assertions belong to
# benchmarks.
. "$(dirname "$0")/lib.sh"

# 200 requests of silu 1x16384: a few ms a replay on the development VM
awk 'BEGIN { printf "# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n";
	     for (i = 0; i < 200; i++) printf "%d,0,silu,1,16384,0,0,,x\n", i }' > "$TMP/w.csv"
cat > "$TMP/pace.ini" <<INI
[run]
workloads = $TMP/w.csv
executors = cpu
batch = 1,2
quant = f32,f16
cache = 0
repetitions = 200
min_repetitions = 3
warmup = 1
accuracy_samples = 1
time_budget = 3s
INI
run() { timeout 120 "$GBENCH" run --executor cpu --no-report --config "$TMP/pace.ini" "$@"; }
# every call of the cells (not the probe's) four times slower
slow() { GB_INJECT=all:3 GB_INJECT_CELLS='w.*' run "$@"; }
# kept DIR: every cell kept its minimum (unless planned short of it, as on
# a loaded machine), and took what meta.json says, cut or not
kept() {
	python3 - "$1" <<'PY'
import csv, json, sys
d = sys.argv[1]
p = json.load(open(d + "/meta.json"))["time_plan"]
n = {}
for row in csv.DictReader(open(d + "/samples.csv")):
    if row["metric"] == "wall_ns":
        n[row["cell"]] = n.get(row["cell"], 0) + 1
for cid, c in p["cells"].items():
    assert n[cid] == c["repetitions"] and c["cut"] >= 0, (cid, n[cid], c)
    assert c["repetitions"] >= 3 or (c["why"] == "short" and not c["cut"]), (cid, c)
PY
}

expect_exit 0 "a budgeted run four times slower than its calibration exits 0" slow --out "$TMP/slow"
check "meta.json records the slowdown" grep -q '"inject": "all:3 (cells w.*)"' "$TMP/slow/meta.json"
check "every cell kept its minimum; what each took and gave up is in meta.json" kept "$TMP/slow"
# Something to give up needs a plan past the minimum: a machine so loaded
# that the plan gave every cell its minimum alone has none, and says so.
optional=$(python3 -c 'import json, sys
p = json.load(open(sys.argv[1] + "/meta.json"))["time_plan"]
print(sum(c["repetitions"] + c["cut"] > 3 for c in p["cells"].values()))' "$TMP/slow")
t1="the cells gave repetitions up past their minimum (meta.json cut)"
t2="the run says it gave repetitions up, and where that is recorded"
t3="the report says the run gave repetitions up to end near its budget"
t4="the run's summary counts them"
if [ "$optional" -gt 0 ]; then
	check "$t1" python3 -c 'import json, sys
p = json.load(open(sys.argv[1] + "/meta.json"))["time_plan"]
sys.exit(not sum(c["cut"] for c in p["cells"].values()))' "$TMP/slow"
	check "$t4" grep -q "^  time budget: *3 s: .*, [0-9]* repetitions\? past it given up to end near the budget (meta.json time_plan)$" "$TMP/err"
	check "$t2" grep -q "^gbench run: behind its time plan (the calibration was low): [0-9]* measured repetitions\? past the cells' minimum given up in [0-9]* cells\?, to end near the budget (meta.json time_plan cells.<id>.cut)" "$TMP/err"
	expect_exit 0 "its report" "$GBENCH" report "$TMP/slow" --out "$TMP/slow-report"
	check "$t3" grep -q "^The run fell behind its time plan (its calibration was low) and gave up [0-9]* measured repetitions\? past" "$TMP/slow-report/report.md"
else
	for t in "$t1" "$t4" "$t2" "$t3"; do skip "$t" "the plan gave every cell its minimum alone (a loaded machine): nothing to give up"; done
fi

# The same config at full speed: whatever the clock gave up (a loaded
# machine may fall behind too), what each cell took is recorded alike.
expect_exit 0 "the same run at its calibrated speed exits 0" run --out "$TMP/fast"
check "meta.json records a cut for every cell, and the repetitions each took" kept "$TMP/fast"
# A shared run: each process paces its own share, the pooled plan sums the cuts.
expect_exit 0 "a shared run four times slower than its calibration exits 0" \
	slow --processes 2 --out "$TMP/shared"
check "the pooled plan sums each process's cuts" python3 - "$TMP/shared" <<'PY'
import json, sys
p = json.load(open(sys.argv[1] + "/meta.json"))["time_plan"]
for cid, c in p["cells"].items():
    by = c["by_process"]
    assert len(by) == 2 and c["cut"] == sum(b["cut"] for b in by), (cid, c)
    assert c["repetitions"] == sum(b["repetitions"] for b in by), (cid, c)
PY
# A budget the cells' floors do not fit (its calibration, eleven times
# slower here, takes it all): the run warns before it starts with what the
# plan needs, and still ends.
expect_exit 0 "a run whose cells' floors do not fit its budget exits 0" \
	env GB_INJECT=all:10 "$GBENCH" run --executor cpu --no-report --config "$TMP/pace.ini" \
	--time-budget 0.1s --out "$TMP/tiny"
# (a quarter of that budget is the calibration's: one probe of the workload
# and executor is taken whatever it costs, the other three are not)
check "the calibration stops at its quarter of the budget, and says so" grep -q "^gbench run: warning: the calibration took its quarter of the time budget (0.025 s) after 1 of 4 probes: the other 3 are planned as the dearest probe of their workload and executor (meta.json time_plan calibration)$" "$TMP/err"
check "meta.json gives the probes not taken the dearest probe's figures, and says so" python3 - "$TMP/tiny" <<'PY'
import json, sys
cal = json.load(open(sys.argv[1] + "/meta.json"))["time_plan"]["calibration"]
assert len(cal) == 4, cal
taken = [c for c in cal if "derived" not in c]
assert len(taken) == 1 and taken[0]["batch"] == 1 and taken[0]["quant"] == "f32", cal
for c in cal:
    if "derived" in c:
        assert c["replay_s"] == taken[0]["replay_s"] and "quarter of the time budget" in c["derived"], c
PY
check "it says what the plan needs, over the budget" grep -q "^gbench run: warning: the plan needs about [0-9]*\.[0-9] s, over the time budget of 0\.1 s: the 4 cells' floors (one repetition each, with its warm-ups and accuracy check) do not fit; fewer cells (--filter) or a larger --time-budget$" "$TMP/err"
# Past the first probe of each workload and executor, the cheapest pairs'
# probes come first: a quarter spent on a dear workload (rows of a 512x4096
# by 4096x4096 matmul, ~0.2 s each on the development VM) leaves the cheap
# one's probes taken, not derived from its dearest. Cells' order puts the
# dear workload first, where the probes were taken in that order before
# 2026-12-08 (its second probe taken, the cheap one's three derived).
{ printf '# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n'
  for i in 0 1 2 3; do echo "$i,0,matmul,512,4096,4096,0,w,"; done; } > "$TMP/dear.csv"
{ printf '# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n'
  for i in $(seq 0 39); do echo "$i,0,silu,1,256,0,0,,"; done; } > "$TMP/cheap.csv"
# The budget from what one dear probe takes on this build (T: a sanitizer
# build's matmul is slower): a quarter of 6.4 T holds the first probe of
# each pair, the cheap pair's others and one more dear one.
expect_exit 0 "one dear probe's dry run exits 0" timeout 120 "$GBENCH" run --executor cpu \
	--workload "$TMP/dear.csv" --batch 1 --quant f32 --cache 0 --time-budget 1h --dry-run --json
budget=$(python3 -c 'import json, sys; print("%.1fs" % max(1.0, 6.4 * json.load(open(sys.argv[1]))["calibration_s"]))' "$TMP/out")
expect_exit 0 "a dry run of a dear and a cheap workload exits 0" timeout 120 "$GBENCH" run \
	--executor cpu --workload "$TMP/dear.csv,$TMP/cheap.csv" --batch 1,2 --quant f32,q4 \
	--cache 0 --time-budget "$budget" --dry-run --json
# exit 0: judged and right; 1: wrong; 2 (a line of why on stdout): not judged
t="the cheap workload's probes are taken before the dear one's (--dry-run --json calibration)"
why=$(python3 - "$TMP/out" <<'PY'
import json, sys
cal = json.load(open(sys.argv[1]))["calibration"]
derived = lambda w: [c for c in cal if c["workload"] == w and "derived" in c]
taken = lambda w: [c for c in cal if c["workload"] == w and "derived" not in c]
if not derived("dear") and not derived("cheap"):
    print("every probe fit the quarter (a fast machine): nothing to judge")
    sys.exit(2)
if derived("cheap"):
    # right only when the dear pair's first probe alone took the quarter (a loaded machine)
    if len(taken("dear")) != 1:
        print(cal)
        sys.exit(1)
    print("the dear pair's first probe took the whole quarter: nothing else was taken")
    sys.exit(2)
PY
)
case $? in
0) ok "$t" ;;
2) skip "$t" "$why" ;;
*) fail "$t"; echo "#   $why" ;;
esac
done_testing
