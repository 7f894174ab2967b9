/*
 * replay-workload.c - workloads made ready for replay (see replay.h): a
 * trace loaded, its streams indexed densely, its requests mapped to distinct
 * inputs, result-cache ids and weight tensors; the inputs and weights
 * generated once the memory plan allows (gb_workload_generate), and weights
 * quantized on first use. Nothing here is timed.
 */
#include "replay.h"
#include "replay-impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datagen.h"
#include "gbench.h"

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
			return gb_error_at(w->trace.path, r->line,
					   "tensor '%s' used as %s %ux%u, earlier as %s %ux%u",
					   r->tensor, gb_op_name(r->shape.op), r->shape.n,
					   r->shape.k, gb_op_name(t->op), t->rows, t->cols);
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
		w->tensor_of[i] = GB_REPLAY_NONE;
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
		w->cache_id[i] = r->key[0] ? idmap_get(&keyed, id, &added) : GB_REPLAY_NONE;
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

const struct gb_weights *gb_replay__workload_weights(struct gb_workload *w, uint32_t t,
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
