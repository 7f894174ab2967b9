/*
 * report.c - `gbench report`: loading a results directory and the
 * ceilings, and the report's entry point (report.h). Each cell's facts and
 * its place on the roofline are report-facts.c's; report.md is written by
 * report-md.c, the charts drawn by report-charts.c, the tuning tables by
 * report-tables.c.
 *
 * The roofline of a cell (report-facts.c): FLOPs and bytes come from its trace (meta.json
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

#include "compare/compare.h"
#include "escape.h"
#include "fsio.h"
#include "gbench.h"
#include "op.h"
#include "quant.h"
#include "report/report.h"
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

/* " a to b", or " a" when they are equal */
static void reps_range(struct gb_sbuf *b, size_t lo, size_t hi)
{
	if (lo == hi)
		gb_sbuf_printf(b, " %zu", lo);
	else
		gb_sbuf_printf(b, " %zu to %zu", lo, hi);
}

const char *gb_report_reps(struct gb_report *r)
{
	struct gb_sbuf b = { 0 };
	size_t lo = SIZE_MAX, hi = 0, nex = 0;
	const char **ex = gb_xcalloc(r->res.n + 1, sizeof(*ex));
	double budget = json_number_value(json_object_get(json_object_get(r->meta, "time_plan"),
							    "budget_s"));

	/* the distinct executors, in the order their cells come */
	for (size_t i = 0; i < r->res.n; i++) {
		const struct gb_cell_result *c = &r->res.cells[i];
		size_t n = gb_cell_reps(c), j;

		if (!n)
			continue;
		lo = n < lo ? n : lo;
		hi = n > hi ? n : hi;
		for (j = 0; j < nex && strcmp(ex[j], c->executor); j++)
			;
		if (j == nex)
			ex[nex++] = c->executor;
	}
	if (!hi) {
		free(ex);
		return "no measured repetitions";
	}
	reps_range(&b, lo, hi);
	gb_sbuf_printf(&b, " measured repetitions per cell");
	if (lo != hi && nex > 1) {
		gb_sbuf_printf(&b, " (");
		for (size_t j = 0; j < nex; j++) {
			size_t elo = SIZE_MAX, ehi = 0;
			char *e = gb_escape_md(ex[j]);

			for (size_t i = 0; i < r->res.n; i++) {
				size_t n = gb_cell_reps(&r->res.cells[i]);

				if (n && !strcmp(r->res.cells[i].executor, ex[j])) {
					elo = n < elo ? n : elo;
					ehi = n > ehi ? n : ehi;
				}
			}
			gb_sbuf_printf(&b, "%s%s", j ? "; " : "", e);
			reps_range(&b, elo, ehi);
			free(e);
		}
		gb_sbuf_printf(&b, ")");
	}
	if (budget > 0)
		gb_sbuf_printf(&b, ", as a time budget of %g s shared them (meta.json time_plan)",
			       budget);
	free(ex);
	/* the leading space of reps_range dropped */
	memmove(b.s, b.s + 1, b.len);
	return md_keep(r, b.s);
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

const char *gb_report_jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* ---- loading ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The hit rate no capacity can beat: an unbounded cache, cold at the start
 * of each replay, misses once per distinct (op, tensor, key) and hits every
 * other keyed request. The tables say it where a target is beyond it, and
 * a trace with no key at all gets no advice about a cache.
 */
static void wl_max_hit(struct gb_report_wl *w, const struct gb_trace *t)
{
	char **keys = gb_xcalloc(t->n + 1, sizeof(*keys));
	size_t n = 0, distinct = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->req[i].key && t->req[i].key[0])
			keys[n++] = gb_xasprintf("%s\x1f%s\x1f%s", gb_op_name(t->req[i].shape.op),
						 t->req[i].tensor ? t->req[i].tensor : "", t->req[i].key);
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++)
		distinct += !i || strcmp(keys[i], keys[i - 1]);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	w->keyed = n;
	/* the replay's cache_hit_rate is hits over keyed lookups, so the same here */
	w->max_hit = n ? (double)(n - distinct) / (double)n : 0;
}

