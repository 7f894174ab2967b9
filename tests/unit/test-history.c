/*
 * test-history.c - the history store and what is computed from it: the
 * change-point detector (a 3% step found where it is, nothing in A/A noise,
 * an exact step in deterministic counts), the rustc-perf noise threshold,
 * and the SQLite store (runs unique by fingerprint, a rolled-back
 * transaction leaving nothing, series walked whole and in run order).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsio.h"
#include "gbench.h"
#include "history/changepoint.h"
#include "history/history.h"
#include "unit.h"

/* A small seeded normal generator (xorshift64* + Box-Muller): the test's own. */
static uint64_t rs;
static double unif(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return ((rs * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53 + 0x1.0p-54;
}
static double gauss(void)
{
	return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

/* 60 runs around 1e6 with noise sd (relative); runs after 'after' times 1 + step. */
static void series(double *x, size_t n, double sd, size_t after, double step, uint64_t seed)
{
	rs = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (size_t i = 0; i < n; i++)
		x[i] = 1e6 * (1 + sd * gauss()) * (i >= after ? 1 + step : 1);
}

TEST(step_found_at_41)
{
	double x[60];
	int near = 0;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct gb_changepoint *cp;
		size_t n;

		series(x, 60, 0.01, 40, 0.03, seed);
		n = gb_changepoints(x, 60, GB_CP_MIN_SHIFT, &cp);
		/* index 40 is run 41 */
		if (n == 1 && cp[0].index >= 39 && cp[0].index <= 41 && fabs(cp[0].shift - 0.03) < 0.01)
			near++;
		else
			printf("#   seed %llu: %zu found, first at %zu\n", (unsigned long long)seed, n,
			       n ? cp[0].index : 0);
		free(cp);
	}
	/* 1% noise, 3% step: every seed, run 41 +- 1 */
	CHECK(near == 20);
}

TEST(aa_finds_nothing)
{
	double x[60];
	size_t total = 0;

	for (uint64_t seed = 100; seed < 300; seed++) {
		struct gb_changepoint *cp;

		series(x, 60, 0.01, 60, 0, seed);
		total += gb_changepoints(x, 60, 0, &cp);   /* no floor: the penalty alone */
		free(cp);
	}
	/* 200 A/A series of 60 runs: a false shift in at most 1% of them */
	printf("#   %zu false shifts in 200 A/A series\n", total);
	CHECK(total <= 2);
}

TEST(counts_step_exact)
{
	double x[30];
	struct gb_changepoint *cp;
	size_t n;

	for (size_t i = 0; i < 30; i++)
		x[i] = i < 12 ? 1000000 : 1020000;   /* sim_ir: deterministic, +2% at run 13 */
	n = gb_changepoints(x, 30, GB_CP_MIN_SHIFT, &cp);
	CHECK(n == 1);
	if (n == 1) {
		CHECK(cp[0].index == 12);
		CHECK_NEAR(cp[0].shift, 0.02, 1e-12);
	}
	free(cp);
	for (size_t i = 0; i < 30; i++)
		x[i] = 1000000;
	CHECK(gb_changepoints(x, 30, 0, &cp) == 0 && cp == NULL);
}

TEST(unusable_series)
{
	double x[20];
	struct gb_changepoint *cp;

	for (size_t i = 0; i < 20; i++)
		x[i] = i < 10 ? 1 : 2;
	CHECK(gb_changepoints(x, 9, 0, &cp) == 0);    /* too short for two segments */
	x[3] = NAN;
	CHECK(gb_changepoints(x, 20, 0, &cp) == 0);
	x[3] = 0;
	CHECK(gb_changepoints(x, 20, 0, &cp) == 0);
	x[3] = 1;
	CHECK(gb_changepoints(x, 20, 0, &cp) == 1);   /* and the same series without them: found */
	free(cp);
	/* a 0.5% step is under the 1% floor */
	for (size_t i = 0; i < 20; i++)
		x[i] = i < 10 ? 1000 : 1005;
	CHECK(gb_changepoints(x, 20, GB_CP_MIN_SHIFT, &cp) == 0);
}

TEST(noise_threshold)
{
	double v[120];

	for (size_t i = 0; i < 49; i++)
		v[i] = 100;
	CHECK(isnan(gb_history_noise_threshold(v, 49)));
	/* alternating 100, 101: changes of +1% and -0.990099%; Q1..Q3 spans them */
	for (size_t i = 0; i < 120; i++)
		v[i] = i % 2 ? 101 : 100;
	{
		/* the last 100 values: 99 changes, 50 of 1/101 and 49 of 1/100 */
		double lo = 1.0 / 101, hi = 1.0 / 100;
		double t = gb_history_noise_threshold(v, 120);

		CHECK(t > hi && t < hi + 3 * (hi - lo) + 1e-12);
		CHECK_NEAR(t, hi + 3 * (hi - lo), 1e-12);
	}
	/* an old jump beyond the last 100 runs does not count */
	for (size_t i = 0; i < 120; i++)
		v[i] = i < 20 ? 50 : 100;
	CHECK_NEAR(gb_history_noise_threshold(v, 120), 0, 1e-15);
}

static int collect(void *arg, const struct gb_history_series *s)
{
	struct gb_history_series *out = arg;
	size_t k = out->n++;

	/* keep cell, metric and values of at most 4 series as strings: enough here */
	if (k < 4) {
		out->commit[k] = gb_xasprintf("%s|%s|%s|%zu|%g|%g|%s", s->branch, s->cell, s->metric,
					      s->n, s->v[0], s->v[s->n - 1], s->commit[0]);
	}
	return 0;
}

TEST(sqlite_store)
{
	char dir[] = "/tmp/gbench-test-history.XXXXXX", *path;
	struct gb_history h;
	struct gb_history_run run = { .klass = "k", .config = "ci", .branch = "main", .source = "x" };
	struct gb_history_filter all = { 0 };
	struct gb_history_series got = { 0 };
	char *slots[4] = { 0 };
	struct gb_history_run *runs;
	size_t nruns;
	int64_t id;

	CHECK(mkdtemp(dir) != NULL);
	path = gb_xasprintf("%s/sub/h.sqlite", dir);
	CHECK(gb_history_open(&h, path, 0) < 0);    /* not there and not created */
	CHECK(gb_history_open(&h, path, 1) == 0);
	if (!h.iface) {
		free(path);
		return;
	}
	/* three runs, added out of time order: series come in start order */
	CHECK(h.iface->begin(h.ctx) == 0);
	for (int i = 0; i < 3; i++) {
		char fp[8], commit[8], start[32];
		static const int order[3] = { 2, 0, 1 };

		snprintf(fp, sizeof(fp), "fp%d", order[i]);
		snprintf(commit, sizeof(commit), "c%d", order[i]);
		snprintf(start, sizeof(start), "2026-12-0%dT00:00:00Z", order[i] + 1);
		run.commit = commit;
		run.start = start;
		CHECK(h.iface->add_run(h.ctx, &run, fp, &id) == 1);
		CHECK(h.iface->add_point(h.ctx, id, "a.cpu", "wall_ns", "ns", 100 + order[i], 10) == 0);
		CHECK(h.iface->add_point(h.ctx, id, "b.cpu", "wall_ns", "ns", 200 + order[i], 10) == 0);
	}
	run.commit = "c0";
	run.start = "x";
	CHECK(h.iface->add_run(h.ctx, &run, "fp0", &id) == 0);    /* the same fingerprint: known */
	CHECK(h.iface->commit(h.ctx) == 0);

	/* a rolled-back transaction leaves nothing */
	CHECK(h.iface->begin(h.ctx) == 0);
	run.start = "2026-12-09T00:00:00Z";
	CHECK(h.iface->add_run(h.ctx, &run, "fp9", &id) == 1);
	CHECK(h.iface->add_point(h.ctx, id, "a.cpu", "wall_ns", "ns", 1, 1) == 0);
	h.iface->rollback(h.ctx);

	CHECK(h.iface->runs(h.ctx, &all, &runs, &nruns) == 0);
	CHECK(nruns == 3);
	if (nruns == 3) {
		CHECK_STR(runs[0].commit, "c0");
		CHECK_STR(runs[2].commit, "c2");
		CHECK(runs[1].npoints == 2);
	}
	gb_history_runs_free(runs, nruns);

	got.commit = slots;
	CHECK(gb_history_walk(&h, &all, collect, &got) == 0);
	CHECK(got.n == 2);
	if (got.n == 2) {
		CHECK_STR(slots[0], "main|a.cpu|wall_ns|3|100|102|c0");
		CHECK_STR(slots[1], "main|b.cpu|wall_ns|3|200|202|c0");
	}
	for (int i = 0; i < 4; i++)
		free(slots[i]);
	gb_history_close(&h);

	/* reopened: still there */
	CHECK(gb_history_open(&h, path, 0) == 0);
	if (h.iface) {
		CHECK(h.iface->runs(h.ctx, &all, &runs, &nruns) == 0);
		CHECK(nruns == 3);
		gb_history_runs_free(runs, nruns);
		gb_history_close(&h);
	}
	CHECK(gb_rm_tree(dir) == 0);
	free(path);
}

TEST(default_path)
{
	char *p;

	setenv("XDG_DATA_HOME", "/x/data", 1);
	p = gb_history_default_path();
	CHECK_STR(p, "/x/data/gbench/history.sqlite");
	free(p);
	setenv("XDG_DATA_HOME", "relative", 1);    /* ignored, as the spec says */
	setenv("HOME", "/home/u", 1);
	p = gb_history_default_path();
	CHECK_STR(p, "/home/u/.local/share/gbench/history.sqlite");
	free(p);
	unsetenv("XDG_DATA_HOME");
}

int main(void)
{
	RUN(step_found_at_41);
	RUN(aa_finds_nothing);
	RUN(counts_step_exact);
	RUN(unusable_series);
	RUN(noise_threshold);
	RUN(sqlite_store);
	RUN(default_path);
	return unit_done();
}
