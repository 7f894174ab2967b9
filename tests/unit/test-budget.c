/*
 * test-budget.c - the time plan (budget.h): a budget that holds every
 * cell's maximum gives it; cheap cells leave what they do not need to dear
 * ones; a cell that cannot afford whole replays takes its minimum on a
 * window that fits; one that cannot even afford that on the smallest
 * window is short, within its share; the cells of a group replay one
 * window; and durations parse.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan/budget.h"
#include "plan/calibrate.h"
#include "unit.h"

static struct gb_budget_cell cell(double rep_s, uint32_t requests)
{
	return (struct gb_budget_cell){
		.rep_s = rep_s, .requests = requests, .untimed = 1, .prime = 0,
		.min_reps = 10, .max_reps = 30, .min_window = 657,
	};
}

static double total(const struct gb_budget_cell *c, size_t n)
{
	double t = 0;

	for (size_t i = 0; i < n; i++)
		t += c[i].plan_s;
	return t;
}

TEST(ample_budget_gives_the_maximum)
{
	struct gb_budget_cell c[3] = { cell(0.01, 1000), cell(0.02, 1000), cell(0.03, 1000) };

	CHECK(gb_budget_plan(c, 3, 100.0) == 0);
	for (int i = 0; i < 3; i++) {
		CHECK(c[i].reps == 30);
		CHECK(c[i].window == 1000);
		CHECK(c[i].why == GB_BUDGET_MAX);
	}
	CHECK_NEAR(c[2].plan_s, 0.03 * 31, 1e-9);
}

/* A cheap cell's unused share goes to the dear one (water filling). */
TEST(cheap_cells_leave_their_share)
{
	struct gb_budget_cell c[2] = { cell(0.001, 1000), cell(1.0, 1000) };

	CHECK(gb_budget_plan(c, 2, 20.0) == 0);
	CHECK(c[0].why == GB_BUDGET_MAX && c[0].reps == 30);
	/* 20 - 0.031 s left for the dear one: 1 warm-up + 18 measured */
	CHECK(c[1].why == GB_BUDGET_FIT);
	CHECK(c[1].reps == 18);
	CHECK(c[1].window == 1000);
	CHECK(total(c, 2) <= 20.0);
}

/* Whole replays would not fit the minimum: the minimum on a window that does. */
TEST(window_when_a_replay_does_not_fit)
{
	struct gb_budget_cell c[1] = { cell(10.0, 100000) };

	CHECK(gb_budget_plan(c, 1, 22.0) == 0);
	CHECK(c[0].why == GB_BUDGET_WINDOW);
	CHECK(c[0].reps == 10);
	CHECK(c[0].window >= 657 && c[0].window < 100000);
	/* 11 replays of the window fit 22 s: 2 s of the trace, a fifth */
	CHECK(c[0].window == 20000);
	CHECK(c[0].plan_s <= 22.0 + 1e-9);
}

/* Not even the minimum on the smallest window: short, and within the share. */
TEST(short_when_the_minimum_cannot_fit)
{
	struct gb_budget_cell c[2] = { cell(10.0, 1000), cell(0.001, 1000) };

	CHECK(gb_budget_plan(c, 2, 40.0) == 1);
	CHECK(c[0].why == GB_BUDGET_SHORT);
	CHECK(c[0].window == 657);
	CHECK(c[0].reps == 5);     /* (39.97 - 6.57) / 6.57 s */
	CHECK(c[0].plan_s <= c[0].share_s + 1e-9);
	CHECK(c[1].why == GB_BUDGET_MAX);
}

/* A trace shorter than the smallest window is replayed whole when it fits. */
TEST(short_trace_window_is_the_trace)
{
	struct gb_budget_cell c[1] = { cell(10.0, 44) };

	gb_budget_plan(c, 1, 50.0);
	CHECK(c[0].window == 44);
	CHECK(c[0].why == GB_BUDGET_SHORT);
	CHECK(c[0].reps == 4);
}

/* Not one repetition of the smallest window fits: one of a smaller window, within the share. */
TEST(the_budget_holds_below_the_smallest_window)
{
	struct gb_budget_cell c[3] = { cell(10.0, 1000), cell(10.0, 1000), cell(10.0, 1000) };

	CHECK(gb_budget_plan(c, 3, 6.0) == 3);
	for (int i = 0; i < 3; i++) {
		CHECK(c[i].why == GB_BUDGET_SHORT);
		CHECK(c[i].reps == 1);
		CHECK(c[i].window == 100);       /* 2 s for 2 replays of 10 ms a row */
	}
	CHECK(total(c, 3) <= 6.0 + 1e-9);
}

