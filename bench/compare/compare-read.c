/*
 * compare-read.c - the two sides of a comparison read in (compare.h): a
 * results directory or a folder of runs, each run split into its processes
 * (meta.json processes.repetitions), because the process is the unit the
 * verdicts count (compare.c); and their meta.json checked: schema, machine
 * class, config, build, traces. Warnings go through gb_compare_warn so
 * that the outputs list them too.
 */
#include "compare/compare.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare-impl.h"
#include "config.h"
#include "fsio.h"
#include "gbench.h"
#include "jsonutil.h"

/* ---- baselines of several runs ---- */

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strverscmp((*a)->d_name, (*b)->d_name);
}

/* The run folders (holding results.csv) of a multi-run baseline; NULL-terminated, or NULL. */
static char **run_dirs(const char *path)
{
	struct dirent **ent;
	char **v = NULL;
	size_t n = 0;
	char *csv;
	int m;

	if (!gb_is_dir(path))
		return NULL;
	csv = gb_xasprintf("%s/results.csv", path);
	if (gb_file_exists(csv)) {
		free(csv);
		return NULL;
	}
	free(csv);
	m = scandir(path, &ent, NULL, by_name);
	for (int i = 0; i < m; i++) {
		char *d = gb_xasprintf("%s/%s", path, ent[i]->d_name);
		char *f = gb_xasprintf("%s/results.csv", d);

		if (ent[i]->d_name[0] != '.' && gb_file_exists(f)) {
			v = gb_xrealloc(v, (n + 2) * sizeof(*v));
			v[n++] = d;
			v[n] = NULL;
		} else {
			free(d);
		}
		free(f);
		free(ent[i]);
	}
	if (m >= 0)
		free(ent);
	return v;
}

char *gb_compare_first_run(const char *path)
{
	char **v = run_dirs(path);
	char *first = v ? gb_xstrdup(v[0]) : NULL;

	gb_strv_free(v);
	return first;
}

/*
 * How many of each cell's repetitions came from each process of a run
 * (meta.json processes.repetitions, in process order) into *reps, or NULL
 * for a run of one process; *np gets the process count. A count that no
 * run can have (config.h GB_MAX_PROCESSES) is -1 naming dir: it sizes
 * allocations below.
 */
static int process_reps(json_t *meta, const char *dir, json_t **reps, size_t *np)
{
	json_t *p = json_object_get(meta, "processes"), *count = json_object_get(p, "count");
	json_int_t n = json_integer_value(count);

	*reps = NULL;
	*np = 1;
	if (count && (!json_is_integer(count) || n < 1 || n > GB_MAX_PROCESSES))
		return gb_error("%s/meta.json: processes.count is not a process count (1 to %d)",
				dir, GB_MAX_PROCESSES);
	if (n > 1) {
		*np = (size_t)n;
		*reps = json_object_get(p, "repetitions");
	}
	return 0;
}

/*
 * The np counts of cell id into cnt (their sum returned), or 0 when they
 * are missing or not counts (a run cut short, a hand-edited meta.json).
 */
static size_t cell_counts(json_t *reps, const char *id, size_t np, size_t *cnt)
{
	json_t *a = json_object_get(reps, id);
	size_t total = 0;

	if (json_array_size(a) != np)
		return 0;
	for (size_t p = 0; p < np; p++) {
		json_t *v = json_array_get(a, p);

		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1000000000)
			return 0;
		cnt[p] = (size_t)json_integer_value(v);
		total += cnt[p];
	}
	return total;
}

/*
 * Append run's processes to *procs: its values split by the counts of meta
 * (process_reps), or the whole run as one. A metric whose count does not
 * add up (not measured every repetition) is left out of the split. 0, or
 * -1 when meta's process count is out of range.
 */
