/*
 * pipeline.c - the vulkan executor's pipelines and descriptor sets. One
 * pipeline layout serves every shader (shaders/common.glsl): set 0 binds
 * the per-call buffers (x, y, idx, aux), set 1 one range of a persistent
 * operand's rows (or a dummy buffer), and the push constants are struct
 * gb_vk_push. Pipelines are built from the embedded SPIR-V (vk-spirv.h)
 * per (shader variant, workgroup size, rows per workgroup) and kept until
 * release: every variant an op family can choose is built when the
 * executor starts (gb_vk_precompile), any other on first use. They go
 * through a VkPipelineCache kept in the user's cache folder
 * ($XDG_CACHE_HOME/gbench, else ~/.cache/gbench), one file per device,
 * driver version and pipelineCacheUUID, so a GPU driver compiles them once
 * per machine rather than once per process. GB_VK_NO_PIPELINE_CACHE=1
 * leaves the file alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsio.h"
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
	/* the recorded command buffers bound the set as it was */
	gb_vk_cmds_forget(vk);
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
	r = vk->api.vkCreateComputePipelines(vk->dev, vk->pcache, 1, &ci, NULL, out);
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

/* The (wg, tm) a matmul-like shader can get on a GPU: gb_vk_mm_shape over every regime. */
static int gb_vk_mm_variants(uint32_t wg[], uint32_t tm[], int max)
{
	static const uint32_t kps[] = { 32, 32 * 16, 32 * 48 }, ms[] = { 1, 4, 8 };
	int n = 0;

	for (size_t a = 0; a < sizeof(kps) / sizeof(kps[0]); a++)
		for (size_t b = 0; b < sizeof(ms) / sizeof(ms[0]); b++) {
			uint32_t w, t;
			int seen = 0;

			gb_vk_mm_shape(0, kps[a], ms[b], &w, &t);
			for (int i = 0; i < n; i++)
				seen |= wg[i] == w && tm[i] == t;
			if (!seen && n < max) {
				wg[n] = w;
				tm[n++] = t;
			}
		}
	return n;
}

/*
 * Every pipeline an op family can choose is built when the executor
 * starts, on every device, so no measured call compiles one: lavapipe
 * compiles with LLVM, which put 9-15 ms on the first repetition of the
 * first cell to use a shader (llm-prefill b1, 60-82 ms otherwise) in a
 * process that warms no vulkan cell up (as the ci config does: warmup =
 * 1,vulkan:0), and a GPU driver compiles on first use too. On a CPU device
 * a shader has the one shape its family's _cpu_shape says; with the GPU's
 * shapes the matmul-like shaders get each of gb_vk_mm_shape's. A shader
 * no family claims (gbench peak's own) is left to its first use.
 */
/* "matmul_<quant>" or "topk_score_<quant>": the shaders gb_vk_mm_shape shapes. */
static int gb_vk_is_legacy_mm(const char *name)
{
	static const char *const q[] = { "f32", "f16", "q8", "q4" };
	const char *rest = !strncmp(name, "matmul_", 7) ? name + 7 :
			   !strncmp(name, "topk_score_", 11) ? name + 11 : NULL;

	for (size_t i = 0; rest && i < sizeof(q) / sizeof(q[0]); i++)
		if (!strcmp(rest, q[i]))
			return 1;
	return 0;
}

