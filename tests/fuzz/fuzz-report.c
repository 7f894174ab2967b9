/*
 * fuzz-report.c - libFuzzer harness for `gbench report --tables` on a
 * results folder someone else wrote (a CI artifact, a colleague's run):
 * results.csv, samples.csv, accuracy.csv and meta.json, separated by
 * "\n@@@@\n" lines in that order (a part left out is a file absent), read
 * by gb_report_write without ceilings and with a gnuplot that cannot be
 * run (the report says so and goes on), so that every input exercises the
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
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsio.h"
#include "fuzz.h"
#include "report/report.h"

static const char *const names[] = { "results.csv", "samples.csv", "accuracy.csv", "meta.json" };
static char *results, *out;

static void setup(void)
{
	if (results)
		return;
	setenv("GBENCH_DATA", GB_FUZZ_TOP, 0);
	results = gb_xstrdup(fuzz_dir());
	out = gb_xasprintf("%s/report", results);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Cell separators of a table row: every '|' not escaped by a backslash (GFM: in code spans too). */
static size_t row_pipes(const char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\\')
			i++;
		else if (line[i] == '|')
			n++;
	}
	return n;
}

/* Every row of a Markdown table has its header's cells: a name's '|' cannot add a column. */
static void check_tables(const char *name, const char *text, size_t len)
{
	size_t header = 0, line = 1;

	for (size_t i = 0; i < len; line++) {
		const char *end = memchr(text + i, '\n', len - i);
		size_t n = end ? (size_t)(end - (text + i)) : len - i;

		if (n && text[i] == '|') {
			size_t pipes = row_pipes(text + i, n);

			if (!header)
				header = pipes;
			FUZZ_CHECK(pipes == header, "%s line %zu: a table row of %zu cell separators "
				   "under a header of %zu", name, line, pipes, header);
		} else {
			header = 0;
		}
		i += n + 1;
	}
}

/* One file the report wrote: no control byte but '\n'; in a chart script or its data, no command line. */
static void check_file(const char *dir, const char *name)
{
	char *path = gb_xasprintf("%s/%s", dir, name), *text;
	int gp = ends_with(name, ".gp") || ends_with(name, ".dat");
	size_t len, line = 1;

	text = gb_read_file(path, &len);
	FUZZ_CHECK(text, "cannot read back '%s'", path);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		FUZZ_CHECK(c == '\n' || (c >= 0x20 && c != 0x7f) || (c == '\t' && gp),
			   "%s line %zu: control byte 0x%02x", name, line, c);
		if (gp && (i == 0 || text[i - 1] == '\n'))
			FUZZ_CHECK(strncmp(text + i, "system", 6) && text[i] != '!',
				   "%s line %zu: a command line", name, line);
		line += c == '\n';
	}
	if (ends_with(name, ".md"))
		check_tables(name, text, len);
	free(text);
	free(path);
}

static void check_out(void)
{
	DIR *d = opendir(out);
	struct dirent *e;

	FUZZ_CHECK(d, "the report succeeded without its folder");
	while ((e = readdir(d)))
		if (ends_with(e->d_name, ".md") || ends_with(e->d_name, ".gp") ||
		    ends_with(e->d_name, ".dat"))
			check_file(out, e->d_name);
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gb_report_opts o = { .no_peak = 1, .tables = 1, .gnuplot = "/nonexistent/gnuplot" };
	size_t off[4], len[4], n;

	setup();
	n = fuzz_split(data, size, 4, off, len);
	for (size_t i = 0; i < 4; i++) {
		if (i < n)
			fuzz_write(names[i], data + off[i], len[i]);
		else
			fuzz_remove(names[i]);
	}
	FUZZ_CHECK(gb_rm_tree(out) == 0 || !gb_is_dir(out), "cannot clear '%s'", out);
	o.results = results;
	o.out = out;
	if (gb_report_write(&o) == 0)
		check_out();
	return 0;
}
