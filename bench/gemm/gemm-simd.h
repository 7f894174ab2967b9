/*
 * gemm-simd.h - private to bench/gemm/ and kernels.c: the AVX2+FMA
 * micro-kernel (gemm-avx2.c) and the AVX-512F ones (gemm-avx512.c), called
 * only where kernels.c chose their level.
 */
#ifndef GB_GEMM_SIMD_H
#define GB_GEMM_SIMD_H

#include <stddef.h>
#include <stdint.h>

/*
 * out[r * 4 + t] = dot(x + r * ldx, w[t]) over kp floats (a multiple of 8),
 * r < 3, t < 4; bit-identical to gb_kern_avx2_dot4 on each x row.
 */
void gb_gemm_avx2_3x4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
		      float out[12]);

/*
 * The k-panel form of the AVX2 kernels: acc holds one 8-lane accumulator
 * per output (acc + (r * 4 + t) * 8, r < mr <= 3, t < 4), loaded, run over
 * kc floats of k (a multiple of 8) and stored back. Called panel after
 * panel with x and w advanced by kc, then gb_gemm_avx2_finish, an output
 * sees the FMAs of gb_gemm_avx2_3x4 (or dot2x4, dot4) in the same order and
 * the same final sum, so it keeps their bits. acc is 32-byte aligned.
 */
void gb_gemm_avx2_acc(const float *x, size_t ldx, const float *const w[4], uint32_t kc,
		      uint32_t mr, float *acc);
/* out[r * 4 + t] = the pairwise sum of acc's 8 lanes of output (r, t). */
void gb_gemm_avx2_finish(const float *acc, uint32_t mr, float out[12]);

/* 1 when gemm-avx512.c was built (x86 with a compiler that knows AVX-512F). */
extern const int gb_gemm_have_avx512_build;

/*
 * The AVX-512 level: out[r * 4 + t] = dot(x + r * ldx, w[t]), r < mr <= 6,
 * with 16 f32 lanes per output (the high 8 added to the low 8, then summed
 * as the AVX2 build does); kp a multiple of 16. Every mr gives an element
 * the same bits, so mat-vec and the blocked product agree at this level too.
 */
void gb_gemm_avx512_rx4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			uint32_t mr, float out[24]);

/*
 * The k-panel form at the AVX-512 level, as gb_gemm_avx2_acc's: acc holds
 * one 16-lane accumulator per output (acc + (r * 4 + t) * 16, r < mr <= 6),
 * carried from panel to panel; gb_gemm_avx512_finish sums them as
 * gb_gemm_avx512_rx4 does, so panels keep its bits. No alignment needed.
 */
void gb_gemm_avx512_acc(const float *x, size_t ldx, const float *const w[4], uint32_t kc,
			uint32_t mr, float *acc);
void gb_gemm_avx512_finish(const float *acc, uint32_t mr, float out[24]);

struct gb_weights;

/*
 * The mat-vec of f16, q8 and q4 weights at the AVX-512 level: out[t] =
 * dot(x, row r[t] of w), each block dequantized in registers to the values
 * gb_kern_dequant_row gives, summed as gb_gemm_avx512_rx4 sums, so a row's
 * result is the same bits at any batch size.
 */
void gb_gemm_avx512_dot4_q(const float *x, const struct gb_weights *w, const uint32_t r[4],
			   float out[4]);

#endif
