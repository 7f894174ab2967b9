/*
 * peak.c - the measured ceilings of `gbench peak` (see peak.h for what is
 * measured and how bytes are counted); their JSON, fingerprint and cache
 * are in peak-cache.c.
 *
 * One thread per core, each pinned to its CPU and owning a buffer it touched
 * first (so its pages are local); the buffer is carved into the kernel's
 * arrays (read and write use it whole, copy as two halves, triad as three
 * thirds), so every kernel at a sweep point streams the same total working
 * set. A sample is the time between two barriers around `iters` passes over
 * the arrays, taken by thread 0; iters is calibrated so a sample lasts the
 * target time, and the best sample counts (as STREAM reports its best).
 * The SIMD paths are compiled with target attributes and chosen at run
 * time: the binary stays baseline x86-64 (DESIGN.md section 12).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define GB_PEAK_X86 1
#endif

#include "executor.h"
#include "gbench.h"
#include "kernels.h"
#include "peak.h"
#include "stats.h"

static const char *const kernel_names[GB_BW_COUNT] = { "read", "write", "copy", "triad" };
static const char *const level_names[GB_LVL_COUNT] = { "L1", "L2", "L3", "DRAM" };
/* arrays each kernel carves from the buffer, and bytes moved per element */
static const int kernel_arrays[GB_BW_COUNT] = { 1, 1, 2, 3 };
static const int kernel_bytes[GB_BW_COUNT] = { 4, 4, 8, 12 };

const char *gb_bw_kernel_name(enum gb_bw_kernel k)
{
	return k < GB_BW_COUNT ? kernel_names[k] : "?";
}

const char *gb_peak_level_name(enum gb_peak_level l)
{
	return l < GB_LVL_COUNT ? level_names[l] : "?";
}

#define BARRIER() __asm__ __volatile__("" ::: "memory")
/*
 * The kernels measure the hardware: never instrumented, so a sanitizer
 * build (the test suite's) measures the same memory traffic as a release one.
 */
#define MEASURED __attribute__((no_sanitize("address", "undefined"), noinline))

/* ---- bandwidth kernels: n is a multiple of 64, arrays 64-byte aligned ---- */

static float MEASURED bw_read_c(const float *a, size_t n)
{
	float s[8] = { 0 };

	for (size_t i = 0; i < n; i += 8)
		for (int j = 0; j < 8; j++)
			s[j] += a[i + j];
	return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

static void MEASURED bw_write_c(float *a, size_t n, float v)
{
	for (size_t i = 0; i < n; i++)
		a[i] = v;
	BARRIER();
}

static void MEASURED bw_copy_c(float *restrict b, const float *restrict a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = a[i];
	BARRIER();
}

static void MEASURED bw_triad_c(float *restrict a, const float *restrict b,
						  const float *restrict c, size_t n, float s)
{
	for (size_t i = 0; i < n; i++)
		a[i] = b[i] + s * c[i];
	BARRIER();
}

#ifdef GB_PEAK_X86
__attribute__((target("avx2,fma"))) MEASURED
static float bw_read_avx2(const float *a, size_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0,
	       s6 = s0, s7 = s0;

	for (size_t i = 0; i < n; i += 64) {
		s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
		s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
		s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
		s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
		s4 = _mm256_add_ps(s4, _mm256_load_ps(a + i + 32));
		s5 = _mm256_add_ps(s5, _mm256_load_ps(a + i + 40));
		s6 = _mm256_add_ps(s6, _mm256_load_ps(a + i + 48));
		s7 = _mm256_add_ps(s7, _mm256_load_ps(a + i + 56));
	}
	s0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)),
			   _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7)));
	float out[8];
	_mm256_storeu_ps(out, s0);
	return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

__attribute__((target("avx2,fma"))) MEASURED
static void bw_write_avx2(float *a, size_t n, float v)
{
	__m256 x = _mm256_set1_ps(v);

	for (size_t i = 0; i < n; i += 32) {
		_mm256_store_ps(a + i, x);
		_mm256_store_ps(a + i + 8, x);
		_mm256_store_ps(a + i + 16, x);
		_mm256_store_ps(a + i + 24, x);
	}
	BARRIER();
}

