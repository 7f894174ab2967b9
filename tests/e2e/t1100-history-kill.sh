#!/usr/bin/env bash
# A `gbench history add` killed with SIGKILL half way through leaves the
# store as it was: readable, PRAGMA integrity_check ok, the same rows. The
# add commits once, after reading every directory, and it prints a note per
# directory read, so a kill after the fifth note always lands inside the
# transaction (the real baseline runs at the end of the list take seconds
# to read under the sanitizers).
. "$(dirname "$0")/lib.sh"

BL="$TOP/baselines/intel-xeon-2c-llvmpipe-llvm-15-0-6-256-bits/ci"
if ! command -v python3 > /dev/null; then
	skip "killed add" "no python3 to generate the fixtures"
	done_testing
	exit 0
fi
python3 "$TOP/tests/data/history/gen.py" "$BL/run-1" "$TMP/aa" --step 0 --seed 2
python3 "$TOP/tests/data/history/gen.py" "$BL/run-1" "$TMP/more" --step 0 --seed 3 --runs 20
# the fixtures share start times and commits but not meta.json: distinct runs
DB="$TMP/h.sqlite"
expect_exit 0 "a store of 60 runs" "$GBENCH" history add -q --history "$DB" "$TMP"/aa/run-*

counts() { # the rows of each table, as the store itself reads them
	if command -v sqlite3 > /dev/null; then
		sqlite3 "$DB" 'SELECT (SELECT count(*) FROM runs) || " " || (SELECT count(*) FROM points)'
	else
		"$GBENCH" history list --history "$DB" | tail -n 1
	fi
}
before=$(counts)
cp "$DB" "$TMP/before.sqlite"

"$GBENCH" history add --history "$DB" "$TMP"/more/run-* "$BL"/run-1 "$BL"/run-2 "$BL"/run-3 \
	"$BL"/run-1 "$BL"/run-2 "$BL"/run-3 > "$TMP/add.out" 2> "$TMP/add.err" &
pid=$!
for _ in $(seq 1 600); do
	grep -q 'history: 5 of' "$TMP/add.err" && break
	kill -0 $pid 2> /dev/null || break
	sleep 0.05
done
if grep -q 'history: 5 of' "$TMP/add.err" && ! grep -q 'runs added' "$TMP/add.out"; then
	kill -9 $pid
	wait $pid 2> /dev/null
	ok "add killed with SIGKILL inside its transaction"
	check "it left a hot journal" test -e "$DB-journal"
else
	wait $pid
	fail "add was not caught in its transaction"
	sed 's/^/#   /' "$TMP/add.err" | head -n 5
fi

expect_exit 0 "the store opens and lists" "$GBENCH" history list --history "$DB"
check "60 runs, as before" grep -q '^60 runs in' "$TMP/out"
if command -v sqlite3 > /dev/null; then
	check "PRAGMA integrity_check is ok" bash -c "[ \"\$(sqlite3 '$DB' 'PRAGMA integrity_check')\" = ok ]"
	after=$(counts)
	check "the same rows in runs and points ($before -> $after)" [ "$before" = "$after" ]
	check "the same content" bash -c "[ \"\$(sqlite3 '$DB' .dump | md5sum)\" = \"\$(sqlite3 '$TMP/before.sqlite' .dump | md5sum)\" ]"
else
	skip "PRAGMA integrity_check" "no sqlite3 command-line tool (apt-get install sqlite3)"
fi
expect_exit 0 "a later add goes through" "$GBENCH" history add -q --history "$DB" "$TMP"/more/run-*
check "adding the 20 runs" grep -q '^20 runs added' "$TMP/out"
done_testing
