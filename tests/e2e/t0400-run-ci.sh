#!/usr/bin/env bash
# gbench run --config ci: every file and column of DESIGN.md section 7.
. "$(dirname "$0")/lib.sh"

out="$TMP/ci"
# Under the sanitizers the ci config is slower than the release build; the
# files and columns are the same with fewer repetitions.
expect_exit 0 "gbench run --config ci --executor cpu exits 0" \
	"$GBENCH" run --config ci --executor cpu --repetitions 10 --out "$out" --quiet --no-report
for f in results.csv samples.csv accuracy.csv meta.json; do
	check "writes $f" test -s "$out/$f"
done
check "leaves no temp file" bash -c "! ls '$out' '$out/hist' | grep -q '\.tmp\.'"

python3 - "$out" <<'PY'
import csv, json, math, os, sys
out = sys.argv[1]
n = 0
def ok(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok"), n, "-", what)

def rows(name):
    with open(os.path.join(out, name), newline="") as f:
        return list(csv.reader(f))

res = rows("results.csv")
ok(res[0][:20] == "cell,workload,executor,device,batch,quant,cache,metric,unit,source,n,min,median,mean,p90,p99,max,stddev,ci_low,ci_high".split(","), "results.csv header")
cells = {r[0] for r in res[1:]}
want = {f"{w}.cpu.b{b}.{q}.c{c}" for w in ("llm-decode","llm-prefill","vector-search","audio-features")
        for b in (1, 8) for q in ("f32","f16","q8","q4") for c in (0, 256)}
ok(cells == want, f"results.csv has every cpu cell ({len(cells)} of {len(want)})")
ok(all(len(r) == len(res[0]) for r in res), "every results.csv row has every column")
metrics = {}
for r in res[1:]:
    metrics.setdefault(r[0], {})[r[7]] = r
core = ["wall_ns", "throughput_rps", "latency_p50_ns", "latency_max_ns"]
ok(all(all(m in metrics[c] for m in core) for c in cells), "every cell has wall_ns, throughput_rps, latency_p50_ns, latency_max_ns")
ok(all(metrics[c][m][9] == "measured" and int(metrics[c][m][10]) == 10 for c in cells for m in core), "core metrics measured over 10 repetitions")
ok(all(float(metrics[c]["wall_ns"][11]) > 0 for c in cells), "wall_ns positive")
def num_ok(r):
    mn, med, mx = float(r[11]), float(r[12]), float(r[16])
    return mn <= med <= mx
ok(all(num_ok(metrics[c][m]) for c in cells for m in core), "min <= median <= max")
unav = [r for r in res[1:] if r[9] == "unavailable"]
ok(all(all(x == "" for x in r[10:20]) for r in unav), "unavailable rows have empty numbers")
ok(all("cache_hit_rate" in metrics[c] for c in cells if c.endswith(".c256")), "cache cells report cache_hit_rate")
vs = [float(metrics[c]["cache_hit_rate"][12]) for c in cells if c.startswith("vector-search") and c.endswith(".c256")]
ok(vs and all(0.2 < v <= 1 for v in vs), f"vector-search hits its result cache (median hit rates {vs[:2]})")
ok(not any("cache_hit_rate" in metrics[c] for c in cells if c.endswith(".c0")), "no hit rate without a cache")

smp = rows("samples.csv")
ok(smp[0] == ["cell", "metric", "rep", "value"], "samples.csv header")
byk = {}
for r in smp[1:]:
    byk.setdefault((r[0], r[1]), []).append(float(r[3]))
ok(all(len(byk[(c, "wall_ns")]) == 10 for c in cells), "samples.csv holds 10 wall_ns values per cell")
med = lambda v: sorted(v)[len(v)//2] if len(v) % 2 else (sorted(v)[len(v)//2-1] + sorted(v)[len(v)//2]) / 2
ok(all(abs(med(byk[(c, "wall_ns")]) - float(metrics[c]["wall_ns"][12])) <= 1e-6 * float(metrics[c]["wall_ns"][12]) for c in cells), "results.csv medians come from samples.csv")

acc = rows("accuracy.csv")
ok(acc[0] == "cell,op,reference,metric,value,budget,pass".split(","), "accuracy.csv header")
ok({r[0] for r in acc[1:]} == cells, "accuracy rows for every cell")
ok(all(r[6] == "true" for r in acc[1:]), "every accuracy row passes")
q4 = [float(r[4]) for r in acc[1:] if r[1] == "matmul" and r[3] == "nmse" and ".q4." in r[0]]
ok(q4 and all(1e-5 < v < 2e-2 for v in q4), f"q4 matmul NMSE vs f64 is realistic ({min(q4):.2e}..{max(q4):.2e})")
f32 = [float(r[4]) for r in acc[1:] if r[3] == "nmse" and ".f32." in r[0]]
ok(f32 and all(v <= 1e-10 for v in f32), "f32 NMSE within 1e-10")
rec = [float(r[4]) for r in acc[1:] if r[1] == "topk" and r[3] == "recall"]
ok(rec and all(0.8 <= v <= 1 for v in rec), "top-k recall reported and within budget")

hist = os.path.join(out, "hist")
ok(sorted(os.listdir(hist)) == sorted(c + e for c in cells for e in (".hgrm", ".hlog")),
   "hist/<cell>.hgrm and .hlog for every cell")
txt = open(os.path.join(hist, sorted(cells)[0] + ".hgrm")).read()
ok("Value" in txt and "Percentile" in txt and "#[Mean" in txt, "hgrm in HdrHistogram's layout")

meta = json.load(open(os.path.join(out, "meta.json")))
ok(meta.get("schema") == 1, "meta.json schema 1")
for k in ("host", "build", "executors", "config", "traces", "seed", "start", "end", "complete", "counters"):
    ok(k in meta, f"meta.json has {k}")
ok(meta["complete"] is True, "meta.json complete: true")
ok(meta["host"]["cores"] >= 1 and meta["host"]["cpu_model"], "meta.json host fingerprint")
ok(len(meta["traces"]) == 4 and all(len(t["hash"]) == 16 for t in meta["traces"]), "meta.json trace hashes")
ok(all(meta["cells"][c]["validity"] == "VALID" for c in cells), "every cell VALID")
print(f"1..{n}")
PY
done_testing
