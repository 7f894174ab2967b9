/*
 * test-compare.c - verdicts of bench/compare.c on synthetic results: the
 * gate's false-alarm and detection rates over seeded trials (A/A at 5%
 * noise with 10 repetitions a side not flagged in >= 19 of 20; a 10% shift
 * at 3% noise with 20 a side flagged in >= 19 of 20), direction, simulated
 * counts, too few repetitions, zero medians, missing and unavailable
 * metrics, mismatched units, the exit code, the machine class, the meta.json
 * checks, the noise note and probe, and byte-identical outputs from
 * identical inputs; a gating row on one side only is inconclusive, and a
 * baseline's process count no run can have is refused (issue 21).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compare.h"
#include "fsio.h"
#include "gbench.h"
#include "noise.h"
#include "results.h"
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

TEST(too_few_repetitions)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	/* milliseconds in ns: far above the resolution floor */
	double vb[] = { 1e6, 1.01e6, 0.99e6, 1.02e6, 1e6, 1.01e6, 0.98e6, 1e6, 1e6 };
	double vc[] = { 2e6, 2.01e6, 1.99e6, 2.02e6, 2e6, 2.01e6, 1.98e6, 2e6, 2e6 };

	put(&b, "w", "wall_ns", "ns", GB_SRC_MEASURED, vb, 9);
	put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, vc, 9);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(cmp.n == 1 && cmp.rows[0].verdict == GB_VERDICT_INCONCLUSIVE);
	CHECK(cmp.rows[0].note && strstr(cmp.rows[0].note, "repetitions"));
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_INCONCLUSIVE);
	gb_compare_release(&cmp);
	gb_results_release(&b);
	gb_results_release(&c);
}

TEST(simulated_counts)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare cmp;
	double one = 1000, up = 1011, near = 1005, down = 980;

	put(&b, "a", "sim_ir", "count", GB_SRC_SIMULATED, &one, 1);
	put(&c, "a", "sim_ir", "count", GB_SRC_SIMULATED, &up, 1);
	put(&b, "b", "sim_ir", "count", GB_SRC_SIMULATED, &one, 1);
	put(&c, "b", "sim_ir", "count", GB_SRC_SIMULATED, &near, 1);
	put(&b, "c", "sim_ir", "count", GB_SRC_SIMULATED, &one, 1);
	put(&c, "c", "sim_ir", "count", GB_SRC_SIMULATED, &down, 1);
	CHECK(judge(&cmp, &b, &c, NULL) == 0);
	CHECK(row(&cmp, "a", "sim_ir")->verdict == GB_VERDICT_REGRESSION);
	CHECK(row(&cmp, "a", "sim_ir")->gating);
	CHECK(isnan(row(&cmp, "a", "sim_ir")->p));     /* no test */
	CHECK(row(&cmp, "b", "sim_ir")->verdict == GB_VERDICT_UNCHANGED);
	CHECK(row(&cmp, "c", "sim_ir")->verdict == GB_VERDICT_IMPROVEMENT);
	CHECK(gb_compare_exit(&cmp) == GB_EXIT_REGRESSION);
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

TEST(machine_class_and_meta)
{
	json_t *a = meta("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", 12, NULL, 1, "aaaa");
	json_t *b = meta("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", 12,
			 "NVIDIA GeForce RTX 4090", 1, "bbbb");
	json_t *s2 = meta("x", 1, NULL, 2, "aaaa");
	struct gb_compare c;
	char *k;

	k = gb_machine_class(a);
	CHECK_STR(k, "intel-core-i7-8700-12c");
	free(k);
	k = gb_machine_class(b);
	CHECK_STR(k, "intel-core-i7-8700-12c-nvidia-geforce-rtx-4090");
	free(k);
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
 * The machine's speed: 8 cells 8% slower and the probe 8% slower on the
 * current side: unchanged, the shift reported per executor; with
 * machine_speed off, regressions. 8% slower with the probe unchanged:
 * every cell moved together, which one run cannot tell from the machine:
 * inconclusive (shared_shift); one of them 30% slower: a regression still;
 * all 15% slower, more than a machine drifts: regressions. Unchanged cells
 * with the probe 8% faster on the current side: still unchanged (the band
 * never narrows). A cell 20% slower on a machine 8% slower: a regression
 * still.
 */
static size_t machine_case(double cells, double probe, double one, int apply,
			   struct gb_compare *cmp)
{
	struct gb_results b = { 0 }, c = { 0 };
	struct gb_compare_opts o;
	struct gb_xo g;
	double v[30];
	char name[16];
	size_t reg;

	gb_xo_seed(&g, 7);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		noisy(&g, v, 30, 1e6, 0.01);
		put(&b, name, "wall_ns", "ns", GB_SRC_MEASURED, v, 30);
		noisy(&g, v, 30, 1e6 * (i ? cells : one), 0.01);
		put(&c, name, "wall_ns", "ns", GB_SRC_MEASURED, v, 30);
		noisy(&g, v, 30, 25000, 0.05);
		put(&b, name, "noise_probe_ns", "ns", GB_SRC_MEASURED, v, 30);
		noisy(&g, v, 30, 25000 * probe, 0.05);
		put(&c, name, "noise_probe_ns", "ns", GB_SRC_MEASURED, v, 30);
	}
	gb_compare_opts_init(&o);
	o.machine_speed = apply;
	gb_compare_init(cmp, "base", "cur");
	CHECK(gb_compare_results(cmp, &b, &c, &o) == 0);
	reg = cmp->gating[GB_VERDICT_REGRESSION];
	gb_results_release(&b);
	gb_results_release(&c);
	return reg;
}

