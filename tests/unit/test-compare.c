/*
 * test-compare.c - verdicts of bench/compare.c on synthetic results: the
 * gate's false-alarm and detection rates over seeded trials, at the level
 * of processes (issue 16): A/A with a process effect never a regression
 * from one process a side (inconclusive instead), at most 1 of 20 with 5
 * processes a side; a 15% shift caught in >= 19 of 20; Holm over the
 * gating rows; paired processes; deterministic counts against 0.1% and
 * non-deterministic ones not gating; direction, zero medians, missing and
 * unavailable metrics, mismatched units, the exit code and
 * --allow-inconclusive, the machine class, the meta.json checks, the noise
 * note, the probe a diagnostic only, byte-identical outputs; a gating row
 * on one side only is inconclusive, and a baseline's process count no run
 * can have is refused (issue 21); unchanged instruction counts settle the
 * time rows that time leaves open, never a confirmed regression.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compare/compare.h"
#include "compare/counts.h"
#include "fsio.h"
#include "gbench.h"
#include "noise.h"
#include "results/results.h"
#include "stats-test.h"
#include "unit.h"

/* The cell of a workload; its id kept raw (markup included) to test escaping. */
static struct gb_cell_result *cell(struct gb_results *r, const char *workload)
{
	struct gb_cell_result *c;
	char *id;

	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->cells[i].workload, workload))
			return &r->cells[i];
	id = gb_xasprintf("%s.cpu.b1.f32.c0", workload);
	c = gb_results_add(r, id, workload, "cpu", "test cpu", 1, GB_Q_F32, 0);
	free(id);
	return c;
}

static void put(struct gb_results *r, const char *workload, const char *metric,
		const char *unit, enum gb_source src, const double *v, size_t n)
{
	struct gb_metric *m = gb_cell_metric(cell(r, workload), metric, unit, src);

	for (size_t i = 0; i < n; i++)
		gb_metric_push(m, v[i]);
}

/* n values around mean with relative noise sd (normal), from g. */
static void noisy(struct gb_xo *g, double *v, size_t n, double mean, double sd)
{
	for (size_t i = 0; i < n; i++)
		v[i] = mean * (1 + sd * gb_xo_normal(g));
}

/*
 * How many processes judge() splits each side's repetitions into (in
 * order, as a run of `processes = N` pools them): synthetic values with
 * independent noise make processes that differ only by that noise.
 */
static size_t split = 4;

/* Process p of split of every metric of r, added to side current of c. */
static void add_split(struct gb_compare *c, int current, const struct gb_results *r)
{
	for (size_t p = 0; p < split; p++) {
		struct gb_results part = { 0 };

		for (size_t i = 0; i < r->n; i++) {
			const struct gb_cell_result *rc = &r->cells[i];
			struct gb_cell_result *dc = gb_results_add(&part, rc->id, rc->workload,
								   rc->executor, rc->device, rc->batch,
								   rc->quant, rc->cache);

			for (size_t k = 0; k < rc->nmetrics; k++) {
				const struct gb_metric *m = &rc->metrics[k];
				struct gb_metric *dm;

				if (m->source == GB_SRC_UNAVAILABLE)
					continue;
				dm = gb_cell_metric(dc, m->name, m->unit, m->source);
				for (size_t v = p * m->n / split; v < (p + 1) * m->n / split; v++)
					gb_metric_push(dm, m->v[v]);
			}
		}
		gb_compare_add_process(c, current, &part);
		gb_results_release(&part);
	}
}

/* Compare base and cur with default options (or o); the comparison in c. */
static int judge(struct gb_compare *c, const struct gb_results *base,
		 const struct gb_results *cur, const struct gb_compare_opts *o)
{
	struct gb_compare_opts d;

	if (!o) {
		gb_compare_opts_init(&d);
		o = &d;
	}
	gb_compare_init(c, "base", "cur");
	add_split(c, 0, base);
	add_split(c, 1, cur);
	return gb_compare_results(c, base, cur, o);
}

static const struct gb_compare_row *row(const struct gb_compare *c, const char *workload,
					const char *metric)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s.", workload);
	for (size_t i = 0; i < c->n; i++)
		if (!strncmp(c->rows[i].cell, prefix, strlen(prefix)) &&
		    !strcmp(c->rows[i].metric, metric))
			return &c->rows[i];
	return NULL;
}

static enum gb_verdict trial(uint64_t seed, size_t n, double noise, double shift,
			     const char *metric)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_xo g;
	double vb[64], vc[64];
	enum gb_verdict v = GB_VERDICT_COUNT;

	gb_xo_seed(&g, seed);
	noisy(&g, vb, n, 1e6, noise);
	noisy(&g, vc, n, 1e6 * shift, noise);
	put(&b, "w", metric, "ns", GB_SRC_MEASURED, vb, n);
	put(&c, "w", metric, "ns", GB_SRC_MEASURED, vc, n);
	if (judge(&cmp, &b, &c, NULL) == 0 && cmp.n == 1)
		v = cmp.rows[0].verdict;
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
	return v;
}

TEST(aa_not_flagged)
{
	int flagged = 0, inconclusive = 0;

	for (uint64_t t = 0; t < 20; t++) {
		enum gb_verdict v = trial(1000 + t, 10, 0.05, 1.0, "wall_ns");

		flagged += v == GB_VERDICT_REGRESSION || v == GB_VERDICT_IMPROVEMENT;
		inconclusive += v == GB_VERDICT_INCONCLUSIVE;
	}
	printf("# A/A, 5%% noise, 10 reps: %d of 20 flagged, %d inconclusive\n", flagged,
	       inconclusive);
	CHECK(flagged <= 1);
}

TEST(shift_flagged)
{
	int flagged = 0;

	for (uint64_t t = 0; t < 20; t++)
		flagged += trial(2000 + t, 20, 0.03, 1.10, "wall_ns") == GB_VERDICT_REGRESSION;
	printf("# 10%% slower, 3%% noise, 20 reps: %d of 20 flagged\n", flagged);
	CHECK(flagged >= 19);
	flagged = 0;
	for (uint64_t t = 0; t < 20; t++)
		flagged += trial(3000 + t, 20, 0.03, 1 / 1.10, "wall_ns") == GB_VERDICT_IMPROVEMENT;
	CHECK(flagged >= 19);
}

TEST(direction_aware)
{
	/* Lower throughput is worse; higher latency is worse. */
	CHECK(trial(7, 20, 0.01, 0.8, "throughput_rps") == GB_VERDICT_REGRESSION);
	CHECK(trial(7, 20, 0.01, 1.25, "throughput_rps") == GB_VERDICT_IMPROVEMENT);
	CHECK(trial(7, 20, 0.01, 1.25, "latency_p50_ns") == GB_VERDICT_REGRESSION);
	CHECK(trial(7, 20, 0.01, 1.25, "llc_misses") == GB_VERDICT_REGRESSION);
	CHECK(trial(7, 20, 0.01, 0.8, "cache_hit_rate") == GB_VERDICT_REGRESSION);
	/* Within the band: unchanged, even when significant. */
	CHECK(trial(7, 20, 0.002, 1.02, "wall_ns") == GB_VERDICT_UNCHANGED);
}

