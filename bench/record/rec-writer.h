/*
 * rec-writer.h - the part of recording that both recording libraries share
 * (the BLAS preload library and the recording API of workloads/record/):
 * appending gbench-trace v1 rows to a file so that whatever happens to the
 * program, the file is a valid trace of the rows written so far.
 *
 * How: the preamble (magic line, metadata, header row) is written once,
 * then every row is formatted into a local buffer and written with one
 * write(2) to a descriptor opened O_APPEND. A row is therefore in the file
 * whole or not at all, from any number of threads and processes, and a
 * program killed at any instant leaves only whole rows. The arrival time is
 * taken under the same lock as the write, so rows of one process never go
 * back in time. The formatting uses neither malloc nor stdio nor the
 * locale. Internal to the two libraries (hidden symbols), not installed.
 */
#ifndef GB_REC_WRITER_H
#define GB_REC_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define GB_REC_MAGIC "# gbench-trace v1"
#define GB_REC_HEADER "arrival_ns,stream,op,m,n,k,p,tensor,key"
/* The longest row: 20 digits, 10 per size, op, quoted names of 255 bytes. */
#define GB_REC_ROW_MAX 1280
#define GB_REC_NAME_MAX 255

struct gb_rec_writer {
	int fd;                 /* O_APPEND, O_CLOEXEC; -1 when closed */
	uint64_t t0;            /* CLOCK_MONOTONIC ns that arrival 0 stands for */
	uint64_t last;          /* the last arrival written (kept non-decreasing) */
};

/*
 * Create (truncate) path and write preamble, which must end with the header
 * row's newline. Returns 0, or -1 with errno set.
 */
int gb_rec_writer_create(struct gb_rec_writer *w, const char *path,
			 const char *preamble, uint64_t t0);
/* Append to an existing trace (its preamble written by someone else). */
int gb_rec_writer_append(struct gb_rec_writer *w, const char *path, uint64_t t0);
void gb_rec_writer_close(struct gb_rec_writer *w);

/*
 * Write one row, stamped now, on stream (gb_rec_stream()). op is the op's
 * name; tensor and key may be NULL. Returns 0, or -1 with errno set
 * (EINVAL: a name too long; EBADF: closed; else write(2)'s).
 */
int gb_rec_writer_row(struct gb_rec_writer *w, uint32_t stream, const char *op, uint32_t m,
		      uint32_t n, uint32_t k, uint32_t p, const char *tensor,
		      const char *key);

/*
 * The calling thread's stream: small integers in the order threads first
 * record, 0 for the first. ids, when not NULL, is a counter shared between
 * processes (the preload's counters file) and used instead of this
 * library's own, so that threads of several processes never share a
 * stream. A forked child's thread gets a new id.
 */
uint32_t gb_rec_stream(uint32_t *ids);

/* CLOCK_MONOTONIC in ns. */
uint64_t gb_rec_now_ns(void);

/*
 * Format a row into buf (at least GB_REC_ROW_MAX bytes); returns its
 * length, newline included, or 0 when a name is over GB_REC_NAME_MAX.
 */
size_t gb_rec_format_row(char *buf, uint64_t arrival, uint32_t stream,
			 const char *op, uint32_t m, uint32_t n, uint32_t k,
			 uint32_t p, const char *tensor, const char *key);

/* Write all of buf (retrying short writes and EINTR); 0 or -1 (errno). */
int gb_rec_write_all(int fd, const char *buf, size_t len);

#endif
