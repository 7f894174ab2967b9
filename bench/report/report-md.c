/*
 * report-md.c - report.md: the answer first (a summary of at most 15
 * lines: what ran, whether to trust it, the bottlenecks with the most time
 * at stake, what to change first), then the details: the machine, the
 * run's validity, the ceilings, the findings, per-workload tables, the
 * charts and the baseline.
 *
 * Findings are the rules (rules.h) that fired on the cells' facts
 * (report-facts.c), summed per rule and ranked by the time at stake. A finding
 * needs evidence that survives the noise: a bottleneck seen only in a cell
 * whose wall time varies more than GB_REPORT_NOISY_CV between repetitions
 * is set aside and counted, not ranked; cache rules do not apply to a trace
 * without keys and vulkan cells are judged against the device's own
 * ceilings (both in report-facts.c).
 *
 * Every string from the results folder, a trace, the peak file or the
 * rules reaches report.md through gb_report_md() or gb_report_md_code().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "gbench.h"
#include "report/report.h"

static void md_machine(struct gb_report *r, struct gb_sbuf *b)
{
	json_t *h = json_object_get(r->meta, "host"), *bd = json_object_get(r->meta, "build");
	json_t *c, *ex;
	const char *name;
	size_t i;
	char buf[64], *cls;

	gb_sbuf_printf(b, "## Machine\n\n| | |\n|---|---|\n");
	gb_sbuf_printf(b, "| CPU | %s, %lld CPU%s%s |\n", gb_report_md(r, gb_report_jstr(h, "cpu_model")),
		       (long long)json_integer_value(json_object_get(h, "cores")),
		       json_integer_value(json_object_get(h, "cores")) == 1 ? "" : "s",
		       json_is_true(json_object_get(h, "hypervisor")) ? " (under a hypervisor)" : "");
	if ((cls = gb_machine_class(r->meta))) {
		gb_sbuf_printf(b, "| machine class | %s |\n", gb_report_md_code(r, cls, 1));
		free(cls);
	}
	json_array_foreach(json_object_get(h, "caches"), i, c) {
		double sz = (double)json_integer_value(json_object_get(c, "size_bytes"));
		long long shared;

		if (sz >= 1048576)
			snprintf(buf, sizeof(buf), "%.0f MiB", sz / 1048576);
		else
			snprintf(buf, sizeof(buf), "%.0f KiB", sz / 1024);
		shared = json_integer_value(json_object_get(c, "shared_cpus"));
		gb_sbuf_printf(b, "| L%lld %s cache | %s, %lld-way, shared by %lld CPU%s |\n",
			       (long long)json_integer_value(json_object_get(c, "level")),
			       gb_report_md(r, gb_report_jstr(c, "type")), buf,
			       (long long)json_integer_value(json_object_get(c, "ways")), shared,
			       shared == 1 ? "" : "s");
	}
	gb_sbuf_printf(b, "| memory | %.1f GiB |\n",
		       (double)json_integer_value(json_object_get(h, "memory_bytes")) / 1073741824.0);
	gb_sbuf_printf(b, "| kernel | %s |\n", gb_report_md(r, gb_report_jstr(h, "kernel")));
	gb_sbuf_printf(b, "| build | %s, %s, sanitizers %s, commit %s |\n",
		       gb_report_md(r, gb_report_jstr(bd, "compiler")), gb_report_md_code(r, gb_report_jstr(bd, "flags"), 1),
		       gb_report_md(r, gb_report_jstr(bd, "sanitizers")), gb_report_md(r, gb_report_jstr(bd, "commit")));
	json_object_foreach(json_object_get(r->meta, "executors"), name, ex) {
		if (json_is_true(json_object_get(ex, "available")))
			gb_sbuf_printf(b, "| executor %s | %s (%s) %s |\n", gb_report_md(r, name),
				       gb_report_md(r, gb_report_jstr(ex, "device")), gb_report_md(r, gb_report_jstr(ex, "type")),
				       gb_report_md(r, gb_report_jstr(ex, "driver")));
		else
			gb_sbuf_printf(b, "| executor %s | unavailable: %s |\n", gb_report_md(r, name),
				       gb_report_md(r, gb_report_jstr(ex, "reason")));
	}
	gb_sbuf_printf(b, "\n");
}

/*
 * Cells a time budget gave fewer measured repetitions than their minimum
 * (meta.json time_plan cells_short), and that minimum; 0 without a budget.
 */
