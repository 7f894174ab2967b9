/*
 * exec.c - the vulkan executor: every op of DESIGN.md section 5 as compute
 * shaders (the .comp files of shaders/, embedded as SPIR-V by
 * shaders/shaders.mk) on one compute queue of one device. This file is its
 * interface (gb_executor_vulkan: init, release, run, info, turn, the
 * validation count) and the life of a call; the rest of bench/vulkan/ is
 * one concern a file, sharing vk.h:
 *
 *   vk-api.c      the Vulkan loader, opened at run time (vk-api.h)
 *   device.c      errors, the validation messenger, instance, device choice
 *   memory.c      memory types and buffers
 *   submit.c      command buffer, submission, barriers, dispatches, timestamps
 *   pipeline.c    layout, descriptor sets, pipelines, precompilation
 *   weights.c     persistent operands
 *   ops-matmul.c  matmul (and the weight-range dispatches top-k scores with)
 *   ops-topk.c    vector top-k
 *   ops-misc.c    softmax, rmsnorm, silu, reduce, fft
 *   vk-peak.c     `gbench peak`'s copy and FMA ceilings
 *
 * Life of a call: the inputs go into device-local buffers (written through
 * a mapping when that memory is the host's own: host-visible, coherent and
 * host-cached; else through a persistent host-cached staging buffer and a
 * copy; opts->force_staging forces the copy), the dispatches run between
 * two timestamps, the outputs come back the same way, and run() returns
 * once the fence has signalled (after a bounded spin on it). A call shape
 * seen before resubmits the command buffer recorded for it (submit.c). The
 * per-call buffers (x, y, idx, aux) only grow, so a steady replay
 * allocates nothing; the descriptor sets are rewritten only when a buffer
 * grows, and the recordings are then forgotten; every pipeline a family
 * can choose is built at init through the on-disk pipeline cache
 * (pipeline.c). A persistent operand is one device buffer per
 * weights_upload, bound through one descriptor set per range of rows that
 * fits in maxStorageBufferRange; a call whose per-call buffers would not
 * fit runs as several submissions of fewer rows. With calibrated
 * timestamps the call's host time is split into queue, device and return.
 *
 * Checks on every call: a guard region after each output buffer holds a
 * sentinel (laid when its place changes, outside the timestamps) and must
 * still hold it afterwards; once
 * per (pipeline, shape) a pipeline-statistics query must count exactly the
 * compute invocations dispatched. With opts->validate the Khronos validation
 * layer reports through a debug-utils messenger; every message goes to
 * stderr and is counted.
 */
#include "executor.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"
#include "vulkan/vk-spirv.h"

#define GB_VK_GUARD 256u                 /* bytes of sentinel after an output */
#define GB_VK_SENTINEL 0x7fbadbadu       /* a NaN no shader computes */

/* ---- init / release --------------------------------------------------- */

static int gb_vk_create_objects(struct gb_vk *vk, char *reason, size_t len)
{
	int grown = 0;

	if (gb_vk_layout_create(vk, reason, len) < 0 || gb_vk_submit_create(vk, reason, len) < 0)
		return -1;
	/* Small per-call buffers so every descriptor is valid from the start. */
	for (int b = 0; b < GB_VK_NIO; b++)
		if (gb_vk_buf_grow(vk, &vk->io[b], 4096, 0, &grown) < 0)
			goto nomem;
	if (gb_vk_buf_make(vk, &vk->dummy, 64, 0) < 0)
		goto nomem;
	vk->staging = vk->io[GB_VK_X].map == NULL;
	if (vk->staging && (gb_vk_buf_grow(vk, &vk->up, 4096, GB_VK_MEM_STAGING, &grown) < 0 ||
			    gb_vk_buf_grow(vk, &vk->down, 4096, GB_VK_MEM_STAGING, &grown) < 0))
		goto nomem;
	gb_vk_write_io_set(vk);
	gb_vk_write_set(vk, vk->dummy_set, 0, vk->dummy.buf, 0, VK_WHOLE_SIZE);
	return 0;
nomem:
	snprintf(reason, len, "could not allocate the first vulkan buffers");
	return -1;
}

