/*
 * peak.h - measured ceilings of this machine for the roofline: memory
 * bandwidth over a working-set sweep and peak arithmetic throughput.
 *
 * Bandwidth: four kernels (read, write, copy, triad) over a sweep of total
 * working sets, one thread per core, each thread pinned and streaming its own
 * part of the arrays. Bytes are counted as the kernels name them (read 4,
 * write 4, copy 8, triad 12 bytes per f32 element): the write-allocate
 * traffic of ordinary stores (the line read before it is written) is NOT
 * counted, as likwid-bench counts. Each point reports the best of several
 * timed samples. Plateaus are named L1, L2, L3 and DRAM from the sysfs cache
 * sizes (a level's range is the working sets that fit in half of it and
 * overflow twice the level below); a level whose points disagree by more
 * than GB_PEAK_PLATEAU_SPREAD is reported without a plateau, and one the
 * sweep could not reach (too little memory) says so.
 *
 * Arithmetic: f32 FMA throughput with GB_PEAK_CHAINS independent
 * accumulator chains per thread (AVX2+FMA when the CPU has it, chosen at run
 * time; SSE2 multiply+add otherwise) and, where the CPU has AVX-VNNI, the
 * int8 dot product (vpdpbusd: 32 multiplies and 32 adds per instruction,
 * counted as 64 ops). f16 arithmetic is not measured: gbench's CPU kernels
 * widen f16 to f32, so the f32 ceiling is theirs.
 *
 * The vulkan executor's device, where one can be initialized, gets its own
 * two ceilings from compute shaders timed in device time: the copy bandwidth
 * of buffers far larger than its caches (8 bytes per f32 element, as the
 * host copy kernel counts) and the f32 FMA throughput of independent chains
 * (executor.h, struct gb_exec_peak); otherwise the JSON says why not.
 *
 * Results are JSON (gb_peak_json), cached per machine fingerprint and build
 * flavour under $XDG_CACHE_HOME/gbench (else ~/.cache/gbench).
 */
#ifndef GB_PEAK_H
#define GB_PEAK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sysinfo.h"

#define GB_PEAK_CHAINS 12
#define GB_PEAK_PLATEAU_SPREAD 1.30   /* max/min within a level's range */
#define GB_PEAK_MAX_POINTS 64

enum gb_bw_kernel { GB_BW_READ, GB_BW_WRITE, GB_BW_COPY, GB_BW_TRIAD, GB_BW_COUNT };

enum gb_peak_level { GB_LVL_L1, GB_LVL_L2, GB_LVL_L3, GB_LVL_DRAM, GB_LVL_COUNT };

struct gb_peak_opts {
	int quick;         /* fewer points, shorter samples (tests) */
	int threads;       /* 0: one per online CPU */
	double max_bytes;  /* 0: from the caches and memory */
	int no_cache;      /* gb_peak_obtain neither reads nor writes the cache */
};

struct gb_bw_point {
	double bytes;                  /* total working set, all arrays, all threads */
	double gbs[GB_BW_COUNT];       /* GB/s (1e9 bytes), best sample */
	int level;                     /* enum gb_peak_level, or -1 between levels */
};

struct gb_bw_level {
	double lo, hi;                 /* working-set range named after the level */
	double capacity;               /* bytes (all instances the threads use) */
	int npoints;                   /* sweep points inside the range */
	int plateau;                   /* 1 when the points agree */
	double gbs[GB_BW_COUNT];       /* median over the range's points; NAN if none */
	char note[160];                /* why there is no value or plateau */
};

struct gb_peak {
	int threads, quick;
	char isa[32];                  /* f32 path: gb_peak_f32_isa() */
	double f32_gflops;
	double int8_gops;              /* NAN when not measured */
	char int8_note[128];
	struct gb_bw_point pt[GB_PEAK_MAX_POINTS];
	int npt;
	struct gb_bw_level lvl[GB_LVL_COUNT];
	int vk_measured;               /* the vulkan figures below are valid */
	char vk_device[256];
	double vk_copy_bytes, vk_copy_gbs, vk_f32_gflops;
	char vk_note[320];             /* why not measured, when !vk_measured */
	double seconds;                /* time the measurement took */
};

const char *gb_bw_kernel_name(enum gb_bw_kernel k);
const char *gb_peak_level_name(enum gb_peak_level l);

/* Run every measurement; 0 or -1 (allocation of the working set failed). */
/* The f32 ceiling's instruction set on this CPU and SIMD level (GBENCH_SIMD):
 * "avx512f", "avx2+fma" or "sse2". */
const char *gb_peak_f32_isa(void);
int gb_peak_measure(struct gb_peak *p, const struct gb_sysinfo *si,
		    const struct gb_peak_opts *o);

/*
 * Fill the level ranges, medians and plateau flags of p from its sweep
 * points and the cache sizes (exposed for tests).
 */
void gb_peak_levels(struct gb_peak *p, const struct gb_sysinfo *si);

/* The measurement as JSON (new reference), with host and build facts. */
json_t *gb_peak_json(const struct gb_peak *p, const struct gb_sysinfo *si);

/*
 * A machine fingerprint: 16 hex digits of FNV-1a over the CPU model, the
 * number of CPUs, the cache geometry and the memory size of a host object as
 * meta.json and gb_sysinfo_json write it. buf holds at least 17 bytes.
 */
void gb_peak_fingerprint(json_t *host, char *buf);

/*
 * The cache file for a fingerprint and this build's flavour (sanitizers
 * change the figures): <cachedir>/peak-<fp>-<flavour>.json. Caller frees.
 */
char *gb_peak_cache_path(const char *fingerprint);

/*
 * Load a peak JSON: NULL when absent or unreadable (quietly when quiet).
 * want_full: a quick measurement does not satisfy it.
 */
json_t *gb_peak_load(const char *path, int want_full, int quiet);

/* 1 when j holds the vulkan executor's measured ceilings (copy_gbs a number). */
int gb_peak_has_vulkan(json_t *j);
/* 1 when the vulkan executor can start on this machine now (it is started and released). */
int gb_peak_vulkan_available(void);

/*
 * Whether the new measurement n should replace the cached c as the
 * ceilings reports use: one whose f32 ceiling is of another instruction set
 * replaces c (the cpu executor's SIMD level changed: c's ceiling is not its
 * own), a full one replaces a --quick one (never the other
 * way), one that adds the vulkan figures replaces one without; else n
 * replaces c unless its f32 GFLOP/s or its DRAM read bandwidth is more than
 * 5% below c's (the machine was busier: the best figures are the ceilings).
 * why gets the reason in words. 1 replace, 0 keep c.
 */
int gb_peak_should_replace(json_t *c, json_t *n, char *why, size_t len);

/*
 * The ceilings for this machine: the cached result when there is one that
 * satisfies o (a full one satisfies --quick) and !force, else a new
 * measurement. A new measurement goes into the cache only when
 * gb_peak_should_replace says so; the other of the two is kept beside it
 * as peak-<fp>-<flavour>.<date>.json, and a note says which one reports
 * use. A cached result without the vulkan figures is not reused while the
 * vulkan executor can start, nor one whose f32 ceiling is not of
 * gb_peak_f32_isa(). *cache_used gets the cache path when the
 * result came from the cache (caller frees), else NULL. NULL on failure.
 */
json_t *gb_peak_obtain(const struct gb_peak_opts *o, int force, char **cache_used);

#endif
