/*
 * oracle.c - the float64 reference of every op and the accuracy measures
 * (NMSE, top-k recall) with the budgets of DESIGN.md section 8.
 *
 * The reference is written for clarity, not speed: plain double loops on the
 * unquantized operands, the FFT as a radix-2 transform with twiddles from
 * cos/sin of the exact angle. It runs outside the timed regions, its rows
 * shared among the machine's cores when a call is large (a 1M-vector
 * top-k or a 4096x4096 matmul on one core took minutes), and counts what it
 * did (gb_oracle_stats_get) for meta.json.
 */
#include "oracle.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gbench.h"

/* A candidate is better when its score is higher, or equal with a lower index. */
static int better(double sa, uint32_t ia, double sb, uint32_t ib)
{
	return sa > sb || (sa == sb && ia < ib);
}

/*
 * Put (s, j) at slot i of the min-heap heap_s/heap_i[0..len) and sift it
 * down: the worst kept candidate stays at the root.
 */
static void sift_down(double *heap_s, uint32_t *heap_i, uint32_t len, uint32_t i, double s,
		      uint32_t j)
{
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= len)
			break;
		if (c + 1 < len && better(heap_s[c], heap_i[c], heap_s[c + 1], heap_i[c + 1]))
			c++;
		if (!better(s, j, heap_s[c], heap_i[c]))
			break;
		heap_s[i] = heap_s[c];
		heap_i[i] = heap_i[c];
		i = c;
	}
	heap_s[i] = s;
	heap_i[i] = j;
}

/*
 * The p best of scores[n] into (ys, idx) best first; slots beyond n get
 * index UINT32_MAX and score -inf. A min-heap of size p keeps the worst kept
 * candidate at its root. heap_s/heap_i are scratch of p entries.
 */
static void topk_select_d(const double *scores, uint32_t n, uint32_t p, double *ys,
			  uint32_t *idx, double *heap_s, uint32_t *heap_i)
{
	uint32_t len = 0;

	for (uint32_t j = 0; j < n; j++) {
		double s = scores[j];
		uint32_t i;

		if (isnan(s))
			continue;
		if (len < p) {
			/* sift up */
			i = len++;
			while (i > 0) {
				uint32_t par = (i - 1) / 2;

				if (!better(heap_s[par], heap_i[par], s, j))
					break;
				heap_s[i] = heap_s[par];
				heap_i[i] = heap_i[par];
				i = par;
			}
			heap_s[i] = s;
			heap_i[i] = j;
			continue;
		}
		if (p == 0 || !better(s, j, heap_s[0], heap_i[0]))
			continue;
		sift_down(heap_s, heap_i, len, 0, s, j);   /* replace the root */
	}
	/* Pop worst-first into the tail of the output. */
	for (uint32_t o = p; o > len; o--) {
		ys[o - 1] = -INFINITY;
		idx[o - 1] = UINT32_MAX;
	}
	while (len > 0) {
		ys[len - 1] = heap_s[0];
		idx[len - 1] = heap_i[0];
		len--;
		if (len)
			sift_down(heap_s, heap_i, len, 0, heap_s[len], heap_i[len]);
	}
}

static double dot_d(const float *a, const float *b, uint32_t n)
{
	double s = 0;

	for (uint32_t i = 0; i < n; i++)
		s += (double)a[i] * (double)b[i];
	return s;
}

static void fft_d(const float *x, double *y, uint32_t n)
{
	double *tw = gb_xmalloc((size_t)(n / 2 + 1) * 2 * sizeof(double));
	uint32_t bits = 0;

	while ((1u << bits) < n)
		bits++;
	for (uint32_t j = 0; j < n / 2; j++) {
		double a = -2.0 * M_PI * (double)j / (double)n;

		tw[2 * j] = cos(a);
		tw[2 * j + 1] = sin(a);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = 0;

		for (uint32_t b = 0; b < bits; b++)
			r |= ((i >> b) & 1u) << (bits - 1 - b);
		y[2 * r] = x[2 * i];
		y[2 * r + 1] = x[2 * i + 1];
	}
	for (uint32_t len = 2; len <= n; len *= 2) {
		uint32_t half = len / 2, stride = n / len;

		for (uint32_t b = 0; b < n; b += len) {
			for (uint32_t j = 0; j < half; j++) {
				double wr = tw[2 * j * stride], wi = tw[2 * j * stride + 1];
				double *u = y + 2 * (b + j), *v = y + 2 * (b + j + half);
				double tr = v[0] * wr - v[1] * wi, ti = v[0] * wi + v[1] * wr;

				v[0] = u[0] - tr;
				v[1] = u[1] - ti;
				u[0] += tr;
				u[1] += ti;
			}
		}
	}
	free(tw);
}

