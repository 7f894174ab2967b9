/*
 * replay.h - replaying a trace through an executor, one cell at a time.
 *
 * A workload is a trace made ready for replay once and shared by all of its
 * cells: the requests of each stream in order, every distinct input
 * generated up front (so no data is made inside a timed region), the
 * persistent operands in f32 and, lazily, quantized per level, and the
 * float64 oracle's answers, cached per distinct input.
 *
 * A cell replays the workload `warmup + repetitions` times through one
 * executor at one batch size, quant level and cache capacity, in closed
 * mode (batches back to back), open mode (requests issued at their trace
 * arrival times by an issuer thread that never waits on completions) or
 * offline mode (everything at t = 0; DESIGN.md section 6). It records per
 * repetition wall_ns, throughput_rps, latency percentiles (open: response,
 * service and queue times), cache_hit_rate and the executor's device time,
 * then checks accuracy outside the timed region.
 */
#ifndef GB_REPLAY_H
#define GB_REPLAY_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "executor.h"
#include "quant.h"
#include "results/results.h"
#include "trace.h"

struct gb_resident;
struct gb_counters;

struct gb_tensor_data {
	char *name;
	enum gb_op op;
	uint32_t rows, cols;
	float *f32;                        /* rows*cols, as generated */
	struct gb_weights q[GB_Q_COUNT];   /* quantized on first use */
	int have_q[GB_Q_COUNT];
};

struct gb_workload {
	struct gb_trace trace;
	uint64_t seed;
	uint32_t *input_of;        /* request -> distinct input id */
	float **inputs;            /* per input id; NULL until gb_workload_generate */
	struct gb_shape *input_shape;
	uint32_t *input_req;       /* per input id: the first request with it */
	uint8_t *input_variant;    /* per input id: which unkeyed variant (0 when keyed) */
	uint32_t ninputs;
	int generated;             /* inputs and persistent operands made */
	uint32_t *cache_id;        /* request -> result-cache id, or UINT32_MAX (no key) */
	uint32_t ncache_ids;
	uint32_t *tensor_of;       /* request -> tensor index, or UINT32_MAX */
	struct gb_tensor_data *tensors;
	uint32_t ntensors;
	uint32_t nstreams;         /* distinct stream ids in the trace */
	uint32_t *stream_of;       /* request -> dense stream index 0..nstreams-1 */
	uint32_t **stream_req;     /* per dense stream: its requests in order */
	uint32_t *stream_len;
	size_t max_in, max_out;    /* floats of the largest request */
	uint32_t max_p;
	/* float64 oracle per input id, computed on first need */
	double **oracle;
	uint32_t **oracle_idx;
	uint32_t oracle_runs;
	/* persistent operands made resident on executors (see gb_workload_unload) */
	struct gb_resident *resident;
	size_t nresident;
};

/*
 * Load a trace into a workload: its rows, streams, distinct inputs and
 * persistent operands with their shapes, but no data, so that a memory
 * plan (memplan.h) can size it first; 0, or -1 after printing FILE:LINE
 * errors.
 */
int gb_workload_load(struct gb_workload *w, const char *path, uint64_t seed);
/*
 * Generate the workload's data: every distinct input and the persistent
 * operands in f32. Once; gb_cell_open calls it when nobody did before.
 */
void gb_workload_generate(struct gb_workload *w);
void gb_workload_release(struct gb_workload *w);
/*
 * Free the weights uploaded to executors for this workload's cells; call
 * before those executors are released.
 */
void gb_workload_unload(struct gb_workload *w);

