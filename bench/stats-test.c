/*
 * stats-test.c - the Mann-Whitney U test, the bootstrap of a ratio of
 * medians, and the generator both draw from (stats-test.h).
 *
 * The U test's exact null distribution is counted, not looked up: the
 * number of orderings of i values of one sample and j of the other with
 * statistic u obeys c(i, j, u) = c(i-1, j, u-j) + c(i, j-1, u) (the largest
 * value comes from one side or the other), kept in doubles, which hold the
 * counts (at most C(100, 50) ~ 1e29) to 16 digits since the recursion only
 * adds. The bootstrap estimates medians with Harrell and Davis's
 * L-estimator (see stats-test.h for why) and draws each resample as counts
 * over the sorted sample, O(n) per resample, so 10,000 resamples of every
 * cell x metric of a run stay well under a second.
 */
#include "stats-test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "rng.h"

/* ---- helpers ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *sorted_copy(const double *v, size_t n)
{
	double *x = gb_xmalloc((n ? n : 1) * sizeof(*x));

	if (n)
		memcpy(x, v, n * sizeof(*x));
	qsort(x, n, sizeof(*x), cmp_double);
	return x;
}

static double median_sorted(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

double gb_median(const double *v, size_t n)
{
	double *x = sorted_copy(v, n), m = median_sorted(x, n);

	free(x);
	return m;
}

/* ---- Mann-Whitney U ---- */

/*
 * P(U <= u) and P(U >= u) under the null for sample sizes m, n (no ties),
 * u an integer in [0, mn].
 */
static void mwu_exact_tails(size_t m, size_t n, size_t u, double *le, double *ge)
{
	size_t max = m * n, i, j, k;
	double **c = gb_xcalloc(n + 1, sizeof(*c)), total = 0, below = 0, above = 0;

	/* c[j] is the distribution for (i, j) after row i; row 0 is U = 0 only. */
	for (j = 0; j <= n; j++) {
		c[j] = gb_xcalloc(max + 1, sizeof(**c));
		c[j][0] = 1;
	}
	for (i = 1; i <= m; i++)
		for (j = 1; j <= n; j++)
			/* Descending u: c[j][k - j] still holds row i-1. */
			for (k = i * j + 1; k-- > 0;)
				c[j][k] = (k >= j ? c[j][k - j] : 0) + c[j - 1][k];
	for (k = 0; k <= max; k++) {
		total += c[n][k];
		if (k <= u)
			below += c[n][k];
		if (k >= u)
			above += c[n][k];
	}
	for (j = 0; j <= n; j++)
		free(c[j]);
	free(c);
	*le = below / total;
	*ge = above / total;
}

struct ranked {
	double v;
	int side;     /* 0: a, 1: b */
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *p = x, *q = y;

	return (p->v > q->v) - (p->v < q->v);
}

int gb_mwu_test(const double *a, size_t na, const double *b, size_t nb, struct gb_mwu *out)
{
	size_t n = na + nb, i, j;
	struct ranked *r;
	double ranksum = 0, tiesum = 0, mu, var, dev;

	memset(out, 0, sizeof(*out));
	out->u = out->p = out->z = NAN;
	if (na == 0 || nb == 0)
		return -1;
	r = gb_xmalloc(n * sizeof(*r));
	for (i = 0; i < na; i++)
		r[i] = (struct ranked){ a[i], 0 };
	for (i = 0; i < nb; i++)
		r[na + i] = (struct ranked){ b[i], 1 };
	qsort(r, n, sizeof(*r), cmp_ranked);
	/* Mid-ranks over each run of equal values. */
	for (i = 0; i < n; i = j) {
		double t, mid;

		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		t = (double)(j - i);
		mid = (double)(i + j + 1) / 2.0;   /* mean of 1-based ranks i+1..j */
		if (t > 1) {
			out->ties = 1;
			tiesum += t * t * t - t;
		}
		for (size_t k = i; k < j; k++)
			if (r[k].side == 0)
				ranksum += mid;
	}
	free(r);
	out->u = ranksum - (double)na * (double)(na + 1) / 2.0;
	mu = (double)na * (double)nb / 2.0;
	if (!out->ties && na <= GB_MWU_EXACT_MAX && nb <= GB_MWU_EXACT_MAX) {
		double le, ge;

		mwu_exact_tails(na, nb, (size_t)llround(out->u), &le, &ge);
		out->exact = 1;
		out->p = fmin(1.0, 2.0 * fmin(le, ge));
		return 0;
	}
	var = (double)na * (double)nb / 12.0 *
	      ((double)(n + 1) - tiesum / ((double)n * (double)(n - 1)));
	if (!(var > 0)) {
		out->z = 0;
		out->p = 1;
		return 0;
	}
	dev = fmax(0.0, fabs(out->u - mu) - 0.5);
	out->z = dev / sqrt(var);
	out->p = fmin(1.0, erfc(out->z / M_SQRT2));
	return 0;
}