static int add_processes(struct gb_results **procs, size_t *nprocs, const struct gb_results *run,
			 json_t *meta, const char *dir)
{
	size_t np, *cnt, bytes;
	json_t *reps;
	struct gb_results *g;

	if (process_reps(meta, dir, &reps, &np) < 0)
		return -1;
	if (!reps)
		np = 1;
	if (gb_size_mul(*nprocs + np, sizeof(*g), &bytes) < 0)
		return gb_error("'%s': too many processes", dir);
	*procs = gb_xrealloc(*procs, bytes);
	g = &(*procs)[*nprocs];
	memset(g, 0, np * sizeof(*g));
	*nprocs += np;
	if (np == 1) {
		gb_results_pool(g, run);
		return 0;
	}
	cnt = gb_xcalloc(np, sizeof(*cnt));
	for (size_t i = 0; i < run->n; i++) {
		const struct gb_cell_result *rc = &run->cells[i];
		size_t total = cell_counts(reps, rc->id, np, cnt), off = 0;

		if (!total)
			continue;
		for (size_t p = 0; p < np; off += cnt[p], p++) {
			struct gb_cell_result *dc = gb_results_add(&g[p], rc->id, rc->workload,
								   rc->executor, rc->device,
								   rc->batch, rc->quant, rc->cache);

			for (size_t k = 0; k < rc->nmetrics; k++) {
				const struct gb_metric *m = &rc->metrics[k];
				struct gb_metric *dm;

				if (m->n != total || m->source == GB_SRC_UNAVAILABLE)
					continue;
				dm = gb_cell_metric(dc, m->name, m->unit, m->source);
				for (size_t v = off; v < off + cnt[p]; v++)
					gb_metric_push(dm, m->v[v]);
			}
		}
	}
	free(cnt);
	return 0;
}

/* meta.json's config name and build commit of a run, "" where missing. */
static void run_identity(json_t *meta, const char **config, const char **commit)
{
	*config = json_string_value(json_object_get(json_object_get(meta, "config"), "name"));
	*commit = json_string_value(json_object_get(json_object_get(meta, "build"), "commit"));
	*config = *config ? *config : "";
	*commit = *commit ? *commit : "";
}

/*
 * Read one run, pool it into *pooled and append its processes to *procs;
 * its meta.json into *meta (caller's reference, NULL when absent). 0 or -1.
 */
static int read_run(const char *dir, struct gb_results *pooled, struct gb_results **procs,
		    size_t *nprocs, json_t **meta)
{
	struct gb_results run = { 0 };
	int rc = gb_results_read(&run, dir);

	*meta = NULL;
	if (rc == 0 && gb_compare_load_meta(dir, meta) < 0)
		rc = -1;
	if (rc == 0 && add_processes(procs, nprocs, &run, *meta, dir) < 0)
		rc = -1;
	if (rc == 0)
		gb_results_pool(pooled, &run);
	gb_results_release(&run);
	return rc;
}

/*
 * One side: a run, or a folder of runs. The runs of the current side must
 * be one config of one build (pooling others would blur them); a baseline
 * folder is what `baseline save` kept, checked when it was saved.
 */
static int read_side(struct gb_compare *c, const char *path, struct gb_results *pooled,
		     int current)
{
	char **dirs = run_dirs(path);
	struct gb_compare_side *side = current ? &c->cur : &c->base;
	struct gb_results **procs = current ? &c->cur_procs : &c->base_procs;
	size_t *nprocs = current ? &c->ncur_procs : &c->nbase_procs;
	json_t *first = NULL, *seen = json_object();
	const char *cfg0 = "", *commit0 = "";
	int rc = 0;

	side->runs = 0;
	if (!dirs) {
		json_t *meta;

		json_decref(seen);
		rc = read_run(path, pooled, procs, nprocs, &meta);
		json_decref(meta);
		side->runs = 1;
		return rc;
	}
	for (char **d = dirs; *d && rc == 0; d++) {
		json_t *meta = NULL;
		const char *cfg, *commit;

		rc = read_run(*d, pooled, procs, nprocs, &meta);
		/* a copy of a run would pool as another process, and narrow their spread */
		if (rc == 0 && meta)
			rc = gb_results_note_runs(meta, *d, seen, "the runs of a folder are "
						  "separate samples, each there once");
		run_identity(meta, &cfg, &commit);
		if (rc == 0 && current && first && (strcmp(cfg, cfg0) || strcmp(commit, commit0)))
			rc = gb_error("'%s' is config '%s' of commit '%s', the first run of '%s' "
				      "config '%s' of commit '%s': the runs of one side must be one "
				      "config of one build", *d, cfg, commit, path, cfg0, commit0);
		if (rc == 0)
			side->runs++;
		if (!first && meta) {
			first = meta;   /* keeps cfg0 and commit0 alive */
			cfg0 = cfg;
			commit0 = commit;
		} else {
			json_decref(meta);
		}
	}
	json_decref(first);
	json_decref(seen);
	gb_strv_free(dirs);
	return rc;
}

