/*
 * ops-topk.c - the vulkan executor's vector top-k by tiles (shaders/
 * topk_sel.comp; a CPU device keeps topk.comp's rounds for small n * p,
 * see gb_vk_topk_rounds): a first pass in which each workgroup takes a tile
 * of `chunk` database rows and either scores it against up to 8 of the
 * call's queries at once (topk_fused_<quant>, when the weights sit in one
 * descriptor range: the tile's weights are read once for those queries)
 * or reads one query's scores (topk_score_<quant>, the matmul's
 * dispatches, then topk_sel), sorts each query's tile in shared memory and
 * keeps its best p; then merge passes over the survivors, a query a
 * workgroup, until one tile is left, whose best p go to y and idx.
 *
 * aux holds, per row of the call, the n scores of the unfused path and two
 * regions of (score, index) pairs the passes take turns reading and
 * writing; each region has room for the first pass's tiles * p pairs,
 * which no later pass exceeds (chunk >= 2p). The order is the cpu's:
 * score descending, then index ascending; NaN scores are dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

static const char *const gb_vk_topk_qname[GB_Q_COUNT] = { "f32", "f16", "q8", "q4" };

/* The tile of a first pass: the least power of two >= 2p, at least 256. */
static uint32_t gb_vk_topk_chunk(uint32_t p)
{
	uint32_t c = 256;

	while (c < 2 * p)
		c <<= 1;
	return c;
}

/* The tile of a last pass over l survivors: all of them, and >= 2p. */
static uint32_t gb_vk_topk_last_chunk(uint64_t l, uint32_t p)
{
	uint32_t c = 2;

	while (c < l || c < 2 * p)
		c <<= 1;
	return c;
}

/*
 * The workgroup of a pass over tiles of `chunk`, `nq` queries' tiles side
 * by side. A GPU: one compare-exchange of each step per invocation, at
 * most 256 and the device's most. A CPU device runs a workgroup's
 * invocations 8 at a time on one thread, each barrier a switch between
 * those groups: 8 invocations, more only to keep an invocation's loop
 * trips (scores of kp multiply-adds for each four queries, then the
 * network) well under lavapipe's cap of 65,535 in all.
 */
static uint32_t gb_vk_topk_wg(const struct gb_vk *vk, uint32_t chunk, uint32_t kp, uint32_t nq)
{
	uint32_t half = nq * chunk / 2 ? nq * chunk / 2 : 1, wg;
	uint64_t per_row = (uint64_t)kp * ((nq + 3) / 4) + 66ull * nq;

	if (!vk->cpu_shapes) {
		uint32_t cap = vk->props.limits.maxComputeWorkGroupInvocations;

		if (cap > vk->props.limits.maxComputeWorkGroupSize[0])
			cap = vk->props.limits.maxComputeWorkGroupSize[0];
		if (cap > 256)
			cap = 256;
		return half < cap ? half : cap;
	}
	wg = 8;
	while (wg < half && (uint64_t)((chunk + wg - 1) / wg) * per_row > 16384)
		wg <<= 1;
	return wg < half ? wg : half;
}

/*
 * The queries a workgroup of the fused first pass scores its tile against:
 * all of the call's rows, up to 8 and as many tiles as the shader's shared
 * arrays hold (2,048 pairs, 16 KiB: every device's least).
 * GB_VK_TOPK_QUERIES=N (1 to 8) forces N where the tile allows it.
 */
static uint32_t gb_vk_topk_queries(uint32_t rows, uint32_t chunk)
{
	const char *env = getenv("GB_VK_TOPK_QUERIES");
	uint32_t fit = 2048 / chunk, nq = rows < 8 ? rows : 8;

	if (env && *env >= '1' && *env <= '8' && !env[1])
		nq = (uint32_t)(*env - '0');
	if (nq > fit)
		nq = fit;
	return nq ? nq : 1;
}

static uint64_t gb_vk_topk_tiles(uint64_t n, uint32_t chunk)
{
	return (n + chunk - 1) / chunk;
}

void gb_vk_topk_plan(const struct gb_shape *s, struct gb_vk_plan *pl)
{
	uint64_t pairs = gb_vk_topk_tiles(s->n, gb_vk_topk_chunk(s->p)) * s->p;

	pl->x_row = 4ull * s->k;
	pl->y_row = 4ull * s->p;
	pl->idx_row = 4ull * s->p;
	pl->aux_row = 4ull * (s->n + 4 * pairs);
}

/*
 * Record one selection pass of `tiles` tiles a row over set 1 `set`, `nq`
 * queries a workgroup (pc->stage >> 8; the fused first pass only).
 */
static int gb_vk_topk_pass(struct gb_vk *vk, const char *shader, VkDescriptorSet set,
			   struct gb_vk_push *pc, uint32_t chunk, uint32_t kp, uint64_t tiles,
			   uint32_t nq, uint64_t *inv)
{
	uint32_t wg = gb_vk_topk_wg(vk, chunk, kp, nq);
	VkPipeline pipe;
	int rc;

	if (8ull * nq * chunk > vk->props.limits.maxComputeSharedMemorySize ||
	    wg > vk->props.limits.maxComputeWorkGroupInvocations ||
	    wg > vk->props.limits.maxComputeWorkGroupSize[0])
		return gb_error("vulkan: topk p=%u needs %u bytes of shared memory and %u "
				"invocations a workgroup; the device allows %u and %u", pc->p,
				8 * nq * chunk, wg, vk->props.limits.maxComputeSharedMemorySize,
				vk->props.limits.maxComputeWorkGroupInvocations);
	if ((rc = gb_vk_pipeline(vk, shader, wg, 1, &pipe)) < 0)
		return rc;
	pc->j1 = chunk;
	pc->stage |= nq << 8;
	gb_vk_dispatch(vk, pipe, set, pc, tiles * ((pc->m + nq - 1) / nq), wg, inv);
	return 0;
}

