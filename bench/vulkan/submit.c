/*
 * submit.c - the vulkan executor's command submission: the command pool
 * and its one command buffer, the fence, the timestamp and
 * pipeline-statistics query pools, barriers, dispatches split into a grid
 * within the device's limits, and the device time the timestamps give.
 * One submission at a time: every submit waits for its fence.
 */
#include <stdio.h>

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
		.commandBufferCount = 1,
	};
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
	GB_VK_INIT(vk->api.vkAllocateCommandBuffers(vk->dev, &cai, &vk->cmd),
		   "vkAllocateCommandBuffers");
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

int gb_vk_begin(struct gb_vk *vk)
{
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};

	GB_VK_TRY(vk, vk->api.vkResetCommandBuffer(vk->cmd, 0), "vkResetCommandBuffer");
	GB_VK_TRY(vk, vk->api.vkBeginCommandBuffer(vk->cmd, &bi), "vkBeginCommandBuffer");
	return 0;
}

int gb_vk_submit_wait(struct gb_vk *vk)
{
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &vk->cmd,
	};

	GB_VK_TRY(vk, vk->api.vkEndCommandBuffer(vk->cmd), "vkEndCommandBuffer");
	GB_VK_TRY(vk, vk->api.vkQueueSubmit(vk->queue, 1, &si, vk->fence), "vkQueueSubmit");
	GB_VK_TRY(vk, vk->api.vkWaitForFences(vk->dev, 1, &vk->fence, VK_TRUE,
					      GB_VK_FENCE_TIMEOUT_NS), "vkWaitForFences");
	GB_VK_TRY(vk, vk->api.vkResetFences(vk->dev, 1, &vk->fence), "vkResetFences");
	return 0;
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
	if (q[1] <= q[0])
		return 1;
	*ns = (uint64_t)((double)(q[1] - q[0]) * (double)vk->props.limits.timestampPeriod + 0.5);
	return 0;
}
