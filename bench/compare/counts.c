/*
 * counts.c - deterministic counts in compare: how a row of simulated
 * counts is judged (no test: exact counts against their own threshold),
 * and the cells that instruction counts settled (counts.h), from a
 * `gbench compare --json` of sim_ir rows, deciding the time rows that
 * time alone left open.
 */
#include "compare/counts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compare/compare-impl.h"
#include "gbench.h"
#include "jsonutil.h"
#include "stats-test.h"

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

/*
 * Deterministic counts (sim_ir and the other simulated metrics): one
 * valgrind process runs a cell several times, and the counts must agree
 * exactly; then a change beyond their own threshold (0.1% by default) is
 * one, with no test. Counts that differ between repetitions are flagged
 * non-deterministic; they gate only while they differ by less than half the
 * threshold, judged on the extremes of both sides.
 */
void gb_compare_judge_counts(struct gb_compare_row *r, const double *b, size_t nb,
			     const double *v, size_t nv)
{
	double bmin = b[0], bmax = b[0], cmin = v[0], cmax = v[0];

	for (size_t i = 1; i < nb; i++) {
		bmin = b[i] < bmin ? b[i] : bmin;
		bmax = b[i] > bmax ? b[i] : bmax;
	}
	for (size_t i = 1; i < nv; i++) {
		cmin = v[i] < cmin ? v[i] : cmin;
		cmax = v[i] > cmax ? v[i] : cmax;
	}
	r->med_base = gb_median(b, nb);
	r->med_cur = gb_median(v, nv);
	r->ratio = r->med_cur / r->med_base;
	r->verdict = gb_compare_worse(r, r->ratio)	   ? GB_VERDICT_REGRESSION
		     : gb_compare_better(r, r->ratio) ? GB_VERDICT_IMPROVEMENT
					   : GB_VERDICT_UNCHANGED;
	if (r->verdict != GB_VERDICT_UNCHANGED)
		r->note = gb_xasprintf("counts %+.3g%% (%.17g -> %.17g, each side's repetitions "
				       "equal), beyond the %g%% threshold of deterministic counts",
				       (r->ratio - 1) * 100, r->med_base, r->med_cur,
				       r->threshold * 100);
	if (bmin != bmax || cmin != cmax) {
		double jitter = fmax((bmax - bmin) / bmin, (cmax - cmin) / cmin);
		double lo = cmin / bmax, hi = cmax / bmin;   /* the ratio between the extremes */
		int w = gb_compare_worse(r, lo) + gb_compare_worse(r, hi), bt = gb_compare_better(r, lo) + gb_compare_better(r, hi);

		free(r->note);
		r->nondet = 1;
		if (!(bmin > 0 && cmin > 0) || !(jitter < r->threshold / 2)) {
			r->gating = 0;
			r->note = gb_xasprintf("non-deterministic: the counts differ between repetitions "
					       "(%.17g .. %.17g in the %s), not gating",
					       bmin != bmax ? bmin : cmin, bmin != bmax ? bmax : cmax,
					       bmin != bmax ? "baseline" : "current");
			return;
		}
		/*
		 * A jitter well under the threshold (200 of 1.3 M in one cell
		 * of the ci config, depending on what ran before it) still
		 * resolves it: judged on the extremes, a change is one that
		 * every pairing of the two sides' counts shows.
		 */
		r->verdict = w == 2 ? GB_VERDICT_REGRESSION : bt == 2 ? GB_VERDICT_IMPROVEMENT
			     : w + bt == 0 ? GB_VERDICT_UNCHANGED : GB_VERDICT_INCONCLUSIVE;
		r->note = gb_xasprintf("counts differ between repetitions by up to %.2g%% (%.17g .. "
				       "%.17g and %.17g .. %.17g), under half the %g%% threshold: "
				       "judged on the extremes, x%.5f .. x%.5f", jitter * 100, bmin,
				       bmax, cmin, cmax, r->threshold * 100, lo, hi);
	}
}

/* A time or its rate: what the instructions executed decide, unlike memory or page faults. */
static int is_time(const struct gb_compare_row *r)
{
	return !strcmp(r->unit, "ns") || !strcmp(r->metric, "throughput_rps");
}

/*
 * Counts first, time second (issue 16, item 2): a gating time row that time
 * alone leaves open (an interval past both edges of the band, an estimate
 * beyond it that the adjusted p does not confirm, too few processes) is
 * unchanged when the cell's instruction count gated and was unchanged.
 * Counts are exact where time is noise; a change that moves time without
 * moving a single instruction is still caught when time confirms it.
 */
void gb_compare_counts_decide(struct gb_compare *c)
{
	const struct gb_compare_opts *o = &c->opts;

	if (!o->counts_settled)
		return;
	for (size_t i = 0; i < c->n; i++) {
		struct gb_compare_row *r = &c->rows[i];
		char *n;

		if (r->verdict != GB_VERDICT_INCONCLUSIVE || r->simulated || !r->gating ||
		    isnan(r->ratio) || !is_time(r) || !o->counts_settled(o->counts_ctx, r->cell))
			continue;
		n = gb_xasprintf("instruction count unchanged (%s), which decides where time cannot: "
				 "time x%.3f, %s", o->counts_from ? o->counts_from : "--counts", r->ratio,
				 r->note ? r->note : "undecided");
		free(r->note);
		r->note = n;
		r->verdict = GB_VERDICT_UNCHANGED;
		c->by_counts++;
	}
}