/*
 * One process a side, 2x slower: repetitions of one process cannot tell a
 * change from a process effect, so no regression, but inconclusive with the
 * advice to run more processes; within the band, unchanged.
 */
TEST(too_few_processes)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	double vb[] = { 1e6, 1.01e6, 0.99e6, 1.02e6, 1e6, 1.01e6, 0.98e6, 1e6, 1e6 };
	double vc[] = { 2e6, 2.01e6, 1.99e6, 2.02e6, 2e6, 2.01e6, 1.98e6, 2e6, 2e6 };

	split = 1;
	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, vb, 9);
	put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, vc, 9);
	put(&b, "same", "wall_ns", "ns", GB_SRC_MEASURED, vb, 9);
	put(&c, "same", "wall_ns", "ns", GB_SRC_MEASURED, vb, 9);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "w", "wall_ns")->verdict == GB_VERDICT_INCONCLUSIVE);
	CHECK(row(&cmp, "w", "wall_ns")->note &&
	      strstr(row(&cmp, "w", "wall_ns")->note, "--processes"));
	CHECK(isnan(row(&cmp, "w", "wall_ns")->p));
	CHECK(row(&cmp, "same", "wall_ns")->verdict == GB_VERDICT_UNCHANGED);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_INCONCLUSIVE);
	gb_compare_release(&cmp);
	/* --allow-inconclusive: exit 0, the rows as they were */
	gb_compare_opts_init(&o);
	o.allow_inconclusive = 1;
	CHECK(judge(&cmp, &b, &c, &o) == 0);
	CHECK(cmp.gating[GB_VERDICT_INCONCLUSIVE] == 1);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_OK);
	gb_compare_release(&cmp);
	/* the same values in 3 processes a side: a regression */
	split = 3;
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "w", "wall_ns")->verdict == GB_VERDICT_REGRESSION);
	CHECK(row(&cmp, "w", "wall_ns")->k_base == 3 && row(&cmp, "w", "wall_ns")->k_cur == 3);
	gb_compare_release(&cmp);
	split = 4;
	gb_results_release(&b);
	gb_results_release(&c);
}

/* A recorded class spread for the test below: 2% between processes of "w", 0.5% of "same", none of "x". */
static double fake_spread(void *ctx, const char *cell, const char *metric, size_t *procs)
{
	(void)ctx;
	(void)metric;
	*procs = strncmp(cell, "w.", 2) && strncmp(cell, "same.", 5) ? 0 : 9;
	return !*procs ? NAN : cell[0] == 'w' ? 0.02 : 0.005;
}

/*
 * One process a side (issue 16, item 4): with the spread between processes
 * recorded for the machine class, a 2x change is a regression on that
 * spread (t with the recorded processes' 8 degrees of freedom: log 2 over
 * 0.02 sqrt 2 is t = 24.5), an unchanged cell unchanged, and a cell the
 * record lacks stays inconclusive with the advice; without a record, all
 * of it as before.
 */
TEST(class_spread_for_single_processes)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	double vb[] = { 1e6, 1.01e6, 0.99e6, 1.02e6, 1e6, 1.01e6, 0.98e6, 1e6, 1e6 };
	double vc[] = { 2e6, 2.01e6, 1.99e6, 2.02e6, 2e6, 2.01e6, 1.98e6, 2e6, 2e6 };
	double v3[] = { 1.03e6, 1.04e6, 1.02e6, 1.05e6, 1.03e6, 1.04e6, 1.01e6, 1.03e6, 1.03e6 };
	const struct gb_compare_row *w, *same, *x;

	split = 1;
	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, vb, 9);
	put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, vc, 9);
	put(&b, "same", "wall_ns", "ns", GB_SRC_MEASURED, vb, 9);
	put(&c, "same", "wall_ns", "ns", GB_SRC_MEASURED, v3, 9);
	put(&b, "x", "wall_ns", "ns", GB_SRC_MEASURED, vb, 9);
	put(&c, "x", "wall_ns", "ns", GB_SRC_MEASURED, vc, 9);
	gb_compare_opts_init(&o);
	o.spread_for = fake_spread;
	o.spread_from = "baselines/k/ci";
	CHECK(judge(&cmp, &b, &c, &o) == 0);
	w = row(&cmp, "w", "wall_ns");
	same = row(&cmp, "same", "wall_ns");
	x = row(&cmp, "x", "wall_ns");
	CHECK(w->verdict == GB_VERDICT_REGRESSION);
	CHECK(!strcmp(w->test, "t-class"));
	CHECK_NEAR(w->ratio, 2.0, 0.01);
	CHECK(w->p < 1e-6 && w->ci_low > 1.8 && w->ci_high < 2.2);
	CHECK(w->note && strstr(w->note, "9 processes in baselines/k/ci"));
	/* +3%: inside the 5% band, and the recorded spread (0.5%) says so */
	CHECK(same->verdict == GB_VERDICT_UNCHANGED);
	CHECK(x->verdict == GB_VERDICT_INCONCLUSIVE);
	CHECK(x->note && strstr(x->note, "--processes"));
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_REGRESSION);
	gb_compare_release(&cmp);
	/* without the record: never a regression from one process a side */
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "w", "wall_ns")->verdict == GB_VERDICT_INCONCLUSIVE);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_INCONCLUSIVE);
	gb_compare_release(&cmp);
	split = 4;
	gb_results_release(&b);
	gb_results_release(&c);
}

/*
 * n values a side in k processes, each process offset by a process effect
 * (relative sd peff) on top of repetition noise (sd rep): what a real run
 * looks like. Returns the wall_ns verdict.
 */
static enum gb_verdict proc_trial(uint64_t seed, size_t k, size_t n, double peff, double rep,
				  double shift)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_xo g;
	double v[256];
	enum gb_verdict verdict = GB_VERDICT_COUNT;

	gb_xo_seed(&g, seed);
	for (int side = 0; side < 2; side++)
		for (size_t p = 0; p < k; p++) {
			double mean = 1e6 * (side ? shift : 1) * (1 + peff * gb_xo_normal(&g));

			noisy(&g, v, n, mean, rep);
			put(side ? &c : &b, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, n);
		}
	split = k;
	if (judge(&cmp, &b, &c, NULL) == 0 && cmp.n == 1)
		verdict = cmp.rows[0].verdict;
	split = 4;
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
	return verdict;
}

/*
 * Pseudo-replication (issue 16): one process a side, 10 tight repetitions,
 * processes 8% apart. A test over the repetitions flags most of these A/A
 * pairs; at the process level none is a regression.
 */