static size_t cells_short(const struct gb_report *r, long long *min_reps, long long *min_window)
{
	json_t *tp = json_object_get(r->meta, "time_plan");

	*min_reps = json_integer_value(json_object_get(tp, "min_repetitions"));
	*min_window = json_integer_value(json_object_get(tp, "min_window"));
	return (size_t)json_integer_value(json_object_get(tp, "cells_short"));
}

/* Cells whose repetitions past their minimum the run gave up to its clock, and how many. */
static size_t cells_cut(const struct gb_report *r, long long *reps)
{
	json_t *jc;
	const char *id;
	size_t n = 0;

	*reps = 0;
	json_object_foreach(json_object_get(json_object_get(r->meta, "time_plan"), "cells"), id, jc) {
		long long k = json_integer_value(json_object_get(jc, "cut"));

		*reps += k > 0 ? k : 0;
		n += k > 0;
	}
	return n;
}

static void md_validity(struct gb_report *r, struct gb_sbuf *b)
{
	long long min_reps, min_window, cut;
	size_t nshort = cells_short(r, &min_reps, &min_window), ncut;
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
	if (nshort)
		gb_sbuf_printf(b, "%zu cell%s got less than %s minimum, %lld measured repetitions over "
			       "%lld rows of the trace (or all of it): the time budget could not give "
			       "%s more (meta.json `time_plan` says what each got and why). %s medians "
			       "and percentiles rest on fewer samples, and `gbench compare` may find %s "
			       "inconclusive.\n\n", nshort,
			       nshort == 1 ? "" : "s", nshort == 1 ? "its" : "their", min_reps,
			       min_window, nshort == 1 ? "it" : "them", nshort == 1 ? "Its" : "Their",
			       nshort == 1 ? "it" : "them");
	if ((ncut = cells_cut(r, &cut)))
		gb_sbuf_printf(b, "The run fell behind its time plan (its calibration was low) and gave "
			       "up %lld measured repetition%s past %s cell%s minimum, in %zu cell%s, to "
			       "end near its budget (meta.json `time_plan` cells.<id>.cut).\n\n", cut,
			       cut == 1 ? "" : "s", ncut == 1 ? "its" : "their", ncut == 1 ? "'s" : "s'",
			       ncut, ncut == 1 ? "" : "s");
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
		       gb_report_md(r, gb_report_jstr(json_object_get(r->peak, "bandwidth"), "counting")));
	gb_sbuf_printf(b, "| ceiling | value | note |\n|---|---|---|\n");
	gb_sbuf_printf(b, "| f32 | %.1f GFLOP/s | %s, %lld FMA chains per thread |\n", r->peak_gflops,
		       gb_report_md(r, gb_report_jstr(json_object_get(fl, "f32"), "isa")),
		       (long long)json_integer_value(json_object_get(json_object_get(fl, "f32"), "chains")));
	if (json_is_number(json_object_get(json_object_get(fl, "int8_dot"), "gops")))
		gb_sbuf_printf(b, "| int8 dot | %.1f GOPS | %s |\n",
			       json_number_value(json_object_get(json_object_get(fl, "int8_dot"), "gops")),
			       gb_report_md(r, gb_report_jstr(json_object_get(fl, "int8_dot"), "note")));
	json_array_foreach(json_object_get(json_object_get(r->peak, "bandwidth"), "levels"), i, lv) {
		json_t *rd = json_object_get(lv, "read");
		const char *note = gb_report_jstr(lv, "note");

		if (json_is_number(rd))
			gb_sbuf_printf(b, "| %s read / copy | %.1f / %.1f GB/s | %s |\n",
				       gb_report_md(r, gb_report_jstr(lv, "name")), json_number_value(rd),
				       json_number_value(json_object_get(lv, "copy")),
				       note[0] ? gb_report_md(r, note) : "plateau");
		else
			gb_sbuf_printf(b, "| %s | - | %s |\n", gb_report_md(r, gb_report_jstr(lv, "name")),
				       gb_report_md(r, note));
	}
	if (r->vk_gflops > 0 && r->vk_gbs > 0)
		gb_sbuf_printf(b, "| vulkan device f32 / copy | %.1f GFLOP/s / %.1f GB/s | %s: the ceilings "
			       "vulkan cells are judged against |\n", r->vk_gflops, r->vk_gbs,
			       gb_report_md(r, gb_report_jstr(json_object_get(json_object_get(r->peak, "executors"),
							       "vulkan"), "device")));
	else
		gb_sbuf_printf(b, "| vulkan device | - | not measured (%s): vulkan cells are not placed "
			       "on a roof |\n", gb_report_md(r, r->vk_why ? r->vk_why : "no figures"));
	gb_sbuf_printf(b, "\n");
	{
		/* a cell above its roof means the roof was measured too low, not a fast kernel */
		size_t above = 0;
		const char *first = NULL;

		for (size_t k = 0; k < r->ncells; k++)
			if (isfinite(r->cells[k].eff) && r->cells[k].eff > 1.05) {
				above++;
				if (!first)
					first = r->cells[k].id;
			}
		if (above)
			gb_sbuf_printf(b, "**%zu cell%s above %s roof** (first %s): the ceilings were measured "
				       "lower than this run achieved (a `--quick` peak, or one taken on a busy "
				       "machine); measure them again with `gbench peak --force` on a quiet "
				       "machine before reading the roofline.\n\n", above,
				       above == 1 ? " is" : "s are", above == 1 ? "its" : "their",
				       gb_report_md_code(r, first, 0));
	}
}

