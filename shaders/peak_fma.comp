#version 450
/*
 * peak_fma.comp - the f32 arithmetic ceiling of `gbench peak`: each of pc.m
 * invocations runs pc.k iterations of 8 independent vec4 multiply-add chains
 * (32 FMAs, 64 FLOPs per iteration). Independent chains hide the FMA latency;
 * the iteration count is a push constant and the sum is stored, so the
 * compiler can neither fold the loop nor drop it. a * 0.999 + 0.001 stays
 * near 1: no overflow, no denormals to slow any device down.
 */
#include "common.glsl"

void main()
{
	uint e = gb_group() * WG + gl_LocalInvocationID.x;
	float s = float(e & 255u) * (1.0 / 256.0);
	vec4 a0 = vec4(s, s + 0.01, s + 0.02, s + 0.03);
	vec4 a1 = a0 + 0.1, a2 = a0 + 0.2, a3 = a0 + 0.3;
	vec4 a4 = a0 + 0.4, a5 = a0 + 0.5, a6 = a0 + 0.6, a7 = a0 + 0.7;
	const vec4 mul = vec4(0.999), add = vec4(0.001);

	for (uint i = 0; i < pc.k; i++) {
		a0 = fma(a0, mul, add);
		a1 = fma(a1, mul, add);
		a2 = fma(a2, mul, add);
		a3 = fma(a3, mul, add);
		a4 = fma(a4, mul, add);
		a5 = fma(a5, mul, add);
		a6 = fma(a6, mul, add);
		a7 = fma(a7, mul, add);
	}
	if (e < pc.m) {
		vec4 t = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
		Y[e] = t.x + t.y + t.z + t.w;
	}
}
