/*
 * calibrate.c - the time plan's calibration (calibrate.h): a short probe of
 * each executor on each workload, batch size and quant level, within a
 * quarter of a budget, the probes not taken derived.
 */
#include "plan/calibrate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "replay.h"
#include "run/run.h"

/* The least-squares fit of a row's own cost (calibrate.h). */
double gb_calibrate_row_flops(const struct gb_probe_points *p, double mean_flops)
{
	double skk = 0, skf = 0, sff = 0, skt = 0, sft = 0, det, a, c;

	for (size_t i = 0; i < p->n; i++) {
		skk += p->rows[i] * p->rows[i];
		skf += p->rows[i] * p->flops[i];
		sff += p->flops[i] * p->flops[i];
		skt += p->rows[i] * p->sec[i];
		sft += p->flops[i] * p->sec[i];
	}
	det = skk * sff - skf * skf;
	if (p->n < 2 || !(sff > 0) || !(det > 1e-9 * skk * sff))
		return NAN;
	a = (skt * sff - sft * skf) / det;
	c = (sft * skk - skt * skf) / det;
	if (a < 0) {             /* FLOPs alone */
		a = 0;
		c = sft / sff;
	}
	if (!(c > 0))
		return NAN;
	return fmax(a / c, 1e-3 * mean_flops);
}

/*
 * One calibration probe: workload w through executor e at one batch size
 * and quant level, cache 0, replayed untimed over a window of the trace's
 * first rows that grows fourfold until one replay takes 20 ms or covers the
 * trace, each window replayed twice and the second timed (and the last
 * window a third time, the faster counting, unless it took a second or
 * more), so that the executor's cold start (pipelines, uploads, first
 * touches) and a preemption are not scaled up. Returns the seconds of one
 * whole replay scaled from the last window, or NAN when the executor
 * failed; *fixed: what a repetition costs besides its rows; *row_flops:
 * what a row costs besides its FLOPs, fitted to the windows timed
 * (gb_calibrate_row_flops).
 */
#define PROBE_LONG_NS 1000000000ull
static double probe(struct gb_run *r, size_t w, size_t e, uint32_t batch, enum gb_quant q,
		    double *fixed, double *row_flops)
{
	const struct gb_config *cfg = r->cfg;
	struct gb_workload *wl = &r->wl[w];
	uint32_t n = (uint32_t)wl->trace.n, k = batch;
	struct gb_cell_spec spec = {
		.batch = batch, .quant = q, .mode = cfg->mode, .speed = r->speeds[w],
		.max_queue_delay_ns = cfg->max_queue_delay_us * 1000, .skip_accuracy = 1,
	};
	struct gb_results tmp = { 0 };
	struct gb_cell *c = NULL;
	struct gb_probe_points pts = { .n = 0 };
	const double *cum = r->cum_flops[w];
	double sec = NAN;
	int rc;

	*row_flops = NAN;
	k = k < n ? k : n;
	spec.window = k;
	rc = gb_cell_open(&c, wl, &r->ex[e].ex, &r->ex[r->cpu].ex, &spec,
			  gb_results_add(&tmp, "calibration", wl->trace.name, r->ex[e].name, "",
					 batch, q, 0));
	while (!rc && !gb_interrupted) {
		uint64_t t0, dt;

		/* the same window untimed first: its inputs and the executor warm */
		rc = gb_cell_rep(c, 0);
		t0 = gb_now_ns();
		if (!rc)
			rc = gb_cell_rep(c, 0);
		dt = gb_now_ns() - t0;
		/*
		 * A replay that reaches 20 ms, or the whole trace's, is timed
		 * once more and the faster one counts: two dry runs of the
		 * default config minutes apart on this loaded machine
		 * estimated its cpu cells at 167 s and 7.7 s (they took about
		 * 16 s); a preempted replay of a small window, scaled up by
		 * the trace's rows, is the likely cause. A whole trace is no
		 * safer: with a test suite beside it (2026-12-08), one probe
		 * of 200 rows of silu took 0.80 s where the three after it
		 * took 9-10 ms, and its cell was planned short.
		 */
		if (!rc && (dt >= 20000000ull || k >= n) && dt < PROBE_LONG_NS) {
			uint64_t t1 = gb_now_ns(), dt2;

			rc = gb_cell_rep(c, 0);
			dt2 = gb_now_ns() - t1;
			dt = dt2 < dt ? dt2 : dt;
		}
		if (rc)
			break;
		if (pts.n < GB_ARRAY_SIZE(pts.rows)) {
			pts.rows[pts.n] = k;
			pts.flops[pts.n] = cum[k];
			pts.sec[pts.n++] = (double)dt * 1e-9;
		}
		if (dt >= 20000000ull || k >= n) {
			double scale;

			/*
			 * Scaled by rows or by FLOPs, whichever says more: a
			 * trace's first rows can be its cheapest (a decode's
			 * attention grows with its context), and calls have a
			 * cost of their own besides their FLOPs.
			 */
			scale = (double)n / k;
			if (cum[k] > 0 && cum[n] / cum[k] > scale)
				scale = cum[n] / cum[k];
			sec = (double)dt * 1e-9 * scale;
			*row_flops = gb_calibrate_row_flops(&pts, n ? cum[n] / n : 0);
			break;
		}
		k = k > n / 4 ? n : k * 4;
		gb_cell_set_window(c, k);
	}
	/*
	 * What a measured repetition costs besides its rows (set-up, noise
	 * probe, histogram), which a small window repeated over many cells
	 * adds up: a measured repetition of a single row less an untimed one
	 * of that row. The measured one alone (before 2026-12-08) counted the
	 * row twice in a window's plan, once in its rows and once here: the
	 * low-end config's lavapipe vector-search cells, on windows of 1 row
	 * of 25 ms, spent a third of their plan. Where a row alone takes a
	 * second or more, these probes would cost more rows and tell nothing
	 * a repetition's milliseconds of set-up could change: the high-end
	 * config's llm-prefill rows took 97-109 s a probe on lavapipe, four
	 * replays of one row each, half of them these timings.
	 */
	*fixed = 0;
	if (!rc && !isnan(sec) && sec / n * 1e9 < (double)PROBE_LONG_NS) {
		uint64_t t0, untimed;

		gb_cell_set_window(c, 1);
		t0 = gb_now_ns();
		rc = gb_cell_rep(c, 0);
		untimed = gb_now_ns() - t0;
		t0 = gb_now_ns();
		if (!rc && gb_cell_rep(c, 1) == 0)
			*fixed = fmax(((double)(gb_now_ns() - t0) - (double)untimed) * 1e-9, 0);
	}
	gb_cell_close(c);
	gb_results_release(&tmp);
	return sec;
}