/*
 * A result cache's hits make a replay cheaper from the smallest window on;
 * below it a window's first rows find the cache colder, and the plan
 * counts none: the window is the cache-less cell's, not four times it.
 */
TEST(below_the_smallest_window_no_cache_hits_are_counted)
{
	struct gb_budget_cell c[1] = { cell(2.5, 1000) };

	c[0].rep_cold_s = 10.0;
	CHECK(gb_budget_plan(c, 1, 2.0) == 1);
	CHECK(c[0].why == GB_BUDGET_SHORT);
	CHECK(c[0].reps == 1);
	CHECK(c[0].window == 100);           /* 2 replays of 10 ms a row, not of 2.5 ms */
	CHECK(c[0].plan_s <= 2.0 + 1e-9);
	/* from the smallest window on, the hits count: the minimum on a window of 20,000 */
	c[0] = cell(10.0, 100000);
	c[0].rep_cold_s = 40.0;
	CHECK(gb_budget_plan(c, 1, 22.0) == 0);
	CHECK(c[0].why == GB_BUDGET_WINDOW);
	CHECK(c[0].window == 20000);
	/* short on the smallest window itself: its rate is the cache's */
	c[0] = cell(2.5, 1000);
	c[0].rep_cold_s = 10.0;
	CHECK(gb_budget_plan(c, 1, 3.3 * 2.5 * 0.657 + 0.01) == 1);
	CHECK(c[0].window == 657);
	CHECK(c[0].reps == 2);
}

/* What a cell takes besides its repetitions (the accuracy check) comes out of its share. */
TEST(extra_time_comes_out_of_the_share)
{
	struct gb_budget_cell c[1] = { cell(1.0, 1000) };

	c[0].extra_s = 5.0;
	CHECK(gb_budget_plan(c, 1, 20.0) == 0);
	CHECK(c[0].why == GB_BUDGET_FIT);
	CHECK(c[0].reps == 14);              /* 20 - 5 - 1 warm-up */
	CHECK_NEAR(c[0].plan_s, 20.0, 1e-9);
	c[0].extra_s = 15.0;
	c[0].min_window = 100;
	CHECK(gb_budget_plan(c, 1, 20.0) == 0);
	CHECK(c[0].why == GB_BUDGET_WINDOW);
	CHECK(c[0].window == 454);           /* 5 s for 11 replays of 1 ms a row */
	CHECK(c[0].plan_s <= 20.0 + 1e-9);
}

/*
 * A workload's cells (one group) replay the smallest window any of them
 * took, so that the tables compare the same rows; a cell moved to fewer
 * rows takes more repetitions in its share, up to its maximum; cells
 * short below the smallest window keep their own and move no other;
 * other groups keep their own.
 */
TEST(a_group_shares_one_window)
{
	struct gb_budget_cell c[5] = { cell(10.0, 100000), cell(0.5, 100000), cell(2.0, 100000),
				       cell(10000.0, 100000), cell(10.0, 100000) };
	struct gb_budget_cell alone[5];

	for (int i = 0; i < 4; i++)
		c[i].group = 1;
	c[4].group = 2;
	memcpy(alone, c, sizeof(c));
	for (int i = 0; i < 5; i++)
		alone[i].group = 0;
	CHECK(gb_budget_plan(alone, 5, 110.0) == 1);
	/* on their own: 0 whole, 2 windowed, 3 short below the smallest window */
	CHECK(alone[0].why == GB_BUDGET_WINDOW && alone[0].window == 21969);
	CHECK(alone[1].why == GB_BUDGET_MAX && alone[1].window == 100000);
	CHECK(alone[2].why == GB_BUDGET_FIT && alone[2].window == 100000);
	CHECK(alone[3].why == GB_BUDGET_SHORT && alone[3].window == 120);
	CHECK(gb_budget_plan(c, 5, 110.0) == 1);
	CHECK(c[0].window == 21969 && c[0].why == GB_BUDGET_WINDOW && c[0].reps == 10);
	for (int i = 1; i < 3; i++) {
		CHECK(c[i].window == 21969);
		CHECK(c[i].why == GB_BUDGET_GROUP);
		CHECK(c[i].reps >= alone[i].reps && c[i].reps <= 30);
		CHECK(c[i].plan_s <= c[i].share_s + 1e-9);
		CHECK_NEAR(c[i].share_s, alone[i].share_s, 1e-9);
	}
	/* 31 replays of 22% of 0.5 s fit its 22 s; 31 of 22% of 2 s its 23.6 s */
	CHECK(c[1].reps == 30 && c[2].reps == 30);
	CHECK(c[3].why == GB_BUDGET_SHORT && c[3].window == alone[3].window);
	CHECK(c[4].window == alone[4].window && c[4].why == alone[4].why);
	CHECK(total(c, 5) <= 110.0 + 1e-9);
}

