/*
 * stats.h - descriptive statistics over repetition values.
 */
#ifndef GB_STATS_H
#define GB_STATS_H

#include <stddef.h>

/* Summary of n values; a field is NAN when n is too small to estimate it. */
struct gb_summary {
	size_t n;
	double min, median, mean, p90, p99, max, stddev;
	double ci_low, ci_high;   /* 95% distribution-free CI of the median */
};

/*
 * Summarize v[0..n) (not modified). Percentiles use linear interpolation
 * between order statistics (type 7) and need n >= 1/(1-p) values (p90: 10,
 * p99: 100), else NAN. stddev needs n >= 2 (sample, n-1). The median's CI
 * is the pair of order statistics from the binomial(n, 1/2) distribution
 * that covers at least 95% ([x(k), x(n+1-k)] with the largest k such that
 * 2 P(B <= k-1) <= 5%, B ~ binomial(n, 1/2); n = 10 gives ranks 2 and 9,
 * 97.9%); it needs n >= 6. NAN values are left out (n counts the rest); s->n
 * is 0 and every field NAN when nothing is left.
 */
void gb_summarize(const double *v, size_t n, struct gb_summary *s);

/* Quantile (type 7) of sorted[0..n), q in [0,1] (clamped); NAN when n is 0. */
double gb_quantile_sorted(const double *sorted, size_t n, double q);

#endif
