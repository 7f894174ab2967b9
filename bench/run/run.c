/*
 * run.c - the stages of `gbench run` (see run.h): config and flags in,
 * a results directory out. Each stage is a function of the run; cmd-run.c
 * calls them in a straight line.
 */
#include "run.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "../profilers/callgrind.h"
#include "inject.h"
#include "../profilers/counters.h"
#include "fsio.h"
#include "gbench.h"
#include "maxqps.h"
#include "plan/memplan.h"
#include "plan/pace.h"
#include "oracle.h"
#include "rng.h"
#include "sysinfo.h"

/* The outcome of a replay call on a cell (run.h). */
void gb_run_cell_status(struct gb_cell_result *r, struct gb_run_exec *e, int rc)
{
	if (rc == GB_REPLAY_OK || rc == GB_REPLAY_INTERRUPTED || r->skipped)
		return;
	if (rc == GB_REPLAY_DEVICE_LOST) {
		gb_error("%s: device lost during %s; its remaining cells are skipped",
			 e->name, r->id);
		snprintf(e->reason, sizeof(e->reason), "device lost during %s", r->id);
		e->ok = 0;
		e->lost = 1;
		r->skipped = gb_xstrdup(e->reason);
		return;
	}
	if (rc == GB_REPLAY_NO_MEMORY) {
		gb_warn("%s: skipped: its persistent operands do not fit in %s's memory", r->id,
			e->name);
		r->skipped = gb_xasprintf("out of device memory: the persistent operands do not "
					  "fit on %s", e->info.device);
		return;
	}
	gb_error("%s: the cell failed; it is skipped", r->id);
	r->skipped = gb_xstrdup("failed: executor error (see the run's stderr)");
}

struct slot {
	uint32_t cell;
	int measured;
};

/*
 * Give the measured slots s[first..k) their cells' primes, in place (the
 * array has room): back to front, each measured slot moves to its place
 * with its untimed slots before it. Returns the new end.
 */
static size_t expand_primes(struct slot *s, size_t first, size_t k,
			    const struct gb_run_cell *cells)
{
	size_t end = k;

	for (size_t i = first; i < k; i++)
		end += cells[s[i].cell].prime;
	for (size_t i = k, w = end; i-- > first;) {
		struct slot m = s[i];

		s[--w] = m;
		for (uint32_t p = 0; p < cells[m.cell].prime; p++)
			s[--w] = (struct slot){ m.cell, 0 };
	}
	return end;
}

/*
 * Deal each executor's slots s[b[e]..b[e+1]) out over `rounds` turns: round
 * r takes the r-th share of its measured slots, each with the untimed slots
 * before it (its primes; the warmups go with the first), and the executors
 * take their turns round by round. Untimed slots after an executor's last
 * measured one (warmups of an executor with no measured slot, as a process
 * with a share of none gets) go with its last round. Same count n.
 */
static struct slot *in_rounds(struct slot *s, size_t n, const size_t *b, size_t nexec,
			      uint32_t rounds)
{
	struct slot *out = gb_xmalloc((n + 1) * sizeof(*out));
	size_t k = 0;

	for (uint32_t r = 0; r < rounds; r++)
		for (size_t e = 0; e < nexec; e++) {
			size_t nm = 0, g = 0, from = b[e];

			for (size_t i = b[e]; i < b[e + 1]; i++)
				nm += s[i].measured;
			for (size_t i = b[e]; i < b[e + 1]; i++) {
				if (!s[i].measured)
					continue;
				if (g >= nm * r / rounds && g < nm * (r + 1) / rounds)
					for (size_t j = from; j <= i; j++)
						out[k++] = s[j];
				g++;
				from = i + 1;
			}
			for (size_t j = from; r + 1 == rounds && j < b[e + 1]; j++)
				out[k++] = s[j];
		}
	free(s);
	return out;
}

/*
 * The order of repetitions. Executors take turns, so one device's
 * background work (lavapipe's threads winding down, say) never lands in
 * another's measurements: one turn each, or `rounds` turns each so that
 * every executor's repetitions span the whole run and sample its slow drift
 * (here a call's time moved by 7% within 3 s of one process). Within an
 * executor: each cell's warmups first, then every measured repetition of
 * its cells, shuffled (Fisher-Yates) when interleaving, so that drift
 * spreads over all cells instead of biasing the last ones; each measured
 * repetition right after its cell's `prime` untimed ones, so that it finds
 * the caches as its own cell leaves them rather than as a random other cell
 * did.
 */
