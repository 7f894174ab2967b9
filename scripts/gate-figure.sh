#!/usr/bin/env bash
# gate-figure.sh - the gate's own figures on this machine: how often it
# cries wolf, and the smallest slowdown it catches.
#
#   scripts/gate-figure.sh [N] [-- RUN-ARGS...]
#
# Runs the gate's config N times (default 8; RUN-ARGS default "--config ci")
# with the release build, back to back, then:
#   false alarms  every one of the N(N-1)/2 pairs of runs (28 for N = 8) is an
#                 A/A comparison of the same build: exit 1 is a false alarm,
#                 exit 3 an inconclusive gate;
#   detection     for each slowdown s, each pair's second run has the
#                 time-like samples of one workload's cells multiplied by
#                 1+s (throughput divided; each workload in turn over the
#                 pairs): the real noise of real runs, with a known true
#                 change; reported per cell (the slowed cells' wall_ns
#                 flagged in what share of cells x pairs) and per gate
#                 (exit 1 in what share of pairs).
#   The smallest slowdown is the least s flagged in >= 95% of them.
#   second look   as scripts/perf-gate.sh judges: an A/A comparison that is
#                 inconclusive is judged again with the batch's next run
#                 pooled into the current side.
#   baselines of 3 runs  the same, against baselines of three runs (as
#                 `baseline save R1 R2 R3` keeps; compare pools them and a
#                 verdict must clear their spread): every window of 3
#                 consecutive runs against each run outside it.
# Each figure is given for the default gating metrics and for wall_ns and
# throughput_rps alone (latency_p50_ns of one repetition carries
# process-level state - memory layout, huge pages - that repetitions of one
# run share, so it varies more between runs than within one).
# Writes OUT/gate-figure.md (OUT: $OUT or results/gate-figure) and prints it.
# Environment: GBENCH (default build/gbench), OUT, JOBS (parallel compares,
# 2), REUSE=1 (keep OUT/run1..N from an earlier call instead of running).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
gbench=${GBENCH:-$top/build/gbench}
out=${OUT:-results/gate-figure}
n=8
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	n=$1
	shift
fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || set -- --config ci
if [ ! -x "$gbench" ]; then
	echo "gate-figure: no gbench at '$gbench': build it with 'make' or set GBENCH" >&2
	exit 2
fi
mkdir -p "$out"
[ "${REUSE:-0}" = 1 ] || : > "$out/runs.txt"   # reused runs keep their lines
for i in $(seq 1 "$n"); do
	if [ "${REUSE:-0}" = 1 ] && [ -f "$out/run$i/meta.json" ]; then
		continue
	fi
	rm -rf "$out/run$i"
	load=$(cut -d' ' -f1 /proc/loadavg)
	start=$(date +%s.%N)
	"$gbench" run --quiet "$@" --out "$out/run$i"
	rc=$?
	end=$(date +%s.%N)
	printf 'run%d exit %d load %s seconds %.1f\n' "$i" "$rc" "$load" \
		"$(echo "$end - $start" | bc)" | tee -a "$out/runs.txt" >&2
	case $rc in 0|5) ;; *) echo "gate-figure: run $i failed (exit $rc)" >&2; exit "$rc" ;; esac
done
GBENCH=$gbench python3 - "$out" "$n" "${JOBS:-2}" "$*" <<'PY'
import csv, itertools, json, os, shutil, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

out, n, jobs, runargs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
gbench = os.environ["GBENCH"]
GATING = {"wall_ns", "latency_p50_ns", "throughput_rps"}
PROBE = "noise_probe_ns"   # the machine's speed: kept, never shifted (no code change moves it)
SHIFTS = [0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.10, 0.12, 0.15, 0.20, 0.30]

