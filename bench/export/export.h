/*
 * export.h - a results directory (results.h, as gb_results_read gives it)
 * in other tools' formats, one file per format. Each writer prints to f and
 * returns 0, or -1 with a message; the caller decides where the bytes go.
 * Only measured values (or statistics of them) are written: a metric a
 * cell did not measure is left out.
 */
#ifndef GB_EXPORT_H
#define GB_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "results/results.h"

/*
 * Google Benchmark's JSON (what benchmark --benchmark_format=json writes and
 * tools/compare.py reads): "context" from dir's meta.json where it has it,
 * then "benchmarks": for each cell with wall_ns, one run_type "iteration"
 * entry per measured repetition (real_time = that repetition's wall_ns,
 * cpu_time = its task_clock_ns when measured, else a copy of real_time
 * marked "cpu_time_is_real_time": compare.py skips an entry without
 * cpu_time), then "aggregate" entries mean, median, stddev when there are
 * two or more.
 */
int gb_export_gbench_json(FILE *f, const struct gb_results *r, const char *dir);

/* hyperfine's --export-json: results[] of command, mean, stddev, median, min, max, times (s). */
int gb_export_hyperfine_json(FILE *f, const struct gb_results *r);

/*
 * OpenMetrics text: for each metric a gauge family gbench_<metric> (the name
 * made a valid metric name), one sample per cell and statistic (label
 * stat = median, mean, min, max, stddev) labelled by the cell's identity,
 * label values escaped per the spec; "# EOF" last.
 */
int gb_export_openmetrics(FILE *f, const struct gb_results *r);

/*
 * HdrHistogram's histogram log (log format 1.3): StartTime the run's start,
 * then every cell's latency histogram, exact, as one interval tagged with
 * the cell id (the interval lines of dir's hist/<cell>.hlog). Refused for
 * results without hist/<cell>.hlog files (written by an older gbench).
 */
int gb_export_hlog(FILE *f, const struct gb_results *r, const char *dir);

/* The measured values of m (NAN repetitions dropped) in a new array; *n its length. */
double *gb_export_values(const struct gb_metric *m, size_t *n);

#endif
