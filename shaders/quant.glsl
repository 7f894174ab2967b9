/*
 * quant.glsl - reading one block of 32 weights of the persistent operand in
 * the byte layout of bench/quant.h, for the variant chosen by -DQUANT_F32,
 * -DQUANT_F16, -DQUANT_Q8 or -DQUANT_Q4. W is bound as 32-bit words; q8 and
 * q4 blocks (34 and 18 bytes) start at any even byte, so their codes are
 * read as unaligned little-endian words.
 *
 * gb_load_block(row, b, w) fills w with the block's 32 codes or values and
 * returns the factor to apply to the block's dot product (the scale, or 1).
 * `row` is the byte offset of the row within the bound range.
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

float gb_load_block(uint row, uint b, out float w[32])
{
#if defined(QUANT_F32)
	uint base = (row >> 2) + b * 32u;
	for (uint e = 0; e < 32u; e++)
		w[e] = uintBitsToFloat(W[base + e]);
	return 1.0;
#elif defined(QUANT_F16)
	uint base = (row >> 2) + b * 16u;
	for (uint e = 0; e < 16u; e++) {
		vec2 h = unpackHalf2x16(W[base + e]);
		w[2 * e] = h.x;
		w[2 * e + 1] = h.y;
	}
	return 1.0;
#elif defined(QUANT_Q8)
	uint bo = row + b * 34u;
	for (uint e = 0; e < 8u; e++) {
		int v = int(gb_rd32(bo + 2u + 4u * e));
		for (uint c = 0; c < 4u; c++)
			w[4 * e + c] = float(bitfieldExtract(v, int(8u * c), 8));
	}
	return gb_rd_f16(bo);
#elif defined(QUANT_Q4)
	uint bo = row + b * 18u;
	for (uint e = 0; e < 4u; e++) {
		uint v = gb_rd32(bo + 2u + 4u * e);
		for (uint c = 0; c < 4u; c++) {
			uint byte = (v >> (8u * c)) & 0xffu;
			w[4 * e + c] = float(int(byte & 15u) - 8);
			w[4 * e + c + 16] = float(int(byte >> 4) - 8);
		}
	}
	return gb_rd_f16(bo);
#else
#error "define one of QUANT_F32, QUANT_F16, QUANT_Q8, QUANT_Q4"
#endif
}
