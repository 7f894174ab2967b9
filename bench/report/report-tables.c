/*
 * report-tables.c - tables.md, the tuning tables of `gbench report
 * --tables`: for the run's tier (config name and trace folder), first one
 * recommendation per workload (the fastest cell within the middle latency
 * target and NMSE budget: what it gives, what it costs, its ties), then per
 * workload the batch size with the best throughput within each latency
 * target, the quant level with the best throughput within each NMSE
 * budget, and the result-cache capacity reaching 80, 90 and 95% hit rate.
 *
 * Every entry is a measured median, or says plainly that no cell of the run
 * met the target ("none within target", "not reached at the capacities
 * measured", "not reachable" beyond the trace's maximum hit rate): a docs
 * writer copies these tables, so an empty cell must not look like a zero.
 * An entry names the percentile it was held to, and choices the run cannot
 * tell apart (throughputs overlapping over the repetitions) are shown as
 * ties, not as a recommendation. Names from the results go through
 * gb_report_md().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "fsio.h"
#include "gbench.h"
#include "report/report.h"

static const double default_lat[] = { 100e3, 1e6, 10e6 };
static const double default_nmse[] = { 1e-6, 1e-4, 1e-2 };
static const double hit_targets[] = { 0.80, 0.90, 0.95 };

/* The tail latency a target is held against: p99, else p90 where p99 needs more samples. */
static double tail_latency(const struct gb_cell_result *c, const char **which)
{
	double v = gb_report_median(c, "latency_p99_ns");

	*which = "p99";
	if (isnan(v)) {
		v = gb_report_median(c, "latency_p90_ns");
		*which = "p90";
	}
	return v;
}

/* Throughput's range over the repetitions; 0 when unmeasured. */
static int thr_range(const struct gb_cell_result *c, double *lo, double *hi)
{
	const struct gb_metric *m = gb_report_metric(c, "throughput_rps");

	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; m && m->source != GB_SRC_UNAVAILABLE && i < m->n; i++)
		if (isfinite(m->v[i])) {
			*lo = fmin(*lo, m->v[i]);
			*hi = fmax(*hi, m->v[i]);
		}
	return *lo <= *hi;
}

/*
 * Two choices are a tie when their throughputs over the repetitions
 * overlap: the run cannot tell them apart, so the table must not pick one
 * as if it could.
 */
static int within_noise(const struct gb_cell_result *a, const struct gb_cell_result *b)
{
	double alo, ahi, blo, bhi;

	if (!thr_range(a, &alo, &ahi) || !thr_range(b, &blo, &bhi))
		return 0;
	return alo <= bhi && blo <= ahi;
}

/*
 * The table a docs writer reads first: per workload, one choice for the
 * tier the run was made on - the cell (executor, batch, quant, cache) with
 * the highest median throughput among those within the middle latency
 * target and the middle NMSE budget of the tables below - with what it
 * gives and what it costs. Cells it cannot tell apart from the choice are
 * counted as ties and named.
 */
