/*
 * memplan.c - the memory plan of a run (see memplan.h): what the run's
 * cells will hold at the peak, added up from the traces' rows with
 * saturating arithmetic, the limit it must fit (a share of physical memory
 * unless --max-memory or max_memory says otherwise), and the one line that
 * refuses a plan over it.
 *
 * The plan follows what replay.c, lru.c, exec-cpu.c and vulkan/
 * allocate: a change to what they keep should change the plan too. It is
 * an upper bound where the code's peak depends on the order of events (the
 * oracle's answers, the result cache's buffers), never a guess below it.
 */
#include "plan/memplan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "hist.h"
#include "lru.h"

uint64_t gb_memplan_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	if (a == GB_MEMPLAN_TOO_LARGE || b == GB_MEMPLAN_TOO_LARGE ||
	    __builtin_add_overflow(a, b, &r))
		return GB_MEMPLAN_TOO_LARGE;
	return r;
}

uint64_t gb_memplan_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	if (a == 0 || b == 0)
		return 0;
	if (a == GB_MEMPLAN_TOO_LARGE || b == GB_MEMPLAN_TOO_LARGE ||
	    __builtin_mul_overflow(a, b, &r))
		return GB_MEMPLAN_TOO_LARGE;
	return r;
}

void gb_memplan_init(struct gb_memplan *p)
{
	memset(p, 0, sizeof(*p));
}

void gb_memplan_release(struct gb_memplan *p)
{
	for (size_t i = 0; i < p->nparts; i++) {
		free(p->parts[i].key);
		free(p->parts[i].what);
	}
	free(p->parts);
	free(p->refusal);
	memset(p, 0, sizeof(*p));
}

/* Add count things of total bytes in all; each is their size, 0 when sizes vary. */
static void add(struct gb_memplan *p, int device, const char *key, const char *what,
		uint64_t each, uint64_t count, uint64_t total)
{
	struct gb_memplan_part *t = NULL;
	uint64_t *sum = device ? &p->device : &p->host;

	if (!count || !total)
		return;
	for (size_t i = 0; i < p->nparts && !t; i++)
		if (p->parts[i].device == device && !strcmp(p->parts[i].key, key))
			t = &p->parts[i];
	if (!t) {
		p->parts = gb_xrealloc(p->parts, (p->nparts + 1) * sizeof(*p->parts));
		t = &p->parts[p->nparts++];
		*t = (struct gb_memplan_part){ .key = gb_xstrdup(key), .what = gb_xstrdup(what),
					       .each = each, .device = device };
	}
	if (t->each != each)
		t->each = 0;
	t->count = gb_memplan_add(t->count, count);
	t->total = gb_memplan_add(t->total, total);
	*sum = gb_memplan_add(*sum, total);
}

void gb_memplan_part(struct gb_memplan *p, int device, const char *key, const char *what,
		     uint64_t each, uint64_t count)
{
	add(p, device, key, what, each, count, gb_memplan_mul(each, count));
}

/* A part whose key is its description. */
static void GB_PRINTF(5, 6) part(struct gb_memplan *p, int device, uint64_t each,
				 uint64_t count, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (!what)
		what = gb_xstrdup("?");
	gb_memplan_part(p, device, what, what, each, count);
	free(what);
}

static int by_total(const void *a, const void *b)
{
	const struct gb_memplan_part *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->what, y->what);
}

/* ---- the plan of a run ---- */

/* What a workload's cells ask of it, and what its rows need, found once. */
struct wl_use {
	int quant[GB_Q_COUNT], quant_vk[GB_Q_COUNT];   /* quant levels its cells use */
	uint64_t batch_sum;              /* of its distinct batch sizes */
	uint32_t batches[GB_MAX_LIST];
	size_t nbatches;
	uint64_t max_m;                  /* rows of its largest request */
	uint64_t row_cpu;                /* the cpu executor's floats for one request, at most */
	uint64_t lru_held, lru_out;      /* result cache entries it fills, bytes of each at most */
};

static int by_held(const void *a, const void *b)
{
	const struct wl_use *x = a, *y = b;

	return (x->lru_held < y->lru_held) - (x->lru_held > y->lru_held);
}

