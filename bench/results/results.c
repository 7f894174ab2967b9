/*
 * results.c - the results of a run in memory and the results directory
 * (DESIGN.md section 7; results.h).
 *
 * The writer turns each cell's raw repetition values into results.csv
 * (statistics from gb_summarize) and samples.csv (the values themselves),
 * adds accuracy.csv, hist/<cell>.hgrm and, last, meta.json with a manifest
 * of the files it goes with, and writes every file through gb_atomic_*, so
 * a killed run leaves either the old file or the new one; a run writes the
 * whole directory into a staging folder put in place at once
 * (gb_results_stage), so it never leaves new files beside old ones.
 * Reading a directory back is results-read.c.
 *
 * CSV goes through csvout.h (libcsv): fields are quoted only when they must
 * be, numbers are printed so that they read back to the same double, and
 * NAN is an empty field. An unavailable metric leaves every number of its
 * row empty, n included, and writes no samples.
 */
#include "results/results.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/csvout.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "results/results-impl.h"
#include "stats.h"

/* The files' columns (results-impl.h). */
const char *const gb_results_cols[] = {
	"cell", "workload", "executor", "device", "batch", "quant", "cache",
	"metric", "unit", "source", "n", "min", "median", "mean", "p90", "p99",
	"max", "stddev", "ci_low", "ci_high",
};
const char *const gb_samples_cols[] = { "cell", "metric", "rep", "value" };
const char *const gb_accuracy_cols[] = {
	"cell", "op", "reference", "metric", "value", "budget", "pass",
};

_Static_assert(GB_ARRAY_SIZE(gb_results_cols) == RC_COUNT, "results columns");
_Static_assert(GB_ARRAY_SIZE(gb_samples_cols) == SC_COUNT, "samples columns");
_Static_assert(GB_ARRAY_SIZE(gb_accuracy_cols) == AC_COUNT, "accuracy columns");

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

const char *gb_acc_reference_intern(const char *s)
{
	return intern(s, known_refs, GB_ARRAY_SIZE(known_refs));
}

const char *gb_acc_metric_intern(const char *s)
{
	return intern(s, known_acc_metrics, GB_ARRAY_SIZE(known_acc_metrics));
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

struct gb_metric *gb_cell_find_metric(struct gb_cell_result *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmetrics; i++)
		if (strcmp(c->metrics[i].name, name) == 0)
			return &c->metrics[i];
	return NULL;
}

size_t gb_cell_reps(const struct gb_cell_result *c)
{
	for (size_t k = 0; k < c->nmetrics; k++)
		if (!strcmp(c->metrics[k].name, "wall_ns"))
			return c->metrics[k].n;
	return 0;
}

/*
 * The metrics array starts with room for GB_CELL_METRICS_RESERVED and
 * doubles when a power of two >= that is reached, so the capacity needs no
 * field of its own and the first GB_CELL_METRICS_RESERVED pointers never move.
 */
