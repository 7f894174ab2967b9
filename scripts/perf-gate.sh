#!/usr/bin/env bash
# perf-gate.sh - the CI regression gate in one command. By default the
# change against its base in one job (A/B, issue 16): build the base
# revision in a git worktree of its own (cached by commit), count the
# instructions of every cpu cell of both builds under callgrind (the first
# signal), then run the base (A) and the candidate (B) alternately on this
# machine, one process per run, in the order ABBA BAAB... (pair 1 A then
# B, pair 2 B then A, and so on), and judge B against A per pair of
# processes (gbench compare --paired): what the machine or the hour did to
# a pair cancels in it. The stored-baseline mode (GB_MODE=baseline) runs
# the config once and compares it with the committed baseline of this
# machine's class, for nightly and history use. Either way compare.md (for
# a pull-request comment), compare.junit.xml (for the CI page) and
# compare.json go beside the runs, and the gate exits with compare's code.
#
#   scripts/perf-gate.sh [OUT] [GATE-OPTIONS] [-- COMPARE-ARGS...]
#
#   OUT            where the runs and the compare go (default: results/perf-gate):
#                  A/B: OUT/ir-A, OUT/ir-B (the counts), OUT/A/run-N and OUT/B/run-N;
#                  baseline: OUT/run-1/ (and run-2/ after a second look)
#   COMPARE-ARGS   passed to gbench compare (e.g. --threshold 2%, --alpha 0.05,
#                  --allow-inconclusive)
#
# GATE-OPTIONS (A/B mode; docs/gate.md "In CI"):
#   --ir-threshold P  the instruction counts' threshold (default 0.1%)
#   --cache-sim       simulate caches and branches too (sim_d1_misses...; slower)
#   --no-ir           no instruction-count stage: time alone (also GB_IR=0)
#   --ir-window N     requests of each trace the counts run (default 4; 0: all)
#   --max-pairs N     pairs to go up to while undecided (default GB_PAIRS + 4)
#   --time-budget S   seconds (or Nm) the runs may take before no more pairs
#                     are added (default 300)
#
# The instruction-count stage: one `gbench run --counters callgrind` per
# build (both at once, one core each) runs every cpu cell under a single
# valgrind child, twice (--repetitions 2, each after an untimed prime of
# its own cell), counting instructions only (GBENCH_CALLGRIND_SIM=ir) on
# the first --ir-window requests of each trace; compare judges sim_ir
# alone against --ir-threshold, a cell whose two counts differ is flagged
# non-deterministic and does not gate. A count regression fails the gate
# at once (exit 1; the time runs are skipped). Then time: GB_PAIRS pairs,
# and while compare says inconclusive, 2 pairs more at a time up to
# --max-pairs within --time-budget; every look tests at alpha / K, K the
# most looks there can be (Bonferroni), so that all the looks together
# keep compare's alpha (default 0.01). The baseline mode spends its alpha
# the same way over its 1 + GB_RERUNS looks.
#
# Environment:
#   GBENCH         the candidate's gbench (default: build/gbench; build it with make)
#   GB_MODE        ab (default) or baseline
#   BASE           A/B: the base revision (default: the merge-base of HEAD and GB_TARGET)
#   GB_TARGET      A/B: the branch the change goes into (default: origin/main, else main)
#   GB_BASE_GBENCH A/B: an already built base gbench to use instead of building BASE
#   GB_GATE_CACHE  A/B: where base worktrees and builds are kept, by commit
#                  (default: ${XDG_CACHE_HOME:-~/.cache}/gbench-gate)
#   GB_PAIRS       A/B: pairs of processes at the first look (default 5)
#   GB_MAX_PAIRS, GB_TIME_BUDGET, GB_IR_THRESHOLD, GB_IR_WINDOW, GB_IR (1; 0: --no-ir)
#                  the options above
#   GB_B_INJECT    A/B: GB_INJECT for the B runs only (measuring the gate: inject.h)
#   GB_B_INJECT_CELLS  A/B: GB_INJECT_CELLS for those runs (the cells injected; default all)
#   GBENCH_VALGRIND  the valgrind to run (default: valgrind on PATH)
#   GB_CONFIG      the config to run (default: ci; both sides run the candidate's file)
#   GB_RUN_ARGS    extra arguments to gbench run (e.g. "--executor cpu")
#   GB_BASELINES   baseline: the baselines folder (default: baselines/ in this tree)
#   GB_CLASS       baseline: the machine class to compare with (default: the run's own)
#   GB_RERUNS      baseline: runs added to settle an inconclusive gate (default 1; 0: none)
#   GITHUB_STEP_SUMMARY  when set (GitHub Actions), the Markdown is appended to it
#
# Exit: 0 no regression, 1 regression (of counts or of time), 3
# inconclusive (0 with --allow-inconclusive); 2 for bad input: a BASE that
# is not a commit here, no git checkout for A/B, no baseline for this
# class, a bad setting; 4 when the base does not build or its worktree
# cannot be made (one line naming the build log), when valgrind is missing
# or cannot count (a sanitizer build); otherwise a run's own failure (4
# environment, 5 correctness, 130 interrupted), which also wins over a clean
# compare. Stopped by SIGINT or SIGTERM (a cancelled CI job), the gate
# stops its runs (whose own processes die with them), removes its temp
# folder and exits 130 or 143: nothing of it keeps running or writing, and
# it never writes a baseline.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
gbench=${GBENCH:-$top/build/gbench}
config=${GB_CONFIG:-ci}
baselines=${GB_BASELINES:-$top/baselines}
out=results/perf-gate
ir=${GB_IR:-1}
ir_threshold=${GB_IR_THRESHOLD:-0.1%}
ir_window=${GB_IR_WINDOW:-4}
cache_sim=0
max_pairs=${GB_MAX_PAIRS:-}
budget=${GB_TIME_BUDGET:-300}

