/*
 * gbrecord.h - record a program's own compute requests as a gbench trace
 * (gbench-trace v1, the format `gbench run` replays; DESIGN.md section 5).
 *
 *   #include <gbrecord.h>        cc app.c $(pkg-config --cflags --libs gbrecord)
 *
 *   struct gb_recorder *r = gb_recorder_open("app.csv", "my-app v2, prompt 17");
 *   gb_recorder_record(r, GB_REC_MATMUL, (struct gb_rec_shape){ .m = 1, .n = 4096, .k = 4096 },
 *                      "blk0.wq", NULL);
 *   gb_recorder_record(r, GB_REC_SOFTMAX, (struct gb_rec_shape){ .m = 32, .n = 128 }, NULL, NULL);
 *   gb_recorder_close(r);
 *
 * Guarantees: every call of gb_recorder_record writes its row whole with
 * one write(2) before it returns, so a program that crashes or is killed
 * leaves a valid trace of every request recorded so far (only a trace with
 * no request at all fails `gbench validate`: "no requests"). Thread-safe:
 * the row's stream is the calling thread (0 for the first thread that
 * records, then 1, 2, ... in first-record order), its arrival_ns the
 * CLOCK_MONOTONIC time since gb_recorder_open, never decreasing.
 * A row is checked as `gbench validate` checks it before it is written: a
 * request the trace cannot hold is refused (-1, errno EINVAL) and nothing
 * is written.
 */
#ifndef GBRECORD_H
#define GBRECORD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ops of a trace; what each computes is in workloads/README.md. */
enum gb_rec_op {
	GB_REC_MATMUL,    /* Y (m x n) = X (m x k) W (k x n); tensor names W */
	GB_REC_SOFTMAX,   /* m rows of n */
	GB_REC_RMSNORM,   /* m rows of n */
	GB_REC_SILU,      /* m x n elements */
	GB_REC_REDUCE,    /* the sums of m rows of n */
	GB_REC_TOPK,      /* m queries of dim k against n vectors (tensor), p best */
	GB_REC_FFT,       /* m transforms of length n, a power of two */
};

/* The sizes; a size the op does not use must be 0 (workloads/README.md). */
struct gb_rec_shape {
	uint32_t m, n, k, p;
};

struct gb_recorder;

/*
 * Create (or truncate) path and write the trace's preamble: the format
 * line, "# source: SOURCE" (when source is not NULL or empty; line breaks
 * become spaces), "# recorder: libgbrecord ..." and the header row.
 * Returns NULL with errno set when the file cannot be created.
 */
struct gb_recorder *gb_recorder_open(const char *path, const char *source);

/*
 * Record one request now. tensor names the persistent operand (required
 * by GB_REC_MATMUL and GB_REC_TOPK, ignored by the others: same name, same
 * data); key is the cache key (NULL or "": never cached; same key, same
 * inputs). Names are at most 255 bytes. Returns 0, or -1 with errno set:
 * EINVAL for a request the trace cannot hold (gb_recorder_error() says
 * why), or write(2)'s error.
 */
int gb_recorder_record(struct gb_recorder *r, enum gb_rec_op op, struct gb_rec_shape shape,
		       const char *tensor, const char *key);

/* Why the last call on r failed (a static or r-owned string), "" if it did not. */
const char *gb_recorder_error(const struct gb_recorder *r);

/*
 * Close the file and free r (NULL is fine). Returns 0, or -1 when a row
 * could not be written since open (the file then lacks those rows).
 */
int gb_recorder_close(struct gb_recorder *r);

#ifdef __cplusplus
}
#endif

#endif
