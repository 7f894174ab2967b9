/*
 * test-mrc.c - the one-pass miss-ratio curve equals a real LRU.
 *
 * For uniform, Zipf-skewed, looping and phase-shifting traces, the hit
 * count the curve gives at each capacity must equal, exactly, the hits of
 * lru.h's cache replaying the same ids (get, put on miss) at that capacity.
 * Traces longer than 2 * nids also exercise the timestamp-window
 * compaction. Edge cases: the empty sequence, one id repeated, capacity 0,
 * an id out of range, and the mrc.csv rows themselves.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "lru.h"
#include "mrc.h"
#include "unit.h"

/* splitmix64: reproducible, good enough for test data. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t *trace_uniform(size_t n, uint32_t nids, uint64_t seed)
{
	uint32_t *t = malloc(n * sizeof(*t));

	for (size_t i = 0; i < n; i++)
		t[i] = (uint32_t)(rng_next(&seed) % nids);
	return t;
}

/* Zipf(s) over nids ids by inverse CDF; id 0 is the most popular. */
static uint32_t *trace_zipf(size_t n, uint32_t nids, double s, uint64_t seed)
{
	uint32_t *t = malloc(n * sizeof(*t));
	double *cdf = malloc(nids * sizeof(*cdf)), sum = 0;

	for (uint32_t i = 0; i < nids; i++)
		cdf[i] = sum += 1.0 / pow(i + 1.0, s);
	for (size_t i = 0; i < n; i++) {
		double u = rng_unit(&seed) * sum;
		uint32_t lo = 0, hi = nids - 1;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* scatter popularity over the id space */
		t[i] = (uint32_t)(((uint64_t)lo * 2654435761u) % nids);
	}
	free(cdf);
	return t;
}

/* 0, 1, ..., len-1, 0, 1, ...: LRU misses everything below capacity len. */
static uint32_t *trace_loop(size_t n, uint32_t len)
{
	uint32_t *t = malloc(n * sizeof(*t));

	for (size_t i = 0; i < n; i++)
		t[i] = (uint32_t)(i % len);
	return t;
}

/* Phases with different working sets and occasional random strays. */
static uint32_t *trace_phases(size_t n, uint32_t nids, uint64_t seed)
{
	uint32_t *t = malloc(n * sizeof(*t));
	uint32_t base = 0, ws = 8;

	for (size_t i = 0; i < n; i++) {
		if (i % 1000 == 0) {
			ws = 1 + (uint32_t)(rng_next(&seed) % (nids / 2));
			base = (uint32_t)(rng_next(&seed) % (nids - ws + 1));
		}
		if (rng_next(&seed) % 20 == 0)
			t[i] = (uint32_t)(rng_next(&seed) % nids);
		else
			t[i] = base + (uint32_t)(rng_next(&seed) % ws);
	}
	return t;
}

/* Hits of lru.h's cache at this capacity, started cold. */
static uint64_t lru_hits(const uint32_t *ids, size_t n, uint32_t nids, uint32_t capacity)
{
	struct gb_lru c;
	uint64_t h;

	gb_lru_init(&c, capacity, nids);
	for (size_t i = 0; i < n; i++)
		if (!gb_lru_get(&c, ids[i]))
			gb_lru_put(&c, ids[i], NULL, 0, NULL, 0);
	h = c.hits;
	gb_lru_release(&c);
	return h;
}

static int mismatches;

static void check_capacity(const struct gb_mrc *m, const uint32_t *ids, size_t n,
			   uint32_t nids, uint32_t cap)
{
	uint64_t want = lru_hits(ids, n, nids, cap), got = gb_mrc_hits(m, cap);

	if (want != got) {
		if (mismatches++ < 10)
			printf("#   capacity %u: lru %llu hits, curve %llu\n", cap,
			       (unsigned long long)want, (unsigned long long)got);
		CHECK(want == got);
	}
	CHECK_NEAR(gb_mrc_hit_rate(m, cap), (double)want / (double)n, 1e-15);
}

/*
 * The curve of ids against the LRU at 0, 1, 2, 3, 5, 8, ... (Fibonacci)
 * up to past nids, at nids itself, and at every capacity when nids is small.
 */
