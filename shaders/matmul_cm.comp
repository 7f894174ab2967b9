#version 450
/*
 * matmul_cm.comp - Y[i][j] = sum_k X[i][k] * W[j][k] on a GPU's matrix
 * units, through cooperative matrices, for f16, q8 and q4 weights (f32
 * weights stay on FMAs: matmul_tiled.comp). Written with
 * GL_NV_cooperative_matrix: Debian 12's glslang (11.13) does not know
 * GL_KHR_cooperative_matrix; the device needs VK_NV_cooperative_matrix with
 * 16 x 16 x 16 f16 x f16 + f32 at subgroup scope, shaderFloat16 and the
 * Vulkan memory model (bench/vulkan/coopmat.c checks all three).
 *
 * A workgroup of 4 subgroups computes a 64 x 64 tile of Y, walking k in
 * steps of 32 (one quant block): the step's X rows and W rows go into
 * shared memory as f16, each subgroup multiplies its 32 x 32 quarter as
 * 2 x 2 matrices of 16 x 16, accumulating in f32.
 *
 * Precision: f16 keeps 11 bits, and f32 inputs need 24. Each value v goes
 * in as two f16, hi = f16(v) and lo = f16(v - hi), and the products
 * xhi*whi + xlo*whi + xhi*wlo are summed (xlo*wlo, about 2^-22 of the
 * product, is left out), so a product is good to about 2^-21 rather than
 * 2^-11. f16 weights are exact in f16 (no wlo). Built with -DGB_CM_SINGLE
 * (matmul_cm1_*, GB_VK_COOPMAT_PAIRS=0) x and the weights go in as hi
 * alone: one matrix product a step instead of two (f16 weights) or three
 * (q8, q4), a product good to about 2^-11, which DESIGN.md section 8's
 * vulkan-vs-cpu budgets allow (5e-5 for f16, 1e-6 for q8 and q4; see
 * docs/vulkan.md for the NMSE measured emulated); opt-in until a GPU has
 * timed both. With the pairs an infinite x goes in as (0, x), so that it
 * meets w_hi alone: x_hi*w_lo with x_hi infinite would add inf of w_lo's
 * sign, NaN where w_lo's sign is not w_hi's (the emulated kernel found
 * that); with one f16 there is no w_lo, and it meets w_hi alone as it
 * is. Its row then comes out inf or NaN as the cpu's does. A finite |x|
 * >= 65,520 overflows f16 (hi inf, and lo -inf with the pairs): its row
 * comes out inf or NaN where the cpu's is finite, which the accuracy
 * check reports.
 *
 * The workgroup must be exactly 4 subgroups (the host sets WG to 4 x the
 * device's subgroup size); a device that splits it otherwise gets NaN in
 * its whole tile rather than a silently wrong one.
 *
 * Built with -DGB_CM_EMULATE (matmul_cmemu_*, GB_VK_COOPMAT=emulate, for
 * the tests on a device without cooperative matrices) the 16 x 16 matrix
 * products are computed by the subgroup's lanes from the same shared f16
 * tiles, read with the layouts the coopMatLoadNV calls name (A row-major,
 * B column-major, stride BK), into f32 accumulators in shared memory: the
 * tiling, the loads, the f16 pairs, the bounds and the stores are this
 * kernel's own; only the matrix units' products are stood in for.
 */
#ifndef GB_CM_EMULATE
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#endif
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#include "common.glsl"
#include "quant.glsl"

#define BM 64u
#define BN 64u
#define BK 32u

#if !defined(QUANT_F16) && !defined(GB_CM_SINGLE)
#define GB_CM_WLO 1  /* dequantized q8/q4 weights are not exact in f16 */
#endif

shared float16_t xh[BM * BK];               /* A = X's step: [r][kk], row-major */
#ifndef GB_CM_SINGLE
#define GB_CM_XLO 1
shared float16_t xl[BM * BK];
#endif
shared float16_t wh[BN * BK];               /* B = W's step: [c][kk], column-major */
#ifdef GB_CM_WLO
shared float16_t wl[BN * BK];
#endif
#ifdef GB_CM_EMULATE
shared float accs[4u * 4u * 256u];          /* per subgroup its 4 accumulators */
#else
shared float stage16[4u * 256u];            /* a 16 x 16 result per subgroup */

#define CM_A fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define CM_B fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define CM_C fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#endif

/* 32-bit words of a W row's codes in a step: 16 f16, 8 q8, 4 q4 (a block). */
#if defined(QUANT_F16)
const uint WPS = BK / 2u;
#elif defined(QUANT_Q8)
const uint WPS = BK / 4u;
#else
const uint WPS = BK / 8u;
#endif

/* Weight v at e of the B tile, as hi (and lo). */
void gb_cm_put_w(uint e, float v)
{
	float16_t h = float16_t(v);
	wh[e] = h;
#ifdef GB_CM_WLO
	wl[e] = float16_t(v - float(h));
#endif
}

