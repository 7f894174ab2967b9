/*
 * ops-topk.c - the vulkan executor's vector top-k: the scores of every row
 * of x against the persistent operand's rows, by the matmul's dispatches
 * (topk_score_<quant> into aux), then topk_select keeps the p best of each
 * row (values into y, their indices into idx).
 */
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

void gb_vk_topk_plan(const struct gb_shape *s, struct gb_vk_plan *pl)
{
	pl->x_row = 4ull * s->k;
	pl->y_row = 4ull * s->p;
	pl->idx_row = 4ull * s->p;
	pl->aux_row = 4ull * s->n;
}

int gb_vk_topk_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
		      uint64_t *inv)
{
	const struct gb_shape *s = &c->shape;
	struct gb_vk_push pc = { .m = rows, .n = s->n, .k = s->k, .p = s->p };
	VkPipeline pipe;
	int rc;

	if ((rc = gb_vk_record_mm(vk, "topk_score", c->weights, pc, inv)) < 0)
		return rc;
	gb_vk_compute_barrier(vk);
	if ((rc = gb_vk_pipeline(vk, "topk_select", 64, 1, &pipe)) < 0)
		return rc;
	gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc, rows, 64, inv);
	return 0;
}

int gb_vk_topk_cpu_shape(const char *shader, uint32_t *wg, uint32_t *tm)
{
	if (!strncmp(shader, "topk_score", 10)) {
		gb_vk_mm_shape(1, 0, 1, wg, tm);
		return 1;
	}
	if (!strcmp(shader, "topk_select")) {
		*wg = 64;
		*tm = 1;
		return 1;
	}
	return 0;
}
