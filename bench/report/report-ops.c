/*
 * report-ops.c - where the time goes: each op kind of each cell placed on
 * the roofline of its own device (issue 14, item 3), the "Where the time
 * goes" section of report.md that names each cell's bottleneck and how
 * far it is from the hardware, and the roofline chart, which draws the
 * ceilings, every cell and every op kind.
 *
 * An op kind's time per replay is the median over repetitions of
 * gpu_ns.<op> (the device's time of its calls, vulkan cells) or, where a
 * cell has no device time (cpu cells, a device without timestamps),
 * call_ns.<op> (the host's time of its executor calls). Its work comes
 * from the trace as the cell's does (report-facts.c): FLOPs from gb_shape_flops,
 * bytes the activations in and out plus the persistent operand at the
 * quant level's real size, read once per executor call and shared by the
 * mean batch. The work is scaled by (1 - hit rate) when the result cache
 * served requests and by the requests a repetition replayed when that was
 * a window of the trace: both assume the op kinds share them evenly, so
 * such rows are marked as estimates.
 *
 * Vulkan cells are judged against the vulkan device's ceilings from `gbench
 * peak` (copy bandwidth and f32 FMA peak, in device time), cpu cells against
 * the host's (f32 FMA peak, the read bandwidth of the level holding the
 * workload's persistent operands). "Of roof" is the achieved GFLOP/s over
 * the attainable at the op's intensity, min(peak, AI x bandwidth), which
 * is the larger of GFLOP/s over the peak and GB/s over the bandwidth.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "op.h"
#include "peak.h"
#include "report/report.h"

/* ---- placing a cell's op kinds ---- */

/* The requests a repetition replayed (throughput x wall time of one repetition), or NAN. */
static double replayed_requests(const struct gb_cell_result *c)
{
	const struct gb_metric *t = gb_report_metric(c, "throughput_rps");
	const struct gb_metric *w = gb_report_metric(c, "wall_ns");

	if (!t || !w || t->source == GB_SRC_UNAVAILABLE || w->source == GB_SRC_UNAVAILABLE)
		return NAN;
	for (size_t i = 0; i < t->n && i < w->n; i++)
		if (isfinite(t->v[i]) && isfinite(w->v[i]) && w->v[i] > 0)
			return round(t->v[i] * w->v[i] / 1e9);
	return NAN;
}

/* Median of <kind>.<op> of a cell; NAN when absent. */
static double op_time(const struct gb_cell_result *c, const char *kind, enum gb_op op)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.%s", kind, gb_op_name(op));
	return gb_report_median(c, name);
}

