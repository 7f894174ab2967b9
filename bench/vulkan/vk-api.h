/*
 * vk-api.h - the Vulkan entry points the vulkan executor uses, loaded at run
 * time: gbench never links libvulkan, so a machine without a Vulkan loader
 * still runs the CPU executor and reports why vulkan cannot.
 *
 * The loader is dlopen()ed (libvulkan.so.1, or $GBENCH_VULKAN_LOADER), then
 * every function comes through vkGetInstanceProcAddr / vkGetDeviceProcAddr
 * into one table of pointers named after the Vulkan functions.
 */
#ifndef GB_VK_API_H
#define GB_VK_API_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <stddef.h>

/* Global functions (no instance needed). */
#define GB_VK_GLOBAL_FNS(X)                                                   \
	X(vkCreateInstance)                                                   \
	X(vkEnumerateInstanceLayerProperties)                                 \
	X(vkEnumerateInstanceExtensionProperties)

/* Instance functions. */
#define GB_VK_INSTANCE_FNS(X)                                                 \
	X(vkDestroyInstance)                                                  \
	X(vkEnumeratePhysicalDevices)                                         \
	X(vkGetPhysicalDeviceProperties)                                      \
	X(vkGetPhysicalDeviceFeatures)                                        \
	X(vkGetPhysicalDeviceQueueFamilyProperties)                           \
	X(vkGetPhysicalDeviceMemoryProperties)                                \
	X(vkCreateDevice)                                                     \
	X(vkGetDeviceProcAddr)                                                \
	X(vkEnumerateDeviceExtensionProperties)

/* Device functions. */
#define GB_VK_DEVICE_FNS(X)                                                   \
	X(vkDestroyDevice)                                                    \
	X(vkGetDeviceQueue)                                                   \
	X(vkDeviceWaitIdle)                                                   \
	X(vkCreateBuffer)                                                     \
	X(vkDestroyBuffer)                                                    \
	X(vkGetBufferMemoryRequirements)                                      \
	X(vkAllocateMemory)                                                   \
	X(vkFreeMemory)                                                       \
	X(vkBindBufferMemory)                                                 \
	X(vkMapMemory)                                                        \
	X(vkUnmapMemory)                                                      \
	X(vkCreateShaderModule)                                               \
	X(vkDestroyShaderModule)                                              \
	X(vkCreateDescriptorSetLayout)                                        \
	X(vkDestroyDescriptorSetLayout)                                       \
	X(vkCreatePipelineLayout)                                             \
	X(vkDestroyPipelineLayout)                                            \
	X(vkCreateComputePipelines)                                           \
	X(vkDestroyPipeline)                                                  \
	X(vkCreateDescriptorPool)                                             \
	X(vkDestroyDescriptorPool)                                            \
	X(vkAllocateDescriptorSets)                                           \
	X(vkUpdateDescriptorSets)                                             \
	X(vkCreateCommandPool)                                                \
	X(vkDestroyCommandPool)                                               \
	X(vkAllocateCommandBuffers)                                           \
	X(vkResetCommandBuffer)                                               \
	X(vkBeginCommandBuffer)                                               \
	X(vkEndCommandBuffer)                                                 \
	X(vkCreateFence)                                                      \
	X(vkDestroyFence)                                                     \
	X(vkResetFences)                                                      \
	X(vkWaitForFences)                                                    \
	X(vkQueueSubmit)                                                      \
	X(vkCreateQueryPool)                                                  \
	X(vkDestroyQueryPool)                                                 \
	X(vkGetQueryPoolResults)                                              \
	X(vkCmdResetQueryPool)                                                \
	X(vkCmdWriteTimestamp)                                                \
	X(vkCmdBeginQuery)                                                    \
	X(vkCmdEndQuery)                                                      \
	X(vkCmdBindPipeline)                                                  \
	X(vkCmdBindDescriptorSets)                                            \
	X(vkCmdPushConstants)                                                 \
	X(vkCmdDispatch)                                                      \
	X(vkCmdPipelineBarrier)                                               \
	X(vkCmdCopyBuffer)                                                    \
	X(vkCmdFillBuffer)                                                    \
	X(vkGetFenceStatus)                                                   \
	X(vkFreeCommandBuffers)                                               \
	X(vkFlushMappedMemoryRanges)                                          \
	X(vkInvalidateMappedMemoryRanges)                                     \
	X(vkCreatePipelineCache)                                              \
	X(vkDestroyPipelineCache)                                             \
	X(vkGetPipelineCacheData)

