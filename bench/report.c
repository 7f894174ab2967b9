/*
 * report.c - `gbench report`: loading a results directory, the ceilings,
 * the roofline placement and the facts of every cell, the rules, and
 * report.md (report.h). Charts are drawn by report-charts.c, the tuning
 * tables written by report-tables.c.
 *
 * The roofline of a cell: FLOPs and bytes come from its trace (meta.json
 * traces[].path), per replay: FLOPs from gb_shape_flops, bytes = the
 * activations in and out (f32) plus the persistent operand at the quant
 * level's real size (gb_quant_row_bytes: scales included), the operand read
 * once per executor call and shared by the requests batched into it (the
 * mean batch meta.json's batch_sizes records; where absent, min(batch,
 * streams), an estimate the report names as such).
 * Requests served by the result cache run no kernel, so the achieved FLOP/s
 * count only the (1 - hit rate) share. The bandwidth roof is the read
 * ceiling of the smallest level holding the workload's persistent operands.
 *
 * Every string that comes from the results folder, a trace, the peak file,
 * the rules or the command line reaches report.md through gb_report_md()
 * (or gb_report_md_code() inside backticks): a hand-edited meta.json must
 * not be able to break a table, open a code span or inject HTML.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "op.h"
#include "quant.h"
#include "report.h"
#include "stats.h"
#include "sysinfo.h"
#include "trace.h"

/* ---- small helpers shared by the report's units ---- */

void gb_sbuf_printf(struct gb_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = gb_xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void gb_sbuf_release(struct gb_sbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

const char *gb_report_fmt_ns(double ns, char *buf, size_t len)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns >= 1e9)
		snprintf(buf, len, "%.3g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.3g us", ns / 1e3);
	else
		snprintf(buf, len, "%.3g ns", ns);
	return buf;
}

const char *gb_report_fmt_num(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (a >= 1e9)
		snprintf(buf, len, "%.3gG", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (a >= 1e3)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else
		snprintf(buf, len, "%.3g", v);
	return buf;
}

const struct gb_metric *gb_report_metric(const struct gb_cell_result *c, const char *metric)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->nmetrics; i++)
		if (!strcmp(c->metrics[i].name, metric))
			return &c->metrics[i];
	return NULL;
}

double gb_report_median(const struct gb_cell_result *c, const char *metric)
{
	const struct gb_metric *m = gb_report_metric(c, metric);
	struct gb_summary s;

	if (!m || m->source == GB_SRC_UNAVAILABLE || !m->n)
		return NAN;
	gb_summarize(m->v, m->n, &s);
	return s.n ? s.median : NAN;
}

static const char *md_keep(struct gb_report *r, char *e)
{
	r->md = gb_xrealloc(r->md, (r->nmd + 1) * sizeof(*r->md));
	r->md[r->nmd++] = e;
	return e;
}

const char *gb_report_md(struct gb_report *r, const char *s)
{
	return md_keep(r, gb_escape_md(s ? s : ""));
}

const char *gb_report_md_code(struct gb_report *r, const char *s, int in_table)
{
	return md_keep(r, gb_escape_md_code(s ? s : "", in_table));
}

