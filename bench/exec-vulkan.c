/*
 * exec-vulkan.c - the vulkan executor: every op of DESIGN.md section 5 as
 * compute shaders (the .comp files of shaders/, embedded as SPIR-V by shaders/shaders.mk)
 * on one compute queue of one device.
 *
 * Life of a call: the inputs go into device-local buffers (written through
 * a mapping when that memory is host-visible and coherent, else through a
 * staging buffer and a copy; opts->force_staging forces the copy), the
 * dispatches run between two timestamps, the outputs come back the same
 * way, and run() returns once the fence has signalled. The per-call buffers
 * (x, y, idx, aux) only grow, so a steady replay allocates nothing; the
 * descriptor sets are rewritten only when a buffer grows; pipelines are
 * built on first use per (shader variant, specialization constants) and
 * kept. A persistent operand is one device buffer per weights_upload, bound
 * through one descriptor set per range of rows that fits in
 * maxStorageBufferRange; a call whose per-call buffers would not fit runs
 * as several submissions of fewer rows.
 *
 * Checks on every call: a guard region after each output buffer is filled
 * with a sentinel before the dispatch and must still hold it afterwards; once
 * per (pipeline, shape) a pipeline-statistics query must count exactly the
 * compute invocations dispatched. With opts->validate the Khronos validation
 * layer reports through a debug-utils messenger; every message goes to
 * stderr and is counted.
 */
#include "executor.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vk-api.h"
#include "vk-spirv.h"

#define GB_VK_GUARD 256u                 /* bytes of sentinel after an output */
#define GB_VK_SENTINEL 0x7fbadbadu       /* a NaN no shader computes */
#define GB_VK_MAX_PIPES 128
/* The workgroup size of the element-wise shaders (silu, fft); the others use 64. */
#define GB_VK_WG_WIDE 128
#define GB_VK_MAX_CHECKED 512
#define GB_VK_WEIGHTS_MAGIC 0x67627677u  /* "gbvw" */
#define GB_VK_FENCE_TIMEOUT_NS (120ull * 1000000000ull)
#define GB_VK_PEAK_MAX_ITERS (1u << 24)      /* FMA loop trips per invocation */

/* Must match the push constants of shaders/common.glsl. */
struct gb_vk_push {
	uint32_t m, n, k, p;
	uint32_t kp, row_bytes, j0, j1;
	uint32_t stage;
};

struct gb_vk_buf {
	VkBuffer buf;
	VkDeviceMemory mem;
	void *map;             /* host mapping, or NULL */
	VkDeviceSize size;     /* bytes */
	VkDeviceSize mem_size; /* bytes of device memory behind it */
};

/* The per-call buffers, bindings 0..3 of set 0. */
enum { GB_VK_X, GB_VK_Y, GB_VK_IDX, GB_VK_AUX, GB_VK_NIO };

struct gb_vk_pipe {
	const char *shader;
	uint32_t wg, tm;
	VkPipeline pipe;
};

/* What weights_upload hands out. */
struct gb_vk_weights {
	uint32_t magic;
	enum gb_quant quant;
	uint32_t rows, cols, cols_padded, row_bytes;
	struct gb_vk_buf buf;
	VkDescriptorPool pool;
	uint32_t nchunks, chunk_rows;  /* rows [c*chunk_rows, ...) in sets[c] */
	VkDescriptorSet *sets;
};

struct gb_vk {
	struct gb_vk_api api;
	VkInstance inst;
	VkDebugUtilsMessengerEXT messenger;
	unsigned messages;             /* validation messages so far */
	VkPhysicalDevice phys;
	VkPhysicalDeviceProperties props;
	VkPhysicalDeviceMemoryProperties mem;
	struct gb_exec_info info;
	uint32_t qfamily, ts_bits;
	int has_stats;
	VkDevice dev;
	VkQueue queue;
	int force_staging;
	VkDeviceSize max_range, align;
	VkDeviceSize allocated, heap_limit;   /* device memory in use; testing limit (0: none) */
	unsigned warned_oom, warned_stats;
	uint64_t calls, lose_after;           /* GBENCH_VK_LOSE_AFTER testing aid */
	VkDescriptorSetLayout dsl[2];
	VkPipelineLayout layout;
	VkDescriptorPool pool;
	VkDescriptorSet io_set, dummy_set;
	struct gb_vk_buf io[GB_VK_NIO], up, down, dummy;
	int staging;                   /* io buffers are not mapped */
	VkCommandPool cpool;
	VkCommandBuffer cmd;
	VkFence fence;
	VkQueryPool ts_pool, stats_pool;
	struct gb_vk_pipe pipes[GB_VK_MAX_PIPES];
	int npipes;
	uint64_t checked[GB_VK_MAX_CHECKED];
	int nchecked;
	float *twiddles;               /* host table for twiddle_n */
	uint32_t twiddle_n;
	int lost;
	int cpu_shapes;                /* a CPU device (lavapipe): its dispatch shapes */
	int pin_cpu;                   /* the core a CPU device runs on, -1: not pinned */
	cpu_set_t free_mask;           /* the calling thread's affinity outside turns */
};

/* ---- errors ----------------------------------------------------------- */

/*
 * Map a failed VkResult to a status for run(): out of memory is
 * GB_EXEC_ENOMEM (the replay splits the batch), device lost GB_EXEC_ELOST
 * (sticky), anything else -1. Prints the message.
 */
static int gb_vk_fail(struct gb_vk *vk, VkResult r, const char *what)
{
	if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
		/* once: the replay splits and retries, counted in meta.json */
		if (!vk->warned_oom++)
			gb_warn("vulkan: %s: %s (batches that do not fit are split)", what,
				gb_vk_result_name(r));
		return GB_EXEC_ENOMEM;
	}
	if (r == VK_ERROR_DEVICE_LOST || r == VK_TIMEOUT) {
		vk->lost = 1;
		gb_error("vulkan: device lost (%s: %s); no further vulkan calls on '%s'",
			 what, gb_vk_result_name(r), vk->info.device);
		return GB_EXEC_ELOST;
	}
	gb_error("vulkan: %s failed: %s", what, gb_vk_result_name(r));
	return -1;
}

#define GB_VK_TRY(vk, call, what)                                             \
	do {                                                                  \
		VkResult r_ = (call);                                         \
		if (r_ != VK_SUCCESS)                                         \
			return gb_vk_fail((vk), r_, (what));                  \
	} while (0)

/* ---- validation messages ---------------------------------------------- */

