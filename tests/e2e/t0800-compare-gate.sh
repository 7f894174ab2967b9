#!/usr/bin/env bash
# gbench compare on real runs: a candidate doing more real work under the
# same cell name (GB_INJECT: 5x the executor's time) exits 1 naming the cell; a run against itself exits 0; the
# Markdown, JUnit (well-formed XML) and JSON (parses) files; two identical
# invocations give identical bytes; no colour off a terminal; the changed
# trace and a different machine class are warnings, not errors. A current
# run without the regressed cell's rows is inconclusive (exit 3), never a
# pass, and says why (issue 21). A run into a reused --out replaces the
# directory as a whole: nothing of the earlier run stays beside the new one,
# and staging folders of killed runs are removed. The process is the unit
# (issue 16): runs of one process each are inconclusive however far apart,
# with the advice to run more processes, and --allow-inconclusive exits 0.
. "$(dirname "$0")/lib.sh"

# One tiny cell, 10 repetitions in 3 processes: fast under the sanitizers.
mkdir -p "$TMP/small" "$TMP/large"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/small/tiny.csv"
cp "$TOP/tests/data/compare/tiny-large.csv" "$TMP/large/tiny.csv"
run() { "$GBENCH" run --quiet --executor cpu --batch 1 --quant f32 --cache 0 --repetitions 10 "$@"; }
expect_exit 0 "baseline run" run --workload "$TMP/small/tiny.csv" --processes 3 --out "$TMP/base"
GB_INJECT=all:5 expect_exit 0 "candidate run (real work injected: 5x the executor's time)" \
	run --workload "$TMP/small/tiny.csv" --processes 3 --out "$TMP/cand"

# One process a side: the repetitions of one process cannot tell a change
# from where that process landed; inconclusive, never a regression.
expect_exit 0 "a one-process baseline" run --workload "$TMP/small/tiny.csv" --out "$TMP/base1"
expect_exit 0 "a one-process candidate (16x the work, same workload name)" run --workload "$TMP/large/tiny.csv" --out "$TMP/cand1"
expect_exit 3 "one process a side: inconclusive, not a regression" "$GBENCH" compare "$TMP/base1" "$TMP/cand1"
check "says how to run instead" grep -qE '^inconclusive +tiny\.cpu\.b1\.f32\.c0 +wall_ns .*1 and 1 processes.*--processes 3' "$TMP/out"
check "warns that the trace changed" grep -q "warning: trace 'tiny' differs" "$TMP/err"
expect_exit 0 "--allow-inconclusive exits 0" "$GBENCH" compare "$TMP/base1" "$TMP/cand1" --allow-inconclusive
check "and says it allowed them" grep -q '^inconclusive gating rows allowed' "$TMP/out"

expect_exit 1 "the slower candidate exits 1" "$GBENCH" compare "$TMP/base" "$TMP/cand" \
	--markdown "$TMP/c.md" --junit "$TMP/c.xml" --json "$TMP/c.json"
cp "$TMP/out" "$TMP/first.out"
check "names the cell and metric" grep -qE '^REGRESSION +tiny\.cpu\.b1\.f32\.c0 +wall_ns' "$TMP/out"
check "says the result" grep -q '^result: REGRESSION (exit 1)' "$TMP/out"
check "prints the seed" grep -q '^seed 20250101' "$TMP/out"
check "no colour off a terminal" bash -c "! grep -q $'\033' '$TMP/out'"
check "Markdown names the regression" grep -q '| REGRESSION | `tiny.cpu.b1.f32.c0` | `wall_ns` |' "$TMP/c.md"
python3 - "$TMP" <<'PY'
import json, sys, xml.etree.ElementTree as ET
tmp = sys.argv[1]
n = 0
def ok(c, what):
    global n
    n += 1
    print(("ok" if c else "not ok"), f"{n + 100}", "-", what)
