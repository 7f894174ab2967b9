/*
 * test-kernels.c - the CPU executor and its kernels against the float64
 * oracle: every op at every quantization on odd sizes, within the NMSE
 * budgets of DESIGN.md section 8; top-k ties; the FFT against a direct DFT;
 * reduce on cancelling input; identical bits with 1 and 3 threads, with
 * any batch size and with any block or k-panel size of the matrix product.
 * The suite runs once per SIMD level the CPU has (portable C, AVX2, AVX-512).
 */
#include <dirent.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "datagen.h"
#include "executor.h"
#include "gbench.h"
#include "gemm/gemm.h"
#include "kernels.h"
#include "op.h"
#include "oracle.h"
#include "quant.h"
#include "unit.h"

#define SEED 42

static struct gb_executor ex1, ex3;

/* The outputs of one executor call, with the oracle's. */
struct result {
	struct gb_shape s;
	float *y;
	uint32_t *idx;
	double *ref;
	uint32_t *ref_idx;
	double nmse, recall;
	int rc;
};

static void result_free(struct result *r)
{
	free(r->y);
	free(r->idx);
	free(r->ref);
	free(r->ref_idx);
	memset(r, 0, sizeof(*r));
}

/* Run shape s at quant q on ex; compare with the oracle when ref is set. */
static void run_one(struct gb_executor *ex, struct gb_shape s, enum gb_quant q,
		    const float *xin, struct result *res, int ref)
{
	size_t nin = gb_shape_in_floats(&s), nout = gb_shape_out_floats(&s);
	float *x = malloc((nin ? nin : 1) * sizeof(float));
	float *w32 = NULL;
	struct gb_weights w;
	void *h = NULL;
	struct gb_exec_call c;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	res->s = s;
	if (xin)
		memcpy(x, xin, nin * sizeof(float));
	else
		gb_datagen_input(x, &s, SEED, "t", "key", 0);
	if (gb_op_has_weights(s.op)) {
		w32 = malloc((size_t)s.n * s.k * sizeof(float));
		gb_datagen_weights(w32, s.op, s.n, s.k, SEED, "t");
		CHECK(gb_weights_quantize(&w, q, w32, s.n, s.k) == 0);
		CHECK(ex->iface->weights_upload(ex, &w, &h) == 0);
	}
	res->y = calloc(nout ? nout : 1, sizeof(float));
	if (s.op == GB_OP_TOPK)
		res->idx = calloc((size_t)s.m * s.p, sizeof(uint32_t));
	memset(&c, 0, sizeof(c));
	c.shape = s;
	c.quant = q;
	c.x = x;
	c.weights = h;
	c.y = res->y;
	c.idx = res->idx;
	res->rc = ex->iface->run(ex, &c, NULL);
	CHECK(res->rc == 0);
	if (ref) {
		struct gb_nmse acc;

		memset(&acc, 0, sizeof(acc));
		res->ref = malloc((nout ? nout : 1) * sizeof(double));
		if (s.op == GB_OP_TOPK)
			res->ref_idx = malloc((size_t)s.m * s.p * sizeof(uint32_t));
		CHECK(gb_oracle_run(&s, x, w32, res->ref, res->ref_idx) == 0);
		if (s.op == GB_OP_TOPK) {
			struct gb_recall rc = { 0, 0 };

			gb_recall_add(&rc, res->ref_idx, res->idx, s.m, s.p);
			res->recall = gb_recall_value(&rc);
			/* scores: compare only slots with a real candidate */
			for (size_t i = 0; i < nout; i++)
				if (res->ref_idx[i] != UINT32_MAX)
					gb_nmse_add(&acc, res->ref + i, res->y + i, 1);
		} else {
			gb_nmse_add(&acc, res->ref, res->y, nout);
		}
		res->nmse = gb_nmse_value(&acc);
	}
	if (h)
		ex->iface->weights_free(ex, h);
	gb_weights_release(&w);
	free(w32);
	free(x);
}

static struct gb_shape shape(enum gb_op op, uint32_t m, uint32_t n, uint32_t k, uint32_t p)
{
	struct gb_shape s = { op, m, n, k, p };

	return s;
}

