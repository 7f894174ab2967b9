/*
 * report-charts.c - the report's charts: for each, the numbers (NAME.dat,
 * written here from the measured results) and the variables its template
 * reports/<kind>.gp reads; report-gnuplot.c writes the files and draws them.
 *
 * Charts are made to be read at a glance: at most GB_CHART_MAX_SERIES lines
 * in one panel (small multiples beyond that), colour and dash type carrying
 * one dimension each, log axes where values span decades, ticks only where
 * something was measured, IEC units for binary sizes, ratios said in words,
 * and each executor against its own device's ceilings.
 *
 * Names in charts come from the results folder, which anyone can edit: they
 * reach a script, a data file or a file name only through escape.h (via
 * gb_report_gp_quote and gb_report_dat_title).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "peak.h"
#include "report/report.h"
#include "stats.h"

static int cells_of(struct gb_report *r, const char *wl)
{
	int n = 0;

	for (size_t i = 0; i < r->ncells; i++)
		n += r->cells[i].c && !strcmp(r->cells[i].c->workload, wl);
	return n;
}

/* The smallest cache capacity among a workload's cells (the "no cache" view). */
static uint32_t min_cache(struct gb_report *r, const char *wl)
{
	uint32_t m = UINT32_MAX;

	for (size_t i = 0; i < r->ncells; i++)
		if (r->cells[i].c && !strcmp(r->cells[i].c->workload, wl) && r->cells[i].c->cache < m)
			m = r->cells[i].c->cache;
	return m;
}

/* Bytes in IEC units ("48 KiB", "2 MiB"): cache and working-set sizes are binary. */
static const char *iec_bytes(double v, char *buf, size_t len)
{
	const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.*f %s", v == floor(v) ? 0 : 1, v, unit[u]);
	return buf;
}

/* ---- latency percentile spectrum, per workload ---- */

/* Rows appended for a cell; -1 when its id is no file name (a hand-edited results.csv). */
static int hgrm_block(struct gb_report *r, struct gb_sbuf *d, const char *cell, const char *title)
{
	char *path, *text, *line, *save = NULL;
	struct gb_sbuf blk = { 0 };
	int rows = 0;

	/* "../../x" would read a file outside the results folder */
	if (!gb_fname_is_safe(cell))
		return -1;
	path = gb_xasprintf("%s/hist/%s.hgrm", r->o->results, cell);
	text = gb_read_file(path, NULL);
	free(path);
	if (!text)
		return 0;
	/* a block only when it has rows: the templates number blocks by the series they hold */
	gb_report_dat_title(&blk, title);
	gb_sbuf_printf(&blk, " \"1/(1-p)\" \"latency_us\" \"percentile\"\n");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double v, p, cnt, inv;

		if (sscanf(line, "%lf %lf %lf %lf", &v, &p, &cnt, &inv) != 4 || !isfinite(inv))
			continue;
		gb_sbuf_printf(&blk, "%.6g %.6g %.12g\n", inv, v / 1e3, p);
		rows++;
	}
	free(text);
	if (rows)
		gb_sbuf_printf(d, "%s\n\n", blk.s);
	gb_sbuf_release(&blk);
	return rows;
}

/* Index of v in the sorted distinct batch sizes of a workload's cells (the colour of a series). */
static int batch_rank(struct gb_report *r, const char *wl, uint32_t v)
{
	int rank = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_cell_result *x = r->cells[i].c;
		int first = 1;

		if (!x || strcmp(x->workload, wl) || x->batch >= v)
			continue;
		for (size_t k = 0; k < i && first; k++)
			if (r->cells[k].c && !strcmp(r->cells[k].c->workload, wl) &&
			    r->cells[k].c->batch == x->batch)
				first = 0;
		rank += first;
	}
	return rank;
}

static int exec_index(const char *e)
{
	return !strcmp(e, "cpu") ? 0 : !strcmp(e, "vulkan") ? 1 : 2;
}

/* gnuplot arrays for a chart's header: NAME[1..n]. */
static void gp_int_array(struct gb_sbuf *h, const char *name, const int *v, int n)
{
	gb_sbuf_printf(h, "array %s[%d] = [", name, n > 0 ? n : 1);
	for (int i = 0; i < n; i++)
		gb_sbuf_printf(h, "%s%d", i ? ", " : "", v[i]);
	gb_sbuf_printf(h, "%s]\n", n > 0 ? "" : "0");
}

