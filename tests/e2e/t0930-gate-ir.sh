#!/usr/bin/env bash
# scripts/perf-gate.sh's instruction-count stage and its added pairs
# (issue 16). One valgrind process per build counts every cpu cell twice
# (instructions only); the same build as A and B passes on counts, B with
# real work injected into its one cell (GB_B_INJECT=matmul:0.1%) fails on
# counts (exit 1) naming the cell and why, without running the time pairs;
# a PATH without valgrind exits 4 in one line before anything runs; a B that
# cannot run under valgrind (the suite's sanitizer build) exits 4 naming
# why. The time stage spends its alpha over its looks: GB_PAIRS 3 and
# --max-pairs 5 are 2 looks, each at alpha / 2, and an undecided first look
# adds 2 pairs (or stops at the time budget). valgrind needs a release
# build (make BUILD=build/rel, as t0610; GBENCH_REL names one instead).
# Counts first: time rows that time leaves open are settled by the cell's
# unchanged count (compare --counts).
# The comparison of recorded counts (non-deterministic cells) is in
# tests/unit/test-compare.c.
. "$(dirname "$0")/lib.sh"

GATE="$TOP/scripts/perf-gate.sh"
GBENCH_SAN=$GBENCH   # the suite's own build
tests=("the same build as A and B passes on counts"
       "the counts ran once per build, every cell twice, instructions only"
       "B with +instructions in its one cell fails the gate on counts (exit 1)"
       "naming the cell, the metric and by how much"
       "and saying the gate fails on counts"
       "without running the time pairs"
       "a PATH without valgrind exits 4" "in one line, before any run"
       "a B that cannot run under valgrind exits 4" "naming why"
       "time rows that time cannot decide are settled by the unchanged count"
       "the Markdown says so")
skip_counts() {
	for t in "${tests[@]}"; do skip "$t" "$1"; done
}

mkdir -p "$TMP/small"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/small/tiny.csv"
export GB_PAIRS=3 GB_RUN_ARGS="--executor cpu --batch 1 --quant f32 --cache 0 --workload $TMP/small/tiny.csv --repetitions 4"

rel=${GBENCH_REL:-$TOP/build/rel/gbench}
if ! command -v "${GBENCH_VALGRIND:-valgrind}" > /dev/null; then
	skip_counts "no valgrind here"
elif [ -z "${GBENCH_REL:-}" ] && ! make -s -C "$TOP" BUILD=build/rel all > "$TMP/make.log" 2>&1; then
	sed 's/^/#   /' "$TMP/make.log" | tail -n 5
	skip_counts "no release build: make BUILD=build/rel failed"
else
	export GBENCH=$rel GB_BASE_GBENCH=$rel
	"$GATE" "$TMP/aa" --max-pairs 3 -- --threshold 30% > "$TMP/out" 2> "$TMP/err"; rc=$?
	check "${tests[0]} (exit $rc: 3 is the time pairs' noise)" bash -c "
		[ $rc -eq 0 ] || [ $rc -eq 3 ] || exit 1
		grep -q 'instruction counts: no cpu cell beyond 0.1%' '$TMP/err'"
	check "${tests[1]}" python3 - "$TMP/aa" <<'PY'
import csv, json, sys
d = sys.argv[1]
j = json.load(open(d + "/compare-ir.json"))
r = [x for x in j["rows"] if x["metric"] == "sim_ir"]
ok = len(r) == 1 and r[0]["verdict"] == "unchanged" and r[0]["gating"]
for side in ("ir-A", "ir-B"):
    m = json.load(open(f"{d}/{side}/meta.json"))
    ok = ok and "instructions only" in m["counters"]["callgrind"]["state"]
    rows = {x["metric"]: x for x in csv.DictReader(open(f"{d}/{side}/results.csv", newline=""))}
    ok = ok and rows["sim_ir"]["n"] == "2" and rows["sim_ir"]["source"] == "simulated"
    ok = ok and rows["sim_d1_misses"]["source"] == "unavailable"   # not simulated
