/*
 * test-counters.c - the counter set and its sources: hardware metrics are
 * reported unavailable with a reason where the machine has no PMU (and
 * checked for plausible values where it has one), software metrics give
 * plausible values (page faults of a known allocation, task clock of a busy
 * loop, of a thread that existed before the counters opened), auto never
 * gives a fake 0, bad specs are refused, cache geometries for callgrind
 * are parsed and fitted to what valgrind accepts.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "callgrind.h"
#include "counters.h"
#include "gbench.h"
#include "unit.h"

#if defined(__GNUC__) || defined(__clang__)
#define NO_ASAN __attribute__((no_sanitize("address"), noinline))
#else
#define NO_ASAN
#endif

/* Busy work the compiler cannot drop, for about ns nanoseconds. */
static double spin_ns(uint64_t ns)
{
	volatile double x = 0;
	uint64_t t0 = gb_now_ns();

	while (gb_now_ns() - t0 < ns)
		for (int i = 0; i < 1000; i++)
			x += i * 0.5;
	return x;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Busy work until this thread has had ns nanoseconds of CPU, however busy the machine. */
static double spin_cpu_ns(uint64_t ns)
{
	volatile double x = 0;
	uint64_t t0 = thread_cpu_ns();

	while (thread_cpu_ns() - t0 < ns)
		for (int i = 0; i < 1000; i++)
			x += i * 0.5;
	return x;
}

/* One window of spec around fn(arg); out gets the values. */
static size_t window(const char *spec, void (*fn)(void *), void *arg, struct gb_counter *out,
		     struct gb_counters **keep)
{
	struct gb_counters *c = NULL;
	size_t n;

	if (gb_counters_open(&c, spec, NULL) < 0)
		return 0;
	gb_counters_start(c);
	fn(arg);
	gb_counters_stop(c);
	n = gb_counters_read(c, out, GB_CM_COUNT);
	*keep = c;
	return n;
}

static const struct gb_counter *find(const struct gb_counter *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].metric, name))
			return &v[i];
	return NULL;
}

static void do_spin(void *arg)
{
	spin_ns(*(uint64_t *)arg);
}

TEST(spec_parsing)
{
	struct gb_counters *c = NULL;

	CHECK(gb_counters_open(&c, "none", NULL) == 0);
	CHECK(gb_counters_count(c) == 0);
	CHECK(gb_counters_start(c) == 0);
	CHECK(gb_counters_stop(c) == 0);
	gb_counters_close(c);
	fprintf(stderr, "(two error messages expected)\n");
	CHECK(gb_counters_open(&c, "auto,bogus", NULL) < 0);
	CHECK(gb_counters_open(&c, "none,software", NULL) < 0);
	CHECK(gb_counters_open(&c, "auto", NULL) == 0);
	CHECK(gb_counters_count(c) == GB_CM_COUNT);
	gb_counters_close(c);
	CHECK(gb_counters_open(&c, "software", NULL) == 0);
	CHECK(gb_counters_count(c) == 5);
	gb_counters_close(c);
	CHECK(gb_counters_open(&c, "instructions,page_faults", NULL) == 0);
	CHECK(gb_counters_count(c) == 2);
	gb_counters_close(c);
	/* callgrind alone: the in-process set is auto */
	CHECK(gb_counters_open(&c, "callgrind", NULL) == 0);
	CHECK(gb_counters_count(c) == GB_CM_COUNT);
	gb_counters_close(c);
	CHECK(gb_counters_want_callgrind("auto, callgrind"));
	CHECK(!gb_counters_want_callgrind("auto"));
	CHECK(!gb_counters_want_callgrind(NULL));
}

/* Every metric of auto: a value with a provenance, or unavailable with a reason; never a fake 0. */
TEST(auto_no_fake_zero)
{
	struct gb_counters *c = NULL;
	struct gb_counter v[GB_CM_COUNT];
	json_t *meta = json_object(), *jm;
	size_t n;

	CHECK(gb_counters_open(&c, "auto", meta) == 0);
	if (!c) {
		json_decref(meta);
		return;
	}
	gb_counters_start(c);
	spin_ns(2000000);
	gb_counters_stop(c);
	n = gb_counters_read(c, v, GB_CM_COUNT);
	CHECK(n == GB_CM_COUNT);
	jm = json_object_get(meta, "metrics");
	CHECK(json_is_object(jm));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object_get(jm, v[i].metric);
		const char *src = json_string_value(json_object_get(e, "source"));

		CHECK(src != NULL);
		if (v[i].source == GB_SRC_UNAVAILABLE) {
			CHECK(isnan(v[i].value));
			CHECK(v[i].reason && v[i].reason[0]);
			CHECK_STR(src, "unavailable");
			CHECK(json_string_length(json_object_get(e, "reason")) > 0);
		} else {
			CHECK(!v[i].reason);
			CHECK(isfinite(v[i].value) && v[i].value >= 0);
			CHECK(src && strcmp(src, "unavailable"));
		}
	}
	/* the software metrics are always there */
	CHECK(find(v, n, "task_clock_ns")->source != GB_SRC_UNAVAILABLE);
	CHECK(find(v, n, "page_faults")->source != GB_SRC_UNAVAILABLE);
	CHECK(find(v, n, "ctx_switches_voluntary")->source == GB_SRC_MEASURED);
	CHECK(find(v, n, "max_rss_kb")->value > 0);
	CHECK(json_integer_value(json_object_get(json_object_get(meta, "overhead_ns"), "start")) > 0);
	CHECK(json_is_object(json_object_get(json_object_get(meta, "sources"), "perf-event")));
	CHECK_STR(json_string_value(json_object_get(meta, "requested")), "auto");
	gb_counters_close(c);
	json_decref(meta);
}

