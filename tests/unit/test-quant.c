/*
 * test-quant.c - binary16 conversion and the f32/f16/q8/q4 layouts of
 * quant.h: exact round trips, rounding to nearest even, quantization error
 * within |d|/2, padding and bits per weight.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datagen.h"
#include "quant.h"
#include "unit.h"

#ifdef __FLT16_MAX__
static float bits_f32(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}
#endif

TEST(f16_every_half_round_trips)
{
	unsigned bad = 0;

	for (uint32_t h = 0; h < 65536; h++) {
		float f = gb_f16_to_f32((uint16_t)h);
		uint16_t back = gb_f32_to_f16(f);
		int is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);

		if (back != h || (is_nan != (isnan(f) != 0))) {
			if (bad++ < 5)
				printf("#   half 0x%04x -> %g -> 0x%04x\n", h, f, back);
		}
	}
	CHECK(bad == 0);
}

TEST(f16_known_values)
{
	CHECK(gb_f32_to_f16(1.0f) == 0x3c00);
	CHECK(gb_f32_to_f16(-2.0f) == 0xc000);
	CHECK(gb_f32_to_f16(65504.0f) == 0x7bff);
	CHECK(gb_f32_to_f16(65519.0f) == 0x7bff);
	CHECK(gb_f32_to_f16(65520.0f) == 0x7c00);  /* tie rounds to even: inf */
	CHECK(gb_f32_to_f16(1e10f) == 0x7c00);
	CHECK(gb_f32_to_f16(-INFINITY) == 0xfc00);
	CHECK((gb_f32_to_f16(NAN) & 0x7c00) == 0x7c00 && (gb_f32_to_f16(NAN) & 0x3ff));
	CHECK(gb_f32_to_f16(-0.0f) == 0x8000);
	CHECK(gb_f32_to_f16(0x1p-24f) == 0x0001);      /* smallest subnormal */
	CHECK(gb_f32_to_f16(0x1p-25f) == 0x0000);      /* tie to even: 0 */
	CHECK(gb_f32_to_f16(0x1.0001p-25f) == 0x0001);
	CHECK(gb_f32_to_f16(0x3p-25f) == 0x0002);      /* 1.5 ulp: tie to even 2 */
	CHECK(gb_f32_to_f16(0x1p-14f) == 0x0400);      /* smallest normal */
	CHECK(gb_f32_to_f16(0x1.ff8p-15f) == 0x03ff);  /* largest subnormal */
	CHECK(gb_f32_to_f16(1.0f + 0x1p-11f) == 0x3c00);       /* tie: even */
	CHECK(gb_f32_to_f16(1.0f + 0x3p-11f) == 0x3c02);       /* tie: even */
	CHECK(gb_f32_to_f16(1.0f + 0x1.8p-11f) == 0x3c01);
	CHECK(gb_f16_to_f32(0x0001) == 0x1p-24f);
	CHECK(gb_f16_to_f32(0x7bff) == 65504.0f);
	CHECK(isinf(gb_f16_to_f32(0x7c00)));
}

/* Against the compiler's own conversion where it has _Float16 (RNE). */
TEST(f16_matches_compiler_rounding)
{
#ifdef __FLT16_MAX__
	struct gb_rng r;
	unsigned bad = 0;

	gb_rng_seed(&r, 1, "f16", "random");
	for (int i = 0; i < 1000000; i++) {
		uint32_t u = (uint32_t)gb_rng_next(&r);
		float f;
		_Float16 h;
		uint16_t hb;

		/* bias toward the half range: exponents around 2^-26 .. 2^17 */
		if (i & 1)
			u = (u & 0x807fffffu) | ((uint32_t)(101 + (u >> 23) % 44) << 23);
		f = bits_f32(u);
		if (isnan(f))
			continue;
		h = (_Float16)f;
		memcpy(&hb, &h, 2);
		if (gb_f32_to_f16(f) != hb && bad++ < 5)
			printf("#   %a: got 0x%04x want 0x%04x\n", f, gb_f32_to_f16(f), hb);
	}
	CHECK(bad == 0);
#else
	SKIP("compiler has no _Float16");
#endif
}

static float block_scale(const struct gb_weights *w, uint32_t r, uint32_t b)
{
	const unsigned char *p = (const unsigned char *)w->data + r * w->row_bytes +
				 (size_t)b * (w->quant == GB_Q_Q8 ? GB_Q8_BLOCK_BYTES : GB_Q4_BLOCK_BYTES);

	return gb_f16_to_f32((uint16_t)(p[0] | (p[1] << 8)));
}

