/*
 * cmd-run.c - `gbench run`: the command line and config in, then a
 * straight line of the run's stages (run/run.h): load the workloads, open the
 * executors, plan the cells, replay them, write the results directory.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../profilers/callgrind.h"
#include "cli.h"
#include "compare/compare.h"
#include "fsio.h"
#include "plan/budget.h"
#include "cmds.h"
#include "config.h"
#include "gbench.h"
#include "lock.h"
#include "plan/memplan.h"
#include "replay.h"
#include "report/report.h"
#include "run/run.h"

static const char usage_text[] =
	"usage: gbench run [--config NAME|FILE] [--workload W,...] [--executor cpu,vulkan]\n"
	"                  [--batch 1,8,32] [--quant f32,f16,q8,q4] [--cache 0,4096]\n"
	"                  [--mode closed|open|offline] [--speed X] [--target-qps Q]\n"
	"                  [--max-queue-delay-us U] [--find-max-qps --slo p99=5ms]\n"
	"                  [--counters auto|none|LIST] [--repetitions N|EXEC:N,...]\n"
	"                  [--prime N|EXEC:N,...] [--processes N] [--process I/N]\n"
	"                  [--warmup N|EXEC:N,...] [--seed S] [--threads N] [--out DIR] [--dry-run]\n"
	"                  [--filter PATTERN] [--strict] [--require vulkan] [--validate]\n"
	"                  [--device N|NAME] [--interleave random|none] [--max-memory SIZE]\n"
	"                  [--time-budget DURATION|none] [--accuracy-budget none|default|LIST]\n"
	"                  [--windows-of RESULTS] [--quiet | --verbose] [--no-report]\n"
	"                  [--force] [--json]\n"
	"\n"
	"Replay each workload through every cell of the matrix (workload x executor x\n"
	"batch x quant x cache) and write a results directory (default\n"
	"results/<config>-<time>). Flags override the config (default: 'default').\n"
	"--filter keeps cells whose id matches PATTERN (a glob, or a substring when it\n"
	"has no wildcard). --dry-run lists the cells, an estimated time and the memory\n"
	"plan (with --json: the plan as JSON on stdout). A plan whose peak memory\n"
	"is over --max-memory SIZE (K/M/G/T; default 80% of physical memory or of\n"
	"the cgroup limit) is refused, exit 2.\n"
	"--strict makes any INVALID cell a failure (exit 5). Measured repetitions of\n"
	"all cells run in a seeded random order (--interleave random, the default)\n"
	"after every cell's warmup, so drift spreads over all cells.\n"
	"--repetitions 30,vulkan:10 gives an executor its own count (a vulkan\n"
	"call on a CPU device costs far more than on the cpu executor). --prime N\n"
	"runs N untimed repetitions of a cell right before each measured one, so\n"
	"that it finds the caches as its own cell leaves them.\n"
	"--processes N shares every cell's repetitions among N fresh processes, run\n"
	"one after the other and pooled into one results directory, so that the\n"
	"run's medians and spread cover where code, memory and threads land per\n"
	"process. --process I/N runs only share I (0-based) of N, as each of them\n"
	"does; only share 0 checks accuracy, searches max QPS and simulates counters.\n"
	"--mode open issues requests at their trace arrival times / --speed (or\n"
	"rescaled to --target-qps) and reports response, service and queue times;\n"
	"offline issues everything at once and reports throughput.\n"
	"--find-max-qps searches the highest offered load meeting --slo.\n"
	"--time-budget 10m (s, m, h; config time_budget) calibrates each executor\n"
	"briefly, then gives each cell a share: as many repetitions as fit, between\n"
	"min_repetitions and --repetitions, on a window of the trace's first rows\n"
	"when a whole replay would not fit (meta.json time_plan says what each got);\n"
	"--time-budget none runs a config that has one with its fixed counts.\n"
	"With --processes N the first process calibrates and plans the windows, and\n"
	"each process takes its share of the budget left (left / processes to run).\n"
	"--windows-of RESULTS replays each cell that RESULTS measured on the rows\n"
	"it replayed there, planning only the repetitions, so that `gbench compare\n"
	"RESULTS` judges the same work (a cell on other rows is inconclusive).\n"
	"A share run on its own (--process I/N, a Slurm task) with a budget needs\n"
	"--windows-of RESULTS, the same for every share, so that the shares pool;\n"
	"each takes 1/N of the budget, its calibration included.\n"
	"Correctness (an executor against the cpu on the same quantized bytes, f32\n"
	"against float64) always gates; the accuracy cost of a quant level against\n"
	"float64 is reported, and gates only with --accuracy-budget default (DESIGN\n"
	"section 8's table) or a list such as q8:recall=0.95,q4:nmse=5e-2.\n"
	"While it runs, a progress line on stderr (rewritten in place on a terminal,\n"
	"a line per phase and tenth otherwise): phase, repetitions and cells done,\n"
	"elapsed, an ETA from the measured rate, the cell; at the end a summary.\n"
	"--quiet prints neither; --verbose adds a line per cell. The report\n"
	"(`gbench report DIR`: DIR/report/report.md and its charts) is written at\n"
	"the end, of a run stopped by SIGINT too (not by SIGTERM), unless\n"
	"--no-report; a report that fails is said in one line and does not change\n"
	"the exit code. --out onto an existing results folder is refused unless\n"
	"--force (it is then replaced).\n"
	"\n"
	"exit: 0 ok, 2 usage or input error (nothing written; --out an existing file,\n"
	"or earlier results without --force), 4 a --require'd\n"
	"executor is unavailable or a device was lost (results so far written), or,\n"
	"before anything is measured or written, --out cannot be written or another\n"
	"gbench holds it (its lock file: .OUT.lock beside it, naming its pid),\n"
	"5 accuracy over budget or a validation message,\n"
	"130 interrupted by SIGINT or SIGTERM (results so far written, complete: false;\n"
	"one line says how far it got)\n";

struct run_opts {
	const char *config, *workloads, *executors, *batch, *quant, *cache, *mode;
	const char *counters, *out, *filter, *require, *device;
	const char *repetitions, *prime, *warmup;
	long threads, processes;
	uint32_t process, nprocess;    /* --process I/N; nprocess 0 when not given */
	const char *seed, *speed, *target_qps, *max_queue_delay_us, *slo, *max_memory;
	const char *time_budget, *accuracy_budget, *windows_of;
	uint64_t slo_ns;
	uint64_t max_memory_bytes;     /* --max-memory; 0 when not given */
	int dry_run, strict, validate, interleave, find_max_qps;
	int quiet, verbose, no_report, force, json;
};