/*
 * The result cache's outputs: one cache serves every cell and keeps each
 * entry's buffer at the largest output it held, so entry j holds at most
 * the largest output among the workloads that fill more than j entries.
 */
static uint64_t lru_outputs(const struct wl_use *use, size_t nwl, uint64_t *entries)
{
	struct wl_use *u = gb_xmalloc((nwl + 1) * sizeof(*u));
	uint64_t sum = 0, big = 0;

	memcpy(u, use, nwl * sizeof(*u));
	qsort(u, nwl, sizeof(*u), by_held);
	for (size_t i = 0; i < nwl && u[i].lru_held; i++) {
		uint64_t next = i + 1 < nwl ? u[i + 1].lru_held : 0;

		big = u[i].lru_out > big ? u[i].lru_out : big;
		sum = gb_memplan_add(sum, gb_memplan_mul(u[i].lru_held - next, big));
	}
	*entries = nwl ? u[0].lru_held : 0;
	free(u);
	return sum;
}

static const char *input_dims(const struct gb_shape *s, char *buf, size_t len)
{
	switch (s->op) {
	case GB_OP_MATMUL:
	case GB_OP_TOPK:
		snprintf(buf, len, "%ux%u", s->m, s->k);
		break;
	case GB_OP_FFT:
		snprintf(buf, len, "%ux%u complex", s->m, s->n);
		break;
	default:
		snprintf(buf, len, "%ux%u", s->m, s->n);
		break;
	}
	return buf;
}

/* Bytes the float64 oracle keeps for one input of shape s. */
static uint64_t oracle_bytes(const struct gb_shape *s)
{
	uint64_t b = gb_memplan_mul(gb_shape_out_floats(s), sizeof(double));

	if (s->op == GB_OP_TOPK)
		b = gb_memplan_add(b, gb_memplan_mul((uint64_t)s->m * s->p, sizeof(uint32_t)));
	return b;
}

/* Floats the cpu executor's own buffers hold per row of a call like s (exec-cpu.c). */
static uint64_t cpu_row_floats(const struct gb_shape *s)
{
	uint64_t kpad = ((uint64_t)s->k + GB_QBLOCK - 1) / GB_QBLOCK * GB_QBLOCK;

	if (s->op == GB_OP_MATMUL)
		return kpad;
	if (s->op == GB_OP_TOPK)
		return kpad + s->n;          /* padded queries, then every score */
	return 0;
}

/*
 * Things of one kind added up before they become a part: a trace may hold
 * a million distinct inputs or tensors, and one part per name or shape
 * would make the plan quadratic and unreadable. The largest names the group.
 */
struct agg {
	uint64_t count, total, max, first;
	char name[96], dims[64];         /* of the largest (the first when all are alike) */
};

static void agg_add(struct agg *a, uint64_t bytes, const char *name, const char *dims)
{
	if (!a->count)
		a->first = bytes;
	if (!a->count || bytes > a->max) {
		a->max = bytes;
		snprintf(a->name, sizeof(a->name), "%s", name);
		snprintf(a->dims, sizeof(a->dims), "%s", dims);
	}
	a->count++;
	a->total = gb_memplan_add(a->total, bytes);
}

/*
 * The group as one part: "tensor 'w0' of 'x': matmul 64x64 f32" alone,
 * "tensors of 'x' like 'w0': ..." (count x each) when all are alike, else
 * "tensors of 'x' up to 'w3': ..." (the total, `each` 0).
 */
static void agg_part(struct gb_memplan *p, int device, const struct agg *a, const char *key,
		     const char *noun, const char *wl, enum gb_op op, const char *suffix)
{
	int alike = gb_memplan_mul(a->first, a->count) == a->total && a->max == a->first;
	char *what, *nm = gb_xasprintf("%s%s", *a->name ? " " : "", a->name);

	if (!a->count) {
		free(nm);
		return;
	}
	if (a->count == 1)
		what = gb_xasprintf("%s%s of '%s': %s %s%s", noun, nm, wl, gb_op_name(op),
				    a->dims, suffix);
	else if (*a->name)
		what = gb_xasprintf("%ss of '%s' %s%s: %s %s%s", noun, wl,
				    alike ? "like" : "up to", nm, gb_op_name(op), a->dims, suffix);
	else
		what = gb_xasprintf("%ss of '%s': %s %s%s%s", noun, wl, gb_op_name(op),
				    alike ? "" : "up to ", a->dims, suffix);
	add(p, device, key, what, alike ? a->first : 0, a->count, a->total);
	free(what);
	free(nm);
}

