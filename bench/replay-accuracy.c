/*
 * replay-accuracy.c - the accuracy of a cell, checked after its last
 * repetition and outside every timed region (gb_cell_finish): the trace's
 * batches formed again as the timed loop forms them, a sample of them run
 * on the executor, and their outputs compared with the float64 oracle's
 * (computed once per distinct input, on sampled rows) and, for a device
 * executor, with the CPU executor's; nmse and top-k recall per op kind,
 * against the budgets of the cell's quantization (oracle.h).
 */
#include "replay.h"
#include "replay-impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "oracle.h"

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
		if (gb_oracle_run(&ss, x, t == GB_REPLAY_NONE ? NULL : w->tensors[t].f32,
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

int gb_replay__check_accuracy(struct cell *c, struct gb_cell_result *out)
{
	struct gb_workload *w = c->w;
	struct replay_scratch *scratch = gb_replay__scratch();
	struct op_acc acc[GB_OP_COUNT];
	int is_cpu = c->ex == c->cpu;
	uint32_t nm;

	memset(acc, 0, sizeof(acc));
	memset(c->heads, 0, w->nstreams * sizeof(*c->heads));
	gb_replay__scratch_reserve(w, c->spec.batch);
	while ((nm = gb_replay__batch(c, NULL, (uint32_t)w->trace.n)) > 0) {
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
		gb_replay__stack_inputs(c, nm, &call);
		rc = gb_replay__exec_call(c, &call, &t);
		if (rc)
			return gb_replay__exec_status(rc);
		if (!is_cpu) {
			uint32_t tix = w->tensor_of[c->members[0]];

			ref = call;
			ref.y = scratch->yref;
			ref.idx = call.idx ? scratch->idxref : NULL;
			ref.weights = tix == GB_REPLAY_NONE ? NULL : c->cpu_handles[tix];
			if (c->cpu->iface->run(c->cpu, &ref, &t))
				return GB_REPLAY_FAILED;
			gb_nmse_add_f(&acc[op].cpu, scratch->yref, scratch->y,
				      gb_shape_out_floats(&call.shape));
			if (op == GB_OP_TOPK)
				topk_vs_cpu(&acc[op].rec_cpu, scratch->idxref, scratch->yref,
					    scratch->idx, scratch->y, call.shape.m, call.shape.p);
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
						      scratch->idx + ioff + (size_t)row * s->p, 1, s->p);
				else
					gb_nmse_add(&acc[op].f64, o + j * (n / s->m),
						    scratch->y + off + row * (n / s->m), n / s->m);
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
