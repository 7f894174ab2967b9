#!/usr/bin/env bash
# gpu-kernels.sh [OUT] - the vulkan executor's kernels against the device's
# measured ceilings (issue 14): single-op traces of the issue's shapes, each
# quant level, batch 1, no cache, then one table: per op and quant the
# device time per request, the host overhead (p50 latency minus device
# time), GB/s of weights read or GFLOP/s, and the percentage of `gbench
# peak`'s vulkan copy bandwidth or f32 FMA peak. Run it where the GPU is
# (scripts/gpu-check.sh calls it; ../shared/tools/gpu-bundle.sh carries the
# loader); on lavapipe it runs too, with GPU_KERNELS_SMALL=1 shapes.
#
# Environment: GBENCH (default: gbench on PATH, else build/gbench),
# GPU_KERNELS_REQUESTS (requests per trace, default 20),
# GPU_KERNELS_REPS (repetitions, default 5), GPU_KERNELS_SMALL=1 (shapes
# a CPU device finishes in seconds: for a dry run of the script itself),
# GPU_KERNELS_ONLY=PREFIX (only the shapes whose name starts so, e.g. gemm),
# GPU_KERNELS_QUANT (default f32,f16,q8,q4), GPU_KERNELS_PEAK=FILE (take the
# ceilings from an earlier run's peak.json rather than measure them again).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/results/gpu-kernels-$(date +%Y%m%d-%H%M%S)}
gbench=${GBENCH:-$(command -v gbench || echo "$top/build/gbench")}
reqs=${GPU_KERNELS_REQUESTS:-20}
reps=${GPU_KERNELS_REPS:-5}
mkdir -p "$out/traces"

# name op m n k p: the shapes of issue 14's table
if [ "${GPU_KERNELS_SMALL:-0}" = 1 ]; then
	shapes="gemv-1x512x512 matmul 1 512 512 0
gemm-8x256x256 matmul 8 256 256 0
topk-1x4096x64-p10 topk 1 4096 64 10"
else
	shapes="gemv-1x4096x4096 matmul 1 4096 4096 0
gemv-1x11008x4096 matmul 1 11008 4096 0
gemm-32x4096x4096 matmul 32 4096 4096 0
gemm-2048x4096x4096 matmul 2048 4096 4096 0
topk-1x1048576x64-p10 topk 1 1048576 64 10"
fi
if [ -n "${GPU_KERNELS_ONLY:-}" ]; then
	shapes=$(printf '%s\n' "$shapes" | grep "^${GPU_KERNELS_ONLY}" || true)
	[ -n "$shapes" ] || { echo "gpu-kernels: no shape starts with '$GPU_KERNELS_ONLY'" >&2; exit 2; }
fi
quants=${GPU_KERNELS_QUANT:-f32,f16,q8,q4}
workloads=
while read -r name op m n k p; do
	f="$out/traces/$name.csv"
	{
		echo '# gbench-trace v1'
		echo "# source: scripts/gpu-kernels.sh, $reqs requests of one $op"
		echo 'arrival_ns,stream,op,m,n,k,p,tensor,key'
		for i in $(seq 0 $((reqs - 1))); do
			echo "$((i * 1000)),0,$op,$m,$n,$k,$p,w,"
		done
	} > "$f"
	workloads=${workloads:+$workloads,}$f
done <<< "$shapes"

if [ -n "${GPU_KERNELS_PEAK:-}" ]; then
	cp "$GPU_KERNELS_PEAK" "$out/peak.json" ||
		{ echo "gpu-kernels: cannot read GPU_KERNELS_PEAK=$GPU_KERNELS_PEAK" >&2; exit 2; }
else
	"$gbench" peak --out "$out/peak.json" > "$out/peak.log" 2>&1 ||
		{ echo "gpu-kernels: gbench peak failed (see $out/peak.log)" >&2; exit 4; }
