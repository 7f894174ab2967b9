/*
 * compare-out.c - the forms of a comparison people read (compare.h): the
 * aligned terminal table and Markdown for a pull-request comment; and each
 * row's columns as both show them, which compare-files.c's JUnit XML and
 * JSON share.
 *
 * The table and the Markdown show what needs reading: gating rows that are
 * not unchanged and reported metrics that moved, regressions first; JUnit
 * and JSON hold every row. Every file goes through gb_atomic_*; nothing
 * written depends on the clock or the environment (colour aside, which only
 * the terminal gets), so the same inputs give the same bytes.
 *
 * Cell, metric, unit and executor names, paths and notes come from results
 * folders anyone can edit: they reach the terminal, Markdown and XML only
 * through escape.h (one function per sink), so a name cannot forge a
 * line, break a table or a code span, or make the XML ill-formed.
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


static const char *const col_names[NCOL] = {
	"verdict", "cell", "metric", "baseline", "current", "ratio", "CI", "p", "note",
};

/* A value with its unit; times scaled to ns/us/ms/s. */
static void fmt_value(char *buf, size_t len, double v, const char *unit)
{
	if (isnan(v)) {
		snprintf(buf, len, "-");
	} else if (!strcmp(unit, "ns")) {
		double a = fabs(v);

		if (a < 1e3)
			snprintf(buf, len, "%.4g ns", v);
		else if (a < 1e6)
			snprintf(buf, len, "%.4g us", v / 1e3);
		else if (a < 1e9)
			snprintf(buf, len, "%.4g ms", v / 1e6);
		else
			snprintf(buf, len, "%.4g s", v / 1e9);
	} else {
		static const char *const prefix[] = { "", "k", "M", "G", "T" };
		double a = fabs(v);
		int k = 0;

		/* Large counts and rates with an SI prefix: 54.41k req/s, not 5.441e+04. */
		while (a >= 1e4 && k < 4) {
			a /= 1e3;
			v /= 1e3;
			k++;
		}
		if (!*unit || !strcmp(unit, "count"))
			snprintf(buf, len, "%.4g%s", v, prefix[k]);
		else
			snprintf(buf, len, "%.4g%s %s", v, prefix[k], unit);
	}
}

static void fmt_ci(char *buf, size_t len, const struct gb_compare_row *r)
{
	if (isnan(r->ci_low))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "[%.3f, %.3f]", r->ci_low, r->ci_high);
}

static void fmt_p(char *buf, size_t len, double p)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2g", p);
}

/* The note column: the reason, then the noise evidence. */
static char *row_note(const struct gb_compare_row *r)
{
	const char *a = r->note ? r->note : "", *b = r->noise ? r->noise : "";

	return gb_xasprintf("%s%s%s%s", a, *a && *b ? "; " : "", *b ? "noisy: " : "", b);
}

/* The cells of one table row (freed with gb_compare_free_cols). */
void gb_compare_row_cols(const struct gb_compare_row *r, char **col)
{
	char buf[96];

	col[COL_VERDICT] = gb_xasprintf("%s%s", r->verdict == GB_VERDICT_REGRESSION && r->gating
					? "REGRESSION" : gb_verdict_name(r->verdict),
					r->gating ? "" : "*");
	col[COL_CELL] = gb_xstrdup(r->cell);
	col[COL_METRIC] = gb_xstrdup(r->metric);
	fmt_value(buf, sizeof(buf), r->med_base, r->unit);
	col[COL_BASE] = gb_xstrdup(buf);
	fmt_value(buf, sizeof(buf), r->med_cur, r->unit);
	col[COL_CUR] = gb_xstrdup(buf);
	if (isnan(r->ratio))
		col[COL_RATIO] = gb_xstrdup("-");
	else
		col[COL_RATIO] = gb_xasprintf("%.3f", r->ratio);
	fmt_ci(buf, sizeof(buf), r);
	col[COL_CI] = gb_xstrdup(buf);
	fmt_p(buf, sizeof(buf), r->p);
	col[COL_P] = gb_xstrdup(buf);
	col[COL_NOTE] = row_note(r);
}

void gb_compare_free_cols(char **col)
{
	for (int i = 0; i < NCOL; i++)
		free(col[i]);
}

