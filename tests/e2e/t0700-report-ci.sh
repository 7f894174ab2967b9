#!/usr/bin/env bash
# gbench report on a small real ci run: report.md against the golden outline,
# findings with a level and evidence, every chart as PNG and SVG drawn by the
# real gnuplot beside its .dat and .gp, tables.md, --baseline bars, and the
# usage errors.
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$TMP/cache"
golden="$TOP/tests/data/report/outline.txt"

expect_exit 0 "report -h exits 0" "$GBENCH" report -h
check "report -h prints usage on stdout" grep -q '^usage: gbench report' "$TMP/out"
expect_exit 2 "report without RESULTS exits 2" "$GBENCH" report
check "usage on stderr" grep -q '^usage: gbench report' "$TMP/err"
expect_exit 2 "report with a bad flag exits 2" "$GBENCH" report --bogus "$TMP"
expect_exit 2 "report of a missing directory exits 2" "$GBENCH" report "$TMP/none"
expect_exit 2 "bad --latency-targets exits 2" "$GBENCH" report "$TMP" --latency-targets 5parsecs

# a small real run: 2 workloads x 2 batches x 2 quants x 2 caches, cpu only
expect_exit 0 "a small ci run for the report" "$GBENCH" run --config ci --executor cpu \
	--workload llm-decode,vector-search --quant f32,q4 --repetitions 2 --out "$TMP/r" --quiet
# small ceilings: the report test is about the report, t0710 checks peak itself
expect_exit 0 "gbench peak --quick for the roofline" "$GBENCH" peak --quick --max-bytes 64000000 \
	--out "$TMP/peak.json"
expect_exit 0 "report --tables exits 0" "$GBENCH" report "$TMP/r" --tables --peak "$TMP/peak.json"
rep="$TMP/r/report"
check "writes report.md" test -s "$rep/report.md"
check "writes tables.md" test -s "$rep/tables.md"
check "leaves no temp file" bash -c "! ls -a '$rep' | grep -q '\.tmp\.'"

grep '^#' "$rep/report.md" > "$TMP/outline.txt"
if [ -n "${GBENCH_UPDATE_GOLDEN:-}" ]; then cp "$TMP/outline.txt" "$golden"; fi
if diff -u "$golden" "$TMP/outline.txt" > "$TMP/outline.diff"; then
	ok "report.md headings match the golden outline"
else
	fail "report.md headings match the golden outline"; sed 's/^/#   /' "$TMP/outline.diff" | head -n 30
fi

if command -v "${GNUPLOT:-gnuplot}" > /dev/null; then
	n=0
	for gp in "$rep"/*.gp; do
		c=${gp%.gp}
		if [ -s "$c.dat" ] && [ -s "$c.svg" ] && [ -s "$c.png" ] &&
		   head -c 8 "$c.png" | od -An -tx1 | grep -q '89 50 4e 47' && grep -q '<svg' "$c.svg"; then
			n=$((n + 1))
		else
			fail "chart $(basename "$c"): .dat, .gp, non-empty .svg and .png"
		fi
	done
	check "at least five charts as PNG and SVG beside .dat and .gp (got $n)" test "$n" -ge 5
	for c in latency-llm-decode throughput-llm-decode accuracy cache roofline bandwidth; do
		check "chart $c drawn" test -s "$rep/$c.png"
	done
	# a user can redraw a chart from its script
	(cd "$rep" && rm -f roofline.svg roofline.png && gnuplot roofline.gp 2> "$TMP/gp.err")
	check "gnuplot roofline.gp redraws the chart" test -s "$rep/roofline.png"
else
	skip "charts drawn by gnuplot" "gnuplot is not installed"
fi
check "the speedup chart says why it is absent" grep -q 'Not drawn: this run had no vulkan executor' "$rep/report.md"

check "a finding with a level and evidence" \
	grep -Eq '^\| (HIGH|MEDIUM|LOW) \| [a-z0-9-]+ \| [0-9]+ of [0-9]+ \| `[^`]+`: [a-z_0-9]+ = ' "$rep/report.md"
check "counter rules say why they could not judge" \
	grep -q '| branch-misses | [0-9]* | branch_miss_ratio branch_misses unavailable' "$rep/report.md"
check "roofline placed cells against measured ceilings" grep -Eq '% \((L1|L2|L3|DRAM)\) \|' "$rep/report.md"
check "tables.md: batch, quant and cache tables" bash -c \
	"grep -q '^## Batch size within a latency target' '$rep/tables.md' &&
	 grep -q '^## Quantization within an accuracy budget' '$rep/tables.md' &&
	 grep -q '^## Result-cache capacity for a hit rate' '$rep/tables.md'"
check "tables.md: a Markdown table row" grep -Eq '^\| vector-search \| cpu \| (f32|q4) \|' "$rep/tables.md"

# --baseline: the run against itself gives ratios of 1
expect_exit 0 "report --baseline exits 0" "$GBENCH" report "$TMP/r" --baseline "$TMP/r" \
	--out "$TMP/rb" --no-peak
check "baseline section" grep -q '^## Baseline' "$TMP/rb/report.md"
check "baseline ratios of 1.000 against itself" grep -q '| 1.000 |' "$TMP/rb/report.md"
if command -v "${GNUPLOT:-gnuplot}" > /dev/null; then
	check "baseline bars drawn" test -s "$TMP/rb/baseline.png"
fi
check "--no-peak says why there is no roofline" grep -q 'No measured ceilings: --no-peak was given' "$TMP/rb/report.md"

# without gnuplot the data and scripts are still written, and the report says why
expect_exit 0 "report without gnuplot exits 0" env GNUPLOT=/nonexistent/gnuplot \
	"$GBENCH" report "$TMP/r" --out "$TMP/rn" --no-peak
check "no gnuplot: scripts written" test -s "$TMP/rn/accuracy.gp"
check "no gnuplot: report says why" grep -q 'gnuplot did not run' "$TMP/rn/report.md"
done_testing
