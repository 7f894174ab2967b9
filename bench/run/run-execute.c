/*
 * run-execute.c - the gb_run_execute stage of `gbench run` (run.h): the
 * cells opened, their warm-ups, the measured repetitions in the schedule's
 * order (executor turns, rounds, seeded interleaving, primes), held to a
 * time budget's plan as they go (plan/pace.h), then each cell's accuracy
 * check and validity.
 */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "maxqps.h"
#include "plan/pace.h"
#include "rng.h"

struct slot {
	uint32_t cell;
	int measured;
};

/*
 * Give the measured slots s[first..k) their cells' primes, in place (the
 * array has room): back to front, each measured slot moves to its place
 * with its untimed slots before it. Returns the new end.
 */
static size_t expand_primes(struct slot *s, size_t first, size_t k,
			    const struct gb_run_cell *cells)
{
	size_t end = k;

	for (size_t i = first; i < k; i++)
		end += cells[s[i].cell].prime;
	for (size_t i = k, w = end; i-- > first;) {
		struct slot m = s[i];

		s[--w] = m;
		for (uint32_t p = 0; p < cells[m.cell].prime; p++)
			s[--w] = (struct slot){ m.cell, 0 };
	}
	return end;
}

/*
 * Deal each executor's slots s[b[e]..b[e+1]) out over `rounds` turns: round
 * r takes the r-th share of its measured slots, each with the untimed slots
 * before it (its primes; the warmups go with the first), and the executors
 * take their turns round by round. Untimed slots after an executor's last
 * measured one (warmups of an executor with no measured slot, as a process
 * with a share of none gets) go with its last round. Same count n.
 */
static struct slot *in_rounds(struct slot *s, size_t n, const size_t *b, size_t nexec,
			      uint32_t rounds)
{
	struct slot *out = gb_xmalloc((n + 1) * sizeof(*out));
	size_t k = 0;

	for (uint32_t r = 0; r < rounds; r++)
		for (size_t e = 0; e < nexec; e++) {
			size_t nm = 0, g = 0, from = b[e];

			for (size_t i = b[e]; i < b[e + 1]; i++)
				nm += s[i].measured;
			for (size_t i = b[e]; i < b[e + 1]; i++) {
				if (!s[i].measured)
					continue;
				if (g >= nm * r / rounds && g < nm * (r + 1) / rounds)
					for (size_t j = from; j <= i; j++)
						out[k++] = s[j];
				g++;
				from = i + 1;
			}
			for (size_t j = from; r + 1 == rounds && j < b[e + 1]; j++)
				out[k++] = s[j];
		}
	free(s);
	return out;
}

/*
 * The order of repetitions. Executors take turns, so one device's
 * background work (lavapipe's threads winding down, say) never lands in
 * another's measurements: one turn each, or `rounds` turns each so that
 * every executor's repetitions span the whole run and sample its slow drift
 * (here a call's time moved by 7% within 3 s of one process). Within an
 * executor: each cell's warmups first, then every measured repetition of
 * its cells, shuffled (Fisher-Yates) when interleaving, so that drift
 * spreads over all cells instead of biasing the last ones; each measured
 * repetition right after its cell's `prime` untimed ones, so that it finds
 * the caches as its own cell leaves them rather than as a random other cell
 * did.
 */
