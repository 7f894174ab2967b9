/*
 * gemm-avx2.c - the AVX2+FMA micro-kernel of the blocked matrix product
 * (gemm-simd.h): 3 x rows by 4 weight rows, twelve 8-lane accumulators.
 * Compiled with a target pragma as kernels-avx2.c is, so the binary stays
 * baseline x86-64; gemm.c calls it only at the AVX2 level.
 *
 * Per 8 floats of k it issues 7 loads for 12 FMAs (the 2-row kernel of
 * kernels-avx2.c: 6 for 8), which leaves the FMA units, not the load ports,
 * the limit. Twelve accumulators plus three x vectors and one weight vector
 * fill the 16 ymm registers exactly.
 *
 * The k-panel form (gb_gemm_avx2_acc) keeps the accumulators in memory
 * between panels of k, so an x tile's panel stays in L1 at any k; each
 * output still sees the FMAs of the whole-k kernels in the same order.
 */
#include "gemm-simd.h"

#if defined(__x86_64__) && defined(__GNUC__)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#include <immintrin.h>

/* The same reduction as kernels-avx2.c's hsum, so results match dot4's bits. */
static float hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

void gb_gemm_avx2_3x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
		      float out[12])
{
	__m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps();
	__m256 a02 = _mm256_setzero_ps(), a03 = _mm256_setzero_ps();
	__m256 a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps();
	__m256 a12 = _mm256_setzero_ps(), a13 = _mm256_setzero_ps();
	__m256 a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps();
	__m256 a22 = _mm256_setzero_ps(), a23 = _mm256_setzero_ps();
	const float *x0 = x, *x1 = x + ldx, *x2 = x + 2 * ldx;
	const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];

	for (uint32_t i = 0; i < kp; i += 8) {
		__m256 xa = _mm256_loadu_ps(x0 + i), xb = _mm256_loadu_ps(x1 + i);
		__m256 xc = _mm256_loadu_ps(x2 + i), wv;

		wv = _mm256_loadu_ps(w0 + i);
		a00 = _mm256_fmadd_ps(xa, wv, a00);
		a10 = _mm256_fmadd_ps(xb, wv, a10);
		a20 = _mm256_fmadd_ps(xc, wv, a20);
		wv = _mm256_loadu_ps(w1 + i);
		a01 = _mm256_fmadd_ps(xa, wv, a01);
		a11 = _mm256_fmadd_ps(xb, wv, a11);
		a21 = _mm256_fmadd_ps(xc, wv, a21);
		wv = _mm256_loadu_ps(w2 + i);
		a02 = _mm256_fmadd_ps(xa, wv, a02);
		a12 = _mm256_fmadd_ps(xb, wv, a12);
		a22 = _mm256_fmadd_ps(xc, wv, a22);
		wv = _mm256_loadu_ps(w3 + i);
		a03 = _mm256_fmadd_ps(xa, wv, a03);
		a13 = _mm256_fmadd_ps(xb, wv, a13);
		a23 = _mm256_fmadd_ps(xc, wv, a23);
	}
	out[0] = hsum(a00);
	out[1] = hsum(a01);
	out[2] = hsum(a02);
	out[3] = hsum(a03);
	out[4] = hsum(a10);
	out[5] = hsum(a11);
	out[6] = hsum(a12);
	out[7] = hsum(a13);
	out[8] = hsum(a20);
	out[9] = hsum(a21);
	out[10] = hsum(a22);
	out[11] = hsum(a23);
}

/* One to three rows of the k-panel kernel, mr a constant where inlined. */
static inline __attribute__((always_inline)) void
acc_tile(const float *x, size_t ldx, const float *const w[4], uint32_t kc, float *acc, int mr)
{
	__m256 a[2][4];

	for (int r = 0; r < mr; r++)
		for (int t = 0; t < 4; t++)
			a[r][t] = _mm256_load_ps(acc + (r * 4 + t) * 8);
	for (uint32_t i = 0; i < kc; i += 8) {
		__m256 xv[2];

		for (int r = 0; r < mr; r++)
			xv[r] = _mm256_loadu_ps(x + (size_t)r * ldx + i);
		for (int t = 0; t < 4; t++) {
			__m256 wv = _mm256_loadu_ps(w[t] + i);

			for (int r = 0; r < mr; r++)
				a[r][t] = _mm256_fmadd_ps(xv[r], wv, a[r][t]);
		}
	}
	for (int r = 0; r < mr; r++)
		for (int t = 0; t < 4; t++)
			_mm256_store_ps(acc + (r * 4 + t) * 8, a[r][t]);
}

