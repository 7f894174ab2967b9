/*
 * kernels-simd.h - private to kernels*.c: the AVX2+FMA+F16C builds of the
 * hot loops (kernels-avx2.c), which kernels.c calls only after checking the
 * CPU. Each computes exactly what its portable twin in kernels.c computes,
 * up to rounding (FMA); dequantization is bit-identical.
 */
#ifndef GB_KERNELS_SIMD_H
#define GB_KERNELS_SIMD_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

/* 1 when kernels-avx2.c was built (x86 with a compiler that knows AVX2). */
extern const int gb_kern_have_avx2_build;

/* out[t] = dot(x, w[t]) over kp floats (a multiple of 8), t < 4. */
void gb_kern_avx2_dot4(const float *x, const float *const w[4], uint32_t kp, float out[4]);
/*
 * dot4 on the quantized rows r[0..3] of w (f16, q8 or q4), each block
 * dequantized in registers as it is loaded rather than into a scratch row
 * first: the same weights, FMAs and sums as dequant_row then dot4, so the
 * same bits, without the store and reload of every weight (which made f16
 * mat-vec run at half f32's speed).
 */
void gb_kern_avx2_dot4_q(const float *x, const struct gb_weights *w, const uint32_t r[4],
			 float out[4]);
/* The same for two x rows: out[t] for x0, out[4 + t] for x1; bit-identical
 * to two dot4 calls. */
void gb_kern_avx2_dot2x4(const float *x0, const float *x1, const float *const w[4],
			 uint32_t kp, float out[8]);
void gb_kern_avx2_dequant_row(const struct gb_weights *w, uint32_t r, float *out);
double gb_kern_avx2_sum(const float *x, uint32_t n);
/* One radix-2 stage of half-length h (a multiple of 4) over y[2n]. */
void gb_kern_avx2_fft_stage(float *y, uint32_t n, uint32_t h, const float *tw);

#endif