static struct slot *schedule(const struct gb_run_cell *cells, size_t ncells, size_t nexec,
			     uint32_t rounds, int interleave, uint64_t seed, size_t *n)
{
	size_t *b = gb_xcalloc(nexec + 1, sizeof(*b));
	uint64_t st = seed ^ 0x6a09e667f3bcc909ULL;
	struct slot *s;
	size_t k = 0;

	for (size_t c = 0; c < ncells; c++)
		k += cells[c].warmup + cells[c].reps * (1 + (size_t)cells[c].prime);
	s = gb_xmalloc((k + 1) * sizeof(*s));
	k = 0;

	for (size_t e = 0; e < nexec; e++) {
		size_t first;

		for (size_t c = 0; c < ncells; c++)
			for (uint32_t r = 0; r < cells[c].warmup && cells[c].exec == e; r++)
				s[k++] = (struct slot){ (uint32_t)c, 0 };
		first = k;
		for (size_t c = 0; c < ncells; c++)
			for (uint32_t r = 0; r < cells[c].reps && cells[c].exec == e; r++)
				s[k++] = (struct slot){ (uint32_t)c, 1 };
		for (size_t i = k; interleave && i > first + 1; i--) {
			size_t j = first + gb_splitmix64(&st) % (i - first);
			struct slot t = s[i - 1];

			s[i - 1] = s[j];
			s[j] = t;
		}
		k = expand_primes(s, first, k, cells);
		b[e + 1] = k;
	}
	if (rounds > 1)
		s = in_rounds(s, k, b, nexec, rounds);
	free(b);
	*n = k;
	return s;
}

static struct gb_cell_spec cell_spec(const struct gb_run *r, const struct gb_run_cell *cl)
{
	const struct gb_config *cfg = r->cfg;

	return (struct gb_cell_spec){
		.batch = cl->batch, .cache = cl->cache, .quant = cl->quant,
		.repetitions = cl->reps, .warmup = cl->warmup, .window = cl->window,
		.accuracy_samples = cfg->accuracy_samples, .mode = cfg->mode,
		.speed = r->speeds[cl->workload],
		.max_queue_delay_ns = cfg->max_queue_delay_us * 1000,
		.min_duration_ns = cfg->min_duration_ms * 1000000,
		.min_requests = cfg->min_requests,
		.counters = r->counters,
		.skip_accuracy = !gb_run_checks_accuracy(r),
	};
}

static void find_max_qps(struct gb_run *r)
{
	json_t *jmax = json_object();
	uint64_t slo = r->opts->slo_ns;

	for (size_t i = 0; i < r->ncells && !gb_interrupted; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		struct gb_cell_spec spec = cell_spec(r, cl);
		json_t *trials;
		double best = 0;

		if (!r->ex[cl->exec].ok)
			continue;
		spec.counters = NULL;
		spec.window = 0;      /* a search serves the whole trace */
		trials = json_array();
		gb_note("gbench: %s: searching the highest load with p99 <= %.3f ms", cl->id,
			(double)slo / 1e6);
		int at_least = 1;   /* no trial missed: the limit lies beyond the search */
		size_t t;
		json_t *tr;

		if (gb_find_max_qps(&r->wl[cl->workload], &r->ex[cl->exec].ex, &r->ex[r->cpu].ex,
				    &spec, slo, &best, trials) == 0) {
			json_array_foreach(trials, t, tr)
				at_least &= json_is_true(json_object_get(tr, "pass"));
			gb_metric_push(gb_cell_metric(&r->res.cells[i], "max_qps", "req/s",
						      GB_SRC_MEASURED), best);
			gb_note("gbench: %s: %s %.1f req/s within p99 <= %.3f ms%s", cl->id,
				at_least ? "at least" : "max", best, (double)slo / 1e6,
				at_least ? " (every trial met it: the search stops at 64 times the "
					   "trace's rate)" : "");
		}
		json_object_set_new(jmax, cl->id, json_pack("{s:I, s:f, s:b, s:o}",
			"slo_p99_ns", (json_int_t)slo, "max_qps", best, "at_least", at_least,
			"trials", trials));
	}
	json_object_set_new(r->meta, "find_max_qps", jmax);
}

/* The plan's seconds for one of cell cl's slots, untimed or measured (0: no plan). */
static double slot_cost(const struct gb_run_cell *cl)
{
	double n = (double)cl->warmup + (double)cl->reps * (1.0 + cl->prime);

	return cl->plan_reps_s > 0 && n > 0 ? cl->plan_reps_s / n : 0;
}

/*
 * The pace of a budgeted run (plan/pace.h): whether slot sl runs. A
 * measured repetition past its cell's minimum, with the primes before it,
 * is given up when running it would take the run past its plan's end; a
 * given-up one leaves its cell one repetition fewer (cl->reps, cl->cut).
 * taken[] counts each cell's measured repetitions run, drop[] a prime given
 * up, whose measured repetition goes with it.
 */
