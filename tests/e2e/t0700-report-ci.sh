#!/usr/bin/env bash
# gbench report on a small real ci run: report.md against the golden outline,
# the summary first, findings with a level, time at stake and evidence that
# survive the noise, every chart as PNG and SVG drawn by the real gnuplot
# beside its .dat and .gp (checked for structure: series per panel, ticks,
# units), tables.md (percentile named, cache limits), --baseline bars, the
# usage errors, and the Markdown of `gbench compare` under a PR comment's size.
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
expect_exit 0 "a small ci run for the report" "$GBENCH" run --no-report --config ci --executor cpu \
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
	for c in latency-llm-decode throughput-llm-decode accuracy cache roofline-cpu roofline-ops-cpu bandwidth; do
		check "chart $c drawn" test -s "$rep/$c.png"
	done
	# small multiples: no panel of the latency spectrum holds more than 8 lines
	for gp in "$rep"/latency-*.gp; do
		counts=$(sed -n 's/^array pcount\[[0-9]*\] = \[\(.*\)\]$/\1/p' "$gp" | tr -d ' ')
		check "$(basename "$gp"): panels of at most 8 series ($counts)" \
			bash -c "[ -n '$counts' ] && ! echo '$counts' | tr , '\n' | awk '\$1 > 8 { bad = 1 } END { exit !bad }'"
	done
	# throughput: log axes, ticks exactly at the measured batch sizes
	batches=$(awk -F, 'NR > 1 && $2 == "llm-decode" { print $5 }' "$TMP/r/results.csv" | sort -n -u | paste -sd, | sed 's/,/, /g')
	check "throughput ticks at the measured batch sizes ($batches)" \
		grep -qx "xticlist = '($batches)'" "$rep/throughput-llm-decode.gp"
	check "throughput on a log y axis" grep -qx 'set logscale y' "$rep/throughput-llm-decode.gp"
	# bandwidth in IEC units, cache lines labelled
	check "bandwidth ticks in IEC units" grep -q "^xticlist = '(\"[0-9]* KiB\"" "$rep/bandwidth.gp"
	check "bandwidth cache lines labelled" grep -Eq "^cap1label = 'L1 [0-9.]+ (KiB|MiB)'" "$rep/bandwidth.gp"
	check "accuracy chart draws the NMSE budgets" grep -q "^set label 1 'f32 budget 1e-10'" "$rep/accuracy.gp"
	# a user can redraw a chart from its script
	# the roofline facets by executor and splits cells from op kinds: ~8 series at most
	for gp in "$rep"/roofline-*.gp; do
		ns=$(sed -n 's/^nseries = //p' "$gp"); nc=$(sed -n 's/^nceil = //p' "$gp")
		check "$(basename "$gp"): at most 4 ceilings and 7 series ($nc, $ns)" \
			test -n "$ns" -a -n "$nc" -a "${nc:-9}" -le 4 -a "${ns:-9}" -le 7
	done
	(cd "$rep" && rm -f roofline-cpu.svg roofline-cpu.png && gnuplot roofline-cpu.gp 2> "$TMP/gp.err")
	check "gnuplot roofline-cpu.gp redraws the chart" test -s "$rep/roofline-cpu.png"
else
	skip "charts drawn by gnuplot" "gnuplot is not installed"
fi
check "the speedup chart says why it is absent" grep -q 'Not drawn: this run had no vulkan executor' "$rep/report.md"

check "a finding with a level, time at stake and evidence" \
	grep -Eq '^\| (HIGH|MEDIUM|LOW) \| [a-z0-9-]+ \| [0-9]+ of [0-9]+ \| ([0-9.]+ [mun]?s|-) \| `[^`]+`: [a-z_0-9]+ = ' "$rep/report.md"

# the summary leads: the first section, at most 15 lines, validity and what to do
check "report.md's first section is the summary" \
	bash -c "grep -m1 '^## ' '$rep/report.md' | grep -qx '## Summary'"
awk '/^## Summary/{on=1; next} /^## /{on=0} on && NF' "$rep/report.md" > "$TMP/summary.txt"
check "the summary is at most 15 lines (got $(wc -l < "$TMP/summary.txt"))" test "$(wc -l < "$TMP/summary.txt")" -le 15
check "the summary gives a validity verdict" grep -Eq '^- \*\*Validity:\*\* (trustworthy|read with care): ' "$TMP/summary.txt"
check "the summary names bottlenecks or says none survived" \
	grep -Eq '^- \*\*Top bottlenecks' "$TMP/summary.txt"