/* Three rows written out: the twelve accumulators need all 16 registers,
 * which the loop form above leaves to the compiler's unrolling. */
static void acc_3x4(const float *x, size_t ldx, const float *const w[4], uint32_t kc, float *acc)
{
	__m256 a00 = _mm256_load_ps(acc + 0), a01 = _mm256_load_ps(acc + 8);
	__m256 a02 = _mm256_load_ps(acc + 16), a03 = _mm256_load_ps(acc + 24);
	__m256 a10 = _mm256_load_ps(acc + 32), a11 = _mm256_load_ps(acc + 40);
	__m256 a12 = _mm256_load_ps(acc + 48), a13 = _mm256_load_ps(acc + 56);
	__m256 a20 = _mm256_load_ps(acc + 64), a21 = _mm256_load_ps(acc + 72);
	__m256 a22 = _mm256_load_ps(acc + 80), a23 = _mm256_load_ps(acc + 88);
	const float *x0 = x, *x1 = x + ldx, *x2 = x + 2 * ldx;
	const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];

	for (uint32_t i = 0; i < kc; i += 8) {
		__m256 xa = _mm256_loadu_ps(x0 + i), xb = _mm256_loadu_ps(x1 + i);
		__m256 xc = _mm256_loadu_ps(x2 + i), wv;

		wv = _mm256_loadu_ps(w0 + i);
		a00 = _mm256_fmadd_ps(xa, wv, a00);
		a10 = _mm256_fmadd_ps(xb, wv, a10);
		a20 = _mm256_fmadd_ps(xc, wv, a20);
		wv = _mm256_loadu_ps(w1 + i);
		a01 = _mm256_fmadd_ps(xa, wv, a01);
		a11 = _mm256_fmadd_ps(xb, wv, a11);
		a21 = _mm256_fmadd_ps(xc, wv, a21);
		wv = _mm256_loadu_ps(w2 + i);
		a02 = _mm256_fmadd_ps(xa, wv, a02);
		a12 = _mm256_fmadd_ps(xb, wv, a12);
		a22 = _mm256_fmadd_ps(xc, wv, a22);
		wv = _mm256_loadu_ps(w3 + i);
		a03 = _mm256_fmadd_ps(xa, wv, a03);
		a13 = _mm256_fmadd_ps(xb, wv, a13);
		a23 = _mm256_fmadd_ps(xc, wv, a23);
	}
	_mm256_store_ps(acc + 0, a00);
	_mm256_store_ps(acc + 8, a01);
	_mm256_store_ps(acc + 16, a02);
	_mm256_store_ps(acc + 24, a03);
	_mm256_store_ps(acc + 32, a10);
	_mm256_store_ps(acc + 40, a11);
	_mm256_store_ps(acc + 48, a12);
	_mm256_store_ps(acc + 56, a13);
	_mm256_store_ps(acc + 64, a20);
	_mm256_store_ps(acc + 72, a21);
	_mm256_store_ps(acc + 80, a22);
	_mm256_store_ps(acc + 88, a23);
}

void gb_gemm_avx2_acc(const float *x, size_t ldx, const float *const w[4], uint32_t kc,
		      uint32_t mr, float *acc)
{
	if (mr >= 3)
		acc_3x4(x, ldx, w, kc, acc);
	else if (mr == 2)
		acc_tile(x, ldx, w, kc, acc, 2);
	else
		acc_tile(x, ldx, w, kc, acc, 1);
}

void gb_gemm_avx2_finish(const float *acc, uint32_t mr, float out[12])
{
	for (uint32_t o = 0; o < mr * 4; o++)
		out[o] = hsum(_mm256_load_ps(acc + o * 8));
}

#if defined(__clang__)
#pragma clang attribute pop
#endif

#else

#include <string.h>

/* Never called: kernels.c never chooses AVX2 where this file has no build. */
void gb_gemm_avx2_3x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
		      float out[12])
{
	(void)x; (void)ldx; (void)w; (void)kp;
	memset(out, 0, 12 * sizeof(float));
}

void gb_gemm_avx2_acc(const float *x, size_t ldx, const float *const w[4], uint32_t kc,
		      uint32_t mr, float *acc)
{
	(void)x; (void)ldx; (void)w; (void)kc; (void)mr; (void)acc;
}

void gb_gemm_avx2_finish(const float *acc, uint32_t mr, float out[12])
{
	(void)acc; (void)mr;
	memset(out, 0, 12 * sizeof(float));
}

#endif
