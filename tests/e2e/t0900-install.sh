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
done_testing
