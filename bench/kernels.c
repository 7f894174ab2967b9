/*
 * kernels.c - the CPU kernels of the seven ops (kernels.h): portable C
 * versions of every loop, the run-time choice of the AVX2 builds in
 * kernels-avx2.c, and the parts that need no SIMD (top-k selection, the
 * element-wise ops around libm's expf). The matrix product is blocked for
 * the caches in bench/gemm/.
 *
 * Everything here works on a slice given by the caller and allocates
 * nothing, except gb_kern_fft_twiddles which the executor caches per length.
 */
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "gemm/gemm.h"
#include "kernels-simd.h"
#include "gemm/gemm-simd.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

static int simd_level = -1;  /* -1: not chosen yet */

static int cpu_has_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	unsigned a, b, c, d;

	/* F16C from CPUID leaf 1 (ECX bit 29): clang 14 has no "f16c" for
	 * __builtin_cpu_supports. */
	__builtin_cpu_init();
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 29)))
		return 0;
	return gb_kern_have_avx2_build && __builtin_cpu_supports("avx2") &&
	       __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

/*
 * AVX-512F, with the OS saving the zmm state (both checked by the
 * compiler's CPU model). valgrind's synthetic CPUID has no AVX-512, so a
 * binary under valgrind never takes this path.
 */
static int cpu_has_avx512(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	return gb_gemm_have_avx512_build && cpu_has_avx2() && __builtin_cpu_supports("avx512f");
#else
	return 0;
#endif
}

static int cpu_has(enum gb_simd s)
{
	return s == GB_SIMD_GENERIC || (s == GB_SIMD_AVX2 && cpu_has_avx2()) ||
	       (s == GB_SIMD_AVX512 && cpu_has_avx512());
}

/*
 * The default is the widest level the CPU has. Until 2026-12-06 it was AVX2
 * even where AVX-512F works: the AVX-512 micro-kernel had measured at half
 * the AVX2 one's speed per core. That was gcc keeping its accumulator array
 * on the stack (gemm-avx512.c says more); with the accumulators in
 * registers, 6 rows a tile and k in panels, it runs the matrix product
 * 1.2-1.7x faster than AVX2 on the development VM's AMD EPYC
 * (docs/cpu-kernels.md).
 */
enum gb_simd gb_kern_simd(void)
{
	if (simd_level < 0) {
		const char *env = getenv("GBENCH_SIMD");

		simd_level = cpu_has_avx512() ? GB_SIMD_AVX512 :
			     cpu_has_avx2() ? GB_SIMD_AVX2 : GB_SIMD_GENERIC;
		/* A level this CPU has, named, is used; anything else leaves the default. */
		for (int l = 0; env && l < GB_SIMD_COUNT; l++)
			if (strcmp(env, gb_kern_simd_name((enum gb_simd)l)) == 0 &&
			    cpu_has((enum gb_simd)l))
				simd_level = l;
	}
	return (enum gb_simd)simd_level;
}

const char *gb_kern_simd_name(enum gb_simd s)
{
	return s == GB_SIMD_AVX512 ? "avx512" : s == GB_SIMD_AVX2 ? "avx2" : "generic";
}

int gb_kern_simd_set(enum gb_simd s)
{
	if ((unsigned)s >= GB_SIMD_COUNT || !cpu_has(s))
		return -1;
	simd_level = s;
	return 0;
}

size_t gb_kern_scratch_floats(const struct gb_weights *w)
{
	size_t g = gb_gemm_scratch_floats(w), v = 4 * (size_t)w->cols_padded;

	return g > v ? g : v;
}

static float f16_at(const unsigned char *p)
{
	return gb_f16_to_f32((uint16_t)(p[0] | (p[1] << 8)));
}

static void dequant_generic(const struct gb_weights *w, uint32_t r, float *out)
{
	const unsigned char *p = (const unsigned char *)w->data + r * w->row_bytes;
	uint32_t kp = w->cols_padded, nb = kp / GB_QBLOCK;

	switch (w->quant) {
	case GB_Q_F32:
		memcpy(out, p, (size_t)kp * sizeof(float));
		break;
	case GB_Q_F16:
		for (uint32_t i = 0; i < kp; i++)
			out[i] = f16_at(p + 2 * (size_t)i);
		break;
	case GB_Q_Q8:
		for (uint32_t b = 0; b < nb; b++, p += GB_Q8_BLOCK_BYTES, out += GB_QBLOCK) {
			float d = f16_at(p);

			for (int i = 0; i < GB_QBLOCK; i++)
				out[i] = d * (float)(int8_t)p[2 + i];
		}
		break;
	case GB_Q_Q4:
		for (uint32_t b = 0; b < nb; b++, p += GB_Q4_BLOCK_BYTES, out += GB_QBLOCK) {
			float d = f16_at(p);

			for (int i = 0; i < GB_QBLOCK / 2; i++) {
				out[i] = d * (float)((p[2 + i] & 0x0f) - 8);
				out[i + 16] = d * (float)((p[2 + i] >> 4) - 8);
			}
		}
		break;
	default:
		break;
	}
}

