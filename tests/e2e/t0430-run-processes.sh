#!/usr/bin/env bash
# processes = N: a run shared among N fresh processes and pooled into one
# results directory, as if one process had run every repetition.
. "$(dirname "$0")/lib.sh"

args=(run --config ci --executor cpu --workload llm-decode,vector-search --batch 1,8
      --quant f32,q4 --repetitions 6 --quiet --no-report)
export TMPDIR="$TMP"   # where the parent keeps its children's folders
expect_exit 0 "--processes 3 runs" "$GBENCH" "${args[@]}" --processes 3 --out "$TMP/p3"
expect_exit 0 "the same run in one process" "$GBENCH" "${args[@]}" --processes 1 --out "$TMP/p1"
check "the children's folders are removed" bash -c "! ls -d '$TMP'/gbench-run.* 2>/dev/null"

python3 - "$TMP/p3" "$TMP/p1" <<'PY'
import csv, json, os, re, sys
p3, p1 = sys.argv[1], sys.argv[2]
n = 0
def ok(cond, what):
    global n
    n += 1
    print(("ok" if cond else "not ok"), n, "-", what)

def samples(d):
    out = {}
    for r in csv.DictReader(open(os.path.join(d, "samples.csv"))):
        out.setdefault((r["cell"], r["metric"]), []).append(int(r["rep"]))
    return out

def hist_total(d, cell):
    text = open(os.path.join(d, "hist", cell + ".hgrm")).read()
    return int(re.search(r"Total count\s*=\s*(\d+)", text).group(1))

m3, m1 = json.load(open(os.path.join(p3, "meta.json"))), json.load(open(os.path.join(p1, "meta.json")))
procs = m3.get("processes", {})
runs = procs.get("runs", [])
ok(procs.get("count") == 3 and len(runs) == 3, f"meta.json lists 3 processes ({procs.get('count')})")
ok(len({r.get("pid") for r in runs}) == 3 and all(r.get("pid", 0) > 0 for r in runs),
   f"three distinct processes ({[r.get('pid') for r in runs]})")
ok(all(r.get("exit") == 0 for r in runs[1:]) and [r.get("share") for r in runs] == [0, 1, 2],
   "the children (shares 1 and 2) exit 0")
reps = procs.get("repetitions", {})
ok(len(reps) == 16 and all(v == [2, 2, 2] for v in reps.values()),
   "processes.repetitions: 2 of each cell's 6 from each process")
ok(m3["config"]["processes"] == 3 and m1["config"]["processes"] == 1, "config.processes recorded")
ok(m3["complete"] is True, "complete: true")
s3, s1 = samples(p3), samples(p1)
ok(set(s3) == set(s1), "the same cells and metrics as one process")
ok(all(sorted(s3[k]) == list(range(6)) for k in s3 if k[1] == "wall_ns"),
   "every cell has repetitions 0..5 of wall_ns, pooled from the three shares")
cells = sorted({k[0] for k in s3})
ok(all(hist_total(p3, c) == hist_total(p1, c) for c in cells),
   "each histogram counts every request of the six repetitions")
ok(all(m3["cells"][c]["batch_sizes"] == m1["cells"][c]["batch_sizes"] for c in cells),
   "executor calls by batch size add up over the processes")
acc3 = list(csv.DictReader(open(os.path.join(p3, "accuracy.csv"))))
ok(len(acc3) > 0 and all(r["pass"] == "true" for r in acc3), f"share 0 checked accuracy ({len(acc3)} rows)")
ok(not any(f.endswith(".raw") for f in os.listdir(os.path.join(p3, "hist"))),
   "no raw histogram in the pooled results")
print(f"1..{n}")
PY

# Executor turns: one in each of the 3 processes (one executor). A primed
# measured repetition already follows an untimed one; unprimed and unwarmed,
# a turn that opens with a measured repetition runs one untimed repetition
# of its cell first, which is not a measured one (the first process runs
# every cell untimed anyway, for its accuracy check).
check "3 turns in all, none opening with a measured repetition when primed" python3 -c "
import json, sys
t = json.load(open('$TMP/p3/meta.json'))['turns']
sys.exit(t['count'] != 3 or t['warmups'] != 0)"
expect_exit 0 "an unprimed, unwarmed run in 2 processes" "$GBENCH" "${args[@]}" --processes 2 \
	--prime 0 --warmup 0 --out "$TMP/np"
check "the second one's turn opens with an untimed repetition; 6 measured" python3 -c "
import csv, json, sys
t = json.load(open('$TMP/np/meta.json'))['turns']
reps = {}
for r in csv.DictReader(open('$TMP/np/samples.csv')):
    if r['metric'] == 'wall_ns':
        reps[r['cell']] = reps.get(r['cell'], 0) + 1
sys.exit(t['count'] != 2 or t['warmups'] != 1 or set(reps.values()) != {6})"

expect_exit 0 "--dry-run of a shared run exits 0" "$GBENCH" "${args[@]}" --processes 3 --dry-run
check "and says the repetitions are shared" grep -q 'shared among 3 processes' "$TMP/out"

# Fewer repetitions than processes: the first share has none of them.
expect_exit 0 "--repetitions 2 --processes 3 runs" "$GBENCH" "${args[@]}" --repetitions 2 \
	--processes 3 --out "$TMP/few"
check "and pools both repetitions" python3 -c "
import json, sys
m = json.load(open('$TMP/few/meta.json'))
sys.exit(any(v != [0, 1, 1] for v in m['processes']['repetitions'].values()))"

# One share on its own: its part of the repetitions, exact histograms for a parent.
expect_exit 0 "--process 1/3 runs one share" "$GBENCH" "${args[@]}" --process 1/3 --out "$TMP/s1"
check "share 1 of 3 has 2 of the 6 repetitions" python3 -c "
import csv, sys
reps = [r for r in csv.DictReader(open('$TMP/s1/samples.csv')) if r['metric'] == 'wall_ns']
sys.exit(not reps or any(int(r['rep']) > 1 for r in reps))"
check "and writes raw histograms" test -s "$TMP/s1/hist/llm-decode.cpu.b1.f32.c0.raw"

expect_exit 2 "--process 3/3 is refused" "$GBENCH" "${args[@]}" --process 3/3 --out "$TMP/bad"
check "naming the flag" grep -q -- '--process' "$TMP/err"
expect_exit 2 "--processes 0 is refused" "$GBENCH" "${args[@]}" --processes 0 --out "$TMP/bad"
printf '[run]\nprocesses = 0\n' > "$TMP/zero.ini"
expect_exit 2 "processes = 0 in a config is refused" "$GBENCH" run --config "$TMP/zero.ini" --out "$TMP/bad"
check "naming the file and line" grep -q 'zero.ini:2' "$TMP/err"

# An interrupt while a child runs: it is passed on, what is done is kept.
"$GBENCH" "${args[@]}" --repetitions 60 --processes 3 --out "$TMP/int" &
pid=$!
for _ in $(seq 1 300); do
	pgrep -P "$pid" > /dev/null && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 130 ] && ok "an interrupted shared run exits 130" || fail "an interrupted shared run exits 130 (got $rc)"
check "with complete: false" python3 -c "import json,sys; sys.exit(json.load(open('$TMP/int/meta.json'))['complete'] is not False)"
check "and no child left running" bash -c "! pgrep -f '$TMP/[g]bench-run'"
done_testing