/* Hardware metrics: unavailable here with a reason, or plausible where a PMU exists. */
TEST(hardware_reported)
{
	struct gb_counters *c = NULL;
	struct gb_counter v[GB_CM_COUNT];
	uint64_t ns = 1000000;
	size_t n = window("auto", do_spin, &ns, v, &c);

	for (size_t i = 0; i < n; i++) {
		int m = gb_cmetric_find(v[i].metric);

		if (!(GB_CM_HARDWARE & GB_CM_BIT(m)))
			continue;
		if (v[i].source == GB_SRC_UNAVAILABLE) {
			CHECK(v[i].reason && strlen(v[i].reason) > 10);
			CHECK(isnan(v[i].value));
		} else {
			CHECK(v[i].running_share > 0 && v[i].running_share <= 1.0);
		}
	}
	gb_counters_close(c);
}

TEST(hardware_values)
{
	struct gb_counters *c = NULL;
	struct gb_counter v[GB_CM_COUNT];
	uint64_t ns = 20000000;
	size_t n = window("instructions,cycles,branches", do_spin, &ns, v, &c);
	const struct gb_counter *ins = find(v, n, "instructions");

	if (!ins || ins->source == GB_SRC_UNAVAILABLE) {
		SKIP("hardware counters unavailable here: %s", ins ? ins->reason : "?");
		gb_counters_close(c);
		return;
	}
	/* 20 ms of a loop: well over a million instructions, fewer than 10 per ns */
	CHECK(ins->value > 1e6 && ins->value < 2e8);
	CHECK(find(v, n, "branches")->value > 1e5);
	CHECK(find(v, n, "cycles")->value > 1e6);
	gb_counters_close(c);
}

struct touch {
	unsigned char *p;
	size_t pages, page;
};

/* Not instrumented: ASan's shadow accesses would fault pages of their own. */
NO_ASAN static void do_touch(void *arg)
{
	struct touch *t = arg;

	for (size_t i = 0; i < t->pages; i++)
		((volatile unsigned char *)t->p)[i * t->page] = 1;
}

