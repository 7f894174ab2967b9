/*
 * compare-hook.h - `gbench compare --history`: each cell x metric judged
 * with the threshold its own history gives (history.h: rustc-perf's rule,
 * Q3 + 3 IQR of consecutive relative changes over the last 100 runs, at
 * least 50), where it has that much history; the fixed threshold elsewhere.
 */
#ifndef GB_HISTORY_COMPARE_HOOK_H
#define GB_HISTORY_COMPARE_HOOK_H

#include <jansson.h>

#include "compare/compare.h"
#include "history/history.h"

/* Never below this: deterministic counts have an IQR of 0 (DESIGN.md 9: 0.1%). */
#define GB_HISTORY_THR_FLOOR 0.001

/*
 * Load the thresholds of the current run's machine class and config (its
 * meta.json, cur_meta) from the store at path (NULL: the default path) into
 * t, and point o's threshold hook at them. Prints how many cells have a
 * history long enough. 0 or -1 with a message; release t after the compare.
 */
int gb_history_compare_hook(const char *path, json_t *cur_meta, struct gb_compare_opts *o,
			    struct gb_history_thresholds *t);

#endif