int gb_compare_read_baseline(struct gb_compare *c, const char *path, struct gb_results *pooled)
{
	return read_side(c, path, pooled, 0);
}

int gb_compare_read_current(struct gb_compare *c, const char *path, struct gb_results *pooled)
{
	return read_side(c, path, pooled, 1);
}

/* ---- meta.json: schema, machine class, traces ---- */

int gb_compare_load_meta(const char *dir_or_csv, json_t **out)
{
	char *path;
	json_error_t err;

	*out = NULL;
	if (gb_is_dir(dir_or_csv)) {
		char *first = gb_compare_first_run(dir_or_csv);

		/* a baseline of several runs: the first run speaks for them */
		path = gb_xasprintf("%s/meta.json", first ? first : dir_or_csv);
		free(first);
	} else {
		const char *slash = strrchr(dir_or_csv, '/');

		path = slash ? gb_xasprintf("%.*s/meta.json", (int)(slash - dir_or_csv), dir_or_csv)
			     : gb_xstrdup("meta.json");
	}
	if (!gb_file_exists(path)) {
		free(path);
		return 1;
	}
	*out = json_load_file(path, 0, &err);
	if (!*out || !json_is_object(*out) || gb_results_check_time_plan(*out, path) < 0) {
		if (*out && !json_is_object(*out))
			gb_error("%s: not a JSON object", path);
		else if (!*out)
			gb_error("%s:%d: %s", path, err.line, err.text);
		json_decref(*out);
		*out = NULL;
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

char *gb_slug(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = gb_xmalloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (isalnum(ch)) {
			out[o++] = (char)tolower(ch);
		} else if (o && out[o - 1] != '-') {
			out[o++] = '-';
		}
	}
	while (o && out[o - 1] == '-')
		o--;
	out[o] = 0;
	return out;
}

/* The CPU model without trademark signs, "CPU" and the "@ clock" suffix. */
static char *cpu_slug(const char *model)
{
	char *m = gb_xstrdup(model), *p, *s;
	static const char *const drop[] = { "(R)", "(r)", "(TM)", "(tm)", " CPU", " Processor" };

	if ((p = strchr(m, '@')))
		*p = 0;
	for (size_t i = 0; i < GB_ARRAY_SIZE(drop); i++)
		while ((p = strstr(m, drop[i])))
			memmove(p, p + strlen(drop[i]), strlen(p + strlen(drop[i])) + 1);
	s = gb_slug(m);
	free(m);
	if (!*s) {   /* a model that was nothing but the dropped words */
		free(s);
		s = gb_slug(model);
	}
	return s;
}

/*
 * The class's part for the CPU's signature (sysinfo.h): "f25m1" for x86
 * family 25 model 1, "i41pd0c" for an arm64 implementer 0x41 part 0xd0c;
 * "" for a run whose meta.json records none (gbench before 0.9.2, or a
 * /proc/cpuinfo that says neither).
 */
static void sig_part(json_t *host, char *buf, size_t len)
{
	json_t *g = json_object_get(host, "cpu_signature");
	const char *arch = json_string_value(json_object_get(g, "arch"));
	json_t *a = NULL, *b = NULL;

	buf[0] = '\0';
	if (!arch)
		return;
	if (!strcmp(arch, "x86")) {
		a = json_object_get(g, "family");
		b = json_object_get(g, "model");
	} else if (!strcmp(arch, "arm")) {
		a = json_object_get(g, "implementer");
		b = json_object_get(g, "part");
	}
	if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 0 ||
	    json_integer_value(b) < 0)
		return;
	if (!strcmp(arch, "x86"))
		snprintf(buf, len, "-f%lldm%lld", (long long)json_integer_value(a),
			 (long long)json_integer_value(b));
	else
		snprintf(buf, len, "-i%02llxp%03llx", (long long)json_integer_value(a),
			 (long long)json_integer_value(b));
}

