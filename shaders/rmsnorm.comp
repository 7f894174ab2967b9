#version 450
/*
 * rmsnorm.comp - y = x / sqrt(mean(x^2) + 1e-6) row-wise: one workgroup per
 * row of n, the sum of squares reduced by wgreduce.glsl.
 */
#ifdef GB_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#include "common.glsl"
#include "wgreduce.glsl"

void main()
{
	uint i = gb_group();
	if (i >= pc.m)
		return;
	uint t = gl_LocalInvocationID.x, base = i * pc.n;
	float s = 0.0;
	for (uint j = t; j < pc.n; j += WG) {
		float v = X[base + j];
		s += v * v;
	}
	s = gb_wg_sum(s);
	float r = 1.0 / sqrt(s / float(pc.n) + 1e-6);
	for (uint j = t; j < pc.n; j += WG)
		Y[base + j] = X[base + j] * r;
}