#define GB_CHART_MAX_SERIES 8   /* more lines than this in one panel stop being told apart */

/*
 * Small multiples: one panel per quant level (per quant and executor where
 * one panel would hold more than GB_CHART_MAX_SERIES lines); in a panel the
 * colour is the batch size and the dash type the executor.
 */
static void chart_latency(struct gb_report *r)
{
	for (size_t w = 0; w < r->nwl; w++) {
		const char *wl = r->wl[w].name;
		uint32_t cache = min_cache(r, wl);
		char *name = gb_xasprintf("latency-%s", wl);
		char *title = gb_xasprintf("Latency percentile spectrum: %s (cache %u)", wl, cache);
		struct gb_report_chart *c = gb_report_chart_add(r, name, title);
		struct gb_sbuf d = { 0 }, h = { 0 }, pt = { 0 };
		int n = 0, unsafe = 0, np = 0, maxser = 0;
		int *lcol = gb_xcalloc(r->ncells + 1, sizeof(int)), *dash = gb_xcalloc(r->ncells + 1, sizeof(int));
		int pfirst[GB_Q_COUNT * 3], pcount[GB_Q_COUNT * 3];
		char *mwl = gb_escape_md(wl), *left = NULL;

		free(name);
		free(title);
		for (int q = 0; q < GB_Q_COUNT; q++) {
			int inq = 0, split;

			for (size_t i = 0; i < r->ncells; i++) {
				struct gb_cell_result *x = r->cells[i].c;

				inq += x && !strcmp(x->workload, wl) && x->cache == cache && (int)x->quant == q;
			}
			split = inq > GB_CHART_MAX_SERIES;
			for (int e = 0; e < (split ? 3 : 1); e++) {
				int first = n, rows;

				for (size_t i = 0; i < r->ncells; i++) {
					struct gb_cell_result *x = r->cells[i].c;
					char *t;

					if (!x || strcmp(x->workload, wl) || x->cache != cache ||
					    (int)x->quant != q || (split && exec_index(x->executor) != e))
						continue;
					t = gb_xasprintf("%s b%u", x->executor, x->batch);
					rows = hgrm_block(r, &d, x->id, t);
					free(t);
					unsafe += rows < 0;
					if (rows <= 0)
						continue;
					lcol[n] = batch_rank(r, wl, x->batch) + 1;
					dash[n] = exec_index(x->executor) + 1;
					n++;
				}
				if (n == first)
					continue;
				pfirst[np] = first + 1;
				pcount[np] = n - first;
				maxser = pcount[np] > maxser ? pcount[np] : maxser;
				gb_sbuf_printf(&pt, "%s", np ? ", " : "");
				{
					const char *ex[] = { "cpu", "vulkan", "other executors" };
					char *ptitle = split ? gb_xasprintf("%s, %s", gb_quant_name((enum gb_quant)q), ex[e])
							     : gb_xstrdup(gb_quant_name((enum gb_quant)q));

					gb_report_gp_quote(&pt, ptitle);
					free(ptitle);
				}
				np++;
			}
		}
		if (unsafe)
			left = gb_xasprintf(" (%d cell id%s not a file name, so no histogram read)", unsafe,
					    unsafe == 1 ? " is" : "s are");
		if (!n) {
			c->missing = gb_xasprintf("%s%s", cells_of(r, wl) ? "no hist/<cell>.hgrm for its cells"
								   : "no cell of this workload has results",
						  left ? left : "");
		} else {
			c->what = gb_xasprintf("Request latency at each percentile (x: 1/(1-p), so 10 is "
					       "p90 and 1000 p99.9, as HdrHistogram's plotter draws it) "
					       "for the %d cells of %s at cache %u, one panel per quant "
					       "level (at most %d lines each; colour: batch size, dashes: "
					       "executor), from `hist/<cell>.hgrm` (all measured repetitions "
					       "merged)%s.", n, mwl, cache, maxser, left ? left : "");
			gb_sbuf_printf(&h, "npanels = %d\n", np);
			gp_int_array(&h, "pfirst", pfirst, np);
			gp_int_array(&h, "pcount", pcount, np);
			gb_sbuf_printf(&h, "array ptitle[%d] = [%s]\n", np, pt.s);
			gp_int_array(&h, "lcol", lcol, n);
			gp_int_array(&h, "dash", dash, n);
			gb_report_chart_emit(r, c, "latency", d.s, h.s);
		}
		free(lcol);
		free(dash);
		free(mwl);
		free(left);
		gb_sbuf_release(&d);
		gb_sbuf_release(&h);
		gb_sbuf_release(&pt);
	}
}

