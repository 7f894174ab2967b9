/*
 * torch-map.c - from the ops of a PyTorch profiler trace to gbench
 * requests (torch-map.h), and the trace file they make.
 *
 * Three passes over the events, which torch-trace.c sorted by start time:
 * (1) every op whose name has a rule is looked up; an op with a rule
 * that holds, somewhere below it, another op mapping to the same gbench
 * op is a wrapper (aten::linear around aten::addmm, aten::softmax around
 * aten::_softmax) and is counted at that op, once; (2) each remaining
 * mapped op becomes rows from its recorded input shapes ("Input Dims"),
 * or is skipped with a reason; (3) every op name is tallied with its fate
 * and self time, so that nothing is dropped without a line in the header.
 *
 * The trace records shapes but no addresses and no scalar arguments, so
 * two rules stand in for what it does not say (docs/recording.md):
 * a weight is the second operand of a product, named by its place in a
 * step (the i-th product of a ProfilerStep on its thread, with its k x n
 * and batch index: the same in every step, so a model run for several
 * steps reuses its weights); and a row-wise op (softmax, sum) runs over the
 * last dimension, the trace not recording its dim argument.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "gbench.h"
#include "import/torch-map.h"

enum tp_kind {
	TP_PRODUCT,     /* A (..., M, K) x B (..., K, N): operands a and b */
	TP_LINEAR,      /* x (..., K) x W (N, K)^T: W is operand b */
	TP_MV,          /* A (N, K) x v (K): A is the weight */
	TP_ROWS,        /* row-wise over the last dimension of operand a */
	TP_NORM,        /* as TP_ROWS; the normalized size is operand b's (the norm's weight) when recorded */
	TP_SUM,         /* as TP_ROWS */
	TP_FFT,         /* transforms along the last dimension */
};

struct tp_rule {
	const char *name;
	enum gb_op op;
	enum tp_kind kind;
	int a, b;       /* operand positions in the call */
};

/* The aten ops gbench replays; docs/recording.md has this table. */
static const struct tp_rule tp_rules[] = {
	{ "aten::mm", GB_OP_MATMUL, TP_PRODUCT, 0, 1 },
	{ "aten::bmm", GB_OP_MATMUL, TP_PRODUCT, 0, 1 },
	{ "aten::matmul", GB_OP_MATMUL, TP_PRODUCT, 0, 1 },
	{ "aten::addmm", GB_OP_MATMUL, TP_PRODUCT, 1, 2 },
	{ "aten::baddbmm", GB_OP_MATMUL, TP_PRODUCT, 1, 2 },
	{ "aten::linear", GB_OP_MATMUL, TP_LINEAR, 0, 1 },
	{ "aten::mv", GB_OP_MATMUL, TP_MV, 0, 1 },
	{ "aten::softmax", GB_OP_SOFTMAX, TP_ROWS, 0, -1 },
	{ "aten::_softmax", GB_OP_SOFTMAX, TP_ROWS, 0, -1 },
	{ "aten::silu", GB_OP_SILU, TP_ROWS, 0, -1 },
	{ "aten::silu_", GB_OP_SILU, TP_ROWS, 0, -1 },
	{ "aten::rms_norm", GB_OP_RMSNORM, TP_NORM, 0, 2 },
	{ "aten::_fused_rms_norm", GB_OP_RMSNORM, TP_NORM, 0, 2 },
	{ "aten::layer_norm", GB_OP_RMSNORM, TP_NORM, 0, 2 },
	{ "aten::native_layer_norm", GB_OP_RMSNORM, TP_NORM, 0, 2 },
	{ "aten::sum", GB_OP_REDUCE, TP_SUM, 0, -1 },
	{ "aten::fft_fft", GB_OP_FFT, TP_FFT, 0, -1 },
	{ "aten::fft_ifft", GB_OP_FFT, TP_FFT, 0, -1 },
	{ "aten::_fft_c2c", GB_OP_FFT, TP_FFT, 0, -1 },
};

static const struct tp_rule *tp_rule_of(const char *name)
{
	for (size_t i = 0; i < GB_ARRAY_SIZE(tp_rules); i++)
		if (!strcmp(tp_rules[i].name, name))
			return &tp_rules[i];
	return NULL;
}

/* Why a mapped op's call gave no row. */
static const char tp_no_shapes[] = "no input shapes recorded";
static const char tp_bad_shapes[] = "input shapes that do not fit the op";
static const char tp_limits[] = "over the trace limits";
static const char tp_empty[] = "an empty tensor";
static const char tp_not_pow2[] = "length not a power of two";
static const char tp_integral[] = "integer or bool inputs";