# a trace without cache keys gets no advice about a cache (llm-decode has none)
check "no cache finding for a trace without keys" \
	bash -c "! grep -E '^\| [A-Z]+ \| cache-[a-z]+ \|.*\`llm-decode' '$rep/report.md'"
check "tables.md: a keyless trace needs no cache" \
	grep -q '^| llm-decode | - | - | - | none: the trace has no cache keys' "$rep/tables.md"
check "tables.md: beyond the trace's maximum hit rate is not reachable" \
	grep -Eq '^\| vector-search \|.*not reachable: the trace.s maximum hit rate is [0-9]+%' "$rep/tables.md"
# every batch entry names the percentile it was held to: no silent p90 for p99
awk -F'|' '/^\| [a-z-]+ \| (cpu|vulkan) \| (f32|f16|q8|q4) \|/ { for (i = 5; i < NF; i++) print $i }' \
	"$rep/tables.md" > "$TMP/batch-cells.txt"
check "tables.md: batch entries exist" test -s "$TMP/batch-cells.txt"
check "tables.md: every batch entry names p99 or p90" \
	bash -c "! grep -Ev '(p99|p90) [0-9.]+ [mun]?s' '$TMP/batch-cells.txt'"
if grep -q 'p90 [0-9]' "$TMP/batch-cells.txt"; then
	check "tables.md: a p90 entry is explained" grep -q '^Entries marked p90' "$rep/tables.md"
fi

# one outlying repetition makes no finding: quiet every cell's wall_ns, then
# make one repetition of one cell 20 times slower
noisy=vector-search.cpu.b1.f32.c0
cp -r "$TMP/r" "$TMP/rq"
rm -rf "$TMP/rq/report"
awk -F, -v OFS=, -v c="$noisy" '
	NR == 1 { print; next }
	$2 == "wall_ns" { if (!($1 in first)) first[$1] = $4; $4 = first[$1]; if ($1 == c && $3 == 1) $4 = $4 * 20 }
	{ print }' "$TMP/r/samples.csv" > "$TMP/rq/samples.csv"
python3 -c 'import json, sys; p = sys.argv[1]; m = json.load(open(p)); m.pop("manifest", None); json.dump(m, open(p, "w"))' "$TMP/rq/meta.json"
expect_exit 0 "report on a run with one outlying repetition" "$GBENCH" report "$TMP/rq" --peak "$TMP/peak.json"
check "the noise finding names the noisy cell" \
	grep -Eq "^\| HIGH \| noise-high \| 1 of [0-9]+ \| - \| \`$noisy\`" "$TMP/rq/report/report.md"
check "the summary counts the noisy cell and says to read with care" \
	grep -Eq '^- \*\*Validity:\*\* read with care: .*; 1 cell with wall_cv over 20%' "$TMP/rq/report/report.md"
check "its other findings are set aside and counted" \
	grep -Eq '^Set aside: [0-9]+ findings? from 1 cell ' "$TMP/rq/report/report.md"
check "no other finding rests on the noisy cell" \
	bash -c "test -s '$TMP/rq/report/report.md' &&
		 ! grep -E '^\| [A-Z]+ \| [a-z0-9-]+ \|' '$TMP/rq/report/report.md' | grep -v noise-high | grep -q '$noisy'"

# vulkan cells are judged against the device's own ceilings or none
python3 - "$TMP/peak.json" "$TMP/peak-novk.json" <<'PY' || fail "a peak file without vulkan figures"
import json, sys
p = json.load(open(sys.argv[1]))
p["executors"] = {"vulkan": {"note": "no vulkan device (test)"}}
json.dump(p, open(sys.argv[2], "w"))
PY
expect_exit 0 "report with a peak file without vulkan figures" "$GBENCH" report "$TMP/r" \
	--peak "$TMP/peak-novk.json" --out "$TMP/rv"
check "the ceilings say vulkan cells have no roof" \
	grep -q '^| vulkan device | - | not measured (no vulkan device (test)): vulkan cells are not placed' "$TMP/rv/report.md"