/* The signal that stopped the run: after SIGTERM (a job stopped) no report is drawn. */
static volatile sig_atomic_t stop_signal;

static void on_sigint(int sig)
{
	stop_signal = sig;
	gb_interrupted = 1;
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	enum { O_WORKLOAD = 256, O_EXEC, O_BATCH, O_QUANT, O_CACHE, O_MODE, O_COUNTERS,
	       O_REPS, O_PRIME, O_WARMUP, O_SEED, O_THREADS, O_DRY, O_FILTER, O_STRICT, O_REQUIRE,
	       O_VALIDATE, O_DEVICE, O_INTERLEAVE, O_SPEED, O_QPS, O_DELAY, O_FIND, O_SLO,
	       O_PROCESSES, O_PROCESS, O_MAX_MEMORY, O_TIME_BUDGET, O_ACC_BUDGET,
	       O_NO_REPORT, O_FORCE, O_JSON, O_WINDOWS_OF };
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
		{ "prime", required_argument, NULL, O_PRIME },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "processes", required_argument, NULL, O_PROCESSES },
		{ "process", required_argument, NULL, O_PROCESS },
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
		{ "max-memory", required_argument, NULL, O_MAX_MEMORY },
		{ "time-budget", required_argument, NULL, O_TIME_BUDGET },
		{ "windows-of", required_argument, NULL, O_WINDOWS_OF },
		{ "accuracy-budget", required_argument, NULL, O_ACC_BUDGET },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-report", no_argument, NULL, O_NO_REPORT },
		{ "force", no_argument, NULL, O_FORCE },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->threads = o->processes = -1;
	o->interleave = 1;
	optind = 1;
	while ((c = gb_cli_getopt(argc, argv, "c:o:qvh", opts)) != -1) {
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
		case O_MAX_MEMORY: o->max_memory = optarg; break;
		case O_TIME_BUDGET: o->time_budget = optarg; break;
		case O_WINDOWS_OF: o->windows_of = optarg; break;
		case O_ACC_BUDGET: o->accuracy_budget = optarg; break;
		case O_INTERLEAVE:
			if (strcmp(optarg, "random") && strcmp(optarg, "none"))
				return gb_error("--interleave: '%s' is not random or none", optarg);
			o->interleave = !strcmp(optarg, "random");
			break;
		case 'q': gb_quiet = o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case O_NO_REPORT: o->no_report = 1; break;
		case O_FORCE: o->force = 1; break;
		case O_JSON: o->json = 1; break;
		case O_REPS:
			o->repetitions = optarg;
			break;
		case O_PRIME:
			o->prime = optarg;
			break;
		case O_WARMUP:
			o->warmup = optarg;
			break;
		case O_PROCESSES: {
			uint64_t v;

			if (gb_parse_u64(optarg, GB_MAX_PROCESSES, &v) < 0 || v == 0)
				return gb_error("--processes: '%s' is not a count from 1 to %d",
						optarg, GB_MAX_PROCESSES);
			o->processes = (long)v;
			break;
		}
		case O_PROCESS: {
			unsigned i, n;
			int end = 0;

			if (sscanf(optarg, "%u/%u%n", &i, &n, &end) != 2 || optarg[end] ||
			    n == 0 || n > GB_MAX_PROCESSES || i >= n)
				return gb_error("--process: '%s' is not I/N with 0 <= I < N <= %d",
						optarg, GB_MAX_PROCESSES);
			o->process = i;
			o->nprocess = n;
			break;
		}
		case O_THREADS: {
			uint64_t v;

			if (gb_parse_u64(optarg, 100000, &v) < 0)
				return gb_error("bad value '%s' for --threads", optarg);
			o->threads = (long)v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			return gb_cli_bad_option(c, usage_text, opts, argv) ? -1 : 1;
		}
	}
	if (o->quiet && o->verbose)
		return gb_error("--quiet and --verbose exclude each other");
	if (o->json && !o->dry_run)
		return gb_error("--json goes with --dry-run (the plan as JSON)");
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
	if (gb_parse_double(s, 0, 1e12, out) < 0)
		return gb_error("%s: '%s' is not a positive number", what, s);
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
			else if (cfg->batch[i] > GB_MAX_BATCH)
				return gb_error("--batch: '%u' is over the largest batch size, %u",
						cfg->batch[i], GB_MAX_BATCH);
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
	if (o->repetitions && gb_per_exec_set(&cfg->repetitions, o->repetitions, 1) < 0)
		return gb_error("--repetitions: '%s' is not N, EXEC:N or a list of them "
				"(N >= 1, each executor once)", o->repetitions);
	if (o->prime && gb_per_exec_set(&cfg->prime, o->prime, 0) < 0)
		return gb_error("--prime: '%s' is not N, EXEC:N or a list of them "
				"(each executor once)", o->prime);
	if (o->warmup && gb_per_exec_set(&cfg->warmup, o->warmup, 0) < 0)
		return gb_error("--warmup: '%s' is not N, EXEC:N or a list of them "
				"(each executor once)", o->warmup);
	if (o->processes > 0)
		cfg->processes = (uint32_t)o->processes;
	if (o->threads >= 0)
		cfg->threads = (uint32_t)o->threads;
	if (o->seed && gb_parse_u64(o->seed, UINT64_MAX, &cfg->seed) < 0)
		return gb_error("--seed: '%s' is not a non-negative integer", o->seed);
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
	if (o->max_memory && gb_memplan_parse_size(o->max_memory, &o->max_memory_bytes) < 0)
		return gb_error("--max-memory: '%s' is not a size of at least 1M (a number with "
				"K, M, G or T: binary units)", o->max_memory);
	/* none: the config's fixed counts, whatever its time_budget */
	if (o->time_budget && !strcmp(o->time_budget, "none"))
		cfg->time_budget = 0;
	else if (o->time_budget && gb_budget_parse_duration(o->time_budget, &cfg->time_budget) < 0)
		return gb_error("--time-budget: '%s' is not a duration (600, 90s, 10m, 1.5h; "
				"at most a week) or none", o->time_budget);
	if (o->windows_of && !(cfg->time_budget > 0))
		return gb_error("--windows-of needs a time budget (--time-budget, or the config's "
				"time_budget): without one every cell replays its whole trace");
	if (o->accuracy_budget && gb_acc_budget_parse(&cfg->accuracy_budget, o->accuracy_budget) < 0)
		return gb_error("--accuracy-budget: '%s' is not none, default or a list of "
				"QUANT:METRIC=VALUE (f16, q8, q4; nmse or recall)", o->accuracy_budget);
	/*
	 * With a budget, the first process of a shared run calibrates and plans
	 * each cell's window for all (budget.h); a share run on its own plans
	 * its own, which would not pool with the others', unless every share
	 * replays the windows of one earlier run.
	 */
	if (cfg->time_budget > 0 && o->nprocess > 1 && !getenv(GB_BUDGET_PLAN_ENV) &&
	    !o->windows_of)
		return gb_error("a time budget with --process %u/%u needs the plan of the run "
				"that shares it (--processes %u with --time-budget), or the "
				"windows of an earlier run for every share to replay "
				"(--windows-of RESULTS): shares that plan their own windows "
				"do not pool", o->process, o->nprocess, o->nprocess);
	if (o->find_max_qps && (cfg->mode != GB_MODE_OPEN || !o->slo_ns))
		return gb_error("--find-max-qps needs --mode open and --slo p99=TIME");
	if (o->require && strcmp(o->require, "vulkan") && strcmp(o->require, "cpu"))
		return gb_error("--require: unknown executor '%s'", o->require);
	/* sim_cache comes from the config only, checked as it was read (config.c) */
	return 0;
}

