/*
 * exec-cpu.c - the CPU executor: the kernels of kernels.c run by a small
 * persistent pool of pthreads, the calling thread being worker 0.
 *
 * A call is split so that every output element is computed by the same
 * code whatever the number of threads: matmul and topk scores over a grid
 * of rows (in groups of the micro-kernel tile's 3 or 6) by output columns
 * (in groups of its 4; see cpu_matmul_grid), topk selection, softmax,
 * rmsnorm, reduce and fft over rows, silu over elements. Small calls run on
 * the caller alone: waking a worker costs more than the work.
 *
 * Workers and the caller spin for a while (CPU_SPIN_NS) before they sleep
 * on a condition variable, as OpenMP runtimes do: a trace issues calls back
 * to back, and waking a sleeping thread costs tens of microseconds on a
 * virtual machine (an inter-processor interrupt and a halted vCPU), more
 * than most calls' work. Measured on the 2-vCPU development VM, sleeping at
 * once made `--threads 2` three times slower than `--threads 1` on the ci
 * config and doubled the spread of its repetitions.
 *
 * With opts->pin, worker i runs on the i-th CPU of the process's affinity
 * mask (modulo its size) and the caller, worker 0, is held on the first for
 * the executor's turns (turn()), as OMP_PROC_BIND=close or likwid-pin would
 * place them. Left to the scheduler on the 2-vCPU VM, the caller and worker
 * 1 shared one core in 4 of 12 runs of one cell, where a call that takes
 * 2.4 us took 213 us (10 us once the spin yields): each waited on the
 * other's time slice. The spin yields only while two threads of the pool
 * may share a CPU: with a CPU each (pinned, in a turn) a yield hands the
 * core to whatever else runs there for its whole slice, and on a loaded
 * machine (a busy loop on each of the 2 CPUs) every repetition of
 * llm-decode.cpu.b8.f32 took 155-176 ms instead of 0.5 ms (0.5-10 ms without).
 * The spin still makes a cheap system call where it yielded: with PAUSEs
 * alone, llm-decode's f16 cells ran 8-22% slower on the 2-vCPU VM (its
 * hypervisor presumably descheduling a vCPU seen spinning on PAUSE).
 *
 * Steady state allocates nothing: scratch (padded inputs, topk scores,
 * per-worker dequantization panels) grows on demand and is kept, FFT
 * twiddles are cached per length. One executor serves one call at a time;
 * run() is not reentrant.
 */
#include "executor.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gbench.h"
#include "gemm/gemm.h"
#include "kernels.h"

#define CPU_MAX_THREADS 256
/* Work (flops, or elements for the element-wise ops) per extra thread. */
#define CPU_GRAIN 65536.0
/* How long an idle worker, or the caller waiting for workers, spins. */
#define CPU_SPIN_NS 100000

struct cpu_ctx;
typedef void (*cpu_job_fn)(struct cpu_ctx *cx, int tid, int nth);

struct cpu_ctx {
	int nthreads;
	pthread_t *threads;
	int nstarted;

	/*
	 * job is the dispatch count << 16 | the number of workers it uses, one
	 * word so that a worker reads both at once. job and stop change under
	 * mu, so that a thread that checks them under mu before it sleeps
	 * cannot miss the wake-up, but are read without it while spinning. fn
	 * is published by the release store of job and stays put until every
	 * worker of the job has counted pending down.
	 */
	pthread_mutex_t mu;
	pthread_cond_t start, done;
	_Atomic uint64_t job;
	atomic_int pending;    /* workers still running the current job */
	atomic_int stop;
	atomic_int own_cpus;   /* every thread on a CPU of its own: spin without yielding */
	cpu_job_fn fn;         /* the current job, for workers 1..active-1 */

	/* The call being run. */
	const struct gb_exec_call *call;
	const struct gb_weights *w;
	const float *xp;     /* padded x (matmul, topk) */
	int grid_m, grid_n;  /* matmul: workers as grid_m row by grid_n column slices */

	float *xpad;
	size_t xpad_cap;
	float *scores;
	size_t scores_cap;
	float **scratch;     /* one panel per worker */
	size_t scratch_cap;
	float *twiddles[21]; /* by log2(n), n <= GB_MAX_FFT_N */

