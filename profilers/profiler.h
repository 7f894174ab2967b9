/*
 * profiler.h - the interface every counter source implements.
 *
 * After PAPI's components: each source has probe() that says why it cannot
 * run here, and a small open/start/stop/read/close cycle. The replay brackets
 * each measured repetition with start and stop; read returns one value per
 * opened metric with its provenance.
 */
#ifndef GB_PROFILER_H
#define GB_PROFILER_H

#include <stddef.h>

enum gb_source {
	GB_SRC_MEASURED,
	GB_SRC_SCALED,       /* multiplexed counter, scaled by enabled/running */
	GB_SRC_SIMULATED,    /* valgrind */
	GB_SRC_UNAVAILABLE,
};

const char *gb_source_name(enum gb_source s);

struct gb_counter {
	const char *metric;      /* e.g. "task_clock_ns" (static string) */
	const char *unit;        /* e.g. "ns", "count" */
	double value;
	enum gb_source source;
	double running_share;    /* 1.0 unless scaled */
};

struct gb_profiler;

struct gb_profiler_i {
	const char *name;
	/* 0 when the source can count here, else -1 with the reason. */
	int (*probe)(char *reason, size_t len);
	/* Open the metrics this source can give; the number opened or -1. */
	int (*open)(struct gb_profiler *p, char *reason, size_t len);
	int (*start)(struct gb_profiler *p);
	int (*stop)(struct gb_profiler *p);
	/* Fill up to max counters accumulated since start; the number filled. */
	int (*read)(struct gb_profiler *p, struct gb_counter *out, size_t max);
	void (*close)(struct gb_profiler *p);
};

struct gb_profiler {
	const struct gb_profiler_i *iface;
	void *ctx;
};

#endif
