/*
 * csvout.c - RFC 4180 CSV through libcsv (csvout.h): minimal quoting on
 * write, exact round trips for numbers, and a record-at-a-time reader.
 */
#include "results/csvout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "gbench.h"
#include "fsio.h"

void gb_csvw_init(struct gb_csvw *w, FILE *f)
{
	w->f = f;
	w->nfields = 0;
}

void gb_csvw_str(struct gb_csvw *w, const char *s)
{
	if (w->nfields++)
		fputc(',', w->f);
	if (!s)
		return;
	if (strpbrk(s, ",\"\r\n"))
		csv_fwrite(w->f, s, strlen(s));
	else
		fputs(s, w->f);
}

void gb_csv_fmt_num(char *buf, size_t len, double v)
{
	int prec;

	if (isnan(v)) {
		buf[0] = '\0';
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

void gb_csvw_num(struct gb_csvw *w, double v)
{
	char buf[40];

	gb_csv_fmt_num(buf, sizeof(buf), v);
	gb_csvw_str(w, buf);
}

void gb_csvw_uint(struct gb_csvw *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	gb_csvw_str(w, buf);
}

void gb_csvw_end(struct gb_csvw *w)
{
	fputc('\n', w->f);
	w->nfields = 0;
}

void gb_csvw_row(struct gb_csvw *w, const char *const *fields, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gb_csvw_str(w, fields[i]);
	gb_csvw_end(w);
}

struct reader {
	char **fields;
	size_t n, cap;
	size_t recno;
	gb_csv_row_fn row;
	void *ctx;
	int stop;      /* the row callback's non-zero return */
};

static void on_field(void *s, size_t len, void *data)
{
	struct reader *rd = data;
	char *f;

	if (rd->stop)
		return;
	if (rd->n == rd->cap) {
		rd->cap = rd->cap ? 2 * rd->cap : 32;
		rd->fields = gb_xrealloc(rd->fields, rd->cap * sizeof(*rd->fields));
	}
	f = gb_xmalloc(len + 1);
	if (len)
		memcpy(f, s, len);
	f[len] = '\0';
	rd->fields[rd->n++] = f;
}

static void drop_fields(struct reader *rd)
{
	size_t i;

	for (i = 0; i < rd->n; i++)
		free(rd->fields[i]);
	rd->n = 0;
}

static void on_record(int c, void *data)
{
	struct reader *rd = data;

	(void)c;
	rd->recno++;
	if (!rd->stop)
		rd->stop = rd->row(rd->fields, rd->n, rd->recno, rd->ctx);
	drop_fields(rd);
}

/* RFC 4180: spaces are part of a field; libcsv trims them by default. */
static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

int gb_csv_read(const char *path, gb_csv_row_fn row, void *ctx)
{
	struct reader rd = { .row = row, .ctx = ctx };
	struct csv_parser p;
	size_t len;
	char *buf = gb_read_file(path, &len);
	int rc = 0, bad = 0;

	if (!buf)
		return -1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		free(buf);
		return gb_error("cannot set up the CSV parser for '%s'", path);
	}
	csv_set_space_func(&p, no_space);
	/* the first error in the file is the one said: a row the callback refused
	 * stops the reading, and what libcsv finds after it is not reported */
	if (csv_parse(&p, buf, len, on_field, on_record, &rd) != len ||
	    (!rd.stop && csv_fini(&p, on_field, on_record, &rd) != 0))
		bad = 1;
	if (rd.stop)
		rc = rd.stop;
	else if (bad)
		rc = gb_error("%s:%zu: malformed CSV: %s", path, rd.recno + 1,
			      csv_strerror(csv_error(&p)));
	drop_fields(&rd);
	free(rd.fields);
	csv_free(&p);
	free(buf);
	return rc;
}
