/*
 * test-rules.c - the bottleneck classifier: every rule of reports/rules.tsv
 * fires just past its threshold and stays quiet just short of it; derived
 * ratios, unknown and not-applicable facts, and the parser's errors.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/rules.h"
#include "unit.h"

static struct gb_rules shipped;

static const struct gb_judgement *group_of(const struct gb_judgement *j, size_t n, const char *group)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(j[i].group, group))
			return &j[i];
	return NULL;
}

/* A value just past (dir = +1) or just short of (dir = -1) a rule's threshold. */
static double near(const struct gb_rule *r, int dir)
{
	double step = fmax(fabs(r->threshold) * 1e-3, 1e-9);

	return r->cmp == '>' ? r->threshold + dir * step : r->threshold - dir * step;
}

TEST(shipped_rules_parse)
{
	CHECK(gb_rules_load(&shipped, GB_TEST_TOP "/reports/rules.tsv") == 0);
	CHECK(shipped.n >= 20);
	for (size_t i = 0; i < shipped.n; i++) {
		CHECK(shipped.v[i].source[0] != 0);
		CHECK(shipped.v[i].recommendation[0] != 0);
	}
}

TEST(every_rule_fires_above_and_is_quiet_below)
{
	if (!shipped.n) {
		SKIP("reports/rules.tsv did not load");
		return;
	}
	for (size_t i = 0; i < shipped.n; i++) {
		const struct gb_rule *r = &shipped.v[i];

		for (int dir = 1; dir >= -1; dir -= 2) {
			struct gb_facts f = { 0 };
			struct gb_judgement *j;
			const struct gb_judgement *g;
			size_t n;

			gb_facts_set(&f, r->metric, near(r, dir), "measured");
			n = gb_rules_apply(&shipped, &f, &j);
			g = group_of(j, n, r->group);
			CHECK(g != NULL);
			if (g && dir > 0 && !(g->kind == GB_JUDGED_FIRED && g->rule == r))
				printf("#   rule %s (%s %c %g) did not fire at %.9g\n", r->id, r->metric,
				       r->cmp, r->threshold, near(r, dir));
			if (g && dir < 0 && g->kind == GB_JUDGED_FIRED && g->rule == r)
				printf("#   rule %s fired short of its threshold, at %.9g\n", r->id, near(r, dir));
			if (g && dir > 0) {
				CHECK(g->kind == GB_JUDGED_FIRED);
				CHECK(g->rule == r);
				CHECK_NEAR(g->value, near(r, dir), 0);
				CHECK_STR(g->source, "measured");
			}
			if (g && dir < 0)
				CHECK(!(g->kind == GB_JUDGED_FIRED && g->rule == r));
			free(j);
			gb_facts_release(&f);
		}
	}
}

TEST(bands_report_the_most_severe)
{
	struct gb_facts f = { 0 };
	struct gb_judgement *j;
	const struct gb_judgement *g;
	size_t n;

	/* perf stat-shadow bands 5/10/20%: 15% is the magenta (MEDIUM) band */
	gb_facts_set(&f, "branch_miss_ratio", 0.15, "measured");
	n = gb_rules_apply(&shipped, &f, &j);
	g = group_of(j, n, "branch-misses");
	CHECK(g && g->kind == GB_JUDGED_FIRED && g->rule->level == GB_LEVEL_MEDIUM);
	free(j);
	gb_facts_set(&f, "branch_miss_ratio", 0.25, "measured");
	n = gb_rules_apply(&shipped, &f, &j);
	g = group_of(j, n, "branch-misses");
	CHECK(g && g->kind == GB_JUDGED_FIRED && g->rule->level == GB_LEVEL_HIGH);
	free(j);
	gb_facts_set(&f, "branch_miss_ratio", 0.01, "measured");
	n = gb_rules_apply(&shipped, &f, &j);
	g = group_of(j, n, "branch-misses");
	CHECK(g && g->kind == GB_JUDGED_QUIET);
	free(j);
	gb_facts_release(&f);
}

TEST(derived_ratios_and_sources)
{
	struct gb_facts f = { 0 };
	const struct gb_fact *x;

	gb_facts_set(&f, "branches", 1000, "measured");
	gb_facts_set(&f, "branch_misses", 120, "scaled");
	gb_facts_set(&f, "gpu_ns", 2e6, "measured");
	gb_facts_set(&f, "wall_ns", 1e7, "measured");
	gb_facts_set(&f, "cycles", 0, "measured");
	gb_facts_set(&f, "stalled_cycles_backend", 5, "measured");
	gb_facts_derive(&f);
	x = gb_facts_get(&f, "branch_miss_ratio");
	CHECK(x && x->state == GB_FACT_KNOWN);
	CHECK_NEAR(x ? x->value : -1, 0.12, 1e-12);
	CHECK(x && !strncmp(x->source, "scaled", 6));   /* the weaker of the two */
	x = gb_facts_get(&f, "gpu_busy_ratio");
	CHECK(x && x->state == GB_FACT_KNOWN);
	CHECK_NEAR(x ? x->value : -1, 0.2, 1e-12);
	x = gb_facts_get(&f, "stalled_backend_ratio");   /* cycles = 0: no ratio */
	CHECK(x && x->state == GB_FACT_UNKNOWN && strstr(x->reason, "cycles is 0"));
	gb_facts_release(&f);
}

