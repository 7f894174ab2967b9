/*
 * compare-files.c - the forms of a comparison made for machines
 * (compare.h): JUnit XML for a CI page, one test case per row, and JSON
 * for scripts. Both hold every row; both go through gb_atomic_*, and the
 * same inputs give the same bytes.
 *
 * Cell, metric, unit and executor names, paths and notes come from results
 * folders anyone can edit: they reach the XML only through gb_escape_xml
 * and the JSON only through jansson, so no name can make either ill-formed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare-impl.h"
#include "compare/compare.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"

/* ---- JUnit ---- */

/* XML text or attribute value. */
static void xml_esc(FILE *f, const char *s)
{
	char *e = gb_escape_xml(s ? s : "");

	fputs(e, f);
	free(e);
}

static void xml_prop(FILE *f, const char *name, const char *value)
{
	fputs("      <property name=\"", f);
	xml_esc(f, name);   /* machine_speed.EXECUTOR: a name from the inputs */
	fputs("\" value=\"", f);
	xml_esc(f, value);
	fputs("\"/>\n", f);
}

/* "ratio 1.052 [1.031, 1.074], p 0.0002, baseline 3 ms, current 3.2 ms; note" */
static char *row_summary(const struct gb_compare_row *r)
{
	char *col[NCOL], *s;

	gb_compare_row_cols(r, col);
	s = gb_xasprintf("%s %s of %s: ratio %s, interval %s, p %s, baseline %s, current %s%s%s",
			 gb_verdict_name(r->verdict), r->metric, r->cell, col[COL_RATIO],
			 col[COL_CI], col[COL_P], col[COL_BASE], col[COL_CUR],
			 *col[COL_NOTE] ? "; " : "", col[COL_NOTE]);
	gb_compare_free_cols(col);
	return s;
}

int gb_compare_write_junit(const struct gb_compare *c, const char *path)
{
	struct gb_atomic a;
	FILE *f;
	size_t failures = 0, skipped = 0, i;
	char buf[64];

	for (i = 0; i < c->n; i++) {
		const struct gb_compare_row *r = &c->rows[i];

		if (r->gating && r->verdict == GB_VERDICT_REGRESSION)
			failures++;
		else if (r->verdict == GB_VERDICT_MISSING ||
			 (r->gating && r->verdict == GB_VERDICT_INCONCLUSIVE))
			skipped++;
	}
	if (gb_atomic_open(&a, path) < 0)
		return -1;
	f = a.f;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"gbench compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
		c->n, failures, skipped);
	fprintf(f, "  <testsuite name=\"gbench compare\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
		c->n, failures, skipped);
	fputs("    <properties>\n", f);
	xml_prop(f, "baseline", c->base.path);
	xml_prop(f, "baseline.class", c->base.klass);
	xml_prop(f, "current", c->cur.path);
	xml_prop(f, "current.class", c->cur.klass);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)c->opts.seed);
	xml_prop(f, "seed", buf);
	snprintf(buf, sizeof(buf), "%g", c->opts.alpha);
	xml_prop(f, "alpha", buf);
	xml_prop(f, "gating", c->gating_list);
	for (i = 0; i < c->nmachine; i++) {
		char name[96];

		snprintf(name, sizeof(name), "machine_speed.%s", c->machine[i].executor);
		snprintf(buf, sizeof(buf), "%.6g", c->machine[i].ratio);
		xml_prop(f, name, buf);
	}
	snprintf(buf, sizeof(buf), "%d", gb_compare_exit(c));
	xml_prop(f, "exit", buf);
	for (i = 0; i < c->nwarn; i++)
		xml_prop(f, "warning", c->warnings[i]);
	fputs("    </properties>\n", f);
	for (i = 0; i < c->n; i++) {
		const struct gb_compare_row *r = &c->rows[i];
		char *sum = row_summary(r);

		fputs("    <testcase classname=\"", f);
		xml_esc(f, r->cell);
		fputs("\" name=\"", f);
		xml_esc(f, r->metric);
		fputs("\">\n", f);
		if (r->gating && r->verdict == GB_VERDICT_REGRESSION) {
			fputs("      <failure type=\"regression\" message=\"", f);
			xml_esc(f, sum);
			fputs("\"/>\n", f);
		} else if (r->verdict == GB_VERDICT_MISSING ||
			   (r->gating && r->verdict == GB_VERDICT_INCONCLUSIVE)) {
			fputs("      <skipped message=\"", f);
			xml_esc(f, sum);
			fputs("\"/>\n", f);
		}
		fputs("      <system-out>", f);
		xml_esc(f, sum);
		fputs(r->gating ? "" : " (reported, not gating)", f);
		fputs("</system-out>\n", f);
		fputs("    </testcase>\n", f);
		free(sum);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	return gb_atomic_commit(&a);
}

/* ---- JSON ---- */

static json_t *jnum(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *side_json(const struct gb_compare_side *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(s->path));
	json_object_set_new(o, "class", jstr_or_null(s->klass));
	json_object_set_new(o, "config", jstr_or_null(s->config));
	json_object_set_new(o, "commit", jstr_or_null(s->commit));
	json_object_set_new(o, "runs", json_integer((json_int_t)s->runs));
	return o;
}

static json_t *counts_json(const size_t *n)
{
	json_t *o = json_object();

	for (int v = 0; v < GB_VERDICT_COUNT; v++)
		json_object_set_new(o, gb_verdict_name(v), json_integer((json_int_t)n[v]));
	return o;
}

