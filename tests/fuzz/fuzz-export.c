/*
 * fuzz-export.c - libFuzzer harness for `gbench export` (bench/cmd-export.c,
 * bench/export/) on a results folder someone else wrote: results.csv,
 * samples.csv, accuracy.csv, meta.json and the first cell's
 * hist/<cell>.hlog, separated by "\n@@@@\n" lines in that order (a part
 * left out is a file absent), exported by the command itself in each of
 * its four formats.
 *
 * Beyond the sanitizers: export exits 0 or 2 and writes nothing on 2; what
 * it writes is read back as the other tool would read it: the two JSON
 * formats parse (jansson) with their array; the OpenMetrics text keeps
 * the exposition format's grammar (each family's TYPE once and before its
 * samples, metric names of [a-zA-Z0-9_:], label values in quotes with only
 * \\, \" and \n escaped and valid UTF-8, values a number, NaN or +-Inf,
 * "# EOF" last and only last), so a hostile name or an odd value cannot
 * forge a line or break a Prometheus scrape; the histogram log's lines are
 * comments, its header or "Tag=" intervals.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds.h"
#include "escape.h"
#include "fsio.h"
#include "fuzz.h"
#include "gbench.h"

static const char *const names[] = { "results.csv", "samples.csv", "accuracy.csv", "meta.json" };
static char *dir, *out;

static void setup(void)
{
	if (dir)
		return;
	dir = gb_xasprintf("%s/results", fuzz_dir());
	out = gb_xasprintf("%s/export.out", fuzz_dir());
	FUZZ_CHECK(gb_mkdir_p(dir) == 0, "cannot create '%s'", dir);
}

/* The first cell id of results.csv (the first field of its second line) when it can name a file. */
static char *first_cell(const uint8_t *data, size_t len)
{
	const uint8_t *nl = memchr(data, '\n', len), *row, *end;
	char *id;

	if (!nl)
		return NULL;
	row = nl + 1;
	end = memchr(row, ',', len - (size_t)(row - data));
	if (!end || end == row || end - row > 200)
		return NULL;
	id = gb_xasprintf("%.*s", (int)(end - row), (const char *)row);
	if (!gb_fname_is_safe(id)) {
		free(id);
		return NULL;
	}
	return id;
}

static void clear_hist(void)
{
	char *h = gb_xasprintf("%s/hist", dir);

	FUZZ_CHECK((gb_rm_tree(h) == 0 || !gb_is_dir(h)) && gb_mkdir_p(h) == 0, "cannot clear '%s'",
		   h);
	free(h);
}

/* Valid UTF-8 of s[0..n): what an OpenMetrics label value must be. */
static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
						       (c >> 3) == 30 ? 4 : 0;
		unsigned cp;

		if (!len || i + len > n)
			return 0;
		cp = len == 1 ? c : c & (0x7f >> len);
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* An OpenMetrics metric name at *p: [a-zA-Z_:][a-zA-Z0-9_:]*; its length. */
static size_t om_name(const char *p)
{
	size_t n = 0;

	if (!(isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == ':'))
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == ':')
		n++;
	return n;
}

/* An OpenMetrics number: a decimal (Go's ParseFloat would take it), NaN, +Inf or -Inf. */
static int om_number(const char *s)
{
	char *end;

	if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf"))
		return 1;
	if (!*s || strpbrk(s, "xXpPiInN"))   /* no hex, no inf or nan spelled otherwise */
		return 0;
	strtod(s, &end);
	return !*end;
}

/* One sample line, NUL-terminated, of the family named fam (flen bytes). */
static void om_sample(const char *line, const char *fam, size_t flen, size_t no)
{
	const char *p = line;
	size_t n = om_name(p);

	FUZZ_CHECK(n == flen && !strncmp(p, fam, flen), "openmetrics line %zu: a sample outside "
		   "its family '%.*s'", no, (int)flen, fam);
	p += n;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			size_t k = om_name(p);
			const char *v;

			FUZZ_CHECK(k && p[k] == '=' && p[k + 1] == '"',
				   "openmetrics line %zu: a label that is not name=\"value\"", no);
			p += k + 2;
			for (v = p; *p != '"'; p++) {
				FUZZ_CHECK(*p && *p != '\n', "openmetrics line %zu: an unterminated label "
					   "value", no);
				if (*p == '\\') {
					p++;
					FUZZ_CHECK(*p == '\\' || *p == '"' || *p == 'n',
						   "openmetrics line %zu: the escape '\\%c'", no, *p);
				}
			}
			FUZZ_CHECK(utf8_ok((const unsigned char *)v, (size_t)(p - v)),
				   "openmetrics line %zu: a label value that is not UTF-8", no);
			p++;
			if (*p == ',')
				p++;
			else
				FUZZ_CHECK(*p == '}', "openmetrics line %zu: labels not closed", no);
		}
		p++;
	}
	FUZZ_CHECK(*p == ' ' && om_number(p + 1), "openmetrics line %zu: the value '%s' is not "
		   "a number", no, *p ? p + 1 : "");
}

