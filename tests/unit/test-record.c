/*
 * test-record.c - the recording subsystem's units under the sanitizers:
 * BLAS calls to matmul shapes (storage orders, transposes, leading
 * dimensions the BLAS would reject), weight names, the row formatter, and
 * the recording API - what it writes loads with trace.c, what it refuses
 * is not written, threads get streams of their own, and a process killed
 * without closing leaves a valid trace.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsio.h"
#include "gbench.h"
#include "gbrecord.h"
#include "rec-map.h"
#include "rec-writer.h"
#include "trace.h"
#include "unit.h"

static char tmpdir[] = "/tmp/gbench-test-record.XXXXXX";

static const char *tmp_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static const float buf_a[1], buf_b[1];

TEST(gemm_shapes)
{
	struct gb_rec_call c = { 0 };

	/* Row major, no transposes: y (4 x 16) = x (4 x 8) w (8 x 16). */
	CHECK(gb_rec_map_gemm(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      4, 16, 8, buf_a, 8, buf_b, 16, 16, &c) == GB_REC_MAPPED);
	CHECK(c.m == 4 && c.n == 16 && c.k == 8 && c.w == buf_b);
	/* Transposes change the storage, not m, n, k: B stored n x k, ldb >= k. */
	CHECK(gb_rec_map_gemm(GB_CBLAS_ROW_MAJOR, GB_CBLAS_TRANS, GB_CBLAS_TRANS,
			      4, 16, 8, buf_a, 4, buf_b, 8, 16, &c) == GB_REC_MAPPED);
	CHECK(c.m == 4 && c.n == 16 && c.k == 8);
	/* Row major B (no transpose) needs ldb >= n: 8 is too small. */
	CHECK(gb_rec_map_gemm(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      4, 16, 8, buf_a, 8, buf_b, 8, 16, &c) == GB_REC_MAP_INVALID);
	/* Column major: A m x k (lda >= m), B k x n (ldb >= k), C m x n (ldc >= m). */
	CHECK(gb_rec_map_gemm(GB_CBLAS_COL_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      4, 16, 8, buf_a, 4, buf_b, 8, 4, &c) == GB_REC_MAPPED);
	CHECK(gb_rec_map_gemm(GB_CBLAS_COL_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      4, 16, 8, buf_a, 3, buf_b, 8, 4, &c) == GB_REC_MAP_INVALID);
	CHECK(gb_rec_map_gemm(GB_CBLAS_COL_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_CONJ_TRANS,
			      4, 16, 8, buf_a, 4, buf_b, 16, 4, &c) == GB_REC_MAPPED);
	CHECK(gb_rec_map_gemm(GB_CBLAS_COL_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_TRANS,
			      4, 16, 8, buf_a, 4, buf_b, 8, 4, &c) == GB_REC_MAP_INVALID);
	/* Nothing to compute, too large, nonsense. */
	CHECK(gb_rec_map_gemm(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      0, 16, 8, buf_a, 8, buf_b, 16, 16, &c) == GB_REC_MAP_EMPTY);
	CHECK(gb_rec_map_gemm(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      70000, 16, 8, buf_a, 8, buf_b, 16, 16, &c) == GB_REC_MAP_LIMIT);
	CHECK(gb_rec_map_gemm(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      16, 16384, 16384, buf_a, 16384, buf_b, 16384, 16384, &c) ==
	      GB_REC_MAP_LIMIT);
	CHECK(gb_rec_map_gemm(7, GB_CBLAS_NO_TRANS, GB_CBLAS_NO_TRANS,
			      4, 16, 8, buf_a, 8, buf_b, 16, 16, &c) == GB_REC_MAP_INVALID);
	CHECK(gb_rec_map_gemm(GB_CBLAS_ROW_MAJOR, -1, GB_CBLAS_NO_TRANS,
			      4, 16, 8, buf_a, 8, buf_b, 16, 16, &c) == GB_REC_MAP_INVALID);
}

