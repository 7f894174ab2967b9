/*
 * test-cli.c - cli.h: the edit distance behind "did you mean", which
 * suggestions are offered and which are not, the valid-values message,
 * output path checks, and peak's rule for which cached ceilings to keep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "peak.h"
#include "unit.h"

TEST(distance)
{
	CHECK(gb_cli_distance("", "") == 0);
	CHECK(gb_cli_distance("out", "out") == 0);
	CHECK(gb_cli_distance("outt", "out") == 1);
	CHECK(gb_cli_distance("closd", "closed") == 1);
	CHECK(gb_cli_distance("jsno", "json") == 1);       /* a transposition is one edit */
	CHECK(gb_cli_distance("kitten", "sitting") == 3);
	CHECK(gb_cli_distance("", "abc") == 3);
}

TEST(suggest)
{
	static const char *const modes[] = { "closed", "open", "offline" };
	static const char *const opts[] = { "--threshold", "--markdown", "--json", "--junit" };

	CHECK_STR(gb_cli_suggest("closd", modes, 3), "closed");
	CHECK_STR(gb_cli_suggest("opne", modes, 3), "open");
	CHECK_STR(gb_cli_suggest("--jsno", opts, 4), "--json");
	CHECK_STR(gb_cli_suggest("--thr", opts, 4), "--threshold");   /* a prefix */
	CHECK(gb_cli_suggest("frobnicate", modes, 3) == NULL);         /* nothing near */
	CHECK(gb_cli_suggest("", modes, 3) == NULL);
	CHECK(gb_cli_suggest("x", modes, 3) == NULL);
}

TEST(choice)
{
	static const char *const modes[] = { "open", "closed", NULL };
	char buf[512] = "";
	FILE *f = tmpfile();
	int fd, saved = dup(2);

	CHECK(gb_cli_choice("mode", "closed", modes) == 1);
	if (!f || saved < 0) {
		SKIP("no temporary file");
		return;
	}
	fd = fileno(f);
	fflush(stderr);
	dup2(fd, 2);
	CHECK(gb_cli_choice("mode", "closd", modes) == -1);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	CHECK(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	CHECK(strstr(buf, "error: bad value 'closd' for 'mode' (valid: open, closed); "
			  "did you mean 'closed'?\n") != NULL);
}

TEST(check_output)
{
	CHECK(gb_cli_is_stdout("-"));
	CHECK(!gb_cli_is_stdout("--"));
	CHECK(!gb_cli_is_stdout(NULL));
	CHECK(gb_cli_check_output("--json", "-") == 0);
	CHECK(gb_cli_check_output("--json", "x.json") == 0);            /* the current folder */
	CHECK(gb_cli_check_output("--json", "/") < 0);                  /* a folder */
	CHECK(gb_cli_check_output("--json", "/no/such/folder/x.json") < 0);
	CHECK(gb_cli_check_output("--json", "") < 0);
}

static json_t *peak(int quick, double f32, double dram, int vulkan)
{
	json_t *j = json_pack("{s:b, s:{s:{s:f}}, s:{s:[{s:s, s:f}]}}", "quick", quick,
			      "flops", "f32", "gflops", f32,
			      "bandwidth", "levels", "name", "DRAM", "read", dram);

	json_object_set_new(j, "executors", vulkan ? json_pack("{s:{s:f}}", "vulkan", "copy_gbs", 10.0)
					      : json_pack("{s:{s:s}}", "vulkan", "note", "not measured"));
	return j;
}

TEST(peak_keep_best)
{
	struct { int cq; double cf, cd; int cv, nq; double nf, nd; int nv, want; } t[] = {
		{ 0, 100, 10, 1,  0, 100, 10, 1,  1 },   /* as high: the newer */
		{ 0, 100, 10, 1,  0, 120, 10, 1,  1 },   /* higher */
		{ 0, 100, 10, 1,  0, 96, 9.6, 1,  1 },   /* within 5% */
		{ 0, 100, 10, 1,  0, 80, 10, 1,   0 },   /* f32 lower: busier */
		{ 0, 100, 10, 1,  0, 100, 5, 1,   0 },   /* DRAM lower */
		{ 1, 100, 10, 1,  0, 50, 5, 1,    1 },   /* full replaces quick */
		{ 0, 100, 10, 1,  1, 200, 20, 1,  0 },   /* quick never replaces full */
		{ 0, 100, 10, 0,  0, 50, 5, 1,    1 },   /* adds vulkan */
		{ 0, 100, 10, 1,  0, 200, 20, 0,  0 },   /* lacks vulkan */
	};
	char why[256];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *c = peak(t[i].cq, t[i].cf, t[i].cd, t[i].cv);
		json_t *n = peak(t[i].nq, t[i].nf, t[i].nd, t[i].nv);
		int got = gb_peak_should_replace(c, n, why, sizeof(why));

		if (got != t[i].want)
			printf("#   case %zu: got %d (%s)\n", i, got, why);
		CHECK(got == t[i].want);
		CHECK(why[0] != 0);
		json_decref(c);
		json_decref(n);
	}
}

int main(void)
{
	RUN(distance);
	RUN(suggest);
	RUN(choice);
	RUN(check_output);
	RUN(peak_keep_best);
	return unit_done();
}
