/*
 * fuzz-trace.c - libFuzzer harness for the trace reader (bench/trace.h):
 * the input is a trace file, loaded with gb_trace_load as `run` and
 * `validate` load one.
 *
 * Beyond the sanitizers, a trace that loads must hold what the loader
 * promises (every request within the size limits, streams below
 * nstreams, arrivals in order), and it must survive gb_trace_write (what
 * `synth` writes) and a second load unchanged, request for request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "op.h"
#include "trace.h"

static void check_trace(const struct gb_trace *t)
{
	FUZZ_CHECK(t->n > 0, "a loaded trace has no request");
	for (size_t i = 0; i < t->n; i++) {
		const struct gb_request *r = &t->req[i];
		const struct gb_shape *s = &r->shape;

		FUZZ_CHECK(r->stream < t->nstreams, "request %zu: stream %u >= nstreams %u",
			   i, r->stream, t->nstreams);
		FUZZ_CHECK(!i || r->arrival_ns >= t->req[i - 1].arrival_ns,
			   "request %zu arrives before the previous one", i);
		FUZZ_CHECK(s->m && s->m <= GB_MAX_M && s->n && s->n <= GB_MAX_NK &&
			   s->k <= GB_MAX_NK, "request %zu: size out of limits", i);
		FUZZ_CHECK(r->tensor && r->key, "request %zu: NULL tensor or key", i);
		FUZZ_CHECK(!gb_op_has_weights(s->op) || *r->tensor,
			   "request %zu: %s without a tensor", i, gb_op_name(s->op));
		FUZZ_CHECK(gb_shape_in_floats(s) <= GB_MAX_ELEMS &&
			   gb_shape_out_floats(s) <= 2 * GB_MAX_ELEMS,
			   "request %zu: operands larger than the limit", i);
	}
}

static void check_same(const struct gb_trace *a, const struct gb_trace *b)
{
	FUZZ_CHECK(a->n == b->n, "round trip: %zu requests became %zu", a->n, b->n);
	FUZZ_CHECK(a->nstreams == b->nstreams, "round trip: streams changed");
	for (size_t i = 0; i < a->n; i++) {
		const struct gb_request *x = &a->req[i], *y = &b->req[i];

		FUZZ_CHECK(x->arrival_ns == y->arrival_ns && x->stream == y->stream &&
			   !memcmp(&x->shape, &y->shape, sizeof(x->shape)),
			   "round trip: request %zu changed", i);
		FUZZ_CHECK(!strcmp(x->tensor, y->tensor), "round trip: request %zu: tensor "
			   "'%s' became '%s'", i, x->tensor, y->tensor);
		FUZZ_CHECK(!strcmp(x->key, y->key), "round trip: request %zu: key '%s' became '%s'",
			   i, x->key, y->key);
	}
}

int fuzz_one(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("fuzz.csv", data, size), *path2;
	struct gb_trace t, u;
	unsigned nerrors = 0;
	FILE *f;

	if (gb_trace_load(path, &t, &nerrors) < 0) {
		FUZZ_CHECK(nerrors > 0, "load failed without an error");
		return 0;
	}
	FUZZ_CHECK(nerrors == 0, "loaded with %u errors", nerrors);
	check_trace(&t);
	path2 = fuzz_write("again.csv", "", 0);
	f = fopen(path2, "w");
	FUZZ_CHECK(f, "cannot open '%s'", path2);
	FUZZ_CHECK(gb_trace_write(f, &t) == 0, "gb_trace_write failed");
	fclose(f);
	FUZZ_CHECK(gb_trace_load(path2, &u, &nerrors) == 0,
		   "a trace written by gb_trace_write does not load (%u errors)", nerrors);
	check_same(&t, &u);
	gb_trace_release(&u);
	gb_trace_release(&t);
	return 0;
}