static void gb_vk_release(struct gb_executor *ex)
{
	struct gb_vk *vk = ex->ctx;

	if (!vk)
		return;
	if (vk->dev) {
		vk->api.vkDeviceWaitIdle(vk->dev);
		gb_vk_pcache_close(vk);
		gb_vk_pipelines_destroy(vk);
		for (int b = 0; b < GB_VK_NIO; b++)
			gb_vk_buf_free(vk, &vk->io[b]);
		gb_vk_buf_free(vk, &vk->up);
		gb_vk_buf_free(vk, &vk->down);
		gb_vk_buf_free(vk, &vk->dummy);
		gb_vk_submit_destroy(vk);
		gb_vk_layout_destroy(vk);
		vk->api.vkDestroyDevice(vk->dev, NULL);
	}
	if (vk->messenger)
		vk->api.vkDestroyDebugUtilsMessengerEXT(vk->inst, vk->messenger, NULL);
	if (vk->inst)
		vk->api.vkDestroyInstance(vk->inst, NULL);
	gb_vk_api_close(&vk->api);
	free(vk->twiddles);
	free(vk);
	ex->ctx = NULL;
}

/* ---- placement of a CPU device ---------------------------------------- */

/*
 * A CPU device (lavapipe) runs shaders on host threads that sleep between
 * submits. On a small virtual machine, waking a thread on another core
 * costs tens of microseconds each way (an inter-processor interrupt to a
 * halted vCPU), and how much varies with where the scheduler put them: a
 * 1x256 rmsnorm took 22 us a call pinned and 167 to 224 us unpinned on the
 * 2-vCPU development VM, and the spread of ci's vulkan repetitions fell
 * from 12% to a few percent. So, with pin, the driver runs its
 * shaders on its submit thread (LP_NUM_THREADS=0), that thread starts on
 * the last core of the process's mask, and each turn of calls holds the
 * submitting thread on the same core. The device then computes on one
 * core: meta.json says so (executors.vulkan.placement).
 */
static void gb_vk_pin_setup(struct gb_vk *vk)
{
	const char *lp = getenv("LP_NUM_THREADS");

	if (sched_getaffinity(0, sizeof(vk->free_mask), &vk->free_mask) < 0 ||
	    CPU_COUNT(&vk->free_mask) < 2)
		return;
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &vk->free_mask)) {
			vk->pin_cpu = c;
			break;
		}
	snprintf(vk->info.placement, sizeof(vk->info.placement),
		 "pinned: the CPU device's driver threads and the submitting thread on core %d "
		 "(LP_NUM_THREADS=%s)", vk->pin_cpu, lp ? lp : "unset");
}

static void gb_vk_turn(struct gb_executor *ex, int begin)
{
	struct gb_vk *vk = ex->ctx;
	cpu_set_t one;

	if (!vk || vk->pin_cpu < 0)
		return;
	CPU_ZERO(&one);
	CPU_SET(vk->pin_cpu, &one);
	if (sched_setaffinity(0, sizeof(cpu_set_t), begin ? &one : &vk->free_mask) < 0) {
		gb_warn("vulkan: cannot %s core %d (%s); the CPU device runs unpinned",
			begin ? "pin to" : "unpin from", vk->pin_cpu, strerror(errno));
		snprintf(vk->info.placement, sizeof(vk->info.placement), "unpinned: %s",
			 strerror(errno));
		vk->pin_cpu = -1;
	}
}