/*
 * One finding: a rule that fired, summed over the cells where it fired and
 * whose evidence survives the noise.
 */
struct finding_sum {
	const struct gb_rule *rule;
	size_t n;
	const struct gb_report_cell *worst;
	double worst_v;
	const char *source;
	double stake_ns;   /* wall time per repetition the finding may account for */
};

struct findings {
	struct finding_sum *v;
	size_t n;
	size_t judged;     /* cells with results */
	size_t noisy;      /* cells with wall_cv over GB_REPORT_NOISY_CV */
	size_t dropped;    /* of those, cells whose findings were set aside */
	size_t set_aside;  /* judgements set aside with them */
};

static int worse(const struct gb_rule *r, double a, double b)
{
	return r->cmp == '>' ? a > b : a < b;
}

/* Groups about whether to trust the numbers, not about where time goes. */
static int is_trust_group(const char *group)
{
	return !strcmp(group, "noise") || !strcmp(group, "validity") || !strcmp(group, "accuracy");
}

/*
 * The share of a cell's wall time a finding may account for: what the
 * metric says is lost where it is a share of time (below the roof, the GPU
 * idle, the queue, the cache's loss), else all of it.
 */
static double stake_share(const struct gb_judgement *j)
{
	const char *m = j->rule->metric;
	double v = j->value;

	if (!isfinite(v))
		return 1;
	if (!strcmp(m, "roofline_efficiency") || !strcmp(m, "gpu_busy_ratio"))
		return fmin(1, fmax(0, 1 - v));
	if (!strcmp(m, "cache_speedup"))
		return fmin(1, fmax(0, 1 - v));
	if (!strcmp(m, "queue_share") || strstr(m, "_ratio") || !strncmp(m, "td_", 3))
		return fmin(1, fmax(0, v));
	return 1;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding_sum *x = a, *y = b;

	/* what to trust first, then the bottlenecks by time at stake, then level */
	if (is_trust_group(x->rule->group) != is_trust_group(y->rule->group))
		return is_trust_group(x->rule->group) ? -1 : 1;
	if (x->stake_ns != y->stake_ns)
		return x->stake_ns > y->stake_ns ? -1 : 1;
	if (x->rule->level != y->rule->level)
		return x->rule->level > y->rule->level ? -1 : 1;
	return strcmp(x->rule->id, y->rule->id);
}

