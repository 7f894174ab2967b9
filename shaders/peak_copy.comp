#version 450
/*
 * peak_copy.comp - Y[e] = X[e] over pc.m floats, one invocation per element:
 * the copy kernel of `gbench peak` (bench/exec-vulkan.c, gb_vk_peak). The
 * buffers are far larger than any cache, so this streams device memory.
 */
#include "common.glsl"

void main()
{
	uint e = gb_group() * WG + gl_LocalInvocationID.x;
	if (e >= pc.m)
		return;
	Y[e] = X[e];
}