static struct slot *schedule(const struct gb_run_cell *cells, size_t ncells, size_t nexec,
			     uint32_t rounds, int interleave, uint64_t seed, size_t *n)
{
	size_t *b = gb_xcalloc(nexec + 1, sizeof(*b));
	uint64_t st = seed ^ 0x6a09e667f3bcc909ULL;
	struct slot *s;
	size_t k = 0;

	for (size_t c = 0; c < ncells; c++)
		k += cells[c].warmup + cells[c].reps * (1 + (size_t)cells[c].prime);
	s = gb_xmalloc((k + 1) * sizeof(*s));
	k = 0;

	for (size_t e = 0; e < nexec; e++) {
		size_t first;

		for (size_t c = 0; c < ncells; c++)
			for (uint32_t r = 0; r < cells[c].warmup && cells[c].exec == e; r++)
				s[k++] = (struct slot){ (uint32_t)c, 0 };
		first = k;
		for (size_t c = 0; c < ncells; c++)
			for (uint32_t r = 0; r < cells[c].reps && cells[c].exec == e; r++)
				s[k++] = (struct slot){ (uint32_t)c, 1 };
		for (size_t i = k; interleave && i > first + 1; i--) {
			size_t j = first + gb_splitmix64(&st) % (i - first);
			struct slot t = s[i - 1];

			s[i - 1] = s[j];
			s[j] = t;
		}
		k = expand_primes(s, first, k, cells);
		b[e + 1] = k;
	}
	if (rounds > 1)
		s = in_rounds(s, k, b, nexec, rounds);
	free(b);
	*n = k;
	return s;
}

static char *workload_path(const struct gb_config *cfg, const char *w)
{
	size_t len = strlen(w);

	if (strchr(w, '/') || (len > 4 && !strcmp(w + len - 4, ".csv")))
		return gb_xstrdup(w);
	if (cfg->trace_dir[0])
		return gb_xasprintf("%s/workloads/%s/%s.csv", gb_datadir(), cfg->trace_dir, w);
	return gb_xasprintf("%s/workloads/%s.csv", gb_datadir(), w);
}

static int cell_matches(const char *id, const char *pattern)
{
	if (!pattern)
		return 1;
	if (strpbrk(pattern, "*?["))
		return fnmatch(pattern, id, 0) == 0;
	return strstr(id, pattern) != NULL;
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *config_json(const struct gb_config *cfg)
{
	json_t *b = json_array(), *q = json_array(), *c = json_array(), *reps = json_object();
	json_t *prime = json_object(), *warmup = json_object();

	for (char **e = cfg->executors; e && *e; e++) {
		json_object_set_new(reps, *e, json_integer(gb_per_exec_get(&cfg->repetitions, *e)));
		json_object_set_new(prime, *e, json_integer(gb_per_exec_get(&cfg->prime, *e)));
		json_object_set_new(warmup, *e, json_integer(gb_per_exec_get(&cfg->warmup, *e)));
	}
	for (size_t i = 0; i < cfg->nbatch; i++)
		json_array_append_new(b, json_integer(cfg->batch[i]));
	for (size_t i = 0; i < cfg->nquant; i++)
		json_array_append_new(q, json_string(gb_quant_name(cfg->quant[i])));
	for (size_t i = 0; i < cfg->ncache; i++)
		json_array_append_new(c, json_integer(cfg->cache[i]));
	return json_pack("{s:s, s:s?, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:i, s:o, s:o, s:i, s:o, "
			 "s:i, s:i, s:i, s:i, s:s, s:s}",
			 "name", cfg->name, "path", cfg->path,
			 "workloads", strv_json(cfg->workloads), "trace_dir", cfg->trace_dir,
			 "executors", strv_json(cfg->executors), "batch", b, "quant", q,
			 "cache", c, "mode", gb_mode_name(cfg->mode),
			 "repetitions", (int)cfg->repetitions.dflt, "repetitions_by_executor", reps,
			 "prime_by_executor", prime,
			 "warmup", (int)cfg->warmup.dflt, "warmup_by_executor", warmup,
			 "rounds", (int)cfg->rounds,
			 "processes", (int)cfg->processes,
			 "threads", (int)cfg->threads,
			 "accuracy_samples", (int)cfg->accuracy_samples,
			 "counters", cfg->counters,
			 "placement", cfg->pin ? "pinned" : "shared");
}

static char *hex64(uint64_t h)
{
	return gb_xasprintf("%016llx", (unsigned long long)h);
}

/*
 * 128 random bits naming this run's measurements (meta.json run_id), so
 * that merge, baseline save, compare and history count them once
 * (gb_results_run_ids); from getrandom, else from the clock, the pid and
 * the host's name.
 */
static char *run_id(void)
{
	uint64_t b[2];

	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		char host[256] = "";

		if (gethostname(host, sizeof(host) - 1) < 0)
			host[0] = 0;
		b[0] = gb_now_ns();
		b[1] = gb_fnv1a(GB_FNV_INIT, host, strlen(host)) ^ (uint64_t)getpid();
	}
	return gb_xasprintf("%016llx%016llx", (unsigned long long)b[0], (unsigned long long)b[1]);
}

