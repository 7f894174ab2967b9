/*
 * history.c - adding runs to the history store, walking its series and
 * the thresholds taken from them (history.h).
 *
 * An add reads every results directory inside the store's transaction and
 * commits once at the end: a bad directory, a full disk or a kill -9 half
 * way leaves the store exactly as it was, never with some of the runs.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "compare/compare.h"
#include "fsio.h"
#include "gbench.h"
#include "history/history.h"
#include "results/results.h"
#include "stats.h"

char *gb_history_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	/* XDG: a relative XDG_DATA_HOME is invalid and must be ignored */
	if (xdg && xdg[0] == '/')
		return gb_xasprintf("%s/gbench/history.sqlite", xdg);
	if (home && home[0])
		return gb_xasprintf("%s/.local/share/gbench/history.sqlite", home);
	gb_error("no history store: neither XDG_DATA_HOME nor HOME is set; give --history FILE");
	return NULL;
}

int gb_history_open(struct gb_history *h, const char *path, int create)
{
	char *p = path ? gb_xstrdup(path) : gb_history_default_path();

	memset(h, 0, sizeof(*h));
	if (!p)
		return -1;
	if (create) {
		char *dir = gb_xstrdup(p), *slash = strrchr(dir, '/');

		if (slash && slash != dir) {
			*slash = 0;
			if (gb_mkdir_p(dir) < 0) {
				free(dir);
				free(p);
				return -1;
			}
		}
		free(dir);
	}
	h->iface = &gb_history_sqlite;
	h->path = p;
	h->existed = gb_file_exists(p);
	if (h->iface->open(p, create, &h->ctx) < 0) {
		if (create && !h->existed)
			unlink(p);   /* a file sqlite made before it failed */
		free(p);
		memset(h, 0, sizeof(*h));
		return -1;
	}
	return 0;
}

