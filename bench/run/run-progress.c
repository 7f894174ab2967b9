/*
 * run-progress.c - what `gbench run` shows on stderr while it runs and
 * when it ends (run.h).
 *
 * While it runs: a progress line with the phase (warm-up or measured, and
 * which process of a shared run), the repetitions and cells done of those
 * planned, the elapsed time, an ETA and the cell that runs now. On a
 * terminal the line is rewritten in place (at most ten times a second);
 * in a log (CI) a line is printed when a phase begins, at every tenth of
 * the repetitions and every 15 s otherwise, so that a log stays short.
 * The ETA comes only from what this process measured: the seconds its
 * warm-ups and its other repetitions took so far, per repetition, times
 * those left (and, in a shared run, the processes still to come, each
 * taken to cost what this one will); until a measured repetition has run
 * it says "ETA: measuring", unless a time plan (a budget's) says what the
 * executor's repetitions should cost: then "ETA ~T (planned)" until
 * every executor has measured one (with both executors, the low-end
 * config's log said "measuring" for the first 5 of its 9 minutes). A
 * shared run's children print their own lines (the parent waits on
 * them): the parent passes the mode and the run's start in
 * GBENCH_PROGRESS so that their elapsed time is the run's. Before them,
 * a run with a time budget (and a dry run) calibrates each executor: a
 * line says which probe of how many runs, and in a log the last one what
 * the calibration took (the high-end config's probes took minutes on
 * lavapipe with nothing shown).
 *
 * When its repetitions are done: each cell's verdict (accuracy, validity,
 * skips; its meta.json entry; its line with --verbose). When it ends: a
 * summary of about a dozen lines, or after an interrupt one line saying
 * how far it got and where the partial results are.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "compare/compare.h"
#include "gbench.h"
#include "oracle.h"
#include "run.h"
#include "stats.h"

#define PROGRESS_ENV "GBENCH_PROGRESS"
#define TTY_EVERY_NS 100000000ull      /* a terminal line at most every 0.1 s */
#define LOG_EVERY_NS 15000000000ull    /* a log line at least every 15 s */

static const char *const mode_names[] = { "off", "log", "tty" };

double gb_run_elapsed(const struct gb_run *r)
{
	return (double)(gb_now_ns() - r->prog.t0_ns) * 1e-9;
}

/* A process of a shared run: the mode and the start its parent passed on. */
static int from_parent(struct gb_progress *p)
{
	const char *s = getenv(PROGRESS_ENV);
	unsigned long long t0;
	char mode[8];

	if (!s)
		return 0;
	if (sscanf(s, "%7[a-z]:%llu", mode, &t0) == 2)
		for (int m = 0; m < (int)GB_ARRAY_SIZE(mode_names); m++)
			if (!strcmp(mode, mode_names[m])) {
				p->mode = (enum gb_progress_mode)m;
				p->t0_ns = t0;
			}
	unsetenv(PROGRESS_ENV);   /* for this process only: not for a callgrind child */
	return 1;
}

void gb_progress_init(struct gb_run *r)
{
	struct gb_progress *p = &r->prog;

	memset(p, 0, sizeof(*p));
	p->t0_ns = gb_now_ns();
	p->cur = SIZE_MAX;
	p->mode = r->opts->quiet ? GB_PROGRESS_OFF :
		  isatty(STDERR_FILENO) ? GB_PROGRESS_TTY : GB_PROGRESS_LOG;
	/* only a process a shared run started takes its parent's word */
	if (r->opts->child)
		from_parent(p);
	else
		unsetenv(PROGRESS_ENV);
}

char *gb_progress_child_env(const struct gb_run *r)
{
	return gb_xasprintf(PROGRESS_ENV "=%s:%llu", mode_names[r->prog.mode],
			    (unsigned long long)r->prog.t0_ns);
}

void gb_progress_clear(struct gb_run *r)
{
	if (r->prog.open)
		fputs("\r\033[K", stderr);
	r->prog.open = 0;
}