/*
 * Whether a CPU device takes topk.comp's p rounds over n (one workgroup of
 * 64 a query): cheaper there than the tiles' sort in shared memory (the ci
 * config's vector-search cells took 2.4x as long with the tiles on
 * lavapipe), but only while an invocation's loop trips, p * (n / 64 + 7),
 * stay well under lavapipe's cap of 65,535.
 */
static int gb_vk_topk_rounds(const struct gb_vk *vk, const struct gb_shape *s)
{
	return vk->cpu_shapes && (uint64_t)s->p * ((s->n + 63) / 64 + 7) <= 32768;
}

int gb_vk_topk_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
		      uint64_t *inv)
{
	const struct gb_shape *s = &c->shape;
	const struct gb_vk_weights *w = c->weights;
	struct gb_vk_push pc = { .m = rows, .n = s->n, .k = s->k, .p = s->p };
	uint32_t chunk = gb_vk_topk_chunk(s->p);
	uint64_t tiles = gb_vk_topk_tiles(s->n, chunk);
	/* The two pair regions (words), after the scores when there are scores. */
	uint32_t r0 = w->nchunks == 1 ? 0 : rows * s->n;
	uint32_t region = (uint32_t)(2 * tiles * s->p * rows), out = r0;
	VkPipeline pipe;
	int rc;

	if (gb_vk_topk_rounds(vk, s)) {
		if ((rc = gb_vk_record_mm(vk, "topk_score", w, pc, inv)) < 0)
			return rc;
		gb_vk_compute_barrier(vk);
		if ((rc = gb_vk_pipeline(vk, "topk_select", 64, 1, &pipe)) < 0)
			return rc;
		gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc, rows, 64, inv);
		return 0;
	}
	if (tiles == 1)
		chunk = gb_vk_topk_last_chunk(s->n, s->p);
	if (w->nchunks == 1) {
		char name[32];

		snprintf(name, sizeof(name), "topk_fused_%s", gb_vk_topk_qname[w->quant]);
		pc.kp = w->cols_padded;
		pc.row_bytes = w->row_bytes;
		pc.stage = 0 | (tiles == 1 ? 4u : 0u);
		rc = gb_vk_topk_pass(vk, name, w->sets[0], &pc, chunk, w->cols_padded, tiles,
				     gb_vk_topk_queries(rows, chunk), inv);
	} else {
		if ((rc = gb_vk_record_mm(vk, "topk_score", w, pc, inv)) < 0)
			return rc;
		gb_vk_compute_barrier(vk);
		pc.row_bytes = out;
		pc.stage = 1 | (tiles == 1 ? 4u : 0u);
		rc = gb_vk_topk_pass(vk, "topk_sel", vk->dummy_set, &pc, chunk, 0, tiles, 1, inv);
	}
	while (rc == 0 && tiles > 1) {
		gb_vk_compute_barrier(vk);
		pc.n = (uint32_t)(tiles * s->p);
		tiles = gb_vk_topk_tiles(pc.n, chunk);
		if (tiles == 1)
			chunk = gb_vk_topk_last_chunk(pc.n, s->p);
		pc.kp = out;
		out = out == r0 ? r0 + region : r0;
		pc.row_bytes = out;
		pc.stage = 2 | (tiles == 1 ? 4u : 0u);
		rc = gb_vk_topk_pass(vk, "topk_sel", vk->dummy_set, &pc, chunk, 0, tiles, 1, inv);
	}
	return rc;
}

/*
 * Every pipeline the tiled passes take on a GPU, built when the executor
 * starts (gb_vk_precompile): the fused first pass of each quant level and
 * the selection passes, at every tile from the last pass's smallest (2)
 * to 2,048 and every query count. A CPU device's one shape is
 * gb_vk_topk_cpu_shape's.
 */
int gb_vk_topk_prebuild(struct gb_vk *vk)
{
	VkPipeline pipe;
	int rc;

	if (vk->cpu_shapes)
		return 0;
	for (uint32_t chunk = 2; chunk <= 2048; chunk <<= 1) {
		if ((rc = gb_vk_pipeline(vk, "topk_sel", gb_vk_topk_wg(vk, chunk, 0, 1), 1,
					 &pipe)) < 0)
			return rc;
		for (uint32_t nq = 1; nq * chunk <= 2048 && nq <= 8; nq++)
			for (int q = 0; q < GB_Q_COUNT; q++) {
				char name[32];

				snprintf(name, sizeof(name), "topk_fused_%s", gb_vk_topk_qname[q]);
				if ((rc = gb_vk_pipeline(vk, name, gb_vk_topk_wg(vk, chunk, 0, nq), 1,
							 &pipe)) < 0)
					return rc;
			}
	}
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
	if (!strcmp(shader, "topk_sel") || !strncmp(shader, "topk_fused", 10)) {
		*wg = 8;  /* gb_vk_topk_wg's on a CPU device, for k <= 64 */
		*tm = 1;
		return 1;
	}
	return 0;
}
