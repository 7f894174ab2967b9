/*
 * torch-trace.c - reading a PyTorch profiler Chrome trace (torch-trace.h)
 * with jansson: the op events, their threads as streams, their nesting
 * recovered from time, and the ProfilerStep annotations as steps.
 *
 * The layout read is kineto's (torch.profiler's export_chrome_trace in
 * torch built with kineto, the pip and conda builds): an object whose
 * "traceEvents" array holds {"ph", "cat", "name", "pid", "tid", "ts",
 * "dur", "args"}, times in microseconds (integers or decimals). A legacy
 * trace (a bare array, "args" empty: torch built without kineto) is read
 * too; it records no shapes, which the op mapping then reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "import/torch-trace.h"

/* How far past its parent's end a child may end (see tp_finish). */
#define TP_SLACK_NS 1000

/* A ProfilerStep annotation: its thread, interval (us) and number in trace order. */
struct tp_step {
	size_t thr;
	double ts, end;
	uint32_t id;
};

/* One (pid, tid) pair, numbered in order of its first event's start. */
struct tp_thread {
	char *key;
	double first_ts;
	uint32_t id;
	int has_steps;
};

struct tp_loader {
	const char *file;
	struct gb_tp_trace *t;
	size_t evcap, othercap, namecap;
	struct tp_thread *thr;
	size_t nthr, thrcap;
	double *ts_us;              /* per event, before rebasing */
	struct tp_step *steps;      /* ProfilerStep intervals, by (thread, start) */
	struct tp_step *steps_any;  /* the same, by start alone */
	size_t nsteps, stepcap;
};

static const char *tp_intern(struct tp_loader *ld, const char *s)
{
	struct gb_tp_trace *t = ld->t;

	/* Names repeat (aten::empty thousands of times): a linear probe of the last few is enough. */
	for (size_t i = t->nnames, seen = 0; i > 0 && seen < 64; i--, seen++)
		if (!strcmp(t->names[i - 1], s))
			return t->names[i - 1];
	for (size_t i = 0; i < t->nnames; i++)
		if (!strcmp(t->names[i], s))
			return t->names[i];
	if (t->nnames == ld->namecap) {
		ld->namecap = ld->namecap ? 2 * ld->namecap : 64;
		t->names = gb_xrealloc(t->names, ld->namecap * sizeof(*t->names));
	}
	t->names[t->nnames] = gb_xstrdup(s);
	return t->names[t->nnames++];
}

static void tp_count_other(struct tp_loader *ld, const char *cat)
{
	struct gb_tp_trace *t = ld->t;

	for (size_t i = 0; i < t->nother; i++)
		if (!strcmp(t->other[i].cat, cat)) {
			t->other[i].count++;
			return;
		}
	if (t->nother == ld->othercap) {
		ld->othercap = ld->othercap ? 2 * ld->othercap : 8;
		t->other = gb_xrealloc(t->other, ld->othercap * sizeof(*t->other));
	}
	t->other[t->nother].cat = gb_xstrdup(cat);
	t->other[t->nother].count = 1;
	t->nother++;
}

/* The thread of (pid, tid), as an index into ld->thr; pid and tid may be numbers or strings. */
static size_t tp_thread(struct tp_loader *ld, json_t *pid, json_t *tid, double ts)
{
	char buf[64], *key;
	char *p = json_dumps(pid ? pid : json_null(), JSON_ENCODE_ANY | JSON_COMPACT);
	char *q = json_dumps(tid ? tid : json_null(), JSON_ENCODE_ANY | JSON_COMPACT);

	snprintf(buf, sizeof(buf), "%.28s/%.28s", p ? p : "", q ? q : "");
	free(p);
	free(q);
	key = buf;
	for (size_t i = 0; i < ld->nthr; i++)
		if (!strcmp(ld->thr[i].key, key)) {
			if (ts < ld->thr[i].first_ts)
				ld->thr[i].first_ts = ts;
			return i;
		}
	if (ld->nthr == ld->thrcap) {
		ld->thrcap = ld->thrcap ? 2 * ld->thrcap : 8;
		ld->thr = gb_xrealloc(ld->thr, ld->thrcap * sizeof(*ld->thr));
	}
	ld->thr[ld->nthr] = (struct tp_thread){ .key = gb_xstrdup(key), .first_ts = ts };
	return ld->nthr++;
}

