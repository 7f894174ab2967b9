/*
 * cmd-compare.c - `gbench compare BASELINE CURRENT`: read both results,
 * check their meta.json, judge every cell x metric (compare.c), print the
 * table and write the requested files. Exit 1 on a gating regression, else
 * 3 when a gating metric is inconclusive or on one side only (0 with
 * --allow-inconclusive), else 0; 2 when the inputs cannot be read or
 * compared.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "compare/compare.h"
#include "compare/counts.h"
#include "compare/spread.h"
#include "cli.h"
#include "escape.h"
#include "gbench.h"
#include "history/compare-hook.h"
#include "results/results.h"

static const char compare_usage[] =
	"usage: gbench compare BASELINE CURRENT [--threshold 5%] [--alpha 0.01] [--metric M,...]\n"
	"                      [--markdown FILE] [--junit FILE] [--json FILE] [--all]\n"
	"                      [--paired] [--allow-inconclusive] [--min-delta-ns D]\n"
	"                      [--history[=FILE]] [--spread DIR|none] [--counts FILE]\n"
	"\n"
	"Judge a run against a baseline, cell by cell and metric by metric. BASELINE\n"
	"and CURRENT are results directories or their results.csv (samples.csv and\n"
	"meta.json beside it), or folders of runs (run-1/, ...: a saved baseline of\n"
	"several, or the A and B runs of perf-gate.sh). The process is the unit:\n"
	"each process's median is one value (meta.json says which repetitions came\n"
	"from which process), and a metric regresses when Student's t on the logs\n"
	"of the two sides' process medians gives p < alpha after Holm-Bonferroni\n"
	"over the gating rows and the estimated ratio is beyond the threshold. With\n"
	"fewer than 2 processes a side no spread can be estimated: such a row is\n"
	"judged with the spread between processes recorded for the machine class\n"
	"(--spread), and without one a change beyond the threshold is inconclusive\n"
	"(run with --processes 3 or more). Simulated\n"
	"counts (sim_ir) use a 0.1% threshold and no test, and do not gate when a\n"
	"side's repetitions disagree (non-deterministic). A time changing by less\n"
	"than --min-delta-ns never gates. The machine probe is reported, not applied.\n"
	"Gating by default: wall_ns, latency_p50_ns, sim_ir (throughput_rps is\n"
	"wall_ns again: reported).\n"
	"\n"
	"    --threshold T   a change beyond a factor of 1+T is material: 5% or 0.05\n"
	"                    (default 5%, simulated counts 0.1%; given, it applies to all)\n"
	"    --alpha A       family-wise test level (default 0.01)\n"
	"    --paired        process i of BASELINE and of CURRENT ran next to each other\n"
	"                    (A/B, alternating): a paired test; different configs or\n"
	"                    machine classes on the two sides are an error\n"
	"    --allow-inconclusive  exit 0 instead of 3 when nothing regressed but\n"
	"                    something could not be told\n"
	"    --min-delta-ns D  the clock's resolution floor for times (default 100)\n"
	"    --metric M,...  the metrics that gate (replacing the defaults);\n"
	"                    +M,... adds them to the defaults\n"
	"    --markdown FILE a summary for a pull-request comment\n"
	"    --junit FILE    JUnit XML, one testcase per cell x metric\n"
	"    --json FILE     every row as JSON\n"
	"    --seed S        recorded with the results (the process test draws nothing)\n"
	"    --resamples N, --no-machine-speed  accepted for old scripts; no effect\n"
	"    --all           list every row, not only what changed\n"
	"    --history[=FILE] each cell x metric's threshold from its history in the\n"
	"                    store (gbench history; default store without =FILE) where\n"
	"                    it has 50 runs or more: Q3 + 3 IQR of the relative changes\n"
	"                    between consecutive runs over the last 100 (at least 0.1%)\n"
	"    --spread DIR    where a side has fewer than 2 processes: the spread between\n"
	"                    processes recorded in DIR's runs (default, where it exists:\n"
	"                    $GB_BASELINES or ./baselines, then CLASS/CONFIG of CURRENT's\n"
	"                    meta.json, the runs `baseline save` keeps); none: do not\n"
	"    --counts FILE   counts first: FILE is the --json of a compare of the same\n"
	"                    builds' instruction counts (--metric sim_ir); a gating time\n"
	"                    row that time leaves inconclusive is unchanged where its\n"
	"                    cell's count gates and is unchanged there\n"
	"    -h, --help      show this help\n"
	"\n"
	"FILE '-' is stdout (one of them at most; the verdict table then goes to\n"
	"stderr). Output paths are checked before anything is read.\n"
	"\n"
	"Exit: 0 no regression, 1 regression, 2 unreadable or incomparable inputs\n"
	"(a results directory whose files do not match its meta.json manifest among\n"
	"them), 3 inconclusive (a gating cell x metric on one side only among them;\n"
	"0 with --allow-inconclusive). Different machine classes or trace contents\n"
	"are warnings (errors with --paired).\n"
	"Colour only on a terminal, and never with NO_COLOR set.\n";

/*
 * The spread between processes for rows whose sides are too small to
 * estimate their own: dir ("none": no), or the runs kept for CURRENT's
 * machine class and config where they exist. 0, or -1 (a named dir that
 * cannot be read).
 */
