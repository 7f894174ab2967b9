/*
 * hist.h - a log-linear latency histogram with HdrHistogram's semantics.
 *
 * Values are integers (nanoseconds) from 1 to GB_HIST_MAX (2^36 ns, about
 * 68.7 s) recorded with 3 significant decimal digits: every value is
 * counted in a bucket no wider than 1/1000 of its magnitude (2048 linear
 * sub-buckets per power of two). Histograms with the same layout merge by
 * adding counts. Memory: one array of counts allocated by gb_hist_init,
 * GB_HIST_BYTES = 28 * 1024 counts of 8 bytes = 229376 bytes (224 KiB) per
 * histogram (27 buckets of 1024 stored sub-buckets, plus bucket 0's lower
 * half); recording never allocates.
 */
#ifndef GB_HIST_H
#define GB_HIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GB_HIST_MAX (1ull << 36)
/* Bytes of counts held by one histogram (gb_hist_bytes() returns the same). */
#define GB_HIST_BYTES ((size_t)28 * 1024 * 8)

struct gb_hist {
	uint64_t *counts;
	size_t ncounts;
	uint64_t total;
	uint64_t overflows;  /* values above GB_HIST_MAX (not recorded) */
	uint64_t min, max;    /* exact recorded extremes; 0 when empty */
	double sum;           /* exact sum of recorded values (for the mean) */
};

int gb_hist_init(struct gb_hist *h);
void gb_hist_release(struct gb_hist *h);
void gb_hist_reset(struct gb_hist *h);
/* Record v in O(1) (0 is recorded as 1); -1 and counted as overflow above the range. */
int gb_hist_record(struct gb_hist *h, uint64_t v);
void gb_hist_merge(struct gb_hist *dst, const struct gb_hist *src);
/*
 * Value at percentile pct in [0, 100]: the highest value equivalent to the
 * bucket holding the ceil(pct/100 * total)-th smallest value (as
 * HdrHistogram's getValueAtPercentile). 0 when empty.
 */
uint64_t gb_hist_percentile(const struct gb_hist *h, double pct);
/*
 * The Harrell-Davis estimate of percentile pct in (0, 100): the mean of
 * every recorded value (at its bucket's middle) weighted by the
 * Beta(p (n + 1), (1 - p) (n + 1)) probability of its rank, p = pct / 100.
 * A single order statistic jumps when pct falls in a gap of the
 * distribution (a trace of 4 ops in equal shares has one at its median);
 * this estimate moves smoothly. pct <= 0 and >= 100 give the extremes as
 * gb_hist_percentile does; 0 when empty.
 */
double gb_hist_hd_percentile(const struct gb_hist *h, double pct);
/* Exact mean of the recorded values (not bucketed); 0 when empty. */
double gb_hist_mean(const struct gb_hist *h);
/* Bytes held by one histogram: GB_HIST_BYTES. */
size_t gb_hist_bytes(void);
/*
 * Write the percentile distribution in HdrHistogram's text layout
 * (Value, Percentile, TotalCount, 1/(1-Percentile); footer with Mean,
 * StdDeviation, Max, Total count, Buckets, SubBuckets), values scaled by
 * 1/unit_ratio (e.g. 1000.0 to print microseconds). The percentile
 * levels are those of outputPercentileDistribution with 5 ticks per half
 * distance; the last line is the 100% line. Mean is the exact mean,
 * StdDeviation is over the sub-buckets' middle values, Max is the highest
 * value equivalent to the maximum (as HdrHistogram prints it). 0 or -1.
 */
int gb_hist_write_hgrm(const struct gb_hist *h, FILE *f, double unit_ratio);
/*
 * The exact state of h as text, and back into an initialized h (replacing
 * its contents): how a run's child process hands its histograms to the
 * parent (run/run-procs.c). 0, or -1 (write error; malformed or foreign input).
 */
int gb_hist_write_raw(const struct gb_hist *h, FILE *f);
int gb_hist_read_raw(struct gb_hist *h, FILE *f);

/*
 * HdrHistogram's interchange form (hist-hlog.c): h in its V2 compressed
 * encoding as base64 (caller frees; NULL with a message if zlib fails),
 * which HdrHistogram's decoders read back count for count.
 * gb_hist_write_hlog_line writes one interval line of a histogram log
 * (log format 1.3): "Tag=TAG,START,LENGTH,MAX,HISTOGRAM", START and LENGTH
 * in seconds, MAX the highest equivalent of the maximum in milliseconds
 * (HistogramLogWriter's default unit); TAG must hold no comma, space or
 * line break (a file-name-safe cell id does not). gb_hlog_write_header
 * writes the log's header lines, with a StartTime line when start_epoch_s
 * is >= 0. 0 or -1.
 */
char *gb_hist_encode(const struct gb_hist *h);
int gb_hist_write_hlog_line(const struct gb_hist *h, FILE *f, const char *tag,
			    double start_s, double length_s);
int gb_hlog_write_header(FILE *f, long long start_epoch_s);
/* ZigZag LEB128 as the V2 encoding writes it (at most 9 bytes); the byte count. */
size_t gb_hist_zigzag(int64_t v, unsigned char out[9]);
/* RFC 4648 base64 of n bytes with padding (caller frees). */
char *gb_base64(const unsigned char *src, size_t n);

#endif
