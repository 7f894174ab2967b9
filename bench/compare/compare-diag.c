/*
 * compare-diag.c - what a comparison says beside its verdicts (compare.h):
 * the noise evidence of a row's two sides (steal, preemption, clocks), the
 * machine probe's speed ratio per executor, and the shift of every cell of
 * an executor. All of it is reported; none of it moves a verdict (issue 16:
 * the probe moved with the code it was compiled with, and the shared-shift
 * rule let global slowdowns through as inconclusive).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare-impl.h"
#include "gbench.h"
#include "stats-test.h"

/* ---- noise evidence ---- */

struct side_noise {
	double steal, ctx, wall;   /* means over repetitions; NAN when not recorded */
	double mhz;                /* median */
};

static double metric_stat(const struct gb_cell_result *cell, const char *name, int median)
{
	size_t n;
	double *v = gb_compare_values(gb_compare_find_metric(cell, name), &n), m = NAN;

	if (n && median) {
		m = gb_median(v, n);
	} else if (n) {
		m = 0;
		for (size_t i = 0; i < n; i++)
			m += v[i] / (double)n;
	}
	free(v);
	return m;
}

/*
 * Means for steal, switches and wall time: steal comes in ticks of
 * 1/USER_HZ (10 ms), coarser than many repetitions, so only its mean over
 * repetitions is worth reading.
 */
static void side_noise(const struct gb_cell_result *cell, struct side_noise *s)
{
	s->steal = metric_stat(cell, "noise_steal_ns", 0);
	s->ctx = metric_stat(cell, "noise_ctx_invol", 0);
	s->wall = metric_stat(cell, "wall_ns", 0);
	s->mhz = metric_stat(cell, "noise_cpu_mhz", 1);
}

/*
 * Why a cell's verdict may be the noise's: a side whose steal time is >= 2%
 * of its wall time; a side preempted (involuntary context switches per
 * second of repetition) more than twice as often as the other and at least
 * 5 times a repetition; or median CPU clocks that differ by more than 5%. NULL when neither side looks noisy (or nothing was recorded).
 */
char *gb_compare_noise_reason(const struct gb_cell_result *cb, const struct gb_cell_result *cc)
{
	struct side_noise s[2];
	static const char *const side[] = { "baseline", "current" };
	char buf[512] = "";
	size_t len = 0;

	side_noise(cb, &s[0]);
	side_noise(cc, &s[1]);
	for (int i = 0; i < 2 && len < sizeof(buf); i++) {
		const struct side_noise *me = &s[i], *other = &s[1 - i];

		if (!isnan(me->steal) && me->wall > 0 && me->steal >= 0.02 * me->wall)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s: steal %.1f%% of a repetition", len ? "; " : "",
						side[i], 100 * me->steal / me->wall);
		if (len < sizeof(buf) && !isnan(me->ctx) && !isnan(other->ctx) && me->wall > 0 &&
		    other->wall > 0 && me->ctx >= 5 &&
		    me->ctx / me->wall > 2 * other->ctx / other->wall)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
						"%s%s: preempted %.0f times a repetition (%.0f/s; other side %.0f/s)",
						len ? "; " : "", side[i], me->ctx, me->ctx / me->wall * 1e9,
						other->ctx / other->wall * 1e9);
	}
	if (len < sizeof(buf) && !isnan(s[0].mhz) && !isnan(s[1].mhz) && s[0].mhz > 0 &&
	    fabs(s[1].mhz / s[0].mhz - 1) > 0.05)
		snprintf(buf + len, sizeof(buf) - len, "%sCPU clock %.0f MHz in the baseline, %.0f MHz in the current",
			 len ? "; " : "", s[0].mhz, s[1].mhz);
	return buf[0] ? gb_xstrdup(buf) : NULL;
}

/* ---- the machine: a diagnostic ---- */

