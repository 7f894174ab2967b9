/*
 * test-config.c - configs load, every shipped one is valid, errors name
 * FILE:LINE: an over-long line is an error (not cut), trace_dir stays under
 * workloads/, and sim_cache is checked when the config is read, so that
 * `gbench validate` refuses what `gbench run` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "gbench.h"
#include "unit.h"

/* Run fn with stderr captured into buf. */
static int capture(int (*fn)(struct gb_config *, const char *), struct gb_config *c,
		   const char *arg, char *buf, size_t len)
{
	struct unit_stderr s;
	int rc;

	unit_stderr_on(&s);
	rc = fn(c, arg);
	unit_stderr_off(&s, buf, len);
	return rc;
}

TEST(shipped_configs_load)
{
	static const char *const names[] = { "default", "ci", "low-end", "mid-range", "high-end" };

	for (size_t i = 0; i < GB_ARRAY_SIZE(names); i++) {
		struct gb_config c;

		gb_config_defaults(&c);
		CHECK(gb_config_load(&c, names[i]) == 0);
		CHECK_STR(c.name, names[i]);
		CHECK(c.nbatch > 0 && c.nquant > 0 && c.ncache > 0 && c.repetitions.dflt >= 10);
		CHECK(gb_strv_len(c.workloads) == 4);
		gb_config_release(&c);
	}
}

TEST(ci_lists_both_executors)
{
	struct gb_config c;

	gb_config_defaults(&c);
	CHECK(gb_config_load(&c, "ci") == 0);
	CHECK(gb_strv_len(c.executors) == 2);
	CHECK_STR(c.executors[0], "cpu");
	CHECK_STR(c.executors[1], "vulkan");
	/* the gate's shape: 3 processes, vulkan cells unwarmed (pipelines precompiled) */
	CHECK(c.processes == 3 && c.rounds == 2);
	CHECK(gb_per_exec_get(&c.warmup, "cpu") == 1 && gb_per_exec_get(&c.warmup, "vulkan") == 0);
	gb_config_release(&c);
}

TEST(every_error_has_file_and_line)
{
	struct gb_config c;
	char err[4096];
	const char *path = GB_TEST_DATA "/configs/bad.ini";
	char want[512];

	gb_config_defaults(&c);
	CHECK(capture(gb_config_load, &c, path, err, sizeof(err)) < 0);
	snprintf(want, sizeof(want), "%s:4: bad value '1,x' for 'batch'", path);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof(want), "%s:5: unknown key 'colour' in [run]", path);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof(want), "%s:6: bad value 'f32,q3' for 'quant'", path);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof(want), "%s:7: bad value '0' for 'repetitions'", path);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof(want), "%s:8: unknown executor 'tpu'", path);
	CHECK(strstr(err, want) != NULL);
	if (unit_cur_failed)
		printf("# stderr was:\n%s", err);
	gb_config_release(&c);
}

TEST(missing_config_is_an_error)
{
	struct gb_config c;
	char err[1024];

	gb_config_defaults(&c);
	CHECK(capture(gb_config_load, &c, "no-such-config", err, sizeof(err)) < 0);
	CHECK(strstr(err, "no config named 'no-such-config'") != NULL);
	gb_config_release(&c);
}

TEST(list_parsers)
{
	uint32_t v[GB_MAX_LIST];
	enum gb_quant q[GB_MAX_LIST];
	size_t n = 0;

	CHECK(gb_parse_u32_list(" 1, 8 ,32", v, &n, "t") == 0);
	CHECK(n == 3 && v[0] == 1 && v[1] == 8 && v[2] == 32);
	CHECK(gb_parse_quant_list("q4,f16", q, &n, "t") == 0);
	CHECK(n == 2 && q[0] == GB_Q_Q4 && q[1] == GB_Q_F16);
}

