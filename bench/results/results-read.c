/*
 * results-read.c - a results directory read back (results.h:
 * gb_results_read), for compare, report and baseline.
 *
 * The reader rebuilds cells and their metrics from results.csv (identity,
 * unit, source) and samples.csv (the values), which is all that `gbench
 * compare` needs; statistics are recomputed from the samples, never
 * trusted from the summary columns; and it takes nothing a run would not
 * have written (the rules below).
 */
#include "results/results.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/csvout.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "results/results-impl.h"

/* s for a one-line message: at most 64 bytes, anything unprintable as '?'. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 4 < len && i < 64; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(buf + i, s[i] ? "..." : "");
	return buf;
}

/*
 * What the reader takes from a file it did not write itself (a results
 * directory may be another machine's, hand-edited or damaged), and why:
 *
 *   - a cell id is a safe file name (gb_fname_is_safe): it reaches hist/ paths;
 *   - a sample value is a plain decimal number ([-]digits[.digits][e[+-]digits])
 *     or empty (no value in that repetition): no inf, nan or hex float,
 *     which the writer never prints; at most GB_RESULTS_MAX_VALUE in
 *     magnitude, so statistics over it stay finite; and not negative where the unit
 *     cannot be (ns, count, req/s, ratio, KiB, MHz, requests: times,
 *     counts, rates and shares); other units may be negative;
 *   - at most GB_RESULTS_MAX_CELLS cells of GB_RESULTS_MAX_METRICS metrics:
 *     each cell reserves room for GB_CELL_METRICS_RESERVED metrics, so
 *     memory would otherwise grow far faster than the file;
 *   - a rep is below the run's repetitions in meta.json (config.repetitions
 *     and repetitions_by_executor) when it says, and below
 *     GB_RESULTS_MAX_REPS always, and one row per cell x metric x rep; the
 *     repetitions a file leaves without a row (NAN) are at most as many as
 *     it has rows, past one run's worth, so memory follows the file's size;
 *   - accuracy values are numbers as above, never negative, recall at most
 *     1, and +inf only for an NMSE or error (a reference of zeros);
 *   - meta.json's manifest (gb_results_write) names every file with its
 *     size and FNV-1a: a file that differs, a listed CSV that is missing,
 *     or a CSV or histogram it does not list is refused, naming the file.
 *     Results without a manifest (older runs, the committed baselines) are
 *     read as before: they have nothing to check against.
 */

/* A slot no row has filled yet: a NaN payload no parsed value can have. */
static const uint64_t unseen_bits = 0x7ffcdead5eed0001ULL;

static int is_unseen(double x)
{
	uint64_t b;

	memcpy(&b, &x, sizeof(b));
	return b == unseen_bits;
}

struct rd {
	struct gb_results *r;
	const char *path;
	const char *const *cols;
	size_t ncols;
	int map[RC_COUNT];    /* column of each expected name in the file */
	int have_header;
	size_t last;          /* index of the cell the previous row named */
	uint32_t max_reps;    /* a rep must be below this */
	int reps_from_meta;   /* max_reps is the run's (meta.json), not the ceiling */
	size_t rows;          /* data rows read */
	size_t padding;       /* slots rows skipped over (filled NAN) */
	size_t *index;        /* cells by id hash, open addressing: cell index + 1, 0 free */
	size_t nindex;        /* a power of two, at least twice the cells */
};