static int load_spread(const struct gb_compare *c, const char *dir, struct gb_compare_opts *o,
		       struct gb_spread **s, char **auto_dir)
{
	const char *root = getenv("GB_BASELINES");
	int rc;

	if (c->nbase_procs >= GB_COMPARE_MIN_PROCS && c->ncur_procs >= GB_COMPARE_MIN_PROCS)
		return 0;   /* both sides estimate their own */
	if (dir && !strcmp(dir, "none"))
		return 0;
	if (!dir) {
		/* names from meta.json reach a path only when they are file names */
		if (!c->cur.klass || !c->cur.config || !gb_fname_is_safe(c->cur.klass) ||
		    !gb_fname_is_safe(c->cur.config))
			return 0;
		*auto_dir = gb_xasprintf("%s/%s/%s", root && *root ? root : "baselines", c->cur.klass,
					 c->cur.config);
		dir = *auto_dir;
	}
	rc = gb_spread_load(s, dir);
	if (rc < 0 || (rc == 1 && !*auto_dir))
		return rc < 0 ? -1 : gb_error("--spread: '%s' is not a folder of runs", dir);
	if (*s) {
		o->spread_for = gb_spread_for;
		o->spread_ctx = *s;
		o->spread_from = gb_spread_source(*s);
	}
	return 0;
}

static int usage_error(void)
{
	return gb_cli_usage(compare_usage);
}

/* "5%" or "0.05"; a bare number >= 1 is ambiguous. */
static int parse_threshold(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return gb_error("bad threshold '%s': write 5%% or 0.05", s);
	if (*end == '%' && end[1] == 0)
		v /= 100;
	else if (*end || v >= 1)
		return gb_error("bad threshold '%s': write 5%% or 0.05", s);
	if (!(v > 0 && v < 10))
		return gb_error("threshold '%s' out of range", s);
	*out = v;
	return 0;
}

static int parse_double(const char *s, double lo, double hi, const char *what, double *out)
{
	if (gb_parse_double(s, lo, hi, out) < 0)
		return gb_error("bad %s '%s': a number in (%g, %g]", what, s, lo, hi);
	return 0;
}

static int parse_u64(const char *s, const char *what, uint64_t *out)
{
	if (gb_parse_u64(s, UINT64_MAX, out) < 0)
		return gb_error("bad %s '%s'", what, s);
	return 0;
}

static int use_color(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && !(nc && *nc) && !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb"));
}

static int write_markdown(const void *cmp, const char *path)
{
	return gb_compare_write_markdown(cmp, path);
}

static int write_junit(const void *cmp, const char *path)
{
	return gb_compare_write_junit(cmp, path);
}

static int write_json(const void *cmp, const char *path)
{
	return gb_compare_write_json(cmp, path);
}

