#!/usr/bin/env bash
# scripts/perf-gate.sh, the CI recipe: no baseline for the class exits 2
# with the recipe to record one; the same build against its baseline is no
# regression, with compare.{md,junit.xml,json} beside run-1/; an
# inconclusive gate runs once more and judges both runs pooled (and not
# with GB_RERUNS=0); a regression is never rerun; a folder holding a run
# of its own is refused; a gate stopped with SIGTERM (a cancelled CI job)
# takes its runs with it and leaves no temp folder.
. "$(dirname "$0")/lib.sh"

GATE="$TOP/scripts/perf-gate.sh"
export GBENCH GB_BASELINES="$TMP/bl"
mkdir -p "$TMP/small" "$TMP/large"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/small/tiny.csv"
cp "$TOP/tests/data/compare/tiny-large.csv" "$TMP/large/tiny.csv"
# The ci config (its processes, rounds and primes) on one tiny cpu cell.
cell="--executor cpu --batch 1 --quant f32 --cache 0"
small="$cell --workload $TMP/small/tiny.csv"
large="$cell --workload $TMP/large/tiny.csv"

export GB_RUN_ARGS="$small --repetitions 12"
expect_exit 2 "no baseline for this class exits 2" "$GATE" "$TMP/g0"
check "and says how to record one" grep -q 'baseline save R1 R2 R3' "$TMP/err"

# The baseline: that run, its meta.json made that of a release build
# (baseline save refuses the sanitizer build the tests run).
cp -r "$TMP/g0/run-1" "$TMP/rel"
python3 - "$TMP/rel/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["build"]["sanitizers"] = "none"; m["build"]["flags"] = "-O2 -g"; m["complete"] = True
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 0 "save it as the class's ci baseline" "$GBENCH" baseline save "$TMP/rel" --root "$TMP/bl"
commit=$(python3 -c "import json; print(json.load(open('$TMP/rel/meta.json'))['build']['commit'])")

# Against itself (each side resampled on its own: a noisy sanitizer run may
# honestly come out inconclusive even after the second run).
"$GATE" "$TMP/g1" > "$TMP/out" 2> "$TMP/err"; rc=$?
check "the same build is no regression (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 3
check "the run is in run-1/" test -f "$TMP/g1/run-1/results.csv"
for f in compare.md compare.junit.xml compare.json; do check "writes $f" test -s "$TMP/g1/$f"; done

# 6 repetitions a side: fewer than 10, so the first look is inconclusive;
# the second run brings the current side to 12.
export GB_RUN_ARGS="$small --repetitions 6"
"$GATE" "$TMP/g2" > "$TMP/out" 2> "$TMP/err"; rc=$?
check "a second run after an inconclusive look (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 3
check "says so" grep -q 'inconclusive: running once more and judging the 2 runs pooled' "$TMP/err"
check "into run-2/" test -f "$TMP/g2/run-2/results.csv"
check "and compare pooled both" python3 -c "
import json, sys
j = json.load(open('$TMP/g2/compare.json'))
r = [x for x in j['rows'] if x['metric'] == 'wall_ns'][0]
sys.exit(0 if j['current']['runs'] == 2 and r['n_current'] == 12 and r['n_baseline'] == 12 else 1)"
check "the terminal table says the runs were pooled" grep -q '(2 runs pooled; class' "$TMP/out"

GB_RERUNS=0 expect_exit 3 "GB_RERUNS=0: inconclusive stands" "$GATE" "$TMP/g3"
check "with no second run" test ! -e "$TMP/g3/run-2"
GB_RERUNS=x expect_exit 2 "GB_RERUNS must be a count" "$GATE" "$TMP/g3"

# A rerun of the gate starts afresh: the old runs are not pooled with the new.
mkdir -p "$TMP/g4/run-7"
cp -r "$TMP/g2/run-1/." "$TMP/g4/run-7/"
export GB_RUN_ARGS="$small --repetitions 12"
"$GATE" "$TMP/g4" > "$TMP/out" 2> "$TMP/err"
check "an earlier gate's runs are cleared" test ! -e "$TMP/g4/run-7"

# 16x the work under the same cell name: a regression, named, not rerun.
export GB_RUN_ARGS="$large --repetitions 12"
expect_exit 1 "a slower candidate fails the gate" "$GATE" "$TMP/g5"
check "naming the cell" grep -qE '^REGRESSION +tiny\.cpu\.b1\.f32\.c0 +wall_ns' "$TMP/out"
check "without a second run" test ! -e "$TMP/g5/run-2"
check "JUnit fails it" grep -q '<failure' "$TMP/g5/compare.junit.xml"

expect_exit 2 "a folder holding a run of its own is refused" "$GATE" "$TMP/rel"
check "saying why" grep -q 'holds a run of its own' "$TMP/err"

# Stopped while its run measures (the ci config: 3 processes): no gbench of
# the gate left running, no temp folder left in TMPDIR.
mkdir -p "$TMP/gtmp"
TMPDIR="$TMP/gtmp" GB_RUN_ARGS="$small --repetitions 6000" "$GATE" "$TMP/g6" \
	> /dev/null 2> "$TMP/g6.err" &
gate=$!
# until the run makes its processes' folder
for _ in $(seq 1 600); do
	[ -n "$(find "$TMP/gtmp" -name 'gbench-run.*' 2> /dev/null)" ] && break
	sleep 0.1
done
check "the gate's run is starting its second process" \
	test -n "$(find "$TMP/gtmp" -name 'gbench-run.*' 2> /dev/null)"
kill -TERM "$gate"
wait "$gate"; rc=$?
check "a stopped gate exits 143 (exit $rc)" test "$rc" -eq 143
for _ in $(seq 1 50); do pgrep -f "$TMP/(g6/run-1|gtmp/)" > /dev/null || break; sleep 0.1; done
check "no gbench of the gate left running" bash -c "! pgrep -f '$TMP/(g6/[r]un-1|gtmp/)' > /dev/null"
check "and no temp folder left" test -z "$(ls -A "$TMP/gtmp")"
for p in $(pgrep -f "$TMP/(g6/run-1|gtmp/)"); do kill -9 "$p"; done   # a failed check's leftovers

# Runs of different builds are not one side.
mkdir -p "$TMP/mixed"
cp -r "$TMP/g1/run-1" "$TMP/mixed/run-1"
cp -r "$TMP/g1/run-1" "$TMP/mixed/run-2"
python3 - "$TMP/mixed/run-2/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["build"]["commit"] = "feedface0000"
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 2 "compare refuses a current side of two builds" "$GBENCH" compare "$TMP/rel" "$TMP/mixed"
check "naming both commits" grep -q "commit 'feedface0000'.*commit '$commit'" "$TMP/err"
done_testing