TEST(pseudo_replication)
{
	int reg = 0, inc = 0, flagged = 0;

	for (uint64_t t = 0; t < 20; t++) {
		enum gb_verdict v = proc_trial(4000 + t, 1, 10, 0.08, 0.01, 1.0);

		reg += v == GB_VERDICT_REGRESSION || v == GB_VERDICT_IMPROVEMENT;
		inc += v == GB_VERDICT_INCONCLUSIVE;
	}
	printf("# A/A, one process a side, 8%% process effect: %d flagged, %d inconclusive of 20\n",
	       reg, inc);
	CHECK(reg == 0);
	CHECK(inc > 0);   /* the spread is there, and said */
	for (uint64_t t = 0; t < 20; t++) {
		enum gb_verdict v = proc_trial(5000 + t, 5, 10, 0.03, 0.01, 1.0);

		flagged += v == GB_VERDICT_REGRESSION || v == GB_VERDICT_IMPROVEMENT;
	}
	printf("# A/A, 5 processes a side, 3%% process effect: %d of 20 flagged\n", flagged);
	CHECK(flagged <= 1);
	flagged = 0;
	for (uint64_t t = 0; t < 20; t++)
		flagged += proc_trial(6000 + t, 5, 10, 0.01, 0.01, 1.15) == GB_VERDICT_REGRESSION;
	printf("# 15%% slower, 5 processes a side, 1%% process effect: %d of 20 flagged\n", flagged);
	CHECK(flagged >= 19);
}

/*
 * Holm over the gating rows: one cell with a clear but modest change among
 * 30 unchanged ones. Alone its p is below alpha and it regresses; among 30
 * rows its adjusted p is 30 times larger, and the verdict says so.
 */
TEST(holm_over_rows)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	/* 3 processes a side, one value each: log spread about 1%, shift 8% */
	double vb[] = { 1.00e6, 1.01e6, 0.99e6 }, vc[] = { 1.08e6, 1.10e6, 1.065e6 };
	const struct gb_compare_row *r;
	char name[16];

	split = 3;
	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, vb, 3);
	put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, vc, 3);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	r = row(&cmp, "w", "wall_ns");
	printf("# alone: p %.3g, Holm %.3g, %s\n", r->p, r->p_holm, gb_verdict_name(r->verdict));
	CHECK(r->p < 0.01 && r->p_holm == r->p && r->verdict == GB_VERDICT_REGRESSION);
	gb_compare_release(&cmp);
	for (int i = 0; i < 29; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		put(&b, name, "wall_ns", "ns", GB_SRC_MEASURED, vb, 3);
		put(&c, name, "wall_ns", "ns", GB_SRC_MEASURED, vb, 3);
	}
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	r = row(&cmp, "w", "wall_ns");
	printf("# among 30: p %.3g, Holm %.3g, %s\n", r->p, r->p_holm, gb_verdict_name(r->verdict));
	CHECK_NEAR(r->p_holm, 30 * r->p, 1e-12);
	CHECK(r->verdict == GB_VERDICT_INCONCLUSIVE && strstr(r->note, "Holm"));
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_INCONCLUSIVE);
	gb_compare_release(&cmp);
	split = 4;
	gb_results_release(&b);
	gb_results_release(&c);
}

/*
 * Pairs: processes that drift together (pair i of each side 10% apart from
 * pair j) and a 6% change within every pair. Unpaired, the drift hides it;
 * paired, it is a regression.
 */
TEST(paired_processes)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	double vb[] = { 1.00e6, 1.10e6, 0.90e6, 1.05e6 };
	double vc[] = { 1.061e6, 1.164e6, 0.955e6, 1.112e6 };

	split = 4;
	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, vb, 4);
	put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, vc, 4);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(cmp.rows[0].verdict != GB_VERDICT_REGRESSION && !strcmp(cmp.rows[0].test, "t"));
	gb_compare_release(&cmp);
	gb_compare_opts_init(&o);
	o.paired = 1;
	CHECK(judge(&cmp, &b, &c, &o) == 0);
	CHECK(!strcmp(cmp.rows[0].test, "paired-t"));
	CHECK(cmp.rows[0].verdict == GB_VERDICT_REGRESSION);
	CHECK_NEAR(cmp.rows[0].ratio, 1.059, 0.003);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

TEST(simulated_counts)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	double one[2] = { 1000, 1000 }, up[2] = { 1002, 1002 }, near[2] = { 1000.5, 1000.5 },
	       down[2] = { 980, 980 }, wobbly[2] = { 1100, 1101 };
	/* 1.5e-4 of jitter, under half the threshold: judged on the extremes */
	double jb[2] = { 1000000, 1000150 }, jsame[2] = { 1000000, 1000160 },
	       jup[2] = { 1003000, 1003100 }, jb2[2] = { 1000000, 1000400 },
	       jedge[2] = { 1000900, 1001300 };

	put(&b, "a", "sim_ir", "count", GB_SRC_SIMULATED, one, 2);
	put(&c, "a", "sim_ir", "count", GB_SRC_SIMULATED, up, 2);
	put(&b, "b", "sim_ir", "count", GB_SRC_SIMULATED, one, 2);
	put(&c, "b", "sim_ir", "count", GB_SRC_SIMULATED, near, 2);
	put(&b, "c", "sim_ir", "count", GB_SRC_SIMULATED, one, 2);
	put(&c, "c", "sim_ir", "count", GB_SRC_SIMULATED, down, 2);
	put(&b, "d", "sim_ir", "count", GB_SRC_SIMULATED, one, 2);
	put(&c, "d", "sim_ir", "count", GB_SRC_SIMULATED, wobbly, 2);
	put(&b, "e", "sim_ir", "count", GB_SRC_SIMULATED, jb, 2);
	put(&c, "e", "sim_ir", "count", GB_SRC_SIMULATED, jsame, 2);
	put(&b, "f", "sim_ir", "count", GB_SRC_SIMULATED, jb, 2);
	put(&c, "f", "sim_ir", "count", GB_SRC_SIMULATED, jup, 2);
	put(&b, "g", "sim_ir", "count", GB_SRC_SIMULATED, jb2, 2);
	put(&c, "g", "sim_ir", "count", GB_SRC_SIMULATED, jedge, 2);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	/* +0.2% of a deterministic count: beyond its 0.1% threshold, no test */
	CHECK(row(&cmp, "a", "sim_ir")->verdict == GB_VERDICT_REGRESSION);
	CHECK(row(&cmp, "a", "sim_ir")->gating);
	CHECK(isnan(row(&cmp, "a", "sim_ir")->p));
	CHECK(row(&cmp, "b", "sim_ir")->verdict == GB_VERDICT_UNCHANGED);   /* +0.05% */
	CHECK(row(&cmp, "c", "sim_ir")->verdict == GB_VERDICT_IMPROVEMENT);
	/* two repetitions that disagree: flagged, and they do not gate */
	CHECK(row(&cmp, "d", "sim_ir")->nondet && !row(&cmp, "d", "sim_ir")->gating);
	CHECK(strstr(row(&cmp, "d", "sim_ir")->note, "non-deterministic") != NULL);
	CHECK(!row(&cmp, "a", "sim_ir")->nondet);
	/* a jitter under half the threshold gates, judged on the extremes */
	CHECK(row(&cmp, "e", "sim_ir")->nondet && row(&cmp, "e", "sim_ir")->gating);
	CHECK(row(&cmp, "e", "sim_ir")->verdict == GB_VERDICT_UNCHANGED);
	CHECK(strstr(row(&cmp, "e", "sim_ir")->note, "judged on the extremes") != NULL);
	CHECK(row(&cmp, "f", "sim_ir")->verdict == GB_VERDICT_REGRESSION);   /* +0.29% at the least */
	/* +0.05% .. +0.13% between the extremes: it straddles the 0.1% edge */
	CHECK(row(&cmp, "g", "sim_ir")->verdict == GB_VERDICT_INCONCLUSIVE && row(&cmp, "g", "sim_ir")->gating);
	CHECK(cmp.gating[GB_VERDICT_REGRESSION] == 2);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_REGRESSION);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

