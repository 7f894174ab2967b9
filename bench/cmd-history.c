/*
 * cmd-history.c - `gbench history add|list|show|check`: every run kept in
 * a store (bench/history/: SQLite by default), trend charts of one cell x
 * metric, and persistent shifts found by change-point detection over each
 * gating series (history/changepoint.h says which detector and why).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "cli.h"
#include "gbench.h"
#include "history/changepoint.h"
#include "history/chart.h"
#include "history/history.h"

static const char history_usage[] =
	"usage: gbench history add RESULTS... [--branch NAME]\n"
	"   or: gbench history list\n"
	"   or: gbench history show CELL METRIC [--out DIR]\n"
	"   or: gbench history check [--metric M,...] [--min-shift 1%]\n"
	"\n"
	"add    keep results directories in the store: per cell x metric the median\n"
	"       over the run's repetitions, with the run's machine class, config, commit,\n"
	"       branch and start time; all of them or, on any error, none (one\n"
	"       transaction; a killed add leaves the store as it was). A run already\n"
	"       there is left as it is.\n"
	"list   every run in the store, oldest first within branch, class and config\n"
	"show   one cell x metric run by run, and its trend chart as DIR/history-CELL.\n"
	"       METRIC.svg and .png (with .dat and .gp beside them; default DIR: .)\n"
	"check  look for persistent shifts in each gating series (wall_ns, latency_p50_ns,\n"
	"       sim_ir) of each branch, class and config: PELT over the log of the\n"
	"       medians with a penalty of 4 sigma^2 ln n, sigma the run-to-run noise\n"
	"       estimated from the series; a shift must hold 5 runs and exceed\n"
	"       --min-shift. Each is printed with the commits between which it began.\n"
	"\n"
	"    --history FILE  the store (default $XDG_DATA_HOME/gbench/history.sqlite,\n"
	"                    else ~/.local/share/gbench/history.sqlite)\n"
	"    --branch NAME   add: the runs' branch (default meta.json's, else main);\n"
	"                    list, show, check: only this branch\n"
	"    --class NAME, --config NAME   list, show, check: only this machine class, config\n"
	"    --metric M,...  check: these metrics instead of the gating ones\n"
	"    --min-shift S   check: smaller shifts are ignored (default 1%)\n"
	"    --out DIR       show: where the chart goes (default .)\n"
	"    -q, --quiet     no progress notes\n"
	"    -h, --help      show this help\n"
	"\n"
	"exit: 0 ok (check: no persistent regression), 1 check found a regression,\n"
	"2 usage or input error (nothing added), 4 the store cannot be opened, read or\n"
	"written\n";

static const char *const gating[] = { "wall_ns", "latency_p50_ns", "sim_ir", NULL };

struct hopts {
	const char *path, *branch, *klass, *config, *out;
	char **metrics;
	double min_shift;
};

static int usage_error(void)
{
	return gb_cli_usage(history_usage);
}

static int parse_share(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return gb_error("bad shift '%s': write 1%% or 0.01", s);
	if (*end == '%' && end[1] == 0)
		v /= 100;
	else if (*end)
		return gb_error("bad shift '%s': write 1%% or 0.01", s);
	if (!(v >= 0 && v < 10))
		return gb_error("shift '%s' out of range", s);
	*out = v;
	return 0;
}

static int higher_better(const struct gb_history_series *s)
{
	return !strcmp(s->unit, "req/s") || strstr(s->metric, "throughput") ||
	       strstr(s->metric, "hit_rate");
}

static int history_add(struct hopts *o, int argc, char **argv)
{
	struct gb_history h;
	size_t added, known;
	int existed;

	if (argc < 1) {
		gb_error("history add needs RESULTS");
		return usage_error();
	}
	if (gb_history_open(&h, o->path, 1) < 0)
		return GB_EXIT_ENV;
	existed = h.existed;
	if (gb_history_add(&h, argv, (size_t)argc, o->branch, &added, &known) < 0) {
		/* an input error writes nothing: not even the empty store this add made */
		char *path = gb_xstrdup(h.path);

		gb_history_close(&h);
		if (!existed)
			unlink(path);
		free(path);
		return GB_EXIT_USAGE;
	}
	if (known)
		gb_cli_print_line("%zu run%s added to %s (%zu already there)", added,
				  added == 1 ? "" : "s", h.path, known);
	else
		gb_cli_print_line("%zu run%s added to %s", added, added == 1 ? "" : "s", h.path);
	gb_history_close(&h);
	return GB_EXIT_OK;
}