static void plan_workload(struct gb_memplan *p, const struct gb_workload *w,
			  const struct wl_use *u, const struct gb_memplan_input *in)
{
	const char *name = w->trace.name;
	struct agg tens[GB_OP_COUNT][1 + GB_Q_COUNT], inputs[GB_OP_COUNT];
	uint64_t oracle_n[GB_OP_COUNT] = { 0 }, oracle_max[GB_OP_COUNT] = { 0 };
	char dims[64], tname[96], key[128], what[256];

	memset(tens, 0, sizeof(tens));
	memset(inputs, 0, sizeof(inputs));
	/* the trace's rows and the maps replay keeps of them */
	snprintf(key, sizeof(key), "rows|%s", name);
	snprintf(what, sizeof(what), "trace rows of '%s'", name);
	gb_memplan_part(p, 0, key, what, sizeof(struct gb_request) + 6 * sizeof(uint32_t) + 64,
			w->trace.n);
	/* persistent operands: f32 as generated, then once per quant level used */
	for (uint32_t t = 0; t < w->ntensors; t++) {
		const struct gb_tensor_data *td = &w->tensors[t];

		snprintf(tname, sizeof(tname), "'%.80s'", td->name);
		snprintf(dims, sizeof(dims), "%ux%u", td->rows, td->cols);
		agg_add(&tens[td->op][0], gb_memplan_mul(gb_memplan_mul(td->rows, td->cols),
							 sizeof(float)), tname, dims);
		for (int q = 0; q < GB_Q_COUNT; q++) {
			/* rows of row_bytes, the whole rounded up to 64 bytes (quant.c) */
			uint64_t b = gb_memplan_add(gb_memplan_mul(td->rows, gb_quant_row_bytes(
							(enum gb_quant)q, td->cols)), 63);

			if (u->quant[q])
				agg_add(&tens[td->op][1 + q],
					b == GB_MEMPLAN_TOO_LARGE ? b : b / 64 * 64, tname, dims);
		}
	}
	for (int op = 0; op < GB_OP_COUNT; op++)
		for (int q = 0; q < 1 + GB_Q_COUNT; q++) {
			const struct agg *a = &tens[op][q];
			char *suffix = q ? gb_xasprintf(" at quant %s",
							gb_quant_name((enum gb_quant)(q - 1)))
					 : gb_xstrdup(" f32 as generated");

			snprintf(key, sizeof(key), "tensors|%s|%d|%d", name, op, q);
			agg_part(p, 0, a, key, "tensor", name, (enum gb_op)op, suffix);
			if (q && u->quant_vk[q - 1]) {
				char *vs = gb_xasprintf("%s on the Vulkan device", suffix);

				snprintf(key, sizeof(key), "vk-tensors|%s|%d|%d", name, op, q);
				agg_part(p, !in->vulkan_host, a, key, "tensor", name, (enum gb_op)op, vs);
				free(vs);
			}
			free(suffix);
		}
	/* every distinct input, generated before any timing */
	for (uint32_t i = 0; i < w->ninputs; i++) {
		const struct gb_shape *s = &w->input_shape[i];
		uint64_t ob = oracle_bytes(s);

		agg_add(&inputs[s->op], gb_memplan_mul(gb_shape_in_floats(s), sizeof(float)), "",
			input_dims(s, dims, sizeof(dims)));
		oracle_n[s->op]++;
		oracle_max[s->op] = ob > oracle_max[s->op] ? ob : oracle_max[s->op];
	}
	for (int op = 0; op < GB_OP_COUNT; op++) {
		snprintf(key, sizeof(key), "inputs|%s|%d", name, op);
		agg_part(p, 0, &inputs[op], key, "input", name, (enum gb_op)op, "");
	}
	/*
	 * The oracle's answers, kept per distinct input it checked: each cell
	 * checks its first accuracy_samples calls of each op (top-k: until 128
	 * queries), so at most samples x batch inputs per batch size; bounded
	 * by the op's largest answer times that many (or all of them).
	 */
	for (int op = 0; in->accuracy_samples && op < GB_OP_COUNT; op++) {
		uint64_t calls = in->accuracy_samples, reach;

		if (op == GB_OP_TOPK && calls < 128)
			calls = 128;
		reach = gb_memplan_mul(calls, u->batch_sum);
		snprintf(key, sizeof(key), "oracle|%s|%d", name, op);
		snprintf(what, sizeof(what), "float64 oracle answers of '%s' for %s, at most",
			 name, gb_op_name((enum gb_op)op));
		gb_memplan_part(p, 0, key, what, oracle_max[op],
				oracle_n[op] < reach ? oracle_n[op] : reach);
	}
}