	char model[256];

	int npin;            /* CPUs threads are pinned to (0: not pinned) */
	int pin_cpu[CPU_MAX_THREADS];
	cpu_set_t free_mask; /* the caller's affinity outside turns */
	char placement[192];
};

struct cpu_worker_arg {
	struct cpu_ctx *cx;
	int tid;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * One step of a spin that started at *t0 (0: not yet): a pause, and every
 * 64 steps a system call and a look at the clock. The call is a yield
 * unless every thread of the pool has a CPU of its own. The yield matters
 * where two may share one: when the scheduler has put the thread we wait
 * for on our own core, spinning would hold that core until the spin runs
 * out (a call took 213 us instead of 2.4 us in 4 of 12 runs before it).
 * Otherwise it would give our core away to any other task for a whole
 * slice, and getppid, which changes nothing, breaks the run of PAUSEs
 * instead (see the top of the file). 0 once CPU_SPIN_NS have passed.
 */
static int cpu_spin_step(struct cpu_ctx *cx, unsigned i, uint64_t *t0)
{
	uint64_t t;

	cpu_relax();
	if ((i & 63) != 63)
		return 1;
	if (!atomic_load_explicit(&cx->own_cpus, memory_order_relaxed))
		sched_yield();
	else
		(void)syscall(SYS_getppid);
	t = gb_now_ns();
	if (!*t0)
		*t0 = t;
	return t - *t0 <= CPU_SPIN_NS;
}

/* Spin until *v != old or CPU_SPIN_NS pass; returns the last value read. */
static uint64_t cpu_spin_while(struct cpu_ctx *cx, _Atomic uint64_t *v, uint64_t old)
{
	uint64_t t0 = 0, cur;

	for (unsigned i = 0;; i++) {
		cur = atomic_load_explicit(v, memory_order_acquire);
		if (cur != old || atomic_load_explicit(&cx->stop, memory_order_relaxed) ||
		    !cpu_spin_step(cx, i, &t0))
			return cur;
	}
}

static void *cpu_worker(void *p)
{
	struct cpu_worker_arg *a = p;
	struct cpu_ctx *cx = a->cx;
	int tid = a->tid;
	uint64_t seen = 0;

	free(a);
	for (;;) {
		int active;

		if (cpu_spin_while(cx, &cx->job, seen) == seen) {
			pthread_mutex_lock(&cx->mu);
			while (atomic_load(&cx->job) == seen && !atomic_load(&cx->stop))
				pthread_cond_wait(&cx->start, &cx->mu);
			pthread_mutex_unlock(&cx->mu);
		}
		if (atomic_load(&cx->stop))
			break;
		seen = atomic_load_explicit(&cx->job, memory_order_acquire);
		active = (int)(seen & 0xffff);
		if (tid < active) {
			cx->fn(cx, tid, active);
			if (atomic_fetch_sub_explicit(&cx->pending, 1, memory_order_acq_rel) == 1) {
				pthread_mutex_lock(&cx->mu);
				pthread_cond_signal(&cx->done);
				pthread_mutex_unlock(&cx->mu);
			}
		}
	}
	return NULL;
}

/* Run fn on `active` workers (the caller is worker 0) and wait for all. */
static void cpu_dispatch(struct cpu_ctx *cx, cpu_job_fn fn, int active)
{
	uint64_t t0 = 0, job;

	if (active > cx->nthreads)
		active = cx->nthreads;
	if (active <= 1) {
		fn(cx, 0, 1);
		return;
	}
	pthread_mutex_lock(&cx->mu);
	cx->fn = fn;
	atomic_store_explicit(&cx->pending, active - 1, memory_order_relaxed);
	job = ((atomic_load_explicit(&cx->job, memory_order_relaxed) >> 16) + 1) << 16;
	atomic_store_explicit(&cx->job, job | (uint64_t)active, memory_order_release);
	pthread_cond_broadcast(&cx->start);
	pthread_mutex_unlock(&cx->mu);
	fn(cx, 0, active);
	for (unsigned i = 0; atomic_load_explicit(&cx->pending, memory_order_acquire) > 0; i++)
		if (!cpu_spin_step(cx, i, &t0)) {
			pthread_mutex_lock(&cx->mu);
			while (atomic_load(&cx->pending) > 0)
				pthread_cond_wait(&cx->done, &cx->mu);
			pthread_mutex_unlock(&cx->mu);
			break;
		}
}

/* Threads worth using for `work` units split into at most `parts` pieces. */
static int cpu_threads_for(const struct cpu_ctx *cx, double work, uint64_t parts)
{
	double t = work / CPU_GRAIN;
	int n = t < 1 ? 1 : t > cx->nthreads ? cx->nthreads : (int)t;

	if ((uint64_t)n > parts)
		n = parts ? (int)parts : 1;
	return n;
}

/* [*lo, *hi) of `total` for worker tid of nth, boundaries multiples of align. */
static void cpu_slice(uint64_t total, uint64_t align, int tid, int nth,
		      uint64_t *lo, uint64_t *hi)
{
	uint64_t units = (total + align - 1) / align;
	uint64_t a = units * (uint64_t)tid / (uint64_t)nth;
	uint64_t b = units * (uint64_t)(tid + 1) / (uint64_t)nth;

	*lo = a * align < total ? a * align : total;
	*hi = b * align < total ? b * align : total;
}

static void job_matmul(struct cpu_ctx *cx, int tid, int nth)
{
	const struct gb_shape *s = &cx->call->shape;
	uint64_t ilo, ihi, jlo, jhi;
	float *y = s->op == GB_OP_TOPK ? cx->scores : cx->call->y;

	(void)nth;
	cpu_slice(s->m, gb_gemm_tile_rows(), tid / cx->grid_n, cx->grid_m, &ilo, &ihi);
	cpu_slice(s->n, 4, tid % cx->grid_n, cx->grid_n, &jlo, &jhi);
	if (ilo < ihi && jlo < jhi)
		gb_kern_matmul(cx->w, cx->xp, (uint32_t)ilo, (uint32_t)ihi, y, s->n,
			       (uint32_t)jlo, (uint32_t)jhi, cx->scratch[tid]);
}

/*
 * Split nth workers into a grid over rows and columns; the number used.
 * Columns first: a worker then dequantizes only its own weight rows and
 * every x row is shared through L3. Rows take the rest when the columns
 * run short (fewer than 4 groups of 4 per worker: a top-k over a small
 * database, a narrow matmul at a large batch), so the work still splits.
 */
static int cpu_matmul_grid(struct cpu_ctx *cx, uint32_t m, uint32_t n, int nth)
{
	uint64_t mt = gb_gemm_tile_rows();
	uint64_t cg = ((uint64_t)n + 3) / 4, rg = ((uint64_t)m + mt - 1) / mt;
	int tn = nth, tm = 1;

	if (rg > 1 && cg < 4 * (uint64_t)nth) {
		tn = 1;
		for (int d = nth; d >= 1; d--)
			if (nth % d == 0 && 4 * (uint64_t)d <= cg) {
				tn = d;
				break;
			}
		tm = nth / tn;
		if ((uint64_t)tm > rg)
			tm = (int)rg;
	}
	if ((uint64_t)tn > cg)
		tn = (int)cg;
	cx->grid_m = tm;
	cx->grid_n = tn;
	return tm * tn;
}

static void job_topk_select(struct cpu_ctx *cx, int tid, int nth)
{
	const struct gb_shape *s = &cx->call->shape;
	uint64_t lo, hi;

	cpu_slice(s->m, 1, tid, nth, &lo, &hi);
	for (uint64_t i = lo; i < hi; i++)
		gb_kern_topk_select(cx->scores + i * s->n, s->n, s->p,
				    cx->call->y + i * s->p, cx->call->idx + i * s->p);
}

static void job_rows(struct cpu_ctx *cx, int tid, int nth)
{
	const struct gb_exec_call *c = cx->call;
	const struct gb_shape *s = &c->shape;
	uint64_t lo, hi;

	if (s->op == GB_OP_SILU) {
		cpu_slice((uint64_t)s->m * s->n, 64, tid, nth, &lo, &hi);
		gb_kern_silu(c->x + lo, c->y + lo, hi - lo);
		return;
	}
	cpu_slice(s->m, 1, tid, nth, &lo, &hi);
	for (uint64_t i = lo; i < hi; i++) {
		const float *x = c->x + i * s->n;
		float *y = c->y + i * s->n;

		switch (s->op) {
		case GB_OP_SOFTMAX:
			gb_kern_softmax_row(x, y, s->n);
			break;
		case GB_OP_RMSNORM:
			gb_kern_rmsnorm_row(x, y, s->n);
			break;
		case GB_OP_REDUCE:
			c->y[i] = gb_kern_reduce_row(x, s->n);
			break;
		case GB_OP_FFT: {
			unsigned lg = 0;

			while ((1u << lg) < s->n)
				lg++;
			gb_kern_fft(c->x + i * 2 * s->n, c->y + i * 2 * s->n, s->n,
				    cx->twiddles[lg]);
			break;
		}
		default:
			break;
		}
	}
}

/* Grow *buf to hold n floats (32-byte aligned); contents are not kept. */
static void cpu_grow(float **buf, size_t *cap, size_t n)
{
	if (n <= *cap)
		return;
	free(*buf);
	*buf = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
	if (!*buf) {
		fprintf(stderr, "gbench: fatal: out of memory allocating %zu floats\n", n);
		abort();
	}
	*cap = n;
}

static void cpu_read_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, len, "unknown cpu");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		char *v, *e;

		/* x86: "model name"; arm64 and others: "Model" or "cpu model". */
		if (!colon || (strncmp(line, "model name", 10) != 0 &&
			       strncmp(line, "cpu model", 9) != 0 &&
			       strncmp(line, "Model", 5) != 0))
			continue;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		e = v + strlen(v);
		while (e > v && (e[-1] == '\n' || e[-1] == ' '))
			*--e = '\0';
		if (*v) {
			snprintf(out, len, "%s", v);
			break;
		}
	}
	fclose(f);
}