fi
rc=0
"$gbench" run --executor vulkan --require vulkan --workload "$workloads" --quant "$quants" \
	--batch 1 --cache 0 --repetitions "$reps" --warmup 1 --no-report --force --quiet \
	--out "$out/run" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
	echo "gpu-kernels: gbench run failed (exit $rc)" >&2
	exit "$rc"
fi

# the device's ceilings, from peak.json's executors.vulkan
ceil() { sed -n "/\"vulkan\"/,/}/s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" "$out/peak.json" | head -n 1; }
copy=$(ceil copy_gbs); fma=$(ceil f32_gflops)
device=$(sed -n '/"vulkan"/,/}/s/.*"device": *"\([^"]*\)".*/\1/p' "$out/peak.json" | head -n 1)
echo "gpu-kernels: $device; ceilings: copy ${copy:-?} GB/s, f32 FMA ${fma:-?} GFLOP/s (gbench peak)"
echo "gpu-kernels: results in $out/run (exit $rc); $reqs requests a trace, $reps repetitions, medians"
awk -F, -v shapes="$shapes" -v quants="$quants" -v copy="${copy:-0}" -v fma="${fma:-0}" '
BEGIN {
	nsh = split(shapes, L, "\n")
	for (i = 1; i <= nsh; i++) {
		split(L[i], f, " ")
		op[f[1]] = f[2]; M[f[1]] = f[3]; N[f[1]] = f[4]; K[f[1]] = f[5]; order[i] = f[1]
	}
	bits["f32"] = 32; bits["f16"] = 16; bits["q8"] = 8.5; bits["q4"] = 4.5
	printf "%-24s %-5s %12s %12s %12s %12s %8s\n", "op (m x n x k)", "quant", "device us", "host us", "GB/s", "GFLOP/s", "% ceil"
}
NR > 1 && $8 == "gpu_ns" { gpu[$2 "," $6] = $13 }
NR > 1 && $8 == "wall_ns" { wall[$2 "," $6] = $13 }
NR > 1 && $8 == "throughput_rps" { thr[$2 "," $6] = $13 }
NR > 1 && $8 == "latency_p50_ns" { p50[$2 "," $6] = $13 }
END {
	nq = split(quants, qs, ",")
	for (i = 1; i <= nsh; i++)
		for (j = 1; j <= nq; j++) {
			w = order[i]; q = qs[j]; key = w "," q
			if (!(key in gpu) || !(key in thr) || thr[key] == 0) {
				printf "%-24s %-5s %12s\n", w, q, "not measured"
				continue
			}
			req = thr[key] * wall[key] / 1e9          # requests a repetition
			dev = gpu[key] / req                       # ns a request on the device
			# negative where the median latency is below the mean device time
			host = (key in p50) ? sprintf("%.1f", (p50[key] - dev) / 1e3) : "?"
			wbytes = N[w] * K[w] * bits[q] / 8
			bytes = wbytes + M[w] * K[w] * 4 + M[w] * N[w] * 4
			flops = 2 * M[w] * N[w] * K[w]
			gbs = bytes / dev; gfl = flops / dev
			# memory-bound shapes against the copy, the rest against the FMA peak
			if (M[w] <= 8 && copy > 0) pct = 100 * gbs / copy
			else if (fma > 0) pct = 100 * gfl / fma
			else pct = -1
			printf "%-24s %-5s %12.1f %12s %12.1f %12.1f %8s\n", w, q, dev / 1e3,
				host, gbs, gfl,
				(pct >= 0 ? sprintf("%.1f", pct) : "?")
		}
	print "device us: gpu_ns per request (of the median repetition); host us: p50 latency"
	print "minus that (below 0 where the device time varies so that its mean passes the median"
	print "latency); GB/s: weights + x + y bytes over device time; % ceil: GB/s of the copy for"
	print "m <= 8, else GFLOP/s of the FMA peak"
}' <(sed 's/"[^"]*"/X/g' "$out/run/results.csv") | tee "$out/kernels.txt"
exit "$rc"
