/*
 * hist.c - a log-linear latency histogram laid out exactly as HdrHistogram
 * lays out a histogram with lowest discernible value 1, highest trackable
 * value 2^36 and 3 significant digits.
 *
 * Three significant digits need single-unit resolution up to 2 * 10^3, so a
 * bucket holds 2048 sub-buckets (subBucketCount, magnitude 11). Bucket 0
 * counts 0..2047 one by one; every further bucket b covers
 * [1024 * 2^b, 2048 * 2^b) with sub-buckets 2^b wide, so no value shares a
 * sub-bucket with a value more than 1/1024 away from it. Only the upper half
 * of a bucket above 0 is stored (the lower half is the previous bucket), so
 * the counts array is (bucketCount + 1) * subBucketHalfCount long: 27 buckets
 * cover 2^36, and 28 * 1024 counts of 8 bytes make 229376 bytes (224 KiB).
 * The index arithmetic, percentile lookup and the percentile-distribution
 * text (.hgrm) follow HdrHistogram's AbstractHistogram and PercentileIterator
 * so that its plotters read our output and numbers agree with theirs.
 */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "stats-test.h"

/* HdrHistogram's derived constants for (1, 2^36, 3 digits). */
#define SUB_BUCKET_COUNT_MAG 11                          /* ceil(log2(2000)) */
#define SUB_BUCKET_COUNT (1u << SUB_BUCKET_COUNT_MAG)    /* 2048 */
#define SUB_BUCKET_HALF_MAG (SUB_BUCKET_COUNT_MAG - 1)
#define SUB_BUCKET_HALF (1u << SUB_BUCKET_HALF_MAG)      /* 1024 */
#define SUB_BUCKET_MASK ((uint64_t)SUB_BUCKET_COUNT - 1)
#define LZC_BASE (64 - SUB_BUCKET_HALF_MAG - 1)          /* unit magnitude 0 */
#define BUCKET_COUNT 27        /* buckets to cover 2^36: 1 + (37 - 11) */
#define COUNTS_LEN ((BUCKET_COUNT + 1) * SUB_BUCKET_HALF)
#define SIG_DIGITS 3
#define TICKS_PER_HALF 5       /* outputPercentileDistribution's default */

_Static_assert(COUNTS_LEN * sizeof(uint64_t) == GB_HIST_BYTES, "GB_HIST_BYTES is stale");

static unsigned bucket_index(uint64_t v)
{
	return (unsigned)(LZC_BASE - __builtin_clzll(v | SUB_BUCKET_MASK));
}

static size_t counts_index(uint64_t v)
{
	unsigned b = bucket_index(v);
	unsigned sub = (unsigned)(v >> b);

	/* Left to right: bucket 0's sub-buckets below the half stay in range. */
	return ((size_t)(b + 1) << SUB_BUCKET_HALF_MAG) + sub - SUB_BUCKET_HALF;
}

