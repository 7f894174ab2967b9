/*
 * cmd-baseline.c - `gbench baseline save RESULTS [--class NAME]`, `gbench
 * baseline list` and `gbench baseline class RESULTS`: the committed
 * baselines compare judges against, one folder per machine class and
 * config (baselines/<class>/<config>/).
 *
 * A save copies the run's results.csv, samples.csv, accuracy.csv, mrc.csv
 * and meta.json (not hist/: compare does not read it, and it is the bulk of
 * a run) into a temp folder beside the target, then swaps it in with one
 * rename (renameat2 RENAME_EXCHANGE over an existing baseline), so a reader
 * sees the old baseline or the new one, never a mix. Only runs fit to judge
 * others are kept: complete, no sanitizers, optimized. A save holds the
 * class's lock (ROOT/.CLASS.lock, lock.h) while it swaps, so two saves into
 * one class cannot race their renames: the second fails at once. Folders
 * a killed save left (.baseline.tmp.PID in ROOT, .CONFIG.tmp.PID and
 * .CONFIG.old.PID in the class) are removed by the next save once their
 * process is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "compare/compare.h"
#include "fsio.h"
#include "cli.h"
#include "gbench.h"
#include "lock.h"
#include "results/results.h"

static const char baseline_usage[] =
	"usage: gbench baseline save RESULTS... [--class NAME] [--root DIR]\n"
	"   or: gbench baseline list [--root DIR] [--json]\n"
	"   or: gbench baseline class RESULTS\n"
	"\n"
	"save   copy a results directory into DIR/<class>/<config>/ atomically, replacing\n"
	"       the baseline there; refuses incomplete runs and sanitizer or debug builds.\n"
	"       Several results directories (runs of separate processes) are kept as\n"
	"       run-1/, run-2/, ...: compare pools them and weighs a verdict against\n"
	"       their spread, which one process cannot show.\n"
	"       The class defaults to the run's machine class (CPU model, cores, devices).\n"
	"list   every saved baseline: class, config, commit, start time, cells\n"
	"class  print the machine class of a results directory\n"
	"\n"
	"    --class NAME    save under this class instead of the run's own\n"
	"    --root DIR      the baselines folder (default: baselines)\n"
	"    --json          list: a JSON array of {path, class, config, commit, start, cells}\n"
	"    -h, --help      show this help\n"
	"\n"
	"exit: 0 ok, 2 refused or bad input, 4 another save holds the class (its pid\n"
	"in DIR/.<class>.lock) or the folder cannot be written; nothing is written\n"
	"unless the exit is 0\n";

static const char *const kept_files[] = {
	"results.csv", "samples.csv", "meta.json", "accuracy.csv", "mrc.csv",
};

static int usage_error(void)
{
	return gb_cli_usage(baseline_usage);
}

/* A class or config name: a non-empty path component of [A-Za-z0-9._-]. */
static int valid_name(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || *s == '.')
		return 0;
	for (; *s; s++)
		if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') ||
		      ('0' <= *s && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* Why this run must not become a baseline, or NULL. */
static const char *unfit(json_t *meta)
{
	json_t *build = json_object_get(meta, "build");
	const char *san = json_string_value(json_object_get(build, "sanitizers"));
	const char *flags = json_string_value(json_object_get(build, "flags"));
	char *copy, *save = NULL;
	int optimized = 0, debug = 0;

	if (!json_is_true(json_object_get(meta, "complete")))
		return "the run is incomplete (meta.json complete is not true)";
	if (!san || strcmp(san, "none"))
		return "the build has sanitizers (meta.json build.sanitizers is not \"none\")";
	if (!flags)
		return "meta.json does not say the build's flags";
	/* Flags are space-separated; the last -O wins, as with the compiler. */
	copy = gb_xstrdup(flags);
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		if (!strncmp(t, "-O", 2)) {
			debug = !strcmp(t, "-O0") || !strcmp(t, "-Og");
			optimized = !debug;
		}
	free(copy);
	if (!optimized)
		return "the build is not optimized (a debug build: no -O level, -O0 or -Og)";
	return NULL;
}

static int copy_file(const char *from, const char *to)
{
	struct gb_atomic a;
	size_t len;
	char *data = gb_read_file(from, &len);

	if (!data)
		return -1;
	if (gb_atomic_open(&a, to) < 0) {
		free(data);
		return -1;
	}
	if (len && fwrite(data, 1, len, a.f) != len) {
		free(data);
		/* the stream is in error: commit names the cause and removes the temp file */
		gb_atomic_commit(&a);
		return -1;
	}
	free(data);
	return gb_atomic_commit(&a);
}

/*
 * Check one run and copy its kept files into `to` (created). The first run
 * fixes the class and config; every later one must match them, and none
 * may hold the measurements of another (seen). 0 or an exit code.
 */
static int save_run(const char *results, const char *klass_opt, const char *to,
		    char **klass, char **config, size_t *cells, json_t *seen)
{
	struct gb_results r = { 0 };
	json_t *meta = NULL;
	const char *why, *cfg;
	char *k = NULL;
	int rc = GB_EXIT_USAGE, lm;

	if (!gb_is_dir(results))
	{
		gb_error("'%s' is not a results directory", results);
		return GB_EXIT_USAGE;
	}
	lm = gb_compare_load_meta(results, &meta);
	if (lm != 0) {
		if (lm > 0)
			gb_error("'%s' has no meta.json: cannot tell what run it is", results);
		goto out;
	}
	if ((why = unfit(meta))) {
		gb_error("refusing to save '%s' as a baseline: %s", results, why);
		goto out;
	}
	/* a run saved twice would narrow the spread between the runs */
	if (gb_results_note_runs(meta, results, seen, "the runs of a baseline are separate "
				 "samples, each saved once") < 0)
		goto out;
	/* Only a run compare can read becomes a baseline. */
	if (gb_results_read(&r, results) < 0)
		goto out;
	cfg = json_string_value(json_object_get(json_object_get(meta, "config"), "name"));
	if (!cfg || !valid_name(cfg)) {
		gb_error("'%s': meta.json config.name is missing or not a folder name", results);
		goto out;
	}
	k = klass_opt ? gb_xstrdup(klass_opt) : gb_machine_class(meta);
	if (!k || !valid_name(k)) {
		if (k)
			gb_error("bad class name '%s'", k);
		else
			gb_error("'%s': meta.json has no host to name a class", results);
		goto out;
	}
	if (*config && (strcmp(*config, cfg) || strcmp(*klass, k))) {
		gb_error("'%s' is %s on %s, the first run %s on %s: one baseline is one config "
			 "on one class", results, cfg, k, *config, *klass);
		goto out;
	}
	if (mkdir(to, 0777) < 0) {
		gb_error("cannot create '%s': %s", to, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < GB_ARRAY_SIZE(kept_files); i++) {
		char *from = gb_xasprintf("%s/%s", results, kept_files[i]);
		char *dst = gb_xasprintf("%s/%s", to, kept_files[i]);
		int ok = !gb_file_exists(from) || copy_file(from, dst) == 0;

		free(from);
		free(dst);
		if (!ok)
			goto out;
	}
	if (!*config) {
		*config = gb_xstrdup(cfg);
		*klass = gb_xstrdup(k);
	}
	*cells = r.n;
	rc = GB_EXIT_OK;
	gb_cli_print_line("  %s (%zu cells, commit %s)", results, r.n,
			  json_string_value(json_object_get(json_object_get(meta, "build"), "commit"))
				  ?: "unknown");
out:
	free(k);
	gb_results_release(&r);
	json_decref(meta);
	return rc;
}

/*
 * Save one run, or several runs (separate processes: compare weighs a
 * verdict against their spread) as run-1/, run-2/, ..., into
 * root/<class>/<config>/, built in a temp folder and swapped in with one
 * rename so a reader never sees half a baseline.
 */
static int baseline_save(char *const *results, size_t n, const char *klass_opt,
			 const char *root)
{
	char *klass = NULL, *config = NULL, *dir = NULL, *dest = NULL, *tmp = NULL;
	char *stage = gb_xasprintf("%s/.baseline.tmp.%ld", root, (long)getpid()), *prefix;
	struct gb_lock lock = { .fd = -1 };
	json_t *seen = json_object();
	size_t cells = 0;
	int rc = GB_EXIT_USAGE, made_root = !gb_is_dir(root);

	if (gb_mkdir_p(root) < 0)
		goto out;
	gb_reclaim(root, ".baseline.tmp.", "the staging folder of a killed baseline save");
	gb_rm_tree(stage);
	if (n > 1 && mkdir(stage, 0777) < 0) {
		gb_error("cannot create '%s': %s", stage, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char *to = n > 1 ? gb_xasprintf("%s/run-%zu", stage, i + 1) : gb_xstrdup(stage);

		rc = save_run(results[i], klass_opt, to, &klass, &config, &cells, seen);
		free(to);
		if (rc)
			goto out;
	}
	dir = gb_xasprintf("%s/%s", root, klass);
	if (gb_lock_take(&lock, dir) < 0) {
		rc = GB_EXIT_ENV;
		goto out;
	}
	rc = GB_EXIT_USAGE;
	dest = gb_xasprintf("%s/%s", dir, config);
	tmp = gb_xasprintf("%s/.%s.tmp.%ld", dir, config, (long)getpid());
	if (gb_mkdir_p(dir) < 0)
		goto out;
	prefix = gb_xasprintf(".%s.tmp.", config);
	gb_reclaim(dir, prefix, "a temp folder of a killed baseline save");
	free(prefix);
	prefix = gb_xasprintf(".%s.old.", config);
	gb_reclaim(dir, prefix, "the old baseline of a killed baseline save");
	free(prefix);
	gb_rm_tree(tmp);
	if (rename(stage, tmp) < 0) {
		gb_error("cannot move '%s' to '%s': %s", stage, tmp, strerror(errno));
		goto out;
	}
	if (gb_is_dir(dest)) {
		/* Swap in one step; the old baseline ends up at tmp. */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_EXCHANGE) < 0) {
			char *old = gb_xasprintf("%s/.%s.old.%ld", dir, config, (long)getpid());

			/* No RENAME_EXCHANGE here (old kernel, some file systems). */
			if (rename(dest, old) < 0 || rename(tmp, dest) < 0) {
				gb_error("cannot replace '%s': %s", dest, strerror(errno));
				free(old);
				goto out;
			}
			gb_rm_tree(old);
			free(old);
		}
	} else if (rename(tmp, dest) < 0) {
		gb_error("cannot create '%s': %s", dest, strerror(errno));
		goto out;
	}
	gb_cli_print_line("saved %zu run%s as baseline %s (class %s, config %s, %zu cells)", n,
			  n == 1 ? "" : "s", dest, klass, config, cells);
	rc = GB_EXIT_OK;
out:
	json_decref(seen);
	gb_rm_tree(stage);
	if (tmp)
		gb_rm_tree(tmp);
	gb_lock_release(&lock);
	if (rc && made_root)
		rmdir(root);    /* a refused save leaves nothing behind */
	free(klass);
	free(config);
	free(dir);
	free(dest);
	free(tmp);
	free(stage);
	return rc;
}

static int visible_dir(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int baseline_list(const char *root, int as_json)
{
	struct dirent **cls;
	int ncls, found = 0;
	json_t *list = json_array();

	if (!gb_is_dir(root)) {
		if (as_json) {
			json_dumpf(list, stdout, 0);
			fputc('\n', stdout);
		} else {
			printf("no baselines: '%s' does not exist\n", root);
		}
		json_decref(list);
		return GB_EXIT_OK;
	}
	ncls = scandir(root, &cls, visible_dir, alphasort);
	if (ncls < 0) {
		json_decref(list);
		gb_error("cannot read '%s': %s", root, strerror(errno));
		return GB_EXIT_USAGE;
	}
	for (int i = 0; i < ncls; i++) {
		char *cdir = gb_xasprintf("%s/%s", root, cls[i]->d_name);
		struct dirent **cfg;
		int ncfg = gb_is_dir(cdir) ? scandir(cdir, &cfg, visible_dir, alphasort) : -1;

		for (int j = 0; j < ncfg; j++) {
			char *bdir = gb_xasprintf("%s/%s", cdir, cfg[j]->d_name);
			json_t *meta = NULL;

			if (gb_is_dir(bdir) && gb_compare_load_meta(bdir, &meta) == 0) {
				json_t *b = json_object_get(meta, "build");
				json_t *cells = json_object_get(meta, "cells");
				const char *commit = json_string_value(json_object_get(b, "commit"));
				const char *start = json_string_value(json_object_get(meta, "start"));
				size_t ncells = json_is_object(cells) ? json_object_size(cells) : 0;

				if (as_json)
					json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I}",
						"path", bdir, "class", cls[i]->d_name, "config", cfg[j]->d_name,
						"commit", commit, "start", start, "cells", (json_int_t)ncells));
				else
					gb_cli_print_line("%-40s  commit %-20s  %-20s  %zu cells",
							  bdir, commit ? commit : "unknown",
							  start ? start : "", ncells);
				found++;
			}
			json_decref(meta);
			free(bdir);
			free(cfg[j]);
		}
		if (ncfg >= 0)
			free(cfg);
		free(cdir);
		free(cls[i]);
	}
	free(cls);
	if (as_json) {
		if (json_dumpf(list, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', stdout) == EOF) {
			json_decref(list);
			gb_error("cannot write to stdout");
			return GB_EXIT_ENV;
		}
	} else if (!found) {
		printf("no baselines in '%s'\n", root);
	}
	json_decref(list);
	return GB_EXIT_OK;
}

