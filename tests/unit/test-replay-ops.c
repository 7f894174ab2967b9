/*
 * test-replay-ops.c - where the device time goes (issue 14, item 3): the
 * replay's per-op bookkeeping with a fake executor whose device time and
 * clock split per call the test sets, so every metric is exact:
 * gpu_ns.<op> per op kind summing to gpu_ns, call_ns.<op>, host_queue_ns
 * and host_return_ns only when every call had a split, the sums kept
 * across an out-of-memory split of a call; dotted metric names through
 * results.csv and back; compare reporting them without gating; and the
 * report's per-op table on a recorded results folder
 * (tests/data/results-ops).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare/compare.h"
#include "executor.h"
#include "fsio.h"
#include "gbench.h"
#include "replay.h"
#include "report/report.h"
#include "results/results.h"
#include "unit.h"
#include "fake-exec.h"

/* ---- the fake executor ---- */

struct fake {
	uint64_t ns_per_row[GB_OP_COUNT];  /* device time of a call: this x its rows */
	int has_device_ns;
	int split_every;                   /* calls with a clock split: every n-th (0: none) */
	uint32_t enomem_above;             /* calls over this many rows fail with ENOMEM (0: never) */
	uint64_t calls, enomems;
};

static struct fake fake;

static int fake_run(struct gb_executor *ex, const struct gb_exec_call *c, struct gb_exec_timing *t)
{
	struct fake *f = ex->ctx;

	if (f->enomem_above && c->shape.m > f->enomem_above) {
		f->enomems++;
		return GB_EXEC_ENOMEM;
	}
	memset(c->y, 0, gb_shape_out_floats(&c->shape) * sizeof(float));
	if (c->idx)
		for (size_t i = 0; i < (size_t)c->shape.m * c->shape.p; i++)
			c->idx[i] = (uint32_t)(i % c->shape.p);
	f->calls++;
	memset(t, 0, sizeof(*t));
	t->has_device_ns = f->has_device_ns;
	t->device_ns = f->ns_per_row[c->shape.op] * c->shape.m;
	if (f->split_every && f->calls % (uint64_t)f->split_every == 0) {
		t->has_split = 1;
		t->queue_ns = 3;
		t->return_ns = 5;
	}
	return 0;
}

static const struct gb_executor_i fake_exec = FAKE_EXEC("fake", fake_run);

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.ns_per_row[GB_OP_MATMUL] = 1000;
	fake.ns_per_row[GB_OP_SILU] = 10;
	fake.ns_per_row[GB_OP_TOPK] = 100;
	fake.has_device_ns = 1;
	fake.split_every = 1;
}

/* A trace: 3 matmul (m rows each), 2 silu and 1 top-k on one stream. */
static char *write_trace(uint32_t m)
{
	char *path;
	FILE *f = fake_exec_trace("/tmp/gbench-replay-ops-XXXXXX.csv", &path);

	fprintf(f, "0,0,matmul,%u,4,8,0,W,\n", m);
	fprintf(f, "1,0,silu,1,8,0,0,,\n");
	fprintf(f, "2,0,matmul,%u,4,8,0,W,\n", m);
	fprintf(f, "3,0,topk,1,16,4,2,DB,\n");
	fprintf(f, "4,0,silu,1,8,0,0,,\n");
	fprintf(f, "5,0,matmul,%u,4,8,0,W,\n", m);
	fclose(f);
	return path;
}

static int replay(const char *path, uint32_t reps, struct gb_results *res,
		  struct gb_cell_result **out)
{
	struct gb_cell_spec spec = {
		.batch = 1, .quant = GB_Q_F32, .repetitions = reps, .warmup = 1,
		.mode = GB_MODE_CLOSED, .speed = 1.0, .skip_accuracy = 1,
	};

	return fake_exec_replay(path, &fake_exec, &fake, &spec, res, out);
}