/*
 * The gate's instruction-count stage (perf-gate.sh): one valgrind process
 * per build counts each cpu cell twice. Recorded counts as it writes them:
 * a count change beyond the threshold is a regression whose note says by
 * how much and against what; two counts of one side that disagree (here
 * the current side's) make the cell non-deterministic, not gating, however
 * far it moved; --ir-threshold reaches compare as --threshold.
 */
TEST(ir_stage_counts)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	double base[2] = { 22150, 22150 }, plus[2] = { 22410, 22410 },
	       differ[2] = { 24000, 24031 }, same[2] = { 5000, 5000 };

	put(&b, "tiny.cpu.b1.f32.c0", "sim_ir", "count", GB_SRC_SIMULATED, base, 2);
	put(&c, "tiny.cpu.b1.f32.c0", "sim_ir", "count", GB_SRC_SIMULATED, plus, 2);
	put(&b, "other", "sim_ir", "count", GB_SRC_SIMULATED, same, 2);
	put(&c, "other", "sim_ir", "count", GB_SRC_SIMULATED, same, 2);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->verdict == GB_VERDICT_REGRESSION);
	CHECK(row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->note != NULL);
	CHECK(strstr(row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->note,
		     "+1.17% (22150 -> 22410") != NULL);
	CHECK(strstr(row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->note, "0.1% threshold") != NULL);
	CHECK(row(&cmp, "other", "sim_ir")->verdict == GB_VERDICT_UNCHANGED);
	CHECK(row(&cmp, "other", "sim_ir")->note == NULL);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_REGRESSION);
	gb_compare_release(&cmp);

	/* a threshold of 2% (--ir-threshold 2%): +1.17% passes */
	gb_compare_opts_init(&o);
	o.threshold = 0.02;
	CHECK(judge(&cmp, &b, &c, &o) == 0);
	CHECK(row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->verdict == GB_VERDICT_UNCHANGED);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_OK);
	gb_compare_release(&cmp);
	gb_results_release(&c);

	/* the current side's two counts disagree (24000, 24031): +8%, but not gating */
	memset(&c, 0, sizeof(c));
	put(&c, "tiny.cpu.b1.f32.c0", "sim_ir", "count", GB_SRC_SIMULATED, differ, 2);
	put(&c, "other", "sim_ir", "count", GB_SRC_SIMULATED, same, 2);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->nondet);
	CHECK(!row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->gating);
	CHECK(strstr(row(&cmp, "tiny.cpu.b1.f32.c0", "sim_ir")->note,
		     "non-deterministic: the counts differ between repetitions (24000 .. 24031 in "
		     "the current)") != NULL);
	CHECK(cmp.gating[GB_VERDICT_REGRESSION] == 0);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_OK);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

TEST(zero_missing_unavailable)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	double z[10] = { 0 }, v[10] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
	char *list[] = { "cache_hit_rate", NULL };

	put(&b, "w", "cache_hit_rate", "ratio", GB_SRC_MEASURED, z, 10);
	put(&c, "w", "cache_hit_rate", "ratio", GB_SRC_MEASURED, z, 10);
	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	put(&b, "gone", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	gb_metric_unavailable(gb_cell_metric(cell(&b, "w"), "llc_misses", "count",
					     GB_SRC_UNAVAILABLE), "no PMU");
	gb_metric_unavailable(gb_cell_metric(cell(&c, "w"), "llc_misses", "count",
					     GB_SRC_UNAVAILABLE), "no PMU");
	put(&b, "w", "cycles", "count", GB_SRC_MEASURED, v, 10);
	gb_metric_unavailable(gb_cell_metric(cell(&c, "w"), "cycles", "count",
					     GB_SRC_UNAVAILABLE), "no PMU");
	gb_compare_opts_init(&o);
	o.metrics = list;
	o.metrics_add = 1;
	CHECK(judge(&cmp, &b, &c, &o) == 0);
	CHECK(row(&cmp, "w", "cache_hit_rate")->verdict == GB_VERDICT_INCONCLUSIVE);
	CHECK(!row(&cmp, "w", "cache_hit_rate")->gating);   /* zero median never gates */
	CHECK(row(&cmp, "w", "wall_ns")->verdict == GB_VERDICT_UNCHANGED);
	CHECK(row(&cmp, "w", "llc_misses") == NULL);         /* unavailable on both: skipped */
	CHECK(row(&cmp, "w", "cycles")->verdict == GB_VERDICT_MISSING);
	CHECK(row(&cmp, "gone", "wall_ns")->verdict == GB_VERDICT_MISSING);
	/* a gating row on one side only cannot pass (DESIGN.md section 9) */
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_INCONCLUSIVE);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