static void cpu_release(struct gb_executor *ex)
{
	struct cpu_ctx *cx = ex->ctx;

	if (!cx)
		return;
	pthread_mutex_lock(&cx->mu);
	atomic_store(&cx->stop, 1);
	pthread_cond_broadcast(&cx->start);
	pthread_mutex_unlock(&cx->mu);
	for (int i = 0; i < cx->nstarted; i++)
		pthread_join(cx->threads[i], NULL);
	pthread_mutex_destroy(&cx->mu);
	pthread_cond_destroy(&cx->start);
	pthread_cond_destroy(&cx->done);
	free(cx->threads);
	free(cx->xpad);
	free(cx->scores);
	if (cx->scratch)
		for (int i = 0; i < cx->nthreads; i++)
			free(cx->scratch[i]);
	free(cx->scratch);
	for (size_t i = 0; i < GB_ARRAY_SIZE(cx->twiddles); i++)
		free(cx->twiddles[i]);
	free(cx);
	ex->ctx = NULL;
}

/* The CPUs of the calling thread's mask, in order, into cx->pin_cpu (with pin). */
static void cpu_pin_setup(struct cpu_ctx *cx)
{
	int n = 0;

	if (sched_getaffinity(0, sizeof(cx->free_mask), &cx->free_mask) < 0 ||
	    CPU_COUNT(&cx->free_mask) < 2 || cx->nthreads < 2)
		return;
	for (int c = 0; c < CPU_SETSIZE && n < CPU_MAX_THREADS; c++)
		if (CPU_ISSET(c, &cx->free_mask))
			cx->pin_cpu[n++] = c;
	cx->npin = n;
	snprintf(cx->placement, sizeof(cx->placement),
		 "pinned: worker i on CPU number i mod %d of the mask (%d, %d, ...), the caller "
		 "as worker 0 during the cpu executor's turns", n, cx->pin_cpu[0], cx->pin_cpu[1]);
}

