/*
 * source.c - the names of counter provenances (enum gb_source), as they
 * appear in the source column of results.csv, and the table of counter
 * metrics (enum gb_cmetric) with their units.
 */
#include <string.h>

#include "profiler.h"

const char *gb_source_name(enum gb_source s)
{
	switch (s) {
	case GB_SRC_MEASURED:
		return "measured";
	case GB_SRC_SCALED:
		return "scaled";
	case GB_SRC_SIMULATED:
		return "simulated";
	case GB_SRC_UNAVAILABLE:
		return "unavailable";
	}
	return "unavailable";
}

const struct gb_cmetric_info gb_cmetrics[GB_CM_COUNT] = {
	[GB_CM_INSTRUCTIONS] = { "instructions", "count" },
	[GB_CM_CYCLES] = { "cycles", "count" },
	[GB_CM_BRANCHES] = { "branches", "count" },
	[GB_CM_BRANCH_MISSES] = { "branch_misses", "count" },
	[GB_CM_L1D_MISSES] = { "l1d_misses", "count" },
	[GB_CM_LLC_MISSES] = { "llc_misses", "count" },
	[GB_CM_DTLB_MISSES] = { "dtlb_misses", "count" },
	[GB_CM_TASK_CLOCK] = { "task_clock_ns", "ns" },
	[GB_CM_PAGE_FAULTS] = { "page_faults", "count" },
	[GB_CM_CSW_VOLUNTARY] = { "ctx_switches_voluntary", "count" },
	[GB_CM_CSW_INVOLUNTARY] = { "ctx_switches_involuntary", "count" },
	[GB_CM_MAX_RSS] = { "max_rss_kb", "KiB" },
};

int gb_cmetric_find(const char *name)
{
	for (int m = 0; m < GB_CM_COUNT; m++)
		if (!strcmp(gb_cmetrics[m].name, name))
			return m;
	return -1;
}
