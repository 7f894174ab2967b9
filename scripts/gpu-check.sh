#!/usr/bin/env bash
# gpu-check.sh [OUT] [gbench run arguments] - issues 14's and 15's checks
# where the GPU is, in one call, each step's files under OUT:
#
#   info     gbench info: device, driver, the kernels chosen       info.txt
#   tests    test-vulkan, test-vk-host, test-vk-matmul, test-vk-ops: tests.txt
#            every kernel against the cpu, validation layer on
#   kernels  scripts/gpu-kernels.sh: the issue's shapes, device     kernels/kernels.txt
#            time, host overhead and % of `gbench peak`'s ceilings
#   coopmat  the cooperative-matrix matmul (opt-in until it has     coopmat.txt,
#            run on a GPU: GB_VK_COOPMAT=1): its test, and if it    coopmat/kernels.txt,
#            passes the GEMM rows again with it on, with the f16     coopmat1/kernels.txt
#            pairs and with one f16 a value (GB_VK_COOPMAT_PAIRS=0)
#   ci       the ci config on cpu and vulkan, --require vulkan,     ci/, ci.txt
#            with the arguments after OUT
#   config   GPU_CHECK_CONFIG=NAME (high-end, say), both            config/, config.txt
#            executors, timed; GPU_CHECK_BUDGET=T its --time-budget
#   tiled4   the GEMM rows again with the tiled kernel's vec4       tiled4/kernels.txt
#            reads (GB_VK_TILED=v4: opt-in until timed against
#            the scalar ones here)
#   vendor   scripts/gpu-vendor.py: the vendor's copy, cuBLAS FP32  vendor.txt
#            (no TF32) and FP16 on the same shapes, through PyTorch
#            where it is installed (the targets are relative to them)
#   cpu      gemm-bench 1 0.5, then GBENCH_SIMD=avx2 alongside:     cpu.txt
#            the host CPU's GEMM against OpenBLAS
#
# GPU_CHECK_STEPS=a,b,... picks steps (default: all of them, config only
# with GPU_CHECK_CONFIG). A step that passes its limit (GPU_CHECK_STEP_S,
# 300 s; the config step its budget and 120 s more) is stopped and counts
# as failed; the next one runs.
#
# Binaries: a GPU machine lent here has no package registry, so nothing
# builds there. scripts/gpu-prepare.sh makes .gpu-bundle/ here (gbench, the
# tests, gemm-bench, their libraries, the Vulkan loader and validation
# layer); source .gpu-bundle/env.sh there first. Without .gpu-bundle/bin the
# script builds them with make. The loader and the driver's ICD are used
# as found: set VK_DRIVER_FILES to the ICD's JSON where the loader does not
# find it (env.sh does, for NVIDIA's).
#
# After every step, targets.txt: issue 14's and 15's bounds against what has
# been measured so far (scripts/gpu-targets.py OUT prints it again).
#
# GPU_CHECK_RETURN=DIR: after every step, DIR/summary.txt (each step's exit
# and seconds, the targets, the tables), DIR/gpu.md (scripts/gpu-doc.py: the
# measured part of docs/gpu.md) and DIR/gpu-check.tgz (OUT, without the
# generated traces), so that a call cut off at its limit still brings back
# what it did (the device tool's $OUT: 8 files at most).
#
# Exit: 0 when every step passed, else the first failing step's exit.

