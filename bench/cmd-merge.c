/*
 * cmd-merge.c - `gbench merge DIR... --out OUT`: the shares of one run,
 * each measured by `gbench run --process I/N` on its own node (a Slurm job
 * array: scripts/slurm/), pooled into one results directory as a run of N
 * processes pools them (run/run-procs.c): per-repetition values appended in
 * the order the folders are given (gb_results_pool), latency histograms
 * merged exactly from each share's hist/<cell>.raw, batch sizes, invalid
 * reasons and events added, meta.json "processes" listing the shares.
 *
 * Shares pool only when they measured the same thing on the same kind of
 * machine: one machine class (gb_machine_class) with caches of the same
 * sizes (gb_machine_caches_differ), one config (its name and hash) and one
 * build commit, and every cell over the same rows of its trace (a time
 * budget's window, meta.json time_plan, is other work);
 * anything else is refused (exit 2) naming both sides, before anything is
 * written, and so are the same measurements twice (a folder given twice,
 * or a pooled folder beside one of its shares: meta.json run_id and
 * pooled_runs) and shares of runs of another N (meta.json share). With
 * --by-class, folders of several classes (a fleet) are grouped and each
 * class pooled into OUT/<class>/, so classes are never mixed and each
 * keeps its own folder.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cmds.h"
#include "compare/compare.h"
#include "config.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "jsonutil.h"
#include "lock.h"
#include "results/results.h"
#include "run/run.h"

static const char merge_usage[] =
	"usage: gbench merge DIR... --out OUT [--by-class]\n"
	"\n"
	"Pool the results directories of the shares of one run (each written by\n"
	"`gbench run --process I/N`, e.g. by the tasks of a Slurm job array:\n"
	"scripts/slurm/) into OUT, as a run of N processes pools its processes:\n"
	"each cell's repetitions appended in the order the DIRs are given, latency\n"
	"histograms merged exactly (hist/<cell>.raw of each share; OUT keeps them\n"
	"too, so pooled folders can be pooled again), batch sizes, invalid reasons\n"
	"and events added; meta.json \"processes\" lists the shares.\n"
	"Every DIR must be a complete run of the same machine class (with caches of\n"
	"the same sizes), config (name and hash) and build commit, over the same\n"
	"rows of each trace (a time budget's windows: give budgeted shares one\n"
	"--windows-of), and shares of runs of one N; no run's measurements twice\n"
	"(a DIR given twice, or a pooled folder beside one of its shares:\n"
	"meta.json run_id, pooled_runs); otherwise nothing is written (exit 2).\n"
	"Shares missing from a run of N are noted (meta.json share).\n"
	"\n"
	"    --out OUT       the pooled results directory (replaced whole)\n"
	"    --by-class      DIRs of several machine classes (a fleet): pool each\n"
	"                    class's shares into OUT/<class>/\n"
	"    -q, --quiet     no progress notes\n"
	"    -h, --help      show this help\n"
	"\n"
	"exit: 0 ok, 2 usage or input error (nothing written), 4 OUT cannot be\n"
	"written or another gbench holds it\n";

/* One share: its folder, meta.json and the identity it must share with the others. */
struct share {
	const char *dir;
	json_t *meta;
	char *klass;
	const char *config, *config_hash, *commit;
	json_t *runs;       /* the ids of the runs it holds (owned; empty for an older run) */
	int count;          /* N of the run it is a share of (--process I/N); 0: not a share */
	json_t *indexes;    /* the shares I it holds, with count (borrowed from meta) */
};

/*
 * Which measurements s holds: its run's meta.json run_id, or a pooled
 * folder's pooled_runs; and which shares of a run of N ("share": count
 * and indexes). 0, or -1 naming what is malformed.
 */