int gb_run_init(struct gb_run *r, const struct gb_config *cfg, const struct gb_run_opts *o)
{
	struct gb_sysinfo si;
	json_t *jcounters = json_object();
	char started[32], *cfg_hash;
	size_t len = 0;
	char *text = cfg->path ? gb_read_file(cfg->path, &len) : NULL;

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->opts = o;
	gb_progress_init(r);
	r->res.raw_hists = o->nprocess > 1 && !o->spawn;   /* for the parent to merge */
	/* a bad --counters list is a usage error, before anything runs */
	if (gb_counters_open(&r->counters, cfg->counters, jcounters) < 0) {
		json_decref(jcounters);
		free(text);
		return GB_EXIT_USAGE;
	}
	gb_sysinfo_read(&si);
	gb_utc_now(started, sizeof(started));
	cfg_hash = hex64(gb_fnv1a(GB_FNV_INIT, text ? text : "", len));
	free(text);
	r->meta = json_pack("{s:i, s:s, s:o, s:o, s:o, s:s, s:I, s:s, s:o}",
		"schema", 1, "tool", "gbench",
		"host", gb_sysinfo_json(&si), "build", gb_buildinfo_json(),
		"config", config_json(cfg), "config_hash", cfg_hash,
		"seed", (json_int_t)cfg->seed, "start", started, "counters", jcounters);
	free(cfg_hash);
	{
		char *id = run_id();

		json_object_set_new(r->meta, "run_id", json_string(id));
		free(id);
	}
	/* a share on its own or in a shared run: which, for gbench merge */
	if (o->nprocess > 1 && !o->spawn)
		json_object_set_new(r->meta, "share", json_pack("{s:i, s:[i], s:s}",
			"count", (int)o->nprocess, "indexes", (int)o->process,
			"note", "share I (0-based) of N of every cell's repetitions "
			"(--process I/N); gbench merge pools the N shares"));
	/* an injected slowdown (inject.h) is part of what was measured: said */
	if (gb_inject_spec())
		json_object_set_new(r->meta, "inject", json_string(gb_inject_spec()));
	{
		json_t *jc = json_object_get(r->meta, "config");
		char *ab = gb_acc_budget_describe(&cfg->accuracy_budget);

		json_object_set_new(jc, "time_budget_s", cfg->time_budget > 0 ?
				    json_real(cfg->time_budget) : json_null());
		json_object_set_new(jc, "min_repetitions", json_integer(cfg->min_repetitions));
		json_object_set_new(jc, "accuracy_budget", json_string(ab));
		free(ab);
	}
	/* every cell's accuracy-cost rows against this run's budgets (oracle.h) */
	gb_acc_budget_use(&cfg->accuracy_budget);
	json_object_set_new(r->meta, "histogram", json_pack("{s:s, s:i, s:I, s:I}",
		"layout", "log-linear, HdrHistogram semantics", "significant_digits", 3,
		"max_ns", (json_int_t)GB_HIST_MAX, "bytes", (json_int_t)gb_hist_bytes()));
	return 0;
}

const char *gb_run_started(const struct gb_run *r)
{
	return json_string_value(json_object_get(r->meta, "start"));
}

