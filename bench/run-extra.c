/*
 * run-extra.c - extra repetitions for the cells whose medians are still
 * imprecise after the planned ones (config extra_repetitions, precision,
 * extra_seconds).
 *
 * A fixed count of repetitions pins some cells far tighter than the gate
 * needs and leaves others too loose to decide: on lavapipe, a vulkan cell
 * with a result cache has a p50 where cache hits wait on a batch's misses,
 * and it moves 5-10% from one repetition to the next where the cell's
 * wall time moves 2%; its 12 repetitions leave compare an interval wider
 * than the 5% band on both sides (inconclusive). So once every process has
 * run its share, the run measures, per cell, how precisely it knows the
 * medians the gate judges (the distribution-free 95% interval of each
 * median, gb_summarize, as a fraction of the median: its half-width; a time
 * within compare's 100 ns resolution floor counts as precise), and hands
 * out extra repetitions one at a time to the cell that should then be the
 * least precise (the width falls as 1/sqrt(n)), while it is above
 * `precision`, at most `extra_repetitions` each, until `extra_seconds` of
 * estimated time is spent. They run interleaved in this process, after
 * everything else;
 * meta.json "extra_repetitions" lists each cell's count and imprecision,
 * and a shared run counts them as one more group in processes.repetitions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "gbench.h"
#include "run.h"
#include "stats.h"

/* The medians the gate judges by default (DESIGN §9) that a repetition measures. */
static const char *const judged[] = { "wall_ns", "latency_p50_ns", "throughput_rps" };

double gb_median_imprecision(const double *v, size_t n)
{
	struct gb_summary s;

	gb_summarize(v, n, &s);
	if (isnan(s.ci_low) || isnan(s.ci_high) || !(s.median > 0))
		return NAN;
	return (s.ci_high - s.ci_low) / 2 / s.median;
}

/* What cell c's imprecision should be with its planned extra repetitions (1/sqrt(n)). */
static double predicted(const struct gb_extra_cell *c)
{
	return c->imprecision * sqrt((double)c->n / (c->n + c->add));
}

double gb_extra_plan(struct gb_extra_cell *c, size_t n, double precision, double budget_s)
{
	double spent = 0;

	for (size_t i = 0; i < n; i++)
		c[i].add = 0;
	/*
	 * One repetition at a time to the cell that should then be the least
	 * precise, while it is above the target, under its cap and affordable:
	 * the budget lowers the worst imprecision as far as it goes rather
	 * than filling a few cells to the target.
	 */
	for (;;) {
		struct gb_extra_cell *worst = NULL;
		double w = precision;

		for (size_t i = 0; i < n; i++) {
			double p;

			if (!c[i].n || c[i].add >= c[i].cap || !(c[i].cost_s >= 0) ||
			    spent + c[i].cost_s > budget_s * (1 + 1e-9))
				continue;
			p = predicted(&c[i]);
			if (p > w) {
				w = p;
				worst = &c[i];
			}
		}
		if (!worst)
			break;
		worst->add++;
		spent += worst->cost_s;
	}
	return spent;
}