static int tp_bad(struct tp_loader *ld, size_t i, const char *what)
{
	char *f = gb_escape_msg(ld->file);
	int rc = gb_error("%s: traceEvents[%zu]: %s", f, i, what);

	free(f);
	return rc;
}

/* A tensor type of "Input type" that holds integers or bools: not what gbench computes. */
static int tp_type_integral(const char *type)
{
	static const char *const words[] = { "int", "long", "short", "char", "bool" };

	for (size_t i = 0; type && i < GB_ARRAY_SIZE(words); i++)
		if (strstr(type, words[i]))
			return 1;
	return 0;
}

/*
 * "Input Dims": a list with one entry per input, a list of sizes or [] for
 * a non-tensor; "Input type" (types), the same length, a type name or "".
 */
static int tp_dims(struct tp_loader *ld, size_t i, json_t *dims, json_t *types,
		   struct gb_tp_event *e)
{
	size_t n;

	if (!dims)
		return 0;
	if (!json_is_array(dims))
		return tp_bad(ld, i, "'Input Dims' is not a list");
	n = json_array_size(dims);
	e->nin = n;
	e->in = gb_xcalloc(n ? n : 1, sizeof(*e->in));
	for (size_t j = 0; j < n; j++) {
		json_t *d = json_array_get(dims, j);
		struct gb_tp_dims *s = &e->in[j];

		s->rank = -1;
		s->integral = tp_type_integral(json_string_value(json_array_get(types, j)));
		if (!json_is_array(d))
			continue;   /* a list of tensors records a nested list: not a shape */
		if (json_array_size(d) == 0 || json_array_size(d) > GB_TP_MAX_DIMS)
			continue;
		s->rank = (int)json_array_size(d);
		for (size_t k = 0; k < json_array_size(d); k++) {
			json_t *v = json_array_get(d, k);

			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				s->rank = -1;
				break;
			}
			s->d[k] = json_integer_value(v);
		}
	}
	return 0;
}

static void tp_add_step(struct tp_loader *ld, size_t thr, double ts, double dur)
{
	if (ld->nsteps == ld->stepcap) {
		ld->stepcap = ld->stepcap ? 2 * ld->stepcap : 16;
		ld->steps = gb_xrealloc(ld->steps, ld->stepcap * sizeof(*ld->steps));
	}
	ld->thr[thr].has_steps = 1;
	ld->steps[ld->nsteps] = (struct tp_step){ .thr = thr, .ts = ts, .end = ts + dur,
						  .id = (uint32_t)ld->nsteps + 1 };
	ld->nsteps++;
}

/* One element of traceEvents: kept, counted or skipped. */
static int tp_event(struct tp_loader *ld, size_t i, json_t *o)
{
	struct gb_tp_trace *t = ld->t;
	const char *ph, *cat, *name;
	json_t *ts, *dur, *args;
	struct gb_tp_event *e;
	double tsv, durv;
	size_t thr;

	if (!json_is_object(o))
		return tp_bad(ld, i, "not an object");
	ph = json_string_value(json_object_get(o, "ph"));
	if (!ph || strcmp(ph, "X"))
		return 0;   /* metadata, instants, flows: not ops */
	cat = json_string_value(json_object_get(o, "cat"));
	name = json_string_value(json_object_get(o, "name"));
	if (!name)
		return tp_bad(ld, i, "a complete event (\"ph\": \"X\") without a 'name'");
	ts = json_object_get(o, "ts");
	dur = json_object_get(o, "dur");
	if (!json_is_number(ts) || !json_is_number(dur))
		return tp_bad(ld, i, "'ts' or 'dur' is not a number");
	tsv = json_number_value(ts);
	durv = json_number_value(dur);
	/* Kineto's are microseconds since the epoch (1.7e15); the bound keeps ts + dur in ns in 64 bits. */
	if (!isfinite(tsv) || !isfinite(durv) || tsv < 0 || durv < 0 || tsv > 9e15 || durv > 9e15)
		return tp_bad(ld, i, "'ts' or 'dur' is negative or out of range");
	if (!strncmp(name, "ProfilerStep#", 13)) {
		thr = tp_thread(ld, json_object_get(o, "pid"), json_object_get(o, "tid"), tsv);
		tp_add_step(ld, thr, tsv, durv);
		return 0;
	}
	/* The legacy exporter writes no category: its events are all ops. */
	if (cat && strcmp(cat, "cpu_op") && strcmp(cat, "Operator")) {
		tp_count_other(ld, cat);
		return 0;
	}
	thr = tp_thread(ld, json_object_get(o, "pid"), json_object_get(o, "tid"), tsv);
	if (t->n == ld->evcap) {
		ld->evcap = ld->evcap ? 2 * ld->evcap : 256;
		t->ev = gb_xrealloc(t->ev, ld->evcap * sizeof(*t->ev));
		ld->ts_us = gb_xrealloc(ld->ts_us, ld->evcap * sizeof(*ld->ts_us));
	}
	e = &t->ev[t->n];
	memset(e, 0, sizeof(*e));
	e->name = tp_intern(ld, name);
	e->dur_ns = (uint64_t)llround(durv * 1000.0);
	e->stream = (uint32_t)thr;   /* the thread's index; renumbered by first start below */
	e->parent = -1;
	e->index = i;
	ld->ts_us[t->n] = tsv;
	t->n++;
	args = json_object_get(o, "args");
	if (args && json_is_object(args)) {
		json_t *fl = json_object_get(args, "flops");

		if (tp_dims(ld, i, json_object_get(args, "Input Dims"),
			    json_object_get(args, "Input type"), e) < 0)
			return -1;
		if (json_is_number(fl)) {
			e->flops = json_number_value(fl);
			e->has_flops = 1;
		}
	}
	return 0;
}