say() { echo "perf-gate: $*" >&2; }

# OUT and the gate's options, up to --; the rest is compare's
while [ $# -gt 0 ]; do
	case $1 in
	--) shift; break ;;
	--cache-sim) cache_sim=1; shift ;;
	--no-ir) ir=0; shift ;;
	--ir-threshold|--ir-window|--max-pairs|--time-budget)
		[ $# -ge 2 ] || { say "$1 needs a value"; exit 2; }
		case $1 in
		--ir-threshold) ir_threshold=$2 ;;
		--ir-window) ir_window=$2 ;;
		--max-pairs) max_pairs=$2 ;;
		--time-budget) budget=$2 ;;
		esac
		shift 2 ;;
	-*) say "unknown option '$1' (compare's options go after --)"; exit 2 ;;
	*) out=$1; shift ;;
	esac
done

if [ ! -x "$gbench" ]; then
	say "no gbench at '$gbench': build it with 'make' or set GBENCH"
	exit 2
fi

# The runs' temp folders (a shared run's processes write into TMPDIR) go
# in a folder of the gate's own, removed however the gate ends. gbench runs
# in the background and is waited for: bash runs a trap only after a
# foreground command ends, and a run must not outlive the gate.
gate_tmp=$(mktemp -d "${TMPDIR:-/tmp}/perf-gate.XXXXXX") || { say "cannot make a temp folder"; exit 4; }
export TMPDIR=$gate_tmp
children=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	local p
	for p in $children; do kill -TERM "$p" 2> /dev/null; done
	for p in $children; do wait "$p" 2> /dev/null; done
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
max_pairs=${max_pairs:-$((pairs + 4))}
case $max_pairs in
''|*[!0-9]*) say "--max-pairs must be a count, not '$max_pairs'"; exit 2 ;;
esac
[ "$max_pairs" -ge "$pairs" ] || { say "--max-pairs $max_pairs is below GB_PAIRS $pairs"; exit 2; }
case $budget in
*m) budget=${budget%m}; case $budget in ''|*[!0-9]*) budget=x ;; *) budget=$((budget * 60)) ;; esac ;;
*s) budget=${budget%s} ;;
esac
case $budget in ''|*[!0-9]*) say "--time-budget must be seconds (300, 300s or 5m)"; exit 2 ;; esac
case $ir_window in ''|*[!0-9]*) say "--ir-window must be a count of requests, not '$ir_window'"; exit 2 ;; esac
case $ir in 0|1) ;; *) say "GB_IR must be 0 or 1, not '$ir'"; exit 2 ;; esac
awk -v t="${ir_threshold%\%}" 'BEGIN { exit !(t ~ /^[0-9]*\.?[0-9]+$/ && t > 0) }' ||
	{ say "--ir-threshold must be a positive percentage (0.1%), not '$ir_threshold'"; exit 2; }