void gb_report_ops_place(struct gb_report *r, struct gb_report_cell *rc)
{
	const struct gb_cell_result *c = rc->c;
	const struct gb_report_wl *w = rc->wl;
	int vk = !strcmp(c->executor, "vulkan"), est = 0, lvl;
	double hit, scale = 1, share, req, total = 0, best = -1, pg = NAN, pb = NAN;

	memset(rc->ops, 0, sizeof(rc->ops));
	rc->bottleneck = -1;
	if (!w || !w->loaded)
		return;
	hit = c->cache ? gb_report_median(c, "cache_hit_rate") : 0;
	if (isnan(hit))
		hit = 0;
	est = hit > 0;
	req = replayed_requests(c);
	/* the rows replayed (a window's, rc->work) against the requests measured */
	if (isfinite(req) && rc->work.requests > 0 && fabs(req - (double)rc->work.requests) >= 0.5) {
		scale = req / (double)rc->work.requests;
		est = 1;
	}
	share = gb_report_call_share(rc);
	if (vk && r->vk_gflops > 0 && r->vk_gbs > 0) {
		pg = r->vk_gflops;
		pb = r->vk_gbs;
	} else if (!vk && r->peak) {
		pg = r->peak_gflops;
		pb = gb_report_host_bw(r, rc->work.weight_set[c->quant], &lvl);
	}
	for (int op = 0; op < GB_OP_COUNT; op++) {
		struct gb_report_op *o = &rc->ops[op];
		double t = vk ? op_time(c, "gpu_ns", (enum gb_op)op) : NAN, work;

		if (!rc->work.op[op].requests)
			continue;
		o->time_metric = "gpu_ns";
		if (isnan(t)) {
			t = op_time(c, "call_ns", (enum gb_op)op);
			o->time_metric = "call_ns";
		}
		if (isnan(t))
			continue;
		work = scale * (1 - hit);
		o->present = 1;
		o->estimate = est;
		o->time_ns = t;
		o->requests = (double)rc->work.op[op].requests * work;
		o->flops = rc->work.op[op].flops * work;
		o->bytes = (rc->work.op[op].act_bytes + rc->work.op[op].weight_bytes[c->quant] / share) * work;
		o->ai = o->bytes > 0 ? o->flops / o->bytes : NAN;
		o->gflops = t > 0 ? o->flops / t : NAN;
		o->gbs = t > 0 ? o->bytes / t : NAN;
		o->peak_gflops = pg;
		o->peak_gbs = pb;
		o->pct = NAN;
		if (pg > 0 && pb > 0 && t > 0) {
			o->pct = fmax(o->gflops / pg, o->gbs / pb);
			o->compute_bound = isfinite(o->ai) && o->ai * pb >= pg;
		}
		total += t;
		if (t > best) {
			best = t;
			rc->bottleneck = op;
		}
	}
	for (int op = 0; op < GB_OP_COUNT; op++)
		rc->ops[op].share = rc->ops[op].present && total > 0 ? rc->ops[op].time_ns / total : NAN;
}

/*
 * The cells the section and the chart show, one flag per cell (caller
 * frees): those with the smallest cache of their workload (the cache
 * changes which requests run, not how fast a kernel runs them).
 */
static unsigned char *shown_cells(const struct gb_report *r)
{
	unsigned char *f = gb_xcalloc(r->ncells + 1, 1);

	for (size_t w = 0; w < r->nwl; w++) {
		uint32_t m = UINT32_MAX;

		for (size_t i = 0; i < r->ncells; i++)
			if (r->cells[i].c && r->cells[i].wl == &r->wl[w] && r->cells[i].c->cache < m)
				m = r->cells[i].c->cache;
		for (size_t i = 0; i < r->ncells; i++)
			f[i] |= r->cells[i].c && r->cells[i].wl == &r->wl[w] && r->cells[i].c->cache == m;
	}
	return f;
}

/* ---- report.md: Where the time goes ---- */

/* "memory, 12.3 GB/s" or "compute, 45.6 GFLOP/s": the ceiling at the op's intensity. */
static const char *roof_text(const struct gb_report_op *o, char *buf, size_t len)
{
	char n[32];

	if (!isfinite(o->pct))
		snprintf(buf, len, "-");
	else if (o->compute_bound)
		snprintf(buf, len, "compute %s GFLOP/s", gb_report_fmt_num(o->peak_gflops, n, sizeof(n)));
	else
		snprintf(buf, len, "memory %s GB/s", gb_report_fmt_num(o->peak_gbs, n, sizeof(n)));
	return buf;
}