# --peak FILE is asked for by name: a file that cannot be used is exit 2 with
# the field named, and no report; a rate no machine measures is such a file
python3 - "$TMP/peak.json" "$TMP/peak-tiny.json" <<'PY' || fail "a peak file with a tiny DRAM rate"
import json, sys
p = json.load(open(sys.argv[1]))
p["bandwidth"]["levels"][3]["read"] = 1e-300
json.dump(p, open(sys.argv[2], "w"))
PY
expect_exit 2 "report with a DRAM read of 1e-300 GB/s exits 2" "$GBENCH" report "$TMP/r" \
	--peak "$TMP/peak-tiny.json" --out "$TMP/rtiny"
check "naming the field" grep -q "peak-tiny.json': bandwidth.levels\[3\].read is not a measured rate" "$TMP/err"
check "and writing no report" test ! -e "$TMP/rtiny"
expect_exit 2 "report with a --peak file that is not there exits 2" "$GBENCH" report "$TMP/r" \
	--peak "$TMP/nope.json" --out "$TMP/rnope"
check "counter rules say why they could not judge" \
	grep -q '| branch-misses | [0-9]* | branch_miss_ratio branch_misses unavailable' "$rep/report.md"
check "roofline placed cells against measured ceilings" grep -Eq '% \((L1|L2|L3|DRAM)\) \|' "$rep/report.md"
check "tables.md: batch, quant and cache tables" bash -c \
	"grep -q '^## Batch size within a latency target' '$rep/tables.md' &&
	 grep -q '^## Quantization within an accuracy budget' '$rep/tables.md' &&
	 grep -q '^## Result-cache capacity for a hit rate' '$rep/tables.md'"
check "tables.md: a Markdown table row" grep -Eq '^\| vector-search \| cpu \| (f32|q4) \|' "$rep/tables.md"
check "tables.md leads with one recommendation per workload" python3 - "$rep/tables.md" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
heads = re.findall(r"^## (.*)$", t, re.M)
rows = re.findall(r"^\| (llm-decode|vector-search) \| (cpu|vulkan), b[0-9]+, (f32|f16|q8|q4), cache [0-9]+ \| [0-9.]+[kM]? req/s \|", t, re.M)
sys.exit(0 if heads and heads[0] == "Recommendation per workload" and sorted(r[0] for r in rows) == ["llm-decode", "vector-search"] else 1)
PY

# --baseline: the run against itself gives ratios of 1
expect_exit 0 "report --baseline exits 0" "$GBENCH" report "$TMP/r" --baseline "$TMP/r" \
	--out "$TMP/rb" --no-peak
check "baseline section" grep -q '^## Baseline' "$TMP/rb/report.md"
check "baseline ratios of 1.000 against itself" grep -q '| 1.000 |' "$TMP/rb/report.md"
if command -v "${GNUPLOT:-gnuplot}" > /dev/null; then
	check "baseline bars drawn" test -s "$TMP/rb/baseline.png"
	check "baseline chart: one panel per metric direction" \
		bash -c "grep -q 'above 1 is faster' '$TMP/rb/baseline.gp' && grep -q 'below 1 is faster' '$TMP/rb/baseline.gp'"
fi
check "--no-peak says why there is no roofline" grep -q 'No measured ceilings: --no-peak was given' "$TMP/rb/report.md"

# without gnuplot the data and scripts are still written, and the report says why
expect_exit 0 "report without gnuplot exits 0" env GNUPLOT=/nonexistent/gnuplot \
	"$GBENCH" report "$TMP/r" --out "$TMP/rn" --no-peak
check "no gnuplot: scripts written" test -s "$TMP/rn/accuracy.gp"
check "no gnuplot: report says why" grep -q 'gnuplot did not run' "$TMP/rn/report.md"