int gb_report_write_file(const struct gb_report *r, const char *name, const char *text)
{
	struct gb_atomic a;
	char *path = gb_xasprintf("%s/%s", r->out, name);
	int rc;

	rc = gb_atomic_open(&a, path);
	free(path);
	if (rc < 0)
		return -1;
	if (fputs(text ? text : "", a.f) == EOF) {
		gb_atomic_abort(&a);
		return gb_error("cannot write '%s/%s'", r->out, name);
	}
	return gb_atomic_commit(&a);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* ---- loading ---- */

static void wl_load(struct gb_report_wl *w)
{
	struct gb_trace t;
	uint32_t nt = 0;
	struct { const char *name; double bytes[4]; } *tens = NULL;

	if (gb_trace_load(w->path, &t, NULL) < 0) {
		w->why = gb_xasprintf("trace '%s' cannot be read", w->path);
		return;
	}
	w->loaded = 1;
	w->requests = t.n;
	w->streams = t.nstreams ? t.nstreams : 1;
	for (size_t i = 0; i < t.n; i++) {
		const struct gb_shape *s = &t.req[i].shape;
		const char *opn = gb_op_name(s->op);

		w->flops += gb_shape_flops(s);
		w->act_bytes += 4.0 * (double)(gb_shape_in_floats(s) + gb_shape_out_floats(s));
		if (!strstr(w->ops, opn) && strlen(w->ops) + strlen(opn) + 3 < sizeof(w->ops))
			snprintf(w->ops + strlen(w->ops), sizeof(w->ops) - strlen(w->ops), "%s%s",
				 w->ops[0] ? ", " : "", opn);
		if (!gb_op_has_weights(s->op))
			continue;
		for (int q = 0; q < GB_Q_COUNT; q++)
			w->weight_bytes[q] += (double)s->n * (double)gb_quant_row_bytes((enum gb_quant)q, s->k);
		{
			uint32_t k;

			for (k = 0; k < nt; k++)
				if (!strcmp(tens[k].name, t.req[i].tensor))
					break;
			if (k == nt) {
				tens = gb_xrealloc(tens, (nt + 1) * sizeof(*tens));
				tens[nt].name = t.req[i].tensor;
				for (int q = 0; q < GB_Q_COUNT; q++) {
					tens[nt].bytes[q] = (double)s->n *
						(double)gb_quant_row_bytes((enum gb_quant)q, s->k);
					w->weight_set[q] += tens[nt].bytes[q];
				}
				nt++;
			}
		}
	}
	free(tens);
	gb_trace_release(&t);
}

static struct gb_report_wl *wl_find(struct gb_report *r, const char *name)
{
	for (size_t i = 0; i < r->nwl; i++)
		if (!strcmp(r->wl[i].name, name))
			return &r->wl[i];
	return NULL;
}

static void load_accuracy(struct gb_report_cell *rc)
{
	const struct gb_cell_result *c = rc->c;

	rc->nmse = rc->recall = rc->budget_ratio = NAN;
	for (size_t i = 0; c && i < c->nacc; i++) {
		const struct gb_accuracy *a = &c->acc[i];

		if (!strcmp(a->reference, "f64") && !strcmp(a->metric, "nmse") &&
		    (isnan(rc->nmse) || a->value > rc->nmse))
			rc->nmse = a->value;
		if (!strcmp(a->metric, "recall") && (isnan(rc->recall) || a->value < rc->recall))
			rc->recall = a->value;
		if (isfinite(a->budget) && a->budget > 0) {
			/* recall's budget is a minimum: the shortfall ratio is budget / value */
			double ratio = !strcmp(a->metric, "recall") ?
				(a->value > 0 ? a->budget / a->value : INFINITY) : a->value / a->budget;

			if (isnan(a->value))
				ratio = INFINITY;
			if (isnan(rc->budget_ratio) || ratio > rc->budget_ratio)
				rc->budget_ratio = ratio;
		}
	}
}

static int load_results(struct gb_report *r)
{
	const char *dir = r->o->results;
	char *path = gb_xasprintf("%s/meta.json", dir);
	json_error_t err;
	json_t *cells, *traces, *t, *jc;
	const char *id;
	size_t i;

	if (!gb_is_dir(dir)) {
		free(path);
		return gb_error("'%s' is not a results directory", dir);
	}
	r->meta = json_load_file(path, 0, &err);
	if (!r->meta) {
		gb_error("%s:%d: %s", path, err.line, err.text);
		free(path);
		return -1;
	}
	free(path);
	if (json_integer_value(json_object_get(r->meta, "schema")) != 1)
		return gb_error("%s/meta.json: schema %lld, this report reads schema 1", dir,
				(long long)json_integer_value(json_object_get(r->meta, "schema")));
	if (gb_results_read(&r->res, dir) < 0)
		return -1;

	traces = json_object_get(r->meta, "traces");
	r->wl = gb_xcalloc(json_array_size(traces) + 1, sizeof(*r->wl));
	json_array_foreach(traces, i, t) {
		struct gb_report_wl *w = &r->wl[r->nwl++];

		w->name = gb_xstrdup(jstr(t, "name"));
		w->path = gb_xstrdup(jstr(t, "path"));
		wl_load(w);
	}

	/* cells: those with results, then those meta.json says were skipped */
	cells = json_object_get(r->meta, "cells");
	r->cells = gb_xcalloc(r->res.n + json_object_size(cells) + 1, sizeof(*r->cells));
	for (i = 0; i < r->res.n; i++) {
		struct gb_report_cell *rc = &r->cells[r->ncells++];
		json_t *m = json_object_get(cells, r->res.cells[i].id);

		rc->c = &r->res.cells[i];
		rc->id = rc->c->id;
		rc->invalid = !strcmp(jstr(m, "validity"), "INVALID");
		rc->wl = wl_find(r, rc->c->workload);
		load_accuracy(rc);
		rc->mean_batch = NAN;
		{
			json_t *bs = json_object_get(m, "batch_sizes"), *cnt;
			const char *size;
			double calls = 0, reqs = 0;

			json_object_foreach(bs, size, cnt) {
				calls += (double)json_integer_value(cnt);
				reqs += atof(size) * (double)json_integer_value(cnt);
			}
			if (calls > 0)
				rc->mean_batch = reqs / calls;
		}
	}
	json_object_foreach(cells, id, jc) {
		struct gb_report_cell *rc;
		int known = 0;

		if (!json_is_string(json_object_get(jc, "skipped")))
			continue;
		for (size_t k = 0; k < r->res.n; k++)
			known |= !strcmp(r->res.cells[k].id, id);
		if (known)
			continue;
		rc = &r->cells[r->ncells++];
		rc->id = id;
		rc->skipped = gb_xstrdup(jstr(jc, "skipped"));
		rc->nmse = rc->recall = rc->budget_ratio = NAN;
	}
	if (r->o->baseline) {
		if (gb_results_read(&r->base, r->o->baseline) < 0)
			return -1;
		r->has_base = 1;
	}
	return 0;
}

/* ---- ceilings ---- */

static void peak_levels(struct gb_report *r)
{
	json_t *lv;
	size_t i;

	for (int l = 0; l < GB_LVL_COUNT; l++)
		r->bw[l] = r->cap[l] = NAN;
	r->peak_gflops = json_number_value(json_object_get(json_object_get(
		json_object_get(r->peak, "flops"), "f32"), "gflops"));
	json_array_foreach(json_object_get(json_object_get(r->peak, "bandwidth"), "levels"), i, lv) {
		for (int l = 0; l < GB_LVL_COUNT; l++)
			if (!strcmp(jstr(lv, "name"), gb_peak_level_name((enum gb_peak_level)l))) {
				json_t *v = json_object_get(lv, "read"), *c = json_object_get(lv, "capacity_bytes");

				r->bw[l] = json_is_number(v) ? json_number_value(v) : NAN;
				r->cap[l] = json_is_integer(c) ? (double)json_integer_value(c) : NAN;
			}
	}
	if (!(r->peak_gflops > 0)) {
		r->peak_why = gb_xstrdup("the peak file has no f32 FLOP/s");
		json_decref(r->peak);
		r->peak = NULL;
	}
}

static void load_peak(struct gb_report *r)
{
	json_t *host = json_object_get(r->meta, "host");
	char fp_res[17], fp_here[17], *cache;
	struct gb_sysinfo si;
	json_t *here;

	if (r->o->no_peak) {
		r->peak_why = gb_xstrdup("--no-peak was given");
		return;
	}
	if (r->o->peak) {
		r->peak = gb_peak_load(r->o->peak, 0, 0);
		if (!r->peak)
			r->peak_why = gb_xasprintf("'%s' could not be read", r->o->peak);
		else
			r->peak_from = gb_xasprintf("%s (given with --peak)", gb_report_md_code(r, r->o->peak, 0));
		goto out;
	}
	gb_peak_fingerprint(host, fp_res);
	cache = gb_peak_cache_path(fp_res);
	r->peak = gb_peak_load(cache, 1, 1);
	if (!r->peak)
		r->peak = gb_peak_load(cache, 0, 1);
	if (r->peak) {
		r->peak_from = gb_xasprintf("`gbench peak`%s, measured %s, cached in %s",
			json_is_true(json_object_get(r->peak, "quick")) ? " --quick" : "",
			gb_report_md(r, jstr(r->peak, "date")), gb_report_md_code(r, cache, 0));
		free(cache);
		goto out;
	}
	free(cache);
	gb_sysinfo_read(&si);
	here = gb_sysinfo_json(&si);
	gb_peak_fingerprint(here, fp_here);
	json_decref(here);
	if (strcmp(fp_here, fp_res)) {
		r->peak_why = gb_xasprintf("no ceilings measured on the results' host (fingerprint %s; "
					   "this machine is %s): run 'gbench peak' there and pass "
					   "its JSON with --peak", fp_res, fp_here);
		goto out;
	}
	{
		struct gb_peak_opts po = { .quick = 1 };
		char *used = NULL;

		gb_note("gbench report: no cached ceilings for this machine; measuring them "
			"(gbench peak --quick)");
		r->peak = gb_peak_obtain(&po, 0, &used);
		free(used);
		if (r->peak)
			r->peak_from = gb_xasprintf("`gbench peak --quick`, measured %s by this report",
						    gb_report_md(r, jstr(r->peak, "date")));
		else
			r->peak_why = gb_xstrdup("the quick peak measurement failed");
	}
out:
	if (r->peak)
		peak_levels(r);
}

/* ---- facts and roofline ---- */

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
	const char *note = jstr(c, "note"), *why = NULL;
	json_t *u = json_object_get(c, "unavailable");

	if (json_is_object(u))
		why = json_string_value(json_object_get(u, metric));
	if (why)
		return gb_xasprintf("unavailable (%s)", why);
	if (note[0])
		return gb_xasprintf("unavailable (not in results.csv; meta.json counters: %s)", note);
	return gb_xstrdup("unavailable (no counter source in this run recorded it)");
}

