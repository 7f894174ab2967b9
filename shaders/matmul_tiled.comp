#version 450
/*
 * matmul_tiled.comp - Y[i][j] = sum_k X[i][k] * W[j][k] for larger m: a
 * workgroup computes a BM x BN tile of Y, walking k in steps of BK through
 * shared-memory tiles of X and of W (dequantized as they are loaded), two
 * of each so that the next step's tiles load while this step's are used
 * (one barrier a step). Each invocation computes TM x TN outputs held in
 * registers: rows ty + a * (BM / TM), columns tx + b * (BN / TN), so that
 * adjacent invocations read adjacent shared words and write adjacent
 * outputs.
 *
 * Specialization constant 1 (CFG, built by bench/vulkan/ops-matmul.c):
 * BM = CFG & 255, BN = (CFG >> 8) & 255, BK = (CFG >> 16) & 255,
 * TM = (CFG >> 24) & 15, TN = CFG >> 28; WG must be (BM/TM) * (BN/TN).
 * X rows are k floats (values past k read 0), W rows kp values.
 *
 * Built with -DGB_TILED_V4 (matmul_tiled4_*; TM and TN multiples of 4) the
 * shared tiles are the same words read as vec4: an invocation takes rows
 * ty * 4 + c + a * 4 * RM and columns tx * 4 + d + b * 4 * RN, so that a
 * step reads its TM + TN values in (TM + TN) / 4 loads, and the lanes of a
 * subgroup read adjacent vec4 of the W tile. Fewer shared-memory loads a
 * FMA than the scalar reads (the usual register-blocked SGEMM's
 * vectorized reads); which is faster is a GPU's to say (GB_VK_TILED).
 */
#include "common.glsl"
#include "quant.glsl"

layout(constant_id = 1) const uint CFG = 32u | (32u << 8) | (16u << 16) | (4u << 24) | (4u << 28);
const uint BM = CFG & 255u;
const uint BN = (CFG >> 8) & 255u;
const uint BK = (CFG >> 16) & 255u;
const uint TM = (CFG >> 24) & 15u;
const uint TN = CFG >> 28;
const uint RM = BM / TM;   /* invocations along m */
const uint RN = BN / TN;   /* invocations along n */

#ifdef GB_TILED_V4
shared vec4 xs4[2u * BK * BM / 4u];  /* [buf][kk][r / 4][r % 4] */
shared vec4 ws4[2u * BK * BN / 4u];  /* [buf][kk][c / 4][c % 4] */
#define XS_SET(e, v) xs4[(e) >> 2][(e) & 3u] = (v)
#define WS_SET(e, v) ws4[(e) >> 2][(e) & 3u] = (v)
const uint TM4 = TM / 4u, TN4 = TN / 4u;
#else
shared float xs[2u * BK * BM];  /* [buf][kk][r] */
shared float ws[2u * BK * BN];  /* [buf][kk][c] */
#define XS_SET(e, v) xs[e] = (v)
#define WS_SET(e, v) ws[e] = (v)
#endif

/* Weights a 32-bit word of a row holds. */
#if defined(QUANT_F32)
const uint EPW = 1u;
#elif defined(QUANT_F16)
const uint EPW = 2u;
#elif defined(QUANT_Q8)
const uint EPW = 4u;
#else
const uint EPW = 8u;
#endif

/*
 * W's rows [jb, jb + BN) at [k0, k0 + BK) into ws[buf], 0 past kp and nj.
 * With BK a multiple of 32 (blocks do not straddle a step) an invocation
 * dequantizes one word of codes with one scale read; else value by value.
 */
void gb_load_w(uint buf, uint k0, uint jb, uint nj)
{
	uint t = gl_LocalInvocationID.x;
	uint wb = buf * BK * BN;
	if (BK % 32u != 0u) {
		for (uint e = t; e < BK * BN; e += WG) {
			uint c = e / BK, kk = e % BK;
			uint jl = jb + c, kw = k0 + kk;
			WS_SET(wb + kk * BN + c,
			       jl < nj && kw < pc.kp ? gb_w_elem(jl * pc.row_bytes, kw) : 0.0);
		}
		return;
	}
	const uint NW = BK / EPW;
	for (uint e = t; e < BN * NW; e += WG) {
		uint c = e / NW, wi = e % NW;
		uint jl = jb + c;
		uint row = jl * pc.row_bytes;
#if defined(QUANT_Q4)
		uint blk = wi / 4u, j4 = (wi % 4u) * 4u;
		uint kb = blk * 32u + j4;    /* the word's low nibbles: kb..kb+3 */
		bool ok = jl < nj && k0 + blk * 32u < pc.kp;
		uint v = ok ? W[(row >> 2) + ((k0 >> 5) + blk) * 4u + wi % 4u] : 0x88888888u;
		float d = ok ? gb_block_scale(row, (k0 >> 5) + blk) : 0.0;
		for (uint q = 0; q < 4u; q++) {
			uint byte = (v >> (8u * q)) & 0xffu;
			WS_SET(wb + (kb + q) * BN + c, float(int(byte & 15u) - 8) * d);
			WS_SET(wb + (kb + 16u + q) * BN + c, float(int(byte >> 4) - 8) * d);
		}
#else
		uint kk = wi * EPW;
		bool ok = jl < nj && k0 + kk < pc.kp;
		uint v = ok ? W[(row >> 2) + k0 / EPW + wi] : 0u;
#if defined(QUANT_F32)
		WS_SET(wb + kk * BN + c, uintBitsToFloat(v));
#elif defined(QUANT_F16)
		vec2 h = unpackHalf2x16(v);
		WS_SET(wb + kk * BN + c, h.x);
		WS_SET(wb + (kk + 1u) * BN + c, h.y);
#else
		float d = ok ? gb_block_scale(row, (k0 + kk) >> 5) : 0.0;
		for (uint q = 0; q < 4u; q++)
			WS_SET(wb + (kk + q) * BN + c,
			       float(bitfieldExtract(int(v), int(8u * q), 8)) * d);
#endif
#endif
	}
}

