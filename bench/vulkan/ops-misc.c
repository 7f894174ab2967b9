/*
 * ops-misc.c - the vulkan executor's row-wise ops without weights:
 * softmax (two passes over memory, online max and sum), rmsnorm and reduce,
 * a workgroup per row whose sums and maxima go through subgroup arithmetic
 * where the device has it (the *_sg variants) and a shared-memory tree
 * otherwise; silu (four elements an invocation, 16-byte loads); the
 * radix-2 fft, in one dispatch through shared memory for n <= 4096 (where
 * the device's shared memory holds the row), else a bit-reversal pass and
 * one dispatch per stage, with the twiddles in aux. An op no family knows
 * is an error here.
 *
 * GBENCH_VK_SUBGROUP=0 keeps the shared-memory reductions and
 * GBENCH_VK_FFT_STAGES=1 the multi-dispatch fft whatever the device (the
 * tests run both paths on a device that has the faster ones).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

/* The workgroup size of the element-wise shaders (silu, fft); the others use 64. */
#define GB_VK_WG_WIDE 128
/* The largest fft done in one dispatch. */
#define GB_VK_FFT_SM_MAX 4096u

static uint32_t gb_log2(uint32_t n)
{
	uint32_t l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/* The twiddles exp(-2 pi i j / n), j < n/2, in double, rounded once to float. */
const float *gb_vk_twiddles(struct gb_vk *vk, uint32_t n)
{
	if (vk->twiddle_n != n || !vk->twiddles) {
		uint32_t h = n / 2 ? n / 2 : 1;

		free(vk->twiddles);
		vk->twiddles = gb_xmalloc(2 * sizeof(float) * h);
		vk->twiddles[0] = 1.0f;
		vk->twiddles[1] = 0.0f;
		for (uint32_t j = 0; j < n / 2; j++) {
			double a = -2.0 * M_PI * (double)j / (double)n;

			vk->twiddles[2 * j] = (float)cos(a);
			vk->twiddles[2 * j + 1] = (float)sin(a);
		}
		vk->twiddle_n = n;
	}
	return vk->twiddles;
}

void gb_vk_misc_plan(const struct gb_shape *s, struct gb_vk_plan *pl)
{
	switch (s->op) {
	case GB_OP_REDUCE:
		pl->x_row = 4ull * s->n;
		pl->y_row = 4;
		break;
	case GB_OP_FFT:
		pl->x_row = 8ull * s->n;
		pl->y_row = 8ull * s->n;
		pl->aux_fixed = s->n >= 2 ? 4ull * s->n : 4;
		break;
	default:
		pl->x_row = 4ull * s->n;
		pl->y_row = 4ull * s->n;
		break;
	}
}

/*
 * Whether the row-wise reductions can use subgroup arithmetic at workgroup
 * size wg: compute shaders have it and wg is a multiple of the subgroup.
 */
static int gb_vk_misc_subgroup(const struct gb_vk *vk, uint32_t wg)
{
	const char *env = getenv("GBENCH_VK_SUBGROUP");

	if (env && !strcmp(env, "0"))
		return 0;
	return vk->sg_arith && vk->sg_size <= wg && wg % vk->sg_size == 0;
}

/* The one-dispatch fft's workgroup for length n, or 0 when it does not apply. */
static uint32_t gb_vk_fft_sm_wg(const struct gb_vk *vk, uint32_t n)
{
	const char *env = getenv("GBENCH_VK_FFT_STAGES");
	uint32_t wg = n / 4 ? n / 4 : 1;

	if ((env && !strcmp(env, "1")) || n > GB_VK_FFT_SM_MAX ||
	    8ull * 4 * wg > vk->props.limits.maxComputeSharedMemorySize ||
	    wg > vk->props.limits.maxComputeWorkGroupInvocations ||
	    wg > vk->props.limits.maxComputeWorkGroupSize[0])
		return 0;
	return wg;
}

int gb_vk_misc_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
		      uint64_t *inv)
{
	const struct gb_shape *s = &c->shape;
	struct gb_vk_push pc = { .m = rows, .n = s->n, .k = s->k, .p = s->p };
	const char *shader = NULL;
	char name[16];
	uint32_t wg = 64;
	uint64_t groups = rows;
	VkPipeline pipe;
	int rc;

	switch (s->op) {
	case GB_OP_SOFTMAX:
	case GB_OP_RMSNORM:
	case GB_OP_REDUCE:
		snprintf(name, sizeof(name), "%s%s", gb_op_name(s->op),
			 gb_vk_misc_subgroup(vk, wg) ? "_sg" : "");
		shader = name;
		break;
	case GB_OP_SILU:
		shader = "silu";
		wg = GB_VK_WG_WIDE;
		pc.m = rows * s->n;
		groups = (((uint64_t)pc.m + 3) / 4 + wg - 1) / wg;
		break;
	case GB_OP_FFT: {
		uint32_t lg = gb_log2(s->n);

		pc.p = lg;
		if ((wg = gb_vk_fft_sm_wg(vk, s->n)) != 0) {
			shader = "fft_sm";
			break;
		}
		wg = GB_VK_WG_WIDE;
		pc.stage = ~0u;
		if ((rc = gb_vk_pipeline(vk, "fft", wg, 1, &pipe)) < 0)
			return rc;
		gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc,
			       ((uint64_t)rows * s->n + wg - 1) / wg, wg, inv);
		for (uint32_t st = 0; st < lg; st++) {
			gb_vk_compute_barrier(vk);
			pc.stage = st;
			gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc,
				       ((uint64_t)rows * (s->n / 2) + wg - 1) / wg, wg, inv);
		}
		return 0;
	}
	default:
		return gb_error("vulkan: unknown op %d", (int)s->op);
	}
	if ((rc = gb_vk_pipeline(vk, shader, wg, 1, &pipe)) < 0)
		return rc;
	gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc, groups, wg, inv);
	return 0;
}

int gb_vk_misc_cpu_shape(const char *shader, uint32_t *wg, uint32_t *tm)
{
	if (!strcmp(shader, "silu") || !strcmp(shader, "fft"))
		*wg = GB_VK_WG_WIDE;
	else if (!strncmp(shader, "softmax", 7) || !strncmp(shader, "rmsnorm", 7) ||
		 !strncmp(shader, "reduce", 6))
		*wg = 64;
	else if (!strcmp(shader, "fft_sm"))
		*wg = 64;  /* n = 256; other lengths compile on first use */
	else
		return 0;
	*tm = 1;
	return 1;
}
