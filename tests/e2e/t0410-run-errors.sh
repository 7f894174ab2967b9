#!/usr/bin/env bash
# gbench run on bad input: exit 2, the cause named, nothing written;
# --dry-run, --filter and --require.
. "$(dirname "$0")/lib.sh"

run() { "$GBENCH" run --no-report --quiet "$@"; }

expect_exit 2 "an unknown config exits 2" run --config nope --out "$TMP/a"
check "and writes nothing" test ! -e "$TMP/a"
expect_exit 2 "a bad config exits 2" run --config "$TOP/tests/data/configs/bad.ini" --out "$TMP/b"
check "naming FILE:LINE" grep -q 'bad.ini:5: unknown key' "$TMP/err"
check "and writes nothing" test ! -e "$TMP/b"
printf '# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n0,0,matmul,1,8,32,0,w,\n5,0,warp,1,8,8,0,,\n' > "$TMP/bad.csv"
expect_exit 2 "a malformed trace exits 2" run --workload "$TMP/bad.csv" --out "$TMP/c"
check "naming FILE:LINE" grep -q "bad.csv:4: " "$TMP/err"
check "and writes nothing" test ! -e "$TMP/c"
expect_exit 2 "a missing workload exits 2" run --workload no-such-workload --out "$TMP/d"
check "naming it" grep -q "no workload 'no-such-workload'" "$TMP/err"
expect_exit 2 "a bad --batch exits 2" run --batch 1,zero --out "$TMP/e"
expect_exit 2 "an unknown executor exits 2" run --executor tpu --out "$TMP/e"
check "and writes nothing" test ! -e "$TMP/e"

expect_exit 0 "--dry-run exits 0" run --config ci --executor cpu --dry-run --out "$TMP/f"
check "--dry-run lists the cells" grep -q '^  llm-decode.cpu.b1.f32.c0' "$TMP/out"
check "--dry-run gives an estimate" grep -q '^estimated time: ' "$TMP/out"
check "--dry-run writes nothing" test ! -e "$TMP/f"
expect_exit 2 "a bad --warmup exits 2" run --config ci --executor cpu --warmup vulkan:x --dry-run
check "naming the flag" grep -q -- '--warmup' "$TMP/err"
expect_exit 0 "--filter keeps matching cells" run --config ci --executor cpu --filter 'vector-search.*.b8.q8.c256' --repetitions 2 --out "$TMP/g"
check "only the matching cell ran" bash -c "[ \$(cut -d, -f1 '$TMP/g/results.csv' | sort -u | grep -vc '^cell$') -eq 1 ]"
expect_exit 2 "--filter matching nothing exits 2" run --config ci --filter zzz --dry-run

# An odd but valid trace written by hand (sizes 1, 3, 33, 4097; a sparse stream id).
cat > "$TMP/odd.csv" <<'CSV'
# gbench-trace v1
# source: written by hand for t0410
arrival_ns,stream,op,m,n,k,p,tensor,key
0,0,matmul,3,33,4097,0,w,
0,1,matmul,1,33,4097,0,w,k1
10,0,softmax,3,31,0,0,,
20,1,rmsnorm,1,4097,0,0,,
30,0,silu,1,3,0,0,,
40,1,reduce,3,4097,0,0,,
50,0,topk,1,33,3,3,db,q
60,2,fft,3,8,0,0,,
70,2,fft,1,1,0,0,,
80,2000000000,silu,1,3,0,0,,
CSV
expect_exit 0 "an odd but valid trace replays" run --workload "$TMP/odd.csv" --quant f32,q4 --batch 1,2 --cache 0,2 --repetitions 2 --out "$TMP/h"
check "with every accuracy row passing" bash -c "! grep -q ',false$' '$TMP/h/accuracy.csv'"
done_testing