void gb_progress_release(struct gb_run *r)
{
	free(r->prog.cell_warm);
	free(r->prog.cell_meas);
	free(r->prog.ex);
	r->prog.cell_warm = r->prog.cell_meas = NULL;
	r->prog.ex = NULL;
}

/* Planned measured repetitions of cell i in this process. */
static uint32_t planned(const struct gb_run *r, size_t i)
{
	return r->cells[i].reps;
}

/* "12.3 s", "4 min 05 s", "1 h 02 min" */
static const char *fmt_s(double s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 3600)
		snprintf(buf, len, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, len, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
	return buf;
}

/* Executor e's repetitions still to come at the time plan's cost, or NAN (no plan). */
static double planned_left(const struct gb_run *r, size_t e)
{
	const struct gb_progress_ex *x = &r->prog.ex[e];
	double plan = 0;
	size_t all = x->warm + x->other;

	for (size_t i = 0; i < r->ncells; i++)
		if (r->cells[i].exec == e)
			plan += r->cells[i].plan_reps_s;
	if (!(plan > 0) || !all)
		return NAN;
	return plan * (double)(all - x->warm_done - x->other_done) / (double)all;
}

/*
 * Seconds left, from this process's measured rates per executor (a vulkan
 * call on a CPU device costs 10-100 times a cpu one), or NAN while an
 * executor with repetitions left has none measured yet and no time plan
 * stands in for it (*planned: one did). In a shared run
 * the processes after this one are each taken to cost what this one's
 * repetitions do (their warm-ups at the rate of a measured repetition:
 * only this first process checks accuracy on its warm-ups).
 */
static double eta(const struct gb_run *r, int *planned)
{
	const struct gb_progress *p = &r->prog;
	uint32_t later = 0;
	double left = 0;

	*planned = 0;
	/* a share on its own: the others run elsewhere, or later */
	if (r->opts->nprocess > 1 && !gb_run_alone(r->opts))
		later = r->opts->nprocess - 1 - r->opts->process;
	for (size_t e = 0; e < r->nex; e++) {
		const struct gb_progress_ex *x = &p->ex[e];
		double wr, orate;

		if ((x->warm > x->warm_done && !x->warm_done) ||
		    ((x->other > x->other_done || later) && x->other && !x->other_done)) {
			double pl = later ? NAN : planned_left(r, e);

			if (isnan(pl))
				return NAN;
			left += pl;
			*planned = 1;
			continue;
		}
		orate = x->other_done ? x->other_s / (double)x->other_done : 0;
		wr = x->warm_done ? x->warm_s / (double)x->warm_done : orate;
		left += wr * (double)(x->warm - x->warm_done) +
			orate * (double)(x->other - x->other_done) +
			orate * (double)(x->warm + x->other) * later;
	}
	return left;
}

/* Append to line (k of len used) at most len - 1 characters in all. */
static void append(char *line, size_t len, size_t *k, const char *fmt, ...) GB_PRINTF(4, 5);

static void append(char *line, size_t len, size_t *k, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(line + *k, len - *k, fmt, ap);
	va_end(ap);
	if (w > 0)
		*k += (size_t)w < len - *k ? (size_t)w : len - *k - 1;
}

/*
 * ", 498 s of the 540 s budget left" once the budget's clock runs; a share
 * on its own has 1/N of it: ", 150 s of this share's 180 s left".
 */
static void budget_left(const struct gb_run *r, char *line, size_t len, size_t *k)
{
	double budget = gb_run_budget_part(r), b;

	if (!(budget > 0) || !r->plan_start_ns)
		return;
	b = budget - (double)(gb_now_ns() - r->plan_start_ns) * 1e-9;
	append(line, len, k, gb_run_alone(r->opts) ? ", %.0f s of this share's %.0f s %s" :
	       ", %.0f s of the %.0f s budget %s", fabs(b), budget, b >= 0 ? "left" : "overrun");
}