int gb_vk_precompile(struct gb_vk *vk, char *reason, size_t len)
{
	static int (*const cpu_shape[])(const char *, uint32_t *, uint32_t *) = {
		gb_vk_matmul_cpu_shape, gb_vk_topk_cpu_shape, gb_vk_misc_cpu_shape,
	};
	uint32_t mwg[16], mtm[16];
	int nmm = gb_vk_mm_variants(mwg, mtm, 16);

	for (const struct gb_vk_spirv *sp = gb_vk_spirv_table; sp->name; sp++) {
		uint32_t wg = 64, tm = 1;
		size_t f = 0;
		VkPipeline pipe;
		int legacy = gb_vk_is_legacy_mm(sp->name), nv = 1;

		while (f < sizeof(cpu_shape) / sizeof(cpu_shape[0]) &&
		       !cpu_shape[f](sp->name, &wg, &tm))
			f++;
		if (f == sizeof(cpu_shape) / sizeof(cpu_shape[0]))
			continue;
		if (!vk->cpu_shapes) {
			/* the other matmul kernels: gb_vk_matmul_prebuild below */
			if (!legacy && !strncmp(sp->name, "matmul", 6))
				continue;
			if (legacy)
				nv = nmm;
		}
		for (int v = 0; v < nv; v++) {
			if (legacy && !vk->cpu_shapes) {
				wg = mwg[v];
				tm = mtm[v];
			}
			if (gb_vk_pipeline(vk, sp->name, wg, tm, &pipe) < 0) {
				snprintf(reason, len, "cannot compile shader '%s'", sp->name);
				return -1;
			}
		}
	}
	if (!vk->cpu_shapes && gb_vk_matmul_prebuild(vk) < 0) {
		snprintf(reason, len, "cannot compile the matmul kernels");
		return -1;
	}
	if (gb_vk_topk_prebuild(vk) < 0) {
		snprintf(reason, len, "cannot compile the top-k kernels");
		return -1;
	}
	return 0;
}

/* ---- the pipeline cache file ------------------------------------------ */

static void gb_vk_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The cache file's path for this device and driver, or NULL (no folder known). */
static char *gb_vk_pcache_file(struct gb_vk *vk)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	uint8_t dev_uuid[VK_UUID_SIZE] = { 0 };
	char dev[2 * VK_UUID_SIZE + 1], cache[2 * VK_UUID_SIZE + 1];

	if (vk->api.vkGetPhysicalDeviceProperties2 && vk->props.apiVersion >= VK_API_VERSION_1_1) {
		VkPhysicalDeviceIDProperties id = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES,
		};
		VkPhysicalDeviceProperties2 p2 = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &id,
		};

		vk->api.vkGetPhysicalDeviceProperties2(vk->phys, &p2);
		memcpy(dev_uuid, id.deviceUUID, VK_UUID_SIZE);
	} else {
		/* Vulkan 1.0: no device UUID; vendor and device ids stand in */
		memcpy(dev_uuid, &vk->props.vendorID, 4);
		memcpy(dev_uuid + 4, &vk->props.deviceID, 4);
	}
	gb_vk_hex(dev, dev_uuid, VK_UUID_SIZE);
	gb_vk_hex(cache, vk->props.pipelineCacheUUID, VK_UUID_SIZE);
	if (xdg && xdg[0] == '/')
		return gb_xasprintf("%s/gbench/vk-pipelines-%s-%08x-%s.bin", xdg, dev,
				    vk->props.driverVersion, cache);
	if (home && *home)
		return gb_xasprintf("%s/.cache/gbench/vk-pipelines-%s-%08x-%s.bin", home, dev,
				    vk->props.driverVersion, cache);
	return NULL;
}

/*
 * Whether data (len bytes) is a cache this device wrote: the header Vulkan
 * defines (VkPipelineCacheHeaderVersionOne) with this device's vendor,
 * device and pipelineCacheUUID. Drivers check too, but not all of them
 * survive a file that is not theirs. NULL, or why not.
 */
static const char *gb_vk_pcache_foreign(const struct gb_vk *vk, const unsigned char *data,
					size_t len)
{
	uint32_t hsize, hver, vendor, device;

	if (len < 16 + VK_UUID_SIZE)
		return "shorter than the header";
	memcpy(&hsize, data, 4);
	memcpy(&hver, data + 4, 4);
	memcpy(&vendor, data + 8, 4);
	memcpy(&device, data + 12, 4);
	if (hsize < 16 + VK_UUID_SIZE || hsize > len ||
	    hver != VK_PIPELINE_CACHE_HEADER_VERSION_ONE)
		return "not a Vulkan pipeline cache";
	if (vendor != vk->props.vendorID || device != vk->props.deviceID ||
	    memcmp(data + 16, vk->props.pipelineCacheUUID, VK_UUID_SIZE) != 0)
		return "written for another device or driver";
	return NULL;
}

