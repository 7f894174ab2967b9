#!/usr/bin/env python3
"""gen.py - history fixtures: N results directories made from one real run.

    gen.py SOURCE OUT [--runs 60] [--step 0.03] [--after 40] [--seed 1] [--reps 10]

SOURCE is a real results directory (the tests use the committed baseline
baselines/intel-xeon-2c-.../ci/run-1, a ci run of 2026-11-22, commit
bcb74ca2e119, on the 2-vCPU Xeon development VM). For each of --runs runs
it draws --reps repetitions with replacement from the real repetitions of
three cpu cells (wall_ns, latency_p50_ns), so run-to-run noise is the
real run's spread; runs after --after are multiplied by 1 + --step (0: an
A/A history). Each run is OUT/run-NNN/ with results.csv, samples.csv and
a meta.json holding the source's host and executors (same machine class),
config ci, commit c0NN and start times a minute apart. Seeded: the same
arguments give the same bytes.
"""
import argparse, csv, json, os, random, statistics

# Cells whose run-to-run noise (the median of 10 resampled repetitions) is
# 1-1.5%: a 3% step stands out in 20 runs. llm-decode.cpu.b1.f32.c0, ~4%,
# is left out: there a 3% step is not found reliably (docs/history.md).
CELLS = ["llm-prefill.cpu.b8.q8.c0", "vector-search.cpu.b1.f16.c0",
         "audio-features.cpu.b8.f32.c256"]
METRICS = ["wall_ns", "latency_p50_ns"]
HEAD = ("cell,workload,executor,device,batch,quant,cache,metric,unit,source,n,min,"
        "median,mean,p90,p99,max,stddev,ci_low,ci_high").split(",")

ap = argparse.ArgumentParser()
ap.add_argument("source"); ap.add_argument("out")
ap.add_argument("--runs", type=int, default=60)
ap.add_argument("--step", type=float, default=0.03)
ap.add_argument("--after", type=int, default=40)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--reps", type=int, default=10)
a = ap.parse_args()

meta = json.load(open(os.path.join(a.source, "meta.json")))
rows, vals = {}, {}
with open(os.path.join(a.source, "results.csv")) as f:
    for r in csv.DictReader(f):
        if r["cell"] in CELLS and r["metric"] in METRICS:
            rows[(r["cell"], r["metric"])] = r
with open(os.path.join(a.source, "samples.csv")) as f:
    for r in csv.DictReader(f):
        k = (r["cell"], r["metric"])
        if k in rows and r["value"]:
            vals.setdefault(k, []).append(float(r["value"]))

rng = random.Random(a.seed)
for i in range(1, a.runs + 1):
    d = os.path.join(a.out, "run-%03d" % i)
    os.makedirs(d, exist_ok=True)
    scale = 1 + a.step if i > a.after else 1.0
    with open(os.path.join(d, "results.csv"), "w", newline="") as rf, \
         open(os.path.join(d, "samples.csv"), "w", newline="") as sf:
        rw, sw = csv.writer(rf, lineterminator="\n"), csv.writer(sf, lineterminator="\n")
        rw.writerow(HEAD)
        sw.writerow(["cell", "metric", "rep", "value"])
        for k in sorted(rows):
            v = [round(rng.choice(vals[k]) * scale) for _ in range(a.reps)]
            src = rows[k]
            rw.writerow([src[h] for h in HEAD[:10]] +
                        [len(v), min(v), statistics.median(v), statistics.mean(v),
                         "", "", max(v), statistics.stdev(v), "", ""])
            for rep, x in enumerate(v):
                sw.writerow([k[0], k[1], rep, x])
    m = {"schema": 1, "tool": meta.get("tool"), "host": meta["host"],
         "build": {"compiler": meta["build"]["compiler"], "flags": "-O2 -g",
                   "sanitizers": "none", "commit": "c%03d" % i},
         "config": {"name": "ci", "repetitions": a.reps},
         "start": "2026-12-01T%02d:%02d:00Z" % (i // 60, i % 60),
         "executors": meta["executors"], "complete": True,
         "fixture": "tests/data/history/gen.py seed %d step %g after %d" % (a.seed, a.step, a.after)}
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(m, f, indent=2)
