/*
 * test-vk-matmul.c - the vulkan executor's matmul kernels (matvec, tiled,
 * legacy; bench/vulkan/ops-matmul.c) against the CPU executor on the same
 * quantized bytes, within DESIGN.md section 8's vulkan-vs-cpu budgets:
 * every quant level, m = 1..9, 33 and 353, k and n that are not multiples
 * of 32 or of the tile, weights split over a lowered maxStorageBufferRange,
 * each kernel and reduction forced through GB_VK_MATMUL, GB_VK_MATVEC,
 * GB_VK_TILE and GB_VK_TILED (one executor per forced choice, so that no
 * recorded command buffer of another choice is reused), NaN and infinities
 * in x, and the Khronos validation layer on (any message fails).
 *
 * Without a Vulkan device the tests are skipped with the reason. lavapipe's
 * own allocations leak, so leak detection is off.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "gbench.h"
#include "op.h"
#include "oracle.h"
#include "quant.h"
#include "unit.h"
#include "vk-test.h"
#include "vulkan/vk.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static struct gb_executor cpu;

/*
 * An executor with `var`=`val` (and GB_VK_MATMUL=`kernel`) in the
 * environment for its life; the variables stay set until done() because
 * ops-matmul.c reads them at each recording. 0, or -1 (reason printed).
 */
static int open_forced(struct gb_executor *ex, const char *kernel, const char *var,
		       const char *val)
{
	struct gb_exec_opts o = { .validate = 1 };
	char reason[512];

	unsetenv("GB_VK_MATMUL");
	unsetenv("GB_VK_MATVEC");
	unsetenv("GB_VK_TILE");
	if (kernel)
		setenv("GB_VK_MATMUL", kernel, 1);
	if (var)
		setenv(var, val, 1);
	if (gb_executor_init(ex, &gb_executor_vulkan, &o, reason, sizeof(reason)) < 0) {
		printf("#   executor (%s, %s=%s): %s\n", kernel ? kernel : "auto",
		       var ? var : "-", val ? val : "-", reason);
		return -1;
	}
	return 0;
}

/* Release ex after checking that the validation layer said nothing. */
static void done(struct gb_executor *ex)
{
	unsigned msgs = gb_executor_validation_messages(ex);

	if (msgs)
		printf("#   %u validation messages\n", msgs);
	CHECK(msgs == 0);
	gb_executor_release(ex);
	unsetenv("GB_VK_MATMUL");
	unsetenv("GB_VK_MATVEC");
	unsetenv("GB_VK_TILE");
	unsetenv("GB_VK_TILED");
	unsetenv("GBENCH_VK_MAX_RANGE");
}

/*
 * y = x W^T on ex and on the CPU with the same x and quantized W (n x k);
 * `special` puts NaN and infinities in x. 0 when they agree: within the
 * NMSE budget over the finite outputs, and NaN / infinity in the same
 * places.
 */
static double last_nmse;   /* of the last compare() that ran both */