gate_t0=$(date +%s)
mode=${GB_MODE:-ab}
case $mode in
ab|baseline) ;;
*) say "GB_MODE must be ab or baseline, not '$mode'"; exit 2 ;;
esac

# compare's alpha (its own default unless COMPARE-ARGS name one), to be
# spent over the looks: alpha_look K -> alpha / K (Bonferroni)
alpha=0.01
prev=
for arg in "$@"; do
	case $arg in --alpha=*) alpha=${arg#--alpha=} ;; esac
	[ "$prev" = --alpha ] && alpha=$arg
	prev=$arg
done
alpha_look() { awk -v a="$alpha" -v k="$1" 'BEGIN { printf "%.6g\n", a / k }'; }

# A gate's runs are pooled: runs left from an earlier gate must not join them.
if [ -f "$out/results.csv" ]; then
	say "'$out' holds a run of its own (results.csv): give the gate a folder of its own"
	exit 2
fi
mkdir -p "$out" || exit 2
rm -rf "$out"/run-[0-9]* "$out"/A "$out"/B "$out"/ir-A "$out"/ir-B "$out"/compare.md \
	"$out"/compare.junit.xml "$out"/compare.json "$out"/compare-ir.md \
	"$out"/compare-ir.junit.xml "$out"/compare-ir.json

# ---- running gbench: one function for every child of the gate ----

run_rc=0
# start_child BIN INJECT DIR RUN-ARGS...: `BIN run --out DIR RUN-ARGS` in
# the background with GB_INJECT=INJECT (and, with it, GB_INJECT_CELLS from
# GB_B_INJECT_CELLS); its pid in $started. The gate reads
# results only: --no-report where BIN knows it (a base built from an older
# revision may not), so no child spends its time drawing charts.
start_child() {
	local bin=$1 inject=$2 dir=$3 noreport=
	shift 3
	"$bin" run --list-options 2> /dev/null | grep -qx -- '--no-report' && noreport=--no-report
	GB_INJECT=$inject GB_INJECT_CELLS=${inject:+${GB_B_INJECT_CELLS:-${GB_INJECT_CELLS:-}}} \
		"$bin" run $noreport --out "$dir" "$@" &
	started=$!
	children="$children $started"
}
# wait_child PID WHAT: 0, or the run's failure (its exit code); a run's
# correctness failure (5) is noted, compared anyway, and is the gate's exit
# when the compare is clean
wait_child() {
	local rc
	wait "$1"
	rc=$?
	children=${children/ $1/}
	case $rc in
	0) ;;
	5) say "$2 reported correctness failures (exit 5); comparing anyway"; run_rc=5 ;;
	*) say "$2 failed (exit $rc)"; return "$rc" ;;
	esac
	return 0
}
# run_child WHAT BIN INJECT DIR RUN-ARGS...: one run, waited for
run_child() {
	local what=$1
	shift
	start_child "$@"
	wait_child "$started" "$what"
}

