/*
 * test-stats.c - gb_summarize and gb_quantile_sorted on small samples whose
 * answers are known by hand: the median, type-7 percentiles, the sample
 * standard deviation, the order statistics of the median's distribution-free
 * confidence interval (n = 10 gives ranks 2 and 9, coverage 97.9%), and NAN
 * wherever the sample is too small to estimate.
 */
#include <math.h>
#include <stdlib.h>

#include "stats.h"
#include "unit.h"

TEST(quantile_type7)
{
	static const double x[] = { 1, 2, 3, 4 };

	CHECK_NEAR(gb_quantile_sorted(x, 4, 0.0), 1, 0);
	CHECK_NEAR(gb_quantile_sorted(x, 4, 0.25), 1.75, 1e-12);
	CHECK_NEAR(gb_quantile_sorted(x, 4, 0.5), 2.5, 1e-12);
	CHECK_NEAR(gb_quantile_sorted(x, 4, 0.9), 3.7, 1e-12);
	CHECK_NEAR(gb_quantile_sorted(x, 4, 1.0), 4, 0);
	CHECK_NEAR(gb_quantile_sorted(x, 1, 0.7), 1, 0);
	CHECK(isnan(gb_quantile_sorted(x, 0, 0.5)));
}

TEST(five_values)
{
	double v[] = { 5, 1, 4, 2, 3 };
	struct gb_summary s;

	gb_summarize(v, 5, &s);
	CHECK(s.n == 5);
	CHECK_NEAR(s.min, 1, 0);
	CHECK_NEAR(s.max, 5, 0);
	CHECK_NEAR(s.median, 3, 0);
	CHECK_NEAR(s.mean, 3, 1e-12);
	CHECK_NEAR(s.stddev, sqrt(2.5), 1e-12);
	CHECK(isnan(s.p90));          /* needs 10 */
	CHECK(isnan(s.p99));          /* needs 100 */
	CHECK(isnan(s.ci_low));       /* 5 values cover the median with 93.75% < 95% */
	CHECK(isnan(s.ci_high));
	/* The input is not reordered. */
	CHECK(v[0] == 5 && v[1] == 1 && v[4] == 3);
}

TEST(ten_values_ci_ranks)
{
	double v[] = { 10, 30, 20, 50, 40, 90, 70, 60, 100, 80 };
	struct gb_summary s;
	double p0 = 1.0 / 1024, p1 = 10.0 / 1024, p2 = 45.0 / 1024;

	gb_summarize(v, 10, &s);
	CHECK(s.n == 10);
	CHECK_NEAR(s.median, 55, 1e-12);
	CHECK_NEAR(s.p90, 91, 1e-12);            /* h = 8.1: 90 + 0.1 * 10 */
	CHECK(isnan(s.p99));
	CHECK_NEAR(s.stddev, sqrt(916.6666666666666), 1e-9);
	/* Ranks 2 and 9 (1-based): coverage 1 - 2 P(B <= 1) = 97.9%. */
	CHECK_NEAR(s.ci_low, 20, 0);
	CHECK_NEAR(s.ci_high, 90, 0);
	CHECK_NEAR(1 - 2 * (p0 + p1), 0.978515625, 1e-12);
	CHECK(1 - 2 * (p0 + p1) >= 0.95);
	/* Ranks 3 and 8 would cover only 89.1%: not enough. */
	CHECK(1 - 2 * (p0 + p1 + p2) < 0.95);
}

TEST(six_is_the_minimum_for_ci)
{
	double v[] = { 6, 5, 4, 3, 2, 1, 7 };
	struct gb_summary s;

	gb_summarize(v, 6, &s);    /* 1 - 2/64 = 96.9%: ranks 1 and 6 */
	CHECK_NEAR(s.ci_low, 1, 0);
	CHECK_NEAR(s.ci_high, 6, 0);
	gb_summarize(v, 7, &s);    /* 1 - 2/128: still ranks 1 and 7 */
	CHECK_NEAR(s.ci_low, 1, 0);
	CHECK_NEAR(s.ci_high, 7, 0);
}

TEST(hundred_values)
{
	double v[100];
	struct gb_summary s;
	int i;

	for (i = 0; i < 100; i++)
		v[i] = 100 - i;    /* 100..1 */
	gb_summarize(v, 100, &s);
	CHECK_NEAR(s.median, 50.5, 1e-12);
	CHECK_NEAR(s.p90, 90.1, 1e-9);
	CHECK_NEAR(s.p99, 99.01, 1e-9);
	CHECK_NEAR(s.mean, 50.5, 1e-12);
	/* The textbook ranks for n = 100 at 95%: 40 and 61. */
	CHECK_NEAR(s.ci_low, 40, 0);
	CHECK_NEAR(s.ci_high, 61, 0);
}

TEST(large_n_ci)
{
	size_t n = 100000, i;
	double *v = malloc(n * sizeof(*v)), k;
	struct gb_summary s;

	for (i = 0; i < n; i++)
		v[i] = (double)(i + 1);
	gb_summarize(v, n, &s);
	/* Normal approximation: n/2 - 1.96 sqrt(n)/2 = 49690.1. */
	k = s.ci_low;
	CHECK(k >= 49685 && k <= 49695);
	CHECK_NEAR(s.ci_high, (double)n + 1 - k, 0);
	free(v);
}

TEST(too_few_and_nan)
{
	double one = 42, v[] = { 1, NAN, 3 };
	double nans[] = { NAN, NAN };
	struct gb_summary s;

	gb_summarize(&one, 1, &s);
	CHECK(s.n == 1);
	CHECK(s.min == 42 && s.median == 42 && s.mean == 42 && s.max == 42);
	CHECK(isnan(s.stddev));
	CHECK(isnan(s.p90) && isnan(s.ci_low));

	gb_summarize(v, 3, &s);
	CHECK(s.n == 2);
	CHECK_NEAR(s.median, 2, 0);
	CHECK_NEAR(s.stddev, sqrt(2), 1e-12);

	gb_summarize(nans, 2, &s);
	CHECK(s.n == 0);
	CHECK(isnan(s.median) && isnan(s.min) && isnan(s.mean));

	gb_summarize(NULL, 0, &s);
	CHECK(s.n == 0 && isnan(s.max));
}

int main(void)
{
	RUN(quantile_type7);
	RUN(five_values);
	RUN(ten_values_ci_ranks);
	RUN(six_is_the_minimum_for_ci);
	RUN(hundred_values);
	RUN(large_n_ci);
	RUN(too_few_and_nan);
	return unit_done();
}
