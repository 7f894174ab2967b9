/*
 * test-results.c - the results directory: write a small results set whose
 * device names hold a comma, quotes and a newline, read every file back
 * with libcsv (independently of gb_results_read) and check every column of
 * every row; an unavailable metric has empty numbers and no samples; a
 * skipped cell writes no rows in any file; meta.json keeps insertion order; no temp
 * file is left; and gb_results_read rebuilds the same cells, metrics and
 * values, which written again give the same bytes. What a run never writes
 * is refused (issue 21): inf, nan, hex floats, negative times, duplicate
 * rows, reps beyond the run's (4000000000 aborted), unsafe cell ids, more
 * cells than any run's; files that do not match meta.json's manifest; and
 * a run's directory is staged and put in place whole.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>

#include "fsio.h"
#include "gbench.h"
#include "results/results.h"
#include "stats.h"
#include "unit.h"

static char tmpdir[] = "/tmp/gb-results-XXXXXX";

#define DEV_A "llvmpipe (LLVM 15.0.6, 256 bits) \"quoted\""
#define DEV_B "cpu \"x86\"\nsecond line"

/* ---- a tiny independent CSV table reader on libcsv ---- */

struct table {
	char ***rows;     /* rows[i][j], NUL-terminated fields */
	size_t *nf;
	size_t n;
	char **cur;
	size_t ncur;
};

static void t_field(void *s, size_t len, void *data)
{
	struct table *t = data;
	char *f = malloc(len + 1);

	memcpy(f, s, len);
	f[len] = '\0';
	t->cur = realloc(t->cur, (t->ncur + 1) * sizeof(*t->cur));
	t->cur[t->ncur++] = f;
}

static void t_row(int c, void *data)
{
	struct table *t = data;

	(void)c;
	t->rows = realloc(t->rows, (t->n + 1) * sizeof(*t->rows));
	t->nf = realloc(t->nf, (t->n + 1) * sizeof(*t->nf));
	t->rows[t->n] = t->cur;
	t->nf[t->n] = t->ncur;
	t->n++;
	t->cur = NULL;
	t->ncur = 0;
}

static int table_read(struct table *t, const char *path)
{
	struct csv_parser p;
	size_t len;
	char *buf = gb_read_file(path, &len);
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!buf)
		return -1;
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
	if (csv_parse(&p, buf, len, t_field, t_row, t) != len ||
	    csv_fini(&p, t_field, t_row, t) != 0)
		rc = -1;
	csv_free(&p);
	free(buf);
	return rc;
}

static void table_free(struct table *t)
{
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		for (j = 0; j < t->nf[i]; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->nf);
}

/* ---- the results set ---- */

static void build(struct gb_results *r)
{
	struct gb_cell_result *a, *b, *c;
	struct gb_metric *wall, *tput, *ins, *sim;
	int i;

	memset(r, 0, sizeof(*r));
	a = gb_results_add(r, NULL, "decode", "vulkan", DEV_A, 8, GB_Q_Q8, 4096);
	wall = gb_cell_metric(a, "wall_ns", "ns", GB_SRC_MEASURED);
	tput = gb_cell_metric(a, "throughput_rps", "1/s", GB_SRC_MEASURED);
	ins = gb_cell_metric(a, "instructions", "count", GB_SRC_SCALED);
	sim = gb_cell_metric(a, "sim_ir", "count", GB_SRC_SIMULATED);
	/* Pointers held across further adds stay valid (GB_CELL_METRICS_RESERVED). */
	for (i = 0; i < 12; i++) {
		gb_metric_push(wall, 1e6 + i * 1234.5 + (i % 3) * 0.1);
		gb_metric_push(tput, 1.0 / 3.0 * (100 + i));
		gb_metric_push(ins, 123456789012.0 + i);
		gb_metric_push(sim, 1);
	}
	gb_metric_unavailable(sim, "valgrind not installed");
	gb_cell_add_accuracy(a, "matmul", "f64", "nmse", 1.5e-5, 2e-4, 1);
	gb_cell_add_accuracy(a, "topk", "cpu", "recall", 0.96875, 0.97, 0);
	gb_cell_add_accuracy(a, "matmul", "f64", "max_abs_err", 0.0123, NAN, 1);
	CHECK(gb_hist_init(&a->hist) == 0);
	a->has_hist = 1;
	for (i = 1; i <= 1000; i++)
		gb_hist_record(&a->hist, (uint64_t)i * 1000);
	gb_cell_invalid(a, "first reason");
	gb_cell_invalid(a, "second, with a comma");

	b = gb_results_add(r, NULL, "prefill", "cpu", DEV_B, 1, GB_Q_F32, 0);
	wall = gb_cell_metric(b, "wall_ns", "ns", GB_SRC_MEASURED);
	gb_metric_push(wall, 5);
	gb_metric_push(wall, 7);
	gb_metric_push(wall, 6);

	c = gb_results_add(r, "skipped.cpu.b1.f32.c0", "skipped", "cpu", NULL, 1, GB_Q_F32, 0);
	gb_metric_push(gb_cell_metric(c, "wall_ns", "ns", GB_SRC_MEASURED), 1);
	gb_cell_add_accuracy(c, "softmax", "f64", "nmse", 0, 1e-10, 1);
	c->skipped = gb_xstrdup("no vulkan device");
}

