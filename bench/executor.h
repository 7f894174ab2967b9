/*
 * executor.h - the interface every executor implements (cpu, vulkan).
 *
 * An executor is { iface, ctx } as in ggml's backends: the interface is a
 * const struct of function pointers filled with designated initializers; the
 * wrappers below check optional members. The replay owns the host buffers of
 * a call; the executor owns whatever it made from them (device buffers,
 * uploaded weights) until the matching free/release.
 */
#ifndef GB_EXECUTOR_H
#define GB_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#include "op.h"
#include "quant.h"

/* Status codes of run() beyond 0 / -1, so the replay can react. */
#define GB_EXEC_ENOMEM (-2)   /* device out of memory: split the batch */
#define GB_EXEC_ELOST (-3)    /* device lost: stop using this executor */

struct gb_exec_opts {
	int threads;            /* CPU worker threads (0 = all CPUs) */
	const char *device;     /* --device N|NAME, NULL = best */
	int validate;           /* Vulkan validation layer on */
	int force_staging;      /* use staging copies even for host-visible memory */
	int pin;                /* pin threads to cores (cpu: one per worker; vulkan: a
				 * CPU device's driver beside the caller; see turn) */
};

/* One executor call: the shape's m is the number of stacked rows. */
struct gb_exec_call {
	struct gb_shape shape;
	enum gb_quant quant;      /* of the weights; other ops compute in f32 */
	const float *x;           /* gb_shape_in_floats(&shape) floats */
	const void *weights;      /* handle from weights_upload, or NULL */
	float *y;                 /* gb_shape_out_floats(&shape) floats */
	uint32_t *idx;            /* topk: m*p indices, else NULL */
};

/*
 * Where a call's time went, when the executor can tell. device_ns is the
 * time on the device from the first dispatch's start to the last one's end
 * (gpu_ns). With calibrated timestamps (has_split) the rest of the host's
 * wall time of the call is split in two: queue_ns from the host's submit
 * to the device's start (recording, uploads, submission, queueing), and
 * return_ns from the device's end to the host's return (completion seen,
 * read-back, checks).
 */
struct gb_exec_timing {
	uint64_t device_ns;       /* time on the device (gpu_ns) ... */
	int has_device_ns;        /* ... when the executor measures it */
	uint64_t queue_ns;        /* host submit -> device start ... */
	uint64_t return_ns;       /* device end -> host return ... */
	int has_split;            /* ... when host and device clocks are calibrated */
};

/* What `gbench info` and meta.json say about the device. */
struct gb_exec_info {
	char device[256];
	char driver[256];         /* driver name and version, "" if none */
	char api[64];             /* API version, "" if none */
	char type[32];            /* "cpu", "discrete-gpu", ... */
	char placement[192];      /* where its threads run, when it chose; "" if not */
	char kernels[192];        /* a kernel choice that depends on a setting; "" if none */
};

/*
 * What peak() measures: the executor's own ceilings for `gbench peak`, in
 * device time. copy_gbs counts 8 bytes per f32 element copied (one read,
 * one write; no write-allocate, as likwid-bench counts copy); f32_gflops
 * counts an FMA as 2 FLOPs.
 */
struct gb_exec_peak {
	int quick;                /* in: smaller buffers, shorter dispatches */
	double copy_bytes;        /* out: bytes of each of the two copy buffers */
	double copy_gbs;          /* out: GB/s (1e9 bytes), best dispatch */
	double f32_gflops;        /* out: GFLOP/s, best dispatch */
};

struct gb_executor;

struct gb_executor_i {
	const char *name;
	/*
	 * Make the executor ready. On failure return -1 with the reason in
	 * reason[len] (e.g. "no Vulkan loader: libvulkan.so.1 not found").
	 */
	int (*init)(struct gb_executor *ex, const struct gb_exec_opts *o,
		    char *reason, size_t len);
	void (*release)(struct gb_executor *ex);
	void (*info)(const struct gb_executor *ex, struct gb_exec_info *out);
	/* Make a persistent operand resident; *handle stays valid until weights_free. */
	int (*weights_upload)(struct gb_executor *ex, const struct gb_weights *w,
			      void **handle);
	void (*weights_free)(struct gb_executor *ex, void *handle);
	/* Run one call synchronously: y is complete when it returns 0. */
	int (*run)(struct gb_executor *ex, const struct gb_exec_call *c,
		   struct gb_exec_timing *t);
	/* Optional: the number of validation messages so far (0 if none). */
	unsigned (*validation_messages)(const struct gb_executor *ex);
	/*
	 * Optional: measure the device's copy bandwidth and f32 FMA throughput
	 * (struct gb_exec_peak). 0, or -1 with the reason printed. NULL where
	 * the host measurements of peak.c already are the ceilings (cpu).
	 */
	int (*peak)(struct gb_executor *ex, struct gb_exec_peak *out);
	/*
	 * Optional: begin (1) or end (0) a turn, a series of calls the run
	 * makes back to back from the calling thread. The vulkan executor on a
	 * CPU device holds that thread on the core its driver runs on for the
	 * turn, so a call wakes no other core.
	 */
	void (*turn)(struct gb_executor *ex, int begin);
};

struct gb_executor {
	const struct gb_executor_i *iface;
	void *ctx;
};

extern const struct gb_executor_i gb_executor_cpu;
extern const struct gb_executor_i gb_executor_vulkan;

/* The registry: NULL-terminated, in preference order. */
extern const struct gb_executor_i *const gb_executors[];
const struct gb_executor_i *gb_executor_find(const char *name);

int gb_executor_init(struct gb_executor *ex, const struct gb_executor_i *iface,
		     const struct gb_exec_opts *o, char *reason, size_t len);
void gb_executor_release(struct gb_executor *ex);
unsigned gb_executor_validation_messages(const struct gb_executor *ex);
void gb_executor_turn(struct gb_executor *ex, int begin);
/*
 * Under GB_INJECT: run ex's calls through the injection hook (on) or
 * straight to the executor (off), as the cell about to run asks
 * (gb_inject_applies); nothing without GB_INJECT or for a NULL ex.
 */
void gb_executor_inject(struct gb_executor *ex, int on);

#endif
