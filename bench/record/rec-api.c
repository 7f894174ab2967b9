/*
 * rec-api.c - libgbrecord.so, the recording API of
 * workloads/record/gbrecord.h: a program records its own requests.
 *
 * The rows go through rec-writer.c, as the preload library's do, so both
 * give the same guarantees (whole rows, thread-safe, non-decreasing
 * arrivals). The checks repeat those of bench/trace.c (which this library
 * cannot link: it is gbench's, with libcsv behind it) so that what the
 * API accepts `gbench validate` accepts; tests/unit/test-record.c loads
 * what it writes with trace.c to hold the two together.
 */
#include "gbrecord.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec-writer.h"

#define EXPORT __attribute__((visibility("default")))

/* bench/op.h's limits. */
#define MAX_M 65536u
#define MAX_NK (1u << 20)
#define MAX_ELEMS (1ull << 26)
#define MAX_TOPK_P 1024u
#define MAX_FFT_N (1u << 20)

struct gb_recorder {
	struct gb_rec_writer w;
	int failed;           /* a row could not be written */
	char error[160];
};

static const char *const api_op_names[] = {
	"matmul", "softmax", "rmsnorm", "silu", "reduce", "topk", "fft"
};

/* The preamble's metadata value: one line, whatever the caller passed. */
static void api_put_value(char *dst, size_t cap, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < cap; s++)
		dst[i++] = *s == '\n' || *s == '\r' ? ' ' : *s;
	dst[i] = '\0';
}

EXPORT struct gb_recorder *gb_recorder_open(const char *path, const char *source)
{
	struct gb_recorder *r;
	char src[1024], pre[1400];
	int len;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	api_put_value(src, sizeof(src), source);
	len = snprintf(pre, sizeof(pre),
		       GB_REC_MAGIC "\n%s%s%s"
		       "# recorder: libgbrecord 1 (gb_recorder_record; stream = the calling "
		       "thread, arrival_ns = CLOCK_MONOTONIC since gb_recorder_open)\n"
		       GB_REC_HEADER "\n",
		       *src ? "# source: " : "", src, *src ? "\n" : "");
	if (len < 0 || (size_t)len >= sizeof(pre)) {
		free(r);
		errno = EINVAL;
		return NULL;
	}
	if (gb_rec_writer_create(&r->w, path, pre, gb_rec_now_ns()) < 0) {
		int err = errno;

		free(r);
		errno = err;
		return NULL;
	}
	return r;
}

/* Sets r's error and errno; returns -1. */
__attribute__((format(printf, 2, 3)))
static int api_refuse(struct gb_recorder *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

static int api_check(struct gb_recorder *r, enum gb_rec_op op, const struct gb_rec_shape *s,
		     const char *tensor)
{
	/* Which of m, n, k, p the op uses, bit 0 = m. */
	unsigned uses = op == GB_REC_MATMUL ? 7u : op == GB_REC_TOPK ? 15u : 3u;
	const uint32_t v[4] = { s->m, s->n, s->k, s->p };
	static const char names[] = "mnkp";
	const char *name = api_op_names[op];
	unsigned long long m = s->m, n = s->n, k = s->k, p = s->p;

	for (int c = 0; c < 4; c++) {
		if ((uses >> c & 1) && !v[c])
			return api_refuse(r, "%c is 0; %s needs %c > 0", names[c], name, names[c]);
		if (!(uses >> c & 1) && v[c])
			return api_refuse(r, "%c is %u; %s does not use %c, which must be 0",
					  names[c], v[c], name, names[c]);
	}
	if (m > MAX_M)
		return api_refuse(r, "m %llu is over the limit %u", m, MAX_M);
	if (n > MAX_NK)
		return api_refuse(r, "n %llu is over the limit %u", n, MAX_NK);
	if (k > MAX_NK)
		return api_refuse(r, "k %llu is over the limit %u", k, MAX_NK);
	if (op == GB_REC_TOPK && p > MAX_TOPK_P)
		return api_refuse(r, "topk p %llu is over the limit %u", p, MAX_TOPK_P);
	if (op == GB_REC_TOPK && p > n)
		return api_refuse(r, "topk p %llu is greater than n %llu", p, n);
	if (op == GB_REC_FFT && (n & (n - 1)))
		return api_refuse(r, "fft n %llu is not a power of two", n);
	if (op == GB_REC_FFT && n > MAX_FFT_N)
		return api_refuse(r, "fft n %llu is over the limit %u", n, MAX_FFT_N);
	if (op == GB_REC_MATMUL || op == GB_REC_TOPK) {
		if (m * k > MAX_ELEMS || n * k > MAX_ELEMS ||
		    (op == GB_REC_MATMUL ? m * n : m * p) > MAX_ELEMS)
			return api_refuse(r, "an operand has over %llu elements", MAX_ELEMS);
		if (!tensor || !*tensor)
			return api_refuse(r, "%s needs a tensor name", name);
	} else if ((op == GB_REC_FFT ? 2 * m * n : m * n) > MAX_ELEMS) {
		return api_refuse(r, "an operand has over %llu elements", MAX_ELEMS);
	}
	return 0;
}

EXPORT int gb_recorder_record(struct gb_recorder *r, enum gb_rec_op op, struct gb_rec_shape shape,
			      const char *tensor, const char *key)
{
	if (!r) {
		errno = EINVAL;
		return -1;
	}
	r->error[0] = '\0';
	if ((unsigned)op >= sizeof(api_op_names) / sizeof(api_op_names[0]))
		return api_refuse(r, "op %u is not a gb_rec_op", (unsigned)op);
	if (api_check(r, op, &shape, tensor) < 0)
		return -1;
	/* Only matmul and topk keep their tensor: the others ignore it anyway. */
	if (op != GB_REC_MATMUL && op != GB_REC_TOPK)
		tensor = NULL;
	if ((tensor && strlen(tensor) > GB_REC_NAME_MAX) || (key && strlen(key) > GB_REC_NAME_MAX))
		return api_refuse(r, "a name is over %d bytes", GB_REC_NAME_MAX);
	if (gb_rec_writer_row(&r->w, gb_rec_stream(NULL), api_op_names[op], shape.m, shape.n,
			      shape.k, shape.p, tensor, key) < 0) {
		int err = errno;

		r->failed = 1;
		snprintf(r->error, sizeof(r->error), "cannot write the row: %s", strerror(err));
		errno = err;
		return -1;
	}
	return 0;
}

EXPORT const char *gb_recorder_error(const struct gb_recorder *r)
{
	return r ? r->error : "no recorder";
}

EXPORT int gb_recorder_close(struct gb_recorder *r)
{
	int failed;

	if (!r)
		return 0;
	failed = r->failed;
	gb_rec_writer_close(&r->w);
	free(r);
	return failed ? -1 : 0;
}
