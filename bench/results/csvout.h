/*
 * csvout.h - RFC 4180 CSV rows written through libcsv, and a small reader
 * that hands back whole records.
 *
 * Writing: a field is quoted (by libcsv's csv_fwrite, quotes doubled) only
 * when it holds a comma, a double quote, CR or LF; every other field goes
 * out as is, so ordinary rows stay readable and diffable. Records end in LF
 * (not RFC 4180's CRLF: every CSV reader, libcsv included, takes both, and
 * the files live in git). Numbers use the shortest of %.15g, %.16g, %.17g
 * that reads back to the same double, so a value survives a round trip
 * exactly; NAN is written as an empty field.
 *
 * Reading: gb_csv_read parses a whole file with libcsv in strict mode
 * without trimming spaces, and calls back once per record with its fields
 * (NUL-terminated) and its 1-based record number (the line number unless an
 * earlier field held a newline).
 */
#ifndef GB_CSVOUT_H
#define GB_CSVOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gb_csvw {
	FILE *f;
	int nfields;   /* fields written on the current record */
};

void gb_csvw_init(struct gb_csvw *w, FILE *f);
/* A text field; NULL writes an empty field. */
void gb_csvw_str(struct gb_csvw *w, const char *s);
/* A number; NAN writes an empty field. */
void gb_csvw_num(struct gb_csvw *w, double v);
void gb_csvw_uint(struct gb_csvw *w, uint64_t v);
/* End the record. */
void gb_csvw_end(struct gb_csvw *w);
/* Write a whole record of n text fields. */
void gb_csvw_row(struct gb_csvw *w, const char *const *fields, size_t n);

/* Format v as gb_csvw_num does into buf (at least 32 bytes); "" for NAN. */
void gb_csv_fmt_num(char *buf, size_t len, double v);

/*
 * Parse the file at path; call row(fields, nfields, recno, ctx) for every
 * record, stopping at the first non-zero return (passed on). 0 or -1 with
 * a message naming the file.
 */
typedef int (*gb_csv_row_fn)(char **fields, size_t n, size_t recno, void *ctx);
int gb_csv_read(const char *path, gb_csv_row_fn row, void *ctx);

#endif
