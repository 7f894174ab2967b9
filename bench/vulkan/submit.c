/*
 * submit.c - the vulkan executor's command submission: the command pool
 * and its command buffers (a scratch one for one-off recordings, one for
 * guard fills, and GB_VK_CMD_SLOTS kept for calls that repeat), the
 * fence, the timestamp and pipeline-statistics query pools, barriers,
 * dispatches split into a grid within the device's limits, and the device
 * time the timestamps give, mapped onto the host's clock where the device
 * calibrates them. One submission at a time: every submit waits for its
 * fence, spinning on it for vk->spin_ns before it sleeps.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gbench.h"
#include "vulkan/vk.h"

#define GB_VK_FENCE_TIMEOUT_NS (120ull * 1000000000ull)

int gb_vk_submit_create(struct gb_vk *vk, char *reason, size_t len)
{
	VkCommandPoolCreateInfo cpi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
		.queueFamilyIndex = vk->qfamily,
	};
	VkCommandBufferAllocateInfo cai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = GB_VK_CMD_SLOTS + 2,
	};
	VkCommandBuffer cmds[GB_VK_CMD_SLOTS + 2];
	VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
	VkQueryPoolCreateInfo qi = { .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO };
	VkResult r;

#define GB_VK_INIT(call, what)                                                \
	if ((r = (call)) != VK_SUCCESS) {                                     \
		snprintf(reason, len, "%s failed: %s", what, gb_vk_result_name(r)); \
		return -1;                                                    \
	}
	GB_VK_INIT(vk->api.vkCreateCommandPool(vk->dev, &cpi, NULL, &vk->cpool),
		   "vkCreateCommandPool");
	cai.commandPool = vk->cpool;
	GB_VK_INIT(vk->api.vkAllocateCommandBuffers(vk->dev, &cai, cmds),
		   "vkAllocateCommandBuffers");
	vk->cmd = vk->cmd0 = cmds[0];
	vk->cmd_prep = cmds[1];
	for (int i = 0; i < GB_VK_CMD_SLOTS; i++)
		vk->slots[i] = (struct gb_vk_cmd_slot){ .cmd = cmds[2 + i] };
	GB_VK_INIT(vk->api.vkCreateFence(vk->dev, &fi, NULL, &vk->fence), "vkCreateFence");
	if (vk->ts_bits > 0) {
		qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
		qi.queryCount = 2;
		GB_VK_INIT(vk->api.vkCreateQueryPool(vk->dev, &qi, NULL, &vk->ts_pool),
			   "vkCreateQueryPool");
	}
	if (vk->has_stats) {
		qi.queryType = VK_QUERY_TYPE_PIPELINE_STATISTICS;
		qi.queryCount = 1;
		qi.pipelineStatistics = VK_QUERY_PIPELINE_STATISTIC_COMPUTE_SHADER_INVOCATIONS_BIT;
		GB_VK_INIT(vk->api.vkCreateQueryPool(vk->dev, &qi, NULL, &vk->stats_pool),
			   "vkCreateQueryPool");
	}
#undef GB_VK_INIT
	return 0;
}

void gb_vk_submit_destroy(struct gb_vk *vk)
{
	if (vk->ts_pool)
		vk->api.vkDestroyQueryPool(vk->dev, vk->ts_pool, NULL);
	if (vk->stats_pool)
		vk->api.vkDestroyQueryPool(vk->dev, vk->stats_pool, NULL);
	if (vk->fence)
		vk->api.vkDestroyFence(vk->dev, vk->fence, NULL);
	if (vk->cpool)
		vk->api.vkDestroyCommandPool(vk->dev, vk->cpool, NULL);
}

int gb_vk_begin_cmd(struct gb_vk *vk, VkCommandBuffer cmd, int reusable)
{
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = reusable ? 0 : VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};

	GB_VK_TRY(vk, vk->api.vkResetCommandBuffer(cmd, 0), "vkResetCommandBuffer");
	GB_VK_TRY(vk, vk->api.vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
	return 0;
}

/*
 * The one-off path (weights uploads, gbench peak): these may write the
 * per-call buffers, so the guard sentinels are laid again before the next
 * call.
 */
