/*
 * test-replay.c - the replay's modes and batching with a synthetic executor
 * of known service time, so that queueing theory gives the expected
 * latencies: open replay must show a stall's queueing in response times
 * while service times stay put, and closed replay must hide it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor.h"
#include "gbench.h"
#include "replay.h"
#include "results/results.h"
#include "unit.h"
#include "fake-exec.h"

/* The synthetic executor: every call spins for service_ns, the first for stall_ns. */
struct synth {
	uint64_t service_ns, stall_ns;
	uint64_t calls;
	uint32_t max_m;
};

static struct synth synth;

static int syn_run(struct gb_executor *ex, const struct gb_exec_call *c, struct gb_exec_timing *t)
{
	struct synth *s = ex->ctx;
	uint64_t until = gb_now_ns() + (s->calls++ == 0 ? s->stall_ns : s->service_ns);

	memset(c->y, 0, gb_shape_out_floats(&c->shape) * sizeof(float));
	if (c->shape.m > s->max_m)
		s->max_m = c->shape.m;
	while (gb_now_ns() < until)
		;
	t->has_device_ns = 0;
	return 0;
}

static const struct gb_executor_i synthetic = FAKE_EXEC("synthetic", syn_run);

/* A trace of n silu requests every interval_ns on `streams` streams. */
static char *write_trace(uint32_t n, uint64_t interval_ns, uint32_t streams)
{
	char *path;
	FILE *f = fake_exec_trace("/tmp/gbench-replay-XXXXXX.csv", &path);

	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%llu,%u,silu,1,8,0,0,,\n", (unsigned long long)(i * interval_ns),
			i % streams);
	fclose(f);
	return path;
}

static double metric(struct gb_cell_result *r, const char *name)
{
	for (size_t i = 0; i < r->nmetrics; i++)
		if (!strcmp(r->metrics[i].name, name) && r->metrics[i].n)
			return r->metrics[i].v[r->metrics[i].n - 1];
	return -1;
}

/* Lindley's recursion: the waiting times of a single FIFO server; returns the p99 response. */
static double predicted_p99(uint32_t n, double interval, double service, double stall)
{
	double *resp = malloc(n * sizeof(double)), wait = 0;
	double p;

	for (uint32_t i = 0; i < n; i++) {
		double s = i == 0 ? stall : service;

		resp[i] = wait + s;
		wait = wait + s - interval > 0 ? wait + s - interval : 0;
	}
	for (uint32_t i = 1; i < n; i++)      /* insertion sort: n is small */
		for (uint32_t j = i; j > 0 && resp[j] < resp[j - 1]; j--) {
			double t = resp[j];

			resp[j] = resp[j - 1];
			resp[j - 1] = t;
		}
	p = resp[(uint32_t)(0.99 * n + 0.5) - 1];
	free(resp);
	return p;
}

static int replay(const char *path, enum gb_mode mode, uint32_t batch, uint64_t delay_ns,
		  struct gb_results *res, struct gb_cell_result **out)
{
	struct gb_cell_spec spec = {
		.batch = batch, .quant = GB_Q_F32, .repetitions = 1, .warmup = 0,
		.accuracy_samples = 0, .mode = mode, .speed = 1.0,
		.max_queue_delay_ns = delay_ns, .skip_accuracy = 1,
	};

	synth.calls = 0;
	synth.max_m = 0;
	return fake_exec_replay(path, &synthetic, &synth, &spec, res, out);
}

TEST(open_stall_raises_response_not_service)
{
	/* 1000 requests every 200 us, 100 us service, a 40 ms stall first:
	 * about 400 requests queue behind the stall. */
	const uint32_t n = 1000;
	const uint64_t interval = 200000, service = 100000, stall = 40000000;
	char *path = write_trace(n, interval, 1);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;
	double resp, serv, want;

	synth.service_ns = service;
	synth.stall_ns = stall;
	CHECK(replay(path, GB_MODE_OPEN, 1, 0, &res, &r) == 0);
	resp = metric(r, "response_p99_ns");
	serv = metric(r, "service_p99_ns");
	want = predicted_p99(n, (double)interval, (double)service, (double)stall);
	printf("# open: response p99 %.0f ns (Lindley predicts %.0f), service p99 %.0f ns\n",
	       resp, want, serv);
	/*
	 * Preemption on a loaded machine stretches service times, never
	 * shortens them: the lower bound always holds. The upper bound is
	 * Lindley's for the nominal service time, so it is judged only when
	 * the measured service stayed near it (a suite run beside other
	 * builds saw 5-6 ms services from a 100 us spin, and a queue that
	 * never drained).
	 */
	CHECK(resp > 0.8 * want);
	if (serv < 1.5 * (double)service)
		CHECK(resp < 1.5 * want + 5e6);
	else
		printf("# service p99 %.0f ns is over 1.5x the nominal %llu ns: a loaded machine, "
		       "the upper bound is not judged\n", serv, (unsigned long long)service);
	CHECK(serv >= 0.99 * service);
	CHECK(resp > 10 * serv);
	gb_results_release(&res);
	unlink(path);
	free(path);
}

