/*
 * budget.c - the time plan: each cell's share of a run's time budget, its
 * repetitions and its window of the trace (see budget.h for the rules).
 * Pure arithmetic on the calibration's estimates, so that the plan can be
 * tested without timing anything.
 */
#include "plan/budget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"

/* The smallest window a cell's minimum may be planned on: min_window, or the whole trace. */
static uint32_t smallest(const struct gb_budget_cell *c)
{
	return c->min_window < c->requests ? c->min_window : c->requests;
}

/*
 * Seconds of one whole replay at the rate a window plans: what the result
 * cache serves counts from the smallest window on; below it, a window's
 * first rows find the cache colder, and none is counted. Planned at the
 * cache's rate, the low-end config's short llm-prefill vulkan cells of
 * cache 256 took 11 of 44 rows where their cache-0 cells took 2, and
 * 2.4 times their plan (the whole trace's hits are not the first rows').
 */
static double rate(const struct gb_budget_cell *c, uint32_t window)
{
	return window < smallest(c) && c->rep_cold_s > c->rep_s ? c->rep_cold_s : c->rep_s;
}

/* Seconds a cell takes with r measured repetitions over `window` rows. */
static double cost(const struct gb_budget_cell *c, uint32_t r, uint32_t window)
{
	double f = c->requests ? gb_budget_window_part(c->cum_flops, c->row_flops, c->requests,
						       window) : 1.0;

	return c->extra_s + (rate(c, window) * f + c->fixed_s) *
			    ((double)c->untimed + (double)r * (1.0 + c->prime));
}

/*
 * The largest window in [lo, hi] (1 <= lo <= hi) on which r repetitions
 * cost at most share, or 0 when not even lo fits: a window's cost grows
 * with its rows, at one rate within [lo, hi].
 */
static uint32_t largest_window(const struct gb_budget_cell *c, uint32_t r, uint32_t lo,
			       uint32_t hi, double share)
{
	if (cost(c, r, lo) > share)
		return 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (cost(c, r, mid) <= share)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Is the cell on a window below the smallest (short there)? */
static int below_min_window(const struct gb_budget_cell *c)
{
	return c->window < smallest(c);
}

/* Plan cell c within share seconds, knowing its maximum does not fit. */
static void plan_short(struct gb_budget_cell *c, double share)
{
	double per = (c->rep_s + c->fixed_s) * (1.0 + c->prime), r;
	uint32_t minw = smallest(c);
	double w;

	/* whole replays: as many as fit after the warmups */
	r = per > 0 ? floor((share - c->extra_s - (c->rep_s + c->fixed_s) * c->untimed) / per) :
		      (double)c->max_reps;
	if (r >= c->min_reps) {
		c->reps = r < c->max_reps ? (uint32_t)r : c->max_reps;
		c->window = c->requests;
		c->why = GB_BUDGET_FIT;
		return;
	}
	/* the minimum on the largest window that fits */
	c->reps = c->min_reps;
	w = minw ? largest_window(c, c->min_reps, minw, c->requests, share) : 0;
	if (w >= 1) {
		c->window = (uint32_t)w;
		c->why = GB_BUDGET_WINDOW;
		return;
	}
	/*
	 * Not even the minimum on the smallest window: the budget holds, and
	 * the cell takes what fits, said to be short of its minimum rather
	 * than measured as if it were not: fewer repetitions on the smallest
	 * window, else one on a window smaller still (its p99 is then
	 * reported unavailable, with the reason, by the replay).
	 */
	c->window = minw;
	per = cost(c, 1, minw) - cost(c, 0, minw);
	r = per > 0 ? floor((share - cost(c, 0, minw)) / per) : 1;
	c->reps = r >= 1 ? (uint32_t)r : 1;
	/* below the smallest window: at the cold rate, at least a row */
	if (r < 1 && !c->keep_window && minw > 1) {
		w = largest_window(c, 1, 1, minw - 1, share);
		c->window = w >= 1 ? (uint32_t)w : 1;
	}
	/* a minimum of one repetition taken on a window it may take: over, not short */
	c->why = c->reps >= c->min_reps && !below_min_window(c) ? GB_BUDGET_OVER :
								   GB_BUDGET_SHORT;
}

/*
 * One window for each group: the smallest its cells took, among those on
 * the smallest window or more. A cell short on a window below it keeps
 * its own and sets none: one dear cell (a CPU device's vulkan call) may
 * afford a single row, and would drag every short cell there. A cell
 * moved to fewer rows keeps its share and takes what fits there, up to
 * its maximum (never fewer repetitions than it had: they fitted on more
 * rows).
 */
static void share_windows(struct gb_budget_cell *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t w = c[i].window;
		double per, r;

		if (!c[i].group || below_min_window(&c[i]))
			continue;
		for (size_t j = 0; j < n; j++)
			if (c[j].group == c[i].group && c[j].window < w && !below_min_window(&c[j]))
				w = c[j].window;
		if (w >= c[i].window)
			continue;
		per = cost(&c[i], 1, w) - cost(&c[i], 0, w);
		r = per > 0 ? floor((c[i].share_s - cost(&c[i], 0, w)) / per) : c[i].max_reps;
		if (r > c[i].max_reps)
			r = c[i].max_reps;
		if (r > c[i].reps)
			c[i].reps = (uint32_t)r;
		c[i].window = w;
		c[i].why = GB_BUDGET_GROUP;
		c[i].plan_s = cost(&c[i], c[i].reps, w);
	}
}

