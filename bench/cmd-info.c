/*
 * cmd-info.c - `gbench info`: the machine, the build, every executor with
 * its device or the reason it cannot run, and the counter sources.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "counters.h"
#include "executor.h"
#include "gbench.h"
#include "sysinfo.h"

static const char usage_text[] =
	"usage: gbench info [--device N|NAME]\n"
	"\n"
	"Describe the machine (CPU, cores, caches from sysfs, memory, kernel), the\n"
	"build (compiler, flags), each executor with its device, driver and API\n"
	"version or the reason it is unavailable, and the counter sources.\n";

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gb_exec_opts eo = { 0 };
	struct gb_sysinfo si;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			eo.device = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return GB_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return GB_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gb_error("unexpected argument '%s'", argv[optind]);
		fputs(usage_text, stderr);
		return GB_EXIT_USAGE;
	}
	gb_sysinfo_read(&si);
	gb_sysinfo_print(stdout, &si);
	gb_buildinfo_print(stdout);
	printf("executors\n");
	for (size_t i = 0; gb_executors[i]; i++) {
		struct gb_executor ex;
		struct gb_exec_info info;
		char reason[512];

		if (gb_executor_init(&ex, gb_executors[i], &eo, reason, sizeof(reason)) < 0) {
			printf("  %-12s unavailable: %s\n", gb_executors[i]->name, reason);
			continue;
		}
		memset(&info, 0, sizeof(info));
		ex.iface->info(&ex, &info);
		printf("  %-12s %s [%s]", gb_executors[i]->name, info.device, info.type);
		if (info.driver[0])
			printf(", driver %s", info.driver);
		if (info.api[0])
			printf(", API %s", info.api);
		printf("\n");
		gb_executor_release(&ex);
	}
	printf("counters\n");
	gb_counters_print_info(stdout);
	return GB_EXIT_OK;
}
