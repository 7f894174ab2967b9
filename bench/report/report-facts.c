/*
 * report-facts.c - the facts of one cell that the rules read (report.h):
 * every metric's median or why it is missing, the counters a run lacks,
 * the cache's effect against the sibling cell without one, repetition
 * noise, accuracy and validity, and the cell's place on the roofline,
 * against the host's ceilings or, for a vulkan cell, its device's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "gbench.h"
#include "report/report.h"
#include "stats.h"

/* Why a metric is unavailable for a cell, from meta.json. */
static const char *unavailable_reason(struct gb_report *r, const char *cell, const char *metric)
{
	const char *s = json_string_value(json_object_get(json_object_get(
		json_object_get(r->meta, "unavailable"), cell), metric));

	return s;
}

/* Counter metrics the rules read, and why one is missing from a whole run. */
static const char *const counter_metrics[] = {
	"instructions", "cycles", "branches", "branch_misses", "l1d_loads", "l1d_misses",
	"llc_loads", "llc_misses", "dtlb_loads", "dtlb_misses", "stalled_cycles_frontend",
	"stalled_cycles_backend", "td_frontend_bound", "td_bad_speculation", "td_backend_bound",
	"td_memory_bound",
};

static char *counters_reason(struct gb_report *r, const char *metric)
{
	json_t *c = json_object_get(r->meta, "counters");
	const char *note = gb_report_jstr(c, "note"), *why = NULL;
	json_t *u = json_object_get(c, "unavailable");

	if (json_is_object(u))
		why = json_string_value(json_object_get(u, metric));
	if (why)
		return gb_xasprintf("unavailable (%s)", why);
	if (note[0])
		return gb_xasprintf("unavailable (not in results.csv; meta.json counters: %s)", note);
	return gb_xstrdup("unavailable (no counter source in this run recorded it)");
}

double gb_report_call_share(const struct gb_report_cell *rc)
{
	const struct gb_cell_result *c = rc->c;
	double share = isfinite(rc->mean_batch) ? rc->mean_batch :
		(double)(c->batch < rc->wl->streams ? c->batch : rc->wl->streams);

	return share >= 1 ? share : 1;
}

/* Bytes a replay of the rows the cell replayed moves: activations, and the weights once a call. */
static double cell_bytes(const struct gb_report_cell *rc)
{
	return rc->work.act_bytes + rc->work.weight_bytes[rc->c->quant] / gb_report_call_share(rc);
}

/*
 * The roofline's time for work w in the cell at gflops and gbs (FLOP/ns
 * and bytes/ns): per op kind, the longer of its FLOPs at the peak and its
 * bytes at the bandwidth.
 */
static double model_ns(const struct gb_report_cell *rc, const struct gb_report_work *w,
		       double gflops, double gbs)
{
	double t = 0, share = gb_report_call_share(rc);

	for (int op = 0; op < GB_OP_COUNT; op++)
		t += fmax(w->op[op].flops / gflops,
			  (w->op[op].act_bytes + w->op[op].weight_bytes[rc->c->quant] / share) / gbs);
	return t;
}

/*
 * Of a whole replay's time, the share the rows the cell replayed hold: 1
 * for the whole trace; for a time budget's window, weighed by the
 * roofline at the cell's ceilings (gflops, gbs; NAN where not measured),
 * else by rows. A trace's rows are not alike (a prefill's first row is a
 * norm, its matmuls come after), so a window's share of the rows is not
 * its share of the work.
 */
static double time_share(const struct gb_report_cell *rc, double gflops, double gbs)
{
	double part, whole;

	if (!rc->window || !rc->wl || !rc->wl->loaded || !rc->wl->all.requests)
		return 1;
	if (gflops > 0 && gbs > 0) {
		part = model_ns(rc, &rc->work, gflops, gbs);
		whole = model_ns(rc, &rc->wl->all, gflops, gbs);
		if (part > 0 && whole > 0)
			return part / whole;
	}
	return (double)rc->window / (double)rc->wl->all.requests;
}

/* What the roofline's reason adds after "from the trace" for a windowed cell; "" otherwise. */
static void window_words(const struct gb_report_cell *rc, char *words, size_t len)
{
	words[0] = 0;
	if (rc->window && rc->wl && rc->wl->loaded)
		snprintf(words, len, "'s first %lld of %zu rows, those a repetition replayed",
			 rc->window, rc->wl->all.requests);
}

/*
 * A vulkan cell against its own device's ceilings (the copy bandwidth and
 * FMA peak `gbench peak` measured in device time), never the host CPU's:
 * a GPU judged by the CPU's roof looks either miraculous or hopeless.
 */
