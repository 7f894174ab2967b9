/*
 * cmd-info.c - `gbench info`: the machine, the build, every executor with
 * its device or the reason it cannot run, and the counter sources.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "counters.h"
#include "escape.h"
#include "executor.h"
#include "gbench.h"
#include "sysinfo.h"

#include <jansson.h>

static const char usage_text[] =
	"usage: gbench info [--device N|NAME] [--json]\n"
	"\n"
	"Describe the machine (CPU and its signature, cores, caches, memory,\n"
	"kernel), the build (compiler, flags), each executor with its device,\n"
	"driver and API version or the reason it is unavailable, and the counter\n"
	"sources.\n"
	"\n"
	"    --device N|NAME  the vulkan device to describe (as gbench run takes it)\n"
	"    --json           the machine, the build, the version and the executors as\n"
	"                     one JSON object (the counter sources are in the text only)\n"
	"    -h, --help       show this help\n";

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gb_exec_opts eo = { 0 };
	struct gb_sysinfo si;
	int c, as_json = 0;
	json_t *j = NULL, *execs = NULL;

	optind = 1;
	while ((c = gb_cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'd':
			eo.device = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return GB_EXIT_OK;
		default:
			return gb_cli_bad_option(c, usage_text, opts, argv);
		}
	}
	if (optind < argc) {
		char *e = gb_escape_msg(argv[optind]);

		gb_error("unexpected argument '%s'", e);
		free(e);
		return gb_cli_usage(usage_text);
	}
	gb_sysinfo_read(&si);
	if (as_json) {
		j = json_object();
		execs = json_array();
		json_object_set_new(j, "gbench_version", json_string(GB_VERSION));
		json_object_set_new(j, "host", gb_sysinfo_json(&si));
		json_object_set_new(j, "build", gb_buildinfo_json());
	} else {
		gb_sysinfo_print(stdout, &si);
		gb_buildinfo_print(stdout);
		printf("executors\n");
	}
	for (size_t i = 0; gb_executors[i]; i++) {
		struct gb_executor ex;
		struct gb_exec_info info;
		char reason[512];

		if (gb_executor_init(&ex, gb_executors[i], &eo, reason, sizeof(reason)) < 0) {
			if (as_json)
				json_array_append_new(execs, json_pack("{s:s, s:b, s:s}", "name",
					gb_executors[i]->name, "available", 0, "reason", reason));
			else
				printf("  %-12s unavailable: %s\n", gb_executors[i]->name, reason);
			continue;
		}
		memset(&info, 0, sizeof(info));
		ex.iface->info(&ex, &info);
		if (as_json) {
			json_array_append_new(execs, json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:s*}",
				"name", gb_executors[i]->name, "available", 1, "device", info.device,
				"type", info.type, "driver", info.driver, "api", info.api, "kernels",
				*info.kernels ? info.kernels : NULL));
			gb_executor_release(&ex);
			continue;
		}
		printf("  %-12s %s [%s]", gb_executors[i]->name, info.device, info.type);
		if (info.driver[0])
			printf(", driver %s", info.driver);
		if (info.api[0])
			printf(", API %s", info.api);
		if (info.kernels[0])
			printf("; %s", info.kernels);
		printf("\n");
		gb_executor_release(&ex);
	}
	if (as_json) {
		int bad;

		json_object_set_new(j, "executors", execs);
		bad = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
		      fputc('\n', stdout) == EOF;
		json_decref(j);
		if (bad) {
			gb_error("cannot write to stdout");
			return GB_EXIT_ENV;
		}
		return GB_EXIT_OK;
	}
	printf("counters\n");
	gb_counters_print_info(stdout);
	return GB_EXIT_OK;
}