/* ---- Harrell-Davis ---- */

/* The continued fraction of the incomplete beta (modified Lentz). */
static double betacf(double x, double a, double b)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 1000; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

double gb_betainc(double x, double a, double b)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(x, a, b) / a;
	return 1 - front * betacf(1 - x, b, a) / b;
}

void gb_hd_weights(size_t n, double *w)
{
	double a = ((double)n + 1) / 2, prev = 0;

	for (size_t i = 1; i <= n; i++) {
		double cur = i == n ? 1.0 : gb_betainc((double)i / (double)n, a, a);

		w[i - 1] = cur - prev;
		prev = cur;
	}
}

static double hd_sorted(const double *x, const double *w, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += w[i] * x[i];
	return s;
}

double gb_hd_median(const double *v, size_t n)
{
	double *x, *w, m;

	if (n == 0)
		return NAN;
	x = sorted_copy(v, n);
	w = gb_xmalloc(n * sizeof(*w));
	gb_hd_weights(n, w);
	m = hd_sorted(x, w, n);
	free(w);
	free(x);
	return m;
}

/* ---- bootstrap ---- */

/*
 * The Harrell-Davis median of a resample of sorted x[0..n) with weights w:
 * the resample drawn as counts per index, so its order statistics come out
 * sorted without a sort.
 */
static double resample_hd(const double *x, const double *w, size_t n, unsigned *cnt,
			  struct gb_xo *gen)
{
	size_t i, k = 0;
	double s = 0;

	memset(cnt, 0, n * sizeof(*cnt));
	for (i = 0; i < n; i++)
		cnt[gb_xo_below(gen, n)]++;
	for (i = 0; i < n; i++)
		for (unsigned c = 0; c < cnt[i]; c++)
			s += w[k++] * x[i];
	return s;
}

void gb_boot_ratio_dist(const double *base, size_t nb, const double *cur, size_t nc,
			size_t nres, struct gb_xo *gen, double *out)
{
	double *xb = sorted_copy(base, nb), *xc = sorted_copy(cur, nc);
	double *wb = gb_xmalloc(nb * sizeof(*wb)), *wc = gb_xmalloc(nc * sizeof(*wc));
	unsigned *cnt = gb_xmalloc((nb > nc ? nb : nc) * sizeof(*cnt));

	gb_hd_weights(nb, wb);
	gb_hd_weights(nc, wc);
	for (size_t i = 0; i < nres; i++) {
		double mb = resample_hd(xb, wb, nb, cnt, gen);
		double mc = resample_hd(xc, wc, nc, cnt, gen);

		if (mb != 0)
			out[i] = mc / mb;
		else
			out[i] = mc == 0 ? 1.0 : INFINITY;
	}
	free(cnt);
	free(wb);
	free(wc);
	free(xb);
	free(xc);
}

int gb_boot_ratio_ci(const double *base, size_t nb, const double *cur, size_t nc,
		     size_t nres, uint64_t seed, double tail, double *lo, double *hi)
{
	struct gb_xo gen;
	double *d;
	size_t i;

	*lo = *hi = NAN;
	if (nb == 0 || nc == 0 || nres < 2 || !(tail > 0 && tail < 0.5))
		return -1;
	d = gb_xmalloc(nres * sizeof(*d));
	gb_xo_seed(&gen, seed);
	gb_boot_ratio_dist(base, nb, cur, nc, nres, &gen, d);
	qsort(d, nres, sizeof(*d), cmp_double);
	/* Type 7 by hand: infinite order statistics must not meet 0 * inf. */
	for (i = 0; i < 2; i++) {
		double h = (double)(nres - 1) * (i ? 1.0 - tail : tail), f;
		size_t k = (size_t)floor(h);
		double v = d[k];

		f = h - (double)k;
		if (f > 0 && k + 1 < nres && d[k + 1] != v)
			v = v + f * (d[k + 1] - v);
		*(i ? hi : lo) = v;
	}
	free(d);
	return 0;
}