static char *path_in(const char *dir, const char *name)
{
	return gb_xasprintf("%s/%s", dir, name);
}

static int count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(d);
	return n;
}

/* A number field written for v: empty for NAN, else reads back exactly. */
static int num_is(const char *field, double v)
{
	char *end;
	double got;

	if (isnan(v))
		return field[0] == '\0';
	got = strtod(field, &end);
	return *end == '\0' && field[0] && got == v;
}

static void check_results_csv(const struct gb_results *r, const char *dir)
{
	static const char header[] =
		"cell,workload,executor,device,batch,quant,cache,metric,unit,source,n,"
		"min,median,mean,p90,p99,max,stddev,ci_low,ci_high\n";
	char *p = path_in(dir, "results.csv"), *raw = gb_read_file(p, NULL);
	struct table t;
	size_t row = 1, i, j;

	CHECK(raw && strncmp(raw, header, strlen(header)) == 0);
	/* Quoted only where needed: the device with comma and quotes. */
	CHECK(raw && strstr(raw, "\ndecode.vulkan.b8.q8.c4096,decode,vulkan,"
				 "\"llvmpipe (LLVM 15.0.6, 256 bits) \"\"quoted\"\"\",8,q8,4096,"
				 "wall_ns,ns,measured,12,") != NULL);
	CHECK(raw && strstr(raw, "\"cpu \"\"x86\"\"\nsecond line\"") != NULL);
	CHECK(raw && strstr(raw, "skipped") == NULL);
	CHECK(table_read(&t, p) == 0);
	CHECK(t.n == 1 + 4 + 1);
	for (i = 0; i < r->n; i++) {
		const struct gb_cell_result *c = &r->cells[i];

		if (c->skipped)
			continue;
		for (j = 0; j < c->nmetrics && row < t.n; j++, row++) {
			const struct gb_metric *m = &c->metrics[j];
			char **f = t.rows[row];
			struct gb_summary s;
			char buf[32];

			CHECK(t.nf[row] == 20);
			if (t.nf[row] != 20)
				continue;
			CHECK_STR(f[0], c->id);
			CHECK_STR(f[1], c->workload);
			CHECK_STR(f[2], c->executor);
			CHECK_STR(f[3], c->device);
			snprintf(buf, sizeof(buf), "%u", c->batch);
			CHECK_STR(f[4], buf);
			CHECK_STR(f[5], gb_quant_name(c->quant));
			snprintf(buf, sizeof(buf), "%u", c->cache);
			CHECK_STR(f[6], buf);
			CHECK_STR(f[7], m->name);
			CHECK_STR(f[8], m->unit);
			CHECK_STR(f[9], gb_source_name(m->source));
			if (m->source == GB_SRC_UNAVAILABLE) {
				int k;

				for (k = 10; k < 20; k++)
					CHECK_STR(f[k], "");
				continue;
			}
			gb_summarize(m->v, m->n, &s);
			snprintf(buf, sizeof(buf), "%zu", s.n);
			CHECK_STR(f[10], buf);
			CHECK(num_is(f[11], s.min));
			CHECK(num_is(f[12], s.median));
			CHECK(num_is(f[13], s.mean));
			CHECK(num_is(f[14], s.p90));
			CHECK(num_is(f[15], s.p99));
			CHECK(num_is(f[16], s.max));
			CHECK(num_is(f[17], s.stddev));
			CHECK(num_is(f[18], s.ci_low));
			CHECK(num_is(f[19], s.ci_high));
		}
	}
	CHECK(row == t.n);
	/* Spot checks against hand values. */
	CHECK_STR(t.rows[1][3], DEV_A);
	CHECK_STR(t.rows[2][7], "throughput_rps");
	CHECK_STR(t.rows[3][9], "scaled");
	CHECK_STR(t.rows[4][9], "unavailable");
	CHECK_STR(t.rows[5][3], DEV_B);
	CHECK_STR(t.rows[5][10], "3");
	CHECK_STR(t.rows[5][12], "6");
	CHECK_STR(t.rows[5][14], "");     /* p90 needs 10 */
	CHECK_STR(t.rows[5][18], "");     /* CI needs 6 */
	CHECK_STR(t.rows[5][17], "1");
	CHECK_STR(t.rows[3][11], "123456789012");
	table_free(&t);
	free(raw);
	free(p);
}

