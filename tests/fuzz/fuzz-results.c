/*
 * fuzz-results.c - libFuzzer harness for a results directory as `gbench
 * compare` reads it: results.csv, samples.csv, accuracy.csv and meta.json
 * (bench/results.h gb_results_read, bench/compare.h).
 *
 * One input holds the four files, separated by "\n@@@@\n" lines in that
 * order; a part left out is a file absent (accuracy.csv and meta.json are
 * optional, a missing samples.csv is an error the reader must report).
 * The folder is read as a baseline (with meta.json's processes split) and
 * as the current side, its meta.json checked and its machine class taken,
 * and when both reads succeed the run is compared with itself (few
 * bootstrap resamples, to stay fast) and the Markdown, JUnit and JSON
 * outputs written. A folder compared with itself must not regress, and
 * the Markdown and the JUnit XML hold the names from the folder escaped
 * (fuzz_check_output).
 */
#include <stdlib.h>
#include <string.h>

#include "compare/compare.h"
#include "fuzz.h"

static const char *const names[] = { "results.csv", "samples.csv", "accuracy.csv", "meta.json" };

int fuzz_one(const uint8_t *data, size_t size)
{
	size_t off[4], len[4], n = fuzz_split(data, size, 4, off, len);
	struct gb_results base = { 0 }, cur = { 0 };
	struct gb_compare cmp;
	struct gb_compare_opts o;
	json_t *meta = NULL;
	const char *dir = fuzz_dir();
	char *path;
	int rb, rc, rm;


	for (size_t i = 0; i < 4; i++) {
		if (i < n)
			fuzz_write(names[i], data + off[i], len[i]);
		else
			fuzz_remove(names[i]);
	}
	gb_compare_opts_init(&o);
	o.resamples = 200;
	gb_compare_init(&cmp, dir, dir);
	rb = gb_compare_read_baseline(&cmp, dir, &base);
	rc = gb_compare_read_current(&cmp, dir, &cur);
	/* the current side does not read meta.json: rb may fail where rc does not */
	FUZZ_CHECK(rc == 0 || rb != 0, "read as the current run failed, as a baseline not");
	rm = gb_compare_load_meta(dir, &meta);
	FUZZ_CHECK(rm == 1 || rm == 0 || rm == -1, "gb_compare_load_meta returned %d", rm);
	FUZZ_CHECK((rm == 0) == (meta != NULL), "meta.json read %d but %s", rm,
		   meta ? "an object" : "nothing");
	if (meta)
		free(gb_machine_class(meta));
	if (rb == 0 && rm >= 0 && gb_compare_meta(&cmp, meta, meta) == 0 &&
	    gb_compare_results(&cmp, &base, &cur, &o) == 0) {
		FUZZ_CHECK(cmp.gating[GB_VERDICT_REGRESSION] == 0,
			   "a run compared with itself regressed");
		path = gb_xasprintf("%s/out.md", dir);
		gb_compare_write_markdown(&cmp, path);
		free(path);
		fuzz_check_output(dir, "out.md");
		path = gb_xasprintf("%s/out.xml", dir);
		gb_compare_write_junit(&cmp, path);
		free(path);
		fuzz_check_output(dir, "out.xml");
		path = gb_xasprintf("%s/out.json", dir);
		gb_compare_write_json(&cmp, path);
		free(path);
	}
	json_decref(meta);
	gb_results_release(&base);
	gb_results_release(&cur);
	gb_compare_release(&cmp);
	return 0;
}
