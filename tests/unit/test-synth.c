/*
 * test-synth.c - the synthetic workload generator: byte-for-byte
 * reproducible from the seed, Zipf and Poisson draws with the right
 * statistics, every kind and tier a valid trace, and the ci tier small
 * enough for the CI time budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gbench.h"
#include "synth.h"
#include "trace.h"
#include "unit.h"

/* The trace the parameters give, as the bytes gbench synth would write. */
static char *synth_bytes(const struct gb_synth_params *p, size_t *len)
{
	struct gb_trace t;
	char *buf = NULL;
	FILE *f;

	if (gb_synth_generate(p, &t) < 0)
		return NULL;
	f = open_memstream(&buf, len);
	if (gb_trace_write(f, &t) < 0) {
		fclose(f);
		free(buf);
		gb_trace_release(&t);
		return NULL;
	}
	fclose(f);
	gb_trace_release(&t);
	return buf;
}

TEST(same_seed_same_bytes)
{
	for (int k = 0; k < GB_SYNTH_KIND_COUNT; k++) {
		struct gb_synth_params p = { .kind = k, .tier = GB_TIER_CI, .seed = 7 };
		size_t la, lb, lc;
		char *a = synth_bytes(&p, &la), *b = synth_bytes(&p, &lb), *c;

		p.seed = 8;
		c = synth_bytes(&p, &lc);
		CHECK(a && b && c);
		if (a && b && c) {
			CHECK(la == lb && !memcmp(a, b, la));
			CHECK(la != lc || memcmp(a, c, la));
		}
		free(a);
		free(b);
		free(c);
	}
}

TEST(zipf_frequencies)
{
	const uint32_t n = 20, draws = 400000;
	const double s = 1.1;
	struct gb_xo r;
	struct gb_zipf z;
	uint32_t count[20] = { 0 };
	double h = 0;

	gb_xo_seed(&r, 123);
	gb_zipf_init(&z, n, s);
	for (uint32_t i = 0; i < draws; i++) {
		uint32_t k = gb_zipf_draw(&z, &r);

		CHECK(k < n);
		if (k < n)
			count[k]++;
	}
	for (uint32_t i = 1; i <= n; i++)
		h += pow(i, -s);
	for (uint32_t i = 0; i < n; i++) {
		double want = pow(i + 1, -s) / h, got = (double)count[i] / draws;

		/* Within 3% of the probability (about 10 standard errors at rank 0). */
		CHECK_NEAR(got, want, 0.03 * want + 0.001);
	}
	CHECK(count[0] > count[1] && count[1] > count[2]);
	gb_zipf_release(&z);
}

TEST(poisson_mean_interarrival)
{
	struct gb_xo r;
	const double rate = 2500;
	const int n = 200000;
	double sum = 0, sum2 = 0;

	gb_xo_seed(&r, 99);
	for (int i = 0; i < n; i++) {
		double x = (double)gb_synth_exp_ns(&r, rate);

		sum += x;
		sum2 += x * x;
	}
	/* Exponential: the mean and the standard deviation are both 1/rate. */
	CHECK_NEAR(sum / n, 1e9 / rate, 0.05 * 1e9 / rate);
	CHECK_NEAR(sqrt(sum2 / n - (sum / n) * (sum / n)), 1e9 / rate, 0.05 * 1e9 / rate);
}

TEST(trace_arrival_rate)
{
	struct gb_synth_params p = {
		.kind = GB_SYNTH_VECTOR_SEARCH, .tier = GB_TIER_CI, .seed = 5,
		.requests = 20000, .rate = 1000,
	};
	struct gb_trace t;

	CHECK(gb_synth_generate(&p, &t) == 0);
	CHECK(t.n == 20000);
	if (t.n == 20000) {
		double mean = (double)(t.req[t.n - 1].arrival_ns - t.req[0].arrival_ns) / (t.n - 1);

		CHECK_NEAR(mean, 1e6, 0.05 * 1e6);
	}
	gb_trace_release(&t);
}

