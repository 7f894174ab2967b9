#!/usr/bin/env bash
# scripts/gpu-targets.py: issue 14's and 15's bounds held against a
# gpu-check folder. The GPU figures are taken where a GPU is lent; here the
# script's verdicts are checked on tables written for the purpose: met,
# MISSED, not measured, a figure rounded towards failing its bound, the
# card named, and the gemv bound at this card's copy.
. "$(dirname "$0")/lib.sh"
t="$TOP/scripts/gpu-targets.py"
g="$TMP/gc"
mkdir -p "$g/kernels" "$g/tiled4"

expect_exit 2 "no folder: usage, exit 2" python3 "$t"
expect_exit 0 "an empty folder: exit 0" python3 "$t" "$TMP/none"
check "an empty folder: every target not measured" \
	bash -c "[ \"\$(grep -c 'not measured' '$TMP/out')\" -ge 14 ] && ! grep -qE ' (met|MISSED)\$' '$TMP/out'"
check "an empty folder: no card named" grep -q '^device: not known' "$TMP/out"

cat > "$g/info.txt" <<'EOF'
executors
  cpu          Test CPU [cpu], driver gbench cpu kernels (avx2, 16 threads)
  vulkan       NVIDIA H100 80GB HBM3 [discrete], driver NVIDIA 580.0, API 1.4.312
EOF
# device us, host us, GB/s, GFLOP/s, % ceil
cat > "$g/kernels/kernels.txt" <<'EOF'
op (m x n x k)           quant    device us      host us         GB/s      GFLOP/s   % ceil
gemv-1x11008x4096        f32           70.0         12.0       2577.0         1.3     80.0
gemv-1x11008x4096        f16           31.0         19.5       2910.0         2.9     88.0
gemv-1x11008x4096        q8            17.1          ?         2801.0         5.3     85.0
gemv-1x11008x4096        q4             ?            8.0          ?             ?        ?
gemm-2048x4096x4096      f32        2000.0         15.0        100.0     34359.0     60.0
topk-1x1048576x64-p10    f32         250.0         25.5       1000.0         0.5     30.0
EOF
cat > "$g/tiled4/kernels.txt" <<'EOF'
gemm-2048x4096x4096      f32        2000.0         15.0        100.0     24999.0     60.0
EOF
# device us, GB/s, GFLOP/s
cat > "$g/vendor.txt" <<'EOF'
gpu-vendor: NVIDIA H100 80GB HBM3, PyTorch 2.0
op (m x n x k)           dtype    device us         GB/s      GFLOP/s
copy-1024MiB             f32          700.0       3000.0            -
gemm-2048x4096x4096      f32         1000.0            -      50000.0
EOF
echo "took 512.3 s (exit 0)" > "$g/config.txt"

expect_exit 0 "a folder of tables: exit 0" python3 "$t" "$g"
check "the card is named from info.txt" grep -q '^device: NVIDIA H100 80GB HBM3 \[discrete\]' "$TMP/out"
check "f32 70 us against the H200's 62: MISSED" bash -c "grep -F 'f32 device time (H200 bound)' '$TMP/out' | grep -q '70.00 us  MISSED\$'"
check "f16 31 us against 31: met (the bound is inclusive)" bash -c "grep -F 'f16 device time (H200 bound)' '$TMP/out' | grep -q '31.00 us  met\$'"
check "q8 17.1 us against 17: MISSED" bash -c "grep -F 'q8 device time (H200 bound)' '$TMP/out' | grep -q '17.10 us  MISSED\$'"
check "q4 with no figure: not measured" bash -c "grep -F 'q4 device time (H200 bound)' '$TMP/out' | grep -q 'not measured'"
# 180.4 MB at 70% of 3000 GB/s: 85.9 us, so 70 us meets it on this card
check "f32 at this card's copy: bound 85.9 us, met" bash -c "grep -F 'f32 device time (70% of this card' '$TMP/out' | grep -q '<= 85.9 us .* 70.00 us  met\$'"
# 2577 / 3000 = 85.9% of the vendor's copy
check "f32 share of the vendor's copy: 85.90%, met" bash -c "grep -F \"f32 share of the vendor's copy\" '$TMP/out' | grep -q '85.90%  met\$'"
check "the shares are of the vendor's copy" grep -q "^the copy the gemv shares are of: the vendor's copy (3000 GB/s)" "$TMP/out"
check "host overhead: the worst of the rows that have one (25.5 us), MISSED" \
	bash -c "grep -F 'host overhead, worst of 5 rows' '$TMP/out' | grep -q '25.50 us  MISSED\$'"
check "GEMM f32: 34359 of 50000 GFLOP/s, 68.71% (rounded down), met" \
	bash -c "grep -F 'f32 share of cuBLAS FP32' '$TMP/out' | grep -q '68.71%  met\$'"
