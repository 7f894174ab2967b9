/*
 * gemm-bench.c - the CPU executor's matrix product side by side with
 * OpenBLAS on the same shapes, in one run (issue 19's targets; `make
 * bench-gemm`, also part of `make bench`). Prints a Markdown table of
 * GFLOP/s from the per-call median: gbench at f32, f16, q8 and q4 (weights
 * quantized as a trace's are; the quantized columns count the same 2mnk
 * flops) and OpenBLAS's sgemm (sgemv at m = 1) at f32, with the same thread
 * count. The last column is gbench f32 over OpenBLAS. A speed table, not a
 * test: nothing here passes or fails on a number.
 *
 *   gemm-bench [THREADS] [SECONDS_PER_CELL] [PANEL_FLOATS]
 *
 * PANEL_FLOATS caps the matrix product's k panels (gb_gemm_set_panel_floats;
 * 0, the default, leaves the SIMD level's own: one panel at AVX2, panels
 * from L1d at AVX-512; 1073741824 runs k in one panel), so one binary
 * compares panel sizes on a machine.
 *
 * The f32 result is compared with OpenBLAS's (NMSE, printed under the
 * table), so a fast wrong kernel shows.
 */
#include <cblas.h>
#include <stdio.h>
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

void openblas_set_num_threads(int num_threads);

struct shape3 {
	uint32_t m, n, k;
};

/* The three, and a large k, where k panels (PANEL_FLOATS) would keep
 * an x tile in L1d. */
static const struct shape3 shapes[] = { { 1, 4096, 4096 }, { 256, 1024, 1024 },
					{ 1024, 1024, 1024 }, { 256, 1024, 4096 } };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median ns of calls to fn(arg), repeated for about `seconds` (at least 5). */
static double time_median(void (*fn)(void *), void *arg, double seconds)
{
	enum { MAXREP = 2000 };
	static uint64_t t[MAXREP];
	uint64_t start;
	int n = 0;

	for (int i = 0; i < 3; i++)  /* warm: caches, pages, the thread pool */
		fn(arg);
	start = gb_now_ns();
	while (n < MAXREP && (n < 5 || (double)(gb_now_ns() - start) < seconds * 1e9)) {
		uint64_t t0 = gb_now_ns();

		fn(arg);
		t[n++] = gb_now_ns() - t0;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_u64);
	return n % 2 ? (double)t[n / 2] : 0.5 * (double)(t[n / 2 - 1] + t[n / 2]);
}

struct exec_job {
	struct gb_executor *ex;
	struct gb_exec_call *call;
	int rc;
};

static void run_gbench(void *p)
{
	struct exec_job *j = p;

	if (j->ex->iface->run(j->ex, j->call, NULL) < 0)
		j->rc = -1;
}

struct blas_job {
	const struct shape3 *s;
	const float *x, *w;
	float *y;
};