int gb_vk_begin(struct gb_vk *vk)
{
	vk->guard_ok = 0;
	vk->cmd = vk->cmd0;
	return gb_vk_begin_cmd(vk, vk->cmd, 0);
}

/*
 * Completion: spin on vkGetFenceStatus for up to vk->spin_ns, then sleep
 * in vkWaitForFences. A GPU call that takes tens of microseconds is seen
 * done without the wake-up of a sleeping thread; a CPU device gets no spin
 * by default (its driver computes on the core the spinner would take).
 */
static int gb_vk_wait(struct gb_vk *vk)
{
	if (vk->spin_ns) {
		uint64_t t0 = gb_now_ns();

		for (;;) {
			VkResult r = vk->api.vkGetFenceStatus(vk->dev, vk->fence);

			if (r == VK_SUCCESS)
				goto done;
			if (r != VK_NOT_READY)
				return gb_vk_fail(vk, r, "vkGetFenceStatus");
			if (gb_now_ns() - t0 >= vk->spin_ns)
				break;
		}
	}
	GB_VK_TRY(vk, vk->api.vkWaitForFences(vk->dev, 1, &vk->fence, VK_TRUE,
					      GB_VK_FENCE_TIMEOUT_NS), "vkWaitForFences");
done:
	GB_VK_TRY(vk, vk->api.vkResetFences(vk->dev, 1, &vk->fence), "vkResetFences");
	return 0;
}

int gb_vk_submit_cmds(struct gb_vk *vk, VkCommandBuffer prep, VkCommandBuffer cmd)
{
	VkCommandBuffer both[2] = { prep, cmd };
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = prep ? 2 : 1,
		.pCommandBuffers = prep ? both : &both[1],
	};

	GB_VK_TRY(vk, vk->api.vkQueueSubmit(vk->queue, 1, &si, vk->fence), "vkQueueSubmit");
	return gb_vk_wait(vk);
}

int gb_vk_submit_wait(struct gb_vk *vk)
{
	GB_VK_TRY(vk, vk->api.vkEndCommandBuffer(vk->cmd), "vkEndCommandBuffer");
	return gb_vk_submit_cmds(vk, VK_NULL_HANDLE, vk->cmd);
}

/* ---- recorded command buffers ----------------------------------------- */

void gb_vk_cmds_forget(struct gb_vk *vk)
{
	for (int i = 0; i < GB_VK_CMD_SLOTS; i++)
		vk->slots[i].key = 0;
	vk->guard_ok = 0;
}

struct gb_vk_cmd_slot *gb_vk_cmd_slot(struct gb_vk *vk, uint64_t key, int *hit)
{
	struct gb_vk_cmd_slot *old = &vk->slots[0];

	if (key == 0)
		key = 1;
	vk->slot_tick++;
	for (int i = 0; i < GB_VK_CMD_SLOTS; i++) {
		struct gb_vk_cmd_slot *sl = &vk->slots[i];

		if (sl->key == key) {
			sl->used = vk->slot_tick;
			*hit = 1;
			return sl;
		}
		if (sl->used < old->used)
			old = sl;
	}
	*hit = 0;
	old->key = 0;               /* set by the caller once recorded */
	old->used = vk->slot_tick;
	return old;
}

