/*
 * peak-cache.c - the measured ceilings of `gbench peak` as JSON (see peak.h
 * for the file's fields), the machine fingerprint they are filed under, and
 * the cache of them per fingerprint and build flavour: its path, loading a
 * cached file, and whether a new measurement should replace the cached one.
 * Nothing here measures; peak.c does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildinfo.h"
#include "escape.h"
#include "executor.h"
#include "gbench.h"
#include "peak.h"

/* ---- JSON, fingerprint, cache ---- */

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *gb_peak_json(const struct gb_peak *p, const struct gb_sysinfo *si)
{
	json_t *host = gb_sysinfo_json(si), *sweep = json_array(), *levels = json_array();
	json_t *o, *flops, *vk;
	char fp[17], date[32];

	gb_peak_fingerprint(host, fp);
	gb_utc_now(date, sizeof(date));
	for (int i = 0; i < p->npt; i++) {
		json_t *pt = json_pack("{s:I, s:s}", "bytes", (json_int_t)p->pt[i].bytes, "level",
				       p->pt[i].level >= 0 ? gb_peak_level_name(p->pt[i].level) : "");

		for (int k = 0; k < GB_BW_COUNT; k++)
			json_object_set_new(pt, gb_bw_kernel_name(k), num_or_null(p->pt[i].gbs[k]));
		json_array_append_new(sweep, pt);
	}
	for (int l = 0; l < GB_LVL_COUNT; l++) {
		const struct gb_bw_level *lv = &p->lvl[l];
		json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:i, s:b}", "name", gb_peak_level_name(l),
				      "capacity_bytes", lv->capacity ? json_integer((json_int_t)lv->capacity) : json_null(),
				      "range_lo_bytes", num_or_null(lv->lo),
				      "range_hi_bytes", num_or_null(lv->hi),
				      "points", lv->npoints, "plateau", lv->plateau);

		for (int k = 0; k < GB_BW_COUNT; k++)
			json_object_set_new(j, gb_bw_kernel_name(k), num_or_null(lv->gbs[k]));
		if (lv->note[0])
			json_object_set_new(j, "note", json_string(lv->note));
		json_array_append_new(levels, j);
	}
	flops = json_pack("{s:{s:f, s:s, s:i, s:s}, s:{s:o, s:s}, s:{s:n, s:s}}",
		"f32", "gflops", p->f32_gflops, "isa", p->isa, "chains", GB_PEAK_CHAINS,
		"note", "independent FMA chains per thread; an FMA counts as 2 FLOPs",
		"int8_dot", "gops", num_or_null(p->int8_gops), "note", p->int8_note,
		"f16", "gops", "note",
		"not measured: gbench's CPU kernels widen f16 weights to f32, so the f32 ceiling applies");
	if (p->vk_measured)
		vk = json_pack("{s:s, s:f, s:f, s:I, s:s}", "device", p->vk_device,
			"copy_gbs", p->vk_copy_gbs, "f32_gflops", p->vk_f32_gflops,
			"copy_buffer_bytes", (json_int_t)p->vk_copy_bytes,
			"note", "device time (timestamp queries), best of several dispatches after a "
				"warm-up; copy counts 8 bytes per f32 element (no write-allocate), "
				"an FMA counts as 2 FLOPs (8 independent vec4 chains per invocation)");
	else
		vk = json_pack("{s:s}", "note", p->vk_note);
	o = json_pack("{s:i, s:s, s:s, s:o, s:o, s:b, s:i, s:f, s:o, s:{s:s, s:s, s:b, s:s, s:o, s:o}, s:{s:o}}",
		"schema", 1, "fingerprint", fp, "date", date, "host", host,
		"build", gb_buildinfo_json(), "quick", p->quick, "threads", p->threads,
		"seconds", p->seconds, "flops", flops,
		"bandwidth", "unit", "GB/s (1e9 bytes per second)",
		"counting", "bytes the kernel names: read 4, write 4, copy 8, triad 12 per f32 element; "
			    "the write-allocate reads of ordinary stores are not counted (as likwid-bench counts)",
		"write_allocate_counted", 0,
		"statistic", "best of the samples at each point; a level's figure is the median of its points",
		"levels", levels, "sweep", sweep,
		"executors", "vulkan", vk);
	return o;
}