static int share_identity(struct share *s)
{
	char *path = gb_xasprintf("%s/meta.json", s->dir);
	json_t *sh, *v;
	size_t i;
	int rc;

	s->runs = json_array();
	rc = gb_results_run_ids(s->meta, path, s->runs);
	free(path);
	if (rc < 0)
		return -1;
	if (!(sh = json_object_get(s->meta, "share")))
		return 0;
	v = json_object_get(sh, "count");
	s->indexes = json_object_get(sh, "indexes");
	if (!json_is_integer(v) || json_integer_value(v) < 2 ||
	    json_integer_value(v) > GB_MAX_PROCESSES || !json_array_size(s->indexes))
		return gb_error("'%s': meta.json share is not a count of shares with its indexes",
				s->dir);
	s->count = (int)json_integer_value(v);
	json_array_foreach(s->indexes, i, v)
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= s->count)
			return gb_error("'%s': meta.json share has an index outside 0 to %d",
					s->dir, s->count - 1);
	return 0;
}

static int share_load(struct share *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->dir = dir;
	if (!gb_is_dir(dir))
		return gb_error("'%s' is not a results directory", dir);
	switch (gb_compare_load_meta(dir, &s->meta)) {
	case 0: break;
	case 1: return gb_error("'%s' has no meta.json", dir);
	default: return -1;
	}
	if (!json_is_true(json_object_get(s->meta, "complete")))
		return gb_error("'%s' is an incomplete run (meta.json complete is not true)", dir);
	s->klass = gb_machine_class(s->meta);
	s->config = gb_json_str(s->meta, "config", "name");
	s->config_hash = gb_json_str(s->meta, "config_hash", NULL);
	s->commit = gb_json_str(s->meta, "build", "commit");
	if (!s->klass || !s->config || !s->commit)
		return gb_error("'%s': meta.json lacks the host, config name or build commit", dir);
	return share_identity(s);
}

static void share_release(struct share *s)
{
	json_decref(s->meta);
	json_decref(s->runs);
	free(s->klass);
}

/*
 * The same measurements twice (a folder given twice, or with a pooled
 * folder that holds it) would count twice; shares of runs of another N do
 * not pool into a run of N processes. 0, or -1 naming both folders.
 */
static int shares_distinct(const struct share *s, size_t n)
{
	json_t *seen = json_object();
	int rc = 0;

	for (size_t a = 0; a < n && rc == 0; a++) {
		for (size_t b = a + 1; b < n && rc == 0; b++)
			if (s[a].count && s[b].count && s[a].count != s[b].count)
				rc = gb_error("'%s' holds shares of a run of %d (--process I/%d) "
					      "and '%s' of a run of %d: not pooled", s[a].dir,
					      s[a].count, s[a].count, s[b].dir, s[b].count);
		if (rc == 0)
			rc = gb_results_note_ids(s[a].runs, s[a].dir, seen, "pooled twice, its "
						 "repetitions would count twice (meta.json run_id; "
						 "a pooled folder's pooled_runs)");
	}
	json_decref(seen);
	return rc;
}

/*
 * The first cell that a and b replayed over different windows of its
 * trace (a time budget's plan, meta.json time_plan: other work), or NULL.
 */
static const char *window_differs(json_t *a, json_t *b)
{
	json_t *sides[2] = { a, b }, *c;
	const char *id;

	for (int s = 0; s < 2; s++)
		json_object_foreach(json_object_get(json_object_get(sides[s], "time_plan"), "cells"),
				    id, c)
			if (gb_compare_cell_window(a, id) != gb_compare_cell_window(b, id))
				return id;
	return NULL;
}