/* A weight's identity: its place in a step, its k x n, its number of batches (0: none). */
struct tp_wkey {
	uint64_t ordinal, n, k, batch;
};

struct tp_weights {
	struct tp_wkey *key;
	uint32_t *id;
	size_t cap, n;              /* open addressing; cap a power of two */
};

static uint64_t tp_wkey_hash(const struct tp_wkey *k)
{
	return gb_fnv1a(GB_FNV_INIT, k, sizeof(*k));
}

static uint32_t tp_weight_id(struct tp_weights *w, const struct tp_wkey *k)
{
	size_t i;

	if (2 * (w->n + 1) > w->cap) {
		struct tp_weights g = { .cap = w->cap ? 2 * w->cap : 64 };

		g.key = gb_xcalloc(g.cap, sizeof(*g.key));
		g.id = gb_xcalloc(g.cap, sizeof(*g.id));
		for (size_t j = 0; j < w->cap; j++)
			if (w->id[j]) {
				size_t s = tp_wkey_hash(&w->key[j]) & (g.cap - 1);

				while (g.id[s])
					s = (s + 1) & (g.cap - 1);
				g.key[s] = w->key[j];
				g.id[s] = w->id[j];
			}
		g.n = w->n;
		free(w->key);
		free(w->id);
		*w = g;
	}
	i = tp_wkey_hash(k) & (w->cap - 1);
	while (w->id[i]) {
		if (!memcmp(&w->key[i], k, sizeof(*k)))
			return w->id[i] - 1;
		i = (i + 1) & (w->cap - 1);
	}
	w->key[i] = *k;
	w->id[i] = (uint32_t)++w->n;   /* stored + 1: 0 marks a free slot */
	return w->id[i] - 1;
}

struct tp_mapper {
	const struct gb_tp_trace *t;
	struct gb_import *im;
	size_t rowcap, opcap;
	struct tp_weights w;
	/* the product ordinal on each stream within its current step */
	uint64_t *ordinal;
	uint32_t *ordinal_step;
	const struct gb_tp_event *over;   /* the call past GB_IMPORT_MAX_ROWS */
};

static void tp_row(struct tp_mapper *mp, const struct gb_tp_event *e, struct gb_shape s,
		   uint32_t weight, uint32_t batch)
{
	struct gb_import *im = mp->im;

	if (im->nrows == mp->rowcap) {
		mp->rowcap = mp->rowcap ? 2 * mp->rowcap : 256;
		im->rows = gb_xrealloc(im->rows, mp->rowcap * sizeof(*im->rows));
	}
	im->rows[im->nrows++] = (struct gb_import_row){
		.arrival_ns = e->ts_ns, .stream = e->stream, .shape = s,
		.weight = weight, .batch = batch,
	};
}

/* The tally of (name, fate, why). */
static void tp_tally(struct tp_mapper *mp, const struct gb_tp_event *e, enum gb_import_fate fate,
		     enum gb_op op, const char *why, uint64_t rows)
{
	struct gb_import *im = mp->im;
	struct gb_import_op *o = NULL;

	for (size_t i = 0; i < im->nops; i++)
		if (im->ops[i].name == e->name && im->ops[i].fate == fate && im->ops[i].why == why) {
			o = &im->ops[i];
			break;
		}
	if (!o) {
		if (im->nops == mp->opcap) {
			mp->opcap = mp->opcap ? 2 * mp->opcap : 32;
			im->ops = gb_xrealloc(im->ops, mp->opcap * sizeof(*im->ops));
		}
		o = &im->ops[im->nops++];
		*o = (struct gb_import_op){ .name = e->name, .fate = fate, .why = why, .op = op };
	}
	o->count++;
	o->rows += rows;
	o->self_ns += e->self_ns;
	im->self_ns += e->self_ns;
}

static uint64_t tp_prod(const struct gb_tp_dims *d, int from, int to)
{
	uint64_t p = 1;

	for (int i = from; i < to; i++) {
		if (d->d[i] && p > UINT64_MAX / (uint64_t)d->d[i])
			return UINT64_MAX;
		p *= (uint64_t)d->d[i];
	}
	return p;
}

/* A shape's sizes within the limits of bench/op.h (m is split by the caller). */
static int tp_fits(uint64_t n, uint64_t k)
{
	return n <= GB_MAX_NK && k <= GB_MAX_NK;
}

