/*
 * hyperfine-json.c - hyperfine's --export-json layout: one result per cell,
 * its wall_ns per measured repetition as times[] in seconds.
 */
#include "export/export.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "stats.h"

int gb_export_hyperfine_json(FILE *f, const struct gb_results *r, json_t *meta)
{
	json_t *root = json_object(), *arr = json_array();
	int rc = 0;

	for (size_t i = 0; i < r->n; i++) {
		const struct gb_cell_result *c = &r->cells[i];
		const struct gb_metric *wall = NULL;
		struct gb_summary s;
		json_t *res, *times;
		char *name;
		double *v;
		size_t n;

		for (size_t m = 0; m < c->nmetrics; m++)
			if (!strcmp(c->metrics[m].name, "wall_ns"))
				wall = &c->metrics[m];
		if (!wall)
			continue;
		v = gb_export_values(wall, &n);
		if (!n) {
			free(v);
			continue;
		}
		gb_summarize(v, n, &s);
		res = json_object();
		times = json_array();
		for (size_t k = 0; k < n; k++)
			json_array_append_new(times, gb_export_real(v[k] * 1e-9));
		name = gb_export_name(c, meta);
		json_object_set_new(res, "command", json_string(name));
		free(name);
		json_object_set_new(res, "mean", gb_export_real(s.mean * 1e-9));
		/* hyperfine writes null for the stddev of a single run */
		json_object_set_new(res, "stddev",
				    n >= 2 ? gb_export_real(s.stddev * 1e-9) : json_null());
		json_object_set_new(res, "median", gb_export_real(s.median * 1e-9));
		json_object_set_new(res, "min", gb_export_real(s.min * 1e-9));
		json_object_set_new(res, "max", gb_export_real(s.max * 1e-9));
		json_object_set_new(res, "times", times);
		json_array_append_new(arr, res);
		free(v);
	}
	json_object_set_new(root, "results", arr);
	if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f) == EOF)
		rc = gb_error("cannot write the JSON");
	json_decref(root);
	return rc;
}
