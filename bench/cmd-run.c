/*
 * cmd-run.c - `gbench run`: config -> traces -> executors -> replay of every
 * cell -> results directory. A straight line of stage calls; the stages
 * live in config.c, trace.c, replay.c, exec-*.c and results.c.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "config.h"
#include "executor.h"
#include "fsio.h"
#include "../profilers/counters.h"
#include "gbench.h"
#include "maxqps.h"
#include "mrc.h"
#include "replay.h"
#include "results.h"
#include "stats.h"
#include "sysinfo.h"

static const char usage_text[] =
	"usage: gbench run [--config NAME|FILE] [--workload W,...] [--executor cpu,vulkan]\n"
	"                  [--batch 1,8,32] [--quant f32,f16,q8,q4] [--cache 0,4096]\n"
	"                  [--mode closed|open|offline] [--speed X] [--target-qps Q]\n"
	"                  [--max-queue-delay-us U] [--find-max-qps --slo p99=5ms]\n"
	"                  [--counters auto|none|LIST] [--repetitions N]\n"
	"                  [--warmup N] [--seed S] [--threads N] [--out DIR] [--dry-run]\n"
	"                  [--filter PATTERN] [--strict] [--require vulkan] [--validate]\n"
	"                  [--device N|NAME] [--interleave random|none] [--quiet]\n"
	"\n"
	"Replay each workload through every cell of the matrix (workload x executor x\n"
	"batch x quant x cache) and write a results directory (default\n"
	"results/<config>-<time>). Flags override the config (default: 'default').\n"
	"--filter keeps cells whose id matches PATTERN (a glob, or a substring when it\n"
	"has no wildcard). --dry-run lists the cells and an estimated time.\n"
	"--strict makes any INVALID cell a failure (exit 5). Measured repetitions of\n"
	"all cells run in a seeded random order (--interleave random, the default)\n"
	"after every cell's warmup, so drift spreads over all cells.\n"
	"--mode open issues requests at their trace arrival times / --speed (or\n"
	"rescaled to --target-qps) and reports response, service and queue times;\n"
	"offline issues everything at once and reports throughput.\n"
	"--find-max-qps searches the highest offered load meeting --slo.\n"
	"\n"
	"exit: 0 ok, 2 usage or input error (nothing written), 4 a --require'd\n"
	"executor is unavailable, 5 accuracy over budget or a validation message,\n"
	"130 interrupted (results so far written, complete: false)\n";

struct run_opts {
	const char *config, *workloads, *executors, *batch, *quant, *cache, *mode;
	const char *counters, *out, *filter, *require, *device;
	long repetitions, warmup, threads;
	const char *seed, *speed, *target_qps, *max_queue_delay_us, *slo;
	uint64_t slo_ns;
	int dry_run, strict, validate, interleave, find_max_qps;
};

/* One executor of the run, initialized once. */
struct run_exec {
	const char *name;
	struct gb_executor ex;
	struct gb_exec_info info;
	int ok;                 /* usable: initialized and not lost */
	int inited;             /* initialized: release at the end */
	char reason[512];
};

struct run_cell {
	char *id;
	size_t workload, exec;
	uint32_t batch, cache;
	enum gb_quant quant;
	struct gb_cell *cell;   /* open while the run goes on */
};

/*
 * Record the outcome of a replay call on a cell: device lost disables the
 * executor for the rest of the run; any other failure skips the cell.
 */
static void cell_status(struct gb_cell_result *r, struct run_exec *e, int rc)
{
	if (rc == GB_REPLAY_OK || rc == GB_REPLAY_INTERRUPTED || r->skipped)
		return;
	if (rc == GB_REPLAY_DEVICE_LOST) {
		gb_error("%s: device lost during %s; its remaining cells are skipped",
			 e->name, r->id);
		snprintf(e->reason, sizeof(e->reason), "device lost during %s", r->id);
		e->ok = 0;
		r->skipped = gb_xstrdup(e->reason);
		return;
	}
	gb_error("%s: the cell failed; it is skipped", r->id);
	r->skipped = gb_xstrdup("failed: executor error (see the run's stderr)");
}

struct slot {
	uint32_t cell;
	int measured;
};

/* splitmix64: the schedule's only source of randomness, seeded by the run's seed. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * The order of repetitions: each cell's warmups first (in cell order), then
 * every measured repetition of every cell, shuffled (Fisher-Yates) when
 * interleaving so that drift spreads over all cells instead of biasing one.
 */