/* A progress line out: rewritten in place on a terminal, a line of its own in a log. */
static void emit(struct gb_run *r, char *line, size_t k)
{
	struct gb_progress *p = &r->prog;
	size_t cols = 0;
	struct winsize ws;

	if (p->mode == GB_PROGRESS_TTY) {
		/* one screen line: a wrapped line cannot be rewritten in place */
		if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
			cols = ws.ws_col - 1;
		if (cols && k > cols)
			line[cols] = 0;
		fprintf(stderr, "\r\033[K%s", line);
		p->open = 1;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
	p->last_ns = gb_now_ns();
}

static void print_line(struct gb_run *r)
{
	struct gb_progress *p = &r->prog;
	char line[512], e[32], t[32];
	size_t k = 0;
	int planned;
	double left = eta(r, &planned);

#define ADD(...) append(line, sizeof(line), &k, __VA_ARGS__)
	ADD("gbench run: ");
	if (r->opts->nprocess > 1)
		ADD("process %u of %u, ", r->opts->process + 1, r->opts->nprocess);
	if (p->phase == 1)
		ADD("warm-up %zu of %zu", p->warm_done, p->warm_total);
	else
		ADD("measured %zu of %zu", p->meas_done, p->meas_total);
	ADD(" repetitions, %zu of %zu cells done, %s elapsed", p->cells_done, r->ncells,
	    fmt_s(gb_run_elapsed(r), e, sizeof(e)));
	if (isnan(left))
		ADD(", ETA: measuring");
	else
		ADD(", ETA %s%s%s", planned ? "~" : "", fmt_s(left, t, sizeof(t)),
		    planned ? " (planned)" : "");
	budget_left(r, line, sizeof(line), &k);
	if (p->cur != SIZE_MAX)
		ADD(", %s", r->cells[p->cur].id);
#undef ADD
	emit(r, line, k);
}

void gb_progress_begin(struct gb_run *r)
{
	struct gb_progress *p = &r->prog;

	gb_progress_release(r);
	p->nslots = p->warm_total = p->meas_total = 0;
	p->done = p->warm_done = p->meas_done = p->cells_done = 0;
	p->cur = SIZE_MAX;
	p->phase = 0;
	p->decile = 0;
	p->cell_warm = gb_xcalloc(r->ncells + 1, sizeof(*p->cell_warm));
	p->cell_meas = gb_xcalloc(r->ncells + 1, sizeof(*p->cell_meas));
	p->ex = gb_xcalloc(r->nex + 1, sizeof(*p->ex));
	/* what schedule() plans: each cell's warm-ups, and its measured repetitions with their primes */
	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];
		size_t other = (size_t)cl->reps * (1 + (size_t)cl->prime);

		p->ex[cl->exec].warm += cl->warmup;
		p->ex[cl->exec].other += other;
		p->warm_total += cl->warmup;
		p->meas_total += cl->reps;
		p->nslots += cl->warmup + other;
	}
	p->sched_ns = gb_now_ns();
}

/* The repetition that ran last is done: count it. */
static void account(struct gb_run *r, uint64_t now)
{
	struct gb_progress *p = &r->prog;
	double dt = (double)(now - p->cur_ns) * 1e-9;
	struct gb_progress_ex *x;

	if (p->cur == SIZE_MAX)
		return;
	x = &p->ex[r->cells[p->cur].exec];
	p->done++;
	if (p->cur_warm) {
		p->warm_done++;
		x->warm_done++;
		x->warm_s += dt;
		p->cell_warm[p->cur]++;
	} else {
		x->other_done++;
		x->other_s += dt;
		if (p->cur_measured) {
			p->meas_done++;
			if (++p->cell_meas[p->cur] == planned(r, p->cur))
				p->cells_done++;
		}
	}
	p->cur = SIZE_MAX;
}