static const struct gb_machine_speed *machine_find(const struct gb_compare *c, const char *ex)
{
	for (size_t i = 0; ex && i < c->nmachine; i++)
		if (!strcmp(c->machine[i].executor, ex))
			return &c->machine[i];
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * How far every cell of each executor moved together: the median of its
 * cells' wall_ns ratios (NAN under GB_COMPARE_MIN_SHIFT_CELLS cells).
 */
void gb_compare_cell_shifts(struct gb_compare *c, const struct gb_results *base)
{
	double *r = gb_xmalloc((c->n + 1) * sizeof(*r));

	for (size_t k = 0; k < c->nmachine; k++) {
		struct gb_machine_speed *m = &c->machine[k];
		size_t n = 0;

		for (size_t j = 0; j < c->n; j++) {
			const struct gb_compare_row *row = &c->rows[j];
			const struct gb_cell_result *cell = gb_compare_find_cell(base, row->cell);

			if (!strcmp(row->metric, "wall_ns") && !isnan(row->ratio) && cell &&
			    cell->executor && !strcmp(cell->executor, m->executor))
				r[n++] = row->ratio;
		}
		m->n_cells = n;
		m->cells_ratio = NAN;
		if (n >= GB_COMPARE_MIN_SHIFT_CELLS) {
			qsort(r, n, sizeof(*r), cmp_double);
			m->cells_ratio = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
		}
	}
	free(r);
}

/*
 * A shift of every cell of an executor at once: the machine (load, clock,
 * another tenant) more often than the code, and a test within each cell
 * cannot see it; said loudly (shared_shift weighs the regressions).
 */
void gb_compare_drift_warning(struct gb_compare *c)
{
	for (size_t k = 0; k < c->nmachine; k++) {
		const struct gb_machine_speed *m = &c->machine[k];
		double t = isnan(c->opts.threshold) ? GB_COMPARE_THRESHOLD : c->opts.threshold;
		double med = m->cells_ratio;

		if (isnan(med) || (med <= 1 + t && med >= 1 / (1 + t)))
			continue;   /* no shift of the whole executor */
		if (isnan(m->ratio))
			gb_compare_warn(c, "the whole '%s' executor moved: the median wall_ns ratio over its %zu cells is %.3f; a machine-wide change (load, clock, another tenant) looks like this, as does a change that slows every cell",
			     m->executor, m->n_cells, med);
		else
			gb_compare_warn(c, "the whole '%s' executor moved: the median wall_ns ratio over its %zu cells is %.3f, and the machine's own probe %.3f (a diagnostic: judged without it)",
			     m->executor, m->n_cells, med, m->ratio);
	}
}

/* noise_probe_ns of every repetition of executor ex's cells, pooled; caller frees. */
static double *probe_pool(const struct gb_results *r, const char *ex, size_t *n)
{
	double *all = NULL;

	*n = 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t k;
		double *v;

		if (!r->cells[i].executor || strcmp(r->cells[i].executor, ex))
			continue;
		v = gb_compare_values(gb_compare_find_metric(&r->cells[i], "noise_probe_ns"), &k);
		if (!k)
			continue;
		all = gb_xrealloc(all, (*n + k) * sizeof(*all));
		memcpy(all + *n, v, k * sizeof(*v));
		*n += k;
		free(v);
	}
	return all;
}

/*
 * The machine's speed on each side, per executor (an executor's turn may
 * run on other cores than another's): the ratio of the medians of the
 * probe timed before every repetition (noise.h). Nothing under test changes
 * the probe, so its ratio is the machine's; it needs GB_COMPARE_MIN_PROBES
 * repetitions a side.
 */
void gb_compare_machine_speed(struct gb_compare *c, const struct gb_results *base,
			  const struct gb_results *cur)
{
	for (size_t i = 0; i < base->n && c->nmachine < GB_ARRAY_SIZE(c->machine); i++) {
		const char *ex = base->cells[i].executor;
		struct gb_machine_speed *m;
		double *pb, *pc;

		if (!ex || machine_find(c, ex))
			continue;
		m = &c->machine[c->nmachine++];
		m->executor = gb_xstrdup(ex);
		pb = probe_pool(base, ex, &m->n_base);
		pc = probe_pool(cur, ex, &m->n_cur);
		m->ratio = NAN;
		m->cells_ratio = NAN;
		if (m->n_base >= GB_COMPARE_MIN_PROBES && m->n_cur >= GB_COMPARE_MIN_PROBES)
			m->ratio = gb_median(pc, m->n_cur) / gb_median(pb, m->n_base);
		free(pb);
		free(pc);
	}
}

