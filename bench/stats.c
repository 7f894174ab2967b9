/*
 * stats.c - descriptive statistics over repetition values (stats.h).
 *
 * Everything works on a sorted copy: percentiles are Hyndman and Fan's
 * type 7 (R's default, numpy's "linear"), the median's confidence interval
 * is distribution-free (a pair of order statistics whose coverage comes from
 * the binomial(n, 1/2) distribution), so it holds for the skewed,
 * multi-modal distributions timings have. An estimate that the sample is
 * too small for is NAN, never a guess: results.csv prints it as empty.
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"

#define CI_LEVEL 0.95

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double gb_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	if (!(q > 0))
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	frac = h - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/*
 * The 1-based rank k of the lower bound of the median's CI: the largest k
 * with P(B <= k-1) <= (1 - level) / 2, B ~ binomial(n, 1/2), so that
 * [x(k), x(n+1-k)] covers the median with probability >= level. 0 when even
 * [x(1), x(n)] covers less. The pmf is stepped in log space: 2^-n underflows
 * for large n.
 */
static size_t median_ci_rank(size_t n, double level)
{
	double tail = (1.0 - level) / 2.0, logp = -(double)n * log(2.0), cdf = 0;
	size_t k = 0, i;

	for (i = 0; i < n / 2; i++) {
		cdf += exp(logp);
		if (cdf > tail * (1 + 1e-12))
			break;
		k = i + 1;
		logp += log((double)(n - i) / (double)(i + 1));
	}
	return k;
}

void gb_summarize(const double *v, size_t n, struct gb_summary *s)
{
	double *x, sum = 0, acc = 0;
	size_t m = 0, i, k;

	s->n = 0;
	s->min = s->median = s->mean = s->p90 = s->p99 = s->max = NAN;
	s->stddev = s->ci_low = s->ci_high = NAN;
	if (n == 0)
		return;
	/* NaN (a repetition that produced no value) is left out. */
	x = gb_xmalloc(n * sizeof(*x));
	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			x[m++] = v[i];
	s->n = m;
	if (m == 0) {
		free(x);
		return;
	}
	qsort(x, m, sizeof(*x), cmp_double);
	s->min = x[0];
	s->max = x[m - 1];
	s->median = gb_quantile_sorted(x, m, 0.5);
	if (m >= 10)
		s->p90 = gb_quantile_sorted(x, m, 0.90);
	if (m >= 100)
		s->p99 = gb_quantile_sorted(x, m, 0.99);
	for (i = 0; i < m; i++)
		sum += x[i];
	s->mean = sum / (double)m;
	if (m >= 2) {
		for (i = 0; i < m; i++)
			acc += (x[i] - s->mean) * (x[i] - s->mean);
		s->stddev = sqrt(acc / (double)(m - 1));
	}
	k = median_ci_rank(m, CI_LEVEL);
	if (k >= 1) {
		s->ci_low = x[k - 1];
		s->ci_high = x[m - k];
	}
	free(x);
}
