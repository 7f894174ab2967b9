/*
 * test-pace.c - a budgeted run held to its plan (plan/pace.h): on time,
 * every slot runs; behind, an optional slot is given up when it and the
 * rest of the plan would end past the plan's end, a required one never;
 * a slot given up or passed over leaves the plan's time for the others;
 * no end, nothing is given up.
 */
#include "plan/pace.h"
#include "unit.h"

#define S 1000000000ull

TEST(on_time_every_slot_runs)
{
	struct gb_pace p;

	gb_pace_init(&p, 10 * S, 10.0);
	for (int i = 0; i < 10; i++)
		CHECK(gb_pace_take(&p, (uint64_t)i * S, 1.0, 1) == 1);
	CHECK(p.cut == 0);
	CHECK_NEAR(p.left_s, 0.0, 1e-9);
}

/*
 * 3 s behind on a plan of 10 one-second slots: the optional slots give
 * way until what is left fits, the required ones run whatever the clock.
 */
TEST(behind_optional_slots_give_way)
{
	struct gb_pace p;
	uint64_t now = 4 * S;     /* the first slot took 4 s where 1 was planned */
	int ran = 0;

	gb_pace_init(&p, 10 * S, 10.0);
	CHECK(gb_pace_take(&p, 0, 1.0, 0) == 1);
	/* 9 s of plan from 4 s: ends at 13 s, past 10 s: the optional ones go */
	CHECK(gb_pace_take(&p, now, 1.0, 1) == 0);
	CHECK(gb_pace_take(&p, now, 1.0, 1) == 0);
	CHECK(gb_pace_take(&p, now, 1.0, 1) == 0);
	/* 6 s left from 4 s: on time again */
	for (int i = 0; i < 6; i++) {
		ran += gb_pace_take(&p, now, 1.0, 1);
		now += S;
	}
	CHECK(ran == 6);
	CHECK(p.cut == 3);
	/* a required slot runs past the end */
	gb_pace_init(&p, 1 * S, 1.0);
	CHECK(gb_pace_take(&p, 5 * S, 1.0, 0) == 1);
	CHECK(p.cut == 0);
}

/* A slot passed over (its cell did not run) leaves its time to the others. */
TEST(a_slot_passed_over_leaves_its_time)
{
	struct gb_pace p;

	gb_pace_init(&p, 10 * S, 12.0);
	CHECK(gb_pace_take(&p, 0, 1.0, 1) == 0);      /* 12 s of plan in 10: behind */
	gb_pace_pass(&p, 2.0);
	CHECK(gb_pace_take(&p, 0, 1.0, 1) == 1);      /* 9 s left from 0: on time */
	CHECK(p.cut == 1);
	gb_pace_pass(&p, 100.0);
	CHECK(p.left_s == 0.0);
}

/* Without an end (no time budget) nothing is given up. */
TEST(no_end_nothing_is_given_up)
{
	struct gb_pace p;

	gb_pace_init(&p, 0, 1.0);
	for (int i = 0; i < 5; i++)
		CHECK(gb_pace_take(&p, 1000 * S, 1.0, 1) == 1);
	CHECK(p.cut == 0);
}

int main(void)
{
	RUN(on_time_every_slot_runs);
	RUN(behind_optional_slots_give_way);
	RUN(a_slot_passed_over_leaves_its_time);
	RUN(no_end_nothing_is_given_up);
	return unit_done();
}