void gb_progress_slot(struct gb_run *r, size_t cell, int measured, int warm)
{
	struct gb_progress *p = &r->prog;
	uint64_t now = gb_now_ns();
	int phase = warm ? 1 : 2, show;
	unsigned decile;

	account(r, now);
	p->cur = cell;
	p->cur_measured = measured;
	p->cur_warm = warm;
	p->cur_ns = now;
	if (p->mode == GB_PROGRESS_OFF)
		return;
	decile = p->nslots ? (unsigned)(p->done * 10 / p->nslots) : 0;
	if (p->mode == GB_PROGRESS_TTY)
		show = phase != p->phase || now - p->last_ns >= TTY_EVERY_NS;
	else
		show = phase != p->phase || decile != p->decile || now - p->last_ns >= LOG_EVERY_NS;
	p->phase = phase;
	p->decile = decile;
	if (show)
		print_line(r);
}

void gb_progress_cut(struct gb_run *r, size_t cell, int measured)
{
	struct gb_progress *p = &r->prog;

	/* the repetition before it is done; this one leaves the count */
	account(r, gb_now_ns());
	p->nslots--;
	p->ex[r->cells[cell].exec].other--;
	if (measured) {
		p->meas_total--;
		if (p->cell_meas[cell] == planned(r, cell))
			p->cells_done++;
	}
}

void gb_progress_calibration(struct gb_run *r, size_t i, size_t n, size_t cell)
{
	struct gb_progress *p = &r->prog;
	uint64_t now = gb_now_ns();
	char line[512], e[32];
	size_t k = 0;
	unsigned decile = n ? (unsigned)(i * 10 / n) : 0;
	int show;

	if (p->mode == GB_PROGRESS_OFF)
		return;
	if (i >= n) {
		/* the end: a log says what it took; a terminal's line gives way */
		if (p->mode == GB_PROGRESS_LOG && n) {
			append(line, sizeof(line), &k, "gbench run: calibrated %zu probe%s in %s", n,
			       n == 1 ? "" : "s",
			       fmt_s((double)(now - r->plan_start_ns) * 1e-9, e, sizeof(e)));
			budget_left(r, line, sizeof(line), &k);
			emit(r, line, k);
		}
		gb_progress_clear(r);
		p->phase = 0;
		p->decile = 0;
		return;
	}
	if (p->mode == GB_PROGRESS_TTY)
		show = p->phase != 3 || now - p->last_ns >= TTY_EVERY_NS;
	else
		show = p->phase != 3 || decile != p->decile || now - p->last_ns >= LOG_EVERY_NS;
	p->phase = 3;
	p->decile = decile;
	if (!show)
		return;
	append(line, sizeof(line), &k, "gbench run: calibrating, probe %zu of %zu, %s elapsed",
	       i + 1, n, fmt_s(gb_run_elapsed(r), e, sizeof(e)));
	budget_left(r, line, sizeof(line), &k);
	if (cell < r->ncells)
		append(line, sizeof(line), &k, ", %s", r->cells[cell].id);
	emit(r, line, k);
}

void gb_progress_end(struct gb_run *r)
{
	struct gb_progress *p = &r->prog;

	account(r, gb_now_ns());
	if (p->mode == GB_PROGRESS_OFF)
		return;
	/* the last line says that all is done; after an interrupt the run says what it got */
	if (!gb_interrupted && p->nslots) {
		p->phase = p->warm_total == p->nslots ? 1 : 2;
		print_line(r);
	}
	gb_progress_clear(r);
}

/* ---- each cell's verdict, and the end of the run ---- */

char *gb_run_reps_line(const struct gb_config *cfg)
{
	char *w = gb_per_exec_describe(&cfg->warmup);
	char *r = gb_per_exec_describe(&cfg->repetitions), *p = NULL, *s;

	if (cfg->prime.dflt || cfg->prime.n)
		p = gb_per_exec_describe(&cfg->prime);
	s = gb_xasprintf("%s warmup + %s measured repetitions each%s%s%s", w, r, p ? "; " : "",
			 p ? p : "", p ? " untimed right before each" : "");
	free(w);
	free(r);
	free(p);
	return s;
}

