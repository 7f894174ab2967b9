/*
 * rec-map.c - BLAS calls to matmul requests, and weights to names
 * (rec-map.h).
 *
 * A weight is known by its address and its n and k, not by its address
 * alone: a buffer freed and reused for a matrix of another shape is another
 * weight. A buffer reused for one of the same shape takes the old name;
 * the recorder sees no free(), so it cannot tell (docs/recording.md).
 */
#include "rec-map.h"

#include <pthread.h>
#include <stddef.h>

/* bench/op.h's limits, repeated: this code is built into libraries without gbench. */
#define MAX_M 65536u
#define MAX_NK (1u << 20)
#define MAX_ELEMS (1ull << 26)

static long max1(long a)
{
	return a > 1 ? a : 1;
}

/* Sizes checked against the trace's limits, copied out. */
static int map_sizes(long M, long N, long K, struct gb_rec_call *c)
{
	if (M == 0 || N == 0 || K == 0)
		return GB_REC_MAP_EMPTY;
	if ((unsigned long)M > MAX_M || (unsigned long)N > MAX_NK || (unsigned long)K > MAX_NK ||
	    (unsigned long long)M * (unsigned long long)K > MAX_ELEMS ||
	    (unsigned long long)N * (unsigned long long)K > MAX_ELEMS ||
	    (unsigned long long)M * (unsigned long long)N > MAX_ELEMS)
		return GB_REC_MAP_LIMIT;
	c->m = (uint32_t)M;
	c->n = (uint32_t)N;
	c->k = (uint32_t)K;
	return GB_REC_MAPPED;
}

static int is_trans(int t)
{
	return t == GB_CBLAS_TRANS || t == GB_CBLAS_CONJ_TRANS;
}

static int valid_trans(int t)
{
	return t == GB_CBLAS_NO_TRANS || is_trans(t);
}

int gb_rec_map_gemm(int order, int transa, int transb, long M, long N, long K,
		    const void *A, long lda, const void *B, long ldb, long ldc,
		    struct gb_rec_call *c)
{
	long arows, brows, crows;

	(void)A;
	if ((order != GB_CBLAS_ROW_MAJOR && order != GB_CBLAS_COL_MAJOR) ||
	    !valid_trans(transa) || !valid_trans(transb) || M < 0 || N < 0 || K < 0)
		return GB_REC_MAP_INVALID;
	/*
	 * The leading dimension is at least the stored matrix's row length in
	 * row-major order, its column length in column-major order. Stored
	 * A is M x K (K x M transposed), B is K x N (N x K), C is M x N.
	 */
	if (order == GB_CBLAS_COL_MAJOR) {
		arows = is_trans(transa) ? K : M;
		brows = is_trans(transb) ? N : K;
		crows = M;
	} else {
		arows = is_trans(transa) ? M : K;
		brows = is_trans(transb) ? K : N;
		crows = N;
	}
	if (lda < max1(arows) || ldb < max1(brows) || ldc < max1(crows))
		return GB_REC_MAP_INVALID;
	c->w = B;
	return map_sizes(M, N, K, c);
}

int gb_rec_map_gemv(int order, int trans, long M, long N, const void *A, long lda,
		    long incx, long incy, struct gb_rec_call *c)
{
	if ((order != GB_CBLAS_ROW_MAJOR && order != GB_CBLAS_COL_MAJOR) ||
	    !valid_trans(trans) || M < 0 || N < 0 || !incx || !incy)
		return GB_REC_MAP_INVALID;
	if (lda < max1(order == GB_CBLAS_COL_MAJOR ? M : N))
		return GB_REC_MAP_INVALID;
	c->w = A;
	/* A is M x N in either order: y = A x has M elements, y = A' x has N. */
	if (is_trans(trans))
		return map_sizes(1, N, M, c);
	return map_sizes(1, M, N, c);
}

int gb_rec_map_trans_char(const char *t)
{
	switch (t ? *t : 0) {
	case 'N': case 'n':
		return GB_CBLAS_NO_TRANS;
	case 'T': case 't':
		return GB_CBLAS_TRANS;
	case 'C': case 'c':
		return GB_CBLAS_CONJ_TRANS;
	default:
		return -1;
	}
}

#define TABLE_SIZE 65536u

struct weight {
	const void *w;
	uint32_t n, k;
	uint32_t id;
	int used;
};

static struct weight map_table[TABLE_SIZE];
static uint32_t map_next_id;
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t map_once = PTHREAD_ONCE_INIT;

static void map_prepare(void)
{
	pthread_mutex_lock(&map_lock);
}

static void map_release(void)
{
	pthread_mutex_unlock(&map_lock);
}

static void map_init(void)
{
	pthread_atfork(map_prepare, map_release, map_release);
}

static uint32_t hash(const void *w, uint32_t n, uint32_t k)
{
	uint64_t h = (uint64_t)(uintptr_t)w * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)n << 32 | k) * 0xc2b2ae3d27d4eb4full;
	return (uint32_t)(h >> 40) & (TABLE_SIZE - 1);
}

uint32_t gb_rec_map_tensor(const void *w, uint32_t n, uint32_t k, uint32_t *ids)
{
	uint32_t *next = ids ? ids : &map_next_id;
	uint32_t j, probes, id;

	pthread_once(&map_once, map_init);
	pthread_mutex_lock(&map_lock);
	j = hash(w, n, k);
	for (probes = 0; probes < TABLE_SIZE; probes++, j = (j + 1) & (TABLE_SIZE - 1)) {
		struct weight *e = &map_table[j];

		if (!e->used) {
			e->used = 1;
			e->w = w;
			e->n = n;
			e->k = k;
			e->id = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED);
			id = e->id;
			goto out;
		}
		if (e->w == w && e->n == n && e->k == k) {
			id = e->id;
			goto out;
		}
	}
	id = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&map_lock);
	return id;
}