static int history_list(struct hopts *o)
{
	struct gb_history h;
	struct gb_history_filter f = { .branch = o->branch, .klass = o->klass, .config = o->config };
	struct gb_history_run *runs;
	size_t n;

	if (gb_history_open(&h, o->path, 0) < 0)
		return GB_EXIT_ENV;
	if (h.iface->runs(h.ctx, &f, &runs, &n) < 0) {
		gb_history_close(&h);
		return GB_EXIT_ENV;
	}
	printf("%-6s %-12s %-10s %-14s %-22s %7s  %s\n", "run", "branch", "config", "commit",
	       "start", "points", "class");
	for (size_t i = 0; i < n; i++)
		gb_cli_print_line("%-6lld %-12s %-10s %-14s %-22s %7zu  %s", (long long)runs[i].id,
				  runs[i].branch, runs[i].config, runs[i].commit, runs[i].start,
				  runs[i].npoints, runs[i].klass);
	gb_cli_print_line("%zu run%s in %s", n, n == 1 ? "" : "s", h.path);
	gb_history_runs_free(runs, n);
	gb_history_close(&h);
	return GB_EXIT_OK;
}

struct show {
	struct hopts *o;
	size_t nseries;
	int failed;
};

static int show_series(void *arg, const struct gb_history_series *s)
{
	struct show *sh = arg;
	struct gb_changepoint *cp;
	size_t ncp = gb_changepoints(s->v, s->n, sh->o->min_shift, &cp), k = 0;
	char *name;
	int drawn;

	sh->nseries++;
	gb_cli_print_line("%s %s (%s) on %s, %s, branch %s: %zu runs", s->cell, s->metric, s->unit,
			  s->klass, s->config, s->branch, s->n);
	printf("%5s  %-14s %-22s %s\n", "run", "commit", "start", "median");
	for (size_t i = 0; i < s->n; i++) {
		const char *mark = "";

		if (k < ncp && cp[k].index == i) {
			mark = "   <- shift begins";
			k++;
		}
		gb_cli_print_line("%5zu  %-14s %-22s %.6g%s", i + 1, s->commit[i], s->start[i], s->v[i],
				  mark);
	}
	if (gb_history_chart(s, cp, ncp, sh->o->out, &name, &drawn) < 0)
		sh->failed = 1;
	else if (drawn)
		gb_cli_print_line("chart: %s/%s.svg, %s/%s.png", sh->o->out, name, sh->o->out, name);
	free(name);
	free(cp);
	return 0;
}

static int history_show(struct hopts *o, int argc, char **argv)
{
	struct gb_history h;
	struct show sh = { .o = o };
	struct gb_history_filter f = { .branch = o->branch, .klass = o->klass, .config = o->config };
	int rc;

	if (argc != 2) {
		gb_error("history show needs CELL and METRIC");
		return usage_error();
	}
	f.cell = argv[0];
	f.metric = argv[1];
	if (gb_history_open(&h, o->path, 0) < 0)
		return GB_EXIT_ENV;
	rc = gb_history_walk(&h, &f, show_series, &sh);
	gb_history_close(&h);
	if (rc < 0 || sh.failed)
		return GB_EXIT_ENV;
	if (!sh.nseries) {
		gb_error("no history of cell '%s' metric '%s'", argv[0], argv[1]);
		return GB_EXIT_USAGE;
	}
	return GB_EXIT_OK;
}

struct check {
	struct hopts *o;
	size_t series, shifts, regressions;
};

static int wanted(char *const *metrics, const char *m)
{
	for (size_t i = 0; metrics[i]; i++)
		if (!strcmp(metrics[i], m))
			return 1;
	return 0;
}

