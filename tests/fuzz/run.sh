#!/usr/bin/env bash
# tests/fuzz/run.sh FUZZ_DIR NAME SECONDS [libFuzzer flags...] - run the
# harness FUZZ_DIR/fuzz-NAME for SECONDS over its seed corpus
# (tests/fuzz/corpus/NAME, read only) and its working corpus
# (FUZZ_DIR/corpus/NAME, where new inputs go and which later runs start
# from), then print one line: executions, rate, coverage, corpus size and
# the findings (crash, leak, oom or timeout files under FUZZ_DIR/crashes/NAME).
# Exit 0 without a finding, 1 with one, 2 when the harness cannot run.
set -u
[ $# -ge 3 ] || { echo "usage: tests/fuzz/run.sh FUZZ_DIR NAME SECONDS [FLAGS...]" >&2; exit 2; }
dir=$1 name=$2 secs=$3
shift 3
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$dir/fuzz-$name seeds=$top/tests/fuzz/corpus/$name
corpus=$dir/corpus/$name crashes=$dir/crashes/$name log=$dir/fuzz-$name.log
[ -x "$bin" ] || { echo "fuzz-$name: no harness at $bin (make fuzz-build)" >&2; exit 2; }
mkdir -p "$corpus" "$crashes" || exit 2
dict=()
[ -f "$top/tests/fuzz/$name.dict" ] && dict=(-dict="$top/tests/fuzz/$name.dict")
touch "$log.start"

# -close_fd_mask=3: the readers' messages (one a bad line) would be most of
# the log; libFuzzer and the sanitizers keep a copy of stderr for theirs.
# -rss_limit_mb: an input that makes a reader allocate gigabytes is a finding.
"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -close_fd_mask=3 \
	-print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" "$@" \
	"$corpus" "$seeds" > "$log" 2>&1
rc=$?

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
runs=$(stat number_of_executed_units) rate=$(stat average_exec_per_sec)
last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
found=$(find "$crashes" -type f -newer "$log.start")
rm -f "$log.start"
summary="fuzz-$name: ${runs:-?} runs in ${secs} s (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
	echo "$summary: no finding"
	exit 0
fi
echo "$summary: FINDING (exit $rc), log $log"
for f in $found; do echo "  $f"; done
grep -m1 -E '^(==[0-9]+==ERROR|.*runtime error|fuzz: invariant broken|==[0-9]+== ERROR: libFuzzer)' "$log" | sed 's/^/  /'
exit 1
