/*
 * fleet.c - the fleet summary: one config's runs on several machine
 * classes side by side (fleet.h).
 *
 * Throughput is compared by its median over repetitions with the
 * distribution-free 95% interval of stats.h (n >= 6); a class is called
 * faster or slower than the first only when the two intervals do not
 * overlap, else the two are a tie (within noise). A cell measured by one
 * class only is listed with a dash for the others.
 */
#include "report/fleet.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compare/compare.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "jsonutil.h"
#include "report/report.h"
#include "results/results.h"
#include "stats.h"

struct fleet_run {
	const char *dir;
	char *klass;
	const char *config, *config_hash, *commit;
	json_t *meta;
	struct gb_results res;
};

/* A cell's throughput in one run: median and its interval (NAN when unknown). */
struct tput {
	double median, lo, hi;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gb_fleet_find(const char *root, char ***dirs)
{
	DIR *d = opendir(root);
	struct dirent *e;
	size_t n = 0, cap = 0;
	char **v = NULL;

	*dirs = NULL;
	if (!d)
		return gb_error("cannot open '%s': %s", root, strerror(errno));
	while ((e = readdir(d))) {
		char *sub, *meta;

		if (e->d_name[0] == '.')
			continue;
		sub = gb_xasprintf("%s/%s", root, e->d_name);
		meta = gb_xasprintf("%s/meta.json", sub);
		if (gb_is_dir(sub) && gb_file_exists(meta)) {
			if (n == cap) {
				cap = cap ? 2 * cap : 8;
				v = gb_xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = sub;
		} else {
			free(sub);
		}
		free(meta);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*dirs = v;
	return (int)n;
}

static int load(struct fleet_run *f, const char *dir)
{
	int rc;

	f->dir = dir;
	rc = gb_compare_load_meta(dir, &f->meta);
	if (rc > 0)
		return gb_error("'%s' has no meta.json: not a results directory of a run", dir);
	if (rc < 0)
		return -1;
	f->klass = gb_machine_class(f->meta);
	if (!f->klass)
		return gb_error("'%s/meta.json' names no machine (host.cpu_model, host.cores)", dir);
	f->config = gb_json_str(f->meta, "config", "name");
	f->config_hash = gb_json_str(f->meta, "config_hash", NULL);
	f->commit = gb_json_str(f->meta, "build", "commit");
	return gb_results_read(&f->res, dir);
}

/* The runs must be one config on distinct classes. */
static int check_runs(const struct fleet_run *f, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!gb_str_same(f[0].config, f[i].config) || !gb_str_same(f[0].config_hash, f[i].config_hash))
			return gb_error("'%s' ran config '%s' (%s) and '%s' ran '%s' (%s): a fleet summary compares one config",
					f[0].dir, f[0].config ? f[0].config : "?",
					f[0].config_hash ? f[0].config_hash : "no hash", f[i].dir,
					f[i].config ? f[i].config : "?",
					f[i].config_hash ? f[i].config_hash : "no hash");
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (!strcmp(f[i].klass, f[j].klass))
				return gb_error("'%s' and '%s' are both of machine class '%s': pool them first (gbench merge --by-class)",
						f[i].dir, f[j].dir, f[i].klass);
	return 0;
}

static struct gb_cell_result *find_cell(const struct gb_results *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->cells[i].id, id))
			return &r->cells[i];
	return NULL;
}

static struct tput throughput(const struct gb_results *r, const char *id)
{
	struct tput t = { NAN, NAN, NAN, 0 };
	struct gb_cell_result *c = find_cell(r, id);
	struct gb_summary s;

	if (!c)
		return t;
	for (size_t m = 0; m < c->nmetrics; m++)
		if (!strcmp(c->metrics[m].name, "throughput_rps") && c->metrics[m].n) {
			gb_summarize(c->metrics[m].v, c->metrics[m].n, &s);
			t.median = s.median;
			t.lo = s.ci_low;
			t.hi = s.ci_high;
			t.n = s.n;
		}
	return t;
}

/* -1 slower, 0 a tie (or unknown), 1 faster: b against a, by their intervals. */
static int verdict(struct tput a, struct tput b)
{
	if (isnan(a.lo) || isnan(b.lo))
		return 0;
	if (b.lo > a.hi)
		return 1;
	if (b.hi < a.lo)
		return -1;
	return 0;
}

