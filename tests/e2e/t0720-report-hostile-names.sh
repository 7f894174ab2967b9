#!/usr/bin/env bash
# Names are data, never commands (issue 21): a trace whose file name holds a
# newline and gnuplot's system(...) is refused by run with exit 2; a legal
# but hostile name (quotes, backquotes, | < & * _ [ ]) goes through run,
# report and compare without running anything; hand-edited results
# (meta.json, results.csv) with such names in the workload, device, config
# and cell fields run nothing either. Every payload would create $MARK;
# report.md and compare's Markdown keep their tables and code spans whole,
# and the JUnit XML parses.
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$TMP/cache"
export MARK="$TMP/PWNED"   # the payloads say $MARK: gnuplot's shell expands it
nl=$'\n'
run_quick() {   # run_quick OUT WORKLOAD
	"$GBENCH" run --config ci --executor cpu --workload "$2" --quant f32 --batch 1 \
		--repetitions 2 --out "$1" --quiet
}
no_mark() { check "$1: nothing ran (no marker)" test ! -e "$MARK"; rm -f "$MARK"; }

# report.md and compare's Markdown: every table row has its header's cells,
# every code span closes, no raw HTML; python3 reads it the CommonMark way.
md_check() {
	python3 - "$1" <<'EOF'
import re, sys
bad = []
ncols = None
for n, line in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
    line = line.rstrip("\n")
    out, i, spans = [], 0, 0
    while i < len(line):        # strip escapes and code spans, leaving structure
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            out.append("E"); i += 2; continue
        if c == "`":
            j = i
            while j < len(line) and line[j] == "`": j += 1
            fence = line[i:j]
            m = re.compile(r"(?<!`)" + fence + r"(?!`)").search(line, j)
            if not m:
                bad.append(f"line {n}: a code span opened by {fence} never closes")
                break
            body = line[j:m.start()].replace("\\|", "")
            if "|" in body and line.startswith("|"):
                bad.append(f"line {n}: a | inside a code span splits the table cell")
            out.append("C"); i = m.end(); spans += 1; continue
        out.append(c); i += 1
    text = "".join(out)
    if re.search(r"<[A-Za-z/!?]", text) and not text.startswith("<details") and not text.startswith("</details"):
        bad.append(f"line {n}: raw HTML: {line[:80]}")
    if text.startswith("|"):
        cells = text.count("|")
        if re.match(r"^\|(\s*:?-+:?\s*\|)+$", text):
            ncols = cells
        elif ncols is not None and cells != ncols:
            bad.append(f"line {n}: {cells - 1} cells, the header has {ncols - 1}: {line[:80]}")
    else:
        ncols = None if not text.strip() else ncols
for b in bad[:10]:
    print("#   " + b)
sys.exit(1 if bad else 0)
EOF
}
xml_check() { python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$1"; }
# no line of a gnuplot script or data file is a command a payload made
gp_check() { ! grep -l "^system\|^print(" "$1"/*.gp "$1"/*.dat 2> /dev/null | grep -q .; }

mkdir -p "$TMP/evil"
src="$TOP/workloads/vector-search.csv"

# 1. a newline in a trace's file name: refused where the name enters
p_nl="x${nl}system('touch \$MARK')${nl}#"
cp "$src" "$TMP/evil/$p_nl.csv"
expect_exit 2 "run: a trace named with a newline exits 2" run_quick "$TMP/nl" "$TMP/evil/$p_nl.csv"
check "the error is one line naming the file" bash -c \
	"[ \$(wc -l < '$TMP/err') -eq 1 ] && grep -q \"^gbench run: error: trace '.*evil/x\\\\\\\\nsystem\" '$TMP/err'"
"$GBENCH" report "$TMP/nl" --no-peak > /dev/null 2>&1   # on the old code this ran system()
no_mark "newline trace name, run + report"
cp "$src" "$TMP/evil/tab	name.csv"
expect_exit 2 "run: a trace named with a tab exits 2" run_quick "$TMP/tab" "$TMP/evil/tab	name.csv"
expect_exit 2 "validate: the same trace exits 2" "$GBENCH" validate "$TMP/evil/$p_nl.csv"

# 2. a legal but hostile name: quotes for gnuplot's literals, backquotes for
#    its double-quoted strings, Markdown and XML specials
p_bad="a');system('touch \$MARK');print('\"\`touch \$MARK\`\"|<b>&amp;*x*_y_[z](u)\\"
cp "$src" "$TMP/evil/$p_bad.csv"
expect_exit 0 "run: a hostile but printable trace name runs" run_quick "$TMP/bad" "$TMP/evil/$p_bad.csv"
expect_exit 0 "report on it exits 0" "$GBENCH" report "$TMP/bad" --no-peak
no_mark "hostile trace name, run + report"
check "report.md: tables and code spans whole" md_check "$TMP/bad/report/report.md"
check "no command line in the chart scripts and data" gp_check "$TMP/bad/report"
check "chart files have safe names" bash -c \
	"! ls '$TMP/bad/report' | grep -v '^[A-Za-z0-9._+-]*\$' | grep -q ."
if command -v "${GNUPLOT:-gnuplot}" > /dev/null; then
	check "the latency chart of the hostile workload is drawn" \
		bash -c "ls '$TMP/bad/report'/latency-a*.svg > /dev/null 2>&1"
	# a user redrawing a chart by hand runs nothing either
	(cd "$TMP/bad/report" && for g in *.gp; do gnuplot "$g" > /dev/null 2>&1; done)
	no_mark "redrawing every chart with gnuplot"
else
	skip "hostile chart drawn" "gnuplot is not installed"
fi

# 3. hand-edited results: the workload, device, config and commit fields
#    hold the payloads (a newline and system(...), a backquote); the
#    manifest, where there is one, is made to match so the edit is read
edit_results() {   # edit_results DIR CELLS(0|1)
	python3 - "$1" "$2" "$p_nl" "$p_bad" <<'EOF'
import csv, io, json, os, sys
d, cells, p_nl, p_bad = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return "%016x" % h
m = json.load(open(f"{d}/meta.json"))
old = m["traces"][0]["name"]
m["traces"][0]["name"] = p_nl
m["config"]["name"] = p_bad
m.setdefault("build", {})["commit"] = "<c>&`x`|" + p_nl
for e in m.get("executors", {}).values():
    e["device"] = p_bad + p_nl
ren = {}
if cells:   # a cell id with a backquote, one that climbs out of hist/
    ids = list(m["cells"])
    ren = {ids[0]: "../../outside", ids[-1]: "c`touch $MARK`" + p_nl}
    m["cells"] = {ren.get(k, k): v for k, v in m["cells"].items()}
def edit_csv(name, fix):
    p = f"{d}/{name}"
    if not os.path.exists(p):
        return
    rows = list(csv.reader(open(p, newline="")))
    for r in rows[1:]:
        fix(r, rows[0])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    open(p, "w", newline="").write(buf.getvalue())
def res(r, h):
    r[h.index("workload")] = p_nl
    r[h.index("device")] = p_bad + p_nl
    r[0] = ren.get(r[0], r[0])
edit_csv("results.csv", res)
edit_csv("samples.csv", lambda r, h: r.__setitem__(0, ren.get(r[0], r[0])))
edit_csv("accuracy.csv", lambda r, h: r.__setitem__(0, ren.get(r[0], r[0])))
edit_csv("mrc.csv", lambda r, h: r.__setitem__(0, p_nl if r[0] == old else r[0]))
man = m.get("manifest", {}).get("files")
if isinstance(man, dict):
    for f, ent in man.items():
        b = open(f"{d}/{f}", "rb").read()
        ent["size"], ent["fnv1a"] = len(b), fnv(b)
json.dump(m, open(f"{d}/meta.json", "w"), indent=2)
EOF
}
expect_exit 0 "a plain run to edit" run_quick "$TMP/good" vector-search
# a histogram outside the folder, that the cell id ../../outside would reach
sed 's/^\( *\)[0-9.]*/\1987654321.000/' "$(ls "$TMP/good/hist/"*.hgrm | head -n 1)" > "$TMP/outside.hgrm"
for v in names cells; do
	cp -r "$TMP/good" "$TMP/ed-$v"
	check "edit the results ($v)" edit_results "$TMP/ed-$v" "$([ $v = cells ] && echo 1 || echo 0)"
	"$GBENCH" report "$TMP/ed-$v" --no-peak > "$TMP/out" 2> "$TMP/err"; rc=$?
	check "report on edited $v: exit 0, or 2 for input it refuses (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 2
	no_mark "report on edited $v"
	if [ "$rc" -eq 0 ]; then
		check "edited $v: report.md tables and code spans whole" md_check "$TMP/ed-$v/report/report.md"
		check "edited $v: no command line in the chart scripts" gp_check "$TMP/ed-$v/report"
		check "edited $v: no histogram read from outside the folder" \
			bash -c "! grep -rqs 987654 '$TMP/ed-$v/report'"
	fi
	"$GBENCH" compare "$TMP/good" "$TMP/ed-$v" --markdown "$TMP/c-$v.md" --junit "$TMP/c-$v.xml" \
		> "$TMP/out" 2> "$TMP/err"; rc=$?
	check "compare with edited $v: a verdict or exit 2 (exit $rc)" test "$rc" -le 3
	no_mark "compare with edited $v"
	if [ "$rc" -ne 2 ]; then
		check "edited $v: compare's Markdown tables and code spans whole" md_check "$TMP/c-$v.md"
		check "edited $v: compare's JUnit is well-formed XML" xml_check "$TMP/c-$v.xml"
		check "edited $v: the terminal table has no forged line" bash -c \
			"! grep -q '^system(' '$TMP/out'"
	fi
done

# meta.json's trace path is data too: a device that never ends or a FIFO
# that never opens is not read (the report says why and goes on), and an
# error naming a path with a newline stays on one line.
set_trace_path() {   # set_trace_path META PATH
	python3 - "$1" "$2" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
for t in m["traces"]:
    t["path"] = sys.argv[2]
json.dump(m, open(sys.argv[1], "w"))
EOF
}
mkfifo "$TMP/fifo"
for dev in /dev/zero "$TMP/fifo"; do
	d=$TMP/dev-${dev##*/}
	cp -r "$TMP/good" "$d"
	set_trace_path "$d/meta.json" "$dev"
	timeout 60 "$GBENCH" report "$d" --no-peak > "$TMP/out" 2> "$TMP/err"; rc=$?
	check "a trace path of ${dev##*/}: the report ends, exit 0 (exit $rc)" test "$rc" -eq 0
	check "a trace path of ${dev##*/}: said not a regular file" \
		grep -q "is not a regular file" "$d/report/report.md"
done
cp -r "$TMP/good" "$TMP/dev-nl"
set_trace_path "$TMP/dev-nl/meta.json" "$TMP/no${nl}such"
"$GBENCH" report "$TMP/dev-nl" --no-peak > "$TMP/out" 2> "$TMP/err"
check "a trace path with a newline: its error on one line" \
	bash -c "! grep -q '^such' '$TMP/err' && grep -qF 'no\\nsuch' '$TMP/err'"
done_testing
