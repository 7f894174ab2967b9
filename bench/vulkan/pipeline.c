/*
 * pipeline.c - the vulkan executor's pipelines and descriptor sets. One
 * pipeline layout serves every shader (shaders/common.glsl): set 0 binds
 * the per-call buffers (x, y, idx, aux), set 1 one range of a persistent
 * operand's rows (or a dummy buffer), and the push constants are struct
 * gb_vk_push. Pipelines are built from the embedded SPIR-V (vk-spirv.h)
 * on first use per (shader variant, workgroup size, rows per workgroup)
 * and kept until release; on a CPU device all of them at start
 * (gb_vk_precompile), at the shapes the op families say.
 */
#include <stdio.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"
#include "vulkan/vk-spirv.h"

int gb_vk_layout_create(struct gb_vk *vk, char *reason, size_t len)
{
	VkDescriptorSetLayoutBinding lb[GB_VK_NIO];
	VkDescriptorSetLayoutCreateInfo li = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
		.pBindings = lb,
	};
	VkPushConstantRange pr = {
		.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		.size = sizeof(struct gb_vk_push),
	};
	VkPipelineLayoutCreateInfo pli = {
		.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
		.setLayoutCount = 2,
		.pSetLayouts = vk->dsl,
		.pushConstantRangeCount = 1,
		.pPushConstantRanges = &pr,
	};
	VkDescriptorPoolSize ps = {
		.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .descriptorCount = GB_VK_NIO + 1,
	};
	VkDescriptorPoolCreateInfo dpi = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
		.maxSets = 2,
		.poolSizeCount = 1,
		.pPoolSizes = &ps,
	};
	VkDescriptorSetLayout both[2];
	VkDescriptorSet sets[2];
	VkDescriptorSetAllocateInfo dai = {
		.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
		.descriptorSetCount = 2,
		.pSetLayouts = both,
	};
	VkResult r;

#define GB_VK_INIT(call, what)                                                \
	if ((r = (call)) != VK_SUCCESS) {                                     \
		snprintf(reason, len, "%s failed: %s", what, gb_vk_result_name(r)); \
		return -1;                                                    \
	}
	for (uint32_t b = 0; b < GB_VK_NIO; b++)
		lb[b] = (VkDescriptorSetLayoutBinding){
			.binding = b,
			.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
			.descriptorCount = 1,
			.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
		};
	li.bindingCount = GB_VK_NIO;
	GB_VK_INIT(vk->api.vkCreateDescriptorSetLayout(vk->dev, &li, NULL, &vk->dsl[0]),
		   "vkCreateDescriptorSetLayout");
	li.bindingCount = 1;
	GB_VK_INIT(vk->api.vkCreateDescriptorSetLayout(vk->dev, &li, NULL, &vk->dsl[1]),
		   "vkCreateDescriptorSetLayout");
	GB_VK_INIT(vk->api.vkCreatePipelineLayout(vk->dev, &pli, NULL, &vk->layout),
		   "vkCreatePipelineLayout");
	GB_VK_INIT(vk->api.vkCreateDescriptorPool(vk->dev, &dpi, NULL, &vk->pool),
		   "vkCreateDescriptorPool");
	dai.descriptorPool = vk->pool;
	both[0] = vk->dsl[0];
	both[1] = vk->dsl[1];
	GB_VK_INIT(vk->api.vkAllocateDescriptorSets(vk->dev, &dai, sets),
		   "vkAllocateDescriptorSets");
	vk->io_set = sets[0];
	vk->dummy_set = sets[1];
#undef GB_VK_INIT
	return 0;
}

void gb_vk_layout_destroy(struct gb_vk *vk)
{
	if (vk->pool)
		vk->api.vkDestroyDescriptorPool(vk->dev, vk->pool, NULL);
	if (vk->layout)
		vk->api.vkDestroyPipelineLayout(vk->dev, vk->layout, NULL);
	for (int i = 0; i < 2; i++)
		if (vk->dsl[i])
			vk->api.vkDestroyDescriptorSetLayout(vk->dev, vk->dsl[i], NULL);
}

void gb_vk_pipelines_destroy(struct gb_vk *vk)
{
	for (int i = 0; i < vk->npipes; i++)
		vk->api.vkDestroyPipeline(vk->dev, vk->pipes[i].pipe, NULL);
}

void gb_vk_write_set(struct gb_vk *vk, VkDescriptorSet set, uint32_t binding,
		     VkBuffer buf, VkDeviceSize off, VkDeviceSize range)
{
	VkDescriptorBufferInfo bi = { .buffer = buf, .offset = off, .range = range };
	VkWriteDescriptorSet w = {
		.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
		.dstSet = set,
		.dstBinding = binding,
		.descriptorCount = 1,
		.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
		.pBufferInfo = &bi,
	};

	vk->api.vkUpdateDescriptorSets(vk->dev, 1, &w, 0, NULL);
}

