/*
 * cost.c - what the time plan expects a cell to cost (cost.h), from its
 * calibration: its replays, at the part of them that its window and its
 * result cache leave to the executor, and its accuracy check's executor
 * calls.
 */
#include "plan/cost.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "gbench.h"
#include "mrc.h"
#include "plan/budget.h"
#include "replay.h"
#include "run/run.h"

/*
 * The share of a whole replay of workload w that the accuracy check's
 * executor calls cost (gb_cell_finish): accuracy_samples calls of each op,
 * a call of up to `batch` requests but never more than one a stream (as
 * the replay batches), top-k until 128 queries; taken as the first such
 * requests of each op in trace order, weighted by FLOPs. By requests alone
 * the low-end config's vulkan llm-prefill checks were planned at 4.4 times
 * what they took (155 s against 35 s in all): a prefill's 2 streams make
 * a call of 8 two requests, and its first rmsnorm and softmax calls cost
 * next to nothing beside its matmuls.
 */
static double accuracy_share(const struct gb_workload *w, uint32_t batch, uint32_t samples)
{
	double nop[GB_OP_COUNT] = { 0 }, mop[GB_OP_COUNT] = { 0 }, need[GB_OP_COUNT];
	double f = 0, fa = 0, reqs = 0;
	uint32_t per_call = batch < w->nstreams ? batch : w->nstreams;

	for (size_t i = 0; i < w->trace.n; i++) {
		nop[w->trace.req[i].shape.op]++;
		mop[w->trace.req[i].shape.op] += w->trace.req[i].shape.m;
	}
	for (int op = 0; op < GB_OP_COUNT; op++) {
		need[op] = (double)samples * (per_call ? per_call : 1);
		if (op == GB_OP_TOPK && mop[op] > 0 && need[op] < ceil(128.0 * nop[op] / mop[op]))
			need[op] = ceil(128.0 * nop[op] / mop[op]);
		reqs += need[op] < nop[op] ? need[op] : nop[op];
	}
	for (size_t i = 0; i < w->trace.n; i++) {
		const struct gb_shape *sh = &w->trace.req[i].shape;
		double fl = gb_shape_flops(sh);

		f += fl;
		if (need[sh->op] > 0) {
			fa += fl;
			need[sh->op]--;
		}
	}
	if (!(f > 0))
		return w->trace.n ? reqs / (double)w->trace.n : 0;
	return fa / f;
}

/*
 * The share of the first `rows` requests of workload w (all of them past
 * its length) that a cold LRU result cache of `cache` entries serves
 * without the executor, per replay in trace order (mrc.h).
 */
static double hit_share(const struct gb_workload *w, uint32_t cache, size_t rows)
{
	uint32_t *ids;
	size_t n = 0;
	struct gb_mrc m;
	double h = 0;

	if (rows > w->trace.n)
		rows = w->trace.n;
	if (!cache || !rows || !w->ncache_ids)
		return 0;
	ids = gb_xmalloc((rows + 1) * sizeof(*ids));
	for (size_t i = 0; i < rows; i++)
		if (w->cache_id[i] != UINT32_MAX)
			ids[n++] = w->cache_id[i];
	if (gb_mrc_compute(&m, ids, n, w->ncache_ids) == 0) {
		h = (double)gb_mrc_hits(&m, cache) / (double)rows;
		gb_mrc_release(&m);
	}
	free(ids);
	return h;
}

/* Workload w's cumulative FLOPs (run.h), or NULL before the time plan built them. */
static const double *cum_flops(const struct gb_run *r, size_t w)
{
	return r->cum_flops ? r->cum_flops[w] : NULL;
}

/*
 * A call's own cost over a request's, from two probes of one workload,
 * executor and quant at batch sizes whose whole replays make c1 and c2
 * calls of the same n requests and took t1 and t2 seconds: each call
 * costs a and each request b, t = a * calls + b * n. 0 where the two do
 * not tell a from b (as many calls, a probe missing) or say a call costs
 * less than nothing (the larger batch slower: noise, or a probe derived
 * from the dearest, calibrate.c).
 */
static double call_over_request(double t1, uint64_t c1, double t2, uint64_t c2, uint64_t n)
{
	double a, b;

	if (c1 == c2 || !n || !isfinite(t1) || !isfinite(t2) || !(t1 > 0) || !(t2 > 0))
		return 0;
	a = (t1 - t2) / ((double)c1 - (double)c2);
	if (!(a > 0))
		return 0;
	b = (t1 - a * (double)c1) / (double)n;
	if (!(b > 0))
		return INFINITY;   /* the calls are all of it */
	return a / b;
}