/*
 * --out, before any work: an existing file is a usage error, and so is a
 * folder of earlier results (results.csv or meta.json in it) unless
 * --force says to replace it. 0 or -1 after one line.
 */
static int check_out(const char *out, int force)
{
	static const char *const marks[] = { "results.csv", "meta.json" };

	if (gb_file_exists(out) && !gb_is_dir(out))
		return gb_error("--out '%s' is an existing file, not a folder", out);
	for (size_t i = 0; i < GB_ARRAY_SIZE(marks) && !force && gb_is_dir(out); i++) {
		char *p = gb_xasprintf("%s/%s", out, marks[i]);
		int there = gb_file_exists(p);

		free(p);
		if (there)
			return gb_error("--out '%s' holds earlier results (%s): name another folder, "
					"or --force to replace them", out, marks[i]);
	}
	return 0;
}

/* --windows-of RESULTS: its meta.json, or -1 after one line. */
static int load_windows_of(const char *results, json_t **meta)
{
	int rc = gb_compare_load_meta(results, meta);

	if (rc > 0)
		return gb_error("--windows-of '%s': no meta.json there (a results folder of "
				"gbench run)", results);
	if (rc < 0)
		return -1;
	if (!json_is_object(json_object_get(*meta, "cells"))) {
		json_decref(*meta);
		*meta = NULL;
		return gb_error("--windows-of '%s': its meta.json names no cells", results);
	}
	return 0;
}

