/*
 * run.h - one `gbench run` as a sequence of stages, each a function:
 *
 *   gb_run_load       workloads (traces checked, no data yet), open-mode speeds
 *   gb_run_executors  every executor listed, plus the CPU one as reference
 *   gb_run_plan       the matrix of cells, filtered
 *   gb_run_memplan    the memory the plan needs at its peak, refused over the limit
 *   gb_run_timeplan   (a time budget, or --dry-run) a short calibration of each
 *                     executor, and with a budget each cell's share (budget.h;
 *                     plan/run-timeplan.c, with gb_run_dry)
 *   gb_run_dry        (--dry-run) the cells, an estimate and the memory plan
 *                     (text, or JSON with --json)
 *   gb_run_execute    generate the inputs and operands, open every cell,
 *                     warmups, measured repetitions interleaved, accuracy, validity
 *                     (run-execute.c)
 *   gb_run_simulate   (--counters callgrind) cpu cells re-run under valgrind
 *                     (run-simulate.c)
 *   gb_run_write      the results directory, meta.json last (run-write.c)
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
	/*
	 * This process was started by a shared run, which pools it; 0 in a
	 * share run on its own (--process I/N by hand or by a Slurm task,
	 * pooled later by gbench merge).
	 */
	int child;
	uint64_t max_memory;       /* --max-memory in bytes; 0: the config's, else the default */
	int quiet;                 /* --quiet: no progress, no per-cell lines, no summary */
	int verbose;               /* --verbose: a line per cell as it is judged */
	/*
	 * --windows-of RESULTS: its meta.json (the caller's), whose cells
	 * this run's time plan replays on the windows that run replayed, so
	 * that compare can set the two side by side; NULL: the plan's own.
	 */
	const char *windows_of;
	json_t *windows_of_meta;
};

/*
 * What a run shows on stderr while it runs (run-progress.c): off
 * (--quiet), one line per event (a log: not a terminal), or one line
 * rewritten in place (a terminal). A process of a shared run is told the
 * mode and the run's start by its parent (GBENCH_PROGRESS), so that its
 * lines read as the run's.
 */
enum gb_progress_mode { GB_PROGRESS_OFF, GB_PROGRESS_LOG, GB_PROGRESS_TTY };

struct gb_progress {
	enum gb_progress_mode mode;
	uint64_t t0_ns;            /* the run's start (the parent's, in a child) */
	uint64_t sched_ns;         /* when the repetitions began (the rate's origin) */
	uint64_t last_ns;          /* when the last line was printed */
	size_t nslots, done;       /* repetitions planned and done in this process */
	size_t warm_total, warm_done;        /* of them: cells' warm-ups */
	size_t meas_total, meas_done;        /* measured */
	size_t cells_done;         /* cells whose measured repetitions are all done */
	uint32_t *cell_warm, *cell_meas;     /* per cell: warm-ups and measured done */
	/*
	 * Per executor [0 .. nex): warm-ups and other repetitions (measured
	 * ones and their primes) planned and done, and the seconds they took,
	 * which the ETA's rates are made of.
	 */
	struct gb_progress_ex {
		size_t warm, warm_done, other, other_done;
		double warm_s, other_s;
	} *ex;
	size_t cur;                /* the cell whose repetition runs now (SIZE_MAX: none) */
	int cur_measured, cur_warm;
	uint64_t cur_ns;           /* when it began */
	int phase;                 /* of the last line: 0 none, 1 warm-up, 2 measured, 3 calibration */
	unsigned decile;           /* of the last line in a log */
	int open;                  /* a terminal line is on screen, without its newline */
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
	int window_fixed;          /* window taken from --windows-of, not planned */
	double rep_s;              /* calibration: estimated seconds of one whole replay */
	double rep_fixed_s;        /* and what a repetition costs besides its rows */
	double rep_row_flops;      /* and what a row costs besides its FLOPs, in FLOPs:
	                            * a window's part of a replay (budget.h); NAN: its
	                            * part of the rows */
	double plan_reps_s;        /* a time plan's seconds for its repetitions (0: no plan) */
	uint32_t min_reps;         /* a time plan's minimum of measured repetitions, which the
	                            * run never gives up (plan/pace.h) */
	uint32_t cut;              /* measured repetitions past it given up to the clock */
	uint64_t spent_rep_ns;     /* this process's time in its repetitions, untimed ones too */
	uint64_t spent_acc_ns;     /* and in its accuracy check (meta.json cells.<id>.spent_s) */
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
	double copy_bps;              /* bytes a second memcpy moves, for what a result
	                               * cache's hits and puts copy (0: unknown) */
	double **cum_flops;           /* per workload, the FLOPs of its first k requests,
	                               * k = 0..n: what the time plan prices a window by
	                               * (gb_run_timeplan builds it; plan/cost.h) */
	uint64_t plan_start_ns;       /* when the budget's clock started */
	uint64_t reps_end_ns;         /* when the plan's repetitions should be done (0: no plan) */
	size_t budget_over;           /* cells short of their minimum (budget.h) */
	size_t accuracy_cells;        /* cells over a gating accuracy budget */
	size_t accuracy_cost_cells;   /* cells whose accuracy cost is beyond a reported budget */
	struct gb_progress prog;      /* run-progress.c */
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
/* The plan on stdout: text, or with json one JSON object (run-timeplan.c). */
void gb_run_dry(struct gb_run *r, int json);
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
 * With a time budget: add share p's time plan (tp, its meta.json
 * time_plan) to the pooled one (run_tp): its share in "shares", what each
 * cell got there in cells.<id>.by_process; ended_s: its budget clock when
 * it ended. Then gb_run_sum_share_plans makes each cell's repetitions,
 * shares and plans the sums over the shares, a cell short in any share
 * short, and says how the shares ran (note). Both do nothing without a
 * budget.
 */
