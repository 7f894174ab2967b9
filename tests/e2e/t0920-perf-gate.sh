#!/usr/bin/env bash
# scripts/perf-gate.sh, the CI recipe. A/B (the default, issue 16): the
# base and the candidate alternate ABBA... one process a run, judged per
# pair (compare --paired); the same build as A and B passes, B with an
# injected slowdown (GB_B_INJECT, real work) fails; a BASE that is not a
# commit exits 2, a base that does not build exits 4, each in one line;
# too few pairs exit 2. The stored baseline (GB_MODE=baseline): no
# baseline for the class exits 2 with the recipe to record one; the same
# build against its baseline is no regression, with
# compare.{md,junit.xml,json} beside run-1/; an inconclusive gate (one
# process: no spread to judge by) runs once more and judges both runs
# pooled, which settles it (and not with GB_RERUNS=0); a regression is
# never rerun; a folder holding a run of its own is refused; a gate stopped
# with SIGTERM (a cancelled CI job) takes its runs with it and leaves no
# temp folder. The alpha is spent over the looks (alpha / looks each):
# one look in A/B at --max-pairs = GB_PAIRS, two in the baseline mode
# with its one rerun.
. "$(dirname "$0")/lib.sh"

GATE="$TOP/scripts/perf-gate.sh"
export GBENCH GB_BASELINES="$TMP/bl"
mkdir -p "$TMP/small"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/small/tiny.csv"
# The ci config (its processes, rounds and primes) on one tiny cpu cell.
cell="--executor cpu --batch 1 --quant f32 --cache 0"
small="$cell --workload $TMP/small/tiny.csv"

# ---- A/B: the same binary as A and B, so nothing is built here ----
# The time stage alone (GB_IR=0): the suite's sanitizer build cannot run
# under valgrind; the instruction-count stage is t0930's. --max-pairs 4:
# one look, at compare's own alpha.
export GB_BASE_GBENCH="$GBENCH" GB_PAIRS=4 GB_MAX_PAIRS=4 GB_IR=0 GB_RUN_ARGS="$small --repetitions 12"
# The same build as A and B is never a regression; 4 pairs of a 50 us cell
# under the sanitizers on a shared 2-core machine can honestly be too
# noisy to tell (exit 3), which the real gate counts as a failure.
"$GATE" "$TMP/ab0" -- --threshold 30% > "$TMP/out" 2> "$TMP/err"; rc=$?
check "A/B, the same build on both sides: no regression (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 3
check "four pairs of runs, A and B" bash -c "ls -d '$TMP'/ab0/A/run-{1,2,3,4} '$TMP'/ab0/B/run-{1,2,3,4} > /dev/null"
check "in the order A B, B A, A B, B A" bash -c "grep -o 'pair [0-9]: [AB]' '$TMP/err' | tr '\n' ' ' | grep -q '^pair 1: A pair 1: B pair 2: B pair 2: A pair 3: A pair 3: B pair 4: B pair 4: A \$'"
check "judged per pair, at alpha 0.01 (one look)" python3 -c "
import json, sys
j = json.load(open('$TMP/ab0/compare.json'))
r = [x for x in j['rows'] if x['metric'] == 'wall_ns'][0]
sys.exit(0 if j['paired'] and r['test'] == 'paired-t' and r['processes_current'] == 4 and j['alpha'] == 0.01 else 1)"
# Up to 8 pairs here (two looks): a 5x slowdown is decided at the first
# look unless a pair was disturbed (it was once: exit 3 after 4 pairs);
# then the gate adds pairs, as it does in CI.
GB_MAX_PAIRS=8 GB_B_INJECT=all:5 expect_exit 1 "B with injected real work (GB_B_INJECT=all:5) fails the gate" \
	"$GATE" "$TMP/ab1" -- --threshold 30%
check "naming the cell" grep -qE '^REGRESSION +tiny\.cpu\.b1\.f32\.c0 +wall_ns' "$TMP/out"
check "only B's runs were injected" python3 -c "
import json, sys
a = json.load(open('$TMP/ab1/A/run-1/meta.json')); b = json.load(open('$TMP/ab1/B/run-1/meta.json'))
sys.exit(0 if 'inject' not in a and b.get('inject') == 'all:5' else 1)"
GB_PAIRS=2 expect_exit 2 "fewer than 3 pairs exits 2" "$GATE" "$TMP/ab2"
GB_B_INJECT=matmul:5x expect_exit 2 "a bad injection spec for B exits 2" "$GATE" "$TMP/ab2b"
check "naming the spec" grep -q "GB_INJECT: 'matmul:5x' is not OP:FRACTION" "$TMP/err"
unset GB_BASE_GBENCH
BASE=no-such-revision-here expect_exit 2 "a BASE that is not a commit exits 2" "$GATE" "$TMP/ab3"
check "in one line" bash -c "[ \$(wc -l < '$TMP/err') -eq 1 ] && grep -q \"base revision 'no-such-revision-here' is not a commit\" '$TMP/err'"
# A base that does not build: a repository of its own whose make fails
# (the gate builds the base in a worktree of the repository it is in).
mkdir -p "$TMP/repo/scripts"
cp "$GATE" "$TMP/repo/scripts/"
printf 'build/gbench:\n\t@echo "broken.c:1: error: the base is broken" >&2; exit 1\n' > "$TMP/repo/Makefile"
git -C "$TMP/repo" init -q && git -C "$TMP/repo" add -A &&
	git -C "$TMP/repo" -c user.name=t -c user.email=t@t commit -qm base
GB_GATE_CACHE="$TMP/cache" BASE=HEAD expect_exit 4 "a base that does not build exits 4" \
	"$TMP/repo/scripts/perf-gate.sh" "$TMP/ab4"