static void check_samples_csv(const struct gb_results *r, const char *dir)
{
	char *p = path_in(dir, "samples.csv");
	struct table t;
	size_t row = 1, i, j, k;

	CHECK(table_read(&t, p) == 0);
	CHECK(t.n >= 1 && t.nf[0] == 4);
	CHECK_STR(t.rows[0][0], "cell");
	CHECK_STR(t.rows[0][1], "metric");
	CHECK_STR(t.rows[0][2], "rep");
	CHECK_STR(t.rows[0][3], "value");
	CHECK(t.n == 1 + 3 * 12 + 3);
	for (i = 0; i < r->n; i++) {
		const struct gb_cell_result *c = &r->cells[i];

		if (c->skipped)
			continue;
		for (j = 0; j < c->nmetrics; j++) {
			const struct gb_metric *m = &c->metrics[j];

			if (m->source == GB_SRC_UNAVAILABLE)
				continue;
			for (k = 0; k < m->n && row < t.n; k++, row++) {
				char buf[24];

				CHECK(t.nf[row] == 4);
				CHECK_STR(t.rows[row][0], c->id);
				CHECK_STR(t.rows[row][1], m->name);
				snprintf(buf, sizeof(buf), "%zu", k);
				CHECK_STR(t.rows[row][2], buf);
				CHECK(num_is(t.rows[row][3], m->v[k]));
			}
		}
	}
	CHECK(row == t.n);
	CHECK_STR(t.rows[1][3], "1000000");
	CHECK_STR(t.rows[13][3], "33.33333333333333");   /* 100/3, shortest exact */
	table_free(&t);
	free(p);
}

static void check_accuracy_csv(const char *dir)
{
	static const char *const want[][7] = {
		{ "cell", "op", "reference", "metric", "value", "budget", "pass" },
		{ "decode.vulkan.b8.q8.c4096", "matmul", "f64", "nmse", "1.5e-05", "0.0002", "true" },
		{ "decode.vulkan.b8.q8.c4096", "topk", "cpu", "recall", "0.96875", "0.97", "false" },
		{ "decode.vulkan.b8.q8.c4096", "matmul", "f64", "max_abs_err", "0.0123", "", "true" },
	};
	char *p = path_in(dir, "accuracy.csv");
	struct table t;
	size_t i, j;

	CHECK(table_read(&t, p) == 0);
	CHECK(t.n == GB_ARRAY_SIZE(want));
	for (i = 0; i < t.n && i < GB_ARRAY_SIZE(want); i++) {
		CHECK(t.nf[i] == 7);
		for (j = 0; j < 7 && j < t.nf[i]; j++)
			CHECK_STR(t.rows[i][j], want[i][j]);
	}
	table_free(&t);
	free(p);
}

static void check_hist_and_meta(const char *dir)
{
	char *h = path_in(dir, "hist/decode.vulkan.b8.q8.c4096.hgrm");
	char *nb = path_in(dir, "hist/prefill.cpu.b1.f32.c0.hgrm");
	char *hd = path_in(dir, "hist");
	char *m = path_in(dir, "meta.json");
	char *text = gb_read_file(h, NULL), *mt;
	json_error_t err;
	json_t *j;

	CHECK(text && strstr(text, "Total count    =         1000]") != NULL);
	CHECK(text && strstr(text, " 1000447.000 1.000000000000       1000\n") != NULL);
	CHECK(!gb_file_exists(nb));
	CHECK(count_temps(hd) == 0);
	free(text);
	j = json_load_file(m, 0, &err);
	CHECK(j != NULL);
	CHECK(json_integer_value(json_object_get(j, "schema")) == 1);
	json_decref(j);
	mt = gb_read_file(m, NULL);
	/* Insertion order, indented by 2, the manifest added last. */
	CHECK(mt && strstr(mt, "{\n  \"schema\": 1,\n  \"zeta\": \"last, but second\",\n  \"alpha\": 2,\n  \"manifest\": {") == mt);
	free(mt);
	free(h);
	free(nb);
	free(hd);
	free(m);
}

static json_t *make_meta(void)
{
	json_t *meta = json_object();

	json_object_set_new(meta, "schema", json_integer(1));
	json_object_set_new(meta, "zeta", json_string("last, but second"));
	json_object_set_new(meta, "alpha", json_integer(2));
	return meta;
}

static void check_same(const struct gb_results *a, const struct gb_results *b)
{
	size_t i, j, k, bi = 0;

	for (i = 0; i < a->n; i++) {
		const struct gb_cell_result *x = &a->cells[i], *y;

		if (x->skipped)
			continue;
		CHECK(bi < b->n);
		if (bi >= b->n)
			return;
		y = &b->cells[bi++];
		CHECK_STR(y->id, x->id);
		CHECK_STR(y->workload, x->workload);
		CHECK_STR(y->executor, x->executor);
		CHECK_STR(y->device, x->device);
		CHECK(y->batch == x->batch && y->quant == x->quant && y->cache == x->cache);
		CHECK(y->nmetrics == x->nmetrics);
		for (j = 0; j < x->nmetrics && j < y->nmetrics; j++) {
			const struct gb_metric *mx = &x->metrics[j], *my = &y->metrics[j];

			CHECK_STR(my->name, mx->name);
			CHECK_STR(my->unit, mx->unit);
			CHECK(my->source == mx->source);
			CHECK(my->n == mx->n);
			for (k = 0; k < mx->n && k < my->n; k++)
				CHECK(my->v[k] == mx->v[k]);
		}
		CHECK(y->nacc == x->nacc);
		for (j = 0; j < x->nacc && j < y->nacc; j++) {
			CHECK_STR(y->acc[j].op, x->acc[j].op);
			CHECK_STR(y->acc[j].reference, x->acc[j].reference);
			CHECK_STR(y->acc[j].metric, x->acc[j].metric);
			CHECK(y->acc[j].value == x->acc[j].value);
			CHECK((isnan(y->acc[j].budget) && isnan(x->acc[j].budget)) ||
			      y->acc[j].budget == x->acc[j].budget);
			CHECK(y->acc[j].pass == x->acc[j].pass);
		}
		CHECK(!y->has_hist);
	}
	CHECK(bi == b->n);
}

