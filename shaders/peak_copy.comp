#version 450
/*
 * peak_copy.comp - the copy kernel of `gbench peak` (bench/vulkan/
 * vk-peak.c): Y = X over pc.m 16-byte vectors, grid-stride: invocation g
 * copies vectors g, g + S, g + 2S, ... where S = pc.n is the number of
 * invocations the host launched, so each warp's loads and stores are
 * whole, adjacent cache lines. The host makes the buffers several times
 * larger than any last-level cache, so this streams device memory, and
 * keeps each invocation's trips few (lavapipe caps a shader's loop trips
 * at 65,535).
 */
#include "common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer XBuf4 { vec4 X4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer YBuf4 { vec4 Y4[]; };

void main()
{
	uint g = gb_group() * WG + gl_LocalInvocationID.x;
	if (g >= pc.n)
		return;  /* past the grid the host asked for (a 2-D grid's rounding) */
	for (uint e = g; e < pc.m; e += pc.n)
		Y4[e] = X4[e];
}
