#version 450
/*
 * softmax.comp - row-wise numerically stable softmax, one workgroup per row
 * of n, in two passes over memory: each invocation keeps a running max and
 * a sum of exp(x - max) rescaled whenever its max grows (online softmax),
 * the workgroup combines them (max, then the sums rescaled to it), and the
 * second pass writes exp(x - max) / sum. The cpu's non-finite cases hold:
 * +inf or NaN in a row make it NaN, a row of -inf is NaN, and -inf
 * elsewhere gives 0.
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
		return;  /* uniform across the workgroup */
	uint t = gl_LocalInvocationID.x, base = i * pc.n;
	float mx = -1.0 / 0.0, s = 0.0;
	for (uint j = t; j < pc.n; j += WG) {
		float v = X[base + j];
		if (v == -1.0 / 0.0)
			continue;  /* exp(-inf - max) = 0, and -inf - -inf must not reach exp */
		if (v > mx) {
			s *= exp(mx - v);
			mx = v;
		}
		s += exp(v - mx);
	}
	float m = gb_wg_max(mx);
	s = gb_wg_sum(s == 0.0 ? 0.0 : s * exp(mx - m));
	float inv = 1.0 / s;
	for (uint j = t; j < pc.n; j += WG)
		Y[base + j] = exp(X[base + j] - m) * inv;
}
