/*
 * run-timeplan.c - the run's time plan (stage gb_run_timeplan) and its dry
 * run (gb_run_dry): a short calibration of each executor on each workload,
 * batch size and quant level (calibrate.c), then, with a time budget, each
 * cell's repetitions and window of its trace (budget.h) at what it is
 * expected to cost (cost.c), recorded in meta.json "time_plan"; --dry-run
 * prints the plan with an estimate per executor.
 * In a shared run (processes = N) the first process calibrates and fixes
 * the windows, and every process plans its repetitions within its share
 * of the budget left (gb_run_timeplan_handoff, inherit).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../profilers/callgrind.h"
#include "compare/compare.h"
#include "fsio.h"
#include "plan/budget.h"
#include "plan/calibrate.h"
#include "plan/cost.h"
#include "gbench.h"
#include "plan/memplan.h"
#include "replay.h"
#include "run/run.h"

/*
 * Share of the budget left for the cells' repetitions: the accuracy check
 * (the float64 oracle), turn warm-ups and writing the results take time
 * the plan does not model, so a tenth of the budget is kept for them.
 */
#define BUDGET_RESERVE 0.10

/* Seconds this process took to start (traces, executors, plans) before the budget's clock. */
static double startup_s(const struct gb_run *r)
{
	return r->plan_start_ns > r->prog.t0_ns ? (double)(r->plan_start_ns - r->prog.t0_ns) * 1e-9 : 0;
}

int gb_run_timeplan_handoff(const struct gb_run *r, const char *path)
{
	json_t *tp = json_object_get(r->meta, "time_plan"), *cells = json_object(), *o;
	struct gb_atomic a;
	int rc;

	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];

		json_object_set_new(cells, cl->id, json_pack("{s:o, s:f, s:o, s:i}",
			"replay_s", isfinite(cl->rep_s) ? json_real(cl->rep_s) : json_null(),
			"repetition_fixed_s", cl->rep_fixed_s,
			"row_flops", isfinite(cl->rep_row_flops) ? json_real(cl->rep_row_flops) :
			json_null(), "window", (int)cl->window));
	}
	o = json_pack("{s:I, s:f, s:f, s:f, s:o, s:o}", "start_ns", (json_int_t)r->plan_start_ns,
		      "startup_s", startup_s(r), "calibration_s", r->calib_s,
		      "copy_bps", r->copy_bps,
		      "calibration", tp ? json_incref(json_object_get(tp, "calibration")) :
		      json_array(), "cells", cells);
	if (gb_atomic_open(&a, path) < 0) {
		json_decref(o);
		return -1;
	}
	json_dumpf(o, a.f, JSON_COMPACT);
	json_decref(o);
	rc = gb_atomic_commit(&a);
	return rc;
}

/*
 * A process of a shared run: take the first process's calibration, windows
 * and budget clock from the file in GB_BUDGET_PLAN_ENV; the calibration
 * array (for meta.json), or NULL with a message. *startup: the first
 * process's start-up, which each process still to come is taken to cost.
 */
static json_t *inherit(struct gb_run *r, double *startup)
{
	const char *path = getenv(GB_BUDGET_PLAN_ENV);
	json_error_t jerr;
	json_t *o, *cells, *jcal;

	if (!path) {
		gb_error("the time plan of the run that started this process is missing "
			 "(%s unset)", GB_BUDGET_PLAN_ENV);
		return NULL;
	}
	o = json_load_file(path, 0, &jerr);
	if (!o) {
		gb_error("%s:%d: the run's time plan: %s", path, jerr.line, jerr.text);
		return NULL;
	}
	cells = json_object_get(o, "cells");
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		json_t *jc = json_object_get(cells, cl->id), *rs;
		json_int_t w;

		if (!json_is_object(jc)) {
			gb_error("%s: the run's time plan has no cell '%s'", path, cl->id);
			json_decref(o);
			return NULL;
		}
		rs = json_object_get(jc, "replay_s");
		cl->rep_s = json_is_number(rs) ? json_number_value(rs) : NAN;
		cl->rep_fixed_s = json_number_value(json_object_get(jc, "repetition_fixed_s"));
		rs = json_object_get(jc, "row_flops");
		cl->rep_row_flops = json_is_number(rs) ? json_number_value(rs) : NAN;
		w = json_integer_value(json_object_get(jc, "window"));
		cl->window = w > 0 && (size_t)w < r->wl[cl->workload].trace.n ? (uint32_t)w : 0;
	}
	r->plan_start_ns = (uint64_t)json_integer_value(json_object_get(o, "start_ns"));
	r->calib_s = json_number_value(json_object_get(o, "calibration_s"));
	r->copy_bps = json_number_value(json_object_get(o, "copy_bps"));
	*startup = json_number_value(json_object_get(o, "startup_s"));
	jcal = json_incref(json_object_get(o, "calibration"));
	json_decref(o);
	unsetenv(GB_BUDGET_PLAN_ENV);   /* for this process only */
	return jcal ? jcal : json_array();
}