static int same_file(const char *d1, const char *d2, const char *name)
{
	char *p1 = path_in(d1, name), *p2 = path_in(d2, name);
	size_t l1, l2;
	char *a = gb_read_file(p1, &l1), *b = gb_read_file(p2, &l2);
	int same = a && b && l1 == l2 && memcmp(a, b, l1) == 0;

	free(a);
	free(b);
	free(p1);
	free(p2);
	return same;
}

TEST(write_and_read_every_file)
{
	struct gb_results r;
	char *dir = path_in(tmpdir, "run/nested");
	json_t *meta = make_meta();

	build(&r);
	CHECK(gb_results_write(&r, dir, meta) == 0);
	CHECK(meta->refcount == 1);    /* not stolen */
	json_decref(meta);
	check_results_csv(&r, dir);
	check_samples_csv(&r, dir);
	check_accuracy_csv(dir);
	check_hist_and_meta(dir);
	CHECK(count_temps(dir) == 0);
	gb_results_release(&r);
	CHECK(r.n == 0 && r.cells == NULL);
	free(dir);
}

TEST(round_trip)
{
	struct gb_results r, back, back2;
	char *dir = path_in(tmpdir, "rt"), *dir2 = path_in(tmpdir, "rt2");
	char *csv = path_in(dir, "results.csv");

	build(&r);
	CHECK(gb_results_write(&r, dir, NULL) == 0);
	memset(&back, 0, sizeof(back));
	CHECK(gb_results_read(&back, dir) == 0);
	check_same(&r, &back);
	/* The unavailable metric comes back unavailable, without values. */
	CHECK(back.n == 2 && back.cells[0].nmetrics == 4 &&
	      back.cells[0].metrics[3].source == GB_SRC_UNAVAILABLE &&
	      back.cells[0].metrics[3].n == 0);
	/* Written again: the same bytes. */
	CHECK(gb_results_write(&back, dir2, NULL) == 0);
	CHECK(same_file(dir, dir2, "results.csv"));
	CHECK(same_file(dir, dir2, "samples.csv"));
	CHECK(same_file(dir, dir2, "accuracy.csv"));
	/* Reading by the results.csv path works the same. */
	memset(&back2, 0, sizeof(back2));
	CHECK(gb_results_read(&back2, csv) == 0);
	check_same(&back, &back2);
	gb_results_release(&back2);
	gb_results_release(&back);
	gb_results_release(&r);
	free(csv);
	free(dir);
	free(dir2);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

TEST(read_rejects_bad_input)
{
	char *dir = path_in(tmpdir, "bad");
	char *res = path_in(dir, "results.csv"), *sam = path_in(dir, "samples.csv");
	struct gb_results r;

	CHECK(gb_mkdir_p(dir) == 0);
	fprintf(stderr, "# expected errors follow\n");
	memset(&r, 0, sizeof(r));
	CHECK(gb_results_read(&r, dir) == -1);     /* nothing there */
	write_text(res, "cell,workload\nx,y\n");
	CHECK(gb_results_read(&r, dir) == -1);     /* missing columns */
	gb_results_release(&r);
	write_text(res, "cell,workload,executor,device,batch,quant,cache,metric,unit,source,"
			"n,min,median,mean,p90,p99,max,stddev,ci_low,ci_high,sim_cache\n"
			"w.cpu.b1.f32.c0,w,cpu,,1,f32,0,wall_ns,ns,guessed,,,,,,,,,,,\n");
	write_text(sam, "cell,metric,rep,value\n");
	CHECK(gb_results_read(&r, dir) == -1);     /* bad source */
	gb_results_release(&r);
	write_text(res, "cell,workload,executor,device,batch,quant,cache,metric,unit,source,"
			"n,min,median,mean,p90,p99,max,stddev,ci_low,ci_high,sim_cache\n"
			"w.cpu.b1.f32.c0,w,cpu,,1,f32,0,wall_ns,ns,measured,2,,,,,,,,,,L1\n");
	write_text(sam, "cell,metric,rep,value\nw.cpu.b1.f32.c0,wall_ns,1,2.5\n"
			"w.cpu.b1.f32.c0,wall_ns,0,1.5\n");
	CHECK(gb_results_read(&r, dir) == 0);      /* extra column, reps out of order */
	CHECK(r.n == 1 && r.cells[0].device == NULL && r.cells[0].metrics[0].n == 2 &&
	      r.cells[0].metrics[0].v[0] == 1.5 && r.cells[0].metrics[0].v[1] == 2.5);
	gb_results_release(&r);
	write_text(sam, "cell,metric,rep,value\nw.cpu.b1.f32.c0,cycles,0,1\n");
	CHECK(gb_results_read(&r, dir) == -1);     /* unknown metric */
	gb_results_release(&r);
	write_text(sam, "cell,metric,rep,value\nw.cpu.b1.f32.c0,wall_ns,0,\"1\"x\n");
	CHECK(gb_results_read(&r, dir) == -1);     /* malformed CSV */
	gb_results_release(&r);
	free(res);
	free(sam);
	free(dir);
}

/* A file with a bad row and, after it, bad CSV: one error, the first (fuzzing found two). */
TEST(read_says_the_first_error_only)
{
	char *dir = path_in(tmpdir, "first-error");
	char *res = path_in(dir, "results.csv"), *sam = path_in(dir, "samples.csv");
	struct gb_results r;
	struct unit_stderr cap;
	char err[1024];
	int rc;

	CHECK(gb_mkdir_p(dir) == 0);
	write_text(res, "cell,workload,executor,device,batch,quant,cache,metric,unit,source,"
			"n,min,median,mean,p90,p99,max,stddev,ci_low,ci_high\n"
			"w.cpu.b1.f32.c0,w,cpu,,1,f32,0,wall_ns,ns,measured,2,,,,,,,,,\n");
	write_text(sam, "cell,metric,rep,value\nw.cpu.b1.f32.c0,wall_ns,0,-1\n"
			"w.cpu.b1.f32.c0,wall_ns,1,\"1\"x\n");
	memset(&r, 0, sizeof(r));
	unit_stderr_on(&cap);
	rc = gb_results_read(&r, dir);
	unit_stderr_off(&cap, err, sizeof(err));
	CHECK(rc == -1);
	CHECK(strstr(err, "samples.csv:2: negative value") != NULL);
	CHECK(strstr(err, "malformed") == NULL);
	CHECK(strchr(err, '\n') == err + strlen(err) - 1);   /* one line */
	gb_results_release(&r);
	free(res);
	free(sam);
	free(dir);
}

#define RES_HEAD "cell,workload,executor,device,batch,quant,cache,metric,unit,source," \
		 "n,min,median,mean,p90,p99,max,stddev,ci_low,ci_high\n"
#define RES_ROW(cell, metric, unit) cell ",w,cpu,,1,f32,0," metric "," unit ",measured,,,,,,,,,,\n"

/* Read dir with samples.csv holding text after its header: 0 or -1. */
static int read_samples(const char *dir, const char *text)
{
	char *sam = path_in(dir, "samples.csv"), *all = gb_xasprintf("cell,metric,rep,value\n%s", text);
	struct gb_results r = { 0 };
	int rc;

	write_text(sam, all);
	rc = gb_results_read(&r, dir);
	gb_results_release(&r);
	free(all);
	free(sam);
	return rc;
}

/* Values a run never writes, and rows that cannot be a run's, are refused (issue 21). */
TEST(read_refuses_bad_values)
{
	char *dir = path_in(tmpdir, "vals"), *res = path_in(dir, "results.csv");
	char *acc = path_in(dir, "accuracy.csv"), *meta = path_in(dir, "meta.json");
	static const char *const bad[] = {
		"inf", "-inf", "nan", "NaN", "0x1p3", "1e999", "-5", "+5", "1.5.2", "5 ", "e5",
		"infinity", "1.7e308", "1e101",   /* finite, but their sums and squares are not */
	};
	static const char *const bad_ids[] = { "../../x", ".", "..", "a/b", "a b", "a`b", "a\nb" };
	struct gb_results r = { 0 };
	const char *w = "w.cpu.b1.f32.c0";

	CHECK(gb_mkdir_p(dir) == 0);
	write_text(res, RES_HEAD RES_ROW("w.cpu.b1.f32.c0", "wall_ns", "ns")
			RES_ROW("w.cpu.b1.f32.c0", "skew", "ns/ns"));
	fprintf(stderr, "# expected errors follow\n");
	for (size_t i = 0; i < GB_ARRAY_SIZE(bad); i++) {
		char *row = gb_xasprintf("%s,wall_ns,0,%s\n", w, bad[i]);

		if (read_samples(dir, row) != -1)
			printf("#   value '%s' was accepted\n", bad[i]);
		CHECK(read_samples(dir, row) == -1);
		free(row);
	}
	/* what a run writes: decimals, exponents, empty (NAN), subnormals, negatives in other units */
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,0,1.5\nw.cpu.b1.f32.c0,wall_ns,1,\n"
				"w.cpu.b1.f32.c0,wall_ns,2,1e-320\nw.cpu.b1.f32.c0,wall_ns,3,2.5e+20\n"
				"w.cpu.b1.f32.c0,wall_ns,4,-0\nw.cpu.b1.f32.c0,skew,0,-2.5\n"
				"w.cpu.b1.f32.c0,wall_ns,5,.5\nw.cpu.b1.f32.c0,skew,1,-1e100\n") == 0);
	/* one row per cell x metric x rep, an empty value's included */
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,0,1\nw.cpu.b1.f32.c0,wall_ns,0,1\n") == -1);
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,0,\nw.cpu.b1.f32.c0,wall_ns,0,\n") == -1);
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,1,1\nw.cpu.b1.f32.c0,wall_ns,0,2\n"
				"w.cpu.b1.f32.c0,wall_ns,1,3\n") == -1);
	/* a rep beyond the run's repetitions (meta.json config), or beyond any run's */
	write_text(meta, "{\"schema\": 1, \"config\": {\"repetitions\": 3, "
			 "\"repetitions_by_executor\": {\"cpu\": 5, \"vulkan\": 2}}}\n");
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,4,1\n") == 0);
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,5,1\n") == -1);
	unlink(meta);
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,999999,1\n") == 0);
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,1000000,1\n") == -1);
	/* rows that leave more reps unfilled than the file has rows: memory would follow reps */
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,999999,1\nw.cpu.b1.f32.c0,skew,999999,1\n") == -1);
	/* cell ids reach hist/<cell>.hgrm: only safe file names */
	for (size_t i = 0; i < GB_ARRAY_SIZE(bad_ids); i++) {
		char *text = gb_xasprintf(RES_HEAD "\"%s\",w,cpu,,1,f32,0,wall_ns,ns,measured,,,,,,,,,,\n",
					  bad_ids[i]);

		write_text(res, text);
		CHECK(read_samples(dir, "") == -1);
		free(text);
	}
	write_text(res, RES_HEAD RES_ROW("w.cpu.b1.f32.c0", "wall_ns", "ns"));
	CHECK(read_samples(dir, "") == 0);
	/* accuracy: never negative, recall at most 1, +inf only as an NMSE or error */
	write_text(acc, "cell,op,reference,metric,value,budget,pass\n"
			"w.cpu.b1.f32.c0,matmul,f64,nmse,inf,2e-4,false\n"
			"w.cpu.b1.f32.c0,matmul,f64,max_abs_err,,,false\n"
			"w.cpu.b1.f32.c0,topk,f64,recall,1,0.97,true\n");
	CHECK(read_samples(dir, "") == 0);
	{
		static const char *const bad_acc[] = {
			"nmse,-1,2e-4", "nmse,nan,2e-4", "nmse,0x1p3,2e-4", "recall,1.5,0.97",
			"recall,inf,0.97", "nmse,1e-5,-1", "nmse,1e-5,inf",
		};

		for (size_t i = 0; i < GB_ARRAY_SIZE(bad_acc); i++) {
			char *text = gb_xasprintf("cell,op,reference,metric,value,budget,pass\n"
						  "w.cpu.b1.f32.c0,matmul,f64,%s,false\n", bad_acc[i]);

			write_text(acc, text);
			CHECK(read_samples(dir, "") == -1);
			free(text);
		}
	}
	unlink(acc);
	gb_results_release(&r);
	free(res);
	free(acc);
	free(meta);
	free(dir);
}