double gb_run_cache_part(const struct gb_run *r, size_t i, size_t rows)
{
	const struct gb_run_cell *cl = &r->cells[i], *other = NULL;
	const struct gb_workload *w = &r->wl[cl->workload];
	struct gb_replay_count cached, cold, whole, whole_other;
	double ratio = 0, part;

	if (!cl->cache || !w->ncache_ids)
		return 1.0;
	if (r->cfg->mode != GB_MODE_CLOSED)
		return 1.0 - hit_share(w, cl->cache, rows);
	gb_replay_count(w, cl->batch, cl->cache, rows, &cached);
	gb_replay_count(w, cl->batch, 0, rows, &cold);
	if (!cold.requests)
		return 1.0;
	/* the probe of this workload, executor and quant at the smallest other batch size */
	for (size_t j = 0; j < r->ncells; j++) {
		const struct gb_run_cell *o = &r->cells[j];

		if (o->workload == cl->workload && o->exec == cl->exec && o->quant == cl->quant &&
		    o->batch != cl->batch && (!other || o->batch < other->batch))
			other = o;
	}
	if (other) {
		gb_replay_count(w, cl->batch, 0, SIZE_MAX, &whole);
		gb_replay_count(w, other->batch, 0, SIZE_MAX, &whole_other);
		ratio = call_over_request(cl->rep_s, whole.calls, other->rep_s, whole_other.calls,
					  whole.requests);
	}
	part = isinf(ratio) ? (double)cached.calls / (double)cold.calls :
	       (ratio * (double)cached.calls + (double)cached.requests) /
	       (ratio * (double)cold.calls + (double)cold.requests);
	/* and what its hits and puts copy, over what those rows cost at cache 0 */
	if (cached.copied && r->copy_bps > 0 && isfinite(cl->rep_s) && cl->rep_s > 0) {
		double t0 = cl->rep_s * gb_budget_window_part(cum_flops(r, cl->workload),
							       cl->rep_row_flops,
							       (uint32_t)w->trace.n,
							       (uint32_t)(rows < w->trace.n ? rows :
									  w->trace.n));

		if (t0 > 0)
			part += (double)cached.copied * 4.0 / r->copy_bps / t0;
	}
	return part;
}

/*
 * Seconds cell i is estimated to take without a budget, in all the run's
 * processes: its untimed and measured repetitions (the first process's
 * warm-ups, which include one for the accuracy check, and each other
 * process's own), each at the calibrated cost less what its result cache
 * saves over the rows it replays, and the accuracy check's executor calls.
 */
double gb_run_cell_estimate(const struct gb_run *r, size_t i)
{
	const struct gb_run_cell *cl = &r->cells[i];
	uint32_t np = r->opts->spawn ? r->opts->nprocess : 1;
	const char *ex = r->ex[cl->exec].name;
	uint32_t reps = np > 1 ? gb_per_exec_get(&r->cfg->repetitions, ex) : cl->reps;
	uint32_t n = (uint32_t)r->wl[cl->workload].trace.n;
	double untimed = (double)cl->warmup + (double)(np - 1) * gb_per_exec_get(&r->cfg->warmup, ex);
	double f = 1.0;

	if (!r->ex[cl->exec].ok || !isfinite(cl->rep_s))
		return 0;
	if (cl->window && cl->window < n)
		f = gb_budget_window_part(cum_flops(r, cl->workload), cl->rep_row_flops, n,
					  cl->window);
	f *= gb_run_cache_part(r, i, cl->window ? cl->window : SIZE_MAX);
	return gb_run_accuracy_s(r, i) +
	       (cl->rep_s * f + cl->rep_fixed_s) * (untimed + reps * (1.0 + cl->prime));
}

double *gb_run_cum_flops(const struct gb_workload *w)
{
	double *cum = gb_xmalloc((w->trace.n + 1) * sizeof(*cum));

	cum[0] = 0;
	for (size_t i = 0; i < w->trace.n; i++)
		cum[i + 1] = cum[i] + gb_shape_flops(&w->trace.req[i].shape);
	return cum;
}

double gb_run_accuracy_s(const struct gb_run *r, size_t i)
{
	const struct gb_run_cell *cl = &r->cells[i];
	double rep_s = isfinite(cl->rep_s) && r->ex[cl->exec].ok ? cl->rep_s : 0, ref = rep_s;
	double n = (double)r->wl[cl->workload].trace.n;

	if (!r->cfg->accuracy_samples || !gb_run_checks_accuracy(r) || !(n > 0) || !(rep_s > 0))
		return 0;
	for (size_t j = 0; j < r->ncells && cl->exec != r->cpu; j++)
		if (r->cells[j].exec == r->cpu && r->cells[j].workload == cl->workload &&
		    r->cells[j].batch == cl->batch && r->cells[j].quant == cl->quant &&
		    isfinite(r->cells[j].rep_s))
			ref = r->cells[j].rep_s;
	return (rep_s + (cl->exec != r->cpu ? ref : 0)) *
	       accuracy_share(&r->wl[cl->workload], cl->batch, r->cfg->accuracy_samples);
}
