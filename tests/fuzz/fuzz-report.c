/*
 * fuzz-report.c - libFuzzer harness for `gbench report --tables` on a
 * results folder someone else wrote (a CI artifact, a colleague's run):
 * results.csv, samples.csv, accuracy.csv, meta.json and mrc.csv (the
 * cache curves), separated by "\n@@@@\n" lines in that order (a part
 * left out is a file absent), read
 * by gb_report_write without ceilings and with a gnuplot that cannot be
 * run (the report says so and goes on), inputs of odd length with the
 * folder as its own baseline too, so that every input exercises the
 * facts, the rules, the Markdown, the tuning tables and the chart scripts
 * rather than the drawing.
 *
 * Beyond the sanitizers: the report either succeeds or fails with its
 * message, and what it writes holds no control character but the newline
 * (every name from the folder passed through its sink's escaping), no
 * Markdown table row with more or fewer cells than its header (a name's
 * '|' left unescaped), and no gnuplot command line of its own (a line of a
 * .gp or .dat that starts with system or !, as a name that escaped its
 * literal would make).
 */
#include <stdlib.h>
#include <string.h>

#include "fsio.h"
#include "fuzz.h"
#include "report/report.h"

static const char *const names[] = { "results.csv", "samples.csv", "accuracy.csv", "meta.json",
				     "mrc.csv" };
static char *results, *out;

static void setup(void)
{
	if (results)
		return;
	setenv("GBENCH_DATA", GB_FUZZ_TOP, 0);
	results = gb_xstrdup(fuzz_dir());
	out = gb_xasprintf("%s/report", results);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	struct gb_report_opts o = { .no_peak = 1, .tables = 1, .gnuplot = "/nonexistent/gnuplot" };
	size_t off[5], len[5], n;

	setup();
	n = fuzz_split(data, size, 5, off, len);
	for (size_t i = 0; i < 5; i++) {
		if (i < n)
			fuzz_write(names[i], data + off[i], len[i]);
		else
			fuzz_remove(names[i]);
	}
	FUZZ_CHECK(gb_rm_tree(out) == 0 || !gb_is_dir(out), "cannot clear '%s'", out);
	o.results = results;
	o.out = out;
	/* half the inputs (by length) also as their own baseline: the report's comparison paths */
	o.baseline = size & 1 ? results : NULL;
	if (gb_report_write(&o) == 0)
		fuzz_check_folder(out);
	return 0;
}
