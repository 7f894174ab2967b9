/*
 * cmd-validate.c - `gbench validate FILE...`: check traces and configs
 * (files ending in .ini) and report every problem in every file, each as
 * FILE:LINE: what is wrong. Exit 0 when all are fine, 2 otherwise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "config.h"
#include "escape.h"
#include "gbench.h"
#include "trace.h"

static const char validate_usage[] =
	"usage: gbench validate FILE...\n"
	"\n"
	"Check trace files (gbench-trace v1 CSV) and run configurations (FILE.ini).\n"
	"Every problem is printed as FILE:LINE: what is wrong; a good trace prints\n"
	"FILE: ok (N requests, S streams). Exit 0 when every file is fine, 2 otherwise.\n"
	"\n"
	"    -h, --help      show this help\n";

static int validate_config(const char *path)
{
	struct gb_config cfg;
	int rc;

	gb_config_defaults(&cfg);
	rc = gb_config_load(&cfg, path);
	if (!rc) {
		char *p = gb_escape_msg(path);

		printf("%s: ok (config)\n", p);
		free(p);
	}
	gb_config_release(&cfg);
	return rc;
}

static int validate_trace(const char *path)
{
	struct gb_trace t;
	unsigned nerrors;
	char *p;

	if (gb_trace_load(path, &t, &nerrors) < 0) {
		p = gb_escape_msg(path);
		fprintf(stderr, "%s: %u problem%s\n", p, nerrors, nerrors == 1 ? "" : "s");
		free(p);
		return -1;
	}
	p = gb_escape_msg(path);
	printf("%s: ok (%zu requests, %u streams)\n", p, t.n, t.nstreams);
	free(p);
	gb_trace_release(&t);
	return 0;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, bad = 0;

	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "+h", opts)) != -1) {
		if (c == 'h') {
			fputs(validate_usage, stdout);
			return GB_EXIT_OK;
		}
		return gb_cli_bad_option(c, validate_usage, opts, argv);
	}
	if (optind >= argc) {
		gb_error("no files to validate");
		return gb_cli_usage(validate_usage);
	}
	for (int i = optind; i < argc; i++) {
		int rc = gb_str_ends_with(argv[i], ".ini") ? validate_config(argv[i])
						    : validate_trace(argv[i]);
		if (rc)
			bad++;
	}
	fflush(stdout);
	return bad ? GB_EXIT_USAGE : GB_EXIT_OK;
}
