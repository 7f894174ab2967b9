/*
 * rec-preload.c - libgbrecord-preload.so: loaded with LD_PRELOAD into an
 * unmodified program by `gbench record`, it records the program's f32 BLAS
 * calls as matmul requests and forwards every call to the real BLAS
 * untouched.
 *
 * Each interposed entry point (rec-shared.h's list) looks the real function
 * up once - lazily, since a Python extension loads its BLAS with dlopen
 * long after this library's constructor - counts the call in the shared
 * log's header, and, for the mapped four, stores an entry in the log
 * (rec-shared.h) before the call, so a program that crashes inside the BLAS
 * still leaves the entry of the call it crashed in. Recording takes no lock
 * but the weight table's and makes no system call but one posix_fallocate
 * per 65536 entries; a thread-local depth keeps calls a BLAS makes to its
 * own entry points (a reference CBLAS calls sgemm_) from being counted
 * twice.
 *
 * Without GBENCH_RECORD_LOG in the environment the library only forwards.
 * It is built without sanitizers (record.mk says why).
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rec-map.h"
#include "rec-shared.h"
#include "rec-writer.h"   /* gb_rec_stream, gb_rec_now_ns */

#define EXPORT __attribute__((visibility("default")))

static const char *const pre_names[GB_REC_NFUNCS] = {
#define GB_REC_NAME(name, mapped) #name,
	GB_REC_FUNCS(GB_REC_NAME)
#undef GB_REC_NAME
};

static struct gb_rec_counts pre_own_counts;
/* The shared log's header, or pre_own_counts when there is none. */
static struct gb_rec_counts *pre_counts = &pre_own_counts;
static struct gb_rec_entry *pre_entries;
static int pre_log_fd = -1;
static uint64_t pre_t0;
static int pre_recording;
static void *pre_real[GB_REC_NFUNCS];
static __thread int pre_depth;

/* A message on stderr, without stdio (which the program may be using). */
static void pre_say(const char *a, const char *b, const char *c)
{
	const char *parts[] = { "gbench record: ", a, b, c, "\n" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i] && gb_rec_write_all(2, parts[i], strlen(parts[i])) < 0)
			return;
}