/* Shown by default: gating rows that are not unchanged, reported rows that moved. */
static int shown(const struct gb_compare_row *r, int all)
{
	if (all)
		return 1;
	if (r->gating)
		return r->verdict != GB_VERDICT_UNCHANGED;
	return r->verdict == GB_VERDICT_REGRESSION || r->verdict == GB_VERDICT_IMPROVEMENT;
}

const char *gb_compare_result_word(int code)
{
	return code == GB_EXIT_REGRESSION     ? "REGRESSION"
	       : code == GB_EXIT_INCONCLUSIVE ? "INCONCLUSIVE"
					      : "OK";
}

static void counts_line(FILE *f, const char *what, const size_t *n)
{
	fprintf(f, "%s: %zu regression%s, %zu inconclusive, %zu improvement%s, %zu unchanged, %zu missing\n",
		what, n[GB_VERDICT_REGRESSION], n[GB_VERDICT_REGRESSION] == 1 ? "" : "s",
		n[GB_VERDICT_INCONCLUSIVE], n[GB_VERDICT_IMPROVEMENT],
		n[GB_VERDICT_IMPROVEMENT] == 1 ? "" : "s", n[GB_VERDICT_UNCHANGED],
		n[GB_VERDICT_MISSING]);
}

static void side_desc(char *buf, size_t len, const struct gb_compare_side *s)
{
	char runs[48] = "";

	if (s->runs > 1)
		snprintf(runs, sizeof(runs), "%zu runs pooled; ", s->runs);
	snprintf(buf, len, "%s (%sclass %s, config %s, commit %s)", s->path, runs,
		 s->klass ? s->klass : "unknown", s->config ? s->config : "unknown",
		 s->commit ? s->commit : "unknown");
}

static void settings_line(FILE *f, const struct gb_compare *c)
{
	const struct gb_compare_opts *o = &c->opts;

	fprintf(f, "seed %llu, alpha %g after Holm over the gating rows (%s t on process medians, "
		"the %g%% interval shown), ", (unsigned long long)o->seed, o->alpha,
		o->paired ? "paired" : "unpaired", 100 * (1 - 2 * o->alpha));
	if (isnan(o->threshold))
		fprintf(f, "threshold %g%% (simulated counts %g%%)", 100 * GB_COMPARE_THRESHOLD,
			100 * GB_COMPARE_SIM_THRESHOLD);
	else
		fprintf(f, "threshold %g%%", 100 * o->threshold);
	fprintf(f, ", gating %s\n", c->gating_list ? c->gating_list : "");
}

/* "machine speed ... cpu 1.031 (n 1920/1920), ...", or 0 when no side has a probe. */
static int machine_line(FILE *f, const struct gb_compare *c, const char *lead)
{
	int any = 0;

	for (size_t i = 0; i < c->nmachine; i++) {
		const struct gb_machine_speed *m = &c->machine[i];

		if (!any)
			fprintf(f, "%smachine speed (probe time, current / baseline):", lead);
		if (isnan(m->ratio))
			fprintf(f, "%s %s unknown (probes %zu / %zu)", any ? "," : "", m->executor,
				m->n_cur, m->n_base);
		else
			fprintf(f, "%s %s %.3f", any ? "," : "", m->executor, m->ratio);
		any = 1;
	}
	if (any)
		fprintf(f, "; a diagnostic, not applied\n");
	return any;
}

/* ---- terminal ---- */

static const char *verdict_color(const struct gb_compare_row *r)
{
	switch (r->verdict) {
	case GB_VERDICT_REGRESSION: return r->gating ? "\033[1;31m" : "\033[31m";
	case GB_VERDICT_INCONCLUSIVE: return "\033[33m";
	case GB_VERDICT_IMPROVEMENT: return "\033[32m";
	case GB_VERDICT_MISSING: return "\033[35m";
	default: return "";
	}
}