/* Whether the run of meta.json `meta` measured cell id (has it, not skipped). */
static int measured_in(json_t *meta, const char *id)
{
	json_t *jc = json_object_get(json_object_get(meta, "cells"), id);

	return json_is_object(jc) && !json_object_get(jc, "skipped");
}

/*
 * --windows-of RESULTS: each cell that run measured replays the rows it
 * replayed there (all of them where it had no window), fixed rather than
 * planned; a cell it did not measure (absent, or skipped there) is planned
 * as usual. The number fixed.
 */
static size_t windows_of(struct gb_run *r)
{
	json_t *meta = r->opts->windows_of_meta;
	size_t fixed = 0;

	for (size_t i = 0; meta && i < r->ncells; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		long long w = gb_compare_cell_window(meta, cl->id);

		if (!measured_in(meta, cl->id))
			continue;
		cl->window = w > 0 && (size_t)w < r->wl[cl->workload].trace.n ? (uint32_t)w : 0;
		cl->window_fixed = 1;
		fixed++;
	}
	return fixed;
}

int gb_run_windows_check(const struct gb_run *r)
{
	if (!(r->cfg->time_budget > 0) || !gb_run_alone(r->opts) || !r->opts->windows_of_meta)
		return 0;
	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];

		if (r->ex[cl->exec].ok && !measured_in(r->opts->windows_of_meta, cl->id)) {
			gb_error("%s: %s did not measure this cell, so each share would plan "
				 "its window apart and the shares would not pool: --filter it "
				 "out, or take --windows-of from a run that measured it",
				 cl->id, r->opts->windows_of);
			return GB_EXIT_USAGE;
		}
	}
	return 0;
}

/* Share p of n of count: the shares differ by at most one and add up to count (as run.c's). */
static uint32_t share_of(uint32_t count, uint32_t p, uint32_t n)
{
	return (uint32_t)((uint64_t)count * (p + 1) / n - (uint64_t)count * p / n);
}

