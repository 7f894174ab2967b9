/*
 * ops-matmul.c - the vulkan executor's matmul: y = x W^T with W a
 * persistent operand (weights.c) in one of the quantizations, one
 * matmul_<quant> dispatch per range of W's rows a descriptor binds. The
 * same dispatches compute top-k's scores (ops-topk.c).
 */
#include <stdio.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

static const char *const gb_vk_qname[GB_Q_COUNT] = { "f32", "f16", "q8", "q4" };

/*
 * Shape of the matmul-like dispatches: for k up to 256, and for any k on a
 * CPU device, one invocation per output (tm 0); else a workgroup per weight
 * row and tm rows of x, sized to the blocks of a row. A CPU device runs a
 * workgroup's invocations as SIMD lanes on one thread, so the shared-memory
 * tree and its barriers only cost there: lavapipe takes 511 us instead of
 * 928 us for a 1x704 by 704x256 f32 matmul on one core of the development VM.
 */
void gb_vk_mm_shape(int cpu_shapes, uint32_t kp, uint32_t m, uint32_t *wg, uint32_t *tm)
{
	if (kp / 32 <= 8 || cpu_shapes) {
		*wg = 64;
		*tm = 0;
		return;
	}
	*wg = kp / 32 >= 48 ? 64 : 16;
	*tm = m == 1 ? 1 : m <= 4 ? 4 : 8;
}

/* The matmul (or topk score) dispatches over every weight range. */
int gb_vk_record_mm(struct gb_vk *vk, const char *prefix, const struct gb_vk_weights *w,
		    struct gb_vk_push pc, uint64_t *inv)
{
	char name[32];
	uint32_t wg, tm;
	VkPipeline pipe;
	int rc;

	gb_vk_mm_shape(vk->cpu_shapes, w->cols_padded, pc.m, &wg, &tm);
	snprintf(name, sizeof(name), "%s_%s", prefix, gb_vk_qname[w->quant]);
	if ((rc = gb_vk_pipeline(vk, name, wg, tm, &pipe)) < 0)
		return rc;
	pc.kp = w->cols_padded;
	pc.row_bytes = w->row_bytes;
	for (uint32_t c = 0; c < w->nchunks; c++) {
		uint64_t nj, groups;

		pc.j0 = c * w->chunk_rows;
		pc.j1 = pc.j0 + w->chunk_rows < w->rows ? pc.j0 + w->chunk_rows : w->rows;
		nj = pc.j1 - pc.j0;
		groups = tm ? nj * ((pc.m + tm - 1) / tm) : (nj * pc.m + wg - 1) / wg;
		gb_vk_dispatch(vk, pipe, w->sets[c], &pc, groups, wg, inv);
	}
	return 0;
}

void gb_vk_matmul_plan(const struct gb_shape *s, struct gb_vk_plan *pl)
{
	pl->x_row = 4ull * s->k;
	pl->y_row = 4ull * s->n;
}

int gb_vk_matmul_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			uint64_t *inv)
{
	const struct gb_shape *s = &c->shape;
	struct gb_vk_push pc = { .m = rows, .n = s->n, .k = s->k, .p = s->p };

	return gb_vk_record_mm(vk, "matmul", c->weights, pc, inv);
}

int gb_vk_matmul_cpu_shape(const char *shader, uint32_t *wg, uint32_t *tm)
{
	if (strncmp(shader, "matmul", 6))
		return 0;
	gb_vk_mm_shape(1, 0, 1, wg, tm);
	return 1;
}