static void expect_nmse(const struct result *r, enum gb_quant q)
{
	double b = gb_budget_nmse_f64(q);

	if (!(r->nmse <= b))
		printf("#   %s m=%u n=%u k=%u %s: nmse %.3g > %.3g\n", gb_op_name(r->s.op),
		       r->s.m, r->s.n, r->s.k, gb_quant_name(q), r->nmse, b);
	CHECK(r->nmse <= b);
}

/*
 * One output of a quantized dot product is a single noisy sample (a dot
 * product near zero has a large relative error), so the budget applies to
 * the NMSE over all shapes of a quant, as the replay accumulates it over a
 * cell; f32 must hold it on every shape.
 */
TEST(matmul_all_quants_odd_sizes)
{
	static const uint32_t ms[] = { 1, 3 }, ns[] = { 1, 3, 33 };
	static const uint32_t ks[] = { 1, 3, 31, 33, 4097 };

	for (int q = 0; q < GB_Q_COUNT; q++) {
		struct gb_nmse all;

		memset(&all, 0, sizeof(all));
		for (size_t a = 0; a < 2; a++)
			for (size_t b = 0; b < 3; b++)
				for (size_t c = 0; c < 5; c++) {
					struct result r;
					size_t nout;

					run_one(&ex3, shape(GB_OP_MATMUL, ms[a], ns[b], ks[c], 0),
						(enum gb_quant)q, NULL, &r, 1);
					nout = gb_shape_out_floats(&r.s);
					gb_nmse_add(&all, r.ref, r.y, nout);
					if (q == GB_Q_F32)
						expect_nmse(&r, GB_Q_F32);
					CHECK(!isnan(r.nmse));
					result_free(&r);
				}
		printf("#   matmul odd sizes %s: nmse %.3g\n", gb_quant_name((enum gb_quant)q),
		       gb_nmse_value(&all));
		CHECK(gb_nmse_value(&all) <= gb_budget_nmse_f64((enum gb_quant)q));
	}
}

/*
 * The blocked product (bench/gemm/) at odd shapes around its block and tile
 * sizes: weight blocks forced down to 4 and 8 rows, m around the 3-row tile,
 * n around the block, k not a multiple of 32, on 3 threads (rows split as
 * well as columns when the columns run short). Each output is checked
 * against the oracle (f32 per shape, the others over all shapes, as
 * matmul_all_quants_odd_sizes) and must have the bits of the unblocked
 * product on one thread.
 */
TEST(gemm_blocks_odd_shapes)
{
	static const uint32_t ms[] = { 2, 3, 4, 5, 6, 7, 10, 13 }, ns[] = { 3, 4, 7, 8, 9, 17 };
	static const uint32_t ks[] = { 31, 33, 95 }, rows[] = { 4, 8 };

	for (int q = 0; q < GB_Q_COUNT; q++) {
		struct gb_nmse all;
		int same = 1;

		memset(&all, 0, sizeof(all));
		for (size_t a = 0; a < GB_ARRAY_SIZE(ms); a++)
			for (size_t b = 0; b < GB_ARRAY_SIZE(ns); b++)
				for (size_t c = 0; c < GB_ARRAY_SIZE(ks); c++) {
					struct gb_shape s = shape(GB_OP_MATMUL, ms[a], ns[b], ks[c], 0);
					uint32_t kp = (ks[c] + 31) / 32 * 32;
					size_t nout = gb_shape_out_floats(&s);
					struct result whole, r;

					gb_gemm_set_block_bytes(0);
					CHECK(gb_gemm_block_rows(kp) >= 16);  /* one block */
					run_one(&ex1, s, (enum gb_quant)q, NULL, &whole, 0);
					for (size_t d = 0; d < GB_ARRAY_SIZE(rows); d++) {
						gb_gemm_set_block_bytes((size_t)rows[d] * kp * sizeof(float));
						CHECK(gb_gemm_block_rows(kp) == rows[d]);
						run_one(&ex3, s, (enum gb_quant)q, NULL, &r, 1);
						gb_nmse_add(&all, r.ref, r.y, nout);
						if (q == GB_Q_F32)
							expect_nmse(&r, GB_Q_F32);
						if (memcmp(r.y, whole.y, nout * sizeof(float)) != 0) {
							printf("#   m=%u n=%u k=%u %s, blocks of %u rows: "
							       "bits differ from one block\n", s.m, s.n,
							       s.k, gb_quant_name((enum gb_quant)q), rows[d]);
							same = 0;
						}
						result_free(&r);
					}
					result_free(&whole);
				}
		gb_gemm_set_block_bytes(0);
		printf("#   gemm blocks %s: nmse %.3g\n", gb_quant_name((enum gb_quant)q),
		       gb_nmse_value(&all));
		CHECK(same);
		CHECK(gb_nmse_value(&all) <= gb_budget_nmse_f64((enum gb_quant)q));
	}
}