/* A cell's verdict after its repetitions: accuracy, validity, meta.json entry. */
void gb_run_judge_cell(struct gb_run *r, size_t i, json_t *jcells, json_t *junavail)
{
	struct gb_cell_result *c = &r->res.cells[i];
	struct gb_run_cell *cl = &r->cells[i];
	struct gb_run_exec *e = &r->ex[cl->exec];
	json_t *jc = json_object();
	int counted = 0;

	if (cl->cell && !c->skipped && e->ok && !r->interrupted) {
		uint64_t t0 = gb_now_ns();

		gb_run_cell_status(c, e, gb_cell_finish(cl->cell));
		cl->spent_acc_ns = gb_now_ns() - t0;
	} else if (r->interrupted && !c->skipped) {
		gb_cell_invalid(c, "interrupted: repetitions incomplete, accuracy not checked");
	}
	if (!c->skipped && !e->ok)
		c->skipped = gb_xstrdup(e->reason);
	for (size_t a = 0; a < c->nacc; a++)
		if (!c->acc[a].pass) {
			const struct gb_accuracy *ac = &c->acc[a];
			enum gb_op op;
			enum gb_quant q = gb_op_parse(ac->op, &op) == 0 && gb_op_has_weights(op) ?
					  cl->quant : GB_Q_F32;
			char *why = gb_xasprintf("accuracy: %s %s vs %s = %g over budget %g",
						 ac->op, ac->metric, ac->reference, ac->value,
						 ac->budget);

			/* the accuracy cost of a quant level is reported; it gates when asked */
			if (gb_accuracy_gates(&r->cfg->accuracy_budget, ac->reference, ac->metric,
					      q, ac->value)) {
				gb_error("%s: %s", c->id, why);
				gb_cell_invalid(c, why);
				r->accuracy_cells += !counted;
				counted = 1;
				r->accuracy_failed = 1;
			} else {
				if (r->opts->verbose)
					gb_note("gbench: %s: accuracy cost of %s: %s %s vs f64 = %g, "
						"beyond the default budget %g (reported; "
						"--accuracy-budget gates it)", c->id, gb_quant_name(q),
						ac->op, ac->metric, ac->value, ac->budget);
				r->accuracy_cost_cells += !counted;
				counted = 1;
				json_t *ja = json_object_get(jc, "accuracy_cost_beyond_budget");

				if (!ja) {
					ja = json_array();
					json_object_set_new(jc, "accuracy_cost_beyond_budget", ja);
				}
				json_array_append_new(ja, json_string(why));
			}
			free(why);
		}
	if (c->skipped) {
		json_object_set_new(jc, "skipped", json_string(c->skipped));
		gb_run_cell_line(r, i);
	} else {
		json_t *reasons = json_array(), *bs = json_object();

		for (char **iv = c->invalid; iv && *iv; iv++)
			json_array_append_new(reasons, json_string(*iv));
		json_object_set_new(jc, "validity", json_string(c->invalid ? "INVALID" : "VALID"));
		json_object_set_new(jc, "invalid_reasons", reasons);
		for (uint32_t b = 1; b < c->nbatch_sizes; b++)
			if (c->batch_sizes[b]) {
				char key[16];

				snprintf(key, sizeof(key), "%u", b);
				json_object_set_new(bs, key, json_integer((json_int_t)c->batch_sizes[b]));
			}
		json_object_set_new(jc, "batch_sizes", bs);
		/* what the time plan (time_plan.cells) can be held against: this process's */
		json_object_set_new(jc, "spent_s", json_pack("{s:f, s:f}",
			"repetitions", (double)cl->spent_rep_ns * 1e-9,
			"finish", (double)cl->spent_acc_ns * 1e-9));
		r->invalid |= c->invalid != NULL;
		gb_run_cell_line(r, i);
	}
	for (size_t m = 0; m < c->nmetrics; m++)
		if (c->metrics[m].reason) {
			json_t *u = json_object_get(junavail, c->id);

			if (!u) {
				u = json_object();
				json_object_set_new(junavail, c->id, u);
			}
			json_object_set_new(u, c->metrics[m].name, json_string(c->metrics[m].reason));
		}
	json_object_set_new(jcells, c->id, jc);
}