def reduce(src, dst, shift=0.0, only=None):
    """a copy of results dir src with only the gating metrics, the values of workload
    `only`'s cells * (1 + shift) (throughput / (1 + shift)); meta.json kept so classes
    and traces still match"""
    os.makedirs(dst, exist_ok=True)
    shutil.copy(os.path.join(src, "meta.json"), dst)
    with open(os.path.join(src, "results.csv"), newline="") as f, \
         open(os.path.join(dst, "results.csv"), "w", newline="") as g:
        r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
        head = next(r)
        w.writerow(head)
        mi = head.index("metric")
        for row in r:
            if row[mi] in GATING or row[mi] == PROBE:
                w.writerow(row)
    with open(os.path.join(src, "samples.csv"), newline="") as f, \
         open(os.path.join(dst, "samples.csv"), "w", newline="") as g:
        r, w = csv.reader(f), csv.writer(g, lineterminator="\n")
        w.writerow(next(r))
        for cell, metric, rep, value in r:
            if metric not in GATING and metric != PROBE:
                continue
            if metric == PROBE:
                w.writerow([cell, metric, rep, value])
                continue
            if value and shift and cell.split(".")[0] == only:
                v = float(value)
                v = v / (1 + shift) if metric == "throughput_rps" else v * (1 + shift)
                value = repr(v)
            w.writerow([cell, metric, rep, value])