/*
 * k in panels (bench/gemm/, opt-in): panels of 32, 64 and 1152 floats, k
 * around each (one panel, two, an uneven last one), odd m and n,
 * blocks of 4 rows as well, on 3 threads. Each output is checked against the
 * oracle and must have the bits of the one-panel, one-block product on one
 * thread: the accumulators carry across panels in the order of one pass.
 */
TEST(gemm_panels_keep_bits)
{
	static const uint32_t ms[] = { 3, 5, 6, 7, 10, 13 }, ns[] = { 4, 9 }, forced[] = { 32, 64, 1152 };
	static const uint32_t ks[] = { 31, 63, 65, 95, 129, 1151, 1153, 2337 };

	gb_gemm_set_panel_floats(UINT32_MAX);
	CHECK(gb_gemm_panel_floats(1u << 20) == 1u << 20);  /* one panel */
	gb_gemm_set_panel_floats(0);                        /* the level's default: */
	if (gb_kern_simd() == GB_SIMD_AVX512)               /* panels that fit L1d */
		CHECK(gb_gemm_panel_floats(1u << 20) <= 16384);
	else
		CHECK(gb_gemm_panel_floats(1u << 20) == 1u << 20);
	gb_gemm_set_panel_floats(1152);
	CHECK(gb_gemm_panel_floats(1152) == 1152);
	CHECK(gb_gemm_panel_floats(1184) == 608);           /* two equal panels */
	CHECK(gb_gemm_panel_floats(2368) == 800);           /* 800, 800, 768 */
	for (int q = 0; q < GB_Q_COUNT; q++) {
		struct gb_nmse all;
		int same = 1;

		memset(&all, 0, sizeof(all));
		for (size_t a = 0; a < GB_ARRAY_SIZE(ms); a++)
			for (size_t b = 0; b < GB_ARRAY_SIZE(ns); b++)
				for (size_t c = 0; c < GB_ARRAY_SIZE(ks); c++) {
					struct gb_shape s = shape(GB_OP_MATMUL, ms[a], ns[b], ks[c], 0);
					uint32_t kp = (ks[c] + 31) / 32 * 32;
					size_t nout = gb_shape_out_floats(&s);
					struct result whole, r;

					gb_gemm_set_block_bytes(0);
					gb_gemm_set_panel_floats(UINT32_MAX);
					run_one(&ex1, s, (enum gb_quant)q, NULL, &whole, 0);
					for (size_t d = 0; d < 2 * GB_ARRAY_SIZE(forced); d++) {
						uint32_t f = forced[d / 2], kc;

						gb_gemm_set_panel_floats(f);
						kc = gb_gemm_panel_floats(kp);
						CHECK(kc % 32 == 0 && (kc == kp || kc <= f));
						gb_gemm_set_block_bytes(d % 2 ? 4 * (size_t)kp * sizeof(float) : 0);
						run_one(&ex3, s, (enum gb_quant)q, NULL, &r, 1);
						gb_nmse_add(&all, r.ref, r.y, nout);
						if (q == GB_Q_F32)
							expect_nmse(&r, GB_Q_F32);
						if (memcmp(r.y, whole.y, nout * sizeof(float)) != 0) {
							printf("#   m=%u n=%u k=%u %s, panels of %u, blocks of %u "
							       "rows: bits differ from one panel\n", s.m, s.n,
							       s.k, gb_quant_name((enum gb_quant)q), kc,
							       gb_gemm_block_rows(kp));
							same = 0;
						}
						result_free(&r);
					}
					result_free(&whole);
				}
		gb_gemm_set_block_bytes(0);
		gb_gemm_set_panel_floats(0);
		printf("#   gemm panels %s: nmse %.3g\n", gb_quant_name((enum gb_quant)q),
		       gb_nmse_value(&all));
		CHECK(same);
		CHECK(gb_nmse_value(&all) <= gb_budget_nmse_f64((enum gb_quant)q));
	}
}

