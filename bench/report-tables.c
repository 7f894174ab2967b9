/*
 * report-tables.c - tables.md, the tuning tables of `gbench report
 * --tables`: for the run's tier (config name and trace folder), per
 * workload, the batch size with the best throughput within each latency
 * target, the quant level with the best throughput within each NMSE
 * budget, and the result-cache capacity reaching 80, 90 and 95% hit rate.
 *
 * Every entry is a measured median, or says plainly that no cell of the run
 * met the target ("none within target", "not reached at the capacities
 * measured"): a docs writer copies these tables, so an empty cell must not
 * look like a zero. Names from the results go through gb_report_md().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsio.h"
#include "gbench.h"
#include "report.h"

static const double default_lat[] = { 100e3, 1e6, 10e6 };
static const double default_nmse[] = { 1e-6, 1e-4, 1e-2 };
static const double hit_targets[] = { 0.80, 0.90, 0.95 };

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

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

static void table_batch(struct gb_report *r, struct gb_sbuf *b, const double *lat, size_t nlat)
{
	char t1[32], t2[32];
	int any_p90 = 0;

	gb_sbuf_printf(b, "## Batch size within a latency target\n\n");
	gb_sbuf_printf(b, "For each workload, executor and quant level (no result cache, or the "
		       "smallest measured): the batch size with the highest median throughput whose "
		       "median p99 request latency is within the target.\n\n");
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
					double best_thr = -1, low = INFINITY;
					const char *which = "p99";

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
						}
						if (isfinite(l) && l <= lat[t] && thr > best_thr) {
							best_thr = thr;
							best = c;
						}
					}
					if (best)
						gb_sbuf_printf(b, " b%u: %s req/s |", best->batch,
							       gb_report_fmt_num(best_thr, t1, sizeof(t1)));
					else if (fastest)
						gb_sbuf_printf(b, " none within target (lowest %s at b%u) |",
							       gb_report_fmt_ns(low, t2, sizeof(t2)), fastest->batch);
					else
						gb_sbuf_printf(b, " p99 and p90 not estimable (too few requests per repetition) |");
				}
				gb_sbuf_printf(b, "\n");
			}
	}
	if (any_p90)
		gb_sbuf_printf(b, "\nWhere a cell had too few requests per repetition to estimate "
			       "p99 (source unavailable in results.csv), its p90 is held against the "
			       "target instead.\n");
	gb_sbuf_printf(b, "\n");
}

static void table_quant(struct gb_report *r, struct gb_sbuf *b, const double *nm, size_t nnm)
{
	char t1[32];

	gb_sbuf_printf(b, "## Quantization within an accuracy budget\n\n");
	gb_sbuf_printf(b, "For each workload, executor and batch size (smallest cache): the quant "
		       "level with the highest median throughput whose largest NMSE against the "
		       "float64 oracle (over the workload's ops, accuracy.csv) is within the budget; "
		       "the speed is relative to f32 at the same batch where f32 was measured.\n\n");
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
					if (best && f32 > 0)
						gb_sbuf_printf(b, " %s: %.2fx f32 (NMSE %.1e) |",
							       gb_quant_name(best->c->quant), best_thr / f32, best->nmse);
					else if (best)
						gb_sbuf_printf(b, " %s: %s req/s (NMSE %.1e) |",
							       gb_quant_name(best->c->quant),
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
		       "the target, per workload, from %s.\n\n", from);
	gb_sbuf_printf(b, "| workload |");
	for (size_t t = 0; t < GB_ARRAY_SIZE(hit_targets); t++)
		gb_sbuf_printf(b, " %.0f%% hits |", hit_targets[t] * 100);
	gb_sbuf_printf(b, " capacities measured |\n|---|");
	for (size_t t = 0; t <= GB_ARRAY_SIZE(hit_targets); t++)
		gb_sbuf_printf(b, "---|");
	gb_sbuf_printf(b, "\n");
	for (size_t w = 0; w < r->nwl; w++) {
		struct curve *c = &cv[w];
		double maxcap = 0, besthit = -1, bestcap = 0;

		gb_sbuf_printf(b, "| %s |", gb_report_md(r, c->wl));
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
			else
				gb_sbuf_printf(b, " not reached at the capacities measured (best %.1f%% at %.0f) |",
					       besthit * 100, bestcap);
		}
		gb_sbuf_printf(b, " %d, up to %.0f |\n", c->n, maxcap);
	}
	gb_sbuf_printf(b, "\n");
	free(cv);
}

int gb_report_tables(struct gb_report *r)
{
	struct gb_sbuf b = { 0 };
	json_t *cfg = json_object_get(r->meta, "config"), *h = json_object_get(r->meta, "host");
	const char *tier = jstr(cfg, "trace_dir")[0] ? jstr(cfg, "trace_dir") : jstr(cfg, "name");
	char *cmd = gb_xasprintf("gbench run --config %s", jstr(cfg, "name"));
	int rc;

	gb_sbuf_printf(&b, "# Tuning tables: %s\n\n", tier[0] ? gb_report_md(r, tier) : "run");
	gb_sbuf_printf(&b, "Measured on %s (%lld CPUs) by %s (%s to %s); "
		       "medians over %lld repetitions per cell, INVALID cells left out. Regenerate "
		       "with `gbench report RESULTS --tables` (or `make docs-tables`).\n\n",
		       gb_report_md(r, jstr(h, "cpu_model")),
		       (long long)json_integer_value(json_object_get(h, "cores")),
		       gb_report_md_code(r, cmd, 0), gb_report_md(r, jstr(r->meta, "start")),
		       gb_report_md(r, jstr(r->meta, "end")),
		       (long long)json_integer_value(json_object_get(cfg, "repetitions")));
	free(cmd);
	table_batch(r, &b, r->o->nlat ? r->o->lat_targets : default_lat,
		    r->o->nlat ? r->o->nlat : GB_ARRAY_SIZE(default_lat));
	table_quant(r, &b, r->o->nnmse ? r->o->nmse_budgets : default_nmse,
		    r->o->nnmse ? r->o->nnmse : GB_ARRAY_SIZE(default_nmse));
	table_cache(r, &b);
	rc = gb_report_write_file(r, "tables.md", b.s);
	gb_sbuf_release(&b);
	return rc;
}
