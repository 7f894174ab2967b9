/*
 * ops-matmul.c - the vulkan executor's matmul: y = x W^T with W a
 * persistent operand (weights.c) in one of the quantizations, one dispatch
 * per range of W's rows a descriptor binds, by one of three kernels:
 *
 *   matvec  (shaders/matvec.comp) for m <= 8: lanes of one weight row read
 *           adjacent 16-byte units, every unit used for all m rows of x;
 *           sums by subgroupAdd where the device has subgroup arithmetic in
 *           compute shaders (matmul_vecsg_*), else a shared-memory tree;
 *   tiled   (shaders/matmul_tiled.comp) for larger m: shared-memory tiles
 *           of x and W, sized to maxComputeSharedMemorySize, TMxTN outputs
 *           an invocation; its vec4 variant (matmul_tiled4_*, GB_VK_TILED=v4
 *           where TM and TN are multiples of 4) reads the tiles four values
 *           a load, opt-in until a GPU has timed it against the scalar one;
 *   coopmat (shaders/matmul_cm.comp) for larger m and f16/q8/q4 weights,
 *           where coopmat.c found cooperative matrices and GB_VK_COOPMAT=1
 *           (not yet run on a GPU): 64 x 64 tiles of y on the matrix units,
 *           f16 pairs (hi, lo) in, f32 sums;
 *   legacy  (shaders/matmul.comp): a lane per 32-value block, or one
 *           invocation per output. A CPU device (lavapipe) keeps it: it runs
 *           a workgroup as SIMD lanes of one thread, where barriers and
 *           shared memory only cost. The same dispatches compute top-k's
 *           scores (ops-topk.c).
 *
 * Testing aids (read at each recording; documented in docs/vulkan.md):
 * GB_VK_MATMUL=auto|matvec|tiled|coopmat|legacy forces a kernel (matvec
 * only for m <= 8, else tiled; coopmat only where it can run, not for
 * f32), GB_VK_TILE=BMxBNxBK/TMxTN the tiled kernel's tile, GB_VK_TILED=v4
 * or scalar its reads (v4 only where TM and TN are multiples of 4),
 * GB_VK_MATVEC=sg:WG or shared:WG:LPR the matvec's shape and reduction.
 * A value that does not parse or does not fit the device is an error.
 */
#include <stdio.h>
#include <stdlib.h>
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

enum gb_mm_kernel { GB_MM_AUTO, GB_MM_VEC, GB_MM_TILED, GB_MM_COOP, GB_MM_LEGACY };

/* One kernel choice: the shader, its workgroup size and CFG, rows a group. */
struct gb_mm_plan {
	enum gb_mm_kernel kernel;
	int sg;                  /* matvec: the subgroupAdd variant */
	int v4;                  /* tiled: the vec4 reads' variant (matmul_tiled4_*) */
	uint32_t wg, cfg;        /* specialization constants 0 and 1 */
	uint32_t rows;           /* matvec: weight rows a workgroup */
	uint32_t bm, bn;         /* tiled, coopmat: the tile of y a workgroup */
};

static int gb_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int gb_mm_wg_fits(const struct gb_vk *vk, uint32_t wg)
{
	const VkPhysicalDeviceLimits *l = &vk->props.limits;

	return wg >= 1 && wg <= l->maxComputeWorkGroupInvocations &&
	       wg <= l->maxComputeWorkGroupSize[0];
}

/* The matvec's shape: M rows of x, `rows` weight rows a group. */
static int gb_mm_vec_plan(struct gb_vk *vk, uint32_t m, uint32_t kp, enum gb_quant q,
			  struct gb_mm_plan *pl)
{
	static const uint32_t per_unit[GB_Q_COUNT] = { 4, 8, 16, 32 };
	uint32_t sgs = vk->sg_size, mm = m <= 1 ? 1 : m <= 2 ? 2 : m <= 4 ? 4 : 8;
	uint32_t units = kp / per_unit[q], lpr = 32, wg = 128;
	int arith = vk->sg_arith;
	const char *env = getenv("GB_VK_MATVEC");