TEST(incomparable_inputs)
{
	struct gb_results b = { 0 }, c = { 0 }, d = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	double v[10] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
	char *typo[] = { "wal_ns", NULL };

	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	put(&c, "w", "wall_ns", "us", GB_SRC_MEASURED, v, 10);
	put(&d, "other", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	fprintf(stderr, "# expected errors follow\n");
	CHECK(judge(&cmp, &b, &c, NULL) < 0);     /* units differ */
	gb_compare_release(&cmp);
	CHECK(judge(&cmp, &b, &d, NULL) < 0);     /* nothing in common */
	gb_compare_release(&cmp);
	gb_compare_opts_init(&o);
	o.metrics = typo;
	CHECK(judge(&cmp, &b, &b, &o) < 0);       /* a gating metric no side has */
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
	gb_results_release(&d);
}

static json_t *meta(const char *model, int cores, const char *vk, int schema,
		    const char *hash)
{
	json_t *m = json_pack("{s:i, s:{s:s, s:i}, s:{s:s, s:s, s:s}, s:{s:s}, s:b}", "schema",
			      schema, "host", "cpu_model", model, "cores", cores, "build",
			      "sanitizers", "none", "flags", "-O2 -g", "commit", "abc", "config",
			      "name", "ci", "complete", 1);
	json_t *ex = json_pack("{s:{s:b, s:s}}", "cpu", "available", 1, "device", model);

	if (vk)
		json_object_set_new(ex, "vulkan", json_pack("{s:b, s:s}", "available", 1,
							    "device", vk));
	json_object_set_new(m, "executors", ex);
	json_object_set_new(m, "traces", json_pack("[{s:s, s:s}]", "name", "w", "hash", hash));
	return m;
}

/* Whether m's machine class is want (said on stderr where it is not). */
static int class_is(json_t *m, const char *want)
{
	char *k = gb_machine_class(m);
	int ok = k && !strcmp(k, want);

	if (!ok)
		fprintf(stderr, "# machine class '%s', wanted '%s'\n", k ? k : "(none)", want);
	free(k);
	return ok;
}

TEST(machine_class_and_meta)
{
	json_t *a = meta("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", 12, NULL, 1, "aaaa");
	json_t *b = meta("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", 12,
			 "NVIDIA GeForce RTX 4090", 1, "bbbb");
	json_t *s2 = meta("x", 1, NULL, 2, "aaaa");
	struct gb_compare c;

	CHECK(class_is(a, "intel-core-i7-8700-12c"));
	CHECK(class_is(b, "intel-core-i7-8700-12c-nvidia-geforce-rtx-4090"));
	gb_compare_init(&c, "a", "b");
	CHECK(gb_compare_meta(&c, a, a) == 0);
	CHECK(c.nwarn == 0);
	gb_compare_release(&c);
	gb_compare_init(&c, "a", "b");
	fprintf(stderr, "# expected warnings and errors follow\n");
	CHECK(gb_compare_meta(&c, a, b) == 0);
	CHECK(c.nwarn == 2);   /* machine class, trace contents */
	CHECK(c.nwarn == 2 && strstr(c.warnings[0], "MACHINE CLASSES"));
	CHECK(c.nwarn == 2 && strstr(c.warnings[1], "trace 'w' differs"));
	gb_compare_release(&c);
	gb_compare_init(&c, "a", "b");
	CHECK(gb_compare_meta(&c, a, s2) < 0);     /* another schema */
	gb_compare_release(&c);
	json_decref(a);
	json_decref(b);
	json_decref(s2);
}

/* meta() with host.cpu_signature (x86 family/model, or arm implementer/part) and L1d/L2 sizes. */
static json_t *meta_sig(const char *arch, long a, long b, json_int_t l1, json_int_t l2)
{
	json_t *m = meta("AMD EPYC", 2, NULL, 1, "aaaa"), *host = json_object_get(m, "host");

	if (arch && !strcmp(arch, "x86"))
		json_object_set_new(host, "cpu_signature",
				    json_pack("{s:s, s:s, s:I, s:I, s:i}", "arch", "x86", "vendor",
					      "AuthenticAMD", "family", (json_int_t)a, "model",
					      (json_int_t)b, "stepping", 1));
	else if (arch)
		json_object_set_new(host, "cpu_signature",
				    json_pack("{s:s, s:I, s:I}", "arch", arch, "implementer",
					      (json_int_t)a, "part", (json_int_t)b));
	json_object_set_new(host, "caches",
			    json_pack("[{s:i, s:s, s:I}, {s:i, s:s, s:I}]", "level", 1, "type", "Data",
				      "size_bytes", l1, "level", 2, "type", "Unified", "size_bytes", l2));
	return m;
}

TEST(machine_class_signature_and_caches)
{
	json_t *zen3 = meta_sig("x86", 25, 1, 32768, 524288);
	json_t *zen4 = meta_sig("x86", 25, 17, 49152, 1048576);
	json_t *old = meta_sig(NULL, 0, 0, 49152, 1048576);
	json_t *arm = meta_sig("arm", 0x41, 0xd0c, 65536, 1048576);
	json_t *odd = meta_sig("x86", -1, 1, 32768, 524288);
	struct gb_compare c;

	/* one hypervisor name, two generations: two classes */
	CHECK(class_is(zen3, "amd-epyc-f25m1-2c"));
	CHECK(class_is(zen4, "amd-epyc-f25m17-2c"));
	CHECK(class_is(arm, "amd-epyc-i41pd0c-2c"));
	/* no signature (gbench before 0.9.2), or a malformed one: the class without it */
	CHECK(class_is(old, "amd-epyc-2c"));
	CHECK(class_is(odd, "amd-epyc-2c"));
	fprintf(stderr, "# expected warnings follow\n");
	gb_compare_init(&c, "a", "b");
	CHECK(gb_compare_meta(&c, zen4, zen3) == 0);
	CHECK(c.nwarn == 1 && strstr(c.warnings[0], "MACHINE CLASSES"));
	gb_compare_release(&c);
	/* one class, other caches: a run recorded without a signature beside one with */
	json_object_del(json_object_get(zen3, "host"), "cpu_signature");
	gb_compare_init(&c, "a", "b");
	CHECK(gb_compare_meta(&c, old, zen3) == 0);
	CHECK(c.nwarn == 1 && strstr(c.warnings[0], "DIFFERENT HARDWARE") &&
	      strstr(c.warnings[0], "L1 Data 48 KiB in the baseline, 32 KiB in the current; "
				    "L2 Unified 1 MiB in the baseline, 512 KiB in the current"));
	gb_compare_release(&c);
	/* the same caches, or a cache type that is not sysinfo's: nothing said */
	gb_compare_init(&c, "a", "b");
	CHECK(gb_compare_meta(&c, old, old) == 0);
	CHECK(c.nwarn == 0);
	gb_compare_release(&c);
	json_object_set_new(json_array_get(json_object_get(json_object_get(zen3, "host"), "caches"), 0),
			    "type", json_string("Data\x1b[31m"));
	json_object_set_new(json_array_get(json_object_get(json_object_get(zen3, "host"), "caches"), 1),
			    "size_bytes", json_integer(1048576));
	gb_compare_init(&c, "a", "b");
	CHECK(gb_compare_meta(&c, old, zen3) == 0);
	CHECK(c.nwarn == 0);
	gb_compare_release(&c);
	json_decref(zen3);
	json_decref(zen4);
	json_decref(old);
	json_decref(arm);
	json_decref(odd);
}

TEST(noise_note)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_xo g;
	double vb[20], vc[20], quiet[20], steal[20];

	gb_xo_seed(&g, 5);
	noisy(&g, vb, 20, 1e6, 0.01);
	noisy(&g, vc, 20, 1.3e6, 0.01);
	for (int i = 0; i < 20; i++) {
		quiet[i] = 0;
		steal[i] = 1e5;    /* 10% of a repetition stolen */
	}
	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, vb, 20);
	put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, vc, 20);
	put(&b, "w", "noise_steal_ns", "ns", GB_SRC_MEASURED, quiet, 20);
	put(&c, "w", "noise_steal_ns", "ns", GB_SRC_MEASURED, steal, 20);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(cmp.n == 1);    /* noise metrics are evidence, not rows */
	CHECK(cmp.rows[0].verdict == GB_VERDICT_REGRESSION);
	CHECK(cmp.rows[0].noise && strstr(cmp.rows[0].noise, "current: steal"));
	CHECK(cmp.noisy == 1);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