static int baseline_class(const char *results)
{
	json_t *meta = NULL;
	char *klass;
	int lm = gb_compare_load_meta(results, &meta);

	if (lm != 0) {
		if (lm > 0)
			gb_error("'%s' has no meta.json", results);
		return GB_EXIT_USAGE;
	}
	klass = gb_machine_class(meta);
	json_decref(meta);
	if (!klass) {
		gb_error("'%s': meta.json has no host to name a class", results);
		return GB_EXIT_USAGE;
	}
	gb_cli_print_line("%s", klass);
	free(klass);
	return GB_EXIT_OK;
}

int cmd_baseline(int argc, char **argv)
{
	enum { OPT_CLASS = 256, OPT_ROOT, OPT_JSON };
	static const struct option opts[] = {
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *klass = NULL, *root = "baselines", *sub;
	int c, nargs, as_json = 0;

	/* Options may come before or after the subcommand (GNU permutes). */
	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(baseline_usage, stdout);
			return GB_EXIT_OK;
		case OPT_CLASS: klass = optarg; break;
		case OPT_ROOT: root = optarg; break;
		case OPT_JSON: as_json = 1; break;
		default:
			return gb_cli_bad_option(c, baseline_usage, opts, argv);
		}
	}
	if (optind >= argc) {
		gb_error("baseline needs a subcommand: save, list or class");
		return usage_error();
	}
	sub = argv[optind];
	nargs = argc - optind - 1;
	if (!strcmp(sub, "save") && nargs >= 1)
		return baseline_save(argv + optind + 1, (size_t)nargs, klass, root);
	if (!strcmp(sub, "list") && nargs == 0)
		return baseline_list(root, as_json);
	if (!strcmp(sub, "class") && nargs == 1)
		return baseline_class(argv[optind + 1]);
	if (strcmp(sub, "save") && strcmp(sub, "list") && strcmp(sub, "class"))
		gb_error("'%s' is not a baseline subcommand: save, list or class", sub);
	else
		gb_error("wrong number of arguments to 'baseline %s'", sub);
	return usage_error();
}
