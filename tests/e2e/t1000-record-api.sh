#!/usr/bin/env bash
# The recording API (workloads/record/gbrecord.h): the example program's
# trace validates, has every op and a stream per thread, and replays; the
# API installs with a pkg-config file a program builds against.
. "$(dirname "$0")/lib.sh"

: "${GBENCH_BUILD:=$TOP/build/san}"
example=$GBENCH_BUILD/record/example

if [ ! -x "$example" ]; then
	fail "$example is built (make tests)"
	done_testing
	exit 0
fi
expect_exit 0 "the example records" "$example" "$TMP/example.csv"
expect_exit 0 "its trace validates" "$GBENCH" validate "$TMP/example.csv"
check "every op is in it" test "$(grep -E '^[0-9]+,' "$TMP/example.csv" | cut -d, -f3 | sort -u | tr '\n' ' ')" = \
	"fft matmul reduce rmsnorm silu softmax topk "
check "a stream per thread, in order" \
	test "$(grep -E '^[0-9]+,' "$TMP/example.csv" | cut -d, -f2 | uniq | tr '\n' ' ')" = "0 1 2 3 "
check "the source the program gave" grep -q '^# source: workloads/record/example.c' "$TMP/example.csv"
expect_exit 0 "it replays on the cpu executor" "$GBENCH" run --no-report --workload "$TMP/example.csv" \
	--executor cpu --batch 1,4 --quant f32 --cache 0,16 --repetitions 2 --warmup 0 \
	--quiet --out "$TMP/r"

build=${GBENCH_BUILD#"$TOP"/}
expect_exit 0 "make install-record PREFIX=tmp" make -C "$TOP" --no-print-directory install-record \
	BUILD="$build" SAN=1 OPT=-O1 PREFIX="$TMP/prefix"
check "installs the header" test -f "$TMP/prefix/include/gbrecord.h"
check "installs the preload library" test -f "$TMP/prefix/lib/gbench/libgbrecord-preload.so"
if ! command -v pkg-config > /dev/null; then
	skip "a program builds with pkg-config gbrecord" "no pkg-config"
else
	flags=$(PKG_CONFIG_PATH="$TMP/prefix/lib/pkgconfig" pkg-config --cflags --libs gbrecord)
	check "pkg-config knows gbrecord" test -n "$flags"
	# shellcheck disable=SC2086
	expect_exit 0 "the example builds against the installed library" \
		cc -std=c11 -Wall -Werror "$TOP/workloads/record/example.c" $flags -pthread -o "$TMP/ex"
	expect_exit 0 "and runs" "$TMP/ex" "$TMP/installed.csv"
	check "writing the same requests" cmp -s <(cut -d, -f2- "$TMP/example.csv" | grep -v '^#') \
		<(cut -d, -f2- "$TMP/installed.csv" | grep -v '^#')
fi
done_testing
