#!/usr/bin/env bash
# perf-gate.sh - the CI regression gate in one command. By default the
# change against its base in one job (A/B, issue 16): build the base
# revision in a git worktree of its own (cached by commit), then run the
# base (A) and the candidate (B) alternately on this machine, one process
# per run, in the order ABBA BAAB... (pair 1 A then B, pair 2 B then A, and
# so on), and judge B against A per pair of processes (gbench compare
# --paired): what the machine or the hour did to a pair cancels in it. The
# stored-baseline mode (GB_MODE=baseline) runs the config once and compares
# it with the committed baseline of this machine's class, for nightly and
# history use. Either way compare.md (for a pull-request comment),
# compare.junit.xml (for the CI page) and compare.json go beside the runs,
# and the gate exits with compare's code.
#
#   scripts/perf-gate.sh [OUT] [-- COMPARE-ARGS...]
#
#   OUT            where the runs and the compare go (default: results/perf-gate):
#                  A/B: OUT/A/run-N and OUT/B/run-N, one per pair;
#                  baseline: OUT/run-1/ (and run-2/ after a second look)
#   COMPARE-ARGS   passed to gbench compare (e.g. --threshold 2%, --allow-inconclusive)
#
# An inconclusive verdict (exit 3) fails the gate unless COMPARE-ARGS say
# --allow-inconclusive. In the baseline mode an inconclusive gate runs the
# config once more into OUT/run-2 and judges both runs pooled; a
# regression is never rerun.
#
# Environment:
#   GBENCH         the candidate's gbench (default: build/gbench; build it with make)
#   GB_MODE        ab (default) or baseline
#   BASE           A/B: the base revision (default: the merge-base of HEAD and GB_TARGET)
#   GB_TARGET      A/B: the branch the change goes into (default: origin/main, else main)
#   GB_BASE_GBENCH A/B: an already built base gbench to use instead of building BASE
#   GB_GATE_CACHE  A/B: where base worktrees and builds are kept, by commit
#                  (default: ${XDG_CACHE_HOME:-~/.cache}/gbench-gate)
#   GB_PAIRS       A/B: pairs of processes (default 5)
#   GB_B_INJECT    A/B: GB_INJECT for the B runs only (measuring the gate: inject.h)
#   GB_CONFIG      the config to run (default: ci; both sides run the candidate's file)
#   GB_RUN_ARGS    extra arguments to gbench run (e.g. "--executor cpu")
#   GB_BASELINES   baseline: the baselines folder (default: baselines/ in this tree)
#   GB_CLASS       baseline: the machine class to compare with (default: the run's own)
#   GB_RERUNS      baseline: runs added to settle an inconclusive gate (default 1; 0: none)
#   GITHUB_STEP_SUMMARY  when set (GitHub Actions), the Markdown is appended to it
#
# Exit: compare's code - 0 no regression, 1 regression, 3 inconclusive
# (0 with --allow-inconclusive); 2 for bad input: a BASE that is not a
# commit here, no git checkout for A/B, no baseline for this class, a bad
# setting; 4 when the base does not build or its worktree cannot be made
# (one line naming the build log); otherwise a run's own failure (4
# environment, 5 correctness, 130 interrupted), which also wins over a clean
# compare. Stopped by SIGINT or SIGTERM (a cancelled CI job), the gate
# stops its run (whose own processes die with it), removes its temp folder
# and exits 130 or 143: nothing of it keeps running or writing, and it
# never writes a baseline.
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
case ${GB_PAIRS:-5} in
''|*[!0-9]*|0|1|2) say "GB_PAIRS must be a count of 3 or more (a paired test needs 3), not '${GB_PAIRS}'"; exit 2 ;;
esac
pairs=${GB_PAIRS:-5}
mode=${GB_MODE:-ab}
case $mode in
ab|baseline) ;;
*) say "GB_MODE must be ab or baseline, not '$mode'"; exit 2 ;;
esac

# A gate's runs are pooled: runs left from an earlier gate must not join them.
if [ -f "$out/results.csv" ]; then
	say "'$out' holds a run of its own (results.csv): give the gate a folder of its own"
	exit 2
fi
mkdir -p "$out" || exit 2
rm -rf "$out"/run-[0-9]* "$out"/A "$out"/B "$out"/compare.md "$out"/compare.junit.xml "$out"/compare.json

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