def compare(a, b, js):
    p = subprocess.run([gbench, "compare", a, b, "--json", js],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if p.returncode == 2:
        raise SystemExit(f"gate-figure: compare {a} {b} failed (exit 2)")
    j = json.load(open(js))
    wall = {r["cell"]: r["verdict"] for r in j["rows"] if r["metric"] == "wall_ns"}
    gating = [(r["metric"], r["verdict"]) for r in j["rows"] if r["gating"]]
    ratios = sorted(r["ratio"] for r in j["rows"] if r["metric"] == "wall_ns" and r["ratio"])
    drift = ratios[len(ratios) // 2] if ratios else float("nan")
    return p.returncode, wall, gating, drift

work = os.path.join(out, "work")
shutil.rmtree(work, ignore_errors=True)
for i in range(1, n + 1):
    reduce(os.path.join(out, f"run{i}"), os.path.join(work, f"r{i}"))
pairs = list(itertools.combinations(range(1, n + 1), 2))
pool = ThreadPoolExecutor(jobs)

def aa(p):
    i, j = p
    return compare(os.path.join(work, f"r{i}"), os.path.join(work, f"r{j}"),
                   os.path.join(work, f"aa-{i}-{j}.json"))
res = list(pool.map(aa, pairs))
alarms = sum(rc == 1 for rc, _, _, _ in res)
inconcl = sum(rc == 3 for rc, _, _, _ in res)
rows = [v for _, _, g, _ in res for _, v in g]
CORE = {"wall_ns", "throughput_rps"}
def core_alarm(g):
    return any(m in CORE and v == "regression" for m, v in g)
core_alarms = sum(core_alarm(g) for _, _, g, _ in res)
per_metric = {m: (sum(v == "regression" for _, _, g, _ in res for mm, v in g if mm == m),
                  sum(1 for _, _, g, _ in res for mm, v in g if mm == m))
              for m in sorted(GATING)}
drifts = [d for _, _, _, d in res]
steady = [r for r in res if 1 / 1.05 <= r[3] <= 1.05]
row_alarms = sum(v == "regression" for v in rows)
row_inc = sum(v == "inconclusive" for v in rows)

# The slowdown goes into one workload's cells (each workload in turn over the
# pairs): a change to one workload, as a real regression is; a shift of every
# cell at once is what the machine does too, which compare calls inconclusive
# up to 10% beyond its probe (README).
WORKLOADS = sorted({r["cell"].split(".")[0] for r in csv.DictReader(
    open(os.path.join(out, "run1", "results.csv"), newline=""))})
def slowed(k):
    return WORKLOADS[k % len(WORKLOADS)]
def shifted(args):
    s, k, (i, j) = args
    d = os.path.join(work, f"s{int(round(s * 100))}-{i}-{j}")
    reduce(os.path.join(out, f"run{j}"), d, s, slowed(k))
    rc, wall, g, drift = compare(os.path.join(work, f"r{i}"), d, d + ".json")
    shutil.rmtree(d)
    wall = {c: v for c, v in wall.items() if c.split(".")[0] == slowed(k)}
    return s, (rc, wall, g, drift)
det = {s: [] for s in SHIFTS}
for s, r in pool.map(shifted, [(s, k, p) for s in SHIFTS for k, p in enumerate(pairs)]):
    det[s].append(r)

# Baselines of three runs: each window of 3 consecutive runs against every other run.
def multi(base_ids, d):
    os.makedirs(d, exist_ok=True)
    for k, i in enumerate(base_ids, 1):
        os.symlink(os.path.abspath(os.path.join(work, f"r{i}")), os.path.join(d, f"run-{k}"))
    return d
triples = [(k, k + 1, k + 2) for k in range(1, n - 1, 3) if k + 2 <= n]
mpairs = [(t, j) for t in triples for j in range(1, n + 1) if j not in t]
def aa3(args):
    t, j = args
    d = multi(t, os.path.join(work, "b" + "".join(map(str, t)) + f"-{j}"))
    return compare(d, os.path.join(work, f"r{j}"), d + ".json")
res3 = list(pool.map(aa3, mpairs))
def shifted3(args):
    s, k, (t, j) = args
    d = os.path.join(work, f"m{int(round(s * 100))}-{j}")
    reduce(os.path.join(out, f"run{j}"), d + "-cur", s, slowed(k))
    b = multi(t, d + "-" + "".join(map(str, t)))
    r = compare(b, d + "-cur", d + ".json")
    return s, r
det3 = {s: [] for s in SHIFTS}
for s, r in pool.map(shifted3, [(s, k, p) for s in SHIFTS for k, p in enumerate(mpairs)]):
    det3[s].append(r)

# As scripts/perf-gate.sh judges: an inconclusive comparison gets one more
# run (here the batch's next run after the current one, outside the
# baseline), and the two are judged pooled.
def second_look(base, j, avoid, tag):
    k = j % n + 1
    while k == j or k in avoid:
        k = k % n + 1
    d = os.path.join(work, f"two-{tag}-{j}-{k}")
    os.makedirs(d, exist_ok=True)
    for m, r in enumerate((j, k), 1):
        os.symlink(os.path.abspath(os.path.join(work, f"r{r}")), os.path.join(d, f"run-{m}"))
    return compare(base, d, d + ".json")[0]
def settle1(args):
    (i, j), rc = args
    return rc if rc != 3 else second_look(os.path.join(work, f"r{i}"), j, {i}, f"a{i}")
gate1 = list(pool.map(settle1, [(p, r[0]) for p, r in zip(pairs, res)]))
def settle3(args):
    (t, j), rc = args
    b = os.path.join(work, "b" + "".join(map(str, t)) + f"-{j}")
    return rc if rc != 3 else second_look(b, j, set(t), "t" + "".join(map(str, t)))
gate3 = list(pool.map(settle3, [(p, r[0]) for p, r in zip(mpairs, res3)]))
def exits(codes):
    return (f"**{sum(c == 0 for c in codes)} of {len(codes)} exit 0**, "
            f"{sum(c == 1 for c in codes)} exit 1, {sum(c == 3 for c in codes)} exit 3")

lines = []
P = lines.append
P(f"### gbench gate figures ({n} runs of `gbench run {runargs}`, {len(pairs)} pairs)")
P("")
host = json.load(open(os.path.join(out, "run1", "meta.json")))["host"]
P(f"Machine: {host.get('cpu_model')}, {host.get('cores')} cores; compare defaults "
  "(threshold 5%, alpha 0.01, 10,000 resamples); gating metrics wall_ns, latency_p50_ns, throughput_rps.")
P("")
P(f"- **False alarms (A/A): {alarms} of {len(pairs)} pairs exit 1** "
  f"({100 * alarms / len(pairs):.1f}%); "
  f"{inconcl} of {len(pairs)} inconclusive (exit 3); "
  f"**{len(pairs) - alarms - inconcl} of {len(pairs)} exit 0**.")
P(f"- **As perf-gate.sh judges** (an inconclusive pair gets one more run, pooled): {exits(gate1)}.")
P(f"- Gating wall_ns and throughput_rps only: **{core_alarms} of {len(pairs)} pairs exit 1**.")
P(f"- Per gating row (cell x metric x pair): {row_alarms} of {len(rows)} flagged as regressions "
  f"({100 * row_alarms / max(1, len(rows)):.2f}%), {row_inc} inconclusive ({100 * row_inc / max(1, len(rows)):.1f}%); "
  + ", ".join(f"{m} {a} of {t}" for m, (a, t) in per_metric.items()) + ".")
P(f"- Run-to-run drift (median wall_ns ratio over all cells, per pair): "
  f"{min(drifts):.3f} .. {max(drifts):.3f}; {len(steady)} of {len(pairs)} pairs within +-5%, "
  f"and of those {sum(r[0] == 1 for r in steady)} exit 1, {sum(r[0] == 3 for r in steady)} exit 3.")
P("")
P("Slowdowns injected into one workload's cells (each workload in turn):")
P("")
P("| injected slowdown | its wall_ns flagged (cells x pairs) | inconclusive | gate exit 1 (pairs) | exit 1, wall_ns + throughput_rps gating |")
P("|---:|---:|---:|---:|---:|")
smallest = smallest_gate = None
for s in SHIFTS:
    verdicts = [v for _, wall, _, _ in det[s] for v in wall.values()]
    flagged = sum(v == "regression" for v in verdicts) / max(1, len(verdicts))
    inc = sum(v == "inconclusive" for v in verdicts) / max(1, len(verdicts))
    gate = sum(rc == 1 for rc, _, _, _ in det[s]) / len(det[s])
    core = sum(core_alarm(g) for _, _, g, _ in det[s]) / len(det[s])
    if smallest is None and flagged >= 0.95:
        smallest = s
    if smallest_gate is None and core >= 0.95:
        smallest_gate = s
    P(f"| {100 * s:.0f}% | {100 * flagged:.1f}% | {100 * inc:.1f}% | {100 * gate:.0f}% | {100 * core:.0f}% |")
P("")
P(f"- **Smallest slowdown of one workload that fails the gate (wall_ns + throughput_rps) in >= 95% of pairs: "
  f"{'%.0f%%' % (100 * smallest_gate) if smallest_gate else 'none up to 30%'}**.")
P(f"- Smallest slowdown flagged in >= 95% of the slowed cells x pairs (each cell on its own): "
  f"{'%.0f%%' % (100 * smallest) if smallest else 'none up to 30%'}.")
P("")
if mpairs:
    a3 = sum(rc == 1 for rc, _, _, _ in res3)
    i3 = sum(rc == 3 for rc, _, _, _ in res3)
    P(f"With **baselines of 3 runs** ({len(mpairs)} comparisons: each of {len(triples)} windows of "
      "3 consecutive runs against every run outside it):")
    P("")
    P(f"- **False alarms (A/A): {a3} of {len(mpairs)} exit 1**; {i3} inconclusive (exit 3); "
      f"**{len(mpairs) - a3 - i3} of {len(mpairs)} exit 0**.")
    P(f"- **As perf-gate.sh judges** (one more run when inconclusive, pooled): {exits(gate3)}.")
    sm = None
    for s in SHIFTS:
        gate = sum(rc == 1 for rc, _, _, _ in det3[s]) / len(det3[s])
        if sm is None and gate >= 0.95:
            sm = s
    P(f"- **Smallest slowdown of one workload that fails the gate in >= 95% of comparisons: "
      f"{'%.0f%%' % (100 * sm) if sm else 'none up to 30%'}** "
      "(" + ", ".join(f"{100 * s:.0f}%: {100 * sum(rc == 1 for rc, _, _, _ in det3[s]) / len(det3[s]):.0f}%"
                     for s in SHIFTS) + " of comparisons exit 1).")
    P("")
P("Runs (load average before each):")
P("")
for l in open(os.path.join(out, "runs.txt")):
    P(f"    {l.rstrip()}")
text = "\n".join(lines) + "\n"
open(os.path.join(out, "gate-figure.md"), "w").write(text)
sys.stdout.write(text)
shutil.rmtree(work, ignore_errors=True)
PY