/* issue 21: a rep of 4000000000 sized the values array (32 GB): an abort, not exit 2. */
TEST(read_refuses_huge_rep)
{
	char *dir = path_in(tmpdir, "huge"), *res = path_in(dir, "results.csv");

	CHECK(gb_mkdir_p(dir) == 0);
	write_text(res, RES_HEAD RES_ROW("w.cpu.b1.f32.c0", "wall_ns", "ns"));
	fprintf(stderr, "# expected errors follow\n");
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,4000000000,1\n") == -1);
	CHECK(read_samples(dir, "w.cpu.b1.f32.c0,wall_ns,4294967295,1\n") == -1);
	/* more cells, or metrics of a cell, than any run has: each cell reserves room */
	{
		size_t cap = 64 * (size_t)GB_RESULTS_MAX_CELLS + 256, len = 0;
		char *text = gb_xmalloc(cap);

		len += (size_t)snprintf(text, cap, "%s", RES_HEAD);
		for (int i = 0; i <= GB_RESULTS_MAX_CELLS; i++)
			len += (size_t)snprintf(text + len, cap - len, "c%d,w,cpu,,1,f32,0,m,ns,measured"
						",,,,,,,,,,\n", i);
		write_text(res, text);
		CHECK(read_samples(dir, "") == -1);
		len = (size_t)snprintf(text, cap, "%s", RES_HEAD);
		for (int i = 0; i <= GB_RESULTS_MAX_METRICS; i++)
			len += (size_t)snprintf(text + len, cap - len, "c,w,cpu,,1,f32,0,m%d,ns,measured"
						",,,,,,,,,,\n", i);
		write_text(res, text);
		CHECK(read_samples(dir, "") == -1);
		free(text);
	}
	free(res);
	free(dir);
}