TEST(gemv_shapes)
{
	struct gb_rec_call c = { 0 };

	/* A 48 x 40: y = A x has 48 elements from 40. */
	CHECK(gb_rec_map_gemv(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, 48, 40, buf_a, 40, 1, 1,
			      &c) == GB_REC_MAPPED);
	CHECK(c.m == 1 && c.n == 48 && c.k == 40 && c.w == buf_a);
	CHECK(gb_rec_map_gemv(GB_CBLAS_COL_MAJOR, GB_CBLAS_TRANS, 48, 40, buf_a, 48, 1, 1,
			      &c) == GB_REC_MAPPED);
	CHECK(c.m == 1 && c.n == 40 && c.k == 48);
	CHECK(gb_rec_map_gemv(GB_CBLAS_COL_MAJOR, GB_CBLAS_TRANS, 48, 40, buf_a, 40, 1, 1,
			      &c) == GB_REC_MAP_INVALID);
	CHECK(gb_rec_map_gemv(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, 48, 40, buf_a, 40, 0, 1,
			      &c) == GB_REC_MAP_INVALID);
	CHECK(gb_rec_map_gemv(GB_CBLAS_ROW_MAJOR, GB_CBLAS_NO_TRANS, 48, 0, buf_a, 40, 1, 1,
			      &c) == GB_REC_MAP_EMPTY);
	CHECK(gb_rec_map_trans_char("n") == GB_CBLAS_NO_TRANS);
	CHECK(gb_rec_map_trans_char("T") == GB_CBLAS_TRANS);
	CHECK(gb_rec_map_trans_char("c") == GB_CBLAS_CONJ_TRANS);
	CHECK(gb_rec_map_trans_char("x") == -1);
}

TEST(weight_names)
{
	static const float w1[4], w2[4];
	uint32_t ids = 0;

	CHECK(gb_rec_map_tensor(w1, 8, 4, &ids) == 0);
	CHECK(gb_rec_map_tensor(w2, 8, 4, &ids) == 1);
	CHECK(gb_rec_map_tensor(w1, 8, 4, &ids) == 0);
	/* The same buffer as another shape is another weight. */
	CHECK(gb_rec_map_tensor(w1, 4, 8, &ids) == 2);
	CHECK(gb_rec_map_tensor(w2, 8, 4, &ids) == 1);
	CHECK(ids == 3);
}

TEST(row_format)
{
	char buf[GB_REC_ROW_MAX], longname[300];
	size_t n;

	n = gb_rec_format_row(buf, 12345, 3, "matmul", 1, 4096, 4096, 0, "blk0.wq", NULL);
	CHECK(n == strlen("12345,3,matmul,1,4096,4096,0,blk0.wq,\n"));
	CHECK(!strncmp(buf, "12345,3,matmul,1,4096,4096,0,blk0.wq,\n", n));
	n = gb_rec_format_row(buf, 0, 0, "topk", 1, 8, 4, 2, "a,\"b\"", " k ");
	CHECK(!strncmp(buf, "0,0,topk,1,8,4,2,\"a,\"\"b\"\"\",\" k \"\n", n));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(gb_rec_format_row(buf, 0, 0, "matmul", 1, 1, 1, 0, longname, NULL) == 0);
	/* The worst case fits: quotes doubled on both names of 255 bytes. */
	memset(longname, '"', GB_REC_NAME_MAX);
	longname[GB_REC_NAME_MAX] = '\0';
	n = gb_rec_format_row(buf, UINT64_MAX, INT32_MAX, "rmsnorm", UINT32_MAX, UINT32_MAX,
			      UINT32_MAX, UINT32_MAX, longname, longname);
	CHECK(n > 0 && n <= GB_REC_ROW_MAX);
}

/* Load a trace quietly (its errors, when a check fails, are the interesting part). */
static int load(const char *path, struct gb_trace *t)
{
	unsigned nerr = 0;

	return gb_trace_load(path, t, &nerr);
}

