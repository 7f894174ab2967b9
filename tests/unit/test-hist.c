/*
 * test-hist.c - the latency histogram against exact order statistics of the
 * same samples: uniform, log-uniform, exponential, lognormal and Pareto
 * samples of 2e5 values between 1 ns and 60 s must give every percentile
 * within 0.1% (HdrHistogram's 3 significant digits), merging must equal
 * recording everything in one histogram, out-of-range values must be
 * counted, and the .hgrm text must parse back to the right totals. The
 * Harrell-Davis percentile must equal the same estimate over the raw
 * values, and must vary far less than the nearest rank where the median
 * falls in a gap between two groups of requests.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "stats-test.h"
#include "unit.h"

#define N 200000
#define MAXV 60000000000ull   /* 60 s in ns */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* splitmix64: reproducible, good enough for test data. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1). */
static double unif(void)
{
	return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2.0 * log(unif())) * cos(2.0 * M_PI * unif());
}

static uint64_t clampv(double x)
{
	if (!(x >= 1))
		return 1;
	if (x > (double)MAXV)
		return MAXV;
	return (uint64_t)x;
}

enum dist { D_UNIFORM, D_LOGUNIFORM, D_EXP, D_LOGNORMAL, D_PARETO };

static uint64_t draw(enum dist d)
{
	switch (d) {
	case D_UNIFORM:
		return 1 + rnd() % MAXV;
	case D_LOGUNIFORM:
		return clampv(exp(unif() * log((double)MAXV)));
	case D_EXP:
		return clampv(-log(unif()) * 1e6);
	case D_LOGNORMAL:
		return clampv(exp(log(1e5) + 3.0 * gauss()));
	case D_PARETO:
		return clampv(100.0 / pow(unif(), 1.0 / 1.1));
	}
	return 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Percentiles in parts per million, so the exact rank is integer arithmetic. */
static const uint64_t ppm[] = {
	0, 1, 10, 1000, 10000, 100000, 250000, 500000, 750000, 900000, 990000,
	999000, 999900, 999990, 1000000,
};

static void check_dist(enum dist d)
{
	uint64_t *v = malloc(N * sizeof(*v));
	struct gb_hist h;
	size_t i;
	double sum = 0;

	CHECK(gb_hist_init(&h) == 0);
	for (i = 0; i < N; i++) {
		v[i] = draw(d);
		sum += (double)v[i];
		CHECK(gb_hist_record(&h, v[i]) == 0);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	CHECK(h.total == N);
	CHECK(h.min == v[0]);
	CHECK(h.max == v[N - 1]);
	CHECK_NEAR(gb_hist_mean(&h), sum / N, 1e-9 * sum / N);
	for (i = 0; i < sizeof(ppm) / sizeof(ppm[0]); i++) {
		uint64_t rank = (ppm[i] * N + 999999) / 1000000;
		uint64_t exact = v[(rank ? rank : 1) - 1];
		uint64_t got = gb_hist_percentile(&h, (double)ppm[i] / 1e4);
		double rel = fabs((double)got - (double)exact) / (double)exact;

		if (!(rel <= 0.001) || (ppm[i] > 0 && got < exact)) {
			printf("#   dist %d p%g: hist %llu exact %llu rel %g\n", (int)d,
			       (double)ppm[i] / 1e4, (unsigned long long)got,
			       (unsigned long long)exact, rel);
			unit_cur_failed++;
		}
	}
	gb_hist_release(&h);
	free(v);
}

TEST(percentiles_uniform) { check_dist(D_UNIFORM); }
TEST(percentiles_loguniform) { check_dist(D_LOGUNIFORM); }
TEST(percentiles_exponential) { check_dist(D_EXP); }
TEST(percentiles_lognormal) { check_dist(D_LOGNORMAL); }
TEST(percentiles_pareto) { check_dist(D_PARETO); }

TEST(exact_below_2048)
{
	struct gb_hist h;
	uint64_t v;

	CHECK(gb_hist_init(&h) == 0);
	for (v = 1; v <= 2000; v++)
		gb_hist_record(&h, v);
	/* Single-unit resolution: the nearest rank is exact. */
	CHECK(gb_hist_percentile(&h, 50) == 1000);
	CHECK(gb_hist_percentile(&h, 99.9) == 1998);
	CHECK(gb_hist_percentile(&h, 100) == 2000);
	CHECK(gb_hist_percentile(&h, 0) == 1);
	gb_hist_release(&h);
}

/* Harrell-Davis over sorted raw values, straight from the definition. */
static double hd_raw(const uint64_t *x, size_t n, double p)
{
	double a = p * (n + 1.0), b = (1 - p) * (n + 1.0), s = 0, prev = 0;

	for (size_t i = 1; i <= n; i++) {
		double cur = gb_betainc((double)i / (double)n, a, b);

		s += (cur - prev) * (double)x[i - 1];
		prev = cur;
	}
	return s;
}

TEST(hd_percentile_exact_below_2048)
{
	static const double pcts[] = { 10, 50, 90, 99 };
	uint64_t x[700];
	double raw[700];
	struct gb_hist h;

	CHECK(gb_hist_init(&h) == 0);
	for (size_t i = 0; i < 700; i++) {
		x[i] = 1 + rnd() % 2000;   /* single-unit buckets: values exact */
		raw[i] = (double)x[i];
		gb_hist_record(&h, x[i]);
	}
	qsort(x, 700, sizeof(x[0]), cmp_u64);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		CHECK_NEAR(gb_hist_hd_percentile(&h, pcts[i]), hd_raw(x, 700, pcts[i] / 100),
			   1e-6 * hd_raw(x, 700, pcts[i] / 100));
	/* the median weights of compare's estimator, computed another way */
	CHECK_NEAR(gb_hist_hd_percentile(&h, 50), gb_hd_median(raw, 700), 1e-6 * raw[0] + 1e-6);
	CHECK(gb_hist_hd_percentile(&h, 100) == gb_hist_percentile(&h, 100));
	CHECK(gb_hist_hd_percentile(&h, 0) == gb_hist_percentile(&h, 0));
	gb_hist_reset(&h);
	CHECK(gb_hist_hd_percentile(&h, 50) == 0);
	gb_hist_release(&h);
}

/*
 * 120 requests of 4 kinds in equal shares (as the ci audio trace), 10%
 * noise, and one request in 100 preempted (+2 ms): the median sits between
 * the second and third kind. Over 200 seeded repetitions the nearest rank
 * jumps across the gap whenever a request of the lower kinds is preempted;
 * the Harrell-Davis estimate must spread at most a third as much.
 */
TEST(hd_percentile_stable_in_a_gap)
{
	static const double centre[] = { 2000, 9000, 400000, 1000000 };
	double nr[200], hd[200], mn = 0, mh = 0, vn = 0, vh = 0;
	struct gb_hist h;

	CHECK(gb_hist_init(&h) == 0);
	for (int t = 0; t < 200; t++) {
		gb_hist_reset(&h);
		for (int i = 0; i < 120; i++)
			gb_hist_record(&h, (uint64_t)(centre[i % 4] * (1 + 0.1 * gauss()) +
						      (rnd() % 100 == 0 ? 2e6 : 0)));
		nr[t] = (double)gb_hist_percentile(&h, 50);
		hd[t] = gb_hist_hd_percentile(&h, 50);
		mn += nr[t] / 200;
		mh += hd[t] / 200;
	}
	for (int t = 0; t < 200; t++) {
		vn += (nr[t] - mn) * (nr[t] - mn) / 199;
		vh += (hd[t] - mh) * (hd[t] - mh) / 199;
	}
	printf("# p50 in a gap: nearest rank cv %.1f%%, Harrell-Davis cv %.1f%%\n",
	       100 * sqrt(vn) / mn, 100 * sqrt(vh) / mh);
	CHECK(sqrt(vh) / mh < sqrt(vn) / mn / 3);
	gb_hist_release(&h);
}

TEST(bytes_and_layout)
{
	struct gb_hist h;

	CHECK(gb_hist_bytes() == GB_HIST_BYTES);
	CHECK(GB_HIST_BYTES == 229376);
	CHECK(gb_hist_init(&h) == 0);
	CHECK(h.ncounts * sizeof(uint64_t) == GB_HIST_BYTES);
	CHECK(gb_hist_percentile(&h, 50) == 0);
	CHECK(gb_hist_mean(&h) == 0);
	gb_hist_release(&h);
}

TEST(merge_equals_single)
{
	struct gb_hist a, b, all;
	size_t i;

	CHECK(gb_hist_init(&a) == 0 && gb_hist_init(&b) == 0 && gb_hist_init(&all) == 0);
	for (i = 0; i < N; i++) {
		uint64_t x = draw(i % 2 ? D_LOGNORMAL : D_PARETO);

		gb_hist_record(i % 3 ? &a : &b, x);
		gb_hist_record(&all, x);
	}
	gb_hist_record(&b, GB_HIST_MAX + 5);
	gb_hist_record(&all, GB_HIST_MAX + 5);
	gb_hist_merge(&a, &b);
	CHECK(memcmp(a.counts, all.counts, GB_HIST_BYTES) == 0);
	CHECK(a.total == all.total);
	CHECK(a.overflows == 1 && all.overflows == 1);
	CHECK(a.min == all.min);
	CHECK(a.max == all.max);
	CHECK_NEAR(a.sum, all.sum, 1e-12 * all.sum);
	CHECK(gb_hist_percentile(&a, 99) == gb_hist_percentile(&all, 99));

	/* Merging into an empty histogram takes the source's extremes. */
	gb_hist_reset(&all);
	CHECK(all.total == 0 && all.min == 0 && all.max == 0);
	gb_hist_record(&b, 7);
	gb_hist_merge(&all, &b);
	CHECK(all.min == b.min && all.max == b.max && all.total == b.total);
	gb_hist_release(&a);
	gb_hist_release(&b);
	gb_hist_release(&all);
}

/* What a child process writes, its parent reads back exactly; foreign input is refused. */
TEST(raw_round_trip)
{
	struct gb_hist a, b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(gb_hist_init(&a) == 0 && gb_hist_init(&b) == 0);
	for (size_t i = 0; i < N / 10; i++)
		gb_hist_record(&a, draw(D_LOGNORMAL));
	gb_hist_record(&a, GB_HIST_MAX + 1);
	gb_hist_record(&b, 12345);   /* replaced by what is read */
	f = open_memstream(&buf, &len);
	CHECK(f && gb_hist_write_raw(&a, f) == 0);
	fclose(f);
	f = fmemopen(buf, len, "r");
	CHECK(f && gb_hist_read_raw(&b, f) == 0);
	fclose(f);
	CHECK(memcmp(a.counts, b.counts, GB_HIST_BYTES) == 0);
	CHECK(a.total == b.total && a.overflows == 1 && b.overflows == 1);
	CHECK(a.min == b.min && a.max == b.max);
	CHECK(a.sum == b.sum);   /* %a: bit for bit */
	/* a count that disagrees with the total, and a stranger's file */
	buf[strlen(buf) - 2] = buf[strlen(buf) - 2] == '1' ? '2' : '1';
	f = fmemopen(buf, strlen(buf), "r");
	CHECK(f && gb_hist_read_raw(&b, f) < 0);
	fclose(f);
	f = fmemopen((char *)"#[Mean    =        1.000]\n", 26, "r");
	CHECK(f && gb_hist_read_raw(&b, f) < 0);
	fclose(f);
	free(buf);
	gb_hist_release(&a);
	gb_hist_release(&b);
}

TEST(overflow_counted)
{
	struct gb_hist h;

	CHECK(gb_hist_init(&h) == 0);
	CHECK(gb_hist_record(&h, GB_HIST_MAX) == 0);
	CHECK(gb_hist_record(&h, GB_HIST_MAX + 1) == -1);
	CHECK(gb_hist_record(&h, UINT64_MAX) == -1);
	CHECK(gb_hist_record(&h, 0) == 0);
	CHECK(h.total == 2);
	CHECK(h.overflows == 2);
	CHECK(h.min == 1);
	CHECK(h.max == GB_HIST_MAX);
	/* The top value is kept within 0.1%. */
	CHECK(gb_hist_percentile(&h, 100) >= GB_HIST_MAX);
	CHECK(gb_hist_percentile(&h, 100) <= GB_HIST_MAX + GB_HIST_MAX / 1000);
	gb_hist_release(&h);
}

static const char hgrm_header[] =
	"       Value     Percentile TotalCount 1/(1-Percentile)\n\n";

struct hgrm {
	int ndata, header_ok, monotone, last_fields;
	double first_pct, last_pct, last_value;
	unsigned long long last_count, footer_total;
	int buckets, subbuckets;
	double mean, max;
};

static void parse_hgrm(const char *text, struct hgrm *o)
{
	const char *line = text;
	double prev_v = -1, prev_p = -1;
	unsigned long long prev_c = 0;

	memset(o, 0, sizeof(*o));
	o->monotone = 1;
	o->first_pct = -1;
	o->header_ok = strncmp(text, hgrm_header, strlen(hgrm_header)) == 0;
	while (*line) {
		const char *nl = strchr(line, '\n');
		double v, p, inv;
		unsigned long long c;
		int k;

		if (sscanf(line, "#[Mean    = %lf", &o->mean) == 1)
			;
		else if (sscanf(line, "#[Max     = %lf, Total count    = %llu", &o->max,
				&o->footer_total) == 2)
			;
		else if (sscanf(line, "#[Buckets = %d, SubBuckets     = %d", &o->buckets,
				&o->subbuckets) == 2)
			;
		else if (line[0] != '#' && (k = sscanf(line, "%lf %lf %llu %lf", &v, &p, &c,
							&inv)) >= 3) {
			o->ndata++;
			if (o->first_pct < 0)
				o->first_pct = p;
			if (v < prev_v || p < prev_p || c < prev_c)
				o->monotone = 0;
			prev_v = v;
			prev_p = p;
			prev_c = c;
			o->last_pct = p;
			o->last_count = c;
			o->last_value = v;
			o->last_fields = k;
			if (k == 4 && p < 1 && fabs(inv - 1 / (1 - p)) > 0.01 * inv)
				o->monotone = 0;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

TEST(hgrm_parses)
{
	struct gb_hist h;
	struct hgrm o;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	CHECK(gb_hist_init(&h) == 0);
	for (i = 0; i < N; i++)
		gb_hist_record(&h, draw(D_LOGNORMAL));
	f = open_memstream(&buf, &len);
	CHECK(gb_hist_write_hgrm(&h, f, 1.0) == 0);
	fclose(f);
	parse_hgrm(buf, &o);
	CHECK(o.header_ok);
	CHECK(o.ndata > 50);
	CHECK(o.monotone);
	CHECK(o.first_pct == 0.0);
	CHECK(o.last_pct == 1.0);
	CHECK(o.last_count == N);
	CHECK(o.footer_total == N);
	CHECK(o.buckets == 27);
	CHECK(o.subbuckets == 2048);
	CHECK_NEAR(o.last_value, (double)gb_hist_percentile(&h, 100), 0.001);
	CHECK_NEAR(o.max, o.last_value, 0.001);
	CHECK_NEAR(o.mean, gb_hist_mean(&h), 0.001);
	/* The last line carries no 1/(1-Percentile) column. */
	CHECK(o.last_fields == 3);
	free(buf);

	/* Microseconds: values scale, counts do not. */
	buf = NULL;
	f = open_memstream(&buf, &len);
	CHECK(gb_hist_write_hgrm(&h, f, 1000.0) == 0);
	fclose(f);
	{
		struct hgrm u;

		parse_hgrm(buf, &u);
		CHECK_NEAR(u.last_value * 1000.0, o.last_value, 1.0);
		CHECK(u.footer_total == N);
	}
	free(buf);
	gb_hist_release(&h);
}

TEST(hgrm_small_known)
{
	/* Ten values 1..10: lines follow HdrHistogram's tick walk exactly. */
	static const char expect[] =
		"       Value     Percentile TotalCount 1/(1-Percentile)\n"
		"\n"
		"       1.000 0.000000000000          1           1.00\n"
		"       1.000 0.100000000000          1           1.11\n"
		"       2.000 0.200000000000          2           1.25\n"
		"       3.000 0.300000000000          3           1.43\n"
		"       4.000 0.400000000000          4           1.67\n"
		"       5.000 0.500000000000          5           2.00\n"
		"       6.000 0.550000000000          6           2.22\n"
		"       6.000 0.600000000000          6           2.50\n"
		"       7.000 0.650000000000          7           2.86\n"
		"       7.000 0.700000000000          7           3.33\n"
		"       8.000 0.750000000000          8           4.00\n"
		"       8.000 0.775000000000          8           4.44\n"
		"       8.000 0.800000000000          8           5.00\n"
		"       9.000 0.825000000000          9           5.71\n"
		"       9.000 0.850000000000          9           6.67\n"
		"       9.000 0.875000000000          9           8.00\n"
		"       9.000 0.887500000000          9           8.89\n"
		"       9.000 0.900000000000          9          10.00\n"
		"      10.000 0.912500000000         10          11.43\n"
		"      10.000 1.000000000000         10\n"
		"#[Mean    =        5.500, StdDeviation   =        2.872]\n"
		"#[Max     =       10.000, Total count    =           10]\n"
		"#[Buckets =           27, SubBuckets     =         2048]\n";
	struct gb_hist h;
	char *buf = NULL;
	size_t len = 0;
	uint64_t v;
	FILE *f;

	CHECK(gb_hist_init(&h) == 0);
	for (v = 1; v <= 10; v++)
		gb_hist_record(&h, v);
	f = open_memstream(&buf, &len);
	CHECK(gb_hist_write_hgrm(&h, f, 1.0) == 0);
	fclose(f);
	CHECK_STR(buf, expect);
	free(buf);

	/* An empty histogram: header and footer only. */
	gb_hist_reset(&h);
	buf = NULL;
	f = open_memstream(&buf, &len);
	CHECK(gb_hist_write_hgrm(&h, f, 1.0) == 0);
	fclose(f);
	CHECK(strstr(buf, "Total count    =            0]") != NULL);
	CHECK(strstr(buf, "0.000000000000") == NULL);
	free(buf);
	gb_hist_release(&h);
}

TEST(hgrm_rounds_half_up_as_hdrhistogram)
{
	/*
	 * Level 99.97802734375% is exact in binary and ends in a 5 at the 13th
	 * decimal: HdrHistogram (Java's Formatter) prints 0.999780273438, C's
	 * printf would print ...437. With 10,000 distinct values every level of
	 * the walk up to there is printed.
	 */
	struct gb_hist h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(gb_hist_init(&h) == 0);
	for (uint64_t v = 1; v <= 10000; v++)
		gb_hist_record(&h, v);
	f = open_memstream(&buf, &len);
	CHECK(gb_hist_write_hgrm(&h, f, 1.0) == 0);
	fclose(f);
	CHECK(strstr(buf, " 0.999780273438 ") != NULL);
	CHECK(strstr(buf, " 0.999780273437 ") == NULL);
	free(buf);
	gb_hist_release(&h);
}

/* A .raw must be what gb_hist_record could have made: each line below breaks one rule. */
static int raw_reads(const char *text)
{
	struct gb_hist h;
	FILE *f = fmemopen((char *)text, strlen(text), "r");
	int rc;

	if (!f || gb_hist_init(&h) < 0)
		return -2;
	rc = gb_hist_read_raw(&h, f);
	fclose(f);
	gb_hist_release(&h);
	return rc;
}

TEST(raw_inconsistent_refused)
{
	/* 100 and 300 ns once each (indexes are the values below 2048) */
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 100 300 0x1.9p+8\n100 1\n300 1\n") == 0);
	/* a sum outside 2 x [100, 300] (1e70: its mean overran the .hgrm writer's buffers) */
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 100 300 0x1.2p+232\n100 1\n300 1\n") < 0);
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 100 300 0x1p+7\n100 1\n300 1\n") < 0);
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 100 300 nan\n100 1\n300 1\n") < 0);
	/* min or max not in the first or last non-empty bucket, min above max, min 0 */
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 90 300 0x1.9p+8\n100 1\n300 1\n") < 0);
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 100 400 0x1.9p+8\n100 1\n300 1\n") < 0);
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 300 100 0x1.9p+8\n100 1\n300 1\n") < 0);
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 0 300 0x1.9p+8\n0 1\n300 1\n") < 0);
	/* counts that wrap around 2^64 to the total */
	CHECK(raw_reads("gbench-hist-raw 1 28672 2 0 100 300 0x1.9p+8\n100 18446744073709551615\n"
			"300 3\n") < 0);
	/* empty: nothing else either */
	CHECK(raw_reads("gbench-hist-raw 1 28672 0 3 0 0 0x0p+0\n") == 0);
	CHECK(raw_reads("gbench-hist-raw 1 28672 0 0 0 0 0x1p+0\n") < 0);
}

/* A figure wider than the writer's fields is written in %e, never past them. */
TEST(hgrm_huge_mean_not_cut)
{
	struct gb_hist h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	CHECK(gb_hist_init(&h) == 0);
	gb_hist_record(&h, 1000);
	h.sum = 1e70;   /* no run records it; the writer must still not overrun */
	f = open_memstream(&buf, &len);
	CHECK(f && gb_hist_write_hgrm(&h, f, 1000.0) == 0);
	fclose(f);
	CHECK(buf && strstr(buf, "#[Mean    =    1.000e+67,") != NULL);
	free(buf);
	gb_hist_release(&h);
}

int main(void)
{
	RUN(percentiles_uniform);
	RUN(percentiles_loguniform);
	RUN(percentiles_exponential);
	RUN(percentiles_lognormal);
	RUN(percentiles_pareto);
	RUN(exact_below_2048);
	RUN(hd_percentile_exact_below_2048);
	RUN(hd_percentile_stable_in_a_gap);
	RUN(bytes_and_layout);
	RUN(merge_equals_single);
	RUN(raw_round_trip);
	RUN(overflow_counted);
	RUN(hgrm_parses);
	RUN(hgrm_small_known);
	RUN(hgrm_rounds_half_up_as_hdrhistogram);
	RUN(raw_inconsistent_refused);
	RUN(hgrm_huge_mean_not_cut);
	return unit_done();
}