__attribute__((target("avx2,fma"))) MEASURED
static void bw_copy_avx2(float *restrict b, const float *restrict a, size_t n)
{
	for (size_t i = 0; i < n; i += 32) {
		__m256 x0 = _mm256_load_ps(a + i), x1 = _mm256_load_ps(a + i + 8);
		__m256 x2 = _mm256_load_ps(a + i + 16), x3 = _mm256_load_ps(a + i + 24);

		_mm256_store_ps(b + i, x0);
		_mm256_store_ps(b + i + 8, x1);
		_mm256_store_ps(b + i + 16, x2);
		_mm256_store_ps(b + i + 24, x3);
	}
	BARRIER();
}

__attribute__((target("avx2,fma"))) MEASURED
static void bw_triad_avx2(float *restrict a, const float *restrict b, const float *restrict c,
			  size_t n, float s)
{
	__m256 sv = _mm256_set1_ps(s);

	for (size_t i = 0; i < n; i += 16) {
		_mm256_store_ps(a + i, _mm256_fmadd_ps(_mm256_load_ps(c + i), sv, _mm256_load_ps(b + i)));
		_mm256_store_ps(a + i + 8, _mm256_fmadd_ps(_mm256_load_ps(c + i + 8), sv,
							   _mm256_load_ps(b + i + 8)));
	}
	BARRIER();
}

/* ---- arithmetic kernels: GB_PEAK_CHAINS independent chains ---- */

__attribute__((target("avx2,fma"))) MEASURED
static float flops_avx2(long iters)
{
	const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
	__m256 a0 = _mm256_set1_ps(1.0f), a1 = _mm256_set1_ps(1.1f), a2 = _mm256_set1_ps(1.2f),
	       a3 = _mm256_set1_ps(1.3f), a4 = _mm256_set1_ps(1.4f), a5 = _mm256_set1_ps(1.5f),
	       a6 = _mm256_set1_ps(1.6f), a7 = _mm256_set1_ps(1.7f), a8 = _mm256_set1_ps(1.8f),
	       a9 = _mm256_set1_ps(1.9f), a10 = _mm256_set1_ps(2.0f), a11 = _mm256_set1_ps(2.1f);

	for (long i = 0; i < iters; i++) {
		a0 = _mm256_fmadd_ps(a0, m, c);
		a1 = _mm256_fmadd_ps(a1, m, c);
		a2 = _mm256_fmadd_ps(a2, m, c);
		a3 = _mm256_fmadd_ps(a3, m, c);
		a4 = _mm256_fmadd_ps(a4, m, c);
		a5 = _mm256_fmadd_ps(a5, m, c);
		a6 = _mm256_fmadd_ps(a6, m, c);
		a7 = _mm256_fmadd_ps(a7, m, c);
		a8 = _mm256_fmadd_ps(a8, m, c);
		a9 = _mm256_fmadd_ps(a9, m, c);
		a10 = _mm256_fmadd_ps(a10, m, c);
		a11 = _mm256_fmadd_ps(a11, m, c);
	}
	a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
			   _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
	a0 = _mm256_add_ps(a0, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
	float out[8];
	_mm256_storeu_ps(out, a0);
	return out[0] + out[7];
}

/* The same chains on 16 lanes: the ceiling of the AVX-512 level's kernels. */
__attribute__((target("avx512f"))) MEASURED
static float flops_avx512(long iters)
{
	const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
	__m512 a0 = _mm512_set1_ps(1.0f), a1 = _mm512_set1_ps(1.1f), a2 = _mm512_set1_ps(1.2f),
	       a3 = _mm512_set1_ps(1.3f), a4 = _mm512_set1_ps(1.4f), a5 = _mm512_set1_ps(1.5f),
	       a6 = _mm512_set1_ps(1.6f), a7 = _mm512_set1_ps(1.7f), a8 = _mm512_set1_ps(1.8f),
	       a9 = _mm512_set1_ps(1.9f), a10 = _mm512_set1_ps(2.0f), a11 = _mm512_set1_ps(2.1f);

	for (long i = 0; i < iters; i++) {
		a0 = _mm512_fmadd_ps(a0, m, c);
		a1 = _mm512_fmadd_ps(a1, m, c);
		a2 = _mm512_fmadd_ps(a2, m, c);
		a3 = _mm512_fmadd_ps(a3, m, c);
		a4 = _mm512_fmadd_ps(a4, m, c);
		a5 = _mm512_fmadd_ps(a5, m, c);
		a6 = _mm512_fmadd_ps(a6, m, c);
		a7 = _mm512_fmadd_ps(a7, m, c);
		a8 = _mm512_fmadd_ps(a8, m, c);
		a9 = _mm512_fmadd_ps(a9, m, c);
		a10 = _mm512_fmadd_ps(a10, m, c);
		a11 = _mm512_fmadd_ps(a11, m, c);
	}
	a0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
			   _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
	a0 = _mm512_add_ps(a0, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
	float out[16];
	_mm512_storeu_ps(out, a0);
	return out[0] + out[15];
}

__attribute__((target("avxvnni"), noinline))
static int int8_vnni(long iters)
{
	const __m256i u = _mm256_set1_epi8(1), s = _mm256_set1_epi8(-1);
	__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
		a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;

	for (long i = 0; i < iters; i++) {
		a0 = _mm256_dpbusd_avx_epi32(a0, u, s);
		a1 = _mm256_dpbusd_avx_epi32(a1, u, s);
		a2 = _mm256_dpbusd_avx_epi32(a2, u, s);
		a3 = _mm256_dpbusd_avx_epi32(a3, u, s);
		a4 = _mm256_dpbusd_avx_epi32(a4, u, s);
		a5 = _mm256_dpbusd_avx_epi32(a5, u, s);
		a6 = _mm256_dpbusd_avx_epi32(a6, u, s);
		a7 = _mm256_dpbusd_avx_epi32(a7, u, s);
		a8 = _mm256_dpbusd_avx_epi32(a8, u, s);
		a9 = _mm256_dpbusd_avx_epi32(a9, u, s);
		a10 = _mm256_dpbusd_avx_epi32(a10, u, s);
		a11 = _mm256_dpbusd_avx_epi32(a11, u, s);
	}
	a0 = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)),
			      _mm256_add_epi32(_mm256_add_epi32(a4, a5), _mm256_add_epi32(a6, a7)));
	a0 = _mm256_add_epi32(a0, _mm256_add_epi32(_mm256_add_epi32(a8, a9),
						   _mm256_add_epi32(a10, a11)));
	return _mm256_extract_epi32(a0, 0);
}
#endif

