#!/usr/bin/env bash
# gbench record on real programs: a C program linked against OpenBLAS whose
# trace must equal the calls it makes (shapes, weight names, streams), twice
# alike; the same program crashing (its status passed on, its rows kept);
# a numpy script whose trace's FLOPs equal the script's; both replay.
. "$(dirname "$0")/lib.sh"

: "${GBENCH_BUILD:=$TOP/build/san}"
prog=$GBENCH_BUILD/record/t1000-record-blas
rows() { grep -E '^[0-9]+,' "$1"; }
# the rows without their arrival times
calls() { rows "$1" | cut -d, -f2-; }
flops() { rows "$1" | awk -F, '{ s += 2 * $4 * $5 * $6 } END { printf "%d\n", s }'; }

if [ ! -x "$prog" ] || [ ! -f "$GBENCH_BUILD/libgbrecord-preload.so" ]; then
	fail "the recorder and $prog are built (make tests)"
	done_testing
	exit 0
fi

expect_exit 0 "record the BLAS program" "$GBENCH" record -o "$TMP/blas.csv" -- "$prog"
cp "$TMP/out" "$TMP/expected"
check "the program's output passes through" test "$(wc -l < "$TMP/expected")" -eq 9
check "the trace is its calls, in order, weights named by first use" \
	cmp -s <(calls "$TMP/blas.csv") "$TMP/expected"
check "the summary names the trace" grep -q "9 matmul requests .* in '$TMP/blas.csv'" "$TMP/err"
expect_exit 0 "the trace validates" "$GBENCH" validate "$TMP/blas.csv"
check "it says what was recorded" \
	grep -qx '# recorded: cblas_sgemm 5, cblas_sgemv 2, sgemm_ 1, sgemv_ 1' "$TMP/blas.csv"
check "and what was seen but not mapped, counted" \
	grep -qx '# unmapped: cblas_dgemm 1, cblas_sdot 2' "$TMP/blas.csv"
check "and what it skipped, and why" \
	grep -qx '# skipped: cblas_sgemm 1 (m, n or k is 0)' "$TMP/blas.csv"
check "and how the program ended" grep -qx '# exit: 0' "$TMP/blas.csv"
check "the source line is the command" grep -qx "# source: gbench record -- $prog" "$TMP/blas.csv"
check "arrivals never decrease" \
	awk -F, '/^[0-9]+,/ { if ($1 < last) exit 1; last = $1 }' "$TMP/blas.csv"
check "the counters file is gone" test -z "$(ls "$TMP" | grep counts)"

"$GBENCH" record -q -o "$TMP/blas2.csv" -- "$prog" > /dev/null 2>&1
check "a second run gives the same rows and names" \
	cmp -s <(calls "$TMP/blas.csv") <(calls "$TMP/blas2.csv")

expect_exit 0 "the trace replays on the cpu executor" "$GBENCH" run --no-report --workload "$TMP/blas.csv" \
	--executor cpu --batch 1,4 --quant f32,q8 --cache 0 --repetitions 2 --warmup 0 \
	--quiet --out "$TMP/r-blas"
check "every request replayed" grep -q '^blas.cpu.b1.f32.c0,.*,wall_ns,' "$TMP/r-blas/results.csv"

# A crash: abort() after the main thread's calls; exit 128+6, its rows kept.
expect_exit 134 "a crashing program's status is passed on" \
	"$GBENCH" record -o "$TMP/crash.csv" -- "$prog" crash
check "it is named" grep -q "killed by signal 6" "$TMP/err"
expect_exit 0 "the crashed program's trace validates" "$GBENCH" validate "$TMP/crash.csv"
check "with the rows it wrote before the crash" \
	cmp -s <(calls "$TMP/crash.csv") <(head -n 8 "$TMP/expected")
check "and the crash in its header" grep -q '^# exit: killed by signal 6' "$TMP/crash.csv"

# numpy: Debian's python3-numpy calls OpenBLAS.
py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import numpy' 2> /dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
	skip "record a numpy script" "no python3 with numpy (python3-numpy)"
else
	expect_exit 0 "record a numpy script" "$GBENCH" record -o "$TMP/np.csv" -- \
		"$py" "$TOP/tests/e2e/t1000-record-numpy.py"
	want=$(cat "$TMP/out")
	got=$(flops "$TMP/np.csv")
	check "the trace's FLOPs equal the script's ($got = $want)" test "$got" = "$want"
	expect_exit 0 "the numpy trace validates" "$GBENCH" validate "$TMP/np.csv"
	check "the thread the script starts is a stream of its own" \
		test "$(rows "$TMP/np.csv" | cut -d, -f2 | sort -u | tr '\n' ' ')" = "0 1 "
	check "the weights are the script's three, the transposed one again" \
		test "$(rows "$TMP/np.csv" | cut -d, -f8 | sort -u | tr '\n' ' ')" = "w0 w1 w2 "
	check "float64 and dot products are counted, not mapped" \
		grep -qE '^# unmapped: cblas_dgemm 1, cblas_sdot [1-9]' "$TMP/np.csv"
	expect_exit 0 "the numpy trace replays" "$GBENCH" run --no-report --workload "$TMP/np.csv" \
		--executor cpu --batch 4 --quant f32 --cache 0 --repetitions 2 --warmup 0 \
		--quiet --out "$TMP/r-np"
fi
done_testing
