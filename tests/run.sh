#!/usr/bin/env bash
# tests/run.sh BUILD - run every unit test binary in BUILD/tests and every
# end-to-end script tests/e2e/t*.sh against BUILD/gbench; count TAP lines and
# close with "N passed, N failed, N skipped".
set -u
build=${1:-build/san}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export GBENCH="$top/$build/gbench" GBENCH_BUILD="$top/$build"
# Leak detection on, except where a test sets its own (Vulkan: detect_leaks=0).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logdir="$top/$build/test-logs"
mkdir -p "$logdir"

passed=0 failed=0 skipped=0
failures=()

count() { # name logfile rc
	local name=$1 log=$2 rc=$3 p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -n1)
	s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log" | head -n1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -n1)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed or exited non-zero outside a test: count it
		echo "not ok - $name exited with status $rc" >> "$log"
	fi
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	grep -E '^(not ok|ok .*# SKIP)' "$log" | sed "s|^|  $name: |"
	[ "$f" -gt 0 ] && failures+=("$name")
	printf '%-40s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
}

for t in "$build"/tests/test-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$logdir/$name.log"
	"$t" > "$log" 2>&1
	count "$name" "$log" $?
done

for t in tests/e2e/t*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	log="$logdir/$name.log"
	bash "$t" > "$log" 2>&1
	count "$name" "$log" $?
done

if [ ${#failures[@]} -gt 0 ]; then
	echo
	for n in "${failures[@]}"; do
		echo "---- $n (log: $logdir/$n.log) ----"
		tail -n 40 "$logdir/$n.log"
	done
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