/* repetitions and prime: a default, per-executor counts, and what is refused. */
TEST(counts_per_executor)
{
	static const char *const bad[] = {
		"0", "vulkan:0", "10,20", "vulcan:3", "vulkan:3,vulkan:4", ":3", "x", "",
	};
	struct gb_config c;
	char *d;

	gb_config_defaults(&c);
	CHECK(gb_per_exec_get(&c.repetitions, "cpu") == 10);
	CHECK(gb_per_exec_get(&c.repetitions, "vulkan") == 10);
	CHECK(gb_per_exec_get(&c.prime, "cpu") == 0);
	CHECK(gb_per_exec_set(&c.repetitions, "30, vulkan:12", 1) == 0);
	CHECK(gb_per_exec_get(&c.repetitions, "cpu") == 30);
	CHECK(gb_per_exec_get(&c.repetitions, "vulkan") == 12);
	d = gb_per_exec_describe(&c.repetitions);
	CHECK_STR(d, "30 (vulkan 12)");
	free(d);
	CHECK(gb_per_exec_set(&c.repetitions, "cpu:5", 1) == 0);   /* default kept */
	CHECK(gb_per_exec_get(&c.repetitions, "cpu") == 5);
	CHECK(gb_per_exec_get(&c.repetitions, "vulkan") == 30);
	for (size_t i = 0; i < GB_ARRAY_SIZE(bad); i++) {
		CHECK(gb_per_exec_set(&c.repetitions, bad[i], 1) < 0);
		CHECK(gb_per_exec_get(&c.repetitions, "cpu") == 5);  /* untouched */
	}
	CHECK(gb_per_exec_set(&c.repetitions, "7", 1) == 0);
	CHECK(c.repetitions.n == 0 && gb_per_exec_get(&c.repetitions, "vulkan") == 7);
	CHECK(gb_per_exec_set(&c.prime, "1,vulkan:0", 0) == 0);    /* 0 is a count here */
	CHECK(gb_per_exec_get(&c.prime, "cpu") == 1 && gb_per_exec_get(&c.prime, "vulkan") == 0);
	CHECK(gb_per_exec_get(&c.warmup, "cpu") == 1);            /* the default */
	CHECK(gb_per_exec_set(&c.warmup, "2,vulkan:0", 0) == 0);
	CHECK(gb_per_exec_get(&c.warmup, "cpu") == 2 && gb_per_exec_get(&c.warmup, "vulkan") == 0);
	gb_config_release(&c);
}

/* Write text to a temp .ini file; its path (caller frees). */
static char *write_ini(const char *text)
{
	char tmpl[] = "/tmp/gb-config-XXXXXX.ini";
	int fd = mkstemps(tmpl, 4);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		printf("# cannot write %s\n", tmpl);
		return NULL;
	}
	return gb_xstrdup(tmpl);
}

/* Load text as a config: 0 or -1, with stderr in err. */
static int load_text(const char *text, struct gb_config *c, char *err, size_t len, char **path)
{
	int rc;

	*path = write_ini(text);
	if (!*path)
		return -2;
	gb_config_defaults(c);
	rc = capture(gb_config_load, c, *path, err, len);
	return rc;
}

/* libinih reads 199 characters of a line at most: a longer one is an error, not cut. */
TEST(long_line_is_an_error)
{
	struct gb_config c;
	char text[1024], err[2048], want[512], *path;

	snprintf(text, sizeof(text), "[run]\nseed = 1%300s7\nbatch = 1,x\n", "");
	CHECK(load_text(text, &c, err, sizeof(err), &path) == -1);
	snprintf(want, sizeof(want), "%s:2: line longer than 199 characters", path);
	CHECK(strstr(err, want) != NULL);
	/* the rest of the long line is not read as a line of its own */
	snprintf(want, sizeof(want), "%s:3: bad value '1,x' for 'batch'", path);
	CHECK(strstr(err, want) != NULL);
	CHECK(c.seed == 42);
	if (unit_cur_failed)
		printf("# stderr was:\n%s", err);
	gb_config_release(&c);
	unlink(path);
	free(path);

	/* a line of exactly 199 characters fits */
	snprintf(text, sizeof(text), "[run]\nseed =%*s\n", 199 - 6, "17");
	CHECK(load_text(text, &c, err, sizeof(err), &path) == 0);
	CHECK(c.seed == 17);
	if (unit_cur_failed)
		printf("# stderr was:\n%s", err);
	gb_config_release(&c);
	unlink(path);
	free(path);
}

/* trace_dir names a folder under the shipped workloads/: relative, no "..". */
TEST(trace_dir_stays_under_workloads)
{
	static const char *const bad[] = {
		"..", "../../../etc", "mid-range/../..", "/etc", "./x", "a//b", "a/",
	};
	static const char *const good[] = { "mid-range", "high-end", "tiers/x_1.2" };
	struct gb_config c;
	char text[512], err[2048], want[512], *path;

	for (size_t i = 0; i < GB_ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "[run]\ntrace_dir = %s\n", bad[i]);
		CHECK(load_text(text, &c, err, sizeof(err), &path) == -1);
		snprintf(want, sizeof(want), "%s:2: bad value '%s' for 'trace_dir'", path, bad[i]);
		if (!strstr(err, want))
			printf("# %s: stderr was:\n%s", bad[i], err);
		CHECK(strstr(err, want) != NULL);
		gb_config_release(&c);
		unlink(path);
		free(path);
	}
	for (size_t i = 0; i < GB_ARRAY_SIZE(good); i++) {
		snprintf(text, sizeof(text), "[run]\ntrace_dir = %s\n", good[i]);
		CHECK(load_text(text, &c, err, sizeof(err), &path) == 0);
		CHECK_STR(c.trace_dir, good[i]);
		gb_config_release(&c);
		unlink(path);
		free(path);
	}
}

