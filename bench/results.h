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
};

struct gb_results {
	struct gb_cell_result *cells;
	size_t n, cap;
};

/* Append a zeroed cell with the given identity; the pointer stays valid until the next add. */
struct gb_cell_result *gb_results_add(struct gb_results *r, const char *id,
				      const char *workload, const char *executor,
				      const char *device, uint32_t batch,
				      enum gb_quant quant, uint32_t cache);
void gb_results_release(struct gb_results *r);

/* Find or add a metric of a cell. */
struct gb_metric *gb_cell_metric(struct gb_cell_result *c, const char *name,
				 const char *unit, enum gb_source src);
void gb_metric_push(struct gb_metric *m, double v);
/* Mark a metric unavailable with a reason (copied). */
void gb_metric_unavailable(struct gb_metric *m, const char *reason);
void gb_cell_add_accuracy(struct gb_cell_result *c, const char *op, const char *reference,
			  const char *metric, double value, double budget, int pass);
void gb_cell_invalid(struct gb_cell_result *c, const char *reason);

/*
 * Write every file of the results directory dir (created if needed); meta
 * is written as meta.json (a reference is taken, not stolen). 0 or -1.
 */
int gb_results_write(const struct gb_results *r, const char *dir, json_t *meta);

/* Build a cell id: <workload>.<executor>.b<batch>.<quant>.c<cache>; caller frees. */
char *gb_cell_id(const char *workload, const char *executor, uint32_t batch,
		 enum gb_quant quant, uint32_t cache);

#endif