static void copy_text(const char *from, const char *to)
{
	char *t = gb_read_file(from, NULL);

	CHECK(t != NULL);
	if (t)
		write_text(to, t);
	free(t);
}

static int read_ok(const char *dir)
{
	struct gb_results r = { 0 };
	int rc = gb_results_read(&r, dir);

	gb_results_release(&r);
	return rc == 0;
}

/*
 * meta.json lists every file with its size and hash: a directory holding
 * another run's CSVs beside it (a run killed while writing into a reused
 * --out) or edited ones is refused, naming the file; one without a
 * manifest is read as before.
 */
TEST(manifest_checked)
{
	struct gb_results r, other;
	char *dir = path_in(tmpdir, "man"), *odir = path_in(tmpdir, "man-other");
	char *sam = path_in(dir, "samples.csv"), *osam = path_in(odir, "samples.csv");
	char *hist = path_in(dir, "hist/decode.vulkan.b8.q8.c4096.hgrm");
	char *stray = path_in(dir, "hist/stray.cpu.b1.f32.c0.hgrm");
	char *mrc = path_in(dir, "mrc.csv"), *acc = path_in(dir, "accuracy.csv");
	char *metap = path_in(dir, "meta.json"), *keep = path_in(tmpdir, "man-samples.csv");
	json_t *meta = make_meta(), *m, *files;
	json_error_t err;

	build(&r);
	CHECK(gb_results_write(&r, dir, meta) == 0);
	m = json_load_file(metap, 0, &err);
	files = json_object_get(json_object_get(m, "manifest"), "files");
	CHECK(json_object_size(files) == 5);     /* three CSVs and the one histogram, .hgrm and .hlog */
	CHECK(json_object_get(files, "hist/decode.vulkan.b8.q8.c4096.hlog") != NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(files, "samples.csv"), "size")) > 0);
	CHECK(json_string_value(json_object_get(json_object_get(files, "results.csv"), "fnv1a")) &&
	      strlen(json_string_value(json_object_get(json_object_get(files, "results.csv"),
						       "fnv1a"))) == 16);
	CHECK(json_object_get(files, "hist/decode.vulkan.b8.q8.c4096.hgrm") != NULL);
	CHECK(read_ok(dir));
	/* another run's samples.csv beside this meta.json */
	build(&other);
	other.cells[1].metrics[0].v[0] = 4;
	CHECK(gb_results_write(&other, odir, NULL) == 0);
	copy_text(sam, keep);
	copy_text(osam, sam);
	fprintf(stderr, "# expected errors follow\n");
	CHECK(!read_ok(dir));
	copy_text(keep, sam);
	CHECK(read_ok(dir));
	/* an edited histogram; a histogram, mrc.csv or accuracy.csv it does not list */
	write_text(stray, "x\n");
	CHECK(!read_ok(dir));
	unlink(stray);
	copy_text(hist, keep);
	write_text(hist, "edited\n");
	CHECK(!read_ok(dir));
	copy_text(keep, hist);
	write_text(mrc, "workload,capacity,hit_rate\n");
	CHECK(!read_ok(dir));
	unlink(mrc);
	copy_text(acc, keep);
	unlink(acc);
	CHECK(!read_ok(dir));                    /* listed, and gone */
	copy_text(keep, acc);
	CHECK(read_ok(dir));
	unlink(hist);
	CHECK(read_ok(dir));                     /* a baseline keeps no hist/ */
	/* a manifest naming a path outside the directory */
	json_object_set_new(files, "../../etc/passwd", json_pack("{s:i, s:s}", "size", 1, "fnv1a", "0"));
	CHECK(json_dump_file(m, metap, 0) == 0);
	CHECK(!read_ok(dir));
	/* no manifest (an older run, a committed baseline): read without the check */
	json_object_del(m, "manifest");
	CHECK(json_dump_file(m, metap, 0) == 0);
	copy_text(osam, sam);
	CHECK(read_ok(dir));
	json_decref(m);
	json_decref(meta);
	gb_results_release(&r);
	gb_results_release(&other);
	free(dir);
	free(odir);
	free(sam);
	free(osam);
	free(hist);
	free(stray);
	free(mrc);
	free(acc);
	free(metap);
	free(keep);
}