finish() {
	local f
	for f in compare-ir.md compare.md; do
		if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/$f" ]; then
			cat "$out/$f" >> "$GITHUB_STEP_SUMMARY"
		fi
	done
	[ -f "$out/compare-ir.md" ] && say "wrote $out/compare-ir.md, .junit.xml, .json (instruction counts)"
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

# ir_traces DIR: the config's traces (or GB_RUN_ARGS' --workload), each cut
# to its first $ir_window requests, into DIR under their own names (so the
# cells keep their ids); prints the --workload list, nothing when a trace
# cannot be found (the counts then run the whole traces)
ir_traces() {
	local dir=$1 list='' tdir='' w f cfgfile=$cfg_arg prev='' arg names=''
	# shellcheck disable=SC2086  # GB_RUN_ARGS is a list of words
	for arg in ${GB_RUN_ARGS:-}; do
		case $arg in --workload=*) names=${arg#--workload=} ;; esac
		[ "$prev" = --workload ] && names=$arg
		prev=$arg
	done
	if [ -f "$cfgfile" ]; then
		[ -n "$names" ] || names=$(sed -n 's/^[[:space:]]*workloads[[:space:]]*=[[:space:]]*\([^;]*\).*/\1/p' "$cfgfile" | tr -d ' ')
		tdir=$(sed -n 's/^[[:space:]]*trace_dir[[:space:]]*=[[:space:]]*\([^;[:space:]]*\).*/\1/p' "$cfgfile")
	fi
	[ -n "$names" ] || return 0
	mkdir -p "$dir" || return 0
	for w in ${names//,/ }; do
		f=$w
		[ -f "$f" ] || f=$top/workloads/${tdir:+$tdir/}$w.csv
		[ -f "$f" ] || return 0
		# the metadata lines, the header, then the first N requests
		awk -v n="$ir_window" '/^#/ && !h { print; next } { print; if (h++ >= n) exit }' "$f" \
			> "$dir/$(basename "$f")" || return 0
		list=$list${list:+,}$dir/$(basename "$f")
	done
	echo "$list"
}

# ir_stage COMPARE-ARGS: both builds' instruction counts, judged; sets ir_rc
ir_stage() {
	local wl pa pb sim=ir why s args
	if ! command -v "${GBENCH_VALGRIND:-valgrind}" > /dev/null; then
		say "no valgrind ('${GBENCH_VALGRIND:-valgrind}' is not on PATH): the instruction-count stage needs it (install valgrind, or --no-ir to gate on time alone)"
		exit 4
	fi
	[ "$cache_sim" -eq 1 ] && sim=cache
	wl=
	[ "$ir_window" -gt 0 ] && wl=$(ir_traces "$gate_tmp/ir-traces")
	args=(--quiet --config "$cfg_arg")
	# shellcheck disable=SC2206  # GB_RUN_ARGS is a list of words
	args+=(${GB_RUN_ARGS:-})
	[ -n "$wl" ] && args+=(--workload "$wl")
	args+=(--executor cpu --processes 1 --repetitions 2 --prime 1 --warmup 0 --counters callgrind)
	say "instruction counts: every cpu cell twice under callgrind (${wl:+the first $ir_window requests of each trace, }$([ "$sim" = ir ] && echo "instructions only" || echo "with cache simulation")), A and B at once"
	GBENCH_CALLGRIND_SIM=$sim start_child "$a_bin" "" "$out/ir-A" "${args[@]}"
	pa=$started
	GBENCH_CALLGRIND_SIM=$sim start_child "$gbench" "${GB_B_INJECT:-}" "$out/ir-B" "${args[@]}"
	pb=$started
	wait_child "$pa" "A's instruction-count run" || exit $?
	wait_child "$pb" "B's instruction-count run" || exit $?
	# a side that counted no cell (no valgrind for this build, a sanitizer
	# build, valgrind failing on its debug info): the reason, exit 4
	for s in A B; do
		grep -q ',sim_ir,count,simulated,' "$out/ir-$s/results.csv" 2> /dev/null && continue
		why=$(grep -o '"sim_ir": *"[^"]*"' "$out/ir-$s/meta.json" 2> /dev/null | head -n 1 |
			sed 's/^"sim_ir": *"//; s/"$//')
		say "$s cannot count instructions: ${why:-no sim_ir in $out/ir-$s} (--no-ir to gate on time alone)"
		exit 4
	done
	"$gbench" compare "$out/ir-A" "$out/ir-B" "$@" --metric sim_ir --threshold "$ir_threshold" \
		--markdown "$out/compare-ir.md" --junit "$out/compare-ir.junit.xml" --json "$out/compare-ir.json"
	ir_rc=$?
	case $ir_rc in
	0) say "instruction counts: no cpu cell beyond $ir_threshold" ;;
	1) say "instruction counts: a cpu cell's sim_ir beyond $ir_threshold (REGRESSION rows above): the gate fails on counts; the time runs are skipped"
	   finish 1 ;;
	3) say "instruction counts: inconclusive (a cell's counts missing); judging time" ;;
	*) say "instruction counts: compare failed (exit $ir_rc)"; finish "$ir_rc" ;;
	esac
}

# side_run SIDE N: one process of side A or B into OUT/SIDE/run-N
side_run() {
	local bin=$gbench inject=${GB_B_INJECT:-}
	[ "$1" = A ] && { bin=$a_bin; inject=; }
	say "pair $2: $1 ($bin)"
	# shellcheck disable=SC2086  # GB_RUN_ARGS is a list of words
	run_child "$1's run $2" "$bin" "$inject" "$out/$1/run-$2" --quiet --config "$cfg_arg" \
		--processes 1 ${GB_RUN_ARGS:-} || exit $?
}

