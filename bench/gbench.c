/*
 * gbench.c - main and the command table.
 *
 * Each subcommand lives in bench/cmd-<name>.c as cmd_<name>(argc, argv) and
 * returns an exit code (gbench.h); main only dispatches.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
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
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gbench <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < GB_ARRAY_SIZE(commands); i++)
		fprintf(f, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'gbench <command> -h' describes a command.\n"
		   "exit codes: 0 ok, 1 regression, 2 usage or input error, 3 inconclusive,\n"
		   "            4 environment error, 5 correctness failure, 130 interrupted\n");
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
	/* GB_INJECT (inject.h): a bad spec stops every command before it starts */
	if (gb_inject_setup() < 0)
		return GB_EXIT_USAGE;
	for (size_t i = 0; i < GB_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	gb_error("'%s' is not a gbench command; see 'gbench -h'", argv[1]);
	return GB_EXIT_USAGE;
}