#define GB_VK_DECL(fn) PFN_##fn fn;
struct gb_vk_api {
	void *lib;                                   /* the dlopen handle */
	PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
	PFN_vkEnumerateInstanceVersion vkEnumerateInstanceVersion;  /* NULL: 1.0 */
	PFN_vkGetPhysicalDeviceProperties2 vkGetPhysicalDeviceProperties2;  /* NULL: 1.0 */
	PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
	PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
	/* VK_EXT_calibrated_timestamps or its KHR twin (same signatures); NULL: none. */
	PFN_vkGetPhysicalDeviceCalibrateableTimeDomainsEXT vkGetPhysicalDeviceCalibrateableTimeDomainsEXT;
	PFN_vkGetCalibratedTimestampsEXT vkGetCalibratedTimestampsEXT;
	GB_VK_GLOBAL_FNS(GB_VK_DECL)
	GB_VK_INSTANCE_FNS(GB_VK_DECL)
	GB_VK_DEVICE_FNS(GB_VK_DECL)
};
#undef GB_VK_DECL

/*
 * Open the loader and load the global functions. On failure return -1 with
 * "no Vulkan loader: <library>: <dlerror>" in reason.
 */
int gb_vk_api_open(struct gb_vk_api *api, char *reason, size_t len);
/* Load the instance functions (the optional ones may stay NULL). 0 or -1. */
int gb_vk_api_load_instance(struct gb_vk_api *api, VkInstance inst, char *reason, size_t len);
/*
 * Load the device functions. 0 or -1. calibrated: the name of the enabled
 * calibrated-timestamps extension ("VK_EXT_..." or "VK_KHR_..."), or NULL;
 * its function stays NULL when the device does not give it.
 */
int gb_vk_api_load_device(struct gb_vk_api *api, VkDevice dev, const char *calibrated,
			  char *reason, size_t len);
/* The physical-device query of the calibrated-timestamps extension `name`, or NULL. */
void gb_vk_api_load_calibration(struct gb_vk_api *api, VkInstance inst, const char *name);
void gb_vk_api_close(struct gb_vk_api *api);

/* "VK_ERROR_DEVICE_LOST", ... for messages. */
const char *gb_vk_result_name(VkResult r);

/*
 * Around the calls in which a driver initialises itself (instance, device
 * enumeration, device): LeakSanitizer ignores what the calling thread
 * allocates in between. Those are the driver's own allocations (DESIGN.md
 * section 12): lavapipe's LLVM keeps a once-initialised table that it never
 * frees, and the loader has unloaded the driver by the time the leak check
 * runs, so no suppression can name it. Nothing of gbench's is allocated in
 * between. No-ops without AddressSanitizer.
 */
void gb_vk_driver_enter(void);
void gb_vk_driver_leave(void);
/*
 * After an instance with the validation layer's synchronization validation
 * is made: keep the layer loaded to the end of the process, so that
 * LeakSanitizer can name it. Debian 12's layer (1.3.239) keeps objects of
 * its synchronization state alive after vkDestroyDevice (about 10 a
 * submission, every allocation in the layer, none with the validation off);
 * the suppression that __lsan_default_suppressions returns here ignores
 * leaks allocated in the layer alone. No-op without AddressSanitizer.
 */
void gb_vk_layer_keep(void);

#endif