/* A pid that is no longer alive: a child that has exited and been reaped. */
static long dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return (long)p;
}

/*
 * A run's directory goes in place as a whole: written into a staging
 * folder beside it, swapped in; nothing of the old one stays (its mrc.csv,
 * its histograms); staging folders of dead writers are removed, a live
 * one's kept; a folder holding the user's own files is written in place.
 */
TEST(stage_and_publish)
{
	struct gb_results r, other;
	char *dir = path_in(tmpdir, "pub"), *mrc = path_in(dir, "mrc.csv");
	char *dead = gb_xasprintf("%s/.pub.staging.%ld", tmpdir, dead_pid());
	char *dead_old = gb_xasprintf("%s/.pub.staging.%ld.old", tmpdir, dead_pid());
	char *live = gb_xasprintf("%s/.pub.staging.%ld", tmpdir, (long)getppid());
	char *mine = gb_xasprintf("%s/.pub.staging.%ld", tmpdir, (long)getpid());
	char *user = path_in(tmpdir, "user"), *note = path_in(user, "notes.txt");
	char *stage;
	json_t *meta = make_meta();

	build(&r);
	CHECK(gb_mkdir_p(dir) == 0);
	write_text(mrc, "workload,capacity,hit_rate\n");   /* a run writes it first */
	CHECK(gb_results_write(&r, dir, meta) == 0);
	CHECK(gb_mkdir_p(dead) == 0 && gb_mkdir_p(dead_old) == 0 && gb_mkdir_p(live) == 0);
	stage = gb_results_stage(dir);
	CHECK(stage && !strcmp(stage, mine) && gb_is_dir(stage));
	CHECK(!gb_file_exists(dead) && !gb_file_exists(dead_old));
	CHECK(gb_is_dir(live));
	/* a killed writer leaves the old directory whole */
	CHECK(read_ok(dir) && gb_file_exists(mrc));
	build(&other);
	gb_results_release(&other);
	memset(&other, 0, sizeof(other));
	gb_metric_push(gb_cell_metric(gb_results_add(&other, NULL, "new", "cpu", NULL, 1, GB_Q_F32, 0),
				      "wall_ns", "ns", GB_SRC_MEASURED), 3);
	CHECK(gb_results_write(&other, stage, meta) == 0);
	CHECK(gb_results_publish(stage, dir) == 0);
	CHECK(!gb_file_exists(stage));
	CHECK(!gb_file_exists(mrc));             /* the old run's parts went with it */
	{
		struct gb_results back = { 0 };
		char *h = path_in(dir, "hist");

		CHECK(gb_results_read(&back, dir) == 0 && back.n == 1 &&
		      !strcmp(back.cells[0].id, "new.cpu.b1.f32.c0"));
		CHECK(!gb_file_exists(h));
		gb_results_release(&back);
		free(h);
	}
	free(stage);
	/* a new target: renamed into place */
	rmdir(live);
	{
		char *fresh = path_in(tmpdir, "fresh/nested/");

		stage = gb_results_stage(fresh);
		CHECK(stage && gb_results_write(&other, stage, meta) == 0 &&
		      gb_results_publish(stage, fresh) == 0 && read_ok(fresh));
		free(stage);
		free(fresh);
	}
	/* the user's own folder: written in place, our old parts removed first */
	CHECK(gb_mkdir_p(user) == 0);
	write_text(note, "mine\n");
	CHECK(gb_results_write(&r, user, meta) == 0);
	free(mrc);
	mrc = path_in(user, "mrc.csv");
	write_text(mrc, "workload,capacity,hit_rate\n");
	fprintf(stderr, "# an expected warning follows\n");
	stage = gb_results_stage(user);
	CHECK(stage && !strcmp(stage, user) && !gb_file_exists(mrc) && gb_file_exists(note));
	CHECK(stage && gb_results_write(&other, stage, meta) == 0 &&
	      gb_results_publish(stage, user) == 0 && read_ok(user) && gb_file_exists(note));
	free(stage);
	json_decref(meta);
	gb_results_release(&r);
	gb_results_release(&other);
	free(dir);
	free(mrc);
	free(dead);
	free(dead_old);
	free(live);
	free(mine);
	free(user);
	free(note);
}

