/*
 * store.h - where the history of runs is kept, behind one interface (a
 * struct of function pointers, like executor.h), so that a shared server
 * store (PostgreSQL) can sit beside the SQLite file that is the default.
 *
 * A store holds runs (machine class, config, branch, commit, start time,
 * where it was added from) and, per run, one point per cell x metric: the
 * median over the run's measured repetitions, and how many there were.
 * Every change happens between begin() and commit(): a writer killed
 * before commit() leaves the store as it was.
 */
#ifndef GB_HISTORY_STORE_H
#define GB_HISTORY_STORE_H

#include <stddef.h>
#include <stdint.h>

struct gb_history_run {
	int64_t id;
	char *klass, *config, *branch, *commit, *start, *source;
	size_t npoints;        /* filled by runs() */
};

/* A filter on runs; a NULL field matches every run. */
struct gb_history_filter {
	const char *branch, *klass, *config, *cell, *metric;
};

/* One point as points() hands it over, with its run's identity. */
struct gb_history_row {
	const char *branch, *klass, *config, *commit, *start;
	int64_t run;
	const char *cell, *metric, *unit;
	double median;
	size_t n;
};

typedef int (*gb_history_row_fn)(void *arg, const struct gb_history_row *row);

struct gb_history_store_i {
	const char *name;
	/* Open (creating when asked) the store at where; 0 or -1 with a message. */
	int (*open)(const char *where, int create, void **ctx);
	void (*close)(void *ctx);
	int (*begin)(void *ctx);
	int (*commit)(void *ctx);
	void (*rollback)(void *ctx);
	/*
	 * Add a run unless one with the same fingerprint is there: 1 added
	 * (*id set), 0 already there, -1 error.
	 */
	int (*add_run)(void *ctx, const struct gb_history_run *run, const char *fingerprint,
		       int64_t *id);
	int (*add_point)(void *ctx, int64_t run, const char *cell, const char *metric,
			 const char *unit, double median, size_t n);
	/*
	 * Record that run holds the measurements of the run run_id names
	 * (meta.json run_id, or one of a pooled folder's pooled_runs): 1; 0
	 * when an earlier run holds them, *holder then its source folder
	 * (caller frees); -1 error.
	 */
	int (*claim)(void *ctx, int64_t run, const char *run_id, char **holder);
	/* Runs matching f (cell and metric ignored), oldest first; *out caller frees (gb_history_runs_free). */
	int (*runs)(void *ctx, const struct gb_history_filter *f, struct gb_history_run **out,
		    size_t *n);
	/*
	 * Every point of runs matching f, ordered by branch, class, config,
	 * cell, metric, then the run's start time and id (oldest first), so that
	 * each series arrives whole and in order. fn returning non-zero stops
	 * the walk with that value.
	 */
	int (*points)(void *ctx, const struct gb_history_filter *f, gb_history_row_fn fn, void *arg);
};

extern const struct gb_history_store_i gb_history_sqlite;

void gb_history_runs_free(struct gb_history_run *runs, size_t n);

#endif