finish() {
	if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/compare.md" ]; then
		cat "$out/compare.md" >> "$GITHUB_STEP_SUMMARY"
	fi
	[ -f "$out/compare.md" ] && say "wrote $out/compare.md, $out/compare.junit.xml, $out/compare.json"
	if [ "$1" -eq 0 ] && [ "$run_rc" -ne 0 ]; then
		exit "$run_rc"
	fi
	exit "$1"
}

# ---- A/B: the base built beside the candidate, their processes alternating ----

# The base's gbench: GB_BASE_GBENCH, or BASE (or the merge-base) built in
# a worktree of its own, kept by commit so that the next gate reuses it.
base_gbench() {
	local rev commit cache wt log target why
	if [ -n "${GB_BASE_GBENCH:-}" ]; then
		[ -x "$GB_BASE_GBENCH" ] || { say "GB_BASE_GBENCH '$GB_BASE_GBENCH' is not an executable"; exit 2; }
		a_bin=$GB_BASE_GBENCH
		return
	fi
	git -C "$top" rev-parse --git-dir > /dev/null 2>&1 ||
		{ say "'$top' is not a git checkout: set GB_BASE_GBENCH, or GB_MODE=baseline"; exit 2; }
	if [ -n "${BASE:-}" ]; then
		rev=$BASE
	else
		target=${GB_TARGET:-}
		if [ -z "$target" ]; then
			target=origin/main
			git -C "$top" rev-parse -q --verify "$target^{commit}" > /dev/null || target=main
		fi
		rev=$(git -C "$top" merge-base HEAD "$target" 2> /dev/null) ||
			{ say "no merge-base of HEAD and '$target': set BASE or GB_TARGET"; exit 2; }
	fi
	commit=$(git -C "$top" rev-parse -q --verify "$rev^{commit}" 2> /dev/null) ||
		{ say "base revision '$rev' is not a commit in '$top'"; exit 2; }
	cache=${GB_GATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gbench-gate}
	wt=$cache/$commit
	log=$cache/$commit.build.log
	mkdir -p "$cache" || { say "cannot make the cache folder '$cache'"; exit 4; }
	if [ ! -x "$wt/build/gbench" ]; then
		if [ ! -d "$wt" ] && ! git -C "$top" worktree add --detach "$wt" "$commit" > "$log" 2>&1; then
			say "cannot make a worktree of the base $commit in '$wt' (see $log)"
			exit 4
		fi
		say "building the base $commit in $wt"
		# the build's own temp files go to the gate's folder, its output to the log
		if ! make -s --no-print-directory -C "$wt" -j2 build/gbench > "$log" 2>&1 ||
		   [ ! -x "$wt/build/gbench" ]; then
			# its first error, else its last line: the reason in one line
			why=$(grep -m 1 -iE 'error' "$log" || tail -n 1 "$log")
			say "the base $commit does not build: $why (the log: $log)"
			exit 4
		fi
	fi
	a_bin=$wt/build/gbench
}

# side_run SIDE N: one process of side A or B into OUT/SIDE/run-N
side_run() {
	local rc bin=$gbench inject=${GB_B_INJECT:-}
	[ "$1" = A ] && { bin=$a_bin; inject=; }
	say "pair $2: $1 ($bin)"
	# shellcheck disable=SC2086  # GB_RUN_ARGS is a list of words
	GB_INJECT=$inject "$bin" run --quiet --config "$cfg_arg" --processes 1 --out "$out/$1/run-$2" \
		${GB_RUN_ARGS:-} &
	child=$!
	wait "$child"
	rc=$?
	child=
	case $rc in
	0) ;;
	5) say "$1's run reported correctness failures (exit 5); comparing anyway"; run_rc=5 ;;
	*) say "$1's run $2 failed (exit $rc)"; exit "$rc" ;;
	esac
}

if [ "$mode" = ab ]; then
	base_gbench
	# both sides run the candidate's config file: one config, whatever the base had
	cfg_arg=$config
	[ -f "$top/bench/configs/$config.ini" ] && cfg_arg=$top/bench/configs/$config.ini
	mkdir -p "$out/A" "$out/B" || exit 2
	for i in $(seq 1 "$pairs"); do
		if [ $((i % 2)) -eq 1 ]; then
			side_run A "$i"; side_run B "$i"
		else
			side_run B "$i"; side_run A "$i"
		fi
	done
	"$gbench" compare --paired "$out/A" "$out/B" --markdown "$out/compare.md" \
		--junit "$out/compare.junit.xml" --json "$out/compare.json" "$@"
	finish $?
fi

# ---- the stored baseline ----

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
finish "$rc"