static int cpu_start_worker(struct cpu_ctx *cx, int tid, struct cpu_worker_arg *a)
{
	pthread_attr_t attr;
	cpu_set_t one;
	int err;

	if (!cx->npin)
		return pthread_create(&cx->threads[cx->nstarted], NULL, cpu_worker, a);
	CPU_ZERO(&one);
	CPU_SET(cx->pin_cpu[tid % cx->npin], &one);
	if ((err = pthread_attr_init(&attr)))
		return err;
	err = pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
	if (!err)
		err = pthread_create(&cx->threads[cx->nstarted], &attr, cpu_worker, a);
	pthread_attr_destroy(&attr);
	return err;
}

/* The caller is worker 0: on the first pinned CPU for the turn, free after. */
static void cpu_turn(struct gb_executor *ex, int begin)
{
	struct cpu_ctx *cx = ex->ctx;
	cpu_set_t one;

	if (!cx || !cx->npin)
		return;
	CPU_ZERO(&one);
	CPU_SET(cx->pin_cpu[0], &one);
	if (sched_setaffinity(0, sizeof(cpu_set_t), begin ? &one : &cx->free_mask) < 0) {
		gb_warn("cpu executor: cannot %s CPU %d: %s", begin ? "pin the caller to" :
			"unpin the caller from", cx->pin_cpu[0], strerror(errno));
		begin = 0;   /* the caller may share a worker's CPU: keep yielding */
	}
	atomic_store_explicit(&cx->own_cpus, begin && cx->nthreads <= cx->npin,
			      memory_order_relaxed);
}