static VKAPI_ATTR VkBool32 VKAPI_CALL gb_vk_debug_cb(
	VkDebugUtilsMessageSeverityFlagBitsEXT sev, VkDebugUtilsMessageTypeFlagsEXT type,
	const VkDebugUtilsMessengerCallbackDataEXT *data, void *user)
{
	struct gb_vk *vk = user;

	(void)type;
	vk->messages++;
	fprintf(stderr, "gbench: vulkan validation %s: %s\n",
		sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning",
		data && data->pMessage ? data->pMessage : "(no message)");
	return VK_FALSE;
}

static void gb_vk_messenger_info(struct gb_vk *vk, VkDebugUtilsMessengerCreateInfoEXT *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
	ci->messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
			      VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
	ci->messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
			  VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
			  VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
	ci->pfnUserCallback = gb_vk_debug_cb;
	ci->pUserData = vk;
}

/* ---- instance and device ---------------------------------------------- */

static int gb_vk_has_layer(struct gb_vk *vk, const char *name)
{
	uint32_t n = 0;
	VkLayerProperties *lp;
	int found = 0;

	if (vk->api.vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS)
		return 0;
	lp = gb_xcalloc(n ? n : 1, sizeof(*lp));
	if (vk->api.vkEnumerateInstanceLayerProperties(&n, lp) >= 0)
		for (uint32_t i = 0; i < n; i++)
			if (strcmp(lp[i].layerName, name) == 0)
				found = 1;
	free(lp);
	return found;
}

static int gb_vk_create_instance(struct gb_vk *vk, int validate, char *reason, size_t len)
{
	static const char *const layer = "VK_LAYER_KHRONOS_validation";
	static const char *const ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
	uint32_t version = VK_API_VERSION_1_0;
	VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO };
	VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
	VkDebugUtilsMessengerCreateInfoEXT mi;
	VkResult r;

	if (vk->api.vkEnumerateInstanceVersion &&
	    vk->api.vkEnumerateInstanceVersion(&version) != VK_SUCCESS)
		version = VK_API_VERSION_1_0;
	app.pApplicationName = "gbench";
	app.pEngineName = "gbench";
	app.apiVersion = version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 :
			 version >= VK_API_VERSION_1_2 ? VK_API_VERSION_1_2 :
			 version >= VK_API_VERSION_1_1 ? VK_API_VERSION_1_1 : VK_API_VERSION_1_0;
	ci.pApplicationInfo = &app;
	if (validate) {
		if (!gb_vk_has_layer(vk, layer)) {
			snprintf(reason, len, "validation requested but %s is not installed "
				 "(package vulkan-validationlayers)", layer);
			return -1;
		}
		gb_vk_messenger_info(vk, &mi);
		ci.pNext = &mi;
		ci.enabledLayerCount = 1;
		ci.ppEnabledLayerNames = &layer;
		ci.enabledExtensionCount = 1;
		ci.ppEnabledExtensionNames = &ext;
	}
	gb_vk_driver_enter();
	r = vk->api.vkCreateInstance(&ci, NULL, &vk->inst);
	gb_vk_driver_leave();
	if (r == VK_ERROR_INCOMPATIBLE_DRIVER || r == VK_ERROR_INITIALIZATION_FAILED) {
		snprintf(reason, len, "no Vulkan device: no driver found (vkCreateInstance: %s)",
			 gb_vk_result_name(r));
		return -1;
	}
	if (r != VK_SUCCESS) {
		snprintf(reason, len, "vkCreateInstance failed: %s", gb_vk_result_name(r));
		return -1;
	}
	if (gb_vk_api_load_instance(&vk->api, vk->inst, reason, len) < 0)
		return -1;
	if (validate) {
		if (!vk->api.vkCreateDebugUtilsMessengerEXT) {
			snprintf(reason, len, "validation requested but %s is unavailable", ext);
			return -1;
		}
		r = vk->api.vkCreateDebugUtilsMessengerEXT(vk->inst, &mi, NULL, &vk->messenger);
		if (r != VK_SUCCESS) {
			snprintf(reason, len, "vkCreateDebugUtilsMessengerEXT failed: %s",
				 gb_vk_result_name(r));
			return -1;
		}
	}
	return 0;
}

static int gb_vk_type_rank(VkPhysicalDeviceType t)
{
	switch (t) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
	case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
	default: return 0;
	}
}

static const char *gb_vk_type_name(VkPhysicalDeviceType t)
{
	switch (t) {
	case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete-gpu";
	case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated-gpu";
	case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual-gpu";
	case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
	default: return "other";
	}
}

/*
 * The queue family to use: one with compute, preferring timestamps, then a
 * compute-only family (usually the less contended one). -1 if none.
 */
static int gb_vk_pick_family(struct gb_vk *vk, VkPhysicalDevice pd)
{
	uint32_t n = 0;
	VkQueueFamilyProperties *qf;
	int best = -1, best_score = -1;

	vk->api.vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
	qf = gb_xcalloc(n ? n : 1, sizeof(*qf));
	vk->api.vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, qf);
	for (uint32_t i = 0; i < n; i++) {
		int score;

		if (!(qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || qf[i].queueCount == 0)
			continue;
		score = (qf[i].timestampValidBits > 0) * 2 +
			!(qf[i].queueFlags & VK_QUEUE_GRAPHICS_BIT);
		if (score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	if (best >= 0)
		vk->ts_bits = qf[best].timestampValidBits;
	free(qf);
	return best;
}

static int gb_vk_name_matches(const char *name, const char *want)
{
	size_t nl = strlen(name), wl = strlen(want);

	for (size_t i = 0; i + wl <= nl; i++) {
		size_t j = 0;

		while (j < wl && tolower((unsigned char)name[i + j]) ==
				 tolower((unsigned char)want[j]))
			j++;
		if (j == wl)
			return 1;
	}
	return 0;
}

/* Choose the physical device: opts->device (index or name), else the best type. */
static int gb_vk_pick_device(struct gb_vk *vk, const char *want, char *reason, size_t len)
{
	uint32_t n = 0;
	VkPhysicalDevice *pd;
	int best = -1, best_rank = -1, by_index = 0;
	unsigned long index = 0;
	VkResult r;

	gb_vk_driver_enter();
	r = vk->api.vkEnumeratePhysicalDevices(vk->inst, &n, NULL);
	gb_vk_driver_leave();
	if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
		snprintf(reason, len, "no Vulkan device: vkEnumeratePhysicalDevices: %s",
			 gb_vk_result_name(r));
		return -1;
	}
	if (n == 0) {
		snprintf(reason, len, "no Vulkan device");
		return -1;
	}
	pd = gb_xcalloc(n, sizeof(*pd));
	r = vk->api.vkEnumeratePhysicalDevices(vk->inst, &n, pd);
	if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
		free(pd);
		snprintf(reason, len, "no Vulkan device: vkEnumeratePhysicalDevices: %s",
			 gb_vk_result_name(r));
		return -1;
	}
	if (want && *want) {
		char *end;

		index = strtoul(want, &end, 10);
		by_index = *end == '\0';
	}
	for (uint32_t i = 0; i < n; i++) {
		VkPhysicalDeviceProperties p;
		int rank;

		vk->api.vkGetPhysicalDeviceProperties(pd[i], &p);
		if (gb_vk_pick_family(vk, pd[i]) < 0)
			continue;
		if (want && *want) {
			if (by_index ? i != index : !gb_vk_name_matches(p.deviceName, want))
				continue;
			rank = 100;
		} else {
			rank = gb_vk_type_rank(p.deviceType);
		}
		if (rank > best_rank) {
			best = (int)i;
			best_rank = rank;
		}
	}
	if (best < 0) {
		if (want && *want)
			snprintf(reason, len, "no Vulkan device matches '%s' (%u device%s)",
				 want, n, n == 1 ? "" : "s");
		else
			snprintf(reason, len, "no Vulkan device with a compute queue");
		free(pd);
		return -1;
	}
	vk->phys = pd[best];
	free(pd);
	vk->qfamily = (uint32_t)gb_vk_pick_family(vk, vk->phys);
	return 0;
}