static void machines(struct gb_sbuf *b, const struct fleet_run *f, size_t n)
{
	gb_sbuf_printf(b, "## Machines\n\n| class | CPU | cores | memory | devices | commit | folder |\n"
			  "|---|---|---:|---:|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		json_t *host = json_object_get(f[i].meta, "host"), *ex = json_object_get(f[i].meta, "executors"), *e;
		json_int_t cores = json_integer_value(json_object_get(host, "cores"));
		double mem = json_number_value(json_object_get(host, "memory_bytes"));
		const char *key, *model = gb_json_str(host, "cpu_model", NULL);
		struct gb_sbuf dev = { 0 };
		char *k = gb_escape_md_code(f[i].klass, 1), *cpu = gb_escape_md(model ? model : "?");
		char *dir = gb_escape_md_code(f[i].dir, 1), *commit = gb_escape_md(f[i].commit ? f[i].commit : "?");
		char *d;

		json_object_foreach(ex, key, e) {
			const char *name = gb_json_str(e, "device", NULL);

			if (!json_is_true(json_object_get(e, "available")))
				continue;
			gb_sbuf_printf(&dev, "%s%s: %s", dev.len ? "; " : "", key, name ? name : "?");
		}
		d = gb_escape_md(dev.s ? dev.s : "none");
		gb_sbuf_printf(b, "| %s | %s | %lld | %.1f GiB | %s | %s | %s |\n", k, cpu,
			       (long long)cores, mem / (1024.0 * 1024 * 1024), d, commit, dir);
		gb_sbuf_release(&dev);
		free(k); free(cpu); free(dir); free(commit); free(d);
	}
	for (size_t i = 1; i < n; i++)
		if (!gb_str_same(f[0].commit, f[i].commit)) {
			gb_sbuf_printf(b, "\nThe classes ran different commits: a difference between them "
					  "may be the code's, not the machines'.\n");
			break;
		}
	gb_sbuf_printf(b, "\n");
}

/* Every cell id of the fleet, in the first run's order, then the others' new ones. */
static char **all_cells(const struct fleet_run *f, size_t n, size_t *count)
{
	size_t cap = 0, k = 0;
	char **ids = NULL;

	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < f[i].res.n; c++) {
			const char *id = f[i].res.cells[c].id;
			size_t j;

			for (j = 0; j < k && strcmp(ids[j], id); j++)
				;
			if (j < k)
				continue;
			if (k == cap) {
				cap = cap ? 2 * cap : 64;
				ids = gb_xrealloc(ids, cap * sizeof(*ids));
			}
			ids[k++] = (char *)id;
		}
	*count = k;
	return ids;
}

static const char *workload_of(const struct fleet_run *f, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++) {
		struct gb_cell_result *c = find_cell(&f[i].res, id);

		if (c)
			return c->workload;
	}
	return "?";
}

/* The rest of a table's header: a column per class, then the rule (rule: "---|" or "---:|"). */
static void class_columns(struct gb_sbuf *b, const struct fleet_run *f, size_t n, const char *rule)
{
	for (size_t i = 0; i < n; i++) {
		char *k = gb_escape_md_code(f[i].klass, 1);

		gb_sbuf_printf(b, " %s |", k);
		free(k);
	}
	gb_sbuf_printf(b, "\n|---|");
	for (size_t i = 0; i < n; i++)
		gb_sbuf_printf(b, "%s", rule);
	gb_sbuf_printf(b, "\n");
}

/* Per workload, the best cell of each class by median throughput. */
static void best_per_workload(struct gb_sbuf *b, const struct fleet_run *f, size_t n,
			      char **ids, size_t nids)
{
	char buf[32];

	gb_sbuf_printf(b, "## Best cell per workload\n\nThe cell of each class with the highest median "
			  "throughput (req/s), and that throughput.\n\n| workload |");
	class_columns(b, f, n, "---|");
	for (size_t w = 0; w < nids; w++) {
		const char *wl = workload_of(f, n, ids[w]);
		size_t first;
		char *name;

		for (first = 0; first < w && strcmp(workload_of(f, n, ids[first]), wl); first++)
			;
		if (first < w)
			continue;   /* this workload has its row */
		name = gb_escape_md_code(wl, 1);
		gb_sbuf_printf(b, "| %s |", name);
		free(name);
		for (size_t i = 0; i < n; i++) {
			const char *best = NULL;
			double bv = -1;

			for (size_t c = 0; c < nids; c++) {
				struct tput t;

				if (strcmp(workload_of(f, n, ids[c]), wl))
					continue;
				t = throughput(&f[i].res, ids[c]);
				if (!isnan(t.median) && t.median > bv) {
					bv = t.median;
					best = ids[c];
				}
			}
			if (best) {
				char *code = gb_escape_md_code(best, 1);

				gb_sbuf_printf(b, " %s: %s |", code, gb_report_fmt_num(bv, buf, sizeof(buf)));
				free(code);
			} else {
				gb_sbuf_printf(b, " - |");
			}
		}
		gb_sbuf_printf(b, "\n");
	}
	gb_sbuf_printf(b, "\n");
}

