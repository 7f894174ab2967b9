/*
 * coopmat.c - whether the vulkan executor can run its cooperative-matrix
 * matmul (shaders/matmul_cm.comp, issue 14 item 2) on the chosen device,
 * and what the device must enable for it.
 *
 * The shader is written with GL_NV_cooperative_matrix, because Debian 12's
 * glslang does not know the KHR extension, so the device needs:
 *   - VK_NV_cooperative_matrix with the feature cooperativeMatrix and a
 *     16 x 16 x 16 shape of f16 x f16 + f32 = f32 at subgroup scope;
 *   - shaderFloat16 and vulkanMemoryModel (Vulkan 1.2: the shader's
 *     float16_t and gl_ScopeSubgroup);
 *   - subgroups it can put 4 of in a workgroup (4 x subgroupSize
 *     invocations).
 *
 * The path has not run on a GPU yet, so it is opt-in: GB_VK_COOPMAT=1
 * probes the device and, where all of that holds, enables the extension
 * and features at vkCreateDevice; without it nothing here touches the
 * device. lavapipe has no cooperative matrices. GB_VK_COOPMAT=emulate (a
 * testing aid) takes the same kernel built with its matrix products done
 * by the lanes (matmul_cmemu_*), which needs only shaderFloat16: the tests
 * run the kernel's tiling, loads, f16 pairs and stores on lavapipe so.
 * GB_VK_COOPMAT_PAIRS=0 takes the variant with one f16 a value rather than
 * (hi, lo) pairs (matmul_cm1_*, matmul_cmemu1_*: fewer matrix products,
 * less precision; shaders/matmul_cm.comp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

/* Whether the device lists 16 x 16 x 16 f16 x f16 + f32 at subgroup scope. */
static int gb_vk_coop_has_shape(struct gb_vk *vk)
{
	PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV get =
		(PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)vk->api.vkGetInstanceProcAddr(
			vk->inst, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
	VkCooperativeMatrixPropertiesNV *cp;
	uint32_t n = 0;
	int found = 0;

	if (!get || get(vk->phys, &n, NULL) != VK_SUCCESS || n == 0)
		return 0;
	cp = gb_xcalloc(n, sizeof(*cp));
	for (uint32_t i = 0; i < n; i++)
		cp[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV;
	if (get(vk->phys, &n, cp) == VK_SUCCESS)
		for (uint32_t i = 0; i < n && !found; i++)
			found = cp[i].MSize == 16 && cp[i].NSize == 16 && cp[i].KSize == 16 &&
				cp[i].AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
				cp[i].BType == VK_COMPONENT_TYPE_FLOAT16_NV &&
				cp[i].CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
				cp[i].DType == VK_COMPONENT_TYPE_FLOAT32_NV &&
				cp[i].scope == VK_SCOPE_SUBGROUP_NV;
	free(cp);
	return found;
}

void gb_vk_coop_probe(struct gb_vk *vk)
{
	struct gb_vk_coop *c = &vk->coop;
	const char *env = getenv("GB_VK_COOPMAT"), *pairs = getenv("GB_VK_COOPMAT_PAIRS");
	PFN_vkGetPhysicalDeviceFeatures2 feat2;
	VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2 };
	uint32_t inst_version;

	memset(c, 0, sizeof(*c));
	c->emulate = env && !strcmp(env, "emulate");
	if (!env || (strcmp(env, "1") && !c->emulate)) {
		if (env)
			snprintf(c->why, sizeof(c->why), "GB_VK_COOPMAT='%.40s' is not 1 or emulate",
				 env);
		else
			snprintf(c->why, sizeof(c->why),
				 "off (not yet run on a GPU; GB_VK_COOPMAT=1 tries it)");
		return;
	}
	if (pairs && *pairs && strcmp(pairs, "0") && strcmp(pairs, "1")) {
		snprintf(c->why, sizeof(c->why), "GB_VK_COOPMAT_PAIRS='%.40s' is not 0 or 1", pairs);
		return;
	}
	c->single = pairs && !strcmp(pairs, "0");
	/* The instance asked for the loader's version (device.c), the device has its own. */
	if (!vk->api.vkEnumerateInstanceVersion ||
	    vk->api.vkEnumerateInstanceVersion(&inst_version) != VK_SUCCESS)
		inst_version = VK_API_VERSION_1_0;
	if (vk->props.apiVersion < VK_API_VERSION_1_2 || inst_version < VK_API_VERSION_1_2 ||
	    !vk->api.vkGetPhysicalDeviceProperties2) {
		snprintf(c->why, sizeof(c->why), "the device is Vulkan %u.%u and the loader %u.%u, "
			 "not both 1.2", VK_API_VERSION_MAJOR(vk->props.apiVersion),
			 VK_API_VERSION_MINOR(vk->props.apiVersion),
			 VK_API_VERSION_MAJOR(inst_version), VK_API_VERSION_MINOR(inst_version));
		return;
	}
	if (!c->emulate && !gb_vk_device_has_ext(vk, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME)) {
		snprintf(c->why, sizeof(c->why), "the device has no %s",
			 VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
		return;
	}
	feat2 = (PFN_vkGetPhysicalDeviceFeatures2)vk->api.vkGetInstanceProcAddr(
		vk->inst, "vkGetPhysicalDeviceFeatures2");
	if (!feat2) {
		snprintf(c->why, sizeof(c->why), "the loader has no vkGetPhysicalDeviceFeatures2");
		return;
	}
	c->feat.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
	c->v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
	c->feat.pNext = &c->v12;
	f2.pNext = c->emulate ? (void *)&c->v12 : (void *)&c->feat;
	feat2(vk->phys, &f2);
	if (c->emulate && !c->v12.shaderFloat16) {
		snprintf(c->why, sizeof(c->why), "emulated: the device lacks shaderFloat16");
		return;
	}
	if (!c->emulate &&
	    (!c->feat.cooperativeMatrix || !c->v12.shaderFloat16 || !c->v12.vulkanMemoryModel)) {
		snprintf(c->why, sizeof(c->why), "the device lacks a feature (cooperativeMatrix %u, "
			 "shaderFloat16 %u, vulkanMemoryModel %u)", c->feat.cooperativeMatrix,
			 c->v12.shaderFloat16, c->v12.vulkanMemoryModel);
		return;
	}
	if (!c->emulate && !gb_vk_coop_has_shape(vk)) {
		snprintf(c->why, sizeof(c->why), "no 16x16x16 f16 x f16 + f32 subgroup shape");
		return;
	}
	c->wg = 4 * vk->sg_size;
	if (vk->sg_size == 0 || c->wg > vk->props.limits.maxComputeWorkGroupInvocations ||
	    c->wg > vk->props.limits.maxComputeWorkGroupSize[0]) {
		snprintf(c->why, sizeof(c->why), "4 subgroups of %u do not make a workgroup here",
			 vk->sg_size);
		return;
	}
	/* Enable only what the shader needs, nothing else the device offers. */
	memset(&c->feat, 0, sizeof(c->feat));
	memset(&c->v12, 0, sizeof(c->v12));
	c->feat.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV;
	c->feat.cooperativeMatrix = VK_TRUE;
	c->v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
	c->v12.shaderFloat16 = VK_TRUE;
	c->v12.vulkanMemoryModel = c->emulate ? VK_FALSE : VK_TRUE;
	c->ok = 1;
}

void gb_vk_coop_enable(struct gb_vk *vk, VkDeviceCreateInfo *ci, const char **exts,
		       uint32_t *next)
{
	struct gb_vk_coop *c = &vk->coop;

	if (!c->ok)
		return;
	c->v12.pNext = (void *)ci->pNext;
	if (c->emulate) {
		ci->pNext = &c->v12;
		return;
	}
	exts[(*next)++] = VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME;
	c->feat.pNext = &c->v12;
	ci->pNext = &c->feat;
}