check "in one line naming the error and the log" bash -c "[ \$(grep -c 'does not build' '$TMP/err') -eq 1 ] && grep -q 'does not build: broken.c:1: error: the base is broken (the log: ' '$TMP/err'"

# ---- the stored baseline ----
export GB_MODE=baseline GB_RUN_ARGS="$small --repetitions 12"
# Its run, of 6 processes, becomes the class's baseline below: a spread
# recorded from 3 (2 degrees of freedom) left one process of 6x the time
# undecided at the first look on a loaded CI machine.
GB_RUN_ARGS="$GB_RUN_ARGS --processes 6" expect_exit 2 "no baseline for this class exits 2" "$GATE" "$TMP/g0"
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

# Against itself: two runs of the same build at different minutes of a
# shared machine (what the A/B mode exists for), so a wide band.
"$GATE" "$TMP/g1" -- --threshold 50% > "$TMP/out" 2> "$TMP/err"; rc=$?
check "the same build is no regression (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 3
check "the run is in run-1/" test -f "$TMP/g1/run-1/results.csv"
for f in compare.md compare.junit.xml compare.json; do check "writes $f" test -s "$TMP/g1/$f"; done

# 6x the time (real work injected: GB_INJECT, steadier than a bigger trace
# on a loaded machine) in one process, judged with the spread between
# processes that the class's baseline recorded: decided at the first look.
export GB_RUN_ARGS="$small --repetitions 6 --processes 1"
# A loaded CI machine can leave even that first look open: the pooled
# second look then decides (and may still be open: exit 3 after both looks
# in a clean-clone run of 2026-12-06, the VM otherwise idle), and the first
# run is judged again on its own to see whose spread judged it.
d="one process judged with the class's recorded spread: a regression"
GB_INJECT=all:5 "$GATE" "$TMP/g1s" > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ "$rc" -eq 1 ]; then
	ok "$d"
elif [ "$rc" -eq 3 ] && [ -e "$TMP/g1s/run-2" ]; then
	skip "$d" "a loaded machine left both looks open (exit 3 after run-2)"
else
	fail "$d (exit $rc, wanted 1)"; sed 's/^/#   /' "$TMP/err" | head -n 20
fi
first=$TMP/g1s/compare.json
if [ -e "$TMP/g1s/run-2" ]; then
	skip "at the first look" "a loaded machine left the first look open; the pooled second decided"
	first=$TMP/g1s-first.json
	"$GBENCH" compare "$TMP/bl/$("$GBENCH" baseline class "$TMP/g1s/run-1")/ci" "$TMP/g1s/run-1" \
		--json "$first" > /dev/null 2>&1
else
	check "at the first look" grep -qE '"exit": *1' "$first"
fi
check "saying whose spread" grep -q "t-class" "$first"

# Without that record (--spread none) one process has no spread to judge
# it by: inconclusive; the second run makes two processes, judged pooled.
# Two candidate processes against six give a t test of 6 degrees of
# freedom: under a loaded suite the injected work's calibration differs
# enough between the two processes that the pooled look may still be
# inconclusive (exit 3 once in a clean-clone run); the mechanism is what
# is checked here, the gate's power is measured by scripts/gate-figure.sh.
GB_INJECT=all:5 "$GATE" "$TMP/g2" -- --spread none > "$TMP/out" 2> "$TMP/err"; rc=$?
check "a second run after an inconclusive look, judged pooled: regression or still inconclusive (exit $rc)" \
	test "$rc" -eq 1 -o "$rc" -eq 3
check "says so, at alpha 0.01 / 2 looks" grep -q 'inconclusive: running once more and judging the 2 runs pooled at alpha 0.005' "$TMP/err"
check "into run-2/" test -f "$TMP/g2/run-2/results.csv"
check "and compare pooled both, as two processes" python3 -c "
import json, sys
j = json.load(open('$TMP/g2/compare.json'))
r = [x for x in j['rows'] if x['metric'] == 'wall_ns'][0]
sys.exit(0 if j['current']['runs'] == 2 and r['processes_current'] == 2 and r['verdict'] in ('regression', 'inconclusive') else 1)"
check "the terminal table says the runs were pooled" grep -q '(2 runs pooled; class' "$TMP/out"

GB_INJECT=all:5 GB_RERUNS=0 expect_exit 3 "GB_RERUNS=0: inconclusive stands" "$GATE" "$TMP/g3" -- --spread none
check "with no second run" test ! -e "$TMP/g3/run-2"
GB_RERUNS=x expect_exit 2 "GB_RERUNS must be a count" "$GATE" "$TMP/g3"

# A rerun of the gate starts afresh: the old runs are not pooled with the new.
mkdir -p "$TMP/g4/run-7"
cp -r "$TMP/g2/run-1/." "$TMP/g4/run-7/"
export GB_RUN_ARGS="$small --repetitions 12"
"$GATE" "$TMP/g4" > "$TMP/out" 2> "$TMP/err"
check "an earlier gate's runs are cleared" test ! -e "$TMP/g4/run-7"

# 6x the time in 3 processes: a regression, named, not rerun.
export GB_RUN_ARGS="$small --repetitions 12"
GB_INJECT=all:5 expect_exit 1 "a slower candidate fails the gate" "$GATE" "$TMP/g5"
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
m["run_id"] = "feedface" * 4       # another run (a copy is refused as one run twice)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
expect_exit 2 "compare refuses a current side of two builds" "$GBENCH" compare "$TMP/rel" "$TMP/mixed"
check "naming both commits" grep -q "commit 'feedface0000'.*commit '$commit'" "$TMP/err"
done_testing
