/*
 * rules.c - parsing reports/rules.tsv, the facts of a cell, the ratios
 * derived from them, and judging (rules.h).
 *
 * The file is plain tab-separated text, read without a CSV library: rules
 * hold no tabs or newlines, and a wrong column count is reported with its
 * line so a hand edit cannot go unnoticed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsio.h"
#include "gbench.h"
#include "report/rules.h"

static const char *const level_names[] = { "NONE", "LOW", "MEDIUM", "HIGH" };

const char *gb_level_name(enum gb_level l)
{
	return l <= GB_LEVEL_HIGH ? level_names[l] : "?";
}

static void rule_free(struct gb_rule *r)
{
	free(r->id);
	free(r->group);
	free(r->metric);
	free(r->source);
	free(r->recommendation);
}

void gb_rules_release(struct gb_rules *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

int gb_rules_parse(struct gb_rules *rs, const char *text, const char *name)
{
	const char *p = text;
	unsigned line = 0;
	int errors = 0;

	memset(rs, 0, sizeof(*rs));
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *buf = gb_xmalloc(len + 1), *col[9], *save = NULL, *tok;
		int ncol = 0;

		memcpy(buf, p, len);
		buf[len] = 0;
		if (len && buf[len - 1] == '\r')
			buf[len - 1] = 0;
		p += len + (eol ? 1 : 0);
		line++;
		if (!buf[0] || buf[0] == '#' || strspn(buf, " \t") == strlen(buf)) {
			free(buf);
			continue;
		}
		/* strsep keeps empty fields, so an empty column is caught */
		save = buf;
		while ((tok = strsep(&save, "\t")) && ncol < 9)
			col[ncol++] = tok;
		if (ncol != 8 || tok) {
			gb_error("%s:%u: %d columns, want 8 (id group metric cmp threshold level "
				 "source recommendation)", name, line, ncol + (tok ? 1 : 0));
			errors++;
		} else {
			struct gb_rule r = { 0 };
			char *end;
			int bad = 0;

			for (int i = 0; i < 8; i++)
				if (!col[i][0]) {
					gb_error("%s:%u: column %d is empty", name, line, i + 1);
					bad = 1;
				}
			if (strcmp(col[3], ">") && strcmp(col[3], "<")) {
				gb_error("%s:%u: comparison '%s' is not > or <", name, line, col[3]);
				bad = 1;
			}
			errno = 0;
			r.threshold = strtod(col[4], &end);
			if (errno || *end || !isfinite(r.threshold)) {
				gb_error("%s:%u: threshold '%s' is not a number", name, line, col[4]);
				bad = 1;
			}
			if (!strcmp(col[5], "HIGH"))
				r.level = GB_LEVEL_HIGH;
			else if (!strcmp(col[5], "MEDIUM"))
				r.level = GB_LEVEL_MEDIUM;
			else if (!strcmp(col[5], "LOW"))
				r.level = GB_LEVEL_LOW;
			else {
				gb_error("%s:%u: level '%s' is not HIGH, MEDIUM or LOW", name, line, col[5]);
				bad = 1;
			}
			for (size_t i = 0; i < rs->n && !bad; i++)
				if (!strcmp(rs->v[i].id, col[0])) {
					gb_error("%s:%u: rule '%s' already defined on line %u", name, line,
						 col[0], rs->v[i].line);
					bad = 1;
				}
			if (bad) {
				errors++;
			} else {
				r.id = gb_xstrdup(col[0]);
				r.group = gb_xstrdup(col[1]);
				r.metric = gb_xstrdup(col[2]);
				r.cmp = col[3][0];
				r.source = gb_xstrdup(col[6]);
				r.recommendation = gb_xstrdup(col[7]);
				r.line = line;
				rs->v = gb_xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
				rs->v[rs->n++] = r;
			}
		}
		free(buf);
	}
	if (!errors && !rs->n) {
		gb_error("%s: no rules", name);
		errors++;
	}
	if (errors) {
		gb_rules_release(rs);
		return -1;
	}
	return 0;
}