static void pre_add(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static uint64_t pre_parse_u64(const char *s)
{
	uint64_t v = 0;

	for (; s && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

/* gbench record created the log with its header; entries go after it. */
__attribute__((constructor)) static void pre_init(void)
{
	const char *path = getenv(GB_REC_ENV_LOG);
	struct gb_rec_counts *c;
	void *p;
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		pre_say("cannot open the log ", path, ": nothing is recorded");
		return;
	}
	p = mmap(NULL, GB_REC_LOG_HEADER + GB_REC_LOG_CAPACITY * sizeof(struct gb_rec_entry),
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		pre_say("cannot map the log ", path, ": nothing is recorded");
		close(fd);
		return;
	}
	c = p;
	if (c->magic != GB_REC_COUNTS_MAGIC || c->capacity > GB_REC_LOG_CAPACITY) {
		pre_say("the log ", path, " is not gbench record's: nothing is recorded");
		munmap(p, GB_REC_LOG_HEADER + GB_REC_LOG_CAPACITY * sizeof(struct gb_rec_entry));
		close(fd);
		return;
	}
	pre_counts = c;
	pre_entries = (struct gb_rec_entry *)((char *)p + GB_REC_LOG_HEADER);
	pre_log_fd = fd;
	pre_t0 = pre_parse_u64(getenv(GB_REC_ENV_T0));
	__atomic_fetch_add(&pre_counts->processes, 1, __ATOMIC_RELAXED);
	pre_recording = 1;
}

/*
 * Blocks for entry i before it is touched (a store past the end of the
 * file would be SIGBUS): a chunk at a time, by whichever thread of
 * whichever process gets there first (posix_fallocate of a range already
 * allocated is a no-op, so racing threads do no harm). 0 or -1.
 */
static int pre_grow(uint64_t i)
{
	uint64_t want = (i / GB_REC_LOG_CHUNK + 1) * GB_REC_LOG_CHUNK, have;

	if (want > pre_counts->capacity)
		want = pre_counts->capacity;
	if (posix_fallocate(pre_log_fd, 0, (off_t)(GB_REC_LOG_HEADER +
						  want * sizeof(struct gb_rec_entry))))
		return -1;
	have = __atomic_load_n(&pre_counts->allocated, __ATOMIC_ACQUIRE);
	while (have < want && !__atomic_compare_exchange_n(&pre_counts->allocated, &have, want, 0,
							   __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		;
	return 0;
}

struct pre_objects {
	uintptr_t self;              /* this library's load address */
	const char *name[256];       /* every other shared object, in load order */
	int n;
};

static int pre_list_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct pre_objects *o = data;

	(void)size;
	if (info->dlpi_addr != o->self && info->dlpi_name && *info->dlpi_name &&
	    o->n < (int)(sizeof(o->name) / sizeof(o->name[0])))
		o->name[o->n++] = info->dlpi_name;
	return 0;
}

/*
 * The definition in a library loaded with RTLD_LOCAL, out of RTLD_NEXT's
 * reach: Python loads numpy's extension, and with it the BLAS, that way.
 * The program could only call this symbol by binding to a library that
 * defines it, so it is one of the objects loaded: ask each in turn (dlopen
 * with RTLD_NOLOAD loads nothing, it returns the loaded object's handle).
 */
static void *pre_find_local(const char *name)
{
	struct pre_objects o = { 0 };
	Dl_info self;
	void *fn = NULL;

	if (!dladdr((void *)pre_list_object, &self))
		return NULL;
	o.self = (uintptr_t)self.dli_fbase;
	dl_iterate_phdr(pre_list_object, &o);
	for (int i = 0; i < o.n && !fn; i++) {
		void *h = dlopen(o.name[i], RTLD_LAZY | RTLD_NOLOAD);
		Dl_info at;

		if (!h)
			continue;
		fn = dlsym(h, name);
		/* Not this library's own definition, reached through some dependency. */
		if (fn && dladdr(fn, &at) && at.dli_fbase == self.dli_fbase)
			fn = NULL;
		/* The object stays loaded: the program holds it (and fn) already. */
		dlclose(h);
	}
	return fn;
}

/* The real function, looked up on first use. */
static void *pre_resolve(enum gb_rec_func f)
{
	void *fn = __atomic_load_n(&pre_real[f], __ATOMIC_ACQUIRE);

	if (fn)
		return fn;
	fn = dlsym(RTLD_NEXT, pre_names[f]);
	if (!fn)
		fn = pre_find_local(pre_names[f]);
	if (!fn) {
		pre_say("no library after the recorder defines ", pre_names[f], "");
		abort();
	}
	__atomic_store_n(&pre_real[f], fn, __ATOMIC_RELEASE);
	return fn;
}

/* Called on entry: counts a call the program made (not the BLAS itself); 1 if so. */
static int pre_enter(enum gb_rec_func f)
{
	if (pre_depth++ || !pre_recording)
		return 0;
	pre_add(&pre_counts->calls[f]);
	return 1;
}

static void pre_leave(void)
{
	pre_depth--;
}

static void pre_record(enum gb_rec_func f, int status, const struct gb_rec_call *c)
{
	struct gb_rec_entry *e;
	uint64_t now, i;

	switch (status) {
	case GB_REC_MAPPED:
		break;
	case GB_REC_MAP_EMPTY:
		pre_add(&pre_counts->skips[f][GB_REC_SKIP_EMPTY]);
		return;
	case GB_REC_MAP_LIMIT:
		pre_add(&pre_counts->skips[f][GB_REC_SKIP_LIMIT]);
		return;
	default:
		pre_add(&pre_counts->skips[f][GB_REC_SKIP_INVALID]);
		return;
	}
	now = gb_rec_now_ns();
	i = __atomic_fetch_add(&pre_counts->next_entry, 1, __ATOMIC_RELAXED);
	if (i >= pre_counts->capacity ||
	    (i >= __atomic_load_n(&pre_counts->allocated, __ATOMIC_ACQUIRE) && pre_grow(i) < 0)) {
		pre_add(&pre_counts->skips[f][GB_REC_SKIP_WRITE]);
		return;
	}
	e = &pre_entries[i];
	e->arrival = now > pre_t0 ? now - pre_t0 : 0;
	e->stream = gb_rec_stream(&pre_counts->next_stream);
	e->m = c->m;
	e->n = c->n;
	e->k = c->k;
	e->tensor = gb_rec_map_tensor(c->w, c->n, c->k, &pre_counts->next_tensor);
	/* Last: gbench record takes an entry only once this is set. */
	__atomic_store_n(&e->func, (uint32_t)f + 1, __ATOMIC_RELEASE);
	pre_add(&pre_counts->rows[f]);
}

/* The interposed functions (blasint is int: the LP64 interface). */
EXPORT void cblas_sgemm(int order, int ta, int tb, int M, int N, int K, float alpha,
			const float *A, int lda, const float *B, int ldb, float beta,
			float *C, int ldc);
EXPORT void cblas_sgemv(int order, int trans, int M, int N, float alpha, const float *A,
			int lda, const float *X, int incx, float beta, float *Y, int incy);
EXPORT void sgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
		   const float *alpha, const float *a, const int *lda, const float *b,
		   const int *ldb, const float *beta, float *c, const int *ldc,
		   size_t lta, size_t ltb);
EXPORT void sgemv_(const char *trans, const int *m, const int *n, const float *alpha,
		   const float *a, const int *lda, const float *x, const int *incx,
		   const float *beta, float *y, const int *incy, size_t ltrans);

void cblas_sgemm(int order, int ta, int tb, int M, int N, int K, float alpha,
		 const float *A, int lda, const float *B, int ldb, float beta,
		 float *C, int ldc)
{
	typedef void fn_t(int, int, int, int, int, int, float, const float *, int,
			  const float *, int, float, float *, int);
	fn_t *real = (fn_t *)pre_resolve(GB_REC_FN_cblas_sgemm);

	if (pre_enter(GB_REC_FN_cblas_sgemm)) {
		struct gb_rec_call c;
		int st = gb_rec_map_gemm(order, ta, tb, M, N, K, A, lda, B, ldb, ldc, &c);

		pre_record(GB_REC_FN_cblas_sgemm, st, &c);
	}
	real(order, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
	pre_leave();
}

void cblas_sgemv(int order, int trans, int M, int N, float alpha, const float *A,
		 int lda, const float *X, int incx, float beta, float *Y, int incy)
{
	typedef void fn_t(int, int, int, int, float, const float *, int, const float *,
			  int, float, float *, int);
	fn_t *real = (fn_t *)pre_resolve(GB_REC_FN_cblas_sgemv);

	if (pre_enter(GB_REC_FN_cblas_sgemv)) {
		struct gb_rec_call c;
		int st = gb_rec_map_gemv(order, trans, M, N, A, lda, incx, incy, &c);

		pre_record(GB_REC_FN_cblas_sgemv, st, &c);
	}
	real(order, trans, M, N, alpha, A, lda, X, incx, beta, Y, incy);
	pre_leave();
}

/*
 * The Fortran entry points take the hidden lengths of their character
 * arguments last (gfortran's convention); they are forwarded as received,
 * which on x86-64 and aarch64 is harmless whether the caller passed them or
 * not. Fortran is column major.
 */
void sgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
	    const float *alpha, const float *a, const int *lda, const float *b,
	    const int *ldb, const float *beta, float *c, const int *ldc,
	    size_t lta, size_t ltb)
{
	typedef void fn_t(const char *, const char *, const int *, const int *, const int *,
			  const float *, const float *, const int *, const float *,
			  const int *, const float *, float *, const int *, size_t, size_t);
	fn_t *real = (fn_t *)pre_resolve(GB_REC_FN_sgemm_);

	if (pre_enter(GB_REC_FN_sgemm_)) {
		struct gb_rec_call call;
		int st = gb_rec_map_gemm(GB_CBLAS_COL_MAJOR, gb_rec_map_trans_char(ta),
					 gb_rec_map_trans_char(tb), *m, *n, *k, a, *lda, b,
					 *ldb, *ldc, &call);

		pre_record(GB_REC_FN_sgemm_, st, &call);
	}
	real(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lta, ltb);
	pre_leave();
}

void sgemv_(const char *trans, const int *m, const int *n, const float *alpha,
	    const float *a, const int *lda, const float *x, const int *incx,
	    const float *beta, float *y, const int *incy, size_t ltrans)
{
	typedef void fn_t(const char *, const int *, const int *, const float *,
			  const float *, const int *, const float *, const int *,
			  const float *, float *, const int *, size_t);
	fn_t *real = (fn_t *)pre_resolve(GB_REC_FN_sgemv_);

	if (pre_enter(GB_REC_FN_sgemv_)) {
		struct gb_rec_call call;
		int st = gb_rec_map_gemv(GB_CBLAS_COL_MAJOR, gb_rec_map_trans_char(trans),
					 *m, *n, a, *lda, *incx, *incy, &call);

		pre_record(GB_REC_FN_sgemv_, st, &call);
	}
	real(trans, m, n, alpha, a, lda, x, incx, beta, y, incy, ltrans);
	pre_leave();
}

/*
 * The entry points counted, not mapped: each forwards its arguments as
 * they came. PRE_VOID(name, (params), (args)), PRE_RET(type, name, ...).
 */
#define PRE_VOID(name, params, args)                                         \
	EXPORT void name params;                                             \
	void name params                                                     \
	{                                                                    \
		typedef void fn_t params;                                    \
		fn_t *real = (fn_t *)pre_resolve(GB_REC_FN_##name);          \
		pre_enter(GB_REC_FN_##name);                                 \
		real args;                                                   \
		pre_leave();                                                 \
	}
#define PRE_RET(type, name, params, args)                                    \
	EXPORT type name params;                                             \
	type name params                                                     \
	{                                                                    \
		typedef type fn_t params;                                    \
		fn_t *real = (fn_t *)pre_resolve(GB_REC_FN_##name);          \
		type r;                                                      \
		pre_enter(GB_REC_FN_##name);                                 \
		r = real args;                                               \
		pre_leave();                                                 \
		return r;                                                    \
	}

#define GEMM_D_PARAMS (int o, int ta, int tb, int M, int N, int K, double alpha,     \
		       const double *A, int lda, const double *B, int ldb, double beta, \
		       double *C, int ldc)
#define GEMM_Z_PARAMS (int o, int ta, int tb, int M, int N, int K, const void *alpha, \
		       const void *A, int lda, const void *B, int ldb, const void *beta, \
		       void *C, int ldc)
#define GEMM_ARGS (o, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
PRE_VOID(cblas_dgemm, GEMM_D_PARAMS, GEMM_ARGS)
PRE_VOID(cblas_cgemm, GEMM_Z_PARAMS, GEMM_ARGS)
PRE_VOID(cblas_zgemm, GEMM_Z_PARAMS, GEMM_ARGS)

#define GEMV_Z_PARAMS (int o, int t, int M, int N, const void *alpha, const void *A,  \
		       int lda, const void *X, int incx, const void *beta, void *Y,    \
		       int incy)
#define GEMV_ARGS (o, t, M, N, alpha, A, lda, X, incx, beta, Y, incy)
PRE_VOID(cblas_dgemv, (int o, int t, int M, int N, double alpha, const double *A,
		       int lda, const double *X, int incx, double beta, double *Y,
		       int incy), GEMV_ARGS)
PRE_VOID(cblas_cgemv, GEMV_Z_PARAMS, GEMV_ARGS)
PRE_VOID(cblas_zgemv, GEMV_Z_PARAMS, GEMV_ARGS)

PRE_VOID(dgemm_, (const char *ta, const char *tb, const int *m, const int *n,
		  const int *k, const double *alpha, const double *a, const int *lda,
		  const double *b, const int *ldb, const double *beta, double *c,
		  const int *ldc, size_t lta, size_t ltb),
	 (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, lta, ltb))
PRE_VOID(dgemv_, (const char *t, const int *m, const int *n, const double *alpha,
		  const double *a, const int *lda, const double *x, const int *incx,
		  const double *beta, double *y, const int *incy, size_t lt),
	 (t, m, n, alpha, a, lda, x, incx, beta, y, incy, lt))

#define SYRK_Z_PARAMS (int o, int u, int t, int N, int K, const void *alpha,        \
		       const void *A, int lda, const void *beta, void *C, int ldc)
#define SYRK_ARGS (o, u, t, N, K, alpha, A, lda, beta, C, ldc)
PRE_VOID(cblas_ssyrk, (int o, int u, int t, int N, int K, float alpha, const float *A,
		       int lda, float beta, float *C, int ldc), SYRK_ARGS)
PRE_VOID(cblas_dsyrk, (int o, int u, int t, int N, int K, double alpha, const double *A,
		       int lda, double beta, double *C, int ldc), SYRK_ARGS)
PRE_VOID(cblas_csyrk, SYRK_Z_PARAMS, SYRK_ARGS)
PRE_VOID(cblas_zsyrk, SYRK_Z_PARAMS, SYRK_ARGS)

#define DOT_ARGS (n, x, incx, y, incy)
PRE_RET(float, cblas_sdot, (int n, const float *x, int incx, const float *y, int incy),
	DOT_ARGS)
PRE_RET(double, cblas_ddot, (int n, const double *x, int incx, const double *y, int incy),
	DOT_ARGS)
#define DOT_SUB_PARAMS (int n, const void *x, int incx, const void *y, int incy, void *ret)
#define DOT_SUB_ARGS (n, x, incx, y, incy, ret)
PRE_VOID(cblas_cdotc_sub, DOT_SUB_PARAMS, DOT_SUB_ARGS)
PRE_VOID(cblas_cdotu_sub, DOT_SUB_PARAMS, DOT_SUB_ARGS)
PRE_VOID(cblas_zdotc_sub, DOT_SUB_PARAMS, DOT_SUB_ARGS)
PRE_VOID(cblas_zdotu_sub, DOT_SUB_PARAMS, DOT_SUB_ARGS)

#define AXPY_ARGS (n, alpha, x, incx, y, incy)
#define AXPY_Z_PARAMS (int n, const void *alpha, const void *x, int incx, void *y, int incy)
PRE_VOID(cblas_saxpy, (int n, float alpha, const float *x, int incx, float *y, int incy),
	 AXPY_ARGS)
PRE_VOID(cblas_daxpy, (int n, double alpha, const double *x, int incx, double *y, int incy),
	 AXPY_ARGS)
PRE_VOID(cblas_caxpy, AXPY_Z_PARAMS, AXPY_ARGS)
PRE_VOID(cblas_zaxpy, AXPY_Z_PARAMS, AXPY_ARGS)