	pl->kernel = GB_MM_VEC;
	pl->sg = arith && sgs >= 4 && sgs <= 128;
	if (pl->sg) {
		wg = sgs * 4 > 256 ? sgs : sgs * 4;
		if (!gb_mm_wg_fits(vk, wg))
			wg = sgs;
	}
	while (lpr > 4 && lpr / 2 >= units)
		lpr /= 2;
	if (env && *env) {
		unsigned a = 0, b = 0;
		char tail;

		if (sscanf(env, "sg:%u%c", &a, &tail) == 1) {
			if (!arith)
				return gb_error("vulkan: GB_VK_MATVEC='%s': the device has no "
						"subgroup arithmetic in compute shaders", env);
			pl->sg = 1;
			wg = a;
		} else if (sscanf(env, "shared:%u:%u%c", &a, &b, &tail) == 2) {
			pl->sg = 0;
			wg = a;
			lpr = b;
		} else {
			return gb_error("vulkan: GB_VK_MATVEC='%s' is not sg:WG or shared:WG:LPR", env);
		}
		if (!gb_pow2(wg) || !gb_pow2(lpr) || lpr > wg || lpr > 1023 ||
		    (pl->sg && sgs && wg % sgs))
			return gb_error("vulkan: GB_VK_MATVEC='%s': WG and LPR must be powers "
					"of two, LPR <= WG, WG a multiple of the subgroup size %u",
					env, sgs);
	}
	if (!gb_mm_wg_fits(vk, wg) ||
	    (!pl->sg && (VkDeviceSize)wg * mm * 4 > vk->props.limits.maxComputeSharedMemorySize))
		return gb_error("vulkan: a matvec workgroup of %u does not fit the device", wg);
	pl->wg = wg;
	pl->rows = pl->sg ? wg / (sgs ? sgs : wg) : wg / lpr;
	if (pl->rows == 0 || pl->rows > 255)
		return gb_error("vulkan: a matvec workgroup of %u takes %u weight rows "
				"(1 to 255)", wg, pl->rows);
	/* LPR only shapes the shared-memory variant: one subgroup pipeline per M */
	pl->cfg = mm | pl->rows << 4 | (pl->sg ? 0 : lpr << 12);
	return 0;
}