static void cell_facts(struct gb_report *r, struct gb_report_cell *rc)
{
	struct gb_cell_result *c = rc->c;
	struct gb_facts *f = &rc->facts;
	const char *mode = jstr(json_object_get(r->meta, "config"), "mode");
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
	} else if (!gb_facts_get(f, "cache_hit_rate")) {
		gb_facts_unknown(f, "cache_hit_rate", "unavailable (not in results.csv)");
	}
	/* the sibling without a cache, for the cache's effect on speed */
	if (c->cache) {
		double with = gb_report_median(c, "throughput_rps"), without = NAN;

		for (size_t k = 0; k < r->ncells; k++) {
			struct gb_cell_result *o = r->cells[k].c;

			if (o && !o->cache && o->batch == c->batch && o->quant == c->quant &&
			    !strcmp(o->workload, c->workload) && !strcmp(o->executor, c->executor))
				without = gb_report_median(o, "throughput_rps");
		}
		if (isfinite(with) && without > 0)
			gb_facts_set(f, "cache_speedup", with / without,
				     "measured (throughput_rps with / without the cache)");
		else
			gb_facts_unknown(f, "cache_speedup", "no sibling cell without a cache in this run");
	}
	/* repetition noise */
	{
		const struct gb_metric *w = gb_report_metric(c, "wall_ns");
		struct gb_summary s;

		if (w && w->n >= 2 && w->source != GB_SRC_UNAVAILABLE) {
			gb_summarize(w->v, w->n, &s);
			if (s.n >= 2 && s.mean > 0)
				gb_facts_set(f, "wall_cv", s.stddev / s.mean, "measured (wall_ns stddev / mean)");
			else
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
	} else {
		struct gb_report_wl *w = rc->wl;
		double share = isfinite(rc->mean_batch) ? rc->mean_batch :
			(double)(c->batch < w->streams ? c->batch : w->streams);
		double bytes = w->act_bytes + w->weight_bytes[c->quant] / (share >= 1 ? share : 1);
		double hit = c->cache ? gb_report_median(c, "cache_hit_rate") : 0;
		double wall = gb_report_median(c, "wall_ns");
		double set = w->weight_set[c->quant], bw = NAN;
		int lvl = GB_LVL_DRAM;

		if (isnan(hit))
			hit = 0;   /* unavailable hit rate: the trace has no cache key, so no hits */
		for (int l = 0; l < GB_LVL_DRAM; l++)
			if (isfinite(r->cap[l]) && set <= r->cap[l] && isfinite(r->bw[l])) {
				lvl = l;
				break;
			}
		bw = r->bw[lvl];
		if (isnan(bw)) {
			/* the level was not measured: the next one out that was */
			for (int l = lvl + 1; l < GB_LVL_COUNT && isnan(bw); l++)
				if (isfinite(r->bw[l])) {
					bw = r->bw[l];
					lvl = l;
				}
		}
		rc->roof_level = gb_peak_level_name((enum gb_peak_level)lvl);
		if (bytes > 0 && wall > 0 && isfinite(bw)) {
			rc->ai = w->flops / bytes;
			rc->gflops = w->flops * (1 - hit) / wall;
			rc->roof = fmin(r->peak_gflops, rc->ai * bw);
			rc->eff = rc->gflops / rc->roof;
			rc->ridge = rc->ai / (r->peak_gflops / bw);
			why = gb_xasprintf("derived: measured wall_ns and %s ceilings; FLOPs and bytes from the trace",
					   gb_peak_level_name((enum gb_peak_level)lvl));
			gb_facts_set(f, "roofline_efficiency", rc->eff, why);
			gb_facts_set(f, "roofline_ridge_ratio", rc->ridge, why);
			free(why);
		} else {
			gb_facts_unknown(f, "roofline_efficiency", "unavailable (no wall_ns or no bandwidth ceiling)");
			gb_facts_unknown(f, "roofline_ridge_ratio", "unavailable (no wall_ns or no bandwidth ceiling)");
		}
	}
	gb_facts_derive(f);
	rc->nj = gb_rules_apply(&r->rules, f, &rc->j);
}