static void run_blas(void *p)
{
	struct blas_job *j = p;

	if (j->s->m == 1)
		cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)j->s->n, (int)j->s->k, 1.0f,
			    j->w, (int)j->s->k, j->x, 1, 0.0f, j->y, 1);
	else
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)j->s->m, (int)j->s->n,
			    (int)j->s->k, 1.0f, j->x, (int)j->s->k, j->w, (int)j->s->k, 0.0f,
			    j->y, (int)j->s->n);
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : gb_ncpus();
	double secs = argc > 2 ? atof(argv[2]) : 0.5;
	char *end = NULL;
	long panel = argc > 3 ? strtol(argv[3], &end, 10) : 0;
	struct gb_exec_opts o = { .threads = threads };
	struct gb_executor ex;
	char reason[256];
	struct gb_exec_info info;
	double worst = 0;

	if (threads < 1 || secs <= 0 || panel < 0 || panel > (1L << 30) || argc > 4 ||
	    (end && (end == argv[3] || *end))) {
		fprintf(stderr, "usage: gemm-bench [THREADS] [SECONDS_PER_CELL] [PANEL_FLOATS]\n");
		return 2;
	}
	if (gb_executor_init(&ex, &gb_executor_cpu, &o, reason, sizeof(reason)) < 0) {
		fprintf(stderr, "gbench: error: cpu executor: %s\n", reason);
		return 4;
	}
	gb_gemm_set_panel_floats((uint32_t)panel);
	openblas_set_num_threads(threads);
	ex.iface->info(&ex, &info);
	printf("# %s; %s; k panels at k = 1024: %u floats, at k = 4096: %u; OpenBLAS %d "
	       "threads; GFLOP/s = 2mnk / median call\n\n", info.device, info.driver,
	       gb_gemm_panel_floats(1024), gb_gemm_panel_floats(4096), threads);
	printf("| shape (m×n×k) | gbench f32 | f16 | q8 | q4 | OpenBLAS f32 | f32 / OpenBLAS |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (size_t si = 0; si < GB_ARRAY_SIZE(shapes); si++) {
		const struct shape3 *s = &shapes[si];
		struct gb_shape gs = { GB_OP_MATMUL, s->m, s->n, s->k, 0 };
		float *x = gb_xmalloc((size_t)s->m * s->k * sizeof(float));
		float *w = gb_xmalloc((size_t)s->n * s->k * sizeof(float));
		float *y = gb_xmalloc((size_t)s->m * s->n * sizeof(float));
		float *yb = gb_xmalloc((size_t)s->m * s->n * sizeof(float));
		double flops = 2.0 * s->m * s->n * (double)s->k, g[GB_Q_COUNT], gb, f32ns = 0;
		struct blas_job bj = { s, x, w, yb };
		struct gb_nmse acc;

		gb_datagen_input(x, &gs, 1, "x", "bench", 0);
		gb_datagen_weights(w, GB_OP_MATMUL, s->n, s->k, 1, "w");
		for (int q = 0; q < GB_Q_COUNT; q++) {
			struct gb_weights qw;
			struct gb_exec_call c;
			struct exec_job j = { &ex, &c, 0 };
			void *h;

			if (gb_weights_quantize(&qw, (enum gb_quant)q, w, s->n, s->k) < 0 ||
			    ex.iface->weights_upload(&ex, &qw, &h) < 0) {
				gb_error("cannot prepare %s weights %ux%u", gb_quant_name((enum gb_quant)q),
					 s->n, s->k);
				return 4;
			}
			memset(&c, 0, sizeof(c));
			c.shape = gs;
			c.quant = (enum gb_quant)q;
			c.x = x;
			c.y = y;
			c.weights = h;
			gb_executor_turn(&ex, 1);
			g[q] = time_median(run_gbench, &j, secs);
			gb_executor_turn(&ex, 0);
			if (j.rc < 0) {
				gb_error("the cpu executor failed on %ux%ux%u %s", s->m, s->n, s->k,
					 gb_quant_name((enum gb_quant)q));
				return 4;
			}
			if (q == GB_Q_F32)
				f32ns = g[q];
			g[q] = flops / g[q];
			ex.iface->weights_free(&ex, h);
			gb_weights_release(&qw);
			if (q == GB_Q_F32)
				memcpy(yb, y, (size_t)s->m * s->n * sizeof(float));
		}
		{
			float *yg = gb_xmalloc((size_t)s->m * s->n * sizeof(float));

			memcpy(yg, yb, (size_t)s->m * s->n * sizeof(float));
			gb = flops / time_median(run_blas, &bj, secs);
			memset(&acc, 0, sizeof(acc));
			gb_nmse_add_f(&acc, yb, yg, (size_t)s->m * s->n);
			if (gb_nmse_value(&acc) > worst)
				worst = gb_nmse_value(&acc);
			free(yg);
		}
		printf("| %u×%u×%u | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f× |\n", s->m, s->n,
		       s->k, g[0], g[1], g[2], g[3], gb, flops / f32ns / gb);
		free(x);
		free(w);
		free(y);
		free(yb);
	}
	printf("\n# gbench f32 against OpenBLAS: worst NMSE %.2g\n", worst);
	gb_executor_release(&ex);
	return 0;
}