static void table_recommend(struct gb_report *r, struct gb_sbuf *b, double lat, double nmse)
{
	char t1[32], t2[32], t3[32];

	gb_sbuf_printf(b, "## Recommendation per workload\n\n");
	gb_sbuf_printf(b, "For each workload, the cell with the highest median throughput whose "
		       "tail latency is within %s and whose NMSE against the float64 oracle is "
		       "within %g (the middle target and budget of the tables below; "
		       "`--latency-targets` and `--nmse-budgets` set them). A cell without an "
		       "estimable tail latency or without an NMSE row is not held to that "
		       "target, and the entry says so. *Ties* are cells whose throughput overlaps "
		       "the choice's over the repetitions: this run cannot rank them.\n\n",
		       gb_report_fmt_ns(lat, t1, sizeof(t1)), nmse);
	gb_sbuf_printf(b, "| workload | choice (executor, batch, quant, cache) | throughput | "
		       "tail latency | accuracy cost | ties |\n|---|---|---|---|---|---|\n");
	for (size_t w = 0; w < r->nwl; w++) {
		const char *wl = r->wl[w].name, *which = "p99";
		struct gb_report_cell *best = NULL;
		double best_thr = -1, tail = NAN;
		size_t ties = 0;
		struct gb_sbuf names = { 0 };

		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];
			struct gb_cell_result *c = rc->c;
			const char *wh;
			double thr, tl;

			if (!c || rc->invalid || strcmp(c->workload, wl))
				continue;
			thr = gb_report_median(c, "throughput_rps");
			tl = tail_latency(c, &wh);
			if (!isfinite(thr) || (isfinite(tl) && tl > lat) ||
			    (!isnan(rc->nmse) && rc->nmse > nmse))
				continue;
			if (thr > best_thr) {
				best_thr = thr;
				best = rc;
				tail = tl;
				which = wh;
			}
		}
		if (!best) {
			gb_sbuf_printf(b, "| %s | none within %s and NMSE %g | | | | |\n", gb_report_md(r, wl),
				       gb_report_fmt_ns(lat, t1, sizeof(t1)), nmse);
			continue;
		}
		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];
			struct gb_cell_result *c = rc->c;
			const char *wh;
			double tl;

			if (!c || rc == best || rc->invalid || strcmp(c->workload, wl))
				continue;
			tl = tail_latency(c, &wh);
			if ((isfinite(tl) && tl > lat) || (!isnan(rc->nmse) && rc->nmse > nmse) ||
			    !within_noise(best->c, c))
				continue;
			if (++ties <= 3)
				gb_sbuf_printf(&names, "%s%s", ties > 1 ? ", " : "", gb_report_md_code(r, c->id, 1));
		}
		gb_sbuf_printf(b, "| %s | %s, b%u, %s, cache %u | %s req/s | ", gb_report_md(r, wl),
			       gb_report_md(r, best->c->executor), best->c->batch,
			       gb_quant_name(best->c->quant),
			       best->c->cache, gb_report_fmt_num(best_thr, t2, sizeof(t2)));
		if (isfinite(tail))
			gb_sbuf_printf(b, "%s %s | ", which, gb_report_fmt_ns(tail, t3, sizeof(t3)));
		else
			gb_sbuf_printf(b, "not estimable (too few requests per repetition) | ");
		if (!isnan(best->nmse))
			gb_sbuf_printf(b, "NMSE %.1e", best->nmse);
		else
			gb_sbuf_printf(b, "no NMSE row");
		if (!isnan(best->recall))
			gb_sbuf_printf(b, ", recall %.3f", best->recall);
		if (ties)
			gb_sbuf_printf(b, " | %zu: %s%s |\n", ties, names.s, ties > 3 ? ", ..." : "");
		else
			gb_sbuf_printf(b, " | none |\n");
		gb_sbuf_release(&names);
	}
	gb_sbuf_printf(b, "\n");
}