# with a vulkan device: its cells against its own ceilings, the speedup in words
# (lavapipe's own allocations are not ours: no leak detection for this run)
if ASAN_OPTIONS=detect_leaks=0 "$GBENCH" run --no-report --config ci --executor cpu,vulkan --require vulkan --workload llm-decode \
	--batch 1 --quant f32 --cache 0 --repetitions 2,vulkan:3 --out "$TMP/vk" --quiet > "$TMP/out" 2> "$TMP/err"; then
	expect_exit 0 "report on a run with vulkan cells" "$GBENCH" report "$TMP/vk" --peak "$TMP/peak.json"
	check "no time budget: no cell short of a minimum" bash -c "! grep -q 'short of the minimum\|less than their minimum' '$TMP/vk/report/report.md'"
	check "the report gives each executor's repetitions" \
		grep -q ', 2 to 3 measured repetitions per cell (cpu 2; vulkan 3)\. Generated by' "$TMP/vk/report/report.md"
	check "a vulkan cell is placed under the device's roof" \
		grep -Eq '^\| llm-decode\.vulkan\.b1\.f32\.c0 \|.*% \(device\) \|' "$TMP/vk/report/report.md"
	check "the speedup bar says how many times faster or slower" \
		grep -Eq '^"llm-decode b1 f32" [0-9.e+-]+ "[0-9.]+x (faster|slower)"$' "$TMP/vk/report/speedup.dat"
	check "the vulkan roofline draws the device's ceilings" \
		grep -q '^"vulkan device [0-9.]* GB/s, [0-9.]* GFLOP/s"' "$TMP/vk/report/roofline-vulkan.dat"
	check "and none of the host's" bash -c '! grep -q "^\"\(L1\|L2\|L3\|DRAM\) " "$1"' _ "$TMP/vk/report/roofline-vulkan.dat"
	# a pair whose cells replayed other rows (a time budget's windows) has no bar
	python3 - "$TMP/vk/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("manifest", None)   # the files were edited
n = sum(1 for l in open(m["traces"][0]["path"]) if l[:1].isdigit())
m["time_plan"] = {"cells": {"llm-decode.cpu.b1.f32.c0": {"window": 100, "requests": n}}}
json.dump(m, open(sys.argv[1], "w"))
PY
	expect_exit 0 "report on the run with its cpu cell on a window" "$GBENCH" report "$TMP/vk" --peak "$TMP/peak.json" --out "$TMP/vk-win"
	check "no speedup bar for a pair on other rows, and why" \
		grep -q 'Not drawn: every vulkan cell with a cpu cell of the same workload, batch, quant and cache replayed other rows of the trace than it (1 pair; ' "$TMP/vk-win/report.md"
else
	for d in "no cell short" "repetitions per executor" "vulkan cells against the device's roof" "speedup in words" "device ceilings on the roofline" "no bar for a pair on other rows"; do
		skip "$d" "no vulkan device ($(head -n 1 "$TMP/err"))"
	done
fi

# A time budget's plan gives a workload's cells one window of its trace; a
# cell on other rows (short, or a run planned before windows were shared)
# measured other work: tables.md says so for its workload, and the cache's
# effect is not judged against a sibling without a cache on other rows.
check "tables.md: no note on windows where every cell replayed the whole trace" \
	bash -c "! grep -q 'different windows' '$rep/tables.md'"
cp -r "$TMP/r" "$TMP/r-win" && rm -rf "$TMP/r-win/report"
python3 - "$TMP/r-win/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("manifest", None)   # the files were edited
n = {t["name"]: sum(1 for l in open(t["path"]) if l[:1].isdigit()) for t in m["traces"]}
m["time_plan"] = {"cells": {
    # 7 rows: 2.7% of the rows, 1.4% of the FLOPs (norms and softmax cost little)
    "llm-decode.cpu.b1.q4.c0": {"window": 7, "requests": n["llm-decode"]},
    "vector-search.cpu.b1.q4.c0": {"window": 100, "requests": n["vector-search"]},
    # a window as long as the trace is the whole trace
    "vector-search.cpu.b8.q4.c0": {"window": n["vector-search"], "requests": n["vector-search"]}}}
json.dump(m, open(sys.argv[1], "w"))
PY
expect_exit 0 "report --tables of a run with one cell on a window" "$GBENCH" report "$TMP/r-win" --tables --peak "$TMP/peak.json"
check "tables.md names the workload whose cells replayed different rows" \
	grep -Eq '^The cells of llm-decode replayed different windows of its trace, 7 to ([0-9]+) of \1 rows \(a time budget.s plan: meta.json time_plan\): a choice between cells on different rows compares different work\.$' "$TMP/r-win/report/tables.md"
check "and the other, once each" test "$(grep -c 'different windows' "$TMP/r-win/report/tables.md")" = 2
check "a windowed cell's GFLOP/s count the FLOPs of the rows it replayed, not the whole trace's" \
	python3 - "$rep/report.md" "$TMP/r-win/report/report.md" "$TMP/r-win/meta.json" <<'PY'
