/*
 * kernels-avx2.c - AVX2+FMA+F16C builds of the hot CPU loops (declared in
 * kernels-simd.h). Compiled with a target pragma, not global -m flags, so
 * the rest of the binary stays baseline x86-64; kernels.c calls these only
 * when __builtin_cpu_supports says the CPU has all three extensions.
 *
 * A dot product keeps one 8-lane accumulator per (x row, weight row) pair
 * whichever kernel computes it, so a result does not depend on the batch
 * size or the thread split; four weight rows (and two x rows) share each
 * load, which gives 4 to 8 independent FMA chains.
 */
#include "kernels-simd.h"

#if defined(__x86_64__) && defined(__GNUC__)

/* Every function below is compiled for AVX2 + FMA + F16C; kernels.c calls
 * them only on a CPU that has all three. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC target("avx2,fma,f16c")
#endif
#include <immintrin.h>

const int gb_kern_have_avx2_build = 1;

static float hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

void gb_kern_avx2_dot4(const float *x, const float *const w[4], uint32_t kp, float out[4])
{
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	__m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
	const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];

	for (uint32_t i = 0; i < kp; i += 8) {
		__m256 xv = _mm256_loadu_ps(x + i);

		a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w0 + i), a0);
		a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w1 + i), a1);
		a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w2 + i), a2);
		a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w3 + i), a3);
	}
	out[0] = hsum(a0);
	out[1] = hsum(a1);
	out[2] = hsum(a2);
	out[3] = hsum(a3);
}

void gb_kern_avx2_dot2x4(const float *x0, const float *x1, const float *const w[4],
			 uint32_t kp, float out[8])
{
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	__m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
	__m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
	__m256 b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
	const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];

	for (uint32_t i = 0; i < kp; i += 8) {
		__m256 xa = _mm256_loadu_ps(x0 + i), xb = _mm256_loadu_ps(x1 + i), wv;

		wv = _mm256_loadu_ps(w0 + i);
		a0 = _mm256_fmadd_ps(xa, wv, a0);
		b0 = _mm256_fmadd_ps(xb, wv, b0);
		wv = _mm256_loadu_ps(w1 + i);
		a1 = _mm256_fmadd_ps(xa, wv, a1);
		b1 = _mm256_fmadd_ps(xb, wv, b1);
		wv = _mm256_loadu_ps(w2 + i);
		a2 = _mm256_fmadd_ps(xa, wv, a2);
		b2 = _mm256_fmadd_ps(xb, wv, b2);
		wv = _mm256_loadu_ps(w3 + i);
		a3 = _mm256_fmadd_ps(xa, wv, a3);
		b3 = _mm256_fmadd_ps(xb, wv, b3);
	}
	out[0] = hsum(a0);
	out[1] = hsum(a1);
	out[2] = hsum(a2);
	out[3] = hsum(a3);
	out[4] = hsum(b0);
	out[5] = hsum(b1);
	out[6] = hsum(b2);
	out[7] = hsum(b3);
}

static __m256 cvt8_i8(__m128i v)
{
	return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
}

static float scale_of(const unsigned char *b)
{
	return _cvtsh_ss((unsigned short)(b[0] | (b[1] << 8)));
}

/*
 * The 32 weights of a q8 or q4 block at p as floats, 8 to a vector: the
 * scale times each integer, as every path computes them (dequant_row's
 * rows and the fused mat-vec below see the same values).
 */