void gb_history_close(struct gb_history *h)
{
	if (h->iface)
		h->iface->close(h->ctx);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of the metric's values (NAN repetitions left out); *n how many. */
static double metric_median(const struct gb_metric *m, size_t *n)
{
	double *v = gb_xmalloc((m->n ? m->n : 1) * sizeof(*v)), med;
	size_t k = 0;

	for (size_t i = 0; i < m->n; i++)
		if (!isnan(m->v[i]))
			v[k++] = m->v[i];
	qsort(v, k, sizeof(*v), cmp_double);
	med = gb_quantile_sorted(v, k, 0.5);
	free(v);
	*n = k;
	return med;
}

static const char *meta_str(json_t *meta, const char *obj, const char *key)
{
	json_t *o = obj ? json_object_get(meta, obj) : meta;

	return json_string_value(json_object_get(o, key));
}

/*
 * Claim for the stored run id the runs whose measurements dir holds
 * (meta.json at mpath); -1 naming the folder already stored that holds
 * one of them (a pooled folder and one of its shares, say).
 */
static int claim_runs(struct gb_history *h, json_t *meta, const char *mpath, const char *dir,
		      int64_t id)
{
	json_t *ids = json_array(), *v;
	size_t i;
	int rc = gb_results_run_ids(meta, mpath, ids);

	json_array_foreach(ids, i, v) {
		char *holder = NULL;
		int c;

		if (rc < 0)
			break;
		c = h->iface->claim(h->ctx, id, json_string_value(v), &holder);
		if (c == 0)
			gb_error("'%s' holds the measurements of run %s, which the history has "
				 "from '%s' already: a run's measurements are added once",
				 dir, json_string_value(v), holder);
		rc = c > 0 ? 0 : -1;
		free(holder);
	}
	json_decref(ids);
	return rc;
}

/* Read one results directory and store it; 1 added, 0 known, -1 error. */
static int add_one(struct gb_history *h, const char *dir, const char *branch)
{
	struct gb_results r = { 0 };
	struct gb_history_run run = { 0 };
	json_t *meta = NULL;
	char *mpath = NULL, *mtext = NULL, *klass = NULL, fp[17];
	size_t mlen;
	int64_t id = 0;
	int rc = -1;
	size_t windowed = 0;
	const char *first = NULL;

	if (!gb_is_dir(dir))
		return gb_error("'%s' is not a results directory", dir);
	mpath = gb_xasprintf("%s/meta.json", dir);
	if (!(mtext = gb_read_file(mpath, &mlen)))
		goto out;
	switch (gb_compare_load_meta(dir, &meta)) {
	case 0: break;
	case 1: gb_error("'%s' has no meta.json", dir); goto out;
	default: goto out;
	}
	if (!json_is_true(json_object_get(meta, "complete"))) {
		gb_error("'%s' is an incomplete run (meta.json complete is not true)", dir);
		goto out;
	}
	klass = gb_machine_class(meta);
	run.klass = klass;
	run.config = (char *)meta_str(json_object_get(meta, "config"), NULL, "name");
	run.commit = (char *)meta_str(meta, "build", "commit");
	run.start = (char *)meta_str(meta, NULL, "start");
	run.branch = (char *)(branch ? branch : meta_str(meta, "build", "branch"));
	if (!run.branch)
		run.branch = "main";
	run.source = (char *)dir;
	if (!run.klass || !run.config || !run.commit || !run.start) {
		gb_error("'%s': meta.json lacks the host, config name, build commit or start time", mpath);
		goto out;
	}
	if (gb_results_read(&r, dir) < 0)
		goto out;
	snprintf(fp, sizeof(fp), "%016llx",
		 (unsigned long long)gb_fnv1a(GB_FNV_INIT, mtext, mlen));
	rc = h->iface->add_run(h->ctx, &run, fp, &id);
	if (rc <= 0)
		goto out;
	/* a run's measurements are one point of each series, never two */
	if (claim_runs(h, meta, mpath, dir, id) < 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < r.n && rc > 0; i++) {
		const struct gb_cell_result *c = &r.cells[i];
		long long w = gb_compare_cell_window(meta, c->id);
		char *series;

		/*
		 * A window of the trace (a time budget's plan) is other work
		 * than the whole, and another run's plan may pick another: it
		 * is a series of its own, CELL/rows:N (export's name for it),
		 * so that a change of plan never reads as the code's.
		 */
		if (w && !windowed++)
			first = c->id;
		series = w ? gb_xasprintf("%s/rows:%lld", c->id, w) : gb_xstrdup(c->id);
		for (size_t j = 0; j < c->nmetrics; j++) {
			const struct gb_metric *m = &c->metrics[j];
			size_t n;
			double med;

			if (m->source == GB_SRC_UNAVAILABLE)
				continue;
			med = metric_median(m, &n);
			if (n == 0 || isnan(med))
				continue;
			if (h->iface->add_point(h->ctx, id, series, m->name, m->unit ? m->unit : "",
						med, n) < 0) {
				rc = -1;
				break;
			}
		}
		free(series);
	}
	if (windowed && rc > 0)
		gb_warn("%zu cell%s of '%s' replayed a window of %s trace (a time budget's "
			"plan; the first: %s): kept as CELL/rows:N, a series for each window, as "
			"another plan may pick another; a run with --windows-of a reference run keeps "
			"its rows from run to run",
			windowed, windowed == 1 ? "" : "s", dir, windowed == 1 ? "its" : "their", first);
out:
	json_decref(meta);
	gb_results_release(&r);
	free(klass);
	free(mpath);
	free(mtext);
	return rc;
}

int gb_history_add(struct gb_history *h, char *const *dirs, size_t n, const char *branch,
		   size_t *added, size_t *known)
{
	*added = *known = 0;
	if (h->iface->begin(h->ctx) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc = add_one(h, dirs[i], branch);

		if (rc < 0) {
			h->iface->rollback(h->ctx);
			/* the error is said once, by add_one; this says what it left */
			gb_note("history: nothing added to '%s': the store is as it was", h->path);
			return -1;
		}
		if (rc)
			(*added)++;
		else
			(*known)++;
		gb_note("history: %zu of %zu read: %s", i + 1, n, dirs[i]);
	}
	if (h->iface->commit(h->ctx) < 0) {
		h->iface->rollback(h->ctx);
		return -1;
	}
	return 0;
}

/* ---- series ---- */

struct walk {
	struct gb_history_series s;
	gb_history_series_fn fn;
	void *arg;
};

static int same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static void series_reset(struct gb_history_series *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->commit[i]);
		free(s->start[i]);
	}
	free(s->branch);
	free(s->klass);
	free(s->config);
	free(s->cell);
	free(s->metric);
	free(s->unit);
	s->branch = s->klass = s->config = s->cell = s->metric = s->unit = NULL;
	s->n = 0;
}

