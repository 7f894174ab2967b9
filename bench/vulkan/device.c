/*
 * device.c - the vulkan executor's instance and device: the error mapping
 * every part uses (gb_vk_fail), the validation layer's messenger, the
 * choice of physical device and queue family, the extensions enabled
 * (calibrated timestamps where the device has them; cooperative matrices
 * where coopmat.c says so), and what `gbench info` and meta.json say
 * about it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

/* ---- errors ----------------------------------------------------------- */

/*
 * Map a failed VkResult to a status for run(): out of memory is
 * GB_EXEC_ENOMEM (the replay splits the batch), device lost GB_EXEC_ELOST
 * (sticky), anything else -1. Prints the message.
 */
int gb_vk_fail(struct gb_vk *vk, VkResult r, const char *what)
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

/* Whether `name` is among the n extensions of `ep`. */
static int gb_vk_ext_listed(const VkExtensionProperties *ep, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(ep[i].extensionName, name) == 0)
			return 1;
	return 0;
}

/* Whether `layer` provides the instance extension `name`. */
static int gb_vk_layer_has_ext(struct gb_vk *vk, const char *layer, const char *name)
{
	uint32_t n = 0;
	VkExtensionProperties *ep;
	int found;

	if (vk->api.vkEnumerateInstanceExtensionProperties(layer, &n, NULL) != VK_SUCCESS || !n)
		return 0;
	ep = gb_xcalloc(n, sizeof(*ep));
	found = vk->api.vkEnumerateInstanceExtensionProperties(layer, &n, ep) >= 0 &&
		gb_vk_ext_listed(ep, n, name);
	free(ep);
	return found;
}

/*
 * With `validate`: the Khronos layer, its messages through a debug-utils
 * messenger, and its synchronization validation (hazards between the
 * commands of a submission: a missing or too narrow barrier) where the
 * layer provides VK_EXT_validation_features; GBENCH_VK_SYNCVAL=0 leaves
 * that out.
 */
