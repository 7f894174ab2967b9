#!/usr/bin/env bash
# Where the device time goes (issue 14, item 3): a vulkan run of a tiny
# mixed trace writes gpu_ns.<op> for every op kind of the trace, and in
# every repetition they sum to gpu_ns (samples.csv, exactly: both are sums
# of the same integer device times; results.csv's means within rounding);
# every cell has call_ns.<op>; `gbench report` places each op kind on the
# roofline. Skipped where no Vulkan device exists.
. "$(dirname "$0")/lib.sh"

# The driver's own allocations are not ours (DESIGN.md section 12).
export ASAN_OPTIONS=detect_leaks=0

trace="$TMP/mix.csv"
{
	echo "# gbench-trace v1"
	echo "arrival_ns,stream,op,m,n,k,p,tensor,key"
	for i in 0 1 2 3; do
		echo "$((i * 4)),0,matmul,1,64,96,0,W,"
		echo "$((i * 4 + 1)),0,silu,2,128,0,0,,"
		echo "$((i * 4 + 2)),0,topk,1,200,32,5,DB,"
		echo "$((i * 4 + 3)),0,rmsnorm,1,256,0,0,,"
	done
} > "$trace"
small=(--config ci --workload "$trace" --batch 1 --quant f32 --cache 0
       --repetitions 3 --warmup 0 --quiet)

"$GBENCH" run "${small[@]}" --executor vulkan --require vulkan --validate \
	--out "$TMP/vk" > "$TMP/out" 2> "$TMP/err"
rc=$?
if [ $rc -eq 4 ] && grep -q 'no Vulkan' "$TMP/err"; then
	skip "gpu_ns per op kind on a vulkan device" "$(grep -o 'no Vulkan[^"]*' "$TMP/err" | head -n1)"
	done_testing
	exit 0
fi
if [ $rc -eq 0 ]; then ok "a vulkan run of a mixed trace exits 0"; else
	fail "a vulkan run of a mixed trace exits 0 (exit $rc)"; sed 's/^/#   /' "$TMP/err" | head -n 20
fi
check "no validation message" bash -c "! grep -q 'vulkan validation' '$TMP/err'"

expect_exit 0 "the cpu executor's cells of the same trace" \
	"$GBENCH" run "${small[@]}" --executor cpu --out "$TMP/cpu"

py=$(python3 - "$TMP/vk" "$TMP/cpu" "$_n" <<'PY'
import csv, sys
vk, cpu, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def ok(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok"), n, "-", what)
ops = ("matmul", "silu", "topk", "rmsnorm")
res = list(csv.DictReader(open(f"{vk}/results.csv", newline="")))
smp = list(csv.DictReader(open(f"{vk}/samples.csv", newline="")))
cells = {r["cell"] for r in res}
ok(len(cells) == 1, f"one vulkan cell ({len(cells)})")
names = {r["metric"] for r in res}
ok(all(f"gpu_ns.{o}" in names for o in ops), "gpu_ns.<op> for every op kind of the trace")
ok(all(f"call_ns.{o}" in names for o in ops), "call_ns.<op> for every op kind of the trace")
ok(not any(m.startswith("gpu_ns.") and m[7:] not in ops for m in names),
   "no gpu_ns.<op> for an op kind the trace lacks")
by = {}
for s in smp:
    by.setdefault(s["rep"], {})[s["metric"]] = float(s["value"])
sums = [(v["gpu_ns"], sum(v[f"gpu_ns.{o}"] for o in ops)) for v in by.values() if "gpu_ns" in v]
ok(len(sums) == 3 and all(a == b and a > 0 for a, b in sums),
   f"every repetition: the gpu_ns.<op> sum to gpu_ns exactly {sums}")
mean = {r["metric"]: float(r["mean"]) for r in res if r["mean"]}
tot = sum(mean[f"gpu_ns.{o}"] for o in ops)
ok(abs(tot - mean["gpu_ns"]) <= 1e-9 * mean["gpu_ns"] + 1,
   f"results.csv: the means sum to gpu_ns's ({tot} vs {mean['gpu_ns']})")
res = list(csv.DictReader(open(f"{cpu}/results.csv", newline="")))
names = {r["metric"] for r in res}
ok(all(f"call_ns.{o}" in names for o in ops) and "gpu_ns" not in names
   and not any(m.startswith("gpu_ns.") for m in names),
   "cpu cells: call_ns.<op>, no gpu_ns")
PY
)
echo "$py"
_n=$((_n + $(grep -c '^\(not \)\?ok' <<< "$py")))

expect_exit 0 "gbench report on the vulkan run" \
	"$GBENCH" report "$TMP/vk" --no-peak --out "$TMP/rep"
check "the report has the per-op section with the vulkan cell's op kinds" \
	bash -c "grep -q '## Where the time goes' '$TMP/rep/report.md' &&
		 grep -q '| \*\*[a-z]*\*\* | .*(gpu_ns) | .*(bottleneck)' '$TMP/rep/report.md'"
done_testing