static void md_ops_table(struct gb_report *r, struct gb_sbuf *b, const struct gb_report_wl *wl,
			 const unsigned char *sh, int *estimates)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], b7[48];

	gb_sbuf_printf(b, "| cell | op | time / replay | share | requests / replay | FLOP / request | "
		       "bytes / request | GFLOP/s | GB/s | roof | of roof |\n"
		       "|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_report_cell *rc = &r->cells[i];

		if (!sh[i] || rc->wl != wl)
			continue;
		for (int op = 0; op < GB_OP_COUNT; op++) {
			const struct gb_report_op *o = &rc->ops[op];
			double per = o->requests > 0 ? 1 / o->requests : NAN;

			if (!o->present)
				continue;
			*estimates += o->estimate;
			gb_sbuf_printf(b, "| %s | %s%s%s | %s (%s) | %.1f%%%s | %s | %s | %s | %s | %s | %s |",
				       gb_report_md(r, rc->id), op == rc->bottleneck ? "**" : "",
				       gb_op_name((enum gb_op)op), op == rc->bottleneck ? "**" : "",
				       gb_report_fmt_ns(o->time_ns, b1, sizeof(b1)), o->time_metric,
				       o->share * 100, op == rc->bottleneck ? " (bottleneck)" : "",
				       gb_report_fmt_num(o->requests, b2, sizeof(b2)),
				       gb_report_fmt_num(o->flops * per, b3, sizeof(b3)),
				       gb_report_fmt_num(o->bytes * per, b4, sizeof(b4)),
				       gb_report_fmt_num(o->gflops, b5, sizeof(b5)),
				       gb_report_fmt_num(o->gbs, b6, sizeof(b6)),
				       roof_text(o, b7, sizeof(b7)));
			if (isfinite(o->pct))
				gb_sbuf_printf(b, " %s%.1f%% |\n", o->estimate ? "~" : "", o->pct * 100);
			else
				gb_sbuf_printf(b, " - |\n");
		}
	}
	gb_sbuf_printf(b, "\n");
}

/* One line per executor: the op kind most often the bottleneck and how far from its roof. */
static void md_ops_verdict(struct gb_report *r, struct gb_sbuf *b, const struct gb_report_wl *wl,
			   const unsigned char *sh, const char *ex)
{
	size_t count[GB_OP_COUNT] = { 0 }, cells = 0;
	double tsum[GB_OP_COUNT] = { 0 }, lo = INFINITY, hi = -INFINITY;
	int top = -1;

	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_report_cell *rc = &r->cells[i];

		if (!sh[i] || rc->wl != wl || strcmp(rc->c->executor, ex) || rc->bottleneck < 0)
			continue;
		cells++;
		count[rc->bottleneck]++;
		tsum[rc->bottleneck] += rc->ops[rc->bottleneck].time_ns;
	}
	if (!cells)
		return;
	for (int op = 0; op < GB_OP_COUNT; op++)
		if (count[op] && (top < 0 || count[op] > count[top] ||
				  (count[op] == count[top] && tsum[op] > tsum[top])))
			top = op;
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_report_cell *rc = &r->cells[i];

		if (sh[i] && rc->wl == wl && !strcmp(rc->c->executor, ex) && rc->bottleneck == top &&
		    isfinite(rc->ops[top].pct)) {
			lo = fmin(lo, rc->ops[top].pct);
			hi = fmax(hi, rc->ops[top].pct);
		}
	}
	gb_sbuf_printf(b, "- **%s**: the bottleneck is **%s** in %zu of %zu cell%s", ex,
		       gb_op_name((enum gb_op)top), count[top], cells, cells == 1 ? "" : "s");
	if (isfinite(lo) && lo == hi)
		gb_sbuf_printf(b, ", at %.1f%% of %s roof", lo * 100, !strcmp(ex, "vulkan") ?
			       "the vulkan device's" : "the host's");
	else if (isfinite(lo))
		gb_sbuf_printf(b, ", at %.1f%% to %.1f%% of %s roof", lo * 100, hi * 100,
			       !strcmp(ex, "vulkan") ? "the vulkan device's" : "the host's");
	else if (!strcmp(ex, "vulkan"))
		gb_sbuf_printf(b, "; not placed on a roof (no vulkan device ceilings: %s)",
			       gb_report_md(r, r->vk_why ? r->vk_why : r->peak_why ? r->peak_why :
					    "not in the peak file"));
	else
		gb_sbuf_printf(b, "; not placed on a roof (no host ceilings: %s)",
			       gb_report_md(r, r->peak_why ? r->peak_why : "not in the peak file"));
	gb_sbuf_printf(b, ".\n");
}

