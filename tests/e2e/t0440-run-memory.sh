#!/usr/bin/env bash
# gbench run's memory plan (issue 21, part 4): a plan whose peak memory is
# over the limit is refused with exit 2 in one line naming the total, the
# limit and the largest parts, before anything large is allocated, with
# --dry-run too; batch sizes are bounded where they are parsed; the shipped
# configs pass their plan with room; an allocation that fails anyway is one
# line and exit 4.
. "$(dirname "$0")/lib.sh"

# Nothing large may be allocated: under ASan an allocation over 1 GiB is a
# crash, and so is mapping over 4 GiB in all (its shadow memory rules out
# ulimit -v); a build without ASan gets a 4 GiB ulimit -v.
export ASAN_OPTIONS=allocator_may_return_null=0:max_allocation_size_mb=1024:mmap_limit_mb=4096
run() { (ldd "$GBENCH" 2>/dev/null | grep -q libasan || ulimit -v 4194304
	 timeout 60 "$GBENCH" run --no-report --quiet --executor cpu "$@"); }

# The cases below need 48 GiB or more: over the default limit (80% of
# physical memory) here; a machine where they would fit gets a limit.
big=()
[ "$(awk '/^MemTotal:/ { print int($2 * 0.8 / 1048576) }' /proc/meminfo)" -ge 40 ] &&
	big=(--max-memory 16G)

# 200 rows of silu 65536x1024, each with its own key: 200 inputs of 256 MiB.
{ printf '# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n'
  for i in $(seq 0 199); do echo "$i,0,silu,65536,1024,0,0,,k$i"; done; } > "$TMP/silu-keys.csv"
# 100 distinct 8192x8192 matmul tensors: 256 MiB of f32 each.
{ printf '# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n'
  for i in $(seq 0 99); do echo "$i,0,matmul,1,8192,8192,0,w$i,"; done; } > "$TMP/tensors.csv"
# 64 streams of one silu 65536x1024 each: a batch stacks up to 64 of them.
{ printf '# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n'
  for i in $(seq 0 63); do echo "0,$i,silu,65536,1024,0,0,,"; done; } > "$TMP/streams.csv"
# One large request (silu 65536x1024: 256 MiB in, 256 MiB out) on one stream.
printf '# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n0,0,silu,65536,1024,0,0,,\n' > "$TMP/one.csv"
check "the traces are valid" "$GBENCH" validate "$TMP/silu-keys.csv" "$TMP/tensors.csv" "$TMP/streams.csv" "$TMP/one.csv"

expect_exit 2 "200 distinct silu 65536x1024 inputs are refused" run --workload "$TMP/silu-keys.csv" "${big[@]}" --out "$TMP/a"
check "in one line naming the total, the limit and the largest part" \
	grep -q "^gbench run: error: the plan needs .* of memory at its peak, over the limit of .*: inputs of 'silu-keys': silu 65536x1024: 256 MiB x 200 = 50 GiB" "$TMP/err"
check "one line" test "$(wc -l < "$TMP/err")" -eq 1
check "and writes nothing" test ! -e "$TMP/a"

expect_exit 2 "100 distinct 8192x8192 tensors are refused under --dry-run" run --workload "$TMP/tensors.csv" "${big[@]}" --dry-run
check "naming the tensors" grep -q "tensors of 'tensors' like 'w0': matmul 8192x8192 f32 as generated: 256 MiB x 100 = 25 GiB" "$TMP/err"
check "and the dry run prints the plan" grep -q '^memory: ' "$TMP/out"

