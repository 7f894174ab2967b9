#!/usr/bin/env bash
# gbench merge: three shares of one run (`run --process I/3`, as the tasks
# of a Slurm job array run them) pool into a directory like a 3-process
# run's: the same cells and metrics, the same repetition counts, histograms
# merged exactly (total count and max of the shares'); the pooled folder
# reads back (compare) and pools again (two shares, then the third). A run's
# measurements twice (a share given twice, a pooled folder beside one of its
# shares) and shares of runs of another N are refused; a missing share is
# said. Shares of different configs, commits or machine classes, of one
# class with other caches, an incomplete one, or one that replayed
# another window of a cell's trace (a time budget's), are refused (exit 2,
# naming both, nothing written); --by-class gives each class its folder.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/t"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/t/tiny.csv"
args=(--quiet --executor cpu --batch 1,4 --quant f32 --cache 0 --repetitions 6 --workload "$TMP/t/tiny.csv")
for i in 0 1 2; do
	expect_exit 0 "share $i of 3" "$GBENCH" run --no-report "${args[@]}" --process $i/3 --out "$TMP/s$i"
done
expect_exit 0 "the same run in 3 processes" "$GBENCH" run --no-report "${args[@]}" --processes 3 --out "$TMP/p3"

expect_exit 0 "merge -h exits 0" "$GBENCH" merge -h
check "usage on stdout" grep -q '^usage: gbench merge' "$TMP/out"
expect_exit 2 "merge without --out exits 2" "$GBENCH" merge "$TMP/s0"
expect_exit 2 "merge without DIRs exits 2" "$GBENCH" merge --out "$TMP/m"

expect_exit 0 "merge the 3 shares" "$GBENCH" merge -q --out "$TMP/m" "$TMP/s0" "$TMP/s1" "$TMP/s2"
check "saying what it pooled" grep -q '^3 shares of ' "$TMP/out"
rows() { cut -d, -f1,8,9,10,11 "$1/results.csv" | sort; }
check "the same cells, metrics and repetition counts as the 3-process run" \
	bash -c "diff <(cut -d, -f1,8,9,11 '$TMP/m/results.csv' | sort) <(cut -d, -f1,8,9,11 '$TMP/p3/results.csv' | sort)"
reps() { python3 -c "import json,sys; m=json.load(open(sys.argv[1]+'/meta.json')); print(json.dumps(m['processes']['repetitions'], sort_keys=True), m['processes']['count'])" "$1"; }
check "repetitions per process recorded alike ($(reps "$TMP/m"))" [ "$(reps "$TMP/m")" = "$(reps "$TMP/p3")" ]
total() { sed -n 's/.*Total count *= *\([0-9]*\)\].*/\1/p' "$1"; }
maxv() { sed -n 's/^#\[Max *= *\([0-9.]*\),.*/\1/p' "$1"; }
for cell in tiny.cpu.b1.f32.c0 tiny.cpu.b4.f32.c0; do
	h="hist/$cell.hgrm"
	sum=$(( $(total "$TMP/s0/$h") + $(total "$TMP/s1/$h") + $(total "$TMP/s2/$h") ))
	check "$cell: histogram count = the shares' sum ($sum) = the 3-process run's" \
		bash -c "[ '$(total "$TMP/m/$h")' = '$sum' ] && [ '$(total "$TMP/p3/$h")' = '$sum' ]"
	mx=$(printf '%s\n' "$(maxv "$TMP/s0/$h")" "$(maxv "$TMP/s1/$h")" "$(maxv "$TMP/s2/$h")" | sort -g | tail -n 1)
	check "$cell: its max is the shares' max ($mx)" [ "$(maxv "$TMP/m/$h")" = "$mx" ]
done
check "samples: share 0's repetitions first" bash -c "[ \"\$(grep -m1 '^tiny.cpu.b1.f32.c0,wall_ns,0,' '$TMP/m/samples.csv' | cut -d, -f4)\" = \"\$(grep -m1 '^tiny.cpu.b1.f32.c0,wall_ns,0,' '$TMP/s0/samples.csv' | cut -d, -f4)\" ]"
# It reads back as a results folder: compare judges it (the verdict is the
# timing's, runs minutes apart on a shared machine: any but exit 2).
"$GBENCH" compare "$TMP/p3" "$TMP/m" > "$TMP/out" 2> "$TMP/err"; rc=$?
check "the pooled folder compares against the 3-process run (exit $rc: a verdict)" \
	test "$rc" -eq 0 -o "$rc" -eq 1 -o "$rc" -eq 3