static void gb_vk_fill_info(struct gb_vk *vk)
{
	VkPhysicalDeviceProperties *p = &vk->props;
	struct gb_exec_info *in = &vk->info;
	uint32_t v = p->apiVersion;

	snprintf(in->device, sizeof(in->device), "%s", p->deviceName);
	snprintf(in->api, sizeof(in->api), "%u.%u.%u", VK_API_VERSION_MAJOR(v),
		 VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
	snprintf(in->type, sizeof(in->type), "%s", gb_vk_type_name(p->deviceType));
	if (vk->api.vkGetPhysicalDeviceProperties2 && v >= VK_API_VERSION_1_2) {
		VkPhysicalDeviceDriverProperties dp = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
		};
		VkPhysicalDeviceProperties2 p2 = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
			.pNext = &dp,
		};

		vk->api.vkGetPhysicalDeviceProperties2(vk->phys, &p2);
		snprintf(in->driver, sizeof(in->driver), "%.120s %.120s", dp.driverName, dp.driverInfo);
		return;
	}
	/* No driver properties: the raw driverVersion, NVIDIA's or the usual packing. */
	v = p->driverVersion;
	if (p->vendorID == 0x10de)
		snprintf(in->driver, sizeof(in->driver), "%u.%u", v >> 22, (v >> 14) & 0xff);
	else
		snprintf(in->driver, sizeof(in->driver), "%u.%u.%u", VK_API_VERSION_MAJOR(v),
			 VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
}

static int gb_vk_create_device(struct gb_vk *vk, char *reason, size_t len)
{
	float prio = 1.0f;
	VkPhysicalDeviceFeatures have, want;
	VkDeviceQueueCreateInfo qi = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueFamilyIndex = vk->qfamily,
		.queueCount = 1,
		.pQueuePriorities = &prio,
	};
	VkDeviceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &qi,
		.pEnabledFeatures = &want,
	};
	VkResult r;

	vk->api.vkGetPhysicalDeviceFeatures(vk->phys, &have);
	memset(&want, 0, sizeof(want));
	want.pipelineStatisticsQuery = have.pipelineStatisticsQuery;
	vk->has_stats = have.pipelineStatisticsQuery == VK_TRUE;
	gb_vk_driver_enter();
	r = vk->api.vkCreateDevice(vk->phys, &ci, NULL, &vk->dev);
	gb_vk_driver_leave();
	if (r != VK_SUCCESS) {
		snprintf(reason, len, "vkCreateDevice on '%s' failed: %s", vk->info.device,
			 gb_vk_result_name(r));
		return -1;
	}
	if (gb_vk_api_load_device(&vk->api, vk->dev, reason, len) < 0)
		return -1;
	vk->api.vkGetDeviceQueue(vk->dev, vk->qfamily, 0, &vk->queue);
	return 0;
}

/* ---- memory ----------------------------------------------------------- */

/* A memory type in `bits` with all of `need`, preferring `like`; -1 if none. */
static int gb_vk_mem_type(struct gb_vk *vk, uint32_t bits, VkMemoryPropertyFlags need,
			  VkMemoryPropertyFlags like)
{
	int fallback = -1;

	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++) {
		VkMemoryPropertyFlags f = vk->mem.memoryTypes[i].propertyFlags;

		if (!(bits & (1u << i)) || (f & need) != need)
			continue;
		if ((f & like) == like)
			return (int)i;
		if (fallback < 0)
			fallback = (int)i;
	}
	return fallback;
}

/*
 * The device-local memory type on the largest heap: on a discrete GPU that
 * is VRAM, not the small host-visible BAR window that is device-local too.
 */
static int gb_vk_device_type(struct gb_vk *vk, uint32_t bits)
{
	int best = -1;
	VkDeviceSize best_heap = 0;

	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++) {
		const VkMemoryType *t = &vk->mem.memoryTypes[i];
		VkDeviceSize heap = vk->mem.memoryHeaps[t->heapIndex].size;

		if (!(bits & (1u << i)) || !(t->propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT))
			continue;
		if (best < 0 || heap > best_heap) {
			best = (int)i;
			best_heap = heap;
		}
	}
	return best >= 0 ? best : gb_vk_mem_type(vk, bits, 0, 0);
}

static void gb_vk_buf_free(struct gb_vk *vk, struct gb_vk_buf *b)
{
	if (b->buf)
		vk->api.vkDestroyBuffer(vk->dev, b->buf, NULL);
	if (b->mem) {
		vk->api.vkFreeMemory(vk->dev, b->mem, NULL);
		vk->allocated -= b->mem_size;
	}
	memset(b, 0, sizeof(*b));
}

/*
 * Make a buffer of `size` bytes. host: host-visible staging memory, mapped.
 * Otherwise device-local memory, mapped only when it is host-visible and
 * coherent and staging is not forced. Returns 0 or a run() status.
 */