/* How many rows of at most GB_MAX_M rows and GB_MAX_ELEMS elements an operand m rows of s take. */
static uint64_t tp_chunk(struct gb_shape s)
{
	uint64_t width = s.n > s.k ? s.n : s.k, chunk = GB_MAX_M;

	if (s.op == GB_OP_FFT)
		width = 2 * (uint64_t)s.n;   /* interleaved complex: two floats an element */
	if (width && GB_MAX_ELEMS / width < chunk)
		chunk = GB_MAX_ELEMS / width;
	return chunk;
}

/*
 * Room for calls x ceil(m / chunk) more rows: the call's over the limits
 * (tp_limits) beyond GB_IMPORT_MAX_CALL_ROWS; the trace's (mp->over set to
 * the event) beyond GB_IMPORT_MAX_ROWS. NULL when there is room.
 */
static const char *tp_room(struct tp_mapper *mp, const struct gb_tp_event *e, struct gb_shape s,
			   uint64_t m, uint64_t calls)
{
	uint64_t chunk = tp_chunk(s), rows = m / chunk + (m % chunk != 0);

	if (calls > GB_IMPORT_MAX_CALL_ROWS || rows > GB_IMPORT_MAX_CALL_ROWS / calls)
		return tp_limits;
	if (rows * calls > GB_IMPORT_MAX_ROWS - mp->im->nrows) {
		mp->over = e;
		return tp_limits;
	}
	return NULL;
}

/*
 * Rows of m stacked rows of shape s: split into calls of at most GB_MAX_M
 * rows and GB_MAX_ELEMS elements an operand (the rows are independent in
 * every op split this way); tp_room has said they fit. The number made.
 */
static uint64_t tp_rows_split(struct tp_mapper *mp, const struct gb_tp_event *e, struct gb_shape s,
			      uint64_t m, uint32_t weight, uint32_t batch)
{
	uint64_t chunk = tp_chunk(s), made = 0;

	for (uint64_t done = 0; done < m; done += chunk) {
		s.m = (uint32_t)(m - done < chunk ? m - done : chunk);
		tp_row(mp, e, s, weight, batch);
		made++;
	}
	return made;
}

static const struct gb_tp_dims *tp_in(const struct gb_tp_event *e, int i)
{
	return i >= 0 && (size_t)i < e->nin && e->in[i].rank > 0 ? &e->in[i] : NULL;
}

/* The next product's place in its step on its stream. */
static uint64_t tp_ordinal(struct tp_mapper *mp, const struct gb_tp_event *e)
{
	if (mp->ordinal_step[e->stream] != e->step) {
		mp->ordinal_step[e->stream] = e->step;
		mp->ordinal[e->stream] = 0;
	}
	return mp->ordinal[e->stream]++;
}

