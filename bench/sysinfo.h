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

/*
 * What the CPU says it is beyond its name, as /proc/cpuinfo gives it: a
 * hypervisor may show a bare "AMD EPYC" for CPUs of different generations,
 * which these numbers tell apart. x86: vendor_id, cpu family, model and
 * stepping (decimal, from CPUID leaf 1); arm64: CPU implementer, part and
 * variant (hex, from MIDR) and revision. Unknown numbers are -1, unknown
 * strings empty; arch is "" when neither set was read whole.
 */
struct gb_cpu_sig {
	char arch[8];         /* "x86", "arm", or "" */
	char vendor[32];      /* x86 vendor_id */
	long family, model, stepping;          /* x86 */
	long implementer, part, variant, revision;  /* arm64 */
};

struct gb_sysinfo {
	char cpu_model[256];
	struct gb_cpu_sig sig;
	int cores;            /* online CPUs */
	struct gb_cache_level cache[8];
	int ncache;
	uint64_t mem_bytes;
	char kernel[256];
	int hypervisor;       /* the "hypervisor" flag in /proc/cpuinfo */
};

void gb_sysinfo_read(struct gb_sysinfo *s);
/*
 * The facts /proc/cpuinfo holds (model name, signature, the hypervisor
 * flag), from the first processor that says each; gb_sysinfo_read's part,
 * exposed for the tests.
 */
void gb_sysinfo_parse_cpuinfo(FILE *f, struct gb_sysinfo *s);
/* "AuthenticAMD family 25 model 1 stepping 1", "implementer 0x41 part 0xd0c ...", or "". */
void gb_cpu_sig_text(const struct gb_cpu_sig *g, char *buf, size_t len);
/* Bytes of cpu0's data (or unified) cache of `level`; 0 when neither sysfs nor CPUID says. */
uint64_t gb_sysinfo_cache_bytes(int level);
/* New JSON objects (caller owns the reference). */
json_t *gb_sysinfo_json(const struct gb_sysinfo *s);
json_t *gb_buildinfo_json(void);
void gb_sysinfo_print(FILE *f, const struct gb_sysinfo *s);
void gb_buildinfo_print(FILE *f);

#endif
