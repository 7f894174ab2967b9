/*
 * replay.c - workloads made ready for replay, and the closed-loop replay of
 * one cell (see replay.h).
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

#include "datagen.h"
#include "gbench.h"
#include "inject.h"
#include "lru.h"
#include "noise.h"
#include "../profilers/callgrind.h"
#include "../profilers/counters.h"
#include "oracle.h"

volatile sig_atomic_t gb_interrupted;
struct gb_replay_events gb_replay_events;

#define NONE UINT32_MAX
/* Distinct inputs per shape for requests without a key (see README). */
#define UNKEYED_VARIANTS 4

/* ---- a small string -> dense id map (open addressing) ---- */

struct idmap {
	char **keys;
	uint32_t *ids;
	size_t cap, n;
};

static void idmap_init(struct idmap *m, size_t hint)
{
	m->cap = 16;
	while (m->cap < hint * 2)
		m->cap *= 2;
	m->keys = gb_xcalloc(m->cap, sizeof(*m->keys));
	m->ids = gb_xcalloc(m->cap, sizeof(*m->ids));
	m->n = 0;
}

static void idmap_release(struct idmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->ids);
}

/* The id of key, adding it with id m->n when new; *added tells which. */
static uint32_t idmap_get(struct idmap *m, const char *key, int *added)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct idmap big;

		idmap_init(&big, m->cap);
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->keys[j])
				continue;
			i = gb_fnv1a(GB_FNV_INIT, m->keys[j], strlen(m->keys[j])) & (big.cap - 1);
			while (big.keys[i])
				i = (i + 1) & (big.cap - 1);
			big.keys[i] = m->keys[j];
			big.ids[i] = m->ids[j];
		}
		big.n = m->n;
		free(m->keys);
		free(m->ids);
		*m = big;
	}
	i = gb_fnv1a(GB_FNV_INIT, key, strlen(key)) & (m->cap - 1);
	while (m->keys[i]) {
		if (!strcmp(m->keys[i], key)) {
			*added = 0;
			return m->ids[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = gb_xstrdup(key);
	m->ids[i] = (uint32_t)m->n++;
	*added = 1;
	return m->ids[i];
}

/* ---- workloads ---- */

static int add_tensor(struct gb_workload *w, const struct gb_request *r, uint32_t *out)
{
	for (uint32_t i = 0; i < w->ntensors; i++) {
		struct gb_tensor_data *t = &w->tensors[i];

		if (strcmp(t->name, r->tensor))
			continue;
		if (t->op != r->shape.op || t->rows != r->shape.n || t->cols != r->shape.k) {
			fprintf(stderr, "%s:%u: tensor '%s' used as %s %ux%u, earlier as %s %ux%u\n",
				w->trace.path, r->line, r->tensor, gb_op_name(r->shape.op),
				r->shape.n, r->shape.k, gb_op_name(t->op), t->rows, t->cols);
			return -1;
		}
		*out = i;
		return 0;
	}
	w->tensors = gb_xrealloc(w->tensors, (w->ntensors + 1) * sizeof(*w->tensors));
	memset(&w->tensors[w->ntensors], 0, sizeof(*w->tensors));
	w->tensors[w->ntensors].name = gb_xstrdup(r->tensor);
	w->tensors[w->ntensors].op = r->shape.op;
	w->tensors[w->ntensors].rows = r->shape.n;
	w->tensors[w->ntensors].cols = r->shape.k;
	*out = w->ntensors++;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Map each request's stream id to its rank among the distinct ids; their number. */
static uint32_t dense_streams(const struct gb_trace *t, uint32_t *stream_of)
{
	uint32_t *ids = gb_xmalloc((t->n + 1) * sizeof(*ids)), n = 0;

	for (size_t i = 0; i < t->n; i++)
		ids[i] = t->req[i].stream;
	qsort(ids, t->n, sizeof(*ids), cmp_u32);
	for (size_t i = 0; i < t->n; i++)
		if (!n || ids[n - 1] != ids[i])
			ids[n++] = ids[i];
	for (size_t i = 0; i < t->n; i++) {
		const uint32_t *hit = bsearch(&t->req[i].stream, ids, n, sizeof(*ids), cmp_u32);

		stream_of[i] = (uint32_t)(hit - ids);
	}
	free(ids);
	return n;
}

int gb_workload_load(struct gb_workload *w, const char *path, uint64_t seed)
{
	struct gb_trace *t = &w->trace;
	struct idmap inputs, keyed;
	uint32_t *pos;

	memset(w, 0, sizeof(*w));
	if (gb_trace_load(path, t, NULL) < 0)
		return -1;
	w->seed = seed;
	w->input_of = gb_xmalloc(t->n * sizeof(*w->input_of));
	w->cache_id = gb_xmalloc(t->n * sizeof(*w->cache_id));
	w->tensor_of = gb_xmalloc(t->n * sizeof(*w->tensor_of));
	/* Stream ids may be sparse (any integer below 2^31): index them densely. */
	w->stream_of = gb_xmalloc((t->n + 1) * sizeof(*w->stream_of));
	w->nstreams = dense_streams(t, w->stream_of);
	w->stream_len = gb_xcalloc(w->nstreams, sizeof(*w->stream_len));
	w->stream_req = gb_xcalloc(w->nstreams, sizeof(*w->stream_req));
	pos = gb_xcalloc(w->nstreams, sizeof(*pos));
	/* at most one distinct input per request */
	w->input_shape = gb_xmalloc((t->n + 1) * sizeof(*w->input_shape));
	w->input_req = gb_xmalloc((t->n + 1) * sizeof(*w->input_req));
	w->input_variant = gb_xmalloc(t->n + 1);
	idmap_init(&inputs, t->n);
	idmap_init(&keyed, t->n);

	for (size_t i = 0; i < t->n; i++)
		w->stream_len[w->stream_of[i]]++;
	for (uint32_t s = 0; s < w->nstreams; s++)
		w->stream_req[s] = gb_xmalloc((w->stream_len[s] + 1) * sizeof(uint32_t));

	for (size_t i = 0; i < t->n; i++) {
		const struct gb_request *r = &t->req[i];
		const struct gb_shape *s = &r->shape;
		uint32_t sp = pos[w->stream_of[i]]++;
		char *id;
		int added;

		w->stream_req[w->stream_of[i]][sp] = (uint32_t)i;
		w->tensor_of[i] = NONE;
		if (gb_op_has_weights(s->op) && add_tensor(w, r, &w->tensor_of[i]) < 0)
			goto fail;
		/* Same (op, tensor, key, shape) => same input; unkeyed requests cycle variants. */
		if (r->key[0])
			id = gb_xasprintf("%d|%s|%s|%u|%u|%u|%u", s->op, r->tensor, r->key,
					  s->m, s->n, s->k, s->p);
		else
			id = gb_xasprintf("%d|%s||%u|%u|%u|%u|#%u", s->op, r->tensor, s->m, s->n,
					  s->k, s->p, sp % UNKEYED_VARIANTS);
		w->input_of[i] = idmap_get(&inputs, id, &added);
		if (added) {
			/* its data comes later (gb_workload_generate), after the memory plan */
			w->input_shape[w->input_of[i]] = *s;
			w->input_req[w->input_of[i]] = (uint32_t)i;
			w->input_variant[w->input_of[i]] = r->key[0] ? 0 : sp % UNKEYED_VARIANTS;
		}
		w->cache_id[i] = r->key[0] ? idmap_get(&keyed, id, &added) : NONE;
		free(id);
		if (gb_shape_in_floats(s) > w->max_in)
			w->max_in = gb_shape_in_floats(s);
		if (gb_shape_out_floats(s) > w->max_out)
			w->max_out = gb_shape_out_floats(s);
		if (s->op == GB_OP_TOPK && (size_t)s->m * s->p > w->max_p)
			w->max_p = s->m * s->p;
	}
	w->ninputs = (uint32_t)inputs.n;
	w->ncache_ids = (uint32_t)keyed.n;
	w->oracle = gb_xcalloc(w->ninputs, sizeof(*w->oracle));
	w->oracle_idx = gb_xcalloc(w->ninputs, sizeof(*w->oracle_idx));
	free(pos);
	idmap_release(&inputs);
	idmap_release(&keyed);
	return 0;
fail:
	free(pos);
	w->ninputs = (uint32_t)inputs.n;
	idmap_release(&inputs);
	idmap_release(&keyed);
	gb_workload_release(w);
	return -1;
}

void gb_workload_generate(struct gb_workload *w)
{
	if (w->generated)
		return;
	w->inputs = gb_xcalloc(w->ninputs, sizeof(*w->inputs));
	for (uint32_t i = 0; i < w->ninputs; i++) {
		const struct gb_request *r = &w->trace.req[w->input_req[i]];

		w->inputs[i] = gb_xmalloc(gb_shape_in_floats(&w->input_shape[i]) * sizeof(float));
		gb_datagen_input(w->inputs[i], &w->input_shape[i], w->seed, r->tensor, r->key,
				 w->input_variant[i]);
	}
	for (uint32_t i = 0; i < w->ntensors; i++) {
		struct gb_tensor_data *td = &w->tensors[i];

		td->f32 = gb_xmalloc((size_t)td->rows * td->cols * sizeof(float));
		gb_datagen_weights(td->f32, td->op, td->rows, td->cols, w->seed, td->name);
	}
	w->generated = 1;
}

void gb_workload_release(struct gb_workload *w)
{
	for (uint32_t i = 0; i < w->ninputs; i++) {
		free(w->inputs ? w->inputs[i] : NULL);
		free(w->oracle ? w->oracle[i] : NULL);
		free(w->oracle_idx ? w->oracle_idx[i] : NULL);
	}
	free(w->inputs);
	free(w->input_shape);
	free(w->input_req);
	free(w->input_variant);
	free(w->oracle);
	free(w->oracle_idx);
	for (uint32_t i = 0; i < w->ntensors; i++) {
		free(w->tensors[i].name);
		free(w->tensors[i].f32);
		for (int q = 0; q < GB_Q_COUNT; q++)
			if (w->tensors[i].have_q[q])
				gb_weights_release(&w->tensors[i].q[q]);
	}
	free(w->tensors);
	for (uint32_t s = 0; s < w->nstreams && w->stream_req; s++)
		free(w->stream_req[s]);
	free(w->stream_req);
	free(w->stream_len);
	free(w->stream_of);
	free(w->input_of);
	free(w->cache_id);
	free(w->tensor_of);
	gb_trace_release(&w->trace);
	memset(w, 0, sizeof(*w));
}

static const struct gb_weights *workload_weights(struct gb_workload *w, uint32_t t,
						 enum gb_quant q)
{
	struct gb_tensor_data *td = &w->tensors[t];

	if (!td->have_q[q]) {
		if (gb_weights_quantize(&td->q[q], q, td->f32, td->rows, td->cols) < 0)
			return NULL;
		td->have_q[q] = 1;
	}
	return &td->q[q];
}

/* ---- one cell ---- */

/*
 * Buffers every cell shares: cells run one repetition at a time, so one set
 * of stacking buffers and one result cache, grown to the largest cell and
 * kept, serve them all and keep memory bounded when many cells are open.
 */
static struct {
	float *x, *y, *yref;
	uint32_t *idx, *idxref;
	size_t x_cap, y_cap, idx_cap;
	struct gb_lru lru;
	int lru_ready;
	struct gb_hist rep_hist;         /* one repetition's latencies */
	int hist_ready;
} scratch;

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
static void scratch_reserve(const struct gb_workload *w, uint32_t batch)
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
 * other streams, oldest first, skipping heads the cache will serve. Fills
 * c->members and returns their number (0 when the trace is done).
 */
uint32_t gb_replay__batch(struct cell *c, int use_cache, uint32_t limit)
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
		if (use_cache && w->cache_id[r] != NONE && gb_lru_contains(&scratch.lru, w->cache_id[r]))
			continue;
		c->members[nm++] = r;
	}
	return nm;
}

static void stack_inputs(struct cell *c, uint32_t nm, struct gb_exec_call *call)
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
	call->weights = w->tensor_of[c->members[0]] == NONE ? NULL
			: c->handles[w->tensor_of[c->members[0]]];
}

