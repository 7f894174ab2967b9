/*
 * results.c - the results of a run in memory and the results directory
 * (DESIGN.md section 7; results.h).
 *
 * The writer turns each cell's raw repetition values into results.csv
 * (statistics from gb_summarize) and samples.csv (the values themselves),
 * adds accuracy.csv, hist/<cell>.hgrm and meta.json, and writes every file
 * through gb_atomic_*, so a killed run leaves either the old file or the
 * new one. The reader rebuilds cells and their metrics from results.csv
 * (identity, unit, source) and samples.csv (the values), which is all that
 * `gbench compare` needs; statistics are recomputed from the samples, never
 * trusted from the summary columns.
 *
 * CSV goes through csvout.h (libcsv): fields are quoted only when they must
 * be, numbers are printed so that they read back to the same double, and
 * NAN is an empty field. An unavailable metric leaves every number of its
 * row empty, n included, and writes no samples.
 */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "fsio.h"
#include "gbench.h"
#include "stats.h"

static const char *const results_cols[] = {
	"cell", "workload", "executor", "device", "batch", "quant", "cache",
	"metric", "unit", "source", "n", "min", "median", "mean", "p90", "p99",
	"max", "stddev", "ci_low", "ci_high",
};
enum {
	RC_CELL, RC_WORKLOAD, RC_EXECUTOR, RC_DEVICE, RC_BATCH, RC_QUANT, RC_CACHE,
	RC_METRIC, RC_UNIT, RC_SOURCE, RC_N, RC_COUNT = 20,
};

static const char *const samples_cols[] = { "cell", "metric", "rep", "value" };
enum { SC_CELL, SC_METRIC, SC_REP, SC_VALUE, SC_COUNT };

static const char *const accuracy_cols[] = {
	"cell", "op", "reference", "metric", "value", "budget", "pass",
};
enum { AC_CELL, AC_OP, AC_REFERENCE, AC_METRIC, AC_VALUE, AC_BUDGET, AC_PASS, AC_COUNT };

_Static_assert(GB_ARRAY_SIZE(results_cols) == RC_COUNT, "results columns");
_Static_assert(GB_ARRAY_SIZE(samples_cols) == SC_COUNT, "samples columns");
_Static_assert(GB_ARRAY_SIZE(accuracy_cols) == AC_COUNT, "accuracy columns");

/* Accuracy references and metrics are static strings; map any spelling onto them. */
static const char *const known_refs[] = { "f64", "cpu" };
static const char *const known_acc_metrics[] = { "nmse", "recall", "max_abs_err" };

static const char *intern(const char *s, const char *const *known, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return NULL;
}

/* ---- building results in memory ---- */

static char *dup_or_null(const char *s)
{
	return s ? gb_xstrdup(s) : NULL;
}

struct gb_cell_result *gb_results_add(struct gb_results *r, const char *id,
				      const char *workload, const char *executor,
				      const char *device, uint32_t batch,
				      enum gb_quant quant, uint32_t cache)
{
	struct gb_cell_result *c;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->cells = gb_xrealloc(r->cells, r->cap * sizeof(*r->cells));
	}
	c = &r->cells[r->n++];
	memset(c, 0, sizeof(*c));
	c->id = id ? gb_xstrdup(id) : gb_cell_id(workload, executor, batch, quant, cache);
	c->workload = gb_xstrdup(workload);
	c->executor = gb_xstrdup(executor);
	c->device = dup_or_null(device);
	c->batch = batch;
	c->quant = quant;
	c->cache = cache;
	return c;
}

static void metric_release(struct gb_metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->v);
	free(m->reason);
}

static void cell_release(struct gb_cell_result *c)
{
	size_t i;

	free(c->id);
	free(c->workload);
	free(c->executor);
	free(c->device);
	for (i = 0; i < c->nmetrics; i++)
		metric_release(&c->metrics[i]);
	free(c->metrics);
	for (i = 0; i < c->nacc; i++)
		free(c->acc[i].op);
	free(c->acc);
	if (c->has_hist)
		gb_hist_release(&c->hist);
	free(c->skipped);
	if (c->invalid)
		gb_strv_free(c->invalid);
	free(c->batch_sizes);
}

