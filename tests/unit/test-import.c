/*
 * test-import.c - gbench import torch-profiler's units: the Chrome trace
 * reader (bench/import/torch-trace.c) and the op mapping
 * (bench/import/torch-map.c), on the committed profiler trace of a small
 * transformer block (tests/data/import/torch-block.json, made by
 * torch-block.py beside it) and on small traces written here, one rule
 * each.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fsio.h"
#include "gbench.h"
#include "import/torch-map.h"
#include "import/torch-trace.h"
#include "trace.h"
#include "unit.h"

#define BLOCK_JSON GB_TEST_DATA "/import/torch-block.json"

/* An op event in kineto's layout: NAME, ts and dur in us, thread, "Input Dims" as JSON. */
#define EV(name, ts, dur, tid, dims)                                                      \
	"{\"ph\":\"X\",\"cat\":\"cpu_op\",\"name\":\"" name "\",\"pid\":7,\"tid\":" #tid  \
	",\"ts\":" #ts ",\"dur\":" #dur ",\"args\":{\"Input Dims\":" dims "}}"

static int parse_map(const char *json, struct gb_tp_trace *t, struct gb_import *im)
{
	if (gb_tp_parse(json, strlen(json), "test.json", t) < 0)
		return -1;
	if (gb_import_torch(t, "test.json", im) < 0) {
		gb_tp_release(t);
		return -2;
	}
	return 0;
}

static const struct gb_import_op *find_op(const struct gb_import *im, const char *name,
					  enum gb_import_fate fate)
{
	for (size_t i = 0; i < im->nops; i++)
		if (!strcmp(im->ops[i].name, name) && im->ops[i].fate == fate)
			return &im->ops[i];
	return NULL;
}

/* The profiler's own matmul-family FLOPs, summed straight from the JSON. */
static double json_profiler_flops(const char *path)
{
	static const char *const mm[] = { "aten::mm", "aten::addmm", "aten::bmm",
					  "aten::baddbmm", "aten::matmul", "aten::linear" };
	json_t *root = json_load_file(path, 0, NULL), *ev;
	double sum = 0;
	size_t i;

	if (!root)
		return -1;
	json_array_foreach(json_object_get(root, "traceEvents"), i, ev) {
		const char *name = json_string_value(json_object_get(ev, "name"));
		json_t *fl = json_object_get(json_object_get(ev, "args"), "flops");

		for (size_t j = 0; name && j < GB_ARRAY_SIZE(mm); j++)
			if (!strcmp(name, mm[j]) && json_is_number(fl))
				sum += json_number_value(fl);
	}
	json_decref(root);
	return sum;
}

/* Write the import as a trace file and load it back as gbench reads traces. */
static int roundtrip(const struct gb_import *im, const struct gb_tp_trace *t, struct gb_trace *tr)
{
	char path[] = "/tmp/gbench-test-import-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return -1;
	}
	gb_import_write(f, im, t, "test.json");
	fclose(f);
	rc = gb_trace_load(path, tr, NULL);
	unlink(path);
	return rc;
}

TEST(block_flops_match_the_profiler)
{
	struct gb_tp_trace t;
	struct gb_import im;
	struct gb_trace tr;
	double want = json_profiler_flops(BLOCK_JSON), got = 0;

	CHECK(want > 0);
	CHECK(gb_tp_load(BLOCK_JSON, &t) == 0);
	CHECK(gb_import_torch(&t, BLOCK_JSON, &im) == 0);
	if (!im.nrows)
		return;
	CHECK(roundtrip(&im, &t, &tr) == 0);
	for (size_t i = 0; i < tr.n; i++)
		if (tr.req[i].shape.op == GB_OP_MATMUL)
			got += gb_shape_flops(&tr.req[i].shape);
	/* Within 1% (the bar); the two are computed alike, so in fact equal. */
	CHECK(fabs(got - want) <= 0.01 * want);
	CHECK_NEAR(im.profiler_flops, want, 0);
	CHECK_NEAR(im.matmul_flops, got, 0);
	gb_trace_release(&tr);
	gb_import_release(&im);
	gb_tp_release(&t);
}