static struct slot *schedule(const struct run_cell *cells, size_t ncells, uint32_t warmup,
			     uint32_t reps, int interleave, uint64_t seed, size_t *n)
{
	struct slot *s = gb_xmalloc((ncells * (warmup + reps) + 1) * sizeof(*s));
	size_t k = 0, first;
	uint64_t st = seed ^ 0x6a09e667f3bcc909ULL;

	for (size_t c = 0; c < ncells; c++)
		for (uint32_t r = 0; r < warmup; r++)
			s[k++] = (struct slot){ (uint32_t)c, 0 };
	first = k;
	for (size_t c = 0; c < ncells; c++)
		for (uint32_t r = 0; r < reps; r++)
			s[k++] = (struct slot){ (uint32_t)c, 1 };
	(void)cells;
	if (interleave)
		for (size_t i = k - 1; i > first; i--) {
			size_t j = first + mix(&st) % (i - first + 1);
			struct slot t = s[i];

			s[i] = s[j];
			s[j] = t;
		}
	*n = k;
	return s;
}

/* The keyed requests of a workload in the order a batch-1 closed replay serves them. */
static int by_service_order(const void *a, const void *b, void *arg)
{
	const struct gb_request *req = arg;
	const struct gb_request *x = &req[*(const uint32_t *)a], *y = &req[*(const uint32_t *)b];

	if (x->arrival_ns != y->arrival_ns)
		return x->arrival_ns < y->arrival_ns ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream < y->stream ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/*
 * mrc.csv: each workload's LRU miss-ratio curve in one pass (Mattson), and
 * in meta.json its prediction beside the hit rate each batch-1 closed cell
 * measured (they must agree exactly: same accesses, same policy).
 */
static int write_mrc(const char *dir, struct gb_workload *wl, size_t nwl,
		     const struct gb_config *cfg, const struct gb_results *res, json_t *meta)
{
	struct gb_atomic a;
	json_t *check = json_object();
	char *path;
	int rc = 0, any = 0;

	for (size_t i = 0; i < cfg->ncache; i++)
		any |= cfg->cache[i] > 0;
	if (!any) {
		json_decref(check);
		return 0;
	}
	if (gb_mkdir_p(dir) < 0) {
		json_decref(check);
		return -1;
	}
	path = gb_xasprintf("%s/mrc.csv", dir);
	if (gb_atomic_open(&a, path) < 0) {
		free(path);
		json_decref(check);
		return -1;
	}
	fputs("workload,capacity,hit_rate\n", a.f);
	for (size_t w = 0; w < nwl && !rc; w++) {
		const struct gb_trace *t = &wl[w].trace;
		uint32_t *order = gb_xmalloc(t->n * sizeof(*order)), *ids;
		size_t n = 0;
		struct gb_mrc m;

		for (uint32_t i = 0; i < t->n; i++)
			order[i] = i;
		qsort_r(order, t->n, sizeof(*order), by_service_order, t->req);
		ids = gb_xmalloc((t->n + 1) * sizeof(*ids));
		for (size_t i = 0; i < t->n; i++)
			if (wl[w].cache_id[order[i]] != UINT32_MAX)
				ids[n++] = wl[w].cache_id[order[i]];
		free(order);
		rc = gb_mrc_compute(&m, ids, n, wl[w].ncache_ids);
		free(ids);
		if (rc)
			break;
		rc = gb_mrc_write_rows(a.f, t->name, &m, cfg->cache, cfg->ncache);
		for (size_t c = 0; c < res->n && !rc; c++) {
			const struct gb_cell_result *r = &res->cells[c];

			if (strcmp(r->workload, t->name) || r->batch != 1 || !r->cache ||
			    cfg->mode != GB_MODE_CLOSED || r->skipped)
				continue;
			for (size_t k = 0; k < r->nmetrics; k++)
				if (!strcmp(r->metrics[k].name, "cache_hit_rate") && r->metrics[k].n)
					json_object_set_new(check, r->id, json_pack("{s:f, s:f}",
						"measured", r->metrics[k].v[0],
						"mrc", gb_mrc_hit_rate(&m, r->cache)));
		}
		gb_mrc_release(&m);
	}
	free(path);
	json_object_set_new(meta, "mrc_check", check);
	if (rc) {
		gb_atomic_abort(&a);
		return -1;
	}
	return gb_atomic_commit(&a);
}

static void on_sigint(int sig)
{
	(void)sig;
	gb_interrupted = 1;
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	enum { O_WORKLOAD = 256, O_EXEC, O_BATCH, O_QUANT, O_CACHE, O_MODE, O_COUNTERS,
	       O_REPS, O_WARMUP, O_SEED, O_THREADS, O_DRY, O_FILTER, O_STRICT, O_REQUIRE,
	       O_VALIDATE, O_DEVICE, O_INTERLEAVE, O_SPEED, O_QPS, O_DELAY, O_FIND, O_SLO };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "workload", required_argument, NULL, O_WORKLOAD },
		{ "executor", required_argument, NULL, O_EXEC },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "quant", required_argument, NULL, O_QUANT },
		{ "cache", required_argument, NULL, O_CACHE },
		{ "mode", required_argument, NULL, O_MODE },
		{ "counters", required_argument, NULL, O_COUNTERS },
		{ "repetitions", required_argument, NULL, O_REPS },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "seed", required_argument, NULL, O_SEED },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "out", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "require", required_argument, NULL, O_REQUIRE },
		{ "validate", no_argument, NULL, O_VALIDATE },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "interleave", required_argument, NULL, O_INTERLEAVE },
		{ "speed", required_argument, NULL, O_SPEED },
		{ "target-qps", required_argument, NULL, O_QPS },
		{ "max-queue-delay-us", required_argument, NULL, O_DELAY },
		{ "find-max-qps", no_argument, NULL, O_FIND },
		{ "slo", required_argument, NULL, O_SLO },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->repetitions = o->warmup = o->threads = -1;
	o->interleave = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:o:qh", opts, NULL)) != -1) {
		char *end = NULL;

		switch (c) {
		case 'c': o->config = optarg; break;
		case O_WORKLOAD: o->workloads = optarg; break;
		case O_EXEC: o->executors = optarg; break;
		case O_BATCH: o->batch = optarg; break;
		case O_QUANT: o->quant = optarg; break;
		case O_CACHE: o->cache = optarg; break;
		case O_MODE: o->mode = optarg; break;
		case O_COUNTERS: o->counters = optarg; break;
		case O_SEED: o->seed = optarg; break;
		case 'o': o->out = optarg; break;
		case O_DRY: o->dry_run = 1; break;
		case O_FILTER: o->filter = optarg; break;
		case O_STRICT: o->strict = 1; break;
		case O_REQUIRE: o->require = optarg; break;
		case O_VALIDATE: o->validate = 1; break;
		case O_DEVICE: o->device = optarg; break;
		case O_SPEED: o->speed = optarg; break;
		case O_QPS: o->target_qps = optarg; break;
		case O_DELAY: o->max_queue_delay_us = optarg; break;
		case O_FIND: o->find_max_qps = 1; break;
		case O_SLO: o->slo = optarg; break;
		case O_INTERLEAVE:
			if (strcmp(optarg, "random") && strcmp(optarg, "none"))
				return gb_error("--interleave: '%s' is not random or none", optarg);
			o->interleave = !strcmp(optarg, "random");
			break;
		case 'q': gb_quiet = 1; break;
		case O_REPS:
		case O_WARMUP:
		case O_THREADS: {
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < (c == O_REPS) || v > 100000)
				return gb_error("bad value '%s' for --%s", optarg,
						c == O_REPS ? "repetitions" :
						c == O_WARMUP ? "warmup" : "threads");
			if (c == O_REPS)
				o->repetitions = v;
			else if (c == O_WARMUP)
				o->warmup = v;
			else
				o->threads = v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		gb_error("unexpected argument '%s'", argv[optind]);
		fputs(usage_text, stderr);
		return -1;
	}
	return 0;
}