/*
 * Run a call; when the device is out of memory, split its rows in halves
 * and retry, and below one row fall back to the CPU executor.
 */
static int exec_call(struct cell *c, const struct gb_exec_call *call, struct gb_exec_timing *t)
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
		cc.weights = tix == NONE ? NULL : c->cpu_handles[tix];
		t->has_device_ns = t->has_split = 0;
		return c->cpu->iface->run(c->cpu, &cc, t);
	}
	gb_replay_events.enomem_splits++;
	in_row = per_row(gb_shape_in_floats, &call->shape);
	out_row = per_row(gb_shape_out_floats, &call->shape);
	m1 = call->shape.m / 2;
	half = *call;
	half.shape.m = m1;
	rc = exec_call(c, &half, t);
	if (rc)
		return rc;
	half.shape.m = call->shape.m - m1;
	half.x = call->x + in_row * m1;
	half.y = call->y + out_row * m1;
	if (call->idx)
		half.idx = call->idx + (size_t)call->shape.p * m1;
	rc = exec_call(c, &half, &t2);
	t->device_ns += t2.device_ns;
	t->has_device_ns = t->has_device_ns && t2.has_device_ns;
	t->queue_ns += t2.queue_ns;
	t->return_ns += t2.return_ns;
	t->has_split = t->has_split && t2.has_split;
	return rc;
}