int gb_run_load(struct gb_run *r)
{
	const struct gb_config *cfg = r->cfg;
	json_t *jtraces = json_array();
	int rc = 0;

	r->nwl = gb_strv_len(cfg->workloads);
	r->wl = gb_xcalloc(r->nwl, sizeof(*r->wl));
	r->speeds = gb_xcalloc(r->nwl, sizeof(*r->speeds));
	/* every trace checked before anything runs or is written */
	for (size_t i = 0; i < r->nwl; i++) {
		char *path = workload_path(cfg, cfg->workloads[i]);

		if (!gb_file_exists(path)) {
			gb_error("no workload '%s' (no file '%s')", cfg->workloads[i], path);
			rc = GB_EXIT_USAGE;
		} else if (gb_workload_load(&r->wl[i], path, cfg->seed) < 0) {
			rc = GB_EXIT_USAGE;
		}
		free(path);
	}
	for (size_t i = 0; i < r->nwl && !rc; i++) {
		const struct gb_trace *t = &r->wl[i].trace;
		uint64_t span = t->req[t->n - 1].arrival_ns;
		char *h = hex64(t->hash);

		json_array_append_new(jtraces, json_pack("{s:s, s:s, s:s, s:I, s:i}",
			"name", t->name, "path", t->path, "hash", h,
			"requests", (json_int_t)t->n, "streams", (int)r->wl[i].nstreams));
		free(h);
		/* open mode: --target-qps keeps the burst shape and scales the mean rate */
		r->speeds[i] = cfg->speed;
		if (cfg->target_qps > 0 && cfg->mode == GB_MODE_OPEN) {
			if (!span || t->n < 2) {
				gb_error("--target-qps: workload '%s' has no arrival times to rescale",
					 t->name);
				rc = GB_EXIT_USAGE;
				break;
			}
			r->speeds[i] = cfg->target_qps / ((double)(t->n - 1) * 1e9 / (double)span);
		}
	}
	json_object_set_new(r->meta, "traces", jtraces);
	return rc;
}

int gb_run_executors(struct gb_run *r)
{
	const struct gb_config *cfg = r->cfg;
	struct gb_exec_opts eo = {
		.threads = (int)cfg->threads,
		.device = r->opts->device,
		.validate = r->opts->validate,
		.pin = cfg->pin,
	};
	json_t *jexec = json_object();
	int rc = 0;

	r->nex = gb_strv_len(cfg->executors);
	r->ex = gb_xcalloc(r->nex + 1, sizeof(*r->ex));
	r->cpu = r->nex;
	for (size_t i = 0; i < r->nex; i++)
		if (!strcmp(cfg->executors[i], "cpu"))
			r->cpu = i;
	/* the CPU executor always, as the reference and the fallback */
	for (size_t i = 0; i <= r->nex; i++) {
		struct gb_run_exec *e = &r->ex[i];

		if (i == r->nex && r->cpu != r->nex)
			break;
		e->name = i < r->nex ? cfg->executors[i] : "cpu";
		if (gb_executor_init(&e->ex, gb_executor_find(e->name), &eo, e->reason,
				     sizeof(e->reason)) == 0) {
			e->ok = e->inited = 1;
			e->ex.iface->info(&e->ex, &e->info);
			json_object_set_new(jexec, e->name, json_pack("{s:b, s:s, s:s, s:s, s:s, s:s*, s:s*}",
				"available", 1, "device", e->info.device, "type", e->info.type,
				"driver", e->info.driver, "api", e->info.api, "placement",
				*e->info.placement ? e->info.placement : NULL, "kernels",
				*e->info.kernels ? e->info.kernels : NULL));
			if (*e->info.placement)
				gb_note("%s: %s", e->name, e->info.placement);
			if (*e->info.kernels)
				gb_note("%s: %s", e->name, e->info.kernels);
		} else {
			if (i < r->nex)
				gb_warn("%s cells skipped: %s", e->name, e->reason);
			json_object_set_new(jexec, e->name, json_pack("{s:b, s:s}",
				"available", 0, "reason", e->reason));
		}
		if (r->opts->require && !strcmp(e->name, r->opts->require) && !e->ok) {
			gb_error("--require %s: %s", r->opts->require, e->reason);
			rc = GB_EXIT_ENV;
		}
	}
	json_object_set_new(r->meta, "executors", jexec);
	if (!r->ex[r->cpu].ok) {
		gb_error("the cpu executor failed: %s", r->ex[r->cpu].reason);
		rc = GB_EXIT_ENV;
	}
	return rc;
}

int gb_run_checks_accuracy(const struct gb_run *r)
{
	return r->opts->process == 0 && !gb_callgrind_child();
}

/* Share p of n of count repetitions: the shares differ by at most one and add up to count. */
static uint32_t share(uint32_t count, uint32_t p, uint32_t n)
{
	return (uint32_t)((uint64_t)count * (p + 1) / n - (uint64_t)count * p / n);
}

