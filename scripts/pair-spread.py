#!/usr/bin/env python3
"""pair-spread.py - how far apart the A/B gate's pairs of processes are, from
gates already run (perf-gate.sh's OUT folders, or gate-figure.sh's
OUT/<kind>-<trial>/).

For each cell, s is the sample standard deviation of ln(B_i / A_i) over the
gate's pairs i (METRIC's median of each single-process run: the values the
paired t test takes). Per gate it prints the cells' smallest, median,
90th-percentile and largest s; over several gates, the range of their
median s. In an A/A gate s is the noise a time change must clear: the
paired t is ln(1 + r) / (s / sqrt(pairs)). docs/gate.md ("Alpha over the
looks") quotes it. Reads only; writes stdout; exit 2, one line naming
the file, on a folder without 3 pairs of runs or a results.csv it cannot
read.

    scripts/pair-spread.py [--metric METRIC] GATE-DIR...   (METRIC: wall_ns)
"""
import csv
import math
import os
import statistics
import sys


def die(msg):
    print(f"pair-spread: {msg}", file=sys.stderr)
    sys.exit(2)


def medians(path, metric):
    """cell -> METRIC's median in one results.csv (RFC 4180: a device name
    may hold commas)."""
    out = {}
    try:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                if row.get("metric") == metric:
                    try:
                        v = float(row["median"])
                    except (KeyError, TypeError, ValueError):
                        continue
                    if v > 0:
                        out[row["cell"]] = v
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        die(f"{path}: {e}")
    return out


def spread(gate, metric):
    n = 0
    while all(os.path.isfile(f"{gate}/{s}/run-{n + 1}/results.csv") for s in "AB"):
        n += 1
    if n < 3:
        die(f"{gate}: fewer than 3 pairs of runs (A/run-N, B/run-N)")
    a = [medians(f"{gate}/A/run-{i}/results.csv", metric) for i in range(1, n + 1)]
    b = [medians(f"{gate}/B/run-{i}/results.csv", metric) for i in range(1, n + 1)]
    sds = []
    for cell in sorted(set().union(*a)):
        logs = [math.log(b[i][cell] / a[i][cell]) for i in range(n) if cell in a[i] and cell in b[i]]
        if len(logs) >= 3:
            sds.append(statistics.stdev(logs))
    if not sds:
        die(f"{gate}: no cell with {metric} in 3 pairs")
    sds.sort()
    return n, sds


def main(argv):
    metric = "wall_ns"
    if argv[:1] == ["--metric"]:
        if len(argv) < 2:
            die("--metric needs a metric name")
        metric, argv = argv[1], argv[2:]
    if not argv:
        die("usage: pair-spread.py [--metric METRIC] GATE-DIR...")
    meds = []
    for gate in argv:
        n, sds = spread(gate, metric)
        med = statistics.median(sds)
        p90 = sds[round(0.9 * (len(sds) - 1))]
        print(f"{gate}: {n} pairs, {len(sds)} cells, {metric}: s min {sds[0]:.4f}, "
              f"median {med:.4f}, p90 {p90:.4f}, max {sds[-1]:.4f}")
        meds.append(med)
    if len(meds) > 1:
        meds.sort()
        print(f"{len(meds)} gates: the median cell's s ranged {meds[0]:.4f} .. {meds[-1]:.4f}, "
              f"median {statistics.median(meds):.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