static float __attribute__((noinline)) flops_c(long iters)
{
	float a[GB_PEAK_CHAINS][4];

	for (int j = 0; j < GB_PEAK_CHAINS; j++)
		for (int l = 0; l < 4; l++)
			a[j][l] = 1.0f + 0.1f * (float)j;
	for (long i = 0; i < iters; i++)
		for (int j = 0; j < GB_PEAK_CHAINS; j++)
			for (int l = 0; l < 4; l++)
				a[j][l] = a[j][l] * 0.999999f + 1e-6f;
	return a[0][0] + a[GB_PEAK_CHAINS - 1][3];
}

static int have_avx2(void)
{
#ifdef GB_PEAK_X86
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

static int have_vnni(void)
{
#ifdef GB_PEAK_X86
	unsigned a, b, c, d;

	/* AVX-VNNI is CPUID leaf 7 subleaf 1, EAX bit 4 (clang 14 has no
	 * "avxvnni" for __builtin_cpu_supports); it needs the AVX state. */
	if (!have_avx2() || !__get_cpuid_count(7, 1, &a, &b, &c, &d))
		return 0;
	return (a >> 4) & 1;
#else
	return 0;
#endif
}

/* ---- the threads ---- */

enum task { TASK_BW, TASK_F32, TASK_INT8 };

struct team {
	int nthreads, avx2;
	int avx512;             /* the f32 ceiling on 16 lanes (the kernels' level) */
	int cpus[256];
	pthread_barrier_t bar;
	enum task task;
	double total_bytes;     /* sweep point */
	double target_ns;       /* per sample */
	int samples;
	int failed;             /* a thread could not allocate */
	long iters;             /* set by thread 0 */
	int calibrated;         /* set by thread 0 */
	uint64_t t0;
	double best[GB_BW_COUNT];  /* GB/s, or G ops/s for TASK_F32 / TASK_INT8 */
	float sink[256];
};

struct worker {
	struct team *t;
	int id;
};

static void MEASURED run_bw(int avx2, enum gb_bw_kernel k, float *buf, size_t n, long iters, float *sink)
{
	float *a = buf, *b = buf + n, *c = buf + 2 * n;
	float acc = 0;

	for (long it = 0; it < iters; it++) {
		switch (k) {
		case GB_BW_READ:
#ifdef GB_PEAK_X86
			acc += avx2 ? bw_read_avx2(a, n) : bw_read_c(a, n);
#else
			acc += bw_read_c(a, n);
#endif
			break;
		case GB_BW_WRITE:
#ifdef GB_PEAK_X86
			if (avx2)
				bw_write_avx2(a, n, (float)it);
			else
#endif
				bw_write_c(a, n, (float)it);
			break;
		case GB_BW_COPY:
#ifdef GB_PEAK_X86
			if (avx2)
				bw_copy_avx2(b, a, n);
			else
#endif
				bw_copy_c(b, a, n);
			break;
		default:
#ifdef GB_PEAK_X86
			if (avx2)
				bw_triad_avx2(a, b, c, n, 0.5f);
			else
#endif
				bw_triad_c(a, b, c, n, 0.5f);
			break;
		}
	}
	*sink += acc;
}

static double run_ops(int avx2, int avx512, enum task task, long iters, float *sink)
{
	/* returns operations done */
	if (task == TASK_INT8) {
#ifdef GB_PEAK_X86
		*sink += (float)int8_vnni(iters);
#endif
		return (double)iters * GB_PEAK_CHAINS * 64;
	}
#ifdef GB_PEAK_X86
	if (avx512) {
		*sink += flops_avx512(iters);
		return (double)iters * GB_PEAK_CHAINS * 16 * 2;
	}
	if (avx2) {
		*sink += flops_avx2(iters);
		return (double)iters * GB_PEAK_CHAINS * 8 * 2;
	}
#endif
	*sink += flops_c(iters);
	return (double)iters * GB_PEAK_CHAINS * 4 * 2;
}

/*
 * One measured unit of work for thread 0's clock: calibrate iters on one
 * pass, then `samples` timed samples; every thread passes the same barriers.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct team *t = w->t;
	float *buf = NULL;
	size_t bytes = 0, nfl = 0;

	if (t->cpus[w->id] >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(t->cpus[w->id], &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (t->task == TASK_BW) {
		/* floats of this thread's buffer: a multiple of 3 * 64 so every carving is aligned */
		nfl = (size_t)(t->total_bytes / t->nthreads / 4);
		nfl -= nfl % (3 * 64);
		if (nfl < 3 * 64)
			nfl = 3 * 64;
		bytes = nfl * 4;
		if (posix_memalign((void **)&buf, 64, bytes)) {
			buf = NULL;
			__atomic_store_n(&t->failed, 1, __ATOMIC_SEQ_CST);
		} else {
			for (size_t i = 0; i < nfl; i++)   /* first touch by the owner */
				buf[i] = (float)(i & 255) * 0.25f;
		}
	}
	pthread_barrier_wait(&t->bar);
	if (t->failed) {
		free(buf);
		return NULL;
	}
	for (int k = 0; k < (t->task == TASK_BW ? GB_BW_COUNT : 1); k++) {
		size_t n = nfl / (size_t)kernel_arrays[k];
		double moved = 0, work = 0;

		n -= n % 64;
		/*
		 * calibration: grow the pass count until a sample outlasts the
		 * barriers' wake-up latency (tens of microseconds under a
		 * hypervisor), then scale it to the target time
		 */
		if (w->id == 0) {
			t->iters = 1;
			t->calibrated = 0;
		}
		for (;;) {
			pthread_barrier_wait(&t->bar);
			if (t->calibrated)
				break;
			if (w->id == 0)
				t->t0 = gb_now_ns();
			if (t->task == TASK_BW)
				run_bw(t->avx2, (enum gb_bw_kernel)k, buf, n, t->iters, &t->sink[w->id]);
			else
				run_ops(t->avx2, t->avx512, t->task, t->iters * 1000, &t->sink[w->id]);
			pthread_barrier_wait(&t->bar);
			if (w->id == 0) {
				double dt = (double)(gb_now_ns() - t->t0);

				if (dt >= t->target_ns / 8 || t->iters >= (1L << 40)) {
					double scale = t->target_ns / (dt > 1 ? dt : 1);

					if (scale > 1)
						t->iters = (long)ceil((double)t->iters * scale);
					if (t->task != TASK_BW)
						t->iters *= 1000;
					t->calibrated = 1;
				} else {
					t->iters *= 4;
				}
				t->best[k] = 0;
			}
		}
		for (int s = 0; s < t->samples; s++) {
			pthread_barrier_wait(&t->bar);
			if (w->id == 0)
				t->t0 = gb_now_ns();
			if (t->task == TASK_BW) {
				run_bw(t->avx2, (enum gb_bw_kernel)k, buf, n, t->iters, &t->sink[w->id]);
				moved = (double)n * kernel_bytes[k] * (double)t->iters * t->nthreads;
			} else {
				work = run_ops(t->avx2, t->avx512, t->task, t->iters, &t->sink[w->id]) *
				       t->nthreads;
			}
			pthread_barrier_wait(&t->bar);
			if (w->id == 0) {
				double dt = (double)(gb_now_ns() - t->t0);
				double rate = (t->task == TASK_BW ? moved : work) / dt;  /* per ns = G/s */

				if (rate > t->best[k])
					t->best[k] = rate;
			}
		}
	}
	free(buf);
	return NULL;
}