/* The lowest value counted at index i. */
static uint64_t value_from_index(size_t i)
{
	long b = (long)(i >> SUB_BUCKET_HALF_MAG) - 1;
	uint64_t sub = (i & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;

	if (b < 0) {
		sub -= SUB_BUCKET_HALF;
		b = 0;
	}
	return sub << b;
}

/* Width of the sub-bucket at index i (HdrHistogram's sizeOfEquivalentValueRange). */
static uint64_t range_at_index(size_t i)
{
	long b = (long)(i >> SUB_BUCKET_HALF_MAG) - 1;

	return 1ull << (b < 0 ? 0 : b);
}

static uint64_t highest_equivalent(size_t i)
{
	return value_from_index(i) + range_at_index(i) - 1;
}

static double median_equivalent(size_t i)
{
	return (double)value_from_index(i) + (double)(range_at_index(i) >> 1);
}

size_t gb_hist_bytes(void)
{
	return COUNTS_LEN * sizeof(uint64_t);
}

int gb_hist_init(struct gb_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->counts = calloc(COUNTS_LEN, sizeof(uint64_t));
	if (!h->counts)
		return gb_error("cannot allocate a latency histogram (%zu bytes)",
				gb_hist_bytes());
	h->ncounts = COUNTS_LEN;
	return 0;
}

void gb_hist_release(struct gb_hist *h)
{
	free(h->counts);
	memset(h, 0, sizeof(*h));
}

void gb_hist_reset(struct gb_hist *h)
{
	if (h->counts)
		memset(h->counts, 0, h->ncounts * sizeof(uint64_t));
	h->total = h->overflows = 0;
	h->min = h->max = 0;
	h->sum = 0;
}

int gb_hist_record(struct gb_hist *h, uint64_t v)
{
	if (v > GB_HIST_MAX) {
		h->overflows++;
		return -1;
	}
	/*
	 * Branch-free (conditional moves), so that the instructions executed
	 * do not depend on the latencies: callgrind's sim_ir of a cell must be
	 * the same in every run.
	 */
	v += v == 0;
	h->counts[counts_index(v)]++;
	{
		uint64_t lo = h->total ? h->min : UINT64_MAX;

		h->min = v < lo ? v : lo;
		h->max = v > h->max ? v : h->max;
	}
	h->total++;
	h->sum += (double)v;
	return 0;
}

void gb_hist_merge(struct gb_hist *dst, const struct gb_hist *src)
{
	size_t i;

	if (src->total) {
		for (i = 0; i < COUNTS_LEN; i++)
			dst->counts[i] += src->counts[i];
		if (dst->total == 0 || src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
		dst->total += src->total;
		dst->sum += src->sum;
	}
	dst->overflows += src->overflows;
}

uint64_t gb_hist_percentile(const struct gb_hist *h, double pct)
{
	uint64_t want, cum = 0;
	double p;
	size_t i;

	if (h->total == 0)
		return 0;
	/*
	 * As getValueAtPercentile: one ulp below the request so that a count
	 * like 0.5 * 1000 does not round up into the next value.
	 */
	p = nextafter(pct, -INFINITY);
	p = p < 0 ? 0 : p > 100 ? 100 : p;
	want = (uint64_t)ceil(p * (double)h->total / 100.0);
	if (want < 1)
		want = 1;
	for (i = 0; i < COUNTS_LEN; i++) {
		cum += h->counts[i];
		if (cum >= want)
			return pct == 0.0 ? value_from_index(i) : highest_equivalent(i);
	}
	return 0;
}

double gb_hist_hd_percentile(const struct gb_hist *h, double pct)
{
	double n = (double)h->total, p = pct / 100, a, b, sd, lo, hi, prev = 0, s = 0;
	uint64_t cum = 0;

	if (h->total == 0 || pct <= 0 || pct >= 100)
		return (double)gb_hist_percentile(h, pct);
	a = p * (n + 1);
	b = (1 - p) * (n + 1);
	/* ranks further than 16 sd from p weigh below 1e-15: not evaluated */
	sd = sqrt(p * (1 - p) / (n + 2));
	lo = p - 16 * sd;
	hi = p + 16 * sd;
	for (size_t i = 0; i < COUNTS_LEN && prev < 1; i++) {
		double x, cur;

		if (!h->counts[i])
			continue;
		cum += h->counts[i];
		x = (double)cum / n;
		cur = cum >= h->total ? 1 : x <= lo ? 0 : x >= hi ? 1 : gb_betainc(x, a, b);
		s += (cur - prev) * median_equivalent(i);
		prev = cur;
	}
	return s;
}

double gb_hist_mean(const struct gb_hist *h)
{
	return h->total ? h->sum / (double)h->total : 0.0;
}

/*
 * Standard deviation over the sub-buckets' middle values around the exact
 * mean (HdrHistogram's getStdDeviation uses the same middle values).
 */
static double hist_stddev(const struct gb_hist *h)
{
	double mean = gb_hist_mean(h), acc = 0;
	size_t i;

	if (h->total == 0)
		return 0.0;
	for (i = 0; i < COUNTS_LEN; i++) {
		double d;

		if (!h->counts[i])
			continue;
		d = median_equivalent(i) - mean;
		acc += d * d * (double)h->counts[i];
	}
	return sqrt(acc / (double)h->total);
}

/* PercentileIterator's next level: fixed-size ticks per half distance to 100%. */
static double next_level(double level)
{
	double halvings = floor(log(100.0 / (100.0 - level)) / log(2.0));
	double ticks = TICKS_PER_HALF * pow(2.0, halvings + 1);

	return level + 100.0 / ticks;
}

/*
 * v with d decimals as Java's Formatter writes "%.df", which HdrHistogram's
 * text goes through: the shortest decimal that reads back as v, rounded
 * half up. C's printf rounds the exact binary value half to even instead,
 * so 0.9997802734375 would print ...437 where HdrHistogram prints ...438.
 */
static const char *java_fixed(double v, int d, char *out, size_t size)
{
	char e[40], dig[24];
	int p, nd = 0, point, keep;
	const char *s;
	size_t o = 0;

	for (p = 0; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p, v);
		if (strtod(e, NULL) == v)
			break;
	}
	for (s = e + (v < 0); *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			dig[nd++] = *s;
	point = atoi(s + 1) + 1;     /* digits before the decimal point */
	keep = point + d;            /* significant digits kept */
	if (keep < nd) {
		int up = keep >= 0 && dig[keep] >= '5';

		nd = keep < 0 ? 0 : keep;
		for (int i = nd - 1; up && i >= 0; i--) {
			up = dig[i] == '9';
			dig[i] = up ? '0' : (char)(dig[i] + 1);
		}
		if (up) {                /* carried past the first digit */
			memmove(dig + 1, dig, (size_t)nd++);
			dig[0] = '1';
			point++;
		}
	}
	/* sign, integer digits (at least one), point, decimals, NUL: else as %e, never cut */
	if ((size_t)(v < 0) + (size_t)(point > 0 ? point : 1) + (size_t)(d > 0) + (size_t)d + 1 > size) {
		snprintf(out, size, "%.*e", d, v);
		return out;
	}
	if (v < 0)
		out[o++] = '-';
	if (point <= 0)
		out[o++] = '0';
	for (int i = 0; i < point; i++)
		out[o++] = i < nd ? dig[i] : '0';
	if (d > 0)
		out[o++] = '.';
	for (int i = point; i < point + d; i++)
		out[o++] = i >= 0 && i < nd ? dig[i] : '0';
	out[o] = '\0';
	return out;
}

int gb_hist_write_hgrm(const struct gb_hist *h, FILE *f, double unit_ratio)
{
	char a[48], b[48], c2[48];
	uint64_t cum = 0;
	double level = 0.0;
	size_t i = 0;
	int fresh = 1;

	if (!(unit_ratio > 0))
		unit_ratio = 1.0;
	fprintf(f, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
		"1/(1-Percentile)");
	/*
	 * The walk of AbstractHistogramIterator.next(): stay on a sub-bucket
	 * while it reaches further percentile levels, so a heavy sub-bucket
	 * prints several lines; stop when every count has been passed and add
	 * the closing 100% line.
	 */
	while (h->total && cum < h->total && i < COUNTS_LEN) {
		uint64_t c = h->counts[i];

		if (fresh) {
			cum += c;
			fresh = 0;
		}
		if (c && 100.0 * (double)cum / (double)h->total >= level) {
			double q = level / 100.0;

			fprintf(f, "%12s %14s %10llu %14s\n",
				java_fixed((double)highest_equivalent(i) / unit_ratio, SIG_DIGITS, a, sizeof(a)),
				java_fixed(q, 12, b, sizeof(b)), (unsigned long long)cum,
				java_fixed(1.0 / (1.0 - q), 2, c2, sizeof(c2)));
			if (level >= 100.0)
				break;
			level = next_level(level);
			continue;
		}
		i++;
		fresh = 1;
	}
	if (h->total && i < COUNTS_LEN)
		fprintf(f, "%12s %14s %10llu\n",
			java_fixed((double)highest_equivalent(i) / unit_ratio, SIG_DIGITS, a, sizeof(a)),
			java_fixed(1.0, 12, b, sizeof(b)), (unsigned long long)cum);
	fprintf(f, "#[Mean    = %12s, StdDeviation   = %12s]\n",
		java_fixed(gb_hist_mean(h) / unit_ratio, SIG_DIGITS, a, sizeof(a)),
		java_fixed(hist_stddev(h) / unit_ratio, SIG_DIGITS, b, sizeof(b)));
	fprintf(f, "#[Max     = %12s, Total count    = %12llu]\n",
		java_fixed((h->total ? (double)highest_equivalent(counts_index(h->max)) : 0.0) /
			   unit_ratio, SIG_DIGITS, a, sizeof(a)),
		(unsigned long long)h->total);
	fprintf(f, "#[Buckets = %12d, SubBuckets     = %12d]\n", BUCKET_COUNT,
		(int)SUB_BUCKET_COUNT);
	return ferror(f) ? gb_error("cannot write the latency histogram") : 0;
}

/*
 * The exact state, as text: a header line, then "index count" for each
 * non-zero count. The sum is printed with %a, so it reads back bit for bit.
 */
int gb_hist_write_raw(const struct gb_hist *h, FILE *f)
{
	fprintf(f, "gbench-hist-raw 1 %zu %llu %llu %llu %llu %a\n", h->ncounts,
		(unsigned long long)h->total, (unsigned long long)h->overflows,
		(unsigned long long)h->min, (unsigned long long)h->max, h->sum);
	for (size_t i = 0; i < h->ncounts; i++)
		if (h->counts[i])
			fprintf(f, "%zu %llu\n", i, (unsigned long long)h->counts[i]);
	return ferror(f) ? -1 : 0;
}

/*
 * What gb_hist_record makes of any values, and a merge keeps: values from 1
 * to GB_HIST_MAX, the lowest and highest in the first and last non-empty
 * buckets, a sum between total x min and total x max (a relative 1e-9 of
 * slack for the rounding of the additions); nothing at all when empty. A
 * .raw that says otherwise was not written by gb_hist_write_raw (a sum of
 * 1e70 printed a mean past every buffer of the .hgrm writer).
 */
static int raw_inconsistent(const struct gb_hist *h, uint64_t total, uint64_t min, uint64_t max,
			    double sum)
{
	size_t lo, hi;

	if (!total)
		return min || max || sum != 0;
	if (!min || min > max || max > GB_HIST_MAX || !isfinite(sum) ||
	    sum < (double)total * (double)min * (1 - 1e-9) ||
	    sum > (double)total * (double)max * (1 + 1e-9))
		return 1;
	lo = counts_index(min);
	hi = counts_index(max);
	if (!h->counts[lo] || !h->counts[hi])
		return 1;
	for (size_t i = 0; i < h->ncounts; i++)
		if (h->counts[i] && (i < lo || i > hi))
			return 1;
	return 0;
}

int gb_hist_read_raw(struct gb_hist *h, FILE *f)
{
	unsigned long long total, over, min, max, count, seen = 0;
	size_t ncounts, i;
	double sum;
	int ch;

	if (fscanf(f, "gbench-hist-raw 1 %zu %llu %llu %llu %llu %la", &ncounts, &total, &over,
		   &min, &max, &sum) != 6 || ncounts != h->ncounts)
		return -1;
	gb_hist_reset(h);
	while (fscanf(f, "%zu %llu", &i, &count) == 2) {
		if (i >= h->ncounts || count > total - seen)
			return -1;
		h->counts[i] += count;
		seen += count;
	}
	while ((ch = fgetc(f)) != EOF)
		if (ch != '\n' && ch != ' ')
			return -1;
	if (seen != total || raw_inconsistent(h, total, min, max, sum))
		return -1;
	h->total = total;
	h->overflows = over;
	h->min = min;
	h->max = max;
	h->sum = sum;
	return 0;
}