TEST(closed_hides_the_stall)
{
	const uint32_t n = 1000;
	char *path = write_trace(n, 200000, 1);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;
	double p99;

	synth.service_ns = 100000;
	synth.stall_ns = 40000000;
	CHECK(replay(path, GB_MODE_CLOSED, 1, 0, &res, &r) == 0);
	p99 = metric(r, "latency_p99_ns");
	printf("# closed: latency p99 %.0f ns\n", p99);
	/* back to back, the stall is one slow request among 1000: p99 is a service time */
	CHECK(p99 >= 0.99 * 100000 && p99 < 40000000 / 4);
	gb_results_release(&res);
	unlink(path);
	free(path);
}

TEST(offline_reports_throughput_only)
{
	char *path = write_trace(200, 1000000, 4);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;

	synth.service_ns = 10000;
	synth.stall_ns = 10000;
	CHECK(replay(path, GB_MODE_OFFLINE, 4, 0, &res, &r) == 0);
	CHECK(metric(r, "throughput_rps") > 0);
	/* everything arrived at once: batches are full, the run far shorter than the trace */
	CHECK(synth.max_m == 4);
	CHECK(metric(r, "wall_ns") < 200 * 1000000.0 / 4);
	gb_results_release(&res);
	unlink(path);
	free(path);
}

TEST(closed_batches_across_stream_heads)
{
	char *path = write_trace(64, 0, 8);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;

	synth.service_ns = 1000;
	synth.stall_ns = 1000;
	CHECK(replay(path, GB_MODE_CLOSED, 8, 0, &res, &r) == 0);
	CHECK(synth.max_m == 8);
	CHECK(synth.calls == 8);
	CHECK(r->nbatch_sizes == 9 && r->batch_sizes[8] == 8);
	gb_results_release(&res);
	unlink(path);
	free(path);
}

TEST(one_stream_never_batches)
{
	/* requests of one stream run in order: never two in one call */
	char *path = write_trace(32, 0, 1);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;

	synth.service_ns = 1000;
	synth.stall_ns = 1000;
	CHECK(replay(path, GB_MODE_CLOSED, 8, 0, &res, &r) == 0);
	CHECK(synth.max_m == 1 && synth.calls == 32);
	gb_results_release(&res);
	unlink(path);
	free(path);
}

TEST(open_queue_delay_fills_batches)
{
	/* 4 streams, a request every 50 us; with a 1 ms queue delay batches of 4 form,
	 * without one each request goes alone (service 10 us < interval). */
	char *path = write_trace(400, 50000, 4);
	struct gb_results res = { 0 };
	struct gb_cell_result *r;
	uint32_t alone_max;

	synth.service_ns = 10000;
	synth.stall_ns = 10000;
	CHECK(replay(path, GB_MODE_OPEN, 4, 0, &res, &r) == 0);
	alone_max = synth.max_m;
	CHECK(replay(path, GB_MODE_OPEN, 4, 1000000, &res, &r) == 0);
	printf("# largest batch: %u without delay, %u with 1 ms\n", alone_max, synth.max_m);
	CHECK(synth.max_m == 4);
	CHECK(r->batch_sizes[4] > r->batch_sizes[1]);
	CHECK(metric(r, "queue_p50_ns") > 50000);
	gb_results_release(&res);
	unlink(path);
	free(path);
}

/* A trace of silu requests on 5 streams, two shapes, 16 keys in a seeded order, and rows without one. */
static char *write_keyed_trace(uint32_t n)
{
	char *path;
	FILE *f = fake_exec_trace("/tmp/gbench-count-XXXXXX.csv", &path);

	uint32_t x = 1;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t key = (x = x * 1103515245u + 12345u) >> 16 & 15u;

		fprintf(f, "%u,%u,silu,1,%u,0,0,,", i * 1000u, (i * 3u) % 5u, i % 4 ? 8u : 16u);
		if (i % 9)
			fprintf(f, "k%u", key);
		fputc('\n', f);
	}
	fclose(f);
	return path;
}