/* The tiled kernel's tile from the device's shared memory, or GB_VK_TILE. */
static int gb_mm_tiled_plan(struct gb_vk *vk, uint32_t m, struct gb_mm_plan *pl)
{
	const VkPhysicalDeviceLimits *l = &vk->props.limits;
	unsigned bm = 64, bn = 64, bk = 16, tm = 4, tn = 4;
	const char *env = getenv("GB_VK_TILE");
	uint64_t shared;

	/*
	 * 128x128 tiles of 8x8 for large m; else 64 (or 32) x 64 with k steps
	 * of 32, where a step's W tile is dequantized a word (and one scale) at
	 * a time (matmul_tiled.comp).
	 */
	if (l->maxComputeSharedMemorySize >= 2u * 16 * (128 + 128) * 4 &&
	    gb_mm_wg_fits(vk, 256) && m > 64) {
		bm = bn = 128;
		tm = tn = 8;
	} else if (m <= 32) {
		bm = 32;
		tm = 2;
	}
	if (bm <= 64 && l->maxComputeSharedMemorySize >= 2u * 32 * (bm + bn) * 4)
		bk = 32;
	if (!gb_mm_wg_fits(vk, (bm / tm) * (bn / tn))) {
		bm = bn = 32;
		tm = tn = 4;
	}
	if (env && *env) {
		char tail;

		if (sscanf(env, "%ux%ux%u/%ux%u%c", &bm, &bn, &bk, &tm, &tn, &tail) != 5)
			return gb_error("vulkan: GB_VK_TILE='%s' is not BMxBNxBK/TMxTN", env);
	}
	shared = 2ull * bk * (bm + bn) * 4;
	if (bm == 0 || bn == 0 || bk == 0 || tm == 0 || tn == 0 || bm > 255 || bn > 255 ||
	    bk > 255 || tm > 15 || tn > 15 || bm % tm || bn % tn ||
	    !gb_mm_wg_fits(vk, (bm / tm) * (bn / tn)) || shared > l->maxComputeSharedMemorySize)
		return gb_error("vulkan: matmul tile %ux%ux%u/%ux%u does not fit the device "
				"(%llu bytes of shared memory of %u, %u invocations)", bm, bn, bk,
				tm, tn, (unsigned long long)shared, l->maxComputeSharedMemorySize,
				(bm / (tm ? tm : 1)) * (bn / (tn ? tn : 1)));
	pl->kernel = GB_MM_TILED;
	/* the vec4 reads need whole vec4 of rows and columns an invocation */
	env = getenv("GB_VK_TILED");
	if (env && *env && strcmp(env, "v4") && strcmp(env, "scalar"))
		return gb_error("vulkan: GB_VK_TILED='%s' is not v4 or scalar", env);
	pl->v4 = env && !strcmp(env, "v4") && tm % 4 == 0 && tn % 4 == 0;
	pl->wg = (bm / tm) * (bn / tn);
	pl->cfg = bm | bn << 8 | bk << 16 | tm << 24 | (uint32_t)tn << 28;
	pl->bm = bm;
	pl->bn = bn;
	return 0;
}

/* Which kernel runs y = x W^T for m rows, and at which shape. */
static int gb_mm_choose(struct gb_vk *vk, const struct gb_vk_weights *w, uint32_t m,
			struct gb_mm_plan *pl)
{
	const char *env = getenv("GB_VK_MATMUL");
	enum gb_mm_kernel k = GB_MM_AUTO;

	memset(pl, 0, sizeof(*pl));
	if (env && *env) {
		if (!strcmp(env, "matvec"))
			k = GB_MM_VEC;
		else if (!strcmp(env, "tiled"))
			k = GB_MM_TILED;
		else if (!strcmp(env, "coopmat"))
			k = GB_MM_COOP;
		else if (!strcmp(env, "legacy"))
			k = GB_MM_LEGACY;
		else if (strcmp(env, "auto"))
			return gb_error("vulkan: GB_VK_MATMUL='%s' is not auto, matvec, tiled, "
					"coopmat or legacy", env);
	}
	if (k == GB_MM_COOP && (!vk->coop.ok || w->quant == GB_Q_F32))
		return gb_error("vulkan: GB_VK_MATMUL=coopmat: %s",
				vk->coop.ok ? "f32 weights stay on FMAs" : vk->coop.why);
	if (k == GB_MM_AUTO)
		k = vk->cpu_shapes ? GB_MM_LEGACY : m <= 8 ? GB_MM_VEC :
		    vk->coop.ok && w->quant != GB_Q_F32 ? GB_MM_COOP : GB_MM_TILED;
	if (k == GB_MM_VEC && m > 8)
		k = GB_MM_TILED;
	pl->kernel = k;
	if (k == GB_MM_COOP) {
		pl->wg = vk->coop.wg;
		pl->cfg = 1;
		pl->bm = pl->bn = 64;  /* matmul_cm.comp's BM, BN */
		return 0;
	}
	if (k == GB_MM_VEC)
		return gb_mm_vec_plan(vk, m, w->cols_padded, w->quant, pl);
	if (k == GB_MM_TILED)
		return gb_mm_tiled_plan(vk, m, pl);
	return 0;
}