void gb_kern_dequant_row(const struct gb_weights *w, uint32_t r, float *out)
{
	if (gb_kern_simd() >= GB_SIMD_AVX2)
		gb_kern_avx2_dequant_row(w, r, out);
	else
		dequant_generic(w, r, out);
}

void gb_kern_pad_rows(const float *x, uint32_t m, uint32_t k, float *out, uint32_t kp)
{
	for (uint32_t i = 0; i < m; i++) {
		memcpy(out + (size_t)i * kp, x + (size_t)i * k, (size_t)k * sizeof(float));
		memset(out + (size_t)i * kp + k, 0, (size_t)(kp - k) * sizeof(float));
	}
}

void gb_kern_matmul(const struct gb_weights *w, const float *x, uint32_t i0, uint32_t i1,
		    float *y, size_t ldy, uint32_t j0, uint32_t j1, float *scratch)
{
	gb_gemm_run(w, x, i0, i1, y, ldy, j0, j1, scratch);
}

/* Better: a higher score, or an equal score at a lower index. */
static int better(float sa, uint32_t ia, float sb, uint32_t ib)
{
	return sa > sb || (sa == sb && ia < ib);
}

/* Sift (s, j) down from slot i of a heap of len whose root is the worst. */
static void sift_down(float *hs, uint32_t *hi, uint32_t len, uint32_t i, float s, uint32_t j)
{
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= len)
			break;
		if (c + 1 < len && better(hs[c], hi[c], hs[c + 1], hi[c + 1]))
			c++;
		if (!better(s, j, hs[c], hi[c]))
			break;
		hs[i] = hs[c];
		hi[i] = hi[c];
		i = c;
	}
	hs[i] = s;
	hi[i] = j;
}

void gb_kern_topk_select(const float *scores, uint32_t n, uint32_t p,
			 float *ys, uint32_t *idx)
{
	uint32_t len = 0;

	if (p == 0)
		return;
	for (uint32_t j = 0; j < n; j++) {
		float s = scores[j];

		if (isnan(s))
			continue;
		if (len < p) {
			uint32_t i = len++;

			while (i > 0) {
				uint32_t par = (i - 1) / 2;

				if (!better(ys[par], idx[par], s, j))
					break;
				ys[i] = ys[par];
				idx[i] = idx[par];
				i = par;
			}
			ys[i] = s;
			idx[i] = j;
		} else if (better(s, j, ys[0], idx[0])) {
			sift_down(ys, idx, len, 0, s, j);
		}
	}
	for (uint32_t o = len; o < p; o++) {
		ys[o] = -INFINITY;
		idx[o] = UINT32_MAX;
	}
	/* Heapsort in place: the worst goes to the end, best first remains. */
	while (len > 1) {
		float s = ys[len - 1];
		uint32_t j = idx[len - 1];

		ys[len - 1] = ys[0];
		idx[len - 1] = idx[0];
		len--;
		sift_down(ys, idx, len, 0, s, j);
	}
}

void gb_kern_softmax_row(const float *x, float *y, uint32_t n)
{
	float mx[8] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY,
			-INFINITY, -INFINITY, -INFINITY, -INFINITY };
	float m;
	double sum[4] = { 0 }, total;
	uint32_t i = 0;

	for (; i + 8 <= n; i += 8)
		for (int l = 0; l < 8; l++)
			mx[l] = fmaxf(mx[l], x[i + l]);
	for (; i < n; i++)
		mx[0] = fmaxf(mx[0], x[i]);
	m = fmaxf(fmaxf(fmaxf(mx[0], mx[1]), fmaxf(mx[2], mx[3])),
		  fmaxf(fmaxf(mx[4], mx[5]), fmaxf(mx[6], mx[7])));
	for (i = 0; i < n; i++)
		y[i] = expf(x[i] - m);
	for (i = 0; i + 4 <= n; i += 4)
		for (int l = 0; l < 4; l++)
			sum[l] += y[i + l];
	for (; i < n; i++)
		sum[0] += y[i];
	total = (sum[0] + sum[1]) + (sum[2] + sum[3]);
	{
		float inv = (float)(1.0 / total);

		for (i = 0; i < n; i++)
			y[i] *= inv;
	}
}