/* Rows [i0, i1) of the reference; the shape was checked (oracle_check). */
static void oracle_rows(const struct gb_shape *s, const float *x, const float *w, double *y,
			uint32_t *idx, uint32_t i0, uint32_t i1)
{
	uint32_t n = s->n, k = s->k;

	switch (s->op) {
	case GB_OP_MATMUL:
		for (uint32_t i = i0; i < i1; i++)
			for (uint32_t j = 0; j < n; j++)
				y[(size_t)i * n + j] = dot_d(x + (size_t)i * k, w + (size_t)j * k, k);
		return;
	case GB_OP_TOPK: {
		double *sc, *hs;
		uint32_t *hi;

		sc = gb_xmalloc((size_t)(n ? n : 1) * sizeof(double));
		hs = gb_xmalloc((size_t)(s->p ? s->p : 1) * sizeof(double));
		hi = gb_xmalloc((size_t)(s->p ? s->p : 1) * sizeof(uint32_t));
		for (uint32_t i = i0; i < i1; i++) {
			for (uint32_t j = 0; j < n; j++)
				sc[j] = dot_d(x + (size_t)i * k, w + (size_t)j * k, k);
			topk_select_d(sc, n, s->p, y + (size_t)i * s->p,
				      idx + (size_t)i * s->p, hs, hi);
		}
		free(sc);
		free(hs);
		free(hi);
		return;
	}
	case GB_OP_SOFTMAX:
		for (uint32_t i = i0; i < i1; i++) {
			const float *xr = x + (size_t)i * n;
			double *yr = y + (size_t)i * n, mx = -INFINITY, sum = 0;

			for (uint32_t j = 0; j < n; j++)
				mx = fmax(mx, xr[j]);
			for (uint32_t j = 0; j < n; j++)
				sum += (yr[j] = exp(xr[j] - mx));
			for (uint32_t j = 0; j < n; j++)
				yr[j] /= sum;
		}
		return;
	case GB_OP_RMSNORM:
		for (uint32_t i = i0; i < i1; i++) {
			const float *xr = x + (size_t)i * n;
			double ss = 0, r;

			for (uint32_t j = 0; j < n; j++)
				ss += (double)xr[j] * xr[j];
			r = 1.0 / sqrt(ss / n + 1e-6);
			for (uint32_t j = 0; j < n; j++)
				y[(size_t)i * n + j] = xr[j] * r;
		}
		return;
	case GB_OP_SILU:
		for (size_t i = (size_t)i0 * n; i < (size_t)i1 * n; i++)
			y[i] = x[i] / (1.0 + exp(-(double)x[i]));
		return;
	case GB_OP_REDUCE:
		for (uint32_t i = i0; i < i1; i++) {
			/* Compensated (Neumaier) in double: exact enough for any f32 row. */
			double sum = 0, c = 0;

			for (uint32_t j = 0; j < n; j++) {
				double v = x[(size_t)i * n + j], t = sum + v;

				c += fabs(sum) >= fabs(v) ? (sum - t) + v : (v - t) + sum;
				sum = t;
			}
			y[i] = sum + c;
		}
		return;
	case GB_OP_FFT:
		for (uint32_t i = i0; i < i1; i++)
			fft_d(x + (size_t)i * 2 * n, y + (size_t)i * 2 * n, n);
		return;
	default:
		return;
	}
}

static int oracle_check(const struct gb_shape *s, const float *w, const uint32_t *idx)
{
	switch (s->op) {
	case GB_OP_MATMUL:
		return w ? 0 : gb_error("matmul oracle without weights");
	case GB_OP_TOPK:
		return w && idx ? 0 : gb_error("topk oracle without weights or indices");
	case GB_OP_FFT:
		if (s->n == 0 || (s->n & (s->n - 1)))
			return gb_error("fft length %u is not a power of two", s->n);
		return 0;
	case GB_OP_SOFTMAX:
	case GB_OP_RMSNORM:
	case GB_OP_SILU:
	case GB_OP_REDUCE:
		return 0;
	default:
		return gb_error("unknown op %d", (int)s->op);
	}
}