/*
 * The report of the results in out_dir (report.h), as `gbench report
 * out_dir` writes it: out_dir/report/report.md and its charts. Its path,
 * or NULL with *why set; a failure is a line on stderr, never the run's
 * exit code (the results are written already).
 */
static char *write_report(const char *out_dir, const char **why)
{
	struct gb_report_opts ro = { .results = out_dir };
	char *meta = gb_xasprintf("%s/meta.json", out_dir), *path = NULL;

	if (!gb_file_exists(meta)) {
		*why = "no results were written";
	} else {
		gb_note("gbench run: writing the report (--no-report skips it)");
		if (gb_report_write(&ro) == 0) {
			path = gb_xasprintf("%s/report/report.md", out_dir);
		} else {
			*why = "it failed: see the line above; 'gbench report DIR' retries";
			gb_warn("the report of %s could not be written (see above); the results "
				"are kept and the exit code is the run's", out_dir);
		}
	}
	free(meta);
	return path;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct gb_config cfg;
	struct gb_run run;
	struct gb_run_opts ro;
	struct sigaction sa;
	struct gb_lock lock = { .fd = -1 };
	json_t *windows_of = NULL;
	char *out_dir = NULL, *report = NULL;
	const char *report_why = "--no-report";
	int rc, child;

	/* a process of a shared run ends with the run (run/run-procs.c) */
	child = gb_run_child_start();
	if (child < 0)
		return GB_EXIT_ENV;
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? GB_EXIT_OK : GB_EXIT_USAGE;
	gb_config_defaults(&cfg);
	if (gb_config_load(&cfg, o.config ? o.config : "default") < 0 ||
	    apply_overrides(&cfg, &o) < 0 || (!o.dry_run && o.out && check_out(o.out, o.force) < 0) ||
	    (o.windows_of && load_windows_of(o.windows_of, &windows_of) < 0)) {
		gb_config_release(&cfg);
		return GB_EXIT_USAGE;
	}
	ro = (struct gb_run_opts){
		.filter = o.filter, .require = o.require, .device = o.device,
		.slo_ns = o.slo_ns, .validate = o.validate, .interleave = o.interleave,
		.find_max_qps = o.find_max_qps, .strict = o.strict, .argc = argc, .argv = argv,
		/* --process I/N: one share, as a process of a shared run; else all of them */
		.process = o.process, .nprocess = o.nprocess ? o.nprocess : cfg.processes,
		.spawn = !o.nprocess && cfg.processes > 1, .child = child,
		.max_memory = o.max_memory_bytes,
		.quiet = o.quiet, .verbose = o.verbose,
		.windows_of = o.windows_of, .windows_of_meta = windows_of,
	};

	rc = gb_run_init(&run, &cfg, &ro);
	if (!rc)
		rc = gb_run_load(&run);
	if (!rc)
		rc = gb_run_executors(&run);
	if (!rc || rc == GB_EXIT_ENV) {
		int prc = gb_run_plan(&run);

		if (!prc)
			prc = gb_run_windows_check(&run);
		rc = prc ? prc : rc;
	}
	if (!rc || rc == GB_EXIT_ENV) {
		/* before anything large is allocated, --dry-run included */
		int mrc = gb_run_memplan(&run, o.dry_run && !o.json);

		rc = mrc ? mrc : rc;
	}
	if (o.dry_run && (!rc || rc == GB_EXIT_ENV)) {
		gb_run_timeplan(&run, 1);     /* the calibration, and the plan of a budget */
		gb_run_dry(&run, o.json);      /* a dry run writes nothing, whatever else failed */
		goto out;
	}
	if (rc && rc != GB_EXIT_ENV)
		goto out;       /* usage errors: nothing written */
	out_dir = o.out ? gb_xstrdup(o.out) : gb_xasprintf("results/%s-%s", cfg.name,
							     gb_run_started(&run));
	/*
	 * Before anything is measured: a second run into this --out, or an
	 * --out that cannot be written, fails now, not after the whole run.
	 * A process of a shared run writes a folder of its own: no conflict.
	 */
	if (gb_lock_take(&lock, out_dir) < 0) {
		rc = GB_EXIT_ENV;
		goto out;
	}
	if (!o.nprocess && !gb_callgrind_child())
		gb_run_reclaim();
	if (!rc) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);    /* a job scheduler's stop: the same */
		/* a budget's clock starts with its calibration, after the lock */
		rc = gb_run_timeplan(&run, 0);
		if (!rc) {
			gb_run_execute(&run, out_dir);
			if (ro.process == 0)
				gb_run_simulate(&run);
		}
	}
	/* results are written in every case but a usage error */
	run.aborted = rc != 0;
	{
		int wrc = gb_run_write(&run, out_dir);

		rc = rc ? rc : wrc;
	}
	/* the run's own end: not a process of a shared run, nor a callgrind child */
	if (!o.nprocess && !gb_callgrind_child()) {
		if (stop_signal == SIGTERM)
			report_why = "stopped by SIGTERM";
		else if (!o.no_report)
			report = write_report(out_dir, &report_why);
		gb_run_summary(&run, out_dir, report, report_why);
	} else if (gb_run_alone(&ro) && !gb_callgrind_child()) {
		/* a share on its own (a Slurm task): its log ends saying what it did */
		gb_run_summary(&run, out_dir, NULL, "a share: report the pooled folder");
	}
out:
	gb_lock_release(&lock);
	gb_run_release(&run);
	json_decref(windows_of);
	free(out_dir);
	free(report);
	gb_config_release(&cfg);
	return rc;
}