/* sim_cache is parsed when the config is read (validate and run agree). */
TEST(sim_cache_checked_on_load)
{
	struct gb_config c;
	char err[2048], want[512], *path;

	CHECK(load_text("[run]\nsim_cache = 32K:8:64/bogus\n", &c, err, sizeof(err), &path) == -1);
	snprintf(want, sizeof(want), "%s:2: bad value '32K:8:64/bogus' for 'sim_cache'", path);
	CHECK(strstr(err, want) != NULL);
	CHECK(strstr(err, "is not size:ways:line") != NULL);   /* and why */
	if (unit_cur_failed)
		printf("# stderr was:\n%s", err);
	gb_config_release(&c);
	unlink(path);
	free(path);
	CHECK(load_text("[run]\nsim_cache = 32K:8:64/32K:8:64/8M:16:64, 64K:8:64/32M:16:64\n",
			&c, err, sizeof(err), &path) == 0);
	CHECK(gb_strv_len(c.sim_cache) == 2);
	gb_config_release(&c);
	unlink(path);
	free(path);
}

/* time_budget, min_repetitions and accuracy_budget: read, and bad values named. */
TEST(budgets_load)
{
	struct gb_config c;
	char err[2048], want[512], *path;

	CHECK(load_text("[run]\ntime_budget = 10m\nmin_repetitions = 5\n"
			"accuracy_budget = q8:recall=0.95,q4:nmse=5e-2\n",
			&c, err, sizeof(err), &path) == 0);
	CHECK(c.time_budget == 600);
	CHECK(c.min_repetitions == 5);
	CHECK(c.accuracy_budget.gate == 1);
	CHECK(c.accuracy_budget.recall[GB_Q_Q8] == 0.95);
	CHECK(c.accuracy_budget.recall[GB_Q_Q4] == 0.80);      /* the table's elsewhere */
	CHECK(c.accuracy_budget.nmse[GB_Q_Q4] == 5e-2);
	gb_config_release(&c);
	unlink(path);
	free(path);
	/* the defaults: no budget, the accuracy cost reported only */
	gb_config_defaults(&c);
	CHECK(c.time_budget == 0);
	CHECK(c.min_repetitions == 10);
	CHECK(c.accuracy_budget.gate == 0);
	gb_config_release(&c);
	CHECK(load_text("[run]\ntime_budget = soon\naccuracy_budget = f32:nmse=1\n"
			"accuracy_budget = q8:recall=2\nmin_repetitions = 0\n",
			&c, err, sizeof(err), &path) == -1);
	snprintf(want, sizeof(want), "%s:2: bad value 'soon' for 'time_budget'", path);
	CHECK(strstr(err, want) != NULL);
	/* f32 against float64 is correctness: no config loosens it */
	snprintf(want, sizeof(want), "%s:3: bad value 'f32:nmse=1'", path);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof(want), "%s:4: bad value 'q8:recall=2'", path);
	CHECK(strstr(err, want) != NULL);
	snprintf(want, sizeof(want), "%s:5: bad value '0' for 'min_repetitions'", path);
	CHECK(strstr(err, want) != NULL);
	if (unit_cur_failed)
		printf("# stderr was:\n%s", err);
	gb_config_release(&c);
	unlink(path);
	free(path);
}

/* The tiers plan within a time budget; ci keeps its fixed counts (the gate needs them). */
TEST(tiers_have_budgets_ci_does_not)
{
	static const char *const tiers[] = { "low-end", "mid-range", "high-end" };
	struct gb_config c;

	for (size_t i = 0; i < 3; i++) {
		gb_config_defaults(&c);
		CHECK(gb_config_load(&c, tiers[i]) == 0);
		CHECK(c.time_budget > 0 && c.time_budget <= 600);
		CHECK(c.processes == 1);
		gb_config_release(&c);
	}
	gb_config_defaults(&c);
	CHECK(gb_config_load(&c, "ci") == 0);
	CHECK(c.time_budget == 0);
	gb_config_release(&c);
}

int main(void)
{
	setenv("GBENCH_DATA", GB_TEST_TOP, 1);
	RUN(shipped_configs_load);
	RUN(ci_lists_both_executors);
	RUN(every_error_has_file_and_line);
	RUN(missing_config_is_an_error);
	RUN(list_parsers);
	RUN(counts_per_executor);
	RUN(long_line_is_an_error);
	RUN(trace_dir_stays_under_workloads);
	RUN(sim_cache_checked_on_load);
	RUN(budgets_load);
	RUN(tiers_have_budgets_ci_does_not);
	return unit_done();
}
