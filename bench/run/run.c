/*
 * run.c - the stages of `gbench run` (see run.h): config and flags in,
 * a results directory out. Each stage is a function of the run; cmd-run.c
 * calls them in a straight line.
 */
#include "run.h"

#include <fnmatch.h>
#include <math.h>
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
#include "plan/memplan.h"
#include "oracle.h"
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
							.rep_row_flops = NAN,   /* no fit */
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
	for (size_t i = 0; r->cum_flops && i < r->nwl; i++)
		free(r->cum_flops[i]);
	free(r->cum_flops);
	gb_counters_close(r->counters);
	if (r->memplan)
		gb_memplan_release(r->memplan);
	free(r->memplan);
	memset(r, 0, sizeof(*r));
}
