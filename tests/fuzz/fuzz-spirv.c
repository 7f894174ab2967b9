/*
 * fuzz-spirv.c - the SPIR-V table of a fuzz build: empty. No harness opens
 * a Vulkan device, so the fuzz build does without glslc and the shader
 * objects of the main build (shaders/shaders.mk).
 */
#include "vulkan/vk-spirv.h"

const struct gb_vk_spirv gb_vk_spirv_table[] = {
	{ 0, 0, 0 },
};
