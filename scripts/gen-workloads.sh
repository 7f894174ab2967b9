#!/usr/bin/env bash
# scripts/gen-workloads.sh - regenerate the shipped traces in workloads/ with
# `gbench synth` (seed 42): the ci tier at the top level (used by the default
# and ci configs), the other tiers in workloads/<tier>/.
#
#   make && scripts/gen-workloads.sh            # uses build/gbench
#   GBENCH=build-x/gbench scripts/gen-workloads.sh
#
# The output depends only on the arguments, so rerunning it leaves
# `git status` clean unless the generator changed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
gbench=${GBENCH:-$top/build/gbench}
seed=${SEED:-42}

if [ ! -x "$gbench" ]; then
	echo "gen-workloads.sh: $gbench not found; run make first (or set GBENCH)" >&2
	exit 2
fi
for tier in ci low-end mid-range high-end; do
	if [ "$tier" = ci ]; then dir=$top/workloads; else dir=$top/workloads/$tier; fi
	mkdir -p "$dir"
	for kind in llm-decode llm-prefill vector-search audio-features; do
		"$gbench" synth --kind "$kind" --tier "$tier" --seed "$seed" --out "$dir/$kind.csv"
		echo "wrote $dir/$kind.csv"
	done
done
"$gbench" validate "$top"/workloads/*.csv "$top"/workloads/*/*.csv
