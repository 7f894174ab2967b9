/*
 * compare.c - verdicts of a current run against a baseline (compare.h).
 *
 * Per cell x metric (DESIGN.md section 9): a measured metric regresses only
 * with >= 10 repetitions a side, a Mann-Whitney p below alpha and a
 * bootstrap interval (level 1 - alpha) of the ratio of medians wholly
 * beyond the threshold. The claim is one-sided ("slower by more than the
 * threshold"), so the interval is one-sided too: [lo, inf) with lo the
 * alpha quantile of the bootstrap, which makes the verdict a level-alpha
 * test of "ratio <= 1 + t"; the two bounds together are shown as the
 * central 1 - 2 alpha interval. Medians are Harrell-Davis estimates
 * (stats-test.h): as robust to a stray repetition as the sample median for
 * practical purposes, and efficient enough that 20 repetitions at 3% noise
 * resolve a 10% change. The threshold band is multiplicative,
 * [1/(1+t), 1+t], so a time and the throughput it implies agree on a
 * verdict. An interval reaching past both edges of the band is
 * inconclusive: the run cannot tell. Simulated counts do not vary, so their
 * medians are compared with their own threshold and no test. Times and
 * rates move with the machine: where the probe timed before every
 * repetition (noise_probe_ns) says the current side's machine was slower by
 * a factor m (per executor), the band's slow edge moves out by m, and its
 * fast edge likewise when it was faster; the band never narrows.
 *
 * Each row's bootstrap is seeded from the comparison seed and the row's
 * cell and metric names, so a row's numbers do not depend on which other
 * rows exist or in what order they were read. The outputs hold no clock,
 * no host name and no absolute path the user did not give.
 */
#include "compare.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	"wall_ns", "latency_p50_ns", "throughput_rps", "sim_ir",
};

void gb_compare_opts_init(struct gb_compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->machine_speed = 1;
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
	for (size_t i = 0; i < c->nmachine; i++)
		free(c->machine[i].executor);
	free(c->boot);
	memset(c, 0, sizeof(*c));
}

static void warn(struct gb_compare *c, const char *fmt, ...) GB_PRINTF(2, 3);
static void warn(struct gb_compare *c, const char *fmt, ...)
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
 * Append run's processes to c->base_procs: its values split by the counts
 * of meta (process_reps), or the whole run as one. A metric whose count
 * does not add up (not measured every repetition) is left out of the split.
 * 0, or -1 when meta's process count is out of range.
 */
