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
 * (gb_results_stage), so it never leaves new files beside old ones. The
 * reader rebuilds cells and their metrics from results.csv (identity,
 * unit, source) and samples.csv (the values), which is all that `gbench
 * compare` needs; statistics are recomputed from the samples, never
 * trusted from the summary columns; and it takes nothing a run would not
 * have written (the rules open the reading part below).
 *
 * CSV goes through csvout.h (libcsv): fields are quoted only when they must
 * be, numbers are printed so that they read back to the same double, and
 * NAN is an empty field. An unavailable metric leaves every number of its
 * row empty, n included, and writes no samples.
 */
#include "results.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * A cell id names hist/<cell>.hgrm: only [A-Za-z0-9._+-] (what gb_cell_id
 * makes), and not "." or "..", so that no id read from a file reaches
 * outside hist/ or holds a character another program's input treats
 * specially.
 */
static int id_is_safe(const char *id)
{
	if (!*id || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	for (; *id; id++) {
		char ch = *id;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
		      ch == '+'))
			return 0;
	}
	return 1;
}

/* s for a one-line message: at most 64 bytes, anything unprintable as '?'. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < len && i < 64; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

static int write_hists(const struct gb_results *r, const char *dir, json_t *files)
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
			if (rc == 0)
				json_array_append_new(files, json_sprintf("hist/%s.%s", c->id,
									  raw ? "raw" : "hgrm"));
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
static int file_fnv(const char *path, uint64_t *size, uint64_t *hash)
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

		if (file_fnv(path, &size, &hash) < 0) {
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

/* ---- reading a results directory back ---- */

/*
 * What the reader takes from a file it did not write itself (a results
 * directory may be another machine's, hand-edited or damaged), and why:
 *
 *   - a cell id is a safe file name (id_is_safe): it reaches hist/ paths;
 *   - a sample value is a plain decimal number ([-]digits[.digits][e[+-]digits])
 *     or empty (no value in that repetition): no inf, nan or hex float,
 *     which the writer never prints; and not negative where the unit
 *     cannot be (ns, count, req/s, ratio, KiB, MHz, requests: times,
 *     counts, rates and shares); other units may be negative;
 *   - at most GB_RESULTS_MAX_CELLS cells of GB_RESULTS_MAX_METRICS metrics:
 *     each cell reserves room for GB_CELL_METRICS_RESERVED metrics, so
 *     memory would otherwise grow far faster than the file;
 *   - a rep is below the run's repetitions in meta.json (config.repetitions
 *     and repetitions_by_executor) when it says, and below
 *     GB_RESULTS_MAX_REPS always, and one row per cell x metric x rep; the
 *     repetitions a file leaves without a row (NAN) are at most as many as
 *     it has rows, past one run's worth, so memory follows the file's size;
 *   - accuracy values are numbers as above, never negative, recall at most
 *     1, and +inf only for an NMSE or error (a reference of zeros);
 *   - meta.json's manifest (gb_results_write) names every file with its
 *     size and FNV-1a: a file that differs, a listed CSV that is missing,
 *     or a CSV or histogram it does not list is refused, naming the file.
 *     Results without a manifest (older runs, the committed baselines) are
 *     read as before: they have nothing to check against.
 */

/* A slot no row has filled yet: a NaN payload no parsed value can have. */
static const uint64_t unseen_bits = 0x7ffcdead5eed0001ULL;

static int is_unseen(double x)
{
	uint64_t b;

	memcpy(&b, &x, sizeof(b));
	return b == unseen_bits;
}

