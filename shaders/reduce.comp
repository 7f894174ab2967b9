#version 450
/*
 * reduce.comp - the sum of each row of n: one workgroup per row; each
 * invocation sums its strided share with Kahan compensation, then the
 * workgroup adds the shares (wgreduce.glsl). The compensation is dropped
 * once the sum is infinite (inf - inf would turn it into NaN), so an
 * overflow or an inf input gives inf as the cpu's does.
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
	precise float s = 0.0, c = 0.0;
	for (uint j = t; j < pc.n; j += WG) {
		precise float yv = X[base + j] - c;
		precise float tv = s + yv;
		c = isinf(tv) ? 0.0 : (tv - s) - yv;
		s = tv;
	}
	s = gb_wg_sum(s);
	if (t == 0)
		Y[i] = s;
}
