/*
 * config.h - run configurations: INI files in bench/configs/ read with
 * libinih, overridden by command-line flags.
 *
 *   [run]
 *   workloads   = llm-decode,vector-search   ; names of shipped traces or paths
 *   trace_dir   = mid-range                  ; subfolder of workloads/ (tier sizes):
 *                                            ; relative, no "." or ".." component
 *   executors   = cpu,vulkan
 *   batch       = 1,8
 *   quant       = f32,f16,q8,q4
 *   cache       = 0,256
 *   mode        = closed
 *   repetitions = 10                         ; or per executor: 30,vulkan:10; with a
 *                                            ; time_budget, the most a cell takes
 *   time_budget = 10m                        ; the run's time (s, m, h; budget.h): each
 *                                            ; cell gets a share, its repetitions between
 *                                            ; min_repetitions and repetitions, on a window
 *                                            ; of its trace when a whole replay would not fit
 *   min_repetitions = 10                     ; the fewest a budget may give a cell (default:
 *                                            ; the gate's minimum, GB_COMPARE_MIN_N)
 *   accuracy_budget = none                   ; whether the accuracy cost of a quant level
 *                                            ; against float64 gates (exit 5): none (reported
 *                                            ; only), default (DESIGN section 8's table), or
 *                                            ; QUANT:METRIC=V,... (q8:recall=0.95); the
 *                                            ; correctness checks gate always (oracle.h)
 *   prime       = 0                          ; untimed repetitions of the same cell
 *                                            ; before each measured one: 1,vulkan:0
 *   warmup      = 1                          ; or per executor: 1,vulkan:0
 *   rounds      = 1                          ; turns each executor takes over the run
 *                                            ; (in each process)
 *   processes   = 1                          ; fresh processes sharing the repetitions
 *   seed        = 42
 *   threads     = 0                          ; 0 = every CPU
 *   accuracy_samples = 4                     ; oracle checks per (cell, op)
 *   speed       = 1.0                        ; open mode: arrivals at arrival_ns / speed
 *   target_qps  = 0                          ; open mode: rescale arrivals to this mean rate
 *   max_queue_delay_us = 0                   ; open mode: how long a batch may wait to fill
 *   min_duration_ms = 0                      ; validity: shortest measured repetition
 *   min_requests = 0                         ; validity: fewest requests per repetition
 *   max_memory  = 16G                        ; refuse a plan whose peak memory is over this
 *                                            ; (K/M/G/T, binary; default: 80% of physical
 *                                            ; memory or of the cgroup limit; memplan.h)
 *   sim_cache   = 32K:8:64/32K:8:64/32M:16:64 ; callgrind geometries, checked on load
 *   placement   = pinned                     ; or shared: cpu workers one per core, a CPU
 *                                            ; Vulkan device (lavapipe) on one core beside
 *                                            ; its caller; or wherever the scheduler likes
 */
#ifndef GB_CONFIG_H
#define GB_CONFIG_H

#include <stdint.h>

#include "oracle.h"
#include "quant.h"


#define GB_MAX_LIST 64
#define GB_MAX_PROCESSES 64
/*
 * The largest batch size: a batched call stacks up to batch requests of up
 * to GB_MAX_M rows each, and batch + 1 and the stacked rows stay within 32
 * bits (the memory plan refuses a batch whose buffers do not fit).
 */
#define GB_MAX_BATCH (1u << 20)

/* A count with its own value for some executors: "30,vulkan:12". */
struct gb_per_exec {
	uint32_t dflt;                  /* for executors not listed */
	char *exec[GB_MAX_LIST];
	uint32_t count[GB_MAX_LIST];
	size_t n;
};

/* The count for executor `exec` (its own, else the default). */
uint32_t gb_per_exec_get(const struct gb_per_exec *p, const char *exec);
/*
 * "N", "EXEC:N" or a comma list of them (at most one bare N, each EXEC
 * once, N >= min): replaces the listed counts, and the default when a bare
 * N is given; 0, or -1 with *p untouched.
 */
int gb_per_exec_set(struct gb_per_exec *p, const char *s, uint32_t min);
/* "10", or "30 (vulkan 12)"; caller frees. */
char *gb_per_exec_describe(const struct gb_per_exec *p);
void gb_per_exec_release(struct gb_per_exec *p);

enum gb_mode { GB_MODE_CLOSED, GB_MODE_OPEN, GB_MODE_OFFLINE };

struct gb_config {
	char *name;                 /* "ci", or the file's basename */
	char *path;                 /* file it came from, NULL for built-in defaults */
	char **workloads;           /* NULL-terminated */
	char *trace_dir;            /* "" = workloads/ itself; never absolute, never ".." */
	char **executors;
	uint32_t batch[GB_MAX_LIST];
	size_t nbatch;
	enum gb_quant quant[GB_MAX_LIST];
	size_t nquant;
	uint32_t cache[GB_MAX_LIST];
	size_t ncache;
	enum gb_mode mode;
	struct gb_per_exec repetitions;  /* measured repetitions of a cell */
	struct gb_per_exec prime;        /* untimed ones right before each measured one */
	struct gb_per_exec warmup;       /* untimed repetitions of a cell before its first */
	uint32_t rounds;                 /* turns each executor takes (>= 1) */
	uint32_t processes;              /* processes the repetitions are shared among */
	uint64_t seed;
	uint32_t threads;
	uint32_t accuracy_samples;
	char *counters;             /* "auto", "none" or a list */
	char **sim_cache;           /* callgrind geometries "I1/D1/LL" (NULL: sysfs) */
	double speed, target_qps;
	uint64_t max_queue_delay_us;
	uint64_t min_duration_ms, min_requests;
	uint64_t max_memory;        /* bytes a plan may need at its peak; 0: the default */
	int pin;                    /* placement = pinned (1) | shared (0) */
	double time_budget;         /* seconds for the run; 0: fixed repetitions (budget.h) */
	uint32_t min_repetitions;   /* the fewest a budget gives a cell */
	struct gb_acc_budget accuracy_budget;  /* what the accuracy cost gates on */
};

/* Built-in defaults (the values a config file may leave out). */
void gb_config_defaults(struct gb_config *c);
/*
 * Load NAME (a config in the data dir's configs) or a path to an .ini file
 * over the defaults. Errors are printed as FILE:LINE: ...; 0 or -1. A line
 * longer than 199 characters is an error; trace_dir must stay under the
 * shipped workloads/ (a relative path with no "." or ".." component: traces
 * elsewhere are named by path in `workloads` or with --workload); every
 * sim_cache item is parsed as `run` parses it (gb_sim_cache_parse).
 */
int gb_config_load(struct gb_config *c, const char *name_or_path);
void gb_config_release(struct gb_config *c);

/* Parsers shared with the command line; 0 or -1 with a message naming `what`. */
int gb_parse_u32_list(const char *s, uint32_t *out, size_t *n, const char *what);
int gb_parse_quant_list(const char *s, enum gb_quant *out, size_t *n, const char *what);
int gb_parse_mode(const char *s, enum gb_mode *m);
const char *gb_mode_name(enum gb_mode m);

#endif
