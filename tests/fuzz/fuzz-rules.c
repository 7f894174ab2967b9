/*
 * fuzz-rules.c - libFuzzer harness for the rules reader (bench/rules.h,
 * reports/rules.tsv): the input is a rules file, loaded with gb_rules_load
 * as `report --rules FILE` loads one, then applied to a cell's facts as
 * the report applies it.
 *
 * The facts are built from the rules themselves, so the judging code sees
 * the metrics the input names: every third metric known with a value on
 * either side of the rule's threshold, every third unknown, every third
 * not applicable, plus the raw counters gb_facts_derive turns into ratios.
 * Each judgement's recommendation is formatted ({value} replaced).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report/rules.h"

int fuzz_one(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("rules.tsv", data, size);
	struct gb_rules rs;
	struct gb_facts f = { 0 };
	struct gb_judgement *j = NULL;
	size_t nj;

	if (gb_rules_load(&rs, path) < 0) {
		FUZZ_CHECK(rs.n == 0 && rs.v == NULL, "a failed load left rules behind");
		return 0;
	}
	FUZZ_CHECK(rs.n > 0, "loaded without a rule");
	gb_facts_set(&f, "branches", 1e9, "measured");
	gb_facts_set(&f, "branch_misses", 1e7, "scaled");
	gb_facts_set(&f, "cycles", 0, "measured");
	gb_facts_set(&f, "instructions", 2e9, "simulated");
	gb_facts_na(&f, "gpu_ns", "a cpu cell");
	gb_facts_unknown(&f, "llc_misses", NULL);
	for (size_t i = 0; i < rs.n; i++) {
		const struct gb_rule *r = &rs.v[i];

		FUZZ_CHECK(r->id && r->group && r->metric && r->source && r->recommendation,
			   "rule %zu: a NULL field", i);
		FUZZ_CHECK(r->cmp == '<' || r->cmp == '>', "rule %zu: cmp '%c'", i, r->cmp);
		FUZZ_CHECK(isfinite(r->threshold), "rule %zu: threshold not finite", i);
		FUZZ_CHECK(r->level >= GB_LEVEL_LOW && r->level <= GB_LEVEL_HIGH,
			   "rule %zu: level %d", i, (int)r->level);
		if (gb_facts_get(&f, r->metric))
			continue;
		switch (i % 3) {
		case 0:
			gb_facts_set(&f, r->metric, r->threshold * (i & 4 ? 1.5 : 0.5) + (i & 8 ? 1 : -1),
				     i & 16 ? "measured" : "derived (simulated)");
			break;
		case 1:
			gb_facts_unknown(&f, r->metric, "not measured here");
			break;
		default:
			gb_facts_na(&f, r->metric, NULL);
			break;
		}
	}
	gb_facts_derive(&f);
	nj = gb_rules_apply(&rs, &f, &j);
	FUZZ_CHECK(nj >= 1 && nj <= rs.n, "%zu judgements for %zu rules", nj, rs.n);
	for (size_t i = 0; i < nj; i++) {
		char *rec, *val;

		FUZZ_CHECK(j[i].rule && j[i].group && !strcmp(j[i].group, j[i].rule->group),
			   "judgement %zu: rule of another group", i);
		FUZZ_CHECK(j[i].kind != GB_JUDGED_FIRED || j[i].source,
			   "judgement %zu: fired without a source", i);
		rec = gb_rule_recommendation(j[i].rule, j[i].value);
		val = gb_rule_format_value(j[i].rule->metric, j[i].value);
		FUZZ_CHECK(rec && val, "judgement %zu: no text", i);
		free(rec);
		free(val);
	}
	free(j);
	gb_facts_release(&f);
	gb_rules_release(&rs);
	return 0;
}
