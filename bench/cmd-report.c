/*
 * cmd-report.c - `gbench report RESULTS`: report.md with a summary first,
 * then the machine, the run's validity, the ceilings, bottleneck findings,
 * per-workload tables and gnuplot charts; --tables adds tables.md (report.h
 * does the work).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "gbench.h"
#include "report/fleet.h"
#include "report/report.h"

static const char usage_text[] =
	"usage: gbench report RESULTS [--baseline B] [--out DIR] [--tables]\n"
	"                     [--peak FILE | --no-peak] [--rules FILE]\n"
	"                     [--latency-targets LIST] [--nmse-budgets LIST]\n"
	"       gbench report --fleet --out DIR RESULTS... | POOLED\n"
	"\n"
	"Write report.md (a summary first: validity, the top bottlenecks by time at\n"
	"stake, what to change first; then machine, validity, measured ceilings,\n"
	"bottleneck findings with level, evidence and recommendation, per-workload\n"
	"tables) and its charts (latency spectrum, throughput against batch, accuracy\n"
	"against speed, cache hit rate, roofline, bandwidth sweep, vulkan against cpu,\n"
	"baseline ratios), each as NAME.svg and NAME.png beside NAME.dat and NAME.gp,\n"
	"drawn by gnuplot.\n"
	"\n"
	"    --baseline B          also compare with the results directory B\n"
	"    --out DIR             output folder (default RESULTS/report)\n"
	"    --tables              also write tables.md (tuning tables)\n"
	"    --peak FILE           ceilings from FILE (`gbench peak --out FILE`); default:\n"
	"                          the cache of `gbench peak` for the results' machine,\n"
	"                          else a quick measurement when this is that machine\n"
	"    --no-peak             no ceilings: no roofline\n"
	"    --rules FILE          bottleneck rules (default reports/rules.tsv)\n"
	"    --latency-targets L   for tables.md: p99 targets, e.g. 100us,1ms,10ms\n"
	"    --nmse-budgets L      for tables.md: NMSE budgets, e.g. 1e-6,1e-4,1e-2\n"
	"    --fleet               fleet.md in DIR: one config's runs on several machine\n"
	"                          classes side by side (one results directory each, or\n"
	"                          the folder `gbench merge --by-class` wrote)\n"
	"    -h, --help            show this help\n"
	"\n"
	"gnuplot comes from $GNUPLOT or PATH; without it the data files and scripts\n"
	"are still written and report.md says why no picture was drawn.\n";

/* "100us", "1ms", "2s", "5000" (ns) */
static int parse_duration(const char *s, double *ns)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !(v > 0) || !isfinite(v))
		return -1;
	if (!*end || !strcmp(end, "ns"))
		*ns = v;
	else if (!strcmp(end, "us"))
		*ns = v * 1e3;
	else if (!strcmp(end, "ms"))
		*ns = v * 1e6;
	else if (!strcmp(end, "s"))
		*ns = v * 1e9;
	else
		return -1;
	return 0;
}

static int parse_list(const char *opt, const char *arg, int durations, double **out, size_t *n)
{
	char **v = gb_strv_split(arg);
	int rc = 0;

	*n = gb_strv_len(v);
	*out = gb_xcalloc(*n + 1, sizeof(**out));
	for (size_t i = 0; i < *n && !rc; i++) {
		char *end;

		if (durations) {
			if (parse_duration(v[i], &(*out)[i]) < 0)
				rc = gb_error("%s: '%s' is not a duration (like 100us, 1ms, 2s)", opt, v[i]);
		} else {
			(*out)[i] = strtod(v[i], &end);
			if (*end || !((*out)[i] > 0))
				rc = gb_error("%s: '%s' is not a positive number", opt, v[i]);
		}
	}
	if (!*n && !rc)
		rc = gb_error("%s: empty list", opt);
	gb_strv_free(v);
	return rc;
}

/* --fleet: the runs named, or the class folders of the one folder named. */
static int report_fleet(const char *out, int n, char **dirs)
{
	char **found = NULL;
	int nf = 0, rc;

	if (!out || n < 1) {
		gb_error(!out ? "--fleet needs --out DIR" : "--fleet needs results directories");
		return gb_cli_usage(usage_text);
	}
	if (n == 1) {
		nf = gb_fleet_find(dirs[0], &found);
		if (nf < 0)
			return GB_EXIT_USAGE;
		if (nf == 0)
			gb_error("'%s' holds no class folders (as `gbench merge --by-class` writes)", dirs[0]);
	}
	if (nf > 0)
		rc = gb_fleet_report((const char *const *)found, (size_t)nf, out);
	else if (n > 1)
		rc = gb_fleet_report((const char *const *)dirs, (size_t)n, out);
	else
		rc = -1;
	for (int i = 0; i < nf; i++)
		free(found[i]);
	free(found);
	return rc < 0 ? GB_EXIT_USAGE : GB_EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "tables", no_argument, NULL, 't' },
		{ "peak", required_argument, NULL, 'p' },
		{ "no-peak", no_argument, NULL, 'P' },
		{ "rules", required_argument, NULL, 'r' },
		{ "latency-targets", required_argument, NULL, 'L' },
		{ "nmse-budgets", required_argument, NULL, 'N' },
		{ "fleet", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gb_report_opts o = { 0 };
	int c, rc = GB_EXIT_OK, fleet = 0;

	optind = 1;
	while ((c = gb_cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'b':
			o.baseline = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 't':
			o.tables = 1;
			break;
		case 'p':
			o.peak = optarg;
			break;
		case 'P':
			o.no_peak = 1;
			break;
		case 'r':
			o.rules = optarg;
			break;
		case 'L':
			free(o.lat_targets);
			if (parse_list("--latency-targets", optarg, 1, &o.lat_targets, &o.nlat) < 0)
				goto usage;
			break;
		case 'N':
			free(o.nmse_budgets);
			if (parse_list("--nmse-budgets", optarg, 0, &o.nmse_budgets, &o.nnmse) < 0)
				goto usage;
			break;
		case 'F':
			fleet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			goto out;
		default:
			rc = gb_cli_bad_option(c, usage_text, opts, argv);
			goto out;
		}
	}
	if (fleet) {
		rc = report_fleet(o.out, argc - optind, argv + optind);
		goto out;
	}
	if (optind != argc - 1) {
		if (optind >= argc)
			gb_error("report needs one results directory");
		else
			gb_error("unexpected argument '%s'", argv[optind + 1]);
		goto usage;
	}
	if (o.peak && o.no_peak) {
		gb_error("--peak and --no-peak exclude each other");
		goto usage;
	}
	o.results = argv[optind];
	rc = gb_report_write(&o) < 0 ? GB_EXIT_USAGE : GB_EXIT_OK;
	goto out;
usage:
	rc = gb_cli_usage(usage_text);
out:
	free(o.lat_targets);
	free(o.nmse_budgets);
	return rc;
}
