/*
 * compare.c - verdicts of a current run against a baseline (compare.h);
 * reading the sides and their meta.json is compare-read.c, the outputs
 * compare-out.c (table, Markdown) and compare-files.c (JUnit, JSON).
 *
 * The process is the unit of replication (DESIGN.md section 9): the
 * repetitions of one process agree far more closely than processes do
 * (where code, memory and threads land differs per process and stays put
 * within one), so a test over repetitions takes the difference between two
 * processes for an effect: 4 false alarms in 15 A/A pairs of single-process
 * runs did exactly that. So each process's median is one
 * value, a side's estimate is their geometric mean, and the test is
 * Student's t on their logs (paired when the two sides ran as pairs, as
 * perf-gate.sh's A/B runs do). Over the gating rows, Holm-Bonferroni: a
 * regression needs its adjusted p below alpha and its estimated ratio
 * beyond the threshold band [1/(1+t), 1+t] (multiplicative, so a time and
 * its rate agree). A side with too few processes to estimate their spread
 * gets no test: a ratio beyond the band is inconclusive, with the advice
 * to run more processes. Deterministic counts (simulated, sim_ir) are
 * compared against their own threshold (0.1%) with no test; counts whose
 * repetitions disagree are flagged non-deterministic, judged on their
 * extremes while the jitter is under half the threshold, else not gating.
 *
 * The machine probe (noise_probe_ns) is a recorded diagnostic: it moved
 * with the code it was compiled with and widened the band for exactly the
 * global slowdowns a gate must catch, so no verdict depends on it.
 * Nothing here draws random numbers: the same inputs give the same bytes.
 */
#include "compare/compare.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare/compare-impl.h"
#include "config.h"
#include "fsio.h"
#include "gbench.h"
#include "stats-test.h"

static const char *const verdict_names[] = {
	"regression", "inconclusive", "improvement", "missing", "unchanged",
};

const char *gb_verdict_name(enum gb_verdict v)
{
	return (unsigned)v < GB_VERDICT_COUNT ? verdict_names[v] : "?";
}

static const char *const default_gating[] = {
	"wall_ns", "latency_p50_ns", "sim_ir",   /* throughput_rps is wall_ns again: reported */
};

void gb_compare_opts_init(struct gb_compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->threshold = NAN;
	o->alpha = GB_COMPARE_ALPHA;
	o->seed = GB_COMPARE_SEED;
	o->resamples = GB_COMPARE_RESAMPLES;
	o->min_delta_ns = GB_COMPARE_MIN_DELTA_NS;
}

void gb_compare_init(struct gb_compare *c, const char *base_path, const char *cur_path)
{
	memset(c, 0, sizeof(*c));
	gb_compare_opts_init(&c->opts);
	c->base.path = gb_xstrdup(base_path);
	c->cur.path = gb_xstrdup(cur_path);
	c->warnings = gb_xcalloc(1, sizeof(*c->warnings));
}

static void side_release(struct gb_compare_side *s)
{
	free(s->path);
	free(s->klass);
	free(s->config);
	free(s->commit);
}

void gb_compare_release(struct gb_compare *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct gb_compare_row *r = &c->rows[i];

		free(r->cell);
		free(r->metric);
		free(r->unit);
		free(r->note);
		free(r->noise);
	}
	free(c->rows);
	gb_strv_free(c->warnings);
	free(c->gating_list);
	side_release(&c->base);
	side_release(&c->cur);
	for (size_t i = 0; i < c->nbase_procs; i++)
		gb_results_release(&c->base_procs[i]);
	free(c->base_procs);
	for (size_t i = 0; i < c->ncur_procs; i++)
		gb_results_release(&c->cur_procs[i]);
	free(c->cur_procs);
	for (size_t i = 0; i < c->nmachine; i++)
		free(c->machine[i].executor);
	for (size_t i = 0; i < c->nwindows; i++) {
		free(c->windows[i].cell);
		free(c->windows[i].note);
	}
	free(c->windows);
	memset(c, 0, sizeof(*c));
}

void gb_compare_warn(struct gb_compare *c, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	gb_warn("%s", s);
	c->warnings = gb_xrealloc(c->warnings, (c->nwarn + 2) * sizeof(*c->warnings));
	c->warnings[c->nwarn++] = s;
	c->warnings[c->nwarn] = NULL;
}


/* ---- metric kinds ---- */