void gb_report_md_ops(struct gb_report *r, struct gb_sbuf *b)
{
	unsigned char *sh = shown_cells(r);
	int any = 0, estimates = 0;

	for (size_t i = 0; i < r->ncells && !any; i++)
		for (int op = 0; op < GB_OP_COUNT && !any; op++)
			any = sh[i] && r->cells[i].ops[op].present;
	gb_sbuf_printf(b, "## Where the time goes\n\n");
	if (!any) {
		free(sh);
		gb_sbuf_printf(b, "No cell has a time per op kind (results.csv has no `gpu_ns.<op>` "
			       "or `call_ns.<op>` metric: a run before they were recorded, or no "
			       "trace could be read).\n\n");
		return;
	}
	gb_sbuf_printf(b, "Each op kind of each workload on the roofline of its own device: "
		       "vulkan cells with the device's time of the op's calls (`gpu_ns.<op>`) "
		       "against the vulkan device's ceilings, cpu cells with the host's time of "
		       "the op's executor calls (`call_ns.<op>`) against the host's. FLOPs and "
		       "bytes as in Workloads, per request the executor ran. Of roof is the "
		       "achieved GFLOP/s over the attainable at the op's intensity, min(peak, "
		       "AI x bandwidth); the roof column names which of the two it is. The "
		       "bottleneck (bold) is the op kind with the most time. Medians over the "
		       "measured repetitions, for the cells with the smallest cache of each "
		       "workload.\n\n");
	for (size_t w = 0; w < r->nwl; w++) {
		const struct gb_report_wl *wl = &r->wl[w];
		int has = 0;

		for (size_t i = 0; i < r->ncells && !has; i++)
			for (int op = 0; op < GB_OP_COUNT && !has; op++)
				has = sh[i] && r->cells[i].wl == wl && r->cells[i].ops[op].present;
		if (!has)
			continue;
		gb_sbuf_printf(b, "### %s\n\n", gb_report_md(r, wl->name));
		md_ops_table(r, b, wl, sh, &estimates);
		md_ops_verdict(r, b, wl, sh, "vulkan");
		md_ops_verdict(r, b, wl, sh, "cpu");
		gb_sbuf_printf(b, "\n");
	}
	if (estimates)
		gb_sbuf_printf(b, "`~`: the work was scaled by the cache's hit rate or by the window "
			       "of the trace a repetition replayed, assuming every op kind shares "
			       "them evenly: an estimate.\n\n");
	free(sh);
}

/* ---- the roofline charts: per executor, the cells and the op kinds ---- */

/*
 * The charts facet by executor (every executor judged against its own
 * device) and split cells from op kinds, so no panel holds more than about
 * eight series: "roofline-EX" draws the device's ceilings and one series per
 * workload; "roofline-ops-EX" the outermost ceilings and one series per op
 * kind. On the host the ceilings are the read bandwidth of each measured
 * level under the f32 FMA peak, on a vulkan device its copy bandwidth under
 * its FMA peak.
 */
struct roof {
	const char *ex;
	int vulkan;
	double lo, hi;                   /* the intensity range drawn */
	const unsigned char *sh;         /* cells shown in Where the time goes */
};

static void ceiling_block(struct gb_sbuf *d, const struct roof *f, const char *title,
			  double gbs, double gflops)
{
	gb_report_dat_title(d, title);
	gb_sbuf_printf(d, " \"flop_per_byte\" \"gflops\"\n");
	for (double x = f->lo; x <= f->hi * 1.0001; x *= pow(2, 0.25))
		gb_sbuf_printf(d, "%.6g %.6g\n", x, fmin(gflops, x * gbs));
	gb_sbuf_printf(d, "\n\n");
}

