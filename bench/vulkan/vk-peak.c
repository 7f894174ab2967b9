/*
 * vk-peak.c - `gbench peak` on the vulkan executor: the copy bandwidth of
 * device memory (peak_copy, X to Y through the per-call buffers, 16-byte
 * vectors grid-stride over buffers of 1 GiB on a GPU, larger than any
 * GPU's L2 several times over, 256 MiB on a CPU device, 64 MiB with
 * --quick; never more than a quarter of the heap each) and the
 * f32 FMA rate (peak_fma, its loop count calibrated so that one dispatch
 * takes about a target time), each the best of a few dispatches timed by
 * the device's timestamps.
 */
#include <stdint.h>

#include "gbench.h"
#include "vulkan/vk.h"

#define GB_VK_PEAK_MAX_ITERS (1u << 24)      /* FMA loop trips per invocation */
#define GB_VK_PEAK_COPY_TRIPS 8u             /* vectors each copy invocation moves */
/*
 * lavapipe (llvmpipe) ends a shader's loops after 65,535 trips in all
 * (Mesa's LP_MAX_TGSI_LOOP_ITERATIONS): more would be counted, not run.
 */
#define GB_VK_PEAK_MAX_ITERS_CPU 65000u

/*
 * Run one dispatch of `pipe` in a submission of its own, between two
 * timestamps, and return its device time in *ns (masked to the valid bits,
 * scaled by timestampPeriod, as run() measures). The fence wait between
 * submissions orders the dispatches, so no barrier is needed.
 */
static int gb_vk_time_dispatch(struct gb_vk *vk, VkPipeline pipe, const struct gb_vk_push *pc,
			       uint64_t groups, uint32_t wg, uint64_t *ns)
{
	uint64_t inv = 0;
	int rc;

	if ((rc = gb_vk_begin(vk)) < 0)
		return rc;
	vk->api.vkCmdResetQueryPool(vk->cmd, vk->ts_pool, 0, 2);
	vk->api.vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, vk->ts_pool, 0);
	gb_vk_dispatch(vk, pipe, vk->dummy_set, pc, groups, wg, &inv);
	vk->api.vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, vk->ts_pool, 1);
	if ((rc = gb_vk_submit_wait(vk)) < 0)
		return rc;
	if ((rc = gb_vk_read_timestamps(vk, ns)) < 0)
		return rc;
	if (rc > 0)
		return gb_error("vulkan: the timestamps of a peak dispatch did not advance");
	if (*ns == 0)
		*ns = 1;
	return 0;
}

/* The best (shortest) of `samples` timed dispatches, after one warm-up. */
static int gb_vk_best_dispatch(struct gb_vk *vk, VkPipeline pipe, const struct gb_vk_push *pc,
			       uint64_t groups, uint32_t wg, int samples, uint64_t *best)
{
	uint64_t ns;
	int rc;

	/* The warm-up pays for first-touch page faults and lazy pipeline work. */
	if ((rc = gb_vk_time_dispatch(vk, pipe, pc, groups, wg, &ns)) < 0)
		return rc;
	*best = UINT64_MAX;
	for (int i = 0; i < samples; i++) {
		if ((rc = gb_vk_time_dispatch(vk, pipe, pc, groups, wg, &ns)) < 0)
			return rc;
		if (ns < *best)
			*best = ns;
	}
	return 0;
}