int gb_rules_load(struct gb_rules *rs, const char *path)
{
	char *text = gb_read_file(path, NULL);
	int rc;

	memset(rs, 0, sizeof(*rs));
	if (!text)
		return -1;
	rc = gb_rules_parse(rs, text, path);
	free(text);
	return rc;
}

/* ---- facts ---- */

static struct gb_fact *fact_slot(struct gb_facts *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name)) {
			free(f->v[i].source);
			free(f->v[i].reason);
			f->v[i].source = f->v[i].reason = NULL;
			return &f->v[i];
		}
	f->v = gb_xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	memset(&f->v[f->n], 0, sizeof(f->v[f->n]));
	f->v[f->n].name = gb_xstrdup(name);
	return &f->v[f->n++];
}

void gb_facts_set(struct gb_facts *f, const char *name, double value, const char *source)
{
	struct gb_fact *x = fact_slot(f, name);

	x->state = GB_FACT_KNOWN;
	x->value = value;
	x->source = gb_xstrdup(source ? source : "measured");
}

void gb_facts_unknown(struct gb_facts *f, const char *name, const char *reason)
{
	struct gb_fact *x = fact_slot(f, name);

	x->state = GB_FACT_UNKNOWN;
	x->value = NAN;
	x->reason = gb_xstrdup(reason ? reason : "not measured");
}

void gb_facts_na(struct gb_facts *f, const char *name, const char *reason)
{
	struct gb_fact *x = fact_slot(f, name);

	x->state = GB_FACT_NA;
	x->value = NAN;
	x->reason = gb_xstrdup(reason ? reason : "does not apply");
}

const struct gb_fact *gb_facts_get(const struct gb_facts *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

void gb_facts_release(struct gb_facts *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].source);
		free(f->v[i].reason);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* The weaker of two sources: simulated > scaled > measured (a derived one names both). */
static const char *weaker(const char *a, const char *b)
{
	static const char *const order[] = { "simulated", "scaled", "measured" };

	for (size_t i = 0; i < GB_ARRAY_SIZE(order); i++)
		if (strstr(a, order[i]) || strstr(b, order[i]))
			return order[i];
	return a;
}

static const struct {
	const char *name, *num, *den;
} ratios[] = {
	{ "branch_miss_ratio", "branch_misses", "branches" },
	{ "l1d_miss_ratio", "l1d_misses", "l1d_loads" },
	{ "llc_miss_ratio", "llc_misses", "llc_loads" },
	{ "dtlb_miss_ratio", "dtlb_misses", "dtlb_loads" },
	{ "stalled_frontend_ratio", "stalled_cycles_frontend", "cycles" },
	{ "stalled_backend_ratio", "stalled_cycles_backend", "cycles" },
	{ "gpu_busy_ratio", "gpu_ns", "wall_ns" },
	{ "queue_share", "queue_p50_ns", "response_p50_ns" },
	{ "tail_ratio", "latency_p99_ns", "latency_p50_ns" },
	{ "ipc", "instructions", "cycles" },
};

static char *operand_reason(const struct gb_fact *x, const char *name)
{
	if (!x)
		return gb_xasprintf("%s not measured", name);
	return gb_xasprintf("%s %s", name, x->reason ? x->reason : "unavailable");
}

void gb_facts_derive(struct gb_facts *f)
{
	for (size_t i = 0; i < GB_ARRAY_SIZE(ratios); i++) {
		const struct gb_fact *n, *d;
		char *why, *src;

		if (gb_facts_get(f, ratios[i].name))
			continue;
		n = gb_facts_get(f, ratios[i].num);
		d = gb_facts_get(f, ratios[i].den);
		if (n && d && n->state == GB_FACT_KNOWN && d->state == GB_FACT_KNOWN) {
			if (d->value == 0 || !isfinite(d->value) || !isfinite(n->value)) {
				why = gb_xasprintf("%s is %g", ratios[i].den, d->value);
				gb_facts_unknown(f, ratios[i].name, why);
				free(why);
				continue;
			}
			src = gb_xasprintf("%s (%s / %s)", weaker(n->source, d->source),
					   ratios[i].num, ratios[i].den);
			gb_facts_set(f, ratios[i].name, n->value / d->value, src);
			free(src);
			continue;
		}
		/* not applicable wins: a GPU ratio on a CPU cell is no gap in the data */
		if ((n && n->state == GB_FACT_NA) || (d && d->state == GB_FACT_NA)) {
			const struct gb_fact *x = n && n->state == GB_FACT_NA ? n : d;

			gb_facts_na(f, ratios[i].name, x->reason);
			continue;
		}
		why = (!n || n->state != GB_FACT_KNOWN) ? operand_reason(n, ratios[i].num)
							: operand_reason(d, ratios[i].den);
		gb_facts_unknown(f, ratios[i].name, why);
		free(why);
	}
}