/* The executor's ceilings; outer: only the fastest and the slowest level. 0 when none. */
static int ceilings(struct gb_report *r, struct gb_sbuf *d, const struct roof *f, int outer)
{
	int n = 0, first = -1, last = -1;

	if (f->vulkan) {
		char *t;

		if (!(r->vk_gflops > 0 && r->vk_gbs > 0))
			return 0;
		t = gb_xasprintf("vulkan device %.*f GB/s, %.*f GFLOP/s", r->vk_gbs < 10 ? 2 : 0,
				 r->vk_gbs, r->vk_gflops < 10 ? 2 : 0, r->vk_gflops);
		ceiling_block(d, f, t, r->vk_gbs, r->vk_gflops);
		free(t);
		return 1;
	}
	for (int l = 0; l < GB_LVL_COUNT; l++)
		if (isfinite(r->bw[l])) {
			first = first < 0 ? l : first;
			last = l;
		}
	for (int l = 0; l < GB_LVL_COUNT; l++) {
		char *t;

		if (!isfinite(r->bw[l]) || (outer && l != first && l != last))
			continue;
		t = gb_xasprintf("%s %.0f GB/s, %.0f GFLOP/s", gb_peak_level_name((enum gb_peak_level)l),
				 r->bw[l], r->peak_gflops);
		ceiling_block(d, f, t, r->bw[l], r->peak_gflops);
		free(t);
		n++;
	}
	return n;
}

/* One series per workload: the executor's cells at their intensity and GFLOP/s. */
static int cell_series(struct gb_report *r, struct gb_sbuf *d, const struct roof *f)
{
	int n = 0;

	for (size_t w = 0; w < r->nwl; w++) {
		int rows = 0;

		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];

			if (!rc->c || strcmp(rc->c->workload, r->wl[w].name) ||
			    strcmp(rc->c->executor, f->ex) || !isfinite(rc->ai) || !(rc->gflops > 0))
				continue;
			if (!rows++) {
				gb_report_dat_title(d, r->wl[w].name);
				gb_sbuf_printf(d, " \"flop_per_byte\" \"gflops\" \"cell\"\n");
			}
			gb_sbuf_printf(d, "%.6g %.6g ", rc->ai, rc->gflops);
			gb_report_dat_title(d, rc->id);
			gb_sbuf_printf(d, "\n");
		}
		if (rows) {
			gb_sbuf_printf(d, "\n\n");
			n++;
		}
	}
	return n;
}

/* One series per op kind: each op of the cells shown, at its own intensity. */
static int op_series(struct gb_report *r, struct gb_sbuf *d, const struct roof *f)
{
	int n = 0;

	for (int op = 0; op < GB_OP_COUNT; op++) {
		int rows = 0;

		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];
			const struct gb_report_op *o = &rc->ops[op];

			if (!f->sh[i] || strcmp(rc->c->executor, f->ex) || !o->present ||
			    !isfinite(o->ai) || !(o->gflops > 0))
				continue;
			if (!rows++) {
				gb_report_dat_title(d, gb_op_name((enum gb_op)op));
				gb_sbuf_printf(d, " \"flop_per_byte\" \"gflops\" \"cell\"\n");
			}
			gb_sbuf_printf(d, "%.6g %.6g ", o->ai, o->gflops);
			gb_report_dat_title(d, rc->id);
			gb_sbuf_printf(d, "\n");
		}
		if (rows) {
			gb_sbuf_printf(d, "\n\n");
			n++;
		}
	}
	return n;
}

/* The intensity range of the executor's cells and ops, past its ridge; 0 when nothing is placed. */
static int intensity_range(struct gb_report *r, struct roof *f)
{
	double lo = INFINITY, hi = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_report_cell *rc = &r->cells[i];

		/* a zero or negative intensity would make the ceilings' steps never end */
		if (!rc->c || strcmp(rc->c->executor, f->ex))
			continue;
		if (isfinite(rc->ai) && rc->ai > 0 && rc->gflops > 0) {
			lo = fmin(lo, rc->ai);
			hi = fmax(hi, rc->ai);
		}
		for (int op = 0; op < GB_OP_COUNT && f->sh[i]; op++)
			if (rc->ops[op].present && isfinite(rc->ops[op].ai) &&
			    rc->ops[op].ai > 0 && rc->ops[op].gflops > 0) {
				lo = fmin(lo, rc->ops[op].ai);
				hi = fmax(hi, rc->ops[op].ai);
			}
	}
	if (!(hi > 0) || !isfinite(hi) || !(lo > 0))
		return 0;
	f->lo = fmin(lo / 4, 1.0 / 16);
	f->hi = hi * 4;
	if (!f->vulkan && isfinite(r->bw[GB_LVL_DRAM]) && r->bw[GB_LVL_DRAM] > 0)
		f->hi = fmax(f->hi, 4 * r->peak_gflops / r->bw[GB_LVL_DRAM]);
	if (f->vulkan && r->vk_gflops > 0 && r->vk_gbs > 0)
		f->hi = fmax(f->hi, 4 * r->vk_gflops / r->vk_gbs);
	return 1;
}