char *gb_machine_class(json_t *meta)
{
	json_t *host = json_object_get(meta, "host"), *ex = json_object_get(meta, "executors");
	const char *model = json_string_value(json_object_get(host, "cpu_model")), *key;
	json_int_t cores = json_integer_value(json_object_get(host, "cores"));
	char *cls, *cpu, sig[64];
	json_t *e;

	if (!model || cores <= 0)
		return NULL;
	cpu = cpu_slug(model);
	sig_part(host, sig, sizeof(sig));
	cls = gb_xasprintf("%s%s-%lldc", *cpu ? cpu : "cpu", sig, (long long)cores);
	free(cpu);
	/* Executors in a fixed order: jansson keeps insertion order; sort by key. */
	if (json_is_object(ex)) {
		const char **keys = gb_xcalloc(json_object_size(ex) + 1, sizeof(*keys));
		size_t nk = 0;

		json_object_foreach(ex, key, e)
			keys[nk++] = key;
		for (size_t i = 1; i < nk; i++)
			for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
				const char *t = keys[j];

				keys[j] = keys[j - 1];
				keys[j - 1] = t;
			}
		for (size_t i = 0; i < nk; i++) {
			const char *dev;
			char *d, *next;

			e = json_object_get(ex, keys[i]);
			if (!strcmp(keys[i], "cpu") || !json_is_true(json_object_get(e, "available")))
				continue;
			dev = json_string_value(json_object_get(e, "device"));
			if (!dev || !*dev)
				continue;
			d = gb_slug(dev);
			next = gb_xasprintf("%s-%s", cls, d);
			free(d);
			free(cls);
			cls = next;
		}
		free(keys);
	}
	return cls;
}

static char *dup_or_null(const char *s)
{
	return s ? gb_xstrdup(s) : NULL;
}

static void side_from_meta(struct gb_compare_side *s, json_t *meta)
{
	s->klass = gb_machine_class(meta);
	s->config = dup_or_null(gb_json_str(meta, "config", "name"));
	s->commit = dup_or_null(gb_json_str(meta, "build", "commit"));
}

static int check_schema(json_t *meta, const char *path, json_int_t *out)
{
	json_t *s = json_object_get(meta, "schema");

	if (!json_is_integer(s))
		return gb_error("'%s': meta.json has no integer schema", path);
	*out = json_integer_value(s);
	if (*out != 1)
		return gb_error("'%s': results schema %lld, this gbench reads schema 1", path,
				(long long)*out);
	return 0;
}

/* "48 KiB", "1 MiB", "32 MiB": a cache size as the warnings print it. */
static void cache_size_text(json_int_t b, char *buf, size_t len)
{
	if (b >= (1 << 20) && b % (1 << 20) == 0)
		snprintf(buf, len, "%lld MiB", (long long)(b >> 20));
	else if (b >= 1024 && b % 1024 == 0)
		snprintf(buf, len, "%lld KiB", (long long)(b >> 10));
	else
		snprintf(buf, len, "%lld B", (long long)b);
}

size_t gb_machine_caches_differ(json_t *a, json_t *b, const char *in_a, const char *in_b,
				char *buf, size_t len)
{
	json_t *ca = json_object_get(json_object_get(a, "host"), "caches");
	json_t *cb = json_object_get(json_object_get(b, "host"), "caches"), *x, *y;
	char sa[32], sb[32];
	size_t i, j, used = 0;

	if (len)
		buf[0] = '\0';
	json_array_foreach(ca, i, x) {
		json_t *lx = json_object_get(x, "level"), *zx = json_object_get(x, "size_bytes");
		const char *tx = json_string_value(json_object_get(x, "type"));

		/* sysinfo's own words only: no text from the file reaches the message */
		if (!json_is_integer(lx) || !json_is_integer(zx) || !tx ||
		    (strcmp(tx, "Data") && strcmp(tx, "Instruction") && strcmp(tx, "Unified")))
			continue;
		json_array_foreach(cb, j, y) {
			json_t *zy = json_object_get(y, "size_bytes");
			const char *ty = json_string_value(json_object_get(y, "type"));

			if (!json_equal(lx, json_object_get(y, "level")) || !ty || strcmp(tx, ty) ||
			    !json_is_integer(zy))
				continue;
			if (json_integer_value(zx) != json_integer_value(zy) && used < len) {
				cache_size_text(json_integer_value(zx), sa, sizeof(sa));
				cache_size_text(json_integer_value(zy), sb, sizeof(sb));
				used += (size_t)snprintf(buf + used, len - used,
							 "%sL%lld %s %s %s, %s %s", used ? "; " : "",
							 (long long)json_integer_value(lx), tx, sa, in_a,
							 sb, in_b);
			}
			break;
		}
	}
	return used;
}