int gb_run_plan(struct gb_run *r)
{
	const struct gb_config *cfg = r->cfg;
	const char *filter = r->opts->filter;
	uint32_t np = r->opts->nprocess ? r->opts->nprocess : 1;

	for (size_t w = 0; w < r->nwl; w++)
		for (size_t e = 0; e < r->nex; e++)
			for (size_t b = 0; b < cfg->nbatch; b++)
				for (size_t q = 0; q < cfg->nquant; q++)
					for (size_t c = 0; c < cfg->ncache; c++) {
						struct gb_run_cell cl = {
							.workload = w, .exec = e, .batch = cfg->batch[b],
							.cache = cfg->cache[c], .quant = cfg->quant[q],
							.reps = share(gb_per_exec_get(
								&cfg->repetitions, r->ex[e].name),
								r->opts->process, np),
							.prime = gb_per_exec_get(&cfg->prime,
										 r->ex[e].name),
							.warmup = gb_per_exec_get(&cfg->warmup,
										  r->ex[e].name),
						};

						/*
						 * The accuracy check runs on a cell's first
						 * executor calls (oracle in float64, outside the
						 * timed region, but its caches and allocations
						 * stay): a process that checks accuracy runs
						 * every cell once untimed first, whatever the
						 * warmup (a vulkan c256 p50 read 9.9 us on that
						 * repetition against 5 us).
						 */
						if (!cl.warmup && cfg->accuracy_samples &&
						    gb_run_checks_accuracy(r))
							cl.warmup = 1;
						cl.id = gb_cell_id(r->wl[w].trace.name, r->ex[e].name,
								   cl.batch, cl.quant, cl.cache);
						if (!cell_matches(cl.id, filter)) {
							free(cl.id);
							continue;
						}
						r->cells = gb_xrealloc(r->cells,
							(r->ncells + 1) * sizeof(*r->cells));
						r->cells[r->ncells++] = cl;
					}
	if (!r->ncells) {
		gb_error("no cell matches%s%s", filter ? " --filter " : "", filter ? filter : "");
		return GB_EXIT_USAGE;
	}
	/* results in cell order; the pointers stay valid from here on */
	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];
		const struct gb_run_exec *e = &r->ex[cl->exec];

		gb_results_add(&r->res, cl->id, r->wl[cl->workload].trace.name, e->name,
			       e->ok ? e->info.device : "", cl->batch, cl->quant, cl->cache);
	}
	return 0;
}

int gb_run_memplan(struct gb_run *r, int dry)
{
	const struct gb_config *cfg = r->cfg;
	struct gb_memplan_cell *cells = gb_xcalloc(r->ncells + 1, sizeof(*cells));
	struct gb_memplan_input in = {
		.wl = r->wl, .nwl = r->nwl, .cells = cells, .ncells = r->ncells,
		.accuracy_samples = gb_run_checks_accuracy(r) ? cfg->accuracy_samples : 0,
		.open_mode = cfg->mode != GB_MODE_CLOSED,
		.processes = r->opts->spawn ? r->opts->nprocess : 1,
	};
	int rc;

	for (size_t i = 0; i < r->ncells; i++) {
		const struct gb_run_cell *cl = &r->cells[i];
		const struct gb_run_exec *e = &r->ex[cl->exec];
		int vk = e->ok && strcmp(e->name, "cpu");

		/* a cell of a shared run ends up holding every process's repetitions */
		cells[i] = (struct gb_memplan_cell){
			.workload = cl->workload, .batch = cl->batch, .cache = cl->cache,
			.quant = cl->quant, .vulkan = vk,
			.reps = gb_per_exec_get(&cfg->repetitions, e->name),
		};
		/* a CPU device (lavapipe) keeps its "device" memory in host memory */
		in.vulkan_host |= vk && !strcmp(e->info.type, "cpu");
	}
	r->memplan = gb_xcalloc(1, sizeof(*r->memplan));
	gb_memplan_compute(r->memplan, &in);
	free(cells);
	if (r->opts->max_memory) {
		r->mem_limit = r->opts->max_memory;
		snprintf(r->mem_limit_why, sizeof(r->mem_limit_why), "--max-memory");
	} else if (cfg->max_memory) {
		r->mem_limit = cfg->max_memory;
		snprintf(r->mem_limit_why, sizeof(r->mem_limit_why), "max_memory in %s",
			 cfg->path ? cfg->path : "the config");
	} else {
		r->mem_limit = gb_memplan_default_limit(r->mem_limit_why, sizeof(r->mem_limit_why));
	}
	json_object_set_new(r->meta, "memory_plan",
			    gb_memplan_json(r->memplan, r->mem_limit, r->mem_limit_why));
	/* a dry run shows the plan it refuses (one that fits: at the end of gb_run_dry) */
	if (dry && (r->memplan->refusal || r->memplan->host == GB_MEMPLAN_TOO_LARGE ||
		    (r->mem_limit && r->memplan->host > r->mem_limit))) {
		gb_memplan_print(r->memplan, r->mem_limit, r->mem_limit_why, stdout);
		fflush(stdout);
	}
	rc = gb_memplan_check(r->memplan, r->mem_limit, r->mem_limit_why);
	return rc ? GB_EXIT_USAGE : 0;
}