/* ---- report.md ---- */

static void md_machine(struct gb_report *r, struct gb_sbuf *b)
{
	json_t *h = json_object_get(r->meta, "host"), *bd = json_object_get(r->meta, "build");
	json_t *c, *ex;
	const char *name;
	size_t i;
	char buf[64];

	gb_sbuf_printf(b, "## Machine\n\n| | |\n|---|---|\n");
	gb_sbuf_printf(b, "| CPU | %s, %lld CPUs%s |\n", gb_report_md(r, jstr(h, "cpu_model")),
		       (long long)json_integer_value(json_object_get(h, "cores")),
		       json_is_true(json_object_get(h, "hypervisor")) ? " (under a hypervisor)" : "");
	json_array_foreach(json_object_get(h, "caches"), i, c) {
		double sz = (double)json_integer_value(json_object_get(c, "size_bytes"));

		if (sz >= 1048576)
			snprintf(buf, sizeof(buf), "%.0f MiB", sz / 1048576);
		else
			snprintf(buf, sizeof(buf), "%.0f KiB", sz / 1024);
		gb_sbuf_printf(b, "| L%lld %s cache | %s, %lld-way, shared by %lld CPUs |\n",
			       (long long)json_integer_value(json_object_get(c, "level")),
			       gb_report_md(r, jstr(c, "type")), buf,
			       (long long)json_integer_value(json_object_get(c, "ways")),
			       (long long)json_integer_value(json_object_get(c, "shared_cpus")));
	}
	gb_sbuf_printf(b, "| memory | %.1f GiB |\n",
		       (double)json_integer_value(json_object_get(h, "memory_bytes")) / 1073741824.0);
	gb_sbuf_printf(b, "| kernel | %s |\n", gb_report_md(r, jstr(h, "kernel")));
	gb_sbuf_printf(b, "| build | %s, %s, sanitizers %s, commit %s |\n",
		       gb_report_md(r, jstr(bd, "compiler")), gb_report_md_code(r, jstr(bd, "flags"), 1),
		       gb_report_md(r, jstr(bd, "sanitizers")), gb_report_md(r, jstr(bd, "commit")));
	json_object_foreach(json_object_get(r->meta, "executors"), name, ex) {
		if (json_is_true(json_object_get(ex, "available")))
			gb_sbuf_printf(b, "| executor %s | %s (%s) %s |\n", gb_report_md(r, name),
				       gb_report_md(r, jstr(ex, "device")), gb_report_md(r, jstr(ex, "type")),
				       gb_report_md(r, jstr(ex, "driver")));
		else
			gb_sbuf_printf(b, "| executor %s | unavailable: %s |\n", gb_report_md(r, name),
				       gb_report_md(r, jstr(ex, "reason")));
	}
	gb_sbuf_printf(b, "\n");
}