static int cpu_init(struct gb_executor *ex, const struct gb_exec_opts *o,
		    char *reason, size_t len)
{
	struct cpu_ctx *cx = gb_xcalloc(1, sizeof(*cx));
	int n = o && o->threads > 0 ? o->threads : gb_ncpus();

	if (n > CPU_MAX_THREADS)
		n = CPU_MAX_THREADS;
	cx->nthreads = n;
	pthread_mutex_init(&cx->mu, NULL);
	pthread_cond_init(&cx->start, NULL);
	pthread_cond_init(&cx->done, NULL);
	cx->threads = gb_xcalloc((size_t)n, sizeof(*cx->threads));
	cx->scratch = gb_xcalloc((size_t)n, sizeof(*cx->scratch));
	cpu_read_model(cx->model, sizeof(cx->model));
	if (o && o->pin)
		cpu_pin_setup(cx);
	ex->ctx = cx;
	(void)gb_kern_simd();  /* choose the SIMD level before any worker runs */
	gb_gemm_init();        /* and the block sizes */
	for (int i = 1; i < n; i++) {
		struct cpu_worker_arg *a = gb_xmalloc(sizeof(*a));
		int err;

		a->cx = cx;
		a->tid = i;
		err = cpu_start_worker(cx, i, a);
		if (err) {
			free(a);
			snprintf(reason, len, "cannot start worker thread %d: %s", i,
				 strerror(err));
			cpu_release(ex);
			return -1;
		}
		cx->nstarted++;
	}
	return 0;
}

static void cpu_info(const struct gb_executor *ex, struct gb_exec_info *out)
{
	const struct cpu_ctx *cx = ex->ctx;

	memset(out, 0, sizeof(*out));
	snprintf(out->device, sizeof(out->device), "%s", cx ? cx->model : "cpu");
	snprintf(out->driver, sizeof(out->driver), "gbench cpu kernels (%s, %d threads)",
		 gb_kern_simd_name(gb_kern_simd()), cx ? cx->nthreads : 0);
	snprintf(out->type, sizeof(out->type), "cpu");
	if (cx)
		snprintf(out->placement, sizeof(out->placement), "%s", cx->placement);
}

/*
 * The CPU reads the caller's quantized bytes in place: the handle is the
 * gb_weights pointer itself, so the caller must keep *w (and its data)
 * alive and unchanged until weights_free.
 */
static int cpu_weights_upload(struct gb_executor *ex, const struct gb_weights *w,
			      void **handle)
{
	(void)ex;
	if (!w || !w->data)
		return gb_error("cpu executor: no weights to upload");
	*handle = (void *)w;
	return 0;
}

static void cpu_weights_free(struct gb_executor *ex, void *handle)
{
	(void)ex;
	(void)handle;
}