void gb_results_release(struct gb_results *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		cell_release(&r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

void gb_results_pool(struct gb_results *dst, const struct gb_results *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct gb_cell_result *sc = &src->cells[i];
		struct gb_cell_result *dc = NULL;

		for (size_t j = 0; j < dst->n && !dc; j++)
			if (!strcmp(dst->cells[j].id, sc->id))
				dc = &dst->cells[j];
		if (!dc)
			dc = gb_results_add(dst, sc->id, sc->workload, sc->executor, sc->device,
					    sc->batch, sc->quant, sc->cache);
		for (size_t k = 0; k < sc->nmetrics; k++) {
			const struct gb_metric *sm = &sc->metrics[k];
			struct gb_metric *dm = gb_cell_metric(dc, sm->name, sm->unit, sm->source);

			if (sm->source == GB_SRC_UNAVAILABLE && !dm->n)
				gb_metric_unavailable(dm, sm->reason ? sm->reason : "unavailable");
			for (size_t v = 0; v < sm->n && dm->source != GB_SRC_UNAVAILABLE; v++)
				gb_metric_push(dm, sm->v[v]);
		}
	}
}

static struct gb_metric *find_metric(struct gb_cell_result *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmetrics; i++)
		if (strcmp(c->metrics[i].name, name) == 0)
			return &c->metrics[i];
	return NULL;
}

/*
 * The metrics array starts with room for GB_CELL_METRICS_RESERVED and
 * doubles when a power of two >= that is reached, so the capacity needs no
 * field of its own and the first GB_CELL_METRICS_RESERVED pointers never move.
 */
struct gb_metric *gb_cell_metric(struct gb_cell_result *c, const char *name,
				 const char *unit, enum gb_source src)
{
	struct gb_metric *m = find_metric(c, name);
	size_t n = c->nmetrics;

	if (m)
		return m;
	if (n == 0)
		c->metrics = gb_xmalloc(GB_CELL_METRICS_RESERVED * sizeof(*c->metrics));
	else if (n >= GB_CELL_METRICS_RESERVED && (n & (n - 1)) == 0)
		c->metrics = gb_xrealloc(c->metrics, 2 * n * sizeof(*c->metrics));
	m = &c->metrics[c->nmetrics++];
	memset(m, 0, sizeof(*m));
	m->name = gb_xstrdup(name);
	m->unit = gb_xstrdup(unit ? unit : "");
	m->source = src;
	return m;
}

void gb_metric_push(struct gb_metric *m, double v)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->v = gb_xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	m->v[m->n++] = v;
}

void gb_metric_unavailable(struct gb_metric *m, const char *reason)
{
	char *copy = dup_or_null(reason);

	free(m->reason);
	m->reason = copy;
	m->source = GB_SRC_UNAVAILABLE;
	m->n = 0;
}

void gb_cell_add_accuracy(struct gb_cell_result *c, const char *op, const char *reference,
			  const char *metric, double value, double budget, int pass)
{
	const char *ref = intern(reference, known_refs, GB_ARRAY_SIZE(known_refs));
	const char *met = intern(metric, known_acc_metrics, GB_ARRAY_SIZE(known_acc_metrics));
	struct gb_accuracy *a;

	/* Power-of-two growth: the capacity follows from nacc. */
	if ((c->nacc & (c->nacc - 1)) == 0)
		c->acc = gb_xrealloc(c->acc, (c->nacc ? 2 * c->nacc : 1) * sizeof(*c->acc));
	a = &c->acc[c->nacc++];
	a->op = gb_xstrdup(op);
	a->reference = ref ? ref : reference;
	a->metric = met ? met : metric;
	a->value = value;
	a->budget = budget;
	a->pass = pass ? 1 : 0;
}

void gb_cell_invalid(struct gb_cell_result *c, const char *reason)
{
	size_t n = c->invalid ? gb_strv_len(c->invalid) : 0;

	c->invalid = gb_xrealloc(c->invalid, (n + 2) * sizeof(*c->invalid));
	c->invalid[n] = gb_xstrdup(reason);
	c->invalid[n + 1] = NULL;
}