TEST(block_ops_and_steps)
{
	struct gb_tp_trace t;
	struct gb_import im;
	const struct gb_import_op *o;
	size_t per_step = 0;

	CHECK(gb_tp_load(BLOCK_JSON, &t) == 0);
	CHECK(gb_import_torch(&t, BLOCK_JSON, &im) == 0);
	if (!im.nrows)
		return;
	CHECK(t.nsteps == 3);
	CHECK(t.nstreams == 1);
	/* Five linears without bias (mm), one with (addmm), two 4-head bmm, per step. */
	o = find_op(&im, "aten::mm", GB_IMPORT_MAPPED);
	CHECK(o && o->count == 15 && o->rows == 15);
	o = find_op(&im, "aten::addmm", GB_IMPORT_MAPPED);
	CHECK(o && o->count == 3 && o->rows == 3);
	o = find_op(&im, "aten::bmm", GB_IMPORT_MAPPED);
	CHECK(o && o->count == 6 && o->rows == 24);
	/* The wrappers are counted at the op inside them, not again. */
	o = find_op(&im, "aten::linear", GB_IMPORT_NESTED);
	CHECK(o && o->count == 18);
	CHECK(!find_op(&im, "aten::linear", GB_IMPORT_MAPPED));
	CHECK(!find_op(&im, "aten::matmul", GB_IMPORT_MAPPED));
	o = find_op(&im, "aten::native_layer_norm", GB_IMPORT_MAPPED);
	CHECK(o && o->count == 6);
	CHECK(find_op(&im, "aten::layer_norm", GB_IMPORT_NESTED) != NULL);
	CHECK(find_op(&im, "aten::_softmax", GB_IMPORT_MAPPED) != NULL);
	CHECK(find_op(&im, "aten::silu", GB_IMPORT_MAPPED) != NULL);
	CHECK(find_op(&im, "aten::sum", GB_IMPORT_MAPPED) != NULL);
	/* Listed, not dropped: torch's topk selects from scores it is given. */
	o = find_op(&im, "aten::topk", GB_IMPORT_UNMAPPED);
	CHECK(o && o->count == 3);
	/* Every op's self time is in exactly one entry. */
	{
		uint64_t sum = 0, n = 0;

		for (size_t i = 0; i < im.nops; i++) {
			sum += im.ops[i].self_ns;
			n += im.ops[i].count;
		}
		CHECK(sum == im.self_ns);
		CHECK(n == t.n);
	}
	/* 8 weights: the three steps name their products alike. */
	CHECK(im.nweights == 8);
	for (size_t i = 0; i < im.nrows; i++)
		per_step += im.rows[i].shape.op == GB_OP_MATMUL;
	CHECK(per_step == 3 * 14);
	gb_import_release(&im);
	gb_tp_release(&t);
}

TEST(linear_counted_once_at_addmm)
{
	const char *json = "{\"traceEvents\":["
		EV("aten::linear", 10, 50, 1, "[[2,3,64],[32,64],[32]]") ","
		EV("aten::t", 11, 2, 1, "[[32,64]]") ","
		EV("aten::addmm", 14, 40, 1, "[[32],[6,64],[64,32],[],[]]") "]}";
	struct gb_tp_trace t;
	struct gb_import im;

	CHECK(parse_map(json, &t, &im) == 0);
	if (im.nrows != 1) {
		CHECK(im.nrows == 1);
		return;
	}
	CHECK(im.rows[0].shape.op == GB_OP_MATMUL);
	CHECK(im.rows[0].shape.m == 6 && im.rows[0].shape.n == 32 && im.rows[0].shape.k == 64);
	CHECK(im.rows[0].arrival_ns == 4000);
	CHECK(find_op(&im, "aten::linear", GB_IMPORT_NESTED)->count == 1);
	CHECK(find_op(&im, "aten::t", GB_IMPORT_UNMAPPED)->count == 1);
	/* linear's self time is 50 - 2 - 40 us. */
	CHECK(find_op(&im, "aten::linear", GB_IMPORT_NESTED)->self_ns == 8000);
	gb_import_release(&im);
	gb_tp_release(&t);
}

