/*
 * test-hlog.c - HdrHistogram's interchange encoding of a latency histogram
 * (hist-hlog.c): ZigZag LEB128 and base64 against known vectors, and an
 * encoded histogram decoded here by the specification (base64, the
 * compressed cookie, zlib, the V2 header, varints with zero runs) back to
 * the same counts. That HdrHistogram itself reads it is t0121-export-hlog's
 * check, with HdrHistogram's own HistogramLogProcessor.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hist.h"
#include "unit.h"

TEST(zigzag_vectors)
{
	static const struct { int64_t v; size_t n; unsigned char b[9]; } cases[] = {
		{ 0, 1, { 0x00 } },
		{ -1, 1, { 0x01 } },
		{ 1, 1, { 0x02 } },
		{ -64, 1, { 0x7f } },
		{ 64, 2, { 0x80, 0x01 } },
		{ 300, 2, { 0xd8, 0x04 } },
		{ -1000, 2, { 0xcf, 0x0f } },
		/* the ninth byte holds 8 bits (LEB128-64b9B) */
		{ INT64_MIN, 9, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char o[9];
		size_t n = gb_hist_zigzag(cases[i].v, o);

		CHECK(n == cases[i].n);
		CHECK(!memcmp(o, cases[i].b, cases[i].n));
	}
}

TEST(base64_rfc4648_vectors)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

	for (size_t i = 0; i < 7; i++) {
		char *b = gb_base64((const unsigned char *)in[i], strlen(in[i]));

		CHECK_STR(b, out[i]);
		free(b);
	}
}

static size_t unbase64(const char *s, unsigned char *out)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t w = 0;
	size_t n = 0;
	int bits = 0;

	for (; *s && *s != '='; s++) {
		w = w << 6 | (uint32_t)(strchr(digits, *s) - digits);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(w >> bits);
		}
	}
	return n;
}

static uint64_t be(const unsigned char *p, int width)
{
	uint64_t v = 0;

	for (int i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
}

static int64_t varint(const unsigned char **p)
{
	uint64_t z = 0;
	int shift = 0, i;

	for (i = 0; i < 8; i++, shift += 7) {
		z |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80))
			return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
	}
	z |= (uint64_t)*(*p)++ << 56;
	return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

TEST(encoding_decodes_to_the_same_counts)
{
	struct gb_hist h;
	static unsigned char bin[1 << 16], raw[1 << 20];
	uLongf rawlen = sizeof(raw);
	const unsigned char *p, *end;
	size_t n, i = 0;
	union { double d; uint64_t u; } ratio;
	char *b64;

	CHECK(gb_hist_init(&h) == 0);
	/* single values, a run of equal ones, large values across buckets */
	for (uint64_t v = 1; v < 5000; v += 7)
		gb_hist_record(&h, v);
	for (int k = 0; k < 1000; k++)
		gb_hist_record(&h, 123456);
	gb_hist_record(&h, 40000000000ull);
	b64 = gb_hist_encode(&h);
	CHECK(b64 && !strncmp(b64, "HISTF", 5));   /* 0x1c849314 in base64 */
	n = unbase64(b64, bin);
	CHECK(be(bin, 4) == 0x1c849314);
	CHECK(be(bin + 4, 4) == n - 8);
	CHECK(uncompress(raw, &rawlen, bin + 8, (uLong)(n - 8)) == Z_OK);
	CHECK(be(raw, 4) == 0x1c849313);
	CHECK(be(raw + 4, 4) == rawlen - 40);       /* payload length */
	CHECK(be(raw + 8, 4) == 0);                 /* normalizing index offset */
	CHECK(be(raw + 12, 4) == 3);                /* significant digits */
	CHECK(be(raw + 16, 8) == 1);
	CHECK(be(raw + 24, 8) == GB_HIST_MAX);
	ratio.u = be(raw + 32, 8);
	CHECK(ratio.d == 1.0);
	for (p = raw + 40, end = raw + rawlen; p < end;) {
		int64_t c = varint(&p);

		if (c < 0) {
			for (int64_t z = 0; z < -c; z++)
				CHECK(h.counts[i++] == 0);
		} else {
			CHECK(c > 0 || i + 1 == h.ncounts || h.counts[i + 1]);  /* lone zero */
			CHECK(h.counts[i++] == (uint64_t)c);
		}
	}
	CHECK(p == end);
	for (; i < h.ncounts; i++)               /* only zeros after the last count */
		CHECK(h.counts[i] == 0);
	free(b64);
	gb_hist_release(&h);
}

int main(void)
{
	RUN(zigzag_vectors);
	RUN(base64_rfc4648_vectors);
	RUN(encoding_decodes_to_the_same_counts);
	return unit_done();
}
