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
#              time; AA_IR=0: time alone, as the vulkan nightly job runs):
#              exit 1 is a false alarm, exit 3 an inconclusive gate;
#              AA_BUILDS=2: A is not GBENCH but HEAD built a second time,
#              by the gate itself in its worktree (BASE=HEAD), as CI
#              builds a base (GBENCH must then be HEAD's own build: a
#              GBENCH of other code, or uncommitted code, exits 2);
#   INJECT     INJECT_TRIALS gates per spec (default "topk:2% all:2%": one
#              workload's cells, every cell) with the time stage alone
#              (--no-ir): injected work adds instructions too, and the count
#              stage would catch it before the time stage is asked
#              (INJECT_IR=1: the whole gate, counts first, as CI runs it);
#   IR         IR_TRIALS gates with IR_PCT percent more instructions
#              (default 0.11: just past the count stage's 0.1% threshold) in
#              one cell, IR_CELL (default audio-features.cpu.b1.f32.c0), and
#              in no other: GB_INJECT=IR_OP:+STEPS (default op fft) scoped by
#              GB_INJECT_CELLS, STEPS sized from instruction counts by two
#              calibrating gates first (+1024 and +4096 steps a call: the
#              cell's change is linear in the steps); the whole gate, exit 1
#              a catch on counts; each trial's measured change of the cell,
#              and of every other cell, is reported;
# and writes OUT/gate-figure.md (OUT: $OUT or results/gate-figure): per
# kind, the exit codes over the trials and the gate's mean and longest wall
# time, with the date, the commit, the machine and its load average. Each
# gate's folder stays in OUT/<kind>-<trial>/ (compare*.json for the rows).
# The figures are benchmarks for docs/gate.md; nothing here asserts them.
# `make bench-gate` runs the issue's batch: 100 A/A, 40 per time spec, 10
# per count spec.
#
# Environment: GBENCH (default build/gbench, a release build: valgrind
# cannot run a sanitizer build), OUT, AA_IR, AA_BUILDS, INJECT, INJECT_TRIALS (default 40), INJECT_IR,
# IR_CELL, IR_OP, IR_PCT, IR_TRIALS (default 10), GB_PAIRS (default 5), GB_MAX_PAIRS,
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
inject_ir=${INJECT_IR:-0}
aa_ir=${AA_IR:-1}
aa_builds=${AA_BUILDS:-1}
ir_cell=${IR_CELL:-audio-features.cpu.b1.f32.c0}
ir_op=${IR_OP:-fft}
ir_pct=${IR_PCT:-0.11}
ir_trials=${IR_TRIALS:-10}

for v in "INJECT_IR=$inject_ir" "AA_IR=$aa_ir"; do
	case ${v#*=} in 0|1) ;; *) echo "gate-figure: ${v%%=*} must be 0 or 1, not '${v#*=}'" >&2; exit 2 ;; esac
done
case $aa_builds in 1|2) ;; *) echo "gate-figure: AA_BUILDS must be 1 or 2, not '$aa_builds'" >&2; exit 2 ;; esac
for n in "$trials" "$inject_trials" "$ir_trials"; do
	case $n in
	''|*[!0-9]*) echo "gate-figure: trial counts must be counts, not '$n'" >&2; exit 2 ;;
	esac
done
[ "$trials" -gt 0 ] || { echo "gate-figure: TRIALS must be 1 or more" >&2; exit 2; }
[ -x "$gbench" ] || { echo "gate-figure: no gbench at '$gbench': build it with make" >&2; exit 2; }
# AA_BUILDS=2 compares GBENCH with HEAD built again: GBENCH must be built
# from HEAD's code, committed (its commit may differ from HEAD in files the
# gate does not run: docs, scripts, tests)
if [ "$aa_builds" -eq 2 ]; then
	code=(bench profilers shaders workloads reports Makefile)
	built=$("$gbench" --version | sed -n 's/^gbench .*(commit \([0-9a-f]*\)).*/\1/p')
	if [ -z "$built" ] || ! git -C "$top" diff --quiet "$built" HEAD -- "${code[@]}" 2> /dev/null ||
	   ! git -C "$top" diff --quiet HEAD -- "${code[@]}"; then
		echo "gate-figure: AA_BUILDS=2 needs GBENCH built from HEAD's committed code;" \
			"'$gbench' is of commit '${built:-unknown}', or the working tree" \
			"differs from HEAD in ${code[*]}" >&2
		exit 2
	fi
fi
mkdir -p "$out" || exit 2
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# one gate: KIND TRIAL SPEC IR(1|0) [CELLS] -> "rc seconds"
gate() {
	local t0 rc base=(GB_BASE_GBENCH="$gbench")
	# A/A of two builds: no base binary given, so the gate builds BASE
	[ "$1" = aa ] && [ "$aa_builds" -eq 2 ] && base=(GB_BASE_GBENCH= BASE=HEAD)
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086  # COMPARE is a list of words
	env "${base[@]}" "GBENCH=$gbench" "GB_B_INJECT=$3" "GB_B_INJECT_CELLS=${5:-}" "GB_IR=$4" \
		"GB_RUN_ARGS=$run_args" "$top/scripts/perf-gate.sh" "$out/$1-$2" -- ${COMPARE:-} \
		> "$out/$1-$2.log" 2>&1
	rc=$?
	echo "$rc $(echo "$(date +%s.%N) - $t0" | bc)"
}

