#!/usr/bin/env bash
# SIGINT: the run stops, writes what is done with complete: false, exits 130.
. "$(dirname "$0")/lib.sh"

"$GBENCH" run --config ci --executor cpu --repetitions 50 --out "$TMP/r" --quiet &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 130 ] && ok "exits 130 on SIGINT" || fail "exits 130 on SIGINT (got $rc)"
check "writes meta.json" test -s "$TMP/r/meta.json"
check "with complete: false" python3 -c "import json,sys; sys.exit(json.load(open('$TMP/r/meta.json'))['complete'] is not False)"
check "writes results.csv" test -s "$TMP/r/results.csv"
check "leaves no temp file" bash -c "! ls '$TMP/r' | grep -q '\.tmp\.'"
done_testing