/*
 * Torch 1.13 rounds times apart: a child can end a microsecond after its
 * parent (as in a fresh trace of torch-block.py); an op starting on the
 * tick its predecessor ended is its sibling.
 */
TEST(rounded_times_nest)
{
	const char *json = "{\"traceEvents\":["
		EV("aten::linear", 8934, 38, 1, "[[8,64],[64,64]]") ","
		EV("aten::t", 8935, 5, 1, "[[64,64]]") ","
		EV("aten::matmul", 8942, 31, 1, "[[8,64],[64,64]]") ","
		EV("aten::mm", 8951, 18, 1, "[[8,64],[64,64]]") ","
		EV("aten::bmm", 8973, 4, 1, "[[2,8,64],[2,64,8]]") ","
		EV("aten::mm", 8977, 0, 1, "[[8,64],[64,64]]") "]}";
	struct gb_tp_trace t;
	struct gb_import im;

	CHECK(parse_map(json, &t, &im) == 0);
	if (!im.nrows)
		return;
	CHECK(im.nrows == 4);
	CHECK(find_op(&im, "aten::linear", GB_IMPORT_NESTED) != NULL);
	CHECK(find_op(&im, "aten::matmul", GB_IMPORT_NESTED) != NULL);
	CHECK(find_op(&im, "aten::bmm", GB_IMPORT_MAPPED) != NULL);
	CHECK(find_op(&im, "aten::mm", GB_IMPORT_MAPPED)->count == 2);
	gb_import_release(&im);
	gb_tp_release(&t);
}

TEST(shapes_to_rows)
{
	const char *json = "{\"traceEvents\":["
		/* a leaf matmul of 3-d x 2-d: the batch is stacked into m */
		EV("aten::matmul", 0, 1, 1, "[[2,5,16],[16,8]]") ","
		/* batched both sides: a row and a weight per batch */
		EV("aten::bmm", 2, 1, 1, "[[3,4,16],[3,16,8]]") ","
		EV("aten::mv", 4, 1, 1, "[[10,16],[16]]") ","
		EV("aten::softmax", 6, 1, 1, "[[2,3,7],[],[]]") ","
		/* a layer norm over the last two dims: its weight says so */
		EV("aten::native_layer_norm", 8, 1, 1, "[[4,6,5],[],[6,5],[6,5],[]]") ","
		EV("aten::sum", 10, 1, 1, "[[9,11],[],[],[]]") ","
		EV("aten::_fft_c2c", 12, 1, 1, "[[3,64],[],[],[]]") ","
		EV("aten::_fft_c2c", 14, 1, 1, "[[3,60],[],[],[]]") ","
		EV("aten::silu", 16, 1, 1, "[[70000,2]]") ","
		EV("aten::mm", 18, 1, 1, "[[4,5],[6,7]]") ","
		/* a vocabulary head of 151936 x 8192 floats: a weight over 2^26 elements */
		EV("aten::mm", 20, 1, 1, "[[1,8192],[8192,151936]]") ","
		/* 2^20-point transforms: 32 of them are 2^26 floats */
		EV("aten::_fft_c2c", 22, 1, 1, "[[40,1048576],[],[],[]]") "]}";
	struct gb_tp_trace t;
	struct gb_import im;
	const struct gb_import_row *r;

	CHECK(parse_map(json, &t, &im) == 0);
	if (im.nrows != 13) {
		printf("#   %zu rows\n", im.nrows);
		CHECK(im.nrows == 13);
		return;
	}
	r = im.rows;
	CHECK(r[0].shape.m == 10 && r[0].shape.n == 8 && r[0].shape.k == 16 && !r[0].batch);
	for (int j = 0; j < 3; j++)
		CHECK(r[1 + j].shape.m == 4 && r[1 + j].shape.n == 8 && r[1 + j].batch == (uint32_t)j + 1 &&
		      r[1 + j].weight == r[1].weight);
	CHECK(r[1].weight != r[0].weight);
	CHECK(r[4].shape.m == 1 && r[4].shape.n == 10 && r[4].shape.k == 16);
	CHECK(r[5].shape.op == GB_OP_SOFTMAX && r[5].shape.m == 6 && r[5].shape.n == 7);
	CHECK(r[6].shape.op == GB_OP_RMSNORM && r[6].shape.m == 4 && r[6].shape.n == 30);
	CHECK(r[7].shape.op == GB_OP_REDUCE && r[7].shape.m == 9 && r[7].shape.n == 11);
	CHECK(r[8].shape.op == GB_OP_FFT && r[8].shape.m == 3 && r[8].shape.n == 64);
	/* 70000 rows: split at GB_MAX_M */
	CHECK(r[9].shape.op == GB_OP_SILU && r[9].shape.m == GB_MAX_M && r[9].shape.n == 2);
	CHECK(r[10].shape.m == 70000 - GB_MAX_M);
	CHECK(find_op(&im, "aten::_fft_c2c", GB_IMPORT_SKIPPED) != NULL);
	CHECK(!strcmp(find_op(&im, "aten::_fft_c2c", GB_IMPORT_SKIPPED)->why,
		      "length not a power of two"));
	/* 4x5 times 6x7 does not multiply; the head is over the limits */
	CHECK(find_op(&im, "aten::mm", GB_IMPORT_SKIPPED) != NULL);
	CHECK(r[11].shape.op == GB_OP_FFT && r[11].shape.m == 32 && r[12].shape.m == 8);
	{
		struct gb_trace tr;

		CHECK(roundtrip(&im, &t, &tr) == 0);
		CHECK(tr.n == 13);
		if (tr.n)
			gb_trace_release(&tr);
	}
	gb_import_release(&im);
	gb_tp_release(&t);
}

