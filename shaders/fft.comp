#version 450
/*
 * fft.comp - forward complex DFTs of length n = 2^p, m at a time,
 * interleaved (re, im), unnormalized, as iterative radix-2 Cooley-Tukey:
 * one dispatch copies X into Y in bit-reversed order (pc.stage == ~0u), then
 * one dispatch per stage does the n/2 butterflies of every transform in
 * place in Y. AUX holds the n/2 twiddles exp(-2 pi i j / n), computed on the
 * host in double.
 */
#include "common.glsl"

void main()
{
	uint g = gb_group() * WG + gl_LocalInvocationID.x;
	if (pc.stage == ~0u) {
		if (g >= pc.m * pc.n)
			return;
		uint i = g / pc.n, e = g % pc.n;
		uint r = pc.p == 0 ? 0 : bitfieldReverse(e) >> (32 - pc.p);
		uint src = 2 * g, dst = 2 * (i * pc.n + r);
		Y[dst] = X[src];
		Y[dst + 1] = X[src + 1];
		return;
	}
	uint half_n = pc.n / 2;
	if (g >= pc.m * half_n)
		return;
	uint i = g / half_n, q = g % half_n;
	uint h = 1u << pc.stage;
	uint pos = q & (h - 1);
	uint a = i * pc.n + (q >> pc.stage) * 2 * h + pos, b = a + h;
	uint tw = pos << (pc.p - 1 - pc.stage);
	vec2 w = vec2(AUX[2 * tw], AUX[2 * tw + 1]);
	vec2 va = vec2(Y[2 * a], Y[2 * a + 1]);
	vec2 vb = vec2(Y[2 * b], Y[2 * b + 1]);
	vec2 t = vec2(w.x * vb.x - w.y * vb.y, w.x * vb.y + w.y * vb.x);
	Y[2 * a] = va.x + t.x;
	Y[2 * a + 1] = va.y + t.y;
	Y[2 * b] = va.x - t.x;
	Y[2 * b + 1] = va.y - t.y;
}
