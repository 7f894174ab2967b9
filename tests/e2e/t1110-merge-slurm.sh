#!/usr/bin/env bash
# gbench on a real single-node Slurm cluster (scripts/slurm/local-cluster.sh:
# Debian's munge, slurmctld and slurmd, started here as root and stopped
# after; skipped with the reason where it cannot start): a job array of 3
# shares of the ci config's cpu cells (batch 1, f32 and q8, cache 0, to
# stay quick) runs through sbatch (scripts/slurm/gbench-array.sbatch),
# gbench merge pools them, and the pooled directory equals a 3-process run
# of the same cells: the same cells, metrics and repetition counts, each
# histogram's count; a share of another machine class is refused (exit 2).
. "$(dirname "$0")/lib.sh"

S="$TMP/slurm"
trap '"$TOP/scripts/slurm/local-cluster.sh" stop "$S"; rm -rf "$TMP"' EXIT
if ! env_line=$("$TOP/scripts/slurm/local-cluster.sh" start "$S" 2> "$TMP/cluster.err"); then
	skip "a job array through Slurm" "no Slurm cluster: $(tail -n 1 "$TMP/cluster.err")"
	done_testing
	exit 0
fi
export SLURM_CONF="$S/slurm.conf"
ok "a single-node Slurm cluster started (${env_line#export })"

args=(--quiet --config ci --executor cpu --batch 1 --quant f32,q8 --cache 0 --repetitions 6)
R="$TMP/results"
# sbatch --wait polls at a growing interval (half a minute lost here):
# poll squeue instead, then read each task's exit code from scontrol.
job=$(env GBENCH="$GBENCH" sbatch --parsable --array=0-2 -o "$S/task-%a.log" \
	"$TOP/scripts/slurm/gbench-array.sbatch" "$R" "${args[@]}" 2> "$TMP/sbatch.err")
check "sbatch takes a job array of 3 shares (job ${job:-none})" test -n "$job"
for _ in $(seq 1 1200); do
	[ -z "$(squeue -h -j "$job" 2> /dev/null)" ] && break
	sleep 0.2
done
codes=$(scontrol -o show job "$job" 2> /dev/null | grep -o ' ExitCode=[0-9:]*' | sort | uniq -c | tr -s ' ')
check "its 3 tasks ended with exit 0 ($codes)" [ "$codes" = " 3 ExitCode=0:0" ]
if [ "$(ls "$R" 2> /dev/null | tr '\n' ' ')" = "share-000 share-001 share-002 " ]; then
	ok "each task wrote its share"
else
	fail "each task wrote its share (found: $(ls "$R" 2> /dev/null | tr '\n' ' '))"
	sed 's/^/#   /' "$S"/task-*.log 2> /dev/null | tail -n 20
fi
expect_exit 0 "gbench merge pools them" "$GBENCH" merge -q --out "$TMP/pooled" "$R"/share-*
expect_exit 0 "the same cells in 3 processes, here" "$GBENCH" run --no-report "${args[@]}" --processes 3 --out "$TMP/p3"

check "the same cells, metrics and repetition counts" \
	bash -c "diff <(cut -d, -f1,8,9,11 '$TMP/pooled/results.csv' | sort) <(cut -d, -f1,8,9,11 '$TMP/p3/results.csv' | sort)"
ncells=$(ls "$TMP/p3/hist" | grep -c '\.hgrm$')
check "8 cells with histograms on both sides ($ncells)" bash -c "[ $ncells = 8 ] && [ \$(ls '$TMP/pooled/hist' | grep -c '\.hgrm$') = 8 ]"
total() { sed -n 's/.*Total count *= *\([0-9]*\)\].*/\1/p' "$1"; }
same=0
for h in "$TMP"/p3/hist/*.hgrm; do
	[ "$(total "$h")" = "$(total "$TMP/pooled/hist/${h##*/}")" ] && same=$((same + 1))
done
check "every histogram's count equal ($same of $ncells)" [ "$same" = "$ncells" ]

cp -r "$R/share-001" "$TMP/other"
python3 - "$TMP/other/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["host"]["cpu_model"] = "Other CPU 9000"
json.dump(m, open(sys.argv[1], "w"))
PY
expect_exit 2 "a share of another machine class is refused" "$GBENCH" merge -q --out "$TMP/no" "$R/share-000" "$TMP/other"
check "naming both" grep -q "'$R/share-000' ran on machine class .* and '$TMP/other' on 'other-9000" "$TMP/err"
done_testing
