#!/usr/bin/env bash
# gbench report --fleet: one config's runs on two machine classes side by
# side (fleet.md). Identical data is a tie in every cell; a class whose
# throughput samples are three times the other's is called 3.00x, not a tie;
# two runs of one class, or runs of two configs, are refused (exit 2); a
# folder of class folders (merge --by-class) is found by itself.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/t"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/t/tiny.csv"
expect_exit 0 "a run on this machine" "$GBENCH" run --quiet --no-report --executor cpu --batch 1,4 \
	--quant f32 --cache 0 --repetitions 8 --workload "$TMP/t/tiny.csv" --out "$TMP/a"

edit() { # DIR PYTHON-STATEMENTS (m is meta.json; the manifest dropped, as in older runs)
	python3 - "$1/meta.json" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("manifest", None)
exec(sys.argv[2])
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
}
# The fleet's judgement is what is checked here, not this machine's noise: a's
# throughput samples are laid down at 1.00..1.07 M req/s (the tiny trace's
# ~50 us repetitions can differ threefold on a loaded machine under ASan; a
# CI run saw that).
python3 - "$TMP/a/samples.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
for r in rows[1:]:
    if r[1] == "throughput_rps":
        r[3] = repr(1e6 * (1 + 0.01 * int(r[2])))
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n").writerows(rows)
PY
edit "$TMP/a" 'pass'
cp -r "$TMP/a" "$TMP/b"
edit "$TMP/b" 'm["host"]["cpu_model"] = "Other CPU 9000"'

expect_exit 0 "two classes, the same figures" "$GBENCH" report --fleet --out "$TMP/f1" "$TMP/a" "$TMP/b"
check "fleet.md written" test -s "$TMP/f1/fleet.md"
cls=$("$GBENCH" baseline class "$TMP/a")
check "both classes named ($cls, other-9000-...)" bash -c "[ -n '$cls' ] && grep -qF '| \`$cls\` |' '$TMP/f1/fleet.md' && grep -qE '\\| \`other-9000-(f[0-9]+m[0-9]+-|i[0-9a-f]+p[0-9a-f]+-)?[0-9]+c\` \\|' '$TMP/f1/fleet.md'"
check "identical figures are ties in every cell (2 of 2)" grep -q '^2 of 2 comparisons with the first class are ties' "$TMP/f1/fleet.md"

# three times the throughput in every repetition of b
cp -r "$TMP/b" "$TMP/c"
python3 - "$TMP/c/samples.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
for r in rows[1:]:
    if r[1] == "throughput_rps":
        r[3] = repr(float(r[3]) * 3)
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n").writerows(rows)
PY
expect_exit 0 "a class three times as fast" "$GBENCH" report --fleet --out "$TMP/f2" "$TMP/a" "$TMP/c"
check "called 3.00x, not a tie" bash -c "grep -q '(3.00x)' '$TMP/f2/fleet.md' && grep -q '^0 of 2 comparisons' '$TMP/f2/fleet.md'"

expect_exit 2 "two runs of one class are refused" "$GBENCH" report --fleet --out "$TMP/f3" "$TMP/a" "$TMP/a"
check "saying to pool them" grep -q 'merge --by-class' "$TMP/err"
cp -r "$TMP/b" "$TMP/d"
edit "$TMP/d" 'm["config_hash"] = "0123456789abcdef"'
expect_exit 2 "runs of two configs are refused" "$GBENCH" report --fleet --out "$TMP/f4" "$TMP/a" "$TMP/d"
check "naming both" bash -c "grep -q '$TMP/a' '$TMP/err' && grep -q '$TMP/d' '$TMP/err'"
expect_exit 2 "one run is not a fleet" "$GBENCH" report --fleet --out "$TMP/f5" "$TMP/a"
check "no fleet.md from a refusal" bash -c "[ ! -e '$TMP/f3/fleet.md' ] && [ ! -e '$TMP/f4/fleet.md' ]"

mkdir -p "$TMP/pooled"
cp -r "$TMP/a" "$TMP/pooled/one"; cp -r "$TMP/c" "$TMP/pooled/two"
expect_exit 0 "a folder of class folders" "$GBENCH" report --fleet --out "$TMP/f6" "$TMP/pooled"
check "both found" grep -q '^Config .* on 2 machine classes' "$TMP/f6/fleet.md"

hostile=$'x|`y`\n# z'
mkdir -p "$TMP/$hostile"
cp -r "$TMP/c" "$TMP/$hostile/run"
expect_exit 0 "a hostile folder name" "$GBENCH" report --fleet --out "$TMP/f7" "$TMP/a" "$TMP/$hostile/run"
check "stays inside its table cell" bash -c "! grep -q '^# z' '$TMP/f7/fleet.md'"

# A time budget that gave a cell another window of its trace on the other
# class: other work, no ratio and no tie.
cp -r "$TMP/c" "$TMP/e"
edit "$TMP/e" 'm["time_plan"] = {"cells": {"tiny.cpu.b1.f32.c0": {"window": 10, "requests": 1000}}}'
expect_exit 0 "a class whose budget replayed a window of one cell" "$GBENCH" report --fleet --out "$TMP/f8" "$TMP/a" "$TMP/e"
check "that cell gets no ratio, and says why" grep -q '^| `tiny.cpu.b1.f32.c0` | .* (another window of the trace: the first 10 rows; meta.json time_plan) |$' "$TMP/f8/fleet.md"
check "the count leaves it out and says so" bash -c "grep -q '^0 of 1 comparisons with the first class are ties' '$TMP/f8/fleet.md' &&
	grep -q '^1 more are not made: a time budget replayed another window' '$TMP/f8/fleet.md'"

done_testing
