#!/usr/bin/env bash
# compare with one process a side (issue 16, item 4): never a regression from
# within-process repetitions alone; with the spread between processes
# recorded for the machine class (the runs `baseline save` keeps for the
# class and config, laid out here by hand, found under $GB_BASELINES, or --spread DIR) a large real
# slowdown (GB_INJECT=all:300%: every executor call does three times its work
# extra) is a regression on that spread; --spread none and a class without
# a record keep the old answer, inconclusive with the advice; a --spread
# that is not a folder of runs exits 2.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
common=(--config ci --workload llm-decode --executor cpu --quant f32 --cache 0 --repetitions 10
	--no-report --quiet)

expect_exit 0 "two runs of 3 processes" bash -c '"$0" run "${@}" --processes 3 --out r1 &&
	"$0" run "${@}" --processes 3 --out r2' "$GBENCH" "${common[@]}"
# the record as `baseline save r1 r2` keeps it (save itself refuses the
# suite's sanitizer build): DIR/<class>/<config>/run-1, run-2
class=$("$GBENCH" baseline class r1 2> /dev/null)
expect_exit 0 "kept as the class's record ($class)" bash -c \
	'[ -n "$1" ] && mkdir -p "b/$1/ci" && cp -r r1 "b/$1/ci/run-1" && cp -r r2 "b/$1/ci/run-2"' _ "$class"
expect_exit 0 "one process, as it is" "$GBENCH" run "${common[@]}" --processes 1 --out A
GB_INJECT=all:300% expect_exit 0 "one process, every call four times the work" \
	"$GBENCH" run "${common[@]}" --processes 1 --out B

# record_wide: succeeds, saying why, when every cell's wall_ns medians of
# the record's 6 processes spread so far (SD of their logs >= 0.29) that a
# 4x slowdown cannot pass the class-spread test (t at 98%, 5 df: 3.36 x
# 0.29 x sqrt 2 > log 4), as when the VM changed speed while recording; so
# no regression is a skip only when the record's own figures explain it.
record_wide() {
	python3 - r1 r2 <<'PY'
import csv, json, math, statistics, sys
meds = {}
for d in sys.argv[1:]:
    counts = json.load(open(d + "/meta.json"))["processes"]["repetitions"]
    vals = {}
    for row in csv.DictReader(open(d + "/samples.csv")):
        if row["metric"] == "wall_ns":
            vals.setdefault(row["cell"], []).append(float(row["value"]))
    for cell, v in vals.items():
        k = 0
        for n in counts[cell]:
            meds.setdefault(cell, []).append(statistics.median(v[k:k + n]))
            k += n
sd = {c: statistics.stdev([math.log(m) for m in ms]) for c, ms in meds.items()}
if min(sd.values()) < 0.29:
    sys.exit(1)
print("the record's processes differ too much for a 4x slowdown to be confirmed: SD of their "
      "log medians %.2f to %.2f (a machine that changed speed while recording)"
      % (min(sd.values()), max(sd.values())))
PY
}
GB_BASELINES=$TMP/b "$GBENCH" compare A B > "$TMP/out" 2> "$TMP/err"; rc=$?
if [ "$rc" -eq 1 ]; then
	ok "with the class's record: a regression (exit 1)"
	check "judged with the recorded spread, which the note names" \
		grep -Eq "^REGRESSION .*judged with the spread between processes recorded for this machine class \([0-9]+ processes in $TMP/b/" "$TMP/out"
	expect_exit 1 "--spread DIR names the record" "$GBENCH" compare A B --spread "$TMP/b/$class/ci"
elif [ "$rc" -eq 3 ] && record_wide > "$TMP/wide"; then
	for d in "with the class's record: a regression (exit 1)" "judged with the recorded spread" \
		 "--spread DIR names the record"; do
		skip "$d" "$(cat "$TMP/wide")"
	done
else
	fail "with the class's record: a regression (exit 1) (exit $rc, wanted 1)"
	sed 's/^/#   /' "$TMP/out" | head -n 12
	fail "judged with the recorded spread, which the note names"
	fail "--spread DIR names the record"
fi
GB_BASELINES=$TMP/b expect_exit 3 "--spread none: inconclusive (exit 3)" "$GBENCH" compare A B --spread none
check "with the advice to run more processes" grep -q "run with --processes 3 or more" "$TMP/out"
check "and no regression row" bash -c '! grep -q "^REGRESSION" "$1"' _ "$TMP/out"
GB_BASELINES=$TMP/none expect_exit 3 "no record for the class: inconclusive" "$GBENCH" compare A B
expect_exit 0 "A against itself with the record: no regression" \
	env GB_BASELINES="$TMP/b" "$GBENCH" compare A A
expect_exit 2 "a --spread that is not a folder of runs exits 2" "$GBENCH" compare A B --spread "$TMP/nowhere"
check "saying so" grep -q "is not a folder of runs" "$TMP/err"
done_testing
