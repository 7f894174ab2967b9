/*
 * gemm-avx512.c - the AVX-512F micro-kernels of the matrix product
 * (gemm-simd.h): 1, 2 or 3 x rows by 4 weight rows, one 16-lane
 * accumulator per output. Compiled with a target pragma, so the binary
 * stays baseline x86-64; kernels.c chooses this level only where CPUID and
 * the OS say AVX-512F works, which valgrind's CPU never does.
 *
 * One body, instantiated per row count with the count a constant, so the
 * accumulators live in registers (12 of the 32 zmm at 3 rows).
 */
#include "gemm-simd.h"

#include "quant.h"

#if defined(__x86_64__) && defined(__GNUC__)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx2,fma,f16c")
#endif
#include <immintrin.h>

const int gb_gemm_have_avx512_build = 1;

/* High 8 lanes onto the low 8, then the reduction of the AVX2 build. */
static float hsum16(__m512 v)
{
	__m256 h = _mm256_add_ps(_mm512_castps512_ps256(v),
				 _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/*
 * The accumulators are named scalars, not an array: gcc 12 kept an
 * acc[3][4] array on the stack (a load and a store around every FMA, 30
 * GFLOP/s where this form runs at the FMA units' speed). Rows past mr are
 * dead code once mr is a constant.
 */
static inline __attribute__((always_inline)) void
tile(const float *x, size_t ldx, const float *const w[4], uint32_t kp, float out[12], int mr)
{
	__m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
	__m512 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
	__m512 a20 = a00, a21 = a00, a22 = a00, a23 = a00;
	const float *x0 = x, *x1 = x + (mr > 1 ? ldx : 0), *x2 = x + (mr > 2 ? 2 * ldx : 0);
	const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];

#define GB_FMA_ROWS(wp, c0, c1, c2)                                  \
	do {                                                         \
		__m512 wv = _mm512_loadu_ps((wp) + i);               \
		c0 = _mm512_fmadd_ps(xa, wv, c0);                    \
		if (mr > 1)                                          \
			c1 = _mm512_fmadd_ps(xb, wv, c1);            \
		if (mr > 2)                                          \
			c2 = _mm512_fmadd_ps(xc, wv, c2);            \
	} while (0)

	for (uint32_t i = 0; i < kp; i += 16) {
		__m512 xa = _mm512_loadu_ps(x0 + i);
		__m512 xb = mr > 1 ? _mm512_loadu_ps(x1 + i) : xa;
		__m512 xc = mr > 2 ? _mm512_loadu_ps(x2 + i) : xa;

		GB_FMA_ROWS(w0, a00, a10, a20);
		GB_FMA_ROWS(w1, a01, a11, a21);
		GB_FMA_ROWS(w2, a02, a12, a22);
		GB_FMA_ROWS(w3, a03, a13, a23);
	}
#undef GB_FMA_ROWS
	out[0] = hsum16(a00);
	out[1] = hsum16(a01);
	out[2] = hsum16(a02);
	out[3] = hsum16(a03);
	if (mr > 1) {
		out[4] = hsum16(a10);
		out[5] = hsum16(a11);
		out[6] = hsum16(a12);
		out[7] = hsum16(a13);
	}
	if (mr > 2) {
		out[8] = hsum16(a20);
		out[9] = hsum16(a21);
		out[10] = hsum16(a22);
		out[11] = hsum16(a23);
	}
}

void gb_gemm_avx512_1x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			float out[12])
{
	tile(x, ldx, w, kp, out, 1);
}

void gb_gemm_avx512_2x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			float out[12])
{
	tile(x, ldx, w, kp, out, 2);
}

void gb_gemm_avx512_3x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			float out[12])
{
	tile(x, ldx, w, kp, out, 3);
}

static float scale_of(const unsigned char *b)
{
	return _cvtsh_ss((unsigned short)(b[0] | (b[1] << 8)));
}

/*
 * The 32 weights of a q8 or q4 block at p, 16 to a vector: the scale times
 * each integer, the values gb_kern_dequant_row writes (one multiplication
 * of the same two floats), so the fused mat-vec keeps tile()'s bits.
 */