check "with every cell judged" bash -c "! grep -qi 'error' '$TMP/err'"
share() { python3 -c "import json,sys; m=json.load(open(sys.argv[1]+'/meta.json')); s=m.get('share', {}); print(s.get('count'), s.get('indexes'), s.get('missing'), 'run_id' in m, len(m.get('pooled_runs', [])))" "$1"; }
check "a share says which it is ($(share "$TMP/s1"))" [ "$(share "$TMP/s1")" = "3 [1] None True 0" ]
check "the pooled folder, the runs and shares it holds ($(share "$TMP/m"))" [ "$(share "$TMP/m")" = "3 [0, 1, 2] [] False 3" ]
expect_exit 0 "two of the three shares pool" "$GBENCH" merge --out "$TMP/m01" "$TMP/s0" "$TMP/s1"
check "saying which share is missing" grep -q "^gbench merge: 1 of the 3 shares missing (--process 2/3): the pool holds fewer repetitions than a run of 3 processes" "$TMP/err"
check "and meta.json too ($(share "$TMP/m01"))" [ "$(share "$TMP/m01")" = "3 [0, 1] [2] False 2" ]
expect_exit 0 "pooled folders pool again: those two with the third" "$GBENCH" merge -q --out "$TMP/mm" "$TMP/m01" "$TMP/s2"
check "into what the three pooled at once hold" bash -c "diff <(cut -d, -f1,8,9,11 '$TMP/mm/results.csv' | sort) <(cut -d, -f1,8,9,11 '$TMP/m/results.csv' | sort)"
# (two inputs here, three there: the repetitions per cell in all)
reps_sum() { python3 -c "import json,sys; m=json.load(open(sys.argv[1]+'/meta.json')); print(json.dumps({c: sum(v) for c, v in m['processes']['repetitions'].items()}, sort_keys=True))" "$1"; }
check "with as many repetitions per cell ($(reps_sum "$TMP/mm"))" [ "$(reps_sum "$TMP/mm")" = "$(reps_sum "$TMP/m")" ]
check "every share, none missing ($(share "$TMP/mm"))" [ "$(share "$TMP/mm")" = "3 [0, 1, 2] [] False 3" ]
# the same measurements twice would count twice
expect_exit 2 "a share given twice is refused" "$GBENCH" merge -q --out "$TMP/no" "$TMP/s0" "$TMP/s0"
check "naming the run it holds twice" grep -q "'$TMP/s0' holds the measurements of run [0-9a-f]\{32\}, as '$TMP/s0' does: pooled twice, its repetitions would count twice" "$TMP/err"
expect_exit 2 "so is a pooled folder beside one of its shares" "$GBENCH" merge -q --out "$TMP/no" "$TMP/m" "$TMP/s2"
check "naming both" grep -q "'$TMP/s2' holds the measurements of run [0-9a-f]\{32\}, as '$TMP/m' does" "$TMP/err"
# the history keeps a run's measurements once too
expect_exit 0 "history add of the pooled folder" "$GBENCH" history add --history "$TMP/h.sqlite" "$TMP/m"
expect_exit 2 "history add of one of its shares after it is refused" \
	"$GBENCH" history add --history "$TMP/h.sqlite" "$TMP/s1"
check "naming the folder that holds it" grep -q "'$TMP/s1' holds the measurements of run [0-9a-f]\{32\}, which the history has from '$TMP/m' already" "$TMP/err"
check "the store as it was" bash -c "[ \"\$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from runs\").fetchone()[0])' '$TMP/h.sqlite')\" = 1 ]"
expect_exit 0 "a share of a run of 2" "$GBENCH" run --no-report "${args[@]}" --process 0/2 --out "$TMP/t0"
expect_exit 2 "does not pool with shares of a run of 3" "$GBENCH" merge -q --out "$TMP/no" "$TMP/s1" "$TMP/t0"
check "saying so" grep -q "'$TMP/s1' holds shares of a run of 3 (--process I/3) and '$TMP/t0' of a run of 2: not pooled" "$TMP/err"
check "and nothing is written" test ! -e "$TMP/no"

edit() { # DIR PYTHON-STATEMENTS (m is meta.json)
	python3 - "$1/meta.json" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
}
for what in config commit class caches incomplete window; do
	rm -rf "$TMP/bad"; cp -r "$TMP/s1" "$TMP/bad"
	case $what in
	config) edit "$TMP/bad" 'm["config_hash"] = "0123456789abcdef"' ; want="config" ;;
	commit) edit "$TMP/bad" 'm["build"]["commit"] = "deadbeef0000"' ; want="from 'deadbeef0000'" ;;
	class) edit "$TMP/bad" 'm["host"]["cpu_model"] = "Other CPU 9000"' ; want="on 'other-9000" ;;
	caches) edit "$TMP/bad" 'm["host"]["caches"] = [{"level": 2, "type": "Unified", "size_bytes": 3 << 19}]'
		want="on different hardware (caches: L2 Unified [0-9]* [KM]iB in the first, 1536 KiB in the second)" ;;
	incomplete) edit "$TMP/bad" 'm["complete"] = False' ; want="incomplete run" ;;
	window) edit "$TMP/bad" 'm["time_plan"] = {"cells": {"tiny.cpu.b1.f32.c0": {"window": 5, "requests": 1000}}}'
		want="replayed all rows and '$TMP/bad' the first 5 rows of cell 'tiny.cpu.b1.f32.c0''s trace" ;;
	esac
	expect_exit 2 "shares of another $what are refused" "$GBENCH" merge -q --out "$TMP/no" "$TMP/s0" "$TMP/bad"
	check "naming both ($what)" bash -c "grep -q \"$want\" '$TMP/err' && { [ $what = incomplete ] || grep -q \"'$TMP/s0'\" '$TMP/err'; }"
	check "and writing nothing" test ! -e "$TMP/no"
done

rm -rf "$TMP/other"; cp -r "$TMP/s1" "$TMP/other"
edit "$TMP/other" 'm["host"]["cpu_model"] = "Other CPU 9000"'
expect_exit 0 "--by-class: a fleet of two classes" "$GBENCH" merge -q --by-class --out "$TMP/fleet" "$TMP/s0" "$TMP/other" "$TMP/s2"
n=$(ls "$TMP/fleet" | wc -l)
check "each class its own folder ($n)" [ "$n" = 2 ]
check "the other class alone" bash -c "[ \$(grep -c '^tiny.cpu.b1.f32.c0,wall_ns,' '$TMP'/fleet/other-9000*/samples.csv) = 2 ]"
done_testing