/* 0 when b may be pooled with a, else -1 naming what differs on both sides. */
static int share_match(const struct share *a, const struct share *b)
{
	char caches[512];
	const char *id;

	if (!gb_str_same(a->klass, b->klass))
		return gb_error("'%s' ran on machine class '%s' and '%s' on '%s': not pooled (--by-class keeps each class apart)",
				a->dir, a->klass, b->dir, b->klass);
	if (gb_machine_caches_differ(a->meta, b->meta, "in the first", "in the second", caches,
				     sizeof(caches)))
		return gb_error("'%s' and '%s' ran on machine class '%s' on different hardware "
				"(caches: %s): not pooled", a->dir, b->dir, a->klass, caches);
	if (!gb_str_same(a->config, b->config) || !gb_str_same(a->config_hash, b->config_hash))
		return gb_error("'%s' ran config '%s' (hash %s) and '%s' config '%s' (hash %s): not pooled",
				a->dir, a->config, a->config_hash ? a->config_hash : "none", b->dir,
				b->config, b->config_hash ? b->config_hash : "none");
	if (!gb_str_same(a->commit, b->commit))
		return gb_error("'%s' was built from commit '%s' and '%s' from '%s': not pooled",
				a->dir, a->commit, b->dir, b->commit);
	if ((id = window_differs(a->meta, b->meta))) {
		char wa[48], wb[48];

		return gb_error("'%s' replayed %s and '%s' %s of cell '%s''s trace a repetition (a "
				"time budget's window, meta.json time_plan): other work, not pooled",
				a->dir, gb_compare_window_words(a->meta, id, wa, sizeof(wa)), b->dir,
				gb_compare_window_words(b->meta, id, wb, sizeof(wb)), id);
	}
	return 0;
}

static void add_int(json_t *dst, json_t *src, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(dst, key)) +
		       json_integer_value(json_object_get(src, key));

	if (dst)
		json_object_set_new(dst, key, json_integer(v));
}

static int share_has_hgrm(const char *dir, const char *id)
{
	char *p = gb_xasprintf("%s/hist/%s.hgrm", dir, id);
	int yes = gb_file_exists(p);

	free(p);
	return yes;
}

/*
 * With a time budget, the pooled meta.json time_plan sums the shares':
 * each cell's repetitions, shares and plans, a cell short in any share
 * short, shares[] and cells.<id>.by_process listing each share's (a
 * share that was itself pooled counts as one).
 */
static void pool_time_plans(json_t *meta, const struct share *s, size_t n)
{
	static const char *const own[] = {
		"shares", "shares_note", "share_note", "process", "share_s", "started_s",
		"elapsed_s",
	};
	json_t *tp = json_object_get(meta, "time_plan"), *jc;
	const char *id;

	if (!json_is_number(json_object_get(tp, "budget_s")))
		return;
	for (size_t i = 0; i < GB_ARRAY_SIZE(own); i++)
		json_object_del(tp, own[i]);
	json_object_foreach(json_object_get(tp, "cells"), id, jc)
		json_object_del(jc, "by_process");
	for (size_t p = 0; p < n; p++) {
		json_t *stp = json_object_get(s[p].meta, "time_plan");

		gb_run_add_share_plan(tp, stp, (uint32_t)p,
				      json_number_value(json_object_get(stp, "elapsed_s")));
	}
	/* each share planned and calibrated for itself: the pooled plan is their sum */
	{
		json_t *shares = json_object_get(tp, "shares");
		double planned = 0, calib = 0;

		for (size_t p = 0; p < n; p++) {
			json_t *stp = json_object_get(s[p].meta, "time_plan");
			json_t *c = json_object_get(stp, "calibration_s");

			planned += json_number_value(json_object_get(stp, "planned_total_s"));
			calib += json_number_value(c);
			if (json_is_number(c))
				json_object_set(json_array_get(shares, p), "calibration_s", c);
		}
		json_object_set_new(tp, "planned_total_s", json_real(planned));
		json_object_set_new(tp, "calibration_s", json_real(calib));
		json_object_set_new(tp, "calibration_pooled_note", json_string(
			"each share calibrated for itself: calibration is share 1's probes, "
			"calibration_s and planned_total_s the shares' sums (shares[i] has each one's)"));
	}
	json_object_set_new(tp, "processes", json_integer((json_int_t)n));
	gb_run_sum_share_plans(tp, "pooled by gbench merge from the shares in merged_from, "
		"in that order (shares[i] and by_process[i] are share i's, ended_s its "
		"time_plan elapsed_s); cells.<id> sums the shares' repetitions, shares and "
		"plans; each share's own meta.json time_plan says how it took its part of "
		"the budget");
}