/* Every kind and tier writes a trace that loads cleanly and keeps its promises. */
TEST(generated_traces_parse)
{
	char path[] = "/tmp/gbench-test-synth-XXXXXX.csv";
	int fd = mkstemps(path, 4);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	for (int tier = 0; tier < GB_TIER_COUNT; tier++) {
		for (int k = 0; k < GB_SYNTH_KIND_COUNT; k++) {
			struct gb_synth_params p = { .kind = k, .tier = tier, .seed = 42 };
			struct gb_trace g, t;
			unsigned nerr = 99;
			FILE *f = fopen(path, "w");

			CHECK(gb_synth_generate(&p, &g) == 0);
			CHECK(gb_trace_write(f, &g) == 0);
			fclose(f);
			CHECK(gb_trace_load(path, &t, &nerr) == 0);
			CHECK(nerr == 0);
			CHECK(t.n == g.n && t.n > 0);
			CHECK(t.nstreams == g.nstreams);
			CHECK(gb_trace_meta_get(&t, "source") != NULL);
			CHECK_STR(gb_trace_meta_get(&t, "seed"), "42");
			CHECK(gb_trace_meta_get(&t, "models") != NULL);
			CHECK(gb_trace_meta_get(&t, "notes") != NULL);
			for (size_t i = 0; i < t.n && i < g.n; i++) {
				CHECK(t.req[i].line == g.req[i].line);
				if (t.req[i].line != g.req[i].line)
					break;
			}
			if (tier == GB_TIER_CI) {
				double flops = 0;

				for (size_t i = 0; i < t.n; i++)
					flops += gb_shape_flops(&t.req[i].shape);
				/* The CI budget: tens of milliseconds a replay. */
				if (flops > 60e6)
					printf("#   %s: %.1f MFLOP\n", gb_synth_kind_name(k), flops / 1e6);
				CHECK(flops <= 60e6);
			}
			gb_trace_release(&t);
			gb_trace_release(&g);
		}
	}
	unlink(path);
}

TEST(decode_shape)
{
	struct gb_synth_params p = { .kind = GB_SYNTH_LLM_DECODE, .tier = GB_TIER_CI, .seed = 1 };
	struct gb_trace t;
	uint64_t last[64] = { 0 };
	int keys_empty = 1, ordered = 1;

	CHECK(gb_synth_generate(&p, &t) == 0);
	CHECK(t.nstreams == 4);
	for (size_t i = 0; i < t.n; i++) {
		const struct gb_request *r = &t.req[i];

		if (*r->key)
			keys_empty = 0;
		if (i && r->arrival_ns < t.req[i - 1].arrival_ns)
			ordered = 0;
		if (r->stream < 64) {
			if (r->arrival_ns < last[r->stream])
				ordered = 0;
			last[r->stream] = r->arrival_ns;
		}
		if (r->shape.op == GB_OP_MATMUL)
			CHECK(r->shape.m == 1 && r->shape.k % 32 == 0);
	}
	CHECK(keys_empty);
	CHECK(ordered);
	/* The first op of stream 0 is the first token's rmsnorm. */
	CHECK(t.req[0].shape.op == GB_OP_RMSNORM);
	gb_trace_release(&t);
}

TEST(names_parse)
{
	enum gb_synth_kind k;
	enum gb_synth_tier t;

	CHECK(gb_synth_kind_parse("audio-features", &k) == 0 && k == GB_SYNTH_AUDIO_FEATURES);
	CHECK(gb_synth_kind_parse("audio", &k) == -1);
	CHECK(gb_synth_tier_parse("mid-range", &t) == 0 && t == GB_TIER_MID_RANGE);
	CHECK(gb_synth_tier_parse("huge", &t) == -1);
	CHECK_STR(gb_synth_kind_name(GB_SYNTH_LLM_PREFILL), "llm-prefill");
	CHECK_STR(gb_synth_tier_name(GB_TIER_HIGH_END), "high-end");
}

int main(void)
{
	RUN(same_seed_same_bytes);
	RUN(zipf_frequencies);
	RUN(poisson_mean_interarrival);
	RUN(trace_arrival_rate);
	RUN(generated_traces_parse);
	RUN(decode_shape);
	RUN(names_parse);
	return unit_done();
}
