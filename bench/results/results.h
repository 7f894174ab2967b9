/*
 * results.h - the results of a run in memory, and the results directory
 * they are written to (DESIGN.md section 7).
 *
 * A run fills one gb_cell_result per cell of the matrix; gb_results_write
 * turns them into results.csv, samples.csv, accuracy.csv, hist/<cell>.hgrm
 * and meta.json, each written atomically. Statistics in results.csv are
 * computed here from the raw repetition values, the same values that go to
 * samples.csv.
 */
#ifndef GB_RESULTS_H
#define GB_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hist.h"
#include "quant.h"
#include "../profilers/profiler.h"

/* One metric of one cell: its value in every measured repetition. */
struct gb_metric {
	char *name;
	char *unit;
	enum gb_source source;
	double *v;
	size_t n, cap;
	char *reason;         /* why unavailable, or NULL */
};

struct gb_accuracy {
	char *op;
	const char *reference;  /* "f64" or "cpu" */
	const char *metric;     /* "nmse", "recall", "max_abs_err" */
	double value;
	double budget;          /* NAN when the metric has no budget */
	int pass;
};

struct gb_cell_result {
	char *id, *workload, *executor, *device;
	uint32_t batch, cache;
	enum gb_quant quant;
	struct gb_metric *metrics;
	size_t nmetrics;
	struct gb_accuracy *acc;
	size_t nacc;
	struct gb_hist hist;      /* request latencies over measured repetitions */
	int has_hist;
	char *skipped;            /* the reason the cell did not run, or NULL */
	char **invalid;           /* reasons the cell is INVALID (NULL-terminated), or NULL */
	uint64_t *batch_sizes;    /* executor calls by batch size over measured repetitions */
	uint32_t nbatch_sizes;    /* entries of batch_sizes (batch + 1), 0 when none */
};

struct gb_results {
	struct gb_cell_result *cells;
	size_t n, cap;
	int raw_hists;            /* also write hist/<cell>.raw, exact (a child process's) */
};

/*
 * Append a zeroed cell with the given identity (strings copied; device may
 * be NULL; id NULL builds it with gb_cell_id); the pointer stays valid until
 * the next add.
 */
struct gb_cell_result *gb_results_add(struct gb_results *r, const char *id,
				      const char *workload, const char *executor,
				      const char *device, uint32_t batch,
				      enum gb_quant quant, uint32_t cache);
/* Free every cell (metrics, accuracy rows, histogram, reasons) and zero r. */
void gb_results_release(struct gb_results *r);

/*
 * Find or add a metric of a cell (unit and src are used only when it is
 * added). The returned pointer stays valid while the cell has at most
 * GB_CELL_METRICS_RESERVED metrics, so a caller may hold several at once.
 */
#define GB_CELL_METRICS_RESERVED 64
struct gb_metric *gb_cell_metric(struct gb_cell_result *c, const char *name,
				 const char *unit, enum gb_source src);
/* Append the value of the next repetition (NAN: no value in that repetition). */
void gb_metric_push(struct gb_metric *m, double v);
/* Mark a metric unavailable with a reason (copied); drops its values. */
void gb_metric_unavailable(struct gb_metric *m, const char *reason);
/* reference and metric must be static strings (the known names are interned). */
void gb_cell_add_accuracy(struct gb_cell_result *c, const char *op, const char *reference,
			  const char *metric, double value, double budget, int pass);
/* Add a reason (copied) why the cell is INVALID. */
void gb_cell_invalid(struct gb_cell_result *c, const char *reason);
/* The measured repetitions of a cell: how many wall_ns values it holds. */
size_t gb_cell_reps(const struct gb_cell_result *c);

/*
 * Append every value of src to the same cell x metric of dst (cells and
 * metrics added when new; a metric unavailable in dst stays so): runs of
 * a baseline pooled, or a run's processes (run/run-procs.c).
 */
void gb_results_pool(struct gb_results *dst, const struct gb_results *src);

/*
 * Write every file of the results directory dir (created if needed, like
 * mkdir -p), each atomically; meta is written as meta.json with JSON_INDENT(2)
 * in insertion order (not stolen; NULL writes no meta.json). 0 or -1.
 *
 *   results.csv   one row per cell x metric; statistics from gb_summarize over
 *                 the metric's values; numbers in the shortest form that reads
 *                 back to the same double (%.15g..%.17g); NAN is an empty field;
 *                 an unavailable metric has every number empty, n included
 *   samples.csv   cell,metric,rep,value; rep counts measured repetitions from 0
 *   accuracy.csv  cell,op,reference,metric,value,budget,pass (budget empty when
 *                 NAN; pass true or false)
 *   hist/<cell>.hgrm  for every cell with has_hist, values in ns
 *   hist/<cell>.hlog  the same histogram exactly, as a one-interval HdrHistogram
 *                 log (hist-hlog.c): StartTimestamp 0, Interval_Length the
 *                 cell's measured replay time (its wall_ns summed), tag = the cell id
 *   hist/<cell>.raw   also, with raw_hists: the exact histogram (gb_hist_write_raw)
 *   meta.json     meta, written last, with "manifest" added (meta itself is not
 *                 changed): the size and 64-bit FNV-1a of every file above and of
 *                 mrc.csv when dir holds one (written before, by the run), so that
 *                 a reader can tell the files belong to this meta.json
 * Skipped cells write no rows in any file: their reasons belong in
 * meta.json. Records end in LF; fields are quoted only when they hold a
 * comma, quote, CR or LF.
 */
