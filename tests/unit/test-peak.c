/*
 * test-peak.c - the plateau naming of `gbench peak` on synthetic sweeps
 * (levels from cache sizes, medians, plateau and "cannot be told apart"),
 * the machine fingerprint, and the JSON a report reads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "peak.h"
#include "unit.h"

static void host(struct gb_sysinfo *si, uint64_t l1, uint64_t l2, uint64_t l3)
{
	memset(si, 0, sizeof(*si));
	snprintf(si->cpu_model, sizeof(si->cpu_model), "Test CPU");
	si->cores = 2;
	si->mem_bytes = 16ull << 30;
	si->cache[si->ncache++] = (struct gb_cache_level){ 1, "Data", l1, 12, 64, 1, "sysfs" };
	si->cache[si->ncache++] = (struct gb_cache_level){ 1, "Instruction", 65536, 8, 64, 1, "sysfs" };
	si->cache[si->ncache++] = (struct gb_cache_level){ 2, "Unified", l2, 16, 64, 1, "sysfs" };
	if (l3)
		si->cache[si->ncache++] = (struct gb_cache_level){ 3, "Unified", l3, 16, 64, 2, "sysfs" };
}

/* A sweep whose bandwidth steps down at each capacity (2 threads, private L1/L2). */
static void sweep(struct gb_peak *p, const double *bytes, const double *gbs, int n)
{
	memset(p, 0, sizeof(*p));
	p->threads = 2;
	for (int i = 0; i < n; i++) {
		p->pt[i].bytes = bytes[i];
		for (int k = 0; k < GB_BW_COUNT; k++)
			p->pt[i].gbs[k] = gbs[i] * (k + 1);
	}
	p->npt = n;
}

TEST(levels_named_from_cache_sizes)
{
	struct gb_sysinfo si;
	struct gb_peak p;
	/* L1 2x48K = 96K, L2 2x2M = 4M, L3 32M shared */
	const double b[] = { 16e3, 40e3, 300e3, 1.5e6, 10e6, 14e6, 100e6, 200e6 };
	const double g[] = { 400, 410, 200, 190, 80, 78, 20, 21 };

	host(&si, 49152, 2 << 20, 32 << 20);
	sweep(&p, b, g, 8);
	gb_peak_levels(&p, &si);
	CHECK_NEAR(p.lvl[GB_LVL_L1].capacity, 98304, 0);
	CHECK_NEAR(p.lvl[GB_LVL_L2].capacity, 4194304, 0);
	CHECK_NEAR(p.lvl[GB_LVL_L3].capacity, 33554432, 0);
	CHECK(p.pt[0].level == GB_LVL_L1 && p.pt[1].level == GB_LVL_L1);
	CHECK(p.pt[2].level == GB_LVL_L2 && p.pt[3].level == GB_LVL_L2);
	CHECK(p.pt[4].level == GB_LVL_L3 && p.pt[5].level == GB_LVL_L3);
	CHECK(p.pt[6].level == GB_LVL_DRAM && p.pt[7].level == GB_LVL_DRAM);
	CHECK_NEAR(p.lvl[GB_LVL_L1].gbs[GB_BW_READ], 405, 1e-9);
	CHECK_NEAR(p.lvl[GB_LVL_DRAM].gbs[GB_BW_COPY], 61.5, 1e-9);   /* copy = 3x in this sweep */
	for (int l = 0; l < GB_LVL_COUNT; l++) {
		CHECK(p.lvl[l].plateau);
		CHECK(p.lvl[l].npoints == 2);
	}
}

TEST(no_plateau_and_unreached_levels_say_so)
{
	struct gb_sysinfo si;
	struct gb_peak p;
	const double b[] = { 16e3, 40e3, 300e3, 1.5e6 };
	const double g[] = { 400, 100, 200, 190 };

	host(&si, 49152, 2 << 20, 32 << 20);
	sweep(&p, b, g, 4);
	gb_peak_levels(&p, &si);
	CHECK(!p.lvl[GB_LVL_L1].plateau && strstr(p.lvl[GB_LVL_L1].note, "no plateau"));
	CHECK(p.lvl[GB_LVL_L2].plateau);
	CHECK(isnan(p.lvl[GB_LVL_DRAM].gbs[GB_BW_READ]));
	CHECK(strstr(p.lvl[GB_LVL_DRAM].note, "not reached") != NULL);
}

TEST(levels_too_close_cannot_be_told_apart)
{
	struct gb_sysinfo si;
	struct gb_peak p;
	const double b[] = { 16e3, 100e6 };
	const double g[] = { 400, 20 };

	/* L2 only 2x L1: its range [2 L1, L2/2] is empty */
	host(&si, 1 << 20, 2 << 20, 0);
	sweep(&p, b, g, 2);
	gb_peak_levels(&p, &si);
	CHECK(strstr(p.lvl[GB_LVL_L2].note, "cannot be told apart") != NULL);
	CHECK(strstr(p.lvl[GB_LVL_L3].note, "no L3") != NULL);
	CHECK(p.pt[1].level == GB_LVL_DRAM);   /* DRAM begins at 2x the last cache (L2) */
}

TEST(fingerprint_and_json)
{
	struct gb_sysinfo a, b;
	struct gb_peak p;
	json_t *ja, *jb, *j;
	char fa[17], fb[17];
	const double bytes[] = { 16e3, 300e3 };
	const double g[] = { 400, 200 };

	host(&a, 49152, 2 << 20, 32 << 20);
	host(&b, 49152, 2 << 20, 64 << 20);
	ja = gb_sysinfo_json(&a);
	jb = gb_sysinfo_json(&b);
	gb_peak_fingerprint(ja, fa);
	gb_peak_fingerprint(jb, fb);
	CHECK(strlen(fa) == 16 && strcmp(fa, fb) != 0);
	gb_peak_fingerprint(ja, fb);
	CHECK_STR(fa, fb);
	sweep(&p, bytes, g, 2);
	p.f32_gflops = 123.5;
	p.int8_gops = NAN;
	snprintf(p.isa, sizeof(p.isa), "avx2+fma");
	gb_peak_levels(&p, &a);
	j = gb_peak_json(&p, &a);
	CHECK_NEAR(json_number_value(json_object_get(json_object_get(json_object_get(j, "flops"), "f32"), "gflops")), 123.5, 0);
	CHECK(json_is_null(json_object_get(json_object_get(json_object_get(j, "flops"), "int8_dot"), "gops")));
	CHECK(json_is_false(json_object_get(json_object_get(j, "bandwidth"), "write_allocate_counted")));
	CHECK(json_array_size(json_object_get(json_object_get(j, "bandwidth"), "levels")) == GB_LVL_COUNT);
	CHECK_STR(json_string_value(json_object_get(j, "fingerprint")), fa);
	json_decref(j);
	json_decref(ja);
	json_decref(jb);
}

int main(void)
{
	RUN(levels_named_from_cache_sizes);
	RUN(no_plateau_and_unreached_levels_say_so);
	RUN(levels_too_close_cannot_be_told_apart);
	RUN(fingerprint_and_json);
	return unit_done();
}
