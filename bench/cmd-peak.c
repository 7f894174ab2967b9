/*
 * cmd-peak.c - `gbench peak`: the measured ceilings of this machine for the
 * roofline (peak.h), printed as a table and cached per machine fingerprint
 * so that `gbench report` finds them without measuring again.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "fsio.h"
#include "gbench.h"
#include "peak.h"
#include "sysinfo.h"

static const char usage_text[] =
	"usage: gbench peak [--quick] [--force] [--threads N] [--max-bytes B] [--out FILE] [--json]\n"
	"\n"
	"Measure the ceilings the roofline is drawn with: memory bandwidth (read,\n"
	"write, copy, triad) over a sweep of working sets with the plateaus named\n"
	"L1, L2, L3 and DRAM from the sysfs cache sizes, and peak f32 FLOP/s (FMA\n"
	"chains; int8 dot product where the CPU has AVX-VNNI), one thread per core,\n"
	"and, where the vulkan executor starts, its device's copy bandwidth and f32\n"
	"FLOP/s from compute shaders timed in device time.\n"
	"Bytes are counted as likwid-bench counts them: write-allocate traffic is\n"
	"not counted. The result is cached per machine fingerprint and build flavour\n"
	"in $XDG_CACHE_HOME/gbench (else ~/.cache/gbench) and reused until --force;\n"
	"--threads and --max-bytes measure without the cache.\n"
	"\n"
	"    --quick         two points per level and short samples (seconds, for tests)\n"
	"    --force         measure even when a cached result exists\n"
	"    --threads N     threads (default: one per online CPU)\n"
	"    --max-bytes B   top of the sweep in bytes (default 4x the last cache level)\n"
	"    --out FILE      also write the JSON to FILE (atomically); '-': the JSON on\n"
	"                    stdout instead of the table\n"
	"    --json          print the JSON instead of the table\n"
	"    -h, --help      show this help\n"
	"\n"
	"The cache keeps the best ceilings measured on this machine: a measurement\n"
	"more than 5% below the cached one (a busier machine) does not replace it\n"
	"and is kept beside it with its date; a full measurement replaces a --quick\n"
	"one, and one with the vulkan figures one without. The note on stderr says\n"
	"which one reports use.\n";

static void print_table(FILE *f, json_t *j)
{
	json_t *bw = json_object_get(j, "bandwidth"), *fl = json_object_get(j, "flops");
	json_t *lv, *pt, *f32 = json_object_get(fl, "f32"), *i8 = json_object_get(fl, "int8_dot");
	json_t *vk = json_object_get(json_object_get(j, "executors"), "vulkan");
	size_t i;

	fprintf(f, "peak ceilings (%s, %lld threads%s, measured %s)\n",
		json_string_value(json_object_get(json_object_get(j, "host"), "cpu_model")),
		(long long)json_integer_value(json_object_get(j, "threads")),
		json_is_true(json_object_get(j, "quick")) ? ", --quick" : "",
		json_string_value(json_object_get(j, "date")));
	fprintf(f, "  f32       %8.1f GFLOP/s  (%s, %lld chains per thread)\n",
		json_number_value(json_object_get(f32, "gflops")),
		json_string_value(json_object_get(f32, "isa")),
		(long long)json_integer_value(json_object_get(f32, "chains")));
	if (json_is_number(json_object_get(i8, "gops")))
		fprintf(f, "  int8 dot  %8.1f GOPS     (%s)\n",
			json_number_value(json_object_get(i8, "gops")),
			json_string_value(json_object_get(i8, "note")));
	else
		fprintf(f, "  int8 dot  %s\n", json_string_value(json_object_get(i8, "note")));
	fprintf(f, "  f16       %s\n",
		json_string_value(json_object_get(json_object_get(fl, "f16"), "note")));
	if (json_is_number(json_object_get(vk, "copy_gbs")))
		fprintf(f, "  vulkan    %8.3g GFLOP/s f32, %.3g GB/s copy (%s)\n",
			json_number_value(json_object_get(vk, "f32_gflops")),
			json_number_value(json_object_get(vk, "copy_gbs")),
			json_string_value(json_object_get(vk, "device")));
	else if (json_is_string(json_object_get(vk, "note")))
		fprintf(f, "  vulkan    %s\n", json_string_value(json_object_get(vk, "note")));
	fprintf(f, "bandwidth, GB/s (%s)\n", json_string_value(json_object_get(bw, "counting")));
	fprintf(f, "  %-5s %12s %9s %9s %9s %9s  %s\n", "level", "capacity", "read", "write",
		"copy", "triad", "plateau");
	json_array_foreach(json_object_get(bw, "levels"), i, lv) {
		json_t *cap = json_object_get(lv, "capacity_bytes");
		const char *note = json_string_value(json_object_get(lv, "note"));
		char capbuf[32];

		if (json_is_integer(cap))
			snprintf(capbuf, sizeof(capbuf), "%.0f KiB",
				 (double)json_integer_value(cap) / 1024);
		else
			snprintf(capbuf, sizeof(capbuf), "-");
		fprintf(f, "  %-5s %12s", json_string_value(json_object_get(lv, "name")), capbuf);
		if (!json_is_number(json_object_get(lv, "read"))) {
			fprintf(f, "  %s\n", note ? note : "not measured");
			continue;
		}
		for (int k = 0; k < GB_BW_COUNT; k++)
			fprintf(f, " %9.1f", json_number_value(json_object_get(lv, gb_bw_kernel_name(k))));
		fprintf(f, "  %s (%lld points)\n",
			json_is_true(json_object_get(lv, "plateau")) ? "yes" : note ? note : "no",
			(long long)json_integer_value(json_object_get(lv, "points")));
	}
	fprintf(f, "sweep\n  %12s %9s %9s %9s %9s  level\n", "bytes", "read", "write", "copy", "triad");
	json_array_foreach(json_object_get(bw, "sweep"), i, pt) {
		fprintf(f, "  %12lld", (long long)json_integer_value(json_object_get(pt, "bytes")));
		for (int k = 0; k < GB_BW_COUNT; k++)
			fprintf(f, " %9.1f", json_number_value(json_object_get(pt, gb_bw_kernel_name(k))));
		fprintf(f, "  %s\n", json_string_value(json_object_get(pt, "level")));
	}
}

static int write_json(json_t *j, const char *path)
{
	struct gb_atomic a;

	if (gb_atomic_open(&a, path) < 0)
		return -1;
	if (json_dumpf(j, a.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', a.f) == EOF) {
		gb_atomic_abort(&a);
		return gb_error("cannot write '%s'", path);
	}
	return gb_atomic_commit(&a);
}

/* The cache file's folder, created when missing. */
static int ensure_parent(const char *path)
{
	char *dir = gb_xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash) {
		*slash = 0;
		rc = gb_mkdir_p(dir);
	}
	free(dir);
	return rc;
}