static inline __attribute__((always_inline)) void
block_q(const unsigned char *p, enum gb_quant q, __m256 v[4])
{
	__m256 d = _mm256_set1_ps(scale_of(p));
	__m128i a, b;

	if (q == GB_Q_Q8) {
		a = _mm_loadu_si128((const __m128i *)(p + 2));
		b = _mm_loadu_si128((const __m128i *)(p + 18));
	} else {
		const __m128i mask = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
		__m128i raw = _mm_loadu_si128((const __m128i *)(p + 2));

		a = _mm_sub_epi8(_mm_and_si128(raw, mask), eight);
		b = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), eight);
	}
	v[0] = _mm256_mul_ps(d, cvt8_i8(a));
	v[1] = _mm256_mul_ps(d, cvt8_i8(_mm_srli_si128(a, 8)));
	v[2] = _mm256_mul_ps(d, cvt8_i8(b));
	v[3] = _mm256_mul_ps(d, cvt8_i8(_mm_srli_si128(b, 8)));
}

void gb_kern_avx2_dequant_row(const struct gb_weights *w, uint32_t r, float *out)
{
	const unsigned char *p = (const unsigned char *)w->data + r * w->row_bytes;
	uint32_t kp = w->cols_padded, nb = kp / GB_QBLOCK;
	size_t bb = w->quant == GB_Q_Q8 ? GB_Q8_BLOCK_BYTES : GB_Q4_BLOCK_BYTES;

	switch (w->quant) {
	case GB_Q_F32:
		for (uint32_t i = 0; i < kp; i += 8)
			_mm256_storeu_ps(out + i, _mm256_loadu_ps((const float *)p + i));
		break;
	case GB_Q_F16:
		for (uint32_t i = 0; i < kp; i += 8)
			_mm256_storeu_ps(out + i, _mm256_cvtph_ps(
				_mm_loadu_si128((const __m128i *)(p + 2 * (size_t)i))));
		break;
	case GB_Q_Q8:
	case GB_Q_Q4:
		for (uint32_t b = 0; b < nb; b++, p += bb, out += GB_QBLOCK) {
			__m256 v[4];

			block_q(p, w->quant, v);
			for (int g = 0; g < 4; g++)
				_mm256_storeu_ps(out + 8 * g, v[g]);
		}
		break;
	default:
		break;
	}
}

/* Four rows of blocks of quant q (a constant where inlined) against x. */
static inline __attribute__((always_inline)) void
dot4_blocks(const float *x, const unsigned char *const p[4], uint32_t kp, enum gb_quant q,
	    float out[4])
{
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	__m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
	size_t bb = q == GB_Q_Q8 ? GB_Q8_BLOCK_BYTES : GB_Q4_BLOCK_BYTES;
	const unsigned char *p0 = p[0], *p1 = p[1], *p2 = p[2], *p3 = p[3];

	for (uint32_t i = 0; i < kp; i += GB_QBLOCK, p0 += bb, p1 += bb, p2 += bb, p3 += bb) {
		__m256 v[4];

		block_q(p0, q, v);
		for (int g = 0; g < 4; g++)
			a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8 * g), v[g], a0);
		block_q(p1, q, v);
		for (int g = 0; g < 4; g++)
			a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8 * g), v[g], a1);
		block_q(p2, q, v);
		for (int g = 0; g < 4; g++)
			a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8 * g), v[g], a2);
		block_q(p3, q, v);
		for (int g = 0; g < 4; g++)
			a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8 * g), v[g], a3);
	}
	out[0] = hsum(a0);
	out[1] = hsum(a1);
	out[2] = hsum(a2);
	out[3] = hsum(a3);
}

static void dot4_f16(const float *x, const unsigned char *const p[4], uint32_t kp, float out[4])
{
	__m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
	__m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
	const unsigned char *p0 = p[0], *p1 = p[1], *p2 = p[2], *p3 = p[3];

	for (uint32_t i = 0; i < kp; i += 8) {
		__m256 xv = _mm256_loadu_ps(x + i);
		size_t o = 2 * (size_t)i;

		a0 = _mm256_fmadd_ps(xv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p0 + o))), a0);
		a1 = _mm256_fmadd_ps(xv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p1 + o))), a1);
		a2 = _mm256_fmadd_ps(xv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p2 + o))), a2);
		a3 = _mm256_fmadd_ps(xv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p3 + o))), a3);
	}
	out[0] = hsum(a0);
	out[1] = hsum(a1);
	out[2] = hsum(a2);
	out[3] = hsum(a3);
}

