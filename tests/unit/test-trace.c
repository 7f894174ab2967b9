/*
 * test-trace.c - the trace parser: every kind of malformed row is reported
 * as FILE:LINE: what, all of a file's problems in one pass, odd but legal
 * sizes are accepted, quoted fields round-trip through gb_trace_write.
 * Fixtures live in tests/data/traces/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gbench.h"
#include "trace.h"
#include "unit.h"

static char err[16384];

static const char *fixture(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/traces/%s", GB_TEST_DATA, name);
	return path;
}

/* gb_trace_load with stderr captured into err[]. */
static int load_path(const char *path, struct gb_trace *t, unsigned *nerr)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	rc = gb_trace_load(path, t, nerr);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, sizeof(err) - 1, tmp);
	err[n] = '\0';
	fclose(tmp);
	return rc;
}

static int load(const char *name, struct gb_trace *t, unsigned *nerr)
{
	return load_path(fixture(name), t, nerr);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The fixture fails with exactly one error, "NAME:LINE: what...". */
static void expect_one(const char *name, unsigned line, const char *what)
{
	struct gb_trace t;
	unsigned nerr = 0;
	char want[512];

	snprintf(want, sizeof(want), "%s:%u: %s", name, line, what);
	CHECK(load(name, &t, &nerr) == -1);
	CHECK(nerr == 1);
	CHECK(count_lines(err) == 1);
	if (!strstr(err, want)) {
		printf("#   wanted '%s' in: %s", want, err);
		unit_cur_failed++;
	}
	CHECK(t.req == NULL && t.n == 0);
}

TEST(unknown_op)
{
	expect_one("bad-unknown-op.csv", 5, "unknown op 'conv2d'");
}

TEST(missing_column)
{
	expect_one("bad-missing-column.csv", 5, "expected 9 columns, found 8");
}

TEST(extra_column)
{
	expect_one("bad-extra-column.csv", 5, "expected 9 columns, found 10");
}

TEST(non_numeric_size)
{
	expect_one("bad-non-numeric.csv", 5, "m 'abc' is not a number");
}

TEST(negative_size)
{
	expect_one("bad-negative.csv", 5, "n '-8' is negative");
}

TEST(decreasing_arrival)
{
	expect_one("bad-decreasing-arrival.csv", 6,
		   "arrival_ns 50 is before the previous row's 100");
}

TEST(size_over_limit)
{
	expect_one("bad-over-limit.csv", 5, "m 65537 is over the limit 65536");
}

TEST(operand_over_limit)
{
	expect_one("bad-elems.csv", 5, "operand y (m*n) has 4294967296 elements");
}

TEST(fft_not_power_of_two)
{
	expect_one("bad-fft-n.csv", 5, "fft n 1000 is not a power of two");
}

TEST(topk_p_over_n)
{
	expect_one("bad-topk-p.csv", 5, "topk p 9 is greater than n 8");
}

TEST(weights_need_tensor)
{
	expect_one("bad-tensor.csv", 5, "matmul needs a tensor name");
}

TEST(stream_too_large)
{
	expect_one("bad-stream.csv", 5, "stream '2147483648' is too large");
}

TEST(unused_column_nonzero)
{
	expect_one("bad-unused.csv", 5, "k is 4; silu does not use k");
}

TEST(malformed_quote)
{
	expect_one("bad-quote.csv", 5, "malformed csv: a quote inside an unquoted field");
}

TEST(no_header)
{
	struct gb_trace t;
	unsigned nerr;

	CHECK(load("bad-no-header.csv", &t, &nerr) == -1);
	CHECK(nerr == 1);
	CHECK(strstr(err, "bad-no-header.csv:3: no header") != NULL);
}

TEST(no_magic)
{
	expect_one("bad-no-magic.csv", 1, "missing '# gbench-trace v1' header line");
}

TEST(empty_trace)
{
	expect_one("bad-empty.csv", 3, "no requests (empty trace)");
}

TEST(every_error_reported)
{
	struct gb_trace t;
	unsigned nerr;

	CHECK(load("bad-many.csv", &t, &nerr) == -1);
	CHECK(nerr == 4);
	CHECK(count_lines(err) == 4);
	CHECK(strstr(err, "bad-many.csv:5: unknown op 'gemm'") != NULL);
	CHECK(strstr(err, "bad-many.csv:7: p is 0; topk needs p > 0") != NULL);
	CHECK(strstr(err, "bad-many.csv:9: fft n 12 is not a power of two") != NULL);
	CHECK(strstr(err, "bad-many.csv:11: arrival_ns 2 is before the previous row's 6") != NULL);
}

TEST(missing_file)
{
	struct gb_trace t;
	unsigned nerr = 0;

	CHECK(load("no-such-file.csv", &t, &nerr) == -1);
	CHECK(nerr == 1);
	CHECK(strstr(err, "gbench: error: cannot open") != NULL);
}

TEST(odd_sizes_accepted)
{
	struct gb_trace t;
	unsigned nerr = 99;

	CHECK(load("good-odd-sizes.csv", &t, &nerr) == 0);
	CHECK(nerr == 0);
	CHECK_STR(err, "");
	CHECK(t.n == 10);
	CHECK(t.nstreams == 4);
	CHECK_STR(t.name, "good-odd-sizes");
	CHECK_STR(gb_trace_meta_get(&t, "source"), "hand-written test fixture");
	CHECK(gb_trace_meta_get(&t, "seed") == NULL);
	if (t.n == 10) {
		CHECK(t.req[1].shape.op == GB_OP_MATMUL);
		CHECK(t.req[1].shape.m == 3 && t.req[1].shape.n == 33 && t.req[1].shape.k == 4097);
		CHECK_STR(t.req[1].tensor, "w.b");
		CHECK_STR(t.req[1].key, "k1");
		CHECK(t.req[1].line == 6);
		CHECK(t.req[6].shape.op == GB_OP_TOPK && t.req[6].shape.p == 31);
		CHECK(t.req[6].tensor == t.req[7].tensor);   /* interned */
		CHECK(t.req[8].shape.op == GB_OP_FFT && t.req[8].shape.n == 1);
		CHECK_STR(t.req[0].key, "");
	}
	gb_trace_release(&t);
}

TEST(quoted_fields)
{
	struct gb_trace t;
	unsigned nerr;

	CHECK(load("good-quoted.csv", &t, &nerr) == 0);
	CHECK(t.n == 3);
	if (t.n == 3) {
		CHECK_STR(t.req[0].tensor, "blk0,wq");
		CHECK_STR(t.req[0].key, "key, with \"quotes\"");
		CHECK(t.req[0].shape.n == 64 && t.req[0].shape.k == 32);
		CHECK_STR(t.req[1].key, "multi\nline");
		CHECK(t.req[1].line == 4);
		CHECK(t.req[2].line == 6);
	}
	gb_trace_release(&t);
}

TEST(hash_is_of_the_bytes)
{
	struct gb_trace t;
	unsigned nerr;
	FILE *f = fopen(fixture("good-quoted.csv"), "rb");
	char buf[4096];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	if (f)
		fclose(f);
	CHECK(n > 0);
	CHECK(load("good-quoted.csv", &t, &nerr) == 0);
	CHECK(t.hash == gb_fnv1a(GB_FNV_INIT, buf, n));
	gb_trace_release(&t);
}

TEST(write_round_trip)
{
	struct gb_trace t, u;
	unsigned nerr;
	char path[] = "/tmp/gbench-test-trace-XXXXXX.csv";
	int fd = mkstemps(path, 4);
	FILE *f;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(load("good-quoted.csv", &t, &nerr) == 0);
	f = fdopen(fd, "w");
	CHECK(gb_trace_write(f, &t) == 0);
	fclose(f);
	CHECK(load_path(path, &u, &nerr) == 0);
	CHECK(u.n == t.n);
	for (size_t i = 0; i < u.n && i < t.n; i++) {
		CHECK(u.req[i].arrival_ns == t.req[i].arrival_ns);
		CHECK(u.req[i].stream == t.req[i].stream);
		CHECK(!memcmp(&u.req[i].shape, &t.req[i].shape, sizeof(t.req[i].shape)));
		CHECK_STR(u.req[i].tensor, t.req[i].tensor);
		CHECK_STR(u.req[i].key, t.req[i].key);
	}
	CHECK(u.nmeta == t.nmeta);
	gb_trace_release(&t);
	gb_trace_release(&u);
	unlink(path);
}

int main(void)
{
	RUN(unknown_op);
	RUN(missing_column);
	RUN(extra_column);
	RUN(non_numeric_size);
	RUN(negative_size);
	RUN(decreasing_arrival);
	RUN(size_over_limit);
	RUN(operand_over_limit);
	RUN(fft_not_power_of_two);
	RUN(topk_p_over_n);
	RUN(weights_need_tensor);
	RUN(stream_too_large);
	RUN(unused_column_nonzero);
	RUN(malformed_quote);
	RUN(no_header);
	RUN(no_magic);
	RUN(empty_trace);
	RUN(every_error_reported);
	RUN(missing_file);
	RUN(odd_sizes_accepted);
	RUN(quoted_fields);
	RUN(hash_is_of_the_bytes);
	RUN(write_round_trip);
	return unit_done();
}
