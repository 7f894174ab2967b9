#!/usr/bin/env bash
# gbench compare on bad input: exit 2 with the reason; usage errors exit 2.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/t"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/t/tiny.csv"
expect_exit 0 "a small run" "$GBENCH" run --quiet --executor cpu --batch 1 --quant f32 --cache 0 \
	--repetitions 3 --workload "$TMP/t/tiny.csv" --out "$TMP/a"

expect_exit 0 "-h exits 0" "$GBENCH" compare -h
check "usage on stdout" grep -q '^usage: gbench compare' "$TMP/out"
expect_exit 2 "one argument exits 2" "$GBENCH" compare "$TMP/a"
check "saying why" grep -q 'needs BASELINE and CURRENT' "$TMP/err"
expect_exit 2 "three arguments exit 2" "$GBENCH" compare "$TMP/a" "$TMP/a" "$TMP/a"
expect_exit 2 "a bad threshold exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --threshold 5
check "saying why" grep -q "bad threshold '5'" "$TMP/err"
expect_exit 2 "a bad alpha exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --alpha 2
expect_exit 2 "too few resamples exit 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --resamples 100
expect_exit 2 "an unknown option exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --frob
expect_exit 2 "a missing directory exits 2" "$GBENCH" compare "$TMP/nope" "$TMP/a"
check "naming it" grep -q "$TMP/nope" "$TMP/err"
expect_exit 2 "a gating metric no side has exits 2" "$GBENCH" compare "$TMP/a" "$TMP/a" --metric wal_ns
check "naming it" grep -q "metric 'wal_ns'" "$TMP/err"

cp -r "$TMP/a" "$TMP/bad"
printf 'not,a,results,file\n1,2,3,4\n' > "$TMP/bad/results.csv"
expect_exit 2 "a malformed results.csv exits 2" "$GBENCH" compare "$TMP/bad" "$TMP/a"
check "naming the missing column" grep -q "missing column 'cell'" "$TMP/err"

cp -r "$TMP/a" "$TMP/bad2"
sed -i '3s/,[0-9.e+]*$/,twelve/' "$TMP/bad2/samples.csv"
expect_exit 2 "a bad sample value exits 2" "$GBENCH" compare "$TMP/a" "$TMP/bad2"
check "naming file:line" grep -q "samples.csv:3: bad value 'twelve'" "$TMP/err"

cp -r "$TMP/a" "$TMP/schema"
sed -i 's/"schema": 1/"schema": 2/' "$TMP/schema/meta.json"
expect_exit 2 "another results schema exits 2" "$GBENCH" compare "$TMP/a" "$TMP/schema"
check "saying so" grep -q 'results schema 2' "$TMP/err"

cp -r "$TMP/a" "$TMP/json"
echo '{ "schema": 1,' > "$TMP/json/meta.json"
expect_exit 2 "a malformed meta.json exits 2" "$GBENCH" compare "$TMP/json" "$TMP/a"
check "naming it" grep -q 'meta.json:' "$TMP/err"

cp -r "$TMP/a" "$TMP/other"
sed -i 's/tiny\.cpu/renamed.cpu/' "$TMP/other/results.csv" "$TMP/other/samples.csv" "$TMP/other/accuracy.csv"
expect_exit 2 "results with no cell in common exit 2" "$GBENCH" compare "$TMP/a" "$TMP/other"
check "saying so" grep -q 'share no cell' "$TMP/err"

expect_exit 3 "3 repetitions a side are inconclusive" "$GBENCH" compare "$TMP/a" "$TMP/a"
check "saying why" grep -q 'need 10 a side' "$TMP/out"
done_testing