void gb_peak_fingerprint(json_t *host, char *buf)
{
	uint64_t h = GB_FNV_INIT;
	const char *model = json_string_value(json_object_get(host, "cpu_model"));
	json_int_t cores = json_integer_value(json_object_get(host, "cores"));
	json_int_t mem = json_integer_value(json_object_get(host, "memory_bytes"));
	json_t *caches = json_object_get(host, "caches"), *c;
	size_t i;
	char tmp[256];

	h = gb_fnv1a(h, model ? model : "", model ? strlen(model) : 0);
	snprintf(tmp, sizeof(tmp), "|%lld|%lld", (long long)cores, (long long)(mem >> 28));
	h = gb_fnv1a(h, tmp, strlen(tmp));
	json_array_foreach(caches, i, c) {
		snprintf(tmp, sizeof(tmp), "|L%lld%s:%lld/%lld/%lld",
			 (long long)json_integer_value(json_object_get(c, "level")),
			 json_string_value(json_object_get(c, "type")) ?
				 json_string_value(json_object_get(c, "type")) : "",
			 (long long)json_integer_value(json_object_get(c, "size_bytes")),
			 (long long)json_integer_value(json_object_get(c, "ways")),
			 (long long)json_integer_value(json_object_get(c, "shared_cpus")));
		h = gb_fnv1a(h, tmp, strlen(tmp));
	}
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

char *gb_peak_cache_path(const char *fingerprint)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir, *path;
	const char *flavour = strstr(GB_BUILD_SANITIZERS, "address") ? "san" : "release";

	if (x && *x)
		dir = gb_xasprintf("%s/gbench", x);
	else
		dir = gb_xasprintf("%s/.cache/gbench", home && *home ? home : "/tmp");
	path = gb_xasprintf("%s/peak-%s-%s.json", dir, fingerprint, flavour);
	free(dir);
	return path;
}

/*
 * Every figure of a peak file is one a machine could have measured: a rate
 * (GB/s, GFLOP/s, GOP/s) finite and from 1e-3 to 1e8, a size a positive
 * integer; null where it was not measured. Anything else would reach the
 * report as a roofline of 1e300% (a hand-edited file, a corrupt cache).
 * 0, or -1 with the first offender named in why (its path in the file).
 */
#define PEAK_RATE_MIN 1e-3
#define PEAK_RATE_MAX 1e8

static int peak_check(json_t *v, const char *key, const char *at, char *why, size_t len)
{
	static const char *const rates[] = { "gflops", "gops", "read", "write", "copy", "triad",
					     "copy_gbs", "f32_gflops" };
	static const char *const sizes[] = { "capacity_bytes", "bytes", "copy_buffer_bytes" };
	const char *k;
	json_t *x;
	size_t i;
	char sub[160];

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (!*at && (!strcmp(k, "host") || !strcmp(k, "build")))
				continue;
			snprintf(sub, sizeof(sub), "%s%s%s", at, *at ? "." : "", k);
			if (peak_check(x, k, sub, why, len) < 0)
				return -1;
		}
		return 0;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			snprintf(sub, sizeof(sub), "%s[%zu]", at, i);
			if (peak_check(x, key, sub, why, len) < 0)
				return -1;
		}
		return 0;
	}
	if (json_is_null(v) || !key)
		return 0;
	for (i = 0; i < GB_ARRAY_SIZE(rates); i++)
		if (!strcmp(key, rates[i])) {
			double d = json_number_value(v);

			if (json_is_number(v) && d >= PEAK_RATE_MIN && d <= PEAK_RATE_MAX)
				return 0;
			snprintf(why, len, "%s is not a measured rate (a number from %g to %g, or null)",
				 at, PEAK_RATE_MIN, PEAK_RATE_MAX);
			return -1;
		}
	for (i = 0; i < GB_ARRAY_SIZE(sizes); i++)
		if (!strcmp(key, sizes[i])) {
			if (json_is_integer(v) && json_integer_value(v) > 0)
				return 0;
			snprintf(why, len, "%s is not a size in bytes (a positive integer, or null)", at);
			return -1;
		}
	return 0;
}