/* The step at k0: X rows [i0, i0 + BM) and W rows [jb, jb + BN), 0 outside. */
void gb_cm_load(uint k0, uint i0, uint jb, uint nj)
{
	uint t = gl_LocalInvocationID.x;
	for (uint e = t; e < BM * BK; e += WG) {
		uint r = e / BK, kk = e % BK, i = i0 + r, kx = k0 + kk;
		float v = i < pc.m && kx < pc.k ? X[i * pc.k + kx] : 0.0;
		float16_t h = float16_t(v);
		/* an infinite x goes in as lo, so that no w_lo of the other sign meets it */
#ifdef GB_CM_XLO
		xh[e] = isinf(v) ? float16_t(0.0) : h;
		xl[e] = isinf(v) ? h : float16_t(v - float(h));
#else
		xh[e] = h;
#endif
	}
	/*
	 * W: a 32-bit word of codes and, for q8 and q4, one scale at a time
	 * (a step is one quant block), as matmul_tiled.comp loads its tiles;
	 * zeros past kp and past the tile's rows.
	 */
	for (uint e = t; e < BN * WPS; e += WG) {
		uint c = e / WPS, wi = e % WPS, jl = jb + c, row = jl * pc.row_bytes;
#if defined(QUANT_F16)
		bool ok = jl < nj && k0 + 2u * wi < pc.kp;
		vec2 h = unpackHalf2x16(ok ? W[(row >> 2) + k0 / 2u + wi] : 0u);
		gb_cm_put_w(c * BK + 2u * wi, h.x);
		gb_cm_put_w(c * BK + 2u * wi + 1u, h.y);
#elif defined(QUANT_Q8)
		bool ok = jl < nj && k0 + 4u * wi < pc.kp;
		int v = ok ? int(W[(row >> 2) + k0 / 4u + wi]) : 0;
		float d = ok ? gb_block_scale(row, k0 >> 5) : 0.0;
		for (uint q = 0; q < 4u; q++)
			gb_cm_put_w(c * BK + 4u * wi + q, float(bitfieldExtract(v, int(8u * q), 8)) * d);
#else
		bool ok = jl < nj && k0 < pc.kp;
		uint v = ok ? W[(row >> 2) + (k0 >> 5) * 4u + wi] : 0x88888888u;
		float d = ok ? gb_block_scale(row, k0 >> 5) : 0.0;
		for (uint q = 0; q < 4u; q++) {   /* the word's low nibbles, then its high ones */
			uint byte = (v >> (8u * q)) & 0xffu;
			gb_cm_put_w(c * BK + 4u * wi + q, float(int(byte & 15u) - 8) * d);
			gb_cm_put_w(c * BK + 16u + 4u * wi + q, float(int(byte >> 4) - 8) * d);
		}
#endif
	}
}

#ifdef GB_CM_EMULATE
/* Accumulator `a` of this subgroup += A rows [ra, ra + 16) x B columns [cb, cb + 16) at kk. */
void gb_cm_emu_mad(uint a, uint ra, uint cb, uint kk)
{
	uint base = (gl_SubgroupID * 4u + a) * 256u;
	for (uint e = gl_SubgroupInvocationID; e < 256u; e += gl_SubgroupSize) {
		uint r = e / 16u, c = e % 16u;
		float s = accs[base + e];
		for (uint j = 0; j < 16u; j++) {
			uint ia = (ra + r) * BK + kk + j, ib = (cb + c) * BK + kk + j;
			float bh = float(wh[ib]);
			s += float(xh[ia]) * bh;
#ifdef GB_CM_XLO
			s += float(xl[ia]) * bh;
#endif
#ifdef GB_CM_WLO
			s += float(xh[ia]) * float(wl[ib]);
#endif
		}
		accs[base + e] = s;
	}
}

/* Accumulator `a` out to Y rows [r0, r0 + 16), tile columns [c0, c0 + 16). */
void gb_cm_emu_store(uint a, uint r0, uint c0, uint nj)
{
	uint base = (gl_SubgroupID * 4u + a) * 256u;
	for (uint e = gl_SubgroupInvocationID; e < 256u; e += gl_SubgroupSize) {
		uint i = r0 + e / 16u, jl = c0 + e % 16u;
		if (i < pc.m && jl < nj)
			Y[i * pc.n + pc.j0 + jl] = accs[base + e];
	}
}
#else
/*
 * The subgroup's four accumulators (rows [ra, ra + 32) x columns
 * [cb, cb + 32)) += its A and B at kk: each 16 x 16 matrix of A and of B
 * loaded once and used for two products.
 */