void gb_vk_write_io_set(struct gb_vk *vk)
{
	for (uint32_t b = 0; b < GB_VK_NIO; b++) {
		VkDeviceSize range = vk->io[b].size;

		if (range > vk->max_range)
			range = vk->max_range & ~(VkDeviceSize)3;
		gb_vk_write_set(vk, vk->io_set, b, vk->io[b].buf, 0, range);
	}
}

static const struct gb_vk_spirv *gb_vk_find_spirv(const char *name)
{
	for (const struct gb_vk_spirv *s = gb_vk_spirv_table; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

int gb_vk_pipeline(struct gb_vk *vk, const char *shader, uint32_t wg, uint32_t tm,
		   VkPipeline *out)
{
	const struct gb_vk_spirv *sp;
	VkShaderModuleCreateInfo mi = { .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO };
	VkShaderModule mod;
	uint32_t spec[3] = { wg, tm ? tm : 1, tm == 0 };
	VkSpecializationMapEntry me[3] = {
		{ .constantID = 0, .offset = 0, .size = 4 },
		{ .constantID = 1, .offset = 4, .size = 4 },
		{ .constantID = 2, .offset = 8, .size = 4 },
	};
	VkSpecializationInfo si = {
		.mapEntryCount = 3, .pMapEntries = me, .dataSize = sizeof(spec), .pData = spec,
	};
	VkComputePipelineCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
		.stage = {
			.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
			.stage = VK_SHADER_STAGE_COMPUTE_BIT,
			.pName = "main",
			.pSpecializationInfo = &si,
		},
		.layout = vk->layout,
	};
	struct gb_vk_pipe *p;
	VkResult r;

	for (int i = 0; i < vk->npipes; i++) {
		p = &vk->pipes[i];
		if (p->wg == wg && p->tm == tm && strcmp(p->shader, shader) == 0) {
			*out = p->pipe;
			return 0;
		}
	}
	if (vk->npipes == GB_VK_MAX_PIPES)
		return gb_error("vulkan: too many pipelines (%d)", GB_VK_MAX_PIPES);
	if (!(sp = gb_vk_find_spirv(shader)))
		return gb_error("vulkan: shader '%s' is not built into this gbench", shader);
	/* Constants 1 and 2 only exist in matmul.comp. */
	if (strncmp(shader, "matmul", 6) && strncmp(shader, "topk_score", 10))
		si.mapEntryCount = 1;
	mi.codeSize = sp->size;
	mi.pCode = sp->words;
	GB_VK_TRY(vk, vk->api.vkCreateShaderModule(vk->dev, &mi, NULL, &mod),
		  "vkCreateShaderModule");
	ci.stage.module = mod;
	r = vk->api.vkCreateComputePipelines(vk->dev, VK_NULL_HANDLE, 1, &ci, NULL, out);
	vk->api.vkDestroyShaderModule(vk->dev, mod, NULL);
	if (r != VK_SUCCESS)
		return gb_vk_fail(vk, r, "vkCreateComputePipelines");
	p = &vk->pipes[vk->npipes++];
	p->shader = sp->name;
	p->wg = wg;
	p->tm = tm;
	p->pipe = *out;
	return 0;
}

/*
 * On a CPU device every shader runs at one shape (each op family's
 * _cpu_shape says which), so all of them are compiled when the executor
 * starts instead of on a cell's first call: lavapipe compiles a pipeline
 * with LLVM, which put 9-15 ms on the first repetition of the first cell to
 * use a shader (llm-prefill b1, 60-82 ms otherwise) in a process that warms
 * no vulkan cell up (as the ci config does: warmup = 1,vulkan:0). A shader
 * no family claims (gbench peak's own) is left to its first use.
 */
int gb_vk_precompile(struct gb_vk *vk, char *reason, size_t len)
{
	static int (*const cpu_shape[])(const char *, uint32_t *, uint32_t *) = {
		gb_vk_matmul_cpu_shape, gb_vk_topk_cpu_shape, gb_vk_misc_cpu_shape,
	};

	for (const struct gb_vk_spirv *sp = gb_vk_spirv_table; sp->name; sp++) {
		uint32_t wg = 64, tm = 1;
		size_t f = 0;
		VkPipeline pipe;

		while (f < sizeof(cpu_shape) / sizeof(cpu_shape[0]) &&
		       !cpu_shape[f](sp->name, &wg, &tm))
			f++;
		if (f == sizeof(cpu_shape) / sizeof(cpu_shape[0]))
			continue;
		if (gb_vk_pipeline(vk, sp->name, wg, tm, &pipe) < 0) {
			snprintf(reason, len, "cannot compile shader '%s'", sp->name);
			return -1;
		}
	}
	return 0;
}