/* Kineto's "Input type": a sum of a bool mask is not a reduce of floats. */
TEST(integer_inputs_skipped)
{
	const char *json = "{\"traceEvents\":["
		"{\"ph\":\"X\",\"cat\":\"cpu_op\",\"name\":\"aten::sum\",\"ts\":1,\"dur\":1,"
		"\"args\":{\"Input Dims\":[[4,8],[]],\"Input type\":[\"bool\",\"\"]}},"
		"{\"ph\":\"X\",\"cat\":\"cpu_op\",\"name\":\"aten::sum\",\"ts\":3,\"dur\":1,"
		"\"args\":{\"Input Dims\":[[4,8],[]],\"Input type\":[\"float\",\"\"]}},"
		"{\"ph\":\"X\",\"cat\":\"cpu_op\",\"name\":\"aten::mm\",\"ts\":5,\"dur\":1,"
		"\"args\":{\"Input Dims\":[[4,8],[8,2]],\"Input type\":[\"long int\",\"long int\"]}}"
		"]}";
	struct gb_tp_trace t;
	struct gb_import im;

	CHECK(parse_map(json, &t, &im) == 0);
	if (!im.nrows)
		return;
	CHECK(im.nrows == 1 && im.rows[0].shape.op == GB_OP_REDUCE);
	CHECK(find_op(&im, "aten::sum", GB_IMPORT_SKIPPED) != NULL);
	CHECK(find_op(&im, "aten::mm", GB_IMPORT_SKIPPED) != NULL);
	gb_import_release(&im);
	gb_tp_release(&t);
}

TEST(threads_are_streams)
{
	const char *json = "{\"traceEvents\":["
		EV("aten::silu", 30, 1, 99, "[[2,8]]") ","
		EV("aten::silu", 20, 1, 42, "[[2,8]]") ","
		EV("aten::silu", 10, 1, 99, "[[2,8]]") ","
		"{\"ph\":\"X\",\"cat\":\"python_function\",\"name\":\"f\",\"ts\":1,\"dur\":1}" "]}";
	struct gb_tp_trace t;
	struct gb_import im;

	CHECK(parse_map(json, &t, &im) == 0);
	if (im.nrows != 3)
		return;
	CHECK(t.nstreams == 2);
	/* sorted by arrival; thread 99 started first: stream 0 */
	CHECK(im.rows[0].arrival_ns == 0 && im.rows[0].stream == 0);
	CHECK(im.rows[1].arrival_ns == 10000 && im.rows[1].stream == 1);
	CHECK(im.rows[2].arrival_ns == 20000 && im.rows[2].stream == 0);
	CHECK(t.nother == 1 && !strcmp(t.other[0].cat, "python_function"));
	gb_import_release(&im);
	gb_tp_release(&t);
}