/* Flags over the config. */
static int parse_positive(const char *s, double *out, const char *what)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !(d > 0) || d > 1e12)
		return gb_error("%s: '%s' is not a positive number", what, s);
	*out = d;
	return 0;
}

/* --slo p99=5ms: the p99 response-time objective in ns (units ns, us, ms, s). */
static int parse_slo(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double v;

	if (strncmp(s, "p99=", 4))
		return gb_error("--slo: '%s' is not p99=TIME (e.g. p99=5ms)", s);
	v = strtod(s + 4, &end);
	for (size_t i = 0; i < GB_ARRAY_SIZE(units); i++)
		if (end != s + 4 && v > 0 && !strcmp(end, units[i].unit)) {
			*ns = (uint64_t)(v * units[i].scale);
			return 0;
		}
	return gb_error("--slo: '%s' is not p99=TIME with a unit of ns, us, ms or s", s);
}

static int apply_overrides(struct gb_config *cfg, struct run_opts *o)
{
	if (o->workloads) {
		gb_strv_free(cfg->workloads);
		cfg->workloads = gb_strv_split(o->workloads);
		if (!cfg->workloads[0])
			return gb_error("--workload: empty list");
	}
	if (o->executors) {
		gb_strv_free(cfg->executors);
		cfg->executors = gb_strv_split(o->executors);
		for (char **e = cfg->executors; *e; e++)
			if (!gb_executor_find(*e))
				return gb_error("--executor: unknown executor '%s' (cpu, vulkan)", *e);
		if (!cfg->executors[0])
			return gb_error("--executor: empty list");
	}
	if (o->batch) {
		if (gb_parse_u32_list(o->batch, cfg->batch, &cfg->nbatch, "--batch") < 0)
			return -1;
		for (size_t i = 0; i < cfg->nbatch; i++)
			if (!cfg->batch[i])
				return gb_error("--batch: a batch size must be at least 1");
	}
	if (o->quant && gb_parse_quant_list(o->quant, cfg->quant, &cfg->nquant, "--quant") < 0)
		return -1;
	if (o->cache && gb_parse_u32_list(o->cache, cfg->cache, &cfg->ncache, "--cache") < 0)
		return -1;
	if (o->mode && gb_parse_mode(o->mode, &cfg->mode) < 0)
		return gb_error("--mode: unknown mode '%s' (closed, open, offline)", o->mode);
	if (o->counters) {
		free(cfg->counters);
		cfg->counters = gb_xstrdup(o->counters);
	}
	if (o->repetitions >= 0)
		cfg->repetitions = (uint32_t)o->repetitions;
	if (o->warmup >= 0)
		cfg->warmup = (uint32_t)o->warmup;
	if (o->threads >= 0)
		cfg->threads = (uint32_t)o->threads;
	if (o->seed) {
		char *end;

		errno = 0;
		cfg->seed = strtoull(o->seed, &end, 10);
		if (errno || *end || o->seed[0] == '-' || !o->seed[0])
			return gb_error("--seed: '%s' is not a non-negative integer", o->seed);
	}
	if (o->speed && parse_positive(o->speed, &cfg->speed, "--speed") < 0)
		return -1;
	if (o->target_qps && parse_positive(o->target_qps, &cfg->target_qps, "--target-qps") < 0)
		return -1;
	if (o->max_queue_delay_us) {
		double d;

		if (parse_positive(o->max_queue_delay_us, &d, "--max-queue-delay-us") < 0)
			return -1;
		cfg->max_queue_delay_us = (uint64_t)d;
	}
	if (o->slo && parse_slo(o->slo, &o->slo_ns) < 0)
		return -1;
	if (o->find_max_qps && (cfg->mode != GB_MODE_OPEN || !o->slo_ns))
		return gb_error("--find-max-qps needs --mode open and --slo p99=TIME");
	if (o->require && strcmp(o->require, "vulkan") && strcmp(o->require, "cpu"))
		return gb_error("--require: unknown executor '%s'", o->require);
	return 0;
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

/* Requests' FLOPs of a workload, for the dry run's estimate. */
static double workload_flops(const struct gb_workload *w)
{
	double f = 0;

	for (size_t i = 0; i < w->trace.n; i++)
		f += gb_shape_flops(&w->trace.req[i].shape);
	return f;
}

/* Measure the CPU executor's f32 matmul rate (FLOP/s) for the dry run's estimate. */
static double calibrate(struct gb_executor *cpu)
{
	const uint32_t m = 8, n = 256, k = 256;
	struct gb_shape s = { GB_OP_MATMUL, m, n, k, 0 };
	struct gb_weights wt;
	float *w = gb_xcalloc((size_t)n * k, sizeof(float));
	float *x = gb_xcalloc((size_t)m * k, sizeof(float));
	float *y = gb_xcalloc((size_t)m * n, sizeof(float));
	void *h = NULL;
	struct gb_exec_call call = { .shape = s, .quant = GB_Q_F32, .x = x, .y = y };
	struct gb_exec_timing t;
	uint64_t t0, calls = 0;
	double rate = 0;

	if (gb_weights_quantize(&wt, GB_Q_F32, w, n, k) == 0) {
		if (cpu->iface->weights_upload(cpu, &wt, &h) == 0) {
			call.weights = h;
			t0 = gb_now_ns();
			while (gb_now_ns() - t0 < 50000000ull && calls < 100000)
				if (cpu->iface->run(cpu, &call, &t) == 0)
					calls++;
			rate = (double)calls * gb_shape_flops(&s) / ((double)(gb_now_ns() - t0) * 1e-9);
			if (cpu->iface->weights_free)
				cpu->iface->weights_free(cpu, h);
		}
		gb_weights_release(&wt);
	}
	free(w);
	free(x);
	free(y);
	return rate;
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
	json_t *b = json_array(), *q = json_array(), *c = json_array();

	for (size_t i = 0; i < cfg->nbatch; i++)
		json_array_append_new(b, json_integer(cfg->batch[i]));
	for (size_t i = 0; i < cfg->nquant; i++)
		json_array_append_new(q, json_string(gb_quant_name(cfg->quant[i])));
	for (size_t i = 0; i < cfg->ncache; i++)
		json_array_append_new(c, json_integer(cfg->cache[i]));
	return json_pack("{s:s, s:s?, s:o, s:s, s:o, s:o, s:o, s:o, s:s, s:i, s:i, s:i, s:i, s:s}",
			 "name", cfg->name, "path", cfg->path,
			 "workloads", strv_json(cfg->workloads), "trace_dir", cfg->trace_dir,
			 "executors", strv_json(cfg->executors), "batch", b, "quant", q,
			 "cache", c, "mode", gb_mode_name(cfg->mode),
			 "repetitions", (int)cfg->repetitions, "warmup", (int)cfg->warmup,
			 "threads", (int)cfg->threads,
			 "accuracy_samples", (int)cfg->accuracy_samples,
			 "counters", cfg->counters);
}

static char *hex64(uint64_t h)
{
	return gb_xasprintf("%016llx", (unsigned long long)h);
}

static void iso_time(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void print_cell_line(size_t i, size_t n, struct gb_cell_result *r)
{
	struct gb_summary s;
	double thr = NAN, p50 = NAN;

	for (size_t j = 0; j < r->nmetrics; j++) {
		struct gb_metric *m = &r->metrics[j];

		if (!m->n)
			continue;
		gb_summarize(m->v, m->n, &s);
		if (!strcmp(m->name, "throughput_rps"))
			thr = s.median;
		else if (!strcmp(m->name, "latency_p50_ns"))
			p50 = s.median;
	}
	gb_note("[%zu/%zu] %-44s %10.0f req/s  p50 %9.1f us", i, n, r->id, thr, p50 / 1e3);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct gb_config cfg;
	struct gb_workload *wl = NULL;
	struct run_exec *ex = NULL;
	struct run_cell *cells = NULL;
	struct gb_results res = { 0 };
	struct gb_sysinfo si;
	struct gb_exec_opts eo = { 0 };
	size_t nwl, nex, ncells = 0, cpu_ix = (size_t)-1;
	json_t *meta = NULL, *jcells, *jtraces, *jexec, *junavail;
	char started[32], ended[32];
	char *out_dir = NULL;
	int rc, exit_code = GB_EXIT_OK, interrupted = 0, acc_fail = 0, invalid = 0;
	unsigned validation = 0;
	struct sigaction sa;
	struct slot *sched = NULL;
	size_t nsched = 0;
	double *speeds = NULL;
	struct gb_counters *counters = NULL;
	json_t *jcounters = NULL;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? GB_EXIT_OK : GB_EXIT_USAGE;

	/* config */
	gb_config_defaults(&cfg);
	if (gb_config_load(&cfg, o.config ? o.config : "default") < 0 ||
	    apply_overrides(&cfg, &o) < 0) {
		gb_config_release(&cfg);
		return GB_EXIT_USAGE;
	}

	/* counters: a bad --counters list is a usage error, before anything runs */
	jcounters = json_object();
	if (gb_counters_open(&counters, cfg.counters, jcounters) < 0) {
		exit_code = GB_EXIT_USAGE;
		nwl = 0;
		goto out;
	}

	/* traces: every one checked before anything runs or is written */
	nwl = gb_strv_len(cfg.workloads);
	wl = gb_xcalloc(nwl, sizeof(*wl));
	for (size_t i = 0; i < nwl; i++) {
		char *path = workload_path(&cfg, cfg.workloads[i]);

		if (!gb_file_exists(path)) {
			gb_error("no workload '%s' (no file '%s')", cfg.workloads[i], path);
			rc = -1;
		} else if (gb_workload_load(&wl[i], path, cfg.seed) < 0) {
			rc = -1;
		}
		free(path);
	}
	if (rc) {
		exit_code = GB_EXIT_USAGE;
		goto out;
	}

	/* open mode: each workload's speed, from --speed or --target-qps */
	speeds = gb_xcalloc(nwl, sizeof(*speeds));
	for (size_t i = 0; i < nwl; i++) {
		const struct gb_trace *t = &wl[i].trace;
		uint64_t span = t->req[t->n - 1].arrival_ns;

		speeds[i] = cfg.speed;
		if (cfg.target_qps > 0 && cfg.mode == GB_MODE_OPEN) {
			if (!span || t->n < 2) {
				gb_error("--target-qps: workload '%s' has no arrival times to rescale",
					 t->name);
				exit_code = GB_EXIT_USAGE;
				goto out;
			}
			/* keep the burst shape, scale the mean rate */
			speeds[i] = cfg.target_qps / ((double)(t->n - 1) * 1e9 / (double)span);
		}
	}

	/* executors: the CPU one always, as the reference and fallback */
	eo.threads = (int)cfg.threads;
	eo.device = o.device;
	eo.validate = o.validate;
	nex = gb_strv_len(cfg.executors);
	ex = gb_xcalloc(nex + 1, sizeof(*ex));
	for (size_t i = 0; i < nex; i++)
		if (!strcmp(cfg.executors[i], "cpu"))
			cpu_ix = i;
	if (cpu_ix == (size_t)-1) {
		cpu_ix = nex;
		ex[nex].name = "cpu";
	}
	for (size_t i = 0; i <= nex; i++) {
		if (i == nex && cpu_ix != nex)
			break;
		ex[i].name = i < nex ? cfg.executors[i] : "cpu";
		if (gb_executor_init(&ex[i].ex, gb_executor_find(ex[i].name), &eo,
				     ex[i].reason, sizeof(ex[i].reason)) == 0) {
			ex[i].ok = ex[i].inited = 1;
			ex[i].ex.iface->info(&ex[i].ex, &ex[i].info);
		} else if (i < nex) {
			gb_warn("%s cells skipped: %s", ex[i].name, ex[i].reason);
		}
	}
	if (!ex[cpu_ix].ok) {
		gb_error("the cpu executor failed: %s", ex[cpu_ix].reason);
		exit_code = GB_EXIT_ENV;
		goto out;
	}

	/* the matrix */
	for (size_t w = 0; w < nwl; w++)
		for (size_t e = 0; e < nex; e++)
			for (size_t b = 0; b < cfg.nbatch; b++)
				for (size_t q = 0; q < cfg.nquant; q++)
					for (size_t c = 0; c < cfg.ncache; c++) {
						char *id = gb_cell_id(wl[w].trace.name, ex[e].name,
								      cfg.batch[b], cfg.quant[q],
								      cfg.cache[c]);

						if (!cell_matches(id, o.filter)) {
							free(id);
							continue;
						}
						cells = gb_xrealloc(cells, (ncells + 1) * sizeof(*cells));
						cells[ncells++] = (struct run_cell){ id, w, e, cfg.batch[b],
							cfg.cache[c], cfg.quant[q], NULL };
					}
	if (!ncells) {
		gb_error("no cell matches%s%s", o.filter ? " --filter " : "",
			 o.filter ? o.filter : "");
		exit_code = GB_EXIT_USAGE;
		goto out;
	}

	if (o.dry_run) {
		double rate = calibrate(&ex[cpu_ix].ex), total = 0;

		printf("%zu cells, %u warmup + %u measured repetitions each\n", ncells,
		       cfg.warmup, cfg.repetitions);
		for (size_t i = 0; i < ncells; i++) {
			double t = workload_flops(&wl[cells[i].workload]) *
				   (cfg.warmup + cfg.repetitions) / rate;
			int runs = ex[cells[i].exec].ok;

			printf("  %-48s %s\n", cells[i].id,
			       runs ? "" : "skipped: executor unavailable");
			total += runs ? t : 0;
		}
		printf("estimated time: %.0f s of compute at the %.2f GFLOP/s measured for an "
		       "f32 matmul on the cpu now (an estimate, not a measurement of the cells)\n",
		       total, rate / 1e9);
		goto out;
	}

	if (o.require) {
		for (size_t i = 0; i <= nex; i++)
			if (ex[i].name && !strcmp(ex[i].name, o.require) && !ex[i].ok) {
				gb_error("--require %s: %s", o.require, ex[i].reason);
				exit_code = GB_EXIT_ENV;
			}
	}

	/* meta.json: what, where, with what */
	gb_sysinfo_read(&si);
	iso_time(started, sizeof(started));
	jtraces = json_array();
	for (size_t i = 0; i < nwl; i++) {
		char *h = hex64(wl[i].trace.hash);

		json_array_append_new(jtraces, json_pack("{s:s, s:s, s:s, s:I, s:i}",
			"name", wl[i].trace.name, "path", wl[i].trace.path, "hash", h,
			"requests", (json_int_t)wl[i].trace.n, "streams", (int)wl[i].trace.nstreams));
		free(h);
	}
	jexec = json_object();
	for (size_t i = 0; i <= nex; i++) {
		if (!ex[i].name)
			continue;
		if (ex[i].ok)
			json_object_set_new(jexec, ex[i].name, json_pack("{s:b, s:s, s:s, s:s, s:s}",
				"available", 1, "device", ex[i].info.device, "type", ex[i].info.type,
				"driver", ex[i].info.driver, "api", ex[i].info.api));
		else
			json_object_set_new(jexec, ex[i].name, json_pack("{s:b, s:s}",
				"available", 0, "reason", ex[i].reason));
	}
	{
		char *cfg_hash = NULL;
		size_t len = 0;
		char *text = cfg.path ? gb_read_file(cfg.path, &len) : NULL;

		cfg_hash = hex64(gb_fnv1a(GB_FNV_INIT, text ? text : "", len));
		free(text);
		meta = json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:I, s:s}",
			"schema", 1, "tool", "gbench",
			"host", gb_sysinfo_json(&si), "build", gb_buildinfo_json(),
			"executors", jexec, "config", config_json(&cfg), "config_hash", cfg_hash,
			"traces", jtraces, "seed", (json_int_t)cfg.seed, "start", started);
		free(cfg_hash);
	}
	json_object_set_new(meta, "counters", jcounters);
	jcounters = NULL;
	json_object_set_new(meta, "histogram", json_pack("{s:s, s:i, s:I, s:I}",
		"layout", "log-linear, HdrHistogram semantics", "significant_digits", 3,
		"max_ns", (json_int_t)GB_HIST_MAX, "bytes", (json_int_t)gb_hist_bytes()));
	jcells = json_object();
	junavail = json_object();

	out_dir = o.out ? gb_xstrdup(o.out)
			: gb_xasprintf("results/%s-%s", cfg.name, started);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);

	/* the replay: every cell open, warmups first, then measured repetitions interleaved */
	gb_note("gbench: %zu cells, %u warmup + %u repetitions each, %s order, results to %s",
		ncells, cfg.warmup, cfg.repetitions,
		o.interleave ? "interleaved" : "cell-by-cell", out_dir);
	for (size_t i = 0; i < ncells; i++) {
		struct run_cell *cl = &cells[i];

		gb_results_add(&res, cl->id, wl[cl->workload].trace.name, ex[cl->exec].name,
			       ex[cl->exec].ok ? ex[cl->exec].info.device : "", cl->batch,
			       cl->quant, cl->cache);
	}
	for (size_t i = 0; i < ncells; i++) {
		struct run_cell *cl = &cells[i];
		struct gb_cell_spec spec = {
			.batch = cl->batch, .cache = cl->cache, .quant = cl->quant,
			.repetitions = cfg.repetitions, .warmup = cfg.warmup,
			.accuracy_samples = cfg.accuracy_samples, .mode = cfg.mode,
			.speed = speeds[cl->workload],
			.max_queue_delay_ns = cfg.max_queue_delay_us * 1000,
			.min_duration_ns = cfg.min_duration_ms * 1000000,
			.min_requests = cfg.min_requests,
			.counters = counters,
		};

		if (!ex[cl->exec].ok)
			continue;
		cell_status(&res.cells[i], &ex[cl->exec],
			    gb_cell_open(&cl->cell, &wl[cl->workload], &ex[cl->exec].ex,
					 &ex[cpu_ix].ex, &spec, &res.cells[i]));
	}
	if (o.find_max_qps) {
		json_t *jmax = json_object();

		for (size_t i = 0; i < ncells && !gb_interrupted; i++) {
			struct run_cell *cl = &cells[i];
			struct gb_cell_spec spec = {
				.batch = cl->batch, .cache = cl->cache, .quant = cl->quant,
				.mode = GB_MODE_OPEN, .speed = 1.0,
				.max_queue_delay_ns = cfg.max_queue_delay_us * 1000,
			};
			json_t *trials = json_array();
			double best = 0;

			if (!ex[cl->exec].ok) {
				json_decref(trials);
				continue;
			}
			gb_note("gbench: %s: searching the highest load with p99 <= %.3f ms",
				cl->id, (double)o.slo_ns / 1e6);
			rc = gb_find_max_qps(&wl[cl->workload], &ex[cl->exec].ex, &ex[cpu_ix].ex,
					     &spec, o.slo_ns, &best, trials);
			if (rc == 0) {
				gb_metric_push(gb_cell_metric(&res.cells[i], "max_qps", "req/s",
							      GB_SRC_MEASURED), best);
				gb_note("gbench: %s: max %.1f req/s within p99 <= %.3f ms", cl->id,
					best, (double)o.slo_ns / 1e6);
			}
			json_object_set_new(jmax, cl->id, json_pack("{s:I, s:f, s:o}",
				"slo_p99_ns", (json_int_t)o.slo_ns, "max_qps", best, "trials", trials));
		}
		json_object_set_new(meta, "find_max_qps", jmax);
	}
	sched = schedule(cells, ncells, cfg.warmup, cfg.repetitions, o.interleave, cfg.seed,
			 &nsched);
	for (size_t s = 0; s < nsched && !gb_interrupted; s++) {
		struct run_cell *cl = &cells[sched[s].cell];

		if (cl->cell && ex[cl->exec].ok && !res.cells[sched[s].cell].skipped)
			cell_status(&res.cells[sched[s].cell], &ex[cl->exec],
				    gb_cell_rep(cl->cell, sched[s].measured));
		if ((s + 1) * 10 / nsched != s * 10 / nsched)
			gb_note("[%3zu%%] %zu of %zu repetitions", (s + 1) * 100 / nsched, s + 1, nsched);
	}
	interrupted = gb_interrupted != 0;
	for (size_t i = 0; i < ncells; i++) {
		struct gb_cell_result *r = &res.cells[i];
		json_t *jc = json_object();

		if (cells[i].cell && !r->skipped && ex[cells[i].exec].ok && !interrupted)
			cell_status(r, &ex[cells[i].exec], gb_cell_finish(cells[i].cell));
		else if (interrupted && !r->skipped)
			gb_cell_invalid(r, "interrupted: repetitions incomplete, accuracy not checked");
		if (!r->skipped && !ex[cells[i].exec].ok)
			r->skipped = gb_xstrdup(ex[cells[i].exec].reason);
		if (r->skipped)
			json_object_set_new(jc, "skipped", json_string(r->skipped));
		for (size_t a = 0; a < r->nacc; a++)
			if (!r->acc[a].pass) {
				char *why = gb_xasprintf("accuracy: %s %s vs %s = %g over budget %g",
					r->acc[a].op, r->acc[a].metric, r->acc[a].reference,
					r->acc[a].value, r->acc[a].budget);

				gb_error("%s: %s", r->id, why);
				gb_cell_invalid(r, why);
				free(why);
				acc_fail = 1;
			}
		if (!r->skipped) {
			json_t *reasons = json_array();

			for (char **iv = r->invalid; iv && *iv; iv++)
				json_array_append_new(reasons, json_string(*iv));
			json_object_set_new(jc, "validity", json_string(r->invalid ? "INVALID" : "VALID"));
			json_object_set_new(jc, "invalid_reasons", reasons);
			if (r->nbatch_sizes) {
				json_t *bs = json_object();

				for (uint32_t b = 1; b < r->nbatch_sizes; b++)
					if (r->batch_sizes[b]) {
						char key[16];

						snprintf(key, sizeof(key), "%u", b);
						json_object_set_new(bs, key,
							json_integer((json_int_t)r->batch_sizes[b]));
					}
				json_object_set_new(jc, "batch_sizes", bs);
			}
			invalid |= r->invalid != NULL;
			print_cell_line(i + 1, ncells, r);
		} else {
			gb_note("[%zu/%zu] %-44s skipped: %s", i + 1, ncells, r->id, r->skipped);
		}
		for (size_t m = 0; m < r->nmetrics; m++)
			if (r->metrics[m].reason) {
				json_t *u = json_object_get(junavail, r->id);

				if (!u) {
					u = json_object();
					json_object_set_new(junavail, r->id, u);
				}
				json_object_set_new(u, r->metrics[m].name,
						    json_string(r->metrics[m].reason));
			}
		json_object_set_new(jcells, r->id, jc);
		gb_cell_close(cells[i].cell);
		cells[i].cell = NULL;
	}
	free(sched);
	for (size_t i = 0; i < nex; i++)
		if (ex[i].ok)
			validation += gb_executor_validation_messages(&ex[i].ex);

	/* the results directory */
	iso_time(ended, sizeof(ended));
	{
		uint32_t oracle_runs = 0;

		for (size_t i = 0; i < nwl; i++)
			oracle_runs += wl[i].oracle_runs;
		json_object_set_new(meta, "accuracy", json_pack("{s:i, s:I, s:s}",
			"samples_per_op", (int)cfg.accuracy_samples,
			"oracle_runs", (json_int_t)oracle_runs,
			"note", "the float64 oracle runs on the first accuracy_samples executor calls "
				"of each op per cell, outside the timed region, once per distinct input"));
	}
	json_object_set_new(meta, "cells", jcells);
	json_object_set_new(meta, "unavailable", junavail);
	json_object_set_new(meta, "events", json_pack("{s:I, s:I, s:i}",
		"enomem_splits", (json_int_t)gb_replay_events.enomem_splits,
		"cpu_fallbacks", (json_int_t)gb_replay_events.cpu_fallbacks,
		"validation_messages", (int)validation));
	json_object_set_new(meta, "end", json_string(ended));
	json_object_set_new(meta, "complete", json_boolean(!interrupted && exit_code == GB_EXIT_OK));
	if (write_mrc(out_dir, wl, nwl, &cfg, &res, meta) < 0 ||
	    gb_results_write(&res, out_dir, meta) < 0) {
		exit_code = GB_EXIT_ENV;
		goto out;
	}
	gb_note("gbench: results in %s", out_dir);
	if (interrupted)
		exit_code = GB_EXIT_INTERRUPTED;
	else if (exit_code == GB_EXIT_OK && (acc_fail || validation || (o.strict && invalid))) {
		if (validation)
			gb_error("%u Vulkan validation message%s", validation,
				 validation == 1 ? "" : "s");
		if (o.strict && invalid && !acc_fail)
			gb_error("--strict: at least one cell is INVALID (see meta.json)");
		exit_code = GB_EXIT_CORRECTNESS;
	}
out:
	json_decref(meta);
	gb_results_release(&res);
	for (size_t i = 0; i < ncells; i++)
		free(cells[i].id);
	free(cells);
	for (size_t i = 0; i < nwl; i++)
		gb_workload_unload(&wl[i]);
	gb_replay_scratch_release();
	for (size_t i = 0; ex && i <= gb_strv_len(cfg.executors); i++)
		if (ex[i].inited)
			gb_executor_release(&ex[i].ex);
	free(ex);
	for (size_t i = 0; i < nwl; i++)
		gb_workload_release(&wl[i]);
	free(wl);
	free(out_dir);
	free(speeds);
	gb_counters_close(counters);
	json_decref(jcounters);
	gb_config_release(&cfg);
	return exit_code;
}
