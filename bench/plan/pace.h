/*
 * pace.h - a budgeted run held to its plan while it runs. The plan
 * (budget.h) rests on a calibration that can be low: a busy machine, a
 * trace whose later rows cost more than its first, a cell slower in the
 * run's order than alone. The measured repetitions a cell takes past its
 * minimum are the plan's to give up: whenever the clock says that running
 * the next one and the rest of the plan would end past the plan's end,
 * that one is given up, so that the run ends near its budget rather than
 * past it by the calibration's error. A cell's minimum is never given up.
 * Pure arithmetic on the clock it is handed.
 */
#ifndef GB_PACE_H
#define GB_PACE_H

#include <stddef.h>
#include <stdint.h>

struct gb_pace {
	uint64_t end_ns;    /* when the repetitions should be done; 0: no plan, none given up */
	double left_s;      /* the plan's seconds for the slots not reached yet */
	size_t cut;         /* slots given up */
};

/* A pace for slots the plan expects to take planned_s in all, done by end_ns (0: none). */
void gb_pace_init(struct gb_pace *p, uint64_t end_ns, double planned_s);

/*
 * The slot the plan expects to take cost_s is reached at now_ns: 1 to run
 * it, 0 to give it up, which only an optional one is, and only when it
 * and the slots after it would end past end_ns.
 */
int gb_pace_take(struct gb_pace *p, uint64_t now_ns, double cost_s, int optional);

/* The slot of cost_s is passed over for another reason (its cell could not run, its prime was given up). */
void gb_pace_pass(struct gb_pace *p, double cost_s);

#endif
