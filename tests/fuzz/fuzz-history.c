/*
 * fuzz-history.c - libFuzzer harness for `gbench history` (bench/history/,
 * bench/cmd-history.c) on a store that something else wrote: a CI cache
 * restored from another job, a file a disk-full or another tool left.
 *
 * The input is SQL, run statement by statement on an empty database (a
 * statement that fails is skipped); the file it leaves is the store. The
 * seeds are dumps of real stores that `gbench history add` made, so the
 * mutations are stores of gbench's schema with odd rows (NULL, a blob or
 * text where a number goes, negative counts, control characters in names)
 * or a schema of someone else's, which raw file bytes would rarely reach
 * past SQLite's own checks. ATTACH, VACUUM and the pragmas that name other
 * files are refused, and a progress handler bounds each input's work.
 *
 * The store then goes through `history list`, `history check`, `history
 * show` of its first cell and metric (the chart with a gnuplot that cannot
 * be run), the thresholds `compare --history` reads, and `history add` of a
 * fixed results folder. Beyond the sanitizers: each command exits with one
 * of its documented codes, what they print holds no control byte but the
 * newline (names from the store are escaped; fuzz-common.c checks it for
 * every harness), and the chart's script and data pass fuzz_check_output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmds.h"
#include "fsio.h"
#include "fuzz.h"
#include "gbench.h"
#include "history/history.h"

#define MAX_STEPS 20000   /* progress-handler calls (of 100 VM steps each) per input */
#define MAX_NAME 200      /* a longer first cell or metric is not shown */

static char *store, *out, *results;
static long steps;

static void setup(void)
{
	if (store)
		return;
	setenv("GNUPLOT", "/nonexistent/gnuplot", 1);
	store = gb_xasprintf("%s/history.sqlite", fuzz_dir());
	out = gb_xasprintf("%s/charts", fuzz_dir());
	results = gb_xasprintf("%s/tests/fuzz/data/history-run", GB_FUZZ_TOP);
}

static int progress(void *arg)
{
	(void)arg;
	return ++steps > MAX_STEPS;
}

/* No other file: the store is the only one the input may touch. */
static int authorize(void *arg, int action, const char *a, const char *b, const char *c,
		     const char *d)
{
	(void)arg, (void)b, (void)c, (void)d;
	if (action == SQLITE_ATTACH || action == SQLITE_DETACH)
		return SQLITE_DENY;
	if (action == SQLITE_PRAGMA && a &&
	    (!strcasecmp(a, "temp_store_directory") || !strcasecmp(a, "data_store_directory")))
		return SQLITE_DENY;
	return SQLITE_OK;
}

static void remove_store(void)
{
	static const char *const ext[] = { "", "-journal", "-wal", "-shm" };

	for (size_t i = 0; i < sizeof(ext) / sizeof(*ext); i++) {
		char *p = gb_xasprintf("%s%s", store, ext[i]);

		unlink(p);
		free(p);
	}
}

/* Run the input's statements on a new database at store; those that fail are skipped. */
static void build_store(const uint8_t *data, size_t size)
{
	char *sql = gb_xmalloc(size + 1);
	const char *p = sql;
	sqlite3 *db;

	memcpy(sql, data, size);
	sql[size] = 0;
	remove_store();
	FUZZ_CHECK(sqlite3_open_v2(store, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				   NULL) == SQLITE_OK, "cannot create '%s'", store);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
	sqlite3_set_authorizer(db, authorize, NULL);
	steps = 0;
	sqlite3_progress_handler(db, 100, progress, NULL);
	while (*p && steps <= MAX_STEPS) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;

		if (sqlite3_prepare_v2(db, p, -1, &st, &tail) != SQLITE_OK || !tail) {
			const char *semi = strchr(p, ';');

			sqlite3_finalize(st);
			if (!semi)
				break;
			p = semi + 1;
			continue;
		}
		if (st && !strcasestr(sqlite3_sql(st), "vacuum"))
			for (int rows = 0; rows < 1000 && sqlite3_step(st) == SQLITE_ROW; rows++)
				;
		sqlite3_finalize(st);
		p = tail;
	}
	sqlite3_progress_handler(db, 0, NULL, NULL);
	/* a transaction the input left open is rolled back by close, as a killed writer's */
	sqlite3_close_v2(db);
	free(sql);
}

/* The store's first cell and metric, when it has them as short text; caller frees. */
static int first_series(char **cell, char **metric)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int found = 0;

	*cell = *metric = NULL;
	if (sqlite3_open_v2(store, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return 0;
	}
	if (sqlite3_prepare_v2(db, "SELECT cell, metric FROM points LIMIT 1", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *c = (const char *)sqlite3_column_text(st, 0);
			const char *m = (const char *)sqlite3_column_text(st, 1);

			if (c && m && strlen(c) < MAX_NAME && strlen(m) < MAX_NAME && *c != '-' &&
			    *m != '-') {
				*cell = gb_xstrdup(c);
				*metric = gb_xstrdup(m);
				found = 1;
			}
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return found;
}

/* cmd_history with argv (NULL-terminated): one of its documented exit codes, 0, 1, 2 or 4. */
static void history(const char *what, char **argv)
{
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	rc = cmd_history(argc, argv);
	FUZZ_CHECK(rc >= GB_EXIT_OK && rc <= GB_EXIT_ENV && rc != GB_EXIT_INCONCLUSIVE,
		   "history %s exited %d", what, rc);
}

/* What `compare --history` reads: the thresholds of every series of a class and config. */
static void thresholds(void)
{
	struct gb_history h;
	struct gb_history_thresholds t;

	if (gb_history_open(&h, store, 0) < 0)
		return;
	if (gb_history_thresholds_load(&h, NULL, NULL, &t) == 0) {
		for (size_t i = 0; i < t.n; i++)
			(void)gb_history_threshold_for(&t, t.e[i].cell, t.e[i].metric);
		gb_history_thresholds_release(&t);
	}
	gb_history_close(&h);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	char *cell, *metric;

	setup();
	build_store(data, size);
	FUZZ_CHECK(gb_rm_tree(out) == 0 || !gb_is_dir(out), "cannot clear '%s'", out);

	/* list: 0, or 4 where the store cannot be read */
	history("list", (char *[]){ "history", "-q", "--history", store, "list", NULL });
	/* check: 0, 1 a regression, 4 */
	history("check", (char *[]){ "history", "-q", "--history", store, "check", NULL });
	if (first_series(&cell, &metric)) {
		/* show: 0, 2 no such series (the walk found none of it), 4 */
		history("show", (char *[]){ "history", "-q", "--history", store, "--out", out,
					       "show", cell, metric, NULL });
		if (gb_is_dir(out))   /* show wrote a chart (none where it found no series) */
			fuzz_check_folder(out);
		free(cell);
		free(metric);
	}
	thresholds();
	/* add: 0, 2 the folder or the store's rows refused (nothing added), 4 */
	history("add", (char *[]){ "history", "-q", "--history", store, "add", results, NULL });
	return 0;
}