/*
 * The pooled meta.json's identity: pooled_runs, every share's run ids in
 * order (so that a later merge refuses to pool one of them again), no
 * run_id of its own; and "share" where every share had one (all of a run
 * of N), their indexes and those missing, with a note when some are.
 */
static void pool_identity(json_t *meta, const struct share *s, size_t n)
{
	json_t *runs = json_array(), *idx = json_array(), *missing = json_array(), *v;
	int all = 1;
	size_t i;

	for (size_t p = 0; p < n; p++) {
		json_array_extend(runs, s[p].runs);
		all &= s[p].count > 0;
		json_array_foreach(s[p].indexes, i, v)
			json_array_append(idx, v);
	}
	json_object_del(meta, "run_id");
	json_object_set_new(meta, "pooled_runs", runs);
	if (!all) {
		json_object_del(meta, "share");
		json_decref(idx);
		json_decref(missing);
		return;
	}
	for (int k = 0; k < s[0].count; k++) {
		int seen = 0;

		json_array_foreach(idx, i, v)
			seen |= json_integer_value(v) == k;
		if (!seen)
			json_array_append_new(missing, json_integer(k));
	}
	if (json_array_size(missing)) {
		json_t *first = json_array_get(missing, 0);

		gb_note("gbench merge: %zu of the %d shares missing (--process %lld/%d%s): the "
			"pool holds fewer repetitions than a run of %d processes (meta.json "
			"share.missing)", json_array_size(missing), s[0].count,
			(long long)json_integer_value(first), s[0].count,
			json_array_size(missing) > 1 ? ", ..." : "", s[0].count);
	}
	json_object_set_new(meta, "share", json_pack("{s:i, s:o, s:o, s:s}", "count", s[0].count,
		"indexes", idx, "missing", missing,
		"note", "the shares I (0-based, --process I/N) of a run of N that this pooled "
		"folder holds, in the order pooled, and those it lacks"));
}

