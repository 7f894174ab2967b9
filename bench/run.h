/*
 * run.h - one `gbench run` as a sequence of stages, each a function:
 *
 *   gb_run_load       workloads (traces checked, no data yet), open-mode speeds
 *   gb_run_executors  every executor listed, plus the CPU one as reference
 *   gb_run_plan       the matrix of cells, filtered
 *   gb_run_memplan    the memory the plan needs at its peak, refused over the limit
 *   gb_run_timeplan   (a time budget, or --dry-run) a short calibration of each
 *                     executor, and with a budget each cell's share (budget.h;
 *                     run-timeplan.c, with gb_run_dry)
 *   gb_run_dry        (--dry-run) the cells, an estimate and the memory plan
 *   gb_run_execute    generate the inputs and operands, open every cell,
 *                     warmups, measured repetitions interleaved, accuracy, validity
 *   gb_run_simulate   (--counters callgrind) cpu cells re-run under valgrind
 *   gb_run_write      the results directory, meta.json last
 *
 * cmd-run.c parses the command line into a gb_run_opts and calls them in
 * order. The run owns everything it makes; gb_run_release frees it all.
 */
#ifndef GB_RUN_H
#define GB_RUN_H

#include <jansson.h>

#include "config.h"
#include "executor.h"
#include "replay.h"
#include "results/results.h"

/* What the command line adds to the config. */
struct gb_run_opts {
	const char *filter;        /* cells whose id matches (glob, or substring) */
	const char *require;       /* executor that must be available */
	const char *device;
	uint64_t slo_ns;           /* find-max-qps objective (p99 response) */
	int validate, interleave, find_max_qps, strict;
	int argc;                  /* the run command's own arguments, for child processes */
	char **argv;
	/*
	 * This process runs share `process` of `nprocess` of every cell's
	 * repetitions (0 of 1: all of them); with `spawn` it starts the
	 * processes of the other shares itself, and pools their results
	 * (config processes = N). Only share 0 checks accuracy, searches
	 * max QPS and simulates counters.
	 */
	uint32_t process, nprocess;
	int spawn;
	uint64_t max_memory;       /* --max-memory in bytes; 0: the config's, else the default */
};

struct gb_memplan;

struct gb_run_exec {
	const char *name;
	struct gb_executor ex;
	struct gb_exec_info info;
	int ok;                    /* usable: initialized and not lost */
	int inited;                /* initialized: release at the end */
	int lost;                  /* the device was lost during the run */
	char reason[512];
};

struct gb_run_cell {
	char *id;
	size_t workload, exec;
	uint32_t batch, cache;
	enum gb_quant quant;
	uint32_t reps;             /* measured repetitions (per executor) */
	uint32_t prime;            /* untimed repetitions before each measured one */
	uint32_t warmup;           /* untimed repetitions before the first (per process) */
	uint32_t window;           /* rows each repetition replays (0: all; budget.h) */
	double rep_s;              /* calibration: estimated seconds of one whole replay */
	double rep_fixed_s;        /* and what a repetition costs besides its rows */
	struct gb_cell *cell;      /* open while the run goes on */
};

struct gb_run {
	const struct gb_config *cfg;
	const struct gb_run_opts *opts;
	struct gb_workload *wl;
	size_t nwl;
	double *speeds;            /* per workload, open mode */
	struct gb_run_exec *ex;    /* the listed executors, then the CPU reference if not listed */
	size_t nex, cpu;
	struct gb_run_cell *cells;
	size_t ncells;
	struct gb_counters *counters;
	struct gb_results res;
	json_t *meta;
	int interrupted, accuracy_failed, invalid;
	int aborted;               /* an environment error stopped it before the replay */
	unsigned validation;
	int child_exit;            /* the first failing exit of a child process (run-procs.c) */
	unsigned turns;            /* executor turns taken, every process of the run */
	unsigned turn_warmups;     /* untimed repetitions opening a turn (gb_run_execute) */
	struct gb_memplan *memplan;   /* gb_run_memplan's plan, for gb_run_dry */
	uint64_t mem_limit;           /* bytes it must fit in (0: none known) */
	char mem_limit_why[512];      /* where the limit came from */
	int calibrated;               /* gb_run_timeplan measured every cell's rep_s */
	double calib_s;               /* seconds the calibration took */
	uint64_t plan_start_ns;       /* when the budget's clock started */
	size_t budget_over;           /* cells short of their minimum (budget.h) */
};