struct part {
	const struct gb_shape *s;
	const float *x, *w;
	double *y;
	uint32_t *idx;
	uint32_t i0, i1;
};

static void *part_run(void *arg)
{
	struct part *p = arg;

	oracle_rows(p->s, p->x, p->w, p->y, p->idx, p->i0, p->i1);
	return NULL;
}

static struct gb_oracle_stats stats;

/*
 * Below this many multiply-adds (or elements) a call stays on the calling
 * thread: starting threads would cost more than they save.
 */
#define PARALLEL_MIN_WORK (1u << 22)

int gb_oracle_run(const struct gb_shape *s, const float *x, const float *w,
		  double *y, uint32_t *idx)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double work = (double)s->m * s->n * (s->k ? s->k : 1);
	uint32_t t = ncpu > 1 ? (uint32_t)(ncpu < 64 ? ncpu : 64) : 1, started = 0;
	pthread_t th[64];
	struct part parts[64];
	uint64_t t0 = gb_now_ns();

	if (oracle_check(s, w, idx) < 0)
		return -1;
	if (work < PARALLEL_MIN_WORK || s->m < 2)
		t = 1;
	if (t > s->m)
		t = s->m;
	/*
	 * Rows are independent in every op: each thread takes a contiguous
	 * share of them, and the calling thread the first.
	 */
	for (uint32_t i = 0; i < t; i++)
		parts[i] = (struct part){ s, x, w, y, idx, (uint32_t)((uint64_t)s->m * i / t),
					  (uint32_t)((uint64_t)s->m * (i + 1) / t) };
	for (uint32_t i = 1; i < t; i++) {
		if (pthread_create(&th[i], NULL, part_run, &parts[i]))
			break;
		started = i;
	}
	/* what could not get a thread runs here */
	part_run(&parts[0]);
	for (uint32_t i = started + 1; i < t; i++)
		part_run(&parts[i]);
	for (uint32_t i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	stats.calls++;
	stats.rows += s->m;
	stats.threads_max = stats.threads_max > started + 1 ? stats.threads_max : started + 1;
	stats.seconds += (double)(gb_now_ns() - t0) * 1e-9;
	return 0;
}

void gb_oracle_stats_get(struct gb_oracle_stats *out)
{
	*out = stats;
}


void gb_nmse_add(struct gb_nmse *acc, const double *ref, const float *got, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double d;

		if (!isfinite(got[i])) {
			acc->nonfinite++;
			continue;
		}
		d = ref[i] - (double)got[i];
		acc->err2 += d * d;
		acc->ref2 += ref[i] * ref[i];
		if (fabs(d) > acc->max_abs)
			acc->max_abs = fabs(d);
	}
	acc->n += n;
}

void gb_nmse_add_f(struct gb_nmse *acc, const float *ref, const float *got, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double d;

		if (!isfinite(got[i])) {
			acc->nonfinite++;
			continue;
		}
		d = (double)ref[i] - (double)got[i];
		acc->err2 += d * d;
		acc->ref2 += (double)ref[i] * ref[i];
		if (fabs(d) > acc->max_abs)
			acc->max_abs = fabs(d);
	}
	acc->n += n;
}