TEST(machine_speed)
{
	struct gb_compare cmp;

	CHECK(machine_case(1.08, 1.08, 1.08, 1, &cmp) == 0);
	CHECK(cmp.nmachine == 1 && !strcmp(cmp.machine[0].executor, "cpu"));
	CHECK(cmp.machine[0].n_base == 240 && cmp.machine[0].n_cur == 240);
	CHECK_NEAR(cmp.machine[0].ratio, 1.08, 0.01);
	CHECK_NEAR(row(&cmp, "w1", "wall_ns")->machine, cmp.machine[0].ratio, 1e-12);
	gb_compare_release(&cmp);
	CHECK(machine_case(1.08, 1.08, 1.08, 0, &cmp) == 8);
	gb_compare_release(&cmp);
	CHECK(machine_case(1.08, 1.0, 1.08, 1, &cmp) == 0);
	CHECK(cmp.gating[GB_VERDICT_INCONCLUSIVE] == 8);
	CHECK_NEAR(cmp.machine[0].cells_ratio, 1.08, 0.01);
	CHECK(cmp.machine[0].n_cells == 8);
	CHECK(strstr(row(&cmp, "w3", "wall_ns")->note, "moved with every 'cpu' cell") != NULL);
	gb_compare_release(&cmp);
	CHECK(machine_case(1.08, 1.0, 1.30, 1, &cmp) == 1);
	CHECK(row(&cmp, "w0", "wall_ns")->verdict == GB_VERDICT_REGRESSION);
	gb_compare_release(&cmp);
	CHECK(machine_case(1.15, 1.0, 1.15, 1, &cmp) == 8);
	gb_compare_release(&cmp);
	CHECK(machine_case(1.0, 0.92, 1.0, 1, &cmp) == 0);
	CHECK(cmp.gating[GB_VERDICT_IMPROVEMENT] == 0);
	gb_compare_release(&cmp);
	CHECK(machine_case(1.08, 1.08, 1.2, 1, &cmp) == 1);
	CHECK(row(&cmp, "w0", "wall_ns")->verdict == GB_VERDICT_REGRESSION);
	gb_compare_release(&cmp);
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

/*
 * Three baseline runs (processes), one 8% slower than the others, each
 * with tight repetitions: a current run at 1.12 clears the pooled test
 * (pooled median about 1.00) but not the slowest run by the 5% threshold,
 * so it is no regression; one at 1.20 is.
 */
TEST(baseline_runs_spread)
{
	struct gb_results runs[3] = { { 0 }, { 0 }, { 0 } }, pooled = { 0 }, c = { 0 };
	static const double means[3] = { 1.00e6, 1.00e6, 1.08e6 };
	struct gb_compare_opts o;
	struct gb_compare cmp;
	struct gb_xo g;
	double v[10];

	gb_xo_seed(&g, 12);
	gb_compare_opts_init(&o);
	for (int r = 0; r < 3; r++) {
		noisy(&g, v, 10, means[r], 0.005);
		put(&runs[r], "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
		put(&pooled, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
	}
	for (int k = 0; k < 2; k++) {
		noisy(&g, v, 10, k ? 1.20e6 : 1.12e6, 0.005);
		put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 10);
		gb_compare_init(&cmp, "base", "cur");
		cmp.base_procs = runs;
		cmp.nbase_procs = 3;
		CHECK(gb_compare_results(&cmp, &pooled, &c, &o) == 0);
		CHECK(cmp.n == 1);
		if (k == 0) {
			CHECK(cmp.rows[0].verdict == GB_VERDICT_UNCHANGED);
			CHECK(cmp.rows[0].note &&
			      strstr(cmp.rows[0].note, "spread of the 3 baseline processes"));
		} else {
			CHECK(cmp.rows[0].verdict == GB_VERDICT_REGRESSION);
		}
		cmp.base_procs = NULL;   /* the test owns them */
		cmp.nbase_procs = 0;
		gb_compare_release(&cmp);
		gb_results_release(&c);
		memset(&c, 0, sizeof(c));
	}
	for (int r = 0; r < 3; r++)
		gb_results_release(&runs[r]);
	gb_results_release(&pooled);
}

/*
 * An A/A comparison whose baseline processes spread by +-8% (4 repetitions
 * each) against a current run as wide: the pooled interval reaches past
 * both edges of the +-5% band, which the run alone calls inconclusive; it
 * lies within the band around the baseline's processes, so it is
 * unchanged. A 30% slowdown of every process is still a regression.
 */
TEST(baseline_processes_band)
{
	struct gb_results procs[3] = { { 0 }, { 0 }, { 0 } }, pooled = { 0 }, c = { 0 };
	static const double means[3] = { 0.92e6, 1.00e6, 1.08e6 }, cur[3] = { 1.08e6, 0.92e6, 1.0e6 };
	struct gb_compare_opts o;
	struct gb_compare cmp;
	struct gb_xo g;
	double v[4];

	gb_xo_seed(&g, 7);
	gb_compare_opts_init(&o);
	for (int r = 0; r < 3; r++) {
		noisy(&g, v, 4, means[r], 0.01);
		put(&procs[r], "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 4);
		put(&pooled, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 4);
	}
	for (int k = 0; k < 3; k++) {
		for (int r = 0; r < 3; r++) {
			noisy(&g, v, 4, cur[r] * (k == 2 ? 1.3 : 1), 0.01);
			put(&c, "w", "wall_ns", "ns", GB_SRC_MEASURED, v, 4);
		}
		gb_compare_init(&cmp, "base", "cur");
		if (k > 0) {
			cmp.base_procs = procs;
			cmp.nbase_procs = 3;
		}
		CHECK(gb_compare_results(&cmp, &pooled, &c, &o) == 0);
		CHECK(cmp.n == 1);
		printf("# ratio %.3f, interval %.3f .. %.3f: %s\n", cmp.rows[0].ratio,
		       cmp.rows[0].ci_low, cmp.rows[0].ci_high, gb_verdict_name(cmp.rows[0].verdict));
		if (k == 0)
			CHECK(cmp.rows[0].verdict == GB_VERDICT_INCONCLUSIVE);
		if (k == 1)
			CHECK(cmp.rows[0].verdict == GB_VERDICT_UNCHANGED && cmp.rows[0].note &&
			      strstr(cmp.rows[0].note, "band around the 3 baseline processes"));
		if (k == 2)
			CHECK(cmp.rows[0].verdict == GB_VERDICT_REGRESSION);
		cmp.base_procs = NULL;
		cmp.nbase_procs = 0;
		gb_compare_release(&cmp);
		gb_results_release(&c);
		memset(&c, 0, sizeof(c));
	}
	for (int r = 0; r < 3; r++)
		gb_results_release(&procs[r]);
	gb_results_release(&pooled);
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
	/* one process in all: nothing kept */
	json_object_set_new(json_object_get(meta, "processes"), "count", json_integer(1));
	CHECK(gb_results_write(&run, dir, meta) == 0);
	gb_results_release(&pooled);
	memset(&pooled, 0, sizeof(pooled));
	gb_compare_init(&cmp, dir, dir);
	CHECK(gb_compare_read_baseline(&cmp, dir, &pooled) == 0);
	CHECK(cmp.nbase_procs == 0);
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

int main(void)
{
	RUN(aa_not_flagged);
	RUN(shift_flagged);
	RUN(direction_aware);
	RUN(too_few_repetitions);
	RUN(simulated_counts);
	RUN(zero_missing_unavailable);
	RUN(incomparable_inputs);
	RUN(machine_class_and_meta);
	RUN(noise_note);
	RUN(drift_warned);
	RUN(machine_speed);
	RUN(noise_probe);
	RUN(outputs_reproducible);
	RUN(resolution_floor);
	RUN(baseline_runs_spread);
	RUN(baseline_processes_band);
	RUN(baseline_split_by_process);
	RUN(missing_gating_row);
	RUN(baseline_bad_process_count);
	return unit_done();
}
