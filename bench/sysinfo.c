/*
 * sysinfo.c - the machine and build facts of sysinfo.h. Everything is read
 * from /proc and /sys; a fact that cannot be read stays empty or 0 and is
 * printed as "unknown", never guessed. The one exception to sysfs: a VM
 * whose kernel shows no /sys/devices/system/cpu/cpu0/cache gets its caches
 * from the CPUID leaves the hypervisor passes on (sysinfo_cpuid), marked
 * with that source wherever they are shown.
 */
#include "sysinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "buildinfo.h"
#include "cli.h"
#include "gbench.h"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	if (*end == 'K')
		v <<= 10;
	else if (*end == 'M')
		v <<= 20;
	else if (*end == 'G')
		v <<= 30;
	return v;
}

static int count_cpus(const char *list)
{
	int n = 0;
	char *dup = gb_xstrdup(list), *save = NULL;

	for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int a, b;

		if (sscanf(tok, "%d-%d", &a, &b) == 2)
			n += b - a + 1;
		else
			n++;
	}
	free(dup);
	return n;
}

#if defined(__x86_64__) || defined(__i386__)
static void add_cache(struct gb_sysinfo *s, int level, const char *type, uint64_t size,
		      int ways, int line, int shared)
{
	struct gb_cache_level *c;

	if (s->ncache >= (int)(sizeof(s->cache) / sizeof(s->cache[0])) || !size)
		return;
	c = &s->cache[s->ncache++];
	c->level = level;
	snprintf(c->type, sizeof(c->type), "%s", type);
	c->size = size;
	c->ways = ways;
	c->line = line;
	c->shared_cpus = shared;
	snprintf(c->source, sizeof(c->source), "cpuid");
}

/*
 * The deterministic cache parameters (Intel leaf 4, AMD leaf 0x8000001D:
 * the same layout), else AMD's legacy leaves 0x80000005/6 for L1d and L2.
 * Their L3 field is left out: under KVM it reads the whole socket's (508
 * MiB on the development VM), not what one core shares.
 */
static void sysinfo_cpuid(struct gb_sysinfo *s)
{
	static const char *const types[] = { "", "Data", "Instruction", "Unified" };
	/* leaf 0x80000006's encoded L2 associativity; 0: not said */
	static const int l2_ways[16] = { 0, 1, 2, 3, 4, 6, 8, 0, 16, 0, 32, 48, 64, 96, 128, 0 };
	unsigned a, b, c, d, ext = (unsigned)__get_cpuid_max(0x80000000u, NULL);
	unsigned leaves[2] = { 4, 0x8000001du };

	for (int l = 0; l < 2 && !s->ncache; l++) {
		unsigned leaf = leaves[l];

		if ((leaf < 0x80000000u && (unsigned)__get_cpuid_max(0, NULL) < leaf) ||
		    (leaf >= 0x80000000u && ext < leaf))
			continue;
		for (unsigned sub = 0; sub < 8; sub++) {
			unsigned type;

			__cpuid_count(leaf, sub, a, b, c, d);
			type = a & 31u;
			if (type == 0 || type > 3)
				break;
			add_cache(s, (int)((a >> 5) & 7u), types[type],
				  (uint64_t)((b >> 22) + 1) * (((b >> 12) & 0x3ffu) + 1) *
					  ((b & 0xfffu) + 1) * ((uint64_t)c + 1),
				  (int)(b >> 22) + 1, (int)(b & 0xfffu) + 1, (int)((a >> 14) & 0xfffu) + 1);
		}
	}
	if (s->ncache || ext < 0x80000006u)
		return;
	__cpuid(0x80000005u, a, b, c, d);
	add_cache(s, 1, "Data", (uint64_t)(c >> 24) << 10, (int)((c >> 16) & 0xffu), (int)(c & 0xffu), 1);
	__cpuid(0x80000006u, a, b, c, d);
	add_cache(s, 2, "Unified", (uint64_t)(c >> 16) << 10, l2_ways[(c >> 12) & 0xfu],
		  (int)(c & 0xffu), 1);
}
#else
static void sysinfo_cpuid(struct gb_sysinfo *s)
{
	(void)s;
}
#endif

