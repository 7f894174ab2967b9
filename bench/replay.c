/*
 * replay.c - the closed-loop replay of one cell (see replay.h); workloads
 * are made ready in replay-workload.c, accuracy is checked in
 * replay-accuracy.c.
 *
 * The timed loop does only what a server would: pick the oldest request at
 * a stream head, serve it from the result cache or gather compatible heads
 * into one batch, stack their inputs, run the executor and hand the outputs
 * back. Inputs are generated before any timing; accuracy is checked after.
 */
#include "replay.h"
#include "replay-impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "inject.h"
#include "lru.h"
#include "noise.h"
#include "../profilers/callgrind.h"
#include "../profilers/counters.h"

volatile sig_atomic_t gb_interrupted;
struct gb_replay_events gb_replay_events;

/* ---- one cell ---- */

/* The buffers every cell shares (struct replay_scratch): this file owns them. */
static struct replay_scratch scratch;

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	*cap = need;
	return gb_xrealloc(p, need * elem);
}

/*
 * Room for the largest batch of w: a batch takes at most one request per
 * stream, so a batch size beyond the streams needs no more (sized by the
 * batch alone, --batch 1000000 asked for 62 GB that no call could use).
 * memplan.c plans the same sizes.
 */
void gb_replay__scratch_reserve(const struct gb_workload *w, uint32_t batch)
{
	size_t xc = scratch.x_cap, yc = scratch.y_cap, ic = scratch.idx_cap;
	size_t b = batch < w->nstreams ? batch : w->nstreams;

	scratch.x = grow(scratch.x, &scratch.x_cap, b * w->max_in, sizeof(float));
	scratch.y = grow(scratch.y, &scratch.y_cap, b * w->max_out, sizeof(float));
	scratch.yref = grow(scratch.yref, &yc, b * w->max_out, sizeof(float));
	scratch.idx = grow(scratch.idx, &scratch.idx_cap, b * w->max_p + 1, sizeof(uint32_t));
	scratch.idxref = grow(scratch.idxref, &ic, b * w->max_p + 1, sizeof(uint32_t));
	(void)xc;
}

void gb_replay_scratch_release(void)
{
	free(scratch.x);
	free(scratch.y);
	free(scratch.yref);
	free(scratch.idx);
	free(scratch.idxref);
	if (scratch.lru_ready)
		gb_lru_release(&scratch.lru);
	if (scratch.hist_ready)
		gb_hist_release(&scratch.rep_hist);
	gb_replay__open_release();
	memset(&scratch, 0, sizeof(scratch));
}

static size_t per_row(size_t (*fn)(const struct gb_shape *), const struct gb_shape *s)
{
	struct gb_shape one = *s;

	one.m = 1;
	return fn(&one);
}

/* Is request b older than a at the head of their streams (arrival, then stream)? */
static int older(const struct gb_request *b, const struct gb_request *a)
{
	return b->arrival_ns < a->arrival_ns ||
	       (b->arrival_ns == a->arrival_ns && b->stream < a->stream);
}

static int compatible(const struct gb_workload *w, uint32_t a, uint32_t b)
{
	const struct gb_shape *x = &w->trace.req[a].shape, *y = &w->trace.req[b].shape;

	return x->op == y->op && x->n == y->n && x->k == y->k && x->p == y->p &&
	       w->tensor_of[a] == w->tensor_of[b];
}

/*
 * Sort the streams whose head has arrived (request index < limit: requests
 * are in arrival order) by the age of their head into c->order; returns how
 * many there are. Insertion sort: streams are few.
 */
uint32_t gb_replay__heads(struct cell *c, uint32_t limit)
{
	const struct gb_workload *w = c->w;
	uint32_t n = 0;

	for (uint32_t s = 0; s < w->nstreams; s++) {
		const struct gb_request *r;
		uint32_t j;

		if (c->heads[s] >= w->stream_len[s] || w->stream_req[s][c->heads[s]] >= limit)
			continue;
		r = &w->trace.req[w->stream_req[s][c->heads[s]]];
		for (j = n; j > 0; j--) {
			uint32_t o = c->order[j - 1];
			const struct gb_request *q = &w->trace.req[w->stream_req[o][c->heads[o]]];

			if (!older(r, q))
				break;
			c->order[j] = o;
		}
		c->order[j] = s;
		n++;
	}
	return n;
}

/*
 * The next batch: the oldest head plus up to batch-1 compatible heads of
 * other streams, oldest first, skipping heads `cache` will serve (NULL:
 * none). Fills c->members and returns their number (0 when the trace is
 * done).
 */
