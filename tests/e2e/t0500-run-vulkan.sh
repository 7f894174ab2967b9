#!/usr/bin/env bash
# gbench run with the vulkan executor: on the device found here (lavapipe in
# CI) with the validation layer on, every vulkan cell runs, reports gpu_ns
# and agrees with the CPU within budget; with no driver reachable the vulkan
# cells are skipped with the reason (exit 0), and --require vulkan exits 4.
# Per-executor repetitions give each executor's cells their own count, and
# a CPU device and the cpu workers are pinned by default (meta.json says
# where) or shared.
. "$(dirname "$0")/lib.sh"

# The driver's own allocations are not ours (DESIGN.md section 12).
export ASAN_OPTIONS=detect_leaks=0
small=(--config ci --workload llm-decode,audio-features --batch 1 --quant f32,q4
       --cache 0 --repetitions 2 --warmup 0 --quiet)

expect_exit 0 "no driver: vulkan cells are skipped, exit 0" \
	env VK_DRIVER_FILES=/nonexistent VK_ICD_FILENAMES=/nonexistent \
	"$GBENCH" run --no-report "${small[@]}" --executor cpu,vulkan --out "$TMP/nodrv"
check "no driver: the reason is recorded" grep -q 'no Vulkan device' "$TMP/nodrv/meta.json"
expect_exit 4 "no driver: --require vulkan exits 4" \
	env VK_DRIVER_FILES=/nonexistent VK_ICD_FILENAMES=/nonexistent \
	"$GBENCH" run --no-report "${small[@]}" --executor vulkan --require vulkan --out "$TMP/nodrv2"

# Is there a device at all? Only its absence may skip the rest.
"$GBENCH" run --no-report "${small[@]}" --workload llm-decode --quant f32 --executor vulkan \
	--require vulkan --out "$TMP/probe" > /dev/null 2> "$TMP/probe.err"
if [ $? -eq 4 ] && grep -q 'no Vulkan' "$TMP/probe.err"; then
	why=$(grep -o 'no Vulkan[^"]*' "$TMP/probe.err" | head -n1)
	skip "vulkan cells run with --validate" "$why"
	done_testing
	exit 0
fi

out="$TMP/vk"
expect_exit 0 "vulkan and cpu cells with --validate exit 0" \
	"$GBENCH" run --no-report "${small[@]}" --executor cpu,vulkan --validate --out "$out" \
	--repetitions 3,vulkan:2 --prime 1,vulkan:0 --warmup 1,vulkan:0
check "no validation message" bash -c "! grep -q 'vulkan validation' '$TMP/err'"

python3 - "$out" <<'PY'
import csv, sys
out = sys.argv[1]
n = 0
def ok(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok"), n, "-", what)
res = list(csv.DictReader(open(f"{out}/results.csv", newline="")))
acc = list(csv.DictReader(open(f"{out}/accuracy.csv", newline="")))
vk = {r["cell"] for r in res if r["executor"] == "vulkan"}
want = {f"{w}.vulkan.b1.{q}.c0" for w in ("llm-decode", "audio-features") for q in ("f32", "q4")}
ok(vk == want, f"every vulkan cell ran ({len(vk)} of {len(want)})")
gpu = {r["cell"] for r in res if r["metric"] == "gpu_ns" and r["source"] == "measured"
       and float(r["median"] or 0) > 0}
ok(vk <= gpu, "every vulkan cell has gpu_ns")
cpu_ref = [r for r in acc if r["cell"] in vk and r["reference"] == "cpu"]
ok(len(cpu_ref) > 0 and all(r["pass"] == "true" for r in cpu_ref),
   f"vulkan agrees with cpu within budget ({len(cpu_ref)} rows)")
ok(all(r["pass"] == "true" for r in acc if r["cell"] in vk), "every vulkan accuracy row passes")
reps = {(r["executor"], r["n"]) for r in res if r["metric"] == "wall_ns"}
ok(reps == {("cpu", "3"), ("vulkan", "2")}, f"repetitions 3,vulkan:2 give {sorted(reps)}")
import json
meta = json.load(open(f"{out}/meta.json"))
ok(meta["config"]["repetitions_by_executor"] == {"cpu": 3, "vulkan": 2} and
   meta["config"]["prime_by_executor"] == {"cpu": 1, "vulkan": 0} and
   meta["config"]["warmup_by_executor"] == {"cpu": 1, "vulkan": 0},
   "meta.json records the repetitions, primes and warmups per executor")
v = meta["executors"]["vulkan"]
ok(v["type"] != "cpu" or v.get("placement", "").startswith("pinned: "),
   f"a CPU device is pinned by default ({v.get('placement')})")
c = meta["executors"]["cpu"]
import os
ok(len(os.sched_getaffinity(0)) < 2 or c.get("placement", "").startswith("pinned: "),
   f"cpu workers are pinned by default ({c.get('placement')})")
print(f"# {n} python checks")
PY
_n=$((_n + 8))

# placement = shared: nothing pinned, and the driver's thread count left alone.
printf '[run]\nplacement = shared\n' > "$TMP/shared.ini"
expect_exit 0 "placement = shared runs" \
	env -u LP_NUM_THREADS "$GBENCH" run --no-report --config "$TMP/shared.ini" --workload llm-decode \
	--executor vulkan --repetitions 1 --warmup 0 --quiet --out "$TMP/shared"
check "shared: no executor placed" python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(any('placement' in e for e in m['executors'].values()))" "$TMP/shared/meta.json"
check "shared: recorded in the config" grep -q '"placement": "shared"' "$TMP/shared/meta.json"
done_testing
