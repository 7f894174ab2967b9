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

/*
 * The process as the unit of replication (DESIGN.md section 9): a test of
 * a change between two sides from one value per process each (a process's
 * median), never from the repetitions within processes, which agree far
 * more closely than processes do. On log values (a ratio is what is
 * judged): unpaired, Student's t with the pooled variance of the two sides
 * (kb + kc - 2 degrees of freedom, needs kb, kc >= 2); paired (the i-th
 * processes of the two sides ran next to each other, as perf-gate.sh's A/B
 * runs alternate them), t on the k differences (k - 1 degrees of freedom,
 * needs k >= 3). Paired asked with kb != kc falls back to unpaired.
 */
struct gb_proc_test {
	double ratio;    /* exp(mean log cur - mean log base), or the mean log pair ratio's exp */
	double lo, hi;   /* the central 1 - 2 tail interval of ratio */
	double p;        /* two-sided p of ratio = 1 */
	double t, df;
	int paired;      /* 1 when the pairs were used */
};

/*
 * The test above; -1 (out all NAN) with too few processes or a value that
 * is not positive and finite. No spread at all (identical log values on
 * each side or of every pair) gives p 1 for no change and 0 for any.
 */
int gb_proc_test(const double *base, size_t kb, const double *cur, size_t kc, int paired,
		 double tail, struct gb_proc_test *out);

/* Two-sided p of Student's t with df degrees of freedom: I(df/(df+t^2); df/2, 1/2). */
double gb_t_two_sided_p(double t, double df);
/* The t whose two-sided p is 2 tail (tail in (0, 0.5)); NAN otherwise. */
double gb_t_quantile(double tail, double df);

/*
 * Holm-Bonferroni adjusted p-values of p[0..n): sorted ascending, the j-th
 * (from 0) of the m non-NAN ones gets max over i <= j of min(1, (m - i)
 * p(i)); NAN stays NAN and does not count in m. adj[i] < alpha rejects
 * exactly the hypotheses Holm's step-down rejects at family-wise level
 * alpha.
 */
void gb_holm(const double *p, size_t n, double *adj);

/* Median of v[0..n) (not modified); NAN when n is 0. */
double gb_median(const double *v, size_t n);

#endif