uint32_t gb_replay__batch(struct cell *c, const struct gb_lru *cache, uint32_t limit)
{
	const struct gb_workload *w = c->w;
	uint32_t nheads = gb_replay__heads(c, limit), nm = 0, first;

	if (!nheads)
		return 0;
	first = w->stream_req[c->order[0]][c->heads[c->order[0]]];
	c->members[nm++] = first;
	for (uint32_t i = 1; i < nheads && nm < c->spec.batch; i++) {
		uint32_t s = c->order[i], r = w->stream_req[s][c->heads[s]];

		if (!compatible(w, first, r))
			continue;
		if (cache && w->cache_id[r] != GB_REPLAY_NONE && gb_lru_contains(cache, w->cache_id[r]))
			continue;
		c->members[nm++] = r;
	}
	return nm;
}

void gb_replay__stack_inputs(struct cell *c, uint32_t nm, struct gb_exec_call *call)
{
	const struct gb_workload *w = c->w;
	size_t off = 0;

	call->shape = w->trace.req[c->members[0]].shape;
	call->shape.m = 0;
	for (uint32_t i = 0; i < nm; i++) {
		uint32_t r = c->members[i];
		size_t n = gb_shape_in_floats(&w->trace.req[r].shape);

		memcpy(scratch.x + off, w->inputs[w->input_of[r]], n * sizeof(float));
		off += n;
		call->shape.m += w->trace.req[r].shape.m;
	}
	call->quant = c->spec.quant;
	call->x = scratch.x;
	call->y = scratch.y;
	call->idx = call->shape.op == GB_OP_TOPK ? scratch.idx : NULL;
	call->weights = w->tensor_of[c->members[0]] == GB_REPLAY_NONE ? NULL
			: c->handles[w->tensor_of[c->members[0]]];
}

/*
 * Run a call; when the device is out of memory, split its rows in halves
 * and retry, and below one row fall back to the CPU executor.
 */
int gb_replay__exec_call(struct cell *c, const struct gb_exec_call *call, struct gb_exec_timing *t)
{
	struct gb_exec_call half;
	struct gb_exec_timing t2 = { 0 };
	size_t in_row, out_row;
	uint32_t m1;
	int rc = c->ex->iface->run(c->ex, call, t);

	if (rc != GB_EXEC_ENOMEM)
		return rc;
	if (call->shape.m <= 1) {
		struct gb_exec_call cc = *call;
		uint32_t tix = c->w->tensor_of[c->members[0]];

		gb_replay_events.cpu_fallbacks++;
		c->cpu_fallbacks++;
		cc.weights = tix == GB_REPLAY_NONE ? NULL : c->cpu_handles[tix];
		t->has_device_ns = t->has_split = 0;
		return c->cpu->iface->run(c->cpu, &cc, t);
	}
	gb_replay_events.enomem_splits++;
	in_row = per_row(gb_shape_in_floats, &call->shape);
	out_row = per_row(gb_shape_out_floats, &call->shape);
	m1 = call->shape.m / 2;
	half = *call;
	half.shape.m = m1;
	rc = gb_replay__exec_call(c, &half, t);
	if (rc)
		return rc;
	half.shape.m = call->shape.m - m1;
	half.x = call->x + in_row * m1;
	half.y = call->y + out_row * m1;
	if (call->idx)
		half.idx = call->idx + (size_t)call->shape.p * m1;
	rc = gb_replay__exec_call(c, &half, &t2);
	t->device_ns += t2.device_ns;
	t->has_device_ns = t->has_device_ns && t2.has_device_ns;
	t->queue_ns += t2.queue_ns;
	t->return_ns += t2.return_ns;
	t->has_split = t->has_split && t2.has_split;
	return rc;
}

int gb_replay__exec_status(int rc)
{
	if (rc == GB_EXEC_ELOST)
		return GB_REPLAY_DEVICE_LOST;
	return rc ? GB_REPLAY_FAILED : GB_REPLAY_OK;
}

const struct gb_lru *gb_replay__cache(const struct cell *c)
{
	return c->spec.cache > 0 ? &scratch.lru : NULL;
}