static int paced(struct gb_run *r, struct gb_pace *pace, const struct slot *sl, int warm,
		 const double *cost, uint32_t *taken, uint8_t *drop)
{
	struct gb_run_cell *cl = &r->cells[sl->cell];
	int optional = !warm && cl->min_reps && taken[sl->cell] >= cl->min_reps, go;

	if (drop[sl->cell]) {
		gb_pace_pass(pace, cost[sl->cell]);
		go = 0;
	} else {
		go = gb_pace_take(pace, gb_now_ns(), cost[sl->cell], optional);
	}
	if (go) {
		taken[sl->cell] += sl->measured;
		return 1;
	}
	drop[sl->cell] = !sl->measured;
	if (sl->measured) {
		cl->reps--;
		cl->cut++;
	}
	return 0;
}

/*
 * A budgeted run's repetitions given up to the clock: time_plan cells.<id>
 * "repetitions" becomes what the cell took and "cut" says how many fewer
 * than planned; one line when there were any.
 */
static void record_cuts(struct gb_run *r)
{
	json_t *plan = json_object_get(json_object_get(r->meta, "time_plan"), "cells"), *jc;
	size_t reps = 0, cells = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		if ((jc = json_object_get(plan, r->cells[i].id))) {
			json_object_set_new(jc, "repetitions", json_integer(r->cells[i].reps));
			json_object_set_new(jc, "cut", json_integer(r->cells[i].cut));
		}
		reps += r->cells[i].cut;
		cells += r->cells[i].cut > 0;
	}
	if (reps)
		gb_note("gbench run: behind its time plan (the calibration was low): %zu measured "
			"repetition%s past the cells' minimum given up in %zu cell%s, to end near "
			"the budget (meta.json time_plan cells.<id>.cut)", reps, reps == 1 ? "" : "s",
			cells, cells == 1 ? "" : "s");
}

/* Executors take turns (schedule): tell the one whose turn begins or ends. */
static void exec_turn(struct gb_run *r, size_t exec, int begin)
{
	if (r->ex[exec].ok)
		gb_executor_turn(&r->ex[exec].ex, begin);
}