static int higher_is_better(const char *metric)
{
	return gb_str_ends_with(metric, "_rps") || gb_str_ends_with(metric, "hit_rate") ||
	       gb_str_ends_with(metric, "recall");
}

static int is_noise(const char *metric)
{
	return !strncmp(metric, "noise_", 6);
}

static int in_list(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return 1;
	return 0;
}

static int is_gating(const struct gb_compare_opts *o, const char *metric)
{
	int dflt = 0;

	for (size_t i = 0; i < GB_ARRAY_SIZE(default_gating); i++)
		if (!strcmp(default_gating[i], metric))
			dflt = 1;
	if (!o->metrics)
		return dflt;
	return in_list(o->metrics, metric) || (o->metrics_add && dflt);
}

/* ---- one row ---- */

/* The metric's values without NAN; n 0 for an absent or unavailable metric. */
double *gb_compare_values(const struct gb_metric *m, size_t *n)
{
	double *v;

	*n = 0;
	if (!m || m->source == GB_SRC_UNAVAILABLE || m->n == 0)
		return NULL;
	v = gb_xmalloc(m->n * sizeof(*v));
	for (size_t i = 0; i < m->n; i++)
		if (!isnan(m->v[i]))
			v[(*n)++] = m->v[i];
	if (*n == 0) {
		free(v);
		return NULL;
	}
	return v;
}

/* The band's edges as factors beyond 1: [1/(1+t), 1+t], the same for a time and its rate. */
static double edge(const struct gb_compare_row *r)
{
	return 1 + r->threshold;
}

int gb_compare_worse(const struct gb_compare_row *r, double x)
{
	return r->higher_better ? x < 1 / edge(r) : x > edge(r);
}

int gb_compare_better(const struct gb_compare_row *r, double x)
{
	return r->higher_better ? x > edge(r) : x < 1 / edge(r);
}

const struct gb_cell_result *gb_compare_find_cell(const struct gb_results *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->cells[i].id, id))
			return &r->cells[i];
	return NULL;
}

const struct gb_metric *gb_compare_find_metric(const struct gb_cell_result *c, const char *name)
{
	for (size_t i = 0; c && i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

static int metric_available(const struct gb_metric *m)
{
	size_t n;
	double *v = gb_compare_values(m, &n);

	free(v);
	return n > 0;
}

void gb_compare_add_process(struct gb_compare *c, int current, const struct gb_results *proc)
{
	struct gb_results **procs = current ? &c->cur_procs : &c->base_procs;
	size_t *n = current ? &c->ncur_procs : &c->nbase_procs;

	*procs = gb_xrealloc(*procs, (*n + 1) * sizeof(**procs));
	memset(&(*procs)[*n], 0, sizeof(**procs));
	gb_results_pool(&(*procs)[*n], proc);
	(*n)++;
}

/*
 * The median of each process's values of cell id x metric (the sample
 * median, not Harrell-Davis: a process has few repetitions, and one of 23
 * ms among five of 60 us moved a Harrell-Davis median of 6 by 100 us),
 * in process order, into med (caller frees); the count returned. A side
 * without processes recorded counts its pooled values as one process. With
 * pairs, a process without values keeps its slot as NAN, so that the i-th
 * of each side still pair up.
 */
static size_t process_medians(const struct gb_results *procs, size_t nprocs,
			      const struct gb_metric *pooled, const char *id, const char *metric,
			      int keep_slots, double **med)
{
	size_t k = 0, n;
	double *v;

	*med = gb_xcalloc(nprocs + 1, sizeof(**med));
	if (!nprocs) {
		v = gb_compare_values(pooled, &n);
		if (n)
			(*med)[k++] = gb_median(v, n);
		free(v);
		return k;
	}
	for (size_t i = 0; i < nprocs; i++) {
		v = gb_compare_values(gb_compare_find_metric(gb_compare_find_cell(&procs[i], id), metric), &n);
		if (n)
			(*med)[k++] = gb_median(v, n);
		else if (keep_slots)
			(*med)[k++] = NAN;
		free(v);
	}
	return k;
}

/* Geometric mean of the positive values of v; NAN when none. */
static double geo_mean(const double *v, size_t n)
{
	double s = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] > 0) {
			s += log(v[i]);
			k++;
		}
	return k ? exp(s / (double)k) : NAN;
}

static size_t count_finite(const double *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += !isnan(v[i]);
	return k;
}