static void md_validity(struct gb_report *r, struct gb_sbuf *b)
{
	size_t valid = 0, invalid = 0, skipped = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		if (r->cells[i].skipped)
			skipped++;
		else if (r->cells[i].invalid)
			invalid++;
		else
			valid++;
	}
	gb_sbuf_printf(b, "## Validity\n\n");
	gb_sbuf_printf(b, "%zu cells: %zu VALID, %zu INVALID, %zu skipped. The run %s.\n\n",
		       r->ncells, valid, invalid, skipped,
		       json_is_true(json_object_get(r->meta, "complete")) ? "completed" :
		       "did not complete (interrupted or an error; see meta.json)");
	if (invalid) {
		gb_sbuf_printf(b, "| INVALID cell | reasons |\n|---|---|\n");
		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];
			json_t *rs = json_object_get(json_object_get(json_object_get(r->meta, "cells"),
								     rc->id), "invalid_reasons"), *x;
			size_t k;

			if (!rc->invalid)
				continue;
			gb_sbuf_printf(b, "| %s |", gb_report_md(r, rc->id));
			json_array_foreach(rs, k, x)
				gb_sbuf_printf(b, "%s %s", k ? ";" : "", gb_report_md(r, json_string_value(x)));
			gb_sbuf_printf(b, " |\n");
		}
		gb_sbuf_printf(b, "\n");
	}
	if (skipped) {
		/* grouped by reason: a missing executor skips many cells for one reason */
		char **seen = gb_xcalloc(skipped, sizeof(*seen));
		size_t nseen = 0;

		gb_sbuf_printf(b, "| skipped | cells | reason |\n|---|---|---|\n");
		for (size_t i = 0; i < r->ncells; i++) {
			const char *why = r->cells[i].skipped;
			size_t n = 0, k;
			const char *first = NULL;

			if (!why)
				continue;
			for (k = 0; k < nseen && strcmp(seen[k], why); k++)
				;
			if (k < nseen)
				continue;
			seen[nseen++] = r->cells[i].skipped;
			for (size_t j = 0; j < r->ncells; j++)
				if (r->cells[j].skipped && !strcmp(r->cells[j].skipped, why)) {
					n++;
					if (!first)
						first = r->cells[j].id;
				}
			gb_sbuf_printf(b, "| %s%s | %zu | %s |\n", gb_report_md(r, first),
				       n > 1 ? " and others" : "", n, gb_report_md(r, why));
		}
		free(seen);
		gb_sbuf_printf(b, "\n");
	}
}

static void md_ceilings(struct gb_report *r, struct gb_sbuf *b)
{
	json_t *lv, *fl;
	size_t i;

	gb_sbuf_printf(b, "## Ceilings\n\n");
	if (!r->peak) {
		gb_sbuf_printf(b, "No measured ceilings: %s. The roofline is not drawn and the roofline "
			       "rules could not judge.\n\n", gb_report_md(r, r->peak_why));
		return;
	}
	fl = json_object_get(r->peak, "flops");
	gb_sbuf_printf(b, "From %s (%lld threads). Bandwidth counts %s.\n\n", r->peak_from,
		       (long long)json_integer_value(json_object_get(r->peak, "threads")),
		       gb_report_md(r, jstr(json_object_get(r->peak, "bandwidth"), "counting")));
	gb_sbuf_printf(b, "| ceiling | value | note |\n|---|---|---|\n");
	gb_sbuf_printf(b, "| f32 | %.1f GFLOP/s | %s, %lld FMA chains per thread |\n", r->peak_gflops,
		       gb_report_md(r, jstr(json_object_get(fl, "f32"), "isa")),
		       (long long)json_integer_value(json_object_get(json_object_get(fl, "f32"), "chains")));
	if (json_is_number(json_object_get(json_object_get(fl, "int8_dot"), "gops")))
		gb_sbuf_printf(b, "| int8 dot | %.1f GOPS | %s |\n",
			       json_number_value(json_object_get(json_object_get(fl, "int8_dot"), "gops")),
			       gb_report_md(r, jstr(json_object_get(fl, "int8_dot"), "note")));
	json_array_foreach(json_object_get(json_object_get(r->peak, "bandwidth"), "levels"), i, lv) {
		json_t *rd = json_object_get(lv, "read");
		const char *note = jstr(lv, "note");

		if (json_is_number(rd))
			gb_sbuf_printf(b, "| %s read / copy | %.1f / %.1f GB/s | %s |\n",
				       gb_report_md(r, jstr(lv, "name")), json_number_value(rd),
				       json_number_value(json_object_get(lv, "copy")),
				       note[0] ? gb_report_md(r, note) : "plateau");
		else
			gb_sbuf_printf(b, "| %s | - | %s |\n", gb_report_md(r, jstr(lv, "name")),
				       gb_report_md(r, note));
	}
	gb_sbuf_printf(b, "\n");
}

struct finding_sum {
	const struct gb_rule *rule;
	size_t n;
	const struct gb_report_cell *worst;
	double worst_v;
	const char *source;
};

