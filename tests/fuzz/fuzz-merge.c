/*
 * fuzz-merge.c - libFuzzer harness for `gbench merge` (bench/cmd-merge.c)
 * on shares from a shared file system that another job wrote, or half
 * wrote: two results folders, each results.csv, samples.csv, accuracy.csv
 * and meta.json, the eight files separated by "\n@@@@\n" lines (a part
 * left out is a file absent), pooled by the command itself (cmd_merge).
 *
 * Beyond the sanitizers: merge succeeds or refuses with exit 2; what it
 * pools reads back (gb_results_read) as every other command reads a
 * results folder; and it holds the runs it pooled once: pooling the pooled
 * folder again with one of its shares is refused, exit 2, whenever that
 * share says which run it is. The same two folders go through `gbench
 * report --fleet` (gb_fleet_report: runs of two machine classes side by
 * side), whose fleet.md must pass fuzz_check_output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmds.h"
#include "fsio.h"
#include "fuzz.h"
#include "gbench.h"
#include "report/fleet.h"
#include "results/results.h"

static const char *const names[] = { "results.csv", "samples.csv", "accuracy.csv", "meta.json" };
static char *dir[2], *pooled, *again, *fleet;

static void setup(void)
{
	if (pooled)
		return;
	for (int i = 0; i < 2; i++) {
		dir[i] = gb_xasprintf("%s/share%d", fuzz_dir(), i);
		FUZZ_CHECK(gb_mkdir_p(dir[i]) == 0, "cannot create '%s'", dir[i]);
	}
	pooled = gb_xasprintf("%s/pooled", fuzz_dir());
	again = gb_xasprintf("%s/again", fuzz_dir());
	fleet = gb_xasprintf("%s/fleet", fuzz_dir());
}

static int merge(const char *out, const char *a, const char *b)
{
	char *argv[] = { "merge", "--quiet", "--out", (char *)out, (char *)a, (char *)b, NULL };

	return cmd_merge(6, argv);
}

/* Whether share k's meta.json names its run (run_id), so a second pooling of it must be refused. */
static int has_run_id(int k)
{
	char *path = gb_xasprintf("%s/meta.json", dir[k]);
	json_t *m = json_load_file(path, 0, NULL);
	int yes = json_is_string(json_object_get(m, "run_id"));

	json_decref(m);
	free(path);
	return yes;
}

int fuzz_one(const uint8_t *data, size_t size)
{
	size_t off[8], len[8], n;
	struct gb_results res;
	int rc;

	setup();
	n = fuzz_split(data, size, 8, off, len);
	for (size_t p = 0; p < 8; p++) {
		char name[32];

		snprintf(name, sizeof(name), "share%zu/%s", p / 4, names[p % 4]);
		if (p < n)
			fuzz_write(name, data + off[p], len[p]);
		else
			fuzz_remove(name);
	}
	FUZZ_CHECK((gb_rm_tree(pooled) == 0 || !gb_is_dir(pooled)) &&
		   (gb_rm_tree(again) == 0 || !gb_is_dir(again)) &&
		   (gb_rm_tree(fleet) == 0 || !gb_is_dir(fleet)), "cannot clear the outputs");
	/* the two folders as runs of two machine classes side by side (report --fleet) */
	if (gb_fleet_report((const char *const *)dir, 2, fleet) == 0)
		fuzz_check_output(fleet, "fleet.md");
	rc = merge(pooled, dir[0], dir[1]);
	FUZZ_CHECK(rc == GB_EXIT_OK || rc == GB_EXIT_USAGE, "merge exited %d", rc);
	if (rc != GB_EXIT_OK) {
		FUZZ_CHECK(!gb_is_dir(pooled), "a refused merge left '%s'", pooled);
		return 0;
	}
	memset(&res, 0, sizeof(res));
	FUZZ_CHECK(gb_results_read(&res, pooled) == 0, "the pooled folder does not read back");
	gb_results_release(&res);
	if (has_run_id(1)) {
		rc = merge(again, pooled, dir[1]);
		FUZZ_CHECK(rc == GB_EXIT_USAGE, "a share pooled twice: merge exited %d", rc);
	}
	return 0;
}