TEST(drift_warned)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_xo g;
	double v[12];
	char name[16];

	gb_xo_seed(&g, 11);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		noisy(&g, v, 12, 1e6, 0.01);
		put(&b, name, "wall_ns", "ns", GB_SRC_MEASURED, v, 12);
		noisy(&g, v, 12, 1.3e6, 0.01);
		put(&c, name, "wall_ns", "ns", GB_SRC_MEASURED, v, 12);
	}
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(cmp.nwarn == 1 && strstr(cmp.warnings[0], "whole 'cpu' executor moved"));
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_REGRESSION);   /* said, verdicts unchanged */
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

/*
 * The probe is a diagnostic: every cell 8% slower with the probe 8% slower
 * too (a global slowdown compiled into the probe as well) is 8
 * regressions; the machine's ratio is still reported, and no row's band
 * moved with it.
 */
TEST(probe_is_diagnostic)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_xo g;
	double v[30];
	char name[16];

	gb_xo_seed(&g, 7);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		noisy(&g, v, 30, 1e6, 0.01);
		put(&b, name, "wall_ns", "ns", GB_SRC_MEASURED, v, 30);
		noisy(&g, v, 30, 1.08e6, 0.01);
		put(&c, name, "wall_ns", "ns", GB_SRC_MEASURED, v, 30);
		noisy(&g, v, 30, 25000, 0.05);
		put(&b, name, "noise_probe_ns", "ns", GB_SRC_MEASURED, v, 30);
		noisy(&g, v, 30, 25000 * 1.08, 0.05);
		put(&c, name, "noise_probe_ns", "ns", GB_SRC_MEASURED, v, 30);
	}
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(cmp.gating[GB_VERDICT_REGRESSION] == 8);
	CHECK(cmp.nmachine == 1 && !strcmp(cmp.machine[0].executor, "cpu"));
	CHECK_NEAR(cmp.machine[0].ratio, 1.08, 0.01);
	CHECK(row(&cmp, "w1", "wall_ns")->machine == 1);
	CHECK(!cmp.opts.machine_speed);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

TEST(noise_probe)
{
	struct gb_noise n;
	struct gb_noise_sample s;
	volatile double x = 0;

	gb_noise_begin(&n);
	for (int i = 0; i < 1000000; i++)
		x += i;
	gb_noise_end(&n, &s);
	(void)x;
	/* What the kernel gives is never negative; what it does not is NAN. */
	CHECK(isnan(s.steal_ns) || s.steal_ns >= 0);
	CHECK(isnan(s.ctx_invol) || s.ctx_invol >= 0);
	CHECK(s.has_freq == !isnan(s.cpu_mhz));
	CHECK(!s.has_freq || (s.cpu_mhz > 10 && s.cpu_mhz < 100000));
	if (access("/proc/stat", R_OK) == 0)
		CHECK(!isnan(gb_noise_steal_ns()));
	CHECK(s.probe_ns > 0 && s.probe_ns < 1e9);
	CHECK(gb_noise_probe_ns() > 0);
	printf("# steal %g ns, %g involuntary switches, %g MHz, probe %g ns\n", s.steal_ns,
	       s.ctx_invol, s.cpu_mhz, s.probe_ns);
}

static char *slurp(const char *path)
{
	size_t len;

	return gb_read_file(path, &len);
}

TEST(outputs_reproducible)
{
	char dir[] = "/tmp/gb-compare-XXXXXX";
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_xo g;
	double v[12];
	const char *wl[] = { "a<&\"'>", "b|pipe", "c" };
	char *first[3] = { 0 };

	CHECK(mkdtemp(dir) != NULL);
	gb_xo_seed(&g, 9);
	for (int i = 0; i < 3; i++) {
		noisy(&g, v, 12, 1e6, 0.02);
		put(&b, wl[i], "wall_ns", "ns", GB_SRC_MEASURED, v, 12);
		noisy(&g, v, 12, 1e6 * (1 + 0.2 * i), 0.02);
		put(&c, wl[i], "wall_ns", "ns", GB_SRC_MEASURED, v, 12);
	}
	for (int round = 0; round < 2; round++) {
		struct gb_compare cmp;
		const char *ext[] = { "md", "xml", "json" };

		CHECK(judge(&cmp, &b, &c, NULL) == 0);
		for (int k = 0; k < 3; k++) {
			char *path = gb_xasprintf("%s/out.%s", dir, ext[k]), *s;

			CHECK((k == 0 ? gb_compare_write_markdown(&cmp, path)
			       : k == 1 ? gb_compare_write_junit(&cmp, path)
					: gb_compare_write_json(&cmp, path)) == 0);
			s = slurp(path);
			CHECK(s != NULL);
			if (round == 0) {
				first[k] = s;
			} else {
				CHECK(s && first[k] && !strcmp(s, first[k]));
				free(s);
			}
			unlink(path);
			free(path);
		}
		gb_compare_release(&cmp);
	}
	/* Escaping: XML entities, a Markdown pipe, and JSON that parses. */
	CHECK(first[1] && strstr(first[1], "a&lt;&amp;&quot;&apos;&gt;"));
	CHECK(first[0] && strstr(first[0], "b\\|pipe"));
	{
		json_error_t err;
		json_t *j = first[2] ? json_loads(first[2], 0, &err) : NULL;

		CHECK(j && json_integer_value(json_object_get(j, "exit")) == GB_EXIT_REGRESSION);
		CHECK(j && json_array_size(json_object_get(j, "rows")) == 3);
		json_decref(j);
	}
	for (int k = 0; k < 3; k++)
		free(first[k]);
	rmdir(dir);
	gb_results_release(&b);
	gb_results_release(&c);
}

/* A shift of a few ns in a 50 ns time is below the clock's resolution floor. */
TEST(resolution_floor)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_xo g;
	double vb[10], vc[10];

	gb_xo_seed(&g, 11);
	noisy(&g, vb, 10, 50, 0.005);
	noisy(&g, vc, 10, 58, 0.005);
	put(&b, "w", "latency_p50_ns", "ns", GB_SRC_MEASURED, vb, 10);
	put(&c, "w", "latency_p50_ns", "ns", GB_SRC_MEASURED, vc, 10);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(cmp.n == 1 && cmp.rows[0].verdict == GB_VERDICT_UNCHANGED);
	CHECK(cmp.rows[0].note && strstr(cmp.rows[0].note, "resolution floor"));
	gb_compare_release(&cmp);
	/* the same 16% shift at 50 us is a regression */
	for (int i = 0; i < 10; i++) {
		vb[i] *= 1000;
		vc[i] *= 1000;
	}
	gb_results_release(&b);
	gb_results_release(&c);
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	put(&b, "w", "latency_p50_ns", "ns", GB_SRC_MEASURED, vb, 10);
	put(&c, "w", "latency_p50_ns", "ns", GB_SRC_MEASURED, vc, 10);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(cmp.n == 1 && cmp.rows[0].verdict == GB_VERDICT_REGRESSION);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