void gb_vk_barrier(struct gb_vk *vk, VkPipelineStageFlags src, VkAccessFlags sa,
		   VkPipelineStageFlags dst, VkAccessFlags da)
{
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = sa,
		.dstAccessMask = da,
	};

	vk->api.vkCmdPipelineBarrier(vk->cmd, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

/* Split `groups` workgroups into a grid within the device's limits. */
static void gb_vk_grid(struct gb_vk *vk, uint64_t groups, uint32_t *gx, uint32_t *gy)
{
	uint32_t cap = vk->props.limits.maxComputeWorkGroupCount[0];

	if (cap > 32768)
		cap = 32768;
	if (groups == 0)
		groups = 1;
	*gx = (uint32_t)(groups < cap ? groups : cap);
	*gy = (uint32_t)((groups + *gx - 1) / *gx);
}

void gb_vk_dispatch(struct gb_vk *vk, VkPipeline pipe, VkDescriptorSet wset,
		    const struct gb_vk_push *pc, uint64_t groups, uint32_t wg,
		    uint64_t *inv)
{
	VkDescriptorSet sets[2] = { vk->io_set, wset };
	uint32_t gx, gy;

	gb_vk_grid(vk, groups, &gx, &gy);
	vk->api.vkCmdBindPipeline(vk->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe);
	vk->api.vkCmdBindDescriptorSets(vk->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, vk->layout,
					0, 2, sets, 0, NULL);
	vk->api.vkCmdPushConstants(vk->cmd, vk->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
				   sizeof(*pc), pc);
	vk->api.vkCmdDispatch(vk->cmd, gx, gy, 1);
	*inv += (uint64_t)gx * gy * wg;
}

void gb_vk_compute_barrier(struct gb_vk *vk)
{
	gb_vk_barrier(vk, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
		      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
		      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

int gb_vk_read_timestamps(struct gb_vk *vk, uint64_t *ns)
{
	return gb_vk_read_ticks(vk, ns);
}

int gb_vk_read_ticks(struct gb_vk *vk, uint64_t *ns)
{
	uint64_t q[2];
	VkResult r = vk->api.vkGetQueryPoolResults(vk->dev, vk->ts_pool, 0, 2, sizeof(q), q,
						   sizeof(q[0]),
						   VK_QUERY_RESULT_64_BIT |
						   VK_QUERY_RESULT_WAIT_BIT);
	uint64_t mask = vk->ts_bits >= 64 ? ~0ull : (1ull << vk->ts_bits) - 1;

	if (r != VK_SUCCESS)
		return gb_vk_fail(vk, r, "vkGetQueryPoolResults (timestamps)");
	q[0] &= mask;
	q[1] &= mask;
	vk->ts_ticks[0] = q[0];
	vk->ts_ticks[1] = q[1];
	if (q[1] <= q[0])
		return 1;
	*ns = (uint64_t)((double)(q[1] - q[0]) * (double)vk->props.limits.timestampPeriod + 0.5);
	return 0;
}

/* ---- calibrated timestamps -------------------------------------------- */

/*
 * A (device tick, CLOCK_MONOTONIC) pair from the calibrated-timestamps
 * extension, taken again when the last is over 100 ms old so that drift
 * between the clocks stays far below a microsecond.
 */
int gb_vk_calibrate(struct gb_vk *vk)
{
	VkCalibratedTimestampInfoEXT ci[2] = {
		{ .sType = VK_STRUCTURE_TYPE_CALIBRATED_TIMESTAMP_INFO_EXT,
		  .timeDomain = VK_TIME_DOMAIN_DEVICE_EXT },
		{ .sType = VK_STRUCTURE_TYPE_CALIBRATED_TIMESTAMP_INFO_EXT,
		  .timeDomain = VK_TIME_DOMAIN_CLOCK_MONOTONIC_EXT },
	};
	uint64_t ts[2], dev_max = 0, now = gb_now_ns();
	uint64_t mask = vk->ts_bits >= 64 ? ~0ull : (1ull << vk->ts_bits) - 1;
	VkResult r;

	if (!vk->calibrated)
		return -1;
	if (vk->cal_at && now - vk->cal_at < 100000000ull)
		return 0;
	r = vk->api.vkGetCalibratedTimestampsEXT(vk->dev, 2, ci, ts, &dev_max);
	if (r != VK_SUCCESS) {
		gb_warn("vulkan: vkGetCalibratedTimestamps failed (%s); no queue/return split",
			gb_vk_result_name(r));
		vk->calibrated = 0;
		return -1;
	}
	vk->cal_tick = ts[0] & mask;
	vk->cal_host_ns = ts[1];
	vk->cal_at = now;
	return 0;
}

uint64_t gb_vk_tick_to_host(const struct gb_vk *vk, uint64_t tick)
{
	uint64_t mask = vk->ts_bits >= 64 ? ~0ull : (1ull << vk->ts_bits) - 1;
	uint64_t d = (tick - vk->cal_tick) & mask;
	double period = (double)vk->props.limits.timestampPeriod;
	int neg = d > mask / 2;      /* before the calibration: wrapped around */
	double ns = (double)(neg ? ((vk->cal_tick - tick) & mask) : d) * period;

	return neg ? vk->cal_host_ns - (uint64_t)(ns + 0.5) : vk->cal_host_ns + (uint64_t)(ns + 0.5);
}