TEST(matmul_q4_error_is_real)
{
	struct result r;

	/* q4 must lose something (a quantizer that silently stored f32 would
	 * pass every budget) but stay within its budget. */
	run_one(&ex3, shape(GB_OP_MATMUL, 3, 257, 4097, 0), GB_Q_Q4, NULL, &r, 1);
	printf("#   matmul 3x257x4097 q4 nmse %.3g\n", r.nmse);
	CHECK(r.nmse > 1e-5 && r.nmse < 2e-2);
	result_free(&r);
	run_one(&ex3, shape(GB_OP_MATMUL, 3, 257, 4097, 0), GB_Q_Q8, NULL, &r, 1);
	printf("#   matmul 3x257x4097 q8 nmse %.3g\n", r.nmse);
	CHECK(r.nmse > 1e-7 && r.nmse < 2e-4);
	result_free(&r);
	run_one(&ex3, shape(GB_OP_MATMUL, 3, 257, 4097, 0), GB_Q_F32, NULL, &r, 1);
	printf("#   matmul 3x257x4097 f32 nmse %.3g\n", r.nmse);
	result_free(&r);
}

TEST(elementwise_ops_odd_sizes)
{
	static const enum gb_op ops[] = { GB_OP_SOFTMAX, GB_OP_RMSNORM, GB_OP_SILU, GB_OP_REDUCE };
	static const uint32_t ms[] = { 1, 3 }, ns[] = { 1, 3, 31, 33, 4097 };

	for (size_t o = 0; o < 4; o++)
		for (size_t a = 0; a < 2; a++)
			for (size_t b = 0; b < 5; b++) {
				struct result r;

				run_one(&ex3, shape(ops[o], ms[a], ns[b], 0, 0), GB_Q_F32, NULL, &r, 1);
				expect_nmse(&r, GB_Q_F32);
				result_free(&r);
			}
}

TEST(softmax_rows_sum_to_one)
{
	struct result r;
	float x[2 * 5] = { 1000, 999, -1000, 0, 1000, -3, -3, -3, -3, -3 };

	run_one(&ex1, shape(GB_OP_SOFTMAX, 2, 5, 0, 0), GB_Q_F32, x, &r, 1);
	CHECK_NEAR(r.y[0] + r.y[1] + r.y[2] + r.y[3] + r.y[4], 1.0, 1e-6);
	CHECK_NEAR(r.y[0], r.y[4], 0);
	CHECK_NEAR(r.y[5], 0.2, 1e-7);
	expect_nmse(&r, GB_Q_F32);
	result_free(&r);
}

TEST(reduce_cancelling_input)
{
	enum { N = 4099 };
	float *x = malloc(2 * N * sizeof(float));
	struct result r;
	double exact0 = 0;

	/* Row 0: 1e8, then 1, -1e8, then ones: float summation loses the ones. */
	for (int i = 0; i < N; i++)
		x[i] = i == 0 ? 1e8f : i == 2 ? -1e8f : 1.0f;
	/* Row 1: huge values of alternating sign around tiny ones. */
	for (int i = 0; i < N; i++)
		x[N + i] = i % 3 == 0 ? (i % 2 ? 3e30f : -3e30f) : 1e-3f * (float)(i % 7);
	for (int i = 0; i < N; i++)
		exact0 += x[i];
	run_one(&ex3, shape(GB_OP_REDUCE, 2, N, 0, 0), GB_Q_F32, x, &r, 1);
	CHECK(r.y[0] == (float)exact0);
	CHECK_NEAR(r.y[0], N - 2.0, 0);
	CHECK(isfinite(r.y[1]));
	expect_nmse(&r, GB_Q_F32);
	result_free(&r);
	free(x);
}