int gb_results_write(const struct gb_results *r, const char *dir, json_t *meta);

/*
 * A run's results directory is put in place as a whole: gb_results_stage
 * returns the folder to write into (caller frees): a staging folder
 * ".NAME.staging.PID" beside dir (fsio.h gb_stage_dir: stale ones of
 * killed runs removed), or dir itself where dir cannot be replaced whole
 * (a link, ".", or a folder holding files a run does not write: the
 * user's own), after removing the parts an earlier run left there that
 * this one might not write again (mrc.csv, hist/). NULL on error.
 * gb_results_publish puts the staging folder in place of dir (nothing to
 * do when they are the same); a run killed before it leaves dir as it was.
 */
char *gb_results_stage(const char *dir);
int gb_results_publish(const char *stage, const char *dir);

/*
 * Limits of what gb_results_read takes, far beyond any run's (config.c
 * allows 100000 repetitions; the default config has 288 cells of about 40
 * metrics): a rep in samples.csv beyond GB_RESULTS_MAX_REPS is refused
 * whatever meta.json says, and so are more cells or metrics of a cell.
 */
#define GB_RESULTS_MAX_REPS 1000000
#define GB_RESULTS_MAX_CELLS 65536
#define GB_RESULTS_MAX_METRICS 4096
/*
 * And a sample value beyond +-1e100, which no measurement reaches (1e100 ns
 * is 3e83 years): refused, so that the sums and squares of the statistics
 * over a run's repetitions stay finite (two values of 1.7e308 made a mean of
 * inf, which no export format can hold).
 */
#define GB_RESULTS_MAX_VALUE 1e100

/*
 * Read results back (for compare and report): dir_or_csv is a results
 * directory or its results.csv, with samples.csv (required) and accuracy.csv
 * (optional) beside it. Cells and metrics (name, unit, source) come from
 * results.csv, each metric's values from samples.csv, placed by rep (a
 * missing rep is NAN); histograms and unavailable reasons are not read
 * (has_hist 0, reason NULL). Cells are appended to r, which must be zeroed or
 * hold earlier results; on error (-1, message with file:record) r holds what
 * was read so far and still needs gb_results_release.
 *
 * What is refused as input (results.c says why): cell ids that are not safe
 * file names; sample values that are not plain decimal numbers (inf, nan,
 * hex floats), beyond GB_RESULTS_MAX_VALUE, or negative in a unit of time,
 * count, rate or share; reps
 * beyond meta.json's repetitions (else GB_RESULTS_MAX_REPS); a second row
 * of one cell x metric x rep; a meta.json time plan that
 * gb_results_check_time_plan refuses; and, where meta.json has a
 * manifest, files that do not match it. Results without a manifest (older
 * runs, the committed baselines) are read without that check.
 */
int gb_results_read(struct gb_results *r, const char *dir_or_csv);
/*
 * meta.json's time_plan, where it has one, as the windows are read from
 * it: an object whose cells are objects, each cell's requests and
 * repetitions counts (integers from 0) and its window one of the rows of
 * its trace (0 to requests). 0, or -1 after one line naming path and the
 * cell: a window read as something else would turn other work into the
 * same.
 */
int gb_results_check_time_plan(json_t *meta, const char *path);
/*
 * Append to the JSON array ids the ids of the runs whose measurements a
 * results folder holds (meta.json, read from path): its run_id, or a
 * pooled folder's pooled_runs (gbench merge); none for an older run. 0, or
 * -1 after one line naming path where they are malformed. So that one
 * run's measurements are never pooled, saved or compared as two.
 */
int gb_results_run_ids(json_t *meta, const char *path, json_t *ids);
/*
 * Note in seen (a JSON object: run id -> folder) the runs whose
 * measurements the folder dir holds (gb_results_run_ids of its meta.json,
 * meta); 0, or -1 after one line naming dir, the run, the folder noted
 * with it before and why that is refused (the caller's words).
 */
int gb_results_note_runs(json_t *meta, const char *dir, json_t *seen, const char *why);
/* The same for the run ids ids (gb_results_run_ids's) of the folder dir. */
int gb_results_note_ids(json_t *ids, const char *dir, json_t *seen, const char *why);

/* Build a cell id: <workload>.<executor>.b<batch>.<quant>.c<cache>; caller frees. */
char *gb_cell_id(const char *workload, const char *executor, uint32_t batch,
		 enum gb_quant quant, uint32_t cache);

#endif
