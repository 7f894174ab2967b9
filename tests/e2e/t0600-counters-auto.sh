#!/usr/bin/env bash
# Counters: `gbench info` says which source counts what here and why not the
# rest; `gbench run --counters auto` gives software metrics measured and
# hardware metrics either measured (a PMU) or unavailable with empty numbers
# and the reason in meta.json, never a fake 0.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "gbench info exits 0" "$GBENCH" info
info="$TMP/info"
cp "$TMP/out" "$info"
check "info has a counters section" grep -q '^counters$' "$info"
check "info gives the hardware counters' state" grep -qE '^  hardware counters: ' "$info"
check "info lists perf-event, papi, software and callgrind" \
	bash -c "grep -qE '^  perf-event ' '$info' && grep -qE '^  papi ' '$info' &&
		 grep -qE '^  software +available: task_clock_ns' '$info' && grep -qE '^  callgrind ' '$info'"
if grep -qE '^  hardware counters: unavailable' "$info"; then
	hw=0
	check "info says why hardware counters are unavailable" \
		grep -qE '^  hardware counters: unavailable \(perf-event: .{20,}' "$info"
	if [ ! -e /sys/bus/event_source/devices/cpu ] && [ ! -e /sys/bus/event_source/devices/cpu_core ] &&
	   grep -qw hypervisor /proc/cpuinfo; then
		check "info names the hypervisor as the cause" \
			grep -qE '^  perf-event +unavailable: .*no PMU: running under a hypervisor' "$info"
	else
		skip "info names the hypervisor as the cause" "this machine is not a VM without a PMU"
	fi
else
	hw=1
	skip "info says why hardware counters are unavailable" "hardware counters are available here"
	skip "info names the hypervisor as the cause" "hardware counters are available here"
fi

expect_exit 2 "--counters with an unknown name is a usage error" \
	"$GBENCH" run --no-report --workload audio-features --executor cpu --counters bogus --out "$TMP/bad"
check "the message names it" grep -q "unknown counter source or metric 'bogus'" "$TMP/err"
check "nothing is written for a usage error" test ! -e "$TMP/bad"

out="$TMP/auto"
expect_exit 0 "run --counters auto exits 0" "$GBENCH" run --no-report --workload audio-features \
	--executor cpu --batch 1 --quant f32 --cache 0 --repetitions 3 --warmup 1 \
	--counters auto --out "$out" --quiet
# The checks print "ok|fail<TAB>description" lines, counted here.
while IFS=$'\t' read -r v d; do
	if [ "$v" = ok ]; then ok "$d"; else fail "$d"; fi
done < <(python3 - "$out" "$hw" <<'PY'
import csv, json, math, sys
out, hw = sys.argv[1], sys.argv[2] == "1"
rows = list(csv.reader(open(out + "/results.csv", newline="")))
h = rows[0]
m = {r[h.index("metric")]: dict(zip(h, r)) for r in rows[1:]}
meta = json.load(open(out + "/meta.json"))["counters"]
soft = ["task_clock_ns", "page_faults", "ctx_switches_voluntary", "ctx_switches_involuntary", "max_rss_kb"]
hard = ["instructions", "cycles", "branches", "branch_misses", "l1d_misses", "llc_misses", "dtlb_misses"]
bad = [x for x in soft if x not in m or m[x]["source"] != "measured" or m[x]["n"] != "3"
       or not m[x]["median"]]
def tap(cond, what, extra=None):
    print(("ok" if cond else "fail") + "\t" + what + (f" {extra}" if extra else ""))

tap(not bad, "software metrics measured", bad)
if hw:
    bad = [x for x in hard if x in m and m[x]["source"] not in ("measured", "scaled", "unavailable")]
else:
    bad = [x for x in hard if x not in m or m[x]["source"] != "unavailable"
           or any(m[x][c] for c in h[h.index("n"):h.index("ci_high") + 1])]
tap(not bad, "hardware metrics as the machine allows"
    + ("" if hw else " (unavailable, every number empty)"), bad)
why = [x for x in hard if meta["metrics"][x]["source"] == "unavailable"
       and len(meta["metrics"][x].get("reason", "")) < 10]
ok = (meta["requested"] == "auto" and not why and meta["metrics"]["task_clock_ns"]["source"] == "software"
      and "perf-event" in meta["sources"] and "overhead_ns" in meta
      and meta["overhead_ns"]["start"] > 0)
tap(ok, "meta.json says why and what", why)
PY
)
done_testing