static inline __attribute__((always_inline)) void
block_q(const unsigned char *p, enum gb_quant q, __m512 *lo, __m512 *hi)
{
	__m512 d = _mm512_set1_ps(scale_of(p));
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
	*lo = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(a)));
	*hi = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b)));
}

/* Four rows of quant q (a constant where inlined) against one x row. */
static inline __attribute__((always_inline)) void
dot4_q(const float *x, const unsigned char *const p[4], uint32_t kp, enum gb_quant q,
       float out[4])
{
	__m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	const unsigned char *p0 = p[0], *p1 = p[1], *p2 = p[2], *p3 = p[3];

	if (q == GB_Q_F16) {
		for (uint32_t i = 0; i < kp; i += 16) {
			__m512 xv = _mm512_loadu_ps(x + i);
			size_t o = 2 * (size_t)i;

#define GB_F16(pp) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((pp) + o)))
			a0 = _mm512_fmadd_ps(xv, GB_F16(p0), a0);
			a1 = _mm512_fmadd_ps(xv, GB_F16(p1), a1);
			a2 = _mm512_fmadd_ps(xv, GB_F16(p2), a2);
			a3 = _mm512_fmadd_ps(xv, GB_F16(p3), a3);
#undef GB_F16
		}
	} else {
		size_t bb = q == GB_Q_Q8 ? GB_Q8_BLOCK_BYTES : GB_Q4_BLOCK_BYTES;

		for (uint32_t i = 0; i < kp; i += GB_QBLOCK, p0 += bb, p1 += bb, p2 += bb, p3 += bb) {
			__m512 xl = _mm512_loadu_ps(x + i), xh = _mm512_loadu_ps(x + i + 16), lo, hi;

#define GB_BLOCK(pp, acc)                                              \
	do {                                                           \
		block_q(pp, q, &lo, &hi);                              \
		acc = _mm512_fmadd_ps(xl, lo, acc);                    \
		acc = _mm512_fmadd_ps(xh, hi, acc);                    \
	} while (0)
			GB_BLOCK(p0, a0);
			GB_BLOCK(p1, a1);
			GB_BLOCK(p2, a2);
			GB_BLOCK(p3, a3);
#undef GB_BLOCK
		}
	}
	out[0] = hsum16(a0);
	out[1] = hsum16(a1);
	out[2] = hsum16(a2);
	out[3] = hsum16(a3);
}

void gb_gemm_avx512_dot4_q(const float *x, const struct gb_weights *w, const uint32_t r[4],
			   float out[4])
{
	const unsigned char *p[4];

	for (int t = 0; t < 4; t++)
		p[t] = (const unsigned char *)w->data + (size_t)r[t] * w->row_bytes;
	if (w->quant == GB_Q_F16)
		dot4_q(x, p, w->cols_padded, GB_Q_F16, out);
	else if (w->quant == GB_Q_Q8)
		dot4_q(x, p, w->cols_padded, GB_Q_Q8, out);
	else
		dot4_q(x, p, w->cols_padded, GB_Q_Q4, out);
}

#if defined(__clang__)
#pragma clang attribute pop
#endif

#else

#include <string.h>

const int gb_gemm_have_avx512_build = 0;

/* Never called: kernels.c checks gb_gemm_have_avx512_build first. */
void gb_gemm_avx512_1x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			float out[12])
{
	(void)x; (void)ldx; (void)w; (void)kp;
	memset(out, 0, 12 * sizeof(float));
}

void gb_gemm_avx512_2x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			float out[12])
{
	gb_gemm_avx512_1x4(x, ldx, w, kp, out);
}

void gb_gemm_avx512_3x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			float out[12])
{
	gb_gemm_avx512_1x4(x, ldx, w, kp, out);
}

void gb_gemm_avx512_dot4_q(const float *x, const struct gb_weights *w, const uint32_t r[4],
			   float out[4])
{
	(void)x; (void)w; (void)r;
	out[0] = out[1] = out[2] = out[3] = 0;
}

#endif