void gb_replay__begin(struct cell *c, struct rep_result *res)
{
	struct gb_workload *w = c->w;

	memset(res, 0, sizeof(*res));
	res->has_device_ns = 1;
	memset(c->heads, 0, w->nstreams * sizeof(*c->heads));
	gb_replay__scratch_reserve(w, c->spec.batch);
	if (!scratch.lru_ready) {
		gb_lru_init(&scratch.lru, c->spec.cache, w->ncache_ids);
		scratch.lru_ready = 1;
	}
	gb_lru_resize(&scratch.lru, c->spec.cache, w->ncache_ids);
	if (c->batch_sizes)
		memset(c->batch_sizes, 0, (c->spec.batch + 1) * sizeof(*c->batch_sizes));
}

int gb_replay__hit(struct cell *c, uint32_t r, struct rep_result *res)
{
	struct gb_workload *w = c->w;
	const struct gb_lru_entry *e;
	uint32_t cid = w->cache_id[r];

	if (!c->spec.cache || cid == GB_REPLAY_NONE)
		return 0;
	e = gb_lru_get(&scratch.lru, cid);
	if (!e)
		return 0;
	memcpy(scratch.y, e->out, e->out_n * sizeof(float));
	if (e->idx_n)
		memcpy(scratch.idx, e->idx, e->idx_n * sizeof(uint32_t));
	c->heads[w->stream_of[r]]++;
	res->requests++;
	res->lookups++;
	res->hits++;
	return 1;
}

int gb_replay__run(struct cell *c, uint32_t nm, struct rep_result *res, uint64_t *t0,
		   uint64_t *t1)
{
	struct gb_workload *w = c->w;
	struct gb_exec_call call;
	struct gb_exec_timing t = { 0 };
	size_t off = 0, ioff = 0;
	int rc;

	*t0 = gb_now_ns();
	gb_replay__stack_inputs(c, nm, &call);
	rc = gb_replay__exec_call(c, &call, &t);
	*t1 = gb_now_ns();
	if (rc)
		return gb_replay__exec_status(rc);
	if (t.has_device_ns)
		res->device_ns += t.device_ns;
	else
		res->has_device_ns = 0;
	gb_replay__time_add(&res->time, call.shape.op, &t, *t0, *t1);
	for (uint32_t i = 0; i < nm; i++) {
		const struct gb_request *q = &w->trace.req[c->members[i]];
		size_t n = gb_shape_out_floats(&q->shape);
		size_t ni = q->shape.op == GB_OP_TOPK ? (size_t)q->shape.m * q->shape.p : 0;

		if (c->spec.cache && w->cache_id[c->members[i]] != GB_REPLAY_NONE) {
			res->lookups++;
			gb_lru_put(&scratch.lru, w->cache_id[c->members[i]], scratch.y + off, n,
				   ni ? scratch.idx + ioff : NULL, ni);
		}
		off += n;
		ioff += ni;
		c->heads[w->stream_of[c->members[i]]]++;
	}
	res->requests += nm;
	res->batches++;
	if (c->batch_sizes)
		c->batch_sizes[nm]++;
	return GB_REPLAY_OK;
}

/* Closed loop: batches back to back; a request's latency is its batch's dispatch to completion. */
static int replay_closed(struct cell *c, struct rep_result *res)
{
	struct gb_workload *w = c->w;
	uint32_t n = gb_replay__window(c);
	uint64_t t_start, t0, t1;

	gb_replay__begin(c, res);
	t_start = gb_now_ns();
	for (;;) {
		uint32_t nm, r;
		int rc;

		if (gb_interrupted)
			return GB_REPLAY_INTERRUPTED;
		if (!gb_replay__heads(c, n))
			break;
		r = w->stream_req[c->order[0]][c->heads[c->order[0]]];
		t0 = gb_now_ns();
		if (gb_replay__hit(c, r, res)) {
			gb_hist_record(&scratch.rep_hist, gb_now_ns() - t0);
			continue;
		}
		nm = gb_replay__batch(c, gb_replay__cache(c), n);
		rc = gb_replay__run(c, nm, res, &t0, &t1);
		if (rc)
			return rc;
		for (uint32_t i = 0; i < nm; i++)
			gb_hist_record(&scratch.rep_hist, t1 - t0);
	}
	res->wall_ns = gb_now_ns() - t_start;
	return GB_REPLAY_OK;
}

/* ---- resident weights: one upload per (executor, tensor, quant) ---- */

struct gb_resident {
	struct gb_executor *ex;
	uint32_t tensor;
	enum gb_quant quant;
	void *handle;
};

static int resident(struct gb_workload *w, struct gb_executor *ex, uint32_t t,
		    enum gb_quant q, void **handle)
{
	const struct gb_weights *wt;
	int rc;

