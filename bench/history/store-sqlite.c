/*
 * store-sqlite.c - the history store in one SQLite file (store.h).
 *
 * Schema 1: runs (one row per added results directory, unique by a
 * fingerprint of its meta.json), points (run, cell, metric) -> median,
 * n, unit, and run_ids (the meta.json run_id of each run whose
 * measurements an added directory holds, each once; added to a store of
 * schema 1 by its next add). SQLite's rollback journal makes begin..commit atomic across a
 * crash or kill -9: the next opener finds the hot journal and rolls the
 * half-done transaction back, so a killed `history add` leaves the file
 * as it was. A busy timeout lets a reader wait for a writer instead of
 * failing at once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fsio.h"
#include "gbench.h"
#include "history/store.h"

#define SCHEMA_VERSION 1

struct sq {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *ins_run, *ins_point, *ins_id, *id_holder;
};

static int sq_err(struct sq *s, const char *what)
{
	return gb_error("history store '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int sq_exec(struct sq *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		gb_error("history store '%s': %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS gbench(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS runs("
	" id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE,"
	" class TEXT NOT NULL, config TEXT NOT NULL, branch TEXT NOT NULL,"
	" commit_id TEXT NOT NULL, start TEXT NOT NULL, source TEXT NOT NULL,"
	" added TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
	"CREATE TABLE IF NOT EXISTS points("
	" run INTEGER NOT NULL REFERENCES runs(id), cell TEXT NOT NULL, metric TEXT NOT NULL,"
	" unit TEXT NOT NULL, median REAL NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY(run, cell, metric)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS run_ids("
	" run_id TEXT PRIMARY KEY, run INTEGER NOT NULL REFERENCES runs(id)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS points_series ON points(cell, metric);"
	"CREATE INDEX IF NOT EXISTS runs_order ON runs(branch, class, config, start, id);"
	"INSERT OR IGNORE INTO gbench(key, value) VALUES('schema', '1');";

static void sq_close(void *ctx)
{
	struct sq *s = ctx;

	if (!s)
		return;
	sqlite3_finalize(s->ins_run);
	sqlite3_finalize(s->ins_point);
	sqlite3_finalize(s->ins_id);
	sqlite3_finalize(s->id_holder);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static int sq_check_schema(struct sq *s)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM gbench WHERE key = 'schema'", -1, &st,
			       NULL) != SQLITE_OK)
		return gb_error("'%s' is not a gbench history store: %s", s->path,
				sqlite3_errmsg(s->db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
	    atoi((const char *)sqlite3_column_text(st, 0)) == SCHEMA_VERSION)
		rc = 0;
	else
		gb_error("history store '%s' has another schema (this gbench reads %d)", s->path,
			 SCHEMA_VERSION);
	sqlite3_finalize(st);
	return rc;
}

static int sq_open(const char *where, int create, void **ctx)
{
	struct sq *s = gb_xcalloc(1, sizeof(*s));
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	s->path = gb_xstrdup(where);
	*ctx = NULL;
	if (!create && !gb_file_exists(where)) {
		gb_error("no history store '%s': add runs with 'gbench history add'", where);
		goto fail;
	}
	if (sqlite3_open_v2(where, &s->db, flags, NULL) != SQLITE_OK) {
		sq_err(s, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sq_exec(s, "PRAGMA foreign_keys = ON") < 0)
		goto fail;
	if (create && sq_exec(s, schema_sql) < 0)
		goto fail;
	if (sq_check_schema(s) < 0)
		goto fail;
	*ctx = s;
	return 0;
fail:
	sq_close(s);
	return -1;
}

static int sq_begin(void *ctx)
{
	/* IMMEDIATE: take the write lock now, so two adds queue instead of deadlocking */
	return sq_exec(ctx, "BEGIN IMMEDIATE");
}

static int sq_commit(void *ctx)
{
	return sq_exec(ctx, "COMMIT");
}