struct rd {
	struct gb_results *r;
	const char *path;
	const char *const *cols;
	size_t ncols;
	int map[RC_COUNT];    /* column of each expected name in the file */
	int have_header;
	size_t last;          /* index of the cell the previous row named */
	uint32_t max_reps;    /* a rep must be below this */
	int reps_from_meta;   /* max_reps is the run's (meta.json), not the ceiling */
	size_t rows;          /* data rows read */
	size_t padding;       /* slots rows skipped over (filled NAN) */
	size_t *index;        /* cells by id hash, open addressing: cell index + 1, 0 free */
	size_t nindex;        /* a power of two, at least twice the cells */
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

/* [-]digits[.digits] or [-].digits, then [e|E[+|-]digits]: what %.17g prints, finite. */
static int plain_decimal(const char *s)
{
	int digits = 0;

	if (*s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/*
 * A number field; empty is NAN. Only plain decimals, finite once read
 * (1e999 is not); underflow to a subnormal or zero is accepted.
 */
static int parse_num(const char *s, double *out)
{
	if (!*s) {
		*out = NAN;
		return 0;
	}
	if (!plain_decimal(s))
		return -1;
	*out = strtod(s, NULL);
	return isfinite(*out) ? 0 : -1;
}

/* Units of times, counts, rates and shares: never negative. */
static int unit_nonnegative(const char *unit)
{
	static const char *const units[] = {
		"ns", "count", "req/s", "ratio", "KiB", "MHz", "requests",
	};

	for (size_t i = 0; i < GB_ARRAY_SIZE(units); i++)
		if (!strcmp(unit, units[i]))
			return 1;
	return 0;
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

static size_t id_hash(const char *id)
{
	return (size_t)gb_fnv1a(GB_FNV_INIT, id, strlen(id));
}

static void index_insert(struct rd *rd, size_t i)
{
	size_t h = id_hash(rd->r->cells[i].id) & (rd->nindex - 1);

	while (rd->index[h])
		h = (h + 1) & (rd->nindex - 1);
	rd->index[h] = i + 1;
}

/* Index every cell of rd->r, in a table at most a quarter full. */
static void index_build(struct rd *rd)
{
	free(rd->index);
	for (rd->nindex = 64; rd->nindex < 4 * rd->r->n; rd->nindex *= 2)
		;
	rd->index = gb_xcalloc(rd->nindex, sizeof(*rd->index));
	for (size_t i = 0; i < rd->r->n; i++)
		index_insert(rd, i);
}

/* The cell just added (the last of rd->r) into the index; rebuilt when half full. */
static void index_added(struct rd *rd)
{
	if (2 * rd->r->n > rd->nindex)
		index_build(rd);
	else
		index_insert(rd, rd->r->n - 1);
}

/*
 * A cell by id: the previous row's, else through the index, so that a
 * file of many cells is read in time linear in its rows.
 */
static struct gb_cell_result *find_cell(struct rd *rd, const char *id)
{
	struct gb_results *r = rd->r;
	size_t h;

	if (rd->last < r->n && strcmp(r->cells[rd->last].id, id) == 0)
		return &r->cells[rd->last];
	for (h = id_hash(id) & (rd->nindex - 1); rd->index[h]; h = (h + 1) & (rd->nindex - 1))
		if (!strcmp(r->cells[rd->index[h] - 1].id, id)) {
			rd->last = rd->index[h] - 1;
			return &r->cells[rd->last];
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
	char buf[80];

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
	if (!id_is_safe(v[RC_CELL]))
		return gb_error("%s:%zu: cell id '%s' is not a safe file name (only "
				"[A-Za-z0-9._+-], not '.' or '..')", rd->path, recno,
				printable(v[RC_CELL], buf, sizeof(buf)));
	c = find_cell(rd, v[RC_CELL]);
	if (!c && rd->r->n >= GB_RESULTS_MAX_CELLS)
		return gb_error("%s:%zu: more than %d cells: not a run's results", rd->path, recno,
				GB_RESULTS_MAX_CELLS);
	if (c && c->nmetrics >= GB_RESULTS_MAX_METRICS)
		return gb_error("%s:%zu: cell '%s' has more than %d metrics: not a run's results",
				rd->path, recno, c->id, GB_RESULTS_MAX_METRICS);
	if (!c) {
		c = gb_results_add(rd->r, v[RC_CELL], v[RC_WORKLOAD], v[RC_EXECUTOR],
				   *v[RC_DEVICE] ? v[RC_DEVICE] : NULL, batch, q, cache);
		rd->last = rd->r->n - 1;
		index_added(rd);
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
	char buf[80];

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	rd->rows++;
	c = find_cell(rd, v[SC_CELL]);
	if (!c)
		return gb_error("%s:%zu: cell '%s' is not in results.csv", rd->path, recno,
				printable(v[SC_CELL], buf, sizeof(buf)));
	m = find_metric(c, v[SC_METRIC]);
	if (!m)
		return gb_error("%s:%zu: metric '%s' of cell '%s' is not in results.csv",
				rd->path, recno, printable(v[SC_METRIC], buf, sizeof(buf)),
				v[SC_CELL]);
	if (m->source == GB_SRC_UNAVAILABLE)
		return gb_error("%s:%zu: samples for unavailable metric '%s'", rd->path,
				recno, v[SC_METRIC]);
	if (parse_u32(v[SC_REP], &rep) < 0)
		return gb_error("%s:%zu: bad rep '%s'", rd->path, recno,
				printable(v[SC_REP], buf, sizeof(buf)));
	if (rep >= rd->max_reps)
		return gb_error(rd->reps_from_meta
				? "%s:%zu: rep %u is out of range: the run had %u repetitions "
				  "(meta.json config)"
				: "%s:%zu: rep %u is out of range: a run has at most %u repetitions",
				rd->path, recno, rep, rd->max_reps);
	if (parse_num(v[SC_VALUE], &x) < 0)
		return gb_error("%s:%zu: bad value '%s' (a plain decimal number, or empty)",
				rd->path, recno, printable(v[SC_VALUE], buf, sizeof(buf)));
	if (x < 0 && unit_nonnegative(m->unit))
		return gb_error("%s:%zu: negative value '%s' for metric '%s' in %s", rd->path,
				recno, v[SC_VALUE], m->name, m->unit);
	if (rep >= m->n) {
		/* the rows skipped over may come later; memory stays within the file's rows */
		rd->padding += rep - m->n;
		if (rd->padding > rd->rows + rd->max_reps)
			return gb_error("%s:%zu: rep %u leaves more repetitions without a row than "
					"the file has rows", rd->path, recno, rep);
		while (m->n <= rep) {
			gb_metric_push(m, NAN);
			memcpy(&m->v[m->n - 1], &unseen_bits, sizeof(double));
		}
	} else if (!is_unseen(m->v[rep])) {
		return gb_error("%s:%zu: a second row for rep %u of metric '%s' of cell '%s'",
				rd->path, recno, rep, m->name, c->id);
	}
	/* Placed by rep, whatever the row order; a rep no row names stays NAN. */
	m->v[rep] = x;
	return 0;
}

/* After samples.csv: the slots no row filled are NAN, as documented. */
static void settle_unseen(struct gb_results *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < r->cells[i].nmetrics; k++) {
			struct gb_metric *m = &r->cells[i].metrics[k];

			for (size_t j = 0; j < m->n; j++)
				if (is_unseen(m->v[j]))
					m->v[j] = NAN;
		}
}

static int accuracy_row(char **f, size_t n, size_t recno, void *ctx)
{
	struct rd *rd = ctx;
	const char *v[AC_COUNT], *ref, *met;
	struct gb_cell_result *c;
	double value, budget;
	int pass;
	char buf[80];

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	c = find_cell(rd, v[AC_CELL]);
	if (!c)
		return gb_error("%s:%zu: cell '%s' is not in results.csv", rd->path, recno,
				printable(v[AC_CELL], buf, sizeof(buf)));
	ref = intern(v[AC_REFERENCE], known_refs, GB_ARRAY_SIZE(known_refs));
	met = intern(v[AC_METRIC], known_acc_metrics, GB_ARRAY_SIZE(known_acc_metrics));
	if (!ref)
		return gb_error("%s:%zu: bad reference '%s'", rd->path, recno,
				printable(v[AC_REFERENCE], buf, sizeof(buf)));
	if (!met)
		return gb_error("%s:%zu: bad accuracy metric '%s'", rd->path, recno,
				printable(v[AC_METRIC], buf, sizeof(buf)));
	/* an NMSE over a reference of zeros is +inf, and so written */
	if (!strcmp(v[AC_VALUE], "inf") && strcmp(met, "recall"))
		value = INFINITY;
	else if (parse_num(v[AC_VALUE], &value) < 0 || value < 0 ||
		 (!strcmp(met, "recall") && value > 1))
		return gb_error("%s:%zu: bad %s value '%s'", rd->path, recno, met,
				printable(v[AC_VALUE], buf, sizeof(buf)));
	if (parse_num(v[AC_BUDGET], &budget) < 0 || budget < 0)
		return gb_error("%s:%zu: bad budget '%s'", rd->path, recno,
				printable(v[AC_BUDGET], buf, sizeof(buf)));
	if (strcmp(v[AC_PASS], "true") == 0)
		pass = 1;
	else if (strcmp(v[AC_PASS], "false") == 0)
		pass = 0;
	else
		return gb_error("%s:%zu: bad pass '%s'", rd->path, recno,
				printable(v[AC_PASS], buf, sizeof(buf)));
	gb_cell_add_accuracy(c, v[AC_OP], ref, met, value, budget, pass);
	return 0;
}

static int read_one(struct rd *proto, const char *path, const char *const *cols,
		    size_t ncols, gb_csv_row_fn fn)
{
	struct rd rd = *proto;
	int rc;

	rd.path = path;
	rd.cols = cols;
	rd.ncols = ncols;
	rd.index = NULL;
	index_build(&rd);
	rc = gb_csv_read(path, fn, &rd);
	if (rc == 0 && !rd.have_header)
		rc = gb_error("'%s' is empty", path);
	free(rd.index);
	return rc < 0 ? -1 : rc;
}

/*
 * The most repetitions meta.json's config says a cell had (the default
 * and every executor's), or 0 when it does not say.
 */
static uint32_t meta_reps(json_t *meta)
{
	json_t *cfg = json_object_get(meta, "config"), *v;
	json_int_t most = 0;
	const char *key;

	v = json_object_get(cfg, "repetitions");
	if (json_is_integer(v) && json_integer_value(v) > most)
		most = json_integer_value(v);
	json_object_foreach(json_object_get(cfg, "repetitions_by_executor"), key, v)
		if (json_is_integer(v) && json_integer_value(v) > most)
			most = json_integer_value(v);
	return most > 0 && most <= GB_RESULTS_MAX_REPS ? (uint32_t)most : 0;
}

/* A name the manifest may hold: a file of the directory or hist/<safe id>.hgrm|.raw. */
static int manifest_name_ok(const char *name)
{
	static const char *const top[] = { "results.csv", "samples.csv", "accuracy.csv", "mrc.csv" };
	size_t n = strlen(name);
	char id[256];

	for (size_t i = 0; i < GB_ARRAY_SIZE(top); i++)
		if (!strcmp(name, top[i]))
			return 1;
	if (strncmp(name, "hist/", 5) || n - 5 >= sizeof(id))
		return 0;
	if (n > 10 && !strcmp(name + n - 5, ".hgrm"))
		n -= 5;
	else if (n > 9 && !strcmp(name + n - 4, ".raw"))
		n -= 4;
	else
		return 0;
	memcpy(id, name + 5, n - 5);
	id[n - 5] = '\0';
	return id_is_safe(id);
}

/* The file at path against its manifest entry e; 0 or -1 naming it. */
static int check_entry(const char *path, json_t *e)
{
	json_t *size = json_object_get(e, "size");
	const char *want = json_string_value(json_object_get(e, "fnv1a"));
	uint64_t got_size, hash;
	char hex[17];

	if (!json_is_integer(size) || !want)
		return gb_error("%s: its meta.json manifest entry is malformed", path);
	if (file_fnv(path, &got_size, &hash) < 0)
		return gb_error("%s: listed in meta.json's manifest, but cannot be read: %s", path,
				strerror(errno));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);
	if ((json_int_t)got_size != json_integer_value(size) || strcmp(hex, want))
		return gb_error("%s: does not match meta.json's manifest (%llu bytes, hash %s; "
				"listed %lld bytes, hash %s): the directory mixes runs, or was edited",
				path, (unsigned long long)got_size, hex,
				(long long)json_integer_value(size), want);
	return 0;
}

/*
 * Check dir against meta.json's manifest (files): every listed file that
 * is there matches; results.csv (read from csv), samples.csv and
 * accuracy.csv are there when listed and listed when there; mrc.csv and
 * hist/ files that are there are listed (a baseline keeps no hist/, so a
 * listed one may be absent). 0 or -1 naming the file.
 */
static int check_manifest(const char *dir, const char *csv, json_t *files)
{
	static const char *const csvs[] = { "results.csv", "samples.csv", "accuracy.csv", "mrc.csv" };
	const char *name;
	json_t *e;
	char *hdir;
	DIR *d;
	struct dirent *de;
	int rc = 0;
	char buf[80];

	json_object_foreach(files, name, e)
		if (!manifest_name_ok(name))
			return gb_error("%s/meta.json: manifest names '%s', not a file of a results "
					"directory", dir, printable(name, buf, sizeof(buf)));
	for (size_t i = 0; i < GB_ARRAY_SIZE(csvs) && rc == 0; i++) {
		char *path = i == 0 ? gb_xstrdup(csv) : gb_xasprintf("%s/%s", dir, csvs[i]);

		e = json_object_get(files, csvs[i]);
		if (e && !gb_file_exists(path) && i < 3)
			rc = gb_error("%s: listed in meta.json's manifest, but missing", path);
		else if (!e && gb_file_exists(path))
			rc = gb_error("%s: not in meta.json's manifest: another run's file", path);
		else if (e)
			rc = check_entry(path, e);
		free(path);
	}
	hdir = gb_xasprintf("%s/hist", dir);
	d = rc == 0 ? opendir(hdir) : NULL;
	while (d && rc == 0 && (de = readdir(d))) {
		char *key = gb_xasprintf("hist/%s", de->d_name), *path;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp.")) {
			free(key);
			continue;
		}
		path = gb_xasprintf("%s/%s", dir, key);
		e = json_object_get(files, key);
		rc = e ? check_entry(path, e)
		       : gb_error("%s: not in meta.json's manifest: another run's file", path);
		free(path);
		free(key);
	}
	if (d)
		closedir(d);
	free(hdir);
	return rc;
}

/*
 * meta.json beside the results, when there: the repetitions it allows and
 * its manifest checked. 0 (also without a meta.json) or -1.
 */
static int read_meta(const char *dir, const char *csv, struct rd *rd)
{
	char *path = gb_xasprintf("%s/meta.json", dir);
	json_error_t err;
	json_t *meta, *man;
	int rc = 0;

	if (!gb_file_exists(path)) {
		free(path);
		return 0;
	}
	meta = json_load_file(path, 0, &err);
	if (!meta)
		rc = gb_error("%s:%d: %s", path, err.line, err.text);
	else if (!json_is_object(meta))
		rc = gb_error("%s: not a JSON object", path);
	if (rc == 0) {
		uint32_t reps = meta_reps(meta);

		if (reps) {
			rd->max_reps = reps;
			rd->reps_from_meta = 1;
		}
		man = json_object_get(meta, "manifest");
		if (man && !json_is_object(json_object_get(man, "files")))
			rc = gb_error("%s: manifest has no object 'files'", path);
		else if (man)
			rc = check_manifest(dir, csv, json_object_get(man, "files"));
	}
	json_decref(meta);
	free(path);
	return rc;
}

int gb_results_read(struct gb_results *r, const char *dir_or_csv)
{
	struct rd proto = { .r = r, .max_reps = GB_RESULTS_MAX_REPS };
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
	rc = gb_file_exists(path) ? read_meta(dir, path, &proto) : 0;
	if (rc == 0)
		rc = read_one(&proto, path, results_cols, RC_COUNT, results_row);
	free(path);
	if (rc == 0) {
		path = gb_xasprintf("%s/samples.csv", dir);
		rc = read_one(&proto, path, samples_cols, SC_COUNT, samples_row);
		settle_unseen(r);
		free(path);
	}
	if (rc == 0) {
		path = gb_xasprintf("%s/accuracy.csv", dir);
		if (gb_file_exists(path))
			rc = read_one(&proto, path, accuracy_cols, AC_COUNT, accuracy_row);
		free(path);
	}
	free(dir);
	return rc;
}
