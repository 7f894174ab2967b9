/*
 * stats-test.h - the inferential statistics compare rests on: the
 * two-sided Mann-Whitney U test and a percentile bootstrap interval of the
 * ratio of two medians, drawing from rng.h's seeded generator.
 *
 * Nothing here reads a clock, the environment or rand(3): the same inputs
 * and seed always give the same numbers, which is what makes compare's
 * output byte-for-byte reproducible (DESIGN.md section 9).
 */
#ifndef GB_STATS_TEST_H
#define GB_STATS_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

/* Largest sample sizes (each side) for which the exact U distribution is used. */
#define GB_MWU_EXACT_MAX 50

struct gb_mwu {
	double u;       /* U of the first sample: pairs (a, b) with a > b, ties count 1/2 */
	double p;       /* two-sided p-value */
	double z;       /* normal approximation's z (NAN when exact) */
	int exact;      /* 1: exact null distribution; 0: normal approximation */
	int ties;       /* 1 when any value occurs more than once */
};

/*
 * Two-sided Mann-Whitney U test of a[0..na) against b[0..nb) (NAN values
 * must already be left out). Exact when there are no ties and both samples
 * have at most GB_MWU_EXACT_MAX values: p = min(1, 2 min(P(U <= u),
 * P(U >= u))) under the null distribution of U, counted by the recursion
 * c(i, j, u) = c(i-1, j, u-j) + c(i, j-1, u). Otherwise the normal
 * approximation with mid-ranks, the tie-corrected variance
 * na nb / 12 ((N+1) - sum(t^3 - t) / (N (N-1))) and a continuity correction
 * of 1/2. All values equal (zero variance): p = 1. 0, or -1 when a sample
 * is empty.
 */
int gb_mwu_test(const double *a, size_t na, const double *b, size_t nb, struct gb_mwu *out);

/*
 * The Harrell-Davis estimate of the median of v[0..n) (not modified): the
 * weighted sum of the order statistics x(i) with weights
 * I(i/n; a, a) - I((i-1)/n; a, a), a = (n+1)/2, I the regularized
 * incomplete beta function (Harrell and Davis, Biometrika 69, 1982). A
 * smooth L-estimator: for timing-like data it is markedly more efficient
 * than the sample median (one order statistic or two), so its bootstrap is
 * neither as coarse nor as wide. NAN when n is 0.
 */
double gb_hd_median(const double *v, size_t n);
/* The n weights above, summing to 1. */
void gb_hd_weights(size_t n, double *w);
/* The regularized incomplete beta function I(x; a, b), a, b > 0. */
double gb_betainc(double x, double a, double b);

/*
 * The bootstrap distribution of hd(cur) / hd(base), hd the Harrell-Davis
 * median: nres resamples, each side drawn with replacement at its own size
 * from gen, written to out[0..nres) in draw order. A resample whose base
 * estimate is 0 gives INFINITY (or 1 when the current one is 0 too).
 * Neither sample may be empty; NAN values must already be left out.
 */
void gb_boot_ratio_dist(const double *base, size_t nb, const double *cur, size_t nc,
			size_t nres, struct gb_xo *gen, double *out);

/*
 * Percentile bootstrap bounds of hd(cur) / hd(base): lo and hi are the tail
 * and 1 - tail quantiles (type 7) of gb_boot_ratio_dist with nres resamples
 * from a generator seeded with seed. Each is a one-sided bound of level
 * 1 - tail; together they are the central interval of level 1 - 2 tail.
 * 0, or -1 when a sample is empty, nres < 2 or tail is not in (0, 0.5).
 */
int gb_boot_ratio_ci(const double *base, size_t nb, const double *cur, size_t nc,
		     size_t nres, uint64_t seed, double tail, double *lo, double *hi);

/* Median of v[0..n) (not modified); NAN when n is 0. */
double gb_median(const double *v, size_t n);

#endif