TEST(api_every_op)
{
	const char *path = tmp_path("ops.csv");
	struct gb_recorder *r = gb_recorder_open(path, "test-record\nline two");
	struct gb_trace t;

	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(!gb_recorder_record(r, GB_REC_MATMUL, (struct gb_rec_shape){ 1, 64, 32, 0 },
				  "blk0.wq", NULL));
	CHECK(!gb_recorder_record(r, GB_REC_SOFTMAX, (struct gb_rec_shape){ 4, 16, 0, 0 },
				  "ignored", "s1"));
	CHECK(!gb_recorder_record(r, GB_REC_RMSNORM, (struct gb_rec_shape){ 2, 64, 0, 0 }, NULL, ""));
	CHECK(!gb_recorder_record(r, GB_REC_SILU, (struct gb_rec_shape){ 1, 128, 0, 0 }, NULL, NULL));
	CHECK(!gb_recorder_record(r, GB_REC_REDUCE, (struct gb_rec_shape){ 3, 10, 0, 0 }, NULL, NULL));
	CHECK(!gb_recorder_record(r, GB_REC_TOPK, (struct gb_rec_shape){ 1, 100, 16, 5 },
				  "db, v2", "q\"1\""));
	CHECK(!gb_recorder_record(r, GB_REC_FFT, (struct gb_rec_shape){ 2, 256, 0, 0 }, NULL, NULL));
	CHECK(!strcmp(gb_recorder_error(r), ""));
	CHECK(gb_recorder_close(r) == 0);

	CHECK(load(path, &t) == 0);
	CHECK(t.n == 7);
	if (t.n == 7) {
		CHECK(t.req[0].shape.op == GB_OP_MATMUL && t.req[0].shape.n == 64 &&
		      t.req[0].shape.k == 32);
		CHECK_STR(t.req[0].tensor, "blk0.wq");
		CHECK_STR(t.req[1].tensor, "");      /* softmax has no persistent operand */
		CHECK_STR(t.req[1].key, "s1");
		CHECK(t.req[5].shape.op == GB_OP_TOPK && t.req[5].shape.p == 5);
		CHECK_STR(t.req[5].tensor, "db, v2");
		CHECK_STR(t.req[5].key, "q\"1\"");
		CHECK(t.req[6].shape.op == GB_OP_FFT && t.req[6].shape.n == 256);
		for (size_t i = 1; i < t.n; i++)
			CHECK(t.req[i].arrival_ns >= t.req[i - 1].arrival_ns);
	}
	CHECK_STR(gb_trace_meta_get(&t, "source"), "test-record line two");
	CHECK(gb_trace_meta_get(&t, "recorder") != NULL);
	gb_trace_release(&t);
}

