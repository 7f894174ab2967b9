/*
 * test-mwu.c - the Mann-Whitney U test, the bootstrap of a ratio of
 * medians, Student's t on process medians (plain and paired) and Holm's
 * adjustment (bench/stats-test.c) against values computed independently.
 *
 * tests/data/compare/mwu.txt and boot.txt come from
 * tests/data/compare/gen-stats.py: exact U p-values by brute-force
 * enumeration of every split of the pooled ranks (no recursion, no table),
 * tie-corrected normal p-values from the textbook formula (Hollander and
 * Wolfe, section 4.1) in exact rational arithmetic, Harrell-Davis medians
 * with weights from mpmath's incomplete beta, and the exact bootstrap
 * distribution of the ratio of those medians by enumerating all n^n
 * resamples of each side. See that script for the details.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats-test.h"
#include "unit.h"

#define MAXV 256

static size_t parse_list(char *s, double *v)
{
	size_t n = 0;

	for (char *t = strtok(s, ","); t && n < MAXV; t = strtok(NULL, ","))
		v[n++] = strtod(t, NULL);
	return n;
}

/* Split line at ';' into at most max fields. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		f[n++] = p;
		p = strchr(p, ';');
		if (!p)
			break;
		*p++ = 0;
	}
	return n;
}

static FILE *open_data(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/compare/%s", GB_TEST_DATA, name);
	return fopen(path, "r");
}

TEST(mwu_matches_enumeration_and_formula)
{
	FILE *f = open_data("mwu.txt");
	char line[16384];
	int cases = 0, exact = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		double a[MAXV], b[MAXV], u, p;
		size_t na, nb;
		char *fld[5];
		struct gb_mwu r;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (split(line, fld, 5) != 5)
			continue;
		na = parse_list(fld[0], a);
		nb = parse_list(fld[1], b);
		u = strtod(fld[2], NULL);
		p = strtod(fld[3], NULL);
		CHECK(gb_mwu_test(a, na, b, nb, &r) == 0);
		CHECK_NEAR(r.u, u, 1e-9);
		CHECK(r.exact == !strcmp(fld[4], "exact"));
		CHECK_NEAR(r.p, p, 1e-9 * fmax(p, 1e-3));
		/* Two-sided: swapping the samples changes U to na nb - U, not p. */
		CHECK(gb_mwu_test(b, nb, a, na, &r) == 0);
		CHECK_NEAR(r.u, (double)na * (double)nb - u, 1e-9);
		CHECK_NEAR(r.p, p, 1e-9 * fmax(p, 1e-3));
		cases++;
		exact += !strcmp(fld[4], "exact");
	}
	fclose(f);
	CHECK(cases >= 20);
	CHECK(exact >= 10);
}

