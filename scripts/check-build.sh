#!/usr/bin/env bash
# check-build.sh - build gbench (the library, main, the unit tests, bench/record/)
# at each optimisation level with gcc and clang, warnings as errors, and say
# which configurations fail (issue 22). An optimisation level changes what
# gcc's flow analysis sees: -O1 and -Os have turned a path the code left
# unclear into a -Werror=maybe-uninitialized that the default -O2 build never
# shows, so a new warning is found here rather than by whoever builds with
# other flags.
#
#   scripts/check-build.sh [--quick] [--src DIR] [--out DIR] [-jN]
#
#   full (make check-build): gcc and clang at -O0 -O1 -O2 -O3 -Os, and the
#        sanitizer build with clang (SAN=1 -O1; the suite's own build is gcc's).
#   --quick (tests/e2e/t0050-build.sh, in make test): gcc at -O1, the level
#        where gcc's warnings have differed from the default -O2 build (and
#        from the suite's sanitizer -O1 build: the sanitizers change them).
#        About 20 s on two idle cores; the whole matrix takes about 5 min.
#
# The full matrix builds what `make all tests` builds (bench/record/ and the
# programs the tests record included); the quick form compiles the objects
# of the library, main and the unit tests and links nothing. Without
# shaders: they do not depend on the C compiler. Each configuration builds in
# OUT/<cc><level> (default a fresh temporary folder, removed afterwards);
# a compiler that is not installed is skipped with a line saying so.
# Exit 0 when every configuration built, 1 otherwise (its errors printed).
set -u
quick=0 src=$(cd "$(dirname "$0")/.." && pwd) out="" jobs=-j2
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--src) src=$2; shift ;;
	--out) out=$2; shift ;;
	-j*) jobs=$1 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "check-build: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
keep=1
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/gbench-build-check.XXXXXX") || exit 4
	keep=0
fi
mkdir -p "$out" || exit 4

goals="all tests"
if [ "$quick" = 1 ]; then
	goals=objects
	configs="gcc:-O1"
else
	configs="gcc:-O0 gcc:-O1 gcc:-O2 gcc:-O3 gcc:-Os
	         clang:-O0 clang:-O1 clang:-O2 clang:-O3 clang:-Os clang:san"
fi

failed=0
for c in $configs; do
	cc=${c%%:*} level=${c#*:}
	if ! command -v "$cc" > /dev/null 2>&1; then
		echo "skip $cc $level: $cc is not installed"
		continue
	fi
	if [ "$level" = san ]; then
		dir=$out/$cc-san flags=(SAN=1 OPT=-O1)
	else
		dir=$out/$cc$level flags=(CFLAGS="$level")
	fi
	start=$(date +%s)
	# -k: every object that fails, not only the first.
	if make -C "$src" --no-print-directory -k "$jobs" BUILD="$dir" CC="$cc" "${flags[@]}" \
		GLSLC=/nonexistent/glslc $goals > "$dir.log" 2>&1; then
		echo "ok $cc $level ($(( $(date +%s) - start )) s)"
	else
		echo "FAILED $cc $level (log: $dir.log):"
		grep -E '(error|warning):' "$dir.log" | head -n 20 | sed 's/^/    /'
		failed=1
	fi
done
[ "$keep" = 0 ] && [ "$failed" = 0 ] && rm -rf "$out"
exit $failed