static void sq_rollback(void *ctx)
{
	struct sq *s = ctx;

	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_add_run(void *ctx, const struct gb_history_run *r, const char *fp, int64_t *id)
{
	struct sq *s = ctx;
	int rc;

	if (!s->ins_run &&
	    sqlite3_prepare_v2(s->db,
			       "INSERT OR IGNORE INTO runs(fingerprint, class, config, branch, "
			       "commit_id, start, source) VALUES(?,?,?,?,?,?,?)",
			       -1, &s->ins_run, NULL) != SQLITE_OK)
		return sq_err(s, "prepare");
	sqlite3_reset(s->ins_run);
	sqlite3_bind_text(s->ins_run, 1, fp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_run, 2, r->klass, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_run, 3, r->config, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_run, 4, r->branch, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_run, 5, r->commit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_run, 6, r->start, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_run, 7, r->source, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s->ins_run);
	if (rc != SQLITE_DONE)
		return sq_err(s, "adding a run");
	if (sqlite3_changes(s->db) == 0)
		return 0;
	*id = sqlite3_last_insert_rowid(s->db);
	return 1;
}

static int sq_add_point(void *ctx, int64_t run, const char *cell, const char *metric,
			const char *unit, double median, size_t n)
{
	struct sq *s = ctx;

	if (!s->ins_point &&
	    sqlite3_prepare_v2(s->db,
			       "INSERT INTO points(run, cell, metric, unit, median, n) "
			       "VALUES(?,?,?,?,?,?)",
			       -1, &s->ins_point, NULL) != SQLITE_OK)
		return sq_err(s, "prepare");
	sqlite3_reset(s->ins_point);
	sqlite3_bind_int64(s->ins_point, 1, run);
	sqlite3_bind_text(s->ins_point, 2, cell, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_point, 3, metric, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->ins_point, 4, unit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(s->ins_point, 5, median);
	sqlite3_bind_int64(s->ins_point, 6, (sqlite3_int64)n);
	if (sqlite3_step(s->ins_point) != SQLITE_DONE)
		return sq_err(s, "adding a point");
	return 0;
}

/* Column i as a new string, "" for NULL (runs() lists whatever a run holds). */
static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return gb_xstrdup(t ? (const char *)t : "");
}

static int sq_claim(void *ctx, int64_t run, const char *run_id, char **holder)
{
	struct sq *s = ctx;

	*holder = NULL;
	if (!s->ins_id &&
	    sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO run_ids(run_id, run) VALUES(?,?)",
			       -1, &s->ins_id, NULL) != SQLITE_OK)
		return sq_err(s, "prepare");
	sqlite3_reset(s->ins_id);
	sqlite3_bind_text(s->ins_id, 1, run_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s->ins_id, 2, run);
	if (sqlite3_step(s->ins_id) != SQLITE_DONE)
		return sq_err(s, "adding a run id");
	if (sqlite3_changes(s->db) == 1)
		return 1;
	if (!s->id_holder &&
	    sqlite3_prepare_v2(s->db, "SELECT r.source FROM run_ids i JOIN runs r ON r.id = i.run "
			       "WHERE i.run_id = ?", -1, &s->id_holder, NULL) != SQLITE_OK)
		return sq_err(s, "prepare");
	sqlite3_reset(s->id_holder);
	sqlite3_bind_text(s->id_holder, 1, run_id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s->id_holder) != SQLITE_ROW)
		return sq_err(s, "reading a run id");
	*holder = col(s->id_holder, 0);
	return 0;
}

/* The run part of a filter; bind_filter binds all five fields (?4 and ?5 only where used). */
#define FILTER_SQL                                                                   \
	"(?1 IS NULL OR r.branch = ?1) AND (?2 IS NULL OR r.class = ?2) AND "        \
	"(?3 IS NULL OR r.config = ?3)"

static void bind_filter(sqlite3_stmt *st, const struct gb_history_filter *f)
{
	const char *v[5] = { f->branch, f->klass, f->config, f->cell, f->metric };

	for (int i = 0; i < 5; i++)
		if (v[i])
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, i + 1);
}