/* The pipeline of a matvec or tiled plan. */
static int gb_mm_pipeline(struct gb_vk *vk, const struct gb_mm_plan *pl, enum gb_quant q,
			  VkPipeline *pipe)
{
	char name[40];

	snprintf(name, sizeof(name), "%s_%s",
		 pl->kernel == GB_MM_TILED ? (pl->v4 ? "matmul_tiled4" : "matmul_tiled") :
		 pl->kernel == GB_MM_COOP ? (vk->coop.emulate ?
			(vk->coop.single ? "matmul_cmemu1" : "matmul_cmemu") :
			(vk->coop.single ? "matmul_cm1" : "matmul_cm")) :
		 pl->sg ? "matmul_vecsg" : "matmul_vec",
		 gb_vk_qname[q]);
	return gb_vk_pipeline(vk, name, pl->wg, pl->cfg, pipe);
}

int gb_vk_matmul_prebuild(struct gb_vk *vk)
{
	static const uint32_t ms[] = { 1, 2, 4, 8, 9, 33, 65 };
	struct gb_vk_weights w = { .cols_padded = 4096 };
	struct gb_mm_plan pl;
	VkPipeline pipe;
	int rc;

	if (vk->cpu_shapes || getenv("GB_VK_MATMUL") || getenv("GB_VK_MATVEC") ||
	    getenv("GB_VK_TILE"))
		return 0;
	for (int q = 0; q < GB_Q_COUNT; q++) {
		w.quant = (enum gb_quant)q;
		for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
			if ((rc = gb_mm_choose(vk, &w, ms[i], &pl)) < 0 ||
			    (pl.kernel != GB_MM_LEGACY &&
			     (rc = gb_mm_pipeline(vk, &pl, w.quant, &pipe)) < 0))
				return rc;
		}
	}
	return 0;
}

int gb_vk_matmul_record(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			uint64_t *inv)
{
	const struct gb_shape *s = &c->shape;
	const struct gb_vk_weights *w = c->weights;
	struct gb_vk_push pc = { .m = rows, .n = s->n, .k = s->k, .p = s->p };
	struct gb_mm_plan pl;
	VkPipeline pipe;
	int rc;

	if ((rc = gb_mm_choose(vk, w, rows, &pl)) < 0)
		return rc;
	if (pl.kernel == GB_MM_LEGACY)
		return gb_vk_record_mm(vk, "matmul", w, pc, inv);
	if ((rc = gb_mm_pipeline(vk, &pl, w->quant, &pipe)) < 0)
		return rc;
	pc.kp = w->cols_padded;
	pc.row_bytes = w->row_bytes;
	for (uint32_t ch = 0; ch < w->nchunks; ch++) {
		uint64_t nj, groups;

		pc.j0 = ch * w->chunk_rows;
		pc.j1 = pc.j0 + w->chunk_rows < w->rows ? pc.j0 + w->chunk_rows : w->rows;
		nj = pc.j1 - pc.j0;
		if (pl.kernel == GB_MM_VEC)
			groups = (nj + pl.rows - 1) / pl.rows;
		else
			groups = ((uint64_t)(rows + pl.bm - 1) / pl.bm) * ((nj + pl.bn - 1) / pl.bn);
		gb_vk_dispatch(vk, pipe, w->sets[ch], &pc, groups, pl.wg, inv);
	}
	return 0;
}

/*
 * The legacy shaders' one shape on a CPU device; the matvec, tiled and
 * coopmat kernels' shapes depend on the call and the device
 * (gb_vk_matmul_prebuild builds them on a GPU).
 */
int gb_vk_matmul_cpu_shape(const char *shader, uint32_t *wg, uint32_t *tm)
{
	if (strncmp(shader, "matmul_", 7) || !strncmp(shader, "matmul_vec", 10) ||
	    !strncmp(shader, "matmul_tiled", 12) || !strncmp(shader, "matmul_cm", 9))
		return 0;
	gb_vk_mm_shape(1, 0, 1, wg, tm);
	return 1;
}