static int gb_vk_buf_make(struct gb_vk *vk, struct gb_vk_buf *b, VkDeviceSize size, int host)
{
	const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
					 VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	VkBufferCreateInfo bi = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.size = size,
		.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
			 (host ? 0 : VK_BUFFER_USAGE_STORAGE_BUFFER_BIT),
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkMemoryRequirements req;
	VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
	int type, rc;

	memset(b, 0, sizeof(*b));
	GB_VK_TRY(vk, vk->api.vkCreateBuffer(vk->dev, &bi, NULL, &b->buf), "vkCreateBuffer");
	vk->api.vkGetBufferMemoryRequirements(vk->dev, b->buf, &req);
	if (host)
		type = gb_vk_mem_type(vk, req.memoryTypeBits, hv, hv | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
	else
		type = gb_vk_device_type(vk, req.memoryTypeBits);
	if (type < 0) {
		gb_vk_buf_free(vk, b);
		return gb_error("vulkan: no suitable memory type for a %s buffer",
				host ? "staging" : "device");
	}
	ai.allocationSize = req.size;
	ai.memoryTypeIndex = (uint32_t)type;
	if (vk->heap_limit && vk->allocated + req.size > vk->heap_limit)
		rc = VK_ERROR_OUT_OF_DEVICE_MEMORY;   /* GBENCH_VK_HEAP_LIMIT: a smaller device */
	else
		rc = vk->api.vkAllocateMemory(vk->dev, &ai, NULL, &b->mem);
	if (rc != VK_SUCCESS) {
		gb_vk_buf_free(vk, b);
		return gb_vk_fail(vk, (VkResult)rc, "vkAllocateMemory");
	}
	b->mem_size = req.size;
	vk->allocated += req.size;
	if ((rc = vk->api.vkBindBufferMemory(vk->dev, b->buf, b->mem, 0)) != VK_SUCCESS) {
		gb_vk_buf_free(vk, b);
		return gb_vk_fail(vk, (VkResult)rc, "vkBindBufferMemory");
	}
	b->size = size;
	if (host || (!vk->force_staging &&
		     (vk->mem.memoryTypes[type].propertyFlags & hv) == hv)) {
		if ((rc = vk->api.vkMapMemory(vk->dev, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map)) !=
		    VK_SUCCESS) {
			gb_vk_buf_free(vk, b);
			return gb_vk_fail(vk, (VkResult)rc, "vkMapMemory");
		}
	}
	return 0;
}

/*
 * Grow b to at least `need` bytes (never shrinks; the new buffer is made
 * before the old one goes, so a failure leaves b as it was). *grown is set
 * when b changed.
 */
static int gb_vk_buf_grow(struct gb_vk *vk, struct gb_vk_buf *b, VkDeviceSize need,
			  int host, int *grown)
{
	struct gb_vk_buf nb;
	VkDeviceSize size;
	int rc;

	if (b->buf && b->size >= need)
		return 0;
	size = b->size ? b->size : 4096;
	while (size < need)
		size *= 2;
	if ((rc = gb_vk_buf_make(vk, &nb, size, host)) < 0) {
		/* The doubled size may be what does not fit: try the exact one. */
		if (rc != GB_EXEC_ENOMEM || size == need ||
		    (rc = gb_vk_buf_make(vk, &nb, need, host)) < 0)
			return rc;
	}
	gb_vk_buf_free(vk, b);
	*b = nb;
	*grown = 1;
	return 0;
}

/* ---- command submission ----------------------------------------------- */

static int gb_vk_begin(struct gb_vk *vk)
{
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};

	GB_VK_TRY(vk, vk->api.vkResetCommandBuffer(vk->cmd, 0), "vkResetCommandBuffer");
	GB_VK_TRY(vk, vk->api.vkBeginCommandBuffer(vk->cmd, &bi), "vkBeginCommandBuffer");
	return 0;
}

/* End, submit and wait for the command buffer. */
static int gb_vk_submit_wait(struct gb_vk *vk)
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

static void gb_vk_barrier(struct gb_vk *vk, VkPipelineStageFlags src, VkAccessFlags sa,
			  VkPipelineStageFlags dst, VkAccessFlags da)
{
	VkMemoryBarrier mb = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
		.srcAccessMask = sa,
		.dstAccessMask = da,
	};

	vk->api.vkCmdPipelineBarrier(vk->cmd, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
}

/* ---- pipelines -------------------------------------------------------- */