static void table_batch(struct gb_report *r, struct gb_sbuf *b, const double *lat, size_t nlat)
{
	char t1[32], t2[32];
	int any_p90 = 0;

	gb_sbuf_printf(b, "## Batch size within a latency target\n\n");
	gb_sbuf_printf(b, "For each workload, executor and quant level (no result cache, or the "
		       "smallest measured): the batch size with the highest median throughput whose "
		       "median p99 request latency is within the target; each entry names the "
		       "percentile it was held to (p90 where a cell had too few requests per "
		       "repetition for p99) and its value. `b4 = b16` marks a tie: batch sizes "
		       "within the target whose throughputs overlap over the repetitions, which "
		       "this run cannot tell apart.\n\n");
	gb_sbuf_printf(b, "| workload | executor | quant |");
	for (size_t t = 0; t < nlat; t++)
		gb_sbuf_printf(b, " p99 <= %s |", gb_report_fmt_ns(lat[t], t1, sizeof(t1)));
	gb_sbuf_printf(b, "\n|---|---|---|");
	for (size_t t = 0; t < nlat; t++)
		gb_sbuf_printf(b, "---|");
	gb_sbuf_printf(b, "\n");
	for (size_t w = 0; w < r->nwl; w++) {
		const char *wl = r->wl[w].name;
		const char *execs[] = { "cpu", "vulkan" };
		uint32_t cache = UINT32_MAX;

		for (size_t i = 0; i < r->ncells; i++)
			if (r->cells[i].c && !strcmp(r->cells[i].c->workload, wl) && r->cells[i].c->cache < cache)
				cache = r->cells[i].c->cache;
		for (int e = 0; e < 2; e++)
			for (int q = 0; q < GB_Q_COUNT; q++) {
				int present = 0;

				for (size_t i = 0; i < r->ncells; i++) {
					struct gb_cell_result *c = r->cells[i].c;

					present |= c && !strcmp(c->workload, wl) && !strcmp(c->executor, execs[e]) &&
						   (int)c->quant == q && c->cache == cache && !r->cells[i].invalid;
				}
				if (!present)
					continue;
				gb_sbuf_printf(b, "| %s | %s | %s |", gb_report_md(r, wl), execs[e],
					       gb_quant_name((enum gb_quant)q));
				for (size_t t = 0; t < nlat; t++) {
					struct gb_cell_result *best = NULL, *fastest = NULL;
					double best_thr = -1, low = INFINITY, best_l = NAN;
					const char *which = "p99", *best_which = "p99", *low_which = "p99";

					for (size_t i = 0; i < r->ncells; i++) {
						struct gb_cell_result *c = r->cells[i].c;
						double l, thr;

						if (!c || strcmp(c->workload, wl) || strcmp(c->executor, execs[e]) ||
						    (int)c->quant != q || c->cache != cache || r->cells[i].invalid)
							continue;
						l = tail_latency(c, &which);
						thr = gb_report_median(c, "throughput_rps");
						any_p90 |= !strcmp(which, "p90");
						if (isfinite(l) && l < low) {
							low = l;
							fastest = c;
							low_which = which;
						}
						if (isfinite(l) && l <= lat[t] && thr > best_thr) {
							best_thr = thr;
							best = c;
							best_l = l;
							best_which = which;
						}
					}
					if (best) {
						gb_sbuf_printf(b, " b%u", best->batch);
						/* the other choices within the target it cannot be told from */
						for (size_t i = 0; i < r->ncells; i++) {
							struct gb_cell_result *c = r->cells[i].c;
							const char *wh;
							double l;

							if (!c || c == best || strcmp(c->workload, wl) ||
							    strcmp(c->executor, execs[e]) || (int)c->quant != q ||
							    c->cache != cache || r->cells[i].invalid)
								continue;
							l = tail_latency(c, &wh);
							if (isfinite(l) && l <= lat[t] && within_noise(best, c))
								gb_sbuf_printf(b, " = b%u", c->batch);
						}
						gb_sbuf_printf(b, ": %s req/s (%s %s) |",
							       gb_report_fmt_num(best_thr, t1, sizeof(t1)), best_which,
							       gb_report_fmt_ns(best_l, t2, sizeof(t2)));
					} else if (fastest) {
						gb_sbuf_printf(b, " none within target (lowest %s %s at b%u) |", low_which,
							       gb_report_fmt_ns(low, t2, sizeof(t2)), fastest->batch);
					}
					else
						gb_sbuf_printf(b, " p99 and p90 not estimable (too few requests per repetition) |");
				}
				gb_sbuf_printf(b, "\n");
			}
	}
	if (any_p90)
		gb_sbuf_printf(b, "\nEntries marked p90: the cells had too few requests per repetition "
			       "to estimate p99 (source unavailable in results.csv), so their p90 was "
			       "held against the target; their p99 is higher.\n");
	gb_sbuf_printf(b, "\n");
}

