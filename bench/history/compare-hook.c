/*
 * compare-hook.c - thresholds from history for compare (compare-hook.h).
 * The store is read once, before the compare, and closed: compare itself
 * only calls gb_history_threshold_for through its options' hook.
 */
#include <math.h>
#include <stdlib.h>

#include "compare/compare.h"
#include "gbench.h"
#include "history/compare-hook.h"

static double floored(void *ctx, const char *cell, const char *metric)
{
	const struct gb_history_thresholds *th = ctx;
	long long w = gb_compare_cell_window(th->cur_meta, cell);
	/* a cell on a window of its trace: the series of that window (history add) */
	char *series = w ? gb_xasprintf("%s/rows:%lld", cell, w) : NULL;
	double t = gb_history_threshold_for(ctx, series ? series : cell, metric);

	free(series);
	return isnan(t) ? t : fmax(t, GB_HISTORY_THR_FLOOR);
}

int gb_history_compare_hook(const char *path, json_t *cur_meta, struct gb_compare_opts *o,
			    struct gb_history_thresholds *t)
{
	struct gb_history h;
	const char *config = json_string_value(json_object_get(json_object_get(cur_meta, "config"), "name"));
	char *klass = cur_meta ? gb_machine_class(cur_meta) : NULL;
	size_t usable = 0;
	int rc;

	if (!klass || !config) {
		free(klass);
		return gb_error("--history needs the current run's meta.json (machine class and config)");
	}
	if (gb_history_open(&h, path, 0) < 0) {
		free(klass);
		return -1;
	}
	rc = gb_history_thresholds_load(&h, klass, config, t);
	gb_history_close(&h);
	if (rc == 0) {
		for (size_t i = 0; i < t->n; i++)
			usable += !isnan(t->e[i].threshold);
		gb_note("thresholds from history: %zu of %zu cell x metric series of '%s' on %s have %d runs or more",
			usable, t->n, config, klass, GB_HISTORY_THR_MIN);
		t->cur_meta = cur_meta;
		o->threshold_for = floored;
		o->threshold_ctx = t;
	}
	free(klass);
	return rc;
}