static int add_processes(struct gb_compare *c, const struct gb_results *run, json_t *meta,
			 const char *dir)
{
	size_t np, *cnt, bytes;
	json_t *reps;
	struct gb_results *g;

	if (process_reps(meta, dir, &reps, &np) < 0)
		return -1;
	if (!reps)
		np = 1;
	if (gb_size_mul(c->nbase_procs + np, sizeof(*g), &bytes) < 0)
		return gb_error("%s: too many processes in the baseline", dir);
	c->base_procs = gb_xrealloc(c->base_procs, bytes);
	g = &c->base_procs[c->nbase_procs];
	memset(g, 0, np * sizeof(*g));
	c->nbase_procs += np;
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

/* Read one baseline run, pool it, and keep its processes; 0 or -1. */
static int read_run(struct gb_compare *c, const char *dir, struct gb_results *pooled)
{
	struct gb_results run = { 0 };
	json_t *meta = NULL;
	int rc = gb_results_read(&run, dir);

	if (rc == 0 && gb_compare_load_meta(dir, &meta) < 0)
		rc = -1;
	if (rc == 0 && add_processes(c, &run, meta, dir) < 0)
		rc = -1;
	if (rc == 0)
		gb_results_pool(pooled, &run);
	json_decref(meta);
	gb_results_release(&run);
	return rc;
}

int gb_compare_read_baseline(struct gb_compare *c, const char *path, struct gb_results *pooled)
{
	char **dirs = run_dirs(path);
	int rc = 0;

	if (!dirs) {
		rc = read_run(c, path, pooled);
		c->base.runs = 1;
	} else {
		for (char **d = dirs; *d && rc == 0; d++, c->base.runs++)
			rc = read_run(c, *d, pooled);
	}
	gb_strv_free(dirs);
	/* one process in all: no spread to weigh */
	if (rc == 0 && c->nbase_procs == 1) {
		gb_results_release(&c->base_procs[0]);
		free(c->base_procs);
		c->base_procs = NULL;
		c->nbase_procs = 0;
	}
	return rc;
}

/* ---- meta.json: schema, machine class, traces ---- */

/* meta.json's config name and build commit of a run, "" where missing. */
static void run_identity(json_t *meta, const char **config, const char **commit)
{
	*config = json_string_value(json_object_get(json_object_get(meta, "config"), "name"));
	*commit = json_string_value(json_object_get(json_object_get(meta, "build"), "commit"));
	*config = *config ? *config : "";
	*commit = *commit ? *commit : "";
}

int gb_compare_read_current(struct gb_compare *c, const char *path, struct gb_results *pooled)
{
	char **dirs = run_dirs(path);
	json_t *first = NULL;
	const char *cfg0 = "", *commit0 = "";
	int rc = 0;

	c->cur.runs = 1;
	if (!dirs)
		return gb_results_read(pooled, path);
	c->cur.runs = 0;
	for (char **d = dirs; *d && rc == 0; d++) {
		struct gb_results run = { 0 };
		json_t *meta = NULL;
		const char *cfg, *commit;

		/* one side is one build on one config: pooling others would blur them */
		rc = gb_compare_load_meta(*d, &meta) < 0 ? -1 : 0;
		run_identity(meta, &cfg, &commit);
		if (rc == 0 && first && (strcmp(cfg, cfg0) || strcmp(commit, commit0)))
			rc = gb_error("'%s' is config '%s' of commit '%s', the first run of '%s' "
				      "config '%s' of commit '%s': the runs of one side must be one "
				      "config of one build", *d, cfg, commit, path, cfg0, commit0);
		if (rc == 0)
			rc = gb_results_read(&run, *d);
		if (rc == 0) {
			gb_results_pool(pooled, &run);
			c->cur.runs++;
		}
		gb_results_release(&run);
		if (!first && meta) {
			first = meta;   /* keeps cfg0 and commit0 alive */
			cfg0 = cfg;
			commit0 = commit;
		} else {
			json_decref(meta);
		}
	}
	json_decref(first);
	gb_strv_free(dirs);
	return rc;
}

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
	if (!*out || !json_is_object(*out)) {
		if (*out)
			gb_error("%s: not a JSON object", path);
		else
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

char *gb_machine_class(json_t *meta)
{
	json_t *host = json_object_get(meta, "host"), *ex = json_object_get(meta, "executors");
	const char *model = json_string_value(json_object_get(host, "cpu_model")), *key;
	json_int_t cores = json_integer_value(json_object_get(host, "cores"));
	char *cls, *cpu;
	json_t *e;

	if (!model || cores <= 0)
		return NULL;
	cpu = cpu_slug(model);
	cls = gb_xasprintf("%s-%lldc", *cpu ? cpu : "cpu", (long long)cores);
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

static const char *jstr(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return json_string_value(v);
}

static char *dup_or_null(const char *s)
{
	return s ? gb_xstrdup(s) : NULL;
}

static void side_from_meta(struct gb_compare_side *s, json_t *meta)
{
	s->klass = gb_machine_class(meta);
	s->config = dup_or_null(jstr(meta, "config", "name"));
	s->commit = dup_or_null(jstr(meta, "build", "commit"));
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

static void compare_traces(struct gb_compare *c, json_t *base, json_t *cur)
{
	json_t *tb = json_object_get(base, "traces"), *tc = json_object_get(cur, "traces");
	size_t i, j;

	if (!json_is_array(tb) || !json_is_array(tc))
		return;
	for (i = 0; i < json_array_size(tb); i++) {
		json_t *b = json_array_get(tb, i);
		const char *name = jstr(b, "name", NULL), *hb = jstr(b, "hash", NULL);

		if (!name || !hb)
			continue;
		for (j = 0; j < json_array_size(tc); j++) {
			json_t *x = json_array_get(tc, j);
			const char *hc = jstr(x, "hash", NULL);

			if (!jstr(x, "name", NULL) || strcmp(jstr(x, "name", NULL), name) || !hc)
				continue;
			if (strcmp(hb, hc))
				warn(c, "trace '%s' differs (hash %s in the baseline, %s in the current): its cells judge a changed workload",
				     name, hb, hc);
		}
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
		warn(c, "no meta.json beside '%s': schema, machine class and traces unchecked",
		     !base ? c->base.path : c->cur.path);
		if (base)
			side_from_meta(&c->base, base);
		if (cur)
			side_from_meta(&c->cur, cur);
		return 0;
	}
	side_from_meta(&c->base, base);
	side_from_meta(&c->cur, cur);
	if (c->base.klass && c->cur.klass && strcmp(c->base.klass, c->cur.klass))
		warn(c, "DIFFERENT MACHINE CLASSES: baseline ran on '%s', current on '%s'; timings are not comparable across machines",
		     c->base.klass, c->cur.klass);
	if (c->base.config && c->cur.config && strcmp(c->base.config, c->cur.config))
		warn(c, "different configs: baseline '%s', current '%s'", c->base.config,
		     c->cur.config);
	fb = jstr(base, "build", "sanitizers");
	fc = jstr(cur, "build", "sanitizers");
	if (fb && fc && strcmp(fb, fc))
		warn(c, "different builds: sanitizers '%s' in the baseline, '%s' in the current", fb,
		     fc);
	fb = jstr(base, "build", "flags");
	fc = jstr(cur, "build", "flags");
	if (fb && fc && strcmp(fb, fc))
		warn(c, "different compiler flags: '%s' in the baseline, '%s' in the current", fb, fc);
	if (!json_is_true(json_object_get(base, "complete")))
		warn(c, "the baseline '%s' is an incomplete run", c->base.path);
	if (!json_is_true(json_object_get(cur, "complete")))
		warn(c, "the current run '%s' is incomplete", c->cur.path);
	compare_traces(c, base, cur);
	return 0;
}

/* ---- metric kinds ---- */

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int higher_is_better(const char *metric)
{
	return ends_with(metric, "_rps") || ends_with(metric, "hit_rate") ||
	       ends_with(metric, "recall");
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
static double *values(const struct gb_metric *m, size_t *n)
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

static uint64_t row_seed(uint64_t seed, const char *cell, const char *metric)
{
	uint64_t h = gb_fnv1a(GB_FNV_INIT, &seed, sizeof(seed));

	h = gb_fnv1a(h, cell, strlen(cell) + 1);
	return gb_fnv1a(h, metric, strlen(metric));
}

/*
 * The band's edges as factors beyond 1: the slower and the faster one.
 * When the machine itself ran slower on the current side (machine > 1), a
 * slowdown must clear the threshold on top of that, and when it ran faster,
 * a speed-up must; the band never narrows.
 */
static double slow_edge(const struct gb_compare_row *r)
{
	return (1 + r->threshold) * (r->machine > 1 ? r->machine : 1);
}

static double fast_edge(const struct gb_compare_row *r)
{
	return (1 + r->threshold) * (r->machine < 1 ? 1 / r->machine : 1);
}

/* Is the ratio x past the band on the worse or the better side? */
static int worse(const struct gb_compare_row *r, double x)
{
	return r->higher_better ? x < 1 / slow_edge(r) : x > slow_edge(r);
}

static int better(const struct gb_compare_row *r, double x)
{
	return r->higher_better ? x > fast_edge(r) : x < 1 / fast_edge(r);
}

/* ---- bootstrap intervals, ahead of the verdicts and on every core ---- */

static const struct gb_cell_result *find_cell(const struct gb_results *r, const char *id);
static const struct gb_metric *find_metric(const struct gb_cell_result *c, const char *name);

struct gb_boot_ci {
	uint64_t seed;        /* the row's (row_seed) */
	double *b, *v;        /* its values; freed once the interval is computed */
	size_t nb, nv;
	double lo, hi;
};

struct boot_work {
	struct gb_boot_ci *jobs;
	size_t n, next;       /* next job, taken with an atomic add */
	const struct gb_compare_opts *o;
};

static void *boot_worker(void *arg)
{
	struct boot_work *w = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->n) {
		struct gb_boot_ci *j = &w->jobs[i];

		gb_boot_ratio_ci(j->b, j->nb, j->v, j->nv, w->o->resamples, j->seed, w->o->alpha,
				 &j->lo, &j->hi);
		free(j->b);
		free(j->v);
		j->b = j->v = NULL;
	}
	return NULL;
}

static int by_seed(const void *x, const void *y)
{
	const struct gb_boot_ci *a = x, *b = y;

	return a->seed < b->seed ? -1 : a->seed > b->seed;
}

/*
 * The bootstrap is most of compare's time: 10,000 resamples for each of
 * about 1,500 rows of a ci run against a baseline of three took 9.5 s on
 * one core here, beside a 50 s run in the gate's minute. Each row's
 * interval depends only on its two samples and its own seed, so all of
 * them are computed first, on every core, and judge looks them up: the
 * same numbers, whatever the order or the number of threads.
 */
static void boot_ahead(struct gb_compare *c, const struct gb_results *base,
		       const struct gb_results *cur, const struct gb_compare_opts *o)
{
	struct boot_work w = { .o = o };
	pthread_t th[8];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = 0, cap = 0;

	for (size_t i = 0; i < base->n; i++) {
		const struct gb_cell_result *cb = &base->cells[i], *cc = find_cell(cur, cb->id);

		for (size_t k = 0; cc && k < cb->nmetrics; k++) {
			const struct gb_metric *mb = &cb->metrics[k], *mc = find_metric(cc, mb->name);
			struct gb_boot_ci j = { .lo = NAN, .hi = NAN };

			if (is_noise(mb->name) || !mc || mb->source == GB_SRC_SIMULATED ||
			    mc->source == GB_SRC_SIMULATED)
				continue;
			j.b = values(mb, &j.nb);
			j.v = values(mc, &j.nv);
			if (!j.nb || !j.nv) {
				free(j.b);
				free(j.v);
				continue;
			}
			j.seed = row_seed(o->seed, cb->id, mb->name);
			if (w.n == cap) {
				cap = cap ? 2 * cap : 256;
				w.jobs = gb_xrealloc(w.jobs, cap * sizeof(*w.jobs));
			}
			w.jobs[w.n++] = j;
		}
	}
	while (cores > 1 && nth + 1 < (size_t)cores && nth < GB_ARRAY_SIZE(th) &&
	       pthread_create(&th[nth], NULL, boot_worker, &w) == 0)
		nth++;
	boot_worker(&w);
	for (size_t t = 0; t < nth; t++)
		pthread_join(th[t], NULL);
	if (w.n)
		qsort(w.jobs, w.n, sizeof(*w.jobs), by_seed);
	c->boot = w.jobs;
	c->nboot = w.n;
}

/* The interval computed ahead for this row, or NULL. */
static const struct gb_boot_ci *boot_find(const struct gb_compare *c, uint64_t seed, size_t nb,
					  size_t nv)
{
	struct gb_boot_ci key = { .seed = seed };
	const struct gb_boot_ci *j = c->nboot ? bsearch(&key, c->boot, c->nboot,
							 sizeof(*c->boot), by_seed) : NULL;

	return j && j->nb == nb && j->nv == nv ? j : NULL;
}

static void judge(const struct gb_compare *c, struct gb_compare_row *r, const double *b,
		  size_t nb, const double *v, size_t nv, const struct gb_compare_opts *o)
{
	const struct gb_boot_ci *pre;
	uint64_t seed;
	struct gb_mwu u;

	r->med_base = gb_hd_median(b, nb);
	r->med_cur = gb_hd_median(v, nv);
	r->ratio = NAN;
	r->ci_low = r->ci_high = r->p = NAN;
	r->test = "none";
	if (r->med_base == 0 || r->med_cur == 0 || gb_median(b, nb) == 0 ||
	    gb_median(v, nv) == 0) {
		r->verdict = GB_VERDICT_INCONCLUSIVE;
		r->gating = 0;
		r->note = gb_xasprintf("zero median: ratio undefined, not gating");
		return;
	}
	r->ratio = r->med_cur / r->med_base;
	if (r->simulated) {
		r->verdict = worse(r, r->ratio)	 ? GB_VERDICT_REGRESSION
			     : better(r, r->ratio) ? GB_VERDICT_IMPROVEMENT
						   : GB_VERDICT_UNCHANGED;
		return;
	}
	if (gb_mwu_test(v, nv, b, nb, &u) == 0) {
		r->p = u.p;
		r->test = u.exact ? "exact" : "normal";
	}
	seed = row_seed(o->seed, r->cell, r->metric);
	pre = boot_find(c, seed, nb, nv);
	if (pre) {
		r->ci_low = pre->lo;
		r->ci_high = pre->hi;
	} else {
		gb_boot_ratio_ci(b, nb, v, nv, o->resamples, seed, o->alpha, &r->ci_low,
				 &r->ci_high);
	}
	if (nb < GB_COMPARE_MIN_N || nv < GB_COMPARE_MIN_N) {
		r->verdict = GB_VERDICT_INCONCLUSIVE;
		r->note = gb_xasprintf("%zu and %zu repetitions, need %d a side", nb, nv,
			       GB_COMPARE_MIN_N);
		return;
	}
	if (worse(r, r->ci_low) && worse(r, r->ci_high)) {
		if (r->p < o->alpha) {
			r->verdict = GB_VERDICT_REGRESSION;
		} else {
			r->verdict = GB_VERDICT_INCONCLUSIVE;
			r->note = gb_xasprintf("interval beyond the threshold but p >= %g", o->alpha);
		}
	} else if (better(r, r->ci_low) && better(r, r->ci_high)) {
		r->verdict = r->p < o->alpha ? GB_VERDICT_IMPROVEMENT : GB_VERDICT_UNCHANGED;
	} else if ((worse(r, r->ci_low) || worse(r, r->ci_high)) &&
		   (better(r, r->ci_low) || better(r, r->ci_high))) {
		r->verdict = GB_VERDICT_INCONCLUSIVE;
		if (r->machine == 1)
			r->note = gb_xasprintf("interval wider than the +-%g%% band on both sides",
					       r->threshold * 100);
		else
			r->note = gb_xasprintf("interval wider than the band on both sides (+-%g%%, "
					       "and the machine's %+.1f%%)", r->threshold * 100,
					       100 * (r->machine - 1));
	} else {
		r->verdict = GB_VERDICT_UNCHANGED;
	}
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
	r->med_base = r->med_cur = r->ratio = r->ci_low = r->ci_high = r->p = NAN;
	r->machine = 1;
	return r;
}

static const struct gb_cell_result *find_cell(const struct gb_results *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->cells[i].id, id))
			return &r->cells[i];
	return NULL;
}

static const struct gb_metric *find_metric(const struct gb_cell_result *c, const char *name)
{
	for (size_t i = 0; c && i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

static int metric_available(const struct gb_metric *m)
{
	size_t n;
	double *v = values(m, &n);

	free(v);
	return n > 0;
}

/*
 * Repetitions of one process agree far more closely than processes do (the
 * placement of code, memory and threads differs per process and stays put
 * within one): a test over one process's repetitions per side takes the
 * difference between two processes for an effect. Where the baseline holds
 * several processes (runs, or a run of `processes = N`), the spread of
 * their medians is part of the band: a regression must also be worse than
 * the worst of them by the threshold, an improvement better than the best,
 * and an interval reaching past both edges of the threshold band is
 * inconclusive only if it also reaches past the band around them, from the
 * best one's faster edge to the worst one's slower edge.
 */
static void weigh_spread(struct gb_compare *c, struct gb_compare_row *r, const char *id)
{
	double lo = INFINITY, hi = -INFINITY, edge, lo_edge, hi_edge;
	size_t procs = 0;
	const char *what;

	if (r->verdict != GB_VERDICT_REGRESSION && r->verdict != GB_VERDICT_IMPROVEMENT &&
	    r->verdict != GB_VERDICT_INCONCLUSIVE)
		return;
	for (size_t i = 0; i < c->nbase_procs; i++) {
		const struct gb_metric *m = find_metric(find_cell(&c->base_procs[i], id), r->metric);
		size_t n;
		double *v = values(m, &n), med;

		if (!n)
			continue;
		med = gb_hd_median(v, n);
		free(v);
		lo = med < lo ? med : lo;
		hi = med > hi ? med : hi;
		procs++;
	}
	if (procs < 2 || !(lo > 0))
		return;
	if (r->verdict == GB_VERDICT_INCONCLUSIVE) {
		/* too few repetitions, or no interval: nothing to weigh */
		if (r->n_base < GB_COMPARE_MIN_N || r->n_cur < GB_COMPARE_MIN_N ||
		    isnan(r->ci_low) || isnan(r->ci_high))
			return;
		/* the band in ratios to the pooled median, widened to the processes' medians */
		if (r->higher_better) {
			lo_edge = lo / r->med_base / slow_edge(r);
			hi_edge = hi / r->med_base * fast_edge(r);
		} else {
			lo_edge = lo / r->med_base / fast_edge(r);
			hi_edge = hi / r->med_base * slow_edge(r);
		}
		if (r->ci_low < lo_edge || r->ci_high > hi_edge)
			return;
		free(r->note);
		r->note = gb_xasprintf("interval within the band around the %zu baseline processes "
				       "(medians %.4g .. %.4g)", procs, lo, hi);
		r->verdict = GB_VERDICT_UNCHANGED;
		return;
	}
	/* the baseline process the current one must beat, or fall behind, by the threshold */
	if ((r->verdict == GB_VERDICT_REGRESSION) != r->higher_better)
		edge = hi;   /* the slowest process for a slowdown, the fastest for a speed-up */
	else
		edge = lo;
	if (r->verdict == GB_VERDICT_REGRESSION ? worse(r, r->med_cur / edge)
						: better(r, r->med_cur / edge))
		return;
	what = r->verdict == GB_VERDICT_REGRESSION ? "slower, but" : "faster, but";
	free(r->note);
	r->note = gb_xasprintf("%s within the spread of the %zu baseline processes (medians "
			       "%.4g .. %.4g)", what, procs, lo, hi);
	r->verdict = GB_VERDICT_UNCHANGED;
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

static const struct gb_machine_speed *machine_find(const struct gb_compare *c, const char *ex)
{
	for (size_t i = 0; ex && i < c->nmachine; i++)
		if (!strcmp(c->machine[i].executor, ex))
			return &c->machine[i];
	return NULL;
}

/* The machine's speed ratio for a cell of executor ex, NAN when unknown. */
static double machine_ratio(const struct gb_compare *c, const char *ex)
{
	const struct gb_machine_speed *m = machine_find(c, ex);

	return m ? m->ratio : NAN;
}

/* A row for metric m of cell id, present in the baseline (mb) and/or current (mc). */
static int compare_metric(struct gb_compare *c, const char *id, const char *executor,
			  const struct gb_metric *mb, const struct gb_metric *mc,
			  const struct gb_compare_opts *o)
{
	struct gb_compare_row *r;
	double *b, *v;
	size_t nb, nv;

	b = values(mb, &nb);
	v = values(mc, &nv);
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
	/* times and rates move with the machine's speed; counts do not */
	if (o->machine_speed && !r->simulated &&
	    (!strcmp(r->unit, "ns") || !strcmp(r->unit, "req/s"))) {
		double m = machine_ratio(c, executor);

		if (!isnan(m))
			r->machine = m;
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
		judge(c, r, b, nb, v, nv, o);
		weigh_spread(c, r, id);
		resolution_floor(r, o);
	}
	free(b);
	free(v);
	return 0;
}

/* ---- noise evidence ---- */

struct side_noise {
	double steal, ctx, wall;   /* means over repetitions; NAN when not recorded */
	double mhz;                /* median */
};

static double metric_stat(const struct gb_cell_result *cell, const char *name, int median)
{
	size_t n;
	double *v = values(find_metric(cell, name), &n), m = NAN;

	if (n && median) {
		m = gb_median(v, n);
	} else if (n) {
		m = 0;
		for (size_t i = 0; i < n; i++)
			m += v[i] / (double)n;
	}
	free(v);
	return m;
}

/*
 * Means for steal, switches and wall time: steal comes in ticks of
 * 1/USER_HZ (10 ms), coarser than many repetitions, so only its mean over
 * repetitions is worth reading.
 */
static void side_noise(const struct gb_cell_result *cell, struct side_noise *s)
{
	s->steal = metric_stat(cell, "noise_steal_ns", 0);
	s->ctx = metric_stat(cell, "noise_ctx_invol", 0);
	s->wall = metric_stat(cell, "wall_ns", 0);
	s->mhz = metric_stat(cell, "noise_cpu_mhz", 1);
}

/*
 * Why a cell's verdict may be the noise's: a side whose steal time is >= 2%
 * of its wall time; a side preempted (involuntary context switches per
 * second of repetition) more than twice as often as the other and at least
 * 5 times a repetition; or median CPU clocks that differ by more than 5%. NULL when neither side looks noisy (or nothing was recorded).
 */
static char *noise_reason(const struct gb_cell_result *cb, const struct gb_cell_result *cc)
{
	struct side_noise s[2];
	static const char *const side[] = { "baseline", "current" };
	char buf[512] = "";
	size_t len = 0;

	side_noise(cb, &s[0]);
	side_noise(cc, &s[1]);
	for (int i = 0; i < 2 && len < sizeof(buf); i++) {
		const struct side_noise *me = &s[i], *other = &s[1 - i];

		if (!isnan(me->steal) && me->wall > 0 && me->steal >= 0.02 * me->wall)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s: steal %.1f%% of a repetition", len ? "; " : "",
						side[i], 100 * me->steal / me->wall);
		if (len < sizeof(buf) && !isnan(me->ctx) && !isnan(other->ctx) && me->wall > 0 &&
		    other->wall > 0 && me->ctx >= 5 &&
		    me->ctx / me->wall > 2 * other->ctx / other->wall)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s: preempted %.0f times a repetition (%.0f/s; other side %.0f/s)",
						len ? "; " : "", side[i], me->ctx, me->ctx / me->wall * 1e9,
						other->ctx / other->wall * 1e9);
	}
	if (len < sizeof(buf) && !isnan(s[0].mhz) && !isnan(s[1].mhz) && s[0].mhz > 0 &&
	    fabs(s[1].mhz / s[0].mhz - 1) > 0.05)
		snprintf(buf + len, sizeof(buf) - len, "%sCPU clock %.0f MHz in the baseline, %.0f MHz in the current",
			 len ? "; " : "", s[0].mhz, s[1].mhz);
	return buf[0] ? gb_xstrdup(buf) : NULL;
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * How far every cell of each executor moved together: the median of its
 * cells' wall_ns ratios (NAN under GB_COMPARE_MIN_SHIFT_CELLS cells).
 */
static void cell_shifts(struct gb_compare *c, const struct gb_results *base)
{
	double *r = gb_xmalloc((c->n + 1) * sizeof(*r));

	for (size_t k = 0; k < c->nmachine; k++) {
		struct gb_machine_speed *m = &c->machine[k];
		size_t n = 0;

		for (size_t j = 0; j < c->n; j++) {
			const struct gb_compare_row *row = &c->rows[j];
			const struct gb_cell_result *cell = find_cell(base, row->cell);

			if (!strcmp(row->metric, "wall_ns") && !isnan(row->ratio) && cell &&
			    cell->executor && !strcmp(cell->executor, m->executor))
				r[n++] = row->ratio;
		}
		m->n_cells = n;
		m->cells_ratio = NAN;
		if (n >= GB_COMPARE_MIN_SHIFT_CELLS) {
			qsort(r, n, sizeof(*r), cmp_double);
			m->cells_ratio = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
		}
	}
	free(r);
}

/*
 * A regression that moved with every cell of its executor. On a shared VM a
 * whole executor can run several percent slower for minutes while the probe
 * does not see it (lavapipe here: every vulkan cell 6% slower half an hour
 * after the baseline, the probe 2% faster); so would a change that slows
 * every cell, and one run cannot tell which. So where an executor's cells
 * moved together (their median wall_ns ratio) beyond the probe, in the
 * slower direction and by at most GB_COMPARE_MAX_SHIFT, a regression whose
 * interval no longer clears the threshold once that shared shift is taken
 * out is inconclusive, and says why. A cell that moved beyond the shared
 * shift by the threshold stays a regression, and a shift larger than a
 * machine makes is left to the cells' own verdicts. --no-machine-speed
 * judges without it, as without the probe.
 */
static void shared_shift(struct gb_compare *c, const struct gb_results *base)
{
	for (size_t i = 0; i < c->n; i++) {
		struct gb_compare_row *r = &c->rows[i];
		const struct gb_cell_result *cell = find_cell(base, r->cell);
		const struct gb_machine_speed *m;
		double u, bound;

		if (!c->opts.machine_speed || r->verdict != GB_VERDICT_REGRESSION || r->simulated ||
		    !cell || (strcmp(r->unit, "ns") && strcmp(r->unit, "req/s")))
			continue;
		m = machine_find(c, cell->executor);
		if (!m || isnan(m->cells_ratio))
			continue;
		u = m->cells_ratio / r->machine;   /* the shared slowdown beyond the probe's */
		if (!(u > 1 && u <= 1 + GB_COMPARE_MAX_SHIFT))
			continue;
		/* the interval's bound nearer to 1, with the shared shift taken out */
		bound = r->higher_better ? r->ci_high * u : r->ci_low / u;
		if (worse(r, bound))
			continue;
		r->verdict = GB_VERDICT_INCONCLUSIVE;
		free(r->note);
		r->note = gb_xasprintf("moved with every '%s' cell (their median wall_ns ratio %.3f, "
				       "the probe's %.3f): the machine or a change to every cell, "
				       "which one run cannot tell", m->executor, m->cells_ratio,
				       isnan(m->ratio) ? 1.0 : m->ratio);
	}
}

/*
 * A shift of every cell of an executor at once: the machine (load, clock,
 * another tenant) more often than the code, and a test within each cell
 * cannot see it; said loudly (shared_shift weighs the regressions).
 */
static void drift_warning(struct gb_compare *c)
{
	for (size_t k = 0; k < c->nmachine; k++) {
		const struct gb_machine_speed *m = &c->machine[k];
		double t = isnan(c->opts.threshold) ? GB_COMPARE_THRESHOLD : c->opts.threshold;
		double med = m->cells_ratio;

		if (isnan(med) || (med <= 1 + t && med >= 1 / (1 + t)))
			continue;   /* no shift of the whole executor */
		if (isnan(m->ratio))
			warn(c, "the whole '%s' executor moved: the median wall_ns ratio over its %zu cells is %.3f; a machine-wide change (load, clock, another tenant) looks like this, as does a change that slows every cell",
			     m->executor, m->n_cells, med);
		else
			warn(c, "the whole '%s' executor moved: the median wall_ns ratio over its %zu cells is %.3f, and the machine's own probe %.3f%s",
			     m->executor, m->n_cells, med, m->ratio,
			     c->opts.machine_speed ? " (times and rates were judged beyond it)"
						   : " (not applied: --no-machine-speed)");
	}
}

/* noise_probe_ns of every repetition of executor ex's cells, pooled; caller frees. */
static double *probe_pool(const struct gb_results *r, const char *ex, size_t *n)
{
	double *all = NULL;

	*n = 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t k;
		double *v;

		if (!r->cells[i].executor || strcmp(r->cells[i].executor, ex))
			continue;
		v = values(find_metric(&r->cells[i], "noise_probe_ns"), &k);
		if (!k)
			continue;
		all = gb_xrealloc(all, (*n + k) * sizeof(*all));
		memcpy(all + *n, v, k * sizeof(*v));
		*n += k;
		free(v);
	}
	return all;
}

/*
 * The machine's speed on each side, per executor (an executor's turn may
 * run on other cores than another's): the ratio of the medians of the
 * probe timed before every repetition (noise.h). Nothing under test changes
 * the probe, so its ratio is the machine's; it needs GB_COMPARE_MIN_PROBES
 * repetitions a side.
 */
static void machine_speed(struct gb_compare *c, const struct gb_results *base,
			  const struct gb_results *cur)
{
	for (size_t i = 0; i < base->n && c->nmachine < GB_ARRAY_SIZE(c->machine); i++) {
		const char *ex = base->cells[i].executor;
		struct gb_machine_speed *m;
		double *pb, *pc;

		if (!ex || machine_find(c, ex))
			continue;
		m = &c->machine[c->nmachine++];
		m->executor = gb_xstrdup(ex);
		pb = probe_pool(base, ex, &m->n_base);
		pc = probe_pool(cur, ex, &m->n_cur);
		m->ratio = NAN;
		m->cells_ratio = NAN;
		if (m->n_base >= GB_COMPARE_MIN_PROBES && m->n_cur >= GB_COMPARE_MIN_PROBES)
			m->ratio = gb_median(pc, m->n_cur) / gb_median(pb, m->n_base);
		free(pb);
		free(pc);
	}
}

int gb_compare_results(struct gb_compare *c, const struct gb_results *base,
		       const struct gb_results *cur, const struct gb_compare_opts *o)
{
	size_t i, j, common = 0;

	c->opts = *o;
	c->opts.metrics = NULL;
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
			seen = find_metric(&base->cells[j], o->metrics[i]) != NULL;
		for (j = 0; j < cur->n && !seen; j++)
			seen = find_metric(&cur->cells[j], o->metrics[i]) != NULL;
		if (!seen)
			return gb_error("no cell on either side has metric '%s'", o->metrics[i]);
	}
	machine_speed(c, base, cur);
	boot_ahead(c, base, cur, o);
	for (i = 0; i < base->n; i++) {
		const struct gb_cell_result *cb = &base->cells[i], *cc = find_cell(cur, cb->id);

		for (j = 0; j < cb->nmetrics; j++) {
			const struct gb_metric *mb = &cb->metrics[j], *mc = find_metric(cc, mb->name);

			if (is_noise(mb->name))
				continue;
			if (compare_metric(c, cb->id, cb->executor, mb, mc, o) < 0)
				return -1;
			if (metric_available(mb) && metric_available(mc))
				common++;
		}
		for (j = 0; cc && j < cc->nmetrics; j++)
			if (!is_noise(cc->metrics[j].name) && !find_metric(cb, cc->metrics[j].name) &&
			    compare_metric(c, cc->id, cc->executor, NULL, &cc->metrics[j], o) < 0)
				return -1;
	}
	for (i = 0; i < cur->n; i++) {
		const struct gb_cell_result *cc = &cur->cells[i];

		if (find_cell(base, cc->id))
			continue;
		for (j = 0; j < cc->nmetrics; j++)
			if (!is_noise(cc->metrics[j].name) &&
			    compare_metric(c, cc->id, cc->executor, NULL, &cc->metrics[j], o) < 0)
				return -1;
	}
	if (common == 0)
		return gb_error("'%s' and '%s' share no cell x metric: nothing to compare",
				c->base.path, c->cur.path);
	cell_shifts(c, base);
	shared_shift(c, base);
	for (i = 0; i < c->n; i++) {
		struct gb_compare_row *r = &c->rows[i];

		if (r->verdict != GB_VERDICT_UNCHANGED && r->verdict != GB_VERDICT_MISSING) {
			r->noise = noise_reason(find_cell(base, r->cell), find_cell(cur, r->cell));
			if (r->noise)
				c->noisy++;
		}
		if (r->gating)
			c->gating[r->verdict]++;
		else
			c->reported[r->verdict]++;
	}
	qsort(c->rows, c->n, sizeof(*c->rows), cmp_rows);
	drift_warning(c);
	if (c->gating[GB_VERDICT_MISSING])
		warn(c, "%zu gating cell x metric pairs are on one side only (missing): the "
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
	if (c->gating[GB_VERDICT_INCONCLUSIVE] || c->gating[GB_VERDICT_MISSING])
		return GB_EXIT_INCONCLUSIVE;
	return GB_EXIT_OK;
}