json_t *gb_peak_load(const char *path, int want_full, int quiet)
{
	char why[256];

	json_error_t err;
	json_t *j;

	if (quiet && access(path, R_OK) != 0)
		return NULL;
	j = json_load_file(path, 0, &err);
	if (!j) {
		if (!quiet)
			gb_error("%s:%d: %s", path, err.line, err.text);
		return NULL;
	}
	if (json_integer_value(json_object_get(j, "schema")) != 1 ||
	    !json_is_object(json_object_get(j, "flops")) ||
	    !json_is_object(json_object_get(j, "bandwidth"))) {
		if (!quiet)
			gb_error("'%s' is not a gbench peak file", path);
		json_decref(j);
		return NULL;
	}
	if (peak_check(j, NULL, "", why, sizeof(why)) < 0) {
		if (!quiet) {
			char *w = gb_escape_msg(why);

			gb_error("'%s': %s", path, w);
			free(w);
		}
		json_decref(j);
		return NULL;
	}
	if (want_full && json_is_true(json_object_get(j, "quick"))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int gb_peak_has_vulkan(json_t *j)
{
	return json_is_number(json_object_get(json_object_get(json_object_get(j, "executors"),
							      "vulkan"), "copy_gbs"));
}

int gb_peak_vulkan_available(void)
{
	struct gb_executor ex;
	struct gb_exec_opts eo = { 0 };
	char reason[256];

	if (gb_executor_init(&ex, &gb_executor_vulkan, &eo, reason, sizeof(reason)) < 0)
		return 0;
	gb_executor_release(&ex);
	return 1;
}

static double peak_f32(json_t *j)
{
	json_t *v = json_object_get(json_object_get(json_object_get(j, "flops"), "f32"), "gflops");

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static double peak_dram_read(json_t *j)
{
	json_t *lv;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(j, "bandwidth"), "levels"), i, lv) {
		const char *name = json_string_value(json_object_get(lv, "name"));
		json_t *v = json_object_get(lv, "read");

		if (name && !strcmp(name, "DRAM") && json_is_number(v))
			return json_number_value(v);
	}
	return NAN;
}

static const char *peak_isa(json_t *j)
{
	const char *isa = json_string_value(json_object_get(
		json_object_get(json_object_get(j, "flops"), "f32"), "isa"));

	return isa ? isa : "";
}

int gb_peak_should_replace(json_t *c, json_t *n, char *why, size_t len)
{
	int cq = json_is_true(json_object_get(c, "quick")), nq = json_is_true(json_object_get(n, "quick"));
	double cf = peak_f32(c), nf = peak_f32(n), cd = peak_dram_read(c), nd = peak_dram_read(n);

	if (strcmp(peak_isa(c), peak_isa(n)) != 0) {
		snprintf(why, len, "its f32 ceiling is of another instruction set (%s, was %s), "
			 "the one the cpu executor runs now", peak_isa(n), peak_isa(c));
		return 1;
	}
	if (cq && !nq) {
		snprintf(why, len, "a full measurement replaces a --quick one");
		return 1;
	}
	if (!cq && nq) {
		snprintf(why, len, "a --quick measurement does not replace a full one");
		return 0;
	}
	if (!gb_peak_has_vulkan(c) && gb_peak_has_vulkan(n)) {
		snprintf(why, len, "it adds the vulkan ceilings");
		return 1;
	}
	if (gb_peak_has_vulkan(c) && !gb_peak_has_vulkan(n)) {
		snprintf(why, len, "it lacks the vulkan ceilings the cached one has");
		return 0;
	}
	if ((nf < 0.95 * cf) || (nd < 0.95 * cd)) {
		snprintf(why, len, "its figures are lower (f32 %.1f vs %.1f GFLOP/s, DRAM read %.1f vs "
			 "%.1f GB/s): the machine was probably busier", nf, cf, nd, cd);
		return 0;
	}
	snprintf(why, len, "its figures are as high or higher (f32 %.1f vs %.1f GFLOP/s, DRAM read "
		 "%.1f vs %.1f GB/s)", nf, cf, nd, cd);
	return 1;
}