static int walk_flush(struct walk *w)
{
	int rc = 0;

	if (w->s.n)
		rc = w->fn(w->arg, &w->s);
	series_reset(&w->s);
	return rc;
}

static int walk_row(void *arg, const struct gb_history_row *row)
{
	struct walk *w = arg;
	struct gb_history_series *s = &w->s;

	if (s->n && !(same(s->branch, row->branch) && same(s->klass, row->klass) &&
		      same(s->config, row->config) && same(s->cell, row->cell) &&
		      same(s->metric, row->metric))) {
		int rc = walk_flush(w);

		if (rc)
			return rc;
	}
	if (!s->n) {
		s->branch = gb_xstrdup(row->branch);
		s->klass = gb_xstrdup(row->klass);
		s->config = gb_xstrdup(row->config);
		s->cell = gb_xstrdup(row->cell);
		s->metric = gb_xstrdup(row->metric);
		s->unit = gb_xstrdup(row->unit);
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = gb_xrealloc(s->v, s->cap * sizeof(*s->v));
		s->commit = gb_xrealloc(s->commit, s->cap * sizeof(*s->commit));
		s->start = gb_xrealloc(s->start, s->cap * sizeof(*s->start));
	}
	s->v[s->n] = row->median;
	s->commit[s->n] = gb_xstrdup(row->commit);
	s->start[s->n] = gb_xstrdup(row->start);
	s->n++;
	return 0;
}

int gb_history_walk(struct gb_history *h, const struct gb_history_filter *f,
		    gb_history_series_fn fn, void *arg)
{
	struct walk w = { .fn = fn, .arg = arg };
	int rc = h->iface->points(h->ctx, f, walk_row, &w);

	if (rc == 0)
		rc = walk_flush(&w);
	series_reset(&w.s);
	free(w.s.v);
	free(w.s.commit);
	free(w.s.start);
	return rc;
}

/* ---- thresholds ---- */

double gb_history_noise_threshold(const double *v, size_t n)
{
	size_t from, k = 0;
	double *d, q1, q3;

	if (n < GB_HISTORY_THR_MIN)
		return NAN;
	from = n > GB_HISTORY_THR_RUNS ? n - GB_HISTORY_THR_RUNS : 0;
	d = gb_xmalloc((n - from) * sizeof(*d));
	for (size_t i = from + 1; i < n; i++)
		if (v[i - 1] > 0)
			d[k++] = fabs(v[i] / v[i - 1] - 1);
	if (k < 2) {
		free(d);
		return NAN;
	}
	qsort(d, k, sizeof(*d), cmp_double);
	q1 = gb_quantile_sorted(d, k, 0.25);
	q3 = gb_quantile_sorted(d, k, 0.75);
	free(d);
	return q3 + 3 * (q3 - q1);
}

static int thr_add(void *arg, const struct gb_history_series *s)
{
	struct gb_history_thresholds *t = arg;
	struct gb_history_thr *e;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->e = gb_xrealloc(t->e, t->cap * sizeof(*t->e));
	}
	e = &t->e[t->n++];
	e->cell = gb_xstrdup(s->cell);
	e->metric = gb_xstrdup(s->metric);
	e->threshold = gb_history_noise_threshold(s->v, s->n);
	e->runs = s->n;
	return 0;
}

int gb_history_thresholds_load(struct gb_history *h, const char *klass, const char *config,
			       struct gb_history_thresholds *t)
{
	struct gb_history_filter f = { .klass = klass, .config = config };

	memset(t, 0, sizeof(*t));
	/*
	 * Series of several branches come one after another: the walk keys on
	 * the branch too, and the longest history of a cell x metric wins.
	 */
	if (gb_history_walk(h, &f, thr_add, t) < 0) {
		gb_history_thresholds_release(t);   /* the series read before the error */
		return -1;
	}
	return 0;
}

double gb_history_threshold_for(void *thresholds, const char *cell, const char *metric)
{
	const struct gb_history_thresholds *t = thresholds;
	double best = NAN;
	size_t runs = 0;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].cell, cell) && !strcmp(t->e[i].metric, metric) &&
		    !isnan(t->e[i].threshold) && t->e[i].runs > runs) {
			best = t->e[i].threshold;
			runs = t->e[i].runs;
		}
	return best;
}

void gb_history_thresholds_release(struct gb_history_thresholds *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].cell);
		free(t->e[i].metric);
	}
	free(t->e);
	memset(t, 0, sizeof(*t));
}