static void table_quant(struct gb_report *r, struct gb_sbuf *b, const double *nm, size_t nnm)
{
	char t1[32];

	gb_sbuf_printf(b, "## Quantization within an accuracy budget\n\n");
	gb_sbuf_printf(b, "For each workload, executor and batch size (smallest cache): the quant "
		       "level with the highest median throughput whose largest NMSE against the "
		       "float64 oracle (over the workload's ops, accuracy.csv) is within the budget; "
		       "the speed is relative to f32 at the same batch where f32 was measured. "
		       "`q8 = q4` marks a tie: levels within the budget whose throughputs overlap "
		       "over the repetitions.\n\n");
	gb_sbuf_printf(b, "| workload | executor | batch |");
	for (size_t t = 0; t < nnm; t++)
		gb_sbuf_printf(b, " NMSE <= %g |", nm[t]);
	gb_sbuf_printf(b, "\n|---|---|---|");
	for (size_t t = 0; t < nnm; t++)
		gb_sbuf_printf(b, "---|");
	gb_sbuf_printf(b, "\n");
	for (size_t w = 0; w < r->nwl; w++) {
		const char *wl = r->wl[w].name;
		const char *execs[] = { "cpu", "vulkan" };
		uint32_t cache = UINT32_MAX, batches[64];
		size_t nb = 0;

		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_cell_result *c = r->cells[i].c;
			size_t k;

			if (!c || strcmp(c->workload, wl))
				continue;
			if (c->cache < cache)
				cache = c->cache;
			for (k = 0; k < nb && batches[k] != c->batch; k++)
				;
			if (k == nb && nb < GB_ARRAY_SIZE(batches))
				batches[nb++] = c->batch;
		}
		for (size_t x = 0; x < nb; x++)   /* ascending */
			for (size_t y = x + 1; y < nb; y++)
				if (batches[y] < batches[x]) {
					uint32_t t = batches[x];

					batches[x] = batches[y];
					batches[y] = t;
				}
		for (int e = 0; e < 2; e++)
			for (size_t bi = 0; bi < nb; bi++) {
				double f32 = NAN;
				int present = 0;

				for (size_t i = 0; i < r->ncells; i++) {
					struct gb_cell_result *c = r->cells[i].c;

					if (!c || strcmp(c->workload, wl) || strcmp(c->executor, execs[e]) ||
					    c->batch != batches[bi] || c->cache != cache)
						continue;
					present = 1;
					if (c->quant == GB_Q_F32)
						f32 = gb_report_median(c, "throughput_rps");
				}
				if (!present)
					continue;
				gb_sbuf_printf(b, "| %s | %s | %u |", gb_report_md(r, wl), execs[e], batches[bi]);
				for (size_t t = 0; t < nnm; t++) {
					struct gb_report_cell *best = NULL;
					double best_thr = -1;
					int measured = 0;

					for (size_t i = 0; i < r->ncells; i++) {
						struct gb_report_cell *rc = &r->cells[i];
						struct gb_cell_result *c = rc->c;
						double thr;

						if (!c || strcmp(c->workload, wl) || strcmp(c->executor, execs[e]) ||
						    c->batch != batches[bi] || c->cache != cache || rc->invalid ||
						    isnan(rc->nmse))
							continue;
						measured = 1;
						thr = gb_report_median(c, "throughput_rps");
						if (rc->nmse <= nm[t] && thr > best_thr) {
							best_thr = thr;
							best = rc;
						}
					}
					if (best) {
						gb_sbuf_printf(b, " %s", gb_quant_name(best->c->quant));
						for (size_t i = 0; i < r->ncells; i++) {
							struct gb_report_cell *rc = &r->cells[i];
							struct gb_cell_result *c = rc->c;

							if (!c || rc == best || strcmp(c->workload, wl) ||
							    strcmp(c->executor, execs[e]) || c->batch != batches[bi] ||
							    c->cache != cache || rc->invalid || isnan(rc->nmse) ||
							    rc->nmse > nm[t])
								continue;
							if (within_noise(best->c, c))
								gb_sbuf_printf(b, " = %s", gb_quant_name(c->quant));
						}
					}
					if (best && f32 > 0)
						gb_sbuf_printf(b, ": %.2fx f32 (NMSE %.1e) |", best_thr / f32, best->nmse);
					else if (best)
						gb_sbuf_printf(b, ": %s req/s (NMSE %.1e) |",
							       gb_report_fmt_num(best_thr, t1, sizeof(t1)), best->nmse);
					else if (measured)
						gb_sbuf_printf(b, " none within budget |");
					else
						gb_sbuf_printf(b, " no NMSE measured |");
				}
				gb_sbuf_printf(b, "\n");
			}
	}
	gb_sbuf_printf(b, "\n");
}

