#version 450
/*
 * silu.comp - y = x * sigmoid(x) elementwise over m*n values (pc.m is the
 * element count here). Each invocation takes four consecutive values, as
 * one 16-byte load and store where all four exist (the buffers start
 * 16-byte aligned), one at a time in the tail.
 */
#include "common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer XBuf4 { vec4 X4[]; };
layout(std430, set = 0, binding = 1) buffer YBuf4 { vec4 Y4[]; };

void main()
{
	uint g = gb_group() * WG + gl_LocalInvocationID.x;
	uint e = 4u * g;
	if (e >= pc.m)
		return;
	if (e + 4u <= pc.m) {
		vec4 v = X4[g];
		Y4[g] = v / (1.0 + exp(-v));
		return;
	}
	for (; e < pc.m; e++) {
		float v = X[e];
		Y[e] = v / (1.0 + exp(-v));
	}
}
