#!/usr/bin/env bash
# gbench export --format hlog (issue 20, item 8): every cell's latency
# histogram as a tagged interval of HdrHistogram's histogram log, checked
# against the real consumer: HdrHistogram's own HistogramLogProcessor (Debian's
# libhdrhistogram-java) decodes each cell's interval and prints its percentile
# distribution, which must equal the cell's hist/<cell>.hgrm line for line
# (every count the same; the footer's Mean differs by design: gbench's is the
# exact mean, HdrHistogram's the mean of bucket middles). Results without
# hist/*.hlog (an older gbench's) are refused, not approximated.
. "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1

expect_exit 0 "a short run" "$GBENCH" run --config ci --workload llm-decode,vector-search --executor cpu \
	--quant f32,q8 --repetitions 3 --processes 1 --no-report --quiet --out "$TMP/r"
check "the run writes hist/<cell>.hlog beside every .hgrm" bash -c '
	n=0; for h in "$1"/hist/*.hgrm; do test -s "${h%.hgrm}.hlog" || exit 1; n=$((n + 1)); done; test $n -gt 0' _ "$TMP/r"
check "and names them in meta.json's manifest" grep -q '"hist/llm-decode.cpu.b1.f32.c0.hlog"' "$TMP/r/meta.json"

expect_exit 0 "hlog exits 0" "$GBENCH" export --format hlog "$TMP/r" -o "$TMP/all.hlog"
check "header of log format 1.3 with the run's StartTime" bash -c '
	head -n1 "$1" | grep -qx "#\[Histogram log format version 1.3\]" &&
	sed -n 2p "$1" | grep -qE "^#\[StartTime: [0-9]+\.000 \(seconds since epoch\), " &&
	sed -n 3p "$1" | grep -qx "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""' _ "$TMP/all.hlog"
ncells=$(ls "$TMP"/r/hist/*.hgrm | wc -l)
check "one interval per cell, tagged with its id" \
	test "$(grep -cE '^Tag=[A-Za-z0-9._-]+,[0-9.]+,[0-9.]+,[0-9.]+,HISTF[A-Za-z0-9+/=]+$' "$TMP/all.hlog")" -eq "$ncells"

jar=/usr/share/java/hdrhistogram.jar
if ! command -v java > /dev/null || [ ! -f "$jar" ]; then
	skip "HdrHistogram's HistogramLogProcessor reads every cell back" \
		"no java or no $jar (libhdrhistogram-java, default-jre-headless: make deps)"
else
	bad=""
	for h in "$TMP"/r/hist/*.hgrm; do
		id=$(basename "$h" .hgrm)
		java -cp "$jar" org.HdrHistogram.HistogramLogProcessor -i "$TMP/all.hlog" -tag "$id" \
			-outputValueUnitRatio 1 -o "$TMP/hp" > "$TMP/java.log" 2>&1 || { bad="$bad $id(exit)"; continue; }
		# the distribution and the Max/Total and Buckets lines, all but Mean
		diff <(grep -v -e '^#\[Overall' -e '^#\[StartTime' -e '^#\[Mean' "$TMP/hp.hgrm") \
			<(grep -v '^#\[Mean' "$h") > /dev/null || bad="$bad $id"
	done
	check "HdrHistogram's HistogramLogProcessor reads every cell back to its .hgrm${bad:+ (differ:$bad)}" test -z "$bad"
fi

expect_exit 0 "to stdout with -o -" "$GBENCH" export --format hlog "$TMP/r" -o -
check "the same bytes" cmp -s "$TMP/out" "$TMP/all.hlog"

cp -r "$TMP/r" "$TMP/old"
rm "$TMP"/old/hist/*.hlog
expect_exit 2 "results without hist/*.hlog (an older gbench's) exit 2" \
	"$GBENCH" export --format hlog "$TMP/old" -o "$TMP/old.hlog"
check "saying the .hgrm cannot be turned back into counts" grep -q "cannot be turned back into counts" "$TMP/err"
check "and write nothing" test ! -e "$TMP/old.hlog"
cp -r "$TMP/r" "$TMP/forged"
f=$(ls "$TMP"/forged/hist/*.hlog | head -n1)
sed -i 's/^Tag=\([^,]*\),/Tag=\1,0.000,1,$(id),/' "$f"
expect_exit 2 "an edited .hlog fails meta.json's manifest: exit 2" "$GBENCH" export --format hlog "$TMP/forged"
check "naming the file" grep -q "$(basename "$f").*manifest" "$TMP/err"
python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); del m["manifest"]; json.dump(m, open(sys.argv[1], "w"))' \
	"$TMP/forged/meta.json"
expect_exit 2 "without the manifest, an interval line that is not gbench's exits 2" \
	"$GBENCH" export --format hlog "$TMP/forged"
check "naming the file" grep -q "$(basename "$f"): not an interval of cell" "$TMP/err"

# A cell a time budget replayed over a window of its trace: tagged ID/rows:N.
cp -r "$TMP/r" "$TMP/win"
python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); m.pop("manifest", None)
m["time_plan"] = {"cells": {"llm-decode.cpu.b1.f32.c0": {"window": 7, "requests": 100}}}
json.dump(m, open(sys.argv[1], "w"))' "$TMP/win/meta.json"
expect_exit 0 "hlog of a run with a windowed cell" "$GBENCH" export --format hlog "$TMP/win"
check "tags it llm-decode.cpu.b1.f32.c0/rows:7, the others by their ids" bash -c '
	grep -q "^Tag=llm-decode\.cpu\.b1\.f32\.c0/rows:7,[0-9.]*,[0-9.]*,[0-9.]*,HISTF" "$1" &&
	[ "$(grep -c "/rows:" "$1")" -eq 1 ] && grep -q "^Tag=llm-decode\.cpu\.b1\.q8\.c0," "$1"' _ "$TMP/out"
done_testing