/* The step at k0 into buffer `buf`. */
void gb_load(uint buf, uint k0, uint i0, uint jb, uint nj)
{
	uint t = gl_LocalInvocationID.x;
	for (uint e = t; e < BK * BM; e += WG) {
		uint r = e / BK, kk = e % BK;  /* adjacent invocations: adjacent k */
		uint i = i0 + r, kx = k0 + kk;
		XS_SET(buf * BK * BM + kk * BM + r, i < pc.m && kx < pc.k ? X[i * pc.k + kx] : 0.0);
	}
	gb_load_w(buf, k0, jb, nj);
}

void main()
{
	uint nj = pc.j1 - pc.j0;
	uint gn = (nj + BN - 1u) / BN;
	uint g = gb_group();
	uint i0 = (g / gn) * BM, jb = (g % gn) * BN;
	if (i0 >= pc.m)
		return;  /* uniform across the workgroup: a grid's spare groups */
	uint t = gl_LocalInvocationID.x;
	uint tx = t % RN, ty = t / RN;
	uint steps = (pc.k + BK - 1u) / BK;
#ifdef GB_TILED_V4
	vec4 acc[TM * TN4];  /* [row a * 4 + c][column group b] */
	for (uint a = 0; a < TM * TN4; a++)
		acc[a] = vec4(0.0);
#else
	float acc[TM * TN];
	for (uint a = 0; a < TM * TN; a++)
		acc[a] = 0.0;
#endif
	gb_load(0u, 0u, i0, jb, nj);
	barrier();
	for (uint st = 0; st < steps; st++) {
		uint cur = st & 1u;
		if (st + 1u < steps)
			gb_load(cur ^ 1u, (st + 1u) * BK, i0, jb, nj);
		for (uint kk = 0; kk < BK; kk++) {
#ifdef GB_TILED_V4
			vec4 xa[TM4], wb[TN4];
			for (uint a = 0; a < TM4; a++)
				xa[a] = xs4[(cur * BK + kk) * (BM / 4u) + a * RM + ty];
			for (uint b = 0; b < TN4; b++)
				wb[b] = ws4[(cur * BK + kk) * (BN / 4u) + b * RN + tx];
			for (uint a = 0; a < TM4; a++)
				for (uint c = 0; c < 4u; c++)
					for (uint b = 0; b < TN4; b++)
						acc[(a * 4u + c) * TN4 + b] =
							fma(vec4(xa[a][c]), wb[b], acc[(a * 4u + c) * TN4 + b]);
#else
			float xa[TM], wb[TN];
			for (uint a = 0; a < TM; a++)
				xa[a] = xs[cur * BK * BM + kk * BM + ty + a * RM];
			for (uint b = 0; b < TN; b++)
				wb[b] = ws[cur * BK * BN + kk * BN + tx + b * RN];
			for (uint a = 0; a < TM; a++)
				for (uint b = 0; b < TN; b++)
					acc[a * TN + b] = fma(xa[a], wb[b], acc[a * TN + b]);
#endif
		}
		barrier();
	}
#ifdef GB_TILED_V4
	for (uint a = 0; a < TM4; a++)
		for (uint c = 0; c < 4u; c++) {
			uint i = i0 + a * 4u * RM + ty * 4u + c;
			if (i >= pc.m)
				break;
			for (uint b = 0; b < TN4; b++)
				for (uint d = 0; d < 4u; d++) {
					uint jl = jb + b * 4u * RN + tx * 4u + d;
					if (jl < nj)
						Y[i * pc.n + pc.j0 + jl] = acc[(a * 4u + c) * TN4 + b][d];
				}
		}
#else
	for (uint a = 0; a < TM; a++) {
		uint i = i0 + ty + a * RM;
		if (i >= pc.m)
			break;
		for (uint b = 0; b < TN; b++) {
			uint jl = jb + tx + b * RN;
			if (jl < nj)
				Y[i * pc.n + pc.j0 + jl] = acc[a * TN + b];
		}
	}
#endif
}
