/*
 * history.h - every run kept: results directories added to a store
 * (store.h; SQLite by default), read back as series of one cell x metric
 * in run order, judged for persistent shifts (changepoint.h) and used for
 * per-cell noise thresholds (`compare --history`).
 *
 * A series belongs to one branch, machine class and config: runs on other
 * machines or of other configs are never one series.
 */
#ifndef GB_HISTORY_H
#define GB_HISTORY_H

#include <jansson.h>
#include <stddef.h>

#include "history/store.h"

struct gb_history {
	const struct gb_history_store_i *iface;
	void *ctx;
	char *path;
	int existed;     /* the store was there before gb_history_open */
};

/*
 * The store's default path: $XDG_DATA_HOME/gbench/history.sqlite, else
 * $HOME/.local/share/gbench/history.sqlite (XDG base directories); caller
 * frees. NULL with a message when neither variable is set.
 */
char *gb_history_default_path(void);

/*
 * Open the store at path (NULL: the default path); create: make it (and
 * its folder) when absent. 0 or -1 with a message.
 */
int gb_history_open(struct gb_history *h, const char *path, int create);
void gb_history_close(struct gb_history *h);

/*
 * Add results directories in one transaction: every one is read (results
 * and meta.json; incomplete runs refused) and its points stored (the median
 * of each cell x metric over its measured repetitions), or, on any error,
 * none is (-1 with a message naming the directory). A run already in the
 * store (the same meta.json) is left as it is and counted in *known.
 * branch NULL: meta.json's build.branch, else "main".
 */
int gb_history_add(struct gb_history *h, char *const *dirs, size_t n, const char *branch,
		   size_t *added, size_t *known);

/* One cell x metric of one branch, class and config, oldest run first. */
struct gb_history_series {
	char *branch, *klass, *config, *cell, *metric, *unit;
	double *v;
	char **commit, **start;
	size_t n, cap;
};

typedef int (*gb_history_series_fn)(void *arg, const struct gb_history_series *s);

/* Call fn on every series of the runs matching f; fn non-zero stops with that value. */
int gb_history_walk(struct gb_history *h, const struct gb_history_filter *f,
		    gb_history_series_fn fn, void *arg);

/*
 * Thresholds from history (rustc-perf's rule): over the last
 * GB_HISTORY_THR_RUNS values of a series, the absolute relative changes
 * between consecutive runs, |v[i] / v[i-1] - 1|; the threshold is their
 * Q3 + 3 * IQR. NAN when the series has fewer than GB_HISTORY_THR_MIN runs.
 */
#define GB_HISTORY_THR_RUNS 100
#define GB_HISTORY_THR_MIN  50
double gb_history_noise_threshold(const double *v, size_t n);

struct gb_history_thresholds {
	struct gb_history_thr {
		char *cell, *metric;
		double threshold;
		size_t runs;
	} *e;
	size_t n, cap;
	/*
	 * Borrowed by compare's hook: the current run's meta.json, whose
	 * windows name a windowed cell's series (CELL/rows:N).
	 */
	json_t *cur_meta;
};

/* Every series of class and config (any branch) with its threshold; 0 or -1. */
int gb_history_thresholds_load(struct gb_history *h, const char *klass, const char *config,
			       struct gb_history_thresholds *t);
/* The threshold of cell x metric, NAN when its history is too short (a gb_compare_opts hook). */
double gb_history_threshold_for(void *thresholds, const char *cell, const char *metric);
void gb_history_thresholds_release(struct gb_history_thresholds *t);

#endif
