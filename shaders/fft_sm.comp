#version 450
/*
 * fft_sm.comp - forward complex DFTs of length n = 2^p <= 4 WG, one
 * workgroup per transform, in one dispatch: the workgroup loads its row of
 * X into shared memory in bit-reversed order, does the p radix-2 stages
 * there (a barrier between stages, each invocation n / (2 WG) butterflies a
 * stage) and writes the row to Y. Same layout, twiddles (AUX: the n/2 values
 * exp(-2 pi i j / n), from the host in double) and butterfly order as
 * fft.comp, the multi-dispatch path the host keeps for larger n. The host
 * sets WG = max(n / 4, 1) and checks the shared memory (8 * 4 WG bytes).
 */
#include "common.glsl"

shared vec2 buf[4u * WG];

void main()
{
	uint i = gb_group();
	if (i >= pc.m)
		return;  /* uniform across the workgroup */
	uint t = gl_LocalInvocationID.x, n = pc.n, base = 2u * i * n;
	for (uint e = t; e < n; e += WG) {
		uint r = pc.p == 0u ? 0u : bitfieldReverse(e) >> (32u - pc.p);
		buf[r] = vec2(X[base + 2u * e], X[base + 2u * e + 1u]);
	}
	barrier();
	for (uint st = 0u; st < pc.p; st++) {
		uint h = 1u << st;
		for (uint q = t; q < n / 2u; q += WG) {
			uint pos = q & (h - 1u);
			uint a = (q >> st) * 2u * h + pos, b = a + h;
			uint tw = pos << (pc.p - 1u - st);
			vec2 w = vec2(AUX[2u * tw], AUX[2u * tw + 1u]);
			vec2 va = buf[a], vb = buf[b];
			vec2 m = vec2(w.x * vb.x - w.y * vb.y, w.x * vb.y + w.y * vb.x);
			buf[a] = va + m;
			buf[b] = va - m;
		}
		barrier();
	}
	for (uint e = t; e < n; e += WG) {
		Y[base + 2u * e] = buf[e].x;
		Y[base + 2u * e + 1u] = buf[e].y;
	}
}