/* A product's rows; NULL or the reason it gives none. *rows gets their number. */
static const char *tp_map_product(struct tp_mapper *mp, const struct tp_rule *r,
				  const struct gb_tp_event *e, uint64_t *rows)
{
	const struct gb_tp_dims *A = tp_in(e, r->a), *B = tp_in(e, r->b);
	uint64_t M, K, K2, N, batch_a, batch_b, nbatch;
	struct tp_wkey key;
	struct gb_shape s;
	const char *why;

	if (!A || !B)
		return e->nin ? tp_bad_shapes : tp_no_shapes;
	if (A->integral || B->integral)
		return tp_integral;
	if (r->kind == TP_LINEAR) {
		if (B->rank != 2)
			return tp_bad_shapes;
		M = tp_prod(A, 0, A->rank - 1);
		K = (uint64_t)A->d[A->rank - 1];
		N = (uint64_t)B->d[0];
		K2 = (uint64_t)B->d[1];
		batch_a = batch_b = 1;
	} else if (r->kind == TP_MV) {
		if (A->rank != 2 || B->rank != 1)
			return tp_bad_shapes;
		M = 1;
		N = (uint64_t)A->d[0];
		K = (uint64_t)A->d[1];
		K2 = (uint64_t)B->d[0];
		batch_a = batch_b = 1;
	} else {
		if (B->rank < 2)
			return tp_bad_shapes;   /* a vector operand: aten::mv, aten::dot inside */
		M = A->rank >= 2 ? (uint64_t)A->d[A->rank - 2] : 1;
		K = (uint64_t)A->d[A->rank - 1];
		K2 = (uint64_t)B->d[B->rank - 2];
		N = (uint64_t)B->d[B->rank - 1];
		batch_a = A->rank > 2 ? tp_prod(A, 0, A->rank - 2) : 1;
		batch_b = tp_prod(B, 0, B->rank - 2);
	}
	if (K != K2)
		return tp_bad_shapes;
	if (!M || !N || !K || !batch_a || !batch_b)
		return tp_empty;
	if (!tp_fits(N, K) || N * K > GB_MAX_ELEMS || batch_a > GB_MAX_ELEMS ||
	    batch_b > GB_MAX_ELEMS)
		return tp_limits;
	s = (struct gb_shape){ .op = GB_OP_MATMUL, .n = (uint32_t)N, .k = (uint32_t)K };
	*rows = 0;
	if (batch_b == 1) {
		/* One weight for every row of A: its batch is stacked into m. */
		if (batch_a > UINT64_MAX / M)
			return tp_limits;
		if ((why = tp_room(mp, e, s, batch_a * M, 1)))
			return why;
		key = (struct tp_wkey){ .ordinal = tp_ordinal(mp, e), .n = N, .k = K };
		*rows = tp_rows_split(mp, e, s, batch_a * M, tp_weight_id(&mp->w, &key), 0);
		mp->im->matmul_flops += 2.0 * (double)(batch_a * M) * (double)N * (double)K;
		return NULL;
	}
	/* A weight per batch of B (A broadcast over B's batch when it has none). */
	nbatch = batch_a > batch_b ? batch_a : batch_b;
	if ((why = tp_room(mp, e, s, M, nbatch)))
		return why;
	key = (struct tp_wkey){ .ordinal = tp_ordinal(mp, e), .n = N, .k = K, .batch = batch_b };
	for (uint64_t j = 0, id = tp_weight_id(&mp->w, &key); j < nbatch; j++)
		*rows += tp_rows_split(mp, e, s, M, (uint32_t)id, (uint32_t)(j % batch_b + 1));
	mp->im->matmul_flops += 2.0 * (double)nbatch * (double)M * (double)N * (double)K;
	return NULL;
}

/* A row-wise op, a norm, a sum or an FFT: m rows of the last dimension. */
static const char *tp_map_rows(struct tp_mapper *mp, const struct tp_rule *r,
			       const struct gb_tp_event *e, uint64_t *rows)
{
	const struct gb_tp_dims *x = tp_in(e, r->a), *w = tp_in(e, r->b);
	uint64_t numel, n;
	struct gb_shape s = { .op = r->op };
	const char *why;

	if (!x)
		return e->nin ? tp_bad_shapes : tp_no_shapes;
	if (x->integral)
		return tp_integral;
	numel = tp_prod(x, 0, x->rank);
	n = (uint64_t)x->d[x->rank - 1];
	/* A norm's weight has the normalized shape, which the trace does not record itself. */
	if (r->kind == TP_NORM && w)
		n = tp_prod(w, 0, w->rank);
	if (!numel || !n)
		return tp_empty;
	if (numel % n)
		return tp_bad_shapes;
	if (n > GB_MAX_NK || (r->kind == TP_FFT && n > GB_MAX_FFT_N))
		return tp_limits;
	if (r->kind == TP_FFT && (n & (n - 1)))
		return tp_not_pow2;
	s.n = (uint32_t)n;
	if ((why = tp_room(mp, e, s, numel / n, 1)))
		return why;
	*rows = tp_rows_split(mp, e, s, numel / n, 0, 0);
	return NULL;
}

static void tp_mapper_free(struct tp_mapper *mp)
{
	free(mp->w.key);
	free(mp->w.id);
	free(mp->ordinal);
	free(mp->ordinal_step);
}

/* The skipped calls of most self time, or NULL. */
static const struct gb_import_op *tp_first_skipped(const struct gb_import *im)
{
	const struct gb_import_op *best = NULL;

	for (size_t i = 0; i < im->nops; i++)
		if (im->ops[i].fate == GB_IMPORT_SKIPPED &&
		    (!best || im->ops[i].self_ns > best->self_ns))
			best = &im->ops[i];
	return best;
}