static int gb_vk_init(struct gb_executor *ex, const struct gb_exec_opts *o,
		      char *reason, size_t len)
{
	struct gb_vk *vk = gb_xcalloc(1, sizeof(*vk));
	const char *env;

	ex->ctx = vk;
	vk->force_staging = o && o->force_staging;
	vk->pin_cpu = -1;
	/*
	 * Pinning a CPU device: llvmpipe (lavapipe's engine) reads its thread
	 * count when the instance enumerates devices, so it is set before;
	 * other drivers ignore it, and a value the user set stays.
	 */
	if (o && o->pin && !getenv("LP_NUM_THREADS"))
		setenv("LP_NUM_THREADS", "0", 1);
	if (!gb_vk_spirv_table[0].name) {
		snprintf(reason, len, "this gbench was built without shaders (glslc missing)");
		goto fail;
	}
	if (gb_vk_api_open(&vk->api, reason, len) < 0)
		goto fail;
	if (gb_vk_create_instance(vk, o && o->validate, reason, len) < 0)
		goto fail;
	if (gb_vk_pick_device(vk, o ? o->device : NULL, reason, len) < 0)
		goto fail;
	vk->api.vkGetPhysicalDeviceProperties(vk->phys, &vk->props);
	vk->api.vkGetPhysicalDeviceMemoryProperties(vk->phys, &vk->mem);
	gb_vk_fill_info(vk);
	if (vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU) {
		/* A testing aid: the GPU shapes on a CPU device, so that tests cover them. */
		env = getenv("GBENCH_VK_GPU_SHAPES");
		vk->cpu_shapes = !(env && *env == '1');
		if (o && o->pin)
			gb_vk_pin_setup(vk);
	}
	vk->max_range = vk->props.limits.maxStorageBufferRange;
	/* A testing aid: pretend the device binds less, to exercise the splits. */
	if ((env = getenv("GBENCH_VK_MAX_RANGE")) && atoll(env) >= 1024 &&
	    (VkDeviceSize)atoll(env) < vk->max_range)
		vk->max_range = (VkDeviceSize)atoll(env);
	/* A testing aid: pretend the device has this many bytes, to exercise out-of-memory. */
	if ((env = getenv("GBENCH_VK_HEAP_LIMIT")) && atoll(env) > 0)
		vk->heap_limit = (VkDeviceSize)atoll(env);
	/* And this: lose the device after so many calls, to exercise device-lost handling. */
	if ((env = getenv("GBENCH_VK_LOSE_AFTER")) && atoll(env) > 0)
		vk->lose_after = (uint64_t)atoll(env);
	vk->align = vk->props.limits.minStorageBufferOffsetAlignment;
	if (vk->align == 0)
		vk->align = 1;
	/* the driver's threads start here and keep the affinity they start with */
	gb_vk_turn(ex, 1);
	if (gb_vk_create_device(vk, reason, len) < 0 ||
	    gb_vk_create_objects(vk, reason, len) < 0) {
		gb_vk_turn(ex, 0);
		goto fail;
	}
	gb_vk_turn(ex, 0);
	if (vk->coop.ok)
		snprintf(vk->info.kernels, sizeof(vk->info.kernels),
			 "matmul: cooperative matrices%s for f16/q8/q4 weights, m > 8, %s "
			 "(GB_VK_COOPMAT=%s; workgroup %u)", vk->coop.emulate ? " emulated" : "",
			 vk->coop.single ? "one f16 a value" : "f16 (hi, lo) pairs",
			 vk->coop.emulate ? "emulate, a testing aid" : "1", vk->coop.wg);
	else if (getenv("GB_VK_COOPMAT"))
		snprintf(vk->info.kernels, sizeof(vk->info.kernels),
			 "matmul: no cooperative matrices: %.150s", vk->coop.why);
	gb_vk_pcache_open(vk);
	if (gb_vk_precompile(vk, reason, len) < 0)
		goto fail;
	/*
	 * Completion: spin this long on the fence before sleeping (GPUs); a CPU
	 * device computes on the cores a spinner takes, so none there.
	 */
	vk->spin_ns = vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? 0 : 20000;
	if ((env = getenv("GB_VK_FENCE_SPIN_US")) && *env) {
		uint64_t us;

		if (gb_parse_u64(env, 1000000, &us) < 0) {
			snprintf(reason, len, "GB_VK_FENCE_SPIN_US='%.40s' is not a number of "
				 "microseconds (0 to 1000000)", env);
			goto fail;
		}
		vk->spin_ns = us * 1000;
	}
	/*
	 * A testing aid: GBENCH_VK_SELFTEST_VALIDATION=1 makes one invalid call
	 * (a buffer of size 0, VUID-VkBufferCreateInfo-size-00912) so a test can
	 * see a validation message reach stderr, the count and the exit code;
	 * =sync a synchronization hazard (below).
	 */
	env = getenv("GBENCH_VK_SELFTEST_VALIDATION");
	if (o && o->validate && env && !strcmp(env, "1")) {
		VkBufferCreateInfo bad = {
			.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
			.size = 0,
			.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
		};
		VkBuffer b = VK_NULL_HANDLE;

		if (vk->api.vkCreateBuffer(vk->dev, &bad, NULL, &b) == VK_SUCCESS && b)
			vk->api.vkDestroyBuffer(vk->dev, b, NULL);
	}
	/*
	 * =sync: two fills of one buffer with no barrier between them, a
	 * write-after-write hazard only the synchronization validation sees.
	 */
	if (o && o->validate && env && !strcmp(env, "sync")) {
		int grown = 0;

		if (gb_vk_buf_grow(vk, &vk->io[GB_VK_X], 256, 0, &grown) < 0)
			goto fail;
		if (grown)
			gb_vk_write_io_set(vk);
		if (gb_vk_begin(vk) < 0)
			goto fail;
		vk->api.vkCmdFillBuffer(vk->cmd, vk->io[GB_VK_X].buf, 0, 256, 0);
		vk->api.vkCmdFillBuffer(vk->cmd, vk->io[GB_VK_X].buf, 0, 256, 1);
		if (gb_vk_submit_wait(vk) < 0)
			goto fail;
	}
	return 0;
fail:
	gb_vk_release(ex);
	return -1;
}