/* The buffers every cell shares, grown to the largest (replay.c, exec-cpu.c, lru.c). */
static void plan_shared(struct gb_memplan *p, const struct gb_memplan_input *in,
			struct wl_use *use)
{
	uint64_t x = 0, y = 0, idx = 0, cpu = 0, vk = 0, lru_n = 0, lru_bytes, cache = 0;
	uint32_t bx = 0, bcpu = 0, bvk = 0;
	uint64_t nx = 0;
	const char *wx = "", *wcpu = "", *wvk = "";

	for (size_t c = 0; c < in->ncells; c++) {
		const struct gb_memplan_cell *cl = &in->cells[c];
		const struct gb_workload *w = &in->wl[cl->workload];
		/* a batch takes one request per stream at most (replay.c's gb_replay__scratch_reserve) */
		uint64_t b = cl->batch < w->nstreams ? cl->batch : w->nstreams;
		uint64_t cx, cy, ci, cc, io;

		cx = gb_memplan_mul(b, w->max_in);
		cy = gb_memplan_mul(b, w->max_out);
		ci = gb_memplan_add(gb_memplan_mul(b, w->max_p), 1);
		cc = gb_memplan_mul(b, use[cl->workload].row_cpu);
		if (cx > x || cy > y) {
			bx = cl->batch;
			nx = b;
			wx = w->trace.name;
		}
		x = cx > x ? cx : x;
		y = cy > y ? cy : y;
		idx = ci > idx ? ci : idx;
		if (cc > cpu) {
			cpu = cc;
			bcpu = cl->batch;
			wcpu = w->trace.name;
		}
		io = gb_memplan_add(gb_memplan_add(cx, cy), ci);
		if (cl->vulkan && io > vk) {
			vk = io;
			bvk = cl->batch;
			wvk = w->trace.name;
		}
		/* one result cache for all cells: its entries, and an output per entry held */
		cache = cl->cache > cache ? cl->cache : cache;
		if (cl->cache) {
			struct wl_use *u = &use[cl->workload];
			uint64_t held = cl->cache < w->ncache_ids ? cl->cache : w->ncache_ids;

			u->lru_held = held > u->lru_held ? held : u->lru_held;
			u->lru_out = gb_memplan_mul(gb_memplan_add(w->max_out, w->max_p),
						    sizeof(float));
		}
	}
	lru_bytes = lru_outputs(use, in->nwl, &lru_n);
	/* x, then y and the reference's y, then the two index arrays */
	part(p, 0, gb_memplan_add(gb_memplan_mul(x, sizeof(float)),
				  gb_memplan_add(gb_memplan_mul(gb_memplan_mul(y, 2), sizeof(float)),
						 gb_memplan_mul(gb_memplan_mul(idx, 2),
								sizeof(uint32_t)))),
	     1, "replay buffers at batch %u (%llu of the largest requests of '%s' at once)", bx,
	     (unsigned long long)nx, wx);
	part(p, 0, gb_memplan_mul(cpu, sizeof(float)), 1,
	     "cpu executor buffers at batch %u (padded rows and scores of '%s')", bcpu, wcpu);
	part(p, !in->vulkan_host, gb_memplan_mul(vk, sizeof(float)), 1,
	     "Vulkan per-call buffers at batch %u of '%s'", bvk, wvk);
	part(p, 0, gb_memplan_mul(cache, sizeof(struct gb_lru_entry)), 1,
	     "result cache entries (capacity %llu)", (unsigned long long)cache);
	part(p, 0, lru_bytes, 1, "result cache outputs (%llu entries at most)",
	     (unsigned long long)lru_n);
}

