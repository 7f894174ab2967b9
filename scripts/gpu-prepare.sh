#!/usr/bin/env bash
# gpu-prepare.sh - make, here, the folder a lent GPU machine needs to run
# scripts/gpu-check.sh (issues 14 and 15), and print the call to make there.
#
# A lent GPU machine has the NVIDIA driver but no package registry, no
# Vulkan loader and none of gbench's libraries, so nothing can be built
# there: everything is built here (Debian 12, x86-64) and carried.
# ../shared/tools/gpu-bundle.sh (the workplace's tool; GPU_BUNDLE_TOOL
# overrides the path) makes .gpu-bundle/ with the release gbench, its
# libraries, the loader, glvnd and the Khronos validation layer, and an
# env.sh to source there. This adds what gpu-check.sh runs besides gbench:
# the Vulkan tests (each kernel against the cpu under the validation layer)
# and gemm-bench (the host CPU's GEMM against OpenBLAS), with any library
# they link that the bundle lacks, and packs it all into .gpu-bundle.tgz,
# the one file to carry. gpu-check.sh takes its binaries from .gpu-bundle/bin
# when it is there.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tool=${GPU_BUNDLE_TOOL:-$top/../shared/tools/gpu-bundle.sh}
[ -f "$tool" ] || { echo "gpu-prepare: no bundle tool at $tool (set GPU_BUNDLE_TOOL)" >&2; exit 2; }
git diff --quiet HEAD 2>/dev/null ||
	echo "gpu-prepare: warning: uncommitted changes: the figures will name commit $(git rev-parse --short=12 HEAD)-dirty" >&2
bash "$tool"
B=$top/.gpu-bundle
[ -x "$B/bin/gbench" ] || { echo "gpu-prepare: $tool made no $B/bin/gbench" >&2; exit 1; }

bins="build/tests/test-vulkan build/tests/test-vk-host build/tests/test-vk-matmul
build/tests/test-vk-ops build/gemm-bench"
# shellcheck disable=SC2086 # one word a binary
make -s -j"$(nproc)" BUILD=build $bins
for b in $bins; do
	cp "$b" "$B/bin/"
	for l in $(ldd "$b" | awk '/=> \//{print $3}'); do
		case $(basename "$l") in
		libc.so*|libm.so*|libpthread*|libdl*|librt.so*|ld-linux*) ;;
		*) [ -e "$B/lib/$(basename "$l")" ] || cp -L "$l" "$B/lib/" ;;
		esac
	done
done
# every binary finds every library it links inside the bundle
for b in "$B"/bin/*; do
	missing=$(LD_LIBRARY_PATH=$B/lib ldd "$b" | awk '/not found/{print $1}')
	[ -z "$missing" ] || { echo "gpu-prepare: $b: $missing not found" >&2; exit 1; }
done
# One compressed file travels (the bundle is 78 MiB, OpenBLAS and the
# validation layer most of it; gzip, which every machine has, makes it ~26)
grep -qx '/.gpu-bundle.tgz' .git/info/exclude 2>/dev/null || echo '/.gpu-bundle.tgz' >> .git/info/exclude
tar -czf .gpu-bundle.tgz.tmp .gpu-bundle && mv .gpu-bundle.tgz.tmp .gpu-bundle.tgz
tgz=$(stat -c %s .gpu-bundle.tgz)
tree=$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- | tail -n 1 | cut -f1)
echo "gpu-prepare: .gpu-bundle.tgz $((tgz >> 20)) MiB; the working tree beside it $((tree >> 20)) MiB" \
	"(64 MiB may travel in all)"
[ $((tgz + tree)) -lt $((60 << 20)) ] ||
	{ echo "gpu-prepare: too large to travel" >&2; exit 1; }
cat <<'EOF'
gpu-prepare: the device call, carrying .gpu-bundle.tgz ($OUT brings back summary.txt and gpu-check.tgz):
  tar -xzf .gpu-bundle.tgz && . .gpu-bundle/env.sh && GPU_CHECK_RETURN=$OUT scripts/gpu-check.sh /tmp/gc
  (GPU_CHECK_CONFIG=high-end [GPU_CHECK_BUDGET=6m] adds the tier's run; GPU_CHECK_STEPS picks steps)
EOF
