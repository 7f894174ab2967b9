/*
 * hist-hlog.c - a histogram in HdrHistogram's interchange form: the V2
 * compressed encoding, base64, as one interval line of a histogram log
 * (.hlog, log format 1.3), which HdrHistogram's HistogramLogReader and
 * HistogramLogProcessor read.
 *
 * gb_hist is laid out exactly as HdrHistogram's histogram of (1, 2^36,
 * 3 digits) (hist.c), so its counts array is HdrHistogram's counts array
 * index for index and the encoding needs no translation:
 *
 *   V2 encoding (big-endian): int cookie 0x1c849303 | 0x10, int payload
 *   length, int normalizing index offset (0), int significant digits,
 *   long lowest discernible value, long highest trackable value, double
 *   integer-to-double conversion ratio (1.0); then the payload: the counts
 *   from index 0 up to the index of the highest recorded value, each as a
 *   ZigZag LEB128 varint (at most 9 bytes, the ninth holding 8 bits), a run
 *   of two or more zero counts written as one negative varint -run.
 *   Compressed: int cookie 0x1c849304 | 0x10, int length of what follows,
 *   then the V2 encoding deflated as a zlib stream (what java.util.zip's
 *   Deflater writes).
 */
#include "hist.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "gbench.h"

#define V2_COOKIE (0x1c849303u | 0x10u)
#define V2_COMPRESSED_COOKIE (0x1c849304u | 0x10u)
#define V2_HEADER 40

struct bytes {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct bytes *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = gb_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void put_be(struct bytes *b, uint64_t v, unsigned width)
{
	unsigned char o[8];

	for (unsigned i = 0; i < width; i++)
		o[i] = (unsigned char)(v >> (8 * (width - 1 - i)));
	put(b, o, width);
}

size_t gb_hist_zigzag(int64_t v, unsigned char out[9])
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (n < 8 && z >= 0x80) {
		out[n++] = (unsigned char)(z | 0x80);
		z >>= 7;
	}
	out[n++] = (unsigned char)z;   /* the ninth byte keeps all 8 bits */
	return n;
}

static void put_varint(struct bytes *b, int64_t v)
{
	unsigned char o[9];

	put(b, o, gb_hist_zigzag(v, o));
}

char *gb_base64(const unsigned char *src, size_t n)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = gb_xcalloc(4 * ((n + 2) / 3) + 1, 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)src[i] << 16;

		if (i + 1 < n)
			w |= (uint32_t)src[i + 1] << 8;
		if (i + 2 < n)
			w |= src[i + 2];
		*o++ = digits[w >> 18 & 63];
		*o++ = digits[w >> 12 & 63];
		*o++ = i + 1 < n ? digits[w >> 6 & 63] : '=';
		*o++ = i + 2 < n ? digits[w & 63] : '=';
	}
	return out;
}

char *gb_hist_encode(const struct gb_hist *h)
{
	struct bytes raw = { 0 }, out = { 0 };
	size_t limit = h->ncounts, i = 0;
	uint64_t payload;
	union { double d; uint64_t u; } ratio = { .d = 1.0 };
	uLongf zlen;
	char *b64 = NULL;

	while (limit > 0 && !h->counts[limit - 1])
		limit--;
	put_be(&raw, V2_COOKIE, 4);
	put_be(&raw, 0, 4);                  /* payload length, filled below */
	put_be(&raw, 0, 4);                  /* normalizing index offset */
	put_be(&raw, 3, 4);                  /* significant digits */
	put_be(&raw, 1, 8);                  /* lowest discernible value */
	put_be(&raw, GB_HIST_MAX, 8);        /* highest trackable value */
	put_be(&raw, ratio.u, 8);
	while (i < limit) {
		uint64_t count = h->counts[i++];
		int64_t zeros = 0;

		if (!count) {
			zeros = 1;
			while (i < limit && !h->counts[i]) {
				zeros++;
				i++;
			}
		}
		put_varint(&raw, zeros > 1 ? -zeros : (int64_t)count);
	}
	payload = raw.n - V2_HEADER;
	for (unsigned k = 0; k < 4; k++)
		raw.p[4 + k] = (unsigned char)(payload >> (8 * (3 - k)));

	zlen = compressBound((uLong)raw.n);
	out.cap = 8 + zlen;
	out.p = gb_xcalloc(out.cap, 1);
	if (compress2(out.p + 8, &zlen, raw.p, (uLong)raw.n, Z_DEFAULT_COMPRESSION) != Z_OK) {
		gb_error("cannot compress a latency histogram (zlib)");
		goto out;
	}
	put_be(&out, V2_COMPRESSED_COOKIE, 4);
	put_be(&out, zlen, 4);
	out.n = 8 + zlen;
	b64 = gb_base64(out.p, out.n);
out:
	free(raw.p);
	free(out.p);
	return b64;
}

int gb_hist_write_hlog_line(const struct gb_hist *h, FILE *f, const char *tag,
			    double start_s, double length_s)
{
	char *b64 = gb_hist_encode(h);

	if (!b64)
		return -1;
	/* Interval_Max in milliseconds: HistogramLogWriter's default unit ratio 10^6 */
	fprintf(f, "Tag=%s,%.3f,%.3f,%.3f,%s\n", tag, start_s, length_s,
		(double)gb_hist_percentile(h, 100.0) / 1e6, b64);
	free(b64);
	return ferror(f) ? -1 : 0;
}

int gb_hlog_write_header(FILE *f, long long start_epoch_s)
{
	fputs("#[Histogram log format version 1.3]\n", f);
	if (start_epoch_s >= 0) {
		time_t t = (time_t)start_epoch_s;
		struct tm tm;
		char when[64];

		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm))
			strcpy(when, "?");
		fprintf(f, "#[StartTime: %lld.000 (seconds since epoch), %s]\n", start_epoch_s, when);
	}
	fputs("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n", f);
	return ferror(f) ? -1 : 0;
}