int gb_run_timeplan(struct gb_run *r, int dry)
{
	const struct gb_config *cfg = r->cfg;
	uint32_t np = r->opts->nprocess > 1 ? r->opts->nprocess : 1, p = r->opts->process;
	/* a process the run started plans within its share, on the first one's calibration */
	int child = np > 1 && r->opts->child && !dry;
	/* a share on its own calibrates for itself, on --windows-of's windows */
	int solo = gb_run_alone(r->opts);
	json_t *jp, *jcal, *jcells;
	struct gb_budget_cell *bc;
	double *part, left, turns_s = 0, total = 0, startup = 0, now_s, share, reserve, extra = 0;
	size_t nshort = 0, nfixed = 0;

	/* a callgrind child replays its cell as configured: calibrating under valgrind is no plan */
	if ((!(cfg->time_budget > 0) && !dry) || gb_callgrind_child())
		return 0;
	/* what a window of each trace costs is priced by its FLOPs (budget.h) */
	r->cum_flops = gb_xcalloc(r->nwl + 1, sizeof(*r->cum_flops));
	for (size_t i = 0; i < r->nwl; i++)
		r->cum_flops[i] = gb_run_cum_flops(&r->wl[i]);
	if (child && cfg->time_budget > 0) {
		jcal = inherit(r, &startup);
		if (!jcal)
			return GB_EXIT_ENV;
	} else {
		r->plan_start_ns = gb_now_ns();
		startup = startup_s(r);
		jcal = gb_run_calibrate(r);
		r->calib_s = (double)(gb_now_ns() - r->plan_start_ns) * 1e-9;
		nfixed = windows_of(r);
	}
	r->calibrated = 1;
	jp = json_pack("{s:f, s:f, s:o, s:s}", "calibration_s", r->calib_s,
		       "copy_gb_s", r->copy_bps * 1e-9, "calibration", jcal,
		       "calibration_note", "seconds of one whole replay per workload, executor, "
		       "batch size and quant level, scaled from untimed replays of the trace's "
		       "first rows at cache 0 (by rows or FLOPs, whichever says more); every "
		       "cell of them is planned from it; in a shared run the first process "
		       "calibrates for all. row_flops: what a row costs besides its FLOPs, in "
		       "FLOPs, fitted to the windows a probe timed: a window of the trace's "
		       "first rows is planned at that part of a replay (null: at its part of "
		       "the rows). copy_gb_s: what memcpy moves through 16 MiB, at which a "
		       "result cache's hits and puts are planned to copy their results");
	json_object_set_new(r->meta, "time_plan", jp);
	if (r->opts->windows_of && !child)
		json_object_set_new(jp, "windows_of", json_pack("{s:s, s:I, s:s}",
			"results", r->opts->windows_of, "cells", (json_int_t)nfixed,
			"note", "the cells that run measured replay the rows they replayed there "
			"(--windows-of); the others' windows are planned"));
	if (!(cfg->time_budget > 0))
		return 0;
	/*
	 * This process's share: what is left of the budget, less the
	 * start-ups of the processes still to come (each taken to cost the
	 * first's), divided among this one and those; a process that ran
	 * over leaves less to the others, one that ran under leaves more.
	 */
	now_s = (double)(gb_now_ns() - r->plan_start_ns) * 1e-9;
	share = (cfg->time_budget - now_s - startup * (np - 1 - p)) / (double)(np - p);
	/* a share on its own: 1/N of the budget, its own calibration included */
	if (solo)
		share = gb_run_budget_part(r) - now_s;
	if (share < 0)
		share = 0;
	reserve = cfg->time_budget * BUDGET_RESERVE / np;
	bc = gb_xcalloc(r->ncells + 1, sizeof(*bc));
	part = gb_xcalloc(r->ncells + 1, sizeof(*part));
	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];
		uint32_t n = (uint32_t)r->wl[cl->workload].trace.n;
		/*
		 * a process the run started keeps the first one's window, and
		 * --windows-of the other run's: its rows are the trace
		 */
		int keep = child || cl->window_fixed;
		uint32_t rows = keep && cl->window ? cl->window : n;
		uint32_t min_window = keep ? rows : (uint32_t)gb_percentile_min_samples(99.0);
		double rep_s = isfinite(cl->rep_s) && r->ex[cl->exec].ok ? cl->rep_s : 0, cold;

		rep_s *= gb_budget_window_part(r->cum_flops[cl->workload], cl->rep_row_flops, n, rows);
		/*
		 * less what its result cache saves (cost.h), as the dry run's
		 * estimate counts it, over the smallest window the plan may give
		 * it too (a window's first rows find the cache colder than the
		 * trace does); a window below that one is planned without it
		 * (budget.c rate)
		 */
		cold = rep_s;
		part[i] = gb_run_cache_part(r, i, rows);
		if (min_window < rows)
			part[i] = fmax(part[i], gb_run_cache_part(r, i, min_window));
		rep_s *= part[i];
		/* another executor's check runs each call on the cpu too (accuracy_s) */
		bc[i] = (struct gb_budget_cell){
			.rep_s = rep_s, .rep_cold_s = cold, .fixed_s = rep_s > 0 ? cl->rep_fixed_s : 0,
			.extra_s = gb_run_accuracy_s(r, i),
			.requests = rows,
			.cum_flops = r->cum_flops[cl->workload], .row_flops = cl->rep_row_flops,
			.untimed = cl->warmup, .prime = cl->prime,
			.min_reps = share_of(cfg->min_repetitions, p, np), .max_reps = cl->reps,
			.min_window = min_window,
			.keep_window = keep,
			/* a workload's cells replay one window, which the first process picks */
			.group = keep ? 0 : (uint32_t)cl->workload + 1,
		};
	}
	/*
	 * Each executor's turn may open with an untimed repetition
	 * (gb_run_execute): rounds of them per executor, at the cost of its
	 * dearest cell, but never more than another tenth of the budget.
	 */
	for (size_t e = 0; e < r->nex; e++) {
		double dear = 0;

		for (size_t i = 0; i < r->ncells; i++)
			if (r->cells[i].exec == e && isfinite(r->cells[i].rep_s) &&
			    r->cells[i].rep_s > dear)
				dear = r->cells[i].rep_s;
		turns_s += dear * cfg->rounds;
	}
	if (turns_s > reserve)
		turns_s = reserve;
	left = share - reserve - turns_s;
	r->budget_over = gb_budget_plan(bc, r->ncells, left > 0 ? left : 0);
	jcells = json_object();
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_run_cell *cl = &r->cells[i];

		cl->reps = bc[i].reps;
		cl->min_reps = bc[i].min_reps;
		cl->plan_reps_s = bc[i].plan_s - bc[i].extra_s;
		extra += bc[i].extra_s;
		if (!child && !cl->window_fixed)
			cl->window = bc[i].window < bc[i].requests ? bc[i].window : 0;
		json_object_set_new(jcells, cl->id, json_pack("{s:f, s:f, s:f, s:f, s:i, s:i, s:i, s:s, s:s}",
			"share_s", bc[i].share_s, "planned_s", bc[i].plan_s,
			"accuracy_s", bc[i].extra_s, "cache_part", part[i],
			"repetitions", (int)bc[i].reps, "window", (int)bc[i].window,
			"requests", (int)r->wl[cl->workload].trace.n,
			"why", gb_budget_why_name(bc[i].why),
			"reason", gb_budget_why_text(bc[i].why)));
		/* each with --verbose; else one line (the low-end config's 60 s run had 102) */
		if (bc[i].why == GB_BUDGET_SHORT && !dry && (r->opts->verbose || !nshort))
			gb_warn("%s: short of its minimum%s: %u of %u repetitions over %u rows fit "
				"its share of the time budget (%.2g s)", cl->id,
				np > 1 ? " in this process" : "", bc[i].reps, bc[i].min_reps,
				bc[i].window, bc[i].share_s);
		nshort += bc[i].why == GB_BUDGET_SHORT;
	}
	if (nshort > 1 && !dry && !r->opts->verbose)
		gb_warn("%zu of %zu cells%s are short of their minimum like it: meta.json time_plan "
			"says what each got, --verbose names them here", nshort, r->ncells,
			np > 1 ? " in this process" : "");
	for (size_t i = 0; i < r->ncells; i++)
		total += bc[i].plan_s;
	total += turns_s;
	free(bc);
	free(part);
	/*
	 * The repetitions are to be done when the share is, less the reserve
	 * and the accuracy checks that follow them: past it, the run gives up
	 * repetitions beyond each cell's minimum (gb_run_execute, pace.h).
	 */
	if (!dry)
		r->reps_end_ns = r->plan_start_ns +
				 (uint64_t)((now_s + fmax(share - reserve - extra, 0)) * 1e9);
	/* every cell's floor (a repetition, its warm-ups, its accuracy check) may not fit */
	if (total > share) {
		/* tenths where whole seconds would say "1 s, over ... 0 s" */
		int prec = np > 1 || cfg->time_budget < 10;

		gb_warn("the plan needs about %.*f s, over %s of %.*f s: the %zu cells' "
			"floors (one repetition each, with its warm-ups and accuracy check) do "
			"not fit; fewer cells (--filter) or a larger --time-budget",
			prec, total + (p == 0 || solo ? r->calib_s : 0),
			solo ? "this share's part (1/N of the budget, less its calibration)" :
			np > 1 ? "this process's share (what is left of the budget over the "
			"processes still to run)" : "the time budget",
			prec, np > 1 ? share : cfg->time_budget, r->ncells);
	}
	total += p == 0 || solo ? r->calib_s : 0;
	json_object_set_new(jp, "planned_total_s", json_real(total));
	json_object_set_new(jp, "budget_s", json_real(cfg->time_budget));
	json_object_set_new(jp, "reserve", json_real(BUDGET_RESERVE));
	json_object_set_new(jp, "turns_s", json_real(turns_s));
	json_object_set_new(jp, "min_repetitions", json_integer(cfg->min_repetitions));
	json_object_set_new(jp, "min_window",
			    json_integer((json_int_t)gb_percentile_min_samples(99.0)));
	json_object_set_new(jp, "cells_short", json_integer((json_int_t)r->budget_over));
	json_object_set_new(jp, "cells", jcells);
	if (np > 1) {
		json_object_set_new(jp, "process", json_integer(p + 1));
		json_object_set_new(jp, "processes", json_integer(np));
		json_object_set_new(jp, "share_s", json_real(share));
		json_object_set_new(jp, "started_s", json_real(now_s));
		if (solo)
			json_object_set_new(jp, "share_note", json_string(
				"a share run on its own (--process I/N): it calibrated for itself, "
				"replays --windows-of's windows, and took 1/N of the budget, its "
				"calibration included"));
	}
	return 0;
}