struct gb_cell_spec {
	uint32_t batch, cache;
	enum gb_quant quant;
	uint32_t repetitions, warmup;
	uint32_t window;              /* requests a repetition replays: the first `window`
	                               * rows of the trace (0: all of them; budget.h) */
	uint32_t accuracy_samples;    /* sampled executor calls per op */
	enum gb_mode mode;
	double speed;                 /* open: arrivals at arrival_ns / speed */
	uint64_t max_queue_delay_ns;  /* open: how long a batch may wait to fill */
	uint64_t min_duration_ns;     /* validity: a measured repetition lasts this long ... */
	uint64_t min_requests;        /* ... and serves this many requests */
	uint64_t slo_ns;              /* find-max-qps: give up a trial once p99 > slo is certain */
	int skip_accuracy;            /* callgrind child: no oracle */
	struct gb_counters *counters; /* the run's counter set, or NULL */
};

/* Set by a SIGINT handler: replay stops at the next batch. */
extern volatile sig_atomic_t gb_interrupted;

enum gb_replay_status {
	GB_REPLAY_OK = 0,
	GB_REPLAY_FAILED = -1,        /* executor error; message printed */
	GB_REPLAY_INTERRUPTED = -2,
	GB_REPLAY_DEVICE_LOST = -3,
	GB_REPLAY_NO_MEMORY = -4,     /* the persistent operands do not fit on the device */
};

/*
 * A cell in progress. Cells can be open side by side so that their
 * repetitions interleave: open all, then call gb_cell_rep in any order,
 * then finish (accuracy, outside any timing) and close each. Errors are
 * sticky: once a call failed, later calls return the same status.
 */
struct gb_cell;
int gb_cell_open(struct gb_cell **c, struct gb_workload *w, struct gb_executor *ex,
		 struct gb_executor *cpu, const struct gb_cell_spec *spec,
		 struct gb_cell_result *out);
/*
 * Replay only the first n rows of the trace from the next repetition on
 * (0 or n >= rows: all of them): the time plan's calibration and a cell
 * whose whole replay would not fit its share of the budget (budget.h).
 */
void gb_cell_set_window(struct gb_cell *c, uint32_t n);
/* One repetition from a cold result cache; measured ones add metric values. */
int gb_cell_rep(struct gb_cell *c, int measured);
int gb_cell_finish(struct gb_cell *c);
void gb_cell_close(struct gb_cell *c);
/* Free the buffers cells share (at the end of a run). */
void gb_replay_scratch_release(void);

/*
 * What a closed-loop repetition over the first `rows` requests of w (all
 * of them past its length) does at batch size `batch` with a cold result
 * cache of `cache` entries: the executor calls it makes, the requests
 * they carry and the requests the cache serves, found without an executor
 * by the replay's own batching over the cache's keys (replay-count.c),
 * and the 4-byte words its hits copy out of the cache and its puts into
 * it (outputs and top-k indices). For the time plan: at batch 4 a cached
 * llm-prefill replay executes half its requests where the cache's hit
 * share says a quarter, as two streams' requests for one key go out in
 * one call, both misses.
 */
struct gb_replay_count {
	uint64_t calls, requests, hits, copied;
};
void gb_replay_count(const struct gb_workload *w, uint32_t batch, uint32_t cache, size_t rows,
		     struct gb_replay_count *out);

/*
 * Replay one cell of workload w through ex into out (metrics, histogram,
 * accuracy rows). cpu is the CPU executor, used as the reference of other
 * executors and as the fallback when a device runs out of memory; it may
 * be ex itself. Returns a gb_replay_status.
 */
int gb_replay_cell(struct gb_workload *w, struct gb_executor *ex, struct gb_executor *cpu,
		   const struct gb_cell_spec *spec, struct gb_cell_result *out);

/* The fewest samples a percentile needs to be reported (see replay.c). */
uint64_t gb_percentile_min_samples(double pct);

/* Counters of unusual events over the whole run, for meta.json. */
struct gb_replay_events {
	uint64_t enomem_splits;       /* calls split after device out-of-memory */
	uint64_t cpu_fallbacks;       /* calls served by the CPU instead */
	uint64_t oracle_rows;         /* rows of the requests the accuracy check compared */
	uint64_t oracle_rows_checked; /* of them, the rows the float64 oracle computed */
};
extern struct gb_replay_events gb_replay_events;

#endif