struct curve {
	char wl[256];
	double cap[512], hit[512];
	int n;
};

static void table_cache(struct gb_report *r, struct gb_sbuf *b)
{
	char *path = gb_xasprintf("%s/mrc.csv", r->o->results);
	char *text = gb_file_exists(path) ? gb_read_file(path, NULL) : NULL;
	struct curve *cv = gb_xcalloc(r->nwl + 1, sizeof(*cv));
	const char *from = "mrc.csv, the LRU miss-ratio curve of each trace";

	free(path);
	for (size_t w = 0; w < r->nwl; w++)
		snprintf(cv[w].wl, sizeof(cv[w].wl), "%s", r->wl[w].name);
	if (text) {
		char *line, *save = NULL;

		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char wl[256];
			double cap, hit;

			if (sscanf(line, "%255[^,],%lf,%lf", wl, &cap, &hit) != 3 || !isfinite(hit) || cap < 1)
				continue;
			for (size_t w = 0; w < r->nwl; w++)
				if (!strcmp(cv[w].wl, wl) && cv[w].n < 512) {
					cv[w].cap[cv[w].n] = cap;
					cv[w].hit[cv[w].n++] = hit;
				}
		}
		free(text);
	} else {
		from = "the cells' measured cache_hit_rate (no mrc.csv in the results)";
		for (size_t w = 0; w < r->nwl; w++)
			for (size_t i = 0; i < r->ncells; i++) {
				struct gb_cell_result *c = r->cells[i].c;
				double hit;
				int k;

				if (!c || strcmp(c->workload, cv[w].wl) || !c->cache)
					continue;
				hit = gb_report_median(c, "cache_hit_rate");
				if (isnan(hit))
					continue;
				for (k = 0; k < cv[w].n && cv[w].cap[k] != c->cache; k++)
					;
				if (k == cv[w].n && k < 512) {
					cv[w].cap[k] = c->cache;
					cv[w].hit[k] = hit;
					cv[w].n++;
				} else if (k < cv[w].n && hit > cv[w].hit[k]) {
					cv[w].hit[k] = hit;
				}
			}
	}
	gb_sbuf_printf(b, "## Result-cache capacity for a hit rate\n\n");
	gb_sbuf_printf(b, "The smallest LRU result-cache capacity (entries) whose hit rate reaches "
		       "the target, per workload, from %s. A target above the trace's maximum hit "
		       "rate (each distinct key misses once per replay, whatever the capacity) is "
		       "not reachable.\n\n", from);
	gb_sbuf_printf(b, "| workload |");
	for (size_t t = 0; t < GB_ARRAY_SIZE(hit_targets); t++)
		gb_sbuf_printf(b, " %.0f%% hits |", hit_targets[t] * 100);
	gb_sbuf_printf(b, " capacities measured |\n|---|");
	for (size_t t = 0; t <= GB_ARRAY_SIZE(hit_targets); t++)
		gb_sbuf_printf(b, "---|");
	gb_sbuf_printf(b, "\n");
	for (size_t w = 0; w < r->nwl; w++) {
		struct curve *c = &cv[w];
		const struct gb_report_wl *wl = &r->wl[w];
		double maxcap = 0, besthit = -1, bestcap = 0;

		gb_sbuf_printf(b, "| %s |", gb_report_md(r, c->wl));
		if (wl->loaded && !wl->keyed) {
			for (size_t t = 0; t < GB_ARRAY_SIZE(hit_targets); t++)
				gb_sbuf_printf(b, " - |");
			gb_sbuf_printf(b, " none: the trace has no cache keys, so a result cache never hits |\n");
			continue;
		}
		if (!c->n) {
			for (size_t t = 0; t < GB_ARRAY_SIZE(hit_targets); t++)
				gb_sbuf_printf(b, " - |");
			gb_sbuf_printf(b, " no hit rate measured (no request of the trace has a cache key, "
				       "or no cell had a cache) |\n");
			continue;
		}
		for (int k = 0; k < c->n; k++) {
			maxcap = fmax(maxcap, c->cap[k]);
			if (c->hit[k] > besthit) {
				besthit = c->hit[k];
				bestcap = c->cap[k];
			}
		}
		for (size_t t = 0; t < GB_ARRAY_SIZE(hit_targets); t++) {
			double cap = INFINITY;

			for (int k = 0; k < c->n; k++)
				if (c->hit[k] >= hit_targets[t] && c->cap[k] < cap)
					cap = c->cap[k];
			if (isfinite(cap))
				gb_sbuf_printf(b, " %.0f |", cap);
			else if (wl && wl->loaded && wl->max_hit < hit_targets[t])
				/* no capacity could: distinct keys always miss once per replay */
				gb_sbuf_printf(b, " not reachable: the trace's maximum hit rate is %.0f%% |",
					       wl->max_hit * 100);
			else
				gb_sbuf_printf(b, " not reached at the capacities measured (best %.1f%% at %.0f) |",
					       besthit * 100, bestcap);
		}
		gb_sbuf_printf(b, " %d, up to %.0f |\n", c->n, maxcap);
	}
	gb_sbuf_printf(b, "\n");
	free(cv);
}