static void gb_vk_info(const struct gb_executor *ex, struct gb_exec_info *out)
{
	const struct gb_vk *vk = ex->ctx;

	if (vk)
		*out = vk->info;
	else
		memset(out, 0, sizeof(*out));
}

static unsigned gb_vk_validation_messages(const struct gb_executor *ex)
{
	const struct gb_vk *vk = ex->ctx;

	return vk ? vk->messages : 0;
}

/* ---- run -------------------------------------------------------------- */

/* Each op family sizes its own per-call buffers. */
static void gb_vk_plan(const struct gb_shape *s, struct gb_vk_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	switch (s->op) {
	case GB_OP_MATMUL: gb_vk_matmul_plan(s, pl); break;
	case GB_OP_TOPK: gb_vk_topk_plan(s, pl); break;
	default: gb_vk_misc_plan(s, pl); break;
	}
}

/* Record the op's dispatches for `rows` rows; *inv gets the invocations. */
static int gb_vk_record_op(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			   uint64_t *inv)
{
	switch (c->shape.op) {
	case GB_OP_MATMUL: return gb_vk_matmul_record(vk, c, rows, inv);
	case GB_OP_TOPK: return gb_vk_topk_record(vk, c, rows, inv);
	default: return gb_vk_misc_record(vk, c, rows, inv);
	}
}

/* Whether this (op, quant, shape) still needs its invocation count checked. */
static int gb_vk_needs_check(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			     uint64_t *key)
{
	uint32_t v[6] = { (uint32_t)c->shape.op, (uint32_t)c->quant, rows, c->shape.n,
			  c->shape.k, c->shape.p };

	if (!vk->stats_pool)
		return 0;
	*key = gb_fnv1a(GB_FNV_INIT, v, sizeof(v));
	for (int i = 0; i < vk->nchecked; i++)
		if (vk->checked[i] == *key)
			return 0;
	return vk->nchecked < GB_VK_MAX_CHECKED;
}

/* Where a submission's data lies in the per-call and staging buffers, in bytes. */
struct gb_vk_span {
	VkDeviceSize xb, yb, ib, ab;
	VkDeviceSize up_aux;     /* the twiddles' offset in `up` */
	VkDeviceSize down_idx;   /* the indices' offset in `down` */
	int tw;                  /* the twiddles go to aux */
};

/* The key of a call's recording: everything its commands depend on. */
static uint64_t gb_vk_call_key(const struct gb_vk *vk, const struct gb_exec_call *c,
			       uint32_t rows)
{
	struct {
		uint32_t op, quant, rows, n, k, p, staging, pad;
		const void *weights;
	} v;

	memset(&v, 0, sizeof(v));
	v.op = (uint32_t)c->shape.op;
	v.quant = (uint32_t)c->quant;
	v.rows = rows;
	v.n = c->shape.n;
	v.k = c->shape.k;
	v.p = c->shape.p;
	v.staging = (uint32_t)vk->staging;
	v.weights = gb_op_has_weights(c->shape.op) ? c->weights : NULL;
	return gb_fnv1a(GB_FNV_INIT, &v, sizeof(v));
}

/*
 * The sentinels after the outputs, laid only when their place changed (a
 * new shape, a grown buffer, a one-off submission in between): a correct
 * call leaves them as they are, so a repeated call neither fills nor
 * waits for a fill. Mapped memory is written by the host; otherwise *prep
 * is a command buffer of fills that runs before the call's, outside its
 * timestamps.
 */