static int team_run(struct team *t)
{
	pthread_t th[256];
	struct worker w[256];
	int started = 0, rc = 0;

	t->failed = 0;
	pthread_barrier_init(&t->bar, NULL, (unsigned)t->nthreads);
	for (int i = 0; i < t->nthreads; i++) {
		w[i] = (struct worker){ t, i };
		if (pthread_create(&th[i], NULL, worker_main, &w[i])) {
			rc = gb_error("peak: cannot start thread %d", i);
			break;
		}
		started++;
	}
	if (started < t->nthreads) {
		/* the barrier would never open: nothing sensible left to do */
		gb_error("peak: %d of %d threads started", started, t->nthreads);
		abort();
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&t->bar);
	if (t->failed)
		rc = gb_error("peak: cannot allocate %.0f MiB for the working set",
			      t->total_bytes / 1048576);
	return rc;
}

/* ---- levels ---- */

static double level_capacity(const struct gb_sysinfo *si, int level, int threads)
{
	for (int i = 0; i < si->ncache; i++) {
		const struct gb_cache_level *c = &si->cache[i];
		int shared = c->shared_cpus > 0 ? c->shared_cpus : 1;
		int inst;

		if (c->level != level || !strcmp(c->type, "Instruction"))
			continue;
		inst = (threads + shared - 1) / shared;
		return (double)c->size * (inst > 0 ? inst : 1);
	}
	return 0;
}

