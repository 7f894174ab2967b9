/*
 * memplan.h - the memory plan of a run: how much memory the cells of the
 * matrix hold at the run's peak, known from the traces' rows alone (never
 * their data) before anything large is allocated, so that a plan that
 * cannot fit is refused (exit 2) instead of dying of out-of-memory halfway.
 *
 * What a run holds at once, all kept to its end (replay.h): per workload
 * its persistent operands in f32 as generated and once per quant level its
 * cells use, every distinct input, the float64 oracle's answers for the
 * inputs the accuracy check samples, the trace's rows and maps; shared by
 * all cells the replay's stacking buffers and the cpu executor's, grown to
 * the largest batch, and the result cache at the largest capacity; per cell
 * a latency histogram, its batch-size counts and its repetitions' values.
 * A Vulkan device holds each tensor at each quant level of its cells and
 * its per-call buffers: device memory, counted apart, unless the device is
 * a CPU (lavapipe) whose memory is host memory. With processes = N the
 * other processes run one at a time while this one waits holding all of
 * its own, so the peak is about twice one process.
 *
 * Every size is a sum of products computed with saturating arithmetic: a
 * size that overflows 64 bits is GB_MEMPLAN_TOO_LARGE, over any limit.
 */
#ifndef GB_MEMPLAN_H
#define GB_MEMPLAN_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "quant.h"
#include "replay.h"

#define GB_MEMPLAN_TOO_LARGE UINT64_MAX
/* The default limit: this share of physical memory (or of the cgroup's limit). */
#define GB_MEMPLAN_SHARE_PCT 80

/* One contributor: `count` things of `each` bytes. */
struct gb_memplan_part {
	char *key;         /* parts with the same key add up */
	char *what;        /* "tensor 'w0' of 'llm-decode': matmul 4096x4096 f32" */
	uint64_t each;     /* bytes of one; 0 when their sizes differ */
	uint64_t count;
	uint64_t total;    /* bytes of all, saturated */
	int device;        /* memory of a Vulkan device, not of the host */
};

struct gb_memplan {
	struct gb_memplan_part *parts;
	size_t nparts;
	uint64_t host, device;          /* sums of the parts, saturated */
	char *refusal;                  /* a plan that cannot run whatever the limit, or NULL */
};

/* A cell of the matrix as the plan sees it. */
struct gb_memplan_cell {
	size_t workload;
	uint32_t batch, cache, reps;
	enum gb_quant quant;
	int vulkan;        /* runs on a Vulkan device (and on the cpu executor as reference) */
};

struct gb_memplan_input {
	const struct gb_workload *wl;   /* loaded: rows, shapes, tensors; no data needed */
	size_t nwl;
	const struct gb_memplan_cell *cells;
	size_t ncells;
	uint32_t accuracy_samples;      /* oracle checks per (cell, op); 0: no accuracy check */
	int open_mode;                  /* open or offline: three more histograms */
	int vulkan_host;                /* the Vulkan device's memory is host memory */
	uint32_t processes;             /* > 1: the others run one at a time beside this one */
};

/* a + b and a * b, or GB_MEMPLAN_TOO_LARGE when they overflow (or either is). */
uint64_t gb_memplan_add(uint64_t a, uint64_t b);
uint64_t gb_memplan_mul(uint64_t a, uint64_t b);

void gb_memplan_init(struct gb_memplan *p);
void gb_memplan_release(struct gb_memplan *p);
/*
 * Add count x each bytes under key (a part with that key grows; `what`
 * describes it as first added), to the host or the device total.
 */
void gb_memplan_part(struct gb_memplan *p, int device, const char *key, const char *what,
		     uint64_t each, uint64_t count);
/* The whole plan of a run; parts sorted largest first. */
void gb_memplan_compute(struct gb_memplan *p, const struct gb_memplan_input *in);

/*
 * The default limit: GB_MEMPLAN_SHARE_PCT of MemTotal, or of the cgroup's
 * memory.max when lower; writes how it was found into why. 0 when neither
 * is known (then only a refused or overflowing plan is refused).
 */
uint64_t gb_memplan_default_limit(char *why, size_t len);
/*
 * 0 when the plan fits within limit (0: no limit), else -1 after one line
 * naming the peak, the limit (limit_why says where it came from) and the
 * largest parts.
 */
int gb_memplan_check(const struct gb_memplan *p, uint64_t limit, const char *limit_why);
/* The plan for --dry-run: "memory: ..." and one line per part. */
void gb_memplan_print(const struct gb_memplan *p, uint64_t limit, const char *limit_why,
		      FILE *f);
/* For meta.json: peak, device, limit and the largest parts. */
json_t *gb_memplan_json(const struct gb_memplan *p, uint64_t limit, const char *limit_why);

/* "256 MiB", "1.5 GiB", "12 bytes" (binary units); buf of 32 bytes is enough. */
void gb_memplan_format(uint64_t bytes, char *buf, size_t len);
/*
 * A size: an integer with an optional K, M, G or T suffix (binary: K is
 * 1024; "KiB" and "KB" spellings too) or bytes; at least 1 MiB. 0 or -1.
 */
int gb_memplan_parse_size(const char *s, uint64_t *out);

#endif
