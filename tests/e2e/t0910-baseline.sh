#!/usr/bin/env bash
# gbench baseline save / list / class: a run copied atomically into
# ROOT/<class>/<config>/ (no hist/, no temp folder left), replaced in one
# step; incomplete runs and sanitizer or debug builds refused (exit 2); the
# saved baseline compares like the run; what a killed save left is removed
# by the next one; a class another save holds is refused (exit 4); one
# run saved twice, or found twice in a folder of runs, is refused (exit 2).
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/t"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/t/tiny.csv"
expect_exit 0 "a small run" "$GBENCH" run --no-report --quiet --executor cpu --batch 1 --quant f32 --cache 0 \
	--repetitions 3 --workload "$TMP/t/tiny.csv" --out "$TMP/run"

# meta.json as an optimized, complete, sanitizer-free build would write it.
edit() { # DIR PYTHON-STATEMENTS (m is meta.json)
	python3 - "$1/meta.json" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
}
cp -r "$TMP/run" "$TMP/rel"
edit "$TMP/rel" 'm["build"]["sanitizers"] = "none"; m["build"]["flags"] = "-O2 -g"; m["complete"] = True'

expect_exit 0 "baseline -h exits 0" "$GBENCH" baseline -h
check "usage on stdout" grep -q '^usage: gbench baseline' "$TMP/out"
expect_exit 2 "no subcommand exits 2" "$GBENCH" baseline
expect_exit 2 "an unknown subcommand exits 2" "$GBENCH" baseline frob
expect_exit 2 "save without RESULTS exits 2" "$GBENCH" baseline save

if grep -q '"sanitizers": "none"' "$TMP/run/meta.json"; then
	skip "a sanitizer build is refused" "this gbench has no sanitizers"
else
	expect_exit 2 "a sanitizer build is refused" "$GBENCH" baseline save "$TMP/run" --root "$TMP/bl"
	check "saying why" grep -q 'sanitizers' "$TMP/err"
fi
cp -r "$TMP/rel" "$TMP/debug"
edit "$TMP/debug" 'm["build"]["flags"] = "-O0 -g"'
expect_exit 2 "a -O0 build is refused" "$GBENCH" baseline save "$TMP/debug" --root "$TMP/bl"
check "saying why" grep -q 'not optimized' "$TMP/err"
cp -r "$TMP/rel" "$TMP/part"
edit "$TMP/part" 'm["complete"] = False'
expect_exit 2 "an incomplete run is refused" "$GBENCH" baseline save "$TMP/part" --root "$TMP/bl"
check "saying why" grep -q 'incomplete' "$TMP/err"
check "and nothing is written" test ! -e "$TMP/bl"
expect_exit 2 "a bad class name is refused" "$GBENCH" baseline save "$TMP/rel" --class ../x --root "$TMP/bl"

expect_exit 0 "baseline class prints the machine class" "$GBENCH" baseline class "$TMP/rel"
cls=$(cat "$TMP/out")
check "a slug ending in the core count" bash -c "echo '$cls' | grep -qE '^[a-z0-9-]+-[0-9]+c(-|\$)'"
# the CPU's signature in it: a hypervisor's bare "AMD EPYC" covers several generations
fam=$(cpuinfo 'cpu family')
mod=$(cpuinfo model)
if [ -n "$fam" ] && [ -n "$mod" ]; then
	check "naming the CPU's family and model (f${fam}m${mod})" bash -c "echo '$cls' | grep -q -- '-f${fam}m${mod}-'"
	check "as meta.json's host.cpu_signature records them" python3 -c "
import json, sys
g = json.load(open('$TMP/rel/meta.json'))['host']['cpu_signature']
sys.exit(not (g['arch'] == 'x86' and g['family'] == $fam and g['model'] == $mod))"
else
	skip "naming the CPU's family and model" "/proc/cpuinfo has no cpu family and model (not x86)"
fi
cfg=$(python3 -c "import json; print(json.load(open('$TMP/rel/meta.json'))['config']['name'])")

expect_exit 0 "save a fit run" "$GBENCH" baseline save "$TMP/rel" --root "$TMP/bl"
dest="$TMP/bl/$cls/$cfg"
for f in results.csv samples.csv meta.json; do check "copies $f" cmp -s "$TMP/rel/$f" "$dest/$f"; done
check "leaves hist/ out" test ! -e "$dest/hist"
check "leaves no temp folder" bash -c "! ls -a '$TMP/bl/$cls' | grep -q '^\.'.*tmp"