static void check_trace(const uint32_t *ids, size_t n, uint32_t nids)
{
	struct gb_mrc m;
	uint64_t total;
	uint32_t a = 1, b = 2;

	mismatches = 0;
	CHECK(gb_mrc_compute(&m, ids, n, nids) == 0);
	CHECK(m.accesses == n);
	CHECK(m.max_distance <= nids);
	CHECK(m.hits_at[0] == 0);
	total = m.cold;
	for (uint32_t d = 1; d <= m.max_distance; d++)
		total += m.hits_at[d];
	CHECK(total == n);
	check_capacity(&m, ids, n, nids, 0);
	if (nids <= 64) {
		for (uint32_t c = 1; c <= nids + 1; c++)
			check_capacity(&m, ids, n, nids, c);
	} else {
		check_capacity(&m, ids, n, nids, 1);
		while (a <= nids + 1) {
			uint32_t t = a + b;

			check_capacity(&m, ids, n, nids, b);
			a = b;
			b = t;
		}
		check_capacity(&m, ids, n, nids, nids);
	}
	/* a cache that holds everything misses only the first accesses */
	CHECK(gb_mrc_hits(&m, UINT32_MAX) == n - m.cold);
	gb_mrc_release(&m);
}

TEST(uniform_matches_lru)
{
	static const struct { size_t n; uint32_t nids; } cases[] = {
		{ 50, 10 }, { 3000, 40 }, { 20000, 200 }, { 5000, 4000 },
		{ 40000, 1500 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t *t = trace_uniform(cases[i].n, cases[i].nids, 11 + i);

		check_trace(t, cases[i].n, cases[i].nids);
		free(t);
	}
}

TEST(zipf_matches_lru)
{
	static const double skew[] = { 0.6, 0.99, 1.3 };

	for (size_t i = 0; i < sizeof(skew) / sizeof(skew[0]); i++) {
		uint32_t *t = trace_zipf(30000, 700, skew[i], 101 + i);

		check_trace(t, 30000, 700);
		free(t);
		t = trace_zipf(4000, 50, skew[i], 201 + i);
		check_trace(t, 4000, 50);
		free(t);
	}
}

TEST(loop_defeats_lru)
{
	struct gb_mrc m;
	uint32_t *t = trace_loop(5000, 100);

	check_trace(t, 5000, 100);
	check_trace(t, 5000, 128);   /* ids 100..127 never accessed */
	/* every reuse has distance exactly 100: all or nothing */
	CHECK(gb_mrc_compute(&m, t, 5000, 100) == 0);
	CHECK(m.cold == 100 && m.max_distance == 100);
	CHECK(m.hits_at[100] == 4900);
	CHECK(gb_mrc_hits(&m, 99) == 0);
	CHECK(gb_mrc_hits(&m, 100) == 4900);
	gb_mrc_release(&m);
	free(t);
	t = trace_loop(3000, 7);
	check_trace(t, 3000, 7);
	free(t);
}

TEST(phases_match_lru)
{
	uint32_t *t = trace_phases(30000, 300, 7);

	check_trace(t, 30000, 300);
	free(t);
	t = trace_phases(8000, 60, 8);
	check_trace(t, 8000, 60);
	free(t);
}

TEST(empty_sequence)
{
	struct gb_mrc m;

	CHECK(gb_mrc_compute(&m, NULL, 0, 0) == 0);
	CHECK(m.accesses == 0 && m.cold == 0 && m.max_distance == 0);
	CHECK(m.hits_at != NULL);
	CHECK(gb_mrc_hits(&m, 10) == 0);
	CHECK(isnan(gb_mrc_hit_rate(&m, 0)));
	CHECK(isnan(gb_mrc_hit_rate(&m, 10)));
	gb_mrc_release(&m);
	CHECK(gb_mrc_compute(&m, NULL, 0, 5) == 0);
	CHECK(isnan(gb_mrc_hit_rate(&m, 1)));
	gb_mrc_release(&m);
}

TEST(single_id_repeated)
{
	struct gb_mrc m;
	uint32_t t[3000];

	for (size_t i = 0; i < 3000; i++)
		t[i] = 3;
	CHECK(gb_mrc_compute(&m, t, 3000, 4) == 0);
	CHECK(m.accesses == 3000 && m.cold == 1 && m.max_distance == 1);
	CHECK(m.hits_at[1] == 2999);
	CHECK(gb_mrc_hit_rate(&m, 0) == 0.0);
	CHECK(gb_mrc_hit_rate(&m, 1) == 2999.0 / 3000.0);
	CHECK(gb_mrc_hit_rate(&m, 1000) == 2999.0 / 3000.0);
	gb_mrc_release(&m);
	check_trace(t, 3000, 4);
	CHECK(gb_mrc_compute(&m, t, 1, 4) == 0);
	CHECK(m.cold == 1 && gb_mrc_hit_rate(&m, 1) == 0.0);
	gb_mrc_release(&m);
}

TEST(capacity_zero_hits_nothing)
{
	struct gb_mrc m;
	uint32_t *t = trace_uniform(1000, 5, 3);

	CHECK(gb_mrc_compute(&m, t, 1000, 5) == 0);
	CHECK(gb_mrc_hits(&m, 0) == 0);
	CHECK(gb_mrc_hit_rate(&m, 0) == 0.0);
	CHECK(lru_hits(t, 1000, 5, 0) == 0);
	gb_mrc_release(&m);
	free(t);
}

TEST(id_out_of_range)
{
	struct gb_mrc m;
	uint32_t t[] = { 0, 1, 2, 5, 1 };

	printf("# expect an error message:\n");
	fflush(stdout);
	CHECK(gb_mrc_compute(&m, t, 5, 5) == -1);
	CHECK(m.hits_at == NULL && m.accesses == 0);
	gb_mrc_release(&m);
	CHECK(gb_mrc_compute(&m, t, 5, 6) == 0);
	gb_mrc_release(&m);
}

/* The rows gb_mrc_write_rows writes, as one string (caller frees). */
static char *rows_of(const char *workload, const uint32_t *ids, size_t n, uint32_t nids,
		     const uint32_t *extra, size_t nextra)
{
	struct gb_mrc m;
	FILE *f = tmpfile();
	char *buf = calloc(1, 4096);
	size_t len;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	CHECK(gb_mrc_compute(&m, ids, n, nids) == 0);
	CHECK(gb_mrc_write_rows(f, workload, &m, extra, nextra) == 0);
	gb_mrc_release(&m);
	rewind(f);
	len = fread(buf, 1, 4095, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

TEST(csv_rows)
{
	uint32_t abab[] = { 0, 1, 0, 1 };
	uint32_t extra[] = { 3, 2, 0, 2 };
	uint32_t loop10[40];
	uint32_t big[] = { 1000 };
	char *s;

	/* distances: cold, cold, 2, 2; powers 1, 2; extras 0, 2, 3 */
	s = rows_of("w", abab, 4, 2, extra, 4);
	CHECK_STR(s, "w,0,0\nw,1,0\nw,2,0.5\nw,3,0.5\n");
	free(s);
	/* the name is quoted only when it must be */
	s = rows_of("a,\"b\"", abab, 4, 2, NULL, 0);
	CHECK_STR(s, "\"a,\"\"b\"\"\",1,0\n\"a,\"\"b\"\"\",2,0.5\n");
	free(s);
	/* no accesses: the configured capacity with an empty hit rate */
	s = rows_of("e", NULL, 0, 0, big, 1);
	CHECK_STR(s, "e,1000,\n");
	free(s);
	/* 10 distinct ids: 1, 2, 4, 8, 10, and 1000 configured */
	for (size_t i = 0; i < 40; i++)
		loop10[i] = (uint32_t)(i % 10);
	s = rows_of("loop", loop10, 40, 10, big, 1);
	CHECK_STR(s, "loop,1,0\nloop,2,0\nloop,4,0\nloop,8,0\nloop,10,0.75\nloop,1000,0.75\n");
	free(s);
}

/* A million accesses over 100k ids: the curve must be quick (not timed). */
TEST(million_accesses)
{
	size_t n = 1000000;
	uint32_t nids = 100000;
	uint32_t *t = trace_zipf(n, nids, 0.9, 42);
	struct gb_mrc m;
	uint64_t total;

	CHECK(gb_mrc_compute(&m, t, n, nids) == 0);
	total = m.cold;
	for (uint32_t d = 1; d <= m.max_distance; d++)
		total += m.hits_at[d];
	CHECK(total == n);
	CHECK(gb_mrc_hits(&m, 1000) == lru_hits(t, n, nids, 1000));
	CHECK(gb_mrc_hits(&m, 30000) == lru_hits(t, n, nids, 30000));
	gb_mrc_release(&m);
	free(t);
	/* the same ids much longer than the window: many compactions */
	t = trace_uniform(n, 300, 9);
	CHECK(gb_mrc_compute(&m, t, n, 300) == 0);
	CHECK(gb_mrc_hits(&m, 150) == lru_hits(t, n, 300, 150));
	gb_mrc_release(&m);
	free(t);
}

int main(void)
{
	RUN(uniform_matches_lru);
	RUN(zipf_matches_lru);
	RUN(loop_defeats_lru);
	RUN(phases_match_lru);
	RUN(empty_sequence);
	RUN(single_id_repeated);
	RUN(capacity_zero_hits_nothing);
	RUN(id_out_of_range);
	RUN(csv_rows);
	RUN(million_accesses);
	return unit_done();
}