/* What each cell holds while all of them are open (replay.c, results.c). */
static void plan_cells(struct gb_memplan *p, const struct gb_memplan_input *in)
{
	/* the metrics a repetition records (about 40), doubling arrays: x 2 */
	const uint64_t metric_bytes = 48 * sizeof(double) * 2;

	part(p, 0, GB_HIST_BYTES, in->ncells + 1 + (in->open_mode ? 3 : 0),
	     "latency histograms (%zu KiB each: one per cell and the replay's own)",
	     (size_t)GB_HIST_BYTES / 1024);
	for (size_t c = 0; c < in->ncells; c++) {
		const struct gb_memplan_cell *cl = &in->cells[c];
		/* its batch's members, and the calls counted by size twice (replay, results) */
		uint64_t b = gb_memplan_add(gb_memplan_mul(cl->batch, sizeof(uint32_t)),
					    gb_memplan_mul((uint64_t)cl->batch + 1,
							   2 * sizeof(uint64_t)));

		part(p, 0, b, 1, "per-cell batch counts at batch %u", cl->batch);
		part(p, 0, gb_memplan_mul(cl->reps, metric_bytes), 1, "repetition values of the cells");
	}
}

/*
 * A batched call stacks the rows of up to `batch` requests (one per stream)
 * into one executor call whose row count is a uint32_t: a plan whose call
 * could stack more is refused whatever the memory.
 */
static void check_rows(struct gb_memplan *p, const struct gb_memplan_input *in,
		       const struct wl_use *use)
{
	for (size_t c = 0; c < in->ncells && !p->refusal; c++) {
		const struct gb_memplan_cell *cl = &in->cells[c];
		const struct gb_workload *w = &in->wl[cl->workload];
		uint64_t m = use[cl->workload].max_m;
		uint64_t per = cl->batch < w->nstreams ? cl->batch : w->nstreams;

		if (gb_memplan_mul(per, m) > UINT32_MAX)
			p->refusal = gb_xasprintf("batch %u of '%s' would stack up to %llu "
						  "requests of %llu rows into one call, over %u "
						  "rows", cl->batch, w->trace.name,
						  (unsigned long long)per, (unsigned long long)m,
						  UINT32_MAX);
	}
}

void gb_memplan_compute(struct gb_memplan *p, const struct gb_memplan_input *in)
{
	struct wl_use *use = gb_xcalloc(in->nwl + 1, sizeof(*use));

	gb_memplan_init(p);
	for (size_t w = 0; w < in->nwl; w++)
		for (size_t i = 0; i < in->wl[w].trace.n; i++) {
			const struct gb_shape *s = &in->wl[w].trace.req[i].shape;
			uint64_t f = gb_memplan_mul(s->m, cpu_row_floats(s));

			use[w].max_m = s->m > use[w].max_m ? s->m : use[w].max_m;
			use[w].row_cpu = f > use[w].row_cpu ? f : use[w].row_cpu;
		}
	for (size_t c = 0; c < in->ncells; c++) {
		const struct gb_memplan_cell *cl = &in->cells[c];
		struct wl_use *u = &use[cl->workload];
		size_t b;

		u->quant[cl->quant] = 1;
		u->quant_vk[cl->quant] |= cl->vulkan;
		for (b = 0; b < u->nbatches && u->batches[b] != cl->batch; b++)
			;
		if (b == u->nbatches && b < GB_ARRAY_SIZE(u->batches)) {
			u->batches[u->nbatches++] = cl->batch;
			u->batch_sum = gb_memplan_add(u->batch_sum, cl->batch);
		}
	}
	/* every loaded workload is generated, whether a cell of it survived --filter */
	for (size_t w = 0; w < in->nwl; w++)
		plan_workload(p, &in->wl[w], &use[w], in);
	plan_shared(p, in, use);
	plan_cells(p, in);
	check_rows(p, in, use);
	if (in->processes > 1)
		part(p, 0, p->host, 1, "each other process of the shared run, one at a time "
		     "beside this one (about as much)");
	qsort(p->parts, p->nparts, sizeof(*p->parts), by_total);
	free(use);
}

