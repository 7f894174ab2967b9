/*
 * kernels.h - the CPU compute kernels of the seven ops, single-threaded and
 * on slices, so the CPU executor (exec-cpu.c) can split a call over its
 * workers and every output element comes out bit-identical whatever the
 * split.
 *
 * Hot loops come in builds chosen at run time: portable C (any x86-64 or
 * other architecture), AVX2+FMA+F16C intrinsics, used when the CPU has
 * them, and for the matrix product's micro-kernels and its quantized
 * mat-vec AVX-512F (the rest of that level runs the AVX2 loops), the
 * default where CPUID and the OS have it, which valgrind's CPU never does:
 * the binary runs under valgrind. GBENCH_SIMD=avx2 or generic in the
 * environment forces a narrower path.
 *
 * Accuracy: dot products run over rows padded to a multiple of 32 with 8
 * independent f32 lanes per output (16 at the AVX-512 level; each summing
 * k/8 or k/16 products, summed pairwise at the end), the same whatever the
 * batch size, thread split or block size;
 * sums that feed a normalization (softmax, rmsnorm) and reduce accumulate in
 * double. That keeps f32 within the 1e-10 NMSE budget of DESIGN.md section
 * 8 at k in the thousands (measured ~1e-13 at k = 4097).
 */
#ifndef GB_KERNELS_H
#define GB_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

/* Levels in order: each one's CPUs also run the ones below it. */
enum gb_simd { GB_SIMD_GENERIC, GB_SIMD_AVX2, GB_SIMD_AVX512, GB_SIMD_COUNT };

/* The level in use: the widest the CPU has (avx512, avx2, generic), unless
 * GBENCH_SIMD names another level the CPU has. */
enum gb_simd gb_kern_simd(void);
const char *gb_kern_simd_name(enum gb_simd s);
/* Force a level (tests); -1 when this CPU cannot run it. Not thread-safe. */
int gb_kern_simd_set(enum gb_simd s);

/* Floats of per-thread scratch gb_kern_matmul needs for weights w. */
size_t gb_kern_scratch_floats(const struct gb_weights *w);

/* Row r of w as cols_padded floats (the padding is zeros). */
void gb_kern_dequant_row(const struct gb_weights *w, uint32_t r, float *out);

/*
 * y[i * ldy + j] = dot(x row i, weight row j) for i0 <= i < i1, j0 <= j < j1.
 * x holds rows of w->cols_padded floats, zero beyond w->cols (the caller
 * pads; see gb_kern_pad_rows). scratch: gb_kern_scratch_floats(w) floats,
 * 32-byte aligned. Serves matmul (weights = W transposed) and topk scores;
 * blocked for the caches by bench/gemm/gemm.h, with the same bits for an
 * element whatever the rows, columns and block sizes of the call.
 */
void gb_kern_matmul(const struct gb_weights *w, const float *x, uint32_t i0, uint32_t i1,
		    float *y, size_t ldy, uint32_t j0, uint32_t j1, float *scratch);

/* Copy m rows of k floats into rows of kp floats, zero-filled beyond k. */
void gb_kern_pad_rows(const float *x, uint32_t m, uint32_t k, float *out, uint32_t kp);

/*
 * The p highest of scores[n], best first, ties to the lower index; NaN
 * scores are skipped; slots beyond the candidates get index UINT32_MAX and
 * score -inf. ys and idx (p entries each) double as the heap: no scratch.
 */
void gb_kern_topk_select(const float *scores, uint32_t n, uint32_t p,
			 float *ys, uint32_t *idx);

/* One row of n: numerically stable softmax; rmsnorm (eps 1e-6); sum. */
void gb_kern_softmax_row(const float *x, float *y, uint32_t n);
void gb_kern_rmsnorm_row(const float *x, float *y, uint32_t n);
float gb_kern_reduce_row(const float *x, uint32_t n);
/* y = x * sigmoid(x) over count elements. */
void gb_kern_silu(const float *x, float *y, size_t count);

/*
 * Twiddles for length n (a power of two): n-1 complex floats, stage by
 * stage (half-length h = 1, 2, 4, ... at complex offset h-1, entry j =
 * e^{-2 pi i j / 2h}), computed in double. Caller frees; NULL for n < 2.
 */
float *gb_kern_fft_twiddles(uint32_t n);
/* Unnormalized forward DFT of n interleaved complex floats; x and y distinct. */
void gb_kern_fft(const float *x, float *y, uint32_t n, const float *tw);

#endif