/* Beside the cache: peak-<fp>-<flavour>.<date>.json for a measurement not (or no longer) used. */
static char *dated_path(const char *cache, json_t *j)
{
	const char *date = json_string_value(json_object_get(j, "date"));
	size_t n = strlen(cache);
	char d[32] = "", *out;
	size_t k = 0;

	for (const char *p = date ? date : ""; *p && k + 1 < sizeof(d); p++)
		if ((*p >= '0' && *p <= '9') || *p == 'T')
			d[k++] = *p;
	d[k] = 0;
	if (n > 5 && !strcmp(cache + n - 5, ".json"))
		n -= 5;
	out = gb_xasprintf("%.*s.%s.json", (int)n, cache, k ? d : "undated");
	return out;
}

/* Put the new measurement j in the cache, or beside it; say which one reports use. */
static void cache_store(const char *cache, json_t *j)
{
	json_t *old = gb_peak_load(cache, 0, 1);
	char why[256];
	char *aside;

	if (ensure_parent(cache) < 0) {
		gb_warn("the result is not cached in '%s'", cache);
		json_decref(old);
		return;
	}
	if (!old) {
		if (write_json(j, cache) < 0)
			gb_warn("the result is not cached in '%s'", cache);
		return;
	}
	if (gb_peak_should_replace(old, j, why, sizeof(why))) {
		aside = dated_path(cache, old);
		if (write_json(old, aside) == 0 && write_json(j, cache) == 0)
			gb_note("gbench peak: this measurement replaces the cached ceilings of %s (%s); "
				"reports use it; the old ones are kept in %s",
				json_string_value(json_object_get(old, "date")), why, aside);
		else
			gb_warn("the result is not cached in '%s'", cache);
	} else {
		aside = dated_path(cache, j);
		if (write_json(j, aside) < 0)
			gb_warn("this measurement is not kept in '%s'", aside);
		else
			gb_warn("this measurement does not replace the cached ceilings of %s (%s); "
				"reports keep using those (%s); this one is kept in %s",
				json_string_value(json_object_get(old, "date")), why, cache, aside);
	}
	free(aside);
	json_decref(old);
}

