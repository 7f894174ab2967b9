#!/usr/bin/env bash
# interleave-figure.sh - what the seeded random interleaving of repetitions
# buys on this machine: N runs of a config cell by cell (--interleave none)
# and N runs interleaved (the default), alternating; for each cell the
# spread between runs (coefficient of variation of its median wall_ns across
# the N runs), summarized over cells. Google Benchmark reported about 40%
# less spread from its random interleaving.
#
#   scripts/interleave-figure.sh [N] [-- RUN-ARGS...]   (default 6, --config ci --executor cpu)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
gbench=${GBENCH:-$top/build/gbench}
out=${OUT:-results/interleave-figure}
n=6
if [ $# -gt 0 ] && [ "$1" != "--" ]; then n=$1; shift; fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || set -- --config ci --executor cpu
mkdir -p "$out"
for i in $(seq 1 "$n"); do
	for mode in none random; do
		"$gbench" run --quiet --no-report "$@" --interleave "$mode" --seed "$i" --out "$out/$mode-$i" || exit $?
	done
done
python3 - "$out" "$n" "$*" <<'PY'
import csv, statistics, sys
out, n, args = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def medians(d):
    return {r["cell"]: float(r["median"]) for r in csv.DictReader(open(d + "/results.csv"))
            if r["metric"] == "wall_ns" and r["median"]}
res = {}
for mode in ("none", "random"):
    runs = [medians(f"{out}/{mode}-{i}") for i in range(1, n + 1)]
    cells = sorted(set.intersection(*(set(r) for r in runs)))
    cvs = [statistics.stdev([r[c] for r in runs]) / statistics.mean([r[c] for r in runs]) for c in cells]
    res[mode] = (statistics.mean(cvs), statistics.median(cvs), max(cvs), len(cells))
for mode, (mean, med, mx, k) in res.items():
    print(f"{mode:7s} {k} cells: run-to-run CV of the median wall_ns: mean {100*mean:.2f}%, median {100*med:.2f}%, max {100*mx:.2f}%")
print(f"interleaved vs cell by cell: {100 * (1 - res['random'][0] / res['none'][0]):.0f}% less spread (mean CV) "
      f"({n} runs each of gbench run {args})")
PY
