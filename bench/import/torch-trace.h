/*
 * torch-trace.h - a PyTorch profiler trace (the Chrome trace JSON that
 * torch.profiler's export_chrome_trace writes) read into the operator
 * events gbench import maps, with their nesting.
 *
 * Kept: the complete events ("ph": "X") of category "cpu_op" (older
 * releases: "Operator"), each with its name, start and duration, thread,
 * the input shapes and types that record_shapes=True adds ("Input Dims",
 * "Input type") and the FLOP count that with_flops=True adds ("flops"). Events of every other
 * category (python_function, user_annotation, kernels, ...) are counted
 * by category, not kept; "ProfilerStep#N" annotations are kept as step
 * boundaries (the op mapping names weights by their place in a step).
 *
 * Nesting is recovered from time: on one thread, an op that starts inside
 * another's interval is its child (aten::linear contains aten::t and
 * aten::addmm). Self time is an op's duration less its children's.
 */
#ifndef GB_TORCH_TRACE_H
#define GB_TORCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define GB_TP_MAX_DIMS 8

/* One input's shape; rank -1 when the trace recorded no shape (a scalar, a list, None). */
struct gb_tp_dims {
	int rank;
	int integral;               /* "Input type" says integers or bools ("long int", "bool") */
	int64_t d[GB_TP_MAX_DIMS];
};

struct gb_tp_event {
	const char *name;           /* owned by the trace */
	uint64_t ts_ns;             /* start, ns since the trace's earliest event */
	uint64_t dur_ns;
	uint64_t self_ns;           /* dur_ns less the children's durations */
	uint32_t stream;            /* (pid, tid) numbered in order of first start */
	uint32_t step;              /* ProfilerStep it starts in, 0 before any or with none */
	struct gb_tp_dims *in;      /* ninputs shapes */
	size_t nin;
	double flops;               /* the profiler's count; valid when has_flops */
	int has_flops;
	long parent;                /* index of the enclosing op, -1 at top level */
	size_t index;               /* position in traceEvents, for messages */
};

/* Events of another category, counted. */
struct gb_tp_other {
	char *cat;
	uint64_t count;
};

struct gb_tp_trace {
	struct gb_tp_event *ev;     /* sorted by (ts, stream, longer first) */
	size_t n;
	uint32_t nstreams;
	uint32_t nsteps;            /* ProfilerStep annotations seen */
	struct gb_tp_other *other;
	size_t nother;
	/* private */
	char **names;
	size_t nnames;
};

/*
 * Parse the trace in buf (len bytes; file names it in messages). 0, or -1
 * after one message: invalid JSON as "FILE:LINE:COLUMN: ..." (jansson's
 * position), a JSON that is not a profiler trace or an event that is
 * malformed as "FILE: traceEvents[I]: ...". On failure *t holds nothing.
 */
int gb_tp_parse(const char *buf, size_t len, const char *file, struct gb_tp_trace *t);
/* gb_tp_parse on a file's contents. */
int gb_tp_load(const char *path, struct gb_tp_trace *t);
void gb_tp_release(struct gb_tp_trace *t);

#endif
