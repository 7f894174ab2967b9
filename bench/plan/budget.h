/*
 * budget.h - the time plan of a run with a time budget (`time_budget` in a
 * config, `--time-budget`): each cell's share of the budget, and what it
 * does with it.
 *
 * A short calibration (run.c) gives every cell an estimated cost of one
 * whole replay of its trace. The plan then shares the budget out by water
 * filling: cells whose configured maximum of repetitions costs less than
 * an equal share take it, and what they leave is shared among the others.
 * A cell that cannot afford its maximum takes as many repetitions as fit,
 * but never fewer than its statistical minimum; when even the minimum of
 * whole replays would not fit, it replays a window of its trace (the first
 * rows, never fewer than a p99 needs) that does. A cell whose minimum does
 * not fit even on the smallest window takes the repetitions that fit there,
 * or one on a window smaller still (at least one row), and is said to be
 * short of its minimum: the budget holds, and the run names the cells whose
 * statistics it could not afford.
 *
 * Cells of one group (a workload's cells, which the report's tables set
 * side by side) then replay one window: the smallest any of them took
 * that is not below the smallest window, so that they measure the same
 * rows. A cell moved to fewer rows keeps its share and takes the
 * repetitions that fit there, up to its maximum. A cell short on a window
 * below the smallest keeps its own, and moves no other (one dear cell may
 * afford a single row).
 */
#ifndef GB_BUDGET_H
#define GB_BUDGET_H

#include <stddef.h>
#include <stdint.h>

/* Why a cell got what it got. */
enum gb_budget_why {
	GB_BUDGET_MAX,      /* its configured maximum of repetitions fits its share */
	GB_BUDGET_FIT,      /* as many as fit its share, between minimum and maximum */
	GB_BUDGET_WINDOW,   /* its minimum on a window of the trace that fits */
	GB_BUDGET_SHORT,    /* short of its minimum: what fits, on the smallest window or less */
	GB_BUDGET_GROUP,    /* on the window its group's cells share, as many as fit, up to
	                     * its maximum */
	GB_BUDGET_OVER,     /* its minimum, which does not fit, on the smallest window (or
	                     * the one it keeps): over its share, not short of it */
};

struct gb_budget_cell {
	/* in */
	double rep_s;          /* estimated seconds of one replay of the whole trace */
	double rep_cold_s;     /* the same without what its result cache serves (0: rep_s):
	                        * a window below min_window is planned at this rate, as its
	                        * first rows find the cache colder than the smallest window */
	uint32_t requests;     /* rows of the trace */
	/*
	 * What a window of the first w rows costs of a whole replay
	 * (gb_budget_window_part): cum_flops[0..requests] the FLOPs of the
	 * first w rows, row_flops what a row costs besides its FLOPs, in
	 * FLOPs (the calibration's fit); NULL or NAN: w / requests.
	 */
	const double *cum_flops;
	double row_flops;
	uint32_t untimed;      /* untimed repetitions before the first measured one */
	uint32_t prime;        /* untimed repetitions right before each measured one */
	double fixed_s;        /* seconds a repetition costs whatever its window (its
	                        * set-up, noise probe, histogram) */
	double extra_s;        /* seconds it takes besides its repetitions (the accuracy
	                        * check's executor calls), whatever its window */
	uint32_t min_reps;     /* what its statistics need (the gate's minimum) */
	uint32_t max_reps;     /* the configured repetitions */
	uint32_t min_window;   /* fewest rows a repetition may replay (a p99 needs 657) */
	int keep_window;       /* never below min_window, even short: a process of a
	                        * shared run replays the window its first process
	                        * planned, so that pooled repetitions measure one thing */
	uint32_t group;        /* cells with one nonzero group (and one trace) share a
	                        * window; 0: a group of its own */
	/* out */
	uint32_t reps;         /* measured repetitions */
	uint32_t window;       /* rows each repetition replays; == requests: all */
	double share_s;        /* seconds of the budget it was given */
	double plan_s;         /* seconds its repetitions are estimated to take */
	enum gb_budget_why why;
};

/*
 * The part of a whole replay of n rows that its first w rows cost, when a
 * row costs row_flops plus its FLOPs (cum_flops[w]: the first w rows'),
 * so that a window of a trace's cheap first rows (a decode's early
 * context, a prefill's norms before its matmuls) is not planned at its
 * share of the rows; w / n without a fit (cum_flops NULL, row_flops NAN).
 */
static inline double gb_budget_window_part(const double *cum_flops, double row_flops, uint32_t n,
					   uint32_t w)
{
	double whole;

	if (w >= n || !n)
		return w ? 1.0 : 0.0;
	if (!cum_flops || !(row_flops >= 0))
		return (double)w / n;
	whole = row_flops * n + cum_flops[n];
	return whole > 0 ? (row_flops * w + cum_flops[w]) / whole : (double)w / n;
}

/*
 * Plan cells c[0..n) within budget_s seconds (> 0). Every cell gets reps
 * in [min_reps, max_reps] (in [1, min_reps) when short; min_reps is raised
 * to 1 and lowered to max_reps where needed) and a window in
 * [min(min_window, requests), requests] (in [1, requests] when short,
 * unless keep_window), one window for the cells of a group. A cell whose
 * minimum is one repetition that does not fit even on that smallest
 * window takes it anyway (GB_BUDGET_OVER): it is over its share, not
 * short of its minimum.
 * Returns the number of cells short of their minimum (GB_BUDGET_SHORT).
 */
size_t gb_budget_plan(struct gb_budget_cell *c, size_t n, double budget_s);

/*
 * A shared run (processes = N) with a budget: the first process
 * calibrates and plans each cell's window; it hands the calibration, the
 * windows and the budget's clock (CLOCK_MONOTONIC, shared by the
 * machine's processes) to each process it starts, in a file named by
 * GB_BUDGET_PLAN_ENV, and each process plans its own repetitions within
 * its share (run-timeplan.c, docs/configs.md).
 */
#define GB_BUDGET_PLAN_ENV "GBENCH_TIME_PLAN"
struct gb_run;
/* Write what the processes of r's run inherit to path (atomically); 0 or -1. */
int gb_run_timeplan_handoff(const struct gb_run *r, const char *path);

/* One line of why, for meta.json and the dry run: "fits its maximum", ... */
const char *gb_budget_why_text(enum gb_budget_why why);
/* "max", "fit", "window", "short", "group-window", "over": meta.json's short form. */
const char *gb_budget_why_name(enum gb_budget_why why);

/*
 * A duration: a number with an optional unit s, m or h ("600", "90s",
 * "10m", "1.5h"), over 0 and at most a week; 0 or -1 (no message).
 */
int gb_budget_parse_duration(const char *s, double *seconds);

#endif