static int check_series(void *arg, const struct gb_history_series *s)
{
	struct check *ck = arg;
	struct gb_changepoint *cp;
	size_t ncp;

	if (!wanted(ck->o->metrics ? ck->o->metrics : (char **)gating, s->metric))
		return 0;
	ck->series++;
	ncp = gb_changepoints(s->v, s->n, ck->o->min_shift, &cp);
	for (size_t i = 0; i < ncp; i++) {
		size_t j = cp[i].index;
		int worse = higher_better(s) ? cp[i].shift < 0 : cp[i].shift > 0;

		ck->shifts++;
		ck->regressions += worse;
		gb_cli_print_line("%-11s %s %s: %+.2f%% (%.6g -> %.6g %s) from run %zu of %zu, "
				  "between commits %s (%s) and %s (%s) [%s, %s, branch %s]",
				  worse ? "REGRESSION" : "improvement", s->cell, s->metric,
				  cp[i].shift * 100, cp[i].before, cp[i].after, s->unit, j + 1, s->n,
				  s->commit[j - 1], s->start[j - 1], s->commit[j], s->start[j],
				  s->klass, s->config, s->branch);
	}
	free(cp);
	return 0;
}

static int history_check(struct hopts *o, int argc)
{
	struct gb_history h;
	struct check ck = { .o = o };
	struct gb_history_filter f = { .branch = o->branch, .klass = o->klass, .config = o->config };
	int rc;

	if (argc) {
		gb_error("history check takes no arguments");
		return usage_error();
	}
	if (gb_history_open(&h, o->path, 0) < 0)
		return GB_EXIT_ENV;
	rc = gb_history_walk(&h, &f, check_series, &ck);
	gb_history_close(&h);
	if (rc < 0)
		return GB_EXIT_ENV;
	printf("%zu series checked: %zu persistent shift%s, %zu regression%s\n", ck.series,
	       ck.shifts, ck.shifts == 1 ? "" : "s", ck.regressions,
	       ck.regressions == 1 ? "" : "s");
	return ck.regressions ? GB_EXIT_REGRESSION : GB_EXIT_OK;
}

int cmd_history(int argc, char **argv)
{
	enum { OPT_HISTORY = 256, OPT_BRANCH, OPT_CLASS, OPT_CONFIG, OPT_METRIC, OPT_MIN_SHIFT,
	       OPT_OUT };
	static const struct option opts[] = {
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "branch", required_argument, NULL, OPT_BRANCH },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "min-shift", required_argument, NULL, OPT_MIN_SHIFT },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hopts o = { .out = ".", .min_shift = GB_CP_MIN_SHIFT };
	const char *sub;
	int c, rc;

	optind = 0;
	opterr = 0;
	/* options may come before or after the subcommand (GNU getopt permutes) */
	while ((c = gb_cli_getopt(argc, argv, "hq", opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(history_usage, stdout);
			gb_strv_free(o.metrics);
			return GB_EXIT_OK;
		case 'q': gb_quiet = 1; break;
		case OPT_HISTORY: o.path = optarg; break;
		case OPT_BRANCH: o.branch = optarg; break;
		case OPT_CLASS: o.klass = optarg; break;
		case OPT_CONFIG: o.config = optarg; break;
		case OPT_OUT: o.out = optarg; break;
		case OPT_METRIC:
			gb_strv_free(o.metrics);
			o.metrics = gb_strv_split(optarg);
			if (!o.metrics[0]) {
				gb_error("--metric names no metric");
				goto bad;
			}
			break;
		case OPT_MIN_SHIFT:
			if (parse_share(optarg, &o.min_shift) < 0)
				goto bad;
			break;
		default:
			gb_strv_free(o.metrics);
			return gb_cli_bad_option(c, history_usage, opts, argv);
		}
	}
	if (optind >= argc) {
		gb_error("history needs a subcommand: add, list, show or check");
		goto bad;
	}
	sub = argv[optind++];
	if (!strcmp(sub, "add"))
		rc = history_add(&o, argc - optind, argv + optind);
	else if (!strcmp(sub, "list")) {
		if (optind < argc) {
			gb_error("history list takes no arguments");
			goto bad;
		}
		rc = history_list(&o);
	}
	else if (!strcmp(sub, "show"))
		rc = history_show(&o, argc - optind, argv + optind);
	else if (!strcmp(sub, "check"))
		rc = history_check(&o, argc - optind);
	else {
		gb_error("unknown history subcommand '%s'", sub);
		goto bad;
	}
	gb_strv_free(o.metrics);
	return rc;
bad:
	gb_strv_free(o.metrics);
	return usage_error();
}