import csv, json, math, sys
def gflops(path, cell):
    for line in open(path):
        f = [x.strip() for x in line.split("|")]
        if len(f) > 9 and f[1] == cell:
            return float(f[8])
    raise SystemExit(f"{cell} not in {path}")
def flops(r):
    op, m, n, k = r["op"], int(r["m"]), int(r["n"]), int(r["k"])
    return {"matmul": 2 * m * n * k, "topk": 2 * m * n * k, "softmax": 5 * m * n,
            "rmsnorm": 3 * m * n + m, "silu": 4 * m * n, "reduce": m * n,
            "fft": 5 * m * n * math.log2(max(n, 1))}[op]
meta = json.load(open(sys.argv[3]))
cell = "llm-decode.cpu.b1.q4.c0"
w = meta["time_plan"]["cells"][cell]["window"]
path = next(t["path"] for t in meta["traces"] if t["name"] == "llm-decode")
rows = [flops(r) for r in csv.DictReader(l for l in open(path) if not l.startswith("#"))]
share = sum(rows[:w]) / sum(rows)
whole, win = gflops(sys.argv[1], cell), gflops(sys.argv[2], cell)
# the same wall times over the first w rows: GFLOP/s scaled by their share of the FLOPs
assert abs(win / whole - share) <= 0.01 * share + 0.0051 / whole, (whole, win, share)
assert abs(share - w / len(rows)) > 0.2 * share, "the window does not tell FLOPs from rows"
other = "llm-decode.cpu.b1.f32.c0"
assert gflops(sys.argv[1], other) == gflops(sys.argv[2], other)
PY
check "the cache's effect against a sibling on other rows: not judged, and why" \
	grep -q '^| result-cache-speed | 1 | cache_speedup the sibling cell without a cache replayed another window of the trace (meta.json time_plan) |$' "$TMP/r-win/report/report.md"

# compare's Markdown stays under a pull-request comment's 65,536 characters:
# the run's cells copied 30 times over (thousands of rows), every wall_ns of
# the current side 3 times slower; the manifest goes, as the files were edited
big() { # SRC DST FACTOR
	mkdir -p "$2" && cp "$1/meta.json" "$1/accuracy.csv" "$2/" &&
	python3 -c 'import json, sys; p = sys.argv[1]; m = json.load(open(p)); m.pop("manifest", None); json.dump(m, open(p, "w"))' "$2/meta.json" &&
	for f in results.csv samples.csv; do
		awk -F, -v OFS=, -v k="$3" -v f="$f" 'NR == 1 { print; next }
			{ if (f == "samples.csv" && $2 == "wall_ns") $4 = $4 * k; print
			  for (g = 1; g <= 30; g++) { x = $0; sub(/^[^,]*/, $1 ".g" g, x); print x } }' "$1/$f" > "$2/$f"
	done
}
big "$TMP/r" "$TMP/big-a" 1 && big "$TMP/r" "$TMP/big-b" 3
"$GBENCH" compare "$TMP/big-a" "$TMP/big-b" --markdown "$TMP/big.md" > /dev/null 2> "$TMP/err"
check "compare of thousands of rows writes its Markdown" test -s "$TMP/big.md"
check "the Markdown is under 60,000 bytes ($(wc -c < "$TMP/big.md"))" test "$(wc -c < "$TMP/big.md")" -lt 60000
check "the Markdown opens with a summary line" \
	bash -c "sed -n 3p '$TMP/big.md' | grep -Eq '^\*\*[0-9]+ gating regressions?, [0-9]+ inconclusive, '"
check "the Markdown counts the rows it cut" \
	grep -Eq '^[0-9]+ rows? not shown \([0-9]+ gating\) to keep this under' "$TMP/big.md"
awk -F' [|] ' '/^\| (REGRESSION|inconclusive|improvement|missing|unchanged)/ { print $1 }' "$TMP/big.md" |
	sed 's/^| //' | uniq > "$TMP/verdict-order.txt"
check "gating regressions first, then inconclusive ($(paste -sd' ' "$TMP/verdict-order.txt"))" \
	bash -c "head -n 2 '$TMP/verdict-order.txt' | paste -sd' ' | grep -Eq '^(REGRESSION inconclusive|REGRESSION|inconclusive)'"
done_testing