static int sq_runs(void *ctx, const struct gb_history_filter *f, struct gb_history_run **out,
		   size_t *n)
{
	struct sq *s = ctx;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT r.id, r.class, r.config, r.branch, r.commit_id, r.start, r.source,"
			       " (SELECT count(*) FROM points p WHERE p.run = r.id)"
			       " FROM runs r WHERE " FILTER_SQL
			       " ORDER BY r.branch, r.class, r.config, r.start, r.id",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_err(s, "listing runs");
	bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct gb_history_run *r;

		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = gb_xrealloc(*out, cap * sizeof(**out));
		}
		r = &(*out)[(*n)++];
		r->id = sqlite3_column_int64(st, 0);
		r->klass = col(st, 1);
		r->config = col(st, 2);
		r->branch = col(st, 3);
		r->commit = col(st, 4);
		r->start = col(st, 5);
		r->source = col(st, 6);
		r->npoints = (size_t)sqlite3_column_int64(st, 7);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		gb_history_runs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sq_err(s, "listing runs");
	}
	return 0;
}

/*
 * What is wrong with a row of sq_points' query, or NULL: the schema says
 * NOT NULL and REAL, but a store is a file that another tool, or a
 * damaged disk, may have written otherwise.
 */
static const char *row_problem(sqlite3_stmt *st)
{
	/* the query's columns: 0-4 branch..start, 5 run id, 6-8 cell, metric, unit, 9 median, 10 n */
	int t = sqlite3_column_type(st, 9);

	for (int i = 0; i <= 8; i++)
		if (i != 5 && sqlite3_column_type(st, i) == SQLITE_NULL)
			return "a name, commit, start time or unit is missing";
	if ((t != SQLITE_FLOAT && t != SQLITE_INTEGER) || !isfinite(sqlite3_column_double(st, 9)))
		return "its median is not a number";
	if (sqlite3_column_type(st, 10) != SQLITE_INTEGER || sqlite3_column_int64(st, 10) < 0)
		return "its count of repetitions is not a count";
	return NULL;
}

static int sq_points(void *ctx, const struct gb_history_filter *f, gb_history_row_fn fn, void *arg)
{
	struct sq *s = ctx;
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(s->db,
			       "SELECT r.branch, r.class, r.config, r.commit_id, r.start, r.id,"
			       " p.cell, p.metric, p.unit, p.median, p.n"
			       " FROM points p JOIN runs r ON r.id = p.run WHERE " FILTER_SQL
			       " AND (?4 IS NULL OR p.cell = ?4) AND (?5 IS NULL OR p.metric = ?5)"
			       " ORDER BY r.branch, r.class, r.config, p.cell, p.metric, r.start, r.id",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_err(s, "reading points");
	bind_filter(st, f);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *bad = row_problem(st);
		struct gb_history_row row = {
			.branch = (const char *)sqlite3_column_text(st, 0),
			.klass = (const char *)sqlite3_column_text(st, 1),
			.config = (const char *)sqlite3_column_text(st, 2),
			.commit = (const char *)sqlite3_column_text(st, 3),
			.start = (const char *)sqlite3_column_text(st, 4),
			.run = sqlite3_column_int64(st, 5),
			.cell = (const char *)sqlite3_column_text(st, 6),
			.metric = (const char *)sqlite3_column_text(st, 7),
			.unit = (const char *)sqlite3_column_text(st, 8),
			.median = sqlite3_column_double(st, 9),
			.n = (size_t)sqlite3_column_int64(st, 10),
		};

		if (bad) {
			char *cell = col(st, 6), *metric = col(st, 7);

			gb_error("history store '%s': run %lld, cell '%s', metric '%s': %s: not a "
				 "store gbench wrote, or a damaged one", s->path,
				 (long long)row.run, cell, metric, bad);
			free(cell);
			free(metric);
			sqlite3_finalize(st);
			return -1;
		}
		stop = fn(arg, &row);
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return sq_err(s, "reading points");
	return 0;
}

void gb_history_runs_free(struct gb_history_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(runs[i].klass);
		free(runs[i].config);
		free(runs[i].branch);
		free(runs[i].commit);
		free(runs[i].start);
		free(runs[i].source);
	}
	free(runs);
}

const struct gb_history_store_i gb_history_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.add_run = sq_add_run,
	.add_point = sq_add_point,
	.claim = sq_claim,
	.runs = sq_runs,
	.points = sq_points,
};