root = ET.parse(f"{tmp}/c.xml").getroot()
ok(root.tag == "testsuites", "JUnit is well-formed XML")
fails = [tc for tc in root.iter("testcase") if tc.find("failure") is not None]
ok(any(tc.get("classname") == "tiny.cpu.b1.f32.c0" and tc.get("name") == "wall_ns" for tc in fails),
   "JUnit fails the wall_ns testcase")
ok(int(root.get("failures")) == len(fails) and int(root.get("tests")) == len(list(root.iter("testcase"))),
   "JUnit counts match its testcases")
j = json.load(open(f"{tmp}/c.json"))
ok(j["exit"] == 1 and j["seed"] == 20250101, "JSON parses, with exit and seed")
r = [x for x in j["rows"] if x["metric"] == "wall_ns"][0]
ok(r["verdict"] == "regression" and r["ratio"] > 2 and r["p_holm"] < 0.01 and r["test"] == "t"
   and r["processes_baseline"] == 3 and r["processes_current"] == 3,
   f"JSON wall_ns row: ratio {r['ratio']:.2f}, interval [{r['ci_low']:.2f}, {r['ci_high']:.2f}], p {r['p']:.2g}, 3 processes a side")
thr = [x for x in j["rows"] if x["metric"] == "throughput_rps"][0]
ok(thr["better"] == "higher" and not thr["gating"] and thr["ratio"] < 0.5,
   "throughput_rps: higher is better, reported, not gating (it is wall_ns again)")
PY
# tests/run.sh counts "ok N" lines: python's numbering above is its own.

expect_exit 1 "the same comparison again" "$GBENCH" compare "$TMP/base" "$TMP/cand" \
	--markdown "$TMP/d.md" --junit "$TMP/d.xml" --json "$TMP/d.json"
check "identical stdout" cmp -s "$TMP/first.out" "$TMP/out"
for f in md xml json; do check "identical $f" cmp -s "$TMP/c.$f" "$TMP/d.$f"; done
expect_exit 1 "another seed, the same verdict" "$GBENCH" compare "$TMP/base" "$TMP/cand" --seed 7
check "and the seed printed" grep -q '^seed 7,' "$TMP/out"

# Against itself: never a regression. (Each side is resampled on its own,
# so a noisy sanitizer run may honestly come out inconclusive, exit 3.)
no_regression() { "$GBENCH" compare "$@" > "$TMP/out" 2> "$TMP/err"; rc=$?; [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; }
check "a run against itself (results.csv and dir) is no regression" no_regression "$TMP/base/results.csv" "$TMP/base"
check "and says so" grep -qE '^result: (OK|INCONCLUSIVE)' "$TMP/out"
expect_exit 1 "a 60% threshold still catches 6x the time" "$GBENCH" compare "$TMP/base" "$TMP/cand" --threshold 60%
# throughput_rps, not task_clock_ns: the cpu executor's workers spin while
# they wait, so a process's CPU time follows the machine's load as much as
# the work (exit 3 once in a loaded suite run, where wall_ns said exit 1);
# the trace's 9 requests give no p50.
expect_exit 1 "--metric replaces the gating set" "$GBENCH" compare "$TMP/base" "$TMP/cand" --metric throughput_rps --json "$TMP/m.json"
check "wall_ns no longer gates" python3 -c "import json,sys; j=json.load(open('$TMP/m.json')); sys.exit(0 if j['gating_metrics']==['throughput_rps'] and not [r for r in j['rows'] if r['metric']=='wall_ns'][0]['gating'] else 1)"
expect_exit 0 "the other way round: exit 0" "$GBENCH" compare "$TMP/cand" "$TMP/base" --json "$TMP/e.json"
check "improvement in JSON" python3 -c "import json,sys; j=json.load(open('$TMP/e.json')); sys.exit(0 if any(r['metric']=='wall_ns' and r['verdict']=='improvement' for r in j['rows']) else 1)"

# Another machine class: a warning, the verdict unchanged.
cp -r "$TMP/base" "$TMP/other"
python3 - "$TMP/other/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["host"]["cpu_model"] = "Some Other CPU 9000"
json.dump(m, open(sys.argv[1], "w"))
PY
check "another machine class still compares" no_regression "$TMP/other" "$TMP/base"
check "with a loud warning" grep -q 'DIFFERENT MACHINE CLASSES' "$TMP/err"

# The regressed cell's wall_ns rows gone from the current run (as in an
# older run, without a manifest to refuse the edit): not a pass.
cp -r "$TMP/cand" "$TMP/lost"
python3 - "$TMP/lost" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(d + "/meta.json"))
m.pop("manifest", None)
json.dump(m, open(d + "/meta.json", "w"))
for f in ("results.csv", "samples.csv"):
    lines = open(f"{d}/{f}").read().splitlines(True)
    open(f"{d}/{f}", "w").writelines(l for l in lines if ",wall_ns," not in l)