# Replace it with another run: the new files, nothing of the old left behind.
cp -r "$TMP/rel" "$TMP/rel2"
echo stale > "$dest/stale-file"
edit "$TMP/rel2" 'm["build"]["commit"] = "feedface0000"'
expect_exit 0 "save again replaces it" "$GBENCH" baseline save "$TMP/rel2" --root "$TMP/bl"
check "with the new meta.json" grep -q feedface0000 "$dest/meta.json"
check "and nothing of the old" test ! -e "$dest/stale-file"
check "and no temp or old folder" bash -c "[ \$(ls -a '$TMP/bl/$cls' | grep -vc '^\.\.\?\$') -eq 1 ]"
expect_exit 0 "--class names the class" "$GBENCH" baseline save "$TMP/rel" --class my-runner --root "$TMP/bl"
check "under that name" test -f "$TMP/bl/my-runner/$cfg/results.csv"

expect_exit 0 "list exits 0" "$GBENCH" baseline list --root "$TMP/bl"
check "lists both" bash -c "grep -q '$cls/$cfg' '$TMP/out' && grep -q 'my-runner/$cfg' '$TMP/out'"
expect_exit 0 "list of nothing exits 0" "$GBENCH" baseline list --root "$TMP/none"

# A save killed with -9 leaves its staging folder (ROOT/.baseline.tmp.PID)
# and maybe its temp folder in the class (.CFG.tmp.PID): the next save
# removes those of processes that are gone, and no other.
true & dead=$!
wait "$dead"
mkdir -p "$TMP/bl/.baseline.tmp.$dead/run-1" "$TMP/bl/$cls/.$cfg.tmp.$dead" \
	"$TMP/bl/$cls/.$cfg.old.$dead" "$TMP/bl/.baseline.tmp.$$"
expect_exit 0 "a save after a killed one" "$GBENCH" baseline save "$TMP/rel2" --root "$TMP/bl"
check "removes the killed save's staging folder" test ! -e "$TMP/bl/.baseline.tmp.$dead"
check "and its folders in the class" \
	test ! -e "$TMP/bl/$cls/.$cfg.tmp.$dead" -a ! -e "$TMP/bl/$cls/.$cfg.old.$dead"
check "saying so" grep -q "removed '$TMP/bl/.baseline.tmp.$dead': .*process $dead, which is gone" "$TMP/err"
check "a live process's folder is left" test -d "$TMP/bl/.baseline.tmp.$$"
rm -rf "$TMP/bl/.baseline.tmp.$$"

# Two saves into one class: the second is refused at once (exit 4), naming
# the holder of the class's lock (ROOT/.CLASS.lock).
( exec 9> "$TMP/bl/.$cls.lock"; flock 9; echo "$BASHPID" >&9; exec sleep 60 ) &
holder=$!
for _ in $(seq 1 100); do [ -s "$TMP/bl/.$cls.lock" ] && break; sleep 0.1; done
expect_exit 4 "a save into a class another save holds is refused" \
	"$GBENCH" baseline save "$TMP/rel" --root "$TMP/bl"
check "naming its pid" grep -q "'$TMP/bl/$cls' is in use by another gbench (pid $holder" "$TMP/err"
check "and the baseline is the one before" grep -q feedface0000 "$dest/meta.json"
check "leaving no staging folder" bash -c "! ls -a '$TMP/bl' | grep -q 'baseline.tmp'"
kill "$holder"
wait "$holder" 2> /dev/null
expect_exit 0 "once it is free, the save goes through" \
	"$GBENCH" baseline save "$TMP/rel2" --root "$TMP/bl"
check "leaving no lock file" test ! -e "$TMP/bl/.$cls.lock"

check_nr() { "$GBENCH" compare "$@" > "$TMP/out" 2> "$TMP/err"; rc=$?; [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; }
check "the saved baseline compares with its run (no regression)" check_nr "$dest" "$TMP/rel2"

# A baseline's runs are separate samples of the machine: a copy of one run
# saved beside it, or found in a folder of runs, would narrow their spread.
cp -r "$TMP/rel" "$TMP/relcopy"
expect_exit 2 "a run saved twice in one baseline is refused" \
	"$GBENCH" baseline save "$TMP/rel" "$TMP/relcopy" --root "$TMP/bl2"
check "naming both and the run" grep -q "'$TMP/relcopy' holds the measurements of run [0-9a-f]\{32\}, as '$TMP/rel' does: the runs of a baseline are separate samples, each saved once" "$TMP/err"
check "and nothing is written" test ! -e "$TMP/bl2"
mkdir -p "$TMP/twice"; cp -r "$TMP/rel" "$TMP/twice/run-1"; cp -r "$TMP/rel" "$TMP/twice/run-2"
expect_exit 2 "compare against a folder holding one run twice exits 2" "$GBENCH" compare "$TMP/twice" "$TMP/rel2"
check "naming both" grep -q "'$TMP/twice/run-2' holds the measurements of run [0-9a-f]\{32\}, as '$TMP/twice/run-1' does: the runs of a folder are separate samples, each there once" "$TMP/err"
done_testing