/*
 * Per cell: each class's median throughput with its interval, and the
 * ratio to the first class, called only outside the noise; none where a
 * time budget gave the two runs different windows of the cell's trace.
 */
static void per_cell(struct gb_sbuf *b, const struct fleet_run *f, size_t n, char **ids,
		     size_t nids, size_t *ties, size_t *other)
{
	char m[32], lo[32], hi[32], w[32];
	char *k0 = gb_escape_md_code(f[0].klass, 0);

	gb_sbuf_printf(b, "## Throughput per cell\n\nMedian req/s over repetitions [95%% interval of "
			  "the median]; the ratio is to %s. A ratio marked *tie* has intervals "
			  "that overlap: the classes do not differ beyond the noise there.\n\n| cell |", k0);
	free(k0);
	class_columns(b, f, n, "---:|");
	*ties = *other = 0;
	for (size_t c = 0; c < nids; c++) {
		struct tput t0 = throughput(&f[0].res, ids[c]);
		char *id = gb_escape_md_code(ids[c], 1);

		gb_sbuf_printf(b, "| %s |", id);
		free(id);
		for (size_t i = 0; i < n; i++) {
			struct tput t = i ? throughput(&f[i].res, ids[c]) : t0;

			if (isnan(t.median)) {
				gb_sbuf_printf(b, " - |");
				continue;
			}
			gb_sbuf_printf(b, " %s", gb_report_fmt_num(t.median, m, sizeof(m)));
			if (!isnan(t.lo))
				gb_sbuf_printf(b, " [%s, %s]", gb_report_fmt_num(t.lo, lo, sizeof(lo)),
					       gb_report_fmt_num(t.hi, hi, sizeof(hi)));
			if (i && gb_compare_cell_window(f[i].meta, ids[c]) !=
				 gb_compare_cell_window(f[0].meta, ids[c])) {
				/* a time budget's window on one side: other work, no ratio */
				gb_sbuf_printf(b, " (another window of the trace: %s; meta.json "
					       "time_plan)",
					       gb_compare_window_words(f[i].meta, ids[c], w, sizeof(w)));
				(*other)++;
			} else if (i && !isnan(t0.median) && t0.median > 0) {
				int v = verdict(t0, t);

				gb_sbuf_printf(b, " (%.2fx%s)", t.median / t0.median,
					       isnan(t.lo) || isnan(t0.lo) ? ", n < 6" : v ? "" : ", *tie*");
				*ties += !v;
			}
			gb_sbuf_printf(b, " |");
		}
		gb_sbuf_printf(b, "\n");
	}
	gb_sbuf_printf(b, "\n");
}

int gb_fleet_report(const char *const *dirs, size_t n, const char *out_dir)
{
	struct fleet_run *f = gb_xcalloc(n, sizeof(*f));
	struct gb_sbuf b = { 0 };
	char **ids = NULL;
	size_t nids = 0, ties = 0, other = 0;
	int rc = -1;

	if (n < 2) {
		gb_error("a fleet summary needs the runs of at least two machine classes (got %zu)", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (load(&f[i], dirs[i]) < 0)
			goto out;
	if (check_runs(f, n) < 0)
		goto out;
	ids = all_cells(f, n, &nids);
	{
		char *cfg = gb_escape_md_code(f[0].config ? f[0].config : "?", 0);

		gb_sbuf_printf(&b, "# Fleet summary\n\nConfig %s on %zu machine classes, %zu cells.\n\n",
			       cfg, n, nids);
		free(cfg);
	}
	machines(&b, f, n);
	best_per_workload(&b, f, n, ids, nids);
	per_cell(&b, f, n, ids, nids, &ties, &other);
	gb_sbuf_printf(&b, "%zu of %zu comparisons with the first class are ties within the noise.\n",
		       ties, nids * (n - 1) - other);
	if (other)
		gb_sbuf_printf(&b, "%zu more are not made: a time budget replayed another window of "
			       "the cell's trace there than in the first class's run (other work).\n",
			       other);
	if (gb_mkdir_p(out_dir) < 0)
		goto out;
	{
		struct gb_atomic a;
		char *path = gb_xasprintf("%s/fleet.md", out_dir);

		rc = gb_atomic_open(&a, path);
		if (rc == 0) {
			if (fputs(b.s, a.f) == EOF) {
				gb_atomic_abort(&a);
				rc = gb_error("cannot write '%s'", path);
			} else {
				rc = gb_atomic_commit(&a);
			}
		}
		if (rc == 0)
			gb_note("fleet summary of %zu machine classes: %s", n, path);
		free(path);
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(f[i].klass);
		json_decref(f[i].meta);
		gb_results_release(&f[i].res);
	}
	free(f);
	free(ids);
	gb_sbuf_release(&b);
	return rc;
}