/*
 * Every rule that fired, summed per rule. A bottleneck's evidence from a
 * cell whose wall_cv exceeds GB_REPORT_NOISY_CV is set aside (counted, not
 * shown): one slow repetition must not become the report's top finding.
 * The noise finding itself is kept: it is the warning.
 */
static void findings_collect(struct gb_report *r, struct findings *fd)
{
	memset(fd, 0, sizeof(*fd));
	fd->v = gb_xcalloc(r->rules.n + 1, sizeof(*fd->v));
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_report_cell *rc = &r->cells[i];
		double wall;
		int noisy, dropped = 0;

		if (!rc->c)
			continue;
		fd->judged++;
		/* per replay of the whole trace: a time budget's window scaled up by its share */
		wall = gb_report_median(rc->c, "wall_ns") / rc->time_share;
		noisy = isfinite(rc->wall_cv) && rc->wall_cv > GB_REPORT_NOISY_CV;
		for (size_t k = 0; k < rc->nj; k++) {
			struct gb_judgement *j = &rc->j[k];
			struct finding_sum *s = NULL;

			if (j->kind != GB_JUDGED_FIRED)
				continue;
			if (noisy && !is_trust_group(j->group)) {
				fd->set_aside++;
				dropped = 1;
				continue;
			}
			for (size_t x = 0; x < fd->n; x++)
				if (fd->v[x].rule == j->rule)
					s = &fd->v[x];
			if (!s) {
				s = &fd->v[fd->n++];
				s->rule = j->rule;
				s->worst_v = j->value;
				s->worst = rc;
				s->source = j->source;
			}
			s->n++;
			if (isfinite(wall))
				s->stake_ns += wall * stake_share(j);
			if (worse(j->rule, j->value, s->worst_v)) {
				s->worst_v = j->value;
				s->worst = rc;
				s->source = j->source;
			}
		}
		fd->noisy += noisy;
		fd->dropped += dropped;
	}
	qsort(fd->v, fd->n, sizeof(*fd->v), cmp_finding);
}

static void md_findings(struct gb_report *r, struct gb_sbuf *b, const struct findings *fd)
{
	char t1[32];

	gb_sbuf_printf(b, "## Findings\n\n");
	gb_sbuf_printf(b, "The rules of %s applied to each of the %zu cells with results: a "
		       "finding is the most severe band of a rule group that fires, with the "
		       "evidence from the worst cell. Ranked by the time at stake: the median wall "
		       "time per repetition of the cells where it fires (per replay of the whole "
		       "trace: a cell that a time budget gave a window of it is scaled up by the "
		       "share of the trace's roofline time its rows hold), times the share the "
		       "metric says is lost where it is a share (e.g. 1 - roofline efficiency).\n\n",
		       gb_report_md_code(r, r->o->rules ? r->o->rules : "reports/rules.tsv", 0), fd->judged);
	if (fd->dropped)
		gb_sbuf_printf(b, "Set aside: %zu finding%s from %zu cell%s whose wall time varies more "
			       "than %.0f%% between repetitions (wall_cv), where one outlying repetition "
			       "could have made %s; the noise finding names them.\n\n",
			       fd->set_aside, fd->set_aside == 1 ? "" : "s", fd->dropped,
			       fd->dropped == 1 ? "" : "s", GB_REPORT_NOISY_CV * 100,
			       fd->set_aside == 1 ? "it" : "them");
	for (size_t x = 0; x < fd->n; x++) {
		const struct finding_sum *s = &fd->v[x];
		char *v, *rec;

		if (!x)
			gb_sbuf_printf(b, "| level | finding | cells | time at stake | evidence (worst cell) | recommendation | threshold from |\n"
				       "|---|---|---|---|---|---|---|\n");
		v = gb_rule_format_value(s->rule->metric, s->worst_v);
		rec = gb_rule_recommendation(s->rule, s->worst_v);
		gb_sbuf_printf(b, "| %s | %s | %zu of %zu | %s | %s: %s = %s (%s) | %s | %s (%c %g) |\n",
			       gb_level_name(s->rule->level), gb_report_md(r, s->rule->id), s->n,
			       fd->judged, is_trust_group(s->rule->group) ? "-" :
			       gb_report_fmt_ns(s->stake_ns, t1, sizeof(t1)),
			       gb_report_md_code(r, s->worst->id, 1),
			       gb_report_md(r, s->rule->metric), gb_report_md(r, v),
			       gb_report_md(r, s->source), gb_report_md(r, rec),
			       gb_report_md(r, s->rule->source), s->rule->cmp, s->rule->threshold);
		free(v);
		free(rec);
	}
	if (!fd->n)
		gb_sbuf_printf(b, "No rule fired on any cell.\n");
	gb_sbuf_printf(b, "\n");

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
				       gb_report_md_code(r, wl->path, 0), wl->all.requests, wl->streams,
				       gb_report_md(r, wl->ops), gb_report_fmt_num(wl->all.flops, b1, sizeof(b1)));
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
	json_t *bmeta = NULL;

	/* a cell whose two runs replayed different windows of its trace: no ratio */
	if (gb_compare_load_meta(r->o->baseline, &bmeta) < 0)
		bmeta = NULL;
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
			if ((bmeta ? gb_compare_cell_window(bmeta, c->id) : 0) !=
			    gb_compare_cell_window(r->meta, c->id))
				gb_sbuf_printf(b, " - (other work: a repetition replayed %s of the "
					       "trace in the baseline, %s here; meta.json time_plan) |\n",
					       gb_compare_window_words(bmeta, c->id, b1, sizeof(b1)),
					       gb_compare_window_words(r->meta, c->id, b2, sizeof(b2)));
			else if (was > 0 && isfinite(now))
				gb_sbuf_printf(b, " %.3f |\n", now / was);
			else
				gb_sbuf_printf(b, " - |\n");
		}
	}
	json_decref(bmeta);
	if (!n)
		gb_sbuf_printf(b, "No cell of this run is in the baseline.\n");
	gb_sbuf_printf(b, "\n");
}