void gb_cm_mad4(inout CM_C c00, inout CM_C c01, inout CM_C c10, inout CM_C c11, uint ra,
		uint cb, uint kk)
{
	CM_A a0, a1;
	CM_B b0, b1;
	coopMatLoadNV(a0, xh, ra * BK + kk, BK, false);
	coopMatLoadNV(a1, xh, (ra + 16u) * BK + kk, BK, false);
	coopMatLoadNV(b0, wh, cb * BK + kk, BK, true);
	coopMatLoadNV(b1, wh, (cb + 16u) * BK + kk, BK, true);
	c00 = coopMatMulAddNV(a0, b0, c00);
	c01 = coopMatMulAddNV(a0, b1, c01);
	c10 = coopMatMulAddNV(a1, b0, c10);
	c11 = coopMatMulAddNV(a1, b1, c11);
#ifdef GB_CM_WLO
	CM_B l0, l1;
	coopMatLoadNV(l0, wl, cb * BK + kk, BK, true);
	coopMatLoadNV(l1, wl, (cb + 16u) * BK + kk, BK, true);
	c00 = coopMatMulAddNV(a0, l0, c00);
	c01 = coopMatMulAddNV(a0, l1, c01);
	c10 = coopMatMulAddNV(a1, l0, c10);
	c11 = coopMatMulAddNV(a1, l1, c11);
#endif
#ifdef GB_CM_XLO
	coopMatLoadNV(a0, xl, ra * BK + kk, BK, false);
	coopMatLoadNV(a1, xl, (ra + 16u) * BK + kk, BK, false);
	c00 = coopMatMulAddNV(a0, b0, c00);
	c01 = coopMatMulAddNV(a0, b1, c01);
	c10 = coopMatMulAddNV(a1, b0, c10);
	c11 = coopMatMulAddNV(a1, b1, c11);
#endif
}

/* One 16 x 16 result at Y rows [r0, r0 + 16), tile columns [c0, c0 + 16). */
void gb_cm_store(CM_C acc, uint r0, uint c0, uint nj)
{
	uint s = gl_SubgroupID * 256u;
	coopMatStoreNV(acc, stage16, s, 16u, false);
	subgroupMemoryBarrierShared();
	subgroupBarrier();
	for (uint e = gl_SubgroupInvocationID; e < 256u; e += gl_SubgroupSize) {
		uint i = r0 + e / 16u, jl = c0 + e % 16u;
		if (i < pc.m && jl < nj)
			Y[i * pc.n + pc.j0 + jl] = stage16[s + e];
	}
	subgroupBarrier();
}
#endif

void main()
{
	uint nj = pc.j1 - pc.j0;
	uint gn = (nj + BN - 1u) / BN;
	uint g = gb_group();
	uint i0 = (g / gn) * BM, jb = (g % gn) * BN;
	if (i0 >= pc.m)
		return;  /* uniform across the workgroup: a grid's spare groups */
	if (gl_NumSubgroups != 4u) {
		for (uint e = gl_LocalInvocationID.x; e < BM * BN; e += WG) {
			uint i = i0 + e / BN, jl = jb + e % BN;
			if (i < pc.m && jl < nj)
				Y[i * pc.n + pc.j0 + jl] = uintBitsToFloat(0x7fc00000u);
		}
		return;
	}
	uint rs = (gl_SubgroupID / 2u) * 32u, cs = (gl_SubgroupID % 2u) * 32u;
#ifdef GB_CM_EMULATE
	for (uint e = gl_SubgroupInvocationID; e < 4u * 256u; e += gl_SubgroupSize)
		accs[gl_SubgroupID * 4u * 256u + e] = 0.0;
#else
	CM_C c00 = CM_C(0.0), c01 = CM_C(0.0), c10 = CM_C(0.0), c11 = CM_C(0.0);
#endif
	for (uint k0 = 0; k0 < pc.k; k0 += BK) {
		barrier();  /* the last step's tiles are read */
		gb_cm_load(k0, i0, jb, nj);
		barrier();
		for (uint kk = 0; kk < BK; kk += 16u) {
#ifdef GB_CM_EMULATE
			gb_cm_emu_mad(0u, rs, cs, kk);
			gb_cm_emu_mad(1u, rs, cs + 16u, kk);
			gb_cm_emu_mad(2u, rs + 16u, cs, kk);
			gb_cm_emu_mad(3u, rs + 16u, cs + 16u, kk);
#else
			gb_cm_mad4(c00, c01, c10, c11, rs, cs, kk);
#endif
		}
	}
#ifdef GB_CM_EMULATE
	gb_cm_emu_store(0u, i0 + rs, jb + cs, nj);
	gb_cm_emu_store(1u, i0 + rs, jb + cs + 16u, nj);
	gb_cm_emu_store(2u, i0 + rs + 16u, jb + cs, nj);
	gb_cm_emu_store(3u, i0 + rs + 16u, jb + cs + 16u, nj);
#else
	gb_cm_store(c00, i0 + rs, jb + cs, nj);
	gb_cm_store(c01, i0 + rs, jb + cs + 16u, nj);
	gb_cm_store(c10, i0 + rs + 16u, jb + cs, nj);
	gb_cm_store(c11, i0 + rs + 16u, jb + cs + 16u, nj);
#endif
}