/* Direct O(n^2) DFT in double. */
static void dft(const float *x, double *y, uint32_t n)
{
	for (uint32_t f = 0; f < n; f++) {
		double re = 0, im = 0;

		for (uint32_t t = 0; t < n; t++) {
			double a = -2.0 * M_PI * (double)(((uint64_t)f * t) % n) / n;

			re += x[2 * t] * cos(a) - x[2 * t + 1] * sin(a);
			im += x[2 * t] * sin(a) + x[2 * t + 1] * cos(a);
		}
		y[2 * f] = re;
		y[2 * f + 1] = im;
	}
}

TEST(fft_against_direct_dft)
{
	static const uint32_t ns[] = { 1, 2, 4, 8, 16, 64, 1024, 2048 };

	for (size_t t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
		uint32_t n = ns[t], m = n >= 1024 ? 1 : 3;
		struct gb_shape s = shape(GB_OP_FFT, m, n, 0, 0);
		float *x = malloc(2 * (size_t)m * n * sizeof(float));
		double *d = malloc(2 * (size_t)m * n * sizeof(double));
		struct gb_nmse acc, acc_oracle;
		struct result r;

		memset(&acc, 0, sizeof(acc));
		memset(&acc_oracle, 0, sizeof(acc_oracle));
		gb_datagen_input(x, &s, SEED, "fft", "k", 0);
		for (uint32_t i = 0; i < m; i++)
			dft(x + 2 * (size_t)i * n, d + 2 * (size_t)i * n, n);
		run_one(&ex3, s, GB_Q_F32, x, &r, 1);
		gb_nmse_add(&acc, d, r.y, 2 * (size_t)m * n);
		/* the oracle itself: within double rounding of the DFT */
		for (size_t i = 0; i < 2 * (size_t)m * n; i++)
			CHECK_NEAR(r.ref[i], d[i], 1e-9 * sqrt((double)n) + 1e-12);
		if (!(gb_nmse_value(&acc) <= 1e-10))
			printf("#   fft n=%u nmse vs dft %.3g\n", n, gb_nmse_value(&acc));
		CHECK(gb_nmse_value(&acc) <= 1e-10);
		expect_nmse(&r, GB_Q_F32);
		result_free(&r);
		free(x);
		free(d);
	}
	{
		/* An impulse gives all ones; a constant gives n at bin 0. */
		float x[16] = { 1, 0 }, y1[16];
		float c[16];
		float *tw = gb_kern_fft_twiddles(8);

		for (int i = 0; i < 16; i++)
			c[i] = i % 2 ? 0.0f : 1.0f;
		gb_kern_fft(x, y1, 8, tw);
		for (int i = 0; i < 8; i++)
			CHECK(y1[2 * i] == 1.0f && y1[2 * i + 1] == 0.0f);
		gb_kern_fft(c, y1, 8, tw);
		CHECK(y1[0] == 8.0f && y1[1] == 0.0f);
		for (int i = 1; i < 8; i++)
			CHECK(fabsf(y1[2 * i]) < 1e-6f && fabsf(y1[2 * i + 1]) < 1e-6f);
		free(tw);
	}
}

TEST(topk_all_quants)
{
	static const uint32_t ns[] = { 1, 3, 33, 4097 }, ks[] = { 3, 33, 128 };

	for (int q = 0; q < GB_Q_COUNT; q++)
		for (uint32_t m = 1; m <= 3; m += 2)
			for (size_t a = 0; a < 4; a++)
				for (size_t b = 0; b < 3; b++) {
					uint32_t n = ns[a], p = n >= 10 ? 10 : n + 2;
					struct result r;

					run_one(&ex3, shape(GB_OP_TOPK, m, n, ks[b], p),
						(enum gb_quant)q, NULL, &r, 1);
					expect_nmse(&r, (enum gb_quant)q);
					/* small sets: recall must be perfect at f32 */
					if (q == GB_Q_F32 || n <= 3)
						CHECK(r.recall == 1.0);
					/* padding slots when p > n */
					for (uint32_t i = 0; i < m; i++)
						for (uint32_t j = n; j < p; j++)
							CHECK(r.idx[i * p + j] == UINT32_MAX &&
							      isinf(r.y[i * p + j]));
					/* best first */
					for (uint32_t i = 0; i < m; i++)
						for (uint32_t j = 1; j < (p < n ? p : n); j++)
							CHECK(r.y[i * p + j - 1] >= r.y[i * p + j]);
					result_free(&r);
				}
}

