/*
 * gbench.c - main and the command table.
 *
 * Each subcommand lives in bench/cmd-<name>.c as cmd_<name>(argc, argv) and
 * returns an exit code (gbench.h); main only dispatches. It sets
 * gb_cmd_name, so every message reads "gbench CMD: error: ...", and answers
 * --version and --list-commands (for the completion scripts, completions/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "escape.h"
#include "gbench.h"
#include "inject.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd commands[] = {
	{ "run", cmd_run, "replay workloads over the matrix and write a results directory" },
	{ "info", cmd_info, "describe the machine, executors and counter sources" },
	{ "synth", cmd_synth, "generate a trace from seeded distributions" },
	{ "validate", cmd_validate, "check traces and configs, report every problem" },
	{ "compare", cmd_compare, "judge a run against a baseline: regressions, exit 1" },
	{ "baseline", cmd_baseline, "save a run as this machine class's baseline, list them" },
	{ "report", cmd_report, "report.md with bottlenecks, charts and tuning tables from results" },
	{ "peak", cmd_peak, "measure the roofline's ceilings: bandwidth sweep and peak FLOP/s" },
	{ "record", cmd_record, "run a program and record its BLAS calls as a trace" },
	{ "import", cmd_import, "a PyTorch profiler trace to a gbench trace" },
	{ "merge", cmd_merge, "pool the shares of one run measured on several nodes" },
	{ "history", cmd_history, "keep every run in a store; trends and change points" },
	{ "export", cmd_export, "results in other tools' formats: Google Benchmark, hyperfine, OpenMetrics" },
	{ "version", cmd_version, "print the version, commit and build flags" },
};

static const char version_usage[] =
	"usage: gbench version\n"
	"\n"
	"The version, the commit it was built from and the build's compiler and\n"
	"flags (also: gbench --version).\n";

int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = gb_cli_getopt(argc, argv, "h", opts)) != -1) {
		if (c == 'h') {
			fputs(version_usage, stdout);
			return GB_EXIT_OK;
		}
		return gb_cli_bad_option(c, version_usage, opts, argv);
	}
	if (optind < argc) {
		gb_error("version takes no arguments");
		return gb_cli_usage(version_usage);
	}
	gb_cli_print_version(stdout);
	return GB_EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gbench <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < GB_ARRAY_SIZE(commands); i++)
		fprintf(f, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'gbench <command> -h' describes a command; 'gbench --version' the build.\n"
		   "exit codes: 0 ok, 1 regression, 2 usage or input error, 3 inconclusive,\n"
		   "            4 environment error, 5 correctness failure, 130 interrupted\n");
}

static int unknown_command(const char *name)
{
	const char *names[GB_ARRAY_SIZE(commands)];
	const char *s;
	char *e = gb_escape_msg(name);

	if (name[0] == '-') {
		static const char *const opts[] = { "--help", "--version" };

		s = gb_cli_suggest(name, opts, GB_ARRAY_SIZE(opts));
		if (s)
			gb_error("unknown option '%s'; did you mean '%s'? see 'gbench -h'", e, s);
		else
			gb_error("unknown option '%s'; see 'gbench -h'", e);
		free(e);
		return GB_EXIT_USAGE;
	}
	for (size_t i = 0; i < GB_ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	s = gb_cli_suggest(name, names, GB_ARRAY_SIZE(names));
	if (s)
		gb_error("'%s' is not a gbench command; did you mean '%s'? see 'gbench -h'", e, s);
	else
		gb_error("'%s' is not a gbench command; see 'gbench -h'", e);
	free(e);
	return GB_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return GB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return GB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		gb_cli_print_version(stdout);
		return GB_EXIT_OK;
	}
	/* for the completion scripts: the command names, one a line */
	if (!strcmp(argv[1], "--list-commands")) {
		for (size_t i = 0; i < GB_ARRAY_SIZE(commands); i++)
			puts(commands[i].name);
		return GB_EXIT_OK;
	}
	/* GB_INJECT (inject.h): a bad spec stops every command before it starts */
	if (gb_inject_setup() < 0)
		return GB_EXIT_USAGE;
	for (size_t i = 0; i < GB_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			gb_cmd_name = commands[i].name;
			return commands[i].fn(argc - 1, argv + 1);
		}
	return unknown_command(argv[1]);
}