static struct gb_cell_spec cell_spec(const struct gb_run *r, const struct gb_run_cell *cl)
{
	const struct gb_config *cfg = r->cfg;

	return (struct gb_cell_spec){
		.batch = cl->batch, .cache = cl->cache, .quant = cl->quant,
		.repetitions = cl->reps, .warmup = cl->warmup, .window = cl->window,
		.accuracy_samples = cfg->accuracy_samples, .mode = cfg->mode,
		.speed = r->speeds[cl->workload],
		.max_queue_delay_ns = cfg->max_queue_delay_us * 1000,
		.min_duration_ns = cfg->min_duration_ms * 1000000,
		.min_requests = cfg->min_requests,
		.counters = r->counters,
		.skip_accuracy = !gb_run_checks_accuracy(r),
	};
}

static void find_max_qps(struct gb_run *r)
{
	json_t *jmax = json_object();
	uint64_t slo = r->opts->slo_ns;

	for (size_t i = 0; i < r->ncells && !gb_interrupted; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		struct gb_cell_spec spec = cell_spec(r, cl);
		json_t *trials;
		double best = 0;

		if (!r->ex[cl->exec].ok)
			continue;
		spec.counters = NULL;
		spec.window = 0;      /* a search serves the whole trace */
		trials = json_array();
		gb_note("gbench: %s: searching the highest load with p99 <= %.3f ms", cl->id,
			(double)slo / 1e6);
		int at_least = 1;   /* no trial missed: the limit lies beyond the search */
		size_t t;
		json_t *tr;

		if (gb_find_max_qps(&r->wl[cl->workload], &r->ex[cl->exec].ex, &r->ex[r->cpu].ex,
				    &spec, slo, &best, trials) == 0) {
			json_array_foreach(trials, t, tr)
				at_least &= json_is_true(json_object_get(tr, "pass"));
			gb_metric_push(gb_cell_metric(&r->res.cells[i], "max_qps", "req/s",
						      GB_SRC_MEASURED), best);
			gb_note("gbench: %s: %s %.1f req/s within p99 <= %.3f ms%s", cl->id,
				at_least ? "at least" : "max", best, (double)slo / 1e6,
				at_least ? " (every trial met it: the search stops at 64 times the "
					   "trace's rate)" : "");
		}
		json_object_set_new(jmax, cl->id, json_pack("{s:I, s:f, s:b, s:o}",
			"slo_p99_ns", (json_int_t)slo, "max_qps", best, "at_least", at_least,
			"trials", trials));
	}
	json_object_set_new(r->meta, "find_max_qps", jmax);
}

/* The plan's seconds for one of cell cl's slots, untimed or measured (0: no plan). */
static double slot_cost(const struct gb_run_cell *cl)
{
	double n = (double)cl->warmup + (double)cl->reps * (1.0 + cl->prime);

	return cl->plan_reps_s > 0 && n > 0 ? cl->plan_reps_s / n : 0;
}

/*
 * The pace of a budgeted run (plan/pace.h): whether slot sl runs. A
 * measured repetition past its cell's minimum, with the primes before it,
 * is given up when running it would take the run past its plan's end; a
 * given-up one leaves its cell one repetition fewer (cl->reps, cl->cut).
 * taken[] counts each cell's measured repetitions run, drop[] a prime given
 * up, whose measured repetition goes with it.
 */
