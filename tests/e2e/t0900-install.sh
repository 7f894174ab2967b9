#!/usr/bin/env bash
# make install into a temp prefix; the installed gbench runs from another
# directory with no source tree, shader or config files beside it.
. "$(dirname "$0")/lib.sh"

build=${GBENCH_BUILD#"$TOP"/}
expect_exit 0 "make install PREFIX=tmp" make -C "$TOP" --no-print-directory install \
	BUILD="$build" SAN=1 OPT=-O1 PREFIX="$TMP/prefix"
check "installs the binary" test -x "$TMP/prefix/bin/gbench"
check "installs the configs" test -f "$TMP/prefix/share/gbench/configs/ci.ini"
check "installs the workloads" test -f "$TMP/prefix/share/gbench/workloads/llm-decode.csv"
check "installs the report templates and rules" test -f "$TMP/prefix/share/gbench/reports/rules.tsv"
check "installs the man page" test -s "$TMP/prefix/share/man/man1/gbench.1"
check "whose sections are the installed binary's -h" bash -c \
	"'$TMP/prefix/bin/gbench' compare -h | head -n1 | grep -qF -f - '$TMP/prefix/share/man/man1/gbench.1'"
check "installs the bash completion" test -s "$TMP/prefix/share/bash-completion/completions/gbench"
check "installs the zsh completion" test -s "$TMP/prefix/share/zsh/site-functions/_gbench"
check "installs perf-gate.sh" test -x "$TMP/prefix/share/gbench/perf-gate.sh"
if [ -d "$TOP/baselines" ]; then
	check "installs the baselines" bash -c "cd '$TOP/baselines' && find . -type f | while read -r f; do
		cmp -s \"\$f\" '$TMP/prefix/share/gbench/baselines/'\"\$f\" || exit 1; done"
else
	skip "installs the baselines" "no baselines/ folder in the tree"
fi
mkdir -p "$TMP/elsewhere"
cd "$TMP/elsewhere" || exit 1
unset GBENCH_DATA
expect_exit 0 "the installed gbench runs the ci config from another directory" \
	env -u GBENCH_DATA "$TMP/prefix/bin/gbench" run --config ci --executor cpu \
	--filter 'llm-decode.cpu.b1.q4.c0' --repetitions 2 --quiet --out "$TMP/elsewhere/r"
check "and finds the shipped workload" grep -q '^llm-decode.cpu.b1.q4.c0,' "$TMP/elsewhere/r/results.csv"
expect_exit 0 "the installed gbench reports on it" env -u GBENCH_DATA "$TMP/prefix/bin/gbench" report "$TMP/elsewhere/r" --no-peak
check "with its charts" test -s "$TMP/elsewhere/r/report/report.md"
expect_exit 0 "DESTDIR staging works" make -C "$TOP" --no-print-directory install \
	BUILD="$build" SAN=1 OPT=-O1 PREFIX=/usr/local DESTDIR="$TMP/stage"
check "under DESTDIR" test -x "$TMP/stage/usr/local/bin/gbench"
check "the man page too" test -s "$TMP/stage/usr/local/share/man/man1/gbench.1"
expect_exit 0 "make uninstall" make -C "$TOP" --no-print-directory uninstall \
	BUILD="$build" SAN=1 OPT=-O1 PREFIX="$TMP/prefix"
check "removes what install put there" bash -c "[ -z \"\$(find '$TMP/prefix' -type f)\" ]"
done_testing
