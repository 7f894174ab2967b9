/*
 * quant.h - quantization of the persistent operand (DESIGN.md section 6).
 *
 * A persistent operand is `rows` vectors of `cols` floats, quantized along
 * cols in blocks of 32. Rows whose length is not a multiple of 32 are padded
 * with zeros to `cols_padded` (zeros add nothing to a dot product), so any k
 * is accepted. Layouts, per row, little-endian:
 *   f32  cols_padded floats
 *   f16  cols_padded IEEE binary16
 *   q8   per block: f16 scale d, then 32 int8 q;        x = d * q
 *   q4   per block: f16 scale d, then 16 bytes, two 4-bit codes per byte
 *        (element j of the block in the low nibble of byte j for j < 16 and
 *        in the high nibble of byte j-16 for j >= 16);  x = d * (code - 8)
 * Scales (the ggml q8_0 / q4_0 schemes):
 *   q8  d = absmax / 127, q = clamp(round(x / d), -127, 127);
 *   q4  d = -xm / 8 where xm is the element of largest magnitude (sign kept),
 *       code = clamp(round(x / d) + 8, 0, 15). xm itself lands exactly on
 *       code 0; elements of the opposite sign near absmax clamp at code 15.
 *       d may be negative.
 * d is rounded to f16 first and the codes are computed with the rounded d,
 * so dequantizing gives back x within |d|/2 (|d| for a clamped q4 code).
 * round() is half away from zero. Padding is the value 0, i.e. q = 0 for q8
 * and code 8 (bytes 0x88) for q4; an all-zero block has d = 0. The same
 * bytes feed every executor, so the CPU and Vulkan paths see identical
 * weights.
 */
#ifndef GB_QUANT_H
#define GB_QUANT_H

#include <stddef.h>
#include <stdint.h>

enum gb_quant { GB_Q_F32, GB_Q_F16, GB_Q_Q8, GB_Q_Q4, GB_Q_COUNT };

#define GB_QBLOCK 32
#define GB_Q8_BLOCK_BYTES (2 + 32)
#define GB_Q4_BLOCK_BYTES (2 + 16)

const char *gb_quant_name(enum gb_quant q);
int gb_quant_parse(const char *name, enum gb_quant *q);
/* Bits per weight, scales included (f32 32, f16 16, q8 8.5, q4 4.5). */
double gb_quant_bits(enum gb_quant q);

/* A quantized persistent operand. Owns `data`. */
struct gb_weights {
	enum gb_quant quant;
	uint32_t rows, cols, cols_padded;
	size_t row_bytes;  /* bytes of one quantized row */
	void *data;        /* rows * row_bytes */
};

/* Bytes of one row of `cols` values at quant q (after padding). */
size_t gb_quant_row_bytes(enum gb_quant q, uint32_t cols);

/* Quantize rows*cols floats (row-major) into w; 0 or -1 (bad size). */
int gb_weights_quantize(struct gb_weights *w, enum gb_quant q,
			const float *src, uint32_t rows, uint32_t cols);
void gb_weights_release(struct gb_weights *w);
/* Dequantize row r into out[cols] (not the padding). */
void gb_weights_dequant_row(const struct gb_weights *w, uint32_t r, float *out);

/* IEEE binary16 conversion, round to nearest even; exact for every half. */
uint16_t gb_f32_to_f16(float f);
float gb_f16_to_f32(uint16_t h);

#endif
