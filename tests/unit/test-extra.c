/*
 * test-extra.c - the planning of extra repetitions (run-extra.c): the
 * imprecision of a median from its distribution-free 95% interval, and
 * gb_extra_plan's counts worked out by hand: the 1/sqrt(n) rule, the cap,
 * the budget going one repetition at a time to the cell that should then be
 * least precise, and cells that never get any (precise enough, unknown, no
 * cap, no repetitions yet).
 */
#include <math.h>

#include "run.h"
#include "unit.h"

TEST(imprecision_by_hand)
{
	/* n = 10: the interval is x(2) .. x(9) (test-stats), here 2 .. 9 around 5.5 */
	double v[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	double same[] = { 4, 4, 4, 4, 4, 4, 4, 4 };

	CHECK_NEAR(gb_median_imprecision(v, 10), (9.0 - 2.0) / 2 / 5.5, 1e-12);
	CHECK_NEAR(gb_median_imprecision(same, 8), 0, 0);
	CHECK(isnan(gb_median_imprecision(v, 5)));     /* no interval under 6 values */
	v[0] = v[1] = v[2] = v[3] = v[4] = v[5] = -1;   /* median below zero: no fraction */
	CHECK(isnan(gb_median_imprecision(v, 10)));
}

TEST(one_over_sqrt_n)
{
	/* 12 repetitions at twice the target need 4x: 48, so 36 more */
	struct gb_extra_cell c = { .imprecision = 0.05, .n = 12, .cap = 100, .cost_s = 0.01 };

	CHECK_NEAR(gb_extra_plan(&c, 1, 0.025, 10), 0.36, 1e-12);
	CHECK(c.add == 36);
	/* 1.2x: ceil(12 * 1.44) - 12 = 6 */
	c.imprecision = 0.03;
	gb_extra_plan(&c, 1, 0.025, 10);
	CHECK(c.add == 6);
	/* the cap */
	c.imprecision = 0.05;
	c.cap = 8;
	gb_extra_plan(&c, 1, 0.025, 10);
	CHECK(c.add == 8);
}

TEST(never_extra)
{
	struct gb_extra_cell c[] = {
		{ .imprecision = 0.02, .n = 12, .cap = 24, .cost_s = 0.01 },   /* precise */
		{ .imprecision = NAN, .n = 12, .cap = 24, .cost_s = 0.01 },    /* unknown */
		{ .imprecision = 0.10, .n = 12, .cap = 0, .cost_s = 0.01 },    /* no cap */
		{ .imprecision = 0.10, .n = 0, .cap = 24, .cost_s = 0.01 },    /* nothing yet */
		{ .imprecision = 0.025, .n = 12, .cap = 24, .cost_s = 0.01 },  /* just there */
	};

	CHECK_NEAR(gb_extra_plan(c, 5, 0.025, 100), 0, 0);
	for (size_t i = 0; i < 5; i++)
		CHECK(c[i].add == 0);
}

TEST(worst_first_within_budget)
{
	struct gb_extra_cell c[] = {
		{ .imprecision = 0.04, .n = 10, .cap = 50, .cost_s = 0.125 },
		{ .imprecision = 0.08, .n = 10, .cap = 20, .cost_s = 0.125 },
		{ .imprecision = 0.05, .n = 10, .cap = 50, .cost_s = 0.125 },
	};

	/*
	 * 5 s buys 40: one at a time to whichever cell should then be least
	 * precise. Cell 1 alone until it is down to cell 2's 5% (16), then
	 * both, cell 0 joining below 4%: 6, 20 (its cap) and 14, worked out
	 * by hand from 0.08 sqrt(10 / 30) = 4.6% and so on.
	 */
	CHECK_NEAR(gb_extra_plan(c, 3, 0.025, 5.0), 5.0, 1e-9);
	CHECK(c[0].add == 6 && c[1].add == 20 && c[2].add == 14);
	/* a generous budget: each down to the target or its cap */
	CHECK_NEAR(gb_extra_plan(c, 3, 0.025, 1000), 66 * 0.125, 1e-9);
	CHECK(c[0].add == 16 && c[1].add == 20 && c[2].add == 30);
	/* no budget: nothing */
	CHECK_NEAR(gb_extra_plan(c, 3, 0.025, 0), 0, 0);
	CHECK(c[0].add == 0 && c[1].add == 0 && c[2].add == 0);
}

TEST(ties_alternate)
{
	struct gb_extra_cell c[] = {
		{ .imprecision = 0.05, .n = 10, .cap = 10, .cost_s = 1 },
		{ .imprecision = 0.05, .n = 10, .cap = 10, .cost_s = 1 },
	};

	gb_extra_plan(c, 2, 0.025, 12);
	CHECK(c[0].add == 6);
	CHECK(c[1].add == 6);
}

int main(void)
{
	RUN(imprecision_by_hand);
	RUN(one_over_sqrt_n);
	RUN(never_extra);
	RUN(worst_first_within_budget);
	RUN(ties_alternate);
	return unit_done();
}
