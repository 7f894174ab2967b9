/*
 * gbench-json.c - Google Benchmark's JSON output format, the input of its
 * tools/compare.py: a cell is a benchmark, a measured repetition one
 * iteration run of it (time in ns).
 */
#include "export/export.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "stats.h"

static const struct gb_metric *find_metric(const struct gb_cell_result *c, const char *name)
{
	for (size_t i = 0; i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

static json_t *context(const char *dir, json_t *meta)
{
	json_t *ctx = json_object(), *host = json_object_get(meta, "host");
	json_t *v;

	if ((v = json_object_get(meta, "start")) && json_is_string(v))
		json_object_set(ctx, "date", v);
	json_object_set_new(ctx, "executable", json_string("gbench"));
	if ((v = json_object_get(host, "cores")) && json_is_integer(v))
		json_object_set(ctx, "num_cpus", v);
	if ((v = json_object_get(host, "cpu_model")) && json_is_string(v))
		json_object_set(ctx, "cpu_model", v);
	json_object_set_new(ctx, "library_build_type", json_string("release"));
	json_object_set_new(ctx, "gbench_results", json_string(dir));
	json_object_set_new(ctx, "gbench_cpu_time", json_string(
		"task_clock_ns of the repetition (all threads); where it was not measured, a copy "
		"of real_time, marked cpu_time_is_real_time (compare.py needs the field)"));
	json_object_set_new(ctx, "gbench_rows", json_string(
		"a name ending /rows:N is a cell a time budget replayed over the first N rows of "
		"its trace (meta.json time_plan): other work than the whole trace"));
	return ctx;
}

static json_t *entry(const char *name, size_t family, size_t reps, const char *run_type)
{
	json_t *b = json_object();

	json_object_set_new(b, "name", json_string(name));
	json_object_set_new(b, "family_index", json_integer((json_int_t)family));
	json_object_set_new(b, "per_family_instance_index", json_integer(0));
	json_object_set_new(b, "run_name", json_string(name));
	json_object_set_new(b, "run_type", json_string(run_type));
	json_object_set_new(b, "repetitions", json_integer((json_int_t)reps));
	json_object_set_new(b, "threads", json_integer(1));
	return b;
}

int gb_export_gbench_json(FILE *f, const struct gb_results *r, const char *dir, json_t *meta)
{
	json_t *root = json_object(), *arr = json_array();
	size_t family = 0;
	int rc = 0;

	json_object_set_new(root, "context", context(dir, meta));
	for (size_t i = 0; i < r->n; i++) {
		const struct gb_cell_result *c = &r->cells[i];
		const struct gb_metric *wall = find_metric(c, "wall_ns");
		const struct gb_metric *cpu = find_metric(c, "task_clock_ns");
		size_t n, ncpu = 0;
		double *v, *vc = NULL;
		char *name;

		if (!wall)
			continue;
		name = gb_export_name(c, meta);
		v = gb_export_values(wall, &n);
		if (cpu && cpu->n == wall->n && cpu->source != GB_SRC_UNAVAILABLE)
			ncpu = cpu->n;
		for (size_t k = 0, rep = 0; k < wall->n && n; k++) {
			json_t *b;
			double t = wall->v[k], ct = t;

			if (wall->source == GB_SRC_UNAVAILABLE || t != t)
				continue;
			if (ncpu && cpu->v[k] == cpu->v[k])
				ct = cpu->v[k];
			b = entry(name, family, n, "iteration");
			json_object_set_new(b, "repetition_index", json_integer((json_int_t)rep++));
			json_object_set_new(b, "iterations", json_integer(1));
			json_object_set_new(b, "real_time", gb_export_real(t));
			json_object_set_new(b, "cpu_time", gb_export_real(ct));
			json_object_set_new(b, "time_unit", json_string("ns"));
			if (ct == t && !(ncpu && cpu->v[k] == cpu->v[k]))
				json_object_set_new(b, "cpu_time_is_real_time", json_true());
			json_array_append_new(arr, b);
		}
		if (n >= 2) {
			static const char *const aggs[] = { "mean", "median", "stddev" };
			struct gb_summary s, sc;
			size_t nc = 0;

			gb_summarize(v, n, &s);
			if (ncpu) {
				vc = gb_export_values(cpu, &nc);
				gb_summarize(vc, nc, &sc);
			}
			for (size_t a = 0; a < 3; a++) {
				double rt = a == 0 ? s.mean : a == 1 ? s.median : s.stddev;
				double ctv = rt;
				char *nm = gb_xasprintf("%s_%s", name, aggs[a]);
				json_t *b = entry(nm, family, n, "aggregate");

				if (ncpu && nc == n)
					ctv = a == 0 ? sc.mean : a == 1 ? sc.median : sc.stddev;
				json_object_set_new(b, "run_name", json_string(name));
				json_object_set_new(b, "aggregate_name", json_string(aggs[a]));
				json_object_set_new(b, "aggregate_unit", json_string("time"));
				json_object_set_new(b, "iterations", json_integer((json_int_t)n));
				json_object_set_new(b, "real_time", gb_export_real(rt));
				json_object_set_new(b, "cpu_time", gb_export_real(ctv));
				json_object_set_new(b, "time_unit", json_string("ns"));
				if (!(ncpu && nc == n))
					json_object_set_new(b, "cpu_time_is_real_time", json_true());
				json_array_append_new(arr, b);
				free(nm);
			}
		}
		if (n)
			family++;
		free(v);
		free(vc);
		free(name);
	}
	json_object_set_new(root, "benchmarks", arr);
	if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f) == EOF)
		rc = gb_error("cannot write the JSON");
	json_decref(root);
	return rc;
}
