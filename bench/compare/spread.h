/*
 * spread.h - the spread between processes recorded for a machine class
 * (issue 16, item 4): read from the runs kept for that class and config
 * (baselines/<class>/<config>/run-N, each of several processes), so that a
 * comparison of runs too small to estimate it themselves (one process a
 * side: a user's `gbench compare A B` at default settings) can still be
 * judged on processes, never on within-process repetitions alone.
 *
 * For each cell x metric: the standard deviation of the log of the process
 * medians over every process of every run there (run-to-run drift
 * included, which two separate runs of a user's also have), with its
 * count of processes.
 */
#ifndef GB_COMPARE_SPREAD_H
#define GB_COMPARE_SPREAD_H

#include <stddef.h>

struct gb_spread;

/*
 * Read dir (a folder of runs or one run) into *out; 0, 1 when dir holds no
 * run (*out NULL, nothing said), -1 with the reason.
 */
int gb_spread_load(struct gb_spread **out, const char *dir);
void gb_spread_free(struct gb_spread *s);
/*
 * The recorded spread of cell x metric (a struct gb_spread * as ctx, the
 * shape of gb_compare_opts.spread_for): the SD of log process medians,
 * *procs the processes it is from; NAN (and *procs 0) when fewer than 3
 * processes had the metric.
 */
double gb_spread_for(void *ctx, const char *cell, const char *metric, size_t *procs);
/* Where s was read from. */
const char *gb_spread_source(const struct gb_spread *s);

#endif
