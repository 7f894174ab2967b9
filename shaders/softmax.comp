#version 450
/*
 * softmax.comp - row-wise numerically stable softmax: one workgroup per row
 * of n; the row max is subtracted before exp, and the sum is a tree.
 */
#include "common.glsl"
#include "wgreduce.glsl"

void main()
{
	uint i = gb_group();
	if (i >= pc.m)
		return;  /* uniform across the workgroup */
	uint t = gl_LocalInvocationID.x, base = i * pc.n;
	float mx = -1.0 / 0.0;
	for (uint j = t; j < pc.n; j += WG)
		mx = max(mx, X[base + j]);
	mx = gb_wg_max(mx);
	float s = 0.0;
	for (uint j = t; j < pc.n; j += WG) {
		float e = exp(X[base + j] - mx);
		Y[base + j] = e;
		s += e;
	}
	s = gb_wg_sum(s);
	for (uint j = t; j < pc.n; j += WG)
		Y[base + j] = Y[base + j] / s;
}
