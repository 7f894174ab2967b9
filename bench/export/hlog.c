/*
 * hlog.c - HdrHistogram's histogram log (.hlog, log format 1.3): every
 * cell's latency histogram as one interval line tagged with the cell id,
 * which HistogramLogReader and HistogramLogProcessor (-tag ID) read.
 *
 * The run writes each cell's histogram exactly, already encoded, as
 * hist/<cell>.hlog (hist-hlog.c); this joins their interval lines under one
 * header whose StartTime is the run's start (meta.json). Nothing is
 * re-derived: a results folder written before .hlog existed has only the
 * .hgrm percentile tables, from which the counts cannot be recovered, and
 * is refused.
 */
#include "export/export.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsio.h"
#include "gbench.h"

/* The run's start (meta.json "start", ISO 8601 UTC) in seconds since the epoch; -1 if unknown. */
static long long run_start(const char *dir)
{
	char *path = gb_xasprintf("%s/meta.json", dir);
	json_t *meta = gb_file_exists(path) ? json_load_file(path, 0, NULL) : NULL;
	const char *s = json_string_value(json_object_get(meta, "start"));
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	long long t = end && !*end ? (long long)timegm(&tm) : -1;

	json_decref(meta);
	free(path);
	return t;
}

/*
 * The interval line of hist/<id>.hlog: "Tag=ID," then three decimal numbers
 * and the base64 histogram. Anything else is not a file gbench wrote.
 */
static char *interval_line(const char *path, const char *id)
{
	size_t len, tlen = strlen(id);
	char *text = gb_read_file(path, &len), *line = NULL, *p, *nl;
	int commas = 0;

	if (!text)
		return NULL;
	for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (!strncmp(p, "Tag=", 4)) {
			line = p;
			break;
		}
	}
	if (!line || strncmp(line + 4, id, tlen) || line[4 + tlen] != ',')
		goto bad;
	if (nl)
		*nl = 0;
	for (p = line + 4 + tlen; *p; p++) {
		if (*p == ',')
			commas++;
		else if (!(commas < 4 ? (*p >= '0' && *p <= '9') || *p == '.'
			   : (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			     (*p >= '0' && *p <= '9') || *p == '+' || *p == '/' || *p == '='))
			goto bad;
	}
	if (commas != 4)
		goto bad;
	line = gb_xstrdup(line);
	free(text);
	return line;
bad:
	gb_error("%s: not an interval of cell '%s' in HdrHistogram's log format", path, id);
	free(text);
	return NULL;
}

int gb_export_hlog(FILE *f, const struct gb_results *r, const char *dir, json_t *meta)
{
	size_t written = 0;
	int rc = 0;

	if (gb_hlog_write_header(f, run_start(dir)) < 0)
		return gb_error("cannot write the log");
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		const struct gb_cell_result *c = &r->cells[i];
		char *path = gb_xasprintf("%s/hist/%s.hlog", dir, c->id), *line;

		if (!gb_file_exists(path)) {
			char *hgrm = gb_xasprintf("%s/hist/%s.hgrm", dir, c->id);

			if (gb_file_exists(hgrm))
				rc = gb_error("'%s' has no hist/%s.hlog (results written before gbench kept "
					      "exact histograms; the .hgrm table cannot be turned back into counts): "
					      "run again", dir, c->id);
			free(hgrm);
		} else if (!(line = interval_line(path, c->id))) {
			rc = -1;
		} else {
			/* tagged with the cell's export name (a time budget's window in it) */
			char *name = gb_export_name(c, meta);

			fprintf(f, "Tag=%s%s\n", name, line + 4 + strlen(c->id));
			written++;
			free(name);
			free(line);
		}
		free(path);
	}
	if (rc == 0 && !written)
		rc = gb_error("'%s' holds no latency histogram", dir);
	if (rc == 0 && ferror(f))
		rc = gb_error("cannot write the log");
	return rc;
}