static void roof_device(struct gb_report *r, struct gb_report_cell *rc)
{
	struct gb_facts *f = &rc->facts;
	double bytes = cell_bytes(rc), wall = gb_report_median(rc->c, "wall_ns");
	double hit = rc->c->cache ? gb_report_median(rc->c, "cache_hit_rate") : 0;
	char *why, rows[96];

	rc->time_share = time_share(rc, r->vk_gflops, r->vk_gbs);
	window_words(rc, rows, sizeof(rows));
	if (!(r->vk_gflops > 0 && r->vk_gbs > 0)) {
		why = gb_xasprintf("unavailable (no measured ceilings for the vulkan device: %s)",
				   r->vk_why ? r->vk_why : "not in the peak file");
		gb_facts_unknown(f, "roofline_efficiency", why);
		gb_facts_unknown(f, "roofline_ridge_ratio", why);
		free(why);
		return;
	}
	if (isnan(hit))
		hit = 0;
	if (!(bytes > 0 && wall > 0)) {
		gb_facts_unknown(f, "roofline_efficiency", "unavailable (no wall_ns)");
		gb_facts_unknown(f, "roofline_ridge_ratio", "unavailable (no wall_ns)");
		return;
	}
	rc->roof_level = "device";
	rc->ai = rc->work.flops / bytes;
	rc->gflops = rc->work.flops * (1 - hit) / wall;
	rc->roof = fmin(r->vk_gflops, rc->ai * r->vk_gbs);
	rc->eff = rc->gflops / rc->roof;
	rc->ridge = rc->ai / (r->vk_gflops / r->vk_gbs);
	why = gb_xasprintf("derived: measured wall_ns and the vulkan device's own ceilings; FLOPs "
			   "and bytes from the trace%s", rows);
	gb_facts_set(f, "roofline_efficiency", rc->eff, why);
	gb_facts_set(f, "roofline_ridge_ratio", rc->ridge, why);
	free(why);
}

double gb_report_host_bw(const struct gb_report *r, double set, int *lvl)
{
	double bw;

	*lvl = GB_LVL_DRAM;
	for (int l = 0; l < GB_LVL_DRAM; l++)
		if (isfinite(r->cap[l]) && set <= r->cap[l] && isfinite(r->bw[l])) {
			*lvl = l;
			break;
		}
	bw = r->bw[*lvl];
	/* the level was not measured: the next one out that was */
	for (int l = *lvl + 1; l < GB_LVL_COUNT && isnan(bw); l++)
		if (isfinite(r->bw[l])) {
			bw = r->bw[l];
			*lvl = l;
		}
	return bw;
}