static const struct gb_vk_spirv *gb_vk_find_spirv(const char *name)
{
	for (const struct gb_vk_spirv *s = gb_vk_spirv_table; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/*
 * The pipeline of `shader` at workgroup size wg, built on first use. For the
 * matmul shaders tm is the rows per workgroup, or 0 for one invocation per
 * output (specialization constants 1 and 2).
 */
static int gb_vk_pipeline(struct gb_vk *vk, const char *shader, uint32_t wg, uint32_t tm,
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

/* ---- init / release --------------------------------------------------- */

static void gb_vk_write_set(struct gb_vk *vk, VkDescriptorSet set, uint32_t binding,
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

static void gb_vk_write_io_set(struct gb_vk *vk)
{
	for (uint32_t b = 0; b < GB_VK_NIO; b++) {
		VkDeviceSize range = vk->io[b].size;

		if (range > vk->max_range)
			range = vk->max_range & ~(VkDeviceSize)3;
		gb_vk_write_set(vk, vk->io_set, b, vk->io[b].buf, 0, range);
	}
}

static int gb_vk_create_objects(struct gb_vk *vk, char *reason, size_t len)
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
	int grown = 0;

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
	/* Small per-call buffers so every descriptor is valid from the start. */
	for (int b = 0; b < GB_VK_NIO; b++)
		if (gb_vk_buf_grow(vk, &vk->io[b], 4096, 0, &grown) < 0)
			goto nomem;
	if (gb_vk_buf_make(vk, &vk->dummy, 64, 0) < 0)
		goto nomem;
	vk->staging = vk->io[GB_VK_X].map == NULL;
	if (vk->staging && (gb_vk_buf_grow(vk, &vk->up, 4096, 1, &grown) < 0 ||
			    gb_vk_buf_grow(vk, &vk->down, 4096, 1, &grown) < 0))
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
		for (int i = 0; i < vk->npipes; i++)
			vk->api.vkDestroyPipeline(vk->dev, vk->pipes[i].pipe, NULL);
		for (int b = 0; b < GB_VK_NIO; b++)
			gb_vk_buf_free(vk, &vk->io[b]);
		gb_vk_buf_free(vk, &vk->up);
		gb_vk_buf_free(vk, &vk->down);
		gb_vk_buf_free(vk, &vk->dummy);
		if (vk->ts_pool)
			vk->api.vkDestroyQueryPool(vk->dev, vk->ts_pool, NULL);
		if (vk->stats_pool)
			vk->api.vkDestroyQueryPool(vk->dev, vk->stats_pool, NULL);
		if (vk->fence)
			vk->api.vkDestroyFence(vk->dev, vk->fence, NULL);
		if (vk->cpool)
			vk->api.vkDestroyCommandPool(vk->dev, vk->cpool, NULL);
		if (vk->pool)
			vk->api.vkDestroyDescriptorPool(vk->dev, vk->pool, NULL);
		if (vk->layout)
			vk->api.vkDestroyPipelineLayout(vk->dev, vk->layout, NULL);
		for (int i = 0; i < 2; i++)
			if (vk->dsl[i])
				vk->api.vkDestroyDescriptorSetLayout(vk->dev, vk->dsl[i], NULL);
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

static int gb_vk_precompile(struct gb_vk *vk, char *reason, size_t len);

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
	if (vk->cpu_shapes && gb_vk_precompile(vk, reason, len) < 0)
		goto fail;
	/*
	 * A testing aid: GBENCH_VK_SELFTEST_VALIDATION=1 makes one invalid call
	 * (a buffer of size 0, VUID-VkBufferCreateInfo-size-00912) so a test can
	 * see a validation message reach stderr, the count and the exit code.
	 */
	if (o && o->validate && (env = getenv("GBENCH_VK_SELFTEST_VALIDATION")) && *env == '1') {
		VkBufferCreateInfo bad = {
			.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
			.size = 0,
			.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
		};
		VkBuffer b = VK_NULL_HANDLE;

		if (vk->api.vkCreateBuffer(vk->dev, &bad, NULL, &b) == VK_SUCCESS && b)
			vk->api.vkDestroyBuffer(vk->dev, b, NULL);
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

/* ---- weights ---------------------------------------------------------- */

static uint32_t gb_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return (uint32_t)a;
}

static void gb_vk_weights_free(struct gb_executor *ex, void *handle)
{
	struct gb_vk *vk = ex->ctx;
	struct gb_vk_weights *w = handle;

	if (!w)
		return;
	if (vk && vk->dev) {
		vk->api.vkDeviceWaitIdle(vk->dev);
		if (w->pool)
			vk->api.vkDestroyDescriptorPool(vk->dev, w->pool, NULL);
		gb_vk_buf_free(vk, &w->buf);
	}
	free(w->sets);
	free(w);
}

/*
 * One device buffer holding the quantized bytes as they are, and one
 * descriptor set per range of rows a descriptor can bind: the ranges start
 * at offsets aligned to minStorageBufferOffsetAlignment and carry 4 bytes
 * past their last row (the shaders read unaligned words).
 */
static int gb_vk_weights_upload(struct gb_executor *ex, const struct gb_weights *src,
				void **handle)
{
	struct gb_vk *vk = ex->ctx;
	struct gb_vk_weights *w;
	VkDeviceSize bytes, size, step;
	uint64_t rows_per;
	int rc = 0;

	*handle = NULL;
	if (vk->lost)
		return GB_EXEC_ELOST;
	if ((unsigned)src->quant >= GB_Q_COUNT || src->rows == 0 ||
	    src->row_bytes != gb_quant_row_bytes(src->quant, src->cols))
		return gb_error("vulkan: malformed weights (%u rows of %u, %zu bytes a row)",
				src->rows, src->cols, src->row_bytes);
	w = gb_xcalloc(1, sizeof(*w));
	w->magic = GB_VK_WEIGHTS_MAGIC;
	w->quant = src->quant;
	w->rows = src->rows;
	w->cols = src->cols;
	w->cols_padded = src->cols_padded;
	w->row_bytes = (uint32_t)src->row_bytes;
	bytes = (VkDeviceSize)src->rows * src->row_bytes;
	size = (bytes + 4 + 3) & ~(VkDeviceSize)3;
	/* Rows per descriptor range. */
	if (size <= vk->max_range) {
		rows_per = src->rows;
	} else {
		step = vk->align / gb_gcd(src->row_bytes, vk->align);
		/* ranges are rounded up to 4 bytes: stay 4 below a multiple of 4 */
		rows_per = ((vk->max_range & ~(VkDeviceSize)3) - 4) / src->row_bytes / step * step;
		if (rows_per == 0) {
			free(w);
			return gb_error("vulkan: a weight row of %zu bytes does not fit in "
					"maxStorageBufferRange (%llu)", src->row_bytes,
					(unsigned long long)vk->max_range);
		}
	}
	w->chunk_rows = (uint32_t)rows_per;
	w->nchunks = (uint32_t)((src->rows + rows_per - 1) / rows_per);
	if ((rc = gb_vk_buf_make(vk, &w->buf, size, 0)) < 0)
		goto fail;
	if (w->buf.map) {
		memcpy(w->buf.map, src->data, bytes);
	} else {
		struct gb_vk_buf st;
		VkBufferCopy region = { .size = bytes };

		if ((rc = gb_vk_buf_make(vk, &st, bytes, 1)) < 0)
			goto fail;
		memcpy(st.map, src->data, bytes);
		if ((rc = gb_vk_begin(vk)) == 0) {
			vk->api.vkCmdCopyBuffer(vk->cmd, st.buf, w->buf.buf, 1, &region);
			rc = gb_vk_submit_wait(vk);
		}
		gb_vk_buf_free(vk, &st);
		if (rc < 0)
			goto fail;
	}
	{
		VkDescriptorPoolSize ps = {
			.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .descriptorCount = w->nchunks,
		};
		VkDescriptorPoolCreateInfo dpi = {
			.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
			.maxSets = w->nchunks,
			.poolSizeCount = 1,
			.pPoolSizes = &ps,
		};
		VkDescriptorSetLayout *layouts = gb_xcalloc(w->nchunks, sizeof(*layouts));
		VkDescriptorSetAllocateInfo dai = {
			.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
			.descriptorSetCount = w->nchunks,
			.pSetLayouts = layouts,
		};
		VkResult r;

		for (uint32_t c = 0; c < w->nchunks; c++)
			layouts[c] = vk->dsl[1];
		w->sets = gb_xcalloc(w->nchunks, sizeof(*w->sets));
		r = vk->api.vkCreateDescriptorPool(vk->dev, &dpi, NULL, &w->pool);
		if (r == VK_SUCCESS) {
			dai.descriptorPool = w->pool;
			r = vk->api.vkAllocateDescriptorSets(vk->dev, &dai, w->sets);
		}
		free(layouts);
		if (r != VK_SUCCESS) {
			rc = gb_vk_fail(vk, r, "vkAllocateDescriptorSets");
			goto fail;
		}
	}
	for (uint32_t c = 0; c < w->nchunks; c++) {
		VkDeviceSize off = (VkDeviceSize)c * w->chunk_rows * w->row_bytes;
		VkDeviceSize range = ((VkDeviceSize)w->chunk_rows * w->row_bytes + 4 + 3) &
				     ~(VkDeviceSize)3;

		if (range > size - off)
			range = size - off;
		gb_vk_write_set(vk, w->sets[c], 0, w->buf.buf, off, range);
	}
	*handle = w;
	return 0;
fail:
	gb_vk_weights_free(ex, w);
	return rc < 0 ? rc : -1;
}

/* ---- run -------------------------------------------------------------- */

/* Bytes per row of each per-call buffer for an op (aux: per row, or fixed). */
struct gb_vk_plan {
	VkDeviceSize x_row, y_row, idx_row, aux_row, aux_fixed;
};

static void gb_vk_plan(const struct gb_shape *s, struct gb_vk_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
	switch (s->op) {
	case GB_OP_MATMUL:
		pl->x_row = 4ull * s->k;
		pl->y_row = 4ull * s->n;
		break;
	case GB_OP_TOPK:
		pl->x_row = 4ull * s->k;
		pl->y_row = 4ull * s->p;
		pl->idx_row = 4ull * s->p;
		pl->aux_row = 4ull * s->n;
		break;
	case GB_OP_REDUCE:
		pl->x_row = 4ull * s->n;
		pl->y_row = 4;
		break;
	case GB_OP_FFT:
		pl->x_row = 8ull * s->n;
		pl->y_row = 8ull * s->n;
		pl->aux_fixed = s->n >= 2 ? 4ull * s->n : 4;
		break;
	default:
		pl->x_row = 4ull * s->n;
		pl->y_row = 4ull * s->n;
		break;
	}
}

static uint32_t gb_log2(uint32_t n)
{
	uint32_t l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/* The twiddles exp(-2 pi i j / n), j < n/2, in double, rounded once to float. */
static const float *gb_vk_twiddles(struct gb_vk *vk, uint32_t n)
{
	if (vk->twiddle_n != n || !vk->twiddles) {
		uint32_t h = n / 2 ? n / 2 : 1;

		free(vk->twiddles);
		vk->twiddles = gb_xmalloc(2 * sizeof(float) * h);
		vk->twiddles[0] = 1.0f;
		vk->twiddles[1] = 0.0f;
		for (uint32_t j = 0; j < n / 2; j++) {
			double a = -2.0 * M_PI * (double)j / (double)n;

			vk->twiddles[2 * j] = (float)cos(a);
			vk->twiddles[2 * j + 1] = (float)sin(a);
		}
		vk->twiddle_n = n;
	}
	return vk->twiddles;
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

/* Record one dispatch; adds its invocations to *inv. */
static void gb_vk_dispatch(struct gb_vk *vk, VkPipeline pipe, VkDescriptorSet wset,
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

static void gb_vk_compute_barrier(struct gb_vk *vk)
{
	gb_vk_barrier(vk, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
		      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
		      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

static const char *const gb_vk_qname[GB_Q_COUNT] = { "f32", "f16", "q8", "q4" };

/*
 * Shape of the matmul-like dispatches: for k up to 256, and for any k on a
 * CPU device, one invocation per output (tm 0); else a workgroup per weight
 * row and tm rows of x, sized to the blocks of a row. A CPU device runs a
 * workgroup's invocations as SIMD lanes on one thread, so the shared-memory
 * tree and its barriers only cost there: lavapipe takes 511 us instead of
 * 928 us for a 1x704 by 704x256 f32 matmul on one core of the development VM.
 */
static void gb_vk_mm_shape(int cpu_shapes, uint32_t kp, uint32_t m, uint32_t *wg, uint32_t *tm)
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
static int gb_vk_record_mm(struct gb_vk *vk, const char *prefix, const struct gb_vk_weights *w,
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

/*
 * On a CPU device every shader runs at one shape (gb_vk_mm_shape for the
 * matmuls, gb_vk_record_op for the rest), so all of them are compiled when
 * the executor starts instead of on a cell's first call: lavapipe compiles
 * a pipeline with LLVM, which put 9-15 ms on the first repetition of the
 * first cell to use a shader (llm-prefill b1, 60-82 ms otherwise) in a
 * process that warms no vulkan cell up (as the ci config does: warmup =
 * 1,vulkan:0). 0 or -1 with the reason.
 */
static int gb_vk_precompile(struct gb_vk *vk, char *reason, size_t len)
{
	for (const struct gb_vk_spirv *sp = gb_vk_spirv_table; sp->name; sp++) {
		uint32_t wg = 64, tm = 1;
		VkPipeline pipe;

		if (!strncmp(sp->name, "peak_", 5))
			continue;   /* gbench peak's own */
		if (!strncmp(sp->name, "matmul", 6) || !strncmp(sp->name, "topk_score", 10))
			gb_vk_mm_shape(1, 0, 1, &wg, &tm);
		else if (!strcmp(sp->name, "silu") || !strcmp(sp->name, "fft"))
			wg = GB_VK_WG_WIDE;
		if (gb_vk_pipeline(vk, sp->name, wg, tm, &pipe) < 0) {
			snprintf(reason, len, "cannot compile shader '%s'", sp->name);
			return -1;
		}
	}
	return 0;
}

/* Record the op's dispatches for `rows` rows; *inv gets the invocations. */
static int gb_vk_record_op(struct gb_vk *vk, const struct gb_exec_call *c, uint32_t rows,
			   uint64_t *inv)
{
	const struct gb_shape *s = &c->shape;
	const struct gb_vk_weights *w = c->weights;
	struct gb_vk_push pc = { .m = rows, .n = s->n, .k = s->k, .p = s->p };
	const char *shader = NULL;
	uint32_t wg = 64;
	uint64_t groups = rows;
	VkPipeline pipe;
	int rc;

	switch (s->op) {
	case GB_OP_MATMUL:
		return gb_vk_record_mm(vk, "matmul", w, pc, inv);
	case GB_OP_TOPK:
		if ((rc = gb_vk_record_mm(vk, "topk_score", w, pc, inv)) < 0)
			return rc;
		gb_vk_compute_barrier(vk);
		shader = "topk_select";
		break;
	case GB_OP_SOFTMAX: shader = "softmax"; break;
	case GB_OP_RMSNORM: shader = "rmsnorm"; break;
	case GB_OP_REDUCE: shader = "reduce"; break;
	case GB_OP_SILU:
		shader = "silu";
		wg = GB_VK_WG_WIDE;
		pc.m = rows * s->n;
		groups = ((uint64_t)pc.m + wg - 1) / wg;
		break;
	case GB_OP_FFT: {
		uint32_t lg = gb_log2(s->n);

		wg = GB_VK_WG_WIDE;
		pc.p = lg;
		pc.stage = ~0u;
		if ((rc = gb_vk_pipeline(vk, "fft", wg, 1, &pipe)) < 0)
			return rc;
		gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc,
			       ((uint64_t)rows * s->n + wg - 1) / wg, wg, inv);
		for (uint32_t st = 0; st < lg; st++) {
			gb_vk_compute_barrier(vk);
			pc.stage = st;
			gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc,
				       ((uint64_t)rows * (s->n / 2) + wg - 1) / wg, wg, inv);
		}
		return 0;
	}
	default:
		return gb_error("vulkan: unknown op %d", (int)s->op);
	}
	if ((rc = gb_vk_pipeline(vk, shader, wg, 1, &pipe)) < 0)
		return rc;
	gb_vk_dispatch(vk, pipe, vk->dummy_set, &pc, groups, wg, inv);
	return 0;
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

/*
 * Run rows [row0, row0 + rows) of the call as one submission. Adds the
 * device time to *ns, or clears *ts_ok when there is none.
 */
static int gb_vk_run_rows(struct gb_vk *vk, const struct gb_exec_call *c,
			  const struct gb_vk_plan *pl, uint32_t row0, uint32_t rows,
			  uint64_t *ns, int *ts_ok)
{
	const struct gb_shape *s = &c->shape;
	VkDeviceSize xb = pl->x_row * rows, yb = pl->y_row * rows, ib = pl->idx_row * rows;
	VkDeviceSize ab = pl->aux_row * rows + pl->aux_fixed;
	VkDeviceSize up_aux = (xb + 15) & ~(VkDeviceSize)15;  /* twiddles in `up` */
	VkDeviceSize down_idx = yb + GB_VK_GUARD;             /* idx in `down` */
	const float *tw = s->op == GB_OP_FFT ? gb_vk_twiddles(vk, s->n) : NULL;
	int grown = 0, check, rc;
	uint64_t key = 0, inv = 0;
	const unsigned char *out;

	if ((rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_X], xb, 0, &grown)) < 0 ||
	    (rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_Y], yb + GB_VK_GUARD, 0, &grown)) < 0 ||
	    (rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_IDX], ib + GB_VK_GUARD, 0, &grown)) < 0 ||
	    (rc = gb_vk_buf_grow(vk, &vk->io[GB_VK_AUX], ab, 0, &grown)) < 0) {
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
		int dummy = 0;

		if ((rc = gb_vk_buf_grow(vk, &vk->up, up_aux + (tw ? ab : 0), 1, &dummy)) < 0 ||
		    (rc = gb_vk_buf_grow(vk, &vk->down, down_idx + ib + GB_VK_GUARD, 1,
					 &dummy)) < 0)
			return rc;
	}
	if (grown)
		gb_vk_write_io_set(vk);

	/* Inputs. */
	if (vk->staging) {
		memcpy(vk->up.map, c->x + (size_t)row0 * (pl->x_row / 4), xb);
		if (tw)
			memcpy((char *)vk->up.map + up_aux, tw, ab);
	} else {
		memcpy(vk->io[GB_VK_X].map, c->x + (size_t)row0 * (pl->x_row / 4), xb);
		if (tw)
			memcpy(vk->io[GB_VK_AUX].map, tw, ab);
	}

	if ((rc = gb_vk_begin(vk)) < 0)
		return rc;
	check = gb_vk_needs_check(vk, c, rows, &key);
	if (vk->ts_pool)
		vk->api.vkCmdResetQueryPool(vk->cmd, vk->ts_pool, 0, 2);
	if (check)
		vk->api.vkCmdResetQueryPool(vk->cmd, vk->stats_pool, 0, 1);
	if (vk->staging) {
		VkBufferCopy rx = { .size = xb }, ra = { .srcOffset = up_aux, .size = ab };

		vk->api.vkCmdCopyBuffer(vk->cmd, vk->up.buf, vk->io[GB_VK_X].buf, 1, &rx);
		if (tw)
			vk->api.vkCmdCopyBuffer(vk->cmd, vk->up.buf, vk->io[GB_VK_AUX].buf, 1, &ra);
	}
	vk->api.vkCmdFillBuffer(vk->cmd, vk->io[GB_VK_Y].buf, yb, GB_VK_GUARD, GB_VK_SENTINEL);
	if (ib)
		vk->api.vkCmdFillBuffer(vk->cmd, vk->io[GB_VK_IDX].buf, ib, GB_VK_GUARD,
					GB_VK_SENTINEL);
	gb_vk_barrier(vk, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
		      VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
		      VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
	if (vk->ts_pool)
		vk->api.vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT,
					    vk->ts_pool, 0);
	if (check)
		vk->api.vkCmdBeginQuery(vk->cmd, vk->stats_pool, 0, 0);
	rc = gb_vk_record_op(vk, c, rows, &inv);
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
		VkBufferCopy ry = { .size = yb + GB_VK_GUARD };
		VkBufferCopy ri = { .dstOffset = down_idx, .size = ib + GB_VK_GUARD };

		gb_vk_barrier(vk, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
			      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
		vk->api.vkCmdCopyBuffer(vk->cmd, vk->io[GB_VK_Y].buf, vk->down.buf, 1, &ry);
		if (ib)
			vk->api.vkCmdCopyBuffer(vk->cmd, vk->io[GB_VK_IDX].buf, vk->down.buf, 1, &ri);
		gb_vk_barrier(vk, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
			      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	} else {
		gb_vk_barrier(vk, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
			      VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
			      VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
	}
	if ((rc = gb_vk_submit_wait(vk)) < 0)
		return rc;

	/* Device time. */
	if (vk->ts_pool) {
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
		if (q[1] > q[0])
			*ns += (uint64_t)((double)(q[1] - q[0]) *
					  (double)vk->props.limits.timestampPeriod + 0.5);
		else
			*ts_ok = 0;
	} else {
		*ts_ok = 0;
	}
	if (check) {
		uint64_t got = 0;
		VkResult r = vk->api.vkGetQueryPoolResults(vk->dev, vk->stats_pool, 0, 1,
							   sizeof(got), &got, sizeof(got),
							   VK_QUERY_RESULT_64_BIT |
							   VK_QUERY_RESULT_WAIT_BIT);

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
	}

	/* Outputs and their guards. */
	out = vk->staging ? vk->down.map : vk->io[GB_VK_Y].map;
	memcpy(c->y + (size_t)row0 * (pl->y_row / 4), out, yb);
	for (int b = 0; b < (ib ? 2 : 1); b++) {
		const unsigned char *g;
		uint32_t word;

		if (b == 0)
			g = out + yb;
		else
			g = (vk->staging ? (const unsigned char *)vk->down.map + down_idx :
			     (const unsigned char *)vk->io[GB_VK_IDX].map) + ib;
		for (unsigned i = 0; i < GB_VK_GUARD; i += 4) {
			memcpy(&word, g + i, 4);
			if (word != GB_VK_SENTINEL)
				return gb_error("vulkan: %s m=%u n=%u k=%u wrote past the end of "
						"its %s buffer (guard byte %u)", gb_op_name(s->op),
						rows, s->n, s->k, b ? "index" : "output", i);
		}
	}
	if (ib && c->idx)
		memcpy(c->idx + (size_t)row0 * s->p,
		       vk->staging ? (const unsigned char *)vk->down.map + down_idx :
		       (const unsigned char *)vk->io[GB_VK_IDX].map, ib);
	return 0;
}

static int gb_vk_run(struct gb_executor *ex, const struct gb_exec_call *c,
		     struct gb_exec_timing *t)
{
	struct gb_vk *vk = ex->ctx;
	const struct gb_shape *s = &c->shape;
	const struct gb_vk_weights *w = c->weights;
	struct gb_vk_plan pl;
	VkDeviceSize row_max = 0;
	uint64_t rows_per, ns = 0;
	int ts_ok = 1, rc;

	t->device_ns = 0;
	t->has_device_ns = 0;
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
	}
	t->device_ns = ns;
	t->has_device_ns = ts_ok && ns > 0;
	return 0;
}

/* ---- peak ------------------------------------------------------------- */

/*
 * Run one dispatch of `pipe` in a submission of its own, between two
 * timestamps, and return its device time in *ns (masked to the valid bits,
 * scaled by timestampPeriod, as run() measures). The fence wait between
 * submissions orders the dispatches, so no barrier is needed.
 */
static int gb_vk_time_dispatch(struct gb_vk *vk, VkPipeline pipe, const struct gb_vk_push *pc,
			       uint64_t groups, uint32_t wg, uint64_t *ns)
{
	uint64_t q[2], inv = 0, mask = vk->ts_bits >= 64 ? ~0ull : (1ull << vk->ts_bits) - 1;
	VkResult r;
	int rc;

	if ((rc = gb_vk_begin(vk)) < 0)
		return rc;
	vk->api.vkCmdResetQueryPool(vk->cmd, vk->ts_pool, 0, 2);
	vk->api.vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, vk->ts_pool, 0);
	gb_vk_dispatch(vk, pipe, vk->dummy_set, pc, groups, wg, &inv);
	vk->api.vkCmdWriteTimestamp(vk->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, vk->ts_pool, 1);
	if ((rc = gb_vk_submit_wait(vk)) < 0)
		return rc;
	r = vk->api.vkGetQueryPoolResults(vk->dev, vk->ts_pool, 0, 2, sizeof(q), q, sizeof(q[0]),
					  VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
	if (r != VK_SUCCESS)
		return gb_vk_fail(vk, r, "vkGetQueryPoolResults (timestamps)");
	q[0] &= mask;
	q[1] &= mask;
	if (q[1] <= q[0])
		return gb_error("vulkan: the timestamps of a peak dispatch did not advance");
	*ns = (uint64_t)((double)(q[1] - q[0]) * (double)vk->props.limits.timestampPeriod + 0.5);
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

static int gb_vk_peak(struct gb_executor *ex, struct gb_exec_peak *out)
{
	struct gb_vk *vk = ex->ctx;
	const VkPhysicalDeviceLimits *lim = &vk->props.limits;
	/* 64 or 256 MiB per buffer: past the last-level cache of any device. */
	VkDeviceSize bytes = out->quick ? 64ull << 20 : 256ull << 20;
	uint32_t wg = 256;
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
	bytes &= ~(VkDeviceSize)(wg * 4 - 1);   /* whole workgroups */
	if (bytes < (VkDeviceSize)wg * 4)
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
	pc.m = (uint32_t)(bytes / 4);
	groups = bytes / 4 / wg;
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
	iters = 16;
	for (;;) {
		uint64_t ns;

		pc.k = (uint32_t)iters;
		if ((rc = gb_vk_time_dispatch(vk, pipe, &pc, groups, wg, &ns)) < 0)
			return rc;
		if (ns >= target_ns / 8 || iters >= GB_VK_PEAK_MAX_ITERS) {
			/* Long enough to extrapolate from: scale to the target. */
			iters = (uint64_t)((double)iters * (double)target_ns / (double)ns);
			break;
		}
		iters *= 8;   /* at most 8x at a time: a slow device must not stall */
	}
	if (iters < pc.k)
		iters = pc.k;
	if (iters > GB_VK_PEAK_MAX_ITERS)
		iters = GB_VK_PEAK_MAX_ITERS;
	pc.k = (uint32_t)iters;
	if ((rc = gb_vk_best_dispatch(vk, pipe, &pc, groups, wg, samples, &best)) < 0)
		return rc;
	out->f32_gflops = (double)inv * (double)pc.k * 32.0 * 2.0 / (double)best;
	return 0;
}

const struct gb_executor_i gb_executor_vulkan = {
	.name = "vulkan",
	.init = gb_vk_init,
	.release = gb_vk_release,
	.info = gb_vk_info,
	.weights_upload = gb_vk_weights_upload,
	.weights_free = gb_vk_weights_free,
	.run = gb_vk_run,
	.validation_messages = gb_vk_validation_messages,
	.peak = gb_vk_peak,
	.turn = gb_vk_turn,
};