static int tp_ev_cmp(const void *a, const void *b)
{
	const struct gb_tp_event *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	/* An enclosing op starts with its first child: the longer one first. */
	if (x->dur_ns != y->dur_ns)
		return x->dur_ns > y->dur_ns ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int tp_step_cmp(const void *a, const void *b)
{
	const struct tp_step *x = a, *y = b;

	if (x->thr != y->thr)
		return x->thr < y->thr ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int tp_step_ts_cmp(const void *a, const void *b)
{
	const struct tp_step *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * The step whose interval holds ts (the last to start), 0 when none: of
 * thread thr when it has steps of its own, else of any thread (the
 * annotations are on the thread that called prof.step(); autograd's
 * backward thread and a model's worker threads have none).
 */
static uint32_t tp_step_of(const struct tp_loader *ld, size_t thr, double ts)
{
	int own = ld->thr[thr].has_steps;
	const struct tp_step *v = own ? ld->steps : ld->steps_any;
	size_t lo = 0, hi = ld->nsteps;

	/* The first step after (thr, ts), or after ts; the one before it is the candidate. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tp_step *s = &v[mid];

		if (own ? s->thr < thr || (s->thr == thr && s->ts <= ts) : s->ts <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && (!own || v[lo - 1].thr == thr) && ts <= v[lo - 1].end)
		return v[lo - 1].id;
	return 0;
}

static int tp_thr_cmp(const void *a, const void *b)
{
	const struct tp_thread *x = *(struct tp_thread *const *)a, *y = *(struct tp_thread *const *)b;

	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	return strcmp(x->key, y->key);
}

/*
 * Times from the earliest event, threads numbered by first start, events
 * sorted, nesting and self time per thread, steps per event.
 */
static void tp_finish(struct tp_loader *ld)
{
	struct gb_tp_trace *t = ld->t;
	struct tp_thread **order;
	double t0 = INFINITY;
	long *stack;

	for (size_t i = 0; i < t->n; i++)
		if (ld->ts_us[i] < t0)
			t0 = ld->ts_us[i];
	for (size_t i = 0; i < t->n; i++)
		t->ev[i].ts_ns = (uint64_t)llround((ld->ts_us[i] - t0) * 1000.0);
	order = gb_xmalloc((ld->nthr ? ld->nthr : 1) * sizeof(*order));
	for (size_t i = 0; i < ld->nthr; i++)
		order[i] = &ld->thr[i];
	qsort(order, ld->nthr, sizeof(*order), tp_thr_cmp);
	for (size_t i = 0; i < ld->nthr; i++)
		order[i]->id = (uint32_t)i;
	free(order);
	if (ld->nsteps) {
		ld->steps_any = gb_xmalloc(ld->nsteps * sizeof(*ld->steps_any));
		memcpy(ld->steps_any, ld->steps, ld->nsteps * sizeof(*ld->steps_any));
		qsort(ld->steps, ld->nsteps, sizeof(*ld->steps), tp_step_cmp);
		qsort(ld->steps_any, ld->nsteps, sizeof(*ld->steps_any), tp_step_ts_cmp);
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t thr = t->ev[i].stream;

		t->ev[i].stream = ld->thr[thr].id;
		/* An op's step is the ProfilerStep on its thread that holds its start. */
		t->ev[i].step = tp_step_of(ld, thr, ld->ts_us[i]);
	}
	t->nstreams = (uint32_t)ld->nthr;
	t->nsteps = (uint32_t)ld->nsteps;
	if (t->n)
		qsort(t->ev, t->n, sizeof(*t->ev), tp_ev_cmp);

	/*
	 * Nesting: events of a thread in start order; an op lies inside the
	 * innermost open op it starts in (at its first tick, or before its
	 * last: an op starting on the tick another ended is the next one)
	 * and ends within a microsecond of its end. The slack is the
	 * profiler's: times are rounded to whole microseconds apart, and torch
	 * 1.13's record children ending a tick after their parents (an
	 * aten::matmul at 8942 + 31 inside an aten::linear at 8934 + 38).
	 */
	stack = gb_xmalloc((t->n ? t->n : 1) * sizeof(*stack));
	for (uint32_t s = 0; s < t->nstreams; s++) {
		size_t depth = 0;

		for (size_t i = 0; i < t->n; i++) {
			struct gb_tp_event *e = &t->ev[i];

			if (e->stream != s)
				continue;
			while (depth) {
				const struct gb_tp_event *p = &t->ev[stack[depth - 1]];

				uint64_t end = p->ts_ns + p->dur_ns;

				if (e->ts_ns >= p->ts_ns && (e->ts_ns < end || e->ts_ns == p->ts_ns) &&
				    e->ts_ns + e->dur_ns <= end + TP_SLACK_NS)
					break;
				depth--;
			}
			e->parent = depth ? stack[depth - 1] : -1;
			stack[depth++] = (long)i;
		}
	}
	free(stack);
	for (size_t i = 0; i < t->n; i++)
		t->ev[i].self_ns = t->ev[i].dur_ns;
	for (size_t i = 0; i < t->n; i++) {
		long p = t->ev[i].parent;

		if (p >= 0)
			t->ev[p].self_ns -= t->ev[p].self_ns < t->ev[i].dur_ns ? t->ev[p].self_ns :
										t->ev[i].dur_ns;
	}
}

static void tp_loader_free(struct tp_loader *ld)
{
	for (size_t i = 0; i < ld->nthr; i++)
		free(ld->thr[i].key);
	free(ld->thr);
	free(ld->ts_us);
	free(ld->steps);
	free(ld->steps_any);
}

int gb_tp_parse(const char *buf, size_t len, const char *file, struct gb_tp_trace *t)
{
	struct tp_loader ld = { .file = file, .t = t };
	json_error_t jerr;
	json_t *root, *events;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	root = json_loadb(buf, len, 0, &jerr);
	if (!root) {
		char *f = gb_escape_msg(file), *m = gb_escape_msg(jerr.text);

		gb_error("%s:%d:%d: not valid JSON: %s", f, jerr.line, jerr.column, m);
		free(f);
		free(m);
		return -1;
	}
	events = json_is_array(root) ? root : json_object_get(root, "traceEvents");
	if (!json_is_array(events)) {
		char *f = gb_escape_msg(file);

		gb_error("%s:1:1: not a PyTorch profiler trace: no 'traceEvents' array "
			 "(export it with prof.export_chrome_trace)", f);
		free(f);
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(events) && !rc; i++)
		rc = tp_event(&ld, i, json_array_get(events, i));
	json_decref(root);
	if (!rc)
		tp_finish(&ld);
	tp_loader_free(&ld);
	if (rc)
		gb_tp_release(t);
	return rc;
}

int gb_tp_load(const char *path, struct gb_tp_trace *t)
{
	size_t len;
	char *buf = gb_read_file(path, &len);
	int rc;

	memset(t, 0, sizeof(*t));
	if (!buf)
		return -1;
	rc = gb_tp_parse(buf, len, path, t);
	free(buf);
	return rc;
}

void gb_tp_release(struct gb_tp_trace *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->ev[i].in);
	free(t->ev);
	for (size_t i = 0; i < t->nother; i++)
		free(t->other[i].cat);
	free(t->other);
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	memset(t, 0, sizeof(*t));
}
