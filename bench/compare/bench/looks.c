/*
 * looks.c - what spending the gate's alpha over its looks by Bonferroni
 * costs (scripts/perf-gate.sh; `make bench-looks`, docs/gate.md "Alpha
 * over the looks"). A simulation, not a test: nothing here passes or fails.
 *
 *   looks-bench [SIMULATIONS] [ALPHA] [PAIRS] [MAX_PAIRS]
 *
 * The A/B gate tests each gating row at its looks (PAIRS pairs of
 * processes, then 2 more while undecided, up to MAX_PAIRS; defaults 5 and
 * 9: looks at 5, 7 and 9) with the paired t test of compare.c on the
 * pairs' log ratios, and Holm's step-down over the rows at each look. It
 * spends alpha by Bonferroni over the K looks: each look at alpha / K.
 * The looks share their first pairs, so their tests are correlated and
 * the union of their false alarms is smaller than the sum: a boundary that
 * knows the correlation (Pocock's, as a constant level a look) could test
 * every look at a higher level for the same family-wise alpha.
 *
 * How much higher depends on the level. Holm's first step tests the
 * smallest p at alpha / (K m0), m0 the rows still in play (up to 256 in
 * the ci config), and its guarantee needs P(any look of one row falls
 * below alpha / (K m0) scaled) <= alpha / m0 at every m0; so the level a
 * correlation-aware boundary may use is set where the tails are thinnest.
 * For each m0 this prints Bonferroni's level a look, the simulated chance
 * that one unchanged row is flagged at any look at that level (against
 * alpha / m0, which Bonferroni guarantees), and the constant level a look
 * that spends exactly alpha / m0 (the simulated quantile of the smallest
 * p over the looks), with the t the first look must reach under each.
 *
 * Under no change the pairs' log ratios are drawn normal (the t test's own
 * model); the generator is seeded, so the same arguments print the same
 * table on any machine.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"
#include "stats-test.h"

enum { MAX_LOOKS = 16, MAX_PAIRS_ALL = 2 + 2 * MAX_LOOKS };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int parse_args(int argc, char **argv, long *nsim, double *alpha, int *pairs, int *max_pairs)
{
	char *end;

	if (argc > 5)
		return -1;
	if (argc > 1 && ((*nsim = strtol(argv[1], &end, 10)) < 1000 || *end))
		return -1;
	if (argc > 2 && (!((*alpha = strtod(argv[2], &end)) > 0 && *alpha < 0.25) || *end))
		return -1;
	if (argc > 3 && ((*pairs = (int)strtol(argv[3], &end, 10)) < 3 || *end))
		return -1;
	if (argc > 4 && ((*max_pairs = (int)strtol(argv[4], &end, 10)) < *pairs || *end))
		return -1;
	if (*max_pairs < *pairs)
		*max_pairs = *pairs;
	return *max_pairs <= MAX_PAIRS_ALL ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const double m0s[] = { 1, 4, 16, 64, 256 };
	enum { NM = sizeof(m0s) / sizeof(m0s[0]) };
	long nsim = 20000000;
	double alpha = 0.01;
	int pairs = 5, max_pairs = 9, looks[MAX_LOOKS], k_looks = 0;

	if (parse_args(argc, argv, &nsim, &alpha, &pairs, &max_pairs) < 0) {
		fprintf(stderr, "usage: looks-bench [SIMULATIONS >= 1000] [ALPHA in (0, 0.25)] "
			"[PAIRS >= 3] [MAX_PAIRS <= %d]\n", MAX_PAIRS_ALL);
		return 2;
	}
	/* perf-gate.sh's schedule: PAIRS, then +2 (the last may add one) */
	for (int n = pairs; k_looks < MAX_LOOKS; n += 2) {
		looks[k_looks++] = n < max_pairs ? n : max_pairs;
		if (n >= max_pairs)
			break;
	}

	/* Bonferroni's critical |t| a look, per m0 */
	double crit[NM][MAX_LOOKS], filter[MAX_LOOKS];

	for (int j = 0; j < NM; j++)
		for (int k = 0; k < k_looks; k++)
			crit[j][k] = gb_t_quantile(alpha / (k_looks * m0s[j]) / 2, looks[k] - 1);
	/* a simulation whose smallest p over the looks is below 2 alpha (twice
	 * m0 = 1's whole budget: above every level asked for, with room for
	 * the simulation's own noise) is kept for the quantiles */
	for (int k = 0; k < k_looks; k++)
		filter[k] = gb_t_quantile(alpha, looks[k] - 1);

	size_t cap = 1024, nkept = 0;
	double *kept = malloc(cap * sizeof(*kept));
	long any[NM] = { 0 };
	struct gb_xo rng;

	if (!kept) {
		fprintf(stderr, "looks-bench: out of memory\n");
		return 4;
	}
	gb_xo_seed(&rng, 20261206);
	for (long s = 0; s < nsim; s++) {
		double d, sum = 0, sq = 0, tk[MAX_LOOKS];
		int n = 0, low = 0;

		for (int k = 0; k < k_looks; k++) {
			for (; n < looks[k]; n++) {
				d = gb_xo_normal(&rng);
				sum += d;
				sq += d * d;
			}
			double mean = sum / n, var = (sq - n * mean * mean) / (n - 1);

			tk[k] = fabs(mean) / sqrt(var / n);
			low |= tk[k] > filter[k];
		}
		for (int j = 0; j < NM; j++)
			for (int k = 0; k < k_looks; k++)
				if (tk[k] > crit[j][k]) {
					any[j]++;
					break;
				}
		if (!low)
			continue;
		double minp = 1;

		for (int k = 0; k < k_looks; k++) {
			double p = gb_t_two_sided_p(tk[k], looks[k] - 1);

			minp = p < minp ? p : minp;
		}
		if (nkept == cap) {
			double *grown = realloc(kept, (cap *= 2) * sizeof(*kept));

			if (!grown) {
				free(kept);
				fprintf(stderr, "looks-bench: out of memory\n");
				return 4;
			}
			kept = grown;
		}
		kept[nkept++] = minp;
	}
	qsort(kept, nkept, sizeof(*kept), cmp_double);

	printf("# Alpha over the gate's looks: Bonferroni against the looks' correlation\n\n");
	printf("Looks at");
	for (int k = 0; k < k_looks; k++)
		printf("%s %d", k ? (k == k_looks - 1 ? " and" : ",") : "", looks[k]);
	printf(" pairs (K = %d), alpha %g, %ld simulated unchanged rows (normal log ratios, "
	       "seed 20261206).\n\n", k_looks, alpha, nsim);
	printf("| rows in play m0 | Bonferroni a look, alpha/(K m0) | P(any look flags the row) | "
	       "rows flagged | of alpha/m0 | exact level a look | gain | "
	       "first look's t: Bonferroni | exact |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int j = 0; j < NM; j++) {
		double bonf = alpha / (k_looks * m0s[j]), target = alpha / m0s[j];
		double pany = (double)any[j] / (double)nsim;
		/* the level whose chance of any look below it is target: the
		 * target-quantile of the smallest p over the looks */
		size_t rank = (size_t)(target * (double)nsim);
		double exact = rank >= 1 && rank <= nkept ? kept[rank - 1] : NAN;

		printf("| %.0f | %.3g | %.3g | %ld | %.3f | %.3g | %.2f× | %.1f | %.1f |\n", m0s[j],
		       bonf, pany, any[j], pany / target, exact, exact / bonf, crit[j][0],
		       gb_t_quantile(exact / 2, looks[0] - 1));
	}
	printf("\nThe gain is how much higher each look could test for the same guarantee; Holm's "
	       "first step sits at the last rows' m0 (256 gating rows in the ci config). A chance "
	       "from n flagged rows is good to about 1/sqrt(n).\n");
	free(kept);
	return 0;
}