static int worse(const struct gb_rule *r, double a, double b)
{
	return r->cmp == '>' ? a > b : a < b;
}

static void md_findings(struct gb_report *r, struct gb_sbuf *b, size_t *nfindings)
{
	struct finding_sum *fs = gb_xcalloc(r->rules.n + 1, sizeof(*fs));
	size_t nfs = 0, judged_cells = 0;

	*nfindings = 0;
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_report_cell *rc = &r->cells[i];

		if (!rc->c)
			continue;
		judged_cells++;
		for (size_t k = 0; k < rc->nj; k++) {
			struct gb_judgement *j = &rc->j[k];
			struct finding_sum *s = NULL;

			if (j->kind != GB_JUDGED_FIRED)
				continue;
			for (size_t x = 0; x < nfs; x++)
				if (fs[x].rule == j->rule)
					s = &fs[x];
			if (!s) {
				s = &fs[nfs++];
				s->rule = j->rule;
				s->worst_v = j->value;
				s->worst = rc;
				s->source = j->source;
			}
			s->n++;
			if (worse(j->rule, j->value, s->worst_v)) {
				s->worst_v = j->value;
				s->worst = rc;
				s->source = j->source;
			}
		}
	}
	gb_sbuf_printf(b, "## Findings\n\n");
	gb_sbuf_printf(b, "The rules of %s applied to each of the %zu cells with results: a "
		       "finding is the most severe band of a rule group that fires, with the "
		       "evidence from the worst cell.\n\n",
		       gb_report_md_code(r, r->o->rules ? r->o->rules : "reports/rules.tsv", 0), judged_cells);
	for (int lvl = GB_LEVEL_HIGH; lvl >= GB_LEVEL_LOW; lvl--)
		for (size_t x = 0; x < nfs; x++) {
			struct finding_sum *s = &fs[x];
			char *v, *rec;

			if (s->rule->level != (enum gb_level)lvl)
				continue;
			if (!*nfindings)
				gb_sbuf_printf(b, "| level | finding | cells | evidence (worst cell) | recommendation | threshold from |\n"
					       "|---|---|---|---|---|---|\n");
			(*nfindings)++;
			v = gb_rule_format_value(s->rule->metric, s->worst_v);
			rec = gb_rule_recommendation(s->rule, s->worst_v);
			gb_sbuf_printf(b, "| %s | %s | %zu of %zu | %s: %s = %s (%s) | %s | %s (%c %g) |\n",
				       gb_level_name(s->rule->level), gb_report_md(r, s->rule->id), s->n,
				       judged_cells, gb_report_md_code(r, s->worst->id, 1),
				       gb_report_md(r, s->rule->metric), gb_report_md(r, v),
				       gb_report_md(r, s->source), gb_report_md(r, rec),
				       gb_report_md(r, s->rule->source), s->rule->cmp, s->rule->threshold);
			free(v);
			free(rec);
		}
	if (!*nfindings)
		gb_sbuf_printf(b, "No rule fired on any cell.\n");
	gb_sbuf_printf(b, "\n");
	free(fs);

	/* what could not be judged, grouped by rule group and reason */
	gb_sbuf_printf(b, "### Could not judge\n\n");
	{
		size_t n = 0;

		for (size_t g = 0; g < r->rules.n; g++) {
			const char *group = r->rules.v[g].group;
			int first_of_group = 1;

			for (size_t k = 0; k < g; k++)
				if (!strcmp(r->rules.v[k].group, group))
					first_of_group = 0;
			if (!first_of_group)
				continue;
			/* distinct reasons for this group */
			for (size_t i = 0; i < r->ncells; i++) {
				struct gb_report_cell *rc = &r->cells[i];
				const char *reason = NULL, *metric = NULL;
				size_t cnt = 0;
				int dup = 0;

				for (size_t k = 0; rc->c && k < rc->nj; k++)
					if (!strcmp(rc->j[k].group, group) && rc->j[k].kind == GB_JUDGED_UNKNOWN) {
						reason = rc->j[k].reason;
						metric = rc->j[k].rule->metric;
					}
				if (!reason)
					continue;
				for (size_t p = 0; p < i && !dup; p++)
					for (size_t k = 0; r->cells[p].c && k < r->cells[p].nj; k++)
						if (!strcmp(r->cells[p].j[k].group, group) &&
						    r->cells[p].j[k].kind == GB_JUDGED_UNKNOWN &&
						    !strcmp(r->cells[p].j[k].reason, reason))
							dup = 1;
				if (dup)
					continue;
				for (size_t p = i; p < r->ncells; p++)
					for (size_t k = 0; r->cells[p].c && k < r->cells[p].nj; k++)
						if (!strcmp(r->cells[p].j[k].group, group) &&
						    r->cells[p].j[k].kind == GB_JUDGED_UNKNOWN &&
						    !strcmp(r->cells[p].j[k].reason, reason))
							cnt++;
				if (!n++)
					gb_sbuf_printf(b, "| rule group | cells | could not judge because |\n|---|---|---|\n");
				gb_sbuf_printf(b, "| %s | %zu | %s %s |\n", gb_report_md(r, group), cnt,
					       gb_report_md(r, metric), gb_report_md(r, reason));
			}
		}
		if (!n)
			gb_sbuf_printf(b, "Every rule group could judge every cell it applies to.\n");
		gb_sbuf_printf(b, "\n");
	}
}