struct gb_metric *gb_cell_metric(struct gb_cell_result *c, const char *name,
				 const char *unit, enum gb_source src)
{
	struct gb_metric *m = gb_cell_find_metric(c, name);
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
	const char *ref = gb_acc_reference_intern(reference);
	const char *met = gb_acc_metric_intern(metric);
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
	write_header(&w, gb_results_cols, RC_COUNT);
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
	write_header(&w, gb_samples_cols, SC_COUNT);
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
	write_header(&w, gb_accuracy_cols, AC_COUNT);
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

/* The seconds a cell spent in measured replays: the sum of its wall_ns. */
static double measured_seconds(const struct gb_cell_result *c)
{
	double s = 0;

	for (size_t m = 0; m < c->nmetrics; m++)
		if (!strcmp(c->metrics[m].name, "wall_ns") && c->metrics[m].source != GB_SRC_UNAVAILABLE)
			for (size_t i = 0; i < c->metrics[m].n; i++)
				if (!isnan(c->metrics[m].v[i]))
					s += c->metrics[m].v[i] * 1e-9;
	return s;
}

/* One histogram file of c in the form ext names; 0 or -1. */
static int write_hist(const struct gb_cell_result *c, FILE *f, const char *ext)
{
	if (!strcmp(ext, "raw"))
		return gb_hist_write_raw(&c->hist, f);
	if (!strcmp(ext, "hlog"))
		return gb_hlog_write_header(f, -1) < 0 ? -1
			: gb_hist_write_hlog_line(&c->hist, f, c->id, 0.0, measured_seconds(c));
	return gb_hist_write_hgrm(&c->hist, f, 1.0);
}

static int write_hists(const struct gb_results *r, const char *dir, json_t *files)
{
	static const char *const exts[] = { "hgrm", "hlog", "raw" };
	char *hdir = gb_xasprintf("%s/hist", dir);
	int made = 0, rc = 0;
	size_t i;

	for (i = 0; i < r->n && rc == 0; i++) {
		const struct gb_cell_result *c = &r->cells[i];
		struct gb_atomic a;
		char *path;

		if (!c->has_hist)
			continue;
		if (!gb_fname_is_safe(c->id)) {
			rc = gb_error("cell id '%s' is not a file name", c->id);
			break;
		}
		if (!made && (rc = gb_mkdir_p(hdir)) < 0)
			break;
		made = 1;
		for (size_t k = 0; k < (r->raw_hists ? 3u : 2u) && rc == 0; k++) {
			path = gb_xasprintf("%s/%s.%s", hdir, c->id, exts[k]);
			if (gb_atomic_open(&a, path) < 0) {
				rc = -1;
			} else if (write_hist(c, a.f, exts[k]) < 0) {
				gb_atomic_abort(&a);
				rc = gb_error("cannot write '%s'", path);
			} else {
				rc = gb_atomic_commit(&a);
			}
			if (rc == 0)
				json_array_append_new(files, json_sprintf("hist/%s.%s", c->id, exts[k]));
			free(path);
		}
	}
	free(hdir);
	return rc;
}

/*
 * The size and 64-bit FNV-1a of a file's bytes. FNV-1a is what the project
 * already has (gbench.h); it tells a file from another run's or an edited
 * one, which is all the manifest is for: a consistency check, not a
 * defence against someone forging a matching file.
 */
int gb_results_file_fnv(const char *path, uint64_t *size, uint64_t *hash)
{
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t got;

	if (!f)
		return -1;
	*size = 0;
	*hash = GB_FNV_INIT;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
		*hash = gb_fnv1a(*hash, buf, got);
		*size += got;
	}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* meta.json's "manifest": every file of dir named in files, with its size and hash. */
static json_t *manifest(const char *dir, json_t *files)
{
	json_t *m = json_object(), *name;
	size_t i;

	json_array_foreach(files, i, name) {
		char *path = gb_xasprintf("%s/%s", dir, json_string_value(name));
		uint64_t size, hash;

		if (gb_results_file_fnv(path, &size, &hash) < 0) {
			gb_error("cannot read back '%s': %s", path, strerror(errno));
			free(path);
			json_decref(m);
			return NULL;
		}
		json_object_set_new(m, json_string_value(name),
				    json_pack("{s:I, s:o}", "size", (json_int_t)size, "fnv1a",
					      json_sprintf("%016llx", (unsigned long long)hash)));
		free(path);
	}
	return json_pack("{s:s, s:s, s:o}", "hash", "fnv1a-64",
			 "note", "every file this meta.json goes with, written before it: a reader "
				 "refuses a directory whose files differ (another run's, or edited)",
			 "files", m);
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
	json_t *files = json_array();
	int rc = 0;
	size_t i;

	if (gb_mkdir_p(dir) < 0) {
		json_decref(files);
		return -1;
	}
	for (i = 0; i < GB_ARRAY_SIZE(names) && rc == 0; i++) {
		char *path = gb_xasprintf("%s/%s", dir, names[i]);

		rc = writers[i](r, path);
		json_array_append_new(files, json_string(names[i]));
		free(path);
	}
	if (rc == 0)
		rc = write_hists(r, dir, files);
	if (rc == 0 && meta) {
		char *path = gb_xasprintf("%s/mrc.csv", dir);
		json_t *copy = json_copy(meta), *man;

		/* written by the run before this (run.c write_mrc): it belongs to the run */
		if (gb_file_exists(path))
			json_array_append_new(files, json_string("mrc.csv"));
		free(path);
		man = manifest(dir, files);
		if (!man) {
			rc = -1;
		} else {
			/* a shallow copy: the caller's meta is left as it was */
			json_object_set_new(copy, "manifest", man);
			path = gb_xasprintf("%s/meta.json", dir);
			rc = write_meta(copy, path);
			free(path);
		}
		json_decref(copy);
	}
	json_decref(files);
	return rc;
}

/*
 * A results directory is replaced as a whole when it holds nothing but
 * what a run or a report writes there; a folder with anything else in it
 * (the user's own files: `--out .`) is written in place, file by file, as
 * before, with what an earlier run left there that this one might not
 * rewrite removed first.
 */
static int replaceable(const char *dir)
{
	static const char *const ours[] = {
		"results.csv", "samples.csv", "accuracy.csv", "mrc.csv", "meta.json", "hist",
		"report",
	};
	char *t = gb_xstrdup(dir), *base;
	size_t n = strlen(t);
	struct stat st;
	DIR *d;
	struct dirent *e;
	int ok = 1;

	while (n > 1 && t[n - 1] == '/')
		t[--n] = '\0';
	base = strrchr(t, '/') ? strrchr(t, '/') + 1 : t;
	/* ".", "..", "/": no name of its own to stage beside */
	ok = *base && strcmp(base, ".") && strcmp(base, "..");
	free(t);
	if (!ok)
		return 0;
	if (lstat(dir, &st) < 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode) || !(d = opendir(dir)))
		return 0;    /* a link, a file: left to the in-place write and its errors */
	while (ok && (e = readdir(d))) {
		int known = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			    strstr(e->d_name, ".tmp.") != NULL;

		for (size_t i = 0; i < GB_ARRAY_SIZE(ours) && !known; i++)
			known = !strcmp(e->d_name, ours[i]);
		ok = known;
	}
	closedir(d);
	return ok;
}

char *gb_results_stage(const char *dir)
{
	char *p;

	if (replaceable(dir))
		return gb_stage_dir(dir);
	if (gb_is_dir(dir)) {
		gb_warn("'%s' cannot be replaced as a whole (a link, '.', or a folder holding "
			"other files): writing into it in place", dir);
		/* parts an earlier run left that this one may not write again */
		p = gb_xasprintf("%s/mrc.csv", dir);
		unlink(p);
		free(p);
		p = gb_xasprintf("%s/hist", dir);
		if (gb_is_dir(p))
			gb_rm_tree(p);
		free(p);
	}
	return gb_xstrdup(dir);
}

int gb_results_publish(const char *stage, const char *dir)
{
	if (!strcmp(stage, dir))
		return 0;
	return gb_stage_publish(stage, dir);
}