int gb_import_torch(const struct gb_tp_trace *t, const char *file, struct gb_import *im)
{
	struct tp_mapper mp = { .t = t, .im = im };
	const struct gb_import_op *skip;
	const struct tp_rule **rule;
	char *nested, *f;

	memset(im, 0, sizeof(*im));
	rule = gb_xcalloc(t->n ? t->n : 1, sizeof(*rule));
	nested = gb_xcalloc(t->n ? t->n : 1, 1);
	mp.ordinal = gb_xcalloc(t->nstreams ? t->nstreams : 1, sizeof(*mp.ordinal));
	mp.ordinal_step = gb_xcalloc(t->nstreams ? t->nstreams : 1, sizeof(*mp.ordinal_step));
	for (size_t i = 0; i < t->n; i++) {
		rule[i] = tp_rule_of(t->ev[i].name);
		if (t->ev[i].nin)
			im->shapes_seen = 1;
	}
	/*
	 * (1) Wrappers: an op with another op of the same gbench op somewhere
	 * below it. Of another name: two calls of one op never nest, but two
	 * short ones recorded at the same whole microsecond look as if they
	 * did, and one of them must not disappear.
	 */
	for (size_t i = 0; i < t->n; i++) {
		if (!rule[i])
			continue;
		for (long p = t->ev[i].parent; p >= 0; p = t->ev[p].parent)
			if (rule[p] && rule[p]->op == rule[i]->op && rule[p] != rule[i])
				nested[p] = 1;
	}
	/* (2) and (3): rows, and the tally of every op. */
	for (size_t i = 0; i < t->n; i++) {
		const struct gb_tp_event *e = &t->ev[i];
		const struct tp_rule *r = rule[i];
		const char *why;
		uint64_t rows = 0;

		if (r && r->op == GB_OP_MATMUL && e->has_flops)
			im->profiler_flops += e->flops;
		if (!r) {
			tp_tally(&mp, e, GB_IMPORT_UNMAPPED, GB_OP_COUNT, NULL, 0);
			continue;
		}
		if (nested[i]) {
			tp_tally(&mp, e, GB_IMPORT_NESTED, r->op, NULL, 0);
			continue;
		}
		why = r->op == GB_OP_MATMUL ? tp_map_product(&mp, r, e, &rows) :
					      tp_map_rows(&mp, r, e, &rows);
		if (mp.over)
			break;
		if (why)
			tp_tally(&mp, e, GB_IMPORT_SKIPPED, r->op, why, 0);
		else
			tp_tally(&mp, e, GB_IMPORT_MAPPED, r->op, NULL, rows);
	}
	im->nweights = (uint32_t)mp.w.n;
	tp_mapper_free(&mp);
	free(rule);
	free(nested);
	if (im->nrows && !mp.over)
		return 0;
	f = gb_escape_msg(file);
	if (mp.over) {
		char *n = gb_escape_msg(mp.over->name);

		gb_error("'%s': traceEvents[%zu] (%s) would take the trace past %u requests: "
			 "profile fewer steps, or a smaller input", f, mp.over->index, n,
			 GB_IMPORT_MAX_ROWS);
		free(n);
	} else if (!im->shapes_seen) {
		gb_error("'%s' records no input shapes: profile with record_shapes=True, and export "
			 "with a torch built with kineto (docs/recording.md)", f);
	} else if ((skip = tp_first_skipped(im))) {
		char *n = gb_escape_msg(skip->name);

		gb_error("'%s' gives no request: every call of an op gbench replays was skipped "
			 "(%s: %s; docs/recording.md)", f, n, skip->why);
		free(n);
	} else {
		gb_error("'%s' holds no op gbench replays (%zu ops, none of them %s)", f, t->n,
			 "a matmul, softmax, norm, silu, sum or fft with its shapes");
	}
	free(f);
	gb_import_release(im);
	return -1;
}

void gb_import_release(struct gb_import *im)
{
	free(im->rows);
	free(im->ops);
	memset(im, 0, sizeof(*im));
}

/* An op name from the trace, safe on one metadata line. */
static void tp_put_name(FILE *f, const char *name)
{
	char *s = gb_escape_msg(name);

	fputs(s, f);
	free(s);
}

static double tp_share(const struct gb_import *im, uint64_t ns)
{
	return im->self_ns ? 100.0 * (double)ns / (double)im->self_ns : 0.0;
}