static const struct gb_metric *find(const struct gb_cell_result *r, const char *name)
{
	for (size_t i = 0; r && i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

/* Every repetition's value of name is want. */
static int all_equal(const struct gb_cell_result *r, const char *name, double want, size_t reps)
{
	const struct gb_metric *m = find(r, name);

	if (!m || m->n != reps || strcmp(m->unit, "ns")) {
		printf("#   %s: %s\n", name, !m ? "absent" : m->n != reps ? "wrong count" : "wrong unit");
		return 0;
	}
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i] != want) {
			printf("#   %s rep %zu: %.17g, want %.17g\n", name, i, m->v[i], want);
			return 0;
		}
	return 1;
}

TEST(device_time_per_op_is_exact)
{
	char *path = write_trace(1);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;
	const struct gb_metric *m;

	fake_reset();
	CHECK(replay(path, 3, &res, &r) == 0);
	CHECK(all_equal(r, "gpu_ns", 3 * 1000 + 2 * 10 + 100, 3));
	CHECK(all_equal(r, "gpu_ns.matmul", 3000, 3));
	CHECK(all_equal(r, "gpu_ns.silu", 20, 3));
	CHECK(all_equal(r, "gpu_ns.topk", 100, 3));
	CHECK(!find(r, "gpu_ns.softmax"));   /* not in the trace: no metric */
	CHECK(!find(r, "call_ns.fft"));
	/* 6 calls a repetition, each split 3 + 5 */
	CHECK(all_equal(r, "host_queue_ns", 18, 3));
	CHECK(all_equal(r, "host_return_ns", 30, 3));
	/* the host's time of the calls, per op: measured, so only its presence and sign */
	m = find(r, "call_ns.matmul");
	CHECK(m && m->n == 3 && m->v[0] > 0);
	m = find(r, "call_ns.topk");
	CHECK(m && m->n == 3 && m->v[0] > 0);
	gb_results_release(&res);
	unlink(path);
	free(path);
}

TEST(out_of_memory_split_keeps_the_sums)
{
	char *path = write_trace(4);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;

	fake_reset();
	fake.enomem_above = 1;    /* every 4-row matmul splits down to 1-row calls */
	CHECK(replay(path, 2, &res, &r) == 0);
	CHECK(fake.enomems > 0);
	CHECK(all_equal(r, "gpu_ns.matmul", 3 * 4 * 1000, 2));
	CHECK(all_equal(r, "gpu_ns", 3 * 4 * 1000 + 2 * 10 + 100, 2));
	/* 12 one-row matmul calls and 3 others, each with its split */
	CHECK(all_equal(r, "host_queue_ns", 15 * 3, 2));
	CHECK(all_equal(r, "host_return_ns", 15 * 5, 2));
	gb_results_release(&res);
	unlink(path);
	free(path);
}

TEST(no_split_no_device_time_no_metric)
{
	char *path = write_trace(1);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;

	fake_reset();
	fake.split_every = 2;     /* half the calls have no clock split */
	CHECK(replay(path, 2, &res, &r) == 0);
	CHECK(!find(r, "host_queue_ns"));
	CHECK(!find(r, "host_return_ns"));
	CHECK(all_equal(r, "gpu_ns.matmul", 3000, 2));
	gb_results_release(&res);

	memset(&res, 0, sizeof(res));
	fake_reset();
	fake.has_device_ns = 0;   /* a cpu-like executor: host times only */
	CHECK(replay(path, 2, &res, &r) == 0);
	CHECK(!find(r, "gpu_ns"));
	CHECK(!find(r, "gpu_ns.matmul"));
	CHECK(find(r, "call_ns.matmul") && find(r, "call_ns.silu") && find(r, "call_ns.topk"));
	gb_results_release(&res);
	unlink(path);
	free(path);
}

/* ---- results.csv and compare ---- */

static void put(struct gb_cell_result *c, const char *metric, double v0, size_t n, double step)
{
	struct gb_metric *m = gb_cell_metric(c, metric, "ns", GB_SRC_MEASURED);

	for (size_t i = 0; i < n; i++)
		gb_metric_push(m, v0 + step * (double)(i % 5));
}

