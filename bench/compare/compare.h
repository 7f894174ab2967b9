/*
 * compare.h - judging a current run against a baseline (DESIGN.md section
 * 9): cells and metrics matched by name, a verdict per cell x metric, the
 * exit code they combine into, the machine-class fingerprint both sides are
 * checked against, and the four ways the result is written (terminal table,
 * Markdown, JUnit XML, JSON).
 *
 * A comparison is a pure function of the two results, their meta.json and
 * the options (the seed included): the same inputs give the same bytes.
 */
#ifndef GB_COMPARE_H
#define GB_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "results/results.h"

/* In the order the outputs list them: regressions first. */
enum gb_verdict {
	GB_VERDICT_REGRESSION,
	GB_VERDICT_INCONCLUSIVE,
	GB_VERDICT_IMPROVEMENT,
	GB_VERDICT_MISSING,
	GB_VERDICT_UNCHANGED,
	GB_VERDICT_COUNT
};

const char *gb_verdict_name(enum gb_verdict v);

#define GB_COMPARE_THRESHOLD      0.05   /* measured metrics: a factor of 1.05 */
#define GB_COMPARE_SIM_THRESHOLD  0.001  /* deterministic counts (sim_ir): 0.1% */
#define GB_COMPARE_ALPHA          0.01
#define GB_COMPARE_MIN_N          10     /* the fewest repetitions a time budget leaves a cell (config.c) */
#define GB_COMPARE_MIN_PROCS      2      /* fewer processes a side: no spread, no test */
#define GB_COMPARE_MIN_PAIRS      3      /* fewer pairs (--paired): no test */
#define GB_COMPARE_MIN_PROBES     30     /* fewer probes a side: no machine speed */
#define GB_COMPARE_MIN_DELTA_NS   100.0  /* time differences below this never gate */
#define GB_COMPARE_MIN_SHIFT_CELLS 8      /* fewer cells of an executor: no drift warning */
#define GB_COMPARE_RESAMPLES      10000  /* kept for --resamples; the process test draws nothing */
#define GB_COMPARE_SEED           20250101ULL

struct gb_compare_opts {
	double threshold;       /* NAN: per kind (GB_COMPARE_THRESHOLD / _SIM_) */
	double alpha;           /* test level; the interval's level is 1 - alpha */
	char **metrics;         /* gating metrics, NULL-terminated; NULL: defaults */
	int metrics_add;        /* 1: metrics gate in addition to the defaults */
	uint64_t seed;          /* every bootstrap draws from this */
	size_t resamples;       /* bootstrap resamples (>= GB_COMPARE_RESAMPLES) */
	double min_delta_ns;    /* a time metric (unit ns) changing less is unchanged */
	int machine_speed;      /* always 0: the probe is a diagnostic, it never moves the band */
	int paired;             /* 1: process i of each side ran next to each other (A/B, ABBA) */
	int allow_inconclusive; /* 1: an inconclusive verdict exits 0, not 3 */
	/*
	 * A cell x metric's own threshold (compare --history: the history's
	 * noise, history/history.h), used instead of the one above unless it
	 * returns NAN; NULL: none.
	 */
	double (*threshold_for)(void *ctx, const char *cell, const char *metric);
	void *threshold_ctx;
	/*
	 * The spread between processes recorded for the machine class
	 * (spread.h gb_spread_for: the SD of log process medians, *procs the
	 * processes behind it, NAN when none), used for a row whose sides have
	 * too few processes to estimate their own; NULL: none, and such a row
	 * is inconclusive where its ratio is beyond the band.
	 */
	double (*spread_for)(void *ctx, const char *cell, const char *metric, size_t *procs);
	void *spread_ctx;
	const char *spread_from;  /* where that spread was read, for the rows' notes */
	/*
	 * Counts first (counts.h gb_counts_settled): 1 when the cell's
	 * instruction count gated and was unchanged; a gating time
	 * row of such a cell that time alone leaves inconclusive is then
	 * unchanged (a regression that time confirms still stands). NULL: none.
	 */
	int (*counts_settled)(void *ctx, const char *cell);
	void *counts_ctx;
	const char *counts_from;  /* the count stage's compare JSON, for the notes */
};