expect_exit 2 "--batch 1000000 over 64 streams of large requests is refused by the plan" run --workload "$TMP/streams.csv" --batch 1000000 "${big[@]}" --out "$TMP/b"
check "naming the replay's buffers" grep -q "replay buffers at batch 1000000 (64 of the largest requests of 'streams' at once): 48[.0]* GiB" "$TMP/err"
check "and writes nothing" test ! -e "$TMP/b"
expect_exit 0 "--batch 1000000 over one stream passes its plan" run --workload "$TMP/one.csv" --batch 1000000 --dry-run
check "its buffers sized by the streams, not the batch" grep -q "^  replay buffers at batch 1000000 (1 of the largest requests of 'one' at once): 768 MiB" "$TMP/out"
expect_exit 2 "--batch 4294967295 is refused where it is parsed" run --workload "$TMP/one.csv" --batch 4294967295 --dry-run
check "naming the bound" grep -q -- "--batch: '4294967295' is over the largest batch size" "$TMP/err"
printf '[run]\nbatch = 1,4294967295\n' > "$TMP/big-batch.ini"
expect_exit 2 "a config's batch = 4294967295 is refused" run --config "$TMP/big-batch.ini" --dry-run
check "naming FILE:LINE" grep -q "big-batch.ini:2: bad value" "$TMP/err"

# --max-memory and the max_memory key.
expect_exit 2 "--max-memory below the plan refuses it" run --workload "$TMP/one.csv" --batch 1 --max-memory 256M --dry-run
check "naming the limit as given" grep -q "over the limit of 256 MiB (--max-memory)" "$TMP/err"
expect_exit 0 "--max-memory above the plan lets it run (dry)" run --workload "$TMP/one.csv" --batch 1 --max-memory 2G --dry-run
check "the dry run prints the peak and the limit" grep -q '^memory: .* at the peak, limit 2 GiB (--max-memory)' "$TMP/out"
expect_exit 2 "a bad --max-memory exits 2" run --workload "$TMP/one.csv" --max-memory 12Q --dry-run
check "naming the flag" grep -q -- "--max-memory: '12Q'" "$TMP/err"
printf '[run]\nmax_memory = 256M\n' > "$TMP/small.ini"
expect_exit 2 "max_memory in a config refuses the plan" run --config "$TMP/small.ini" --workload "$TMP/one.csv" --batch 1 --dry-run
check "naming the key" grep -q "over the limit of 256 MiB (max_memory in" "$TMP/err"

# The shipped configs pass their plan (a dry run prints it), and a run
# records it in meta.json, with room: under a quarter of the limit.
for c in ci default; do
	expect_exit 0 "--config $c passes its plan" run --config $c --dry-run
	check "--config $c: the dry run prints the plan" grep -q '^memory: .* at the peak, limit ' "$TMP/out"
done
expect_exit 0 "a small run passes its plan" run --config ci --workload llm-decode --batch 1,8 --quant f32,q4 --cache 0,256 --repetitions 1 --warmup 0 --prime 0 --processes 1 --out "$TMP/c"
check "meta.json records the plan, with room" python3 -c "
import json
p = json.load(open('$TMP/c/meta.json'))['memory_plan']
assert 0 < 4 * p['peak_bytes'] < p['limit_bytes'], p
assert p['parts'][0]['total_bytes'] >= p['parts'][-1]['total_bytes'] > 0, p
"

# An allocation the plan did not foresee fails (the plan passed with a
# --max-memory the machine does not have: an allocator that refuses 128 MiB
# under ASan, a 400 MB address space without it): one line naming the size
# and exit 4, not an abort, and nothing written.
oom_run() { (if ldd "$GBENCH" 2>/dev/null | grep -q libasan; then
		export ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=128
	else ulimit -v 400000; fi
	timeout 60 "$GBENCH" run --no-report --quiet --executor cpu --threads 1 "$@"); }
oom_run --workload "$TMP/one.csv" --quant f32 --batch 1 --repetitions 1 --warmup 0 \
	--max-memory 64G --out "$TMP/oom" > "$TMP/out" 2> "$TMP/err"; rc=$?
check "out of memory: exit 4 (exit $rc)" test "$rc" -eq 4
check "in one line of gbench's naming the size" bash -c \
	"[ \$(grep -c '^gbench' '$TMP/err') -eq 1 ] && grep -q '^gbench: fatal: out of memory allocating 268435456 bytes (exit 4)$' '$TMP/err'"
check "and writes nothing" test ! -e "$TMP/oom"
done_testing