void gb_compare_print(FILE *f, const struct gb_compare *c, int color, int all)
{
	size_t w[NCOL], i, nshown = 0;
	char ***cols = gb_xcalloc(c->n + 1, sizeof(*cols)), desc[1024];
	int code = gb_compare_exit(c);

	for (i = 0; i < NCOL; i++)
		w[i] = strlen(col_names[i]);
	for (i = 0; i < c->n; i++) {
		if (!shown(&c->rows[i], all))
			continue;
		cols[i] = gb_xcalloc(NCOL, sizeof(char *));
		gb_compare_row_cols(&c->rows[i], cols[i]);
		for (int k = 0; k < NCOL; k++) {
			char *e = gb_escape_msg(cols[i][k]);   /* one row a line, no terminal escapes */

			free(cols[i][k]);
			cols[i][k] = e;
			if (strlen(cols[i][k]) > w[k])
				w[k] = strlen(cols[i][k]);
		}
		nshown++;
	}
	for (int k = 0; k < 2; k++) {
		char *e;

		side_desc(desc, sizeof(desc), k ? &c->cur : &c->base);
		e = gb_escape_msg(desc);
		fprintf(f, "%s%s\n", k ? "current:  " : "baseline: ", e);
		free(e);
	}
	settings_line(f, c);
	machine_line(f, c, "");
	if (nshown) {
		fputc('\n', f);
		for (int k = 0; k < NCOL - 1; k++) {
			int right = k >= COL_BASE && k <= COL_P;

			fprintf(f, right ? "%*s  " : "%-*s  ", (int)w[k], col_names[k]);
		}
		fprintf(f, "%s\n", col_names[NCOL - 1]);
	}
	for (i = 0; i < c->n; i++) {
		if (!cols[i])
			continue;
		for (int k = 0; k < NCOL; k++) {
			const char *s = cols[i][k];
			int right = k >= COL_BASE && k <= COL_P;

			if (k == NCOL - 1) {
				fputs(s, f);
				break;
			}
			if (k == COL_VERDICT && color && *verdict_color(&c->rows[i]))
				fprintf(f, "%s%s\033[0m%*s  ", verdict_color(&c->rows[i]), s,
					(int)(w[k] - strlen(s)), "");
			else
				fprintf(f, right ? "%*s  " : "%-*s  ", (int)w[k], s);
		}
		fputc('\n', f);
		gb_compare_free_cols(cols[i]);
		free(cols[i]);
	}
	free(cols);
	fputc('\n', f);
	if (nshown < c->n)
		fprintf(f, "%zu more rows unchanged or not gating (--all lists every row)\n",
			c->n - nshown);
	if (c->reported[GB_VERDICT_REGRESSION] || c->reported[GB_VERDICT_IMPROVEMENT])
		fprintf(f, "* reported, not gating (--metric makes a metric gate)\n");
	counts_line(f, "gating", c->gating);
	counts_line(f, "reported", c->reported);
	if (c->noisy)
		fprintf(f, "%zu verdict%s coincide with a noisy side (see the note)\n", c->noisy,
			c->noisy == 1 ? "" : "s");
	if (c->by_counts)
		fprintf(f, "%zu time row%s that time left open settled by unchanged instruction counts "
			"(see the note)\n", c->by_counts, c->by_counts == 1 ? "" : "s");
	if (c->nwarn)
		fprintf(f, "%zu warning%s (on stderr)\n", c->nwarn, c->nwarn == 1 ? "" : "s");
	if (color && code)
		fprintf(f, "result: %s%s\033[0m (exit %d)\n",
			code == GB_EXIT_REGRESSION ? "\033[1;31m" : "\033[1;33m", gb_compare_result_word(code),
			code);
	else
		fprintf(f, "result: %s (exit %d)\n", gb_compare_result_word(code), code);
	if (code == GB_EXIT_OK && (c->gating[GB_VERDICT_INCONCLUSIVE] || c->gating[GB_VERDICT_MISSING]))
		fprintf(f, "inconclusive gating rows allowed (--allow-inconclusive)\n");
}

/* ---- Markdown ---- */

/* Markdown text (also a table cell). */
static void md_text(FILE *f, const char *s)
{
	char *e = gb_escape_md(s);

	fputs(e, f);
	free(e);
}

/* A code span in a table cell. */
static void md_code(FILE *f, const char *s)
{
	char *e = gb_escape_md_code(s, 1);

	fputs(e, f);
	free(e);
}

/*
 * The settings and machine-speed lines as Markdown list items: written as
 * for the terminal, then escaped line by line (executor names and the
 * gating list come from the inputs).
 */
static int md_settings(FILE *f, const struct gb_compare *c)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return gb_error("cannot format the settings: %s", strerror(errno));
	settings_line(m, c);
	machine_line(m, c, "");
	if (fclose(m) != 0) {
		free(text);
		return gb_error("cannot format the settings: %s", strerror(errno));
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		fputs("- ", f);
		md_text(f, line);
		fputc('\n', f);
	}
	free(text);
	return 0;
}