/* ---- the limit ---- */

/* A cgroup v2 memory.max (or v1 limit_in_bytes) in bytes; 0 when none or unreadable. */
static uint64_t read_limit_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[64];
	uint64_t v = 0;

	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) && strncmp(line, "max", 3))
		if (gb_parse_u64(strtok(line, "\n") ? line : "", UINT64_MAX, &v) < 0)
			v = 0;
	fclose(f);
	return v;
}

/* The lowest memory.max of this process's cgroup and its ancestors (v2), or v1's. */
static uint64_t cgroup_limit(void)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[4096];
	uint64_t best = read_limit_file("/sys/fs/cgroup/memory/memory.limit_in_bytes");

	while (f && fgets(line, sizeof(line), f)) {
		char *path, *slash;

		if (strncmp(line, "0::", 3))
			continue;
		path = line + 3;
		path[strcspn(path, "\n")] = '\0';
		for (;;) {
			char *file = gb_xasprintf("/sys/fs/cgroup%s/memory.max",
						  strcmp(path, "/") ? path : "");
			uint64_t v = read_limit_file(file);

			free(file);
			if (v && (!best || v < best))
				best = v;
			slash = strrchr(path, '/');
			if (!slash || slash == path)
				break;
			*slash = '\0';
		}
	}
	if (f)
		fclose(f);
	return best;
}

static uint64_t mem_total(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return gb_memplan_mul(kb, 1024);
}

uint64_t gb_memplan_default_limit(char *why, size_t len)
{
	uint64_t total = mem_total(), cg = cgroup_limit(), base = total;
	const char *of = "physical memory";
	char size[32];

	if (cg && (!base || cg < base)) {
		base = cg;
		of = "the cgroup's memory.max";
	}
	if (!base) {
		snprintf(why, len, "none: physical memory unknown; --max-memory sets one");
		return 0;
	}
	gb_memplan_format(base, size, sizeof(size));
	snprintf(why, len, "%d%% of %s, %s; --max-memory sets it", GB_MEMPLAN_SHARE_PCT, of,
		 size);
	return base / 100 * GB_MEMPLAN_SHARE_PCT;
}

/* ---- telling ---- */

void gb_memplan_format(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int u = -1;

	if (bytes == GB_MEMPLAN_TOO_LARGE) {
		snprintf(buf, len, "more than 16 EiB");
		return;
	}
	while (u + 1 < (int)GB_ARRAY_SIZE(units) && bytes >> (10 * (u + 2)))
		u++;
	if (u < 0) {
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	} else if (!(bytes & ((1ull << (10 * (u + 1))) - 1))) {
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes >> (10 * (u + 1))),
			 units[u]);
	} else {
		double v = (double)bytes / (double)(1ull << (10 * (u + 1)));

		/* "3.1 MiB", "18.8 GiB", "123 MiB" */
		snprintf(buf, len, v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
	}
}

/* "what: 256 MiB x 100 = 25 GiB", or "what: 1.2 MiB"; caller frees. */
static char *describe(const struct gb_memplan_part *t)
{
	char each[32], total[32];

	gb_memplan_format(t->each, each, sizeof(each));
	gb_memplan_format(t->total, total, sizeof(total));
	if (!t->each)       /* sizes vary */
		return gb_xasprintf("%s: %s in all for %llu", t->what, total,
				    (unsigned long long)t->count);
	if (t->count == 1)
		return gb_xasprintf("%s: %s", t->what, each);
	return gb_xasprintf("%s: %s x %llu = %s", t->what, each, (unsigned long long)t->count,
			    total);
}

