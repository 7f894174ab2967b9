#!/usr/bin/env bash
# gbench import torch-profiler: the committed profiler trace of a small
# transformer block (tests/data/import/torch-block.json) becomes a trace
# that validates, whose matmul FLOPs equal the profiler's own count, whose
# header lists every op it did not map, and that both executors replay;
# where torch is installed the JSON is made afresh and imported too; bad
# input (truncated, foreign, shapeless) exits 2 with FILE and position and
# writes nothing.
. "$(dirname "$0")/lib.sh"

data=$TOP/tests/data/import
json=$data/torch-block.json

expect_exit 0 "-h exits 0" "$GBENCH" import -h
check "-h prints usage on stdout" grep -q '^usage: gbench import' "$TMP/out"

expect_exit 0 "the block's trace imports" "$GBENCH" import torch-profiler "$json" -o "$TMP/block.csv"
check "the summary names the requests" grep -q "requests (matmul " "$TMP/err"
expect_exit 0 "gbench validate accepts it" "$GBENCH" validate "$TMP/block.csv"
check "every kind of op of the block is in it" bash -c "
	for op in matmul softmax rmsnorm silu reduce; do
		grep -q \"^[0-9]*,[0-9]*,\$op,\" '$TMP/block.csv' || exit 1
	done"
check "an op with no gbench equivalent is listed with its count and share" \
	grep -qE '^# unmapped: .*aten::topk 3 \([0-9.]+%\)' "$TMP/block.csv"
check "wrappers are listed as counted at the op inside them" \
	grep -qE '^# nested: .*aten::linear 18 ' "$TMP/block.csv"
check "the three steps reuse the weights of the first" \
	test "$(grep -c ',matmul,.*,w0,$' "$TMP/block.csv")" = 3

# The profiler's FLOPs (with_flops=True) against the trace's, counted apart
# from gbench: python's json, and 2 m n k per matmul row.
flops_agree() { # JSON CSV
	python3 - "$1" "$2" <<'PY'
import csv, json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
mm = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::matmul", "aten::linear"}
want = sum(e.get("args", {}).get("flops", 0) for e in ev if e.get("name") in mm)
rows = [l for l in open(sys.argv[2]) if not l.startswith("#")]
got = sum(2 * int(r["m"]) * int(r["n"]) * int(r["k"])
          for r in csv.DictReader(rows) if r["op"] == "matmul")
print("# profiler %d, trace %d" % (want, got))
sys.exit(0 if want > 0 and abs(got - want) <= 0.01 * want else 1)
PY
}
check "its matmul FLOPs equal the profiler's within 1%" flops_agree "$json" "$TMP/block.csv"

small=(--batch 1,4 --quant f32,q8 --cache 0 --repetitions 2 --warmup 0 --quiet)
expect_exit 0 "the cpu executor replays it" \
	"$GBENCH" run --no-report --workload "$TMP/block.csv" --executor cpu "${small[@]}" --out "$TMP/cpu"
check "with a result for each cell" \
	test "$(grep -c '^block\.cpu\.b[14]\.\(f32\|q8\)\.c0,.*,wall_ns,' "$TMP/cpu/results.csv")" = 4

# Vulkan (lavapipe here): the driver's own allocations are not ours.
ASAN_OPTIONS=detect_leaks=0 "$GBENCH" run --no-report --workload "$TMP/block.csv" --executor vulkan \
	--require vulkan "${small[@]}" --out "$TMP/vk" > "$TMP/vk.out" 2> "$TMP/vk.err"
rc=$?
if [ $rc -eq 4 ] && grep -q 'no Vulkan' "$TMP/vk.err"; then
	skip "the vulkan executor replays it" "$(grep -o 'no Vulkan[^"]*' "$TMP/vk.err" | head -n1)"
elif [ $rc -eq 0 ] && grep -q '^block\.vulkan\.b1\.f32\.c0,' "$TMP/vk/results.csv"; then
	ok "the vulkan executor replays it"
else
	fail "the vulkan executor replays it (exit $rc)"; sed 's/^/#   /' "$TMP/vk.err" | tail -n 20
fi

# The JSON made afresh by the script that made the committed one.
py=
for p in /usr/bin/python3 python3; do
	if command -v "$p" > /dev/null && "$p" -c 'import torch' 2> /dev/null; then py=$p; break; fi
done
if [ -n "$py" ]; then
	if "$py" "$data/torch-block.py" "$TMP/fresh.json" 2> "$TMP/py.err"; then
		ok "torch-block.py makes a profiler trace"
		expect_exit 0 "the fresh trace imports" \
			"$GBENCH" import torch-profiler "$TMP/fresh.json" -o "$TMP/fresh.csv"
		expect_exit 0 "and validates" "$GBENCH" validate "$TMP/fresh.csv"
		check "its matmul FLOPs equal the profiler's within 1%" \
			flops_agree "$TMP/fresh.json" "$TMP/fresh.csv"
		check "its requests are the committed trace's" \
			test "$(grep -E '^[0-9]' "$TMP/fresh.csv" | cut -d, -f2- | md5sum)" = \
			     "$(grep -E '^[0-9]' "$TMP/block.csv" | cut -d, -f2- | md5sum)"
	else
		fail "torch-block.py makes a profiler trace"; sed 's/^/#   /' "$TMP/py.err" | tail -n 10
	fi
else
	skip "regenerate the profiler trace" "no python3 with torch (apt-get install python3-torch)"
fi

# Bad input: exit 2, FILE and position, nothing written.
head -c 3000 "$json" > "$TMP/cut.json"
expect_exit 2 "a truncated JSON exits 2" "$GBENCH" import torch-profiler "$TMP/cut.json" -o "$TMP/cut.csv"
check "with FILE:LINE:COLUMN" grep -qE "^gbench import: error: $TMP/cut.json:[0-9]+:[0-9]+: not valid JSON" "$TMP/err"
check "and nothing written" test ! -e "$TMP/cut.csv"
printf '{"name": "a package", "version": [1, 2]}\n' > "$TMP/foreign.json"
expect_exit 2 "a foreign JSON exits 2" "$GBENCH" import torch-profiler "$TMP/foreign.json" -o "$TMP/f.csv"
check "with FILE and position" grep -q "$TMP/foreign.json:1:1: not a PyTorch profiler trace" "$TMP/err"
check "and nothing written" test ! -e "$TMP/f.csv"
# What torch without kineto (Debian's) exports: no shapes to map.
printf '[{"name": "aten::mm", "ph": "X", "ts": 631, "dur": 153, "tid": 1, "pid": "CPU functions", "args": {}}]' \
	> "$TMP/legacy.json"
expect_exit 2 "a trace without shapes exits 2" "$GBENCH" import torch-profiler "$TMP/legacy.json" -o "$TMP/l.csv"
check "saying why" grep -q "records no input shapes: profile with record_shapes=True" "$TMP/err"
expect_exit 2 "a missing file exits 2" "$GBENCH" import torch-profiler "$TMP/nope.json"
expect_exit 2 "an unknown format exits 2" "$GBENCH" import tensorboard "$json"
check "naming the formats known" grep -q "unknown format 'tensorboard' (known: torch-profiler)" "$TMP/err"
expect_exit 2 "no file exits 2" "$GBENCH" import torch-profiler
done_testing
