/*
 * source.c - the names of counter provenances (enum gb_source), as they
 * appear in the source column of results.csv.
 */
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