static int gb_vk_guard_prep(struct gb_vk *vk, const struct gb_vk_span *sp, VkCommandBuffer *prep)
{
	const uint32_t word = GB_VK_SENTINEL;
	int rc;

	*prep = VK_NULL_HANDLE;
	if (vk->guard_ok && vk->guard_y == sp->yb && vk->guard_i == sp->ib)
		return 0;
	if (!vk->staging) {
		for (unsigned i = 0; i < GB_VK_GUARD; i += 4) {
			memcpy((char *)vk->io[GB_VK_Y].map + sp->yb + i, &word, 4);
			if (sp->ib)
				memcpy((char *)vk->io[GB_VK_IDX].map + sp->ib + i, &word, 4);
		}
	} else {
		if ((rc = gb_vk_begin_cmd(vk, vk->cmd_prep, 0)) < 0)
			return rc;
		vk->api.vkCmdFillBuffer(vk->cmd_prep, vk->io[GB_VK_Y].buf, sp->yb, GB_VK_GUARD,
					GB_VK_SENTINEL);
		if (sp->ib)
			vk->api.vkCmdFillBuffer(vk->cmd_prep, vk->io[GB_VK_IDX].buf, sp->ib,
						GB_VK_GUARD, GB_VK_SENTINEL);
		vk->cmd = vk->cmd_prep;
		/* the call's shaders write these buffers and its copies read the guards */
		gb_vk_barrier(vk, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
			      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
			      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
			      VK_ACCESS_TRANSFER_READ_BIT);
		GB_VK_TRY(vk, vk->api.vkEndCommandBuffer(vk->cmd_prep), "vkEndCommandBuffer");
		*prep = vk->cmd_prep;
	}
	vk->guard_y = sp->yb;
	vk->guard_i = sp->ib;
	vk->guard_ok = 1;
	return 0;
}

/*
 * Record a call's commands into vk->cmd (begun): the uploads from staging,
 * the timestamps around the dispatches only, the statistics query when
 * `check`, the read-back. One barrier between each dependent step and
 * none where nothing depends: mapped memory needs none before the
 * dispatches (the submission makes host writes visible).
 */
