/*
 * quant.c - quantization of the persistent operand into the f32, f16, q8 and
 * q4 layouts documented in quant.h, and IEEE binary16 conversion.
 *
 * The conversions work on bit patterns, not on the FPU's own half support,
 * so they give the same bytes on every machine: float to half rounds to
 * nearest even (subnormals included, overflow to infinity, NaN payloads kept
 * where they fit), and half to float is exact. Quantization runs once per
 * persistent operand on the host; its cost is not in any timed region.
 */
#include "quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "op.h"

static const char *const quant_names[GB_Q_COUNT] = {
	[GB_Q_F32] = "f32",
	[GB_Q_F16] = "f16",
	[GB_Q_Q8] = "q8",
	[GB_Q_Q4] = "q4",
};

const char *gb_quant_name(enum gb_quant q)
{
	return (unsigned)q < GB_Q_COUNT ? quant_names[q] : "?";
}

int gb_quant_parse(const char *name, enum gb_quant *q)
{
	for (int i = 0; i < GB_Q_COUNT; i++) {
		if (strcmp(name, quant_names[i]) == 0) {
			*q = (enum gb_quant)i;
			return 0;
		}
	}
	return -1;
}

double gb_quant_bits(enum gb_quant q)
{
	switch (q) {
	case GB_Q_F32: return 32.0;
	case GB_Q_F16: return 16.0;
	case GB_Q_Q8: return 8.0 * GB_Q8_BLOCK_BYTES / GB_QBLOCK;
	case GB_Q_Q4: return 8.0 * GB_Q4_BLOCK_BYTES / GB_QBLOCK;
	default: return 0.0;
	}
}

