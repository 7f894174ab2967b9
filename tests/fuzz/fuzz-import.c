/*
 * fuzz-import.c - libFuzzer harness for `gbench import torch-profiler`: the
 * input is a PyTorch profiler trace (Chrome trace JSON), parsed with
 * gb_tp_parse, mapped with gb_import_torch and written with
 * gb_import_write, as cmd-import.c does (bench/import/).
 *
 * Beyond the sanitizers: a parsed trace holds what torch-trace.h promises
 * (events sorted by start, streams below nstreams, a parent that starts no
 * later than its child, self time within the duration), and a trace the
 * import writes is one `gbench run` accepts: gb_trace_load reads it
 * without an error, request for request the rows that were mapped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "import/torch-map.h"
#include "import/torch-trace.h"
#include "trace.h"

static void check_parsed(const struct gb_tp_trace *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct gb_tp_event *e = &t->ev[i];

		FUZZ_CHECK(e->name, "event %zu: no name", i);
		FUZZ_CHECK(e->stream < t->nstreams, "event %zu: stream %u >= nstreams %u", i,
			   e->stream, t->nstreams);
		FUZZ_CHECK(!i || e->ts_ns >= t->ev[i - 1].ts_ns, "event %zu starts before the "
			   "previous one", i);
		FUZZ_CHECK(e->self_ns <= e->dur_ns, "event %zu: self time %llu over its "
			   "duration %llu", i, (unsigned long long)e->self_ns,
			   (unsigned long long)e->dur_ns);
		FUZZ_CHECK(e->parent >= -1 && e->parent < (long)i, "event %zu: parent %ld not "
			   "an earlier event", i, e->parent);
		FUZZ_CHECK(e->parent < 0 || t->ev[e->parent].stream == e->stream,
			   "event %zu: parent on another stream", i);
		FUZZ_CHECK(!e->nin || e->in, "event %zu: inputs without shapes", i);
		for (size_t j = 0; j < e->nin; j++)
			FUZZ_CHECK(e->in[j].rank >= -1 && e->in[j].rank <= GB_TP_MAX_DIMS,
				   "event %zu input %zu: rank %d", i, j, e->in[j].rank);
	}
}

/* What gb_import_write wrote loads as a trace holding the mapped rows. */
static void check_written(const struct gb_import *im, const char *path)
{
	struct gb_trace tr;
	unsigned nerrors = 0;

	FUZZ_CHECK(gb_trace_load(path, &tr, &nerrors) == 0,
		   "an imported trace of %zu rows does not load (%u errors)", im->nrows, nerrors);
	FUZZ_CHECK(tr.n == im->nrows, "%zu rows imported, %zu requests loaded", im->nrows, tr.n);
	for (size_t i = 0; i < tr.n; i++) {
		const struct gb_shape *a = &im->rows[i].shape, *b = &tr.req[i].shape;

		FUZZ_CHECK(a->op == b->op && a->m == b->m && a->n == b->n && a->k == b->k &&
			   a->p == b->p, "row %zu: %s %ux%ux%u p=%u loaded as %s %ux%ux%u p=%u",
			   i, gb_op_name(a->op), a->m, a->n, a->k, a->p, gb_op_name(b->op), b->m,
			   b->n, b->k, b->p);
		FUZZ_CHECK(tr.req[i].arrival_ns == im->rows[i].arrival_ns,
			   "row %zu: arrival changed", i);
	}
	gb_trace_release(&tr);
}

int fuzz_one(const uint8_t *data, size_t size)
{
	struct gb_tp_trace t;
	struct gb_import im;
	const char *path;
	FILE *f;

	if (gb_tp_parse((const char *)data, size, "fuzz.json", &t) < 0)
		return 0;
	check_parsed(&t);
	if (gb_import_torch(&t, "fuzz.json", &im) == 0) {
		FUZZ_CHECK(im.nrows > 0, "an import that succeeded made no row");
		path = fuzz_write("import.csv", "", 0);
		f = fopen(path, "w");
		FUZZ_CHECK(f, "cannot open '%s'", path);
		gb_import_write(f, &im, &t, "fuzz \"in\",\n.json");
		FUZZ_CHECK(fclose(f) == 0, "cannot write '%s'", path);
		check_written(&im, path);
		gb_import_release(&im);
	}
	gb_tp_release(&t);
	return 0;
}