	for (size_t i = 0; i < w->nresident; i++)
		if (w->resident[i].ex == ex && w->resident[i].tensor == t &&
		    w->resident[i].quant == q) {
			*handle = w->resident[i].handle;
			return 0;
		}
	wt = gb_replay__workload_weights(w, t, q);
	if (!wt)
		return GB_REPLAY_FAILED;
	rc = ex->iface->weights_upload(ex, wt, handle);
	if (rc == GB_EXEC_ENOMEM)
		return GB_REPLAY_NO_MEMORY;
	if (rc)
		return gb_replay__exec_status(rc);
	w->resident = gb_xrealloc(w->resident, (w->nresident + 1) * sizeof(*w->resident));
	w->resident[w->nresident++] = (struct gb_resident){ ex, t, q, *handle };
	return 0;
}

void gb_workload_unload(struct gb_workload *w)
{
	for (size_t i = 0; i < w->nresident; i++) {
		struct gb_executor *ex = w->resident[i].ex;

		if (ex->iface && ex->iface->weights_free)
			ex->iface->weights_free(ex, w->resident[i].handle);
	}
	free(w->resident);
	w->resident = NULL;
	w->nresident = 0;
}

/* ---- the cell ---- */

static void push(struct gb_cell_result *out, const char *metric, const char *unit, double v)
{
	gb_metric_push(gb_cell_metric(out, metric, unit, GB_SRC_MEASURED), v);
}

/*
 * The fewest samples that can bound percentile pct at all: MLPerf
 * LoadGen's early-stopping idea with no overflow allowed, n such that
 * (pct/100)^n <= 0.00135 (a one-sided 3-sigma level): p50 10, p90 63,
 * p99 658, p99.9 6,604 (LoadGen quotes about 662 and 6,636 with its
 * tolerance). Max needs one.
 */
uint64_t gb_percentile_min_samples(double pct)
{
	if (pct >= 100.0)
		return 1;
	return (uint64_t)ceil(log(0.00135) / log(pct / 100.0) - 1e-9);
}

static void push_percentile(struct gb_cell_result *out, const char *metric,
			    const struct gb_hist *h, double pct)
{
	struct gb_metric *m = gb_cell_metric(out, metric, "ns", GB_SRC_MEASURED);
	uint64_t need = gb_percentile_min_samples(pct);

	if (h->total < need) {
		char *why = gb_xasprintf("p%g needs at least %llu requests per repetition "
					 "(LoadGen early-stopping bound), got %llu",
					 pct, (unsigned long long)need,
					 (unsigned long long)h->total);

		gb_metric_unavailable(m, why);
		free(why);
		return;
	}
	if (m->source != GB_SRC_UNAVAILABLE)
		gb_metric_push(m, gb_hist_hd_percentile(h, pct));
}

int gb_cell_open(struct gb_cell **out, struct gb_workload *w, struct gb_executor *ex,
		 struct gb_executor *cpu, const struct gb_cell_spec *spec,
		 struct gb_cell_result *res)
{
	struct cell *c;
	int rc = 0;

	/* run.c bounds batch where it is parsed: here batch + 1 cannot wrap */
	*out = NULL;
	if (spec->batch == 0 || spec->batch > GB_MAX_BATCH) {
		gb_error("batch %u is not from 1 to %u", spec->batch, GB_MAX_BATCH);
		return GB_REPLAY_FAILED;
	}
	gb_workload_generate(w);
	c = gb_xcalloc(1, sizeof(*c));
	c->w = w;
	c->ex = ex;
	c->cpu = cpu;
	c->spec = *spec;
	c->out = res;
	c->ops_present = gb_replay__ops_present(c);
	c->handles = gb_xcalloc(w->ntensors + 1, sizeof(void *));
	c->cpu_handles = gb_xcalloc(w->ntensors + 1, sizeof(void *));
	c->heads = gb_xcalloc(w->nstreams, sizeof(uint32_t));
	c->members = gb_xmalloc(spec->batch * sizeof(uint32_t));
	c->order = gb_xmalloc(w->nstreams * sizeof(uint32_t));
	c->batch_sizes = gb_xcalloc(spec->batch + 1, sizeof(uint64_t));
	*out = (struct gb_cell *)c;
	if (!scratch.hist_ready && gb_hist_init(&scratch.rep_hist) == 0)
		scratch.hist_ready = 1;
	if (!scratch.hist_ready || gb_hist_init(&res->hist) < 0)
		return c->status = GB_REPLAY_FAILED;
	res->has_hist = 1;
	for (uint32_t t = 0; t < w->ntensors && !rc; t++) {
		rc = resident(w, ex, t, spec->quant, &c->handles[t]);
		if (!rc)
			rc = resident(w, cpu, t, spec->quant, &c->cpu_handles[t]);
	}
	return c->status = rc;
}