static int gb_vk_record_call(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			     const struct gb_vk_span *sp, int check, uint64_t *inv)
{
	int rc;

	if (vk->ts_pool)
		vk->api.vkCmdResetQueryPool(vk->cmd, vk->ts_pool, 0, 2);
	if (check)
		vk->api.vkCmdResetQueryPool(vk->cmd, vk->stats_pool, 0, 1);
	if (vk->staging) {
		VkBufferCopy rx = { .size = sp->xb }, ra = { .srcOffset = sp->up_aux, .size = sp->ab };

		vk->api.vkCmdCopyBuffer(vk->cmd, vk->up.buf, vk->io[GB_VK_X].buf, 1, &rx);
		if (sp->tw)
			vk->api.vkCmdCopyBuffer(vk->cmd, vk->up.buf, vk->io[GB_VK_AUX].buf, 1, &ra);
		gb_vk_barrier(vk, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
			      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
			      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
	}
	if (vk->ts_pool)
		vk->api.vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
					    vk->ts_pool, 0);
	if (check)
		vk->api.vkCmdBeginQuery(vk->cmd, vk->stats_pool, 0, 0);
	rc = gb_vk_record_op(vk, c, rows, inv);
	if (check)
		vk->api.vkCmdEndQuery(vk->cmd, vk->stats_pool, 0);
	if (vk->ts_pool)
		vk->api.vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
					    vk->ts_pool, 1);
	if (rc < 0) {
		vk->api.vkEndCommandBuffer(vk->cmd);
		return rc;
	}
	if (vk->staging) {
		VkBufferCopy ry = { .size = sp->yb + GB_VK_GUARD };
		VkBufferCopy ri = { .dstOffset = sp->down_idx, .size = sp->ib + GB_VK_GUARD };

		gb_vk_barrier(vk, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
			      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
		vk->api.vkCmdCopyBuffer(vk->cmd, vk->io[GB_VK_Y].buf, vk->down.buf, 1, &ry);
		if (sp->ib)
			vk->api.vkCmdCopyBuffer(vk->cmd, vk->io[GB_VK_IDX].buf, vk->down.buf, 1, &ri);
		gb_vk_barrier(vk, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
			      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	} else {
		gb_vk_barrier(vk, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
			      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	}
	GB_VK_TRY(vk, vk->api.vkEndCommandBuffer(vk->cmd), "vkEndCommandBuffer");
	return 0;
}

/* The pipeline-statistics check of a one-off recording (see the file's comment). */
static int gb_vk_check_stats(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			     uint64_t inv, uint64_t key)
{
	const struct gb_shape *s = &c->shape;
	uint64_t got = 0;
	VkResult r = vk->api.vkGetQueryPoolResults(vk->dev, vk->stats_pool, 0, 1, sizeof(got),
						   &got, sizeof(got),
						   VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);

	if (r != VK_SUCCESS)
		return gb_vk_fail(vk, r, "vkGetQueryPoolResults (statistics)");
	/*
	 * Fewer invocations than dispatched means work was lost: an error.
	 * More is how some devices count (whole waves); the spec leaves it
	 * to them, so only say so, once.
	 */
	if (got < inv)
		return gb_error("vulkan: %s m=%u n=%u k=%u: the device ran %llu compute "
				"invocations, %llu were dispatched",
				gb_op_name(s->op), rows, s->n, s->k,
				(unsigned long long)got, (unsigned long long)inv);
	if (got > inv && !vk->warned_stats++)
		gb_warn("vulkan: %s: the device counts %llu compute invocations for %llu "
			"dispatched (it counts whole waves); not an error",
			gb_op_name(s->op), (unsigned long long)got, (unsigned long long)inv);
	vk->checked[vk->nchecked++] = key;
	return 0;
}

/* The outputs' guards must still hold the sentinel. */
static int gb_vk_check_guards(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			      const struct gb_vk_span *sp, const unsigned char *out,
			      const unsigned char *idx)
{
	const struct gb_shape *s = &c->shape;

	for (int b = 0; b < (sp->ib ? 2 : 1); b++) {
		const unsigned char *g = b == 0 ? out + sp->yb : idx + sp->ib;
		uint32_t word;

		for (unsigned i = 0; i < GB_VK_GUARD; i += 4) {
			memcpy(&word, g + i, 4);
			if (word != GB_VK_SENTINEL) {
				vk->guard_ok = 0;
				return gb_error("vulkan: %s m=%u n=%u k=%u wrote past the end of "
						"its %s buffer (guard byte %u)", gb_op_name(s->op),
						rows, s->n, s->k, b ? "index" : "output", i);
			}
		}
	}
	return 0;
}

/*
 * Run rows [row0, row0 + rows) of the call as one submission. Adds the
 * device time to *ns, or clears *ts_ok when there is none. A call shape
 * seen before resubmits the command buffer recorded for it; one whose
 * invocation count is still to be checked is recorded once, with the
 * query, and not kept.
 */
static int gb_vk_run_rows(struct gb_vk *vk, const struct gb_exec_call *c,
			  const struct gb_vk_plan *pl, uint32_t row0, uint32_t rows,
			  uint64_t *ns, int *ts_ok)
{
	const struct gb_shape *s = &c->shape;
	struct gb_vk_span sp = {
		.xb = pl->x_row * rows, .yb = pl->y_row * rows, .ib = pl->idx_row * rows,
		.ab = pl->aux_row * rows + pl->aux_fixed,
	};
	const float *tw = s->op == GB_OP_FFT ? gb_vk_twiddles(vk, s->n) : NULL;
	int grown = 0, check, hit = 0, rc;
	uint64_t key = 0, inv = 0;
	const unsigned char *out, *idx;
	struct gb_vk_cmd_slot *slot = NULL;
	VkCommandBuffer prep, cmd;

	sp.up_aux = (sp.xb + 15) & ~(VkDeviceSize)15;
	sp.down_idx = sp.yb + GB_VK_GUARD;
	sp.tw = tw != NULL;
	if ((rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_X], sp.xb, 0, &grown)) < 0 ||
	    (rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_Y], sp.yb + GB_VK_GUARD, 0, &grown)) < 0 ||
	    (rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_IDX], sp.ib + GB_VK_GUARD, 0, &grown)) < 0 ||
	    (rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_AUX], sp.ab, 0, &grown)) < 0) {
		/*
		 * A grow that succeeded freed the buffer the set pointed to: point
		 * the set at the new ones before the split retry, which may grow
		 * nothing and so not rewrite it.
		 */
		if (grown)
			gb_vk_write_io_set(vk);
		return rc;
	}
	if (vk->staging) {
		int sgrown = 0;

		rc = gb_vk_buf_grow(vk, &vk->up, sp.up_aux + (tw ? sp.ab : 0), GB_VK_MEM_STAGING,
				    &sgrown);
		if (rc == 0)
			rc = gb_vk_buf_grow(vk, &vk->down, sp.down_idx + sp.ib + GB_VK_GUARD,
					    GB_VK_MEM_STAGING, &sgrown);
		if (sgrown)
			gb_vk_cmds_forget(vk);   /* recordings copy through the old ones */
		if (rc < 0) {
			if (grown)
				gb_vk_write_io_set(vk);
			return rc;
		}
	}
	if (grown)
		gb_vk_write_io_set(vk);

	/* Inputs. */
	if (vk->staging) {
		memcpy(vk->up.map, c->x + (size_t)row0 * (pl->x_row / 4), sp.xb);
		if (tw)
			memcpy((char *)vk->up.map + sp.up_aux, tw, sp.ab);
		if ((rc = gb_vk_buf_flush(vk, &vk->up)) < 0)
			return rc;
	} else {
		memcpy(vk->io[GB_VK_X].map, c->x + (size_t)row0 * (pl->x_row / 4), sp.xb);
		if (tw)
			memcpy(vk->io[GB_VK_AUX].map, tw, sp.ab);
	}
	if ((rc = gb_vk_guard_prep(vk, &sp, &prep)) < 0)
		return rc;

	/* The call's commands: recorded before, or now. */
	check = gb_vk_needs_check(vk, c, rows, &key);
	if (check) {
		cmd = vk->cmd0;
	} else {
		uint64_t ck = gb_vk_call_key(vk, c, rows);

		slot = gb_vk_cmd_slot(vk, ck, &hit);
		cmd = slot->cmd;
		key = ck ? ck : 1;
	}
	if (!hit) {
		if ((rc = gb_vk_begin_cmd(vk, cmd, !check)) < 0)
			return rc;
		vk->cmd = cmd;
		rc = gb_vk_record_call(vk, c, rows, &sp, check, &inv);
		vk->cmd = vk->cmd0;
		if (rc < 0)
			return rc;
		vk->cmd_records++;
		if (slot)
			slot->key = key;
	} else {
		vk->cmd_hits++;
	}
	if ((rc = gb_vk_submit_cmds(vk, prep, cmd)) < 0) {
		if (slot)
			slot->key = 0;
		vk->guard_ok = 0;
		return rc;
	}

	/* Device time. */
	if (vk->ts_pool) {
		uint64_t d = 0;

		if ((rc = gb_vk_read_ticks(vk, &d)) < 0)
			return rc;
		if (rc == 0)
			*ns += d;
		else
			*ts_ok = 0;
	} else {
		*ts_ok = 0;
	}
	if (check && (rc = gb_vk_check_stats(vk, c, rows, inv, key)) < 0)
		return rc;

	/* Outputs and their guards. */
	if (vk->staging && (rc = gb_vk_buf_invalidate(vk, &vk->down)) < 0)
		return rc;
	out = vk->staging ? vk->down.map : vk->io[GB_VK_Y].map;
	idx = vk->staging ? (const unsigned char *)vk->down.map + sp.down_idx :
			    (const unsigned char *)vk->io[GB_VK_IDX].map;
	memcpy(c->y + (size_t)row0 * (pl->y_row / 4), out, sp.yb);
	if ((rc = gb_vk_check_guards(vk, c, rows, &sp, out, idx)) < 0)
		return rc;
	if (sp.ib && c->idx)
		memcpy(c->idx + (size_t)row0 * s->p, idx, sp.ib);
	return 0;
}