/*
 * Two runs of one machine class whose caches differ did not run on the
 * same hardware: said, as a class mismatch is; the verdicts stand.
 */
static void compare_caches(struct gb_compare *c, json_t *base, json_t *cur)
{
	char diff[512];

	if (gb_machine_caches_differ(base, cur, "in the baseline", "in the current", diff,
				     sizeof(diff)))
		gb_compare_warn(c, "DIFFERENT HARDWARE in one machine class ('%s'): caches differ (%s); "
				"timings are not comparable across machines", c->cur.klass ? c->cur.klass : "?",
				diff);
}

static void compare_traces(struct gb_compare *c, json_t *base, json_t *cur)
{
	json_t *tb = json_object_get(base, "traces"), *tc = json_object_get(cur, "traces");
	size_t i, j;

	if (!json_is_array(tb) || !json_is_array(tc))
		return;
	for (i = 0; i < json_array_size(tb); i++) {
		json_t *b = json_array_get(tb, i);
		const char *name = gb_json_str(b, "name", NULL), *hb = gb_json_str(b, "hash", NULL);

		if (!name || !hb)
			continue;
		for (j = 0; j < json_array_size(tc); j++) {
			json_t *x = json_array_get(tc, j);
			const char *nc = gb_json_str(x, "name", NULL), *hc = gb_json_str(x, "hash", NULL);

			if (!nc || strcmp(nc, name) || !hc)
				continue;
			if (strcmp(hb, hc))
				gb_compare_warn(c, "trace '%s' differs (hash %s in the baseline, %s in the current): its cells judge a changed workload",
				     name, hb, hc);
		}
	}
}

long long gb_compare_cell_window(json_t *meta, const char *id)
{
	json_t *c = json_object_get(json_object_get(json_object_get(meta, "time_plan"), "cells"),
				    id);
	json_int_t w = json_integer_value(json_object_get(c, "window"));

	return w > 0 && w < json_integer_value(json_object_get(c, "requests")) ? w : 0;
}

const char *gb_compare_window_words(json_t *meta, const char *id, char *buf, size_t len)
{
	long long w = gb_compare_cell_window(meta, id);

	if (w)
		snprintf(buf, len, "the first %lld rows", w);
	else
		snprintf(buf, len, "all rows");
	return buf;
}

/* "all 44 rows" or "the first 195 of 30000 rows" of cell id's trace on one side. */
static char *window_text(json_t *meta, const char *id)
{
	json_t *c = json_object_get(json_object_get(json_object_get(meta, "time_plan"), "cells"),
				    id);
	json_int_t w = gb_compare_cell_window(meta, id);
	json_int_t n = json_integer_value(json_object_get(c, "requests"));

	if (w)
		return gb_xasprintf("the first %lld of %lld rows", (long long)w, (long long)n);
	return n > 0 ? gb_xasprintf("all %lld rows", (long long)n) : gb_xstrdup("all its rows");
}

/*
 * A time budget replays a window of a cell's trace where the whole would
 * not fit (its plan in meta.json time_plan), so that two runs, one slower,
 * can measure different work under one cell id: a repetition's wall time
 * of 195 rows against one of 658. Those cells are noted, and their rows
 * made inconclusive, never a regression or an improvement.
 */