/*
 * Cells short below the smallest window keep their own: one dear cell
 * that affords a single row must not drag the others there (a lavapipe
 * vulkan cell of the low-end config did, every llm-decode cell to 1 row).
 */
TEST(short_cells_of_a_group_keep_theirs)
{
	struct gb_budget_cell c[3] = { cell(10000.0, 100000), cell(5000.0, 100000),
				       cell(2500.0, 100000) };
	struct gb_budget_cell alone[3];

	memcpy(alone, c, sizeof(c));
	for (int i = 0; i < 3; i++)
		c[i].group = 7;
	CHECK(gb_budget_plan(alone, 3, 30.0) == 3);
	CHECK(gb_budget_plan(c, 3, 30.0) == 3);
	CHECK(alone[2].window > alone[1].window && alone[1].window > alone[0].window);
	for (int i = 0; i < 3; i++) {
		CHECK(c[i].why == GB_BUDGET_SHORT);
		CHECK(c[i].window == alone[i].window);
		CHECK(c[i].reps == alone[i].reps);
		CHECK(c[i].plan_s <= c[i].share_s + 1e-9);
	}
}

/*
 * A minimum of one repetition that does not fit even on the smallest
 * window (or on the window a cell keeps, as in a share of a shared run):
 * it takes that one anyway, over its share, and is not short of its
 * minimum; with a window it may shrink, it takes a smaller one instead,
 * short.
 */
TEST(one_repetition_over_the_share_is_over_not_short)
{
	struct gb_budget_cell kept[1] = { cell(10.0, 1000) }, free_[1] = { cell(10.0, 1000) };

	kept[0].min_reps = free_[0].min_reps = 1;
	kept[0].keep_window = 1;
	kept[0].min_window = 800;        /* the window it keeps, as run-timeplan.c sets it */
	CHECK(gb_budget_plan(kept, 1, 2.0) == 0);
	CHECK(kept[0].why == GB_BUDGET_OVER);
	CHECK(kept[0].reps == 1 && kept[0].window == 800);
	CHECK(kept[0].plan_s > kept[0].share_s);
	CHECK(strcmp(gb_budget_why_name(GB_BUDGET_OVER), "over") == 0);
	CHECK(gb_budget_plan(free_, 1, 2.0) == 1);
	CHECK(free_[0].why == GB_BUDGET_SHORT);
	CHECK(free_[0].reps == 1 && free_[0].window < 657);
}

TEST(min_over_max_is_clamped)
{
	struct gb_budget_cell c[1] = { cell(0.01, 1000) };

	c[0].max_reps = 3;
	gb_budget_plan(c, 1, 0.001);
	CHECK(c[0].reps <= 3 && c[0].reps >= 1);
}

/*
 * A trace whose first half costs a FLOP a row and whose second half 199
 * (or, below, 1999): with a fit of what a row costs besides its FLOPs, a
 * window of the cheap first rows is planned at its part of the FLOPs, not
 * of the rows, so it takes more of them (cum_flops, row_flops).
 */
static double *half_cheap(uint32_t n, double dear)
{
	double *cum = malloc((n + 1) * sizeof(*cum));

	cum[0] = 0;
	for (uint32_t i = 0; i < n; i++)
		cum[i + 1] = cum[i] + (i < n / 2 ? 1.0 : dear);
	return cum;
}

/* cell() with a trace's FLOPs and the fit of a row's own cost */
static struct gb_budget_cell fitted(double rep_s, uint32_t requests, const double *cum,
				    double row_flops)
{
	struct gb_budget_cell c = cell(rep_s, requests);

	c.cum_flops = cum;
	c.row_flops = row_flops;
	return c;
}

