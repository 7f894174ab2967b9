/*
 * torch-map.h - PyTorch profiler ops (torch-trace.h) to gbench requests,
 * and the trace they make.
 *
 * Which aten ops become which op, how their shapes become m, n, k, how a
 * weight is named, and what is listed instead of mapped: docs/recording.md
 * ("gbench import torch-profiler"), the rules table in torch-map.c. Pure
 * functions on a loaded trace, no I/O but the writer's FILE: unit-tested
 * in tests/unit/test-import.c.
 */
#ifndef GB_TORCH_MAP_H
#define GB_TORCH_MAP_H

#include <stdint.h>
#include <stdio.h>

#include "import/torch-trace.h"
#include "op.h"

/*
 * What one trace of a few bytes may make: a call's shapes are numbers, and
 * (1, 8, 64) or (2^26, 1, 1) cost as much to write down. One call gives at
 * most GB_IMPORT_MAX_CALL_ROWS rows (2^42 elements split at the trace
 * limits; more is skipped as over the limits), a trace at most
 * GB_IMPORT_MAX_ROWS (refused beyond: profile fewer steps).
 */
#define GB_IMPORT_MAX_CALL_ROWS 65536u
#define GB_IMPORT_MAX_ROWS (1u << 22)

struct gb_import_row {
	uint64_t arrival_ns;
	uint32_t stream;
	struct gb_shape shape;
	uint32_t weight;            /* matmul: the weight's id, named w<id>[.<batch>] */
	uint32_t batch;             /* batched matmul: the batch index + 1; 0 when not batched */
};

/* What became of the calls of one op name (one entry per name and fate). */
enum gb_import_fate {
	GB_IMPORT_MAPPED,           /* rows made */
	GB_IMPORT_NESTED,           /* a wrapper: the same op inside it was mapped */
	GB_IMPORT_SKIPPED,          /* a mapped name, but this call gave no row (why) */
	GB_IMPORT_UNMAPPED,         /* no gbench op */
};

struct gb_import_op {
	const char *name;           /* the trace's (owned by it) */
	enum gb_import_fate fate;
	const char *why;            /* GB_IMPORT_SKIPPED: the reason (static) */
	enum gb_op op;              /* GB_IMPORT_MAPPED, NESTED, SKIPPED */
	uint64_t count, rows;
	uint64_t self_ns;
};

struct gb_import {
	struct gb_import_row *rows;
	size_t nrows;
	struct gb_import_op *ops;   /* in order of first appearance */
	size_t nops;
	uint64_t self_ns;           /* all ops' self time */
	double matmul_flops;        /* the rows' */
	double profiler_flops;      /* the profiler's "flops" over matmul-family ops */
	uint32_t nweights;
	int shapes_seen;            /* any op recorded its input shapes */
};

/*
 * Map every op of t. 0, or -1 with a message naming file: the trace holds
 * nothing to replay (no op recorded its shapes, as when record_shapes was
 * off or torch without kineto exported it; or no op has a gbench
 * equivalent), or it would make more than GB_IMPORT_MAX_ROWS rows.
 */
int gb_import_torch(const struct gb_tp_trace *t, const char *file, struct gb_import *im);
void gb_import_release(struct gb_import *im);

/* The trace: preamble (source, what was imported, listed, skipped), header, rows. */
void gb_import_write(FILE *f, const struct gb_import *im, const struct gb_tp_trace *t,
		     const char *source);

#endif