# run_pairs FROM TO: pairs FROM..TO, odd pairs A B, even pairs B A
run_pairs() {
	local i
	for i in $(seq "$1" "$2"); do
		if [ $((i % 2)) -eq 1 ]; then
			side_run A "$i"; side_run B "$i"
		else
			side_run B "$i"; side_run A "$i"
		fi
	done
}

if [ "$mode" = ab ]; then
	base_gbench
	# both sides run the candidate's config file: one config, whatever the base had
	cfg_arg=$config
	[ -f "$top/bench/configs/$config.ini" ] && cfg_arg=$top/bench/configs/$config.ini
	mkdir -p "$out/A" "$out/B" || exit 2
	ir_rc=0
	[ "$ir" -eq 1 ] && ir_stage "$@"
	# the looks: at pairs, pairs + 2, ... up to max_pairs (the last may add one)
	looks=$((1 + (max_pairs - pairs + 1) / 2))
	alpha_k=$(alpha_look "$looks")
	say "time: alpha $alpha spent over at most $looks look(s) (Bonferroni): each look tests at alpha $alpha_k"
	t0=$(date +%s)
	run_pairs 1 "$pairs"
	n=$pairs
	# counts first: a time row that time leaves open is settled where the
	# cell's instruction count was deterministic and unchanged
	counts=()
	[ "$ir" -eq 1 ] && [ -s "$out/compare-ir.json" ] && counts=(--counts "$out/compare-ir.json")
	judge_ab() {
		"$gbench" compare --paired "$out/A" "$out/B" --markdown "$out/compare.md" \
			--junit "$out/compare.junit.xml" --json "$out/compare.json" "${counts[@]}" "$@" \
			--alpha "$alpha_k"
	}
	judge_ab "$@"
	rc=$?
	while [ "$rc" -eq 3 ] && [ "$n" -lt "$max_pairs" ]; do
		step=$((max_pairs - n < 2 ? max_pairs - n : 2))
		spent=$(($(date +%s) - gate_t0))
		# the next pairs cost what the pairs so far cost each (rounded up:
		# pairs done within a second still cost something; a budget of 0
		# adds none)
		if [ $((spent + (($(date +%s) - t0) * step + n - 1) / n)) -ge "$budget" ]; then
			say "inconclusive after $n pairs; $step more would pass the time budget (${spent} s of ${budget} s gone)"
			break
		fi
		say "inconclusive after $n pairs: $step more (up to $max_pairs), judged again at alpha $alpha_k"
		run_pairs $((n + 1)) $((n + step))
		n=$((n + step))
		judge_ab "$@"
		rc=$?
	done
	# counts inconclusive (a cell's missing) and time clean: inconclusive
	if [ "$rc" -eq 0 ] && [ "$ir_rc" -eq 3 ]; then
		rc=3
		for arg in "$@"; do [ "$arg" = --allow-inconclusive ] && rc=0; done
	fi
	finish "$rc"
fi

# ---- the stored baseline ----

# run_once N: the config into OUT/run-N; 0, or the run's failure
run_once() {
	say "running config '$config' into $out/run-$1"
	# shellcheck disable=SC2086  # GB_RUN_ARGS is a list of words
	run_child "the run" "$gbench" "${GB_INJECT:-}" "$out/run-$1" --config "$config" ${GB_RUN_ARGS:-}
}

looks=$((1 + reruns))
alpha_k=$(alpha_look "$looks")
say "alpha $alpha spent over at most $looks look(s) (Bonferroni): each look tests at alpha $alpha_k"
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
		--junit "$out/compare.junit.xml" --json "$out/compare.json" "$@" --alpha "$alpha_k"
}
judge "$@"
rc=$?
n=1
while [ "$rc" -eq 3 ] && [ "$n" -le "$reruns" ]; do
	n=$((n + 1))
	say "inconclusive: running once more and judging the $n runs pooled at alpha $alpha_k (GB_RERUNS=$reruns)"
	run_once "$n" || exit $?
	judge "$@"
	rc=$?
done
finish "$rc"