json_t *gb_peak_obtain(const struct gb_peak_opts *o, int force, char **cache_used)
{
	struct gb_sysinfo si;
	struct gb_peak p;
	json_t *host, *j = NULL;
	char fp[17], *cache;

	gb_sysinfo_read(&si);
	host = gb_sysinfo_json(&si);
	gb_peak_fingerprint(host, fp);
	json_decref(host);
	cache = gb_peak_cache_path(fp);
	if (!force && !o->no_cache)
		j = gb_peak_load(cache, !o->quick, 1);
	if (j) {
		const char *isa = json_string_value(json_object_get(
			json_object_get(json_object_get(j, "flops"), "f32"), "isa"));

		if (!isa || strcmp(isa, gb_peak_f32_isa()) != 0) {
			gb_note("gbench peak: the cached f32 ceiling (%s) was measured with %s and the "
				"cpu executor runs %s now: measuring again", cache,
				isa ? isa : "no instruction set named", gb_peak_f32_isa());
			json_decref(j);
			j = NULL;
		}
	}
	if (j && !gb_peak_has_vulkan(j) && gb_peak_vulkan_available()) {
		gb_note("gbench peak: the cached result (%s) has no vulkan ceilings and the vulkan "
			"executor starts now: measuring again", cache);
		json_decref(j);
		j = NULL;
	}
	if (j) {
		if (cache_used)
			*cache_used = cache;
		else
			free(cache);
		return j;
	}
	gb_note("gbench peak: measuring%s (%d threads)...", o->quick ? " (--quick)" : "",
		o->threads > 0 ? o->threads : gb_ncpus());
	if (gb_peak_measure(&p, &si, o) < 0) {
		free(cache);
		return NULL;
	}
	j = gb_peak_json(&p, &si);
	/* a failure to cache is worth a warning, not a failed measurement */
	if (!o->no_cache)
		cache_store(cache, j);
	if (cache_used)
		*cache_used = NULL;
	free(cache);
	return j;
}

int cmd_peak(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "force", no_argument, NULL, 'f' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gb_peak_opts o = { 0 };
	const char *out = NULL;
	int c, force = 0, as_json = 0, rc = GB_EXIT_OK;
	char *end, *cached = NULL;
	json_t *j;

	optind = 1;
	while ((c = gb_cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'q':
			o.quick = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 't':
			o.threads = (int)strtol(optarg, &end, 10);
			if (*end || o.threads < 1 || o.threads > 256) {
				gb_error("--threads: '%s' is not a number from 1 to 256", optarg);
				return gb_cli_usage(usage_text);
			}
			break;
		case 'm':
			o.max_bytes = strtod(optarg, &end);
			if (*end || !(o.max_bytes >= 65536)) {
				gb_error("--max-bytes: '%s' is not a size of at least 65536 bytes", optarg);
				return gb_cli_usage(usage_text);
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return GB_EXIT_OK;
		default:
			return gb_cli_bad_option(c, usage_text, opts, argv);
		}
	}
	if (optind < argc) {
		gb_error("unexpected argument '%s'", argv[optind]);
		return gb_cli_usage(usage_text);
	}
	if (out && gb_cli_check_output("--out", out) < 0)
		return GB_EXIT_USAGE;
	/* options that change the measurement bypass the cache */
	o.no_cache = o.threads || o.max_bytes;
	j = gb_peak_obtain(&o, force, &cached);
	if (!j)
		return GB_EXIT_ENV;
	if (cached)
		gb_note("gbench peak: cached result from %s (%s); --force measures again",
			json_string_value(json_object_get(j, "date")), cached);
	if (out && gb_cli_is_stdout(out)) {
		as_json = 1;   /* "--out -": the JSON on stdout, instead of the table */
	} else if (out && write_json(j, out) < 0) {
		rc = GB_EXIT_ENV;
	}
	if (as_json) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	} else {
		print_table(stdout, j);
	}
	free(cached);
	json_decref(j);
	return rc;
}