/* Add one request of shape s to the work w; first: the first to use its weights. */
static void work_add(struct gb_report_work *w, const struct gb_shape *s, int first)
{
	double f = gb_shape_flops(s);
	double act = 4.0 * (double)(gb_shape_in_floats(s) + gb_shape_out_floats(s));

	w->requests++;
	w->flops += f;
	w->act_bytes += act;
	if ((unsigned)s->op >= GB_OP_COUNT)
		return;
	w->op[s->op].requests++;
	w->op[s->op].flops += f;
	w->op[s->op].act_bytes += act;
	for (int q = 0; q < GB_Q_COUNT && gb_op_has_weights(s->op); q++) {
		double b = (double)s->n * (double)gb_quant_row_bytes((enum gb_quant)q, s->k);

		w->op[s->op].weight_bytes[q] += b;
		w->weight_bytes[q] += b;
		if (first)
			w->weight_set[q] += b;
	}
}

void gb_report_work_of(const struct gb_report_wl *w, long long rows, struct gb_report_work *out)
{
	if (!w->loaded || rows <= 0 || (size_t)rows >= w->all.requests) {
		*out = w->all;
		return;
	}
	memset(out, 0, sizeof(*out));
	for (long long i = 0; i < rows; i++)
		work_add(out, &w->shape[i], w->first_use[i]);
}

