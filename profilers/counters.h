/*
 * counters.h - the counter set of a run: which metrics are counted, by
 * which source, and why the others are not (DESIGN.md section 10).
 *
 * gb_counters_open turns the --counters spec into a set of metrics, each
 * given by the first source of a ladder that can count it here, and records
 * the choice in meta.json. The replay brackets each measured repetition
 * with gb_counters_start and gb_counters_stop and then reads one value per
 * metric; a metric no source can count is returned as unavailable with its
 * reason, never as 0.
 *
 *   spec "auto"     every metric; ladder perf-event -> software -> papi (the
 *                   default; valgrind never runs unless asked)
 *   spec "none"     no metric (start/stop cost nothing)
 *   spec LIST       comma-separated source names (perf-event, papi,
 *                   papi-multiplex, software: the ladder, in that order) and/or
 *                   metric names (instructions, ..., max_rss_kb: the metrics);
 *                   sources alone count every metric they offer, metrics alone
 *                   use the auto ladder. "callgrind" in the list asks for the
 *                   simulation (callgrind.h) and is otherwise ignored here; a
 *                   list of nothing else means auto.
 */
#ifndef GB_COUNTERS_H
#define GB_COUNTERS_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "profiler.h"

struct gb_counters;

/*
 * Open the counter set for spec. Fills meta (a JSON object, for meta.json
 * "counters"): requested spec, ladder, per metric its source and event or
 * why unavailable, per source its state, scope or reason,
 * perf_event_paranoid, and the start/stop/read overhead measured now
 * (median ns of 100 cycles). meta may be NULL. Returns 0, or -1 after a
 * message for a bad spec (a usage error).
 */
int gb_counters_open(struct gb_counters **out, const char *spec, json_t *meta);
/* Right before a measured repetition. 0, or -1 when a source failed (its values read NAN). */
int gb_counters_start(struct gb_counters *c);
/* Right after it. 0 or -1 as for start. */
int gb_counters_stop(struct gb_counters *c);
/*
 * The values of the last start..stop, one per metric of the set (in
 * enum gb_cmetric order), unavailable ones included (source
 * GB_SRC_UNAVAILABLE, value NAN, reason set); at most max are written.
 * Returns the number of metrics in the set.
 */
size_t gb_counters_read(struct gb_counters *c, struct gb_counter *out, size_t max);
/* The number of metrics in the set (at most GB_CM_COUNT). */
size_t gb_counters_count(const struct gb_counters *c);
void gb_counters_close(struct gb_counters *c);

/* 1 when spec asks for the callgrind simulation ("callgrind" in the list). */
int gb_counters_want_callgrind(const char *spec);

/*
 * For `gbench info`: a summary line on hardware counters, then each source
 * with what it can count here and why not the rest, then callgrind.
 */
void gb_counters_print_info(FILE *f);

#endif