/*
 * A pull-request comment holds 65,536 characters; the Markdown stays under
 * this many bytes (a byte is at most a character) with room for the lines
 * around the tables.
 */
#define GB_MD_LIMIT 60000

static void md_table_head(FILE *f)
{
	fputs("|", f);
	for (int k = 0; k < NCOL; k++)
		fprintf(f, " %s |", col_names[k]);
	fputs("\n|", f);
	for (int k = 0; k < NCOL; k++)
		fputs(k >= COL_BASE && k <= COL_P ? "---:|" : "---|", f);
	fputc('\n', f);
}

static void md_row(FILE *f, const struct gb_compare_row *r)
{
	char *col[NCOL];

	gb_compare_row_cols(r, col);
	fputs("|", f);
	for (int k = 0; k < NCOL; k++) {
		fputc(' ', f);
		if (k == COL_CELL || k == COL_METRIC)
			md_code(f, col[k]);
		else if (k == COL_BASE || k == COL_CUR || k == COL_NOTE)
			md_text(f, col[k]);   /* units and notes come from the inputs */
		else
			fputs(col[k], f);     /* made here from numbers and verdicts */
		fputs(" |", f);
	}
	fputc('\n', f);
	gb_compare_free_cols(col);
}

/*
 * The order a reader needs: gating regressions, gating inconclusive and
 * missing rows, gating improvements, then reported metrics that moved
 * (regressions first); then, folded, the reported rows that could not be
 * judged and everything unchanged.
 */
static int md_rank(const struct gb_compare_row *r)
{
	static const int gating[GB_VERDICT_COUNT] = {
		[GB_VERDICT_REGRESSION] = 0, [GB_VERDICT_INCONCLUSIVE] = 1,
		[GB_VERDICT_MISSING] = 2, [GB_VERDICT_IMPROVEMENT] = 3, [GB_VERDICT_UNCHANGED] = 8,
	};
	static const int reported[GB_VERDICT_COUNT] = {
		[GB_VERDICT_REGRESSION] = 4, [GB_VERDICT_IMPROVEMENT] = 5,
		[GB_VERDICT_INCONCLUSIVE] = 6, [GB_VERDICT_MISSING] = 7, [GB_VERDICT_UNCHANGED] = 9,
	};

	/* 0..5 are the rows shown() shows; 6..9 go in the fold */

	return r->gating ? gating[r->verdict] : reported[r->verdict];
}

/*
 * Rows of rank lo..hi, in that order, while the document stays under
 * GB_MD_LIMIT (*used counts its bytes); returns the rows left out.
 */
static size_t md_rows(FILE *f, const struct gb_compare *c, int lo, int hi, size_t *used)
{
	size_t left = 0;

	for (int k = lo; k <= hi; k++)
		for (size_t i = 0; i < c->n; i++) {
			char *text = NULL;
			size_t len = 0;
			FILE *m;

			if (md_rank(&c->rows[i]) != k)
				continue;
			/* once one row is cut, so is every later one: the cut is a tail */
			m = left ? NULL : open_memstream(&text, &len);
			if (!m) {
				left++;
				continue;
			}
			md_row(m, &c->rows[i]);
			if (fclose(m) == 0 && *used + len < GB_MD_LIMIT) {
				fputs(text, f);
				*used += len;
			} else {
				left++;
			}
			free(text);
		}
	return left;
}

static size_t md_count(const struct gb_compare *c, int lo, int hi)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++) {
		int k = md_rank(&c->rows[i]);

		n += k >= lo && k <= hi;
	}
	return n;
}

/*
 * The Markdown for a pull-request comment: the verdict and a summary line,
 * then the rows that need reading in md_rank's order, then the unchanged
 * rows folded; whatever would pass GB_MD_LIMIT is cut and counted (every
 * row is in the JSON and JUnit outputs).
 */
