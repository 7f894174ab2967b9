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
# not recorded numbers multiplied afterwards). Per trial it runs
#   A/A        no injection: exit 1 is a false alarm, exit 3 an inconclusive gate;
#   each spec of INJECT   B slowed: exit 1 is a catch.
# and writes OUT/gate-figure.md (OUT: $OUT or results/gate-figure): per
# kind, the exit codes over the trials and the gate's wall time. Each
# gate's folder stays in OUT/<kind>-<trial>/ (compare.json for the rows).
# The figures are benchmarks for docs/gate.md, with the date, the commit
# and the machine this prints; nothing here asserts them.
#
# Environment: GBENCH (default build/gbench, a release build), OUT,
# INJECT (default "matmul:2% all:2%"), GB_PAIRS (default 5), RUN-ARGS
# (default "--executor cpu", passed as GB_RUN_ARGS), COMPARE (arguments to
# compare, default none: the gate's own defaults).
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
inject=${INJECT:-"matmul:2% all:2%"}

case $trials in
''|*[!0-9]*|0) echo "gate-figure: TRIALS must be a count, not '$trials'" >&2; exit 2 ;;
esac
[ -x "$gbench" ] || { echo "gate-figure: no gbench at '$gbench': build it with make" >&2; exit 2; }
mkdir -p "$out" || exit 2

# one gate: KIND TRIAL SPEC -> "rc seconds"
gate() {
	local t0 rc
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086  # COMPARE is a list of words
	GBENCH=$gbench GB_BASE_GBENCH=$gbench GB_B_INJECT=$3 GB_RUN_ARGS=$run_args \
		"$top/scripts/perf-gate.sh" "$out/$1-$2" -- ${COMPARE:-} > "$out/$1-$2.log" 2>&1
	rc=$?
	echo "$rc $(echo "$(date +%s.%N) - $t0" | bc)"
}

kinds=("aa")
specs=("")
for s in $inject; do
	kinds+=("inject-$(echo "$s" | tr -c 'a-z0-9\n' '_')")
	specs+=("$s")
done
declare -A n0 n1 n3 nx secs
for k in "${kinds[@]}"; do n0[$k]=0; n1[$k]=0; n3[$k]=0; nx[$k]=0; secs[$k]=0; done
for t in $(seq 1 "$trials"); do
	for i in "${!kinds[@]}"; do
		k=${kinds[$i]}
		read -r rc s < <(gate "$k" "$t" "${specs[$i]}")
		case $rc in
		0) n0[$k]=$((n0[$k] + 1)) ;;
		1) n1[$k]=$((n1[$k] + 1)) ;;
		3) n3[$k]=$((n3[$k] + 1)) ;;
		*) nx[$k]=$((nx[$k] + 1)) ;;
		esac
		secs[$k]=$(echo "${secs[$k]} + $s" | bc)
		echo "gate-figure: trial $t, $k${specs[$i]:+ (GB_B_INJECT=${specs[$i]})}: exit $rc in ${s%.*} s" >&2
	done
done

{
	echo "# The A/B gate's figures"
	echo
	echo "$(date -u +%F), commit $(git -C "$top" rev-parse --short HEAD 2> /dev/null || echo unknown)$(git -C "$top" diff --quiet 2> /dev/null || echo ' (uncommitted changes)'),"
	echo "$("$gbench" info 2> /dev/null | grep -m 1 -iE '^ *cpu' | sed 's/^ *//'),"
	echo "$trials trials, ${GB_PAIRS:-5} pairs a gate, run arguments \`$run_args\`${COMPARE:+, compare \`$COMPARE\`}."
	echo
	echo "| B | exit 0 | exit 1 | exit 3 | other | mean gate wall |"
	echo "|---|---:|---:|---:|---:|---:|"
	for i in "${!kinds[@]}"; do
		k=${kinds[$i]}
		echo "| ${specs[$i]:-the same build (A/A)} | ${n0[$k]} | ${n1[$k]} | ${n3[$k]} | ${nx[$k]} | $(echo "scale=1; ${secs[$k]} / $trials" | bc) s |"
	done
} > "$out/gate-figure.md"
cat "$out/gate-figure.md"