/* The plan as one JSON object on stdout (--dry-run --json). */
static void dry_json(const struct gb_run *r, const double *est, const double *by_exec,
		     double total)
{
	json_t *cells = json_array(), *ex = json_object(), *o;
	json_t *plan = json_object_get(json_object_get(r->meta, "time_plan"), "cells");
	json_t *mem = json_object_get(r->meta, "memory_plan");
	json_t *cal = json_object_get(json_object_get(r->meta, "time_plan"), "calibration");

	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];
		json_t *jc = json_object_get(plan, cl->id);
		size_t n = r->wl[cl->workload].trace.n;

		json_array_append_new(cells, json_pack("{s:s, s:s, s:b, s:i, s:I, s:I, s:f, s:o, s:o}",
			"id", cl->id, "executor", r->ex[cl->exec].name, "available", r->ex[cl->exec].ok,
			"repetitions", (int)cl->reps,
			"rows", (json_int_t)(cl->window ? cl->window : n), "requests", (json_int_t)n,
			"estimate_s", est[i],
			"why", jc ? json_incref(json_object_get(jc, "why")) : json_null(),
			"cache_part", jc ? json_incref(json_object_get(jc, "cache_part")) : json_null()));
	}
	for (size_t e = 0; e < r->nex; e++)
		if (r->ex[e].ok)
			json_object_set_new(ex, r->ex[e].name, json_real(by_exec[e]));
	o = json_pack("{s:i, s:o, s:o, s:f, s:f, s:o, s:o, s:o}", "schema", 1, "cells", cells,
		      "estimate_by_executor_s", ex, "estimate_s", total,
		      "calibration_s", r->calib_s,
		      "calibration", cal ? json_incref(cal) : json_array(),
		      "time_budget_s", r->cfg->time_budget > 0 ? json_real(r->cfg->time_budget) :
		      json_null(), "memory_plan", mem ? json_incref(mem) : json_null());
	json_object_set_new(o, "processes", json_integer(r->opts->spawn ? r->opts->nprocess : 1));
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