int gb_vk_create_instance(struct gb_vk *vk, int validate, char *reason, size_t len)
{
	static const char *const layer = "VK_LAYER_KHRONOS_validation";
	static const VkValidationFeatureEnableEXT sync =
		VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
	const char *exts[2] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME,
				VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME };
	const char *env = getenv("GBENCH_VK_SYNCVAL");
	uint32_t version = VK_API_VERSION_1_0;
	VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO };
	VkInstanceCreateInfo ci = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO };
	VkDebugUtilsMessengerCreateInfoEXT mi;
	VkValidationFeaturesEXT vf = {
		.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
		.enabledValidationFeatureCount = 1,
		.pEnabledValidationFeatures = &sync,
	};
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
		ci.ppEnabledExtensionNames = exts;
		if (!(env && !strcmp(env, "0")) &&
		    gb_vk_layer_has_ext(vk, layer, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
			vf.pNext = &mi;
			ci.pNext = &vf;
			ci.enabledExtensionCount = 2;
		}
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
	if (ci.pNext == &vf)   /* synchronization validation on */
		gb_vk_layer_keep();
	if (validate) {
		if (!vk->api.vkCreateDebugUtilsMessengerEXT) {
			snprintf(reason, len, "validation requested but %s is unavailable",
				 exts[0]);
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
int gb_vk_pick_device(struct gb_vk *vk, const char *want, char *reason, size_t len)
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

void gb_vk_fill_info(struct gb_vk *vk)
{
	VkPhysicalDeviceProperties *p = &vk->props;
	struct gb_exec_info *in = &vk->info;
	uint32_t v = p->apiVersion;

	snprintf(in->device, sizeof(in->device), "%s", p->deviceName);
	snprintf(in->api, sizeof(in->api), "%u.%u.%u", VK_API_VERSION_MAJOR(v),
		 VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
	snprintf(in->type, sizeof(in->type), "%s", gb_vk_type_name(p->deviceType));
	if (vk->api.vkGetPhysicalDeviceProperties2 && v >= VK_API_VERSION_1_1) {
		/* one query: the subgroup's facts, and the driver's from Vulkan 1.2 */
		VkPhysicalDeviceDriverProperties dp = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
		};
		VkPhysicalDeviceSubgroupProperties sp = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
			.pNext = v >= VK_API_VERSION_1_2 ? &dp : NULL,
		};
		VkPhysicalDeviceProperties2 p2 = {
			.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
			.pNext = &sp,
		};

		vk->api.vkGetPhysicalDeviceProperties2(vk->phys, &p2);
		vk->sg_size = sp.subgroupSize;
		vk->sg_arith = (sp.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
			       (sp.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
			       (sp.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) &&
			       sp.subgroupSize >= 1;
		if (sp.pNext) {
			snprintf(in->driver, sizeof(in->driver), "%.120s %.120s", dp.driverName,
				 dp.driverInfo);
			return;
		}
	}
	/* No driver properties: the raw driverVersion, NVIDIA's or the usual packing. */
	v = p->driverVersion;
	if (p->vendorID == 0x10de)
		snprintf(in->driver, sizeof(in->driver), "%u.%u", v >> 22, (v >> 14) & 0xff);
	else
		snprintf(in->driver, sizeof(in->driver), "%u.%u.%u", VK_API_VERSION_MAJOR(v),
			 VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
}

int gb_vk_device_has_ext(struct gb_vk *vk, const char *name)
{
	uint32_t n = 0;
	VkExtensionProperties *ep;
	int found;

	if (vk->api.vkEnumerateDeviceExtensionProperties(vk->phys, NULL, &n, NULL) != VK_SUCCESS ||
	    n == 0)
		return 0;
	ep = gb_xcalloc(n, sizeof(*ep));
	found = vk->api.vkEnumerateDeviceExtensionProperties(vk->phys, NULL, &n, ep) >= 0 &&
		gb_vk_ext_listed(ep, n, name);
	free(ep);
	return found;
}

/*
 * The calibrated-timestamps extension to enable, or NULL: the KHR name or
 * the EXT one, where the device has it and can calibrate its own clock
 * against CLOCK_MONOTONIC (gb_now_ns's clock).
 */
static const char *gb_vk_calibration_ext(struct gb_vk *vk)
{
	static const char *const names[] = {
		"VK_KHR_calibrated_timestamps", VK_EXT_CALIBRATED_TIMESTAMPS_EXTENSION_NAME,
	};
	uint32_t nd = 0;
	VkTimeDomainEXT dom[16];
	const char *found = NULL;
	int dev = 0, mono = 0;

	if (vk->ts_bits == 0)
		return NULL;
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !found; k++)
		if (gb_vk_device_has_ext(vk, names[k]))
			found = names[k];
	gb_vk_api_load_calibration(&vk->api, vk->inst, found);
	if (!found || !vk->api.vkGetPhysicalDeviceCalibrateableTimeDomainsEXT)
		return NULL;
	nd = sizeof(dom) / sizeof(dom[0]);
	if (vk->api.vkGetPhysicalDeviceCalibrateableTimeDomainsEXT(vk->phys, &nd, dom) < 0)
		return NULL;
	for (uint32_t i = 0; i < nd; i++) {
		dev |= dom[i] == VK_TIME_DOMAIN_DEVICE_EXT;
		mono |= dom[i] == VK_TIME_DOMAIN_CLOCK_MONOTONIC_EXT;
	}
	return dev && mono ? found : NULL;
}

int gb_vk_create_device(struct gb_vk *vk, char *reason, size_t len)
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
	const char *exts[2];
	uint32_t next = 0;
	VkResult r;

	vk->api.vkGetPhysicalDeviceFeatures(vk->phys, &have);
	memset(&want, 0, sizeof(want));
	want.pipelineStatisticsQuery = have.pipelineStatisticsQuery;
	vk->has_stats = have.pipelineStatisticsQuery == VK_TRUE;
	vk->calib_ext = gb_vk_calibration_ext(vk);
	if (vk->calib_ext)
		exts[next++] = vk->calib_ext;
	gb_vk_coop_probe(vk);
	gb_vk_coop_enable(vk, &ci, exts, &next);
	ci.enabledExtensionCount = next;
	ci.ppEnabledExtensionNames = next ? exts : NULL;
	gb_vk_driver_enter();
	r = vk->api.vkCreateDevice(vk->phys, &ci, NULL, &vk->dev);
	gb_vk_driver_leave();
	if (r != VK_SUCCESS) {
		snprintf(reason, len, "vkCreateDevice on '%s' failed: %s", vk->info.device,
			 gb_vk_result_name(r));
		return -1;
	}
	if (gb_vk_api_load_device(&vk->api, vk->dev, vk->calib_ext, reason, len) < 0)
		return -1;
	vk->calibrated = vk->api.vkGetCalibratedTimestampsEXT != NULL;
	vk->api.vkGetDeviceQueue(vk->dev, vk->qfamily, 0, &vk->queue);
	return 0;
}