TEST(a_window_of_cheap_rows_is_planned_at_its_flops)
{
	double *cum = half_cheap(100000, 199);
	struct gb_budget_cell c[1] = { fitted(10.0, 100000, cum, NAN) };

	/* as window_when_a_replay_does_not_fit, without a fit: a fifth of the rows */
	CHECK(gb_budget_plan(c, 1, 22.0) == 0);
	CHECK(c[0].window == 20000);
	/*
	 * With one (no cost besides FLOPs): 11 replays fit 22 s on a fifth of
	 * the FLOPs, 2e6 of 1e7: the 50000 cheap rows and 9798 dear ones.
	 */
	c[0] = fitted(10.0, 100000, cum, 0);
	CHECK(gb_budget_plan(c, 1, 22.0) == 0);
	CHECK(c[0].why == GB_BUDGET_WINDOW && c[0].reps == 10);
	CHECK(c[0].window == 59798);
	CHECK(c[0].plan_s <= 22.0 + 1e-9);
	CHECK_NEAR(gb_budget_window_part(cum, 0, 100000, 59798), (50000 + 9798 * 199.0) / 1e7, 1e-12);
	/* a row's own cost of 100 FLOPs weighs the cheap rows up: fewer of them */
	c[0] = fitted(10.0, 100000, cum, 100);
	CHECK(gb_budget_plan(c, 1, 22.0) == 0);
	CHECK(c[0].window > 20000 && c[0].window < 59798);
	free(cum);

	/* below the smallest window too: 500 cheap rows of 1000 where the rows say none */
	cum = half_cheap(1000, 1999);
	c[0] = fitted(1000.0, 1000, cum, 0);
	CHECK(gb_budget_plan(c, 1, 1.0001) == 1);
	CHECK(c[0].why == GB_BUDGET_SHORT && c[0].reps == 1);
	CHECK(c[0].window == 500);
	CHECK(c[0].plan_s <= 1.0001);
	free(cum);
}

/* The calibration's fit of a row's own cost, from the windows a probe timed. */
TEST(the_fit_of_a_rows_own_cost)
{
	/* rows 1, 4, 16, 64 whose FLOPs grow faster (cheap rows first): 2 us a row + 1 ns a FLOP */
	struct gb_probe_points p = { .n = 4 };
	double rows[4] = { 1, 4, 16, 64 }, flops[4] = { 100, 10000, 400000, 8000000 };

	for (int i = 0; i < 4; i++) {
		p.rows[i] = rows[i];
		p.flops[i] = flops[i];
		p.sec[i] = 2e-6 * rows[i] + 1e-9 * flops[i];
	}
	CHECK_NEAR(gb_calibrate_row_flops(&p, 1e5), 2000.0, 1e-6);
	/* FLOPs alone: kept a thousandth of an average row above zero */
	for (int i = 0; i < 4; i++)
		p.sec[i] = 1e-9 * flops[i];
	CHECK_NEAR(gb_calibrate_row_flops(&p, 1e5), 100.0, 1e-9);
	/* rows alone, FLOPs costing nothing (or less): no fit */
	for (int i = 0; i < 4; i++)
		p.sec[i] = 1e-3 * rows[i];
	CHECK(isnan(gb_calibrate_row_flops(&p, 1e5)));
	/* one window, or FLOPs in proportion to the rows (one shape): nothing to tell apart */
	p.n = 1;
	CHECK(isnan(gb_calibrate_row_flops(&p, 1e5)));
	p.n = 4;
	for (int i = 0; i < 4; i++) {
		p.flops[i] = 1000 * rows[i];
		p.sec[i] = 2e-6 * rows[i];
	}
	CHECK(isnan(gb_calibrate_row_flops(&p, 1e5)));
}

TEST(durations)
{
	double s = 0;

	CHECK(gb_budget_parse_duration("600", &s) == 0 && s == 600);
	CHECK(gb_budget_parse_duration("90s", &s) == 0 && s == 90);
	CHECK(gb_budget_parse_duration("10m", &s) == 0 && s == 600);
	CHECK(gb_budget_parse_duration("1.5h", &s) == 0 && s == 5400);
	CHECK(gb_budget_parse_duration("0", &s) == -1);
	CHECK(gb_budget_parse_duration("-5", &s) == -1);
	CHECK(gb_budget_parse_duration("10x", &s) == -1);
	CHECK(gb_budget_parse_duration("", &s) == -1);
	CHECK(gb_budget_parse_duration("8d", &s) == -1);
	CHECK(gb_budget_parse_duration("nan", &s) == -1);
	CHECK(strcmp(gb_budget_why_name(GB_BUDGET_WINDOW), "window") == 0);
	CHECK(strcmp(gb_budget_why_name(GB_BUDGET_GROUP), "group-window") == 0);
}

int main(void)
{
	RUN(ample_budget_gives_the_maximum);
	RUN(cheap_cells_leave_their_share);
	RUN(window_when_a_replay_does_not_fit);
	RUN(short_when_the_minimum_cannot_fit);
	RUN(short_trace_window_is_the_trace);
	RUN(the_budget_holds_below_the_smallest_window);
	RUN(below_the_smallest_window_no_cache_hits_are_counted);
	RUN(extra_time_comes_out_of_the_share);
	RUN(a_group_shares_one_window);
	RUN(short_cells_of_a_group_keep_theirs);
	RUN(one_repetition_over_the_share_is_over_not_short);
	RUN(min_over_max_is_clamped);
	RUN(a_window_of_cheap_rows_is_planned_at_its_flops);
	RUN(the_fit_of_a_rows_own_cost);
	RUN(durations);
	return unit_done();
}
