/*
 * profiler.h - the interface every counter source implements, and the
 * counter metrics they give (DESIGN.md sections 7 and 10).
 *
 * After PAPI's components: each source has probe() that says why it cannot
 * run here, and a small open/start/stop/read/close cycle over the metrics it
 * is asked for. open() says, per metric, either that it counts it (has[m])
 * or why not (why[m]); a source never gives a fake 0 for a metric it cannot
 * count. The counter set (counters.h) walks a ladder of sources and brackets
 * each measured repetition with start and stop.
 */
#ifndef GB_PROFILER_H
#define GB_PROFILER_H

#include <stddef.h>
#include <stdio.h>

enum gb_source {
	GB_SRC_MEASURED,
	GB_SRC_SCALED,       /* multiplexed counter, scaled by enabled/running */
	GB_SRC_SIMULATED,    /* valgrind */
	GB_SRC_UNAVAILABLE,
};

const char *gb_source_name(enum gb_source s);

/* The counter metrics of DESIGN.md section 7, in results order. */
enum gb_cmetric {
	GB_CM_INSTRUCTIONS,
	GB_CM_CYCLES,
	GB_CM_BRANCHES,
	GB_CM_BRANCH_MISSES,
	GB_CM_L1D_MISSES,
	GB_CM_LLC_MISSES,
	GB_CM_DTLB_MISSES,
	GB_CM_TASK_CLOCK,            /* CPU time of every thread, ns */
	GB_CM_PAGE_FAULTS,
	GB_CM_CSW_VOLUNTARY,         /* getrusage ru_nvcsw */
	GB_CM_CSW_INVOLUNTARY,       /* getrusage ru_nivcsw */
	GB_CM_MAX_RSS,               /* the process's peak RSS so far, KiB */
	GB_CM_COUNT
};

#define GB_CM_BIT(m) (1u << (m))
#define GB_CM_HARDWARE (GB_CM_BIT(GB_CM_DTLB_MISSES + 1) - 1)   /* the first seven */

struct gb_cmetric_info {
	const char *name;        /* as in results.csv */
	const char *unit;
};
extern const struct gb_cmetric_info gb_cmetrics[GB_CM_COUNT];

/* The metric called name, or -1. */
int gb_cmetric_find(const char *name);

/* One metric's value over the last start..stop of a counter set. */
struct gb_counter {
	const char *metric;      /* e.g. "task_clock_ns" (static string) */
	const char *unit;        /* e.g. "ns", "count" */
	double value;            /* NAN when there is no value (unavailable, or never ran) */
	enum gb_source source;
	double running_share;    /* 1.0 unless scaled; NAN when not known */
	const char *reason;      /* why unavailable, else NULL; valid until the set is closed */
};

struct gb_profiler;

#define GB_WHY_LEN 320

struct gb_profiler_i {
	const char *name;        /* as in --counters: "perf-event", "papi", "software" */
	unsigned offers;         /* GB_CM_BIT mask of the metrics it may give */
	/* 0 when the source can count here, else -1 with the reason. */
	int (*probe)(char *reason, size_t len);
	/*
	 * Open the metrics in want (a GB_CM_BIT mask, within offers) that it
	 * can count: set p->has and, for every wanted metric it cannot count,
	 * p->why[m]; p->detail[m] may name the event used. 0 when at least one
	 * metric opened, else -1 with the reason (p->ctx then NULL).
	 */
	int (*open)(struct gb_profiler *p, unsigned want, char *reason, size_t len);
	int (*start)(struct gb_profiler *p);
	int (*stop)(struct gb_profiler *p);
	/*
	 * The values of the opened metrics over the last start..stop:
	 * val[m] (NAN when it has none) and share[m] (running share, 1 unless
	 * multiplexed, NAN when unknown), indexed by metric.
	 */
	int (*read)(struct gb_profiler *p, double *val, double *share);
	void (*close)(struct gb_profiler *p);
	/* Optional: more lines for `gbench info` (the PMU, the library version). */
	void (*describe)(FILE *f, const char *indent);
};

struct gb_profiler {
	const struct gb_profiler_i *iface;
	void *ctx;
	unsigned has;                        /* GB_CM_BIT mask: metrics opened */
	char why[GB_CM_COUNT][GB_WHY_LEN];   /* why a wanted metric is not */
	char detail[GB_CM_COUNT][96];        /* the event counting an opened metric */
	char scope[400];                     /* what is counted: threads, privilege */
};

extern const struct gb_profiler_i gb_perf_event_profiler;
extern const struct gb_profiler_i gb_papi_profiler;
extern const struct gb_profiler_i gb_papi_mpx_profiler;    /* "papi-multiplex" */
extern const struct gb_profiler_i gb_software_profiler;

#endif