/*
 * Sides too small to estimate their spread (one process each: a user's
 * compare of two default runs), judged with the spread between processes
 * recorded for the machine class: Welch-free t on the log ratio of the
 * sides' geometric means, its standard error sd * sqrt(1/kb + 1/kc) and
 * the recorded processes' degrees of freedom. 0, or -1 when there is no
 * usable recorded spread (none, under 3 processes, or zero).
 */
static int class_spread_test(const struct gb_compare *c, struct gb_compare_row *r)
{
	const struct gb_compare_opts *o = &c->opts;
	size_t procs = 0;
	double sd, se, d, q, df;

	if (!o->spread_for || !r->k_base || !r->k_cur)
		return -1;
	sd = o->spread_for(o->spread_ctx, r->cell, r->metric, &procs);
	if (isnan(sd) || procs < 3 || !(sd > 0))
		return -1;
	df = (double)procs - 1;
	d = log(r->med_cur / r->med_base);
	se = sd * sqrt(1.0 / (double)r->k_base + 1.0 / (double)r->k_cur);
	q = gb_t_quantile(o->alpha, df);
	r->ratio = exp(d);
	r->ci_low = exp(d - q * se);
	r->ci_high = exp(d + q * se);
	r->p = gb_t_two_sided_p(d / se, df);
	r->test = "t-class";
	r->note = gb_xasprintf("%zu and %zu processes: judged with the spread between processes "
			       "recorded for this machine class (%zu processes in %s)", r->k_base,
			       r->k_cur, procs, o->spread_from ? o->spread_from : "?");
	r->verdict = GB_VERDICT_COUNT;   /* after Holm */
	return 0;
}

/*
 * A measured metric, judged on its processes (DESIGN.md section 9): each
 * process's median is one value, and the test is Student's t on their
 * logs (stats-test.h gb_proc_test), paired when the sides ran as pairs.
 * The verdict waits for Holm over the row's family (finish_verdicts);
 * here the row gets its estimate, interval and raw p, or a verdict when no
 * test can be made: too few processes to estimate their spread, where a
 * ratio beyond the band is inconclusive, never a finding.
 */
static void judge(const struct gb_compare *c, struct gb_compare_row *r,
		  const struct gb_metric *mb, const struct gb_metric *mc, const double *b,
		  size_t nb, const double *v, size_t nv)
{
	const struct gb_compare_opts *o = &c->opts;
	struct gb_proc_test t;
	double *pb, *pc;
	size_t kb, kc;
	int paired = o->paired && c->nbase_procs == c->ncur_procs && c->nbase_procs > 0;

	if (gb_median(b, nb) == 0 || gb_median(v, nv) == 0) {
		r->med_base = gb_hd_median(b, nb);
		r->med_cur = gb_hd_median(v, nv);
		r->verdict = GB_VERDICT_INCONCLUSIVE;
		r->gating = 0;
		r->note = gb_xasprintf("zero median: ratio undefined, not gating");
		return;
	}
	if (r->simulated) {
		gb_compare_judge_counts(r, b, nb, v, nv);
		return;
	}
	kb = process_medians(c->base_procs, c->nbase_procs, mb, r->cell, r->metric, paired, &pb);
	kc = process_medians(c->cur_procs, c->ncur_procs, mc, r->cell, r->metric, paired, &pc);
	if (paired) {
		/* pairs with a value on both sides only */
		size_t k = 0;

		for (size_t i = 0; i < kb && i < kc; i++)
			if (!isnan(pb[i]) && !isnan(pc[i])) {
				pb[k] = pb[i];
				pc[k++] = pc[i];
			}
		kb = kc = k;
	}
	r->k_base = count_finite(pb, kb);
	r->k_cur = count_finite(pc, kc);
	r->med_base = geo_mean(pb, kb);
	r->med_cur = geo_mean(pc, kc);
	if (!(r->med_base > 0) || !(r->med_cur > 0)) {
		r->verdict = GB_VERDICT_INCONCLUSIVE;
		r->gating = 0;
		r->note = gb_xasprintf("a process median not positive: ratio undefined, not gating");
		goto out;
	}
	r->ratio = r->med_cur / r->med_base;
	if (gb_proc_test(pb, kb, pc, kc, paired, o->alpha, &t) < 0) {
		/* within-process repetitions alone cannot tell a change from a process effect */
		if (class_spread_test(c, r) == 0)
			goto out;
		if (gb_compare_worse(r, r->ratio) || gb_compare_better(r, r->ratio)) {
			r->verdict = GB_VERDICT_INCONCLUSIVE;
			r->note = gb_xasprintf("%zu and %zu %s: too few to tell a change from the spread "
					       "between processes; run with --processes %d or more",
					       r->k_base, r->k_cur, paired ? "pairs" : "processes",
					       paired ? GB_COMPARE_MIN_PAIRS : 3);
		} else {
			r->verdict = GB_VERDICT_UNCHANGED;
		}
		goto out;
	}
	r->ratio = t.ratio;
	r->ci_low = t.lo;
	r->ci_high = t.hi;
	r->p = t.p;
	r->test = t.paired ? "paired-t" : "t";
	r->verdict = GB_VERDICT_COUNT;   /* after Holm */
out:
	free(pb);
	free(pc);
}