PY
expect_exit 3 "a current run without the regressed cell's gating rows exits 3, not 0" \
	"$GBENCH" compare "$TMP/base" "$TMP/lost" --metric wall_ns --json "$TMP/lost.json" --markdown "$TMP/lost.md"
check "the table says inconclusive" grep -q '^result: INCONCLUSIVE (exit 3)' "$TMP/out"
check "and names the missing row with the reason" \
	grep -qE '^missing +tiny\.cpu\.b1\.f32\.c0 +wall_ns .*absent in the current: a gating row on one side only cannot pass' "$TMP/out"
check "a warning says so" grep -q 'on one side only (missing): the verdict is inconclusive at least' "$TMP/err"
check "JSON: exit 3, the row missing with its note" python3 -c "
import json, sys
j = json.load(open('$TMP/lost.json'))
r = [x for x in j['rows'] if x['metric'] == 'wall_ns'][0]
sys.exit(0 if j['exit'] == 3 and r['verdict'] == 'missing' and r['gating'] and 'absent in the current' in r['note'] else 1)"
check "Markdown: INCONCLUSIVE, the row listed with its reason" bash -c "grep -q '^### gbench compare: INCONCLUSIVE' '$TMP/lost.md' && grep -q 'a gating row on one side only cannot pass' '$TMP/lost.md'"

# A reused --out: the earlier run (with a result cache: mrc.csv) replaced as
# a whole; a killed run's staging folder (a pid that is gone) removed.
expect_exit 0 "a run into --out with a cache" run --workload "$TMP/small/tiny.csv" --cache 0,4 --out "$TMP/reuse"
check "writes mrc.csv" test -s "$TMP/reuse/mrc.csv"
sh -c 'exit 0' & dead=$!; wait $dead
mkdir -p "$TMP/.reuse.staging.$dead/hist"
expect_exit 0 "the same --out again, without a cache" run --workload "$TMP/small/tiny.csv" --force --out "$TMP/reuse"
check "no mrc.csv of the earlier run beside the new results" test ! -e "$TMP/reuse/mrc.csv"
check "no histogram of the earlier run's cells" test ! -e "$TMP/reuse/hist/tiny.cpu.b1.f32.c4.hgrm"
check "the dead run's staging folder removed, none left" bash -c "! ls -a '$TMP' | grep -q staging"
check "meta.json lists every file it goes with" python3 -c "
import json, sys
m = json.load(open('$TMP/reuse/meta.json'))
f = m['manifest']['files']
sys.exit(0 if sorted(f) == ['accuracy.csv', 'hist/tiny.cpu.b1.f32.c0.hgrm', 'hist/tiny.cpu.b1.f32.c0.hlog',
                            'results.csv', 'samples.csv'] else 1)"
check "and it reads back (against itself: no regression)" no_regression "$TMP/reuse" "$TMP/reuse"
done_testing
