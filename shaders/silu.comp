#version 450
/*
 * silu.comp - y = x * sigmoid(x) elementwise over m*n values (pc.m is the
 * element count here); one invocation per element.
 */
#include "common.glsl"

void main()
{
	uint e = gb_group() * WG + gl_LocalInvocationID.x;
	if (e >= pc.m)
		return;
	float v = X[e];
	Y[e] = v / (1.0 + exp(-v));
}
