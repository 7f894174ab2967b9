/*
 * oracle.c - the float64 reference of every op and the accuracy measures
 * (NMSE, top-k recall) with the budgets of DESIGN.md section 8.
 *
 * The reference is written for clarity, not speed: plain double loops on the
 * unquantized operands, the FFT as a radix-2 transform with twiddles from
 * cos/sin of the exact angle. It runs outside the timed regions.
 */
#include "oracle.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

int gb_oracle_run(const struct gb_shape *s, const float *x, const float *w,
		  double *y, uint32_t *idx)
{
	uint32_t m = s->m, n = s->n, k = s->k;

	switch (s->op) {
	case GB_OP_MATMUL:
		if (!w)
			return gb_error("matmul oracle without weights");
		for (uint32_t i = 0; i < m; i++)
			for (uint32_t j = 0; j < n; j++)
				y[(size_t)i * n + j] = dot_d(x + (size_t)i * k, w + (size_t)j * k, k);
		return 0;
	case GB_OP_TOPK: {
		double *sc, *hs;
		uint32_t *hi;

		if (!w || !idx)
			return gb_error("topk oracle without weights or indices");
		sc = gb_xmalloc((size_t)(n ? n : 1) * sizeof(double));
		hs = gb_xmalloc((size_t)(s->p ? s->p : 1) * sizeof(double));
		hi = gb_xmalloc((size_t)(s->p ? s->p : 1) * sizeof(uint32_t));
		for (uint32_t i = 0; i < m; i++) {
			for (uint32_t j = 0; j < n; j++)
				sc[j] = dot_d(x + (size_t)i * k, w + (size_t)j * k, k);
			topk_select_d(sc, n, s->p, y + (size_t)i * s->p,
				      idx + (size_t)i * s->p, hs, hi);
		}
		free(sc);
		free(hs);
		free(hi);
		return 0;
	}
	case GB_OP_SOFTMAX:
		for (uint32_t i = 0; i < m; i++) {
			const float *xr = x + (size_t)i * n;
			double *yr = y + (size_t)i * n, mx = -INFINITY, sum = 0;

			for (uint32_t j = 0; j < n; j++)
				mx = fmax(mx, xr[j]);
			for (uint32_t j = 0; j < n; j++)
				sum += (yr[j] = exp(xr[j] - mx));
			for (uint32_t j = 0; j < n; j++)
				yr[j] /= sum;
		}
		return 0;
	case GB_OP_RMSNORM:
		for (uint32_t i = 0; i < m; i++) {
			const float *xr = x + (size_t)i * n;
			double ss = 0, r;

			for (uint32_t j = 0; j < n; j++)
				ss += (double)xr[j] * xr[j];
			r = 1.0 / sqrt(ss / n + 1e-6);
			for (uint32_t j = 0; j < n; j++)
				y[(size_t)i * n + j] = xr[j] * r;
		}
		return 0;
	case GB_OP_SILU:
		for (size_t i = 0; i < (size_t)m * n; i++)
			y[i] = x[i] / (1.0 + exp(-(double)x[i]));
		return 0;
	case GB_OP_REDUCE:
		for (uint32_t i = 0; i < m; i++) {
			/* Compensated (Neumaier) in double: exact enough for any f32 row. */
			double sum = 0, c = 0;

			for (uint32_t j = 0; j < n; j++) {
				double v = x[(size_t)i * n + j], t = sum + v;

				c += fabs(sum) >= fabs(v) ? (sum - t) + v : (v - t) + sum;
				sum = t;
			}
			y[i] = sum + c;
		}
		return 0;
	case GB_OP_FFT:
		if (n == 0 || (n & (n - 1)))
			return gb_error("fft length %u is not a power of two", n);
		for (uint32_t i = 0; i < m; i++)
			fft_d(x + (size_t)i * 2 * n, y + (size_t)i * 2 * n, n);
		return 0;
	default:
		return gb_error("unknown op %d", (int)s->op);
	}
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

double gb_budget_nmse_f64(enum gb_quant q)
{
	static const double b[GB_Q_COUNT] = { 1e-10, 1e-6, 2e-4, 2e-2 };

	return (unsigned)q < GB_Q_COUNT ? b[q] : 0;
}

double gb_budget_nmse_cpu(enum gb_quant q)
{
	static const double b[GB_Q_COUNT] = { 1e-10, 5e-5, 1e-6, 1e-6 };

	return (unsigned)q < GB_Q_COUNT ? b[q] : 0;
}

double gb_budget_recall(enum gb_quant q)
{
	static const double b[GB_Q_COUNT] = { 1.0, 0.99, 0.97, 0.80 };

	return (unsigned)q < GB_Q_COUNT ? b[q] : 0;
}