size_t gb_budget_plan(struct gb_budget_cell *c, size_t n, double budget_s)
{
	struct gb_keyed *o = gb_xcalloc(n + 1, sizeof(*o));   /* seconds at its maximum, whole trace */
	double left = budget_s > 0 ? budget_s : 0;
	size_t short_ = 0;

	for (size_t i = 0; i < n; i++) {
		if (c[i].min_reps < 1)
			c[i].min_reps = 1;
		if (c[i].max_reps < c[i].min_reps)
			c[i].min_reps = c[i].max_reps ? c[i].max_reps : 1;
		if (!c[i].max_reps)
			c[i].max_reps = c[i].min_reps;
		o[i] = (struct gb_keyed){ cost(&c[i], c[i].max_reps, c[i].requests), i };
	}
	/*
	 * Water filling: the cheapest cells first; one whose maximum fits an
	 * equal share of what is left takes it, so that what it does not
	 * need goes to the dearer ones after it.
	 */
	qsort(o, n, sizeof(*o), gb_keyed_cmp);
	for (size_t k = 0; k < n; k++) {
		struct gb_budget_cell *x = &c[o[k].i];
		double share = left / (double)(n - k);

		x->share_s = share;
		if (o[k].key <= share) {
			x->reps = x->max_reps;
			x->window = x->requests;
			x->why = GB_BUDGET_MAX;
		} else {
			plan_short(x, share);
		}
		x->plan_s = cost(x, x->reps, x->window);
		short_ += x->why == GB_BUDGET_SHORT;
		left -= x->plan_s < share ? x->plan_s : share;
		if (left < 0)
			left = 0;
	}
	free(o);
	share_windows(c, n);
	return short_;
}

const char *gb_budget_why_text(enum gb_budget_why why)
{
	switch (why) {
	case GB_BUDGET_MAX: return "its configured repetitions fit its share";
	case GB_BUDGET_FIT: return "as many repetitions as fit its share";
	case GB_BUDGET_WINDOW: return "its minimum of repetitions on a window of the trace that fits its share";
	case GB_BUDGET_SHORT: return "short of its minimum: the minimum does not fit its share even on the smallest window, so it takes the repetitions that fit there";
	case GB_BUDGET_GROUP: return "on the window of the trace that every cell of its workload replays (the smallest one of them needed), so that they measure the same rows: as many repetitions as fit its share, up to its maximum";
	case GB_BUDGET_OVER: return "over its share: its minimum of one repetition does not fit even on the smallest window (or the window it keeps), and it takes that minimum rather than none";
	}
	return "?";
}

const char *gb_budget_why_name(enum gb_budget_why why)
{
	static const char *const names[] = { "max", "fit", "window", "short", "group-window",
						     "over" };

	return (unsigned)why < GB_ARRAY_SIZE(names) ? names[why] : "?";
}

int gb_budget_parse_duration(const char *s, double *seconds)
{
	char *end;
	double v, scale = 1;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end == s)
		return -1;
	if (!strcmp(end, "m"))
		scale = 60;
	else if (!strcmp(end, "h"))
		scale = 3600;
	else if (*end && strcmp(end, "s"))
		return -1;
	v *= scale;
	if (!(v > 0) || v > 7 * 86400.0)
		return -1;
	*seconds = v;
	return 0;
}