/* A whole number as /proc/cpuinfo writes it (decimal, or hex with 0x), else -1. */
static long cpuinfo_number(const char *v)
{
	char *end;
	long x;

	if (!*v || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	x = strtol(v, &end, 0);
	return errno || *end || x < 0 ? -1 : x;
}

/* Whether the space-separated list holds the word w. */
static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

void gb_sysinfo_parse_cpuinfo(FILE *f, struct gb_sysinfo *s)
{
	struct gb_cpu_sig *g = &s->sig;
	const struct { const char *key; long *v; } num[] = {
		{ "cpu family", &g->family }, { "model", &g->model }, { "stepping", &g->stepping },
		{ "CPU implementer", &g->implementer }, { "CPU part", &g->part },
		{ "CPU variant", &g->variant }, { "CPU revision", &g->revision },
	};
	unsigned seen = 0;   /* the numbers the first processor to say them said */
	char *line = NULL;   /* whole lines: a flags line passes 512 bytes */
	size_t cap = 0;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++)
		*num[i].v = -1;
	while (f && getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':'), *v, *k;
		size_t kl;

		if (!colon)
			continue;
		/* "key<tabs>: value\n": the key without its padding, the value without the newline */
		for (kl = (size_t)(colon - line); kl > 0 && (line[kl - 1] == ' ' || line[kl - 1] == '\t'); kl--)
			;
		line[kl] = '\0';
		k = line;
		v = colon + 1 + (colon[1] == ' ');
		v[strcspn(v, "\n")] = '\0';
		if (!s->cpu_model[0] && !strcmp(k, "model name"))
			snprintf(s->cpu_model, sizeof(s->cpu_model), "%s", v);
		else if (!strcmp(k, "flags") && has_word(v, "hypervisor"))
			s->hypervisor = 1;
		else if (!g->vendor[0] && !strcmp(k, "vendor_id"))
			snprintf(g->vendor, sizeof(g->vendor), "%s", v);
		else
			for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++)
				if (!(seen & (1u << i)) && !strcmp(k, num[i].key)) {
					*num[i].v = cpuinfo_number(v);
					seen |= 1u << i;
				}
	}
	free(line);
	/* a signature is the family and model (x86) or implementer and part (arm64) */
	if (g->family >= 0 && g->model >= 0)
		snprintf(g->arch, sizeof(g->arch), "x86");
	else if (g->implementer >= 0 && g->part >= 0)
		snprintf(g->arch, sizeof(g->arch), "arm");
}

void gb_cpu_sig_text(const struct gb_cpu_sig *g, char *buf, size_t len)
{
	char step[32] = "", var[48] = "";

	if (!strcmp(g->arch, "x86")) {
		if (g->stepping >= 0)
			snprintf(step, sizeof(step), " stepping %ld", g->stepping);
		snprintf(buf, len, "%s%sfamily %ld model %ld%s", g->vendor, g->vendor[0] ? " " : "",
			 g->family, g->model, step);
	} else if (!strcmp(g->arch, "arm")) {
		if (g->variant >= 0)
			snprintf(var, sizeof(var), " variant 0x%lx", g->variant);
		if (g->revision >= 0)
			snprintf(var + strlen(var), sizeof(var) - strlen(var), " revision %ld",
				 g->revision);
		snprintf(buf, len, "implementer 0x%02lx part 0x%03lx%s", g->implementer, g->part, var);
	} else if (len) {
		buf[0] = '\0';
	}
}

void gb_sysinfo_read(struct gb_sysinfo *s)
{
	char line[512], path[128];
	struct utsname u;
	FILE *f;

	memset(s, 0, sizeof(*s));
	s->cores = gb_ncpus();
	f = fopen("/proc/cpuinfo", "r");
	gb_sysinfo_parse_cpuinfo(f, s);
	if (f)
		fclose(f);
	for (int i = 0; i < 8; i++) {
		struct gb_cache_level *c = &s->cache[s->ncache];

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if (read_line(path, line, sizeof(line)) < 0)
			break;
		c->level = atoi(line);
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (read_line(path, c->type, sizeof(c->type)) < 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		if (read_line(path, line, sizeof(line)) == 0)
			c->size = parse_size(line);
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/ways_of_associativity", i);
		if (read_line(path, line, sizeof(line)) == 0)
			c->ways = atoi(line);
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/coherency_line_size", i);
		if (read_line(path, line, sizeof(line)) == 0)
			c->line = atoi(line);
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
		if (read_line(path, line, sizeof(line)) == 0)
			c->shared_cpus = count_cpus(line);
		snprintf(c->source, sizeof(c->source), "sysfs");
		s->ncache++;
	}
	if (!s->ncache)
		sysinfo_cpuid(s);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long kb;

		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			s->mem_bytes = kb * 1024ull;
	}
	if (f)
		fclose(f);
	if (uname(&u) == 0)
		snprintf(s->kernel, sizeof(s->kernel), "%s %s %s", u.sysname, u.release, u.machine);
}

uint64_t gb_sysinfo_cache_bytes(int level)
{
	struct gb_sysinfo s;

	/* cpu0's data or unified cache of that level, as gb_sysinfo_read finds it */
	gb_sysinfo_read(&s);
	for (int i = 0; i < s.ncache; i++)
		if (s.cache[i].level == level && strcmp(s.cache[i].type, "Instruction"))
			return s.cache[i].size;
	return 0;
}

