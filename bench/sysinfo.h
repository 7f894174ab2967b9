/*
 * sysinfo.h - what machine this is: CPU model, cores, caches (from sysfs,
 * which is right where getconf is not; from CPUID on a VM whose sysfs has
 * none), memory, kernel and the build.
 * Shared by `gbench info` and meta.json.
 */
#ifndef GB_SYSINFO_H
#define GB_SYSINFO_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct gb_cache_level {
	int level;
	char type[16];        /* Data, Instruction, Unified */
	uint64_t size;        /* bytes */
	int ways, line;
	int shared_cpus;      /* CPUs sharing it */
	char source[8];       /* "sysfs", or "cpuid" where sysfs has no caches */
};

struct gb_sysinfo {
	char cpu_model[256];
	int cores;            /* online CPUs */
	struct gb_cache_level cache[8];
	int ncache;
	uint64_t mem_bytes;
	char kernel[256];
	int hypervisor;       /* the "hypervisor" flag in /proc/cpuinfo */
};

void gb_sysinfo_read(struct gb_sysinfo *s);
/* Bytes of cpu0's data (or unified) cache of `level`; 0 when neither sysfs nor CPUID says. */
uint64_t gb_sysinfo_cache_bytes(int level);
/* New JSON objects (caller owns the reference). */
json_t *gb_sysinfo_json(const struct gb_sysinfo *s);
json_t *gb_buildinfo_json(void);
void gb_sysinfo_print(FILE *f, const struct gb_sysinfo *s);
void gb_buildinfo_print(FILE *f);

#endif
