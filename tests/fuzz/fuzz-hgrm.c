/*
 * fuzz-hgrm.c - libFuzzer harness for the two ways gbench reads a latency
 * histogram back: gb_hist_read_raw (bench/hist.h; `run` with processes > 1
 * reads each child's hist/<cell>.raw) and the report's reading of
 * hist/<cell>.hgrm (report-charts.c, the latency spectrum).
 *
 * The input is a .raw text, optionally followed by "\n@@@@\n" and a .hgrm
 * text. A .raw that reads must write back (gb_hist_write_raw) and read again
 * to the same histogram, and every statistic of it must be computable.
 * The .hgrm, when present, replaces the one cell histogram of a fixed
 * results folder (tests/fuzz/data/report-results, copied into the temp
 * folder once) and `gbench report` runs on it, without peak ceilings and
 * with a gnuplot that cannot be run (the report says so and goes on):
 * slower, so only inputs that hold a second part pay for it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsio.h"
#include "fuzz.h"
#include "hist.h"
#include "report/report.h"

#define CELL "vector-search.vulkan.b8.q8.c256"

static struct gb_hist h, h2;
static char *results, *hgrm, *out;

static void copy(const char *from, const char *to)
{
	size_t len;
	char *text = gb_read_file(from, &len);
	FILE *f;

	FUZZ_CHECK(text, "cannot read '%s'", from);
	f = fopen(to, "w");
	FUZZ_CHECK(f && fwrite(text, 1, len, f) == len && fclose(f) == 0, "cannot write '%s'", to);
	free(text);
}

/* The fixed results folder the report reads, copied once into the temp folder. */
static void setup(void)
{
	static const char *const files[] = {
		"results.csv", "samples.csv", "accuracy.csv", "meta.json",
	};
	const char *src = getenv("GB_FUZZ_DATA");
	char *from, *to;

	if (results)
		return;
	setenv("GBENCH_DATA", GB_FUZZ_TOP, 0);
	FUZZ_CHECK(gb_hist_init(&h) == 0 && gb_hist_init(&h2) == 0, "no histogram");
	results = gb_xasprintf("%s/report-results", fuzz_dir());
	hgrm = gb_xasprintf("%s/hist/" CELL ".hgrm", results);
	out = gb_xasprintf("%s/report", fuzz_dir());
	to = gb_xasprintf("%s/hist", results);
	FUZZ_CHECK(gb_mkdir_p(to) == 0, "cannot create '%s'", to);
	free(to);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		from = gb_xasprintf("%s/%s", src ? src : GB_FUZZ_TOP "/tests/fuzz/data/report-results",
				    files[i]);
		to = gb_xasprintf("%s/%s", results, files[i]);
		copy(from, to);
		free(from);
		free(to);
	}
}

static int same_bits(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

static void raw(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("fuzz.raw", data, size);
	FILE *f = fopen(path, "r");
	int rc;

	FUZZ_CHECK(f, "cannot open '%s'", path);
	rc = gb_hist_read_raw(&h, f);
	fclose(f);
	if (rc < 0)
		return;
	/* every statistic the run and the report take from a histogram */
	for (double p = 0; p <= 100; p += 12.5) {
		(void)gb_hist_percentile(&h, p);
		(void)gb_hist_hd_percentile(&h, p);
	}
	(void)gb_hist_hd_percentile(&h, 99.9);
	(void)gb_hist_mean(&h);
	f = fopen(fuzz_write("out.hgrm", "", 0), "w");
	FUZZ_CHECK(f && gb_hist_write_hgrm(&h, f, 1000.0) == 0, "cannot write the .hgrm");
	fclose(f);
	/* the exact state survives a write and a read */
	path = fuzz_write("again.raw", "", 0);
	f = fopen(path, "w");
	FUZZ_CHECK(f && gb_hist_write_raw(&h, f) == 0 && fclose(f) == 0, "cannot write the .raw");
	f = fopen(path, "r");
	FUZZ_CHECK(f && gb_hist_read_raw(&h2, f) == 0, "a written .raw does not read back");
	fclose(f);
	FUZZ_CHECK(h2.total == h.total && h2.overflows == h.overflows && h2.min == h.min &&
		   h2.max == h.max && same_bits(h2.sum, h.sum) &&
		   !memcmp(h2.counts, h.counts, h.ncounts * sizeof(*h.counts)),
		   "a .raw read back differs");
	gb_hist_merge(&h2, &h);
}

static void report(const uint8_t *data, size_t size)
{
	struct gb_report_opts o = {
		.results = results, .out = out, .no_peak = 1,
		.gnuplot = "/nonexistent/gnuplot",
	};
	FILE *f = fopen(hgrm, "w");

	FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0,
		   "cannot write '%s'", hgrm);
	FUZZ_CHECK(gb_report_write(&o) == 0, "the report failed on a readable results folder");
}

int fuzz_one(const uint8_t *data, size_t size)
{
	size_t off[2], len[2], n;

	setup();
	n = fuzz_split(data, size, 2, off, len);
	raw(data + off[0], len[0]);
	if (n == 2)
		report(data + off[1], len[1]);
	return 0;
}