/*
 * A budget's calibration takes at most a quarter of it (of a share's part,
 * for a share on its own): the probes past that are not taken. On this
 * 2-vCPU VM (2026-12-08) the mid-range config's dry run calibrated lavapipe
 * for more than 11 minutes of its 9-minute budget, probe after probe of
 * prefill rows that each take seconds there.
 */
#define CALIB_SHARE 0.25

/* Is cell i, a probe's, the first probe of its workload and executor? */
static int first_of_pair(const struct gb_run *r, const size_t *first, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (first[j] == j && r->cells[j].workload == r->cells[i].workload &&
		    r->cells[j].exec == r->cells[i].exec)
			return 0;
	return 1;
}

/*
 * What the first probe of cell i's workload and executor cost (a whole
 * replay and a repetition's fixed part), INFINITY where it failed: the
 * second pass takes the cheapest pairs' probes first, so that a quarter
 * spent on one dear pair (a CPU device's prefill rows) leaves the cheap
 * pairs probed rather than derived from their dearest.
 */
static double pair_cost(const struct gb_run *r, const size_t *first, size_t i)
{
	/* the pair's first probe is its first cell that is a probe */
	for (size_t j = 0; j < r->ncells; j++)
		if (r->cells[j].workload == r->cells[i].workload &&
		    r->cells[j].exec == r->cells[i].exec && first[j] == j)
			return isfinite(r->cells[j].rep_s) ? r->cells[j].rep_s + r->cells[j].rep_fixed_s :
							     INFINITY;
	return INFINITY;
}

/*
 * A probe not taken: planned as the dearest probe of its workload and
 * executor (its seconds and its fit; every pair has one: the first pass
 * takes them all), which plans it dear rather than cheap; NAN where that
 * pair's probes failed. Its fixed cost: the largest of the pair's.
 */
static void derive(struct gb_run *r, const uint8_t *probed, size_t i)
{
	struct gb_run_cell *cl = &r->cells[i];

	for (size_t j = 0; j < r->ncells; j++) {
		const struct gb_run_cell *o = &r->cells[j];

		if (!probed[j] || o->workload != cl->workload || o->exec != cl->exec ||
		    !isfinite(o->rep_s))
			continue;
		if (isnan(cl->rep_s) || o->rep_s > cl->rep_s)
			cl->rep_s = o->rep_s;
		if (o->rep_fixed_s > cl->rep_fixed_s)
			cl->rep_fixed_s = o->rep_fixed_s;
		if (cl->rep_s == o->rep_s)
			cl->rep_row_flops = o->rep_row_flops;
	}
}

/*
 * Bytes a second that memcpy moves through 16 MiB (the faster of three
 * copies): what a result cache's hits copy out and its puts copy in. On
 * the 2026-12-08 VM this read 25 GB/s; the low-end audio-features cpu
 * replays' 400 copies of about 160 KB (64 MB) took 2.3 ms outside the
 * executor's calls, 28 GB/s, and 0.11 of a replay at cache 0.
 */
