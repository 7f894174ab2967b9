#!/usr/bin/env bash
# gbench run and what it leaves: the children of a processes = N run die
# with their parent (kill -9 of the parent leaves none running) and the
# next run removes the folder they wrote into; a second run into an --out
# that another run holds is refused at once (exit 4) naming its pid; an
# --out that cannot be written is refused before anything is measured.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/t" "$TMP/tmp"
cp "$TOP/tests/data/compare/tiny-small.csv" "$TMP/t/tiny.csv"
cell=(--executor cpu --batch 1 --quant f32 --cache 0 --workload "$TMP/t/tiny.csv")
export TMPDIR="$TMP/tmp"   # where a shared run keeps its children's folders

# running PID: the process exists and is not a zombie
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# --- kill -9 of a processes = 3 run: no child left running, its folder reclaimed
"$GBENCH" run --no-report "${cell[@]}" --quiet --repetitions 6000 --processes 3 --out "$TMP/killed" \
	> /dev/null 2>&1 &
pid=$!
child=
for _ in $(seq 1 600); do
	child=$(pgrep -P "$pid" | head -n 1)
	[ -n "$child" ] && break
	sleep 0.1
done
check "the shared run starts a child process" test -n "$child"
kill -9 "$pid"
wait "$pid" 2> /dev/null
for _ in $(seq 1 30); do running "${child:-0}" || break; sleep 0.1; done
if [ -n "$child" ] && running "$child"; then
	fail "the child dies with its parent (pid $child still running)"
else
	ok "the child dies with its parent"
fi
check "no gbench left writing into the children's folder" bash -c "! pgrep -f '$TMP/tmp/[g]bench-run' > /dev/null"
[ -n "$child" ] && kill -9 "$child" 2> /dev/null
check "the killed run's folder is left behind" test -n "$(ls "$TMP/tmp")"
mkdir "$TMP/tmp/gbench-run.$$.live"     # a live process's folder: not to be touched
expect_exit 0 "the next run" "$GBENCH" run --no-report "${cell[@]}" --quiet --repetitions 3 --out "$TMP/next"
check "removes it" test -z "$(find "$TMP/tmp" -mindepth 1 -maxdepth 1 ! -name "gbench-run.$$.live")"
check "saying so in one line" grep -q "removed '$TMP/tmp/gbench-run\.$pid\..*': .*process $pid, which is gone" "$TMP/err"
check "and leaves a live process's folder" test -d "$TMP/tmp/gbench-run.$$.live"

# --- two runs into one --out: the second is refused at once, naming the first
"$GBENCH" run --no-report "${cell[@]}" --repetitions 20000 --out "$TMP/same" > /dev/null 2> "$TMP/first.err" &
first=$!
for _ in $(seq 1 600); do grep -q 'results to' "$TMP/first.err" && break; sleep 0.1; done
check "the first run is measuring" grep -q 'results to' "$TMP/first.err"
expect_exit 4 "a second run into the same --out is refused (exit 4)" \
	"$GBENCH" run --no-report "${cell[@]}" --repetitions 3 --out "$TMP/same"
check "naming the first one's pid" grep -q "'$TMP/same' is in use by another gbench (pid $first" "$TMP/err"
check "before measuring anything" bash -c "! grep -q 'results to' '$TMP/err'"
kill -INT "$first"
wait "$first"; rc=$?
check "the first run ends as interrupted (exit $rc)" test "$rc" -eq 130
check "with its results" test -s "$TMP/same/results.csv"
check "and takes its lock file away" test ! -e "$TMP/.same.lock"
expect_exit 0 "the --out is free again" "$GBENCH" run --no-report "${cell[@]}" --quiet --repetitions 3 --force --out "$TMP/same"

# --- an --out that cannot be written: refused before measuring (exit 4)
touch "$TMP/file"
expect_exit 4 "a file in place of --out's parent is refused" \
	"$GBENCH" run --no-report "${cell[@]}" --repetitions 3 --out "$TMP/file/r"
check "before measuring anything" bash -c "! grep -q 'results to' '$TMP/err'"
# (an existing file as --out is a usage error, exit 2: issue 20 item 7)
expect_exit 2 "a file in place of --out is refused" \
	"$GBENCH" run --no-report "${cell[@]}" --repetitions 3 --out "$TMP/file"
check "saying it is not a folder" grep -q "'$TMP/file' is an existing file, not a folder" "$TMP/err"
check "before measuring anything" bash -c "! grep -q 'results to' '$TMP/err'"

# Read-only: root writes through permissions, so a read-only bind mount.
mkdir -p "$TMP/ro/old" "$TMP/rw/old"
if mount --bind "$TMP/ro" "$TMP/ro" 2> /dev/null; then
	trap 'umount "$TMP/rw/old" 2> /dev/null; umount "$TMP/ro" 2> /dev/null; rm -rf "$TMP"' EXIT
	mount -o remount,bind,ro "$TMP/ro"
	mount --bind "$TMP/rw/old" "$TMP/rw/old" && mount -o remount,bind,ro "$TMP/rw/old"
	expect_exit 4 "--out in a read-only folder is refused" \
		"$GBENCH" run --no-report "${cell[@]}" --repetitions 3 --out "$TMP/ro/new"
	check "saying why" grep -q 'Read-only file system' "$TMP/err"
	check "before measuring anything" bash -c "! grep -q 'results to' '$TMP/err'"
	expect_exit 4 "a read-only --out folder is refused" \
		"$GBENCH" run --no-report "${cell[@]}" --repetitions 3 --out "$TMP/rw/old"
	check "saying why" grep -q "cannot write into '$TMP/rw/old': Read-only file system" "$TMP/err"
	check "before measuring anything" bash -c "! grep -q 'results to' '$TMP/err'"
	check "leaving no lock file" test ! -e "$TMP/rw/.old.lock"
	umount "$TMP/rw/old"
	umount "$TMP/ro"
else
	skip "read-only --out" "cannot bind-mount here (not root?)"
fi
done_testing