/* Pool the shares s[0..n) into res and build the pooled meta.json; 0 or -1. */
static int pool(struct share *s, size_t n, struct gb_results *res, json_t **meta_out)
{
	json_t *meta = json_deep_copy(s[0].meta), *runs = json_array(), *counts = json_object();
	json_t *cells, *events, *turns, *from = json_array();
	size_t *seen = NULL;
	int complete = 1;

	json_object_del(meta, "manifest");     /* gb_results_write adds the new one */
	events = json_object_get(meta, "events");
	turns = json_object_get(meta, "turns");
	for (size_t p = 0; p < n; p++) {
		struct gb_results got = { 0 };
		json_t *jcells = json_object_get(s[p].meta, "cells");
		const char *st = gb_json_str(s[p].meta, "start", NULL);
		const char *en = gb_json_str(s[p].meta, "end", NULL);

		gb_note("gbench: merge: share %zu of %zu: %s", p + 1, n, s[p].dir);
		if (gb_results_read(&got, s[p].dir) < 0) {
			gb_results_release(&got);
			goto fail;
		}
		gb_results_pool(res, &got);
		gb_results_release(&got);
		seen = gb_xrealloc(seen, (res->n + 1) * sizeof(*seen));
		for (size_t i = 0; i < res->n; i++) {
			struct gb_cell_result *c = &res->cells[i];
			char *raw = gb_xasprintf("%s/hist/%s.raw", s[p].dir, c->id);
			json_t *jc = json_object_get(jcells, c->id), *a;
			size_t now = gb_cell_reps(c);

			if (jc)
				gb_run_merge_cell_meta(c, jc, (uint32_t)p);
			if (gb_file_exists(raw)) {
				if (!c->has_hist) {
					if (gb_hist_init(&c->hist) < 0) {
						free(raw);
						goto fail;
					}
					c->has_hist = 1;
				}
				if (gb_run_merge_hist(c, s[p].dir) < 0) {
					free(raw);
					goto fail;
				}
			} else if (c->has_hist || share_has_hgrm(s[p].dir, c->id)) {
				/* without every share's histogram the pooled one would be a part posing as the whole */
				gb_error("'%s' has no exact histogram of cell '%s' (hist/%s.raw): was it run with --process I/N?",
					 s[p].dir, c->id, c->id);
				free(raw);
				goto fail;
			}
			free(raw);
			if (!(a = json_object_get(counts, c->id))) {
				a = json_array();
				json_object_set_new(counts, c->id, a);
				/* cells new in this share had no repetitions before it */
				for (size_t q = 0; q < p; q++)
					json_array_append_new(a, json_integer(0));
				seen[i] = 0;
			}
			json_array_append_new(a, json_integer((json_int_t)(now - seen[i])));
			seen[i] = now;
		}
		json_array_append_new(runs, json_pack("{s:i, s:s, s:n, s:i}", "share", (int)p,
			"source", s[p].dir, "pid", "exit", 0));
		json_array_append_new(from, json_string(s[p].dir));
		if (p > 0) {
			json_t *ev = json_object_get(s[p].meta, "events"), *tu = json_object_get(s[p].meta, "turns");

			add_int(events, ev, "enomem_splits");
			add_int(events, ev, "cpu_fallbacks");
			add_int(events, ev, "validation_messages");
			add_int(turns, tu, "count");
			add_int(turns, tu, "warmups");
		}
		/* ISO 8601 UTC times compare as strings: the earliest start, the latest end */
		if (st && strcmp(st, gb_json_str(meta, "start", NULL) ?
				 gb_json_str(meta, "start", NULL) : "~") < 0)
			json_object_set_new(meta, "start", json_string(st));
		if (en && strcmp(en, gb_json_str(meta, "end", NULL) ?
				 gb_json_str(meta, "end", NULL) : "") > 0)
			json_object_set_new(meta, "end", json_string(en));
		complete &= json_is_true(json_object_get(s[p].meta, "complete"));
	}
	/* each cell's validity, invalid reasons and batch sizes, now over every share */
	cells = json_object_get(meta, "cells");
	for (size_t i = 0; cells && i < res->n; i++) {
		const struct gb_cell_result *c = &res->cells[i];
		json_t *jc = json_object_get(cells, c->id), *iv = json_array(), *bs = json_object();

		if (!jc) {
			jc = json_object();
			json_object_set_new(cells, c->id, jc);
		}
		for (char **r = c->invalid; r && *r; r++)
			json_array_append_new(iv, json_string(*r));
		for (uint32_t b = 1; b < c->nbatch_sizes; b++)
			if (c->batch_sizes[b]) {
				char key[16];

				snprintf(key, sizeof(key), "%u", b);
				json_object_set_new(bs, key, json_integer((json_int_t)c->batch_sizes[b]));
			}
		json_object_set_new(jc, "validity", json_string(c->invalid ? "INVALID" : "VALID"));
		json_object_set_new(jc, "invalid_reasons", iv);
		json_object_set_new(jc, "batch_sizes", bs);
	}
	json_object_set_new(meta, "processes", json_pack("{s:i, s:o, s:o, s:s}", "count", (int)n,
		"runs", runs, "repetitions", counts,
		"note", "pooled by gbench merge from the shares in merged_from, in that order: "
			"repetitions.<cell> lists how many came from each share"));
	json_object_set_new(meta, "merged_from", from);
	json_object_set_new(meta, "complete", json_boolean(complete));
	pool_time_plans(meta, s, n);
	pool_identity(meta, s, n);
	free(seen);
	*meta_out = meta;
	return 0;
fail:
	free(seen);
	json_decref(meta);
	json_decref(runs);
	json_decref(counts);
	json_decref(from);
	return -1;
}

