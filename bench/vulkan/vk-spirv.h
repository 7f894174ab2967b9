/*
 * vk-spirv.h - the SPIR-V of every compute shader variant, embedded at build
 * time by shaders/shaders.mk (generated $(BUILD)/shaders/gb-spirv.c), so an
 * installed gbench needs no shader files beside it.
 */
#ifndef GB_VK_SPIRV_H
#define GB_VK_SPIRV_H

#include <stddef.h>
#include <stdint.h>

struct gb_vk_spirv {
	const char *name;       /* variant, e.g. "matmul_q4" */
	const uint32_t *words;
	size_t size;            /* bytes */
};

/* Terminated by an entry with name NULL; empty when built without glslc. */
extern const struct gb_vk_spirv gb_vk_spirv_table[];

#endif