/* A run of `processes = 3` read as a baseline: its repetitions split by meta.json's counts. */
TEST(baseline_split_by_process)
{
	struct gb_results run = { 0 }, pooled = { 0 };
	struct gb_compare cmp;
	char dir[] = "/tmp/gbench-cmp-procs.XXXXXX";
	double v[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	json_t *meta;
	char *id;

	CHECK(mkdtemp(dir) != NULL);
	put(&run, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 9);
	put(&run, "w", "sim_ir", "count", GB_SRC_SIMULATED, v, 1);   /* not per process */
	id = gb_xstrdup(run.cells[0].id);
	meta = json_pack("{s:i, s:{s:i, s:{s:[i,i,i]}}}", "schema", 1, "processes", "count", 3,
			 "repetitions", id, 2, 3, 4);
	CHECK(gb_results_write(&run, dir, meta) == 0);
	gb_compare_init(&cmp, dir, dir);
	CHECK(gb_compare_read_baseline(&cmp, dir, &pooled) == 0);
	CHECK(pooled.n == 1 && pooled.cells[0].metrics[0].n == 9);
	CHECK(cmp.nbase_procs == 3);
	if (cmp.nbase_procs == 3) {
		const struct gb_metric *m0 = &cmp.base_procs[0].cells[0].metrics[0];
		const struct gb_metric *m2 = &cmp.base_procs[2].cells[0].metrics[0];

		CHECK(cmp.base_procs[0].cells[0].nmetrics == 1);   /* sim_ir left out */
		CHECK(m0->n == 2 && m0->v[0] == 1 && m0->v[1] == 2);
		CHECK(m2->n == 4 && m2->v[0] == 6 && m2->v[3] == 9);
	}
	gb_compare_release(&cmp);
	/* counts that are not counts: the run stays whole */
	json_object_set_new(json_object_get(json_object_get(meta, "processes"), "repetitions"),
			    id, json_pack("[i,i,i]", -1, 6, 4));
	CHECK(gb_results_write(&run, dir, meta) == 0);
	gb_results_release(&pooled);
	memset(&pooled, 0, sizeof(pooled));
	gb_compare_init(&cmp, dir, dir);
	CHECK(gb_compare_read_baseline(&cmp, dir, &pooled) == 0);
	CHECK(cmp.nbase_procs == 3 && cmp.base_procs[0].n == 0);
	gb_compare_release(&cmp);
	/* one process in all: the run is that one process */
	json_object_set_new(json_object_get(meta, "processes"), "count", json_integer(1));
	CHECK(gb_results_write(&run, dir, meta) == 0);
	gb_results_release(&pooled);
	memset(&pooled, 0, sizeof(pooled));
	gb_compare_init(&cmp, dir, dir);
	CHECK(gb_compare_read_baseline(&cmp, dir, &pooled) == 0);
	CHECK(cmp.nbase_procs == 1 && cmp.base_procs[0].cells[0].metrics[0].n == 9);
	gb_compare_release(&cmp);
	/* the current side is split the same way (issue 16: both sides count processes) */
	json_object_set_new(json_object_get(meta, "processes"), "count", json_integer(3));
	CHECK(gb_results_write(&run, dir, meta) == 0);
	gb_results_release(&pooled);
	memset(&pooled, 0, sizeof(pooled));
	gb_compare_init(&cmp, dir, dir);
	CHECK(gb_compare_read_current(&cmp, dir, &pooled) == 0);
	CHECK(cmp.ncur_procs == 3 && cmp.nbase_procs == 0);
	gb_compare_release(&cmp);
	json_decref(meta);
	free(id);
	gb_results_release(&run);
	gb_results_release(&pooled);
	{
		char *cmd = gb_xasprintf("rm -rf '%s'", dir);

		CHECK(system(cmd) == 0);
		free(cmd);
	}
}

/*
 * issue 21: a current run without the rows of the cell that regressed
 * passed the gate (exit 0): a gating cell x metric on one side only, either
 * side, makes the verdict inconclusive at least, and its row says why; a
 * reported metric on one side only does not.
 */
TEST(missing_gating_row)
{
	struct gb_results b = { 0 }, c = { 0 }, d = { 0 };
	struct gb_compare cmp;
	double v[10] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 }, slow[10];
	const struct gb_compare_row *r;

	put(&b, "slow", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	put(&b, "same", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	put(&c, "same", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	r = row(&cmp, "slow", "wall_ns");
	CHECK(r && r->verdict == GB_VERDICT_MISSING && r->gating);
	CHECK(r && r->note && strstr(r->note, "absent in the current") &&
	      strstr(r->note, "inconclusive"));
	CHECK(cmp.gating[GB_VERDICT_MISSING] == 1);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_INCONCLUSIVE);
	gb_compare_release(&cmp);
	/* the reverse: a gating row the baseline lacks */
	CHECK(judge(&cmp, &c, &b, NULL) == 0);
	r = row(&cmp, "slow", "wall_ns");
	CHECK(r && r->verdict == GB_VERDICT_MISSING && r->note &&
	      strstr(r->note, "absent in the baseline"));
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_INCONCLUSIVE);
	gb_compare_release(&cmp);
	/* a regression still wins */
	for (int i = 0; i < 10; i++)
		slow[i] = 9e3;
	put(&d, "same", "wall_ns", "ns", GB_SRC_MEASURED, slow, 10);
	CHECK(judge(&cmp, &b, &d, NULL) == 0);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_REGRESSION);
	gb_compare_release(&cmp);
	/* a reported (not gating) metric on one side only: no effect on the exit */
	put(&c, "slow", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	put(&b, "same", "cycles", "count", GB_SRC_MEASURED, v, 10);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "same", "cycles")->verdict == GB_VERDICT_MISSING);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_OK);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
	gb_results_release(&d);
}

/*
 * issue 21: a baseline's meta.json processes.count of 2^59 + 1 sized the
 * split of its repetitions (the multiplication wrapped): an abort, not an
 * error. Counts no run can have are refused.
 */