static int compare(struct gb_executor *ex, enum gb_quant q, uint32_t m, uint32_t n,
		   uint32_t k, int special)
{
	struct gb_shape s = { .op = GB_OP_MATMUL, .m = m, .n = n, .k = k };
	size_t nx = (size_t)m * k, ny = (size_t)m * n;
	float *x = gb_xmalloc(nx * 4), *wf = gb_xmalloc((size_t)n * k * 4);
	float *yc = gb_xcalloc(ny, 4), *yv = gb_xcalloc(ny, 4);
	struct gb_weights w = { 0 };
	void *hc = NULL, *hv = NULL;
	struct gb_exec_call call = { .shape = s, .quant = q, .x = x };
	struct gb_exec_timing t;
	struct gb_nmse acc = { 0 };
	int bad = 0;

	for (size_t i = 0; i < nx; i++)
		x[i] = nrand();
	for (size_t i = 0; i < (size_t)n * k; i++)
		wf[i] = nrand() * 0.5f;
	if (special) {
		x[0] = NAN;                              /* row 0: NaN everywhere */
		if (m > 1)
			x[(size_t)k + k / 2] = INFINITY;  /* row 1: +-inf by W's sign */
		if (m > 2 && k > 1) {                     /* row 2: inf - inf = NaN, mostly */
			x[2 * (size_t)k] = INFINITY;
			x[2 * (size_t)k + 1] = -INFINITY;
		}
	}
	if (gb_weights_quantize(&w, q, wf, n, k) < 0 ||
	    cpu.iface->weights_upload(&cpu, &w, &hc) < 0 ||
	    ex->iface->weights_upload(ex, &w, &hv) < 0) {
		printf("#   weights upload failed (%s, %ux%u)\n", gb_quant_name(q), n, k);
		bad = 1;
	}
	if (!bad) {
		call.weights = hc;
		call.y = yc;
		if (cpu.iface->run(&cpu, &call, &t) < 0) {
			printf("#   cpu run failed\n");
			bad = 1;
		}
		call.weights = hv;
		call.y = yv;
		if (!bad && ex->iface->run(ex, &call, &t) < 0) {
			printf("#   vulkan run failed (%s m=%u n=%u k=%u)\n", gb_quant_name(q), m,
			       n, k);
			bad = 1;
		}
	}
	for (size_t i = 0; !bad && i < ny; i++) {
		if (isfinite(yc[i]) && isfinite(yv[i])) {
			gb_nmse_add_f(&acc, yc + i, yv + i, 1);
		} else if (!(isnan(yc[i]) && isnan(yv[i])) && yc[i] != yv[i]) {
			printf("#   %s m=%u n=%u k=%u: y[%zu] cpu %g, vulkan %g\n", gb_quant_name(q),
			       m, n, k, i, yc[i], yv[i]);
			bad = 1;
		}
	}
	last_nmse = bad ? NAN : gb_nmse_value(&acc);
	if (!bad && getenv("GB_TEST_SHOW_NMSE"))   /* for the figures in docs/vulkan.md */
		printf("#   %s m=%u n=%u k=%u: nmse %.3g (budget %.3g)\n", gb_quant_name(q), m,
		       n, k, gb_nmse_value(&acc), gb_budget_nmse_cpu(q));
	if (!bad && !(gb_nmse_value(&acc) <= gb_budget_nmse_cpu(q))) {
		printf("#   %s m=%u n=%u k=%u: nmse %.3g over budget %.3g\n", gb_quant_name(q), m,
		       n, k, gb_nmse_value(&acc), gb_budget_nmse_cpu(q));
		bad = 1;
	}
	if (hc)
		cpu.iface->weights_free(&cpu, hc);
	if (hv)
		ex->iface->weights_free(ex, hv);
	gb_weights_release(&w);
	free(x);
	free(wf);
	free(yc);
	free(yv);
	return bad ? -1 : 0;
}

/* n, k: n not a multiple of a tile or of a workgroup's rows, k not of 32. */
static const uint32_t nk[][2] = { { 33, 31 }, { 70, 100 }, { 5, 333 }, { 1, 1 } };

/* m = 1..8 (all: else 1, 3, 8) at every quant level and shape. */
static void sweep_vec(struct gb_executor *ex, int all)
{
	for (int q = 0; q < GB_Q_COUNT; q++)
		for (uint32_t m = 1; m <= 8; m += all ? 1 : m == 1 ? 2 : 5)
			for (size_t i = 0; i < GB_ARRAY_SIZE(nk); i++)
				CHECK(compare(ex, (enum gb_quant)q, m, nk[i][0], nk[i][1], 0) == 0);
}

/* m = 9, 33, 353 at every quant level. */
static void sweep_tiled(struct gb_executor *ex)
{
	for (int q = 0; q < GB_Q_COUNT; q++) {
		CHECK(compare(ex, (enum gb_quant)q, 9, 70, 100, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 33, 33, 31, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 353, 37, 45, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 12, 5, 333, 0) == 0);
	}
}