int gb_memplan_check(const struct gb_memplan *p, uint64_t limit, const char *limit_why)
{
	char need[32], lim[32], *line = gb_xstrdup("");
	struct gb_memplan_part *sorted;   /* shallow copies: p owns the strings */
	int shown = 0;

	if (p->refusal) {
		free(line);
		return gb_error("the plan cannot run: %s", p->refusal);
	}
	if (p->host != GB_MEMPLAN_TOO_LARGE && (!limit || p->host <= limit)) {
		free(line);
		return 0;
	}
	/* the three largest host parts (a copy sorted: the plan may not be) */
	sorted = gb_xmalloc((p->nparts + 1) * sizeof(*sorted));
	memcpy(sorted, p->parts, p->nparts * sizeof(*sorted));
	qsort(sorted, p->nparts, sizeof(*sorted), by_total);
	for (size_t i = 0; i < p->nparts && shown < 3; i++) {
		char *d, *t;

		if (sorted[i].device)
			continue;
		d = describe(&sorted[i]);
		t = gb_xasprintf("%s%s%s", line, shown++ ? "; " : "", d);
		free(d);
		free(line);
		line = t;
	}
	free(sorted);
	gb_memplan_format(p->host, need, sizeof(need));
	gb_memplan_format(limit, lim, sizeof(lim));
	if (limit)
		gb_error("the plan needs %s of memory at its peak, over the limit of %s (%s): %s",
			 need, lim, limit_why, line);
	else
		gb_error("the plan needs %s of memory at its peak: %s", need, line);
	free(line);
	return -1;
}

void gb_memplan_print(const struct gb_memplan *p, uint64_t limit, const char *limit_why,
		      FILE *f)
{
	char need[32], lim[32], dev[32];

	gb_memplan_format(p->host, need, sizeof(need));
	gb_memplan_format(limit, lim, sizeof(lim));
	gb_memplan_format(p->device, dev, sizeof(dev));
	fprintf(f, "memory: %s at the peak, limit %s (%s)", need, limit ? lim : "none",
		limit_why);
	if (p->device)
		fprintf(f, "; %s of Vulkan device memory", dev);
	fputc('\n', f);
	for (size_t i = 0; i < p->nparts; i++) {
		char *d;

		/* the largest ten, then the rest in one line */
		if (i == 10 && p->nparts > 11) {
			uint64_t rest = 0;

			for (size_t j = i; j < p->nparts; j++)
				rest = gb_memplan_add(rest, p->parts[j].total);
			gb_memplan_format(rest, need, sizeof(need));
			fprintf(f, "  %zu smaller parts: %s in all\n", p->nparts - i, need);
			break;
		}
		d = describe(&p->parts[i]);
		fprintf(f, "  %s%s\n", d, p->parts[i].device ? " (device memory)" : "");
		free(d);
	}
}

static json_int_t jbytes(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

json_t *gb_memplan_json(const struct gb_memplan *p, uint64_t limit, const char *limit_why)
{
	json_t *parts = json_array();

	for (size_t i = 0; i < p->nparts && i < 8; i++)
		json_array_append_new(parts, json_pack("{s:s, s:I, s:I, s:I, s:b}",
			"what", p->parts[i].what, "bytes", jbytes(p->parts[i].each),
			"count", jbytes(p->parts[i].count),
			"total_bytes", jbytes(p->parts[i].total), "device", p->parts[i].device));
	return json_pack("{s:I, s:I, s:I, s:s, s:o}", "peak_bytes", jbytes(p->host),
			 "device_bytes", jbytes(p->device), "limit_bytes", jbytes(limit),
			 "limit", limit_why, "parts", parts);
}

int gb_memplan_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "KB", 10 }, { "KiB", 10 }, { "M", 20 }, { "MB", 20 }, { "MiB", 20 },
		{ "G", 30 }, { "GB", 30 }, { "GiB", 30 }, { "T", 40 }, { "TB", 40 }, { "TiB", 40 },
	};
	char *end;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	for (size_t i = 0; i < GB_ARRAY_SIZE(units); i++) {
		size_t n = strlen(units[i].suffix);
		const char *rest = end + n;

		if (strncmp(end, units[i].suffix, n) || (n == 0 && *end && *end != ' ' &&
							 *end != '\t'))
			continue;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (*rest)
			continue;
		if (units[i].shift && v > (UINT64_MAX >> units[i].shift))
			return -1;
		v <<= units[i].shift;
		if (v < (1ull << 20))
			return -1;
		*out = v;
		return 0;
	}
	return -1;
}
