/*
 * pace.c - a budgeted run held to its plan while it runs (pace.h).
 */
#include "plan/pace.h"

void gb_pace_init(struct gb_pace *p, uint64_t end_ns, double planned_s)
{
	p->end_ns = end_ns;
	p->left_s = planned_s > 0 ? planned_s : 0;
	p->cut = 0;
}

void gb_pace_pass(struct gb_pace *p, double cost_s)
{
	p->left_s -= cost_s > 0 ? cost_s : 0;
	if (p->left_s < 0)
		p->left_s = 0;
}

int gb_pace_take(struct gb_pace *p, uint64_t now_ns, double cost_s, int optional)
{
	/* when the plan would end if this slot and every one after it ran */
	double end = (double)now_ns + p->left_s * 1e9;

	gb_pace_pass(p, cost_s);
	if (!optional || !p->end_ns || end <= (double)p->end_ns)
		return 1;
	p->cut++;
	return 0;
}