TEST(open)
{
	struct gb_exec_opts o = { .threads = 1 };
	struct gb_executor ex;
	char reason[512];

	CHECK(gb_executor_init(&cpu, &gb_executor_cpu, &o, reason, sizeof(reason)) == 0);
	o.validate = 1;
	if (gb_executor_init(&ex, &gb_executor_vulkan, &o, vk_reason, sizeof(vk_reason)) < 0) {
		CHECK(strncmp(vk_reason, "no Vulkan", 9) == 0);
		SKIP("%.200s", vk_reason);
		return;
	}
	have_vk = 1;
	gb_executor_release(&ex);
}

TEST(matvec_subgroup)
{
	struct gb_executor ex;

	NEED_VK();
	/* The default shape: subgroupAdd where the device has it. */
	if (open_forced(&ex, "matvec", NULL, NULL) < 0) {
		CHECK(0);
		return;
	}
	sweep_vec(&ex, 1);
	done(&ex);
}

TEST(matvec_shared)
{
	static const char *const shapes[] = { "shared:64:16", "shared:128:32", "shared:32:4" };
	struct gb_executor ex;

	NEED_VK();
	for (size_t i = 0; i < GB_ARRAY_SIZE(shapes); i++) {
		if (open_forced(&ex, "matvec", "GB_VK_MATVEC", shapes[i]) < 0) {
			CHECK(0);
			continue;
		}
		if (i == 0) {
			sweep_vec(&ex, 0);
		} else {
			for (int q = 0; q < GB_Q_COUNT; q++) {
				CHECK(compare(&ex, (enum gb_quant)q, 1, 70, 100, 0) == 0);
				CHECK(compare(&ex, (enum gb_quant)q, 5, 33, 333, 0) == 0);
			}
		}
		done(&ex);
	}
}

TEST(tiled)
{
	/* the default; k steps that split q8/q4 blocks; whole blocks a step */
	static const char *const tiles[] = { NULL, "32x64x16/2x4", "16x16x8/4x4", "64x32x32/8x2",
					     "32x32x64/4x4" };
	struct gb_executor ex;

	NEED_VK();
	for (size_t i = 0; i < GB_ARRAY_SIZE(tiles); i++) {
		if (open_forced(&ex, "tiled", tiles[i] ? "GB_VK_TILE" : NULL, tiles[i]) < 0) {
			CHECK(0);
			continue;
		}
		sweep_tiled(&ex);
		/* the tiled kernel at decode sizes too */
		for (int q = 0; q < GB_Q_COUNT; q++)
			CHECK(compare(&ex, (enum gb_quant)q, 1, 33, 31, 0) == 0);
		done(&ex);
	}
}

/*
 * The tiled kernel's vec4 reads (GB_VK_TILED=v4): the default tile and
 * tiles whose TM and TN are multiples of 4, rows and columns over several
 * tiles both ways.
 */
TEST(tiled_v4)
{
	static const char *const tiles[] = { NULL, "16x16x8/4x4", "32x64x16/4x8", "64x32x32/8x4",
					     "32x32x64/4x4" };
	struct gb_executor ex;

	NEED_VK();
	for (size_t i = 0; i < GB_ARRAY_SIZE(tiles); i++) {
		setenv("GB_VK_TILED", "v4", 1);
		if (open_forced(&ex, "tiled", tiles[i] ? "GB_VK_TILE" : NULL, tiles[i]) < 0) {
			CHECK(0);
			unsetenv("GB_VK_TILED");
			continue;
		}
		sweep_tiled(&ex);
		for (int q = 0; q < GB_Q_COUNT; q++)
			CHECK(compare(&ex, (enum gb_quant)q, 200, 300, 64, 0) == 0);
		done(&ex);
	}
}