TEST(dotted_metrics_round_trip)
{
	struct gb_results w = { 0 }, r = { 0 };
	struct gb_cell_result *c = gb_results_add(&w, NULL, "mix", "vulkan", "lavapipe", 1,
						  GB_Q_F32, 0);
	char dir[] = "/tmp/gbench-replay-ops-XXXXXX";
	const struct gb_metric *m;

	CHECK(mkdtemp(dir) != NULL);
	put(c, "gpu_ns", 3120, 4, 0);
	put(c, "gpu_ns.matmul", 3000, 4, 0);
	put(c, "gpu_ns.silu", 20, 4, 0);
	CHECK(gb_results_write(&w, dir, NULL) == 0);
	CHECK(gb_results_read(&r, dir) == 0);
	CHECK(r.n == 1);
	m = r.n ? find(&r.cells[0], "gpu_ns.matmul") : NULL;
	CHECK(m && m->n == 4 && m->v[3] == 3000 && !strcmp(m->unit, "ns"));
	gb_results_release(&w);
	gb_results_release(&r);
	CHECK(gb_rm_tree(dir) == 0);
}

TEST(compare_does_not_gate_on_per_op_time)
{
	struct gb_results base = { 0 }, cur = { 0 };
	struct gb_compare c;
	struct gb_compare_opts o;
	struct gb_cell_result *b = gb_results_add(&base, NULL, "mix", "vulkan", "lavapipe", 1,
						  GB_Q_F32, 0);
	struct gb_cell_result *k = gb_results_add(&cur, NULL, "mix", "vulkan", "lavapipe", 1,
						  GB_Q_F32, 0);
	int seen = 0;

	/* wall time unchanged; the matmul's device time doubled, the split too */
	put(b, "wall_ns", 1e6, 20, 1e3);
	put(k, "wall_ns", 1e6, 20, 1e3);
	put(b, "latency_p50_ns", 1e5, 20, 1e2);
	put(k, "latency_p50_ns", 1e5, 20, 1e2);
	put(b, "gpu_ns.matmul", 4e5, 20, 1e2);
	put(k, "gpu_ns.matmul", 8e5, 20, 1e2);
	put(b, "call_ns.matmul", 5e5, 20, 1e2);
	put(k, "call_ns.matmul", 9e5, 20, 1e2);
	put(b, "host_queue_ns", 4e4, 20, 1e1);
	put(k, "host_queue_ns", 8e4, 20, 1e1);
	gb_compare_opts_init(&o);
	gb_compare_init(&c, "base", "cur");
	for (int side = 0; side < 2; side++)
		for (size_t p = 0; p < 4; p++) {
			/* four processes a side, five repetitions each */
			struct gb_results part = { 0 };
			const struct gb_cell_result *src = side ? k : b;
			struct gb_cell_result *dc = gb_results_add(&part, src->id, src->workload,
								   src->executor, src->device, 1,
								   GB_Q_F32, 0);

			for (size_t i = 0; i < src->nmetrics; i++) {
				struct gb_metric *dm = gb_cell_metric(dc, src->metrics[i].name, "ns",
								      GB_SRC_MEASURED);

				for (size_t v = p * 5; v < p * 5 + 5; v++)
					gb_metric_push(dm, src->metrics[i].v[v]);
			}
			gb_compare_add_process(&c, side, &part);
			gb_results_release(&part);
		}
	CHECK(gb_compare_results(&c, &base, &cur, &o) == 0);
	for (size_t i = 0; i < c.n; i++) {
		const struct gb_compare_row *row = &c.rows[i];

		if (strchr(row->metric, '.') || !strncmp(row->metric, "host_", 5)) {
			seen++;
			CHECK(!row->gating);
			/* reported as moved, never counted towards the exit code */
			CHECK(row->verdict == GB_VERDICT_REGRESSION);
		}
	}
	CHECK(seen == 3);
	CHECK(c.gating[GB_VERDICT_REGRESSION] == 0);
	CHECK(gb_compare_exit(&c) == GB_EXIT_OK);
	gb_compare_release(&c);
	gb_results_release(&base);
	gb_results_release(&cur);
}

/* ---- the report's per-op table on a recorded results folder ---- */

static int contains(const char *text, const char *want)
{
	if (text && strstr(text, want))
		return 1;
	printf("#   missing: %s\n", want);
	return 0;
}

