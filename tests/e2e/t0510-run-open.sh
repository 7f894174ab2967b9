#!/usr/bin/env bash
# Open-loop replay of one large request followed by a steady stream of tiny
# ones: response p99 far above service p99; closed mode hides it; offline
# reports throughput. And the result cache's miss-ratio curve (mrc.csv)
# agrees with the hit rates the replay measured.
. "$(dirname "$0")/lib.sh"

{
	echo "# gbench-trace v1"
	echo "# notes: one large matmul, then 1200 tiny silu requests every 200 us"
	echo "arrival_ns,stream,op,m,n,k,p,tensor,key"
	echo "0,0,matmul,256,1024,1024,0,big,"
	for i in $(seq 1 1200); do echo "$((i * 200000)),$((i % 4)),silu,1,64,0,0,,"; done
} > "$TMP/stall.csv"

run() { "$GBENCH" run --no-report --quiet --executor cpu --quant f32 --cache 0 --batch 1 --warmup 1 "$@"; }

expect_exit 0 "open replay runs" run --workload "$TMP/stall.csv" --mode open --repetitions 2 --out "$TMP/open"
python3 - "$TMP/open/results.csv" <<'PY'
import csv, sys
rows = {r["metric"]: r for r in csv.DictReader(open(sys.argv[1]))}
n = 0
def ok(c, what):
    global n; n += 1; print(("ok" if c else "not ok"), n, "-", what)
for m in ("response", "service", "queue"):
    ok(rows[m + "_p50_ns"]["source"] == "measured", f"{m}_p50_ns measured")
    ok(rows[m + "_p999_ns"]["source"] == "unavailable", f"{m}_p999_ns unavailable with 1201 requests (needs about 6,600)")
resp, serv = float(rows["response_p99_ns"]["median"]), float(rows["service_p99_ns"]["median"])
print(f"# response p99 {resp:.0f} ns, service p99 {serv:.0f} ns")
ok(resp > 10 * serv, "response p99 far above service p99")
ok("late_issues" in rows, "late issues counted")
print(f"1..{n}")
PY
expect_exit 0 "closed replay of the same trace" run --workload "$TMP/stall.csv" --mode closed --repetitions 2 --out "$TMP/closed"
python3 - "$TMP/closed/results.csv" "$TMP/open/results.csv" <<'PY'
import csv, sys
c = {r["metric"]: r for r in csv.DictReader(open(sys.argv[1]))}
o = {r["metric"]: r for r in csv.DictReader(open(sys.argv[2]))}
lat, resp = float(c["latency_p99_ns"]["median"]), float(o["response_p99_ns"]["median"])
print(f"# closed latency p99 {lat:.0f} ns, open response p99 {resp:.0f} ns")
print("ok 100 - closed latency p99 hides the queueing" if resp > 10 * lat else "not ok 100 - closed latency p99 hides the queueing")
PY
expect_exit 0 "offline replay" run --workload "$TMP/stall.csv" --mode offline --batch 8 --repetitions 2 --out "$TMP/off"
check "offline reports throughput" grep -q ',throughput_rps,req/s,measured,' "$TMP/off/results.csv"
check "offline reports no latency percentile" bash -c "! grep -qE ',(latency|response)_p' '$TMP/off/results.csv'"
expect_exit 2 "--target-qps needs arrival times" "$GBENCH" run --no-report --quiet --mode open --target-qps 100 --workload "$TOP/tests/data/traces/good-odd-sizes.csv" --out "$TMP/x"

# --find-max-qps: a steady stream of small matmuls; the search brackets the
# highest offered load whose p99 response stays within 20 ms, then bisects
# (2 ms failed even 16 req/s now and then on the 2-vCPU VM under ASan).
{
	echo "# gbench-trace v1"
	echo "arrival_ns,stream,op,m,n,k,p,tensor,key"
	for i in $(seq 0 799); do echo "$((i * 1000000)),$((i % 2)),matmul,1,256,256,0,w,"; done
} > "$TMP/steady.csv"
expect_exit 0 "--find-max-qps --slo p99=20ms" run --workload "$TMP/steady.csv" --mode open \
	--find-max-qps --slo p99=20ms --repetitions 1 --warmup 0 --out "$TMP/maxqps"
