#!/usr/bin/env bash
# SIGINT: the run stops, writes what is done with complete: false, exits 130.
. "$(dirname "$0")/lib.sh"

"$GBENCH" run --config ci --executor cpu --repetitions 50 --out "$TMP/r" --quiet --no-report \
	2> "$TMP/r.err" &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 130 ] && ok "exits 130 on SIGINT" || fail "exits 130 on SIGINT (got $rc)"
check "writes meta.json" test -s "$TMP/r/meta.json"
check "with complete: false" python3 -c "import json,sys; sys.exit(json.load(open('$TMP/r/meta.json'))['complete'] is not False)"
check "writes results.csv" test -s "$TMP/r/results.csv"
# one line says so, even with --quiet; no line of 'nan req/s' per unmeasured cell
check "says it was interrupted, in one line" grep -q \
	"^gbench run: interrupted after [0-9.]* s ([0-9]* of 64 cells measured); partial results in $TMP/r (complete: false)$" "$TMP/r.err"
check "prints no 'nan'" bash -c "! grep -qi nan '$TMP/r.err'"
check "and nothing else on stderr with --quiet" [ "$(wc -l < "$TMP/r.err")" -eq 1 ]
check "leaves no temp file" bash -c "! ls '$TMP/r' | grep -q '\.tmp\.'"
done_testing