void gb_run_add_share_plan(json_t *run_tp, json_t *tp, uint32_t p, double ended_s);
void gb_run_sum_share_plans(json_t *run_tp, const char *note);
/*
 * In a process a shared run started (GBENCH_PARENT_PID set): end with the
 * parent (PR_SET_PDEATHSIG SIGKILL), or -1 after a message when the parent
 * is already gone; 1 then. 0 in any other process. Called first by
 * `gbench run`.
 */
int gb_run_child_start(void);
/* Whether o runs a share on its own (--process I/N outside a shared run). */
static inline int gb_run_alone(const struct gb_run_opts *o)
{
	return o->nprocess > 1 && !o->spawn && !o->child;
}
/*
 * Seconds of the time budget this process's clock counts down: all of
 * it, or 1/N for a share on its own (0 without a budget).
 */
static inline double gb_run_budget_part(const struct gb_run *r)
{
	return r->cfg->time_budget > 0 ?
	       r->cfg->time_budget / (gb_run_alone(r->opts) ? r->opts->nprocess : 1) : 0;
}
/*
 * With a time budget, a share on its own (gb_run_alone) replays
 * --windows-of's windows: 0, or GB_EXIT_USAGE after naming the first
 * cell it would measure that RESULTS did not, whose window each share
 * would plan apart. Before anything is written.
 */
int gb_run_windows_check(const struct gb_run *r);
/* Shared by the run's units (run/, plan/). */
/* Whether this process checks accuracy on its cells' first calls: share 0, not under callgrind. */
int gb_run_checks_accuracy(const struct gb_run *r);
/*
 * "30 (vulkan 12) measured repetitions each", and "; 1 (vulkan 0) untimed
 * right before each" when cells are primed; free it.
 */
char *gb_run_reps_line(const struct gb_config *cfg);

/*
 * run-progress.c: what the run shows on stderr. gb_progress_init (by
 * gb_run_init) picks the mode; begin/slot/end frame the repetitions of
 * gb_run_execute (slot after each one, `warm` for a cell's warm-up; cut
 * for one the pace gave up, after the cell's reps were lowered);
 * gb_progress_calibration says the time plan's calibration is at probe i
 * of n (on cell `cell`), and i = n that it is done;
 * gb_progress_clear ends a terminal line before other output.
 * gb_progress_child_env is "GBENCH_PROGRESS=MODE:T0" for a process of a
 * shared run (free it); NULL when progress is off.
 */
void gb_progress_init(struct gb_run *r);
void gb_progress_begin(struct gb_run *r);
void gb_progress_slot(struct gb_run *r, size_t cell, int measured, int warm);
void gb_progress_cut(struct gb_run *r, size_t cell, int measured);
void gb_progress_calibration(struct gb_run *r, size_t i, size_t n, size_t cell);
void gb_progress_end(struct gb_run *r);
void gb_progress_clear(struct gb_run *r);
void gb_progress_release(struct gb_run *r);
char *gb_progress_child_env(const struct gb_run *r);
/* Seconds since the run started. */
double gb_run_elapsed(const struct gb_run *r);
/*
 * The outcome of a replay call on cell r of executor e: a lost device
 * disables the executor for the rest of the run; any other failure skips
 * the cell (run.c).
 */
void gb_run_cell_status(struct gb_cell_result *r, struct gb_run_exec *e, int rc);
/*
 * Cell i's verdict after its repetitions (run-progress.c): its accuracy
 * (gating, or a cost that is reported), validity and skips, its meta.json
 * entry in jcells (and unavailable metrics in junavail), and with
 * --verbose its line.
 */
void gb_run_judge_cell(struct gb_run *r, size_t i, json_t *jcells, json_t *junavail);
/* --verbose: cell i's line as it is judged (its throughput and p50, or why not). */
void gb_run_cell_line(const struct gb_run *r, size_t i);
/*
 * The end of a run on stderr: a dozen lines (cells measured, skipped,
 * invalid, accuracy failures, the highest and lowest throughput, where the
 * results and the report are, the next command), or after an interrupt
 * the one line that says so. report: the report's path, or NULL with
 * report_why saying why there is none.
 */
void gb_run_summary(const struct gb_run *r, const char *out_dir, const char *report,
		    const char *report_why);

/* Write the results directory; returns the run's exit code. */
int gb_run_write(struct gb_run *r, const char *out_dir);
void gb_run_release(struct gb_run *r);

/* Start time of the run, ISO 8601 UTC (for the default results folder name). */
const char *gb_run_started(const struct gb_run *r);

#endif
