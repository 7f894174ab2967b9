/*
 * gemm-avx512.c - the AVX-512F micro-kernels of the matrix product
 * (gemm-simd.h): 1 to 6 x rows by 4 weight rows, one 16-lane accumulator
 * per output, its k-panel form, and the fused mat-vec of quantized
 * weights. Compiled with a target pragma, so the binary stays baseline
 * x86-64; kernels.c chooses this level only where CPUID and the OS say
 * AVX-512F works, which valgrind's CPU never does.
 *
 * One body, instantiated per row count with the count a constant, so the
 * accumulators live in registers.
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

/*
 * High 8 lanes onto the low 8, then the reduction of the AVX2 build, all in
 * zmm registers: a 256- or 128-bit instruction could not name zmm16-31
 * without AVX-512VL, so clang 14 kept the 24 accumulators out of them (and
 * spilled six to the stack) when the sum was written with those.
 */
static float hsum16(__m512 v)
{
	__m512 h = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(3, 2, 3, 2)));
	__m512 s = _mm512_add_ps(h, _mm512_shuffle_f32x4(h, h, _MM_SHUFFLE(1, 1, 1, 1)));

	s = _mm512_add_ps(s, _mm512_permute_ps(s, _MM_SHUFFLE(3, 2, 3, 2)));  /* movehl */
	s = _mm512_add_ps(s, _mm512_permute_ps(s, _MM_SHUFFLE(3, 3, 1, 1)));  /* movehdup */
	return _mm512_cvtss_f32(s);
}

/*
 * The accumulators are named scalars, not an array: gcc 12 kept an
 * acc[3][4] array on the stack (a load and a store around every FMA, 30
 * GFLOP/s where this form runs at the FMA units' speed). Rows past mr are
 * dead code once mr is a constant. Six rows: 24 accumulators, 6 x vectors
 * and a weight vector, 31 of the 32 zmm; each weight vector loaded (from
 * the block in L2) feeds 6 FMAs.
 */
static inline __attribute__((always_inline)) void
tile(const float *x, size_t ldx, const float *const w[4], uint32_t kp, float *out, float *acc,
     int mr)
{
	__m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
	__m512 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
	__m512 a20 = a00, a21 = a00, a22 = a00, a23 = a00;
	__m512 a30 = a00, a31 = a00, a32 = a00, a33 = a00;
	__m512 a40 = a00, a41 = a00, a42 = a00, a43 = a00;
	__m512 a50 = a00, a51 = a00, a52 = a00, a53 = a00;
	const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];

	/* acc: output (r, t)'s 16 lanes at acc + (r * 4 + t) * 16 */
#define GB_ROW(r, c0, c1, c2, c3, DO)  \
	do {                           \
		if (mr > (r)) {        \
			DO(r, 0, c0);  \
			DO(r, 1, c1);  \
			DO(r, 2, c2);  \
			DO(r, 3, c3);  \
		}                      \
	} while (0)
#define GB_ROWS(DO)                                  \
	do {                                         \
		GB_ROW(0, a00, a01, a02, a03, DO);   \
		GB_ROW(1, a10, a11, a12, a13, DO);   \
		GB_ROW(2, a20, a21, a22, a23, DO);   \
		GB_ROW(3, a30, a31, a32, a33, DO);   \
		GB_ROW(4, a40, a41, a42, a43, DO);   \
		GB_ROW(5, a50, a51, a52, a53, DO);   \
	} while (0)
#define GB_LOAD(r, t, c) c = _mm512_loadu_ps(acc + ((r) * 4 + (t)) * 16)
#define GB_STORE(r, t, c) _mm512_storeu_ps(acc + ((r) * 4 + (t)) * 16, c)
#define GB_SUM(r, t, c) out[(r) * 4 + (t)] = hsum16(c)
#define GB_X(r) (mr > (r) ? _mm512_loadu_ps(x + (r) * ldx + i) : x0)
#define GB_FMA(r, xv, c) \
	if (mr > (r))    \
		c = _mm512_fmadd_ps(xv, wv, c)