TEST(topk_ties_to_lower_index)
{
	float sc[] = { 1, 3, 3, 2, 3, NAN, 3 };
	float ys[4];
	uint32_t idx[4];

	gb_kern_topk_select(sc, 7, 2, ys, idx);
	CHECK(idx[0] == 1 && idx[1] == 2 && ys[0] == 3 && ys[1] == 3);
	gb_kern_topk_select(sc, 7, 4, ys, idx);
	CHECK(idx[0] == 1 && idx[1] == 2 && idx[2] == 4 && idx[3] == 6);
	gb_kern_topk_select(sc, 7, 1, ys, idx);
	CHECK(idx[0] == 1);
	{
		/* Through the executor: identical database rows tie everywhere. */
		enum { N = 50, K = 40, P = 7 };
		float *db = malloc(N * K * sizeof(float)), q[K];
		struct gb_weights w;
		void *h;
		float y[P];
		uint32_t ix[P];
		struct gb_exec_call c;

		for (int i = 0; i < N * K; i++)
			db[i] = (float)(i % K) * 0.25f;
		for (int i = 0; i < K; i++)
			q[i] = 1.0f;
		CHECK(gb_weights_quantize(&w, GB_Q_Q4, db, N, K) == 0);
		CHECK(ex3.iface->weights_upload(&ex3, &w, &h) == 0);
		memset(&c, 0, sizeof(c));
		c.shape = shape(GB_OP_TOPK, 1, N, K, P);
		c.quant = GB_Q_Q4;
		c.x = q;
		c.weights = h;
		c.y = y;
		c.idx = ix;
		CHECK(ex3.iface->run(&ex3, &c, NULL) == 0);
		for (uint32_t i = 0; i < P; i++)
			CHECK(ix[i] == i);
		ex3.iface->weights_free(&ex3, h);
		gb_weights_release(&w);
		free(db);
	}
}

static void expect_same(struct gb_shape s, enum gb_quant q)
{
	struct result a, b;
	size_t nout = gb_shape_out_floats(&s);

	run_one(&ex1, s, q, NULL, &a, 0);
	run_one(&ex3, s, q, NULL, &b, 0);
	if (memcmp(a.y, b.y, nout * sizeof(float)) != 0)
		printf("#   %s %s: 1 and 3 threads differ\n", gb_op_name(s.op), gb_quant_name(q));
	CHECK(memcmp(a.y, b.y, nout * sizeof(float)) == 0);
	if (s.op == GB_OP_TOPK)
		CHECK(memcmp(a.idx, b.idx, (size_t)s.m * s.p * sizeof(uint32_t)) == 0);
	result_free(&a);
	result_free(&b);
}

TEST(threads_give_identical_bits)
{
	for (int q = 0; q < GB_Q_COUNT; q++)
		expect_same(shape(GB_OP_MATMUL, 3, 257, 1024, 0), (enum gb_quant)q);
	expect_same(shape(GB_OP_TOPK, 3, 5001, 64, 10), GB_Q_Q8);
	expect_same(shape(GB_OP_SOFTMAX, 7, 20001, 0, 0), GB_Q_F32);
	expect_same(shape(GB_OP_RMSNORM, 7, 20001, 0, 0), GB_Q_F32);
	expect_same(shape(GB_OP_SILU, 3, 100003, 0, 0), GB_Q_F32);
	expect_same(shape(GB_OP_REDUCE, 7, 20001, 0, 0), GB_Q_F32);
	expect_same(shape(GB_OP_FFT, 5, 1024, 0, 0), GB_Q_F32);
}

/* A request's output does not depend on the batch it ran in. */
TEST(batch_size_gives_identical_bits)
{
	struct gb_shape s3 = shape(GB_OP_MATMUL, 3, 45, 300, 0), s1 = s3;
	float *x = malloc(3 * 300 * sizeof(float));

	gb_datagen_input(x, &s3, SEED, "t", "key", 0);
	s1.m = 1;
	for (int q = 0; q < GB_Q_COUNT; q++) {
		struct result all, one;

		run_one(&ex3, s3, (enum gb_quant)q, x, &all, 0);
		for (uint32_t i = 0; i < 3; i++) {
			run_one(&ex1, s1, (enum gb_quant)q, x + i * 300, &one, 0);
			CHECK(memcmp(one.y, all.y + i * 45, 45 * sizeof(float)) == 0);
			result_free(&one);
		}
		result_free(&all);
	}
	free(x);
}

