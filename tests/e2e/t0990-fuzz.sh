#!/usr/bin/env bash
# The fuzz harnesses (tests/fuzz/): build them with clang's libFuzzer, replay
# every saved finding (tests/fuzz/findings/<harness>-*: inputs that once
# crashed a reader, kept so the bug stays fixed), then fuzz each harness for
# FUZZ_SECONDS (default 20), two at a time. ok per harness when nothing
# crashed, leaked, ran out of memory or broke an invariant; not ok with the
# input that did (under $GBENCH_BUILD/fuzz/crashes/). Skipped, with the
# reason, where clang or its libFuzzer runtime is missing.
. "$(dirname "$0")/lib.sh"

cd "$TOP" || exit 2
: "${GBENCH_BUILD:=$TOP/build/san}"
: "${FUZZ_SECONDS:=20}"
names="trace config rules hgrm results import report merge history export peak"
fdir=$GBENCH_BUILD/fuzz

skip_all() {
	for n in $names; do skip "fuzz-$n" "$1"; done
	done_testing
	exit 0
}

cc=${FUZZ_CC:-clang}
command -v "$cc" > /dev/null || skip_all "no $cc (scripts/install-deps.sh installs clang)"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
	'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
	> "$TMP/probe.c"
"$cc" -fsanitize=fuzzer,address,undefined -o "$TMP/probe" "$TMP/probe.c" > "$TMP/probe.log" 2>&1 ||
	skip_all "$cc cannot link -fsanitize=fuzzer (libclang-rt-14-dev missing?)"

# BUILD as the suite's make spelled it (relative to the top): the depfiles
# name their targets that way, and an absolute BUILD would miss every header
# dependency in them and link objects compiled against stale headers.
if make --no-print-directory -C "$TOP" BUILD="${GBENCH_BUILD#"$TOP"/}" FUZZ_CC="$cc" -j"$(nproc)" \
	fuzz-build > "$TMP/build.log" 2>&1; then
	ok "the harnesses build ($fdir)"
else
	fail "the harnesses build"
	grep -E 'error|Error' "$TMP/build.log" | head -n 20 | sed 's/^/#   /'
	done_testing
	exit 0
fi

# The saved findings: each must run through its harness without a crash.
for n in $names; do
	set -- tests/fuzz/findings/"$n"-*
	[ -e "$1" ] || continue
	if "$fdir/fuzz-$n" -rss_limit_mb=2048 -timeout=20 "$@" > "$TMP/replay-$n.log" 2>&1; then
		ok "fuzz-$n: the $# saved findings no longer crash"
	else
		fail "fuzz-$n: a saved finding still crashes"
		grep -E '^Running:|ERROR|runtime error|invariant broken|SUMMARY' "$TMP/replay-$n.log" |
			tail -n 6 | sed 's/^/#   /'
	fi
done

# Fuzz, two harnesses at a time (one per core of the 2-core machine).
set -- $names
while [ $# -gt 0 ]; do
	pids=() batch=()
	for n in "$1" "${2:-}"; do
		[ -n "$n" ] || continue
		tests/fuzz/run.sh "$fdir" "$n" "$FUZZ_SECONDS" > "$TMP/run-$n.out" 2>&1 &
		pids+=($!) batch+=("$n")
	done
	for i in "${!pids[@]}"; do
		n=${batch[$i]}
		if wait "${pids[$i]}"; then
			ok "$(head -n1 "$TMP/run-$n.out")"
		else
			fail "fuzz-$n for ${FUZZ_SECONDS} s"
			sed 's/^/#   /' "$TMP/run-$n.out"
		fi
	done
	shift $(( $# >= 2 ? 2 : 1 ))
done
done_testing
