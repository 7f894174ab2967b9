#!/usr/bin/env bash
# gbench synth: same arguments give the same bytes, a different seed a
# different trace, every kind and tier validates, bad usage exits 2.
. "$(dirname "$0")/lib.sh"

differ() { ! cmp -s "$1" "$2"; }

for k in llm-decode llm-prefill vector-search audio-features; do
	expect_exit 0 "synth $k" "$GBENCH" synth --kind "$k" --seed 7 --out "$TMP/$k.a.csv"
	"$GBENCH" synth --kind "$k" --seed 7 --out "$TMP/$k.b.csv"
	check "synth $k twice with one seed gives identical files" cmp -s "$TMP/$k.a.csv" "$TMP/$k.b.csv"
	"$GBENCH" synth --kind "$k" --seed 8 > "$TMP/$k.c.csv"
	check "another seed gives another $k trace" differ "$TMP/$k.a.csv" "$TMP/$k.c.csv"
	check "$k carries its source line" grep -qx "# source: gbench synth --kind $k --tier ci --seed 7" "$TMP/$k.a.csv"
	for m in seed models notes; do
		check "$k carries '# $m:'" grep -q "^# $m: " "$TMP/$k.a.csv"
	done
	expect_exit 0 "$k validates" "$GBENCH" validate "$TMP/$k.a.csv"
	for t in low-end mid-range high-end; do
		"$GBENCH" synth --kind "$k" --tier "$t" --out "$TMP/$k.$t.csv"
		expect_exit 0 "$k --tier $t validates" "$GBENCH" validate "$TMP/$k.$t.csv"
	done
done

"$GBENCH" synth --kind vector-search --requests 50 --rate 100 --zipf 1.5 --out "$TMP/vs.csv"
check "--requests sets the number of queries" \
	test "$(grep -c ',topk,' "$TMP/vs.csv")" -eq 50
check "the source line records every option" \
	grep -qx '# source: gbench synth --kind vector-search --tier ci --seed 42 --requests 50 --rate 100 --zipf 1.5' "$TMP/vs.csv"
check "no temp file is left behind" test -z "$(ls "$TMP" | grep '\.tmp\.')"

expect_exit 0 "-h exits 0" "$GBENCH" synth -h
check "-h prints usage on stdout" grep -q '^usage: gbench synth' "$TMP/out"
expect_exit 2 "no --kind exits 2" "$GBENCH" synth
check "usage goes to stderr" grep -q '^usage: gbench synth' "$TMP/err"
expect_exit 2 "an unknown kind exits 2" "$GBENCH" synth --kind nope
check "the kind is named" grep -q "unknown kind 'nope'" "$TMP/err"
expect_exit 2 "an unknown tier exits 2" "$GBENCH" synth --kind llm-decode --tier huge
expect_exit 2 "a bad rate exits 2" "$GBENCH" synth --kind llm-decode --rate -1
expect_exit 2 "a bad seed exits 2" "$GBENCH" synth --kind llm-decode --seed x
expect_exit 2 "a stray argument exits 2" "$GBENCH" synth --kind llm-decode extra
expect_exit 2 "an unwritable --out exits 2" "$GBENCH" synth --kind llm-decode --out "$TMP/no/such/dir/x.csv"
done_testing
