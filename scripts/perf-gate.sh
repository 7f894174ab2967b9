#!/usr/bin/env bash
# perf-gate.sh - the CI regression gate in one command: run the ci config,
# compare it with the committed baseline of this machine's class, write
# compare.md (for a pull-request comment), compare.junit.xml (for the CI
# page) and compare.json beside the results, and exit with compare's code.
#
#   scripts/perf-gate.sh [OUT] [-- COMPARE-ARGS...]
#
#   OUT            where the runs and the compare go (default: results/perf-gate):
#                  OUT/run-1/ is the run, OUT/compare.{md,junit.xml,json} its verdict
#   COMPARE-ARGS   passed to gbench compare (e.g. --threshold 8%)
#
# An inconclusive gate (exit 3: some interval reaches past the threshold
# band on both sides) had too little evidence either way. The gate then runs
# the config once more into OUT/run-2 and judges both runs pooled, as a
# bisection tool adds repeats to an unclear comparison: one more run, one
# more look, and that verdict stands. A regression is never rerun. A/A
# comparisons of this machine's runs (README, the gate's figures): the
# second look settles most inconclusive ones.
#
# Environment:
#   GBENCH         the gbench binary (default: build/gbench; build it with make)
#   GB_CONFIG      the config to run (default: ci)
#   GB_RUN_ARGS    extra arguments to gbench run (e.g. "--executor cpu")
#   GB_BASELINES   the baselines folder (default: baselines/ in this tree)
#   GB_CLASS       the machine class to compare with (default: the run's own)
#   GB_RERUNS      runs added to settle an inconclusive gate (default 1; 0: none)
#   GITHUB_STEP_SUMMARY  when set (GitHub Actions), the Markdown is appended to it
#
# Exit: compare's code - 0 no regression, 1 regression, 3 inconclusive;
# 2 when there is no baseline for this class or an input is bad; otherwise
# the run's own failure (4 environment, 5 correctness, 130 interrupted),
# which also wins over a clean compare. Stopped by SIGINT or SIGTERM (a
# cancelled CI job), the gate stops its run (whose own processes die with
# it), removes its temp folder and exits 130 or 143: nothing of it keeps
# running or writing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
gbench=${GBENCH:-$top/build/gbench}
config=${GB_CONFIG:-ci}
baselines=${GB_BASELINES:-$top/baselines}
out=results/perf-gate
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	out=$1
	shift
fi
[ "${1:-}" = "--" ] && shift

say() { echo "perf-gate: $*" >&2; }

if [ ! -x "$gbench" ]; then
	say "no gbench at '$gbench': build it with 'make' or set GBENCH"
	exit 2
fi

# The runs' temp folders (a shared run's processes write into TMPDIR) go
# in a folder of the gate's own, removed however the gate ends. gbench runs
# in the background and is waited for: bash runs a trap only after a
# foreground command ends, and the run must not outlive the gate.
gate_tmp=$(mktemp -d "${TMPDIR:-/tmp}/perf-gate.XXXXXX") || { say "cannot make a temp folder"; exit 4; }
export TMPDIR=$gate_tmp
child=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	if [ -n "$child" ]; then
		kill -TERM "$child" 2> /dev/null
		wait "$child" 2> /dev/null
	fi
	rm -rf "$gate_tmp"
}
trap cleanup EXIT
trap 'say "interrupted: stopping the run"; exit 130' INT
trap 'say "terminated: stopping the run"; exit 143' TERM

case ${GB_RERUNS:-1} in
''|*[!0-9]*) say "GB_RERUNS must be a count, not '${GB_RERUNS}'"; exit 2 ;;
esac
reruns=${GB_RERUNS:-1}

# A gate's runs are pooled: runs left from an earlier gate must not join them.
if [ -f "$out/results.csv" ]; then
	say "'$out' holds a run of its own (results.csv): give the gate a folder of its own"
	exit 2
fi
mkdir -p "$out" || exit 2
rm -rf "$out"/run-[0-9]* "$out"/compare.md "$out"/compare.junit.xml "$out"/compare.json

run_rc=0
# run_once N: the config into OUT/run-N; 0, or the run's failure
run_once() {
	local rc
	say "running config '$config' into $out/run-$1"
	# shellcheck disable=SC2086  # GB_RUN_ARGS is a list of words
	"$gbench" run --config "$config" --out "$out/run-$1" ${GB_RUN_ARGS:-} &
	child=$!
	wait "$child"
	rc=$?
	child=
	case $rc in
	0) ;;
	5) say "the run reported correctness failures (exit 5); comparing anyway"; run_rc=5 ;;
	*) say "the run failed (exit $rc)"; return "$rc" ;;
	esac
	return 0
}

run_once 1 || exit $?
class=${GB_CLASS:-$("$gbench" baseline class "$out/run-1")} || exit 2
base="$baselines/$class/$config"
if [ ! -f "$base/results.csv" ] && [ ! -f "$base/run-1/results.csv" ]; then
	say "no baseline for machine class '$class' and config '$config' in $baselines"
	say "record one on a quiet machine of this class with a release build, best from"
	say "several runs (compare weighs a verdict against their spread):"
	say "  for i in 1 2 3; do $gbench run --config $config --out R\$i; done"
	say "  $gbench baseline save R1 R2 R3 --root $baselines"
	exit 2
fi

judge() {
	"$gbench" compare "$base" "$out" --markdown "$out/compare.md" \
		--junit "$out/compare.junit.xml" --json "$out/compare.json" "$@"
}
judge "$@"
rc=$?
n=1
while [ "$rc" -eq 3 ] && [ "$n" -le "$reruns" ]; do
	n=$((n + 1))
	say "inconclusive: running once more and judging the $n runs pooled (GB_RERUNS=$reruns)"
	run_once "$n" || exit $?
	judge "$@"
	rc=$?
done
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/compare.md" ]; then
	cat "$out/compare.md" >> "$GITHUB_STEP_SUMMARY"
fi
[ -f "$out/compare.md" ] && say "wrote $out/compare.md, $out/compare.junit.xml, $out/compare.json"
if [ "$rc" -eq 0 ] && [ "$run_rc" -ne 0 ]; then
	exit "$run_rc"
fi
exit "$rc"