/* Values of metric name of c, or NULL with *n = 0. */
static const double *metric_values(const struct gb_cell_result *c, const char *name, size_t *n)
{
	for (size_t k = 0; k < c->nmetrics; k++)
		if (!strcmp(c->metrics[k].name, name) && c->metrics[k].source != GB_SRC_UNAVAILABLE) {
			*n = c->metrics[k].n;
			return c->metrics[k].v;
		}
	*n = 0;
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static double median_of(const double *v, size_t n)
{
	struct gb_summary s;

	gb_summarize(v, n, &s);
	return s.median;
}

/* What cell i needs and costs, from the repetitions measured so far. */
static void describe(const struct gb_run *r, size_t i, struct gb_extra_cell *e)
{
	const struct gb_run_cell *cl = &r->cells[i];
	const struct gb_cell_result *c = &r->res.cells[i];
	size_t nw;
	const double *wall = metric_values(c, "wall_ns", &nw);

	memset(e, 0, sizeof(*e));
	e->imprecision = NAN;
	if (!cl->cell || c->skipped || c->invalid || !r->ex[cl->exec].ok || !nw)
		return;
	e->n = (uint32_t)nw;
	e->cap = gb_per_exec_get(&r->cfg->extra, r->ex[cl->exec].name);
	for (size_t m = 0; m < GB_ARRAY_SIZE(judged); m++) {
		size_t nv;
		const double *v = metric_values(c, judged[m], &nv);
		double im = nv ? gb_median_imprecision(v, nv) : NAN;

		/* a time whose interval is within compare's resolution floor is precise enough */
		if (!isnan(im) && ends_with(judged[m], "_ns") &&
		    im * median_of(v, nv) < GB_COMPARE_MIN_DELTA_NS)
			im = 0;

		if (!isnan(im) && !(im <= e->imprecision))
			e->imprecision = im;
	}
	/* a repetition and its primes, each about a repetition's wall time */
	e->cost_s = median_of(wall, nw) * (1 + cl->prime) / 1e9;
}

/*
 * A shared run: the extra repetitions are one more group in
 * processes.repetitions (in this process, after every share), so that
 * compare can still split the run by where its values came from.
 */
static void count_group(struct gb_run *r, const size_t *before)
{
	json_t *p = json_object_get(r->meta, "processes");
	json_t *reps = json_object_get(p, "repetitions");

	if (!reps)
		return;
	json_array_append_new(json_object_get(p, "runs"), json_pack("{s:s, s:I, s:n}",
		"share", "extra", "pid", (json_int_t)getpid(), "exit"));
	for (size_t i = 0; i < r->ncells; i++) {
		size_t n;
		json_t *a = json_object_get(reps, r->cells[i].id);

		metric_values(&r->res.cells[i], "wall_ns", &n);
		if (a)
			json_array_append_new(a, json_integer((json_int_t)(n - before[i])));
	}
}

void gb_run_extra(struct gb_run *r)
{
	const struct gb_config *cfg = r->cfg;
	struct gb_extra_cell *e = gb_xcalloc(r->ncells + 1, sizeof(*e));
	uint32_t *planned = gb_xcalloc(r->ncells + 1, sizeof(*planned));
	uint32_t *warm = gb_xcalloc(r->ncells + 1, sizeof(*warm));
	size_t *before = gb_xcalloc(r->ncells + 1, sizeof(*before));
	json_t *cells = json_object();
	size_t ncells = 0, total = 0;
	double est, t0;

	for (size_t i = 0; i < r->ncells; i++) {
		describe(r, i, &e[i]);
		metric_values(&r->res.cells[i], "wall_ns", &before[i]);
	}
	est = gb_extra_plan(e, r->ncells, cfg->precision, cfg->extra_seconds);
	for (size_t i = 0; i < r->ncells; i++) {
		planned[i] = r->cells[i].reps;
		warm[i] = r->cells[i].warmup;
		r->cells[i].reps = e[i].add;
		r->cells[i].warmup = 0;
		if (!e[i].add)
			continue;
		ncells++;
		total += e[i].add;
		json_object_set_new(cells, r->cells[i].id, json_pack("{s:i, s:i, s:f}",
			"before", (int)e[i].n, "added", (int)e[i].add,
			"imprecision_before", e[i].imprecision));
	}
	t0 = (double)gb_now_ns();
	if (total) {
		gb_note("gbench: %zu extra repetitions for %zu cells whose medians were less precise "
			"than +-%g%% (about %.1f s)", total, ncells, cfg->precision * 100, est);
		gb_run_measure(r, 1, cfg->seed ^ 0x243f6a8885a308d3ULL);
	}
	for (size_t i = 0; i < r->ncells; i++) {
		r->cells[i].reps = planned[i];
		r->cells[i].warmup = warm[i];
	}
	count_group(r, before);
	json_object_set_new(r->meta, "extra_repetitions", json_pack(
		"{s:f, s:f, s:f, s:f, s:I, s:o, s:s}",
		"precision", cfg->precision, "seconds_budget", cfg->extra_seconds,
		"seconds_estimated", est, "seconds", total ? ((double)gb_now_ns() - t0) / 1e9 : 0.0,
		"repetitions", (json_int_t)total, "cells", cells,
		"note", "cells whose medians (wall_ns, latency_p50_ns, throughput_rps) had a 95% "
			"interval wider than +-precision got more repetitions, the least precise "
			"first, within the time budget; imprecision_before is the widest "
			"half-width as a fraction of its median"));
	free(e);
	free(planned);
	free(warm);
	free(before);
}