TEST(cell_helpers)
{
	struct gb_results r;
	struct gb_cell_result *c;
	struct gb_metric *first, *again;
	char *id = gb_cell_id("my trace/x", "cpu", 32, GB_Q_Q4, 0);
	int i;

	CHECK_STR(id, "my_trace_x.cpu.b32.q4.c0");
	free(id);
	memset(&r, 0, sizeof(r));
	c = gb_results_add(&r, NULL, "w", "vulkan", NULL, 1, GB_Q_F16, 64);
	CHECK_STR(c->id, "w.vulkan.b1.f16.c64");
	first = gb_cell_metric(c, "m0", NULL, GB_SRC_MEASURED);
	CHECK_STR(first->unit, "");
	for (i = 1; i < GB_CELL_METRICS_RESERVED; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%d", i);
		gb_cell_metric(c, name, "count", GB_SRC_MEASURED);
	}
	again = gb_cell_metric(c, "m0", "other", GB_SRC_SCALED);
	CHECK(again == first && again->source == GB_SRC_MEASURED);
	/* Past the reserve the array grows; every metric is still there. */
	for (i = GB_CELL_METRICS_RESERVED; i < 300; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%d", i);
		gb_metric_push(gb_cell_metric(c, name, "count", GB_SRC_MEASURED), i);
	}
	CHECK(c->nmetrics == 300);
	CHECK(c->metrics[299].v[0] == 299);
	for (i = 0; i < 20; i++)
		gb_cell_add_accuracy(c, "op", "f64", "nmse", i, 1, 1);
	CHECK(c->nacc == 20 && c->acc[19].value == 19);
	CHECK(c->invalid == NULL);
	gb_cell_invalid(c, "a");
	gb_cell_invalid(c, "b");
	CHECK(c->invalid && !strcmp(c->invalid[0], "a") && !strcmp(c->invalid[1], "b") &&
	      c->invalid[2] == NULL);
	CHECK_STR(gb_source_name(GB_SRC_MEASURED), "measured");
	CHECK_STR(gb_source_name(GB_SRC_SCALED), "scaled");
	CHECK_STR(gb_source_name(GB_SRC_SIMULATED), "simulated");
	CHECK_STR(gb_source_name(GB_SRC_UNAVAILABLE), "unavailable");
	gb_results_release(&r);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(write_and_read_every_file);
	RUN(round_trip);
	RUN(read_rejects_bad_input);
	RUN(read_says_the_first_error_only);
	RUN(cell_helpers);
	RUN(read_refuses_bad_values);
	RUN(manifest_checked);
	RUN(stage_and_publish);
	RUN(read_refuses_huge_rep);
	{
		char *cmd = gb_xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			printf("# cannot remove %s\n", tmpdir);
		free(cmd);
	}
	return unit_done();
}