static void compare_windows(struct gb_compare *c, json_t *base, json_t *cur)
{
	json_t *cells[2] = {
		json_object_get(json_object_get(base, "time_plan"), "cells"),
		json_object_get(json_object_get(cur, "time_plan"), "cells"),
	}, *x;
	const char *id;

	for (int side = 0; side < 2; side++)
		json_object_foreach(cells[side], id, x) {
			char *tb, *tc;

			if (side == 1 && json_object_get(cells[0], id))
				continue;   /* seen from the baseline */
			if (gb_compare_cell_window(base, id) == gb_compare_cell_window(cur, id))
				continue;
			tb = window_text(base, id);
			tc = window_text(cur, id);
			c->windows = gb_xrealloc(c->windows, (c->nwindows + 1) * sizeof(*c->windows));
			c->windows[c->nwindows].cell = gb_xstrdup(id);
			c->windows[c->nwindows++].note = gb_xasprintf(
				"a repetition replayed %s of the trace in the baseline and %s in the "
				"current (a time budget's window, meta.json time_plan): different work",
				tb, tc);
			free(tb);
			free(tc);
		}
	if (c->nwindows == 1)
		gb_compare_warn(c, "1 cell replayed different windows of its trace on the two sides "
				"(a time budget's plan: %s): its rows are inconclusive; a run with "
				"--windows-of BASELINE replays the baseline's windows, and one with fixed "
				"--repetitions and no --time-budget whole traces",
				c->windows[0].cell);
	else if (c->nwindows)
		gb_compare_warn(c, "%zu cells replayed different windows of their traces on the two "
				"sides (time budgets' plans; the first: %s): their rows are "
				"inconclusive; a run with --windows-of BASELINE replays the baseline's "
				"windows, and one with fixed --repetitions and no --time-budget whole "
				"traces", c->nwindows, c->windows[0].cell);
}

void gb_compare_window_rule(const struct gb_compare *c, struct gb_compare_row *r)
{
	for (size_t k = 0; k < c->nwindows; k++) {
		if (strcmp(c->windows[k].cell, r->cell))
			continue;
		if (r->verdict == GB_VERDICT_MISSING)
			return;
		free(r->note);
		r->note = gb_xstrdup(c->windows[k].note);
		r->verdict = GB_VERDICT_INCONCLUSIVE;
		return;
	}
}

int gb_compare_meta(struct gb_compare *c, json_t *base, json_t *cur)
{
	json_int_t sb, sc;
	const char *fb, *fc;

	if (base && check_schema(base, c->base.path, &sb) < 0)
		return -1;
	if (cur && check_schema(cur, c->cur.path, &sc) < 0)
		return -1;
	if (!base || !cur) {
		gb_compare_warn(c, "no meta.json beside '%s': schema, machine class and traces unchecked",
		     !base ? c->base.path : c->cur.path);
		if (base)
			side_from_meta(&c->base, base);
		if (cur)
			side_from_meta(&c->cur, cur);
		return 0;
	}
	side_from_meta(&c->base, base);
	side_from_meta(&c->cur, cur);
	/*
	 * A and B of one job ran alternately on one machine with one config:
	 * anything else is a wrong invocation, not a finding.
	 */
	if (c->opts.paired && c->base.klass && c->cur.klass && strcmp(c->base.klass, c->cur.klass))
		return gb_error("--paired: A ran on machine class '%s', B on '%s': A and B must run "
				"alternately on one machine", c->base.klass, c->cur.klass);
	if (c->opts.paired && c->base.config && c->cur.config && strcmp(c->base.config, c->cur.config))
		return gb_error("--paired: A ran config '%s', B config '%s': A and B must run one config",
				c->base.config, c->cur.config);
	if (c->base.klass && c->cur.klass && strcmp(c->base.klass, c->cur.klass))
		gb_compare_warn(c, "DIFFERENT MACHINE CLASSES: baseline ran on '%s', current on '%s'; timings are not comparable across machines",
		     c->base.klass, c->cur.klass);
	else
		compare_caches(c, base, cur);
	if (c->base.config && c->cur.config && strcmp(c->base.config, c->cur.config))
		gb_compare_warn(c, "different configs: baseline '%s', current '%s'", c->base.config,
		     c->cur.config);
	fb = gb_json_str(base, "build", "sanitizers");
	fc = gb_json_str(cur, "build", "sanitizers");
	if (fb && fc && strcmp(fb, fc))
		gb_compare_warn(c, "different builds: sanitizers '%s' in the baseline, '%s' in the current", fb,
		     fc);
	fb = gb_json_str(base, "build", "flags");
	fc = gb_json_str(cur, "build", "flags");
	if (fb && fc && strcmp(fb, fc))
		gb_compare_warn(c, "different compiler flags: '%s' in the baseline, '%s' in the current", fb, fc);
	if (!json_is_true(json_object_get(base, "complete")))
		gb_compare_warn(c, "the baseline '%s' is an incomplete run", c->base.path);
	if (!json_is_true(json_object_get(cur, "complete")))
		gb_compare_warn(c, "the current run '%s' is incomplete", c->cur.path);
	compare_traces(c, base, cur);
	compare_windows(c, base, cur);
	return 0;
}
