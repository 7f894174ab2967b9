# lib.sh - shared by the end-to-end scripts tests/e2e/tNNNN-<cmd>-<what>.sh.
# Each script prints TAP: ok / not ok / ok # SKIP, counted by tests/run.sh.
set -u
: "${GBENCH:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/san/gbench}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export GBENCH_DATA="$TOP"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gbench-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
_n=0

ok()   { _n=$((_n + 1)); echo "ok $_n - $*"; }
fail() { _n=$((_n + 1)); echo "not ok $_n - $*"; }
skip() { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# expect_exit CODE DESCRIPTION COMMAND...: ok when the command exits with CODE
expect_exit() {
	local want=$1 d=$2 rc; shift 2
	"$@" > "$TMP/out" 2> "$TMP/err"; rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$d"; else
		fail "$d (exit $rc, wanted $want)"; sed 's/^/#   /' "$TMP/err" | head -n 20
	fi
}
done_testing() { echo "1..$_n"; }
# cpuinfo FIELD: the first processor's FIELD in /proc/cpuinfo ("cpu family", "model"), or nothing
cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -n 1; }
