/*
 * export.h - a results directory (results.h, as gb_results_read gives it)
 * in other tools' formats, one file per format. Each writer prints to f and
 * returns 0, or -1 with a message; the caller decides where the bytes go.
 * Only measured values (or statistics of them) are written: a metric a
 * cell did not measure is left out.
 */
#ifndef GB_EXPORT_H
#define GB_EXPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "results/results.h"

/*
 * Google Benchmark's JSON (what benchmark --benchmark_format=json writes and
 * tools/compare.py reads): "context" from meta (dir's meta.json) where it has it,
 * then "benchmarks": for each cell with wall_ns, one run_type "iteration"
 * entry per measured repetition (real_time = that repetition's wall_ns,
 * cpu_time = its task_clock_ns when measured, else a copy of real_time
 * marked "cpu_time_is_real_time": compare.py skips an entry without
 * cpu_time), then "aggregate" entries mean, median, stddev when there are
 * two or more.
 */
int gb_export_gbench_json(FILE *f, const struct gb_results *r, const char *dir, json_t *meta);

/* hyperfine's --export-json: results[] of command, mean, stddev, median, min, max, times (s). */
int gb_export_hyperfine_json(FILE *f, const struct gb_results *r, json_t *meta);

/*
 * OpenMetrics text: for each metric a gauge family gbench_<metric> (the name
 * made a valid metric name), one sample per cell and statistic (label
 * stat = median, mean, min, max, stddev) labelled by the cell's identity,
 * label values escaped per the spec; "# EOF" last.
 */
int gb_export_openmetrics(FILE *f, const struct gb_results *r, json_t *meta);

/*
 * HdrHistogram's histogram log (log format 1.3): StartTime the run's start,
 * then every cell's latency histogram, exact, as one interval tagged with
 * the cell id (the interval lines of dir's hist/<cell>.hlog). Refused for
 * results without hist/<cell>.hlog files (written by an older gbench).
 */
int gb_export_hlog(FILE *f, const struct gb_results *r, const char *dir, json_t *meta);

/*
 * The name a cell goes by in the other tools' files: its id, and where a
 * time budget's plan replayed only the first rows of its trace (meta.json
 * time_plan; meta may be NULL) "ID/rows:195", Google Benchmark's way of
 * naming an argument, so that a tool matching names never sets a window
 * against the whole trace or another window: other work. Free it.
 * gb_export_window is that window, 0 for the whole trace.
 */
char *gb_export_name(const struct gb_cell_result *c, json_t *meta);
long long gb_export_window(const struct gb_cell_result *c, json_t *meta);

/* The measured values of m (NAN repetitions dropped) in a new array; *n its length. */
double *gb_export_values(const struct gb_metric *m, size_t *n);

/*
 * v as a JSON number, or null where it is not finite (JSON has no inf or
 * nan, and jansson's json_real gives none: the key would be left out).
 */
json_t *gb_export_real(double v);

#endif
