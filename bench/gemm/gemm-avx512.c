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

#if defined(__x86_64__) && defined(__GNUC__)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx512f,avx2,fma")
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

static inline __attribute__((always_inline)) void
tile(const float *x, size_t ldx, const float *const w[4], uint32_t kp, float out[12], int mr)
{
	__m512 acc[3][4];

	for (int r = 0; r < mr; r++)
		for (int t = 0; t < 4; t++)
			acc[r][t] = _mm512_setzero_ps();
	for (uint32_t i = 0; i < kp; i += 16) {
		__m512 xv[3];

		for (int r = 0; r < mr; r++)
			xv[r] = _mm512_loadu_ps(x + (size_t)r * ldx + i);
		for (int t = 0; t < 4; t++) {
			__m512 wv = _mm512_loadu_ps(w[t] + i);

			for (int r = 0; r < mr; r++)
				acc[r][t] = _mm512_fmadd_ps(xv[r], wv, acc[r][t]);
		}
	}
	for (int r = 0; r < mr; r++)
		for (int t = 0; t < 4; t++)
			out[r * 4 + t] = hsum16(acc[r][t]);
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

#endif