static void check_openmetrics(char *text)
{
	char **families = NULL, *line, *save = NULL;
	const char *fam = NULL;
	size_t nfam = 0, flen = 0, no = 0;
	int eof = 0;

	FUZZ_CHECK(strlen(text) >= 6 && !strcmp(text + strlen(text) - 6, "# EOF\n"),
		   "openmetrics: not ended by '# EOF'");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		no++;
		FUZZ_CHECK(!eof, "openmetrics line %zu: after '# EOF'", no);
		if (!strcmp(line, "# EOF")) {
			eof = 1;
		} else if (!strncmp(line, "# TYPE ", 7)) {
			size_t n = om_name(line + 7);

			FUZZ_CHECK(n && !strcmp(line + 7 + n, " gauge"),
				   "openmetrics line %zu: a malformed TYPE", no);
			for (size_t i = 0; i < nfam; i++)
				FUZZ_CHECK(strlen(families[i]) != n || strncmp(families[i], line + 7, n),
					   "openmetrics line %zu: the family '%.*s' a second time", no,
					   (int)n, line + 7);
			families = gb_xrealloc(families, (nfam + 1) * sizeof(*families));
			families[nfam++] = gb_xasprintf("%.*s", (int)n, line + 7);
			fam = families[nfam - 1];
			flen = n;
		} else if (!strncmp(line, "# HELP ", 7)) {
			FUZZ_CHECK(fam && !strncmp(line + 7, fam, flen) && line[7 + flen] == ' ',
				   "openmetrics line %zu: a HELP of another family", no);
		} else {
			FUZZ_CHECK(fam && line[0] != '#', "openmetrics line %zu: neither a sample nor "
				   "metadata", no);
			om_sample(line, fam, flen, no);
		}
	}
	for (size_t i = 0; i < nfam; i++)
		free(families[i]);
	free(families);
}

static void check_hlog(const char *text)
{
	size_t no = 0;

	for (const char *p = text; *p; no++) {
		const char *nl = strchr(p, '\n');

		FUZZ_CHECK(nl, "hlog line %zu: no newline at the end", no + 1);
		FUZZ_CHECK(*p == '#' || *p == '"' || !strncmp(p, "Tag=", 4),
			   "hlog line %zu: neither a comment, the header nor an interval", no + 1);
		p = nl + 1;
	}
}

static void check_json(const char *text, const char *array)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	FUZZ_CHECK(j, "%s: the JSON does not parse: %s (line %d)", array, e.text, e.line);
	FUZZ_CHECK(json_is_array(json_object_get(j, array)), "the JSON has no '%s' array", array);
	json_decref(j);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	static const char *const formats[] = { "gbench-json", "hyperfine-json", "hlog",
					       "openmetrics" };
	size_t off[5], len[5], n;
	char *cell = NULL;

	setup();
	n = fuzz_split(data, size, 5, off, len);
	for (size_t p = 0; p < 4; p++) {
		char *name = gb_xasprintf("results/%s", names[p]);

		if (p < n)
			fuzz_write(name, data + off[p], len[p]);
		else
			fuzz_remove(name);
		free(name);
	}
	clear_hist();
	if (n == 5 && (cell = first_cell(data + off[0], len[0]))) {
		char *name = gb_xasprintf("results/hist/%s.hlog", cell);

		fuzz_write(name, data + off[4], len[4]);
		free(name);
	}
	free(cell);
	for (int f = 0; f < 4; f++) {
		char *argv[] = { "export", "--format", (char *)formats[f], "-o", out, dir, NULL };
		char *text;
		int rc;

		unlink(out);
		rc = cmd_export(6, argv);
		FUZZ_CHECK(rc == GB_EXIT_OK || rc == GB_EXIT_USAGE, "export --format %s exited %d",
			   formats[f], rc);
		if (rc != GB_EXIT_OK) {
			FUZZ_CHECK(!gb_file_exists(out), "a refused export --format %s wrote its file",
				   formats[f]);
			continue;
		}
		text = gb_read_file(out, NULL);
		FUZZ_CHECK(text, "export --format %s succeeded without its file", formats[f]);
		if (f == 0)
			check_json(text, "benchmarks");
		else if (f == 1)
			check_json(text, "results");
		else if (f == 2)
			check_hlog(text);
		else
			check_openmetrics(text);
		free(text);
	}
	return 0;
}
