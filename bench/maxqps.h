/*
 * maxqps.h - the search behind `gbench run --find-max-qps --slo p99=T`.
 */
#ifndef GB_MAXQPS_H
#define GB_MAXQPS_H

#include <jansson.h>

#include "replay.h"

/*
 * The highest offered load (requests/s) at which the cell described by
 * spec (open mode) keeps its p99 response time within slo_ns; 0 when even
 * the lowest rate tried misses it. Every trial is appended to `trials`.
 * Returns a gb_replay_status or -1 when the trace has no arrival times.
 */
int gb_find_max_qps(struct gb_workload *w, struct gb_executor *ex, struct gb_executor *cpu,
		    const struct gb_cell_spec *spec, uint64_t slo_ns, double *best,
		    json_t *trials);

#endif
