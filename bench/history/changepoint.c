/*
 * changepoint.c - PELT over log values with a data-chosen penalty
 * (changepoint.h says why this detector and this penalty).
 *
 * The cost of a segment is its sum of squared deviations from its mean
 * (a normal mean change with a common variance), computed in O(1) from
 * prefix sums; PELT prunes a candidate start s once F(s) + C(s, t) > F(t),
 * which can never become optimal again (the cost is additive and the
 * penalty positive), so a long history stays cheap.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "changepoint.h"
#include "gbench.h"
#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(const double *v, size_t n)
{
	double *s = gb_xmalloc(n * sizeof(*s)), m;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = gb_quantile_sorted(s, n, 0.5);
	free(s);
	return m;
}

static int usable(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(x[i] > 0) || isinf(x[i]))
			return 0;
	return 1;
}

double gb_changepoint_sigma(const double *x, size_t n)
{
	double sum = 0, sum2 = 0, m;

	if (n < 3 || !usable(x, n))
		return NAN;
	for (size_t i = 1; i < n; i++) {
		double d = log(x[i]) - log(x[i - 1]);

		sum += d;
		sum2 += d * d;
	}
	m = sum / (double)(n - 1);
	/* a difference of two independent values has twice their variance */
	return sqrt(fmax(sum2 / (double)(n - 1) - m * m, 0) / 2);
}

/* Sum of squared deviations of y[a..b) from their mean, from prefix sums. */
static double seg_cost(const double *s1, const double *s2, size_t a, size_t b)
{
	double n = (double)(b - a), sum = s1[b] - s1[a], c = s2[b] - s2[a] - sum * sum / n;

	return c > 0 ? c : 0;
}

size_t gb_changepoints(const double *x, size_t n, double min_shift, struct gb_changepoint **out)
{
	const size_t m = GB_CP_MIN_SEGMENT;
	double *s1, *s2, *F, sigma, beta;
	size_t *last, *cand, ncand = 0, *cps, ncp = 0, found = 0;

	*out = NULL;
	if (n < 2 * m || !usable(x, n))
		return 0;
	sigma = gb_changepoint_sigma(x, n);
	if (!(sigma > GB_CP_SIGMA_FLOOR))
		sigma = GB_CP_SIGMA_FLOOR;
	beta = GB_CP_PENALTY * sigma * sigma * log((double)n);

	s1 = gb_xcalloc(n + 1, sizeof(*s1));
	s2 = gb_xcalloc(n + 1, sizeof(*s2));
	for (size_t i = 0; i < n; i++) {
		double y = log(x[i]);

		s1[i + 1] = s1[i] + y;
		s2[i + 1] = s2[i] + y * y;
	}
	/* F[t]: the best cost of y[0..t) plus beta per segment (F[0] = -beta) */
	F = gb_xcalloc(n + 1, sizeof(*F));
	last = gb_xcalloc(n + 1, sizeof(*last));
	cand = gb_xcalloc(n + 1, sizeof(*cand));
	F[0] = -beta;
	for (size_t t = m; t <= n; t++) {
		double best = INFINITY;
		size_t arg = 0, keep = 0;

		/* t - m becomes a candidate start once a segment before it can be m long */
		if (t - m == 0 || t - m >= m)
			cand[ncand++] = t - m;
		for (size_t j = 0; j < ncand; j++) {
			double f = F[cand[j]] + seg_cost(s1, s2, cand[j], t) + beta;

			if (f < best) {
				best = f;
				arg = cand[j];
			}
		}
		F[t] = best;
		last[t] = arg;
		for (size_t j = 0; j < ncand; j++)   /* PELT's pruning */
			if (F[cand[j]] + seg_cost(s1, s2, cand[j], t) <= F[t])
				cand[keep++] = cand[j];
		ncand = keep;
	}
	/* walk back: the starts of the segments after the first */
	cps = gb_xcalloc(n + 1, sizeof(*cps));
	for (size_t t = n; t > 0; t = last[t])
		if (last[t] > 0)
			cps[ncp++] = last[t];
	if (ncp) {
		*out = gb_xcalloc(ncp, sizeof(**out));
		/* cps is in reverse order; segment k runs from cps[k] to the next boundary */
		for (size_t k = ncp; k-- > 0;) {
			size_t a = k + 1 < ncp ? cps[k + 1] : 0, b = cps[k];
			size_t e = k > 0 ? cps[k - 1] : n;
			struct gb_changepoint c;

			c.index = b;
			c.before = median_of(x + a, b - a);
			c.after = median_of(x + b, e - b);
			c.shift = c.after / c.before - 1;
			if (fabs(c.shift) >= min_shift)
				(*out)[found++] = c;
		}
		if (!found) {
			free(*out);
			*out = NULL;
		}
	}
	free(cps);
	free(s1);
	free(s2);
	free(F);
	free(last);
	free(cand);
	return found;
}