int gb_run_execute(struct gb_run *r, const char *out_dir)
{
	const struct gb_config *cfg = r->cfg;
	json_t *jcells = json_object(), *junavail = json_object();
	struct slot *sched;
	size_t nsched, turn = SIZE_MAX;   /* the executor whose turn it is */
	uint32_t *untimed;               /* per cell: its untimed repetitions begun */
	uint32_t *taken;                 /* per cell: its measured repetitions begun */
	uint8_t *drop;                   /* per cell: a prime given up (paced) */
	double *cost, planned = 0;       /* per cell: the plan's seconds a slot */
	struct gb_pace pace;
	char *reps_text = gb_run_reps_line(cfg), procs[64] = "";

	if (r->opts->spawn)
		snprintf(procs, sizeof(procs), " in each of %u processes", r->opts->nprocess);
	if (cfg->time_budget > 0 && r->calibrated) {
		char *b = gb_xasprintf("%s (the most; a time budget of %.0f s shares them: meta.json "
				       "time_plan)", reps_text, cfg->time_budget);

		free(reps_text);
		reps_text = b;
	}
	gb_note("gbench: %zu cells, %s, %s order in %u round%s%s, results to %s",
		r->ncells, reps_text,
		r->opts->interleave ? "interleaved" : "cell-by-cell", cfg->rounds,
		cfg->rounds == 1 ? "" : "s",
		procs, out_dir);
	free(reps_text);
	/* opening a cell generates its workload's data (past the memory plan) */
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		struct gb_cell_spec spec = cell_spec(r, cl);

		if (r->ex[cl->exec].ok)
			gb_run_cell_status(&r->res.cells[i], &r->ex[cl->exec],
				    gb_cell_open(&cl->cell, &r->wl[cl->workload], &r->ex[cl->exec].ex,
						 &r->ex[r->cpu].ex, &spec, &r->res.cells[i]));
	}
	if (r->opts->find_max_qps && r->opts->process == 0)
		find_max_qps(r);
	/* per executor: warmups, then every measured repetition in one seeded order */
	sched = schedule(r->cells, r->ncells, r->nex, cfg->rounds, r->opts->interleave,
			 cfg->seed ^ (r->opts->process * 0x9e3779b97f4a7c15ULL), &nsched);
	untimed = gb_xcalloc(r->ncells + 1, sizeof(*untimed));
	taken = gb_xcalloc(r->ncells + 1, sizeof(*taken));
	drop = gb_xcalloc(r->ncells + 1, sizeof(*drop));
	cost = gb_xcalloc(r->ncells + 1, sizeof(*cost));
	for (size_t i = 0; i < r->ncells; i++) {
		cost[i] = slot_cost(&r->cells[i]);
		planned += r->cells[i].plan_reps_s;
	}
	gb_pace_init(&pace, r->reps_end_ns, planned);
	gb_progress_begin(r);
	for (size_t s = 0; s < nsched && !gb_interrupted; s++) {
		struct gb_run_cell *cl = &r->cells[sched[s].cell];
		struct gb_cell_result *c = &r->res.cells[sched[s].cell];
		int runs = cl->cell && r->ex[cl->exec].ok && !c->skipped;
		/* a cell's first untimed repetitions are its warm-ups, the others its primes */
		int warm = !sched[s].measured && untimed[sched[s].cell]++ < cl->warmup;

		if (!runs) {
			gb_pace_pass(&pace, cost[sched[s].cell]);
		} else if (!paced(r, &pace, &sched[s], warm, cost, taken, drop)) {
			gb_progress_cut(r, sched[s].cell, sched[s].measured);
			continue;
		}
		gb_progress_slot(r, sched[s].cell, sched[s].measured, warm);

		if (cl->exec != turn) {
			if (turn != SIZE_MAX)
				exec_turn(r, turn, 0);
			exec_turn(r, turn = cl->exec, 1);
			r->turns++;
			/*
			 * A turn's first call finds the executor cold (its threads
			 * asleep, its caches and buffers another executor's, or, in
			 * a fresh process, nothing touched yet): one untimed
			 * repetition of the turn's first cell takes that, unless
			 * the turn opens with an untimed one already.
			 */
			if (runs && sched[s].measured) {
				uint64_t t0 = gb_now_ns();

				gb_run_cell_status(c, &r->ex[cl->exec], gb_cell_rep(cl->cell, 0));
				cl->spent_rep_ns += gb_now_ns() - t0;
				r->turn_warmups++;
			}
		}
		if (runs) {
			uint64_t t0 = gb_now_ns();

			gb_run_cell_status(c, &r->ex[cl->exec], gb_cell_rep(cl->cell, sched[s].measured));
			cl->spent_rep_ns += gb_now_ns() - t0;
		}
	}
	gb_progress_end(r);
	if (turn != SIZE_MAX)
		exec_turn(r, turn, 0);
	free(sched);
	free(untimed);
	free(taken);
	free(drop);
	free(cost);
	record_cuts(r);
	if (r->opts->spawn && !gb_interrupted)
		gb_run_processes(r);
	r->interrupted = gb_interrupted != 0;
	for (size_t i = 0; i < r->ncells; i++) {
		gb_run_judge_cell(r, i, jcells, junavail);
		gb_cell_close(r->cells[i].cell);
		r->cells[i].cell = NULL;
	}
	for (size_t i = 0; i < r->nex; i++)
		if (r->ex[i].ok)
			r->validation += gb_executor_validation_messages(&r->ex[i].ex);
	json_object_set_new(r->meta, "cells", jcells);
	json_object_set_new(r->meta, "turns", json_pack("{s:I, s:I, s:s}",
		"count", (json_int_t)r->turns, "warmups", (json_int_t)r->turn_warmups,
		"note", "executor turns taken in all processes; a turn that opens with a measured "
			"repetition runs one untimed repetition of that cell first"));
	json_object_set_new(r->meta, "unavailable", junavail);
	return 0;
}
