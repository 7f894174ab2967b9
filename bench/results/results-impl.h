/*
 * results-impl.h - what results.c (building and writing a results
 * directory) and results-read.c (reading one back) share: the files'
 * columns, the interned accuracy names, a cell's metric by name and the
 * manifest's hash of a file. Not for other units: they use results.h.
 */
#ifndef GB_RESULTS_IMPL_H
#define GB_RESULTS_IMPL_H

#include <stdint.h>

#include "results/results.h"

/* results.csv, samples.csv and accuracy.csv: the columns, in this order. */
extern const char *const gb_results_cols[];
enum {
	RC_CELL, RC_WORKLOAD, RC_EXECUTOR, RC_DEVICE, RC_BATCH, RC_QUANT, RC_CACHE,
	RC_METRIC, RC_UNIT, RC_SOURCE, RC_N, RC_COUNT = 20,
};
extern const char *const gb_samples_cols[];
enum { SC_CELL, SC_METRIC, SC_REP, SC_VALUE, SC_COUNT };
extern const char *const gb_accuracy_cols[];
enum { AC_CELL, AC_OP, AC_REFERENCE, AC_METRIC, AC_VALUE, AC_BUDGET, AC_PASS, AC_COUNT };

/* The static string for an accuracy reference ("f64", "cpu") or metric, or NULL. */
const char *gb_acc_reference_intern(const char *s);
const char *gb_acc_metric_intern(const char *s);

/* The metric of c named name, or NULL. */
struct gb_metric *gb_cell_find_metric(struct gb_cell_result *c, const char *name);

/*
 * The size and 64-bit FNV-1a of a file's bytes, as meta.json's manifest
 * records them; 0, or -1 with errno set.
 */
int gb_results_file_fnv(const char *path, uint64_t *size, uint64_t *hash);

#endif
