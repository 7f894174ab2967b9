/*
 * quant.glsl - reading the persistent operand in the executor's device
 * layout (bench/vulkan/weights.c), for the variant chosen by -DQUANT_F32,
 * -DQUANT_F16, -DQUANT_Q8 or -DQUANT_Q4. W is bound as 32-bit words. A row
 * starts at a multiple of 16 bytes: f32 and f16 hold kp values as in
 * bench/quant.h; q8 holds the kp int8 codes, then kp/32 f16 scales; q4 the
 * kp/2 code bytes (per block of 32, element j in the low nibble of byte j
 * for j < 16, in the high nibble of byte j-16 otherwise; value code - 8),
 * then the scales. pc.kp is kp.
 *
 * gb_block_dot(row, b, xo, kn) is the dot product of block b of the weight
 * row at byte offset `row` (within the bound range) with X[xo ...], of
 * which only the first kn values exist: the sum over the block, then times
 * its scale (q8, q4). No private arrays: drivers that run invocations as
 * SIMD lanes (lavapipe) spill those to memory.
 */

/* The f16 at an even byte offset. */
float gb_rd_f16(uint off)
{
	vec2 h = unpackHalf2x16(W[off >> 2]);
	return (off & 2u) != 0u ? h.y : h.x;
}

/* Byte offset of the scales of the row at byte offset `row` (q8, q4). */
uint gb_scale_off(uint row)
{
#if defined(QUANT_Q8)
	return row + pc.kp;
#else
	return row + pc.kp / 2u;
#endif
}

/* The scale of block b of the row at byte offset `row` (q8, q4). */
float gb_block_scale(uint row, uint b)
{
	return gb_rd_f16(gb_scale_off(row) + 2u * b);
}

/* Weight e (< kp) of the row at byte offset `row`, dequantized. */
float gb_w_elem(uint row, uint e)
{
#if defined(QUANT_F32)
	return uintBitsToFloat(W[(row >> 2) + e]);
#elif defined(QUANT_F16)
	return gb_rd_f16(row + 2u * e);
#elif defined(QUANT_Q8)
	int v = int(W[(row >> 2) + (e >> 2)]);
	return float(bitfieldExtract(v, int(8u * (e & 3u)), 8)) * gb_block_scale(row, e >> 5);
#elif defined(QUANT_Q4)
	uint j = e & 15u;
	uint v = W[(row >> 2) + (e >> 5) * 4u + (j >> 2)];
	uint byte = (v >> (8u * (j & 3u))) & 0xffu;
	uint code = (e & 16u) != 0u ? byte >> 4 : byte & 15u;
	return float(int(code) - 8) * gb_block_scale(row, e >> 5);
#endif
}

/*
 * The block's dot product, written once for a float (one row of X) and a
 * vec4 (four rows): T is the sum's type, XV(e) gives x[e] of the block as
 * a T, 0 past the row's end (kn values are real). Each component adds its
 * products in the same order.
 */
#if defined(QUANT_F32)
#define GB_BLOCK_DOT_BODY(T, XV)                                              \
	T s = T(0.0);                                                         \
	uint base = (row >> 2) + b * 32u;                                     \
	for (uint e = 0; e < 32u; e++)                                        \
		s += XV(e) * uintBitsToFloat(W[base + e]);                    \
	return s;
#elif defined(QUANT_F16)
#define GB_BLOCK_DOT_BODY(T, XV)                                              \
	T s = T(0.0);                                                         \
	uint base = (row >> 2) + b * 16u;                                     \
	for (uint e = 0; e < 16u; e++) {                                      \
		vec2 h = unpackHalf2x16(W[base + e]);                         \
		s += XV(2u * e) * h.x;                                        \
		s += XV(2u * e + 1u) * h.y;                                   \
	}                                                                     \
	return s;
#elif defined(QUANT_Q8)
#define GB_BLOCK_DOT_BODY(T, XV)                                              \
	T s = T(0.0);                                                         \
	uint base = (row >> 2) + b * 8u;                                      \
	for (uint e = 0; e < 8u; e++) {                                       \
		int v = int(W[base + e]);                                     \
		for (uint c = 0; c < 4u; c++)                                 \
			s += XV(4u * e + c) * float(bitfieldExtract(v, int(8u * c), 8)); \
	}                                                                     \
	return s * gb_block_scale(row, b);
#elif defined(QUANT_Q4)
#define GB_BLOCK_DOT_BODY(T, XV)                                              \
	uint base = (row >> 2) + b * 4u;                                      \
	T lo = T(0.0), hi = T(0.0);                                           \
	for (uint e = 0; e < 4u; e++) {                                       \
		uint v = W[base + e];                                         \
		for (uint c = 0; c < 4u; c++) {                               \
			uint byte = (v >> (8u * c)) & 0xffu;                  \
			lo += XV(4u * e + c) * float(int(byte & 15u) - 8);    \
			hi += XV(4u * e + c + 16u) * float(int(byte >> 4) - 8); \
		}                                                             \
	}                                                                     \
	return (lo + hi) * gb_block_scale(row, b);
#else
#error "define one of QUANT_F32, QUANT_F16, QUANT_Q8, QUANT_Q4"
#endif

#define GB_XV(e) ((e) < kn ? X[xo + (e)] : 0.0)

float gb_block_dot(uint row, uint b, uint xo, uint kn)
{
	GB_BLOCK_DOT_BODY(float, GB_XV)
}

/*
 * gb_block_dot4(row, b, xo, kn): gb_block_dot for four rows of X at once,
 * their block's offsets in xo, reading each weight once for all four
 * (top-k scoring a tile against several queries, shaders/topk_sel.comp).
 */
#define GB_XV4(e) ((e) < kn ? vec4(X[xo.x + (e)], X[xo.y + (e)], X[xo.z + (e)], X[xo.w + (e)]) \
			    : vec4(0.0))

vec4 gb_block_dot4(uint row, uint b, uvec4 xo, uint kn)
{
	GB_BLOCK_DOT_BODY(vec4, GB_XV4)
}