static void wl_load(struct gb_report_wl *w)
{
	struct gb_trace t;
	uint32_t nt = 0;
	const char **tens = NULL;      /* the weight tensors seen, borrowed from t */
	struct stat st;

	/* meta.json's path: a FIFO or a device would block or never end */
	if (stat(w->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		w->why = gb_xasprintf("trace '%s' is not a regular file", w->path);
		return;
	}
	if (gb_trace_load(w->path, &t, NULL) < 0) {
		w->why = gb_xasprintf("trace '%s' cannot be read", w->path);
		return;
	}
	w->loaded = 1;
	w->streams = t.nstreams ? t.nstreams : 1;
	w->shape = gb_xcalloc(t.n ? t.n : 1, sizeof(*w->shape));
	w->first_use = gb_xcalloc(t.n ? t.n : 1, sizeof(*w->first_use));
	for (size_t i = 0; i < t.n; i++) {
		const struct gb_shape *s = &t.req[i].shape;
		const char *opn = gb_op_name(s->op);

		w->shape[i] = *s;
		if (!strstr(w->ops, opn) && strlen(w->ops) + strlen(opn) + 3 < sizeof(w->ops))
			snprintf(w->ops + strlen(w->ops), sizeof(w->ops) - strlen(w->ops), "%s%s",
				 w->ops[0] ? ", " : "", opn);
		if (gb_op_has_weights(s->op)) {
			uint32_t k;

			for (k = 0; k < nt; k++)
				if (!strcmp(tens[k], t.req[i].tensor))
					break;
			if (k == nt) {
				tens = gb_xrealloc(tens, (nt + 1) * sizeof(*tens));
				tens[nt++] = t.req[i].tensor;
				w->first_use[i] = 1;
			}
		}
		work_add(&w->all, s, w->first_use[i]);
	}
	free(tens);
	wl_max_hit(w, &t);
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

		w->name = gb_xstrdup(gb_report_jstr(t, "name"));
		w->path = gb_xstrdup(gb_report_jstr(t, "path"));
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
		rc->invalid = !strcmp(gb_report_jstr(m, "validity"), "INVALID");
		rc->wl = wl_find(r, rc->c->workload);
		load_accuracy(rc);
		rc->mean_batch = NAN;
		/* a time budget's window of the trace: its rows' work, not the whole trace's */
		rc->window = gb_compare_cell_window(r->meta, rc->id);
		if (rc->wl && rc->wl->loaded && rc->window > 0 &&
		    (size_t)rc->window >= rc->wl->all.requests)
			rc->window = 0;
		if (rc->wl)
			gb_report_work_of(rc->wl, rc->window, &rc->work);
		rc->time_share = 1;   /* until its facts weigh the window (report-facts.c) */
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
		rc->skipped = gb_xstrdup(gb_report_jstr(jc, "skipped"));
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
	r->vk_gflops = r->vk_gbs = NAN;
	r->peak_gflops = json_number_value(json_object_get(json_object_get(
		json_object_get(r->peak, "flops"), "f32"), "gflops"));
	json_array_foreach(json_object_get(json_object_get(r->peak, "bandwidth"), "levels"), i, lv) {
		for (int l = 0; l < GB_LVL_COUNT; l++)
			if (!strcmp(gb_report_jstr(lv, "name"), gb_peak_level_name((enum gb_peak_level)l))) {
				json_t *v = json_object_get(lv, "read"), *c = json_object_get(lv, "capacity_bytes");

				r->bw[l] = json_is_number(v) ? json_number_value(v) : NAN;
				r->cap[l] = json_is_integer(c) ? (double)json_integer_value(c) : NAN;
			}
	}
	{
		json_t *vk = json_object_get(json_object_get(r->peak, "executors"), "vulkan");

		r->vk_gflops = json_is_number(json_object_get(vk, "f32_gflops")) ?
			json_number_value(json_object_get(vk, "f32_gflops")) : NAN;
		r->vk_gbs = json_is_number(json_object_get(vk, "copy_gbs")) ?
			json_number_value(json_object_get(vk, "copy_gbs")) : NAN;
		if (!(r->vk_gflops > 0 && r->vk_gbs > 0))
			r->vk_why = gb_xstrdup(gb_report_jstr(vk, "note")[0] ? gb_report_jstr(vk, "note") :
					       "the peak file has no vulkan figures");
	}
	if (!(r->peak_gflops > 0)) {
		r->peak_why = gb_xstrdup("the peak file has no f32 FLOP/s");
		json_decref(r->peak);
		r->peak = NULL;
	}
}

/* The ceilings (r->peak), or why there are none (r->peak_why); -1 when --peak FILE cannot be used. */
static int load_peak(struct gb_report *r)
{
	json_t *host = json_object_get(r->meta, "host");
	char fp_res[17], fp_here[17], *cache;
	struct gb_sysinfo si;
	json_t *here;

	if (r->o->no_peak) {
		r->peak_why = gb_xstrdup("--no-peak was given");
		return 0;
	}
	if (r->o->peak) {
		/* asked for by name: a file that cannot be used is an error, not a report without them */
		r->peak = gb_peak_load(r->o->peak, 0, 0);
		if (!r->peak)
			return -1;
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
			gb_report_md(r, gb_report_jstr(r->peak, "date")), gb_report_md_code(r, cache, 0));
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
						    gb_report_md(r, gb_report_jstr(r->peak, "date")));
		else
			r->peak_why = gb_xstrdup("the quick peak measurement failed");
	}
out:
	if (r->peak)
		peak_levels(r);
	return 0;
}

/* ---- facts and roofline ---- */

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
		free(r->wl[i].shape);
		free(r->wl[i].first_use);
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
	free(r->vk_why);
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
	if (load_results(&r) < 0 || load_peak(&r) < 0)
		goto out;
	r.out = o->out ? gb_xstrdup(o->out) : gb_xasprintf("%s/report", o->results);
	if (gb_mkdir_p(r.out) < 0)
		goto out;
	for (size_t i = 0; i < r.ncells; i++)
		if (r.cells[i].c)
			gb_report_cell_facts(&r, &r.cells[i]);
	gb_report_charts(&r);
	if (gb_report_md_write(&r, &nfindings) < 0)
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
