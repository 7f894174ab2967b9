/*
 * openmetrics.c - OpenMetrics text exposition: a gauge family per metric
 * (gbench_<metric>), a sample per cell x statistic, "# EOF" last.
 * Metric names from data are mapped onto [a-zA-Z0-9_:] and label values
 * escaped (\\, \", \n) as the spec requires, so a hostile workload name
 * cannot forge a line.
 */
#include "export/export.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "stats.h"

static void put_name(FILE *f, const char *s)
{
	fputs("gbench_", f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		fputc((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' ? ch : '_', f);
	}
}

static void put_label(FILE *f, const char *key, const char *v, int first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", key);
	for (; v && *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

/* A sample; rows: the cell's window of its trace (a time budget's), a label where it has one. */
static void put_sample(FILE *f, const char *metric, const struct gb_cell_result *c,
		       long long rows, const char *stat, double v)
{
	char num[32];

	put_name(f, metric);
	fputc('{', f);
	put_label(f, "cell", c->id, 1);
	put_label(f, "workload", c->workload, 0);
	put_label(f, "executor", c->executor, 0);
	snprintf(num, sizeof(num), "%u", c->batch);
	put_label(f, "batch", num, 0);
	put_label(f, "quant", gb_quant_name(c->quant), 0);
	snprintf(num, sizeof(num), "%u", c->cache);
	put_label(f, "cache", num, 0);
	if (rows) {
		snprintf(num, sizeof(num), "%lld", rows);
		put_label(f, "rows", num, 0);
	}
	put_label(f, "stat", stat, 0);
	fprintf(f, "} %.17g\n", v);
}

int gb_export_openmetrics(FILE *f, const struct gb_results *r, json_t *meta)
{
	const char **names = NULL, **units = NULL;
	size_t nnames = 0;

	/* the metric names in first-seen order: a family's samples stay together */
	for (size_t i = 0; i < r->n; i++)
		for (size_t m = 0; m < r->cells[i].nmetrics; m++) {
			const struct gb_metric *mt = &r->cells[i].metrics[m];
			size_t k;

			for (k = 0; k < nnames && strcmp(names[k], mt->name); k++)
				;
			if (k < nnames)
				continue;
			names = gb_xrealloc(names, (nnames + 1) * sizeof(*names));
			units = gb_xrealloc(units, (nnames + 1) * sizeof(*units));
			names[nnames] = mt->name;
			units[nnames++] = mt->unit;
		}
	for (size_t k = 0; k < nnames; k++) {
		size_t nsamples = 0;

		/* a family no cell measured is left out, not written empty */
		for (size_t i = 0; i < r->n && !nsamples; i++)
			for (size_t m = 0; m < r->cells[i].nmetrics; m++) {
				size_t n;
				double *v;

				if (strcmp(r->cells[i].metrics[m].name, names[k]))
					continue;
				v = gb_export_values(&r->cells[i].metrics[m], &n);
				nsamples += n;
				free(v);
			}
		if (!nsamples)
			continue;
		fputs("# TYPE ", f);
		put_name(f, names[k]);
		fputs(" gauge\n# HELP ", f);
		put_name(f, names[k]);
		fprintf(f, " gbench metric over measured repetitions, unit ");
		for (const char *u = units[k] ? units[k] : "-"; *u; u++)
			fputc(*u == '\n' ? ' ' : *u == '\\' ? '/' : *u, f);
		fputc('\n', f);
		for (size_t i = 0; i < r->n; i++) {
			const struct gb_cell_result *c = &r->cells[i];
			long long rows = gb_export_window(c, meta);

			for (size_t m = 0; m < c->nmetrics; m++) {
				struct gb_summary s;
				size_t n;
				double *v;

				if (strcmp(c->metrics[m].name, names[k]))
					continue;
				v = gb_export_values(&c->metrics[m], &n);
				if (n) {
					gb_summarize(v, n, &s);
					put_sample(f, names[k], c, rows, "median", s.median);
					put_sample(f, names[k], c, rows, "mean", s.mean);
					put_sample(f, names[k], c, rows, "min", s.min);
					put_sample(f, names[k], c, rows, "max", s.max);
					if (n >= 2 && !isnan(s.stddev))
						put_sample(f, names[k], c, rows, "stddev", s.stddev);
				}
				free(v);
			}
		}
	}
	fputs("# EOF\n", f);
	free(names);
	free(units);
	return ferror(f) ? gb_error("cannot write the OpenMetrics text") : 0;
}