# the step_* functions run through `timeout bash -c` (exported), which shellcheck cannot see
# shellcheck disable=SC2317
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/results/gpu-check-$(date +%Y%m%d-%H%M%S)}
[ $# -gt 0 ] && shift
ret=${GPU_CHECK_RETURN:-}
step_s=${GPU_CHECK_STEP_S:-300}
cfg=${GPU_CHECK_CONFIG:-}
steps=${GPU_CHECK_STEPS:-info,tests,kernels,coopmat,tiled4,vendor,ci${cfg:+,config},cpu}
if [ -n "${GPU_CHECK_BUDGET:-}" ] && ! [[ $GPU_CHECK_BUDGET =~ ^[0-9]+[smh]?$ ]]; then
	echo "gpu-check: GPU_CHECK_BUDGET='$GPU_CHECK_BUDGET' is not N, Ns, Nm or Nh" >&2
	exit 2
fi

cd "$top" || exit 1
if [ -x .gpu-bundle/bin/gbench ]; then
	bin=$top/.gpu-bundle/bin
	tbin=$bin
	from="prebuilt (.gpu-bundle)"
else
	make -s -j"$(nproc)" BUILD=build all build/tests/test-vulkan build/tests/test-vk-host \
		build/tests/test-vk-matmul build/tests/test-vk-ops build/gemm-bench || exit 1
	bin=$top/build
	tbin=$top/build/tests
	from="built here ($(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown))"
fi
export GBENCH="$bin/gbench"
mkdir -p "$out" || exit 1
[ -z "$ret" ] || mkdir -p "$ret" || exit 1
: > "$out/steps.txt"
first_rc=0
{
	echo "gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), binaries $from:" \
		"$("$GBENCH" --version 2>&1 | head -n 1)"
	echo "gpu-check: steps $steps; VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
} | tee "$out/header.txt"

# targets.txt (scripts/gpu-targets.py: the issues' bounds against what has been
# measured so far), and summary.txt and the tarball for GPU_CHECK_RETURN, after every step
bring_back() {
	python3 scripts/gpu-targets.py "$out" > "$out/targets.txt" 2>&1
	[ -n "$ret" ] || return 0
	{
		cat "$out/header.txt" "$out/steps.txt"
		for f in targets.txt kernels/kernels.txt coopmat/kernels.txt coopmat1/kernels.txt tiled4/kernels.txt vendor.txt ci.txt config.txt cpu.txt; do
			if [ -s "$out/$f" ]; then echo "== $f"; cat "$out/$f"; fi
		done
	} > "$ret/summary.txt.tmp" && mv "$ret/summary.txt.tmp" "$ret/summary.txt"
	# docs/gpu.md's measured part, ready to copy (scripts/gpu-doc.py)
	python3 scripts/gpu-doc.py "$out" > "$ret/gpu.md.tmp" && mv "$ret/gpu.md.tmp" "$ret/gpu.md"
	# tar's 1: a file changed while read (a stopped run's last writes)
	tar -C "$(dirname "$out")" --exclude=traces -czf "$ret/gpu-check.tgz.tmp" \
		"$(basename "$out")"
	[ $? -le 1 ] && mv "$ret/gpu-check.tgz.tmp" "$ret/gpu-check.tgz"
}

# step NAME LIMIT_S COMMAND...: run it with a limit, record its exit and time
step() {
	local name=$1 limit=$2 t0 rc
	shift 2
	case ",$steps," in *",$name,"*) ;; *) return 0 ;; esac
	echo "gpu-check: -- $name"
	t0=$(date +%s)
	timeout --kill-after=10 "$limit" "$@"
	rc=$?
	if [ "$rc" -eq 124 ]; then
		# its processes got SIGTERM: an interrupted run writes what it has
		echo "gpu-check: $name stopped at its limit of $limit s"
		sleep 5
	fi
	printf 'step %-8s exit %3d  %5d s\n' "$name" "$rc" "$(($(date +%s) - t0))" |
		tee -a "$out/steps.txt"
	[ "$rc" -ne 0 ] && [ "$first_rc" -eq 0 ] && first_rc=$rc
	bring_back
	return 0
}

# The steps (each run by `timeout` in a shell of its own: exported).
step_info() {
	"$GBENCH" info > "$out/info.txt" 2>&1
	local rc=$?
	cat "$out/info.txt"
	return "$rc"
}

step_tests() {
	local rc=0
	for t in test-vulkan test-vk-host test-vk-matmul test-vk-ops; do
		"$tbin/$t" >> "$out/tests.txt" 2>&1 || rc=1
	done
	grep -E '^(not ok|ok .*# SKIP|[0-9]+\.\.[0-9]+)' "$out/tests.txt"
	return "$rc"
}

# The later GEMM tables against the kernels step's ceilings where it measured
# them (else gpu-kernels.sh measures its own).
use_peak() {
	if [ -f "$out/kernels/peak.json" ]; then
		export GPU_KERNELS_PEAK="$out/kernels/peak.json"
	fi
}

step_coopmat() {
	local rc=0
	use_peak
	GB_VK_COOPMAT=1 "$tbin/test-vk-matmul" > "$out/coopmat.txt" 2>&1 || rc=$?
	grep -E '^(not ok|ok [0-9]+ - coopmat)' "$out/coopmat.txt"
	grep -q '^ok [0-9]* - coopmat$' "$out/coopmat.txt" || return "$rc"
	GB_VK_COOPMAT=1 GPU_KERNELS_ONLY=gemm GPU_KERNELS_QUANT=f16,q8,q4 \
		scripts/gpu-kernels.sh "$out/coopmat" || rc=$?
	GB_VK_COOPMAT=1 GB_VK_COOPMAT_PAIRS=0 GPU_KERNELS_ONLY=gemm GPU_KERNELS_QUANT=f16,q8,q4 \
		scripts/gpu-kernels.sh "$out/coopmat1" || rc=$?
	return "$rc"
}