/* ---- judging ---- */

static int fires(const struct gb_rule *r, double v)
{
	return r->cmp == '>' ? v > r->threshold : v < r->threshold;
}

size_t gb_rules_apply(const struct gb_rules *rs, const struct gb_facts *f,
		      struct gb_judgement **out)
{
	struct gb_judgement *j = gb_xcalloc(rs->n ? rs->n : 1, sizeof(*j));
	size_t nj = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct gb_rule *r = &rs->v[i];
		struct gb_judgement *g = NULL;
		const struct gb_fact *x;

		for (size_t k = 0; k < nj; k++)
			if (!strcmp(j[k].group, r->group))
				g = &j[k];
		if (!g) {
			g = &j[nj++];
			g->group = r->group;
			g->rule = r;
			g->kind = GB_JUDGED_QUIET;
			g->value = NAN;
		}
		x = gb_facts_get(f, r->metric);
		if (!x || x->state != GB_FACT_KNOWN) {
			/* one unknown metric makes the group unjudged, unless it already fired */
			if (g->kind == GB_JUDGED_FIRED)
				continue;
			g->kind = x && x->state == GB_FACT_NA ? GB_JUDGED_NA : GB_JUDGED_UNKNOWN;
			g->rule = r;
			g->reason = x ? x->reason : "not measured";
			continue;
		}
		if (g->kind == GB_JUDGED_UNKNOWN || g->kind == GB_JUDGED_NA)
			continue;
		if (g->kind != GB_JUDGED_FIRED) {
			g->value = x->value;
			g->source = x->source;
		}
		if (fires(r, x->value) &&
		    (g->kind != GB_JUDGED_FIRED || r->level > g->rule->level)) {
			g->kind = GB_JUDGED_FIRED;
			g->rule = r;
			g->value = x->value;
			g->source = x->source;
		}
	}
	*out = j;
	return nj;
}

/* Metrics that are shares of a whole, shown as percentages. */
static int is_share(const char *m)
{
	static const char *const shares[] = {
		"branch_miss_ratio", "l1d_miss_ratio", "llc_miss_ratio", "dtlb_miss_ratio",
		"stalled_frontend_ratio", "stalled_backend_ratio", "gpu_busy_ratio",
		"cache_hit_rate", "queue_share", "roofline_efficiency", "wall_cv",
		"td_frontend_bound", "td_bad_speculation", "td_backend_bound", "td_memory_bound",
	};

	for (size_t i = 0; i < GB_ARRAY_SIZE(shares); i++)
		if (!strcmp(m, shares[i]))
			return 1;
	return 0;
}

char *gb_rule_format_value(const char *metric, double value)
{
	if (!isfinite(value))
		return gb_xstrdup("-");
	if (is_share(metric))
		return gb_xasprintf("%.3g%%", value * 100);
	return gb_xasprintf("%.3g", value);
}

char *gb_rule_recommendation(const struct gb_rule *r, double value)
{
	const char *at = strstr(r->recommendation, "{value}");
	char *v, *s;

	if (!at)
		return gb_xstrdup(r->recommendation);
	v = gb_rule_format_value(r->metric, value);
	s = gb_xasprintf("%.*s%s%s", (int)(at - r->recommendation), r->recommendation, v,
			 at + strlen("{value}"));
	free(v);
	return s;
}
