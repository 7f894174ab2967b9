/*
 * callgrind.h - the simulated counter tier (DESIGN.md section 10): a cell
 * re-run in a single-threaded child of gbench under valgrind's callgrind,
 * with cache and branch simulation, collecting over the measured
 * repetitions only. Deterministic: the same cell gives the same sim_ir on
 * any machine of the architecture, PMU or not.
 *
 * Parent side: gb_callgrind_run_cells runs one child for a run's cpu cells
 *   valgrind --tool=callgrind --collect-atstart=no --cache-sim=yes
 *            --branch-sim=yes --I1=.. --D1=.. --LL=.. --callgrind-out-file=..
 *            gbench run <the run's own arguments> --executor cpu
 *            --threads 1 --processes 1 --counters none --out <tmp> --quiet
 * and parses one dump per measured repetition, labelled with its cell, into
 * sim_ir, sim_d1_misses, sim_ll_misses and sim_branch_mispredicts. With
 * GBENCH_CALLGRIND_SIM=ir in the environment it counts instructions only
 * (--cache-sim=no --branch-sim=no, several times faster): sim_ir alone, the
 * other three NAN (not simulated). Child side (the replay): when
 * gb_callgrind_child() is 1, gb_callgrind_rep_begin/end bracket each
 * measured repetition and the accuracy oracle is skipped.
 */
#ifndef GB_CALLGRIND_H
#define GB_CALLGRIND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* One cache level for valgrind: total bytes, ways, line bytes. */
struct gb_cache_geom {
	uint64_t size;
	unsigned assoc, line;
};

/* A simulated hierarchy: what valgrind simulates, and where it came from. */
struct gb_sim_cache {
	struct gb_cache_geom i1, d1, ll;   /* as passed to valgrind */
	struct gb_cache_geom real[3];      /* I1, D1, LL as the machine has them (sysfs) */
	int from_sysfs;                    /* 0: from the config's sim_cache */
	int adjusted;                      /* some level changed to suit valgrind */
	char note[256];                    /* how, when adjusted */
};

/*
 * Parse a config sim_cache item: "I1/D1/LL" or "L1/LL" (I1 = D1 = L1), each
 * level "size:assoc:line", size in bytes or with a K, M or G suffix (powers
 * of 1024), e.g. "32K:8:64/32K:8:64/32M:16:64". Each level must suit
 * valgrind (power-of-two sets and line, line >= 16). 0, or -1 after a
 * message naming what.
 */
int gb_sim_cache_parse(const char *s, struct gb_sim_cache *g, const char *what);
/*
 * The machine's hierarchy from /sys/devices/system/cpu/cpu0/cache: L1I,
 * L1D and the last level, each changed to the nearest geometry valgrind
 * accepts where the real one has a set count that is not a power of two
 * (ways adjusted at the same size when within 2x, else the size rounded):
 * both are kept. 0, or -1 with a reason when sysfs lacks a level.
 */
int gb_sim_cache_sysfs(struct gb_sim_cache *g, char *reason, size_t len);
/* "I1/D1/LL" as parsed above, e.g. "65536:16:64/49152:12:64/503316480:15:64". */
void gb_sim_cache_str(const struct gb_sim_cache *g, char *buf, size_t len);
/* For meta.json: the simulated levels, their origin, the real ones when adjusted. */
json_t *gb_sim_cache_json(const struct gb_sim_cache *g);

/* The simulated metrics, in this order in gb_sim_values. */
enum { GB_SIM_IR, GB_SIM_D1_MISSES, GB_SIM_LL_MISSES, GB_SIM_BRANCH_MISPREDICTS,
       GB_SIM_METRICS };
extern const char *const gb_sim_metric_names[GB_SIM_METRICS];

/* Per measured repetition, the simulated counts (source simulated, unit count; NAN: not simulated). */
struct gb_sim_values {
	size_t nreps;
	double (*v)[GB_SIM_METRICS];       /* v[rep][metric] */
};
void gb_sim_values_release(struct gb_sim_values *s);

/* 0 when valgrind can run gbench here, else -1 with the reason (no valgrind, a sanitizer build). */
int gb_callgrind_probe(char *reason, size_t len);

/* 1 when GBENCH_CALLGRIND_SIM=ir asks for instruction counting only. */
int gb_callgrind_ir_only(void);

/*
 * Run the cpu cells ids[n] under callgrind in one child with geometry geom
 * (NULL: valgrind's own detection; unused when counting instructions only)
 * and fill out[n], one entry per measured repetition of each cell (a cell
 * the child did not run keeps nreps 0). argc/argv are the `run` command's
 * own (argv[0] "run"); later flags override them, so the child sees the
 * same config, workloads, filter, repetitions and seed (--find-max-qps and
 * --dry-run are dropped); with n == 1 the child runs that cell alone. 0,
 * or -1 with the reason (valgrind missing or failing, no dump, interrupted)
 * and every out[] empty. The caller releases each out[i].
 */
int gb_callgrind_run_cells(int argc, char *const argv[], size_t n, const char *const ids[],
			   const struct gb_sim_cache *geom, struct gb_sim_values *out,
			   char *reason, size_t len);
/* gb_callgrind_run_cells of the one cell cell_id. */
int gb_callgrind_run_cell(int argc, char *const argv[], const char *cell_id,
			  const struct gb_sim_cache *geom, struct gb_sim_values *out,
			  char *reason, size_t len);

/* 1 in the child that gb_callgrind_run_cell started (GBENCH_CALLGRIND_CHILD=1). */
int gb_callgrind_child(void);
/*
 * Around each measured repetition of cell cell_id in the child: zero,
 * collect on / off, dump (the dump names the cell). No-ops elsewhere.
 */
void gb_callgrind_rep_begin(const char *cell_id);
void gb_callgrind_rep_end(void);

/* For `gbench info`: callgrind available on request, with the geometry it would use, or why not. */
void gb_callgrind_print_info(FILE *f, const char *indent);

#endif
