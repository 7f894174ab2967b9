/*
 * gemm.h - the matrix product of the CPU executor (matmul and top-k
 * scores): y[i][j] = dot(x row i, weight row j), blocked for the caches.
 *
 * The weights are the n x k persistent operand, one row per output column,
 * so both operands are already contiguous along k. The product is built
 * from inner-product micro-kernels (3 x rows by 4 weight rows, each output
 * an 8-lane f32 accumulator; 6 x rows and 16 lanes at the AVX-512 level;
 * summed pairwise at the end) instead of BLIS's
 * outer-product ones: every output element then goes through exactly the
 * arithmetic of the mat-vec kernel (kernels.h's accuracy paragraph), so a
 * request's bits depend neither on its batch, nor on the thread split, nor
 * on the block sizes. Blocking: a block of weight rows sized to half the L2
 * cache (quantized rows are dequantized into it once and reused by every x
 * row of the call), walked by tiles of x rows that stay in L1. k panels
 * (the AVX-512 level's default, opt-in at AVX2) keep the accumulators in
 * memory from panel to panel, so every output still sees the same FMAs in
 * the same order (gemm.c says when they pay).
 */
#ifndef GB_GEMM_H
#define GB_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

/* Read the cache sizes (sysfs); call once before threads use the kernels. */
void gb_gemm_init(void);
/* Override the weight block's byte budget (tests: blocks of a few rows); 0
 * goes back to the one from the caches. Not thread-safe. */
void gb_gemm_set_block_bytes(size_t bytes);
/* Weight rows per block for rows of kp floats (a multiple of 4, >= 4). */
uint32_t gb_gemm_block_rows(uint32_t kp);

/* Cap k panels at kc floats (rounded down to a multiple of 32, at least
 * 32; UINT32_MAX: k in one panel); 0 goes back to the SIMD level's default
 * (AVX2: one panel; AVX-512: from L1d, gemm.c). Not thread-safe. */
void gb_gemm_set_panel_floats(uint32_t kc);
/* k floats per panel for rows of kp floats (a multiple of 32): kp when
 * they fit one panel, else equal panels, a multiple of 32 (the last one
 * shorter). */
uint32_t gb_gemm_panel_floats(uint32_t kp);

/* x rows per micro-kernel tile at the SIMD level in use (3, or 6 at
 * AVX-512): where a call is split over rows, split it at multiples. */
uint32_t gb_gemm_tile_rows(void);

/* Floats of per-thread scratch gb_gemm_run needs for weights w. */
size_t gb_gemm_scratch_floats(const struct gb_weights *w);

/*
 * y[i * ldy + j] = dot(x row i, weight row j) for i0 <= i < i1, j0 <= j < j1.
 * x holds rows of w->cols_padded floats (row i at x + i * cols_padded), zero
 * beyond w->cols. scratch: gb_gemm_scratch_floats(w) floats, 32-byte aligned.
 */
void gb_gemm_run(const struct gb_weights *w, const float *x, uint32_t i0, uint32_t i1,
		 float *y, size_t ldy, uint32_t j0, uint32_t j1, float *scratch);

#endif