void gb_run_dry(struct gb_run *r, int json)
{
	const struct gb_config *cfg = r->cfg;
	char *reps_text;
	double *by_exec = gb_xcalloc(r->nex + 1, sizeof(*by_exec)), total, turns = 0;
	double *est = gb_xcalloc(r->ncells + 1, sizeof(*est));
	json_t *plan = json_object_get(json_object_get(r->meta, "time_plan"), "cells");
	uint32_t np = r->opts->spawn ? r->opts->nprocess : 1;
	/* what this process took to start (traces, executors, plans): each other process's too */
	double startup = r->plan_start_ns > r->prog.t0_ns ?
			 (double)(r->plan_start_ns - r->prog.t0_ns) * 1e-9 : 0;
	/* only a run with a budget calibrates before it runs */
	double calib = cfg->time_budget > 0 ? r->calib_s : 0;

	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];
		json_t *jc = json_object_get(plan, cl->id);

		/*
		 * A budget's plan counts the accuracy check too; it is the
		 * first process's, and each other plans its own share alike
		 * without the check (taken here to cost the same).
		 */
		if (jc) {
			double pl = json_real_value(json_object_get(jc, "planned_s"));

			est[i] = pl + (np - 1) *
				 (pl - json_real_value(json_object_get(jc, "accuracy_s")));
		} else {
			est[i] = gb_run_cell_estimate(r, i);
		}
		by_exec[cl->exec] += est[i];
	}
	/*
	 * Each turn of an executor may open with an untimed repetition
	 * (gb_run_execute), over the cell's window when a budget gave it one.
	 */
	for (size_t e = 0; e < r->nex; e++) {
		double dear = 0;

		for (size_t i = 0; i < r->ncells; i++) {
			const struct gb_run_cell *cl = &r->cells[i];
			size_t n = r->wl[cl->workload].trace.n;
			double c = isfinite(cl->rep_s) ? cl->rep_s : 0;

			if (cl->window && cl->window < n)
				c *= (double)cl->window / (double)n;
			if (cl->exec == e && r->ex[e].ok && c > dear)
				dear = c;
		}
		turns += dear * cfg->rounds * np;
		by_exec[e] += dear * cfg->rounds * np;
	}
	total = calib + startup * (np - 1);
	for (size_t e = 0; e < r->nex; e++)
		total += by_exec[e];
	if (json) {
		dry_json(r, est, by_exec, total);
		free(est);
		free(by_exec);
		return;
	}
	reps_text = gb_run_reps_line(cfg);
	printf("%zu cell%s, %s", r->ncells, r->ncells == 1 ? "" : "s", reps_text);
	if (np > 1)
		printf(", shared among %u processes", np);
	if (cfg->time_budget > 0)
		printf(", within a time budget of %.0f s", cfg->time_budget);
	putchar('\n');
	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];
		json_t *jc = json_object_get(plan, cl->id);

		if (!r->ex[cl->exec].ok)
			printf("  %-48s skipped: executor unavailable\n", cl->id);
		else if (jc)
			printf("  %-48s %3u rep%s x %u of %zu rows, %7.1f s: %s\n", cl->id, cl->reps,
			       cl->reps == 1 ? " " : "s",
			       cl->window ? cl->window : (uint32_t)r->wl[cl->workload].trace.n,
			       r->wl[cl->workload].trace.n, est[i],
			       json_string_value(json_object_get(jc, "why")));
		else
			printf("  %-48s %7.1f s\n", cl->id, est[i]);
	}
	for (size_t e = 0; e < r->nex; e++) {
		size_t cells = 0;

		for (size_t i = 0; i < r->ncells; i++)
			cells += r->cells[i].exec == e;
		if (r->ex[e].ok && !cells)
			printf("estimate %s: no cells\n", r->ex[e].name);
		else if (r->ex[e].ok)
			printf("estimate %s: %.1f s, from a calibration of %s on each workload, "
			       "batch size and quant level\n", r->ex[e].name, by_exec[e],
			       r->ex[e].name);
	}
	printf("estimated time: %.0f s (the cells, with their accuracy checks, less what their "
	       "result caches save; %.1f s of executor turns' warm-ups", total, turns);
	if (np > 1)
		printf("; %u more process start-ups of %.1f s", np - 1, startup);
	if (calib > 0)
		printf("; the calibration, %.1f s", calib);
	printf("), from untimed replays of a window of each trace (calibration %.1f s), "
	       "not a measurement of the cells; the report at the end is not counted "
	       "(--no-report)\n", r->calib_s);
	if (cfg->time_budget > 0 && r->opts->windows_of) {
		size_t fixed = 0;

		for (size_t i = 0; i < r->ncells; i++)
			fixed += r->cells[i].window_fixed;
		printf("windows: %zu of %zu cells replay the rows they replayed in %s "
		       "(--windows-of)%s\n", fixed, r->ncells, r->opts->windows_of,
		       fixed < r->ncells ? "; the others' are planned" : "");
	}
	if (cfg->time_budget > 0 && np > 1)
		printf("reps: the first process's; each of the %u processes plans its repetitions "
		       "within its share of what is left of the budget, on these windows\n", np);
	if (cfg->time_budget > 0 && gb_run_alone(r->opts))
		printf("share: %u of %u, on its own: %.1f s, 1/%u of the budget with its "
		       "calibration; the other shares run apart, each on these windows "
		       "(gbench merge pools them)\n", r->opts->process + 1, r->opts->nprocess,
		       gb_run_budget_part(r), r->opts->nprocess);
	if (cfg->time_budget > 0 && r->budget_over)
		printf("short: %zu cells cannot meet their minimum of %u repetitions over "
		       "%llu rows (the whole trace where it is shorter) within their share, "
		       "and take what fits\n", r->budget_over,
		       cfg->min_repetitions, (unsigned long long)gb_percentile_min_samples(99.0));
	if (r->memplan)
		gb_memplan_print(r->memplan, r->mem_limit, r->mem_limit_why, stdout);
	free(est);
	free(by_exec);
	free(reps_text);
}
