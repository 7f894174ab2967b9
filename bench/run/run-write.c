/*
 * run-write.c - the gb_run_write stage of `gbench run` (run.h): the
 * results directory (results.csv, histograms, mrc.csv, meta.json last),
 * put in place as a whole, and the run's exit code.
 */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsio.h"
#include "gbench.h"
#include "mrc.h"
#include "oracle.h"

/* The keyed requests of a workload in the order a batch-1 closed replay serves them. */
static int by_service_order(const void *a, const void *b, void *arg)
{
	const struct gb_request *req = arg;
	const struct gb_request *x = &req[*(const uint32_t *)a], *y = &req[*(const uint32_t *)b];

	if (x->arrival_ns != y->arrival_ns)
		return x->arrival_ns < y->arrival_ns ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * mrc.csv: each workload's LRU miss-ratio curve in one pass (Mattson), and
 * in meta.json its prediction beside the hit rate each batch-1 closed cell
 * measured (they must agree exactly: same accesses, same policy).
 */
static int write_mrc(const char *dir, struct gb_workload *wl, size_t nwl,
		     const struct gb_config *cfg, const struct gb_results *res, json_t *meta,
		     const struct gb_run_cell *cells, size_t ncells)
{
	struct gb_atomic a;
	json_t *check = json_object();
	char *path;
	int rc = 0, any = 0;

	for (size_t i = 0; i < cfg->ncache; i++)
		any |= cfg->cache[i] > 0;
	if (!any) {
		json_decref(check);
		return 0;
	}
	if (gb_mkdir_p(dir) < 0) {
		json_decref(check);
		return -1;
	}
	path = gb_xasprintf("%s/mrc.csv", dir);
	if (gb_atomic_open(&a, path) < 0) {
		free(path);
		json_decref(check);
		return -1;
	}
	fputs("workload,capacity,hit_rate\n", a.f);
	for (size_t w = 0; w < nwl && !rc; w++) {
		const struct gb_trace *t = &wl[w].trace;
		uint32_t *order = gb_xmalloc(t->n * sizeof(*order)), *ids;
		size_t n = 0;
		struct gb_mrc m;

		for (uint32_t i = 0; i < t->n; i++)
			order[i] = i;
		qsort_r(order, t->n, sizeof(*order), by_service_order, t->req);
		ids = gb_xmalloc((t->n + 1) * sizeof(*ids));
		for (size_t i = 0; i < t->n; i++)
			if (wl[w].cache_id[order[i]] != UINT32_MAX)
				ids[n++] = wl[w].cache_id[order[i]];
		free(order);
		rc = gb_mrc_compute(&m, ids, n, wl[w].ncache_ids);
		free(ids);
		if (rc)
			break;
		rc = gb_mrc_write_rows(a.f, t->name, &m, cfg->cache, cfg->ncache);
		for (size_t c = 0; c < res->n && !rc; c++) {
			const struct gb_cell_result *r = &res->cells[c];

			/* a window of the trace is not the accesses the curve counts */
			if (strcmp(r->workload, t->name) || r->batch != 1 || !r->cache ||
			    cfg->mode != GB_MODE_CLOSED || r->skipped ||
			    (c < ncells && cells[c].window && cells[c].window < t->n))
				continue;
			for (size_t k = 0; k < r->nmetrics; k++)
				if (!strcmp(r->metrics[k].name, "cache_hit_rate") && r->metrics[k].n)
					json_object_set_new(check, r->id, json_pack("{s:f, s:f}",
						"measured", r->metrics[k].v[0],
						"mrc", gb_mrc_hit_rate(&m, r->cache)));
		}
		gb_mrc_release(&m);
	}
	free(path);
	json_object_set_new(meta, "mrc_check", check);
	if (rc) {
		gb_atomic_abort(&a);
		return -1;
	}
	return gb_atomic_commit(&a);
}

int gb_run_write(struct gb_run *r, const char *out_dir)
{
	char ended[32];
	uint32_t oracle_runs = 0;
	struct gb_oracle_stats ost;

	gb_utc_now(ended, sizeof(ended));
	for (size_t i = 0; i < r->res.n && r->aborted; i++)
		if (!r->res.cells[i].skipped)
			r->res.cells[i].skipped = gb_xstrdup("not run: the run stopped before the "
							     "replay (see the run's stderr)");
	for (size_t i = 0; i < r->nwl; i++)
		oracle_runs += r->wl[i].oracle_runs;
	gb_oracle_stats_get(&ost);
	json_object_set_new(r->meta, "accuracy", json_pack("{s:i, s:I, s:I, s:f, s:i, s:I, s:I, s:s, s:s}",
		"samples_per_op", (int)r->cfg->accuracy_samples,
		"oracle_runs", (json_int_t)oracle_runs,
		"oracle_rows_computed", (json_int_t)ost.rows, "oracle_s", ost.seconds,
		"oracle_threads", (int)ost.threads_max,
		"rows_checked", (json_int_t)gb_replay_events.oracle_rows_checked,
		"rows_of", (json_int_t)gb_replay_events.oracle_rows,
		"gating", r->cfg->accuracy_budget.gate ?
			"correctness and the accuracy cost (accuracy_budget)" :
			"correctness only: an executor against the cpu on the same quantized bytes, "
			"f32 against float64, NaN; the accuracy cost of a quant level is reported",
		"note", "the float64 oracle checks the first accuracy_samples executor calls of "
			"each op per cell (top-k: at least 128 queries), outside the timed region, "
			"once per distinct input, at most 64 evenly spaced rows of a request "
			"(rows_checked of rows_of), on every core when a call is large"));
	json_object_set_new(r->meta, "events", json_pack("{s:I, s:I, s:i}",
		"enomem_splits", (json_int_t)gb_replay_events.enomem_splits,
		"cpu_fallbacks", (json_int_t)gb_replay_events.cpu_fallbacks,
		"validation_messages", (int)r->validation));
	json_object_set_new(r->meta, "end", json_string(ended));
	if (r->plan_start_ns && json_object_get(r->meta, "time_plan"))
		json_object_set_new(json_object_get(r->meta, "time_plan"), "elapsed_s",
				    json_real((double)(gb_now_ns() - r->plan_start_ns) * 1e-9));
	{
		int lost = 0;

		for (size_t i = 0; i < r->nex; i++)
			lost |= r->ex[i].lost;
		json_object_set_new(r->meta, "complete",
				    json_boolean(!r->interrupted && !r->aborted && !lost &&
						 !r->child_exit));
	}
	{
		/* every file into a staging folder, put in place as a whole (results.h) */
		char *stage = gb_results_stage(out_dir);
		int wrc = !stage ||
			  write_mrc(stage, r->wl, r->nwl, r->cfg, &r->res, r->meta, r->cells,
				    r->ncells) < 0 ||
			  gb_results_write(&r->res, stage, r->meta) < 0 ||
			  gb_results_publish(stage, out_dir) < 0;

		if (wrc && stage && strcmp(stage, out_dir))
			gb_rm_tree(stage);
		free(stage);
		if (wrc)
			return GB_EXIT_ENV;
	}
	if (r->interrupted)
		return GB_EXIT_INTERRUPTED;
	for (size_t i = 0; i < r->nex; i++)
		if (r->ex[i].lost) {
			gb_error("%s: the device was lost; the results so far are in %s", r->ex[i].name,
				 out_dir);
			return GB_EXIT_ENV;
		}
	if (r->validation)
		gb_error("%u Vulkan validation message%s", r->validation,
			 r->validation == 1 ? "" : "s");
	if (r->opts->strict && r->invalid && !r->accuracy_failed)
		gb_error("--strict: at least one cell is INVALID (see meta.json)");
	if (r->accuracy_failed || r->validation || (r->opts->strict && r->invalid))
		return GB_EXIT_CORRECTNESS;
	return r->child_exit;
}