python3 - "$TMP/maxqps" <<'PY'
import csv, json, sys
d = sys.argv[1]
m = json.load(open(d + "/meta.json"))["find_max_qps"]
(cell, v), = m.items()
t = v["trials"]
print(f"# {cell}: max {v['max_qps']:.0f} req/s over {len(t)} trials: " +
      ", ".join(f"{x['qps']:.0f}{'+' if x['pass'] else '-'}" for x in t))
n = 300
def ok(c, what):
    global n; n += 1; print(("ok" if c else "not ok"), n, "-", what)
ok(v["max_qps"] > 0, "a highest load was found")
if v["at_least"]:   # a quiet machine met 20 ms even at 64x the trace's rate
    ok(all(x["pass"] for x in t) and v["max_qps"] == max(x["qps"] for x in t),
       "no trial missed: the answer is the highest rate tried, marked at_least")
else:
    ok(any(x["pass"] for x in t) and any(not x["pass"] for x in t), "the trials bracket the limit")
ok(all(x["pass"] for x in t if x["qps"] <= v["max_qps"]), "every trial at or below the answer met the objective")
ok(all(x["p99_response_ns"] > 2e7 for x in t if not x["pass"] and x["requests"] == 800), "every full failing trial missed 20 ms")
# A trial stops once more than 1% of its requests missed: far past the
# limit that comes early. A marginal miss can come with the last requests
# (CI, 2026-12-06: 1000 req/s failed over all 800 requests against an
# answer of 992), so only trials at twice the answer or more are held to it.
hopeless = [x for x in t if not x["pass"] and x["qps"] >= 2 * v["max_qps"]]
if hopeless:
    ok(any(x["stopped_early"] for x in hopeless), "hopeless trials stop early")
else:
    n += 1
    print("ok", n, "- hopeless trials stop early # SKIP no trial failed at twice the answer or more")
rows = [r for r in csv.DictReader(open(d + "/results.csv")) if r["metric"] == "max_qps"]
ok(len(rows) == 1 and abs(float(rows[0]["median"]) - v["max_qps"]) < 1e-6 * v["max_qps"], "max_qps in results.csv")
PY
expect_exit 2 "--find-max-qps without --slo is a usage error" run --workload "$TMP/steady.csv" --mode open --find-max-qps --out "$TMP/x2"

# Miss-ratio curve against the measured LRU hit rates (Zipf-keyed vector search).
expect_exit 0 "vector-search with several cache capacities" \
	"$GBENCH" run --no-report --quiet --executor cpu --workload vector-search --quant q8 --batch 1 --cache 0,4,16,64,256 --repetitions 1 --warmup 0 --out "$TMP/mrc"
check "mrc.csv written" test -s "$TMP/mrc/mrc.csv"
python3 - "$TMP/mrc" <<'PY'
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/mrc.csv")))
n = 0
def ok(c, what):
    global n; n += 1; print(("ok" if c else "not ok"), n + 200, "-", what)
ok(list(rows[0].keys()) == ["workload", "capacity", "hit_rate"], "mrc.csv header")
caps = [int(r["capacity"]) for r in rows]
ok(caps == sorted(caps) and {4, 16, 64, 256} <= set(caps), "capacities sorted, configured ones included")
rates = [float(r["hit_rate"]) for r in rows]
ok(all(a <= b + 1e-12 for a, b in zip(rates, rates[1:])), "hit rate never falls with capacity")
chk = json.load(open(d + "/meta.json"))["mrc_check"]
ok(len(chk) == 4, "meta.json cross-checks the 4 cached cells")
for cell, v in sorted(chk.items()):
    ok(abs(v["measured"] - v["mrc"]) < 1e-9, f"{cell}: measured {v['measured']:.4f} == curve {v['mrc']:.4f}")
PY
done_testing
