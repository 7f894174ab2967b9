/*
 * counts.c - the cells that instruction counts settled (counts.h), from a
 * `gbench compare --json` of sim_ir rows.
 */
#include "compare/counts.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gbench.h"
#include "jsonutil.h"

struct gb_counts {
	char **cell;            /* sorted */
	size_t n, rows;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gb_counts_load(struct gb_counts **out, const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err), *rows, *r;
	struct gb_counts *s;
	size_t i;

	*out = NULL;
	if (!root && err.line > 0)
		return gb_error("--counts: %s:%d: %s", path, err.line, err.text);
	if (!root)
		return gb_error("--counts: %s", err.text);
	rows = json_object_get(root, "rows");
	if (!gb_str_same(gb_json_str(root, "tool", NULL), "gbench compare") || !json_is_array(rows)) {
		json_decref(root);
		return gb_error("--counts: '%s' is not the JSON of a gbench compare (--json)", path);
	}
	s = gb_xcalloc(1, sizeof(*s));
	json_array_foreach(rows, i, r) {
		const char *cell = gb_json_str(r, "cell", NULL);

		if (!cell || !gb_str_same(gb_json_str(r, "metric", NULL), "sim_ir"))
			continue;
		s->rows++;
		/* a count too unsteady to judge is not gating */
		if (!gb_str_same(gb_json_str(r, "verdict", NULL), "unchanged") ||
		    !json_is_true(json_object_get(r, "gating")))
			continue;
		s->cell = gb_xrealloc(s->cell, (s->n + 1) * sizeof(*s->cell));
		s->cell[s->n++] = gb_xstrdup(cell);
	}
	json_decref(root);
	if (s->rows == 0) {
		gb_counts_free(s);
		return gb_error("--counts: '%s' holds no sim_ir row (compare the count stage's runs "
				"with --metric sim_ir --json)", path);
	}
	qsort(s->cell, s->n, sizeof(*s->cell), by_name);
	*out = s;
	return 0;
}

void gb_counts_free(struct gb_counts *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->cell[i]);
	free(s->cell);
	free(s);
}

int gb_counts_settled(void *ctx, const char *cell)
{
	const struct gb_counts *s = ctx;

	return s && s->n && bsearch(&cell, s->cell, s->n, sizeof(*s->cell), by_name) != NULL;
}