/* Anything but [A-Za-z0-9._+-] becomes '_', so the id is a safe file name. */
static void append_safe(char *dst, const char *s)
{
	dst += strlen(dst);
	for (; *s; s++) {
		char ch = *s;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
			 ch == '-' || ch == '+';

		*dst++ = ok ? ch : '_';
	}
	*dst = '\0';
}

char *gb_cell_id(const char *workload, const char *executor, uint32_t batch,
		 enum gb_quant quant, uint32_t cache)
{
	const char *q = gb_quant_name(quant);
	char tail[64];
	char *id;

	snprintf(tail, sizeof(tail), ".b%u.%s.c%u", (unsigned)batch, q ? q : "q?",
		 (unsigned)cache);
	id = gb_xmalloc(strlen(workload) + strlen(executor) + strlen(tail) + 2);
	id[0] = '\0';
	append_safe(id, workload);
	strcat(id, ".");
	append_safe(id, executor);
	strcat(id, tail);
	return id;
}

/* ---- writing the results directory ---- */

static void write_header(struct gb_csvw *w, const char *const *cols, size_t n)
{
	gb_csvw_row(w, cols, n);
}

static void write_results_row(struct gb_csvw *w, const struct gb_cell_result *c,
			      const struct gb_metric *m)
{
	struct gb_summary s;

	gb_csvw_str(w, c->id);
	gb_csvw_str(w, c->workload);
	gb_csvw_str(w, c->executor);
	gb_csvw_str(w, c->device);
	gb_csvw_uint(w, c->batch);
	gb_csvw_str(w, gb_quant_name(c->quant));
	gb_csvw_uint(w, c->cache);
	gb_csvw_str(w, m->name);
	gb_csvw_str(w, m->unit);
	gb_csvw_str(w, gb_source_name(m->source));
	if (m->source == GB_SRC_UNAVAILABLE) {
		int i;

		for (i = RC_N; i < RC_COUNT; i++)
			gb_csvw_str(w, NULL);
		gb_csvw_end(w);
		return;
	}
	gb_summarize(m->v, m->n, &s);
	gb_csvw_uint(w, s.n);
	gb_csvw_num(w, s.min);
	gb_csvw_num(w, s.median);
	gb_csvw_num(w, s.mean);
	gb_csvw_num(w, s.p90);
	gb_csvw_num(w, s.p99);
	gb_csvw_num(w, s.max);
	gb_csvw_num(w, s.stddev);
	gb_csvw_num(w, s.ci_low);
	gb_csvw_num(w, s.ci_high);
	gb_csvw_end(w);
}

static int write_results_csv(const struct gb_results *r, const char *path)
{
	struct gb_atomic a;
	struct gb_csvw w;
	size_t i, j;

	if (gb_atomic_open(&a, path) < 0)
		return -1;
	gb_csvw_init(&w, a.f);
	write_header(&w, results_cols, RC_COUNT);
	for (i = 0; i < r->n; i++) {
		const struct gb_cell_result *c = &r->cells[i];

		if (c->skipped)
			continue;
		for (j = 0; j < c->nmetrics; j++)
			write_results_row(&w, c, &c->metrics[j]);
	}
	return gb_atomic_commit(&a);
}

static int write_samples_csv(const struct gb_results *r, const char *path)
{
	struct gb_atomic a;
	struct gb_csvw w;
	size_t i, j, k;

	if (gb_atomic_open(&a, path) < 0)
		return -1;
	gb_csvw_init(&w, a.f);
	write_header(&w, samples_cols, SC_COUNT);
	for (i = 0; i < r->n; i++) {
		const struct gb_cell_result *c = &r->cells[i];

		if (c->skipped)
			continue;
		for (j = 0; j < c->nmetrics; j++) {
			const struct gb_metric *m = &c->metrics[j];

			if (m->source == GB_SRC_UNAVAILABLE)
				continue;
			for (k = 0; k < m->n; k++) {
				gb_csvw_str(&w, c->id);
				gb_csvw_str(&w, m->name);
				gb_csvw_uint(&w, k);
				gb_csvw_num(&w, m->v[k]);
				gb_csvw_end(&w);
			}
		}
	}
	return gb_atomic_commit(&a);
}