static int paced(struct gb_run *r, struct gb_pace *pace, const struct slot *sl, int warm,
		 const double *cost, uint32_t *taken, uint8_t *drop)
{
	struct gb_run_cell *cl = &r->cells[sl->cell];
	int optional = !warm && cl->min_reps && taken[sl->cell] >= cl->min_reps, go;

	if (drop[sl->cell]) {
		gb_pace_pass(pace, cost[sl->cell]);
		go = 0;
	} else {
		go = gb_pace_take(pace, gb_now_ns(), cost[sl->cell], optional);
	}
	if (go) {
		taken[sl->cell] += sl->measured;
		return 1;
	}
	drop[sl->cell] = !sl->measured;
	if (sl->measured) {
		cl->reps--;
		cl->cut++;
	}
	return 0;
}

/*
 * A budgeted run's repetitions given up to the clock: time_plan cells.<id>
 * "repetitions" becomes what the cell took and "cut" says how many fewer
 * than planned; one line when there were any.
 */
static void record_cuts(struct gb_run *r)
{
	json_t *plan = json_object_get(json_object_get(r->meta, "time_plan"), "cells"), *jc;
	size_t reps = 0, cells = 0;

	for (size_t i = 0; i < r->ncells; i++) {
		if ((jc = json_object_get(plan, r->cells[i].id))) {
			json_object_set_new(jc, "repetitions", json_integer(r->cells[i].reps));
			json_object_set_new(jc, "cut", json_integer(r->cells[i].cut));
		}
		reps += r->cells[i].cut;
		cells += r->cells[i].cut > 0;
	}
	if (reps)
		gb_note("gbench run: behind its time plan (the calibration was low): %zu measured "
			"repetition%s past the cells' minimum given up in %zu cell%s, to end near "
			"the budget (meta.json time_plan cells.<id>.cut)", reps, reps == 1 ? "" : "s",
			cells, cells == 1 ? "" : "s");
}

/* Executors take turns (schedule): tell the one whose turn begins or ends. */
static void exec_turn(struct gb_run *r, size_t exec, int begin)
{
	if (r->ex[exec].ok)
		gb_executor_turn(&r->ex[exec].ex, begin);
}