double gb_nmse_value(const struct gb_nmse *acc)
{
	if (acc->nonfinite > 0 || isnan(acc->err2) || isnan(acc->ref2))
		return NAN;
	if (acc->err2 == 0)
		return 0;
	return acc->err2 / acc->ref2;  /* +inf when the reference is all zero */
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

void gb_recall_add(struct gb_recall *acc, const uint32_t *ref_idx, const uint32_t *got_idx,
		   uint32_t m, uint32_t p)
{
	uint32_t *a = gb_xmalloc((size_t)(p ? p : 1) * sizeof(uint32_t));
	uint32_t *b = gb_xmalloc((size_t)(p ? p : 1) * sizeof(uint32_t));

	for (uint32_t q = 0; q < m; q++) {
		uint32_t i = 0, j = 0, valid = 0, hits = 0;

		memcpy(a, ref_idx + (size_t)q * p, p * sizeof(uint32_t));
		memcpy(b, got_idx + (size_t)q * p, p * sizeof(uint32_t));
		qsort(a, p, sizeof(uint32_t), cmp_u32);
		qsort(b, p, sizeof(uint32_t), cmp_u32);
		/* Padding slots (UINT32_MAX, fewer rows than p) are not counted. */
		while (valid < p && a[valid] != UINT32_MAX)
			valid++;
		while (i < valid && j < p) {
			if (a[i] == b[j]) {
				hits++;
				i++;
				j++;
				/* skip duplicates in the tested set */
				while (j < p && b[j] == b[j - 1])
					j++;
			} else if (a[i] < b[j]) {
				i++;
			} else {
				j++;
			}
		}
		acc->hits += hits;
		acc->total += valid;
	}
	free(a);
	free(b);
}

double gb_recall_value(const struct gb_recall *acc)
{
	return acc->total > 0 ? acc->hits / acc->total : 1.0;
}

static const double table_nmse_f64[GB_Q_COUNT] = { 1e-10, 1e-6, 2e-4, 2e-2 };
static const double table_recall[GB_Q_COUNT] = { 1.0, 0.99, 0.97, 0.80 };
/* The budgets in use (gb_acc_budget_use): one run's, for every cell of it. */
static struct gb_acc_budget in_use;
static int have_in_use;

double gb_budget_nmse_f64(enum gb_quant q)
{
	if ((unsigned)q >= GB_Q_COUNT)
		return 0;
	return have_in_use ? in_use.nmse[q] : table_nmse_f64[q];
}

double gb_budget_nmse_cpu(enum gb_quant q)
{
	static const double b[GB_Q_COUNT] = { 1e-10, 5e-5, 1e-6, 1e-6 };

	return (unsigned)q < GB_Q_COUNT ? b[q] : 0;
}

double gb_budget_recall(enum gb_quant q)
{
	if ((unsigned)q >= GB_Q_COUNT)
		return 0;
	return have_in_use ? in_use.recall[q] : table_recall[q];
}

int gb_acc_budget_parse(struct gb_acc_budget *b, const char *s)
{
	struct gb_acc_budget t;
	char *copy, *item, *save = NULL;
	int rc = 0;

	memcpy(t.nmse, table_nmse_f64, sizeof(t.nmse));
	memcpy(t.recall, table_recall, sizeof(t.recall));
	t.gate = 1;
	if (!s || !*s)
		return -1;
	if (!strcmp(s, "none") || !strcmp(s, "default")) {
		t.gate = !strcmp(s, "default");
		*b = t;
		return 0;
	}
	copy = gb_xstrdup(s);
	for (item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':'), *eq = strchr(item, '='), *end;
		enum gb_quant q;
		double v;

		if (!strcmp(item, "none") || !strcmp(item, "default")) {
			t.gate = !strcmp(item, "default");
			continue;
		}
		if (!colon || !eq || eq < colon) {
			rc = -1;
			break;
		}
		*colon = *eq = '\0';
		v = strtod(eq + 1, &end);
		if (gb_quant_parse(item, &q) < 0 || q == GB_Q_F32 || end == eq + 1 || *end || !isfinite(v) || v < 0)
			rc = -1;
		else if (!strcmp(colon + 1, "nmse"))
			t.nmse[q] = v;
		else if (!strcmp(colon + 1, "recall") && v <= 1)
			t.recall[q] = v;
		else
			rc = -1;
	}
	free(copy);
	if (!rc)
		*b = t;
	return rc;
}

char *gb_acc_budget_describe(const struct gb_acc_budget *b)
{
	char *s = gb_xstrdup(b->gate ? "default" : "none");

	for (int q = 0; q < GB_Q_COUNT; q++) {
		char *n = NULL;

		if (b->nmse[q] != table_nmse_f64[q])
			n = gb_xasprintf("%s%s %s nmse <= %g", s, strchr(s, ';') ? "," : ";",
					 gb_quant_name((enum gb_quant)q), b->nmse[q]);
		if (n) {
			free(s);
			s = n;
			n = NULL;
		}
		if (b->recall[q] != table_recall[q])
			n = gb_xasprintf("%s%s %s recall >= %g", s, strchr(s, ';') ? "," : ";",
					 gb_quant_name((enum gb_quant)q), b->recall[q]);
		if (n) {
			free(s);
			s = n;
		}
	}
	return s;
}

void gb_acc_budget_use(const struct gb_acc_budget *b)
{
	in_use = *b;
	have_in_use = 1;
}

int gb_accuracy_gates(const struct gb_acc_budget *b, const char *reference,
		      const char *metric, enum gb_quant q, double value)
{
	if (strcmp(reference, "f64") || q == GB_Q_F32 || !strcmp(metric, "max_abs_err") ||
	    isnan(value))
		return 1;
	return b->gate;
}