/*
 * The answer first (at most 15 lines): what ran, whether to trust it, the
 * three bottlenecks with the most time at stake, and what to change first.
 * Everything here is repeated with its evidence in the sections below.
 */
static void md_summary(struct gb_report *r, struct gb_sbuf *b, const struct findings *fd)
{
	size_t valid = 0, invalid = 0, skipped = 0, over = 0, nwl = 0, shown = 0, nshort;
	long long min_reps, min_window;
	const struct finding_sum *first = NULL, *trust = NULL;
	int complete = json_is_true(json_object_get(r->meta, "complete"));
	char t1[32], execs[128] = "";
	const char *name;
	json_t *ex;

	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_report_cell *rc = &r->cells[i];

		if (rc->skipped)
			skipped++;
		else if (rc->invalid)
			invalid++;
		else
			valid++;
		over += isfinite(rc->budget_ratio) && rc->budget_ratio > 1;
	}
	nwl = r->nwl;
	json_object_foreach(json_object_get(r->meta, "executors"), name, ex)
		if (json_is_true(json_object_get(ex, "available")) &&
		    strlen(execs) + strlen(name) + 3 < sizeof(execs))
			snprintf(execs + strlen(execs), sizeof(execs) - strlen(execs), "%s%s",
				 execs[0] ? ", " : "", name);
	gb_sbuf_printf(b, "## Summary\n\n");
	gb_sbuf_printf(b, "- **Ran:** %zu cells over %zu workload%s on %s.\n", r->ncells, nwl,
		       nwl == 1 ? "" : "s", execs[0] ? gb_report_md(r, execs) : "no available executor");
	nshort = cells_short(r, &min_reps, &min_window);
	gb_sbuf_printf(b, "- **Validity:** %s: %zu VALID, %zu INVALID, %zu skipped; %zu cell%s over "
		       "an accuracy budget; %zu cell%s with wall_cv over %.0f%%%s",
		       invalid || over || fd->noisy || !complete || nshort ? "read with care" :
		       "trustworthy",
		       valid, invalid, skipped, over, over == 1 ? "" : "s", fd->noisy,
		       fd->noisy == 1 ? "" : "s", GB_REPORT_NOISY_CV * 100,
		       !fd->dropped ? "" : fd->noisy == 1 ? " (its findings set aside)" :
		       " (their findings set aside)");
	if (nshort)
		gb_sbuf_printf(b, "; %zu cell%s short of the minimum of %lld repetitions (the time "
			       "budget)", nshort, nshort == 1 ? "" : "s", min_reps);
	gb_sbuf_printf(b, "; the run %s.\n", complete ? "completed" : "did not complete");
	for (size_t x = 0; x < fd->n; x++) {
		const struct finding_sum *s = &fd->v[x];
		char *v;

		if (is_trust_group(s->rule->group)) {
			/* wrong or invalid numbers always come first; noise when it is most of the run */
			int weighs = strcmp(s->rule->group, "noise") || 2 * fd->noisy >= fd->judged;

			if (weighs && (!trust || s->rule->level > trust->rule->level))
				trust = s;
			continue;
		}
		if (shown == 3)
			continue;
		if (!shown++)
			gb_sbuf_printf(b, "- **Top bottlenecks** (by time at stake):\n");
		if (!first)
			first = s;
		v = gb_rule_format_value(s->rule->metric, s->worst_v);
		gb_sbuf_printf(b, "  %zu. %s %s: %s at stake in %zu cell%s; worst %s, %s = %s.\n",
			       shown, gb_level_name(s->rule->level), gb_report_md(r, s->rule->id),
			       gb_report_fmt_ns(s->stake_ns, t1, sizeof(t1)), s->n, s->n == 1 ? "" : "s",
			       gb_report_md_code(r, s->worst->id, 0), gb_report_md(r, s->rule->metric),
			       gb_report_md(r, v));
		free(v);
	}
	if (!shown)
		gb_sbuf_printf(b, "- **Top bottlenecks:** no bottleneck rule fired on evidence that "
			       "survives the noise.\n");
	/* numbers that cannot be trusted come before speed */
	if (trust && trust->rule->level >= GB_LEVEL_HIGH)
		first = trust;
	if (first) {
		char *rec = gb_rule_recommendation(first->rule, first->worst_v);

		gb_sbuf_printf(b, "- **Change first** (%s, %s): %s.\n", gb_report_md(r, first->rule->id),
			       gb_report_md_code(r, first->worst->id, 0), gb_report_md(r, rec));
		free(rec);
	}
	gb_sbuf_printf(b, "\n");
}