static json_t *int_or_null(long v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

/* host.cpu_signature: only the numbers the machine said; absent when it said none. */
static json_t *sig_json(const struct gb_cpu_sig *g)
{
	if (!strcmp(g->arch, "x86"))
		return json_pack("{s:s, s:s, s:o, s:o, s:o}", "arch", "x86", "vendor", g->vendor,
				 "family", int_or_null(g->family), "model", int_or_null(g->model),
				 "stepping", int_or_null(g->stepping));
	if (!strcmp(g->arch, "arm"))
		return json_pack("{s:s, s:o, s:o, s:o, s:o}", "arch", "arm",
				 "implementer", int_or_null(g->implementer), "part", int_or_null(g->part),
				 "variant", int_or_null(g->variant), "revision", int_or_null(g->revision));
	return NULL;
}

json_t *gb_sysinfo_json(const struct gb_sysinfo *s)
{
	json_t *caches = json_array(), *j, *sig = sig_json(&s->sig);

	for (int i = 0; i < s->ncache; i++) {
		const struct gb_cache_level *c = &s->cache[i];

		json_array_append_new(caches, json_pack("{s:i, s:s, s:I, s:i, s:i, s:i, s:s}",
			"level", c->level, "type", c->type, "size_bytes", (json_int_t)c->size,
			"ways", c->ways, "line_bytes", c->line, "shared_cpus", c->shared_cpus,
			"source", c->source));
	}
	j = json_pack("{s:s, s:i, s:o, s:I, s:s, s:b}",
		      "cpu_model", s->cpu_model[0] ? s->cpu_model : "unknown",
		      "cores", s->cores, "caches", caches,
		      "memory_bytes", (json_int_t)s->mem_bytes,
		      "kernel", s->kernel[0] ? s->kernel : "unknown",
		      "hypervisor", s->hypervisor);
	if (sig)
		json_object_set_new(j, "cpu_signature", sig);
	return j;
}

json_t *gb_buildinfo_json(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "version", GB_VERSION, "compiler", GB_BUILD_CC,
			 "flags", GB_BUILD_CFLAGS, "sanitizers", GB_BUILD_SANITIZERS,
			 "commit", GB_BUILD_COMMIT);
}

static void print_size(FILE *f, uint64_t b)
{
	if (b >= (1ull << 30) && b % (1ull << 30) == 0)
		fprintf(f, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b >= (1ull << 20) && b % (1ull << 20) == 0)
		fprintf(f, "%llu MiB", (unsigned long long)(b >> 20));
	else if (b >= 1024 && b % 1024 == 0)
		fprintf(f, "%llu KiB", (unsigned long long)(b >> 10));
	else
		fprintf(f, "%llu B", (unsigned long long)b);
}

void gb_sysinfo_print(FILE *f, const struct gb_sysinfo *s)
{
	char sig[128];

	fprintf(f, "machine\n");
	fprintf(f, "  cpu          %s%s\n", s->cpu_model[0] ? s->cpu_model : "unknown",
		s->hypervisor ? " (under a hypervisor)" : "");
	gb_cpu_sig_text(&s->sig, sig, sizeof(sig));
	fprintf(f, "  signature    %s\n", sig[0] ? sig : "unknown (not in /proc/cpuinfo)");
	fprintf(f, "  cores        %d online\n", s->cores);
	for (int i = 0; i < s->ncache; i++) {
		const struct gb_cache_level *c = &s->cache[i];

		fprintf(f, "  cache        L%d %-11s ", c->level, c->type);
		print_size(f, c->size);
		if (c->ways > 0)
			fprintf(f, ", %d-way", c->ways);
		fprintf(f, ", %d B lines, shared by %d CPU%s%s\n", c->line,
			c->shared_cpus, c->shared_cpus == 1 ? "" : "s",
			strcmp(c->source, "cpuid") ? "" : " (from CPUID: no sysfs cache)");
	}
	if (!s->ncache)
		fprintf(f, "  cache        unknown (no /sys/devices/system/cpu/cpu0/cache, nothing in CPUID)\n");
	fprintf(f, "  memory       ");
	if (s->mem_bytes)
		fprintf(f, "%.1f GiB\n", (double)s->mem_bytes / (1ull << 30));
	else
		fprintf(f, "unknown\n");
	fprintf(f, "  kernel       %s\n", s->kernel[0] ? s->kernel : "unknown");
}

void gb_buildinfo_print(FILE *f)
{
	fprintf(f, "build\n");
	fprintf(f, "  compiler     %s\n", GB_BUILD_CC);
	fprintf(f, "  flags        %s\n", GB_BUILD_CFLAGS);
	fprintf(f, "  sanitizers   %s\n", GB_BUILD_SANITIZERS);
	fprintf(f, "  commit       %s\n", GB_BUILD_COMMIT);
}