/*
 * Holm-Bonferroni over each family of tested rows (the gating ones, and the
 * others on their own), then the verdicts: a change needs its adjusted p
 * below alpha and its estimated ratio beyond the threshold band; an
 * interval reaching past both edges of the band is inconclusive (the
 * processes cannot tell), and so is an estimate worse than the band that
 * the adjusted p does not confirm; the rest is unchanged.
 */
static void finish_verdicts(struct gb_compare *c)
{
	double *p = gb_xcalloc(c->n + 1, sizeof(*p)), *adj = gb_xcalloc(c->n + 1, sizeof(*adj));

	for (int family = 0; family < 2; family++) {
		for (size_t i = 0; i < c->n; i++) {
			const struct gb_compare_row *r = &c->rows[i];

			p[i] = r->verdict == GB_VERDICT_COUNT && r->gating == !family ? r->p : NAN;
		}
		gb_holm(p, c->n, adj);
		for (size_t i = 0; i < c->n; i++)
			if (!isnan(adj[i]))
				c->rows[i].p_holm = adj[i];
	}
	for (size_t i = 0; i < c->n; i++) {
		struct gb_compare_row *r = &c->rows[i];
		int sig = r->p_holm < c->opts.alpha;

		if (r->verdict != GB_VERDICT_COUNT)
			continue;
		if (sig && gb_compare_worse(r, r->ratio)) {
			r->verdict = GB_VERDICT_REGRESSION;
		} else if (sig && gb_compare_better(r, r->ratio)) {
			r->verdict = GB_VERDICT_IMPROVEMENT;
		} else if ((gb_compare_worse(r, r->ci_low) || gb_compare_worse(r, r->ci_high)) &&
			   (gb_compare_better(r, r->ci_low) || gb_compare_better(r, r->ci_high))) {
			r->verdict = GB_VERDICT_INCONCLUSIVE;
			free(r->note);   /* the class spread's, where it judged */
			r->note = gb_xasprintf("interval wider than the +-%g%% band on both sides "
					       "(%zu and %zu %s)", r->threshold * 100, r->k_base,
					       r->k_cur, !strcmp(r->test, "paired-t") ? "pairs" : "processes");
			if (!strcmp(r->test, "t-class")) {
				char *n = gb_xasprintf("%s, with the class's recorded spread", r->note);

				free(r->note);
				r->note = n;
			}
		} else if (gb_compare_worse(r, r->ratio)) {
			/* worse than the threshold by the estimate, but not shown to be */
			r->verdict = GB_VERDICT_INCONCLUSIVE;
			free(r->note);
			r->note = gb_xasprintf("estimate beyond the threshold, but p %.2g is %.2g after "
					       "Holm over the %s rows (alpha %g)", r->p, r->p_holm,
					       r->gating ? "gating" : "reported", c->opts.alpha);
		} else {
			r->verdict = GB_VERDICT_UNCHANGED;
		}
	}
	free(p);
	free(adj);
}

static struct gb_compare_row *add_row(struct gb_compare *c, const char *cell,
				      const struct gb_metric *m, const struct gb_compare_opts *o)
{
	struct gb_compare_row *r;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->rows = gb_xrealloc(c->rows, c->cap * sizeof(*c->rows));
	}
	r = &c->rows[c->n++];
	memset(r, 0, sizeof(*r));
	r->cell = gb_xstrdup(cell);
	r->metric = gb_xstrdup(m->name);
	r->unit = gb_xstrdup(m->unit ? m->unit : "");
	r->gating = is_gating(o, m->name);
	r->higher_better = higher_is_better(m->name);
	r->test = "none";
	r->med_base = r->med_cur = r->ratio = r->ci_low = r->ci_high = r->p = r->p_holm = NAN;
	r->machine = 1;
	return r;
}

