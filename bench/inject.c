/*
 * inject.c - GB_INJECT, the gate's calibrated slowdown (inject.h).
 *
 * Why calibrated against the call's own time and then fixed per shape: a
 * fixed step count per FLOP would slow a 50 ns softmax by 100% and a 1 ms
 * matmul by 0.01%, so "2% slower" would mean nothing; a step count
 * recomputed every call from that call's time would make the instruction
 * count vary with the clock, and callgrind's two runs of a cell would
 * disagree (compare flags that non-deterministic). So the first call of a
 * shape in a process is run twice more (executor.c; a call is a pure
 * function of its inputs), the fastest of the three sets the shape's step
 * count, and every call of the shape does exactly that many from then on.
 */
#include "inject.h"

#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"

#define SLOTS 512               /* shapes remembered; more are calibrated every call */
#define LINES 4096              /* 256 KiB of cache lines: an L2's worth */

struct slot {
	struct gb_shape s;
	int used;
	uint64_t min_ns;        /* the calibrating time; UINT64_MAX until then */
};

static struct {
	int on;
	const char *spec;
	double frac[GB_OP_COUNT];
	int64_t fixed[GB_OP_COUNT];     /* OP:+STEPS: steps a call, uncalibrated; 0: none */
	char **cells;                   /* GB_INJECT_CELLS globs; NULL: every cell */
	double steps_per_ns;
	pthread_mutex_t lock;
	struct slot slots[SLOTS];
} inj = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint64_t lines[LINES * 8];
static volatile uint64_t sink;

uint64_t gb_inject_work(uint64_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (uint64_t i = 0; i < n; i++) {
		/* each step needs the one before: no overlap the core could find */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((i & 15) == 0)
			lines[((x >> 40) % LINES) * 8] += x;
	}
	sink = x;
	return x;
}

/* Steps per ns of gb_inject_work here: the best of a few timings of 2^18 steps. */
static double calibrate(void)
{
	double best = 0;

	for (int t = 0; t < 5; t++) {
		uint64_t t0 = gb_now_ns(), dt;

		gb_inject_work(1u << 18);
		dt = gb_now_ns() - t0;
		if (dt && (double)(1u << 18) / (double)dt > best)
			best = (double)(1u << 18) / (double)dt;
	}
	return best > 0 ? best : 1;
}

static int parse_fraction(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s)
		return -1;
	if (*end == '%' && end[1] == 0)
		v /= 100;
	else if (*end)
		return -1;
	if (!(v > 0 && v <= 10))
		return -1;
	*out = v;
	return 0;
}

static struct slot *find_slot(const struct gb_shape *s);

/*
 * The parent's calibration, for a callgrind child (gb_inject_export_env):
 * "STEPS_PER_NS;OP,M,N,K,P=NS;...". Under valgrind every clock reading is
 * valgrind's, which slows a SIMD kernel far more than the step loop (10%
 * asked gave +82% and +187% instructions in two runs calibrated there), so
 * the child does the steps the parent calibrated natively. 0, or -1 when
 * there is no table or it is not one.
 */
static int import_table(const char *t)
{
	char *end;

	if (!t || !*t)
		return -1;
	inj.steps_per_ns = strtod(t, &end);
	if (end == t || !(inj.steps_per_ns > 0))
		return -1;
	while (*end == ';') {
		int op;
		unsigned m, n, k, p;
		unsigned long long ns;
		int used = 0;
		struct slot *sl;

		if (sscanf(end + 1, "%d,%u,%u,%u,%u=%llu%n", &op, &m, &n, &k, &p, &ns, &used) != 6 ||
		    op < 0 || op >= GB_OP_COUNT)
			return -1;
		sl = find_slot(&(struct gb_shape){ .op = (enum gb_op)op, .m = m, .n = n, .k = k, .p = p });
		if (sl)
			sl->min_ns = ns;
		end += 1 + used;
	}
	return 0;
}