static void md_workloads(struct gb_report *r, struct gb_sbuf *b)
{
	char b1[32], b2[32], b3[32], b4[32];

	gb_sbuf_printf(b, "## Workloads\n\n");
	gb_sbuf_printf(b, "Medians over the measured repetitions. FLOP/s count the requests the "
		       "executor ran (result-cache hits excluded); arithmetic intensity (AI) is "
		       "FLOPs per byte of activations and weights at the quant level's real size, "
		       "the weights read once per executor call, shared by the requests batched into "
		       "it (the mean batch the replay recorded in meta.json; where it is absent, "
		       "min(batch, streams), an estimate).\n\n");
	for (size_t w = 0; w < r->nwl; w++) {
		struct gb_report_wl *wl = &r->wl[w];

		gb_sbuf_printf(b, "### %s\n\n", gb_report_md(r, wl->name));
		if (wl->loaded)
			gb_sbuf_printf(b, "Trace %s: %zu requests on %u streams (%s), %s FLOPs per replay.\n\n",
				       gb_report_md_code(r, wl->path, 0), wl->requests, wl->streams,
				       gb_report_md(r, wl->ops), gb_report_fmt_num(wl->flops, b1, sizeof(b1)));
		else
			gb_sbuf_printf(b, "Trace %s: %s; the roofline columns are empty.\n\n",
				       gb_report_md_code(r, wl->path, 0), gb_report_md(r, wl->why));
		gb_sbuf_printf(b, "| cell | req/s | p50 | p99 | hit rate | NMSE vs f64 | AI (FLOP/B) | GFLOP/s | of roof | validity |\n"
			       "|---|---|---|---|---|---|---|---|---|---|\n");
		for (size_t i = 0; i < r->ncells; i++) {
			struct gb_report_cell *rc = &r->cells[i];
			double hit;

			if (!rc->c || strcmp(rc->c->workload, wl->name))
				continue;
			hit = gb_report_median(rc->c, "cache_hit_rate");
			gb_sbuf_printf(b, "| %s | %s | %s | %s |", gb_report_md(r, rc->id),
				       gb_report_fmt_num(gb_report_median(rc->c, "throughput_rps"), b1, sizeof(b1)),
				       gb_report_fmt_ns(gb_report_median(rc->c, "latency_p50_ns"), b2, sizeof(b2)),
				       gb_report_fmt_ns(gb_report_median(rc->c, "latency_p99_ns"), b3, sizeof(b3)));
			if (isfinite(hit))
				gb_sbuf_printf(b, " %.1f%% |", hit * 100);
			else
				gb_sbuf_printf(b, " - |");
			if (isfinite(rc->nmse))
				gb_sbuf_printf(b, " %.2e |", rc->nmse);
			else
				gb_sbuf_printf(b, " - |");
			gb_sbuf_printf(b, " %s | %s |", isfinite(rc->ai) ? gb_report_fmt_num(rc->ai, b1, sizeof(b1)) : "-",
				       isfinite(rc->gflops) ? gb_report_fmt_num(rc->gflops, b4, sizeof(b4)) : "-");
			if (isfinite(rc->eff))
				gb_sbuf_printf(b, " %.1f%% (%s) |", rc->eff * 100, rc->roof_level);
			else
				gb_sbuf_printf(b, " - |");
			gb_sbuf_printf(b, " %s |\n", rc->invalid ? "INVALID" : "VALID");
		}
		gb_sbuf_printf(b, "\n");
	}
}

static void md_charts(struct gb_report *r, struct gb_sbuf *b)
{
	gb_sbuf_printf(b, "## Charts\n\n");
	if (!r->gnuplot_ok)
		gb_sbuf_printf(b, "gnuplot did not run (%s): each chart's data file and script are "
			       "here; run `gnuplot NAME.gp` in this folder to draw it.\n\n",
			       gb_report_md(r, r->gnuplot_why));
	for (size_t i = 0; i < r->ncharts; i++) {
		struct gb_report_chart *c = &r->charts[i];

		/* the title is plain text, what is Markdown built with escaped names, the name a safe file name */
		gb_sbuf_printf(b, "### %s\n\n", gb_report_md(r, c->title));
		if (c->missing) {
			gb_sbuf_printf(b, "Not drawn: %s.\n\n", gb_report_md(r, c->missing));
			continue;
		}
		gb_sbuf_printf(b, "%s\n\n", c->what);
		if (c->rendered)
			gb_sbuf_printf(b, "![%s](%s.svg)\n\n", gb_report_md(r, c->title), c->name);
		else if (c->render_error)
			gb_sbuf_printf(b, "gnuplot failed on this chart: %s\n\n",
				       gb_report_md(r, c->render_error));
		gb_sbuf_printf(b, "Files: [SVG](%s.svg), [PNG](%s.png), [data](%s.dat), [script](%s.gp).\n\n",
			       c->name, c->name, c->name, c->name);
	}
}