int gb_compare_write_json(const struct gb_compare *c, const char *path)
{
	json_t *root = json_object(), *rows = json_array(), *warns = json_array(), *gating;
	struct gb_atomic a;
	char **g;
	int code = gb_compare_exit(c);

	json_object_set_new(root, "tool", json_string("gbench compare"));
	json_object_set_new(root, "schema", json_integer(1));
	json_object_set_new(root, "baseline", side_json(&c->base));
	json_object_set_new(root, "current", side_json(&c->cur));
	json_object_set_new(root, "seed", json_integer((json_int_t)c->opts.seed));
	json_object_set_new(root, "alpha", json_real(c->opts.alpha));
	json_object_set_new(root, "threshold", jnum(c->opts.threshold));
	json_object_set_new(root, "threshold_default", json_real(GB_COMPARE_THRESHOLD));
	json_object_set_new(root, "threshold_simulated", json_real(GB_COMPARE_SIM_THRESHOLD));
	json_object_set_new(root, "resamples", json_integer((json_int_t)c->opts.resamples));
	gating = json_array();
	g = gb_strv_split(c->gating_list ? c->gating_list : "");
	for (size_t i = 0; g[i]; i++)
		json_array_append_new(gating, json_string(g[i]));
	gb_strv_free(g);
	json_object_set_new(root, "gating_metrics", gating);
	{
		json_t *ms = json_object();

		for (size_t i = 0; i < c->nmachine; i++)
			json_object_set_new(ms, c->machine[i].executor,
				json_pack("{s:o, s:I, s:I, s:o, s:I}", "ratio", jnum(c->machine[i].ratio),
					  "probes_baseline", (json_int_t)c->machine[i].n_base,
					  "probes_current", (json_int_t)c->machine[i].n_cur,
					  "cells_ratio", jnum(c->machine[i].cells_ratio),
					  "cells", (json_int_t)c->machine[i].n_cells));
		json_object_set_new(root, "machine_speed", ms);
		json_object_set_new(root, "machine_speed_applied",
				    json_boolean(c->opts.machine_speed));
	}
	for (size_t i = 0; i < c->nwarn; i++)
		json_array_append_new(warns, json_string(c->warnings[i]));
	json_object_set_new(root, "warnings", warns);
	json_object_set_new(root, "gating", counts_json(c->gating));
	json_object_set_new(root, "reported", counts_json(c->reported));
	json_object_set_new(root, "noisy", json_integer((json_int_t)c->noisy));
	json_object_set_new(root, "settled_by_counts", json_integer((json_int_t)c->by_counts));
	json_object_set_new(root, "result", json_string(gb_compare_result_word(code)));
	json_object_set_new(root, "exit", json_integer(code));
	json_object_set_new(root, "paired", json_boolean(c->opts.paired));
	json_object_set_new(root, "allow_inconclusive", json_boolean(c->opts.allow_inconclusive));
	for (size_t i = 0; i < c->n; i++) {
		const struct gb_compare_row *r = &c->rows[i];
		json_t *o = json_object();

		json_object_set_new(o, "cell", json_string(r->cell));
		json_object_set_new(o, "metric", json_string(r->metric));
		json_object_set_new(o, "unit", json_string(r->unit));
		json_object_set_new(o, "verdict", json_string(gb_verdict_name(r->verdict)));
		json_object_set_new(o, "gating", json_boolean(r->gating));
		json_object_set_new(o, "better", json_string(r->higher_better ? "higher" : "lower"));
		json_object_set_new(o, "source", json_string(r->simulated ? "simulated" : "measured"));
		json_object_set_new(o, "test", json_string(r->test));
		json_object_set_new(o, "threshold", jnum(r->threshold));
		json_object_set_new(o, "machine", jnum(r->machine));
		json_object_set_new(o, "n_baseline", json_integer((json_int_t)r->n_base));
		json_object_set_new(o, "n_current", json_integer((json_int_t)r->n_cur));
		json_object_set_new(o, "median_baseline", jnum(r->med_base));
		json_object_set_new(o, "median_current", jnum(r->med_cur));
		json_object_set_new(o, "ratio", jnum(r->ratio));
		json_object_set_new(o, "ci_low", jnum(r->ci_low));
		json_object_set_new(o, "ci_high", jnum(r->ci_high));
		json_object_set_new(o, "p", jnum(r->p));
		json_object_set_new(o, "p_holm", jnum(r->p_holm));
		json_object_set_new(o, "processes_baseline", json_integer((json_int_t)r->k_base));
		json_object_set_new(o, "processes_current", json_integer((json_int_t)r->k_cur));
		json_object_set_new(o, "nondeterministic", json_boolean(r->nondet));
		json_object_set_new(o, "note", jstr_or_null(r->note));
		json_object_set_new(o, "noise", jstr_or_null(r->noise));
		json_array_append_new(rows, o);
	}
	json_object_set_new(root, "rows", rows);
	if (gb_atomic_open(&a, path) < 0) {
		json_decref(root);
		return -1;
	}
	if (json_dumpf(root, a.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
	    fputc('\n', a.f) == EOF) {
		gb_atomic_abort(&a);
		json_decref(root);
		return gb_error("cannot write '%s'", path);
	}
	json_decref(root);
	return gb_atomic_commit(&a);
}