/* "+STEPS": a whole number of steps from 1 to 10^9; 0 or -1. */
static int parse_steps(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s[0] != '+' || s[1] < '0' || s[1] > '9')
		return -1;
	v = strtoll(s + 1, &end, 10);
	if (*end || v < 1 || v > 1000000000)
		return -1;
	*out = v;
	return 0;
}

/*
 * Split list (copied into buf) at commas into at most max items, blanks
 * around each trimmed; the count, or -1 when it does not fit. No heap: a
 * callgrind child that allocates a few bytes more places later buffers at
 * other alignments, and glibc's string functions then execute a few
 * instructions more or fewer, so an uninjected cell would not count exactly
 * what it counts without GB_INJECT.
 */
static int split_static(const char *list, char *buf, size_t size, char **items, int max)
{
	int n = 0;
	char *save = NULL;

	if (strlen(list) >= size)
		return -1;
	strcpy(buf, list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *e = t + strlen(t);

		while (*t == ' ' || *t == '\t')
			t++;
		while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		if (!*t)
			continue;
		if (n == max)
			return -1;
		items[n++] = t;
	}
	return n;
}

int gb_inject_setup(void)
{
	static char specbuf[512], cellbuf[512], spec[1100];
	static char *cells[33];
	const char *env = getenv("GB_INJECT"), *cenv = getenv("GB_INJECT_CELLS");
	char *items[GB_OP_COUNT + 1];
	int n, ncells = 0;

	if (!env || !*env) {
		if (cenv && *cenv)
			return gb_error("GB_INJECT_CELLS is set but GB_INJECT is not: nothing to inject");
		return 0;
	}
	if ((n = split_static(env, specbuf, sizeof(specbuf), items, GB_OP_COUNT + 1)) < 0)
		return gb_error("GB_INJECT: too long (at most %d items, %zu characters)",
				GB_OP_COUNT + 1, sizeof(specbuf) - 1);
	for (int i = 0; i < n; i++) {
		char *colon = strchr(items[i], ':');
		enum gb_op op;
		double f = 0;
		int64_t steps = 0;
		int all;

		if (!colon || (colon[1] == '+' ? parse_steps(colon + 1, &steps)
					       : parse_fraction(colon + 1, &f)) < 0)
			return gb_error("GB_INJECT: '%s' is not OP:FRACTION or OP:+STEPS "
					"(matmul:2%%, all:0.05, fft:+5000)", items[i]);
		*colon = 0;
		all = !strcmp(items[i], "all");
		if (!all && gb_op_parse(items[i], &op) < 0)
			return gb_error("GB_INJECT: unknown op '%s'", items[i]);
		for (unsigned o = 0; o < GB_OP_COUNT; o++)
			if (all || op == (enum gb_op)o) {
				inj.frac[o] = f;
				inj.fixed[o] = steps;
			}
	}
	if (cenv && *cenv) {
		if ((ncells = split_static(cenv, cellbuf, sizeof(cellbuf), cells, 32)) < 0)
			return gb_error("GB_INJECT_CELLS: too long (at most 32 patterns, %zu characters)",
					sizeof(cellbuf) - 1);
		cells[ncells] = NULL;
		inj.cells = ncells ? cells : NULL;
	}
	snprintf(spec, sizeof(spec), inj.cells ? "%s (cells %s)" : "%s", env, cenv);
	inj.spec = spec;
	inj.on = 1;
	if (import_table(getenv("GB_INJECT_TABLE")) < 0)
		inj.steps_per_ns = calibrate();
	return 0;
}

void gb_inject_export_env(void)
{
	size_t len = 0, cap = 256;
	char *buf;

	if (!inj.on)
		return;
	buf = gb_xmalloc(cap);
	pthread_mutex_lock(&inj.lock);
	len = (size_t)snprintf(buf, cap, "%.17g", inj.steps_per_ns);
	for (size_t i = 0; i < SLOTS; i++) {
		const struct slot *sl = &inj.slots[i];
		char item[160];
		int n;

		if (!sl->used || sl->min_ns == UINT64_MAX)
			continue;
		n = snprintf(item, sizeof(item), ";%d,%u,%u,%u,%u=%llu", (int)sl->s.op, sl->s.m,
			     sl->s.n, sl->s.k, sl->s.p, (unsigned long long)sl->min_ns);
		if (len + (size_t)n + 1 > cap) {
			cap = 2 * (len + (size_t)n + 1);
			buf = gb_xrealloc(buf, cap);
		}
		memcpy(buf + len, item, (size_t)n + 1);
		len += (size_t)n;
	}
	pthread_mutex_unlock(&inj.lock);
	setenv("GB_INJECT_TABLE", buf, 1);
	free(buf);
}