static int source_parse(const char *s, enum gb_source *out)
{
	static const enum gb_source all[] = {
		GB_SRC_MEASURED, GB_SRC_SCALED, GB_SRC_SIMULATED, GB_SRC_UNAVAILABLE,
	};
	size_t i;

	for (i = 0; i < GB_ARRAY_SIZE(all); i++)
		if (strcmp(s, gb_source_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* [-]digits[.digits] or [-].digits, then [e|E[+|-]digits]: what %.17g prints, finite. */
static int plain_decimal(const char *s)
{
	int digits = 0;

	if (*s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/*
 * A number field; empty is NAN. Only plain decimals, finite once read
 * (1e999 is not); underflow to a subnormal or zero is accepted.
 */
static int parse_num(const char *s, double *out)
{
	if (!*s) {
		*out = NAN;
		return 0;
	}
	if (!plain_decimal(s))
		return -1;
	*out = strtod(s, NULL);
	return isfinite(*out) ? 0 : -1;
}

/* Units of times, counts, rates and shares: never negative. */
static int unit_nonnegative(const char *unit)
{
	static const char *const units[] = {
		"ns", "count", "req/s", "ratio", "KiB", "MHz", "requests",
	};

	for (size_t i = 0; i < GB_ARRAY_SIZE(units); i++)
		if (!strcmp(unit, units[i]))
			return 1;
	return 0;
}

/* The header row: find every expected column; further columns are allowed. */
static int map_header(struct rd *rd, char **f, size_t n, size_t recno)
{
	size_t i, j;

	for (i = 0; i < rd->ncols; i++) {
		rd->map[i] = -1;
		for (j = 0; j < n; j++)
			if (strcmp(f[j], rd->cols[i]) == 0) {
				rd->map[i] = (int)j;
				break;
			}
		if (rd->map[i] < 0)
			return gb_error("%s:%zu: missing column '%s'", rd->path, recno,
					rd->cols[i]);
	}
	rd->have_header = 1;
	return 0;
}

/* Map the row's fields into expected-column order; -1 when it is short. */
static int take(struct rd *rd, char **f, size_t n, size_t recno, const char **out)
{
	size_t i;

	for (i = 0; i < rd->ncols; i++) {
		if ((size_t)rd->map[i] >= n)
			return gb_error("%s:%zu: %zu fields, expected column '%s'", rd->path,
					recno, n, rd->cols[i]);
		out[i] = f[rd->map[i]];
	}
	return 0;
}

static size_t id_hash(const char *id)
{
	return (size_t)gb_fnv1a(GB_FNV_INIT, id, strlen(id));
}

static void index_insert(struct rd *rd, size_t i)
{
	size_t h = id_hash(rd->r->cells[i].id) & (rd->nindex - 1);

	while (rd->index[h])
		h = (h + 1) & (rd->nindex - 1);
	rd->index[h] = i + 1;
}

/* Index every cell of rd->r, in a table at most a quarter full. */
static void index_build(struct rd *rd)
{
	free(rd->index);
	for (rd->nindex = 64; rd->nindex < 4 * rd->r->n; rd->nindex *= 2)
		;
	rd->index = gb_xcalloc(rd->nindex, sizeof(*rd->index));
	for (size_t i = 0; i < rd->r->n; i++)
		index_insert(rd, i);
}

/* The cell just added (the last of rd->r) into the index; rebuilt when half full. */
static void index_added(struct rd *rd)
{
	if (2 * rd->r->n > rd->nindex)
		index_build(rd);
	else
		index_insert(rd, rd->r->n - 1);
}

/*
 * A cell by id: the previous row's, else through the index, so that a
 * file of many cells is read in time linear in its rows.
 */
static struct gb_cell_result *find_cell(struct rd *rd, const char *id)
{
	struct gb_results *r = rd->r;
	size_t h;

	if (rd->last < r->n && strcmp(r->cells[rd->last].id, id) == 0)
		return &r->cells[rd->last];
	for (h = id_hash(id) & (rd->nindex - 1); rd->index[h]; h = (h + 1) & (rd->nindex - 1))
		if (!strcmp(r->cells[rd->index[h] - 1].id, id)) {
			rd->last = rd->index[h] - 1;
			return &r->cells[rd->last];
		}
	return NULL;
}

static int results_row(char **f, size_t n, size_t recno, void *ctx)
{
	struct rd *rd = ctx;
	const char *v[RC_COUNT];
	struct gb_cell_result *c;
	enum gb_source src;
	enum gb_quant q;
	uint32_t batch, cache;
	char buf[80];

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	if (parse_u32(v[RC_BATCH], &batch) < 0)
		return gb_error("%s:%zu: bad batch '%s'", rd->path, recno, v[RC_BATCH]);
	if (parse_u32(v[RC_CACHE], &cache) < 0)
		return gb_error("%s:%zu: bad cache '%s'", rd->path, recno, v[RC_CACHE]);
	if (gb_quant_parse(v[RC_QUANT], &q) < 0)
		return gb_error("%s:%zu: bad quant '%s'", rd->path, recno, v[RC_QUANT]);
	if (source_parse(v[RC_SOURCE], &src) < 0)
		return gb_error("%s:%zu: bad source '%s'", rd->path, recno, v[RC_SOURCE]);
	if (!*v[RC_CELL] || !*v[RC_METRIC])
		return gb_error("%s:%zu: empty cell or metric", rd->path, recno);
	if (!gb_fname_is_safe(v[RC_CELL]))
		return gb_error("%s:%zu: cell id '%s' is not a safe file name (only "
				"[A-Za-z0-9._+-], not '.' or '..')", rd->path, recno,
				printable(v[RC_CELL], buf, sizeof(buf)));
	c = find_cell(rd, v[RC_CELL]);
	if (!c && rd->r->n >= GB_RESULTS_MAX_CELLS)
		return gb_error("%s:%zu: more than %d cells: not a run's results", rd->path, recno,
				GB_RESULTS_MAX_CELLS);
	if (c && c->nmetrics >= GB_RESULTS_MAX_METRICS)
		return gb_error("%s:%zu: cell '%s' has more than %d metrics: not a run's results",
				rd->path, recno, c->id, GB_RESULTS_MAX_METRICS);
	if (!c) {
		c = gb_results_add(rd->r, v[RC_CELL], v[RC_WORKLOAD], v[RC_EXECUTOR],
				   *v[RC_DEVICE] ? v[RC_DEVICE] : NULL, batch, q, cache);
		rd->last = rd->r->n - 1;
		index_added(rd);
	}
	if (gb_cell_find_metric(c, v[RC_METRIC]))
		return gb_error("%s:%zu: metric '%s' of cell '%s' appears twice", rd->path,
				recno, v[RC_METRIC], v[RC_CELL]);
	gb_cell_metric(c, v[RC_METRIC], v[RC_UNIT], src);
	return 0;
}

static int samples_row(char **f, size_t n, size_t recno, void *ctx)
{
	struct rd *rd = ctx;
	const char *v[SC_COUNT];
	struct gb_cell_result *c;
	struct gb_metric *m;
	uint32_t rep;
	double x;
	char buf[80];

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	rd->rows++;
	c = find_cell(rd, v[SC_CELL]);
	if (!c)
		return gb_error("%s:%zu: cell '%s' is not in results.csv", rd->path, recno,
				printable(v[SC_CELL], buf, sizeof(buf)));
	m = gb_cell_find_metric(c, v[SC_METRIC]);
	if (!m)
		return gb_error("%s:%zu: metric '%s' of cell '%s' is not in results.csv",
				rd->path, recno, printable(v[SC_METRIC], buf, sizeof(buf)),
				v[SC_CELL]);
	if (m->source == GB_SRC_UNAVAILABLE)
		return gb_error("%s:%zu: samples for unavailable metric '%s'", rd->path,
				recno, v[SC_METRIC]);
	if (parse_u32(v[SC_REP], &rep) < 0)
		return gb_error("%s:%zu: bad rep '%s'", rd->path, recno,
				printable(v[SC_REP], buf, sizeof(buf)));
	if (rep >= rd->max_reps)
		return gb_error(rd->reps_from_meta
				? "%s:%zu: rep %u is out of range: the run had %u repetitions "
				  "(meta.json config)"
				: "%s:%zu: rep %u is out of range: a run has at most %u repetitions",
				rd->path, recno, rep, rd->max_reps);
	if (parse_num(v[SC_VALUE], &x) < 0)
		return gb_error("%s:%zu: bad value '%s' (a plain decimal number, or empty)",
				rd->path, recno, printable(v[SC_VALUE], buf, sizeof(buf)));
	if (fabs(x) > GB_RESULTS_MAX_VALUE)
		return gb_error("%s:%zu: value '%s' is beyond any measurement (at most %g in "
				"magnitude)", rd->path, recno, printable(v[SC_VALUE], buf, sizeof(buf)),
				GB_RESULTS_MAX_VALUE);
	if (x < 0 && unit_nonnegative(m->unit))
		return gb_error("%s:%zu: negative value '%s' for metric '%s' in %s", rd->path,
				recno, v[SC_VALUE], m->name, m->unit);
	if (rep >= m->n) {
		/* the rows skipped over may come later; memory stays within the file's rows */
		rd->padding += rep - m->n;
		if (rd->padding > rd->rows + rd->max_reps)
			return gb_error("%s:%zu: rep %u leaves more repetitions without a row than "
					"the file has rows", rd->path, recno, rep);
		while (m->n <= rep) {
			gb_metric_push(m, NAN);
			memcpy(&m->v[m->n - 1], &unseen_bits, sizeof(double));
		}
	} else if (!is_unseen(m->v[rep])) {
		return gb_error("%s:%zu: a second row for rep %u of metric '%s' of cell '%s'",
				rd->path, recno, rep, m->name, c->id);
	}
	/* Placed by rep, whatever the row order; a rep no row names stays NAN. */
	m->v[rep] = x;
	return 0;
}

/* After samples.csv: the slots no row filled are NAN, as documented. */
static void settle_unseen(struct gb_results *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t k = 0; k < r->cells[i].nmetrics; k++) {
			struct gb_metric *m = &r->cells[i].metrics[k];

			for (size_t j = 0; j < m->n; j++)
				if (is_unseen(m->v[j]))
					m->v[j] = NAN;
		}
}

static int accuracy_row(char **f, size_t n, size_t recno, void *ctx)
{
	struct rd *rd = ctx;
	const char *v[AC_COUNT], *ref, *met;
	struct gb_cell_result *c;
	double value, budget;
	int pass;
	char buf[80];

	if (!rd->have_header)
		return map_header(rd, f, n, recno);
	if (take(rd, f, n, recno, v) < 0)
		return -1;
	c = find_cell(rd, v[AC_CELL]);
	if (!c)
		return gb_error("%s:%zu: cell '%s' is not in results.csv", rd->path, recno,
				printable(v[AC_CELL], buf, sizeof(buf)));
	ref = gb_acc_reference_intern(v[AC_REFERENCE]);
	met = gb_acc_metric_intern(v[AC_METRIC]);
	if (!ref)
		return gb_error("%s:%zu: bad reference '%s'", rd->path, recno,
				printable(v[AC_REFERENCE], buf, sizeof(buf)));
	if (!met)
		return gb_error("%s:%zu: bad accuracy metric '%s'", rd->path, recno,
				printable(v[AC_METRIC], buf, sizeof(buf)));
	/* an NMSE over a reference of zeros is +inf, and so written */
	if (!strcmp(v[AC_VALUE], "inf") && strcmp(met, "recall"))
		value = INFINITY;
	else if (parse_num(v[AC_VALUE], &value) < 0 || value < 0 ||
		 (!strcmp(met, "recall") && value > 1))
		return gb_error("%s:%zu: bad %s value '%s'", rd->path, recno, met,
				printable(v[AC_VALUE], buf, sizeof(buf)));
	if (parse_num(v[AC_BUDGET], &budget) < 0 || budget < 0)
		return gb_error("%s:%zu: bad budget '%s'", rd->path, recno,
				printable(v[AC_BUDGET], buf, sizeof(buf)));
	if (strcmp(v[AC_PASS], "true") == 0)
		pass = 1;
	else if (strcmp(v[AC_PASS], "false") == 0)
		pass = 0;
	else
		return gb_error("%s:%zu: bad pass '%s'", rd->path, recno,
				printable(v[AC_PASS], buf, sizeof(buf)));
	gb_cell_add_accuracy(c, v[AC_OP], ref, met, value, budget, pass);
	return 0;
}

static int read_one(struct rd *proto, const char *path, const char *const *cols,
		    size_t ncols, gb_csv_row_fn fn)
{
	struct rd rd = *proto;
	int rc;

	rd.path = path;
	rd.cols = cols;
	rd.ncols = ncols;
	rd.index = NULL;
	index_build(&rd);
	rc = gb_csv_read(path, fn, &rd);
	if (rc == 0 && !rd.have_header)
		rc = gb_error("'%s' is empty", path);
	free(rd.index);
	return rc < 0 ? -1 : rc;
}

/*
 * The most repetitions meta.json's config says a cell had (the default
 * and every executor's), or 0 when it does not say.
 */
static uint32_t meta_reps(json_t *meta)
{
	json_t *cfg = json_object_get(meta, "config"), *v;
	json_int_t most = 0;
	const char *key;

	v = json_object_get(cfg, "repetitions");
	if (json_is_integer(v) && json_integer_value(v) > most)
		most = json_integer_value(v);
	json_object_foreach(json_object_get(cfg, "repetitions_by_executor"), key, v)
		if (json_is_integer(v) && json_integer_value(v) > most)
			most = json_integer_value(v);
	return most > 0 && most <= GB_RESULTS_MAX_REPS ? (uint32_t)most : 0;
}

/* A name the manifest may hold: a file of the directory or hist/<safe id>.hgrm|.hlog|.raw. */
static int manifest_name_ok(const char *name)
{
	static const char *const top[] = { "results.csv", "samples.csv", "accuracy.csv", "mrc.csv" };
	size_t n = strlen(name);
	char id[256];

	for (size_t i = 0; i < GB_ARRAY_SIZE(top); i++)
		if (!strcmp(name, top[i]))
			return 1;
	if (strncmp(name, "hist/", 5) || n - 5 >= sizeof(id))
		return 0;
	if (n > 10 && (!strcmp(name + n - 5, ".hgrm") || !strcmp(name + n - 5, ".hlog")))
		n -= 5;
	else if (n > 9 && !strcmp(name + n - 4, ".raw"))
		n -= 4;
	else
		return 0;
	memcpy(id, name + 5, n - 5);
	id[n - 5] = '\0';
	return gb_fname_is_safe(id);
}

/* The file at path against its manifest entry e; 0 or -1 naming it. */
static int check_entry(const char *path, json_t *e)
{
	json_t *size = json_object_get(e, "size");
	const char *want = json_string_value(json_object_get(e, "fnv1a"));
	uint64_t got_size, hash;
	char hex[17];

	if (!json_is_integer(size) || !want)
		return gb_error("%s: its meta.json manifest entry is malformed", path);
	if (gb_results_file_fnv(path, &got_size, &hash) < 0)
		return gb_error("%s: listed in meta.json's manifest, but cannot be read: %s", path,
				strerror(errno));
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);
	if ((json_int_t)got_size != json_integer_value(size) || strcmp(hex, want))
		return gb_error("%s: does not match meta.json's manifest (%llu bytes, hash %s; "
				"listed %lld bytes, hash %s): the directory mixes runs, or was edited",
				path, (unsigned long long)got_size, hex,
				(long long)json_integer_value(size), want);
	return 0;
}

/*
 * Check dir against meta.json's manifest (files): every listed file that
 * is there matches; results.csv (read from csv), samples.csv and
 * accuracy.csv are there when listed and listed when there; mrc.csv and
 * hist/ files that are there are listed (a baseline keeps no hist/, so a
 * listed one may be absent). 0 or -1 naming the file.
 */
static int check_manifest(const char *dir, const char *csv, json_t *files)
{
	static const char *const csvs[] = { "results.csv", "samples.csv", "accuracy.csv", "mrc.csv" };
	const char *name;
	json_t *e;
	char *hdir;
	DIR *d;
	struct dirent *de;
	int rc = 0;
	char buf[80];

	json_object_foreach(files, name, e)
		if (!manifest_name_ok(name))
			return gb_error("%s/meta.json: manifest names '%s', not a file of a results "
					"directory", dir, printable(name, buf, sizeof(buf)));
	for (size_t i = 0; i < GB_ARRAY_SIZE(csvs) && rc == 0; i++) {
		char *path = i == 0 ? gb_xstrdup(csv) : gb_xasprintf("%s/%s", dir, csvs[i]);

		e = json_object_get(files, csvs[i]);
		if (e && !gb_file_exists(path) && i < 3)
			rc = gb_error("%s: listed in meta.json's manifest, but missing", path);
		else if (!e && gb_file_exists(path))
			rc = gb_error("%s: not in meta.json's manifest: another run's file", path);
		else if (e)
			rc = check_entry(path, e);
		free(path);
	}
	hdir = gb_xasprintf("%s/hist", dir);
	d = rc == 0 ? opendir(hdir) : NULL;
	while (d && rc == 0 && (de = readdir(d))) {
		char *key = gb_xasprintf("hist/%s", de->d_name), *path;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp.")) {
			free(key);
			continue;
		}
		path = gb_xasprintf("%s/%s", dir, key);
		e = json_object_get(files, key);
		rc = e ? check_entry(path, e)
		       : gb_error("%s: not in meta.json's manifest: another run's file", path);
		free(path);
		free(key);
	}
	if (d)
		closedir(d);
	free(hdir);
	return rc;
}

/* Whether o's key is absent or an integer from 0 to max. */
static int count_ok(json_t *o, const char *key, json_int_t max)
{
	json_t *v = json_object_get(o, key);

	return !v || (json_is_integer(v) && json_integer_value(v) >= 0 &&
		      json_integer_value(v) <= max);
}

int gb_results_check_time_plan(json_t *meta, const char *path)
{
	static const json_int_t most = (json_int_t)1 << 53;
	json_t *tp = json_object_get(meta, "time_plan"), *cells = json_object_get(tp, "cells"), *c;
	const char *id, *bad = NULL;

	if (!tp)
		return 0;
	if (!json_is_object(tp) || (cells && !json_is_object(cells)))
		return gb_error("%s: time_plan%s is not an object", path,
				json_is_object(tp) ? ".cells" : "");
	json_object_foreach(cells, id, c) {
		json_t *req = json_object_get(c, "requests");

		if (!json_is_object(c))
			bad = "is not an object";
		else if (!count_ok(c, "requests", most) || !count_ok(c, "repetitions", most) ||
			 !count_ok(c, "cut", most))
			bad = "has a count (requests, repetitions, cut) that is not an integer from 0";
		else if (!count_ok(c, "window", req ? json_integer_value(req) : most))
			bad = "has a window that is not a count of rows of its trace (0 to requests)";
		if (bad) {
			char *e = gb_escape_msg(id);

			gb_error("%s: time_plan.cells.%s %s", path, e, bad);
			free(e);
			return -1;
		}
	}
	return 0;
}

int gb_results_run_ids(json_t *meta, const char *path, json_t *ids)
{
	json_t *pooled = json_object_get(meta, "pooled_runs"), *id = json_object_get(meta, "run_id");
	json_t *v;
	size_t i;

	if (pooled && !json_is_array(pooled))
		return gb_error("%s: pooled_runs is not a list of run ids", path);
	json_array_foreach(pooled, i, v) {
		if (!json_is_string(v))
			return gb_error("%s: pooled_runs is not a list of run ids", path);
		json_array_append(ids, v);
	}
	if (!pooled && id && !json_is_string(id))
		return gb_error("%s: run_id is not a string", path);
	if (!pooled && id)
		json_array_append(ids, id);
	return 0;
}

int gb_results_note_ids(json_t *ids, const char *dir, json_t *seen, const char *why)
{
	json_t *v, *was;
	size_t i;

	json_array_foreach(ids, i, v) {
		const char *id = json_string_value(v);

		if ((was = json_object_get(seen, id)))
			return gb_error("'%s' holds the measurements of run %s, as '%s' does: %s",
					dir, id, json_string_value(was), why);
		json_object_set_new(seen, id, json_string_nocheck(dir));
	}
	return 0;
}

int gb_results_note_runs(json_t *meta, const char *dir, json_t *seen, const char *why)
{
	char *path = gb_xasprintf("%s/meta.json", dir);
	json_t *ids = json_array();
	int rc = gb_results_run_ids(meta, path, ids);

	if (rc == 0)
		rc = gb_results_note_ids(ids, dir, seen, why);
	json_decref(ids);
	free(path);
	return rc;
}

/*
 * meta.json beside the results, when there: the repetitions it allows, its
 * time plan and its manifest checked. 0 (also without a meta.json) or -1.
 */
static int read_meta(const char *dir, const char *csv, struct rd *rd)
{
	char *path = gb_xasprintf("%s/meta.json", dir);
	json_error_t err;
	json_t *meta, *man;
	int rc = 0;

	if (!gb_file_exists(path)) {
		free(path);
		return 0;
	}
	meta = json_load_file(path, 0, &err);
	if (!meta)
		rc = gb_error("%s:%d: %s", path, err.line, err.text);
	else if (!json_is_object(meta))
		rc = gb_error("%s: not a JSON object", path);
	else
		rc = gb_results_check_time_plan(meta, path);
	if (rc == 0) {
		uint32_t reps = meta_reps(meta);

		if (reps) {
			rd->max_reps = reps;
			rd->reps_from_meta = 1;
		}
		man = json_object_get(meta, "manifest");
		if (man && !json_is_object(json_object_get(man, "files")))
			rc = gb_error("%s: manifest has no object 'files'", path);
		else if (man)
			rc = check_manifest(dir, csv, json_object_get(man, "files"));
	}
	json_decref(meta);
	free(path);
	return rc;
}

int gb_results_read(struct gb_results *r, const char *dir_or_csv)
{
	struct rd proto = { .r = r, .max_reps = GB_RESULTS_MAX_REPS };
	char *dir, *path;
	int rc;

	/* A directory, or its results.csv (possibly renamed) with the rest beside it. */
	if (gb_is_dir(dir_or_csv)) {
		dir = gb_xstrdup(dir_or_csv);
		path = gb_xasprintf("%s/results.csv", dir);
	} else {
		const char *slash = strrchr(dir_or_csv, '/');

		if (!slash)
			dir = gb_xstrdup(".");
		else if (slash == dir_or_csv)
			dir = gb_xstrdup("/");
		else
			dir = gb_xasprintf("%.*s", (int)(slash - dir_or_csv), dir_or_csv);
		path = gb_xstrdup(dir_or_csv);
	}
	rc = gb_file_exists(path) ? read_meta(dir, path, &proto) : 0;
	if (rc == 0)
		rc = read_one(&proto, path, gb_results_cols, RC_COUNT, results_row);
	free(path);
	if (rc == 0) {
		path = gb_xasprintf("%s/samples.csv", dir);
		rc = read_one(&proto, path, gb_samples_cols, SC_COUNT, samples_row);
		settle_unseen(r);
		free(path);
	}
	if (rc == 0) {
		path = gb_xasprintf("%s/accuracy.csv", dir);
		if (gb_file_exists(path))
			rc = read_one(&proto, path, gb_accuracy_cols, AC_COUNT, accuracy_row);
		free(path);
	}
	free(dir);
	return rc;
}