/* The median of metric name in cell c, or NAN. */
static double median_of(const struct gb_cell_result *c, const char *name)
{
	struct gb_summary s;

	for (size_t j = 0; j < c->nmetrics; j++)
		if (!strcmp(c->metrics[j].name, name) && c->metrics[j].n) {
			gb_summarize(c->metrics[j].v, c->metrics[j].n, &s);
			return s.median;
		}
	return NAN;
}

void gb_run_cell_line(const struct gb_run *r, size_t i)
{
	const struct gb_cell_result *c = &r->res.cells[i];
	double thr = median_of(c, "throughput_rps"), p50 = median_of(c, "latency_p50_ns");

	if (!r->opts->verbose)
		return;
	if (c->skipped)
		fprintf(stderr, "[%zu/%zu] %-44s skipped: %s\n", i + 1, r->ncells, c->id, c->skipped);
	else if (isnan(thr))
		fprintf(stderr, "[%zu/%zu] %-44s not measured\n", i + 1, r->ncells, c->id);
	else if (isnan(p50))
		fprintf(stderr, "[%zu/%zu] %-44s %10.0f req/s\n", i + 1, r->ncells, c->id, thr);
	else
		fprintf(stderr, "[%zu/%zu] %-44s %10.0f req/s  p50 %9.1f us\n", i + 1, r->ncells,
			c->id, thr, p50 / 1e3);
}

struct ranked {
	double thr;
	size_t i;
};

static int by_thr_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->thr != y->thr)
		return x->thr > y->thr ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void rank_line(const struct gb_run *r, const char *label, const struct ranked *k)
{
	const struct gb_cell_result *c = &r->res.cells[k->i];
	double p50 = median_of(c, "latency_p50_ns");

	if (isnan(p50))
		fprintf(stderr, "  %-20s %-44s %12.0f req/s\n", label, c->id, k->thr);
	else
		fprintf(stderr, "  %-20s %-44s %12.0f req/s, p50 %.1f us\n", label, c->id, k->thr,
			p50 / 1e3);
}

/*
 * With a time budget: how many cells replayed a window of their trace
 * (whose figures compare and history hold apart), how many were short
 * of their minimum, and how many repetitions past it the run gave up to
 * its clock, from meta.json time_plan (a shared run's pooled plan).
 */
static void budget_line(const struct gb_run *r)
{
	json_t *tp = json_object_get(r->meta, "time_plan"), *c;
	const char *id;
	size_t windowed = 0;
	long long cut = 0;

	if (!(r->cfg->time_budget > 0) || !tp)
		return;
	json_object_foreach(json_object_get(tp, "cells"), id, c) {
		windowed += gb_compare_cell_window(r->meta, id) != 0;
		cut += json_integer_value(json_object_get(c, "cut"));
	}
	fprintf(stderr, "  time budget:         %g s", r->cfg->time_budget);
	if (gb_run_alone(r->opts))
		fprintf(stderr, " (this share's part %.1f s)", gb_run_budget_part(r));
	fprintf(stderr, ": %zu of %zu cells on a window of their trace, %lld short of their "
		"minimum of %u repetitions%s", windowed, r->ncells,
		(long long)json_integer_value(json_object_get(tp, "cells_short")),
		r->cfg->min_repetitions, gb_run_alone(r->opts) ? " over the shares" : "");
	if (cut > 0)
		fprintf(stderr, ", %lld repetition%s past it given up to end near the budget", cut,
			cut == 1 ? "" : "s");
	fprintf(stderr, " (meta.json time_plan)\n");
}