TEST(api_refuses)
{
	const char *path = tmp_path("refused.csv");
	struct gb_recorder *r = gb_recorder_open(path, NULL);
	struct gb_trace t;
	char longname[300];

	CHECK(r != NULL);
	if (!r)
		return;
	errno = 0;
	CHECK(gb_recorder_record(r, GB_REC_MATMUL, (struct gb_rec_shape){ 1, 64, 32, 0 }, NULL,
				 NULL) == -1 && errno == EINVAL);
	CHECK(strstr(gb_recorder_error(r), "needs a tensor name") != NULL);
	CHECK(gb_recorder_record(r, GB_REC_SOFTMAX, (struct gb_rec_shape){ 4, 16, 2, 0 }, NULL,
				 NULL) == -1);
	CHECK(strstr(gb_recorder_error(r), "k is 2; softmax does not use k") != NULL);
	CHECK(gb_recorder_record(r, GB_REC_FFT, (struct gb_rec_shape){ 1, 12, 0, 0 }, NULL,
				 NULL) == -1);
	CHECK(strstr(gb_recorder_error(r), "not a power of two") != NULL);
	CHECK(gb_recorder_record(r, GB_REC_TOPK, (struct gb_rec_shape){ 1, 4, 8, 5 }, "db",
				 NULL) == -1);
	CHECK(gb_recorder_record(r, GB_REC_MATMUL, (struct gb_rec_shape){ 0, 4, 8, 0 }, "w",
				 NULL) == -1);
	CHECK(gb_recorder_record(r, GB_REC_MATMUL, (struct gb_rec_shape){ 70000, 4, 8, 0 }, "w",
				 NULL) == -1);
	CHECK(gb_recorder_record(r, (enum gb_rec_op)42, (struct gb_rec_shape){ 1, 4, 0, 0 }, NULL,
				 NULL) == -1);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(gb_recorder_record(r, GB_REC_MATMUL, (struct gb_rec_shape){ 1, 4, 8, 0 }, longname,
				 NULL) == -1);
	/* One accepted row, so the file is a trace at all. */
	CHECK(!gb_recorder_record(r, GB_REC_SILU, (struct gb_rec_shape){ 1, 4, 0, 0 }, NULL, NULL));
	CHECK(gb_recorder_close(r) == 0);
	CHECK(load(path, &t) == 0);
	CHECK(t.n == 1);
	CHECK(gb_trace_meta_get(&t, "source") == NULL);
	gb_trace_release(&t);
	CHECK(gb_recorder_open(tmp_path("no/such/dir/x.csv"), NULL) == NULL && errno == ENOENT);
	CHECK(gb_recorder_close(NULL) == 0);
}

#define THREADS 4
#define ROWS 300

static struct gb_recorder *shared_rec;

static void *record_rows(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < ROWS; i++)
		bad += gb_recorder_record(shared_rec, GB_REC_MATMUL,
					  (struct gb_rec_shape){ 1, 8, 8, 0 }, "w", NULL) != 0;
	return (void *)bad;
}

TEST(api_threads)
{
	const char *path = tmp_path("threads.csv");
	pthread_t th[THREADS];
	uint32_t count[64] = { 0 };
	struct gb_trace t;
	int distinct = 0;
	void *bad;

	shared_rec = gb_recorder_open(path, "threads");
	CHECK(shared_rec != NULL);
	if (!shared_rec)
		return;
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, record_rows, NULL) == 0);
	for (int i = 0; i < THREADS; i++) {
		CHECK(pthread_join(th[i], &bad) == 0);
		CHECK(bad == NULL);
	}
	CHECK(gb_recorder_close(shared_rec) == 0);
	/* trace.c checks that the arrivals never decrease. */
	CHECK(load(path, &t) == 0);
	CHECK(t.n == THREADS * ROWS);
	for (size_t i = 0; i < t.n; i++)
		if (t.req[i].stream < 64 && !count[t.req[i].stream]++)
			distinct++;
	CHECK(distinct == THREADS);
	for (int s = 0; s < 64; s++)
		CHECK(count[s] == 0 || count[s] == ROWS);
	gb_trace_release(&t);
}

/* A process killed without gb_recorder_close leaves every row it recorded. */
TEST(api_killed)
{
	const char *path = tmp_path("killed.csv");
	struct gb_trace t;
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct gb_recorder *r = gb_recorder_open(path, "killed");

		for (int i = 0; r && i < 5; i++)
			gb_recorder_record(r, GB_REC_REDUCE, (struct gb_rec_shape){ 1, 16, 0, 0 },
					   NULL, NULL);
		raise(SIGKILL);
		_exit(1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(load(path, &t) == 0);
	CHECK(t.n == 5);
	gb_trace_release(&t);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(gemm_shapes);
	RUN(gemv_shapes);
	RUN(weight_names);
	RUN(row_format);
	RUN(api_every_op);
	RUN(api_refuses);
	RUN(api_threads);
	RUN(api_killed);
	if (gb_rm_tree(tmpdir) < 0)
		printf("# could not remove %s\n", tmpdir);
	return unit_done();
}