/* Every element within |d|/2 of its value, or the clamp's distance. */
static void check_round_trip(enum gb_quant q, uint32_t rows, uint32_t cols, double scale)
{
	struct gb_rng r;
	struct gb_weights w;
	float *src = malloc((size_t)rows * cols * sizeof(float));
	float *out = malloc(((size_t)cols + 1) * sizeof(float));
	unsigned bad = 0;
	double err2 = 0, ref2 = 0;

	gb_rng_seed(&r, 7, "roundtrip", gb_quant_name(q));
	for (size_t i = 0; i < (size_t)rows * cols; i++)
		src[i] = (float)(scale * gb_rng_normal(&r));
	CHECK(gb_weights_quantize(&w, q, src, rows, cols) == 0);
	for (uint32_t rr = 0; rr < rows; rr++) {
		out[cols] = 12345.0f;  /* sentinel: nothing written past cols */
		gb_weights_dequant_row(&w, rr, out);
		CHECK(out[cols] == 12345.0f);
		for (uint32_t c = 0; c < cols; c++) {
			double x = src[(size_t)rr * cols + c], e = fabs(x - out[c]), tol;

			err2 += e * e;
			ref2 += x * x;
			if (q == GB_Q_F32) {
				tol = 0;
			} else if (q == GB_Q_F16) {
				tol = fabs(x) * 0x1p-11 + 0x1p-25;
			} else {
				double d = fabs(block_scale(&w, rr, c / 32));
				double lim = q == GB_Q_Q8 ? 127 : 7;
				double clamp = fabs(x) - lim * d;

				tol = fmax(0.5 * d, clamp) * (1 + 1e-6);
				/* q4: clamping costs at most one step (+ the f16 rounding of d) */
				if (q == GB_Q_Q4 && e > d * (1 + 0x1p-8))
					bad++;
			}
			if (e > tol && bad++ < 5)
				printf("#   %s row %u col %u: x=%.9g got %.9g tol %g\n",
				       gb_quant_name(q), rr, c, x, out[c], tol);
		}
	}
	CHECK(bad == 0);
	/* Whole-tensor NMSE as theory says for Gaussian blocks of 32. */
	{
		double nmse = err2 / ref2;
		static const double hi[GB_Q_COUNT] = { 0, 1e-7, 1e-4, 1.5e-2 };
		static const double lo[GB_Q_COUNT] = { 0, 1e-9, 1e-6, 1e-3 };

		if (q == GB_Q_F32)
			CHECK(nmse == 0);
		else
			CHECK(nmse > lo[q] && nmse < hi[q]);
		printf("#   %s %ux%u nmse %.3g\n", gb_quant_name(q), rows, cols, nmse);
	}
	gb_weights_release(&w);
	free(src);
	free(out);
}

TEST(quant_round_trip_errors)
{
	for (int q = 0; q < GB_Q_COUNT; q++) {
		check_round_trip((enum gb_quant)q, 64, 256, 1.0);
		check_round_trip((enum gb_quant)q, 3, 4097, 1e-3);
		check_round_trip((enum gb_quant)q, 5, 33, 100.0);
	}
}

TEST(quant_zero_and_extreme_blocks)
{
	float src[64] = { 0 };
	float out[64];
	struct gb_weights w;

	/* Row 0 all zeros; row 1 a single extreme value. */
	src[32 + 5] = -3.0f;
	for (int q = GB_Q_F16; q < GB_Q_COUNT; q++) {
		CHECK(gb_weights_quantize(&w, (enum gb_quant)q, src, 2, 32) == 0);
		gb_weights_dequant_row(&w, 0, out);
		for (int i = 0; i < 32; i++)
			CHECK(out[i] == 0.0f);
		gb_weights_dequant_row(&w, 1, out);
		/* The extreme is exact in q4 (code 0 is -8 d, d = 3/8 exact in
		 * f16) and f16; q8 is within half a step of the rounded scale. */
		if (q == GB_Q_Q8)
			CHECK_NEAR(out[5], -3.0, 0.5 * 3.0 / 127 * (1 + 0x1p-10));
		else
			CHECK(out[5] == -3.0f);
		for (int i = 0; i < 32; i++)
			if (i != 5)
				CHECK(out[i] == 0.0f);
		gb_weights_release(&w);
	}
}