/*
 * A time that moves by less than the floor (100 ns by default) is within
 * what the clock can tell: two clock reads cost tens of ns here, so a 50 ns
 * cache hit measures mostly the reads, and a few ns of shift is placement,
 * not code. Such a change never gates.
 */
static void resolution_floor(struct gb_compare_row *r, const struct gb_compare_opts *o)
{
	if (strcmp(r->unit, "ns") || !(o->min_delta_ns > 0) ||
	    (r->verdict != GB_VERDICT_REGRESSION && r->verdict != GB_VERDICT_IMPROVEMENT &&
	     r->verdict != GB_VERDICT_INCONCLUSIVE) ||
	    !(fabs(r->med_cur - r->med_base) < o->min_delta_ns))
		return;
	free(r->note);
	r->note = gb_xasprintf("a change of %.3g ns is below the %.0f ns resolution floor",
		       fabs(r->med_cur - r->med_base), o->min_delta_ns);
	r->verdict = GB_VERDICT_UNCHANGED;
}

/* A row for metric m of cell id, present in the baseline (mb) and/or current (mc). */
static int compare_metric(struct gb_compare *c, const char *id, const struct gb_metric *mb,
			  const struct gb_metric *mc, const struct gb_compare_opts *o)
{
	struct gb_compare_row *r;
	double *b, *v;
	size_t nb, nv;

	b = gb_compare_values(mb, &nb);
	v = gb_compare_values(mc, &nv);
	if (nb == 0 && nv == 0) {   /* unavailable on both sides: skipped */
		free(b);
		free(v);
		return 0;
	}
	if (mb && mc && strcmp(mb->unit ? mb->unit : "", mc->unit ? mc->unit : "")) {
		free(b);
		free(v);
		return gb_error("metric '%s' of cell '%s' is in '%s' in the baseline and '%s' in the current",
				mb->name, id, mb->unit, mc->unit);
	}
	r = add_row(c, id, mb ? mb : mc, o);
	r->n_base = nb;
	r->n_cur = nv;
	r->simulated = (mb && mb->source == GB_SRC_SIMULATED) ||
		       (mc && mc->source == GB_SRC_SIMULATED);
	r->threshold = !isnan(o->threshold) ? o->threshold
			: r->simulated	    ? GB_COMPARE_SIM_THRESHOLD
					    : GB_COMPARE_THRESHOLD;
	if (o->threshold_for) {   /* compare --history: this cell's own noise */
		double t = o->threshold_for(o->threshold_ctx, id, r->metric);

		if (!isnan(t))
			r->threshold = t;
	}
	if (nb == 0 || nv == 0) {
		r->verdict = GB_VERDICT_MISSING;
		if (nb)
			r->med_base = gb_hd_median(b, nb);
		if (nv)
			r->med_cur = gb_hd_median(v, nv);
		r->note = gb_xasprintf("%s in the %s%s", (nb ? mc : mb) ? "unavailable" : "absent",
			       nb ? "current" : "baseline",
			       r->gating ? ": a gating row on one side only cannot pass, the verdict "
					   "is inconclusive at least" : "");
	} else {
		judge(c, r, mb, mc, b, nb, v, nv);
	}
	free(b);
	free(v);
	return 0;
}

/* ---- the comparison ---- */

static int cmp_rows(const void *x, const void *y)
{
	const struct gb_compare_row *a = x, *b = y;
	int d;

	if (a->verdict != b->verdict)
		return (int)a->verdict - (int)b->verdict;
	if (a->gating != b->gating)
		return b->gating - a->gating;
	if ((d = strcmp(a->cell, b->cell)))
		return d;
	return strcmp(a->metric, b->metric);
}

static char *gating_list(const struct gb_compare_opts *o)
{
	size_t len = 0;
	char *s = gb_xstrdup("");

	for (int pass = 0; pass < 2; pass++) {
		size_t n = pass ? gb_strv_len(o->metrics) : GB_ARRAY_SIZE(default_gating);

		if ((pass == 0 && o->metrics && !o->metrics_add) || (pass == 1 && !o->metrics))
			continue;
		for (size_t i = 0; i < n; i++) {
			const char *m = pass ? o->metrics[i] : default_gating[i];
			char *next;

			if (pass && o->metrics_add && is_gating(&(struct gb_compare_opts){ 0 }, m))
				continue;   /* a default named again */
			next = gb_xasprintf("%s%s%s", s, len ? "," : "", m);
			free(s);
			s = next;
			len = strlen(s);
		}
	}
	return s;
}