/*
 * Weights named by their place in a step: the same in every step, on a
 * thread without ProfilerStep annotations (autograd's) too.
 */
TEST(weights_by_place_in_step)
{
	const char *json = "{\"traceEvents\":["
		"{\"ph\":\"X\",\"cat\":\"user_annotation\",\"name\":\"ProfilerStep#0\","
		"\"pid\":7,\"tid\":1,\"ts\":0,\"dur\":100}," 
		EV("aten::mm", 10, 1, 1, "[[1,64],[64,32]]") ","
		EV("aten::mm", 20, 1, 1, "[[1,32],[32,64]]") ","
		EV("aten::mm", 30, 1, 2, "[[1,32],[32,64]]") ","
		"{\"ph\":\"X\",\"cat\":\"user_annotation\",\"name\":\"ProfilerStep#1\","
		"\"pid\":7,\"tid\":1,\"ts\":100,\"dur\":100},"
		EV("aten::mm", 110, 1, 1, "[[1,64],[64,32]]") ","
		EV("aten::mm", 120, 1, 1, "[[1,32],[32,64]]") ","
		EV("aten::mm", 130, 1, 2, "[[1,32],[32,64]]") ","
		/* outside any step */
		EV("aten::mm", 230, 1, 1, "[[1,64],[64,32]]") "]}";
	struct gb_tp_trace t;
	struct gb_import im;
	const struct gb_import_row *r;

	CHECK(parse_map(json, &t, &im) == 0);
	if (im.nrows != 7) {
		CHECK(im.nrows == 7);
		return;
	}
	r = im.rows;
	CHECK(t.nsteps == 2);
	CHECK(r[0].weight == 0 && r[1].weight == 1 && r[3].weight == 0 && r[4].weight == 1);
	/* thread 2's first product of each step: the same weight, its place counted on its thread */
	CHECK(r[2].weight == r[5].weight && r[2].weight == 2);
	/* before or after every step: the trace's "step 0", places counted alike */
	CHECK(r[6].weight == 0);
	CHECK(im.nweights == 3);
	gb_import_release(&im);
	gb_tp_release(&t);
}

/* Kineto's times: microseconds since the epoch, with decimals; two calls in one microsecond. */
TEST(epoch_times_and_instants)
{
	const char *json = "{\"traceEvents\":["
		EV("aten::silu", 1712667379483582.250, 0, 5, "[[2,8]]") ","
		EV("aten::silu", 1712667379483582.250, 0, 5, "[[2,8]]") ","
		EV("aten::sum", 1712667379483590.5, 0.5, 5, "[[2,8],[]]") "]}";
	struct gb_tp_trace t;
	struct gb_import im;

	CHECK(parse_map(json, &t, &im) == 0);
	if (im.nrows != 3) {
		CHECK(im.nrows == 3);
		return;
	}
	CHECK(im.rows[0].shape.op == GB_OP_SILU && im.rows[1].shape.op == GB_OP_SILU);
	CHECK(im.rows[2].arrival_ns == 8250);
	gb_import_release(&im);
	gb_tp_release(&t);
}

TEST(bad_input)
{
	struct gb_tp_trace t;
	struct gb_import im;
	const char *truncated = "{\"traceEvents\":[" EV("aten::mm", 0, 1, 1, "[[2,2],[2,2]]");

	CHECK(parse_map(truncated, &t, &im) == -1);
	CHECK(parse_map("{\"name\": \"not a trace\"}", &t, &im) == -1);
	CHECK(parse_map("{\"traceEvents\":[{\"ph\":\"X\",\"name\":\"aten::mm\",\"ts\":\"x\",\"dur\":1}]}",
			&t, &im) == -1);
	/* the legacy exporter's layout: no shapes, nothing to replay */
	CHECK(parse_map("[{\"name\": \"aten::mm\", \"ph\": \"X\", \"ts\": 5, \"dur\": 3, \"tid\": 1, "
			"\"pid\": \"CPU functions\", \"args\": {}}]", &t, &im) == -2);
	/* shapes, but no op gbench has */
	CHECK(parse_map("{\"traceEvents\":[" EV("aten::relu", 0, 1, 1, "[[2,2]]") "]}", &t, &im) == -2);
}