/*
 * A time budget's plan gives a workload's cells one window of its trace,
 * but a cell short below the smallest window replays fewer rows, and a
 * run made before the plan shared windows gave each cell its own: a choice
 * between cells on different rows compares different work (a result
 * cache hits more often on more rows). Name each such workload.
 */
static void windows_note(struct gb_report *r, struct gb_sbuf *b)
{
	json_t *plan = json_object_get(json_object_get(r->meta, "time_plan"), "cells");

	for (size_t w = 0; w < r->nwl; w++) {
		long long lo = -1, hi = -1, n = (long long)r->wl[w].all.requests;

		for (size_t i = 0; i < r->ncells; i++) {
			const struct gb_cell_result *c = r->cells[i].c;
			long long rows;

			if (!c || r->cells[i].invalid || strcmp(c->workload, r->wl[w].name))
				continue;
			if (!n)   /* the trace was not read: its length as the plan knew it */
				n = json_integer_value(json_object_get(json_object_get(plan, c->id),
								       "requests"));
			rows = gb_compare_cell_window(r->meta, c->id);
			if (!rows)
				rows = n;
			lo = lo < 0 || rows < lo ? rows : lo;
			hi = rows > hi ? rows : hi;
		}
		if (lo != hi)
			gb_sbuf_printf(b, "The cells of %s replayed different windows of its trace, "
				       "%lld to %lld of %lld rows (a time budget's plan: meta.json "
				       "time_plan): a choice between cells on different rows compares "
				       "different work.\n\n", gb_report_md(r, r->wl[w].name), lo, hi, n);
	}
}