static void roofline_chart(struct gb_report *r, const struct roof *f, int ops)
{
	char *name = gb_xasprintf(ops ? "roofline-ops-%s" : "roofline-%s", f->ex);
	char *title = gb_xasprintf(ops ? "Op kinds of the %s cells on the roofline"
				   : "Roofline of the %s cells, by workload", f->ex);
	struct gb_report_chart *c = gb_report_chart_add(r, name, title);
	struct gb_sbuf d = { 0 }, h = { 0 };
	int nceil = ceilings(r, &d, f, ops);
	int n = ops ? op_series(r, &d, f) : cell_series(r, &d, f);
	const char *roof = f->vulkan
		? "the vulkan device's own ceilings (its copy bandwidth under its FMA peak)"
		: ops ? "the host's fastest and slowest measured read bandwidth under its f32 FMA peak"
		      : "the host's read bandwidth of each measured level under its f32 FMA peak";

	free(name);
	free(title);
	if (!n) {
		c->missing = gb_xasprintf("no %s could be placed", ops ? "op kind" : "cell");
	} else {
		const char *placed = ops
			? "every op kind of the cells in Where the time goes placed at its own "
			  "intensity and achieved GFLOP/s"
			: "every cell placed at its arithmetic intensity and achieved GFLOP/s (see "
			  "Workloads for how both are counted)";

		if (nceil)
			c->what = gb_xasprintf("Attainable GFLOP/s = min(peak, intensity x bandwidth) for "
					       "%s, measured by gbench peak (%s); %s.", roof,
					       r->peak_from, placed);
		else
			c->what = gb_xasprintf("No ceiling is drawn: %s; %s.", f->vulkan
					       ? "no vulkan device ceilings were measured, so these cells have no roof"
					       : "the host's ceilings have no bandwidth level", placed);
		gb_sbuf_printf(&h, "nceil = %d\nnseries = %d\nceilcolor = '%s'\n", nceil, n,
			       f->vulkan ? "red" : "gray30");
		gb_report_chart_emit(r, c, "roofline", d.s, h.s);
	}
	gb_sbuf_release(&d);
	gb_sbuf_release(&h);
}

void gb_report_chart_roofline(struct gb_report *r)
{
	unsigned char *sh;
	int drawn = 0;

	if (!r->peak) {
		struct gb_report_chart *c = gb_report_chart_add(r, "roofline", "Roofline with the measured ceilings");

		c->missing = gb_xasprintf("no measured ceilings (%s)", r->peak_why);
		return;
	}
	sh = shown_cells(r);
	for (int e = 0; e < 2; e++) {
		struct roof f = { .ex = e ? "vulkan" : "cpu", .vulkan = e, .sh = sh };

		if (!intensity_range(r, &f))
			continue;
		roofline_chart(r, &f, 0);
		roofline_chart(r, &f, 1);
		drawn++;
	}
	if (!drawn) {
		struct gb_report_chart *c = gb_report_chart_add(r, "roofline", "Roofline with the measured ceilings");

		c->missing = gb_xstrdup("no cell could be placed (no trace FLOPs and bytes, or no wall_ns)");
	}
	free(sh);
}
