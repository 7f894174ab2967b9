/*
 * cmd-report.c - placeholder while the report is written.
 */
#include "cmds.h"
#include "gbench.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return GB_EXIT_USAGE;
}
