#version 450
/*
 * matmul.comp - Y[i][j] = sum_k X[i][k] * W[j][k] for the weight rows
 * j0 <= j < j1 bound in set 1 (the host splits a weight operand larger than
 * maxStorageBufferRange into such ranges). Also computes topk's scores.
 *
 * For small k (PER_INVOCATION) an invocation computes one output, block by
 * block, with no barrier (lavapipe pays dearly per workgroup and barrier).
 * Otherwise a workgroup computes TM rows of X against one weight row: its
 * invocations take the blocks of 32 in turn (adjacent invocations read
 * adjacent blocks), each block's dot product is summed on its own and then
 * scaled (q8, q4), an invocation's blocks are added in order, and the
 * workgroup's partial sums are added as a tree. Rows of X are k floats, not padded: the tail of the
 * last block reads 0. With -DTOPK_SCORES the products go to AUX (topk's
 * score matrix, m rows of n) instead of Y.
 */
#include "common.glsl"
#include "quant.glsl"

#ifdef TOPK_SCORES
#define OUT AUX
#else
#define OUT Y
#endif

layout(constant_id = 1) const uint TM = 4;
/* 1: one invocation per output, whole dot product, no shared memory (small k). */
layout(constant_id = 2) const uint PER_INVOCATION = 0;
shared float part[WG * TM];

#if defined(QUANT_F32)
/* The same buffers as 16-byte vectors (f32 rows are 16-byte aligned). */
layout(std430, set = 1, binding = 0) readonly buffer WBuf4 { uvec4 W4[]; };
layout(std430, set = 0, binding = 0) readonly buffer XBuf4 { vec4 X4[]; };
#endif

void main()
{
	uint nj = pc.j1 - pc.j0;
	uint nb = pc.kp / 32u;
	if (PER_INVOCATION != 0) {
		uint g = gb_group() * WG + gl_LocalInvocationID.x;
		uint jl = g % nj, i = g / nj;
		if (i >= pc.m)
			return;
		uint row = jl * pc.row_bytes;
		float acc = 0.0;
#if defined(QUANT_F32)
		if ((pc.k & 3u) == 0u) {
			uint w4 = row >> 4, x4 = (i * pc.k) >> 2, n4 = pc.k >> 2;
			vec4 a4 = vec4(0.0);
			for (uint e = 0; e < n4; e++)
				a4 += X4[x4 + e] * uintBitsToFloat(W4[w4 + e]);
			OUT[i * pc.n + pc.j0 + jl] = (a4.x + a4.y) + (a4.z + a4.w);
			return;
		}
#endif
		for (uint b = 0; b < nb; b++)
			acc += gb_block_dot(row, b, i * pc.k + b * 32u, min(32u, pc.k - b * 32u));
		OUT[i * pc.n + pc.j0 + jl] = acc;
		return;
	}
	uint g = gb_group();
	uint jl = g % nj, i0 = (g / nj) * TM;
	if (i0 >= pc.m)
		return;  /* uniform across the workgroup */
	uint t = gl_LocalInvocationID.x;
	uint j = pc.j0 + jl;
	uint row = jl * pc.row_bytes;
	uint rows = min(TM, pc.m - i0);
	float acc[TM];
	for (uint r = 0; r < TM; r++)
		acc[r] = 0.0;
	for (uint b = t; b < nb; b += WG) {
		uint k0 = b * 32u;
		uint kn = min(32u, pc.k - k0);
		for (uint r = 0; r < rows; r++)
			acc[r] += gb_block_dot(row, b, (i0 + r) * pc.k + k0, kn);
	}
	for (uint r = 0; r < TM; r++)
		part[r * WG + t] = acc[r];
	barrier();
	for (uint s = WG / 2; s > 0; s >>= 1) {
		if (t < s)
			for (uint r = 0; r < TM; r++)
				part[r * WG + t] += part[r * WG + t + s];
		barrier();
	}
	if (t < rows)
		OUT[(i0 + t) * pc.n + j] = part[t * WG];
}