int gb_run_execute(struct gb_run *r, const char *out_dir)
{
	const struct gb_config *cfg = r->cfg;
	json_t *jcells = json_object(), *junavail = json_object();
	struct slot *sched;
	size_t nsched, turn = SIZE_MAX;   /* the executor whose turn it is */
	uint32_t *untimed;               /* per cell: its untimed repetitions begun */
	uint32_t *taken;                 /* per cell: its measured repetitions begun */
	uint8_t *drop;                   /* per cell: a prime given up (paced) */
	double *cost, planned = 0;       /* per cell: the plan's seconds a slot */
	struct gb_pace pace;
	char *reps_text = gb_run_reps_line(cfg), procs[64] = "";

	if (r->opts->spawn)
		snprintf(procs, sizeof(procs), " in each of %u processes", r->opts->nprocess);
	if (cfg->time_budget > 0 && r->calibrated) {
		char *b = gb_xasprintf("%s (the most; a time budget of %.0f s shares them: meta.json "
				       "time_plan)", reps_text, cfg->time_budget);

		free(reps_text);
		reps_text = b;
	}
	gb_note("gbench: %zu cells, %s, %s order in %u round%s%s, results to %s",
		r->ncells, reps_text,
		r->opts->interleave ? "interleaved" : "cell-by-cell", cfg->rounds,
		cfg->rounds == 1 ? "" : "s",
		procs, out_dir);
	free(reps_text);
	/* opening a cell generates its workload's data (past the memory plan) */
	for (size_t i = 0; i < r->ncells; i++) {
		struct gb_run_cell *cl = &r->cells[i];
		struct gb_cell_spec spec = cell_spec(r, cl);

		if (r->ex[cl->exec].ok)
			gb_run_cell_status(&r->res.cells[i], &r->ex[cl->exec],
				    gb_cell_open(&cl->cell, &r->wl[cl->workload], &r->ex[cl->exec].ex,
						 &r->ex[r->cpu].ex, &spec, &r->res.cells[i]));
	}
	if (r->opts->find_max_qps && r->opts->process == 0)
		find_max_qps(r);
	/* per executor: warmups, then every measured repetition in one seeded order */
	sched = schedule(r->cells, r->ncells, r->nex, cfg->rounds, r->opts->interleave,
			 cfg->seed ^ (r->opts->process * 0x9e3779b97f4a7c15ULL), &nsched);
	untimed = gb_xcalloc(r->ncells + 1, sizeof(*untimed));
	taken = gb_xcalloc(r->ncells + 1, sizeof(*taken));
	drop = gb_xcalloc(r->ncells + 1, sizeof(*drop));
	cost = gb_xcalloc(r->ncells + 1, sizeof(*cost));
	for (size_t i = 0; i < r->ncells; i++) {
		cost[i] = slot_cost(&r->cells[i]);
		planned += r->cells[i].plan_reps_s;
	}
	gb_pace_init(&pace, r->reps_end_ns, planned);
	gb_progress_begin(r);
	for (size_t s = 0; s < nsched && !gb_interrupted; s++) {
		struct gb_run_cell *cl = &r->cells[sched[s].cell];
		struct gb_cell_result *c = &r->res.cells[sched[s].cell];
		int runs = cl->cell && r->ex[cl->exec].ok && !c->skipped;
		/* a cell's first untimed repetitions are its warm-ups, the others its primes */
		int warm = !sched[s].measured && untimed[sched[s].cell]++ < cl->warmup;

		if (!runs) {
			gb_pace_pass(&pace, cost[sched[s].cell]);
		} else if (!paced(r, &pace, &sched[s], warm, cost, taken, drop)) {
			gb_progress_cut(r, sched[s].cell, sched[s].measured);
			continue;
		}
		gb_progress_slot(r, sched[s].cell, sched[s].measured, warm);

		if (cl->exec != turn) {
			if (turn != SIZE_MAX)
				exec_turn(r, turn, 0);
			exec_turn(r, turn = cl->exec, 1);
			r->turns++;
			/*
			 * A turn's first call finds the executor cold (its threads
			 * asleep, its caches and buffers another executor's, or, in
			 * a fresh process, nothing touched yet): one untimed
			 * repetition of the turn's first cell takes that, unless
			 * the turn opens with an untimed one already.
			 */
			if (runs && sched[s].measured) {
				uint64_t t0 = gb_now_ns();

				gb_run_cell_status(c, &r->ex[cl->exec], gb_cell_rep(cl->cell, 0));
				cl->spent_rep_ns += gb_now_ns() - t0;
				r->turn_warmups++;
			}
		}
		if (runs) {
			uint64_t t0 = gb_now_ns();

			gb_run_cell_status(c, &r->ex[cl->exec], gb_cell_rep(cl->cell, sched[s].measured));
			cl->spent_rep_ns += gb_now_ns() - t0;
		}
	}
	gb_progress_end(r);
	if (turn != SIZE_MAX)
		exec_turn(r, turn, 0);
	free(sched);
	free(untimed);
	free(taken);
	free(drop);
	free(cost);
	record_cuts(r);
	if (r->opts->spawn && !gb_interrupted)
		gb_run_processes(r);
	r->interrupted = gb_interrupted != 0;
	for (size_t i = 0; i < r->ncells; i++) {
		gb_run_judge_cell(r, i, jcells, junavail);
		gb_cell_close(r->cells[i].cell);
		r->cells[i].cell = NULL;
	}
	for (size_t i = 0; i < r->nex; i++)
		if (r->ex[i].ok)
			r->validation += gb_executor_validation_messages(&r->ex[i].ex);
	json_object_set_new(r->meta, "cells", jcells);
	json_object_set_new(r->meta, "turns", json_pack("{s:I, s:I, s:s}",
		"count", (json_int_t)r->turns, "warmups", (json_int_t)r->turn_warmups,
		"note", "executor turns taken in all processes; a turn that opens with a measured "
			"repetition runs one untimed repetition of that cell first"));
	json_object_set_new(r->meta, "unavailable", junavail);
	return 0;
}

void gb_run_release(struct gb_run *r)
{
	gb_progress_release(r);
	json_decref(r->meta);
	gb_results_release(&r->res);
	for (size_t i = 0; i < r->ncells; i++) {
		gb_cell_close(r->cells[i].cell);
		free(r->cells[i].id);
	}
	free(r->cells);
	for (size_t i = 0; i < r->nwl; i++)
		gb_workload_unload(&r->wl[i]);
	gb_replay_scratch_release();
	for (size_t i = 0; r->ex && i <= r->nex; i++)
		if (r->ex[i].inited)
			gb_executor_release(&r->ex[i].ex);
	free(r->ex);
	for (size_t i = 0; i < r->nwl; i++)
		gb_workload_release(&r->wl[i]);
	free(r->wl);
	free(r->speeds);
	gb_counters_close(r->counters);
	if (r->memplan)
		gb_memplan_release(r->memplan);
	free(r->memplan);
	memset(r, 0, sizeof(*r));
}
