/*
 * cost.h - what the time plan expects a cell of a run to cost, from the
 * calibration's seconds of one whole replay of its workload, executor,
 * batch size and quant level at cache 0 (calibrate.h). Shared by the
 * budget's plan and the dry run's estimate (run-timeplan.c).
 */
#ifndef GB_PLAN_COST_H
#define GB_PLAN_COST_H

#include <stddef.h>

struct gb_run;
struct gb_workload;

/*
 * The part of a repetition at cache 0 that cell i's repetition over the
 * first `rows` requests of its trace (all of them past its length) costs
 * with its result cache: 1 without one.
 *
 * In a closed loop the replay's own batching is counted without an
 * executor (gb_replay_count, replay.h), at the cell's cache and at cache
 * 0, each taken to cost a * calls + b * requests, with a call's own cost
 * over a request's (a / b) from the calibration of the cell's workload,
 * executor and quant at its batch size and at the smallest other one;
 * by requests alone where the two do not tell them apart. A cache breaks
 * batches up: at batch 4 or 8 a cached replay's requests go out in more
 * calls, and requests of two streams for one key go out together, both
 * misses. Its hits copy their results out of the cache and its misses
 * into it, at the calibration's memcpy bandwidth (a run's copy_bps): the
 * low-end audio-features cpu replays spend a tenth of a cache-0 replay
 * copying about 160 KB a request. In the open and offline modes: the
 * requests the cache serves in trace order (mrc.h).
 */
double gb_run_cache_part(const struct gb_run *r, size_t i, size_t rows);

/* The FLOPs of the first k requests of w's trace, k = 0..rows (budget.h's cum_flops); free it. */
double *gb_run_cum_flops(const struct gb_workload *w);

/* Seconds of cell i's accuracy check (its executor's calls, and the cpu's for another one). */
double gb_run_accuracy_s(const struct gb_run *r, size_t i);

/*
 * Seconds cell i is estimated to take without a budget, in all the run's
 * processes, its accuracy check included (the dry run's estimate of a
 * config without a time budget).
 */
double gb_run_cell_estimate(const struct gb_run *r, size_t i);

#endif
