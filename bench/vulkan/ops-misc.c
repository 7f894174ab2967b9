/*
 * ops-misc.c - the vulkan executor's row-wise ops without weights:
 * softmax, rmsnorm and reduce (a workgroup of 64 per row), silu (one
 * invocation per element) and the radix-2 fft (a bit-reversal pass, then
 * one dispatch per stage, with the twiddles in aux). An op no family knows
 * is an error here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

/* The workgroup size of the element-wise shaders (silu, fft); the others use 64. */
#define GB_VK_WG_WIDE 128

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

int gb_vk_misc_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
		      uint64_t *inv)
{
	const struct gb_shape *s = &c->shape;
	struct gb_vk_push pc = { .m = rows, .n = s->n, .k = s->k, .p = s->p };
	const char *shader = NULL;
	uint32_t wg = 64;
	uint64_t groups = rows;
	VkPipeline pipe;
	int rc;

	switch (s->op) {
	case GB_OP_SOFTMAX: shader = "softmax"; break;
	case GB_OP_RMSNORM: shader = "rmsnorm"; break;
	case GB_OP_REDUCE: shader = "reduce"; break;
	case GB_OP_SILU:
		shader = "silu";
		wg = GB_VK_WG_WIDE;
		pc.m = rows * s->n;
		groups = ((uint64_t)pc.m + wg - 1) / wg;
		break;
	case GB_OP_FFT: {
		uint32_t lg = gb_log2(s->n);

		wg = GB_VK_WG_WIDE;
		pc.p = lg;
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
	else if (!strcmp(shader, "softmax") || !strcmp(shader, "rmsnorm") ||
		 !strcmp(shader, "reduce"))
		*wg = 64;
	else
		return 0;
	*tm = 1;
	return 1;
}