void gb_vk_pcache_open(struct gb_vk *vk)
{
	const char *off = getenv("GB_VK_NO_PIPELINE_CACHE");
	VkPipelineCacheCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO };
	char *data = NULL;
	size_t len = 0;
	VkResult r;

	if (off && *off && strcmp(off, "0") != 0)
		return;
	vk->pcache_path = gb_vk_pcache_file(vk);
	if (vk->pcache_path && gb_file_exists(vk->pcache_path)) {
		const char *why;

		data = gb_read_file(vk->pcache_path, &len);
		if (data && (why = gb_vk_pcache_foreign(vk, (unsigned char *)data, len))) {
			gb_note("vulkan: pipeline cache '%s' ignored: %s", vk->pcache_path, why);
			free(data);
			data = NULL;
		}
	}
	if (data) {
		ci.initialDataSize = len;
		ci.pInitialData = data;
	}
	r = vk->api.vkCreatePipelineCache(vk->dev, &ci, NULL, &vk->pcache);
	if (r != VK_SUCCESS && data) {
		gb_note("vulkan: pipeline cache '%s' ignored: the driver refused it (%s)",
			vk->pcache_path, gb_vk_result_name(r));
		free(data);
		data = NULL;
		ci.initialDataSize = 0;
		ci.pInitialData = NULL;
		r = vk->api.vkCreatePipelineCache(vk->dev, &ci, NULL, &vk->pcache);
	}
	if (r != VK_SUCCESS) {
		gb_warn("vulkan: no pipeline cache (vkCreatePipelineCache: %s)", gb_vk_result_name(r));
		vk->pcache = VK_NULL_HANDLE;
	} else if (data) {
		vk->pcache_loaded = len;
		vk->pcache_hash = gb_fnv1a(GB_FNV_INIT, data, len);
	}
	free(data);
}

/* Write the cache's data atomically (temp file, fsync, rename); a failure is a warning. */
static void gb_vk_pcache_save(struct gb_vk *vk)
{
	size_t len = 0;
	void *data;
	struct gb_atomic a;
	char *dir, *slash;
	VkResult r = vk->api.vkGetPipelineCacheData(vk->dev, vk->pcache, &len, NULL);

	if (r != VK_SUCCESS || len == 0)
		return;
	data = gb_xmalloc(len);
	r = vk->api.vkGetPipelineCacheData(vk->dev, vk->pcache, &len, data);
	if (r != VK_SUCCESS || (len == vk->pcache_loaded &&
				gb_fnv1a(GB_FNV_INIT, data, len) == vk->pcache_hash)) {
		free(data);
		return;   /* VK_INCOMPLETE: it grew meanwhile; unchanged: nothing to write */
	}
	dir = gb_xstrdup(vk->pcache_path);
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	if (gb_mkdir_p(dir) < 0 || gb_atomic_open(&a, vk->pcache_path) < 0) {
		gb_warn("vulkan: pipeline cache not saved in '%s'", dir);
	} else {
		if (fwrite(data, 1, len, a.f) != len)
			gb_atomic_abort(&a);
		else if (gb_atomic_commit(&a) < 0)
			gb_warn("vulkan: pipeline cache not saved as '%s'", vk->pcache_path);
	}
	free(dir);
	free(data);
}

void gb_vk_pcache_close(struct gb_vk *vk)
{
	if (vk->pcache) {
		if (vk->pcache_path)
			gb_vk_pcache_save(vk);
		vk->api.vkDestroyPipelineCache(vk->dev, vk->pcache, NULL);
		vk->pcache = VK_NULL_HANDLE;
	}
	free(vk->pcache_path);
	vk->pcache_path = NULL;
}