static uint32_t f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static float bits_f32(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/*
 * After F. Giesen's float_to_half_fast3_rtne: normal results round by adding
 * 0xfff plus the lowest kept bit; subnormal results let the FPU do the
 * rounding by adding a magic number whose exponent puts the half's lowest
 * bit at the float's lowest bit.
 */
uint16_t gb_f32_to_f16(float f)
{
	const uint32_t f16_overflow = (127u + 16) << 23;  /* 65536.0f */
	const uint32_t denorm_magic = ((127u - 15) + (23 - 10) + 1) << 23;
	uint32_t u = f32_bits(f);
	uint32_t sign = (u >> 16) & 0x8000u;
	uint32_t o;

	u &= 0x7fffffffu;
	if (u > 0x7f800000u) {
		/* NaN: keep the top payload bits, stay a NaN. */
		o = 0x7c00u | ((u >> 13) & 0x3ffu);
		if ((o & 0x3ffu) == 0)
			o |= 0x200u;
	} else if (u >= f16_overflow) {
		o = 0x7c00u;  /* infinity, or too large: rounds to infinity */
	} else if (u < (113u << 23)) {
		/* |f| < 2^-14: a half subnormal or zero. */
		o = f32_bits(bits_f32(u) + bits_f32(denorm_magic)) - denorm_magic;
	} else {
		uint32_t odd = (u >> 13) & 1u;

		u += ((uint32_t)(15 - 127) << 23) + 0xfffu + odd;
		o = u >> 13;  /* a carry into the exponent is correct rounding */
	}
	return (uint16_t)(o | sign);
}

float gb_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
	uint32_t exp = (h >> 10) & 0x1fu;
	uint32_t mant = h & 0x3ffu;

	if (exp == 0) {
		/* Zero or subnormal: mant * 2^-24, exact in float. */
		float f = (float)mant * 0x1p-24f;

		return bits_f32(f32_bits(f) | sign);
	}
	if (exp == 31)
		return bits_f32(sign | 0x7f800000u | (mant << 13));
	return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

static uint32_t cols_padded_of(uint32_t cols)
{
	return (uint32_t)(((uint64_t)cols + GB_QBLOCK - 1) / GB_QBLOCK * GB_QBLOCK);
}

size_t gb_quant_row_bytes(enum gb_quant q, uint32_t cols)
{
	size_t cp = cols_padded_of(cols);

	switch (q) {
	case GB_Q_F32: return cp * 4;
	case GB_Q_F16: return cp * 2;
	case GB_Q_Q8: return cp / GB_QBLOCK * GB_Q8_BLOCK_BYTES;
	case GB_Q_Q4: return cp / GB_QBLOCK * GB_Q4_BLOCK_BYTES;
	default: return 0;
	}
}

static void put_f16(unsigned char *p, uint16_t h)
{
	p[0] = (unsigned char)(h & 0xff);
	p[1] = (unsigned char)(h >> 8);
}

static uint16_t get_f16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* The f16 scale of a block, finite and saturated to the largest half. */
static uint16_t scale_f16(float d)
{
	if (!(fabsf(d) <= 65504.0f))
		d = d < 0 ? -65504.0f : 65504.0f;
	return gb_f32_to_f16(d);
}

/*
 * A block holding NaN or inf cannot be scaled: it gets a NaN scale, so it
 * dequantizes to NaN on every executor and the accuracy checks see it
 * (f16 keeps NaN the same way), instead of turning into finite weights.
 */
static int block_finite(const float *x)
{
	for (int i = 0; i < GB_QBLOCK; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

#define F16_NAN 0x7e00

static void quant_block_q8(unsigned char *out, const float *x)
{
	float amax = 0.0f;
	uint16_t dh;
	float d;

	if (!block_finite(x)) {
		put_f16(out, F16_NAN);
		memset(out + 2, 0, GB_QBLOCK);
		return;
	}
	for (int i = 0; i < GB_QBLOCK; i++)
		amax = fmaxf(amax, fabsf(x[i]));
	dh = scale_f16(amax / 127.0f);
	d = gb_f16_to_f32(dh);
	put_f16(out, dh);
	for (int i = 0; i < GB_QBLOCK; i++) {
		float q = d != 0.0f ? roundf(x[i] / d) : 0.0f;

		q = fminf(fmaxf(q, -127.0f), 127.0f);
		out[2 + i] = (unsigned char)(int8_t)q;
	}
}

static void quant_block_q4(unsigned char *out, const float *x)
{
	float amax = 0.0f, xm = 0.0f;
	unsigned char code[GB_QBLOCK];
	uint16_t dh;
	float d;

	if (!block_finite(x)) {
		put_f16(out, F16_NAN);
		memset(out + 2, 0x88, GB_QBLOCK / 2);
		return;
	}
	for (int i = 0; i < GB_QBLOCK; i++) {
		if (fabsf(x[i]) > amax) {
			amax = fabsf(x[i]);
			xm = x[i];
		}
	}
	dh = scale_f16(xm / -8.0f);
	d = gb_f16_to_f32(dh);
	put_f16(out, dh);
	for (int i = 0; i < GB_QBLOCK; i++) {
		float c = d != 0.0f ? roundf(x[i] / d) + 8.0f : 8.0f;

		c = fminf(fmaxf(c, 0.0f), 15.0f);
		code[i] = (unsigned char)c;
	}
	for (int j = 0; j < GB_QBLOCK / 2; j++)
		out[2 + j] = (unsigned char)(code[j] | (code[j + 16] << 4));
}

static void quant_row(const struct gb_weights *w, unsigned char *dst, const float *src)
{
	float block[GB_QBLOCK];

	switch (w->quant) {
	case GB_Q_F32:
		memcpy(dst, src, (size_t)w->cols * 4);
		memset(dst + (size_t)w->cols * 4, 0, (size_t)(w->cols_padded - w->cols) * 4);
		break;
	case GB_Q_F16:
		for (uint32_t i = 0; i < w->cols_padded; i++)
			put_f16(dst + 2 * (size_t)i, i < w->cols ? gb_f32_to_f16(src[i]) : 0);
		break;
	case GB_Q_Q8:
	case GB_Q_Q4:
		for (uint32_t b = 0; b < w->cols_padded / GB_QBLOCK; b++) {
			uint32_t c0 = b * GB_QBLOCK;

			for (uint32_t i = 0; i < GB_QBLOCK; i++)
				block[i] = c0 + i < w->cols ? src[c0 + i] : 0.0f;
			if (w->quant == GB_Q_Q8)
				quant_block_q8(dst + (size_t)b * GB_Q8_BLOCK_BYTES, block);
			else
				quant_block_q4(dst + (size_t)b * GB_Q4_BLOCK_BYTES, block);
		}
		break;
	default:
		break;
	}
}

int gb_weights_quantize(struct gb_weights *w, enum gb_quant q,
			const float *src, uint32_t rows, uint32_t cols)
{
	memset(w, 0, sizeof(*w));
	if ((unsigned)q >= GB_Q_COUNT)
		return gb_error("unknown quantization %d", (int)q);
	if (rows == 0 || cols == 0 || cols > GB_MAX_NK || rows > GB_MAX_NK ||
	    (uint64_t)rows * cols > GB_MAX_ELEMS)
		return gb_error("bad persistent operand size %ux%u", rows, cols);
	w->quant = q;
	w->rows = rows;
	w->cols = cols;
	w->cols_padded = cols_padded_of(cols);
	w->row_bytes = gb_quant_row_bytes(q, cols);
	/* 64-byte aligned rows start for the SIMD loads (rows are unaligned). */
	w->data = aligned_alloc(64, (rows * w->row_bytes + 63) / 64 * 64);
	if (!w->data)
		return gb_error("out of memory quantizing %ux%u weights", rows, cols);
	for (uint32_t r = 0; r < rows; r++)
		quant_row(w, (unsigned char *)w->data + r * w->row_bytes,
			  src + (size_t)r * cols);
	return 0;
}

void gb_weights_release(struct gb_weights *w)
{
	if (!w)
		return;
	free(w->data);
	memset(w, 0, sizeof(*w));
}

void gb_weights_dequant_row(const struct gb_weights *w, uint32_t r, float *out)
{
	const unsigned char *p = (const unsigned char *)w->data + r * w->row_bytes;

	switch (w->quant) {
	case GB_Q_F32:
		memcpy(out, p, (size_t)w->cols * 4);
		break;
	case GB_Q_F16:
		for (uint32_t i = 0; i < w->cols; i++)
			out[i] = gb_f16_to_f32(get_f16(p + 2 * (size_t)i));
		break;
	case GB_Q_Q8:
		for (uint32_t i = 0; i < w->cols; i++) {
			const unsigned char *b = p + (size_t)(i / GB_QBLOCK) * GB_Q8_BLOCK_BYTES;

			out[i] = gb_f16_to_f32(get_f16(b)) * (float)(int8_t)b[2 + i % GB_QBLOCK];
		}
		break;
	case GB_Q_Q4:
		for (uint32_t i = 0; i < w->cols; i++) {
			const unsigned char *b = p + (size_t)(i / GB_QBLOCK) * GB_Q4_BLOCK_BYTES;
			uint32_t j = i % GB_QBLOCK;
			int code = j < 16 ? (b[2 + j] & 0x0f) : (b[2 + j - 16] >> 4);

			out[i] = gb_f16_to_f32(get_f16(b)) * (float)(code - 8);
		}
		break;
	default:
		break;
	}
}