static double sumsq(const float *x, uint32_t n)
{
	double s[4] = { 0 };
	uint32_t i = 0;

	for (; i + 4 <= n; i += 4)
		for (int l = 0; l < 4; l++)
			s[l] += (double)x[i + l] * x[i + l];
	for (; i < n; i++)
		s[0] += (double)x[i] * x[i];
	return (s[0] + s[1]) + (s[2] + s[3]);
}

void gb_kern_rmsnorm_row(const float *x, float *y, uint32_t n)
{
	float r = (float)(1.0 / sqrt(sumsq(x, n) / n + 1e-6));

	for (uint32_t i = 0; i < n; i++)
		y[i] = x[i] * r;
}

float gb_kern_reduce_row(const float *x, uint32_t n)
{
	double s[4] = { 0 };
	uint32_t i = 0;

	/* Double lanes: exact for any f32 row short of 2^29 elements of
	 * mixed magnitude, so cancellation costs nothing. */
	if (gb_kern_simd() >= GB_SIMD_AVX2)
		return (float)gb_kern_avx2_sum(x, n);
	for (; i + 4 <= n; i += 4)
		for (int l = 0; l < 4; l++)
			s[l] += x[i + l];
	for (; i < n; i++)
		s[0] += x[i];
	return (float)((s[0] + s[1]) + (s[2] + s[3]));
}

void gb_kern_silu(const float *x, float *y, size_t count)
{
	for (size_t i = 0; i < count; i++)
		y[i] = x[i] / (1.0f + expf(-x[i]));
}

float *gb_kern_fft_twiddles(uint32_t n)
{
	float *tw;

	if (n < 2)
		return NULL;
	tw = gb_xmalloc((size_t)(n - 1) * 2 * sizeof(float));
	for (uint32_t h = 1; h < n; h *= 2) {
		float *t = tw + 2 * (size_t)(h - 1);

		for (uint32_t j = 0; j < h; j++) {
			double a = -M_PI * (double)j / (double)h;

			t[2 * j] = (float)cos(a);
			t[2 * j + 1] = (float)sin(a);
		}
	}
	return tw;
}

static uint32_t bit_reverse(uint32_t v, unsigned bits)
{
	v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
	v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
	v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);
	v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);
	v = (v >> 16) | (v << 16);
	return bits ? v >> (32 - bits) : 0;
}

static void fft_stage_generic(float *y, uint32_t n, uint32_t h, const float *tw)
{
	const float *t = tw + 2 * (size_t)(h - 1);

	for (uint32_t b = 0; b < n; b += 2 * h) {
		float *u = y + 2 * (size_t)b, *v = u + 2 * (size_t)h;

		for (uint32_t j = 0; j < h; j++) {
			float wr = t[2 * j], wi = t[2 * j + 1];
			float vr = v[2 * j], vi = v[2 * j + 1];
			float pr = vr * wr - vi * wi, pi = vi * wr + vr * wi;
			float ur = u[2 * j], ui = u[2 * j + 1];

			u[2 * j] = ur + pr;
			u[2 * j + 1] = ui + pi;
			v[2 * j] = ur - pr;
			v[2 * j + 1] = ui - pi;
		}
	}
}

void gb_kern_fft(const float *x, float *y, uint32_t n, const float *tw)
{
	unsigned bits = 0;
	int avx2 = gb_kern_simd() >= GB_SIMD_AVX2;

	while ((1u << bits) < n)
		bits++;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = bit_reverse(i, bits);

		y[2 * (size_t)r] = x[2 * (size_t)i];
		y[2 * (size_t)r + 1] = x[2 * (size_t)i + 1];
	}
	/* h = 1: twiddle 1, no multiply. */
	if (n >= 2) {
		for (uint32_t b = 0; b < n; b += 2) {
			float *u = y + 2 * (size_t)b;
			float ur = u[0], ui = u[1];

			u[0] = ur + u[2];
			u[1] = ui + u[3];
			u[2] = ur - u[2];
			u[3] = ui - u[3];
		}
	}
	for (uint32_t h = 2; h < n; h *= 2) {
		if (avx2 && h >= 4)
			gb_kern_avx2_fft_stage(y, n, h, tw);
		else
			fft_stage_generic(y, n, h, tw);
	}
}
