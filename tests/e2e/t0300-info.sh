#!/usr/bin/env bash
# gbench info: the machine from sysfs and /proc, the build, every executor.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "gbench info exits 0" "$GBENCH" info
check "names the CPU model" grep -qE '^  cpu +[^ ]' "$TMP/out"
cores=$(nproc)
check "counts the online cores" grep -qE "^  cores +$cores online" "$TMP/out"
if [ -d /sys/devices/system/cpu/cpu0/cache/index0 ]; then
	l1=$(cat /sys/devices/system/cpu/cpu0/cache/index0/size)
	check "lists caches from sysfs" grep -qE '^  cache +L1 ' "$TMP/out"
else
	skip "lists caches from sysfs" "no /sys/devices/system/cpu/cpu0/cache here"
fi
check "gives the kernel" grep -qE "^  kernel +Linux $(uname -r)" "$TMP/out"
check "gives the compiler" grep -qE '^  compiler +' "$TMP/out"
check "lists the cpu executor" grep -qE '^  cpu +[^ ].*\[cpu\]' "$TMP/out"
check "lists the vulkan executor, available or why not" grep -qE '^  vulkan +' "$TMP/out"
done_testing