const char *gb_inject_spec(void)
{
	return inj.on ? inj.spec : NULL;
}

double gb_inject_fraction(enum gb_op op)
{
	return inj.on && (unsigned)op < GB_OP_COUNT ? inj.frac[op] : 0;
}

int gb_inject_applies(const char *cell_id, uint32_t ops)
{
	int any = 0;

	if (!inj.on)
		return 0;
	for (unsigned o = 0; o < GB_OP_COUNT; o++)
		if ((ops >> o & 1) && (inj.frac[o] > 0 || inj.fixed[o] > 0))
			any = 1;
	if (!any || !inj.cells)
		return any;
	for (char **g = inj.cells; *g; g++)
		if (fnmatch(*g, cell_id, 0) == 0)
			return 1;
	return 0;
}

static int same_shape(const struct gb_shape *a, const struct gb_shape *b)
{
	return a->op == b->op && a->m == b->m && a->n == b->n && a->k == b->k && a->p == b->p;
}

/* The shape's slot (claimed when new), or NULL when the table is full. */
static struct slot *find_slot(const struct gb_shape *s)
{
	uint64_t h = gb_fnv1a(GB_FNV_INIT, s, sizeof(*s));

	for (size_t i = 0; i < SLOTS; i++) {
		struct slot *sl = &inj.slots[(h + i) % SLOTS];

		if (!sl->used) {
			sl->used = 1;
			sl->s = *s;
			sl->min_ns = UINT64_MAX;
			return sl;
		}
		if (same_shape(&sl->s, s))
			return sl;
	}
	return NULL;
}

/*
 * The shape's step count, or -1 when it is not calibrated yet; with
 * call_ns (not 0), calibrate it from that time first.
 */
static int64_t shape_steps(const struct gb_shape *s, uint64_t call_ns)
{
	double f = gb_inject_fraction(s->op);
	int64_t steps = -1;
	struct slot *sl;

	if (!(f > 0))
		return 0;
	pthread_mutex_lock(&inj.lock);
	sl = find_slot(s);
	if (sl && call_ns && sl->min_ns == UINT64_MAX)
		sl->min_ns = call_ns;
	if (sl && sl->min_ns != UINT64_MAX)
		steps = llround(f * (double)sl->min_ns * inj.steps_per_ns);
	else if (!sl && call_ns)   /* table full: this call's own time */
		steps = llround(f * (double)call_ns * inj.steps_per_ns);
	pthread_mutex_unlock(&inj.lock);
	return steps;
}

/*
 * The last shape this thread asked about and its steps: a cell's calls
 * share one shape, so most calls skip the lock and the table. What the
 * hook costs per call is what it adds beyond its steps: kept to a compare
 * and a branch, so that a small fraction of a small call is still mostly
 * the steps (counted by callgrind, sim_ir).
 */
static __thread struct {
	struct gb_shape s;
	int64_t steps;
	int valid;
} last;

int64_t gb_inject_lookup(const struct gb_shape *s)
{
	int64_t n;

	if (!inj.on)
		return 0;
	if ((unsigned)s->op < GB_OP_COUNT && inj.fixed[s->op] > 0)
		return inj.fixed[s->op];
	if (last.valid && same_shape(&last.s, s))
		return last.steps;
	n = shape_steps(s, 0);
	if (n >= 0) {
		last.s = *s;
		last.steps = n;
		last.valid = 1;
	}
	return n;
}

int64_t gb_inject_calibrate(const struct gb_shape *s, uint64_t min_ns)
{
	return inj.on ? shape_steps(s, min_ns ? min_ns : 1) : 0;
}