static void push_percentiles(struct gb_cell_result *out, const char *kind,
			     const struct gb_hist *h, int with_p999)
{
	static const double pcts[] = { 50.0, 90.0, 99.0, 99.9, 100.0 };
	static const char *const names[] = { "p50", "p90", "p99", "p999", "max" };

	for (size_t i = 0; i < 5; i++) {
		char metric[64];

		if (i == 3 && !with_p999)
			continue;
		snprintf(metric, sizeof(metric), "%s_%s_ns", kind, names[i]);
		push_percentile(out, metric, h, pcts[i]);
	}
}

/* The counters and the noise around one measured repetition, as metrics. */
static void push_counters(struct cell *c, const struct gb_noise_sample *ns)
{
	struct gb_cell_result *out = c->out;
	struct gb_counter v[GB_CM_COUNT];
	size_t n = 0;

	if (c->spec.counters)
		n = gb_counters_read(c->spec.counters, v, GB_ARRAY_SIZE(v));
	for (size_t i = 0; i < n && i < GB_ARRAY_SIZE(v); i++) {
		struct gb_metric *m = gb_cell_metric(out, v[i].metric, v[i].unit, v[i].source);

		if (v[i].source == GB_SRC_UNAVAILABLE) {
			if (!m->reason)
				gb_metric_unavailable(m, v[i].reason);
			continue;
		}
		if (m->source == GB_SRC_UNAVAILABLE)
			continue;
		/* multiplexed in any repetition: the metric is scaled, its share kept */
		if (v[i].source == GB_SRC_SCALED)
			m->source = GB_SRC_SCALED;
		/* NAN: no value this repetition (a counter that never ran) */
		gb_metric_push(m, v[i].value);
		if (m->source == GB_SRC_SCALED) {
			char name[64];

			snprintf(name, sizeof(name), "%s_running_share", v[i].metric);
			gb_metric_push(gb_cell_metric(out, name, "ratio", GB_SRC_MEASURED),
				       v[i].running_share);
		}
	}
	push(out, "noise_steal_ns", "ns", ns->steal_ns);
	push(out, "noise_ctx_invol", "count", ns->ctx_invol);
	push(out, "noise_probe_ns", "ns", ns->probe_ns);
	if (ns->has_freq)
		push(out, "noise_cpu_mhz", "MHz", ns->cpu_mhz);
	else
		gb_metric_unavailable(gb_cell_metric(out, "noise_cpu_mhz", "MHz", GB_SRC_MEASURED),
				      "no readable CPU frequency (cpufreq or /proc/cpuinfo)");
}

uint32_t gb_replay__window(const struct cell *c)
{
	uint32_t n = (uint32_t)c->w->trace.n;

	return c->spec.window && c->spec.window < n ? c->spec.window : n;
}

void gb_cell_set_window(struct gb_cell *cell, uint32_t n)
{
	struct cell *c = (struct cell *)cell;

	c->spec.window = n;
	c->ops_present = gb_replay__ops_present(c);
}

