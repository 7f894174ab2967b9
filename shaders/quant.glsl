/*
 * quant.glsl - reading one block of 32 weights of the persistent operand in
 * the byte layout of bench/quant.h, for the variant chosen by -DQUANT_F32,
 * -DQUANT_F16, -DQUANT_Q8 or -DQUANT_Q4. W is bound as 32-bit words; q8 and
 * q4 blocks (34 and 18 bytes) start at any even byte, so their codes are
 * read as unaligned little-endian words.
 *
 * gb_block_dot(row, b, xo, kn) is the dot product of block b of the weight
 * row at byte offset `row` (within the bound range) with X[xo ...], of
 * which only the first kn values exist: the sum over the block, then times
 * its scale (q8, q4). No private arrays: drivers that run invocations as
 * SIMD lanes (lavapipe) spill those to memory.
 */

/* The little-endian 32-bit word at byte offset `off` (any alignment). */
uint gb_rd32(uint off)
{
	uint a = off >> 2, s = (off & 3u) * 8u;
	if (s == 0u)
		return W[a];
	return (W[a] >> s) | (W[a + 1] << (32u - s));
}

/* The f16 at an even byte offset. */
float gb_rd_f16(uint off)
{
	vec2 h = unpackHalf2x16(W[off >> 2]);
	return (off & 2u) != 0u ? h.y : h.x;
}

/* x[e] of the block, 0 past the row's end (kn values are real). */
#define GB_XV(e) ((e) < kn ? X[xo + (e)] : 0.0)

float gb_block_dot(uint row, uint b, uint xo, uint kn)
{
	float s = 0.0;
#if defined(QUANT_F32)
	uint base = (row >> 2) + b * 32u;
	for (uint e = 0; e < 32u; e++)
		s += GB_XV(e) * uintBitsToFloat(W[base + e]);
	return s;
#elif defined(QUANT_F16)
	uint base = (row >> 2) + b * 16u;
	for (uint e = 0; e < 16u; e++) {
		vec2 h = unpackHalf2x16(W[base + e]);
		s += GB_XV(2u * e) * h.x;
		s += GB_XV(2u * e + 1u) * h.y;
	}
	return s;
#elif defined(QUANT_Q8)
	uint bo = row + b * 34u;
	for (uint e = 0; e < 8u; e++) {
		int v = int(gb_rd32(bo + 2u + 4u * e));
		for (uint c = 0; c < 4u; c++)
			s += GB_XV(4u * e + c) * float(bitfieldExtract(v, int(8u * c), 8));
	}
	return s * gb_rd_f16(bo);
#elif defined(QUANT_Q4)
	uint bo = row + b * 18u;
	float lo = 0.0, hi = 0.0;
	for (uint e = 0; e < 4u; e++) {
		uint v = gb_rd32(bo + 2u + 4u * e);
		for (uint c = 0; c < 4u; c++) {
			uint byte = (v >> (8u * c)) & 0xffu;
			lo += GB_XV(4u * e + c) * float(int(byte & 15u) - 8);
			hi += GB_XV(4u * e + c + 16u) * float(int(byte >> 4) - 8);
		}
	}
	return (lo + hi) * gb_rd_f16(bo);
#else
#error "define one of QUANT_F32, QUANT_F16, QUANT_Q8, QUANT_Q4"
#endif
}
