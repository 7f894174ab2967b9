/*
 * trace.h - recorded workloads: the gbench-trace v1 format (DESIGN.md section 5).
 *
 *   # gbench-trace v1
 *   # key: value                (metadata, any number)
 *   arrival_ns,stream,op,m,n,k,p,tensor,key
 *   0,0,matmul,1,4096,4096,0,blk0.wq,
 *
 * The parser is built on libcsv (RFC 4180). Every problem is reported on
 * stderr as "FILE:LINE: what is wrong"; loading goes on after an error so
 * that `gbench validate` can report all of them.
 */
#ifndef GB_TRACE_H
#define GB_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "op.h"

struct gb_request {
	uint64_t arrival_ns;
	uint32_t stream;
	struct gb_shape shape;
	const char *tensor;   /* "" when none; owned by the trace */
	const char *key;      /* "" = never cached; owned by the trace */
	uint32_t line;        /* line in the trace file, for messages */
};

struct gb_trace_meta {
	char *key, *value;
};

struct gb_trace {
	char *path;                 /* as given */
	char *name;                 /* basename without .csv */
	struct gb_request *req;
	size_t n;
	struct gb_trace_meta *meta;
	size_t nmeta;
	uint32_t nstreams;          /* max stream id + 1 */
	uint64_t hash;              /* FNV-1a of the file's bytes */
	/* private: string storage */
	char **strings;
	size_t nstrings;
};

/*
 * Load and check a trace. Returns 0, or -1 after printing every problem
 * found (each as FILE:LINE: ...); *nerrors (may be NULL) gets their number.
 * On failure *t holds nothing to release.
 */
int gb_trace_load(const char *path, struct gb_trace *t, unsigned *nerrors);
void gb_trace_release(struct gb_trace *t);

/* Look up a metadata value, NULL when absent. */
const char *gb_trace_meta_get(const struct gb_trace *t, const char *key);

/* Write a trace in v1 format (used by synth); 0 or -1. */
int gb_trace_write(FILE *f, const struct gb_trace *t);

#endif
