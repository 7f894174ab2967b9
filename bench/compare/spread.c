/*
 * spread.c - the spread between processes recorded for a machine class
 * (spread.h), from the processes of the runs kept for it.
 */
#include "compare/spread.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare-impl.h"
#include "fsio.h"
#include "stats-test.h"

struct entry {
	char *key;              /* "cell\x1fmetric" */
	double sd;
	size_t procs;
};

struct gb_spread {
	char *source;
	struct entry *e;
	size_t n;
};

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static char *key_of(const char *cell, const char *metric)
{
	return gb_xasprintf("%s\x1f%s", cell, metric);
}

/* SD of the logs of the positive process medians of cell x metric; NAN under 3. */
static double log_sd(const struct gb_compare *c, const char *cell, const char *metric, size_t *k)
{
	double s = 0, ss = 0;

	*k = 0;
	for (size_t i = 0; i < c->nbase_procs; i++) {
		size_t n;
		double *v = gb_compare_values(gb_compare_find_metric(
			gb_compare_find_cell(&c->base_procs[i], cell), metric), &n);
		double m = n ? gb_median(v, n) : NAN;

		free(v);
		if (m > 0) {
			s += log(m);
			ss += log(m) * log(m);
			(*k)++;
		}
	}
	if (*k < 3)
		return NAN;
	return sqrt(fmax(0, (ss - s * s / (double)*k) / (double)(*k - 1)));
}

int gb_spread_load(struct gb_spread **out, const char *dir)
{
	struct gb_compare c;
	struct gb_results pooled = { 0 };
	struct gb_spread *s;
	int rc = 0;

	*out = NULL;
	if (!gb_is_dir(dir))
		return 1;
	gb_compare_init(&c, dir, dir);
	if (gb_compare_read_baseline(&c, dir, &pooled) < 0) {
		rc = gb_error("cannot read the runs recorded for this machine class in '%s'", dir);
		goto out;
	}
	s = gb_xcalloc(1, sizeof(*s));
	s->source = gb_xstrdup(dir);
	for (size_t i = 0; i < pooled.n; i++)
		for (size_t m = 0; m < pooled.cells[i].nmetrics; m++) {
			const char *cell = pooled.cells[i].id, *metric = pooled.cells[i].metrics[m].name;
			size_t k;
			double sd = log_sd(&c, cell, metric, &k);

			if (isnan(sd))
				continue;
			s->e = gb_xrealloc(s->e, (s->n + 1) * sizeof(*s->e));
			s->e[s->n++] = (struct entry){ key_of(cell, metric), sd, k };
		}
	qsort(s->e, s->n, sizeof(*s->e), by_key);
	*out = s;
out:
	gb_results_release(&pooled);
	gb_compare_release(&c);
	return rc;
}

void gb_spread_free(struct gb_spread *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].key);
	free(s->e);
	free(s->source);
	free(s);
}

double gb_spread_for(void *ctx, const char *cell, const char *metric, size_t *procs)
{
	const struct gb_spread *s = ctx;
	struct entry want = { key_of(cell, metric), 0, 0 }, *e;

	e = s ? bsearch(&want, s->e, s->n, sizeof(*s->e), by_key) : NULL;
	free(want.key);
	*procs = e ? e->procs : 0;
	return e ? e->sd : NAN;
}

const char *gb_spread_source(const struct gb_spread *s)
{
	return s ? s->source : NULL;
}