int gb_vk_peak(struct gb_executor *ex, struct gb_exec_peak *out)
{
	struct gb_vk *vk = ex->ctx;
	const VkPhysicalDeviceLimits *lim = &vk->props.limits;
	/*
	 * Per buffer. Vulkan does not say how large a GPU's L2 is; 1 GiB is
	 * over ten times the largest there is (H100/H200: 50 MiB). A CPU device
	 * streams the host's memory, where 256 MiB is past the caches.
	 */
	VkDeviceSize bytes = out->quick ? 64ull << 20 :
			     vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? 256ull << 20 :
			     1ull << 30;
	uint32_t wg = 256;
	uint64_t max_iters = vk->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ?
			     GB_VK_PEAK_MAX_ITERS_CPU : GB_VK_PEAK_MAX_ITERS;
	uint64_t groups, best, inv, iters, target_ns = out->quick ? 20000000ull : 200000000ull;
	int samples = out->quick ? 3 : 5, grown = 0, rc;
	struct gb_vk_push pc = { 0 };
	VkPipeline pipe;

	out->copy_bytes = out->copy_gbs = out->f32_gflops = 0;
	if (vk->lost)
		return gb_error("vulkan: device '%s' was lost", vk->info.device);
	if (!vk->ts_pool)
		return gb_error("vulkan: the queue of '%s' has no timestamps", vk->info.device);
	if (wg > lim->maxComputeWorkGroupSize[0])
		wg = lim->maxComputeWorkGroupSize[0];
	if (wg > lim->maxComputeWorkGroupInvocations)
		wg = lim->maxComputeWorkGroupInvocations;
	/* shaders/common.glsl wants a power of two. */
	while (wg & (wg - 1))
		wg &= wg - 1;
	if (bytes > vk->max_range)
		bytes = vk->max_range;
	for (uint32_t h = 0; h < vk->mem.memoryHeapCount; h++)
		if ((vk->mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
		    bytes > vk->mem.memoryHeaps[h].size / 4)
			bytes = vk->mem.memoryHeaps[h].size / 4;
	if (bytes > 16ull * UINT32_MAX)
		bytes = 16ull * UINT32_MAX;
	bytes &= ~(VkDeviceSize)(wg * 16 - 1);   /* whole workgroups of vectors */
	if (bytes < (VkDeviceSize)wg * 16)
		return gb_error("vulkan: maxStorageBufferRange is too small for the copy kernel");

	/* Copy: X -> Y through the per-call buffers, grown to the size wanted. */
	if ((rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_X], bytes, 0, &grown)) < 0 ||
	    (rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_Y], bytes, 0, &grown)) < 0) {
		if (grown)
			gb_vk_write_io_set(vk);
		return rc;
	}
	if (grown)
		gb_vk_write_io_set(vk);
	/* Defined contents: the copy must not move NaN garbage, and it is one fill. */
	if ((rc = gb_vk_begin(vk)) < 0)
		return rc;
	vk->api.vkCmdFillBuffer(vk->cmd, vk->io[GB_VK_X].buf, 0, bytes, 0);
	gb_vk_barrier(vk, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
		      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
	if ((rc = gb_vk_submit_wait(vk)) < 0)
		return rc;
	if ((rc = gb_vk_pipeline(vk, "peak_copy", wg, 0, &pipe)) < 0)
		return rc;
	pc.m = (uint32_t)(bytes / 16);
	groups = (pc.m / wg + GB_VK_PEAK_COPY_TRIPS - 1) / GB_VK_PEAK_COPY_TRIPS;
	pc.n = (uint32_t)(groups * wg);
	if ((rc = gb_vk_best_dispatch(vk, pipe, &pc, groups, wg, samples, &best)) < 0)
		return rc;
	out->copy_bytes = (double)bytes;
	out->copy_gbs = 2.0 * (double)bytes / (double)best;   /* bytes per ns = GB/s */

	/*
	 * FMA: enough invocations to fill any device (1M), and an iteration
	 * count calibrated from a short first dispatch so that one dispatch
	 * takes about target_ns: long against launch overhead and timer
	 * resolution, short enough for a watchdog.
	 */
	if ((rc = gb_vk_pipeline(vk, "peak_fma", wg, 0, &pipe)) < 0)
		return rc;
	inv = 1u << 20;
	if (inv * 4 > bytes)
		inv = bytes / 4 / wg * wg;
	groups = inv / wg;
	pc.m = (uint32_t)inv;
	pc.n = 0;
	iters = 16;
	for (;;) {
		uint64_t ns;

		pc.k = (uint32_t)iters;
		if ((rc = gb_vk_time_dispatch(vk, pipe, &pc, groups, wg, &ns)) < 0)
			return rc;
		if (ns >= target_ns / 8 || iters >= max_iters) {
			/* Long enough to extrapolate from: scale to the target. */
			iters = (uint64_t)((double)iters * (double)target_ns / (double)ns);
			break;
		}
		iters *= 8;   /* at most 8x at a time: a slow device must not stall */
		if (iters > max_iters)
			iters = max_iters;
	}
	if (iters < pc.k)
		iters = pc.k;
	if (iters > max_iters)
		iters = max_iters;
	pc.k = (uint32_t)iters;
	if ((rc = gb_vk_best_dispatch(vk, pipe, &pc, groups, wg, samples, &best)) < 0)
		return rc;
	out->f32_gflops = (double)inv * (double)pc.k * 32.0 * 2.0 / (double)best;
	return 0;
}
