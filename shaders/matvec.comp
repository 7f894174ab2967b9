#version 450
/*
 * matvec.comp - Y[i][j] = sum_k X[i][k] * W[j][k] for m <= 8 rows of X (a
 * decode step): memory-bound, so every weight byte is read once, in 16-byte
 * loads that adjacent lanes take from adjacent addresses of ONE weight row,
 * and used for all M rows of X.
 *
 * Specialization constant 1 (CFG) packs the shape (bench/vulkan/ops-matmul.c
 * builds it): M = CFG & 15 the rows of X a dispatch covers (pc.m <= M),
 * ROWS = (CFG >> 4) & 255 the weight rows of a workgroup, LPR = (CFG >> 12)
 * & 1023 the lanes of one weight row in the shared-memory variant. With
 * -DGB_SUBGROUP each subgroup takes the workgroup's rows in turn and sums
 * with subgroupAdd (GL_KHR_shader_subgroup_arithmetic: a separate variant,
 * so that a device without it never sees the capability); without it,
 * WG / LPR groups of LPR lanes take a row each (ROWS == WG / LPR) and sum
 * through a shared-memory tree.
 *
 * A unit is one uvec4 of the row's codes: 4 f32, 8 f16, 16 q8 codes (half a
 * block), 32 q4 codes (a block). X rows are k floats, not padded: values
 * past k read 0 (the weights are padded with zeros to kp).
 */
#ifdef GB_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif
#include "common.glsl"
#include "quant.glsl"

layout(constant_id = 1) const uint CFG = 1u | (1u << 4) | (64u << 12);
const uint M = CFG & 15u;
const uint ROWS = (CFG >> 4) & 255u;
const uint LPR = (CFG >> 12) & 1023u;

layout(std430, set = 1, binding = 0) readonly buffer WBuf4 { uvec4 W4[]; };
layout(std430, set = 0, binding = 0) readonly buffer XBuf4 { vec4 X4[]; };

#ifndef GB_SUBGROUP
shared float part[WG * M];
#endif

/* X[i][e .. e+3], zeros at and past k. */
vec4 gb_x4(uint i, uint e)
{
	uint o = i * pc.k + e;
	if (e + 4u <= pc.k) {
		if ((o & 3u) == 0u)
			return X4[o >> 2];
		return vec4(X[o], X[o + 1u], X[o + 2u], X[o + 3u]);
	}
	vec4 v = vec4(0.0);
	for (uint c = 0; c < 4u; c++)
		if (e + c < pc.k)
			v[c] = X[o + c];
	return v;
}

/* Add unit u of the row at byte offset `row` times X's rows into acc. */
void gb_unit(uint row, uint u, inout float acc[M])
{
	uvec4 w = W4[(row >> 4) + u];
#if defined(QUANT_F32)
	vec4 wv = uintBitsToFloat(w);
	for (uint r = 0; r < M; r++)
		if (r < pc.m)
			acc[r] += dot(gb_x4(r, 4u * u), wv);
#elif defined(QUANT_F16)
	vec4 w0 = vec4(unpackHalf2x16(w.x), unpackHalf2x16(w.y));
	vec4 w1 = vec4(unpackHalf2x16(w.z), unpackHalf2x16(w.w));
	for (uint r = 0; r < M; r++)
		if (r < pc.m)
			acc[r] += dot(gb_x4(r, 8u * u), w0) + dot(gb_x4(r, 8u * u + 4u), w1);
#elif defined(QUANT_Q8)
	float d = gb_block_scale(row, u >> 1);
	vec4 q[4];
	for (uint c = 0; c < 4u; c++) {
		int v = int(w[c]);
		q[c] = vec4(bitfieldExtract(v, 0, 8), bitfieldExtract(v, 8, 8),
			    bitfieldExtract(v, 16, 8), bitfieldExtract(v, 24, 8));
	}
	for (uint r = 0; r < M; r++) {
		if (r < pc.m) {
			uint e = 16u * u;
			float s = dot(gb_x4(r, e), q[0]) + dot(gb_x4(r, e + 4u), q[1]) +
				  dot(gb_x4(r, e + 8u), q[2]) + dot(gb_x4(r, e + 12u), q[3]);
			acc[r] += s * d;
		}
	}
#elif defined(QUANT_Q4)
	float d = gb_block_scale(row, u);
	vec4 lo[4], hi[4];
	for (uint c = 0; c < 4u; c++) {
		uvec4 b = (uvec4(w[c]) >> uvec4(0u, 8u, 16u, 24u)) & 0xffu;
		lo[c] = vec4(ivec4(b & 15u) - 8);
		hi[c] = vec4(ivec4(b >> 4) - 8);
	}
	for (uint r = 0; r < M; r++) {
		if (r < pc.m) {
			uint e = 32u * u;
			float s = 0.0;
			for (uint c = 0; c < 4u; c++)
				s += dot(gb_x4(r, e + 4u * c), lo[c]) +
				     dot(gb_x4(r, e + 16u + 4u * c), hi[c]);
			acc[r] += s * d;
		}
	}
#endif
}

/* Units (uvec4) of one row's codes. */
uint gb_units(void)
{
#if defined(QUANT_F32)
	return pc.kp / 4u;
#elif defined(QUANT_F16)
	return pc.kp / 8u;
#elif defined(QUANT_Q8)
	return pc.kp / 16u;
#else
	return pc.kp / 32u;
#endif
}

void main()
{
	uint nj = pc.j1 - pc.j0;
	uint base = gb_group() * ROWS;
	uint nu = gb_units();
	float acc[M];

#ifdef GB_SUBGROUP
	/* Control flow is uniform in each subgroup: one row at a time. */
	for (uint s = gl_SubgroupID; s < ROWS; s += gl_NumSubgroups) {
		uint jl = base + s;
		if (jl >= nj)
			break;
		uint row = jl * pc.row_bytes;
		for (uint r = 0; r < M; r++)
			acc[r] = 0.0;
		for (uint u = gl_SubgroupInvocationID; u < nu; u += gl_SubgroupSize)
			gb_unit(row, u, acc);
		for (uint r = 0; r < M; r++)
			acc[r] = subgroupAdd(acc[r]);
		if (subgroupElect())
			for (uint r = 0; r < M; r++)
				if (r < pc.m)
					Y[r * pc.n + pc.j0 + jl] = acc[r];
	}
#else
	/* Shared memory: WG / LPR slots (== ROWS) of LPR lanes, one row each. */
	uint t = gl_LocalInvocationID.x;
	uint slot = t / LPR, lane = t % LPR;
	uint jl = base + slot;
	for (uint r = 0; r < M; r++)
		acc[r] = 0.0;
	if (jl < nj) {
		uint row = jl * pc.row_bytes;
		for (uint u = lane; u < nu; u += LPR)
			gb_unit(row, u, acc);
	}
	for (uint r = 0; r < M; r++)
		part[r * WG + t] = acc[r];
	barrier();
	for (uint s = LPR / 2u; s > 0u; s >>= 1) {
		if (lane < s)
			for (uint r = 0; r < M; r++)
				part[r * WG + t] += part[r * WG + t + s];
		barrier();
	}
	if (lane == 0u && jl < nj)
		for (uint r = 0; r < M; r++)
			if (r < pc.m)
				Y[r * pc.n + pc.j0 + jl] = part[r * WG + t];
#endif
}