int gb_cell_rep(struct gb_cell *cell, int measured)
{
	struct cell *c = (struct cell *)cell;
	struct gb_cell_result *out = c->out;
	struct rep_result res;
	struct gb_noise noise;
	struct gb_noise_sample ns;
	int rc;

	if (c->status)
		return c->status;
	if (gb_inject_spec()) {
		/* only a cell injection applies to runs through the hook (inject.h) */
		int on = gb_inject_applies(out->id, c->ops_present);

		gb_executor_inject(c->ex, on);
		gb_executor_inject(c->cpu, on);
	}
	gb_hist_reset(&scratch.rep_hist);
	if (measured) {
		/* outermost the noise probe, innermost the callgrind toggle */
		gb_noise_begin(&noise);
		if (c->spec.counters)
			gb_counters_start(c->spec.counters);
		gb_callgrind_rep_begin(out->id);
	}
	if (c->spec.mode == GB_MODE_CLOSED)
		rc = replay_closed(c, &res);
	else
		rc = gb_replay__open(c, &res);
	if (measured) {
		gb_callgrind_rep_end();
		if (c->spec.counters)
			gb_counters_stop(c->spec.counters);
		gb_noise_end(&noise, &ns);
	}
	if (rc)
		return c->status = rc;
	if (!measured)
		return 0;
	push_counters(c, &ns);
	c->reps_done++;
	gb_hist_merge(&out->hist, &scratch.rep_hist);
	push(out, "wall_ns", "ns", (double)res.wall_ns);
	push(out, "throughput_rps", "req/s", (double)res.requests * 1e9 / (double)res.wall_ns);
	if (c->spec.mode == GB_MODE_CLOSED) {
		push_percentiles(out, "latency", &scratch.rep_hist, 0);
	} else if (c->spec.mode == GB_MODE_OPEN) {
		push_percentiles(out, "response", res.response, 1);
		push_percentiles(out, "service", res.service, 1);
		push_percentiles(out, "queue", res.queue, 1);
		gb_metric_push(gb_cell_metric(out, "late_issues", "count", GB_SRC_MEASURED),
			       (double)res.late_issues);
		if (res.late_issues * 100 > res.requests) {
			char *why = gb_xasprintf("%llu of %llu requests issued late (over 1%%)",
						 (unsigned long long)res.late_issues,
						 (unsigned long long)res.requests);

			gb_cell_invalid(out, why);
			free(why);
		}
	}
	if (res.batches)
		push(out, "batch_size_mean", "requests",
		     (double)(res.requests - res.hits) / (double)res.batches);
	if (c->spec.cache > 0) {
		struct gb_metric *m = gb_cell_metric(out, "cache_hit_rate", "ratio", GB_SRC_MEASURED);

		if (res.lookups)
			gb_metric_push(m, (double)res.hits / (double)res.lookups);
		else
			gb_metric_unavailable(m, "no request of the trace has a cache key");
	}
	if (res.has_device_ns && res.device_ns > 0)
		push(out, "gpu_ns", "ns", (double)res.device_ns);
	gb_replay__time_push(c, &res);
	if (!out->batch_sizes) {
		out->nbatch_sizes = c->spec.batch + 1;
		out->batch_sizes = gb_xcalloc(out->nbatch_sizes, sizeof(uint64_t));
	}
	for (uint32_t b = 0; b <= c->spec.batch; b++)
		out->batch_sizes[b] += c->batch_sizes[b];
	if (res.wall_ns < c->spec.min_duration_ns || res.requests < c->spec.min_requests) {
		char *why = gb_xasprintf("a repetition lasted %.3f ms with %llu requests, under the "
					 "minimum %.3f ms and %llu requests",
					 (double)res.wall_ns / 1e6,
					 (unsigned long long)res.requests,
					 (double)c->spec.min_duration_ns / 1e6,
					 (unsigned long long)c->spec.min_requests);

		gb_cell_invalid(out, why);
		free(why);
	}
	return 0;
}

int gb_cell_finish(struct gb_cell *cell)
{
	struct cell *c = (struct cell *)cell;

	if (c->status)
		return c->status;
	if (c->out->hist.overflows)
		gb_cell_invalid(c->out, "latency histogram overflow (a request over 68.7 s)");
	if (c->cpu_fallbacks) {
		char *why = gb_xasprintf("%llu calls ran on the cpu executor after the device ran "
					 "out of memory even for one row",
					 (unsigned long long)c->cpu_fallbacks);

		gb_cell_invalid(c->out, why);
		free(why);
	}
	if (c->spec.skip_accuracy || gb_callgrind_child())
		return 0;
	return c->status = gb_replay__check_accuracy(c, c->out);
}

void gb_cell_close(struct gb_cell *cell)
{
	struct cell *c = (struct cell *)cell;

	if (!c)
		return;
	free(c->handles);
	free(c->cpu_handles);
	free(c->heads);
	free(c->members);
	free(c->order);
	free(c->batch_sizes);
	free(c);
}

int gb_replay_cell(struct gb_workload *w, struct gb_executor *ex, struct gb_executor *cpu,
		   const struct gb_cell_spec *spec, struct gb_cell_result *out)
{
	struct gb_cell *c;
	int rc = gb_cell_open(&c, w, ex, cpu, spec, out);

	for (uint32_t rep = 0; !rc && rep < spec->warmup + spec->repetitions; rep++)
		rc = gb_cell_rep(c, rep >= spec->warmup);
	if (!rc)
		rc = gb_cell_finish(c);
	gb_cell_close(c);
	return rc;
}

struct gb_hist *gb_replay__rep_hist(void)
{
	return &scratch.rep_hist;
}

struct replay_scratch *gb_replay__scratch(void)
{
	return &scratch;
}