/* Each stage returns 0 or an exit code (gbench.h) with the message printed. */
int gb_run_init(struct gb_run *r, const struct gb_config *cfg, const struct gb_run_opts *o);
int gb_run_load(struct gb_run *r);
int gb_run_executors(struct gb_run *r);
int gb_run_plan(struct gb_run *r);
/*
 * The memory plan of the cells (memplan.h), recorded in meta.json; over
 * the limit (--max-memory, max_memory, else a share of physical memory)
 * GB_EXIT_USAGE after one line naming the peak, the limit and the largest
 * parts. With `dry` a refused plan is printed on stdout first (a plan that
 * fits is printed by gb_run_dry). Nothing large is allocated before it:
 * gb_run_execute generates the workloads' data.
 */
int gb_run_memplan(struct gb_run *r, int dry);
/*
 * With a time budget (or `dry`): calibrate each executor on each workload
 * and batch size (a few short untimed replays of a window of the trace),
 * and with a budget give each cell its repetitions and window (budget.h),
 * recorded in meta.json "time_plan". 0 or an exit code.
 */
int gb_run_timeplan(struct gb_run *r, int dry);
void gb_run_dry(struct gb_run *r);
int gb_run_execute(struct gb_run *r, const char *out_dir);
int gb_run_simulate(struct gb_run *r);
/*
 * With opts->spawn, after this process's own share: run the other shares
 * in fresh processes, one after the other, and pool their repetitions,
 * histograms and events into r (run-procs.c). Called by gb_run_execute.
 */
void gb_run_processes(struct gb_run *r);
/*
 * Remove the children's folders (TMPDIR/gbench-run.PID.*) that runs killed
 * before they could remove them left, one line on stderr each; a run
 * calls it before it starts (run-procs.c).
 */
void gb_run_reclaim(void);

/*
 * For `gbench merge` (cmd-merge.c), what a shared run does with each
 * process's folder: add what meta.json's cells.<id> (jc) says of cell c
 * in process p (invalid reasons, skips, batch sizes), and merge dir's
 * hist/<id>.raw into c's histogram exactly (0 or -1).
 */
void gb_run_merge_cell_meta(struct gb_cell_result *c, json_t *jc, uint32_t p);
int gb_run_merge_hist(struct gb_cell_result *c, const char *dir);
/*
 * In a process a shared run started (GBENCH_PARENT_PID set): end with the
 * parent (PR_SET_PDEATHSIG SIGKILL), or -1 after a message when the parent
 * is already gone. 0 in any other process. Called first by `gbench run`.
 */
int gb_run_child_start(void);
/* Shared by run.c and run-timeplan.c. */
/* Whether this process checks accuracy on its cells' first calls: share 0, not under callgrind. */
int gb_run_checks_accuracy(const struct gb_run *r);
/*
 * "30 (vulkan 12) measured repetitions each", and "; 1 (vulkan 0) untimed
 * right before each" when cells are primed; free it.
 */
char *gb_run_reps_line(const struct gb_config *cfg);

/* Write the results directory; returns the run's exit code. */
int gb_run_write(struct gb_run *r, const char *out_dir);
void gb_run_release(struct gb_run *r);

/* Start time of the run, ISO 8601 UTC (for the default results folder name). */
const char *gb_run_started(const struct gb_run *r);

#endif