int gb_report_md_write(struct gb_report *r, size_t *nfindings)
{
	struct gb_sbuf b = { 0 };
	json_t *cfg = json_object_get(r->meta, "config");
	struct findings fd;
	int rc;

	findings_collect(r, &fd);
	*nfindings = fd.n;

	gb_sbuf_printf(&b, "# gbench report: %s\n\n",
		       gb_report_jstr(cfg, "name")[0] ? gb_report_md(r, gb_report_jstr(cfg, "name")) : "run");
	gb_sbuf_printf(&b, "Results %s, run from %s to %s, %s mode, seed %lld, %s. Generated by "
		       "`gbench report`; every number below was measured or is derived from "
		       "measured numbers as stated.\n\n",
		       gb_report_md_code(r, r->o->results, 0), gb_report_md(r, gb_report_jstr(r->meta, "start")),
		       gb_report_md(r, gb_report_jstr(r->meta, "end")), gb_report_md(r, gb_report_jstr(cfg, "mode")),
		       (long long)json_integer_value(json_object_get(r->meta, "seed")),
		       gb_report_reps(r));
	md_summary(r, &b, &fd);
	md_machine(r, &b);
	md_validity(r, &b);
	md_ceilings(r, &b);
	md_findings(r, &b, &fd);
	md_workloads(r, &b);
	gb_report_md_ops(r, &b);
	md_charts(r, &b);
	if (r->has_base)
		md_baseline(r, &b);
	if (r->o->tables)
		gb_sbuf_printf(&b, "## Tuning tables\n\nIn [tables.md](tables.md).\n");
	rc = gb_report_write_file(r, "report.md", b.s);
	gb_sbuf_release(&b);
	free(fd.v);
	return rc;
}