TEST(baseline_bad_process_count)
{
	struct gb_results run = { 0 };
	char dir[] = "/tmp/gbench-cmp-count.XXXXXX";
	double v[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	json_t *counts[] = {
		json_integer(576460752303423489LL), json_integer(65), json_integer(0),
		json_integer(-3), json_string("3"),
	};
	json_t *meta;
	char *id;

	CHECK(mkdtemp(dir) != NULL);
	put(&run, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 9);
	id = gb_xstrdup(run.cells[0].id);
	meta = json_pack("{s:i, s:{s:i, s:{s:[i,i,i]}}}", "schema", 1, "processes", "count", 3,
			 "repetitions", id, 2, 3, 4);
	fprintf(stderr, "# expected errors follow\n");
	for (size_t i = 0; i < GB_ARRAY_SIZE(counts); i++) {
		struct gb_results pooled = { 0 };
		struct gb_compare cmp;

		json_object_set_new(json_object_get(meta, "processes"), "count", counts[i]);
		CHECK(gb_results_write(&run, dir, meta) == 0);
		gb_compare_init(&cmp, dir, dir);
		CHECK(gb_compare_read_baseline(&cmp, dir, &pooled) == -1);
		gb_compare_release(&cmp);
		gb_results_release(&pooled);
	}
	json_decref(meta);
	free(id);
	gb_results_release(&run);
	{
		char *cmd = gb_xasprintf("rm -rf '%s'", dir);

		CHECK(system(cmd) == 0);
		free(cmd);
	}
}

/* Counts settled "wide." and "slow." in the test below, not "open.". */
static int fake_settled(void *ctx, const char *cell)
{
	(void)ctx;
	return !strncmp(cell, "wide.", 5) || !strncmp(cell, "slow.", 5);
}

/*
 * Counts first (issue 16, item 2): four processes a side 10% apart leave
 * time's interval past both edges of the band (inconclusive); where the
 * cell's instruction count was deterministic and unchanged that row is
 * unchanged, saying why; a regression time confirms stands; a cell the
 * counts did not settle stays open.
 */
TEST(counts_settle_open_time_rows)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	double wb[] = { 1.00e6, 1.20e6, 0.85e6, 1.10e6 }, wc[] = { 1.15e6, 0.90e6, 1.05e6, 0.95e6 };
	double sb[] = { 1.00e6, 1.01e6, 0.99e6, 1.00e6 }, sc[] = { 2.00e6, 2.02e6, 1.98e6, 2.01e6 };
	const struct gb_compare_row *r;

	split = 4;
	put(&b, "wide", "wall_ns", "ns", GB_SRC_MEASURED, wb, 4);
	put(&c, "wide", "wall_ns", "ns", GB_SRC_MEASURED, wc, 4);
	put(&b, "open", "wall_ns", "ns", GB_SRC_MEASURED, wb, 4);
	put(&c, "open", "wall_ns", "ns", GB_SRC_MEASURED, wc, 4);
	put(&b, "slow", "wall_ns", "ns", GB_SRC_MEASURED, sb, 4);
	put(&c, "slow", "wall_ns", "ns", GB_SRC_MEASURED, sc, 4);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "wide", "wall_ns")->verdict == GB_VERDICT_INCONCLUSIVE);
	CHECK(cmp.by_counts == 0);
	gb_compare_release(&cmp);
	gb_compare_opts_init(&o);
	o.counts_settled = fake_settled;
	o.counts_from = "g/compare-ir.json";
	CHECK(judge(&cmp, &b, &c, &o) == 0);
	r = row(&cmp, "wide", "wall_ns");
	CHECK(r->verdict == GB_VERDICT_UNCHANGED);
	CHECK(r->note && strstr(r->note, "instruction count unchanged (g/compare-ir.json)") &&
	      strstr(r->note, "interval wider than"));
	CHECK(row(&cmp, "open", "wall_ns")->verdict == GB_VERDICT_INCONCLUSIVE);
	CHECK(row(&cmp, "slow", "wall_ns")->verdict == GB_VERDICT_REGRESSION);
	CHECK(cmp.by_counts == 1);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_REGRESSION);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

/* The count stage's compare JSON: which cells it settled, and what it refuses. */
TEST(counts_file)
{
	char dir[] = "/tmp/gb-test-counts.XXXXXX", *path, *cmd;
	struct gb_counts *s = NULL;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	path = gb_xasprintf("%s/ir.json", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("{\"tool\": \"gbench compare\", \"rows\": [\n"
	      "{\"cell\": \"a\", \"metric\": \"sim_ir\", \"verdict\": \"unchanged\", \"gating\": true, \"nondeterministic\": false},\n"
	      "{\"cell\": \"b\", \"metric\": \"sim_ir\", \"verdict\": \"regression\", \"gating\": true, \"nondeterministic\": false},\n"
	      "{\"cell\": \"c\", \"metric\": \"sim_ir\", \"verdict\": \"unchanged\", \"gating\": false, \"nondeterministic\": true},\n"
	      "{\"cell\": \"c2\", \"metric\": \"sim_ir\", \"verdict\": \"unchanged\", \"gating\": true, \"nondeterministic\": true},\n"
	      "{\"cell\": \"d\", \"metric\": \"wall_ns\", \"verdict\": \"unchanged\", \"gating\": true, \"nondeterministic\": false},\n"
	      "{\"cell\": \"e\", \"metric\": \"sim_ir\", \"verdict\": \"unchanged\", \"gating\": false, \"nondeterministic\": false}\n"
	      "]}\n", f);
	CHECK(fclose(f) == 0);
	CHECK(gb_counts_load(&s, path) == 0);
	CHECK(gb_counts_settled(s, "a") == 1);
	CHECK(gb_counts_settled(s, "b") == 0);
	CHECK(gb_counts_settled(s, "c") == 0);    /* too unsteady to gate */
	CHECK(gb_counts_settled(s, "c2") == 1);   /* steady enough, judged on its extremes */
	CHECK(gb_counts_settled(s, "d") == 0);
	CHECK(gb_counts_settled(s, "e") == 0);
	CHECK(gb_counts_settled(s, "z") == 0);
	gb_counts_free(s);
	/* not a compare's JSON, no sim_ir row, no file */
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("{\"tool\": \"gbench run\", \"rows\": []}\n", f);
	CHECK(fclose(f) == 0);
	CHECK(gb_counts_load(&s, path) < 0 && s == NULL);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("{\"tool\": \"gbench compare\", \"rows\": [{\"cell\": \"d\", \"metric\": \"wall_ns\"}]}\n", f);
	CHECK(fclose(f) == 0);
	CHECK(gb_counts_load(&s, path) < 0 && s == NULL);
	CHECK(gb_counts_load(&s, "/nonexistent/ir.json") < 0 && s == NULL);
	cmd = gb_xasprintf("rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(path);
}

int main(void)
{
	RUN(aa_not_flagged);
	RUN(shift_flagged);
	RUN(direction_aware);
	RUN(too_few_processes);
	RUN(class_spread_for_single_processes);
	RUN(counts_settle_open_time_rows);
	RUN(counts_file);
	RUN(pseudo_replication);
	RUN(holm_over_rows);
	RUN(paired_processes);
	RUN(simulated_counts);
	RUN(ir_stage_counts);
	RUN(zero_missing_unavailable);
	RUN(incomparable_inputs);
	RUN(machine_class_and_meta);
	RUN(machine_class_signature_and_caches);
	RUN(noise_note);
	RUN(drift_warned);
	RUN(probe_is_diagnostic);
	RUN(noise_probe);
	RUN(outputs_reproducible);
	RUN(resolution_floor);
	RUN(baseline_split_by_process);
	RUN(missing_gating_row);
	RUN(baseline_bad_process_count);
	return unit_done();
}