/* A copy of src's mrc.csv (the same trace simulated: every share's is the same) into dir. */
static int copy_mrc(const char *src, const char *dir)
{
	char *from = gb_xasprintf("%s/mrc.csv", src), *to = gb_xasprintf("%s/mrc.csv", dir), *text;
	struct gb_atomic a;
	size_t len;
	int rc = 0;

	if (gb_file_exists(from)) {
		rc = -1;
		if ((text = gb_read_file(from, &len)) && gb_atomic_open(&a, to) == 0) {
			fwrite(text, 1, len, a.f);
			rc = gb_atomic_commit(&a);
		}
		free(text);
	}
	free(from);
	free(to);
	return rc;
}

/* Pool s[0..n) into out (locked, staged, put in place whole); an exit code. */
static int merge_into(struct share *s, size_t n, const char *out)
{
	struct gb_results res = { .raw_hists = 1 };
	struct gb_lock lock = { .fd = -1 };
	json_t *meta = NULL;
	char *stage = NULL;
	int rc = GB_EXIT_USAGE;

	for (size_t i = 1; i < n; i++)
		if (share_match(&s[0], &s[i]) < 0)
			return GB_EXIT_USAGE;
	if (shares_distinct(s, n) < 0)
		return GB_EXIT_USAGE;
	if (pool(s, n, &res, &meta) < 0)
		goto out;
	rc = GB_EXIT_ENV;
	if (gb_lock_take(&lock, out) < 0)
		goto out;
	if (!(stage = gb_results_stage(out)) || copy_mrc(s[0].dir, stage) < 0 ||
	    gb_results_write(&res, stage, meta) < 0 || gb_results_publish(stage, out) < 0)
		goto out;
	gb_cli_print_line("%zu shares of '%s' (%s, commit %s) pooled into %s", n, s[0].config,
			  s[0].klass, s[0].commit, out);
	rc = GB_EXIT_OK;
out:
	gb_lock_release(&lock);
	free(stage);
	json_decref(meta);
	gb_results_release(&res);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "by-class", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL;
	struct share *s;
	size_t n;
	int c, by_class = 0, rc = GB_EXIT_USAGE;

	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "ho:q", opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(merge_usage, stdout);
			return GB_EXIT_OK;
		case 'o': out = optarg; break;
		case 'c': by_class = 1; break;
		case 'q': gb_quiet = 1; break;
		default:
			return gb_cli_bad_option(c, merge_usage, opts, argv);
		}
	}
	if (!out || optind >= argc) {
		gb_error(out ? "merge needs the DIRs to pool" : "merge needs --out OUT");
		return gb_cli_usage(merge_usage);
	}
	n = (size_t)(argc - optind);
	s = gb_xcalloc(n, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		if (share_load(&s[i], argv[optind + i]) < 0)
			goto done;
	if (!by_class) {
		rc = merge_into(s, n, out);
		goto done;
	}
	/* a fleet: each class's shares, in the order given, into OUT/<class>/ */
	{
		struct share *g = gb_xcalloc(n, sizeof(*g));
		char *done_mark = gb_xcalloc(n, 1);

		rc = GB_EXIT_OK;
		for (size_t i = 0; i < n && rc == GB_EXIT_OK; i++) {
			size_t k = 0;
			char *name, *dir;

			if (done_mark[i])
				continue;
			for (size_t j = i; j < n; j++)
				if (!done_mark[j] && gb_str_same(s[j].klass, s[i].klass)) {
					g[k++] = s[j];
					done_mark[j] = 1;
				}
			name = gb_escape_fname(s[i].klass);
			dir = gb_xasprintf("%s/%s", out, name);
			rc = gb_mkdir_p(out) < 0 ? GB_EXIT_ENV : merge_into(g, k, dir);
			free(name);
			free(dir);
		}
		free(g);
		free(done_mark);
	}
done:
	for (size_t i = 0; i < n; i++)
		share_release(&s[i]);
	free(s);
	return rc;
}
