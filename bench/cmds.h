/*
 * cmds.h - the subcommands, one file each (bench/cmd-<name>.c). Each takes
 * argv with argv[0] the command name and returns an exit code (gbench.h).
 */
#ifndef GB_CMDS_H
#define GB_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_peak(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_version(int argc, char **argv);   /* in gbench.c: it prints the table's build */

#endif
