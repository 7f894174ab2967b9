#!/usr/bin/env bash
# Failure paths of the vulkan executor, through its testing aids.
# Out of device memory (GBENCH_VK_HEAP_LIMIT makes the executor refuse
# allocations past a budget, as a smaller device would): the replay splits
# batches and retries, below one row falls back to the cpu executor and
# says so (the cell INVALID), and persistent operands that do not fit skip
# the cell with the reason. Never a wrong result, never a crash.
. "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS=detect_leaks=0   # lavapipe's own allocations (DESIGN.md section 12)

if ! "$GBENCH" info 2>/dev/null | grep -qE '^  vulkan +[^u]'; then
	skip "out-of-memory handling" "no Vulkan device here: $("$GBENCH" info 2>/dev/null | grep -E '^  vulkan')"
	done_testing
	exit 0
fi
# vector-search's database: 2048 x 64 f32 = 524288 bytes; sweep the budget around it
# (in one process: each process of a shared run warns once).
for lim in 520000 530000 540000 545000 550000 560000 600000 2000000; do
	GBENCH_VK_HEAP_LIMIT=$lim "$GBENCH" run --no-report --quiet --config ci --executor vulkan --filter 'vector-search.vulkan.b8.f32.c0' \
		--repetitions 2 --processes 1 --out "$TMP/oom-$lim" 2> "$TMP/err-$lim"
	echo "$lim $?" >> "$TMP/codes"
done
python3 - "$TMP" <<'PY'
import csv, json, os, sys
tmp = sys.argv[1]
codes = dict(line.split() for line in open(os.path.join(tmp, "codes")))
n = 0
def ok(c, what):
    global n; n += 1; print(("ok" if c else "not ok"), n, "-", what)
seen = {"split": 0, "fallback": 0, "skipped": 0}
for lim, rc in sorted(codes.items(), key=lambda kv: int(kv[0])):
    d = os.path.join(tmp, "oom-" + lim)
    ok(rc == "0", f"budget {lim}: exit 0 (got {rc})")
    meta = json.load(open(os.path.join(d, "meta.json")))
    cell = meta["cells"]["vector-search.vulkan.b8.f32.c0"]
    ev = meta["events"]
    acc = list(csv.DictReader(open(os.path.join(d, "accuracy.csv"))))
    if "skipped" in cell:
        seen["skipped"] += 1
        ok("out of device memory" in cell["skipped"], f"budget {lim}: skipped, saying why")
        continue
    ok(acc and all(r["pass"] == "true" for r in acc), f"budget {lim}: every accuracy row passes")
    if ev["cpu_fallbacks"]:
        seen["fallback"] += 1
        ok(cell["validity"] == "INVALID" and any("cpu executor" in r for r in cell["invalid_reasons"]),
           f"budget {lim}: {ev['cpu_fallbacks']} cpu fallbacks make the cell INVALID, saying why")
    elif ev["enomem_splits"]:
        seen["split"] += 1
        ok(cell["validity"] == "VALID", f"budget {lim}: {ev['enomem_splits']} split batches, still VALID")
for k, v in seen.items():
    ok(v > 0, f"the sweep reached the {k} case ({v} budgets)")
print(f"1..{n}")
PY
# Device lost mid-run (GBENCH_VK_LOSE_AFTER): exit 4, a clear error, the cpu cells kept.
GBENCH_VK_LOSE_AFTER=20 "$GBENCH" run --no-report --quiet --config ci --filter 'vector-search.*.b8.f32.c0' \
	--repetitions 2 --out "$TMP/lost" 2> "$TMP/lost.err"
rc=$?
[ "$rc" -eq 4 ] && ok "device lost: exit 4" || fail "device lost: exit 4 (got $rc)"
check "device lost: a clear error" grep -q 'device lost' "$TMP/lost.err"
check "device lost: the cpu cell's results kept" grep -q '^vector-search.cpu.b8.f32.c0,.*,wall_ns,' "$TMP/lost/results.csv"
check "device lost: the vulkan cell skipped with the reason, complete: false" python3 -c "
import json, sys
m = json.load(open('$TMP/lost/meta.json'))
sys.exit(not ('device lost' in m['cells']['vector-search.vulkan.b8.f32.c0'].get('skipped', '') and m['complete'] is False))"
# A validation message (one deliberate invalid call) reaches stderr and makes the run exit 5:
# the check that every other test's silence means something.
GBENCH_VK_SELFTEST_VALIDATION=1 "$GBENCH" run --no-report --quiet --config ci --executor vulkan --validate \
	--filter 'llm-decode.vulkan.b1.f32.c0' --repetitions 2 --out "$TMP/val" 2> "$TMP/val.err"
rc=$?
[ "$rc" -eq 5 ] && ok "a validation message: exit 5" || fail "a validation message: exit 5 (got $rc)"
check "a validation message: printed" grep -q 'VUID-VkBufferCreateInfo-size-00912' "$TMP/val.err"
check "a validation message: counted in meta.json" python3 -c "
import json, sys
sys.exit(json.load(open('$TMP/val/meta.json'))['events']['validation_messages'] < 1)"
# A synchronization hazard (two fills of one buffer, no barrier between) is
# caught too: the layer's synchronization validation is on with --validate,
# so the silence of the other runs under --validate covers the barriers.
GBENCH_VK_SELFTEST_VALIDATION=sync "$GBENCH" run --no-report --quiet --config ci --executor vulkan \
	--validate --filter 'llm-decode.vulkan.b1.f32.c0' --repetitions 2 --out "$TMP/sync" \
	2> "$TMP/sync.err"
rc=$?
[ "$rc" -eq 5 ] && ok "a synchronization hazard: exit 5" ||
	fail "a synchronization hazard: exit 5 (got $rc)"
check "a synchronization hazard: printed" grep -q 'SYNC-HAZARD-WRITE-AFTER-WRITE' "$TMP/sync.err"
check "one warning, not one per call" bash -c "[ \$(grep -c 'VK_ERROR_OUT_OF_DEVICE_MEMORY' '$TMP/err-550000') -le 1 ]"
done_testing