TEST(dequant_row_pads_with_zeros)
{
	float src[2 * 37], out[64], ref[37];

	for (int i = 0; i < 2 * 37; i++)
		src[i] = (float)sin(i * 0.7) * 3;
	for (int q = 0; q < GB_Q_COUNT; q++) {
		struct gb_weights w;

		CHECK(gb_weights_quantize(&w, (enum gb_quant)q, src, 2, 37) == 0);
		for (uint32_t r = 0; r < 2; r++) {
			gb_kern_dequant_row(&w, r, out);
			gb_weights_dequant_row(&w, r, ref);
			CHECK(memcmp(out, ref, sizeof(ref)) == 0);
			for (int i = 37; i < 64; i++)
				CHECK(out[i] == 0.0f);
		}
		gb_weights_release(&w);
	}
}

TEST(executor_rejects_bad_calls)
{
	float x[8] = { 0 }, y[8];
	struct gb_exec_call c;
	struct gb_exec_info info;

	memset(&c, 0, sizeof(c));
	c.shape = shape(GB_OP_FFT, 1, 3, 0, 0);  /* not a power of two */
	c.x = x;
	c.y = y;
	CHECK(ex1.iface->run(&ex1, &c, NULL) == -1);
	c.shape = shape(GB_OP_MATMUL, 1, 2, 2, 0);  /* no weights */
	CHECK(ex1.iface->run(&ex1, &c, NULL) == -1);
	ex1.iface->info(&ex1, &info);
	CHECK(strcmp(info.type, "cpu") == 0);
	CHECK(info.device[0] != '\0');
	printf("#   device '%s', %s\n", info.device, info.driver);
}

/* The SIMD builds agree with the portable one to rounding. */
TEST(simd_levels_agree)
{
	struct result a, b;
	struct gb_shape s = shape(GB_OP_MATMUL, 3, 67, 999, 0);

	if (gb_kern_simd_set(GB_SIMD_AVX2) != 0) {
		SKIP("this CPU has no AVX2+FMA+F16C");
		return;
	}
	for (int l = GB_SIMD_AVX2; l < GB_SIMD_COUNT; l++) {
		if (gb_kern_simd_set((enum gb_simd)l) != 0)
			continue;
		for (int q = 0; q < GB_Q_COUNT; q++) {
			struct gb_nmse acc;

			memset(&acc, 0, sizeof(acc));
			gb_kern_simd_set(GB_SIMD_GENERIC);
			run_one(&ex3, s, (enum gb_quant)q, NULL, &a, 0);
			gb_kern_simd_set((enum gb_simd)l);
			run_one(&ex3, s, (enum gb_quant)q, NULL, &b, 0);
			gb_nmse_add_f(&acc, a.y, b.y, (size_t)s.m * s.n);
			if (!(gb_nmse_value(&acc) < 1e-12))
				printf("#   %s %s: nmse %.3g against generic\n",
				       gb_kern_simd_name((enum gb_simd)l),
				       gb_quant_name((enum gb_quant)q), gb_nmse_value(&acc));
			CHECK(gb_nmse_value(&acc) < 1e-12);
			result_free(&a);
			result_free(&b);
		}
	}
}

/* The CPUs worker threads of this process (not the caller) are allowed, OR-ed. */
static void worker_masks(cpu_set_t *out, int *nthreads)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	CPU_ZERO(out);
	*nthreads = 0;
	while (d && (e = readdir(d))) {
		cpu_set_t m;
		pid_t tid = (pid_t)atoi(e->d_name);

		if (tid <= 0 || tid == gettid() || sched_getaffinity(tid, sizeof(m), &m) < 0)
			continue;
		if (CPU_COUNT(&m) == 1)
			CPU_OR(out, out, &m);
		(*nthreads)++;
	}
	if (d)
		closedir(d);
}

/*
 * pin: each worker on its own CPU of the mask, the caller on the first for
 * a turn and free again after it, and the same bits as unpinned.
 */