check "GEMM vec4: 49.998% shows 49.99%, MISSED" \
	bash -c "grep -F 'vec4 reads' '$TMP/out' | grep -q '49.99%  MISSED\$'"
check "coopmat without its table or the vendor's FP16: not measured" \
	bash -c "[ \"\$(grep -F 'cooperative matrices' '$TMP/out' | grep -c 'not measured')\" -eq 2 ]"
check "top-k 250 us: met" bash -c "grep -F 'topk-1x1048576x64-p10 f32 device time' '$TMP/out' | grep -q '250.00 us  met\$'"
check "peak copy without peak.json: not measured" bash -c "grep -F 'gbench peak vulkan copy' '$TMP/out' | grep -q 'not measured'"
check "the config step's 512.3 s: met" bash -c "grep -F \"config step's run (\" '$TMP/out' | grep -q '512.30 s  met\$'"
printf 'gpu-check: config: --config mid-range took 512.3 s (exit 0)\ngpu-check: config: its report took 90.0 s (exit 0)\n' > "$g/config.txt"
expect_exit 0 "a config run with its report timed" python3 "$t" "$g"
check "the run and its report, 602.3 s: MISSED" \
	bash -c "grep -F \"config step's run and its report (GPU_CHECK_CONFIG=mid-range)\" '$TMP/out' | grep -q '602.30 s  MISSED\$'"

echo "took 700.0 s (exit 1)" > "$g/config.txt"
expect_exit 0 "a config run that failed" python3 "$t" "$g"
check "a failed config run is not a time" bash -c "grep -F \"config step's run (\" '$TMP/out' | grep -q 'not measured'"
# a run the step's limit stopped: started, never ended, and steps.txt says so
echo "gpu-check: config: --config low-end --time-budget 5m started" > "$g/config.txt"
printf 'step info     exit   0      3 s\nstep config   exit 124    427 s\n' > "$g/steps.txt"
expect_exit 0 "a config run stopped at its limit" python3 "$t" "$g"
check "is MISSED, with the seconds it had, under its config's name" \
	bash -c "grep -F \"config step's run (GPU_CHECK_CONFIG=low-end), whole\" '$TMP/out' | grep -q '<= 600 s  *stopped at 427 s  MISSED\$'"
rm "$g/config.txt" "$g/steps.txt"
expect_exit 0 "no config step's file" env GPU_CHECK_CONFIG=mid-range python3 "$t" "$g"
check "the config named from GPU_CHECK_CONFIG, not measured" \
	bash -c "grep -F \"config step's run (GPU_CHECK_CONFIG=mid-range), whole\" '$TMP/out' | grep -q 'not measured'"

# scripts/gpu-doc.py: docs/gpu.md's measured part from the same folder
doc="$TOP/scripts/gpu-doc.py"
expect_exit 2 "gpu-doc.py on a folder without header.txt: exit 2" python3 "$doc" "$g"
echo "gpu-check: 2026-12-24T10:00:00Z on gpu-host, binaries prebuilt (.gpu-bundle): gbench 0.9.1 (commit 0123456789ab)" > "$g/header.txt"
printf 'step info     exit   0      1 s\n' > "$g/steps.txt"
printf 'took 1 s\n```\ngbench run: `--config` ``` ````\n' > "$g/cpu.txt"
python3 "$t" "$g" > "$g/targets.txt"     # as gpu-check.sh writes it after every step
expect_exit 0 "gpu-doc.py on a gpu-check folder: exit 0" python3 "$doc" "$g"
check "names the date, the commit and the host" grep -q '^Measured by .* on 2026-12-24T10:00:00Z, gbench commit `0123456789ab`, host `gpu-host`' "$TMP/out"
check "and the card, from info.txt" grep -q '^- device: NVIDIA H100 80GB HBM3 \[discrete\], driver NVIDIA 580.0' "$TMP/out"
check "quotes the steps and the targets" bash -c "grep -q '^step info     exit   0' '$TMP/out' && grep -q 'f32 device time (H200 bound) .*70.00 us  MISSED' '$TMP/out'"
check "quotes the kernel table whole" grep -q '^gemv-1x11008x4096        f16           31.0' "$TMP/out"
check "says which files are missing, never fills them in" \
	bash -c "[ \"\$(grep -c '^not in this folder' '$TMP/out')\" -ge 3 ]"
check "a file with backticks gets a fence longer than any of them" python3 - "$TMP/out" <<'PY'
import sys
text = open(sys.argv[1]).read()
part = text[text.index("## The host CPU's GEMM"):].splitlines()
# 4 backticks in the file: a fence of 5 opens and closes it, its ``` line is text
at = [i for i, line in enumerate(part) if line == "`````"]
assert len(at) == 2 and "```" in part[at[0]:at[1]], part
PY
done_testing