/*
 * gb_replay_count is the replay's batching without an executor: for every
 * batch size, cache and window, its calls, requests and hits are what a
 * closed-loop repetition through an executor makes.
 */
TEST(count_matches_the_replay)
{
	static const uint32_t batches[] = { 1, 3, 8 }, caches[] = { 0, 2, 6, 64 };
	static const uint32_t windows[] = { 0, 17, 60 };
	char *path = write_keyed_trace(120);
	struct gb_workload w;

	CHECK(gb_workload_load(&w, path, 1) == 0);
	synth.service_ns = 0;
	synth.stall_ns = 0;
	for (size_t b = 0; b < 3; b++)
		for (size_t c = 0; c < 4; c++)
			for (size_t k = 0; k < 3; k++) {
				struct gb_cell_spec spec = {
					.batch = batches[b], .cache = caches[c],
					.quant = GB_Q_F32, .repetitions = 1,
					.window = windows[k], .mode = GB_MODE_CLOSED,
					.speed = 1.0, .skip_accuracy = 1,
				};
				struct gb_results res = { 0 };
				struct gb_cell_result *r;
				struct gb_replay_count n;
				uint64_t calls = 0, reqs = 0;

				synth.calls = 0;
				CHECK(fake_exec_replay(path, &synthetic, &synth, &spec, &res, &r) == 0);
				for (uint32_t i = 0; i < r->nbatch_sizes; i++) {
					calls += r->batch_sizes[i];
					reqs += (uint64_t)i * r->batch_sizes[i];
				}
				gb_replay_count(&w, spec.batch, spec.cache,
						spec.window ? spec.window : SIZE_MAX, &n);
				CHECK(n.calls == synth.calls && n.calls == calls);
				CHECK(n.requests == reqs);
				CHECK(n.requests + n.hits == (spec.window ? spec.window : 120));
				/* silu 1 x 8 or 1 x 16: each hit and each keyed miss copies its output */
				CHECK(spec.cache ? n.copied >= 8 * n.hits : n.copied == 0);
				if (spec.cache && spec.window != 17)
					CHECK(n.hits > 0);
				gb_results_release(&res);
			}
	/* the batching the count follows: a cache of 6 at batch 3 makes calls of fewer requests */
	{
		struct gb_replay_count cold, warm;

		gb_replay_count(&w, 3, 0, SIZE_MAX, &cold);
		gb_replay_count(&w, 3, 6, SIZE_MAX, &warm);
		printf("# batch 3 over 120 rows: %llu calls of %llu requests at cache 0, "
		       "%llu of %llu (%llu hits) at cache 6\n", (unsigned long long)cold.calls,
		       (unsigned long long)cold.requests, (unsigned long long)warm.calls,
		       (unsigned long long)warm.requests, (unsigned long long)warm.hits);
		CHECK(cold.requests == 120 && cold.calls < 120 && warm.hits > 0);
	}
	/* a cache with room for every key: every keyed request is a hit or a put, one copy each */
	{
		struct gb_replay_count all;
		uint64_t words = 0;

		gb_replay_count(&w, 1, 64, SIZE_MAX, &all);
		for (uint32_t i = 0; i < 120; i++)
			words += i % 9 ? (i % 4 ? 8 : 16) : 0;
		CHECK(all.copied == words);
	}
	gb_workload_release(&w);
	unlink(path);
	free(path);
}

TEST(percentile_minimum_samples)
{
	CHECK(gb_percentile_min_samples(50) == 10);
	CHECK(gb_percentile_min_samples(99) >= 650 && gb_percentile_min_samples(99) <= 670);
	CHECK(gb_percentile_min_samples(99.9) >= 6500 && gb_percentile_min_samples(99.9) <= 6700);
	CHECK(gb_percentile_min_samples(100) == 1);
}

int main(void)
{
	RUN(open_stall_raises_response_not_service);
	RUN(closed_hides_the_stall);
	RUN(offline_reports_throughput_only);
	RUN(closed_batches_across_stream_heads);
	RUN(one_stream_never_batches);
	RUN(open_queue_delay_fills_batches);
	RUN(count_matches_the_replay);
	RUN(percentile_minimum_samples);
	return unit_done();
}