#define COPY_PROBE_BYTES (16u << 20)
static double copy_bandwidth(void)
{
	char *src = gb_xmalloc(COPY_PROBE_BYTES), *dst = gb_xmalloc(COPY_PROBE_BYTES);
	uint64_t best = UINT64_MAX;
	volatile char sink = 0;   /* a copy nobody reads may be left out */

	memset(src, 1, COPY_PROBE_BYTES);
	memset(dst, 2, COPY_PROBE_BYTES);
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = gb_now_ns(), dt;

		memcpy(dst, src, COPY_PROBE_BYTES);
		dt = gb_now_ns() - t0;
		best = dt < best ? dt : best;
		sink ^= dst[(size_t)i * 4099u % COPY_PROBE_BYTES];
	}
	(void)sink;
	free(src);
	free(dst);
	return best > 0 ? (double)COPY_PROBE_BYTES / ((double)best * 1e-9) : 0;
}

json_t *gb_run_calibrate(struct gb_run *r)
{
	json_t *jcal = json_array();
	size_t *first = gb_xcalloc(r->ncells + 1, sizeof(*first)), nprobes = 0, done = 0;
	double budget = gb_run_budget_part(r), cap = budget > 0 ? budget * CALIB_SHARE : 0;
	uint64_t t0 = gb_now_ns();
	uint8_t *probed = gb_xcalloc(r->ncells + 1, sizeof(*probed));
	struct gb_keyed *order = gb_xcalloc(r->ncells + 1, sizeof(*order));
	size_t skipped = 0;

	gb_note("gbench: calibrating each executor on each workload, batch size and quant "
		"level (untimed replays of a window of each trace)");
	r->copy_bps = copy_bandwidth();
	/* one probe per workload, executor, batch size and quant level: the first such cell */
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		size_t j;

		for (j = 0; j < i; j++)
			if (r->cells[j].workload == cl->workload && r->cells[j].exec == cl->exec &&
			    r->cells[j].batch == cl->batch && r->cells[j].quant == cl->quant)
				break;
		first[i] = j;
		nprobes += j == i && r->ex[cl->exec].ok;
		cl->rep_s = NAN;
		cl->rep_fixed_s = 0;
		cl->rep_row_flops = NAN;
	}
	for (int pass = 0; pass < 2; pass++) {
		size_t norder = 0;

		/* pass 0 in the cells' order; pass 1 the cheapest pairs first */
		for (size_t i = 0; i < r->ncells; i++)
			if (first[i] == i && r->ex[r->cells[i].exec].ok &&
			    (pass == 0) == first_of_pair(r, first, i))
				order[norder++] = (struct gb_keyed){ pass ? pair_cost(r, first, i) : 0, i };
		qsort(order, norder, sizeof(*order), gb_keyed_cmp);
		for (size_t k = 0; k < norder && !gb_interrupted; k++) {
			size_t i = order[k].i;
			struct gb_run_cell *cl = &r->cells[i];

			if (pass == 1 && cap > 0 && (double)(gb_now_ns() - t0) * 1e-9 >= cap) {
				skipped++;
				continue;
			}
			gb_progress_calibration(r, done++, nprobes, i);
			cl->rep_s = probe(r, cl->workload, cl->exec, cl->batch, cl->quant,
					  &cl->rep_fixed_s, &cl->rep_row_flops);
			probed[i] = 1;
			if (isnan(cl->rep_s)) {
				gb_progress_clear(r);
				gb_warn("%s: calibration failed; its cells are planned at their "
					"configured repetitions", cl->id);
			}
		}
	}
	for (size_t i = 0; i < r->ncells && skipped && !gb_interrupted; i++)
		if (first[i] == i && r->ex[r->cells[i].exec].ok && !probed[i])
			derive(r, probed, i);
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		json_t *o;

		if (!r->ex[cl->exec].ok)
			continue;
		if (first[i] < i) {
			cl->rep_s = r->cells[first[i]].rep_s;
			cl->rep_fixed_s = r->cells[first[i]].rep_fixed_s;
			cl->rep_row_flops = r->cells[first[i]].rep_row_flops;
			continue;
		}
		o = json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:o}",
			"workload", r->wl[cl->workload].trace.name, "executor", r->ex[cl->exec].name,
			"batch", (int)cl->batch, "quant", gb_quant_name(cl->quant),
			"replay_s", isnan(cl->rep_s) ? json_null() : json_real(cl->rep_s),
			"repetition_fixed_s", json_real(cl->rep_fixed_s),
			"row_flops", isnan(cl->rep_row_flops) ? json_null() :
			json_real(cl->rep_row_flops));
		/* a probe of an executor that works, not taken: derived */
		if (!probed[i] && skipped && !gb_interrupted)
			json_object_set_new(o, "derived", json_string(
				"not probed: the calibration had taken its quarter of the time budget; "
				"the dearest probe of its workload and executor"));
		json_array_append_new(jcal, o);
	}
	if (gb_interrupted) {
		gb_progress_clear(r);
	} else {
		gb_progress_calibration(r, done, done, SIZE_MAX);
		if (skipped)
			gb_warn("the calibration took its quarter of the time budget (%g s) after %zu "
				"of %zu probes: the other %zu are planned as the dearest probe of their "
				"workload and executor (meta.json time_plan calibration)", cap, done,
				nprobes, skipped);
	}
	free(first);
	free(probed);
	free(order);
	return jcal;
}
