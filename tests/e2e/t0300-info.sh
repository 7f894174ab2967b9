#!/usr/bin/env bash
# gbench info: the machine from sysfs and /proc, the build, every executor.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "gbench info exits 0" "$GBENCH" info
check "names the CPU model" grep -qE '^  cpu +[^ ]' "$TMP/out"
fam=$(cpuinfo 'cpu family')
mod=$(cpuinfo model)
if [ -n "$fam" ] && [ -n "$mod" ]; then
	check "gives the CPU's signature (family $fam model $mod)" \
		grep -qE "^  signature +.*family $fam model $mod( |\$)" "$TMP/out"
else
	check "says when /proc/cpuinfo gives no x86 signature" grep -qE '^  signature +' "$TMP/out"
fi
cores=$(nproc)
check "counts the online cores" grep -qE "^  cores +$cores online" "$TMP/out"
if [ -d /sys/devices/system/cpu/cpu0/cache/index0 ]; then
	l1=$(cat /sys/devices/system/cpu/cpu0/cache/index0/size)
	check "lists caches from sysfs" grep -qE '^  cache +L1 ' "$TMP/out"
	check "not marked as CPUID's" bash -c "! grep -q 'from CPUID' '$TMP/out'"
elif grep -qE '^  cache +L1 ' "$TMP/out"; then
	# a VM without sysfs caches: the hypervisor's CPUID leaves, said so
	check "lists caches from CPUID, marked so (no sysfs cache here)" \
		bash -c "grep -E '^  cache +L' '$TMP/out' | grep -qv 'from CPUID' && exit 1; exit 0"
	check "and meta.json's source says cpuid" bash -c "'$GBENCH' run --no-report --quiet --executor cpu \
		--workload '$TOP/tests/data/compare/tiny-small.csv' --batch 1 --quant f32 --cache 0 --repetitions 1 \
		--out '$TMP/r' > /dev/null 2>&1 && grep -q '\"source\": \"cpuid\"' '$TMP/r/meta.json'"
else
	skip "lists caches from sysfs or CPUID" "neither sysfs nor CPUID says here"
fi
check "gives the kernel" grep -qE "^  kernel +Linux $(uname -r)" "$TMP/out"
check "gives the compiler" grep -qE '^  compiler +' "$TMP/out"
check "lists the cpu executor" grep -qE '^  cpu +[^ ].*\[cpu\]' "$TMP/out"
check "lists the vulkan executor, available or why not" grep -qE '^  vulkan +' "$TMP/out"
done_testing
