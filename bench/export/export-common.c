/*
 * export-common.c - what the export writers share.
 */
#include "export/export.h"

#include <math.h>

#include "compare/compare.h"
#include "gbench.h"

double *gb_export_values(const struct gb_metric *m, size_t *n)
{
	double *v = gb_xcalloc(m->n ? m->n : 1, sizeof(*v));
	size_t k = 0;

	if (m->source != GB_SRC_UNAVAILABLE)
		for (size_t i = 0; i < m->n; i++)
			if (!isnan(m->v[i]))
				v[k++] = m->v[i];
	*n = k;
	return v;
}

long long gb_export_window(const struct gb_cell_result *c, json_t *meta)
{
	return meta ? gb_compare_cell_window(meta, c->id) : 0;
}

char *gb_export_name(const struct gb_cell_result *c, json_t *meta)
{
	long long w = gb_export_window(c, meta);

	return w ? gb_xasprintf("%s/rows:%lld", c->id, w) : gb_xstrdup(c->id);
}

json_t *gb_export_real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}