#define GB_COLUMN(wp, c0, c1, c2, c3, c4, c5)          \
	do {                                           \
		__m512 wv = _mm512_loadu_ps((wp) + i); \
		c0 = _mm512_fmadd_ps(x0, wv, c0);      \
		GB_FMA(1, x1, c1);                     \
		GB_FMA(2, x2, c2);                     \
		GB_FMA(3, x3, c3);                     \
		GB_FMA(4, x4, c4);                     \
		GB_FMA(5, x5, c5);                     \
	} while (0)

	if (acc)
		GB_ROWS(GB_LOAD);
	for (uint32_t i = 0; i < kp; i += 16) {
		__m512 x0 = _mm512_loadu_ps(x + i);
		__m512 x1 = GB_X(1), x2 = GB_X(2), x3 = GB_X(3), x4 = GB_X(4), x5 = GB_X(5);

		GB_COLUMN(w0, a00, a10, a20, a30, a40, a50);
		GB_COLUMN(w1, a01, a11, a21, a31, a41, a51);
		GB_COLUMN(w2, a02, a12, a22, a32, a42, a52);
		GB_COLUMN(w3, a03, a13, a23, a33, a43, a53);
	}
	if (acc)
		GB_ROWS(GB_STORE);
	else
		GB_ROWS(GB_SUM);
#undef GB_COLUMN
#undef GB_FMA
#undef GB_X
#undef GB_SUM
#undef GB_STORE
#undef GB_LOAD
#undef GB_ROWS
#undef GB_ROW
}

/* tile() instantiated per row count, so mr is a constant in each. */
static void tile_rows(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
		      float *out, float *acc, uint32_t mr)
{
	switch (mr) {
	case 1:
		tile(x, ldx, w, kp, out, acc, 1);
		break;
	case 2:
		tile(x, ldx, w, kp, out, acc, 2);
		break;
	case 3:
		tile(x, ldx, w, kp, out, acc, 3);
		break;
	case 4:
		tile(x, ldx, w, kp, out, acc, 4);
		break;
	case 5:
		tile(x, ldx, w, kp, out, acc, 5);
		break;
	default:
		tile(x, ldx, w, kp, out, acc, 6);
		break;
	}
}

void gb_gemm_avx512_rx4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			uint32_t mr, float out[24])
{
	tile_rows(x, ldx, w, kp, out, NULL, mr);
}

void gb_gemm_avx512_acc(const float *x, size_t ldx, const float *const w[4], uint32_t kc,
			uint32_t mr, float *acc)
{
	tile_rows(x, ldx, w, kc, NULL, acc, mr);
}

void gb_gemm_avx512_finish(const float *acc, uint32_t mr, float out[24])
{
	for (uint32_t o = 0; o < mr * 4; o++)
		out[o] = hsum16(_mm512_loadu_ps(acc + o * 16));
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
void gb_gemm_avx512_rx4(const float *x, size_t ldx, const float *const w[4], uint32_t kp,
			uint32_t mr, float out[24])
{
	(void)x; (void)ldx; (void)w; (void)kp;
	memset(out, 0, 4 * (mr > 6 ? 6 : mr) * sizeof(float));
}

void gb_gemm_avx512_acc(const float *x, size_t ldx, const float *const w[4], uint32_t kc,
			uint32_t mr, float *acc)
{
	(void)x; (void)ldx; (void)w; (void)kc; (void)mr; (void)acc;
}

void gb_gemm_avx512_finish(const float *acc, uint32_t mr, float out[24])
{
	(void)acc;
	memset(out, 0, 4 * (mr > 6 ? 6 : mr) * sizeof(float));
}

void gb_gemm_avx512_dot4_q(const float *x, const struct gb_weights *w, const uint32_t r[4],
			   float out[4])
{
	(void)x; (void)w; (void)r;
	out[0] = out[1] = out[2] = out[3] = 0;
}

#endif
