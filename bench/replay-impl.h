/*
 * replay-impl.h - what the units of replay share: replay.c (closed loop,
 * cells), replay-workload.c (workloads), replay-accuracy.c (accuracy),
 * replay-open.c (open and offline loops), replay-time.c (time per op
 * kind) and replay-count.c (a repetition's batches without an executor).
 * Not for other units: they use replay.h.
 */
#ifndef GB_REPLAY_IMPL_H
#define GB_REPLAY_IMPL_H

#include <stdint.h>

#include "hist.h"
#include "lru.h"
#include "replay.h"

/* No tensor, no result-cache id: gb_workload's tensor_of and cache_id say UINT32_MAX. */
#define GB_REPLAY_NONE UINT32_MAX

struct cell {
	struct gb_workload *w;
	struct gb_executor *ex, *cpu;
	struct gb_cell_spec spec;
	struct gb_cell_result *out;
	void **handles, **cpu_handles;   /* per tensor, at spec.quant; owned by the workload */
	uint32_t *heads;                 /* per stream: next request */
	uint32_t *members;               /* the batch being formed */
	uint32_t *order;                 /* stream heads sorted by age */
	uint64_t *batch_sizes;           /* this repetition's batches by size (0..batch) */
	uint32_t ops_present;            /* bit 1 << op: the window holds a request of op
					  * kind op (set by gb_cell_open, gb_cell_set_window) */
	uint32_t reps_done;
	uint64_t cpu_fallbacks;          /* calls the CPU served after device out-of-memory */
	int status;                      /* first error, sticky */
};

/*
 * Where one repetition's executor time went, per op kind (replay-time.c):
 * the device's time (gpu_ns.<op>), the host's time of the calls from inputs
 * stacked to outputs back (call_ns.<op>), and the host side of the calls
 * split by calibrated timestamps when every call had one.
 */
struct rep_time {
	uint64_t device_ns[GB_OP_COUNT];
	uint64_t call_ns[GB_OP_COUNT];
	uint64_t calls[GB_OP_COUNT];
	uint64_t queue_ns, return_ns;    /* summed over calls with a split */
	uint64_t split_calls;            /* calls that had one */
};

/* What one repetition measured. */
struct rep_result {
	uint64_t wall_ns, requests, lookups, hits, device_ns, batches;
	int has_device_ns;
	struct rep_time time;
	/* open mode */
	uint64_t late_issues;
	struct gb_hist *response, *service, *queue;
	int aborted;                     /* find-max-qps gave up on the trial */
};

/*
 * Buffers every cell shares: cells run one repetition at a time, so one set
 * of stacking buffers and one result cache, grown to the largest cell and
 * kept, serve them all and keep memory bounded when many cells are open.
 * replay.c owns the one instance (gb_replay__scratch, released by
 * gb_replay_scratch_release); the other units only use the buffers, sized
 * by gb_replay__scratch_reserve.
 */
struct replay_scratch {
	float *x, *y, *yref;
	uint32_t *idx, *idxref;
	size_t x_cap, y_cap, idx_cap;
	struct gb_lru lru;
	int lru_ready;
	struct gb_hist rep_hist;         /* one repetition's latencies */
	int hist_ready;
};

/* The requests a repetition replays: the trace's first rows (spec.window), or all. */
uint32_t gb_replay__window(const struct cell *c);
/* The op kinds among the requests of the window, as bits 1 << op (struct cell ops_present). */
uint32_t gb_replay__ops_present(const struct cell *c);
/* Reset the streams, the shared buffers and the result cache for a repetition. */
void gb_replay__begin(struct cell *c, struct rep_result *res);
/* Sort the arrived stream heads (request index < limit) into c->order; their number. */
uint32_t gb_replay__heads(struct cell *c, uint32_t limit);
/* Form the next batch among arrived heads not in cache (NULL: any) into c->members; its size. */
uint32_t gb_replay__batch(struct cell *c, const struct gb_lru *cache, uint32_t limit);
/* The cell's result cache (the one every cell shares), or NULL when it has none. */
const struct gb_lru *gb_replay__cache(const struct cell *c);
/* Serve request r from the result cache when it holds it: 1 if served. */
int gb_replay__hit(struct cell *c, uint32_t r, struct rep_result *res);
/* Run the batch in c->members; *t0 and *t1 bracket dispatch to completion. */
int gb_replay__run(struct cell *c, uint32_t nm, struct rep_result *res, uint64_t *t0,
		   uint64_t *t1);
/* The histogram the cell's latency distribution is merged from. */
struct gb_hist *gb_replay__rep_hist(void);
/* The buffers every cell shares (replay.c owns them). */
struct replay_scratch *gb_replay__scratch(void);
/* Grow the shared buffers to hold the largest batch of w at batch size batch. */
void gb_replay__scratch_reserve(const struct gb_workload *w, uint32_t batch);
/* Stack the inputs of the batch in c->members into the shared buffers as one call. */
void gb_replay__stack_inputs(struct cell *c, uint32_t nm, struct gb_exec_call *call);
/* Run a call, split in halves on device out-of-memory, on the CPU below one row. */
int gb_replay__exec_call(struct cell *c, const struct gb_exec_call *call,
			 struct gb_exec_timing *t);
/* The GB_REPLAY_ status of an executor's return code. */
int gb_replay__exec_status(int rc);

/* Weights of tensor t at quantization q, quantized on first use (replay-workload.c). */
const struct gb_weights *gb_replay__workload_weights(struct gb_workload *w, uint32_t t,
						    enum gb_quant q);

/* Check the cell's accuracy outside every timed region into out (replay-accuracy.c). */
int gb_replay__check_accuracy(struct cell *c, struct gb_cell_result *out);

/* Add one executor call of op kind op, t0..t1 on the host, to a repetition's times. */
void gb_replay__time_add(struct rep_time *rt, enum gb_op op, const struct gb_exec_timing *t,
			 uint64_t t0, uint64_t t1);
/*
 * Push a measured repetition's per-op metrics: call_ns.<op> and, when the
 * repetition has device time (res->has_device_ns), gpu_ns.<op>, for every
 * op kind among the requests the repetition replayed (0 where the result
 * cache served them all); host_queue_ns and host_return_ns when every call
 * had a split.
 */
void gb_replay__time_push(const struct cell *c, const struct rep_result *res);

/* Open and offline loops (replay-open.c). */
int gb_replay__open(struct cell *c, struct rep_result *res);
void gb_replay__open_release(void);

#endif