/* Defaults: per-kind thresholds, alpha 0.01, default gating set, fixed seed, unpaired. */
void gb_compare_opts_init(struct gb_compare_opts *o);

struct gb_compare_row {
	char *cell, *metric, *unit;
	int gating;             /* counts towards the exit code */
	int higher_better;      /* throughput, hit rate */
	int simulated;          /* compared without a test */
	int nondet;             /* simulated counts that differ between repetitions: gating only
				   judged on their extremes, the jitter under half the threshold */
	enum gb_verdict verdict;
	const char *test;       /* "exact", "normal" or "none" */
	size_t n_base, n_cur;   /* values on each side (NAN repetitions left out) */
	size_t k_base, k_cur;   /* processes with values on each side */
	double med_base, med_cur;
	double ratio;           /* med_cur / med_base; NAN when undefined */
	double ci_low, ci_high; /* the process test's interval of the ratio; NAN when none */
	double p;               /* the process test's two-sided p; NAN when none */
	double p_holm;          /* p after Holm-Bonferroni over its family (gating rows, or the others) */
	double threshold;       /* the threshold this row was judged with */
	double machine;         /* the machine's speed ratio applied to the band (1: none) */
	char *note;             /* why inconclusive or missing, or NULL */
	char *noise;            /* the noisy side behind this verdict, or NULL */
};

struct gb_compare_side {
	char *path;             /* as given */
	char *klass;            /* machine class, or NULL without meta.json */
	char *config;           /* config name, or NULL */
	char *commit;           /* build commit, or NULL */
	size_t runs;            /* runs pooled into this side */
};

struct gb_compare {
	struct gb_compare_opts opts;  /* metrics not kept */
	char *gating_list;            /* the gating metrics, comma-separated */
	struct gb_compare_side base, cur;
	/*
	 * Cells whose two sides replayed different windows of their trace (a
	 * time budget's plan, meta.json time_plan): their rows measure
	 * different work, so they are inconclusive (gb_compare_meta).
	 */
	struct gb_compare_window {
		char *cell, *note;
	} *windows;
	size_t nwindows;
	struct gb_compare_row *rows;
	size_t n, cap;
	char **warnings;              /* NULL-terminated after gb_compare_results */
	size_t nwarn;
	size_t gating[GB_VERDICT_COUNT];    /* verdict counts, gating rows */
	size_t reported[GB_VERDICT_COUNT];  /* verdict counts, the other rows */
	size_t noisy;                 /* rows whose verdict met a noisy side */
	size_t by_counts;             /* time rows time left open that unchanged counts settled */
	/*
	 * The machine's speed per executor: current over baseline median of
	 * noise_probe_ns over that executor's repetitions (> 1: the current
	 * machine was slower). NAN where a side has no probe.
	 */
	struct gb_machine_speed {
		char *executor;
		double ratio;
		size_t n_base, n_cur;
		/*
		 * The median wall_ns ratio over the executor's cells (NAN under
		 * GB_COMPARE_MIN_SHIFT_CELLS): how far all of them moved together.
		 */
		double cells_ratio;
		size_t n_cells;
	} machine[8];
	size_t nmachine;
	/*
	 * Each side's processes, the unit of every test: each run of a side,
	 * split into its processes where it ran in several (meta.json
	 * processes.repetitions), in run and process order. One entry for a
	 * single run of one process.
	 */
	struct gb_results *base_procs, *cur_procs;
	size_t nbase_procs, ncur_procs;
};

/* Zero c and record the two paths. */
void gb_compare_init(struct gb_compare *c, const char *base_path, const char *cur_path);
void gb_compare_release(struct gb_compare *c);

/*
 * Read a side: a results directory (or its results.csv), or a folder of
 * runs, one results directory each (run-1/, run-2/, ...: the runs
 * `baseline save` keeps, or the A or B runs of perf-gate.sh). The runs'
 * values are pooled into *pooled cell by cell, and each run's processes
 * (meta.json processes.repetitions) kept in c (base_procs, cur_procs): the
 * process is what the verdicts count. The runs of the current side must be
 * one config of one build. 0 or -1.
 */