TEST(pinned_threads)
{
	struct gb_exec_opts o = { .threads = 2, .pin = 1 };
	struct gb_executor ex;
	struct gb_exec_info in;
	struct gb_shape s = shape(GB_OP_MATMUL, 3, 257, 1024, 0);
	struct result a, b;
	cpu_set_t before, during, after, single;
	char reason[256];
	int cpus[2], k = 0, n0, n1;

	CHECK(sched_getaffinity(0, sizeof(before), &before) == 0);
	if (CPU_COUNT(&before) < 2) {
		SKIP("one CPU in the affinity mask: nothing to pin");
		return;
	}
	for (int c = 0; c < CPU_SETSIZE && k < 2; c++)
		if (CPU_ISSET(c, &before))
			cpus[k++] = c;
	worker_masks(&single, &n0);
	CHECK(CPU_COUNT(&single) == 0);           /* nothing pinned before */
	CHECK(gb_executor_init(&ex, &gb_executor_cpu, &o, reason, sizeof(reason)) == 0);
	ex.iface->info(&ex, &in);
	printf("#   %s\n", in.placement);
	CHECK(strncmp(in.placement, "pinned: ", 8) == 0);
	worker_masks(&single, &n1);
	CHECK(n1 == n0 + 1);                      /* its one worker ... */
	CHECK(CPU_COUNT(&single) == 1 && CPU_ISSET(cpus[1], &single));  /* ... on the 2nd CPU */
	gb_executor_turn(&ex, 1);
	CHECK(sched_getaffinity(0, sizeof(during), &during) == 0);
	CHECK(CPU_COUNT(&during) == 1 && CPU_ISSET(cpus[0], &during));
	run_one(&ex1, s, GB_Q_Q4, NULL, &a, 0);
	run_one(&ex, s, GB_Q_Q4, NULL, &b, 0);
	CHECK(memcmp(a.y, b.y, gb_shape_out_floats(&s) * sizeof(float)) == 0);
	result_free(&a);
	result_free(&b);
	gb_executor_turn(&ex, 0);
	CHECK(sched_getaffinity(0, sizeof(after), &after) == 0);
	CHECK(CPU_EQUAL(&before, &after));
	gb_executor_release(&ex);
}

int main(void)
{
	struct gb_exec_opts o1 = { .threads = 1 }, o3 = { .threads = 3 };
	char reason[256];
	int levels[GB_SIMD_COUNT], nl = 0;

	if (gb_executor_init(&ex1, &gb_executor_cpu, &o1, reason, sizeof(reason)) ||
	    gb_executor_init(&ex3, &gb_executor_cpu, &o3, reason, sizeof(reason))) {
		printf("Bail out! cpu executor: %s\n", reason);
		return 1;
	}
	levels[nl++] = GB_SIMD_GENERIC;
	if (gb_kern_simd_set(GB_SIMD_AVX2) == 0)
		levels[nl++] = GB_SIMD_AVX2;
	if (gb_kern_simd_set(GB_SIMD_AVX512) == 0)
		levels[nl++] = GB_SIMD_AVX512;
	else
		printf("# simd level avx512: not on this CPU (or under valgrind), not tested\n");
	for (int l = 0; l < nl; l++) {
		gb_kern_simd_set((enum gb_simd)levels[l]);
		printf("# simd level %s\n", gb_kern_simd_name((enum gb_simd)levels[l]));
		RUN(matmul_all_quants_odd_sizes);
		RUN(gemm_blocks_odd_shapes);
		RUN(gemm_panels_keep_bits);
		RUN(matmul_q4_error_is_real);
		RUN(elementwise_ops_odd_sizes);
		RUN(softmax_rows_sum_to_one);
		RUN(reduce_cancelling_input);
		RUN(fft_against_direct_dft);
		RUN(topk_all_quants);
		RUN(topk_ties_to_lower_index);
		RUN(threads_give_identical_bits);
		RUN(batch_size_gives_identical_bits);
		RUN(dequant_row_pads_with_zeros);
	}
	RUN(executor_rejects_bad_calls);
	RUN(simd_levels_agree);
	RUN(pinned_threads);
	gb_executor_release(&ex1);
	gb_executor_release(&ex3);
	return unit_done();
}