TEST(legacy)
{
	struct gb_executor ex;

	NEED_VK();
	if (open_forced(&ex, "legacy", NULL, NULL) < 0) {
		CHECK(0);
		return;
	}
	for (int q = 0; q < GB_Q_COUNT; q++) {
		CHECK(compare(&ex, (enum gb_quant)q, 3, 33, 31, 0) == 0);
		CHECK(compare(&ex, (enum gb_quant)q, 9, 5, 333, 0) == 0);
	}
	done(&ex);
}

/* The automatic choice with the GPU's shapes on a CPU device too. */
TEST(auto_gpu_shapes)
{
	struct gb_executor ex;

	NEED_VK();
	setenv("GBENCH_VK_GPU_SHAPES", "1", 1);
	if (open_forced(&ex, NULL, NULL, NULL) < 0) {
		unsetenv("GBENCH_VK_GPU_SHAPES");
		CHECK(0);
		return;
	}
	unsetenv("GBENCH_VK_GPU_SHAPES");
	for (int q = 0; q < GB_Q_COUNT; q++) {
		CHECK(compare(&ex, (enum gb_quant)q, 1, 70, 100, 0) == 0);
		CHECK(compare(&ex, (enum gb_quant)q, 8, 33, 333, 0) == 0);
		CHECK(compare(&ex, (enum gb_quant)q, 9, 33, 31, 0) == 0);
		CHECK(compare(&ex, (enum gb_quant)q, 353, 37, 45, 0) == 0);
	}
	done(&ex);
}

/* The pipelines a GPU builds at start (gb_vk_matmul_prebuild), then used. */
TEST(prebuild)
{
	struct gb_executor ex;
	struct gb_vk *v;
	int before;

	NEED_VK();
	setenv("GBENCH_VK_GPU_SHAPES", "1", 1);
	if (open_forced(&ex, NULL, NULL, NULL) < 0) {
		unsetenv("GBENCH_VK_GPU_SHAPES");
		CHECK(0);
		return;
	}
	unsetenv("GBENCH_VK_GPU_SHAPES");
	v = ex.ctx;
	before = v->npipes;
	CHECK(gb_vk_matmul_prebuild(v) == 0);
	printf("#   %d pipelines before, %d after\n", before, v->npipes);
	CHECK(v->npipes == before);  /* init (gb_vk_precompile) already built them */
	before = v->npipes;
	/* the automatic choice finds them built */
	for (int q = 0; q < GB_Q_COUNT; q++) {
		CHECK(compare(&ex, (enum gb_quant)q, 1, 70, 100, 0) == 0);
		CHECK(compare(&ex, (enum gb_quant)q, 33, 33, 31, 0) == 0);
	}
	CHECK(v->npipes == before);
	done(&ex);
}

/* maxStorageBufferRange lowered to 2 KiB: weights bound in several ranges. */
TEST(split)
{
	static const char *const kernels[] = { "matvec", "tiled" };
	struct gb_executor ex;

	NEED_VK();
	for (size_t i = 0; i < GB_ARRAY_SIZE(kernels); i++) {
		setenv("GBENCH_VK_MAX_RANGE", "2048", 1);
		if (open_forced(&ex, kernels[i], NULL, NULL) < 0) {
			unsetenv("GBENCH_VK_MAX_RANGE");
			CHECK(0);
			continue;
		}
		for (int q = 0; q < GB_Q_COUNT; q++) {
			CHECK(compare(&ex, (enum gb_quant)q, i ? 20 : 3, 70, 100, 0) == 0);
			CHECK(compare(&ex, (enum gb_quant)q, i ? 9 : 1, 40, 300, 0) == 0);
		}
		done(&ex);
	}
}