int gb_compare_read_baseline(struct gb_compare *c, const char *path, struct gb_results *pooled);
int gb_compare_read_current(struct gb_compare *c, const char *path, struct gb_results *pooled);
/*
 * Add one process's values to a side (current != 0: the current side), as
 * reading a run does; for callers that build results in memory. A side with
 * no process added counts its pooled results as one process.
 */
void gb_compare_add_process(struct gb_compare *c, int current, const struct gb_results *proc);
/* The first run folder of a multi-run baseline (caller frees), or NULL for a single run. */
char *gb_compare_first_run(const char *path);

/*
 * Load the meta.json of a results directory (or beside its results.csv)
 * into *out: 0 loaded, 1 absent (*out NULL), -1 malformed (message),
 * a time plan that gb_results_check_time_plan refuses included.
 */
int gb_compare_load_meta(const char *dir_or_csv, json_t **out);
/*
 * Rows of cell id's trace each repetition replayed where a time budget's
 * plan gave it a window (meta.json time_plan); 0 when it replayed them all.
 */
long long gb_compare_cell_window(json_t *meta, const char *id);
/* That window in words into buf: "the first 195 rows", or "all rows". */
const char *gb_compare_window_words(json_t *meta, const char *id, char *buf, size_t len);

/*
 * Check the two meta.json (either may be NULL: a warning): a schema other
 * than 1 or different on the two sides is -1 with the reason; different
 * machine classes, trace contents, configs, builds or an incomplete run are
 * warnings (kept in c, printed with gb_warn).
 */
int gb_compare_meta(struct gb_compare *c, json_t *base, json_t *cur);

/*
 * Match cells and metrics and fill c->rows with a verdict for each, sorted
 * regressions first (then by gating, cell, metric). -1 with the reason when
 * the inputs cannot be compared: no cell x metric in common, a metric with
 * different units on the two sides, a gating metric named in o that
 * neither side has.
 */
int gb_compare_results(struct gb_compare *c, const struct gb_results *base,
		       const struct gb_results *cur, const struct gb_compare_opts *o);

/*
 * The exit code: any gating regression 1, else any gating inconclusive or
 * missing (a gating cell x metric on one side only) 3 (0 with
 * allow_inconclusive), else 0.
 */
int gb_compare_exit(const struct gb_compare *c);

/*
 * The aligned table: gating rows that are not unchanged, regressions first
 * (all rows with all != 0), then a summary. color: ANSI colours on verdicts.
 */
void gb_compare_print(FILE *f, const struct gb_compare *c, int color, int all);
/* Each writes one file atomically; 0 or -1. */
int gb_compare_write_markdown(const struct gb_compare *c, const char *path);
int gb_compare_write_junit(const struct gb_compare *c, const char *path);
int gb_compare_write_json(const struct gb_compare *c, const char *path);

/*
 * The machine class of a run: a slug of the CPU model, its signature
 * (x86 family and model, arm64 implementer and part: a hypervisor's bare
 * "AMD EPYC" covers several generations), the core count and the devices
 * of its non-CPU executors, e.g. "amd-epyc-f25m1-2c-llvmpipe-..." or
 * "amd-ryzen-9-7950x-f25m97-32c-nvidia-geforce-rtx-4090". A meta.json
 * without host.cpu_signature (gbench before 0.9.2) gives the class without
 * it. NULL when meta has no host; caller frees.
 */
char *gb_machine_class(json_t *meta);
/*
 * Two runs of one machine class whose caches differ (each level and type
 * both record, by size: a meta.json without a CPU signature, or VMs of one
 * CPU given different shares of it) ran on different hardware. Writes
 * "L2 Unified 512 KiB IN_A, 1 MiB IN_B; ..." into buf (sysinfo's own words
 * and the labels, nothing else from the files); the bytes written, 0 when
 * every cache both record is the same size.
 */
size_t gb_machine_caches_differ(json_t *a, json_t *b, const char *in_a, const char *in_b,
				char *buf, size_t len);
/* Lower-case, [a-z0-9] runs joined by '-'; caller frees. */
char *gb_slug(const char *s);

#endif
