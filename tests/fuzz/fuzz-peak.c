/*
 * fuzz-peak.c - libFuzzer harness for a peak file (`gbench peak`'s JSON,
 * bench/peak-cache.c) that someone else wrote: a colleague's machine's
 * ceilings given with `report --peak FILE`, or a cache file left corrupt.
 *
 * The input is the file. gb_peak_load takes it or refuses it; the report
 * of a fixed results folder with ops and a trace (tests/data/results-ops,
 * whose roofline uses every ceiling) is then written with it as --peak.
 * Beyond the sanitizers: a file gb_peak_load refuses makes the report fail
 * before it writes anything; a file it takes gives a report (exit 0) whose
 * files pass fuzz_check_output and print no number as nan or inf (every
 * figure of a taken file is a rate from 1e-3 to 1e8 or a positive size, so
 * every percentage of a ceiling is finite).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "fsio.h"
#include "fuzz.h"
#include "peak.h"
#include "report/report.h"

static char *results, *out;

static void setup(void)
{
	if (results)
		return;
	/* the folder's meta.json names its trace from the top of the tree */
	FUZZ_CHECK(chdir(GB_FUZZ_TOP) == 0, "cannot enter '%s'", GB_FUZZ_TOP);
	setenv("GBENCH_DATA", GB_FUZZ_TOP, 0);
	results = gb_xasprintf("%s/tests/data/results-ops", GB_FUZZ_TOP);
	out = gb_xasprintf("%s/report", fuzz_dir());
}

/*
 * "nan" or "inf" where a figure goes: a word of its own followed by what
 * follows a number in the report (%, x, a unit, the end of a table cell or
 * of the line). Text from the peak file (its notes) may hold the word.
 */
static int figure_end(const char *p)
{
	static const char *const after[] = { "%", "x", ")", "|", "\n", " %", " x", " |", " GB",
					     " GFLOP", " GOP", " B/", " FLOP" };

	if (!*p)
		return 1;
	for (size_t i = 0; i < sizeof(after) / sizeof(*after); i++)
		if (!strncmp(p, after[i], strlen(after[i])))
			return 1;
	return 0;
}

static void check_finite(const char *name)
{
	char *path = gb_xasprintf("%s/%s", out, name), *text = gb_read_file(path, NULL);

	FUZZ_CHECK(text, "cannot read back '%s'", path);
	for (const char *p = text; *p; p++) {
		int word_start = p == text || !isalnum((unsigned char)p[-1]);

		if (word_start && (!strncasecmp(p, "nan", 3) || !strncasecmp(p, "inf", 3)) &&
		    figure_end(p + 3))
			fuzz_fail("%s: the figure '%.12s' is not finite", name, p);
	}
	free(text);
	free(path);
}

/* The report's files held to the output checks, its Markdown to finite figures. */
static void check_out(void)
{
	char *tables = gb_xasprintf("%s/tables.md", out);

	fuzz_check_folder(out);
	check_finite("report.md");
	if (gb_file_exists(tables))
		check_finite("tables.md");
	free(tables);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	const char *peak;
	struct gb_report_opts o = { .tables = 1, .gnuplot = "/nonexistent/gnuplot" };
	json_t *j;
	int rc;

	setup();
	peak = fuzz_write("peak.json", data, size);
	FUZZ_CHECK(gb_rm_tree(out) == 0 || !gb_is_dir(out), "cannot clear '%s'", out);
	j = gb_peak_load(peak, 0, 0);
	o.results = results;
	o.out = out;
	o.peak = peak;
	rc = gb_report_write(&o);
	if (!j) {
		FUZZ_CHECK(rc != 0, "the report took a peak file gb_peak_load refuses");
		FUZZ_CHECK(!gb_is_dir(out), "a report refused for its peak file left '%s'", out);
		return 0;
	}
	json_decref(j);
	FUZZ_CHECK(rc == 0, "the report failed with a peak file gb_peak_load takes");
	check_out();
	return 0;
}