static int exec_status(int rc)
{
	if (rc == GB_EXEC_ELOST)
		return GB_REPLAY_DEVICE_LOST;
	return rc ? GB_REPLAY_FAILED : GB_REPLAY_OK;
}

void gb_replay__begin(struct cell *c, struct rep_result *res)
{
	struct gb_workload *w = c->w;

	memset(res, 0, sizeof(*res));
	res->has_device_ns = 1;
	memset(c->heads, 0, w->nstreams * sizeof(*c->heads));
	scratch_reserve(w, c->spec.batch);
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

	if (!c->spec.cache || cid == NONE)
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
	stack_inputs(c, nm, &call);
	rc = exec_call(c, &call, &t);
	*t1 = gb_now_ns();
	if (rc)
		return exec_status(rc);
	if (t.has_device_ns)
		res->device_ns += t.device_ns;
	else
		res->has_device_ns = 0;
	gb_replay__time_add(&res->time, call.shape.op, &t, *t0, *t1);
	for (uint32_t i = 0; i < nm; i++) {
		const struct gb_request *q = &w->trace.req[c->members[i]];
		size_t n = gb_shape_out_floats(&q->shape);
		size_t ni = q->shape.op == GB_OP_TOPK ? (size_t)q->shape.m * q->shape.p : 0;

		if (c->spec.cache && w->cache_id[c->members[i]] != NONE) {
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
		nm = gb_replay__batch(c, c->spec.cache > 0, n);
		rc = gb_replay__run(c, nm, res, &t0, &t1);
		if (rc)
			return rc;
		for (uint32_t i = 0; i < nm; i++)
			gb_hist_record(&scratch.rep_hist, t1 - t0);
	}
	res->wall_ns = gb_now_ns() - t_start;
	return GB_REPLAY_OK;
}

/* ---- accuracy, outside every timed region ---- */

/*
 * The oracle checks at most this many rows of a request, evenly spaced
 * (every stride-th from the first): rows are independent in every op, so
 * a sample checks the same arithmetic, and an 8,192-row request of a
 * 4096x4096 matmul in float64 no longer costs minutes. The rows checked
 * and of how many are counted in gb_replay_events (meta.json).
 */
#define ORACLE_MAX_ROWS 64u

static uint32_t oracle_stride(const struct gb_shape *s)
{
	return s->m > ORACLE_MAX_ROWS ? (s->m + ORACLE_MAX_ROWS - 1) / ORACLE_MAX_ROWS : 1;
}

/* The oracle's answer for request r's sampled rows (oracle_stride), computed once per input. */
static const double *oracle_of(struct gb_workload *w, uint32_t r)
{
	uint32_t in = w->input_of[r];
	const struct gb_shape *s = &w->trace.req[r].shape;
	uint32_t t = w->tensor_of[r], st = oracle_stride(s);
	struct gb_shape ss = *s;
	const float *x = w->inputs[in];
	float *xs = NULL;

	if (!w->oracle[in]) {
		ss.m = (s->m + st - 1) / st;
		if (st > 1) {
			size_t inr = gb_shape_in_floats(s) / s->m;

			xs = gb_xmalloc((size_t)ss.m * inr * sizeof(float));
			for (uint32_t j = 0; j < ss.m; j++)
				memcpy(xs + j * inr, x + (size_t)j * st * inr, inr * sizeof(float));
			x = xs;
		}
		w->oracle[in] = gb_xmalloc(gb_shape_out_floats(&ss) * sizeof(double));
		if (s->op == GB_OP_TOPK)
			w->oracle_idx[in] = gb_xmalloc((size_t)ss.m * s->p * sizeof(uint32_t));
		if (gb_oracle_run(&ss, x, t == NONE ? NULL : w->tensors[t].f32,
				  w->oracle[in], w->oracle_idx[in]) < 0) {
			free(xs);
			free(w->oracle[in]);
			w->oracle[in] = NULL;
			return NULL;
		}
		free(xs);
		w->oracle_runs++;
	}
	return w->oracle[in];
}

struct op_acc {
	struct gb_nmse f64, cpu;
	struct gb_recall rec_f64, rec_cpu;
	uint32_t calls, queries;
	int used;
};

/*
 * Top-k against the CPU: the same set except where scores tie within 1e-5
 * relative, so a differing index counts as a match when its score is
 * within that tolerance of the CPU's p-th score.
 */
static void topk_vs_cpu(struct gb_recall *acc, const uint32_t *ref, const float *refs,
			const uint32_t *got, const float *gots, uint32_t m, uint32_t p)
{
	for (uint32_t q = 0; q < m; q++) {
		const uint32_t *ri = ref + (size_t)q * p, *gi = got + (size_t)q * p;
		float last = refs[(size_t)q * p + p - 1];

		for (uint32_t j = 0; j < p; j++) {
			int found = 0;

			for (uint32_t l = 0; l < p && !found; l++)
				found = gi[j] == ri[l];
			if (!found && fabsf(gots[(size_t)q * p + j] - last) <= 1e-5f * fabsf(last))
				found = 1;
			acc->hits += found;
		}
		acc->total += p;
	}
}

/*
 * Recall is a proportion: over a few queries it is too coarse to hold a
 * budget like 0.97 (one miss in 20 slots is 0.95), so top-k keeps sampling
 * until this many queries (or the whole trace) were checked.
 */
#define TOPK_MIN_QUERIES 128u

static uint32_t call_rows(const struct cell *c, uint32_t nm)
{
	uint32_t m = 0;

	for (uint32_t i = 0; i < nm; i++)
		m += c->w->trace.req[c->members[i]].shape.m;
	return m;
}

static int check_accuracy(struct cell *c, struct gb_cell_result *out)
{
	struct gb_workload *w = c->w;
	struct op_acc acc[GB_OP_COUNT];
	int is_cpu = c->ex == c->cpu;
	uint32_t nm;

	memset(acc, 0, sizeof(acc));
	memset(c->heads, 0, w->nstreams * sizeof(*c->heads));
	scratch_reserve(w, c->spec.batch);
	while ((nm = gb_replay__batch(c, 0, (uint32_t)w->trace.n)) > 0) {
		struct gb_exec_call call, ref;
		struct gb_exec_timing t;
		enum gb_op op = w->trace.req[c->members[0]].shape.op;
		size_t off = 0, ioff = 0;
		int rc;

		for (uint32_t i = 0; i < nm; i++)
			c->heads[w->stream_of[c->members[i]]]++;
		if (acc[op].calls >= c->spec.accuracy_samples &&
		    (op != GB_OP_TOPK || acc[op].queries >= TOPK_MIN_QUERIES))
			continue;
		acc[op].calls++;
		acc[op].queries += call_rows(c, nm);
		acc[op].used = 1;
		stack_inputs(c, nm, &call);
		rc = exec_call(c, &call, &t);
		if (rc)
			return exec_status(rc);
		if (!is_cpu) {
			uint32_t tix = w->tensor_of[c->members[0]];

			ref = call;
			ref.y = scratch.yref;
			ref.idx = call.idx ? scratch.idxref : NULL;
			ref.weights = tix == NONE ? NULL : c->cpu_handles[tix];
			if (c->cpu->iface->run(c->cpu, &ref, &t))
				return GB_REPLAY_FAILED;
			gb_nmse_add_f(&acc[op].cpu, scratch.yref, scratch.y,
				      gb_shape_out_floats(&call.shape));
			if (op == GB_OP_TOPK)
				topk_vs_cpu(&acc[op].rec_cpu, scratch.idxref, scratch.yref, scratch.idx,
					    scratch.y, call.shape.m, call.shape.p);
		}
		for (uint32_t i = 0; i < nm; i++) {
			uint32_t r = c->members[i];
			const struct gb_shape *s = &w->trace.req[r].shape;
			size_t n = gb_shape_out_floats(s);
			const double *o = oracle_of(w, r);
			uint32_t st;

			if (!o)
				return GB_REPLAY_FAILED;
			/* the sampled rows only: row j of the oracle is row j * st of the call */
			st = oracle_stride(s);
			gb_replay_events.oracle_rows += s->m;
			gb_replay_events.oracle_rows_checked += (s->m + st - 1) / st;
			for (uint32_t j = 0, row = 0; row < s->m; j++, row += st)
				if (op == GB_OP_TOPK)
					gb_recall_add(&acc[op].rec_f64,
						      w->oracle_idx[w->input_of[r]] + (size_t)j * s->p,
						      scratch.idx + ioff + (size_t)row * s->p, 1, s->p);
				else
					gb_nmse_add(&acc[op].f64, o + j * (n / s->m),
						    scratch.y + off + row * (n / s->m), n / s->m);
			off += n;
			ioff += op == GB_OP_TOPK ? (size_t)s->m * s->p : 0;
		}
	}
	for (int op = 0; op < GB_OP_COUNT; op++) {
		enum gb_quant q = gb_op_has_weights((enum gb_op)op) ? c->spec.quant : GB_Q_F32;
		const char *name = gb_op_name((enum gb_op)op);
		double v, b;

		if (!acc[op].used)
			continue;
		if (op == GB_OP_TOPK) {
			v = gb_recall_value(&acc[op].rec_f64);
			b = gb_budget_recall(q);
			gb_cell_add_accuracy(out, name, "f64", "recall", v, b, v >= b);
		} else {
			v = gb_nmse_value(&acc[op].f64);
			b = gb_budget_nmse_f64(q);
			gb_cell_add_accuracy(out, name, "f64", "nmse", v, b, v <= b);
			gb_cell_add_accuracy(out, name, "f64", "max_abs_err", acc[op].f64.max_abs,
					     NAN, !isnan(v));
		}
		if (is_cpu)
			continue;
		v = gb_nmse_value(&acc[op].cpu);
		b = gb_budget_nmse_cpu(q);
		gb_cell_add_accuracy(out, name, "cpu", "nmse", v, b, v <= b);
		if (op == GB_OP_TOPK) {
			v = gb_recall_value(&acc[op].rec_cpu);
			gb_cell_add_accuracy(out, name, "cpu", "recall", v, 1.0, v >= 1.0);
		}
	}
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
	wt = workload_weights(w, t, q);
	if (!wt)
		return GB_REPLAY_FAILED;
	rc = ex->iface->weights_upload(ex, wt, handle);
	if (rc == GB_EXEC_ENOMEM)
		return GB_REPLAY_NO_MEMORY;
	if (rc)
		return exec_status(rc);
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
	return c->status = check_accuracy(c, c->out);
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