static int write_accuracy_csv(const struct gb_results *r, const char *path)
{
	struct gb_atomic a;
	struct gb_csvw w;
	size_t i, j;

	if (gb_atomic_open(&a, path) < 0)
		return -1;
	gb_csvw_init(&w, a.f);
	write_header(&w, accuracy_cols, AC_COUNT);
	for (i = 0; i < r->n; i++) {
		const struct gb_cell_result *c = &r->cells[i];

		if (c->skipped)
			continue;
		for (j = 0; j < c->nacc; j++) {
			const struct gb_accuracy *acc = &c->acc[j];

			gb_csvw_str(&w, c->id);
			gb_csvw_str(&w, acc->op);
			gb_csvw_str(&w, acc->reference);
			gb_csvw_str(&w, acc->metric);
			gb_csvw_num(&w, acc->value);
			gb_csvw_num(&w, acc->budget);
			gb_csvw_str(&w, acc->pass ? "true" : "false");
			gb_csvw_end(&w);
		}
	}
	return gb_atomic_commit(&a);
}

static int id_is_safe(const char *id)
{
	return *id && !strchr(id, '/') && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

static int write_hists(const struct gb_results *r, const char *dir)
{
	char *hdir = gb_xasprintf("%s/hist", dir);
	int made = 0, rc = 0;
	size_t i;

	for (i = 0; i < r->n && rc == 0; i++) {
		const struct gb_cell_result *c = &r->cells[i];
		struct gb_atomic a;
		char *path;

		if (!c->has_hist)
			continue;
		if (!id_is_safe(c->id)) {
			rc = gb_error("cell id '%s' is not a file name", c->id);
			break;
		}
		if (!made && (rc = gb_mkdir_p(hdir)) < 0)
			break;
		made = 1;
		for (int raw = 0; raw <= r->raw_hists && rc == 0; raw++) {
			path = gb_xasprintf("%s/%s.%s", hdir, c->id, raw ? "raw" : "hgrm");
			if (gb_atomic_open(&a, path) < 0) {
				rc = -1;
			} else if ((raw ? gb_hist_write_raw(&c->hist, a.f)
					: gb_hist_write_hgrm(&c->hist, a.f, 1.0)) < 0) {
				gb_atomic_abort(&a);
				rc = gb_error("cannot write '%s'", path);
			} else {
				rc = gb_atomic_commit(&a);
			}
			free(path);
		}
	}
	free(hdir);
	return rc;
}

static int write_meta(json_t *meta, const char *path)
{
	struct gb_atomic a;

	if (gb_atomic_open(&a, path) < 0)
		return -1;
	if (json_dumpf(meta, a.f, JSON_INDENT(2)) != 0 || fputc('\n', a.f) == EOF) {
		gb_atomic_abort(&a);
		return gb_error("cannot write '%s'", path);
	}
	return gb_atomic_commit(&a);
}

int gb_results_write(const struct gb_results *r, const char *dir, json_t *meta)
{
	static const char *const names[] = { "results.csv", "samples.csv", "accuracy.csv" };
	int (*const writers[])(const struct gb_results *, const char *) = {
		write_results_csv, write_samples_csv, write_accuracy_csv,
	};
	int rc = 0;
	size_t i;

	if (gb_mkdir_p(dir) < 0)
		return -1;
	for (i = 0; i < GB_ARRAY_SIZE(names) && rc == 0; i++) {
		char *path = gb_xasprintf("%s/%s", dir, names[i]);

		rc = writers[i](r, path);
		free(path);
	}
	if (rc == 0)
		rc = write_hists(r, dir);
	if (rc == 0 && meta) {
		char *path = gb_xasprintf("%s/meta.json", dir);

		rc = write_meta(meta, path);
		free(path);
	}
	return rc;
}

/* ---- reading a results directory back ---- */

struct rd {
	struct gb_results *r;
	const char *path;
	const char *const *cols;
	size_t ncols;
	int map[RC_COUNT];    /* column of each expected name in the file */
	int have_header;
	size_t last;          /* index of the cell the previous row named */
};

static int source_parse(const char *s, enum gb_source *out)
{
	static const enum gb_source all[] = {
		GB_SRC_MEASURED, GB_SRC_SCALED, GB_SRC_SIMULATED, GB_SRC_UNAVAILABLE,
	};
	size_t i;

	for (i = 0; i < GB_ARRAY_SIZE(all); i++)
		if (strcmp(s, gb_source_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* A number field; empty is NAN. Underflow to a subnormal is accepted. */
static int parse_num(const char *s, double *out)
{
	char *end;

	if (!*s) {
		*out = NAN;
		return 0;
	}
	*out = strtod(s, &end);
	return *end ? -1 : 0;
}

/* The header row: find every expected column; further columns are allowed. */
static int map_header(struct rd *rd, char **f, size_t n, size_t recno)
{
	size_t i, j;

	for (i = 0; i < rd->ncols; i++) {
		rd->map[i] = -1;
		for (j = 0; j < n; j++)
			if (strcmp(f[j], rd->cols[i]) == 0) {
				rd->map[i] = (int)j;
				break;
			}
		if (rd->map[i] < 0)
			return gb_error("%s:%zu: missing column '%s'", rd->path, recno,
					rd->cols[i]);
	}
	rd->have_header = 1;
	return 0;
}

/* Map the row's fields into expected-column order; -1 when it is short. */
static int take(struct rd *rd, char **f, size_t n, size_t recno, const char **out)
{
	size_t i;

	for (i = 0; i < rd->ncols; i++) {
		if ((size_t)rd->map[i] >= n)
			return gb_error("%s:%zu: %zu fields, expected column '%s'", rd->path,
					recno, n, rd->cols[i]);
		out[i] = f[rd->map[i]];
	}
	return 0;
}

static struct gb_cell_result *find_cell(struct rd *rd, const char *id)
{
	struct gb_results *r = rd->r;
	size_t i;

	if (rd->last < r->n && strcmp(r->cells[rd->last].id, id) == 0)
		return &r->cells[rd->last];
	for (i = 0; i < r->n; i++)
		if (strcmp(r->cells[i].id, id) == 0) {
			rd->last = i;
			return &r->cells[i];
		}
	return NULL;
}

static int results_row(char **f, size_t n, size_t recno, void *ctx)
{
	struct rd *rd = ctx;
	const char *v[RC_COUNT];
	struct gb_cell_result *c;
	enum gb_source src;
	enum gb_quant q;
	uint32_t batch, cache;

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	if (parse_u32(v[RC_BATCH], &batch) < 0)
		return gb_error("%s:%zu: bad batch '%s'", rd->path, recno, v[RC_BATCH]);
	if (parse_u32(v[RC_CACHE], &cache) < 0)
		return gb_error("%s:%zu: bad cache '%s'", rd->path, recno, v[RC_CACHE]);
	if (gb_quant_parse(v[RC_QUANT], &q) < 0)
		return gb_error("%s:%zu: bad quant '%s'", rd->path, recno, v[RC_QUANT]);
	if (source_parse(v[RC_SOURCE], &src) < 0)
		return gb_error("%s:%zu: bad source '%s'", rd->path, recno, v[RC_SOURCE]);
	if (!*v[RC_CELL] || !*v[RC_METRIC])
		return gb_error("%s:%zu: empty cell or metric", rd->path, recno);
	c = find_cell(rd, v[RC_CELL]);
	if (!c) {
		c = gb_results_add(rd->r, v[RC_CELL], v[RC_WORKLOAD], v[RC_EXECUTOR],
				   *v[RC_DEVICE] ? v[RC_DEVICE] : NULL, batch, q, cache);
		rd->last = rd->r->n - 1;
	}
	if (find_metric(c, v[RC_METRIC]))
		return gb_error("%s:%zu: metric '%s' of cell '%s' appears twice", rd->path,
				recno, v[RC_METRIC], v[RC_CELL]);
	gb_cell_metric(c, v[RC_METRIC], v[RC_UNIT], src);
	return 0;
}

static int samples_row(char **f, size_t n, size_t recno, void *ctx)
{
	struct rd *rd = ctx;
	const char *v[SC_COUNT];
	struct gb_cell_result *c;
	struct gb_metric *m;
	uint32_t rep;
	double x;

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	c = find_cell(rd, v[SC_CELL]);
	if (!c)
		return gb_error("%s:%zu: cell '%s' is not in results.csv", rd->path, recno,
				v[SC_CELL]);
	m = find_metric(c, v[SC_METRIC]);
	if (!m)
		return gb_error("%s:%zu: metric '%s' of cell '%s' is not in results.csv",
				rd->path, recno, v[SC_METRIC], v[SC_CELL]);
	if (m->source == GB_SRC_UNAVAILABLE)
		return gb_error("%s:%zu: samples for unavailable metric '%s'", rd->path,
				recno, v[SC_METRIC]);
	if (parse_u32(v[SC_REP], &rep) < 0)
		return gb_error("%s:%zu: bad rep '%s'", rd->path, recno, v[SC_REP]);
	if (parse_num(v[SC_VALUE], &x) < 0)
		return gb_error("%s:%zu: bad value '%s'", rd->path, recno, v[SC_VALUE]);
	/* Place by rep, whatever the row order; a missing rep stays NAN. */
	while (m->n <= rep)
		gb_metric_push(m, NAN);
	m->v[rep] = x;
	return 0;
}

static int accuracy_row(char **f, size_t n, size_t recno, void *ctx)
{
	struct rd *rd = ctx;
	const char *v[AC_COUNT], *ref, *met;
	struct gb_cell_result *c;
	double value, budget;
	int pass;

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	c = find_cell(rd, v[AC_CELL]);
	if (!c)
		return gb_error("%s:%zu: cell '%s' is not in results.csv", rd->path, recno,
				v[AC_CELL]);
	ref = intern(v[AC_REFERENCE], known_refs, GB_ARRAY_SIZE(known_refs));
	met = intern(v[AC_METRIC], known_acc_metrics, GB_ARRAY_SIZE(known_acc_metrics));
	if (!ref)
		return gb_error("%s:%zu: bad reference '%s'", rd->path, recno, v[AC_REFERENCE]);
	if (!met)
		return gb_error("%s:%zu: bad accuracy metric '%s'", rd->path, recno,
				v[AC_METRIC]);
	if (parse_num(v[AC_VALUE], &value) < 0 || parse_num(v[AC_BUDGET], &budget) < 0)
		return gb_error("%s:%zu: bad value or budget", rd->path, recno);
	if (strcmp(v[AC_PASS], "true") == 0)
		pass = 1;
	else if (strcmp(v[AC_PASS], "false") == 0)
		pass = 0;
	else
		return gb_error("%s:%zu: bad pass '%s'", rd->path, recno, v[AC_PASS]);
	gb_cell_add_accuracy(c, v[AC_OP], ref, met, value, budget, pass);
	return 0;
}

static int read_one(struct gb_results *r, const char *path, const char *const *cols,
		    size_t ncols, gb_csv_row_fn fn)
{
	struct rd rd = { .r = r, .path = path, .cols = cols, .ncols = ncols };
	int rc = gb_csv_read(path, fn, &rd);

	if (rc == 0 && !rd.have_header)
		rc = gb_error("'%s' is empty", path);
	return rc < 0 ? -1 : rc;
}

int gb_results_read(struct gb_results *r, const char *dir_or_csv)
{
	char *dir, *path;
	int rc;

	/* A directory, or its results.csv (possibly renamed) with the rest beside it. */
	if (gb_is_dir(dir_or_csv)) {
		dir = gb_xstrdup(dir_or_csv);
		path = gb_xasprintf("%s/results.csv", dir);
	} else {
		const char *slash = strrchr(dir_or_csv, '/');

		if (!slash)
			dir = gb_xstrdup(".");
		else if (slash == dir_or_csv)
			dir = gb_xstrdup("/");
		else
			dir = gb_xasprintf("%.*s", (int)(slash - dir_or_csv), dir_or_csv);
		path = gb_xstrdup(dir_or_csv);
	}
	rc = read_one(r, path, results_cols, RC_COUNT, results_row);
	free(path);
	if (rc == 0) {
		path = gb_xasprintf("%s/samples.csv", dir);
		rc = read_one(r, path, samples_cols, SC_COUNT, samples_row);
		free(path);
	}
	if (rc == 0) {
		path = gb_xasprintf("%s/accuracy.csv", dir);
		if (gb_file_exists(path))
			rc = read_one(r, path, accuracy_cols, AC_COUNT, accuracy_row);
		free(path);
	}
	free(dir);
	return rc;
}