/* ---- the process as the unit: Student's t on log process medians ---- */

double gb_t_two_sided_p(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0;
	return gb_betainc(df / (df + t * t), df / 2, 0.5);
}

/*
 * The t with two-sided p = 2 tail, by bisection: p falls as |t| grows, and
 * 60 halvings of [0, 1e6] resolve it far below what a verdict can use.
 */
double gb_t_quantile(double tail, double df)
{
	double lo = 0, hi = 1e6;

	if (!(tail > 0 && tail < 0.5) || !(df > 0))
		return NAN;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = (lo + hi) / 2;

		if (gb_t_two_sided_p(mid, df) > 2 * tail)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

int gb_proc_test(const double *base, size_t kb, const double *cur, size_t kc, int paired,
		 double tail, struct gb_proc_test *out)
{
	double mb = 0, mc = 0, ss = 0, d, se, df, q;
	size_t i;

	out->ratio = out->lo = out->hi = out->p = out->t = out->df = NAN;
	out->paired = paired && kb == kc;
	for (i = 0; i < kb; i++)
		if (!(base[i] > 0) || !isfinite(base[i]))
			return -1;
	for (i = 0; i < kc; i++)
		if (!(cur[i] > 0) || !isfinite(cur[i]))
			return -1;
	if (out->paired) {
		/* the differences of pairs: what drifted between pairs cancels */
		if (kb < 3)
			return -1;
		for (i = 0; i < kb; i++)
			mb += log(cur[i] / base[i]) / (double)kb;
		for (i = 0; i < kb; i++) {
			double e = log(cur[i] / base[i]) - mb;

			ss += e * e;
		}
		d = mb;
		df = (double)kb - 1;
		se = sqrt(ss / df / (double)kb);
	} else {
		/* pooled variance: one machine and one config, the spread alike on both sides */
		if (kb < 2 || kc < 2)
			return -1;
		for (i = 0; i < kb; i++)
			mb += log(base[i]) / (double)kb;
		for (i = 0; i < kc; i++)
			mc += log(cur[i]) / (double)kc;
		for (i = 0; i < kb; i++)
			ss += (log(base[i]) - mb) * (log(base[i]) - mb);
		for (i = 0; i < kc; i++)
			ss += (log(cur[i]) - mc) * (log(cur[i]) - mc);
		d = mc - mb;
		df = (double)(kb + kc) - 2;
		se = sqrt(ss / df * (1.0 / (double)kb + 1.0 / (double)kc));
	}
	out->df = df;
	out->ratio = exp(d);
	if (se == 0) {
		/* no spread at all: only synthetic data does this */
		out->t = d == 0 ? 0 : (d > 0 ? INFINITY : -INFINITY);
		out->p = d == 0 ? 1 : 0;
		out->lo = out->hi = out->ratio;
		return 0;
	}
	out->t = d / se;
	out->p = gb_t_two_sided_p(out->t, df);
	q = gb_t_quantile(tail, df);
	out->lo = exp(d - q * se);
	out->hi = exp(d + q * se);
	return 0;
}

void gb_holm(const double *p, size_t n, double *adj)
{
	struct gb_keyed *k = gb_xmalloc((n + 1) * sizeof(*k));   /* p, ties in input order */
	size_t m = 0;
	double run = 0;

	for (size_t i = 0; i < n; i++) {
		adj[i] = NAN;
		if (!isnan(p[i]))
			k[m++] = (struct gb_keyed){ p[i], i };
	}
	if (m)
		qsort(k, m, sizeof(*k), gb_keyed_cmp);
	for (size_t j = 0; j < m; j++) {
		double a = (double)(m - j) * k[j].key;

		a = a > 1 ? 1 : a;
		run = a > run ? a : run;   /* step-down: never below an earlier adjusted p */
		adj[k[j].i] = run;
	}
	free(k);
}