static int tp_op_by_time(const void *a, const void *b)
{
	const struct gb_import_op *x = *(struct gb_import_op *const *)a;
	const struct gb_import_op *y = *(struct gb_import_op *const *)b;

	if (x->self_ns != y->self_ns)
		return x->self_ns > y->self_ns ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* "# KEY: name count (detail), ..." for the ops of one fate, most time first; its time. */
static uint64_t tp_put_fate(FILE *f, const struct gb_import *im, enum gb_import_fate fate,
			    const char *key)
{
	const struct gb_import_op **v = gb_xmalloc((im->nops ? im->nops : 1) * sizeof(*v));
	size_t n = 0;
	uint64_t ns = 0;

	for (size_t i = 0; i < im->nops; i++)
		if (im->ops[i].fate == fate)
			v[n++] = &im->ops[i];
	qsort(v, n, sizeof(*v), tp_op_by_time);
	fprintf(f, "# %s: ", key);
	for (size_t i = 0; i < n; i++) {
		const struct gb_import_op *o = v[i];

		fputs(i ? ", " : "", f);
		tp_put_name(f, o->name);
		fprintf(f, " %llu (", (unsigned long long)o->count);
		if (fate == GB_IMPORT_MAPPED)
			fprintf(f, "%s, %llu row%s, ", gb_op_name(o->op), (unsigned long long)o->rows,
				o->rows == 1 ? "" : "s");
		if (fate == GB_IMPORT_SKIPPED)
			fprintf(f, "%s, ", o->why);
		fprintf(f, "%.1f%%)", tp_share(im, o->self_ns));
		ns += o->self_ns;
	}
	fputs(n ? "\n" : "none\n", f);
	free(v);
	return ns;
}

void gb_import_write(FILE *f, const struct gb_import *im, const struct gb_tp_trace *t,
		     const char *source)
{
	uint64_t mapped, nested, skipped, unmapped;

	fputs("# gbench-trace v1\n# source: gbench import torch-profiler ", f);
	tp_put_name(f, source);
	fputs("\n# importer: gbench import torch-profiler (matmul: aten::mm, bmm, matmul, addmm, "
	      "baddbmm, linear, mv, the weight the second operand named w<i> by its place in a "
	      "step; softmax: aten::softmax; rmsnorm: aten::rms_norm, and aten::layer_norm "
	      "without its mean and affine; silu: aten::silu; reduce: aten::sum; fft: "
	      "aten::fft_fft, _fft_c2c; along the last dimension; wrappers counted at the op "
	      "inside them; see docs/recording.md)\n", f);
	fputs("# note: times are self times (an op's duration less that of the ops it called); "
	      "a share is of all ops' self time\n", f);
	mapped = tp_put_fate(f, im, GB_IMPORT_MAPPED, "imported");
	nested = tp_put_fate(f, im, GB_IMPORT_NESTED, "nested");
	skipped = tp_put_fate(f, im, GB_IMPORT_SKIPPED, "skipped");
	unmapped = tp_put_fate(f, im, GB_IMPORT_UNMAPPED, "unmapped");
	fprintf(f, "# time: %.0f us of ops; imported %.1f%%, nested %.1f%%, skipped %.1f%%, "
		"unmapped %.1f%%\n", (double)im->self_ns / 1000.0, tp_share(im, mapped),
		tp_share(im, nested), tp_share(im, skipped), tp_share(im, unmapped));
	fprintf(f, "# flops: matmul %.0f imported, %.0f by the profiler (with_flops; 0: not "
		"recorded)\n", im->matmul_flops, im->profiler_flops);
	fprintf(f, "# streams: %u (a stream per thread); steps: %u (ProfilerStep); weights: %u\n",
		t->nstreams, t->nsteps, im->nweights);
	if (t->nother) {
		fputs("# other-events: ", f);
		for (size_t i = 0; i < t->nother; i++) {
			fputs(i ? ", " : "", f);
			tp_put_name(f, t->other[i].cat);
			fprintf(f, " %llu", (unsigned long long)t->other[i].count);
		}
		fputs(" (not ops)\n", f);
	}
	fputs("arrival_ns,stream,op,m,n,k,p,tensor,key\n", f);
	for (size_t i = 0; i < im->nrows; i++) {
		const struct gb_import_row *r = &im->rows[i];

		fprintf(f, "%llu,%u,%s,%u,%u,%u,0,", (unsigned long long)r->arrival_ns, r->stream,
			gb_op_name(r->shape.op), r->shape.m, r->shape.n, r->shape.k);
		if (r->shape.op == GB_OP_MATMUL) {
			fprintf(f, "w%u", r->weight);
			if (r->batch)
				fprintf(f, ".%u", r->batch - 1);
		}
		fputs(",\n", f);
	}
}