/* ---- throughput against batch, per quant ---- */

static void chart_throughput(struct gb_report *r)
{
	for (size_t w = 0; w < r->nwl; w++) {
		const char *wl = r->wl[w].name;
		uint32_t cache = min_cache(r, wl);
		char *name = gb_xasprintf("throughput-%s", wl);
		char *title = gb_xasprintf("Throughput against batch size: %s (cache %u)", wl, cache);
		struct gb_report_chart *c = gb_report_chart_add(r, name, title);
		struct gb_sbuf d = { 0 }, h = { 0 }, xt = { 0 };
		int n = 0, lcol[2 * GB_Q_COUNT], dash[2 * GB_Q_COUNT];
		uint32_t bmin = 1, bmax = 1;
		const char *execs[] = { "cpu", "vulkan" };

		free(name);
		free(title);
		/* ticks only where a batch size was measured, with room beside the outer ones */
		for (uint32_t last = 0;;) {
			uint32_t next = UINT32_MAX;

			for (size_t i = 0; i < r->ncells; i++) {
				struct gb_cell_result *x = r->cells[i].c;

				if (x && !strcmp(x->workload, wl) && x->batch > last && x->batch < next)
					next = x->batch;
			}
			if (next == UINT32_MAX)
				break;
			gb_sbuf_printf(&xt, "%s%u", xt.len ? ", " : "(", next);
			if (!last)
				bmin = next;
			last = bmax = next;
		}
		gb_sbuf_printf(&xt, "%s", xt.len ? ")" : "(1)");
		for (int e = 0; e < 2; e++)
			for (int q = 0; q < GB_Q_COUNT; q++) {
				int rows = 0;
				uint32_t last = 0;

				/* batches ascending: pick the next larger each time */
				for (;;) {
					struct gb_cell_result *best = NULL;

					for (size_t i = 0; i < r->ncells; i++) {
						struct gb_cell_result *x = r->cells[i].c;

						if (!x || strcmp(x->workload, wl) || x->cache != cache ||
						    (int)x->quant != q || strcmp(x->executor, execs[e]) ||
						    x->batch <= last)
							continue;
						if (!best || x->batch < best->batch)
							best = x;
					}
					if (!best)
						break;
					last = best->batch;
					{
						const struct gb_metric *m = gb_report_metric(best, "throughput_rps");
						struct gb_summary s;

						if (!m || m->source == GB_SRC_UNAVAILABLE || !m->n)
							continue;
						gb_summarize(m->v, m->n, &s);
						if (!s.n)
							continue;
						if (!rows++) {
							char *t = gb_xasprintf("%s %s", execs[e],
									       gb_quant_name((enum gb_quant)q));

							lcol[n] = q + 1;
							dash[n] = e + 1;

							gb_report_dat_title(&d, t);
							gb_sbuf_printf(&d, " \"batch\" \"median\" \"min\" \"max\"\n");
							free(t);
						}
						gb_sbuf_printf(&d, "%u %.9g %.9g %.9g\n", best->batch, s.median,
							       s.min, s.max);
					}
				}
				if (rows) {
					gb_sbuf_printf(&d, "\n\n");
					n++;
				}
			}
		if (!n) {
			c->missing = gb_xstrdup("no throughput_rps was measured for this workload");
		} else {
			char *mwl = gb_escape_md(wl);

			c->what = gb_xasprintf("Median throughput (requests per second, log scale; bars: "
					       "min and max over the repetitions) against the batch size "
					       "(log scale, ticks at the sizes measured), one line per "
					       "executor (dash type) and quant level (colour), %s at cache %u.",
					       mwl, cache);
			free(mwl);
			gb_sbuf_printf(&h, "nseries = %d\nxlo = %.6g\nxhi = %.6g\nxticlist = ", n,
				       bmin / 1.5, bmax * 1.5);
			gb_report_gp_quote(&h, xt.s);
			gb_sbuf_printf(&h, "\n");
			gp_int_array(&h, "lcol", lcol, n);
			gp_int_array(&h, "dash", dash, n);
			gb_report_chart_emit(r, c, "throughput", d.s, h.s);
		}
		gb_sbuf_release(&d);
		gb_sbuf_release(&h);
		gb_sbuf_release(&xt);
	}
}