/* NaN and infinities in x come out where the CPU puts them. */
TEST(nan_inf)
{
	static const char *const kernels[] = { "matvec", "tiled", "legacy" };
	struct gb_executor ex;

	NEED_VK();
	for (size_t i = 0; i < GB_ARRAY_SIZE(kernels); i++) {
		if (open_forced(&ex, kernels[i], NULL, NULL) < 0) {
			CHECK(0);
			continue;
		}
		for (int q = 0; q < GB_Q_COUNT; q++) {
			CHECK(compare(&ex, (enum gb_quant)q, 3, 33, 45, 1) == 0);
			CHECK(compare(&ex, (enum gb_quant)q, 11, 33, 45, 1) == 0);
		}
		done(&ex);
	}
}

/* Settings that do not parse or do not fit are errors, not silent defaults. */
TEST(bad_settings)
{
	static const char *const bad[][3] = {
		{ "GB_VK_MATMUL", "fast", "auto, matvec, tiled or legacy" },
		{ "GB_VK_TILE", "64x64", "is not BMxBNxBK/TMxTN" },
		{ "GB_VK_TILE", "255x255x255/1x1", "does not fit the device" },
		{ "GB_VK_TILED", "vec4", "is not v4 or scalar" },
		{ "GB_VK_MATVEC", "shared:48:16", "powers of two" },
	};
	struct gb_executor ex;

	NEED_VK();
	for (size_t i = 0; i < GB_ARRAY_SIZE(bad); i++) {
		const char *kernel = strncmp(bad[i][0], "GB_VK_TILE", 10) ? "matvec" : "tiled";

		if (open_forced(&ex, kernel, bad[i][0], bad[i][1]) < 0) {
			CHECK(0);
			continue;
		}
		if (!strcmp(bad[i][0], "GB_VK_MATMUL"))
			setenv("GB_VK_MATMUL", bad[i][1], 1);
		printf("#   %s=%s (an error message is expected next)\n", bad[i][0], bad[i][1]);
		fflush(stdout);
		CHECK(compare(&ex, GB_Q_F32, kernel[0] == 't' ? 12 : 2, 5, 40, 0) < 0);
		done(&ex);
	}
}

/*
 * The cooperative-matrix kernel (shaders/matmul_cm.comp), forced, at every
 * quant level it takes: m = 1 to 353, n and k off its 64 x 64 tile and
 * 32-value steps, NaN and inf in x, against the cpu within the budgets;
 * with `big`, a 200 x 300 x 1000 product too (slow where emulated).
 */
static void coop_sweep(struct gb_executor *ex, int big)
{
	for (int q = GB_Q_F16; q < GB_Q_COUNT; q++) {
		CHECK(compare(ex, (enum gb_quant)q, 1, 33, 31, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 9, 70, 100, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 64, 64, 64, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 65, 129, 95, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 353, 37, 45, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 12, 5, 333, 0) == 0);
		if (big)
			CHECK(compare(ex, (enum gb_quant)q, 200, 300, 1000, 0) == 0);
		CHECK(compare(ex, (enum gb_quant)q, 33, 70, 100, 1) == 0);
	}
}

/*
 * An executor with GB_VK_COOPMAT=`mode` and the kernel forced, having
 * checked that f32 weights are refused; its state, or NULL (failed).
 */
static struct gb_vk *coop_open(struct gb_executor *ex, const char *mode)
{
	setenv("GB_VK_COOPMAT", mode, 1);
	if (open_forced(ex, "coopmat", NULL, NULL) < 0) {
		unsetenv("GB_VK_COOPMAT");
		CHECK(0);
		return NULL;
	}
	printf("#   GB_VK_MATMUL=coopmat with f32 weights (an error message is expected next)\n");
	fflush(stdout);
	CHECK(compare(ex, GB_Q_F32, 9, 70, 100, 0) < 0);
	return ex->ctx;
}

/* Release it; the skip reason, if any, is copied into why first (done() frees v). */
static void coop_close(struct gb_executor *ex, const struct gb_vk *v, char *why, size_t len)
{
	snprintf(why, len, "%s", v->coop.why);
	done(ex);
	unsetenv("GB_VK_COOPMAT");
}

