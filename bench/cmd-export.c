/*
 * cmd-export.c - `gbench export`: a results directory in the formats other
 * tools read (bench/export/, one file per format), to a file or stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "compare/compare.h"
#include "export/export.h"
#include "gbench.h"
#include "results/results.h"

static const char usage_text[] =
	"usage: gbench export --format FORMAT RESULTS [-o FILE|-]\n"
	"\n"
	"Write a results directory in a format another tool reads. Every number\n"
	"written is one gbench measured (or a statistic of those): a metric a cell\n"
	"did not measure is left out, never written as 0.\n"
	"\n"
	"    --format FORMAT  gbench-json      Google Benchmark's JSON (context, benchmarks[]:\n"
	"                                      one iteration run per measured repetition of\n"
	"                                      each cell's wall_ns, then mean/median/stddev);\n"
	"                                      its tools/compare.py reads it\n"
	"                     hyperfine-json   hyperfine's --export-json (results[]: a cell's\n"
	"                                      wall_ns per repetition in seconds)\n"
	"                     hlog             HdrHistogram's histogram log: each cell's latency\n"
	"                                      histogram, exact, as one interval tagged with the\n"
	"                                      cell id (HistogramLogProcessor -tag ID reads it)\n"
	"                     openmetrics      OpenMetrics text: a gbench_<metric> gauge family\n"
	"                                      per metric, labelled by cell, one sample per\n"
	"                                      statistic; ends in # EOF\n"
	"    -o, --out FILE   write FILE (atomically); '-' or no -o: stdout\n"
	"    -h, --help       show this help\n"
	"\n"
	"exit: 0 ok, 2 usage error or unreadable RESULTS (nothing written), 4 the\n"
	"output cannot be written\n";

static const char *const formats[] = { "gbench-json", "hyperfine-json", "hlog", "openmetrics", NULL };

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = "-";
	struct gb_results r = { 0 };
	json_t *meta = NULL;
	int c, fmt = -1, wrc, rc = GB_EXIT_USAGE;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "ho:", opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return GB_EXIT_OK;
		case 'f':
			if ((fmt = gb_cli_choice("format", optarg, formats)) < 0)
				return gb_cli_usage(usage_text);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return gb_cli_bad_option(c, usage_text, opts, argv);
		}
	}
	if (fmt < 0) {
		gb_error("--format is required (valid: gbench-json, hyperfine-json, hlog, openmetrics)");
		return gb_cli_usage(usage_text);
	}
	if (argc - optind != 1) {
		gb_error(argc - optind ? "export takes one RESULTS directory" : "export needs RESULTS");
		return gb_cli_usage(usage_text);
	}
	if (gb_cli_check_output("--out", out) < 0)
		return GB_EXIT_USAGE;
	if (gb_results_read(&r, argv[optind]) < 0)
		goto out;
	/* the time plan's windows name the cells that replayed part of their trace */
	if (gb_compare_load_meta(argv[optind], &meta) < 0)
		goto out;
	f = open_memstream(&buf, &len);
	if (!f) {
		gb_error("cannot allocate the output: %s", strerror(errno));
		goto out;
	}
	/* built in memory first: nothing reaches FILE or stdout unless all of it can */
	switch (fmt) {
	case 0: wrc = gb_export_gbench_json(f, &r, argv[optind], meta); break;
	case 1: wrc = gb_export_hyperfine_json(f, &r, meta); break;
	case 2: wrc = gb_export_hlog(f, &r, argv[optind], meta); break;
	default: wrc = gb_export_openmetrics(f, &r, meta); break;
	}
	if (fclose(f) == EOF && !wrc)
		wrc = gb_error("cannot build the output: %s", strerror(errno));
	if (!wrc)
		rc = gb_cli_write_output(out, buf, len) == 0 ? GB_EXIT_OK : GB_EXIT_ENV;
out:
	free(buf);
	json_decref(meta);
	gb_results_release(&r);
	return rc;
}