static void level_ranges(struct gb_bw_level *lv, const struct gb_sysinfo *si, int threads)
{
	double cap[3];

	for (int l = 0; l < 3; l++)
		cap[l] = level_capacity(si, l + 1, threads);
	for (int l = 0; l < GB_LVL_COUNT; l++) {
		memset(&lv[l], 0, sizeof(lv[l]));
		for (int k = 0; k < GB_BW_COUNT; k++)
			lv[l].gbs[k] = NAN;
		lv[l].lo = lv[l].hi = NAN;
	}
	for (int l = 0; l < 3; l++) {
		double below = 0;

		lv[l].capacity = cap[l];
		if (!cap[l]) {
			snprintf(lv[l].note, sizeof(lv[l].note), "no %s cache in sysfs",
				 level_names[l]);
			continue;
		}
		for (int b = l - 1; b >= 0 && !below; b--)
			below = cap[b];
		lv[l].lo = below ? 2 * below : cap[l] / 16;
		lv[l].hi = cap[l] / 2;
		if (lv[l].lo >= lv[l].hi)
			snprintf(lv[l].note, sizeof(lv[l].note),
				 "cannot be told apart: %s (%.0f KiB) is less than 4x the level below",
				 level_names[l], cap[l] / 1024);
	}
	{
		double last = cap[2] ? cap[2] : cap[1] ? cap[1] : cap[0];

		lv[GB_LVL_DRAM].lo = last ? 2 * last : 64.0 * 1048576;
		lv[GB_LVL_DRAM].hi = INFINITY;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void gb_peak_levels(struct gb_peak *p, const struct gb_sysinfo *si)
{
	level_ranges(p->lvl, si, p->threads);
	for (int i = 0; i < p->npt; i++) {
		p->pt[i].level = -1;
		for (int l = 0; l < GB_LVL_COUNT; l++)
			if (!p->lvl[l].note[0] && p->pt[i].bytes >= p->lvl[l].lo &&
			    p->pt[i].bytes <= p->lvl[l].hi)
				p->pt[i].level = l;
	}
	for (int l = 0; l < GB_LVL_COUNT; l++) {
		struct gb_bw_level *lv = &p->lvl[l];
		double v[GB_PEAK_MAX_POINTS];
		double spread = 1;

		if (lv->note[0])
			continue;
		for (int k = 0; k < GB_BW_COUNT; k++) {
			int n = 0;

			for (int i = 0; i < p->npt; i++)
				if (p->pt[i].level == l && p->pt[i].gbs[k] > 0)
					v[n++] = p->pt[i].gbs[k];
			lv->npoints = n;
			if (!n)
				continue;
			qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
			lv->gbs[k] = gb_quantile_sorted(v, (size_t)n, 0.5);
			if (v[n - 1] / v[0] > spread)
				spread = v[n - 1] / v[0];
		}
		if (!lv->npoints) {
			snprintf(lv->note, sizeof(lv->note),
				 "not reached: no sweep point between %.0f KiB and %.0f KiB",
				 lv->lo / 1024, isinf(lv->hi) ? INFINITY : lv->hi / 1024);
			if (l == GB_LVL_DRAM)
				snprintf(lv->note, sizeof(lv->note),
					 "not reached: the sweep stops below %.0f MiB (2x the last cache)",
					 lv->lo / 1048576);
			continue;
		}
		lv->plateau = spread <= GB_PEAK_PLATEAU_SPREAD;
		if (!lv->plateau)
			snprintf(lv->note, sizeof(lv->note),
				 "no plateau: the points of the range differ by %.0f%%",
				 (spread - 1) * 100);
	}
}

/*
 * The f32 ceiling's instruction set: the widest FMA the cpu executor's
 * kernels run (kernels.c's level, GBENCH_SIMD included), so the roofline's
 * ceiling is the one its matrix product can reach.
 */
const char *gb_peak_f32_isa(void)
{
	if (!have_avx2())
		return "sse2";
	return gb_kern_simd() == GB_SIMD_AVX512 ? "avx512f" : "avx2+fma";
}

/* ---- the measurement ---- */

static void team_init(struct team *t, int threads)
{
	cpu_set_t set;
	int n = 0;

	memset(t, 0, sizeof(*t));
	t->nthreads = threads;
	t->avx2 = have_avx2();
	t->avx512 = t->avx2 && gb_kern_simd() == GB_SIMD_AVX512;
	for (int i = 0; i < 256; i++)
		t->cpus[i] = -1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int allowed[256], na = 0;

		for (int c = 0; c < 256 && c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				allowed[na++] = c;
		for (n = 0; n < threads && na; n++)
			t->cpus[n] = allowed[n % na];
	}
}

/*
 * The vulkan executor's ceilings on the device it picks for `gbench run`,
 * so that its roofline is drawn against its own device. Never fails the
 * host measurement: a device that cannot be used leaves the reason.
 */
static void measure_vulkan(struct gb_peak *p, const struct gb_peak_opts *o)
{
	struct gb_executor ex;
	struct gb_exec_opts eo = { 0 };
	struct gb_exec_info info;
	struct gb_exec_peak vp = { .quick = o->quick };
	char reason[256];

	if (gb_executor_init(&ex, &gb_executor_vulkan, &eo, reason, sizeof(reason)) < 0) {
		snprintf(p->vk_note, sizeof(p->vk_note), "not measured: %s",
			 reason[0] ? reason : "the vulkan executor cannot start");
		return;
	}
	ex.iface->info(&ex, &info);
	snprintf(p->vk_device, sizeof(p->vk_device), "%s", info.device);
	if (!ex.iface->peak)
		snprintf(p->vk_note, sizeof(p->vk_note), "not measured: the executor has no peak()");
	else if (ex.iface->peak(&ex, &vp) < 0)
		snprintf(p->vk_note, sizeof(p->vk_note),
			 "not measured: the measurement failed on '%s' (see its error)", info.device);
	else {
		p->vk_measured = 1;
		p->vk_copy_bytes = vp.copy_bytes;
		p->vk_copy_gbs = vp.copy_gbs;
		p->vk_f32_gflops = vp.f32_gflops;
	}
	gb_executor_release(&ex);
}

int gb_peak_measure(struct gb_peak *p, const struct gb_sysinfo *si, const struct gb_peak_opts *o)
{
	struct team t;
	int threads = o->threads > 0 ? o->threads : gb_ncpus();
	uint64_t start = gb_now_ns();
	double c1, c3, lo, top, step;
	struct gb_bw_level lv[GB_LVL_COUNT];

	if (threads > 256)
		threads = 256;
	memset(p, 0, sizeof(*p));
	p->threads = threads;
	p->quick = o->quick;
	p->int8_gops = NAN;
	team_init(&t, threads);
	snprintf(p->isa, sizeof(p->isa), "%s", gb_peak_f32_isa());

	/* arithmetic */
	t.task = TASK_F32;
	t.target_ns = o->quick ? 20e6 : 200e6;
	t.samples = o->quick ? 2 : 5;
	if (team_run(&t) < 0)
		return -1;
	p->f32_gflops = t.best[0];
	if (have_vnni()) {
		t.task = TASK_INT8;
		if (team_run(&t) < 0)
			return -1;
		p->int8_gops = t.best[0];
		snprintf(p->int8_note, sizeof(p->int8_note),
			 "AVX-VNNI vpdpbusd, 64 ops (32 multiplies, 32 adds) per instruction");
	} else {
		snprintf(p->int8_note, sizeof(p->int8_note),
			 "not measured: the CPU has no AVX-VNNI");
	}

	/* the sweep: geometric in total working-set bytes */
	level_ranges(lv, si, threads);
	c1 = lv[GB_LVL_L1].capacity ? lv[GB_LVL_L1].capacity : 32768.0 * threads;
	c3 = lv[GB_LVL_DRAM].lo / 2;
	lo = c1 / 8;
	if (lo < 4096.0 * threads)
		lo = 4096.0 * threads;
	top = o->max_bytes > 0 ? o->max_bytes : o->quick ? 2.2 * c3 : 4 * c3;
	if (!o->max_bytes && top < 256.0 * 1048576)
		top = 256.0 * 1048576;
	if (si->mem_bytes && top > si->mem_bytes / 4.0)
		top = si->mem_bytes / 4.0;
	t.task = TASK_BW;
	t.target_ns = o->quick ? 2e6 : 25e6;
	t.samples = o->quick ? 2 : 5;
	if (o->quick) {
		/* two points inside each level's range, and the top */
		double want[2 * GB_LVL_COUNT + 1];
		int nw = 0;

		for (int l = 0; l < GB_LVL_COUNT - 1; l++)
			if (!lv[l].note[0] && lv[l].lo < lv[l].hi) {
				double g = sqrt(lv[l].lo * lv[l].hi);

				want[nw++] = sqrt(lv[l].lo * g);
				want[nw++] = sqrt(g * lv[l].hi);
			}
		want[nw++] = top;
		for (int i = 0; i < nw && p->npt < GB_PEAK_MAX_POINTS; i++) {
			if (want[i] > top)
				continue;
			t.total_bytes = want[i];
			if (team_run(&t) < 0)
				return -1;
			p->pt[p->npt].bytes = want[i];
			memcpy(p->pt[p->npt].gbs, t.best, sizeof(t.best));
			p->npt++;
		}
	} else {
		double want[GB_PEAK_MAX_POINTS];
		int nw = 0;

		step = sqrt(2.0);
		for (double sz = lo; sz < top / 1.05 && nw < GB_PEAK_MAX_POINTS - 1; sz *= step)
			want[nw++] = sz;
		want[nw++] = top;   /* the top itself is always measured */
		for (int i = 0; i < nw; i++) {
			t.total_bytes = want[i];
			if (team_run(&t) < 0)
				return -1;
			p->pt[p->npt].bytes = want[i];
			memcpy(p->pt[p->npt].gbs, t.best, sizeof(t.best));
			p->npt++;
		}
	}
	gb_peak_levels(p, si);
	measure_vulkan(p, o);
	p->seconds = (double)(gb_now_ns() - start) / 1e9;
	return 0;
}
