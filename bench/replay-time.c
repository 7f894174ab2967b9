/*
 * replay-time.c - where a repetition's executor time went, per op kind
 * (replay-impl.h: struct rep_time).
 *
 * Every executor call adds its time to the op kind it ran: the device's
 * time when the executor measures it (gpu_ns.<op>; they sum to gpu_ns
 * exactly, call by call), the host's time from the inputs stacked to the
 * outputs back (call_ns.<op>, what a request's latency is made of), and,
 * with calibrated host and device clocks, the host's side of the call split
 * in two: submit to device start (host_queue_ns) and device end to the
 * host's return (host_return_ns). The report places each op kind on the
 * roofline from these (bench/report/report-ops.c); compare reports them
 * without gating on them.
 */
#include "replay-impl.h"

#include <stdio.h>

void gb_replay__time_add(struct rep_time *rt, enum gb_op op, const struct gb_exec_timing *t,
			 uint64_t t0, uint64_t t1)
{
	if ((unsigned)op >= GB_OP_COUNT)
		return;
	rt->calls[op]++;
	rt->call_ns[op] += t1 > t0 ? t1 - t0 : 0;
	if (t->has_device_ns)
		rt->device_ns[op] += t->device_ns;
	if (t->has_split) {
		rt->queue_ns += t->queue_ns;
		rt->return_ns += t->return_ns;
		rt->split_calls++;
	}
}

_Static_assert(GB_OP_COUNT <= 32, "struct cell ops_present holds a bit per op kind");

uint32_t gb_replay__ops_present(const struct cell *c)
{
	const struct gb_trace *tr = &c->w->trace;
	uint32_t n = gb_replay__window(c), present = 0;

	for (uint32_t i = 0; i < n; i++)
		if ((unsigned)tr->req[i].shape.op < GB_OP_COUNT)
			present |= UINT32_C(1) << tr->req[i].shape.op;
	return present;
}

static void push_ns(struct gb_cell_result *out, const char *metric, uint64_t v)
{
	gb_metric_push(gb_cell_metric(out, metric, "ns", GB_SRC_MEASURED), (double)v);
}

void gb_replay__time_push(const struct cell *c, const struct rep_result *res)
{
	const struct rep_time *rt = &res->time;
	uint64_t calls = 0;
	char name[64];

	for (int op = 0; op < GB_OP_COUNT; op++) {
		calls += rt->calls[op];
		/* the op kinds the repetition replayed, served by the executor or not */
		if (!(c->ops_present & (UINT32_C(1) << op)) && !rt->calls[op])
			continue;
		snprintf(name, sizeof(name), "call_ns.%s", gb_op_name((enum gb_op)op));
		push_ns(c->out, name, rt->call_ns[op]);
		/* as gpu_ns: only where every call of the repetition had device time */
		if (res->has_device_ns && res->device_ns > 0) {
			snprintf(name, sizeof(name), "gpu_ns.%s", gb_op_name((enum gb_op)op));
			push_ns(c->out, name, rt->device_ns[op]);
		}
	}
	if (calls && rt->split_calls == calls) {
		push_ns(c->out, "host_queue_ns", rt->queue_ns);
		push_ns(c->out, "host_return_ns", rt->return_ns);
	}
}