/*
 * The call's host time around the device's: queue_ns from the call's
 * start to the first dispatch's start, return_ns from the last one's end
 * to now, both on CLOCK_MONOTONIC through the calibration. A split whose
 * parts are out of order (a clock the calibration does not describe) is
 * not given, and said once.
 */
static void gb_vk_split(struct gb_vk *vk, struct gb_exec_timing *t, uint64_t t_call,
			uint64_t tick0, uint64_t tick1)
{
	uint64_t hs = gb_vk_tick_to_host(vk, tick0), he = gb_vk_tick_to_host(vk, tick1);
	uint64_t t_end = gb_now_ns();

	if (hs < t_call || he < hs || t_end < he) {
		if (!vk->warned_split++)
			gb_warn("vulkan: the calibrated device clock puts a call's dispatches "
				"outside the call (%lld ns before its start, %lld ns after its end); "
				"no queue/return split", (long long)(t_call - hs),
				(long long)(he - t_end));
		return;
	}
	t->queue_ns = hs - t_call;
	t->return_ns = t_end - he;
	t->has_split = 1;
}

static int gb_vk_run(struct gb_executor *ex, const struct gb_exec_call *c,
		     struct gb_exec_timing *t)
{
	struct gb_vk *vk = ex->ctx;
	const struct gb_shape *s = &c->shape;
	const struct gb_vk_weights *w = c->weights;
	struct gb_vk_plan pl;
	VkDeviceSize row_max = 0;
	uint64_t rows_per, ns = 0, t_call, first_tick = 0;
	int ts_ok = 1, rc, nsub = 0;