/* A trace of a few bytes that would make millions of rows: the caps of torch-map.h. */
TEST(rows_capped)
{
	/* a batch of 65536 one-by-one products is the most one call makes; one more is skipped */
	const char *at_cap = "{\"traceEvents\":["
		EV("aten::bmm", 0, 1, 1, "[[65536,1,1],[65536,1,1]]") ","
		EV("aten::bmm", 2, 1, 1, "[[65537,1,1],[65537,1,1]]") ","
		/* 2^32 x 2^32 rows of a softmax (saturated, 2^64): skipped, not 2^48 rows */
		EV("aten::softmax", 4, 1, 1, "[[4294967296,4294967296,1],[],[]]") ","
		/* 2^26 rows of 2 in one activation: 1024 requests of GB_MAX_M rows */
		EV("aten::silu", 6, 1, 1, "[[67108864,2]]") "]}";
	struct gb_tp_trace t;
	struct gb_import im;
	struct unit_stderr err;
	char buf[512];
	char *json;
	size_t len, used;

	CHECK(parse_map(at_cap, &t, &im) == 0);
	if (!im.nrows)
		return;
	CHECK(im.nrows == 65536 + 1024);
	CHECK(find_op(&im, "aten::bmm", GB_IMPORT_MAPPED) &&
	      find_op(&im, "aten::bmm", GB_IMPORT_MAPPED)->rows == 65536);
	CHECK(find_op(&im, "aten::bmm", GB_IMPORT_SKIPPED) &&
	      !strcmp(find_op(&im, "aten::bmm", GB_IMPORT_SKIPPED)->why, "over the trace limits"));
	CHECK(find_op(&im, "aten::softmax", GB_IMPORT_SKIPPED) != NULL);
	CHECK(im.rows[65536].shape.m == GB_MAX_M && im.rows[65536].shape.n == 2 &&
	      im.rows[65536].shape.op == GB_OP_SILU);
	gb_import_release(&im);
	gb_tp_release(&t);

	/* 65 such calls go past GB_IMPORT_MAX_ROWS (64 x 65536): refused, naming the 65th */
	len = 65 * 256;   /* an event is 126 bytes */
	json = malloc(len);
	CHECK(json != NULL);
	if (!json)
		return;
	used = (size_t)snprintf(json, len, "{\"traceEvents\":[");
	for (int i = 0; i < 65; i++)
		used += (size_t)snprintf(json + used, len - used, "%s" EV("aten::bmm", %d, 1, 1,
					 "[[65536,1,1],[65536,1,1]]"), i ? "," : "", 10 * i);
	CHECK(used + 3 < len);
	if (used + 3 >= len) {
		free(json);
		return;
	}
	snprintf(json + used, len - used, "]}");
	unit_stderr_on(&err);
	CHECK(parse_map(json, &t, &im) == -2);
	unit_stderr_off(&err, buf, sizeof(buf));
	CHECK(strstr(buf, "traceEvents[64] (aten::bmm) would take the trace past 4194304 requests"));
	/* a single call past the per-call cap only: nothing replayable, said why */
	unit_stderr_on(&err);
	CHECK(parse_map("{\"traceEvents\":[" EV("aten::bmm", 0, 1, 1,
			"[[67108864,1,1],[2,1,1]]") "]}", &t, &im) == -2);
	unit_stderr_off(&err, buf, sizeof(buf));
	CHECK(strstr(buf, "every call of an op gbench replays was skipped (aten::bmm: over the "
		      "trace limits"));
	free(json);
}

int main(void)
{
	RUN(block_flops_match_the_profiler);
	RUN(block_ops_and_steps);
	RUN(linear_counted_once_at_addmm);
	RUN(rounded_times_nest);
	RUN(shapes_to_rows);
	RUN(integer_inputs_skipped);
	RUN(threads_are_streams);
	RUN(weights_by_place_in_step);
	RUN(epoch_times_and_instants);
	RUN(bad_input);
	RUN(rows_capped);
	return unit_done();
}