TEST(mwu_edge_cases)
{
	double a[] = { 1, 1, 1 }, b[] = { 1, 1 }, c[] = { 5 };
	struct gb_mwu r;

	CHECK(gb_mwu_test(a, 0, b, 2, &r) < 0);
	CHECK(gb_mwu_test(a, 3, b, 2, &r) == 0);
	CHECK(r.p == 1 && r.ties && !r.exact);       /* all equal: no evidence */
	CHECK(gb_mwu_test(c, 1, c, 1, &r) == 0);     /* a single tie */
	CHECK(r.p == 1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* P(R <= x) over sorted d[0..n). */
static double ecdf(const double *d, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (double)lo / (double)n;
}

TEST(harrell_davis_matches_mpmath)
{
	FILE *f = open_data("hd.txt");
	char line[16384];
	int cases = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		double v[MAXV], w[MAXV], want, sum = 0;
		size_t n;
		char *fld[2];

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (split(line, fld, 2) != 2)
			continue;
		n = parse_list(fld[0], v);
		want = strtod(fld[1], NULL);
		CHECK_NEAR(gb_hd_median(v, n), want, 1e-12 * fabs(want));
		gb_hd_weights(n, w);
		for (size_t i = 0; i < n; i++)
			sum += w[i];
		CHECK_NEAR(sum, 1, 1e-12);
		cases++;
	}
	fclose(f);
	CHECK(cases >= 8);
	CHECK(isnan(gb_hd_median(NULL, 0)));
}

TEST(bootstrap_matches_exact_enumeration)
{
	FILE *f = open_data("boot.txt");
	char line[65536];
	const size_t nres = 400000;
	double *d = malloc(nres * sizeof(*d));
	int cases = 0;

	CHECK(f != NULL);
	if (!f) {
		free(d);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		double base[MAXV], cur[MAXV], at[64], cdf[64], q[4], lo, hi, worst = 0;
		size_t nb, nc, na = 0, nq = 0;
		char *fld[4];
		struct gb_xo g;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (split(line, fld, 4) != 4)
			continue;
		nb = parse_list(fld[0], base);
		nc = parse_list(fld[1], cur);
		for (char *t = strtok(fld[2], " "); t && na < 64; t = strtok(NULL, " ")) {
			at[na] = strtod(t, NULL);
			cdf[na++] = strtod(strchr(t, ':') + 1, NULL);
		}
		for (char *t = strtok(fld[3], " "); t && nq < 4; t = strtok(NULL, " "))
			q[nq++] = strtod(t, NULL);
		CHECK(na == 40 && nq == 4);
		gb_xo_seed(&g, 12345 + (uint64_t)cases);
		gb_boot_ratio_dist(base, nb, cur, nc, nres, &g, d);
		qsort(d, nres, sizeof(*d), cmp_double);
		/* sd of an empirical CDF at 400k draws <= 0.0008: 0.004 is 5 sd. */
		for (size_t i = 0; i < na; i++)
			worst = fmax(worst, fabs(ecdf(d, nres, at[i]) - cdf[i]));
		if (worst > 0.004)
			printf("#   case %d: worst CDF error %g\n", cases, worst);
		CHECK(worst <= 0.004);
		/* The 5% and 95% bounds lie between the exact 4%..6% and 94%..96% quantiles. */
		CHECK(gb_boot_ratio_ci(base, nb, cur, nc, 20000, 7, 0.05, &lo, &hi) == 0);
		if (nq == 4) {
			CHECK(lo >= q[0] * (1 - 1e-9) && lo <= q[1] * (1 + 1e-9));
			CHECK(hi >= q[2] * (1 - 1e-9) && hi <= q[3] * (1 + 1e-9));
		}
		cases++;
	}
	fclose(f);
	free(d);
	CHECK(cases >= 4);
}

TEST(bootstrap_is_seeded)
{
	double b[] = { 10, 11, 9.5, 10.2, 10.8, 9.9, 10.1, 10.4, 10.6, 9.7 };
	double c[] = { 11, 11.5, 10.4, 11.2, 11.8, 10.9, 11.1, 11.3, 11.6, 10.7 };
	double lo1, hi1, lo2, hi2, lo3, hi3;

	CHECK(gb_boot_ratio_ci(b, 10, c, 10, 10000, 42, 0.01, &lo1, &hi1) == 0);
	CHECK(gb_boot_ratio_ci(b, 10, c, 10, 10000, 42, 0.01, &lo2, &hi2) == 0);
	CHECK(lo1 == lo2 && hi1 == hi2);
	CHECK(gb_boot_ratio_ci(b, 10, c, 10, 10000, 43, 0.01, &lo3, &hi3) == 0);
	CHECK(fabs(lo3 - lo1) < 0.02 && fabs(hi3 - hi1) < 0.02);
	CHECK(lo1 < 1.1 && hi1 > 1.05);
	CHECK(gb_boot_ratio_ci(b, 0, c, 10, 10000, 42, 0.01, &lo1, &hi1) < 0);
	CHECK(gb_boot_ratio_ci(b, 10, c, 10, 10000, 42, 0.5, &lo1, &hi1) < 0);
}

TEST(generator_is_uniform)
{
	struct gb_xo g;
	size_t count[10] = { 0 };
	double mean = 0, var = 0;
	const int n = 100000;

	gb_xo_seed(&g, 1);
	for (int i = 0; i < n; i++)
		count[gb_xo_below(&g, 10)]++;
	for (int i = 0; i < 10; i++)    /* expected 10000, sd ~95 */
		CHECK(count[i] > 9500 && count[i] < 10500);
	for (int i = 0; i < n; i++) {
		double x = gb_xo_normal(&g);

		mean += x;
		var += x * x;
	}
	CHECK_NEAR(mean / n, 0, 0.02);
	CHECK_NEAR(var / n, 1, 0.03);
}

/*
 * Student's t, the process-level test and Holm (issue 16), against values
 * computed with mpmath at 30 digits (its regularized incomplete beta) and by hand.
 */
TEST(t_test_matches_mpmath)
{
	struct gb_proc_test t;
	double base[] = { 100, 110, 105 }, cur[] = { 120, 125, 118 };
	double pb[] = { 100, 110, 105, 98 }, pc[] = { 103, 114, 108, 101 };

	CHECK_NEAR(gb_t_two_sided_p(2.5, 4), 0.0667665448119881, 1e-12);
	CHECK_NEAR(gb_t_two_sided_p(12.706204736, 1), 0.05, 1e-8);
	CHECK(gb_t_two_sided_p(0, 3) == 1);
	CHECK_NEAR(gb_t_quantile(0.025, 1), 12.7062047361747, 1e-6);
	CHECK_NEAR(gb_t_two_sided_p(gb_t_quantile(0.01, 7), 7), 0.02, 1e-9);
	CHECK(gb_proc_test(base, 3, cur, 3, 0, 0.01, &t) == 0);
	CHECK(!t.paired && t.df == 4);
	CHECK_NEAR(t.ratio, 1.1529144808383949, 1e-12);
	CHECK_NEAR(t.t, 4.391416069208972, 1e-9);
	CHECK_NEAR(t.p, 0.0117696154281511, 1e-12);
	CHECK(t.lo < t.ratio && t.ratio < t.hi);
	CHECK_NEAR(log(t.ratio) - log(t.lo), log(t.hi) - log(t.ratio), 1e-12);
	/* paired: the pairs' common drift cancels */
	CHECK(gb_proc_test(pb, 4, pc, 4, 1, 0.01, &t) == 0);
	CHECK(t.paired && t.df == 3);
	CHECK_NEAR(t.ratio, 1.0313825667649852, 1e-12);
	CHECK_NEAR(t.t, 18.62821743655534, 1e-8);
	CHECK_NEAR(t.p, 0.000337652211273254, 1e-12);   /* mpmath, 30 digits */
	CHECK(gb_proc_test(pb, 4, pc, 4, 0, 0.01, &t) == 0 && t.p > 0.3);   /* unpaired: lost */
	/* too few to estimate a spread: no test */
	CHECK(gb_proc_test(base, 1, cur, 3, 0, 0.01, &t) == -1 && isnan(t.p));
	CHECK(gb_proc_test(pb, 2, pc, 2, 1, 0.01, &t) == -1);
	CHECK(gb_proc_test(pb, 4, pc, 3, 1, 0.01, &t) == 0 && !t.paired);   /* unequal: unpaired */
	pb[0] = 0;
	CHECK(gb_proc_test(pb, 4, pc, 4, 0, 0.01, &t) == -1);
}

TEST(holm_known_answers)
{
	double p[] = { 0.01, 0.04, NAN, 0.03, 0.005 }, adj[5];
	double q[] = { 0.5, 0.5, 0.9 }, qa[3];

	/* m = 4: 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> 0.02, 0.03, 0.06, max(0.04, 0.06) */
	gb_holm(p, 5, adj);
	CHECK_NEAR(adj[4], 0.02, 1e-15);
	CHECK_NEAR(adj[0], 0.03, 1e-15);
	CHECK_NEAR(adj[3], 0.06, 1e-15);
	CHECK_NEAR(adj[1], 0.06, 1e-15);
	CHECK(isnan(adj[2]));
	gb_holm(q, 3, qa);   /* capped at 1, never decreasing */
	CHECK(qa[0] == 1 && qa[1] == 1 && qa[2] == 1);
}

int main(void)
{
	RUN(mwu_matches_enumeration_and_formula);
	RUN(mwu_edge_cases);
	RUN(harrell_davis_matches_mpmath);
	RUN(bootstrap_matches_exact_enumeration);
	RUN(bootstrap_is_seeded);
	RUN(generator_is_uniform);
	RUN(t_test_matches_mpmath);
	RUN(holm_known_answers);
	return unit_done();
}