	memset(t, 0, sizeof(*t));
	/* refresh the clock pair (every 100 ms) before the call's time starts */
	if (vk->calibrated)
		gb_vk_calibrate(vk);
	t_call = gb_now_ns();
	if (vk->lost) {
		gb_error("vulkan: device '%s' was lost", vk->info.device);
		return GB_EXEC_ELOST;
	}
	/* A testing aid: GBENCH_VK_LOSE_AFTER=N loses the device at call N + 1. */
	if (vk->lose_after && ++vk->calls > vk->lose_after)
		return gb_vk_fail(vk, VK_ERROR_DEVICE_LOST, "vkQueueSubmit (GBENCH_VK_LOSE_AFTER)");
	if (s->m == 0 || (s->op == GB_OP_TOPK && s->p == 0))
		return 0;
	if (gb_op_has_weights(s->op)) {
		if (!w || w->magic != GB_VK_WEIGHTS_MAGIC)
			return gb_error("vulkan: %s without weights uploaded to this executor",
					gb_op_name(s->op));
		if (w->rows != s->n || w->cols != s->k || w->quant != c->quant)
			return gb_error("vulkan: weights are %u x %u %s, the call wants %u x %u %s",
					w->rows, w->cols, gb_quant_name(w->quant), s->n, s->k,
					gb_quant_name(c->quant));
	}
	if (s->op == GB_OP_FFT && (s->n == 0 || (s->n & (s->n - 1))))
		return gb_error("vulkan: fft length %u is not a power of two", s->n);
	if (s->op == GB_OP_TOPK && !c->idx)
		return gb_error("vulkan: topk without an index buffer");
	gb_vk_plan(s, &pl);
	row_max = pl.x_row;
	if (pl.y_row > row_max)
		row_max = pl.y_row;
	if (pl.aux_row > row_max)
		row_max = pl.aux_row;
	rows_per = row_max ? vk->max_range / row_max : s->m;
	if (rows_per == 0 || pl.aux_fixed > vk->max_range)
		return gb_error("vulkan: one row of %s (n=%u k=%u) exceeds maxStorageBufferRange",
				gb_op_name(s->op), s->n, s->k);
	for (uint64_t r0 = 0; r0 < s->m; r0 += rows_per) {
		uint32_t rows = (uint32_t)(s->m - r0 < rows_per ? s->m - r0 : rows_per);

		if ((rc = gb_vk_run_rows(vk, c, &pl, (uint32_t)r0, rows, &ns, &ts_ok)) < 0)
			return rc;
		if (nsub++ == 0)
			first_tick = vk->ts_ticks[0];
	}
	t->device_ns = ns;
	t->has_device_ns = ts_ok && ns > 0;
	if (t->has_device_ns && vk->calibrated)
		gb_vk_split(vk, t, t_call, first_tick, vk->ts_ticks[1]);
	return 0;
}

/* Recordings that bound the weights' descriptor sets go with them. */
static void gb_vk_weights_release(struct gb_executor *ex, void *handle)
{
	struct gb_vk *vk = ex->ctx;

	if (vk && handle)
		gb_vk_cmds_forget(vk);
	gb_vk_weights_free(ex, handle);
}

const struct gb_executor_i gb_executor_vulkan = {
	.name = "vulkan",
	.init = gb_vk_init,
	.release = gb_vk_release,
	.info = gb_vk_info,
	.weights_upload = gb_vk_weights_upload,
	.weights_free = gb_vk_weights_release,
	.run = gb_vk_run,
	.validation_messages = gb_vk_validation_messages,
	.peak = gb_vk_peak,
	.turn = gb_vk_turn,
};
