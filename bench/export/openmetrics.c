/*
 * openmetrics.c - OpenMetrics text exposition: a gauge family per metric
 * (gbench_<metric>), a sample per cell x statistic, "# EOF" last.
 *
 * Names and units come from a results folder anyone may have written, and
 * one malformed line fails a whole scrape: a metric name is mapped onto
 * [a-zA-Z0-9_] (with 8 hex digits of its hash when that changed it, so
 * that "a.b" and "a_b" stay two families, as the format requires), label
 * values and the unit in HELP go through gb_escape_openmetrics (the
 * format's escapes, UTF-8), and a value is a number, NaN or +-Inf in the
 * format's spelling.
 */
#include "export/export.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "gbench.h"
#include "stats.h"

static int name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

static void put_name(FILE *f, const char *s)
{
	int changed = 0;

	fputs("gbench_", f);
	for (const char *p = s; *p; p++) {
		changed |= !name_char((unsigned char)*p);
		fputc(name_char((unsigned char)*p) ? *p : '_', f);
	}
	if (changed)
		fprintf(f, "_%08x", (unsigned)(gb_fnv1a(GB_FNV_INIT, s, strlen(s)) & 0xffffffffu));
}

static void put_label(FILE *f, const char *key, const char *v, int first)
{
	char *e = gb_escape_openmetrics(v ? v : "");

	fprintf(f, "%s%s=\"%s\"", first ? "" : ",", key, e);
	free(e);
}

/* A value in the format's spelling: NaN, +Inf and -Inf, not C's nan and inf. */
static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.17g", v);
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
	fputs("} ", f);
	put_value(f, v);
	fputc('\n', f);
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
		char *unit;

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
		unit = gb_escape_openmetrics(units[k] ? units[k] : "-");
		fprintf(f, " gbench metric over measured repetitions, unit %s\n", unit);
		free(unit);
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