TEST(page_faults_of_fresh_mapping)
{
	struct touch t = { NULL, 1024, (size_t)sysconf(_SC_PAGESIZE) };
	struct gb_counters *c = NULL;
	struct gb_counter v[GB_CM_COUNT];
	const struct gb_counter *pf;
	size_t n;

	t.p = mmap(NULL, t.pages * t.page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	CHECK(t.p != MAP_FAILED);
	if (t.p == MAP_FAILED)
		return;
	madvise(t.p, t.pages * t.page, MADV_NOHUGEPAGE);
	n = window("page_faults", do_touch, &t, v, &c);
	pf = find(v, n, "page_faults");
	CHECK(pf && pf->source == GB_SRC_MEASURED);
	if (pf)
		CHECK_NEAR(pf->value, (double)t.pages, 0.10 * (double)t.pages);
	gb_counters_close(c);
	munmap(t.p, t.pages * t.page);
}

TEST(task_clock_of_busy_loop)
{
	/*
	 * Against the thread's own CPU clock always; against wall time when the
	 * machine let the loop run (CPU >= 90% of wall), as a shared 2-core
	 * machine often does not.
	 */
	int compared_wall = 0;

	for (int attempt = 0; attempt < 5 && !compared_wall; attempt++) {
		struct gb_counters *c = NULL;
		struct gb_counter v[GB_CM_COUNT];
		uint64_t t0, t1, c0, c1;
		double tc, wall, cpu;

		CHECK(gb_counters_open(&c, "task_clock_ns", NULL) == 0);
		if (!c)
			return;
		gb_counters_start(c);
		t0 = gb_now_ns();
		c0 = thread_cpu_ns();
		spin_cpu_ns(50000000);
		c1 = thread_cpu_ns();
		t1 = gb_now_ns();
		gb_counters_stop(c);
		gb_counters_read(c, v, GB_CM_COUNT);
		gb_counters_close(c);
		CHECK(v[0].source == GB_SRC_MEASURED);
		tc = v[0].value;
		wall = (double)(t1 - t0);
		cpu = (double)(c1 - c0);
		CHECK_NEAR(tc / cpu, 1.0, 0.20);
		CHECK(tc <= wall * 1.05);
		if (cpu >= 0.9 * wall) {
			CHECK_NEAR(tc / wall, 1.0, 0.20);
			compared_wall = 1;
		}
	}
	if (!compared_wall)
		SKIP("the machine is too busy to compare task clock with wall time "
		     "(compared with the thread's CPU clock only)");
}

/* A thread that ran before the counters opened (like the executor's pool) is counted. */
struct worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int go, done;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	while (!w->go)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	spin_cpu_ns(40000000);
	pthread_mutex_lock(&w->mu);
	w->done = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

TEST(task_clock_counts_earlier_threads)
{
	struct worker w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
	struct gb_counters *c = NULL;
	struct gb_counter v[GB_CM_COUNT];
	pthread_t th;

	CHECK(pthread_create(&th, NULL, worker_main, &w) == 0);
	CHECK(gb_counters_open(&c, "task_clock_ns", NULL) == 0);
	gb_counters_start(c);
	pthread_mutex_lock(&w.mu);
	w.go = 1;
	pthread_cond_signal(&w.cv);
	while (!w.done)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	gb_counters_stop(c);
	gb_counters_read(c, v, GB_CM_COUNT);
	pthread_join(th, NULL);
	/* the worker had 40 ms of CPU; the main thread slept */
	if (v[0].value < 36e6)
		printf("#   task clock %.0f ns, the worker had 40 ms of CPU\n", v[0].value);
	CHECK(v[0].value >= 36e6);
	gb_counters_close(c);
}

TEST(sim_cache_parse)
{
	struct gb_sim_cache g;
	char s[200];

	CHECK(gb_sim_cache_parse("32K:8:64/48K:12:64/32M:16:64", &g, "test") == 0);
	CHECK(g.i1.size == 32768 && g.i1.assoc == 8 && g.d1.size == 49152 && g.d1.assoc == 12);
	CHECK(g.ll.size == 33554432 && g.ll.assoc == 16 && g.ll.line == 64);
	gb_sim_cache_str(&g, s, sizeof(s));
	CHECK_STR(s, "32768:8:64/49152:12:64/33554432:16:64");
	CHECK(gb_sim_cache_parse("32768:8:64/1048576:16:64", &g, "test") == 0);
	CHECK(g.i1.size == 32768 && g.d1.size == 32768 && g.ll.size == 1048576);
	fprintf(stderr, "(three error messages expected)\n");
	CHECK(gb_sim_cache_parse("32K:8:64/32K:8:64/480M:16:64", &g, "test") < 0);
	CHECK(gb_sim_cache_parse("32K:8:64", &g, "test") < 0);
	CHECK(gb_sim_cache_parse("32K:8:48/32K:8:64/32M:16:64", &g, "test") < 0);
}

TEST(sim_cache_from_sysfs)
{
	struct gb_sim_cache g, back;
	char reason[256], s[200];
	json_t *j;

	if (gb_sim_cache_sysfs(&g, reason, sizeof(reason)) < 0) {
		SKIP("%s", reason);
		return;
	}
	/* whatever the machine has, what valgrind gets must be valid */
	gb_sim_cache_str(&g, s, sizeof(s));
	CHECK(gb_sim_cache_parse(s, &back, "sysfs") == 0);
	j = gb_sim_cache_json(&g);
	CHECK_STR(json_string_value(json_object_get(j, "from")), "sysfs");
	CHECK(json_is_string(json_object_get(j, "machine")));
	if (g.adjusted)
		CHECK(json_is_string(json_object_get(j, "adjusted")));
	json_decref(j);
}

TEST(callgrind_child_side_is_inert)
{
	/* not started by gb_callgrind_run_cell: the markers do nothing */
	CHECK(!gb_callgrind_child());
	gb_callgrind_rep_begin("c");
	gb_callgrind_rep_end();
}

int main(void)
{
	RUN(spec_parsing);
	RUN(auto_no_fake_zero);
	RUN(hardware_reported);
	RUN(hardware_values);
	RUN(page_faults_of_fresh_mapping);
	RUN(task_clock_of_busy_loop);
	RUN(task_clock_counts_earlier_threads);
	RUN(sim_cache_parse);
	RUN(sim_cache_from_sysfs);
	RUN(callgrind_child_side_is_inert);
	return unit_done();
}
