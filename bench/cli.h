/*
 * cli.h - the conventions every command's command line follows: one error
 * format ("gbench CMD: error: ..."), "did you mean" for a mistyped option,
 * command or value, the valid values listed, "-" meaning stdout for every
 * output flag, output paths checked before any work, and the version.
 *
 * A command's option loop reads:
 *
 *	optind = 0;
 *	while ((c = gb_cli_getopt(argc, argv, "h", opts)) != -1) {
 *		switch (c) {
 *		case 'h': fputs(usage, stdout); return GB_EXIT_OK;
 *		case OPT_MODE:
 *			if ((mode = gb_cli_choice("mode", optarg, modes)) < 0)
 *				return gb_cli_usage(usage);
 *			break;
 *		...
 *		default:
 *			return gb_cli_bad_option(c, usage, opts, argv);
 *		}
 *	}
 *
 * main() sets the command's name (gb_cmd_name, gbench.h) before it calls
 * the command, so gb_error() and these helpers print "gbench CMD: error: ".
 */
#ifndef GB_CLI_H
#define GB_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "gbench.h"

/* The version of gbench, the one place it is written. */
#define GB_VERSION "0.9.2"

/*
 * getopt_long with getopt's own messages off (opterr = 0); the caller
 * resets optind as before. A first argument "--list-options" (what the
 * completion scripts ask) prints opts' long names, one "--name" a line
 * ("--name=" when it takes a value), and returns GB_CLI_LISTED, which
 * gb_cli_bad_option() turns into exit 0.
 */
#define GB_CLI_LISTED (-2)
int gb_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *opts);

/*
 * The default: branch of an option loop: c is what gb_cli_getopt returned
 * ('?', ':' or GB_CLI_LISTED). Prints one error line naming the option
 * ("unknown option '--outt'; did you mean '--out'?", "option '--out' needs
 * a value", "option '--quick' takes no value"), the usage's synopsis (its
 * text up to the first blank line) and "see 'gbench CMD -h'"; returns
 * GB_EXIT_USAGE (GB_EXIT_OK for GB_CLI_LISTED, nothing printed).
 */
int gb_cli_bad_option(int c, const char *usage, const struct option *opts, char **argv);

/*
 * A usage error already reported with gb_error(): prints the synopsis and
 * the hint as above and returns GB_EXIT_USAGE.
 */
int gb_cli_usage(const char *usage);

/*
 * The index of value in the NULL-terminated valid[], or -1 after
 * "bad value 'closd' for 'mode' (valid: open, closed); did you mean
 * 'closed'?" (gb_error). what is the option's name without dashes.
 */
int gb_cli_choice(const char *what, const char *value, const char *const *valid);
/* The same message, for a caller that checked the value itself; returns -1. */
int gb_cli_bad_value(const char *what, const char *value, const char *const *valid);

/*
 * The candidate in cands[0..n) nearest to word by edit distance
 * (Damerau-Levenshtein, optimal string alignment), or NULL when none is
 * near enough to be a likely typo (a distance of at most a third of the
 * longer word, and at least 1 allowed; a word that is a prefix counts).
 */
const char *gb_cli_suggest(const char *word, const char *const *cands, size_t n);
/* The edit distance itself (exposed for the unit test). */
size_t gb_cli_distance(const char *a, const char *b);

/* "-" is stdout for every output flag. */
static inline int gb_cli_is_stdout(const char *path)
{
	return path && path[0] == '-' && path[0 + 1] == 0;
}

/*
 * Check an output file path before any work: "-" passes; otherwise the
 * folder it goes in must exist and be writable, and path must not be a
 * folder. On failure one gb_error() line naming flag (e.g. "--markdown")
 * and the cause; returns -1 (a usage error: exit 2).
 */
int gb_cli_check_output(const char *flag, const char *path);

/*
 * Write the len bytes of data to path atomically (fsio.h), or to stdout
 * when path is "-". 0 or -1 with a message.
 */
int gb_cli_write_output(const char *path, const char *data, size_t len);

/*
 * For a writer that takes a path (and writes it atomically): call
 * write(ctx, path), or, when path is "-", let it write a file in a private
 * temporary folder and copy that to stdout. 0 or -1 with a message.
 */
int gb_cli_output_via(const char *path, int (*write)(const void *ctx, const char *path),
		      const void *ctx);

/*
 * One line of a command's report on stdout, printf-formatted, with the
 * newline added: a control character in an argument (a name from a history
 * store, a commit from meta.json) is written as \n, \r, \t or \xNN
 * (gb_escape_ctl), so one line stays one line and nothing from data
 * reaches the terminal as an escape sequence.
 */
void gb_cli_print_line(const char *fmt, ...) GB_PRINTF(1, 2);

/* "gbench 0.9.1 (commit ...)" and the build's compiler and flags, to f. */
void gb_cli_print_version(FILE *f);

#endif