TEST(report_places_each_op)
{
	char dir[] = "/tmp/gbench-report-ops-XXXXXX";
	struct gb_report_opts o = { 0 };
	char *md, *dat, *cdat, *path;

	/*
	 * The folder's meta.json names its trace relative to the top of the
	 * tree, and a skipped cell, which once put the roofline's ceilings in
	 * an endless loop (intensity 0).
	 */
	CHECK(chdir(GB_TEST_TOP) == 0);
	setenv("GBENCH_DATA", GB_TEST_TOP, 1);
	CHECK(mkdtemp(dir) != NULL);
	o.results = "tests/data/results-ops";
	o.peak = "tests/data/results-ops/peak.json";
	o.rules = GB_TEST_TOP "/reports/rules.tsv";
	o.out = dir;
	o.gnuplot = "false";   /* the data and scripts are what is checked, not the drawing */
	CHECK(gb_report_write(&o) == 0);
	path = gb_xasprintf("%s/report.md", dir);
	md = gb_read_file(path, NULL);
	free(path);
	path = gb_xasprintf("%s/roofline-ops-vulkan.dat", dir);
	dat = gb_read_file(path, NULL);
	free(path);
	path = gb_xasprintf("%s/roofline-ops-cpu.dat", dir);
	cdat = gb_read_file(path, NULL);
	free(path);
	/*
	 * matmul 1x256x256 f32: 131,072 FLOPs, 2,048 bytes of activations and
	 * 262,144 of weights a request; two a replay in 10,567.68 ns of device
	 * time are 50 GB/s, 25% of the recorded device's 200 GB/s copy ceiling
	 * (memory-bound: AI 0.496 x 200 < 1,000 GFLOP/s). silu 1x1024: 8,192
	 * bytes a request, two in 163.84 ns: 100 GB/s, 50%. The cpu cell's host
	 * times against the L2 read ceiling (40 GB/s holds the 256 KiB weights).
	 */
	CHECK(contains(md, "## Where the time goes"));
	CHECK(contains(md, "| mix.vulkan.b1.f32.c0 | **matmul** | 10.6 us (gpu_ns) | 98.5% (bottleneck) "
		       "| 2 | 131k | 264k | 24.8 | 50 | memory 200 GB/s | 25.0% |"));
	CHECK(contains(md, "| mix.vulkan.b1.f32.c0 | silu | 164 ns (gpu_ns) | 1.5% | 2 | 4.1k | "
		       "8.19k | 50 | 100 | memory 200 GB/s | 50.0% |"));
	CHECK(contains(md, "| mix.cpu.b1.f32.c0 | **matmul** | 52.8 us (call_ns) | 98.5% (bottleneck) "
		       "| 2 | 131k | 264k | 4.96 | 10 | memory 40 GB/s | 25.0% |"));
	CHECK(contains(md, "- **vulkan**: the bottleneck is **matmul** in 1 of 1 cell, at 25.0% of "
		       "the vulkan device's roof."));
	CHECK(contains(md, "- **cpu**: the bottleneck is **matmul** in 1 of 1 cell, at 25.0% of "
		       "the host's roof."));
	CHECK(!strstr(md ? md : "", "`~`"));   /* nothing scaled: no estimate */
	/* one chart of op kinds per executor, each under its own device's ceilings */
	CHECK(contains(dat, "\"vulkan device 200 GB/s, 1000 GFLOP/s\""));
	CHECK(contains(dat, "\"matmul\" \"flop_per_byte\""));
	CHECK(contains(dat, "\"silu\" \"flop_per_byte\""));
	CHECK(!strstr(dat ? dat : "", "cpu.b1"));
	CHECK(contains(cdat, "\"silu\" \"flop_per_byte\""));
	CHECK(contains(cdat, "mix.cpu.b1.f32.c0"));
	CHECK(!strstr(cdat ? cdat : "", "vulkan"));
	free(md);
	free(dat);
	free(cdat);
	CHECK(gb_rm_tree(dir) == 0);
}

int main(void)
{
	RUN(device_time_per_op_is_exact);
	RUN(out_of_memory_split_keeps_the_sums);
	RUN(no_split_no_device_time_no_metric);
	RUN(dotted_metrics_round_trip);
	RUN(compare_does_not_gate_on_per_op_time);
	RUN(report_places_each_op);
	return unit_done();
}