void gb_report_cell_facts(struct gb_report *r, struct gb_report_cell *rc)
{
	struct gb_cell_result *c = rc->c;
	struct gb_facts *f = &rc->facts;
	const char *mode = gb_report_jstr(json_object_get(r->meta, "config"), "mode");
	char *why;

	for (size_t i = 0; i < c->nmetrics; i++) {
		struct gb_metric *m = &c->metrics[i];
		double med = gb_report_median(c, m->name);

		if (m->source == GB_SRC_UNAVAILABLE || isnan(med)) {
			const char *u = unavailable_reason(r, c->id, m->name);

			why = gb_xasprintf("unavailable (%s)", u ? u : m->source == GB_SRC_UNAVAILABLE ?
					   "no reason recorded" : "no values");
			gb_facts_unknown(f, m->name, why);
			free(why);
		} else {
			gb_facts_set(f, m->name, med, gb_source_name(m->source));
		}
	}
	for (size_t i = 0; i < GB_ARRAY_SIZE(counter_metrics); i++)
		if (!gb_facts_get(f, counter_metrics[i])) {
			why = counters_reason(r, counter_metrics[i]);
			gb_facts_unknown(f, counter_metrics[i], why);
			free(why);
		}
	if (strcmp(c->executor, "vulkan") && !gb_facts_get(f, "gpu_ns"))
		gb_facts_na(f, "gpu_ns", "not a GPU cell");
	else if (!gb_facts_get(f, "gpu_ns"))
		gb_facts_unknown(f, "gpu_ns", "unavailable (not in results.csv)");
	if (strcmp(mode, "open")) {
		char *na = gb_xasprintf("%s mode has no queue (open mode only)", mode[0] ? mode : "closed");

		gb_facts_na(f, "queue_p50_ns", na);
		gb_facts_na(f, "response_p50_ns", na);
		free(na);
	}
	if (!c->cache) {
		gb_facts_na(f, "cache_hit_rate", "no result cache in this cell");
		gb_facts_na(f, "cache_speedup", "no result cache in this cell");
	} else if (rc->wl && rc->wl->loaded && !rc->wl->keyed) {
		/* no request can hit: advice about the cache's size would be noise */
		gb_facts_na(f, "cache_hit_rate", "the trace has no cache keys");
		gb_facts_na(f, "cache_speedup", "the trace has no cache keys");
	} else if (!gb_facts_get(f, "cache_hit_rate")) {
		gb_facts_unknown(f, "cache_hit_rate", "unavailable (not in results.csv)");
	}
	/* the sibling without a cache, for the cache's effect on speed */
	if (c->cache && !(rc->wl && rc->wl->loaded && !rc->wl->keyed)) {
		double with = gb_report_median(c, "throughput_rps"), without = NAN;
		int other_rows = 0;

		for (size_t k = 0; k < r->ncells; k++) {
			struct gb_cell_result *o = r->cells[k].c;

			if (o && !o->cache && o->batch == c->batch && o->quant == c->quant &&
			    !strcmp(o->workload, c->workload) && !strcmp(o->executor, c->executor)) {
				without = gb_report_median(o, "throughput_rps");
				/* a time budget's windows: a cache hits more often on more rows */
				other_rows = gb_compare_cell_window(r->meta, o->id) !=
					     gb_compare_cell_window(r->meta, c->id);
			}
		}
		if (other_rows)
			gb_facts_unknown(f, "cache_speedup", "the sibling cell without a cache replayed "
					 "another window of the trace (meta.json time_plan)");
		else if (isfinite(with) && without > 0)
			gb_facts_set(f, "cache_speedup", with / without,
				     "measured (throughput_rps with / without the cache)");
		else
			gb_facts_unknown(f, "cache_speedup", "no sibling cell without a cache in this run");
	}
	/* repetition noise */
	rc->wall_cv = NAN;
	{
		const struct gb_metric *w = gb_report_metric(c, "wall_ns");
		struct gb_summary s;

		if (w && w->n >= 2 && w->source != GB_SRC_UNAVAILABLE) {
			gb_summarize(w->v, w->n, &s);
			if (s.n >= 2 && s.mean > 0) {
				rc->wall_cv = s.stddev / s.mean;
				gb_facts_set(f, "wall_cv", rc->wall_cv, "measured (wall_ns stddev / mean)");
			} else
				gb_facts_unknown(f, "wall_cv", "fewer than 2 repetitions");
		} else {
			gb_facts_unknown(f, "wall_cv", "fewer than 2 repetitions of wall_ns");
		}
	}
	if (isfinite(rc->budget_ratio))
		gb_facts_set(f, "accuracy_budget_ratio", rc->budget_ratio, "measured (accuracy.csv)");
	else
		gb_facts_unknown(f, "accuracy_budget_ratio", "no accuracy row with a budget");
	gb_facts_set(f, "invalid", rc->invalid ? (double)(c->invalid ? gb_strv_len(c->invalid) : 1) : 0,
		     "meta.json validity");
	/* the roofline */
	rc->ai = rc->gflops = rc->roof = rc->eff = rc->ridge = NAN;
	rc->time_share = time_share(rc, NAN, NAN);   /* by rows, until ceilings weigh it */
	if (!rc->wl || !rc->wl->loaded) {
		why = gb_xasprintf("unavailable (%s)", rc->wl ? rc->wl->why : "the workload's trace is not in meta.json");
		gb_facts_unknown(f, "roofline_efficiency", why);
		gb_facts_unknown(f, "roofline_ridge_ratio", why);
		free(why);
	} else if (!r->peak) {
		why = gb_xasprintf("unavailable (no measured ceilings: %s)", r->peak_why);
		gb_facts_unknown(f, "roofline_efficiency", why);
		gb_facts_unknown(f, "roofline_ridge_ratio", why);
		free(why);
	} else if (!strcmp(c->executor, "vulkan")) {
		roof_device(r, rc);
	} else {
		double bytes = cell_bytes(rc);
		double hit = c->cache ? gb_report_median(c, "cache_hit_rate") : 0;
		double wall = gb_report_median(c, "wall_ns");
		int lvl;
		double bw = gb_report_host_bw(r, rc->work.weight_set[c->quant], &lvl);
		char rows[96];

		rc->time_share = time_share(rc, r->peak_gflops, bw);
		window_words(rc, rows, sizeof(rows));
		if (isnan(hit))
			hit = 0;   /* unavailable hit rate: the trace has no cache key, so no hits */
		rc->roof_level = gb_peak_level_name((enum gb_peak_level)lvl);
		if (bytes > 0 && wall > 0 && isfinite(bw)) {
			rc->ai = rc->work.flops / bytes;
			rc->gflops = rc->work.flops * (1 - hit) / wall;
			rc->roof = fmin(r->peak_gflops, rc->ai * bw);
			rc->eff = rc->gflops / rc->roof;
			rc->ridge = rc->ai / (r->peak_gflops / bw);
			why = gb_xasprintf("derived: measured wall_ns and %s ceilings; FLOPs and bytes from the trace%s",
					   gb_peak_level_name((enum gb_peak_level)lvl), rows);
			gb_facts_set(f, "roofline_efficiency", rc->eff, why);
			gb_facts_set(f, "roofline_ridge_ratio", rc->ridge, why);
			free(why);
		} else {
			gb_facts_unknown(f, "roofline_efficiency", "unavailable (no wall_ns or no bandwidth ceiling)");
			gb_facts_unknown(f, "roofline_ridge_ratio", "unavailable (no wall_ns or no bandwidth ceiling)");
		}
	}
	gb_report_ops_place(r, rc);
	gb_facts_derive(f);
	rc->nj = gb_rules_apply(&r->rules, f, &rc->j);
}
