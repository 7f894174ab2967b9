#!/usr/bin/env bash
# gate-figure.sh - the gate's own figures on this machine: how often the A/B
# gate (scripts/perf-gate.sh) cries wolf, and how often it catches a real
# slowdown of known size.
#
#   scripts/gate-figure.sh [TRIALS] [-- RUN-ARGS...]
#
# Each trial is one whole A/B gate with the same build as A and B
# (GB_BASE_GBENCH = GBENCH): nothing differs but what GB_B_INJECT adds to
# the B runs (bench/inject.h: real extra work after every executor call of
# an op, as many dependent steps as take that fraction of the call's time;
# not recorded numbers multiplied afterwards). It runs
#   A/A        TRIALS gates, no injection, the whole gate (counts, then
#              time): exit 1 is a false alarm, exit 3 an inconclusive gate;
#   INJECT     INJECT_TRIALS gates per spec (default "topk:2% all:2%": one
#              workload's cells, every cell) with the time stage alone
#              (--no-ir): injected work adds instructions too, and the count
#              stage would catch it before the time stage is asked;
#   IR_INJECT  IR_TRIALS gates per spec (default "fft:0.1%": one workload's
#              cells), the whole gate: exit 1 is a catch on counts;
# and writes OUT/gate-figure.md (OUT: $OUT or results/gate-figure): per
# kind, the exit codes over the trials and the gate's mean and longest wall
# time, with the date, the commit, the machine and its load average. Each
# gate's folder stays in OUT/<kind>-<trial>/ (compare*.json for the rows).
# The figures are benchmarks for docs/gate.md; nothing here asserts them.
# `make bench-gate` runs the issue's batch: 100 A/A, 40 per time spec, 10
# per count spec.
#
# Environment: GBENCH (default build/gbench, a release build: valgrind
# cannot run a sanitizer build), OUT, INJECT, INJECT_TRIALS (default 40),
# IR_INJECT, IR_TRIALS (default 10), GB_PAIRS (default 5), GB_MAX_PAIRS,
# RUN-ARGS (default "--executor cpu", passed as GB_RUN_ARGS), COMPARE
# (arguments to compare, default none: the gate's own defaults).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
gbench=${GBENCH:-$top/build/gbench}
out=${OUT:-results/gate-figure}
trials=10
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	trials=$1
	shift
fi
[ "${1:-}" = "--" ] && shift
run_args=${*:-"--executor cpu"}
inject=${INJECT-"topk:2% all:2%"}

inject_trials=${INJECT_TRIALS:-40}
ir_inject=${IR_INJECT-"fft:0.1%"}
ir_trials=${IR_TRIALS:-10}

for n in "$trials" "$inject_trials" "$ir_trials"; do
	case $n in
	''|*[!0-9]*) echo "gate-figure: trial counts must be counts, not '$n'" >&2; exit 2 ;;
	esac
done
[ "$trials" -gt 0 ] || { echo "gate-figure: TRIALS must be 1 or more" >&2; exit 2; }
[ -x "$gbench" ] || { echo "gate-figure: no gbench at '$gbench': build it with make" >&2; exit 2; }
mkdir -p "$out" || exit 2
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# one gate: KIND TRIAL SPEC IR(1|0) -> "rc seconds"
gate() {
	local t0 rc
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086  # COMPARE is a list of words
	GBENCH=$gbench GB_BASE_GBENCH=$gbench GB_B_INJECT=$3 GB_IR=$4 GB_RUN_ARGS=$run_args \
		"$top/scripts/perf-gate.sh" "$out/$1-$2" -- ${COMPARE:-} > "$out/$1-$2.log" 2>&1
	rc=$?
	echo "$rc $(echo "$(date +%s.%N) - $t0" | bc)"
}

kinds=("aa")
specs=("")
irs=(1)
ntr=("$trials")
what=("the same build (A/A), counts and time")
for s in $inject; do
	kinds+=("time-$(echo "$s" | tr -c 'a-z0-9\n' '_')")
	specs+=("$s"); irs+=(0); ntr+=("$inject_trials"); what+=("B +$s of time, time stage alone")
done
for s in $ir_inject; do
	kinds+=("ir-$(echo "$s" | tr -c 'a-z0-9\n' '_')")
	specs+=("$s"); irs+=(1); ntr+=("$ir_trials"); what+=("B +$s, counts and time")
done
declare -A n0 n1 n3 nx secs maxs
for k in "${kinds[@]}"; do n0[$k]=0; n1[$k]=0; n3[$k]=0; nx[$k]=0; secs[$k]=0; maxs[$k]=0; done
# one I T: trial T of kind I, counted
one() {
	local k=${kinds[$1]} rc s
	read -r rc s < <(gate "$k" "$2" "${specs[$1]}" "${irs[$1]}")
	case $rc in
	0) n0[$k]=$((n0[$k] + 1)) ;;
	1) n1[$k]=$((n1[$k] + 1)) ;;
	3) n3[$k]=$((n3[$k] + 1)) ;;
	*) nx[$k]=$((nx[$k] + 1)) ;;
	esac
	secs[$k]=$(echo "${secs[$k]} + $s" | bc)
	[ "$(echo "$s > ${maxs[$k]}" | bc)" -eq 1 ] && maxs[$k]=$s
	echo "gate-figure: trial $2, $k${specs[$1]:+ (GB_B_INJECT=${specs[$1]})}: exit $rc in ${s%.*} s" >&2
}
# the kinds take turns, trial by trial, so that the machine's hours spread
# over all; then the trials of kinds that have more than TRIALS
for t in $(seq 1 "$trials"); do
	for i in "${!kinds[@]}"; do
		[ "$t" -le "${ntr[$i]}" ] && one "$i" "$t"
	done
done
for i in "${!kinds[@]}"; do
	for t in $(seq $((trials + 1)) "${ntr[$i]}"); do
		one "$i" "$t"
	done
done

{
	echo "# The A/B gate's figures"
	echo
	echo "$(date -u +%F), commit $(git -C "$top" rev-parse --short HEAD 2> /dev/null || echo unknown)$(git -C "$top" diff --quiet 2> /dev/null || echo ' + uncommitted changes'),"
	echo "$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1), $(nproc) CPUs,"
	echo "load average (1, 5, 15 min) $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
	echo "${GB_PAIRS:-5} pairs a gate (up to ${GB_MAX_PAIRS:-$((${GB_PAIRS:-5} + 4))}), run arguments \`$run_args\`${COMPARE:+, compare \`$COMPARE\`}."
	echo
	echo "| B | trials | exit 0 | exit 1 | exit 3 | other | mean gate wall | longest |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for i in "${!kinds[@]}"; do
		k=${kinds[$i]}
		[ "${ntr[$i]}" -gt 0 ] || continue
		echo "| ${what[$i]} | ${ntr[$i]} | ${n0[$k]} | ${n1[$k]} | ${n3[$k]} | ${nx[$k]} | $(echo "scale=1; ${secs[$k]} / ${ntr[$i]}" | bc) s | ${maxs[$k]%.*} s |"
	done
} > "$out/gate-figure.md"
cat "$out/gate-figure.md"