int cmd_compare(int argc, char **argv)
{
	enum { OPT_MARKDOWN = 256, OPT_JUNIT, OPT_JSON, OPT_SEED, OPT_RESAMPLES, OPT_ALL, OPT_MIN_DELTA,
	       OPT_THRESHOLD, OPT_ALPHA, OPT_METRIC, OPT_NO_MACHINE, OPT_PAIRED, OPT_ALLOW_INC, OPT_HISTORY,
	       OPT_SPREAD, OPT_COUNTS };
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "metric", required_argument, NULL, OPT_METRIC },
		{ "markdown", required_argument, NULL, OPT_MARKDOWN },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "resamples", required_argument, NULL, OPT_RESAMPLES },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "min-delta-ns", required_argument, NULL, OPT_MIN_DELTA },
		{ "no-machine-speed", no_argument, NULL, OPT_NO_MACHINE },
		{ "paired", no_argument, NULL, OPT_PAIRED },
		{ "allow-inconclusive", no_argument, NULL, OPT_ALLOW_INC },
		{ "history", optional_argument, NULL, OPT_HISTORY },
		{ "spread", required_argument, NULL, OPT_SPREAD },
		{ "counts", required_argument, NULL, OPT_COUNTS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gb_compare_opts o;
	struct gb_results base = { 0 }, cur = { 0 };
	struct gb_compare cmp;
	const char *markdown = NULL, *junit = NULL, *json = NULL;
	json_t *mb = NULL, *mc = NULL;
	uint64_t u;
	int c, all = 0, to_stdout, rc = GB_EXIT_USAGE;
	char **metrics = NULL;
	const char *history = NULL;     /* the store; "" the default one */
	const char *spread_dir = NULL;  /* --spread; NULL: the class's runs, where they exist */
	struct gb_spread *spread = NULL;
	char *auto_spread = NULL;
	const char *counts_file = NULL;
	struct gb_counts *counts = NULL;
	struct gb_history_thresholds thr = { 0 };

	gb_compare_opts_init(&o);
	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(compare_usage, stdout);
			gb_strv_free(metrics);
			return GB_EXIT_OK;
		case OPT_THRESHOLD:
			if (parse_threshold(optarg, &o.threshold) < 0)
				goto bad;
			break;
		case OPT_ALPHA:
			if (parse_double(optarg, 0, 0.5, "alpha", &o.alpha) < 0)
				goto bad;
			break;
		case OPT_METRIC:
			gb_strv_free(metrics);
			o.metrics_add = optarg[0] == '+';
			metrics = gb_strv_split(optarg + o.metrics_add);
			if (!metrics[0]) {
				gb_error("--metric names no metric");
				goto bad;
			}
			break;
		case OPT_MARKDOWN: markdown = optarg; break;
		case OPT_JUNIT: junit = optarg; break;
		case OPT_JSON: json = optarg; break;
		case OPT_SEED:
			if (parse_u64(optarg, "seed", &u) < 0)
				goto bad;
			o.seed = u;
			break;
		case OPT_RESAMPLES:
			if (parse_u64(optarg, "resamples", &u) < 0)
				goto bad;
			if (u < GB_COMPARE_RESAMPLES || u > 10000000) {
				gb_error("--resamples must be between %d and 10000000",
					 GB_COMPARE_RESAMPLES);
				goto bad;
			}
			o.resamples = (size_t)u;
			break;
		case OPT_ALL: all = 1; break;
		case OPT_NO_MACHINE: break;   /* the probe no longer moves the band */
		case OPT_PAIRED: o.paired = 1; break;
		case OPT_ALLOW_INC: o.allow_inconclusive = 1; break;
		case OPT_HISTORY: history = optarg ? optarg : ""; break;
		case OPT_SPREAD: spread_dir = optarg; break;
		case OPT_COUNTS: counts_file = optarg; break;
		case OPT_MIN_DELTA:
			if (parse_u64(optarg, "min-delta-ns", &u) < 0)
				goto bad;
			o.min_delta_ns = (double)u;
			break;
		default:
			gb_strv_free(metrics);
			return gb_cli_bad_option(c, compare_usage, opts, argv);
		}
	}
	/* output paths before any work: a bad --markdown folder fails before anything prints */
	if ((markdown && gb_cli_check_output("--markdown", markdown) < 0) ||
	    (junit && gb_cli_check_output("--junit", junit) < 0) ||
	    (json && gb_cli_check_output("--json", json) < 0)) {
		gb_strv_free(metrics);
		return GB_EXIT_USAGE;
	}
	if (gb_cli_is_stdout(markdown) + gb_cli_is_stdout(junit) + gb_cli_is_stdout(json) > 1) {
		gb_error("only one of --markdown, --junit and --json can be '-' (stdout)");
		goto bad;
	}
	if (argc - optind != 2) {
		if (argc - optind < 2)
			gb_error("compare needs BASELINE and CURRENT");
		else
			gb_error("too many arguments: '%s'", argv[argc - 1]);
		goto bad;
	}
	o.metrics = metrics;
	if (counts_file) {
		if (gb_counts_load(&counts, counts_file) < 0) {
			gb_strv_free(metrics);
			return GB_EXIT_USAGE;
		}
		o.counts_settled = gb_counts_settled;
		o.counts_ctx = counts;
		o.counts_from = counts_file;
	}
	gb_compare_init(&cmp, argv[optind], argv[optind + 1]);
	cmp.opts.paired = o.paired;   /* gb_compare_meta refuses unlike A and B */
	if (gb_compare_read_baseline(&cmp, argv[optind], &base) < 0 ||
	    gb_compare_read_current(&cmp, argv[optind + 1], &cur) < 0)
		goto out;
	if (gb_compare_load_meta(argv[optind], &mb) < 0 ||
	    gb_compare_load_meta(argv[optind + 1], &mc) < 0)
		goto out;
	if (history && gb_history_compare_hook(*history ? history : NULL, mc, &o, &thr) < 0)
		goto out;
	if (gb_compare_meta(&cmp, mb, mc) < 0 || load_spread(&cmp, spread_dir, &o, &spread, &auto_spread) < 0 ||
	    gb_compare_results(&cmp, &base, &cur, &o) < 0)
		goto out;
	/* with an output on stdout, the verdict table goes to stderr */
	to_stdout = gb_cli_is_stdout(markdown) || gb_cli_is_stdout(junit) || gb_cli_is_stdout(json);
	gb_compare_print(to_stdout ? stderr : stdout, &cmp, !to_stdout && use_color(), all);
	fflush(stdout);
	if ((markdown && gb_cli_output_via(markdown, write_markdown, &cmp) < 0) ||
	    (junit && gb_cli_output_via(junit, write_junit, &cmp) < 0) ||
	    (json && gb_cli_output_via(json, write_json, &cmp) < 0))
		goto out;
	rc = gb_compare_exit(&cmp);
out:
	json_decref(mb);
	json_decref(mc);
	gb_results_release(&base);
	gb_results_release(&cur);
	gb_compare_release(&cmp);
	gb_history_thresholds_release(&thr);
	gb_spread_free(spread);
	gb_counts_free(counts);
	free(auto_spread);
	gb_strv_free(metrics);
	return rc;
bad:
	gb_strv_free(metrics);
	return usage_error();
}