sys.exit(0 if ok else 1)
PY

	# counts first: a band of +-0.01% that 3 pairs of time cannot decide;
	# the cell's count is unchanged, which settles its time rows
	"$GATE" "$TMP/aa2" --max-pairs 3 -- --threshold 0.01% > "$TMP/out" 2> "$TMP/err"; rc=$?
	# The oracle: never inconclusive, the settled rows counted; settled rows
	# unchanged, or a regression (exit 1) only where time confirmed one. Time
	# may also confirm every row (two runs of one build differ by more than
	# 0.01%, faster or slower): then nothing is left to settle, said as a skip.
	how=$(python3 - "$TMP/aa2/compare.json" "$rc" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
rows = [r for r in j["rows"] if r["gating"] and r["source"] == "measured"]
settled = [r for r in rows if r["note"] and r["note"].startswith("instruction count unchanged (")]
if rc == 3 or j["settled_by_counts"] != len(settled):
    print("fail")
elif settled and all(r["verdict"] == "unchanged" for r in settled) and rc in (0, 1):
    print("settled")
elif not settled and rc in (0, 1) and all(r["verdict"] in ("improvement", "regression") for r in rows):
    print("time " + ",".join(sorted({r["verdict"] for r in rows})))
else:
    print("fail")
PY
)
	case $how in
	settled)
		ok "${tests[10]} (exit $rc)"
		check "${tests[11]}" grep -q 'settled by unchanged instruction counts' "$TMP/aa2/compare.md" ;;
	time*)
		skip "${tests[10]}" "time confirmed every row (${how#time }, exit $rc): nothing left to settle"
		skip "${tests[11]}" "time confirmed every row" ;;
	*)
		fail "${tests[10]} (exit $rc)"
		fail "${tests[11]}" ;;
	esac

	GB_B_INJECT=matmul:0.1% expect_exit 1 "${tests[2]}" "$GATE" "$TMP/inj" -- --threshold 30%
	check "${tests[3]}" grep -qE '^REGRESSION +tiny\.cpu\.b1\.f32\.c0 +sim_ir .*counts \+[0-9.]+% \([0-9]+ -> [0-9]+, .*beyond the 0\.1% threshold' "$TMP/out"
	check "${tests[4]}" grep -q 'the gate fails on counts' "$TMP/err"
	check "${tests[5]}" test ! -e "$TMP/inj/A/run-1"

	# every tool but valgrind
	mkdir -p "$TMP/nobin"
	for f in /usr/local/bin/* /usr/bin/* /bin/*; do
		b=$(basename "$f")
		[ "$b" = valgrind ] || [ -e "$TMP/nobin/$b" ] || ln -s "$f" "$TMP/nobin/$b"
	done
	PATH="$TMP/nobin" expect_exit 4 "${tests[6]}" "$GATE" "$TMP/novg"
	check "${tests[7]}" bash -c "[ \$(wc -l < '$TMP/err') -eq 1 ] &&
		grep -q \"no valgrind ('valgrind' is not on PATH)\" '$TMP/err' && [ ! -e '$TMP/novg/ir-A' ]"

	if "$GBENCH_SAN" info 2> /dev/null | grep -qE '^  callgrind +unavailable: .*AddressSanitizer'; then
		GBENCH=$GBENCH_SAN expect_exit 4 "${tests[8]}" "$GATE" "$TMP/san"
		check "${tests[9]}" grep -q 'B cannot count instructions: this gbench is built with AddressSanitizer' "$TMP/err"
	else
		skip "${tests[8]}" "the suite's gbench is not a sanitizer build"
		skip "${tests[9]}" "the suite's gbench is not a sanitizer build"
	fi
fi

# ---- the time stage's looks (no counts; the release build when there is one: faster) ----
bin=$GBENCH_SAN
[ -x "$rel" ] && bin=$rel
export GBENCH=$bin GB_BASE_GBENCH=$bin GB_IR=0
# a band of +-0.01%: 3 pairs of a 50 us cell cannot decide it
"$GATE" "$TMP/looks" --max-pairs 5 -- --threshold 0.01% --alpha 0.02 > "$TMP/out" 2> "$TMP/err"; rc=$?
check "alpha 0.02 over at most 2 looks: each at 0.01" grep -q 'alpha 0.02 spent over at most 2 look(s) (Bonferroni): each look tests at alpha 0.01$' "$TMP/err"
check "compare tested at that alpha" python3 -c "
import json, sys
sys.exit(0 if json.load(open('$TMP/looks/compare.json'))['alpha'] == 0.01 else 1)"
if grep -q 'inconclusive after 3 pairs' "$TMP/err"; then
	check "an undecided first look adds 2 pairs (exit $rc)" bash -c "
		grep -q 'inconclusive after 3 pairs: 2 more (up to 5), judged again at alpha 0.01' '$TMP/err' &&
		ls -d '$TMP'/looks/A/run-5 '$TMP'/looks/B/run-5 > /dev/null && [ ! -e '$TMP/looks/A/run-6' ]"
else
	skip "an undecided first look adds 2 pairs" "the first look decided (exit $rc)"
fi
"$GATE" "$TMP/budget" --max-pairs 5 --time-budget 0 -- --threshold 0.01% > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ "$rc" -eq 3 ]; then
	check "no time left: no more pairs, inconclusive stands" bash -c "
		grep -q 'inconclusive after 3 pairs; 2 more would pass the time budget' '$TMP/err' &&
		[ ! -e '$TMP/budget/A/run-4' ]"
else
	skip "no time left: no more pairs, inconclusive stands" "the first look decided (exit $rc)"
fi
expect_exit 2 "a --max-pairs below GB_PAIRS exits 2" "$GATE" "$TMP/bad" --max-pairs 2
expect_exit 2 "a bad --ir-threshold exits 2" "$GATE" "$TMP/bad" --ir-threshold much
done_testing