/*
 * The kernel with its matrix products done by the lanes
 * (GB_VK_COOPMAT=emulate): its tiling, loads, f16 (hi, lo) pairs, bounds
 * and stores, on any device with shaderFloat16 (lavapipe has it); then its
 * variant with one f16 a value (GB_VK_COOPMAT_PAIRS=0), and a bad setting.
 */
TEST(coopmat_emulated)
{
	struct gb_executor ex;
	struct gb_vk *v;
	char why[sizeof(v->coop.why)];
	int ran = 0;

	NEED_VK();
	for (int single = 0; single <= 1; single++) {
		if (single)
			setenv("GB_VK_COOPMAT_PAIRS", "0", 1);
		if (!(v = coop_open(&ex, "emulate")))
			break;
		if ((ran = v->coop.ok)) {
			CHECK(v->coop.emulate && v->coop.single == single);
			coop_sweep(&ex, 0);
			/* the variant asked for ran: f16 inputs lose what the pairs keep */
			CHECK(compare(&ex, GB_Q_F16, 64, 64, 64, 0) == 0);
			CHECK(single ? last_nmse > 1e-10 : last_nmse < 1e-11);
		}
		coop_close(&ex, v, why, sizeof(why));
		if (!ran)
			break;
	}
	unsetenv("GB_VK_COOPMAT_PAIRS");
	if (!ran) {
		SKIP("%s", why);
		return;
	}
	setenv("GB_VK_COOPMAT_PAIRS", "2", 1);
	if ((v = coop_open(&ex, "emulate"))) {
		CHECK(!v->coop.ok && strstr(v->coop.why, "GB_VK_COOPMAT_PAIRS='2'"));
		coop_close(&ex, v, why, sizeof(why));
	}
	unsetenv("GB_VK_COOPMAT_PAIRS");
}

/*
 * On the matrix units (GB_VK_COOPMAT=1) where the device has them, with
 * the (hi, lo) pairs and with one f16 a value; where it has not (as
 * lavapipe), forcing the kernel must fail the call with the reason, and
 * the rest says skipped.
 */
TEST(coopmat)
{
	struct gb_executor ex;
	struct gb_vk *v;
	char why[sizeof(v->coop.why)];
	int ran;

	NEED_VK();
	if (!(v = coop_open(&ex, "1")))
		return;
	if ((ran = v->coop.ok)) {
		coop_sweep(&ex, 1);
	} else {
		printf("#   no cooperative matrices (an error message is expected next)\n");
		fflush(stdout);
		CHECK(compare(&ex, GB_Q_F16, 9, 70, 100, 0) < 0);
	}
	coop_close(&ex, v, why, sizeof(why));
	if (!ran) {
		SKIP("cooperative matrices: %s", why);
		return;
	}
	/* and with one f16 a value (GB_VK_COOPMAT_PAIRS=0) */
	setenv("GB_VK_COOPMAT_PAIRS", "0", 1);
	if ((v = coop_open(&ex, "1"))) {
		CHECK(v->coop.ok && v->coop.single);
		if (v->coop.ok)
			coop_sweep(&ex, 1);
		coop_close(&ex, v, why, sizeof(why));
	}
	unsetenv("GB_VK_COOPMAT_PAIRS");
}

int main(void)
{
	vk_test_rng = 0x243f6a8885a308d3ull;   /* this test's own data */
	RUN(open);
	RUN(matvec_subgroup);
	RUN(matvec_shared);
	RUN(tiled);
	RUN(tiled_v4);
	RUN(legacy);
	RUN(auto_gpu_shapes);
	RUN(prebuild);
	RUN(split);
	RUN(nan_inf);
	RUN(bad_settings);
	RUN(coopmat_emulated);
	RUN(coopmat);
	if (cpu.iface)
		gb_executor_release(&cpu);
	return unit_done();
}