void gb_run_summary(const struct gb_run *r, const char *out_dir, const char *report,
		    const char *report_why)
{
	size_t measured = 0, skipped = 0, invalid = 0, nk = 0, top;
	const struct gb_cell_result *first_skip = NULL, *first_invalid = NULL;
	struct ranked *k = gb_xcalloc(r->ncells + 1, sizeof(*k));
	char e[32];
	int lost = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_cell_result *c = &r->res.cells[i];
		size_t n = gb_cell_reps(c);
		/* a shared run's parent holds every process's repetitions */
		uint32_t want = r->opts->spawn ? gb_per_exec_get(&r->cfg->repetitions,
								 r->ex[r->cells[i].exec].name) :
						 planned(r, i);

		if (c->skipped) {
			skipped++;
			first_skip = first_skip ? first_skip : c;
			continue;
		}
		measured += r->interrupted ? n && n >= want : n > 0;
		if (c->invalid && !r->interrupted) {
			invalid++;
			first_invalid = first_invalid ? first_invalid : c;
		}
		k[nk].thr = median_of(c, "throughput_rps");
		k[nk].i = i;
		nk += !isnan(k[nk].thr);
	}
	if (r->interrupted) {
		if (report)
			fprintf(stderr, "gbench run: report of the partial results in %s\n", report);
		fprintf(stderr, "gbench run: interrupted after %s (%zu of %zu cells measured); "
			"partial results in %s (complete: false)\n",
			fmt_s(gb_run_elapsed(r), e, sizeof(e)), measured, r->ncells, out_dir);
		free(k);
		return;
	}
	if (r->opts->quiet) {
		free(k);
		return;
	}
	for (size_t i = 0; i < r->nex; i++)
		lost |= r->ex[i].lost;
	/* as meta.json "complete" says (gb_run_write) */
	fprintf(stderr, "gbench run: %s in %s: %zu of %zu cells measured, %zu skipped, "
		"%zu invalid, %zu over an accuracy budget\n",
		r->aborted || lost || r->child_exit ? "incomplete (complete: false; see above)" :
		"done", fmt_s(gb_run_elapsed(r), e, sizeof(e)), measured, r->ncells, skipped, invalid,
		r->accuracy_cells);
	if (first_skip)
		fprintf(stderr, "  skipped:             %zu cells, e.g. %s: %s\n", skipped,
			first_skip->id, first_skip->skipped);
	if (first_invalid)
		fprintf(stderr, "  invalid:             %zu cells, e.g. %s: %s (meta.json "
			"cells.<id>.invalid_reasons)\n", invalid, first_invalid->id,
			first_invalid->invalid[0]);
	if (r->accuracy_cost_cells)
		fprintf(stderr, "  accuracy cost:       %zu cells beyond the budget of their quant "
			"level (reported, not gating; --verbose, or meta.json "
			"cells.<id>.accuracy_cost_beyond_budget)\n", r->accuracy_cost_cells);
	budget_line(r);
	qsort(k, nk, sizeof(*k), by_thr_desc);
	top = nk < 6 ? (nk + 1) / 2 : 3;
	for (size_t i = 0; i < top; i++)
		rank_line(r, i ? "" : "highest throughput:", &k[i]);
	for (size_t i = nk > top + 3 ? nk - 3 : top; i < nk; i++)
		rank_line(r, i == (nk > top + 3 ? nk - 3 : top) ? "lowest throughput:" : "", &k[i]);
	fprintf(stderr, "  results:             %s (results.csv, samples.csv, accuracy.csv, "
		"meta.json)\n", out_dir);
	if (report)
		fprintf(stderr, "  report:              %s\n", report);
	else
		fprintf(stderr, "  report:              none (%s)\n", report_why);
	if (gb_run_alone(r->opts))
		fprintf(stderr, "  next:                gbench merge --out POOLED with the %u shares' "
			"folders, this one among them (docs/slurm.md)\n", r->opts->nprocess);
	else
		fprintf(stderr, "  next:                gbench compare BASELINE %s  (keep this run "
			"as one: gbench baseline save %s)\n", out_dir, out_dir);
	free(k);
}