static void md_baseline(struct gb_report *r, struct gb_sbuf *b)
{
	size_t n = 0;
	char b1[32], b2[32];

	gb_sbuf_printf(b, "## Baseline\n\n");
	gb_sbuf_printf(b, "Against %s: medians side by side, descriptive only (`gbench compare` "
		       "decides what is a regression).\n\n", gb_report_md_code(r, r->o->baseline, 0));
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_cell_result *c = r->cells[i].c;

		if (!c)
			continue;
		for (size_t k = 0; k < r->base.n; k++) {
			double now, was;

			if (strcmp(r->base.cells[k].id, c->id))
				continue;
			now = gb_report_median(c, "throughput_rps");
			was = gb_report_median(&r->base.cells[k], "throughput_rps");
			if (!n++)
				gb_sbuf_printf(b, "| cell | baseline req/s | current req/s | current / baseline |\n|---|---|---|---|\n");
			gb_sbuf_printf(b, "| %s | %s | %s |", gb_report_md(r, c->id),
				       gb_report_fmt_num(was, b1, sizeof(b1)),
				       gb_report_fmt_num(now, b2, sizeof(b2)));
			if (was > 0 && isfinite(now))
				gb_sbuf_printf(b, " %.3f |\n", now / was);
			else
				gb_sbuf_printf(b, " - |\n");
		}
	}
	if (!n)
		gb_sbuf_printf(b, "No cell of this run is in the baseline.\n");
	gb_sbuf_printf(b, "\n");
}

static int write_report_md(struct gb_report *r, size_t *nfindings)
{
	struct gb_sbuf b = { 0 };
	json_t *cfg = json_object_get(r->meta, "config");
	int rc;

	gb_sbuf_printf(&b, "# gbench report: %s\n\n",
		       jstr(cfg, "name")[0] ? gb_report_md(r, jstr(cfg, "name")) : "run");
	gb_sbuf_printf(&b, "Results %s, run from %s to %s, %s mode, %lld measured repetitions per "
		       "cell (seed %lld). Generated by `gbench report`; every number below was "
		       "measured or is derived from measured numbers as stated.\n\n",
		       gb_report_md_code(r, r->o->results, 0), gb_report_md(r, jstr(r->meta, "start")),
		       gb_report_md(r, jstr(r->meta, "end")), gb_report_md(r, jstr(cfg, "mode")),
		       (long long)json_integer_value(json_object_get(cfg, "repetitions")),
		       (long long)json_integer_value(json_object_get(r->meta, "seed")));
	md_machine(r, &b);
	md_validity(r, &b);
	md_ceilings(r, &b);
	md_findings(r, &b, nfindings);
	md_workloads(r, &b);
	md_charts(r, &b);
	if (r->has_base)
		md_baseline(r, &b);
	if (r->o->tables)
		gb_sbuf_printf(&b, "## Tuning tables\n\nIn [tables.md](tables.md).\n");
	rc = gb_report_write_file(r, "report.md", b.s);
	gb_sbuf_release(&b);
	return rc;
}

static void report_release(struct gb_report *r)
{
	for (size_t i = 0; i < r->ncells; i++) {
		gb_facts_release(&r->cells[i].facts);
		free(r->cells[i].j);
		free(r->cells[i].skipped);
	}
	free(r->cells);
	for (size_t i = 0; i < r->nwl; i++) {
		free(r->wl[i].name);
		free(r->wl[i].path);
		free(r->wl[i].why);
	}
	free(r->wl);
	for (size_t i = 0; i < r->ncharts; i++) {
		free(r->charts[i].name);
		free(r->charts[i].title);
		free(r->charts[i].what);
		free(r->charts[i].missing);
		free(r->charts[i].render_error);
	}
	free(r->charts);
	gb_results_release(&r->res);
	gb_results_release(&r->base);
	gb_rules_release(&r->rules);
	json_decref(r->meta);
	json_decref(r->peak);
	free(r->peak_from);
	free(r->peak_why);
	free(r->gnuplot_why);
	free(r->out);
	for (size_t i = 0; i < r->nmd; i++)
		free(r->md[i]);
	free(r->md);
}

int gb_report_write(const struct gb_report_opts *o)
{
	struct gb_report r;
	size_t nfindings = 0;
	int rc = -1;
	char *rules_path;

	memset(&r, 0, sizeof(r));
	r.o = o;
	rules_path = o->rules ? gb_xstrdup(o->rules) : gb_xasprintf("%s/reports/rules.tsv", gb_datadir());
	if (gb_rules_load(&r.rules, rules_path) < 0) {
		free(rules_path);
		goto out;
	}
	free(rules_path);
	if (load_results(&r) < 0)
		goto out;
	r.out = o->out ? gb_xstrdup(o->out) : gb_xasprintf("%s/report", o->results);
	if (gb_mkdir_p(r.out) < 0)
		goto out;
	load_peak(&r);
	for (size_t i = 0; i < r.ncells; i++)
		if (r.cells[i].c)
			cell_facts(&r, &r.cells[i]);
	gb_report_charts(&r);
	if (write_report_md(&r, &nfindings) < 0)
		goto out;
	if (o->tables && gb_report_tables(&r) < 0)
		goto out;
	gb_note("gbench report: %s/report.md (%zu findings, %zu charts)%s", r.out, nfindings,
		r.ncharts, o->tables ? ", tables.md" : "");
	rc = 0;
out:
	report_release(&r);
	return rc;
}
