/*
 * vk-api.c - loads the Vulkan loader with dlopen and fills struct
 * gb_vk_api (see vk-api.h). Nothing here links against libvulkan.
 */
#include "vulkan/vk-api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GB_HAVE_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define GB_HAVE_LSAN 1
#endif
#ifdef GB_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

int gb_vk_api_open(struct gb_vk_api *api, char *reason, size_t len)
{
	const char *lib = getenv("GBENCH_VULKAN_LOADER");
	void *fn;

	memset(api, 0, sizeof(*api));
	if (!lib || !*lib)
		lib = "libvulkan.so.1";
	api->lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!api->lib) {
		const char *e = dlerror();

		/* dlerror() usually starts with the library's name already. */
		if (e && strncmp(e, lib, strlen(lib)) == 0)
			snprintf(reason, len, "no Vulkan loader: %s", e);
		else
			snprintf(reason, len, "no Vulkan loader: %s: %s", lib, e ? e : "not found");
		return -1;
	}
	/* POSIX: a function pointer round-trips through void *. */
	fn = dlsym(api->lib, "vkGetInstanceProcAddr");
	if (!fn) {
		snprintf(reason, len, "no Vulkan loader: %s has no vkGetInstanceProcAddr", lib);
		gb_vk_api_close(api);
		return -1;
	}
	memcpy(&api->vkGetInstanceProcAddr, &fn, sizeof(fn));
#define GB_VK_LOAD(f)                                                         \
	api->f = (PFN_##f)api->vkGetInstanceProcAddr(NULL, #f);               \
	if (!api->f) {                                                        \
		snprintf(reason, len, "no Vulkan loader: %s lacks %s", lib, #f); \
		gb_vk_api_close(api);                                         \
		return -1;                                                    \
	}
	GB_VK_GLOBAL_FNS(GB_VK_LOAD)
#undef GB_VK_LOAD
	api->vkEnumerateInstanceVersion = (PFN_vkEnumerateInstanceVersion)
		api->vkGetInstanceProcAddr(NULL, "vkEnumerateInstanceVersion");
	return 0;
}

int gb_vk_api_load_instance(struct gb_vk_api *api, VkInstance inst, char *reason, size_t len)
{
#define GB_VK_LOAD(f)                                                         \
	api->f = (PFN_##f)api->vkGetInstanceProcAddr(inst, #f);               \
	if (!api->f) {                                                        \
		snprintf(reason, len, "vulkan instance lacks %s", #f);        \
		return -1;                                                    \
	}
	GB_VK_INSTANCE_FNS(GB_VK_LOAD)
#undef GB_VK_LOAD
	api->vkGetPhysicalDeviceProperties2 = (PFN_vkGetPhysicalDeviceProperties2)
		api->vkGetInstanceProcAddr(inst, "vkGetPhysicalDeviceProperties2");
	api->vkCreateDebugUtilsMessengerEXT = (PFN_vkCreateDebugUtilsMessengerEXT)
		api->vkGetInstanceProcAddr(inst, "vkCreateDebugUtilsMessengerEXT");
	api->vkDestroyDebugUtilsMessengerEXT = (PFN_vkDestroyDebugUtilsMessengerEXT)
		api->vkGetInstanceProcAddr(inst, "vkDestroyDebugUtilsMessengerEXT");
	return 0;
}

void gb_vk_api_load_calibration(struct gb_vk_api *api, VkInstance inst, const char *name)
{
	int khr = name && strncmp(name, "VK_KHR_", 7) == 0;

	api->vkGetPhysicalDeviceCalibrateableTimeDomainsEXT = NULL;
	if (!name)
		return;
	api->vkGetPhysicalDeviceCalibrateableTimeDomainsEXT =
		(PFN_vkGetPhysicalDeviceCalibrateableTimeDomainsEXT)api->vkGetInstanceProcAddr(
			inst, khr ? "vkGetPhysicalDeviceCalibrateableTimeDomainsKHR" :
				    "vkGetPhysicalDeviceCalibrateableTimeDomainsEXT");
}

int gb_vk_api_load_device(struct gb_vk_api *api, VkDevice dev, const char *calibrated,
			  char *reason, size_t len)
{
#define GB_VK_LOAD(f)                                                         \
	api->f = (PFN_##f)api->vkGetDeviceProcAddr(dev, #f);                  \
	if (!api->f) {                                                        \
		snprintf(reason, len, "vulkan device lacks %s", #f);          \
		return -1;                                                    \
	}
	GB_VK_DEVICE_FNS(GB_VK_LOAD)
#undef GB_VK_LOAD
	api->vkGetCalibratedTimestampsEXT = NULL;
	if (calibrated)
		api->vkGetCalibratedTimestampsEXT = (PFN_vkGetCalibratedTimestampsEXT)
			api->vkGetDeviceProcAddr(dev, strncmp(calibrated, "VK_KHR_", 7) == 0 ?
						 "vkGetCalibratedTimestampsKHR" :
						 "vkGetCalibratedTimestampsEXT");
	return 0;
}

void gb_vk_api_close(struct gb_vk_api *api)
{
	if (api->lib)
		dlclose(api->lib);
	memset(api, 0, sizeof(*api));
}

const char *gb_vk_result_name(VkResult r)
{
	switch (r) {
#define R(x) case x: return #x;
	R(VK_SUCCESS) R(VK_NOT_READY) R(VK_TIMEOUT) R(VK_INCOMPLETE)
	R(VK_ERROR_OUT_OF_HOST_MEMORY) R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
	R(VK_ERROR_INITIALIZATION_FAILED) R(VK_ERROR_DEVICE_LOST)
	R(VK_ERROR_MEMORY_MAP_FAILED) R(VK_ERROR_LAYER_NOT_PRESENT)
	R(VK_ERROR_EXTENSION_NOT_PRESENT) R(VK_ERROR_FEATURE_NOT_PRESENT)
	R(VK_ERROR_INCOMPATIBLE_DRIVER) R(VK_ERROR_TOO_MANY_OBJECTS)
	R(VK_ERROR_FORMAT_NOT_SUPPORTED) R(VK_ERROR_FRAGMENTED_POOL)
	R(VK_ERROR_OUT_OF_POOL_MEMORY) R(VK_ERROR_INVALID_SHADER_NV)
#undef R
	default: return "VkResult?";
	}
}

void gb_vk_driver_enter(void)
{
#ifdef GB_HAVE_LSAN
	__lsan_disable();
#endif
}

void gb_vk_driver_leave(void)
{
#ifdef GB_HAVE_LSAN
	__lsan_enable();
#endif
}

#ifdef GB_HAVE_LSAN
/* Read by LeakSanitizer at start-up: leaks allocated in the validation layer (vk-api.h). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libVkLayer_khronos_validation.so\n";
}

/* and no table of the suppressions used on stderr at exit (LSAN_OPTIONS overrides) */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

void gb_vk_layer_keep(void)
{
#ifdef GB_HAVE_LSAN
	/* already loaded by the loader: RTLD_NOLOAD finds it, RTLD_NODELETE keeps it */
	(void)dlopen("libVkLayer_khronos_validation.so", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
#endif
}