# ir_of DIR CELL: the cell's median sim_ir in DIR/results.csv (empty if none)
ir_of() {
	awk -F, -v c="$2" '$1 == c && $8 == "sim_ir" { print $13; exit }' "$1/results.csv" 2> /dev/null
}

# IR_PCT percent of IR_CELL's instructions as steps a call of IR_OP: the
# change two calibrating gates measure is linear in the steps (calls x
# (steps x instructions a step + the hook's own)), so two points fix it
ir_steps=
if [ "$ir_trials" -gt 0 ]; then
	for s in 1024 4096; do
		read -r rc _ < <(gate ir-calibrate "$s" "$ir_op:+$s" 1 "$ir_cell")
		a=$(ir_of "$out/ir-calibrate-$s/ir-A" "$ir_cell")
		b=$(ir_of "$out/ir-calibrate-$s/ir-B" "$ir_cell")
		if [ -z "$a" ] || [ -z "$b" ]; then
			echo "gate-figure: calibrating $ir_op:+$s in $ir_cell counted nothing (exit $rc; see $out/ir-calibrate-$s.log)" >&2
			exit 4
		fi
		eval "a$s=$a; d$s=$(echo "$b - $a" | bc)"
	done
	# shellcheck disable=SC2154  # a1024, d1024, d4096 set by the eval above
	ir_steps=$(echo "alpha = ($d4096 - $d1024) / 3072; beta = $d1024 - 1024 * alpha;
		s = ($ir_pct / 100 * $a1024 - beta) / alpha; scale = 0; if (s < 1) s = 1; (s + 0.999) / 1" | bc -l)
	ir_steps=${ir_steps%.*}
	echo "gate-figure: $ir_cell: $a1024 instructions; +1024 steps a $ir_op call add $d1024, +4096 add $d4096: +$ir_pct% is +$ir_steps steps" >&2
fi

kinds=("aa")
specs=("")
cells=("")
irs=("$aa_ir")
ntr=("$trials")
what=("the same build (A/A), counts and time")
[ "$aa_ir" -eq 0 ] && what=("the same build (A/A), time stage alone")
[ "$aa_builds" -eq 2 ] && what=("${what[0]/the same build/HEAD built twice}")
for s in $inject; do
	if [ "$inject_ir" -eq 1 ]; then
		kinds+=("gate-$(echo "$s" | tr -c 'a-z0-9\n' '_')")
		what+=("B +$s of time, the whole gate (counts, then time)")
	else
		kinds+=("time-$(echo "$s" | tr -c 'a-z0-9\n' '_')")
		what+=("B +$s of time, time stage alone")
	fi
	specs+=("$s"); cells+=(""); irs+=("$inject_ir"); ntr+=("$inject_trials")
done
if [ -n "$ir_steps" ]; then
	kinds+=("ir-cell")
	specs+=("$ir_op:+$ir_steps"); cells+=("$ir_cell"); irs+=(1); ntr+=("$ir_trials")
	what+=("B +$ir_pct% instructions in $ir_cell alone ($ir_op:+$ir_steps), counts and time")
fi
ir_seen=
declare -A n0 n1 n3 nx secs maxs
for k in "${kinds[@]}"; do n0[$k]=0; n1[$k]=0; n3[$k]=0; nx[$k]=0; secs[$k]=0; maxs[$k]=0; done
# one I T: trial T of kind I, counted
one() {
	local k=${kinds[$1]} rc s
	read -r rc s < <(gate "$k" "$2" "${specs[$1]}" "${irs[$1]}" "${cells[$1]}")
	case $rc in
	0) n0[$k]=$((n0[$k] + 1)) ;;
	1) n1[$k]=$((n1[$k] + 1)) ;;
	3) n3[$k]=$((n3[$k] + 1)) ;;
	*) nx[$k]=$((nx[$k] + 1)) ;;
	esac
	secs[$k]=$(echo "${secs[$k]} + $s" | bc)
	[ "$(echo "$s > ${maxs[$k]}" | bc)" -eq 1 ] && maxs[$k]=$s
	echo "gate-figure: trial $2, $k${specs[$1]:+ (GB_B_INJECT=${specs[$1]})}: exit $rc in $(printf %.0f "$s") s" >&2
	# what the counts saw: the injected cell's change, and the largest elsewhere
	if [ "$k" = ir-cell ]; then
		ir_seen="$ir_seen$(awk -F, -v c="$ir_cell" -v t="$2" '
			FNR == 1 { f++ }
			$8 == "sim_ir" && $13 != "" { if (f == 1) a[$1] = $13; else b[$1] = $13 }
			END {
				for (k in a) if ((k in b) && a[k] > 0) {
					d = 100 * (b[k] - a[k]) / a[k]
					if (k == c) mine = d; else if (!n++ || d > other) other = d
				}
				printf "| %s | %+.4f%% | %+.4f%% |\n", t, mine, other
			}' "$out/$k-$2/ir-A/results.csv" "$out/$k-$2/ir-B/results.csv" 2> /dev/null)
"
	fi
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
	if [ -n "$ir_seen" ]; then
		echo
		echo "Instructions the count stage measured in the ir-cell trials (B against A, median sim_ir):"
		echo
		echo "| trial | $ir_cell | largest change of any other cell |"
		echo "|---:|---:|---:|"
		printf '%s' "$ir_seen"
	fi
} > "$out/gate-figure.md"
cat "$out/gate-figure.md"