void gb_kern_avx2_dot4_q(const float *x, const struct gb_weights *w, const uint32_t r[4],
			 float out[4])
{
	const unsigned char *p[4];

	for (int t = 0; t < 4; t++)
		p[t] = (const unsigned char *)w->data + (size_t)r[t] * w->row_bytes;
	if (w->quant == GB_Q_F16)
		dot4_f16(x, p, w->cols_padded, out);
	else if (w->quant == GB_Q_Q8)
		dot4_blocks(x, p, w->cols_padded, GB_Q_Q8, out);
	else
		dot4_blocks(x, p, w->cols_padded, GB_Q_Q4, out);
}

double gb_kern_avx2_sum(const float *x, uint32_t n)
{
	__m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
	__m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
	double tail = 0, lanes[4];
	uint32_t i = 0;

	for (; i + 16 <= n; i += 16) {
		s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm_loadu_ps(x + i)));
		s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)));
		s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 8)));
		s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm_loadu_ps(x + i + 12)));
	}
	for (; i < n; i++)
		tail += x[i];
	_mm256_storeu_pd(lanes, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
	return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail;
}

void gb_kern_avx2_fft_stage(float *y, uint32_t n, uint32_t h, const float *tw)
{
	const float *t = tw + 2 * (size_t)(h - 1);

	for (uint32_t b = 0; b < n; b += 2 * h) {
		float *u = y + 2 * (size_t)b, *v = u + 2 * (size_t)h;

		for (uint32_t j = 0; j < h; j += 4) {
			__m256 wv = _mm256_loadu_ps(t + 2 * j);
			__m256 vv = _mm256_loadu_ps(v + 2 * j);
			__m256 uv = _mm256_loadu_ps(u + 2 * j);
			__m256 wr = _mm256_moveldup_ps(wv), wi = _mm256_movehdup_ps(wv);
			__m256 vs = _mm256_permute_ps(vv, 0xb1);  /* (im, re) pairs */
			/* even lanes vr*wr - vi*wi, odd lanes vi*wr + vr*wi */
			__m256 p = _mm256_fmaddsub_ps(vv, wr, _mm256_mul_ps(vs, wi));

			_mm256_storeu_ps(u + 2 * j, _mm256_add_ps(uv, p));
			_mm256_storeu_ps(v + 2 * j, _mm256_sub_ps(uv, p));
		}
	}
}

#if defined(__clang__)
#pragma clang attribute pop
#endif

#else

#include <string.h>

const int gb_kern_have_avx2_build = 0;

/* Never called: kernels.c checks gb_kern_have_avx2_build first. */
void gb_kern_avx2_dot4(const float *x, const float *const w[4], uint32_t kp, float out[4])
{
	(void)x; (void)w; (void)kp;
	out[0] = out[1] = out[2] = out[3] = 0;
}

void gb_kern_avx2_dot2x4(const float *x0, const float *x1, const float *const w[4],
			 uint32_t kp, float out[8])
{
	(void)x0; (void)x1; (void)w; (void)kp;
	memset(out, 0, 8 * sizeof(float));
}

void gb_kern_avx2_dequant_row(const struct gb_weights *w, uint32_t r, float *out)
{
	(void)w; (void)r; (void)out;
}

void gb_kern_avx2_dot4_q(const float *x, const struct gb_weights *w, const uint32_t r[4],
			 float out[4])
{
	(void)x; (void)w; (void)r;
	out[0] = out[1] = out[2] = out[3] = 0;
}

double gb_kern_avx2_sum(const float *x, uint32_t n)
{
	(void)x; (void)n;
	return 0;
}

void gb_kern_avx2_fft_stage(float *y, uint32_t n, uint32_t h, const float *tw)
{
	(void)y; (void)n; (void)h; (void)tw;
}

#endif