static int md_document(FILE *f, const struct gb_compare *c)
{
	size_t nshown = md_count(c, 0, 5), cut, cut_gating, cut_rest = 0, used;
	long pos;
	int code = gb_compare_exit(c);
	char desc[1024];

	fprintf(f, "### gbench compare: %s\n\n", gb_compare_result_word(code));
	fprintf(f, "**%zu gating regression%s, %zu inconclusive, %zu improvement%s; %zu reported "
		"metric%s moved; %zu other row%s (unchanged, or reported without a verdict).**\n\n",
		c->gating[GB_VERDICT_REGRESSION], c->gating[GB_VERDICT_REGRESSION] == 1 ? "" : "s",
		c->gating[GB_VERDICT_INCONCLUSIVE] + c->gating[GB_VERDICT_MISSING],
		c->gating[GB_VERDICT_IMPROVEMENT], c->gating[GB_VERDICT_IMPROVEMENT] == 1 ? "" : "s",
		c->reported[GB_VERDICT_REGRESSION] + c->reported[GB_VERDICT_IMPROVEMENT],
		c->reported[GB_VERDICT_REGRESSION] + c->reported[GB_VERDICT_IMPROVEMENT] == 1 ? "" : "s",
		c->n - nshown, c->n - nshown == 1 ? "" : "s");
	for (size_t i = 0; i < c->nwarn; i++) {
		fputs("> **Warning:** ", f);
		md_text(f, c->warnings[i]);
		fputs("\n>\n", f);
	}
	if (c->nwarn)
		fputc('\n', f);
	side_desc(desc, sizeof(desc), &c->base);
	fputs("- baseline: ", f);
	md_text(f, desc);
	side_desc(desc, sizeof(desc), &c->cur);
	fputs("\n- current: ", f);
	md_text(f, desc);
	fputc('\n', f);
	if (md_settings(f, c) < 0)
		return -1;
	fputs("- ", f);
	counts_line(f, "gating", c->gating);
	fputs("- ", f);
	counts_line(f, "reported", c->reported);
	if (c->noisy)
		fprintf(f, "- %zu verdict%s coincide with a noisy side (see the note)\n", c->noisy,
			c->noisy == 1 ? "" : "s");
	if (c->by_counts)
		fprintf(f, "- %zu time row%s that time left open settled by unchanged instruction "
			"counts (see the note)\n", c->by_counts, c->by_counts == 1 ? "" : "s");
	fputc('\n', f);
	pos = ftell(f);
	used = pos > 0 ? (size_t)pos + 512 : 512;   /* 512: the closing lines */
	cut = 0;
	cut_gating = 0;
	if (nshown) {
		md_table_head(f);
		cut = md_rows(f, c, 0, 5, &used);
		if (cut) {
			/* the rows cut are the last in rank order: count the gating ones among them */
			size_t kept = nshown - cut, seen = 0;

			for (int k = 0; k <= 5; k++)
				for (size_t i = 0; i < c->n; i++)
					if (md_rank(&c->rows[i]) == k && seen++ >= kept)
						cut_gating += c->rows[i].gating;
		}
		fputs("\n`*` reported, not gating.\n\n", f);
	}
	if (nshown < c->n) {
		size_t rest = c->n - nshown;
		long before = ftell(f);

		fprintf(f, "<details><summary>%zu more rows (unchanged or not gating)</summary>\n\n", rest);
		md_table_head(f);
		if (before > 0)
			used = (size_t)before + 512;
		cut_rest = md_rows(f, c, 6, 9, &used);
		fputs("\n</details>\n", f);
	}
	if (cut || cut_rest)
		fprintf(f, "\n%zu row%s not shown (%zu gating) to keep this under a pull-request "
			"comment's size; every row is in the JSON and JUnit outputs (--json, --junit).\n",
			cut + cut_rest, cut + cut_rest == 1 ? "" : "s", cut_gating);
	return 0;
}

int gb_compare_write_markdown(const struct gb_compare *c, const char *path)
{
	struct gb_atomic a;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int rc;

	if (!m)
		return gb_error("cannot format the Markdown: %s", strerror(errno));
	rc = md_document(m, c);
	if (fclose(m) != 0 && rc == 0)
		rc = gb_error("cannot format the Markdown: %s", strerror(errno));
	if (rc < 0 || gb_atomic_open(&a, path) < 0) {
		free(text);
		return -1;
	}
	if (fwrite(text, 1, len, a.f) != len) {
		free(text);
		gb_atomic_abort(&a);
		return gb_error("cannot write '%s'", path);
	}
	free(text);
	return gb_atomic_commit(&a);
}