step_tiled4() {
	use_peak
	GB_VK_TILED=v4 GPU_KERNELS_ONLY=gemm scripts/gpu-kernels.sh "$out/tiled4"
}

# step_run NAME CONFIG [gbench run arguments]: a config's run, timed, then its report
# with the tuning tables (--no-report on the run: one report, not two)
step_run() {
	local name=$1 config=$2 t0 rc=0 peak=--no-peak
	shift 2
	# first, so that a run stopped at the step's limit still names its config
	echo "gpu-check: $name: --config $config $* started" > "$out/$name.txt"
	t0=$(date +%s.%N)
	"$GBENCH" run --config "$config" --executor cpu,vulkan --require vulkan --force --no-report \
		--out "$out/$name" "$@" > "$out/$name.log" 2>&1 || rc=$?
	tail -n 30 "$out/$name.log"
	echo "gpu-check: $name: --config $config $* took" \
		"$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" \
		"(exit $rc)" | tee -a "$out/$name.txt"
	[ -f "$out/kernels/peak.json" ] && peak="--peak=$out/kernels/peak.json"
	if [ -f "$out/$name/results.csv" ]; then
		# the report the engineer's command ends with, timed too (gpu-targets.py adds it)
		t0=$(date +%s.%N)
		"$GBENCH" report "$out/$name" --tables "$peak" --out "$out/$name/report" \
			>> "$out/$name.log" 2>&1
		local rrc=$?
		echo "gpu-check: $name: its report took" \
			"$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" \
			"(exit $rrc)" | tee -a "$out/$name.txt"
		[ "$rrc" -ne 0 ] || cat "$out/$name/report/tables.md" >> "$out/$name.txt"
	fi
	return "$rc"
}

step_vendor() {
	python3 scripts/gpu-vendor.py > "$out/vendor.txt" 2>&1
	local rc=$?
	cat "$out/vendor.txt"
	return "$rc"
}

step_cpu() {
	echo "== gemm-bench 1 0.5" && "$bin/gemm-bench" 1 0.5 &&
	echo "== GBENCH_SIMD=avx2 gemm-bench 1 0.5" && GBENCH_SIMD=avx2 "$bin/gemm-bench" 1 0.5
}

# seconds in a duration: N, Ns, Nm or Nh
seconds() {
	[[ $1 =~ ^([0-9]+)([smh]?)$ ]] || return 1
	case ${BASH_REMATCH[2]} in
	h) echo $(( BASH_REMATCH[1] * 3600 )) ;;
	m) echo $(( BASH_REMATCH[1] * 60 )) ;;
	*) echo "${BASH_REMATCH[1]}" ;;
	esac
}

export out bin tbin GBENCH
export -f step_info step_tests use_peak step_coopmat step_tiled4 step_run step_vendor step_cpu
step info "$step_s" bash -c step_info
step tests "$step_s" bash -c step_tests
step kernels "$step_s" scripts/gpu-kernels.sh "$out/kernels"
step coopmat "$step_s" bash -c step_coopmat
step tiled4 "$step_s" bash -c step_tiled4
step vendor "$step_s" bash -c step_vendor
step ci "$step_s" bash -c 'step_run "$@"' _ ci ci "$@"
if [ -n "$cfg" ]; then
	limit=660
	budget=()
	if [ -n "${GPU_CHECK_BUDGET:-}" ]; then
		budget=(--time-budget "$GPU_CHECK_BUDGET")
		limit=$(($(seconds "$GPU_CHECK_BUDGET") + 120))
	fi
	step config "$limit" bash -c 'step_run "$@"' _ config "$cfg" "${budget[@]}"
fi
step cpu "$step_s" bash -c step_cpu > "$out/cpu.txt" 2>&1
echo "gpu-check: done; per step:"
cat "$out/steps.txt"
cat "$out/targets.txt"
echo "gpu-check: files in $out${ret:+; summary.txt and gpu-check.tgz in $ret}"
exit "$first_rc"