int gb_report_tables(struct gb_report *r)
{
	struct gb_sbuf b = { 0 };
	json_t *cfg = json_object_get(r->meta, "config"), *h = json_object_get(r->meta, "host");
	json_t *bd = json_object_get(r->meta, "build");
	const char *tier = gb_report_jstr(cfg, "trace_dir")[0] ? gb_report_jstr(cfg, "trace_dir") : gb_report_jstr(cfg, "name");
	char *cmd = gb_xasprintf("gbench run --config %s", gb_report_jstr(cfg, "name"));
	int rc;

	gb_sbuf_printf(&b, "# Tuning tables: %s\n\n", tier[0] ? gb_report_md(r, tier) : "run");
	gb_sbuf_printf(&b, "Measured on %s (%lld CPUs) by %s (%s to %s; build %s, commit %s, "
		       "sanitizers %s); medians over %s, INVALID cells left out. Regenerate with "
		       "`gbench report RESULTS --tables` (or `make docs-tables`).\n\n",
		       gb_report_md(r, gb_report_jstr(h, "cpu_model")),
		       (long long)json_integer_value(json_object_get(h, "cores")),
		       gb_report_md_code(r, cmd, 0), gb_report_md(r, gb_report_jstr(r->meta, "start")),
		       gb_report_md(r, gb_report_jstr(r->meta, "end")),
		       gb_report_md_code(r, gb_report_jstr(bd, "flags"), 0), gb_report_md(r, gb_report_jstr(bd, "commit")),
		       gb_report_jstr(bd, "sanitizers")[0] ? gb_report_md(r, gb_report_jstr(bd, "sanitizers")) : "none",
		       gb_report_reps(r));
	free(cmd);
	{
		/* a busy machine makes ties of everything: say so before the tables */
		size_t noisy = 0, n = 0, unknown = 0;

		for (size_t i = 0; i < r->ncells; i++)
			if (r->cells[i].c) {
				n++;
				noisy += isfinite(r->cells[i].wall_cv) && r->cells[i].wall_cv > GB_REPORT_NOISY_CV;
				/* one repetition (a time budget's short cell): no variation to judge */
				unknown += !isfinite(r->cells[i].wall_cv);
			}
		if (noisy * 10 > n)   /* more than a tenth: the run as a whole is suspect */
			gb_sbuf_printf(&b, "**%zu of %zu cells vary more than %.0f%% between repetitions** "
				       "(wall_cv): the machine was busy or throttling, so many choices are "
				       "ties and the figures are lower than a quiet machine gives. "
				       "Regenerate on a quiet machine before quoting them.\n\n",
				       noisy, n, GB_REPORT_NOISY_CV * 100);
		else if (noisy)
			gb_sbuf_printf(&b, "%zu of %zu cells vary more than %.0f%% between repetitions "
				       "(wall_cv): a choice involving them may be a tie the tables cannot "
				       "see; the rest of the run was steady%s.\n\n",
				       noisy, n, GB_REPORT_NOISY_CV * 100,
				       unknown ? ", as far as it can tell" : "");
		if (unknown)
			gb_sbuf_printf(&b, "%zu of %zu cells have too few repetitions to say how much they "
				       "vary (wall_cv needs 2): their medians are single measurements, and "
				       "no tie with them can be seen.\n\n", unknown, n);
	}
	windows_note(r, &b);
	{
		const double *lat = r->o->nlat ? r->o->lat_targets : default_lat;
		const double *nm = r->o->nnmse ? r->o->nmse_budgets : default_nmse;
		size_t nlat = r->o->nlat ? r->o->nlat : GB_ARRAY_SIZE(default_lat);
		size_t nnm = r->o->nnmse ? r->o->nnmse : GB_ARRAY_SIZE(default_nmse);

		table_recommend(r, &b, lat[nlat / 2], nm[nnm / 2]);
	}
	table_batch(r, &b, r->o->nlat ? r->o->lat_targets : default_lat,
		    r->o->nlat ? r->o->nlat : GB_ARRAY_SIZE(default_lat));
	table_quant(r, &b, r->o->nnmse ? r->o->nmse_budgets : default_nmse,
		    r->o->nnmse ? r->o->nnmse : GB_ARRAY_SIZE(default_nmse));
	table_cache(r, &b);
	rc = gb_report_write_file(r, "tables.md", b.s);
	gb_sbuf_release(&b);
	return rc;
}