int gb_compare_results(struct gb_compare *c, const struct gb_results *base,
		       const struct gb_results *cur, const struct gb_compare_opts *o)
{
	size_t i, j, common = 0;

	c->opts = *o;
	c->opts.metrics = NULL;
	c->opts.machine_speed = 0;
	free(c->gating_list);
	c->gating_list = gating_list(o);
	if (base->n == 0)
		return gb_error("'%s' holds no cell", c->base.path);
	if (cur->n == 0)
		return gb_error("'%s' holds no cell", c->cur.path);
	/* A named gating metric that neither side has is a typo, not a pass. */
	for (i = 0; o->metrics && o->metrics[i]; i++) {
		int seen = 0;

		for (j = 0; j < base->n && !seen; j++)
			seen = gb_compare_find_metric(&base->cells[j], o->metrics[i]) != NULL;
		for (j = 0; j < cur->n && !seen; j++)
			seen = gb_compare_find_metric(&cur->cells[j], o->metrics[i]) != NULL;
		if (!seen)
			return gb_error("no cell on either side has metric '%s'", o->metrics[i]);
	}
	gb_compare_machine_speed(c, base, cur);
	for (i = 0; i < base->n; i++) {
		const struct gb_cell_result *cb = &base->cells[i], *cc = gb_compare_find_cell(cur, cb->id);

		for (j = 0; j < cb->nmetrics; j++) {
			const struct gb_metric *mb = &cb->metrics[j], *mc = gb_compare_find_metric(cc, mb->name);

			if (is_noise(mb->name))
				continue;
			if (compare_metric(c, cb->id, mb, mc, o) < 0)
				return -1;
			if (metric_available(mb) && metric_available(mc))
				common++;
		}
		for (j = 0; cc && j < cc->nmetrics; j++)
			if (!is_noise(cc->metrics[j].name) && !gb_compare_find_metric(cb, cc->metrics[j].name) &&
			    compare_metric(c, cc->id, NULL, &cc->metrics[j], o) < 0)
				return -1;
	}
	for (i = 0; i < cur->n; i++) {
		const struct gb_cell_result *cc = &cur->cells[i];

		if (gb_compare_find_cell(base, cc->id))
			continue;
		for (j = 0; j < cc->nmetrics; j++)
			if (!is_noise(cc->metrics[j].name) &&
			    compare_metric(c, cc->id, NULL, &cc->metrics[j], o) < 0)
				return -1;
	}
	if (common == 0)
		return gb_error("'%s' and '%s' share no cell x metric: nothing to compare",
				c->base.path, c->cur.path);
	finish_verdicts(c);
	gb_compare_counts_decide(c);
	gb_compare_cell_shifts(c, base);
	for (i = 0; i < c->n; i++) {
		struct gb_compare_row *r = &c->rows[i];

		resolution_floor(r, o);
		gb_compare_window_rule(c, r);
		if (r->verdict != GB_VERDICT_UNCHANGED && r->verdict != GB_VERDICT_MISSING) {
			r->noise = gb_compare_noise_reason(gb_compare_find_cell(base, r->cell), gb_compare_find_cell(cur, r->cell));
			if (r->noise)
				c->noisy++;
		}
		if (r->gating)
			c->gating[r->verdict]++;
		else
			c->reported[r->verdict]++;
	}
	qsort(c->rows, c->n, sizeof(*c->rows), cmp_rows);
	gb_compare_drift_warning(c);
	if (c->gating[GB_VERDICT_MISSING])
		gb_compare_warn(c, "%zu gating cell x metric pairs are on one side only (missing): the "
		     "verdict is inconclusive at least", c->gating[GB_VERDICT_MISSING]);
	return 0;
}

/*
 * A gating row on one side only is inconclusive at least (DESIGN.md
 * section 9): a current run that lost the rows of a regressed cell (cut
 * short, filtered, a cell renamed) must not pass the gate for it.
 */
int gb_compare_exit(const struct gb_compare *c)
{
	if (c->gating[GB_VERDICT_REGRESSION])
		return GB_EXIT_REGRESSION;
	if ((c->gating[GB_VERDICT_INCONCLUSIVE] || c->gating[GB_VERDICT_MISSING]) &&
	    !c->opts.allow_inconclusive)
		return GB_EXIT_INCONCLUSIVE;
	return GB_EXIT_OK;
}