TEST(quant_padding)
{
	static const uint32_t ks[] = { 1, 3, 31, 32, 33, 4097 };

	for (size_t t = 0; t < sizeof(ks) / sizeof(ks[0]); t++) {
		uint32_t k = ks[t], kp = (k + 31) / 32 * 32;
		float *src = malloc((size_t)2 * k * sizeof(float));

		for (uint32_t i = 0; i < 2 * k; i++)
			src[i] = 0.5f + (float)(i % 7);
		for (int q = 0; q < GB_Q_COUNT; q++) {
			struct gb_weights w;
			const unsigned char *row;
			unsigned bad = 0;

			CHECK(gb_weights_quantize(&w, (enum gb_quant)q, src, 2, k) == 0);
			CHECK(w.cols == k && w.cols_padded == kp && w.rows == 2);
			CHECK(w.row_bytes == gb_quant_row_bytes((enum gb_quant)q, k));
			CHECK_NEAR(w.row_bytes * 8.0 / kp, gb_quant_bits((enum gb_quant)q), 1e-12);
			row = (const unsigned char *)w.data + w.row_bytes;  /* row 1 */
			for (uint32_t c = k; c < kp; c++) {
				switch (q) {
				case GB_Q_F32: {
					float v;

					memcpy(&v, row + 4 * c, 4);
					bad += v != 0.0f;
					break;
				}
				case GB_Q_F16:
					bad += row[2 * c] != 0 || row[2 * c + 1] != 0;
					break;
				case GB_Q_Q8:
					bad += row[(c / 32) * GB_Q8_BLOCK_BYTES + 2 + c % 32] != 0;
					break;
				case GB_Q_Q4: {
					const unsigned char *b = row + (c / 32) * GB_Q4_BLOCK_BYTES + 2;
					uint32_t j = c % 32;
					int code = j < 16 ? (b[j] & 15) : (b[j - 16] >> 4);

					bad += code != 8;
					break;
				}
				}
			}
			CHECK(bad == 0);
			gb_weights_release(&w);
		}
		free(src);
	}
}

TEST(quant_names_and_bits)
{
	enum gb_quant q;

	CHECK(gb_quant_bits(GB_Q_F32) == 32.0);
	CHECK(gb_quant_bits(GB_Q_F16) == 16.0);
	CHECK(gb_quant_bits(GB_Q_Q8) == 8.5);
	CHECK(gb_quant_bits(GB_Q_Q4) == 4.5);
	for (int i = 0; i < GB_Q_COUNT; i++) {
		CHECK(gb_quant_parse(gb_quant_name((enum gb_quant)i), &q) == 0);
		CHECK(q == (enum gb_quant)i);
	}
	CHECK(gb_quant_parse("q5", &q) == -1);
	CHECK(gb_quant_row_bytes(GB_Q_Q4, 33) == 2 * GB_Q4_BLOCK_BYTES);
}

TEST(quant_rejects_bad_sizes)
{
	struct gb_weights w;
	float x = 1;

	CHECK(gb_weights_quantize(&w, GB_Q_Q8, &x, 0, 1) == -1);
	CHECK(gb_weights_quantize(&w, GB_Q_Q8, &x, 1, 0) == -1);
	gb_weights_release(&w);  /* harmless on a failed quantize */
}

/* A block with NaN or inf dequantizes to NaN at q8 and q4, never to finite weights. */
TEST(nonfinite_blocks_stay_nan)
{
	float w[64], out[64];

	for (int i = 0; i < 64; i++)
		w[i] = 0.5f;
	w[3] = NAN;
	w[40] = INFINITY;
	for (int q = GB_Q_Q8; q <= GB_Q_Q4; q++) {
		struct gb_weights wt;

		CHECK(gb_weights_quantize(&wt, (enum gb_quant)q, w, 1, 64) == 0);
		gb_weights_dequant_row(&wt, 0, out);
		CHECK(isnan(out[0]) && isnan(out[3]) && isnan(out[33]) && isnan(out[40]));
		gb_weights_release(&wt);
	}
}

int main(void)
{
	RUN(f16_every_half_round_trips);
	RUN(f16_known_values);
	RUN(f16_matches_compiler_rounding);
	RUN(quant_round_trip_errors);
	RUN(quant_zero_and_extreme_blocks);
	RUN(quant_padding);
	RUN(quant_names_and_bits);
	RUN(quant_rejects_bad_sizes);
	RUN(nonfinite_blocks_stay_nan);
	return unit_done();
}
