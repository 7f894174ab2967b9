/*
 * maxqps.c - `run --find-max-qps --slo p99=T`: the highest offered load a
 * cell sustains within a p99 response-time objective.
 *
 * Each trial replays the workload open-loop once (after one warmup) at a
 * target rate that keeps the trace's burst shape. The search doubles or
 * halves the rate from the trace's own rate until it brackets the limit,
 * then bisects. A trial stops early once more than 1% of all its requests
 * have missed the objective: its p99 can no longer meet it.
 */
#include "maxqps.h"

#include <stdlib.h>
#include <string.h>

#include "gbench.h"

static int trial(struct gb_workload *w, struct gb_executor *ex, struct gb_executor *cpu,
		 const struct gb_cell_spec *base, double qps, double native, uint64_t slo_ns,
		 json_t *trials, int *pass)
{
	struct gb_cell_spec spec = *base;
	struct gb_results tmp = { 0 };
	struct gb_cell_result *r;
	struct gb_cell *c;
	uint64_t p99 = 0, n = 0;
	int rc;

	spec.speed = qps / native;
	spec.slo_ns = slo_ns;
	spec.skip_accuracy = 1;
	r = gb_results_add(&tmp, "trial", w->trace.name, ex->iface->name, "", spec.batch,
			   spec.quant, spec.cache);
	rc = gb_cell_open(&c, w, ex, cpu, &spec, r);
	if (!rc)
		rc = gb_cell_rep(c, 0);
	if (!rc)
		rc = gb_cell_rep(c, 1);
	gb_cell_close(c);
	if (!rc) {
		n = r->hist.total;
		p99 = gb_hist_percentile(&r->hist, 99.0);
		*pass = n == w->trace.n && p99 <= slo_ns;
		json_array_append_new(trials, json_pack("{s:f, s:I, s:I, s:b, s:b}",
			"qps", qps, "p99_response_ns", (json_int_t)p99,
			"requests", (json_int_t)n, "stopped_early", n < w->trace.n, "pass", *pass));
		gb_note("  find-max-qps: %.1f req/s offered: p99 %.3f ms over %llu requests%s -> %s",
			qps, (double)p99 / 1e6, (unsigned long long)n,
			n < w->trace.n ? " (stopped early)" : "", *pass ? "meets" : "misses");
	}
	gb_results_release(&tmp);
	return rc;
}

int gb_find_max_qps(struct gb_workload *w, struct gb_executor *ex, struct gb_executor *cpu,
		    const struct gb_cell_spec *spec, uint64_t slo_ns, double *best,
		    json_t *trials)
{
	const struct gb_trace *t = &w->trace;
	double native, lo = 0, hi = 0, q;
	int pass, rc, i;

	*best = 0;
	if (t->n < 2 || t->req[t->n - 1].arrival_ns == 0)
		return gb_error("--find-max-qps: workload '%s' has no arrival times to scale",
				t->name);
	native = (double)(t->n - 1) * 1e9 / (double)t->req[t->n - 1].arrival_ns;
	q = native;
	/*
	 * At most 64 times the trace's rate up or down: a trial at rate q lasts
	 * the trace's span times native / q, so halving without end would not end.
	 */
	for (i = 0; i < 7 && !(lo && hi); i++) {
		rc = trial(w, ex, cpu, spec, q, native, slo_ns, trials, &pass);
		if (rc)
			return rc;
		if (pass) {
			lo = q;
			q *= 2;
		} else {
			hi = q;
			q /= 2;
		}
	}
	for (i = 0; i < 6 && lo && hi; i++) {
		q = (lo + hi) / 2;
		rc = trial(w, ex, cpu, spec, q, native, slo_ns, trials, &pass);
		if (rc)
			return rc;
		if (pass)
			lo = q;
		else
			hi = q;
	}
	*best = lo;
	return 0;
}