static int cpu_check(const struct gb_exec_call *c, const struct gb_weights *w)
{
	const struct gb_shape *s = &c->shape;

	if ((unsigned)s->op >= GB_OP_COUNT)
		return gb_error("cpu executor: unknown op %d", (int)s->op);
	if (s->m == 0 || s->n == 0 || (gb_op_has_weights(s->op) && s->k == 0))
		return gb_error("cpu executor: empty %s call", gb_op_name(s->op));
	if (!c->x || !c->y)
		return gb_error("cpu executor: %s call without buffers", gb_op_name(s->op));
	if (gb_op_has_weights(s->op)) {
		if (!w)
			return gb_error("cpu executor: %s call without weights", gb_op_name(s->op));
		if (w->rows != s->n || w->cols != s->k || w->quant != c->quant)
			return gb_error("cpu executor: weights %ux%u %s do not fit %s n=%u k=%u %s",
					w->rows, w->cols, gb_quant_name(w->quant),
					gb_op_name(s->op), s->n, s->k, gb_quant_name(c->quant));
	}
	if (s->op == GB_OP_TOPK && (!c->idx || s->p == 0 || s->p > GB_MAX_TOPK_P))
		return gb_error("cpu executor: bad topk call (p=%u)", s->p);
	if (s->op == GB_OP_FFT && (s->n > GB_MAX_FFT_N || (s->n & (s->n - 1))))
		return gb_error("cpu executor: fft length %u is not a power of two <= %u",
				s->n, GB_MAX_FFT_N);
	return 0;
}

static int cpu_run(struct gb_executor *ex, const struct gb_exec_call *c,
		   struct gb_exec_timing *t)
{
	struct cpu_ctx *cx = ex->ctx;
	const struct gb_shape *s = &c->shape;
	const struct gb_weights *w = c->weights;
	int nth;

	if (t) {
		t->device_ns = 0;
		t->has_device_ns = 0;
	}
	if (cpu_check(c, w) < 0)
		return -1;
	cx->call = c;
	cx->w = w;
	switch (s->op) {
	case GB_OP_MATMUL:
	case GB_OP_TOPK: {
		size_t sf = gb_kern_scratch_floats(w);

		cpu_grow(&cx->xpad, &cx->xpad_cap, (size_t)s->m * w->cols_padded);
		gb_kern_pad_rows(c->x, s->m, s->k, cx->xpad, w->cols_padded);
		cx->xp = cx->xpad;
		if (s->op == GB_OP_TOPK)
			cpu_grow(&cx->scores, &cx->scores_cap, (size_t)s->m * s->n);
		nth = cpu_threads_for(cx, 2.0 * s->m * s->n * (double)s->k,
				      (((uint64_t)s->n + 3) / 4) * (((uint64_t)s->m + 2) / 3));
		nth = cpu_matmul_grid(cx, s->m, s->n, nth);
		if (sf > cx->scratch_cap) {
			for (int i = 0; i < cx->nthreads; i++) {
				size_t cap = 0;

				cpu_grow(&cx->scratch[i], &cap, sf);
			}
			cx->scratch_cap = sf;
		}
		cpu_dispatch(cx, job_matmul, nth);
		if (s->op == GB_OP_TOPK)
			cpu_dispatch(cx, job_topk_select,
				     cpu_threads_for(cx, (double)s->m * s->n * 4, s->m));
		break;
	}
	case GB_OP_FFT: {
		unsigned lg = 0;

		while ((1u << lg) < s->n)
			lg++;
		if (s->n >= 2 && !cx->twiddles[lg])
			cx->twiddles[lg] = gb_kern_fft_twiddles(s->n);
		nth = cpu_threads_for(cx, 5.0 * s->m * s->n * (lg ? lg : 1), s->m);
		cpu_dispatch(cx, job_rows, nth);
		break;
	}
	case GB_OP_SILU:
		nth = cpu_threads_for(cx, 8.0 * s->m * s->n, ((uint64_t)s->m * s->n + 63) / 64);
		cpu_dispatch(cx, job_rows, nth);
		break;
	default:
		nth = cpu_threads_for(cx, 4.0 * s->m * s->n, s->m);
		cpu_dispatch(cx, job_rows, nth);
		break;
	}
	cx->call = NULL;
	cx->w = NULL;
	return 0;
}

const struct gb_executor_i gb_executor_cpu = {
	.name = "cpu",
	.init = cpu_init,
	.release = cpu_release,
	.info = cpu_info,
	.weights_upload = cpu_weights_upload,
	.weights_free = cpu_weights_free,
	.run = cpu_run,
	.turn = cpu_turn,
};