/* ---- accuracy against throughput, per quant ---- */

static void chart_accuracy(struct gb_report *r)
{
	struct gb_report_chart *c = gb_report_chart_add(r, "accuracy", "Accuracy against speed, per quant level");
	struct gb_sbuf d = { 0 }, h = { 0 };
	int n = 0, zero = 0, nbud = 0;

	for (int q = 0; q < GB_Q_COUNT; q++) {
		int rows = 0;

		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];
			double thr;

			if (!rc->c || (int)rc->c->quant != q || isnan(rc->nmse))
				continue;
			thr = gb_report_median(rc->c, "throughput_rps");
			if (!(thr > 0))
				continue;
			if (!(rc->nmse > 0)) {
				zero++;   /* exact: no place on a log axis */
				continue;
			}
			if (!rows++) {
				gb_report_dat_title(&d, gb_quant_name((enum gb_quant)q));
				gb_sbuf_printf(&d, " \"throughput_rps\" \"nmse\" \"cell\"\n");
			}
			gb_sbuf_printf(&d, "%.9g %.6g ", thr, rc->nmse);
			gb_report_dat_title(&d, rc->id);
			gb_sbuf_printf(&d, "\n");
		}
		if (rows) {
			gb_sbuf_printf(&d, "\n\n");
			n++;
		}
	}
	/* the budgets of DESIGN.md section 8 as accuracy.csv records them, one line per quant */
	for (int q = 0; q < GB_Q_COUNT; q++) {
		double bud = NAN;

		/* the largest: ops without a persistent operand keep the f32 budget at every level */
		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_cell_result *x = r->cells[i].c;

			for (size_t k = 0; x && (int)x->quant == q && k < x->nacc; k++)
				if (!strcmp(x->acc[k].reference, "f64") && !strcmp(x->acc[k].metric, "nmse") &&
				    isfinite(x->acc[k].budget) && x->acc[k].budget > 0 &&
				    !(x->acc[k].budget <= bud))
					bud = x->acc[k].budget;
		}
		if (isfinite(bud)) {
			char *lab = gb_xasprintf("%s budget %g", gb_quant_name((enum gb_quant)q), bud);

			nbud++;
			gb_sbuf_printf(&h, "set arrow %d from graph 0, first %.6g to graph 1, first %.6g "
				       "nohead dashtype 2 linecolor rgb 'gray40'\nset label %d ",
				       nbud, bud, bud, nbud);
			gb_report_gp_quote(&h, lab);
			gb_sbuf_printf(&h, " at graph 0.01, first %.6g offset 0,0.6 font ',9' textcolor "
				       "rgb 'gray30' noenhanced\n", bud);
			free(lab);
		}
	}
	if (!n) {
		c->missing = gb_xstrdup("no cell has both an NMSE against the f64 oracle and a throughput");
	} else {
		c->what = gb_xasprintf("Each cell's largest NMSE against the float64 oracle (over its "
				       "ops, from accuracy.csv; log scale) against its median "
				       "throughput, coloured by quant level; dashed lines: each quant "
				       "level's NMSE budget (DESIGN.md section 8, as accuracy.csv "
				       "records it).%s",
				       zero ? " Cells with an NMSE of exactly 0 have no place on the log "
					      "axis and are left out." : "");
		gb_sbuf_printf(&h, "nseries = %d\n", n);
		gb_report_chart_emit(r, c, "accuracy", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- cache hit rate against capacity ---- */

static void chart_cache(struct gb_report *r)
{
	struct gb_report_chart *c = gb_report_chart_add(r, "cache", "Result-cache hit rate against capacity");
	struct gb_sbuf d = { 0 }, h = { 0 };
	char *path = gb_xasprintf("%s/mrc.csv", r->o->results);
	char *text = gb_file_exists(path) ? gb_read_file(path, NULL) : NULL;
	int n = 0;
	const char *from = "mrc.csv (the LRU miss-ratio curve of each trace)";

	free(path);
	if (text) {
		/* workload,capacity,hit_rate; rows of one workload are contiguous */
		char *line, *save = NULL, last[256] = "";
		int rows = 0, first = 1;

		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char wl[256];
			double cap, hit;

			if (first) {
				first = 0;
				continue;
			}
			if (sscanf(line, "%255[^,],%lf,%lf", wl, &cap, &hit) != 3 || cap < 1 || !isfinite(hit))
				continue;
			if (strcmp(wl, last)) {
				if (rows)
					gb_sbuf_printf(&d, "\n\n");
				gb_report_dat_title(&d, wl);
				gb_sbuf_printf(&d, " \"capacity\" \"hit_rate\"\n");
				snprintf(last, sizeof(last), "%s", wl);
				n++;
				rows = 0;
			}
			gb_sbuf_printf(&d, "%.0f %.6g\n", cap, hit);
			rows++;
		}
		if (rows)
			gb_sbuf_printf(&d, "\n\n");
		free(text);
	}
	if (!n) {
		from = "the cells' measured cache_hit_rate (medians)";
		for (size_t w = 0; w < r->nwl; w++) {
			int rows = 0;

			for (size_t i = 0; i < r->ncells; i++) {
				struct gb_cell_result *x = r->cells[i].c;
				double hit;

				if (!x || strcmp(x->workload, r->wl[w].name) || !x->cache)
					continue;
				hit = gb_report_median(x, "cache_hit_rate");
				if (isnan(hit))
					continue;
				if (!rows++) {
					gb_report_dat_title(&d, r->wl[w].name);
					gb_sbuf_printf(&d, " \"capacity\" \"hit_rate\"\n");
				}
				gb_sbuf_printf(&d, "%u %.6g\n", x->cache, hit);
			}
			if (rows) {
				gb_sbuf_printf(&d, "\n\n");
				n++;
			}
		}
	}
	if (!n) {
		c->missing = gb_xstrdup("no workload has a measured hit rate (no cell with a cache, or "
					"no request with a cache key)");
	} else {
		c->what = gb_xasprintf("Hit rate of the LRU result cache against its capacity in "
				       "entries, per workload, from %s.", from);
		gb_sbuf_printf(&h, "nseries = %d\n", n);
		gb_report_chart_emit(r, c, "cache", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- roofline: report-ops.c, with each op kind placed ---- */

/* ---- the bandwidth sweep behind the ceilings ---- */

static void chart_bandwidth(struct gb_report *r)
{
	struct gb_report_chart *c = gb_report_chart_add(r, "bandwidth", "Memory bandwidth against working set");
	struct gb_sbuf d = { 0 }, h = { 0 };
	json_t *sweep, *pt;
	size_t i;

	if (!r->peak) {
		c->missing = gb_xasprintf("no measured ceilings (%s)", r->peak_why);
		return;
	}
	sweep = json_object_get(json_object_get(r->peak, "bandwidth"), "sweep");
	if (!json_array_size(sweep)) {
		c->missing = gb_xstrdup("the peak file has no sweep");
		return;
	}
	for (int k = 0; k < GB_BW_COUNT; k++) {
		gb_report_dat_title(&d, gb_bw_kernel_name((enum gb_bw_kernel)k));
		gb_sbuf_printf(&d, " \"bytes\" \"GB/s\"\n");
		json_array_foreach(sweep, i, pt) {
			json_t *v = json_object_get(pt, gb_bw_kernel_name((enum gb_bw_kernel)k));

			if (json_is_number(v))
				gb_sbuf_printf(&d, "%lld %.6g\n",
					       (long long)json_integer_value(json_object_get(pt, "bytes")),
					       json_number_value(v));
		}
		gb_sbuf_printf(&d, "\n\n");
	}
	c->what = gb_xasprintf("The sweep behind the ceilings (%s): GB/s of each kernel against "
			       "the total working set; dashed lines at the cache capacities the "
			       "threads use (from sysfs).", r->peak_from);
	for (int l = 0; l < GB_LVL_DRAM; l++) {
		char lab[64], sz[32];

		gb_sbuf_printf(&h, "cap%d = %.0f\n", l + 1, isfinite(r->cap[l]) ? r->cap[l] : 0);
		snprintf(lab, sizeof(lab), "%s %s", gb_peak_level_name((enum gb_peak_level)l),
			 isfinite(r->cap[l]) ? iec_bytes(r->cap[l], sz, sizeof(sz)) : "");
		gb_sbuf_printf(&h, "cap%dlabel = ", l + 1);
		gb_report_gp_quote(&h, lab);
		gb_sbuf_printf(&h, "\n");
	}
	/* ticks at powers of 4 in IEC units: the sweep's sizes are binary */
	{
		double lo = INFINITY, hi = 0;
		int nt = 0;

		json_array_foreach(sweep, i, pt) {
			double by = (double)json_integer_value(json_object_get(pt, "bytes"));

			if (by > 0) {
				lo = fmin(lo, by);
				hi = fmax(hi, by);
			}
		}
		gb_sbuf_printf(&h, "xticlist = '(");
		for (double x = 1024; x <= hi * 2 && isfinite(lo); x *= 4) {
			char sz[32];

			if (x < lo / 2)
				continue;
			gb_sbuf_printf(&h, "%s\"%s\" %.0f", nt++ ? ", " : "", iec_bytes(x, sz, sizeof(sz)), x);
		}
		gb_sbuf_printf(&h, "%s)'\n", nt ? "" : "\"1 KiB\" 1024");
	}
	gb_sbuf_printf(&h, "nseries = %d\n", GB_BW_COUNT);
	gb_report_chart_emit(r, c, "bandwidth", d.s, h.s);
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- vulkan / cpu speedup ---- */

struct speedup_bar {
	char *label;
	double ratio;
};

static int cmp_bar(const void *a, const void *b)
{
	const struct speedup_bar *x = a, *y = b;

	return x->ratio < y->ratio ? -1 : x->ratio > y->ratio;
}

/*
 * One bar per pair of cells at the smallest cache (the cache serves hits
 * without an executor, so it says nothing about vulkan against cpu),
 * sorted, horizontal, each with its ratio written in words.
 */
static void chart_speedup(struct gb_report *r)
{
	struct gb_report_chart *c = gb_report_chart_add(r, "speedup", "Vulkan against CPU, per pair of cells");
	struct gb_sbuf d = { 0 }, h = { 0 };
	struct speedup_bar *bars = gb_xcalloc(r->ncells + 1, sizeof(*bars));
	int n = 0, faster = 0, other_rows = 0;
	double lo = 1, hi = 1;
	json_t *vk = json_object_get(json_object_get(r->meta, "executors"), "vulkan");

	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_cell_result *v = r->cells[i].c;

		if (!v || strcmp(v->executor, "vulkan") || v->cache != min_cache(r, v->workload))
			continue;
		for (size_t k = 0; k < r->ncells; k++) {
			struct gb_cell_result *x = r->cells[k].c;
			double cw, vw;

			if (!x || strcmp(x->executor, "cpu") || strcmp(x->workload, v->workload) ||
			    x->batch != v->batch || x->quant != v->quant || x->cache != v->cache)
				continue;
			/* a time budget's windows: a repetition of other rows, other work */
			if (gb_compare_cell_window(r->meta, x->id) !=
			    gb_compare_cell_window(r->meta, v->id)) {
				other_rows++;
				continue;
			}
			cw = gb_report_median(x, "wall_ns");
			vw = gb_report_median(v, "wall_ns");
			if (cw > 0 && vw > 0) {
				bars[n].label = gb_xasprintf("%s b%u %s", v->workload, v->batch,
							     gb_quant_name(v->quant));
				bars[n].ratio = cw / vw;
				lo = fmin(lo, bars[n].ratio);
				hi = fmax(hi, bars[n].ratio);
				faster += bars[n].ratio >= 1;
				n++;
			}
		}
	}
	qsort(bars, (size_t)n, sizeof(*bars), cmp_bar);
	for (int i = 0; i < n; i++) {
		double x = bars[i].ratio;
		char *words = x >= 1 ? gb_xasprintf("%.3gx faster", x) : gb_xasprintf("%.3gx slower", 1 / x);

		gb_report_dat_title(&d, bars[i].label);
		gb_sbuf_printf(&d, " %.6g ", x);
		gb_report_dat_title(&d, words);
		gb_sbuf_printf(&d, "\n");
		free(words);
		free(bars[i].label);
	}
	free(bars);
	gb_sbuf_printf(&d, "\n\n");
	if (!n) {
		if (!vk)
			c->missing = gb_xstrdup("this run had no vulkan executor (not in the config's executors)");
		else if (!json_is_true(json_object_get(vk, "available")))
			c->missing = gb_xasprintf("the vulkan executor was unavailable: %s",
						  json_string_value(json_object_get(vk, "reason")));
		else if (other_rows)
			c->missing = gb_xasprintf("every vulkan cell with a cpu cell of the same "
						  "workload, batch, quant and cache replayed other rows "
						  "of the trace than it (%d pair%s; a time budget's "
						  "windows, meta.json time_plan)", other_rows,
						  other_rows == 1 ? "" : "s");
		else
			c->missing = gb_xstrdup("no vulkan cell has a cpu cell with the same workload, "
						"batch, quant and cache, both with wall_ns");
	} else {
		char other[160] = "";

		if (other_rows)
			snprintf(other, sizeof(other), " %d pair%s left out: the two cells replayed "
				 "other rows of the trace (a time budget's windows).", other_rows,
				 other_rows == 1 ? "" : "s");
		c->what = gb_xasprintf("Median wall time of the cpu cell over that of the vulkan cell "
				       "with the same workload, batch and quant level, at the smallest "
				       "cache, sorted; each bar says how many times faster or slower "
				       "vulkan is. Vulkan is faster in %d of the %d pairs.%s Per "
				       "workload; \"Where the time goes\" splits the time per op.",
				       faster, n, other);
		/* room on the log axis for the words beside the longest bars */
		gb_sbuf_printf(&h, "nbars = %d\nxlo = %.6g\nxhi = %.6g\n", n, lo / 8, hi * 8);
		gb_report_chart_emit(r, c, "speedup", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

/* ---- baseline comparison bars ---- */

static void chart_baseline(struct gb_report *r)
{
	struct gb_report_chart *c;
	struct gb_sbuf d = { 0 }, h = { 0 };
	int n = 0;

	if (!r->has_base)
		return;
	c = gb_report_chart_add(r, "baseline", "Current against baseline");
	gb_sbuf_printf(&d, "# cell, throughput_rps and latency_p50_ns current / baseline\n");
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_cell_result *x = r->cells[i].c;

		if (!x)
			continue;
		for (size_t k = 0; k < r->base.n; k++) {
			struct gb_cell_result *b = &r->base.cells[k];
			double t0, t1, l0, l1;

			if (strcmp(b->id, x->id))
				continue;
			t0 = gb_report_median(b, "throughput_rps");
			t1 = gb_report_median(x, "throughput_rps");
			l0 = gb_report_median(b, "latency_p50_ns");
			l1 = gb_report_median(x, "latency_p50_ns");
			if (!(t0 > 0 && t1 > 0 && l0 > 0 && l1 > 0))
				continue;
			gb_report_dat_title(&d, x->id);
			gb_sbuf_printf(&d, " %.6g %.6g\n", t1 / t0, l1 / l0);
			n++;
		}
	}
	if (!n) {
		c->missing = gb_xstrdup("no cell of this run is in the baseline with throughput and latency");
	} else {
		c->what = gb_xasprintf("Current median over baseline median per cell, in two panels "
				       "because the metrics point opposite ways: throughput (above 1: "
				       "faster) and p50 latency (below 1: faster); %d cells in both%s. "
				       "Descriptive: `gbench compare` decides regressions.", n,
				       n > 48 ? ", too many to label (the Baseline table names them)" : "");
		gb_sbuf_printf(&h, "nbars = %d\nshowtics = %d\n", n, n <= 48);
		gb_report_chart_emit(r, c, "baseline", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

void gb_report_charts(struct gb_report *r)
{
	char *err = NULL;

	r->gnuplot_ok = gb_report_gnuplot_run(r, NULL, "", &err) == 0;
	if (!r->gnuplot_ok) {
		r->gnuplot_why = err ? err : gb_xstrdup("gnuplot --version failed");
		gb_warn("charts are not drawn: %s", r->gnuplot_why);
	} else {
		free(err);
	}
	chart_latency(r);
	chart_throughput(r);
	chart_accuracy(r);
	chart_cache(r);
	gb_report_chart_roofline(r);
	chart_bandwidth(r);
	chart_speedup(r);
	chart_baseline(r);
}