TEST(unknown_metric_says_why)
{
	struct gb_facts f = { 0 };
	struct gb_judgement *j;
	const struct gb_judgement *g;
	size_t n;

	gb_facts_unknown(&f, "branch_misses", "unavailable (no PMU under the hypervisor)");
	gb_facts_set(&f, "branches", 1000, "measured");
	gb_facts_derive(&f);
	n = gb_rules_apply(&shipped, &f, &j);
	g = group_of(j, n, "branch-misses");
	CHECK(g && g->kind == GB_JUDGED_UNKNOWN);
	CHECK(g && g->reason && strstr(g->reason, "branch_misses unavailable (no PMU under the hypervisor)"));
	/* a metric nobody set: unknown, never quiet */
	g = group_of(j, n, "topdown-memory");
	CHECK(g && g->kind == GB_JUDGED_UNKNOWN);
	free(j);
	gb_facts_release(&f);
}

TEST(not_applicable_is_silent)
{
	struct gb_facts f = { 0 };
	struct gb_judgement *j;
	const struct gb_judgement *g;
	size_t n;

	gb_facts_na(&f, "gpu_ns", "not a GPU cell");
	gb_facts_set(&f, "wall_ns", 1e6, "measured");
	gb_facts_derive(&f);
	n = gb_rules_apply(&shipped, &f, &j);
	g = group_of(j, n, "gpu-launch-bound");
	CHECK(g && g->kind == GB_JUDGED_NA);
	free(j);
	gb_facts_release(&f);
}

TEST(recommendation_formats_value)
{
	const struct gb_rule *r = NULL;
	char *s;

	for (size_t i = 0; i < shipped.n; i++)
		if (!strcmp(shipped.v[i].id, "gpu-launch-medium"))
			r = &shipped.v[i];
	if (!r) {
		SKIP("no rule gpu-launch-medium in reports/rules.tsv");
		return;
	}
	s = gb_rule_recommendation(r, 0.3);
	CHECK(strstr(s, "30%") != NULL);
	CHECK(strstr(s, "{value}") == NULL);
	free(s);
}

TEST(parser_reports_errors_with_lines)
{
	struct gb_rules rs;

	CHECK(gb_rules_parse(&rs, "# c\n\na\tg\tm\t>\t1\tHIGH\tsrc\trec\n", "t") == 0);
	CHECK(rs.n == 1 && rs.v[0].line == 3 && rs.v[0].cmp == '>' && rs.v[0].level == GB_LEVEL_HIGH);
	gb_rules_release(&rs);
	printf("# expected errors follow\n");
	CHECK(gb_rules_parse(&rs, "a\tg\tm\t>\t1\tHIGH\tsrc\n", "t") < 0);            /* 7 columns */
	CHECK(gb_rules_parse(&rs, "a\tg\tm\t>=\t1\tHIGH\tsrc\trec\n", "t") < 0);      /* cmp */
	CHECK(gb_rules_parse(&rs, "a\tg\tm\t>\tx\tHIGH\tsrc\trec\n", "t") < 0);       /* threshold */
	CHECK(gb_rules_parse(&rs, "a\tg\tm\t>\t1\tSEVERE\tsrc\trec\n", "t") < 0);     /* level */
	CHECK(gb_rules_parse(&rs, "a\tg\tm\t>\t1\tLOW\t\trec\n", "t") < 0);           /* empty */
	CHECK(gb_rules_parse(&rs, "a\tg\tm\t>\t1\tLOW\ts\tr\na\tg\tm\t<\t1\tLOW\ts\tr\n", "t") < 0);
	CHECK(gb_rules_parse(&rs, "# only comments\n", "t") < 0);
}

int main(void)
{
	RUN(shipped_rules_parse);
	RUN(every_rule_fires_above_and_is_quiet_below);
	RUN(bands_report_the_most_severe);
	RUN(derived_ratios_and_sources);
	RUN(unknown_metric_says_why);
	RUN(not_applicable_is_silent);
	RUN(recommendation_formats_value);
	RUN(parser_reports_errors_with_lines);
	gb_rules_release(&shipped);
	return unit_done();
}
