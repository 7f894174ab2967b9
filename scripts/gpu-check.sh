#!/usr/bin/env bash
# gpu-check.sh [OUT] - build gbench, print the vulkan kernels' table against
# the device's measured ceilings (scripts/gpu-kernels.sh, into OUT-kernels),
# then the cooperative-matrix matmul (opt-in until it has run on a GPU:
# GB_VK_COOPMAT=1) checked against the cpu under the validation layer
# (test-vk-matmul) and timed on the GEMM shapes (OUT-kernels-coopmat), then
# run the ci config's vulkan cells on this machine's GPU (an NVIDIA one,
# say), with the CPU alongside for the speedup, and print where the
# results went.
#
# The Vulkan loader (libvulkan.so.1) and the driver's ICD are used as found:
# set VK_DRIVER_FILES (or the older VK_ICD_FILENAMES) to the ICD's JSON when
# the loader does not find it, e.g.
#   VK_DRIVER_FILES=/usr/share/vulkan/icd.d/nvidia_icd.json scripts/gpu-check.sh
# --require vulkan makes a machine without a usable device exit 4 instead of
# quietly measuring nothing. Extra arguments after OUT go to gbench run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/results/gpu-check-$(date +%Y%m%d-%H%M%S)}
[ $# -gt 0 ] && shift

cd "$top"
make -j"$(nproc)" BUILD=build all build/tests/test-vk-matmul
if [ -n "${VK_DRIVER_FILES:-}" ]; then
	echo "gpu-check: VK_DRIVER_FILES=$VK_DRIVER_FILES"
fi
build/gbench info || true
# the kernels against the device's ceilings first (issue 14's table), then the ci config
krc=0
scripts/gpu-kernels.sh "$out-kernels" || krc=$?
crc=0
GB_VK_COOPMAT=1 build/tests/test-vk-matmul > "$out-coopmat-test.txt" 2>&1 || crc=$?
grep -E '^(not ok|ok [0-9]+ - coopmat)' "$out-coopmat-test.txt" || true
if grep -q '^ok [0-9]* - coopmat$' "$out-coopmat-test.txt"; then
	GB_VK_COOPMAT=1 GPU_KERNELS_ONLY=gemm GPU_KERNELS_QUANT=f16,q8,q4 \
		GPU_KERNELS_PEAK="$out-kernels/peak.json" \
		scripts/gpu-kernels.sh "$out-kernels-coopmat" || crc=$?
fi
rc=0
build/gbench run --config ci --executor cpu,vulkan --require vulkan --out "$out" "$@" || rc=$?
echo "gpu-check: kernel table in $out-kernels/kernels.txt (exit $krc); coopmat in" \
	"$out-coopmat-test.txt and $out-kernels-coopmat/kernels.txt (exit $crc); ci results in $out (exit $rc)"
[ "$rc" -ne 0 ] && exit "$rc"
exit "$krc"
