/*
 * rec-map.h - from a BLAS call to a gbench matmul request (DESIGN.md
 * section 5: Y (m x n) = X (m x k) . W (k x n), W the persistent operand).
 *
 * Which operand is W: for sgemm, C = op(A) op(B), the B operand (K x N):
 * in a layer y = x W the activations come first and the weights second,
 * which is how numpy's `x @ w` and C programs written after it call sgemm.
 * For sgemv, y = op(A) x, the matrix A (the vector is the activation):
 * m = 1, n = the length of y, k = the length of x.
 *
 * Transposes and the storage order change which of the call's dimensions
 * are rows and columns of the stored matrices, not m, n and k (CBLAS gives
 * M, N, K after the transposes, in either order; Fortran BLAS is column
 * major). The leading dimensions are checked as the BLAS checks them: a
 * call the BLAS would reject (through xerbla, computing nothing) gives no
 * row. Pure functions, no I/O: unit-tested in tests/unit/test-record.c.
 */
#ifndef GB_REC_MAP_H
#define GB_REC_MAP_H

#include <stdint.h>

/* CBLAS's enum values (cblas.h), the same in every implementation. */
#define GB_CBLAS_ROW_MAJOR 101
#define GB_CBLAS_COL_MAJOR 102
#define GB_CBLAS_NO_TRANS 111
#define GB_CBLAS_TRANS 112
#define GB_CBLAS_CONJ_TRANS 113

enum gb_rec_map_status {
	GB_REC_MAPPED = 0,
	GB_REC_MAP_EMPTY,      /* m, n or k is 0 */
	GB_REC_MAP_LIMIT,      /* over bench/op.h's limits */
	GB_REC_MAP_INVALID,    /* the BLAS would reject the arguments */
};

struct gb_rec_call {
	uint32_t m, n, k;
	const void *w;         /* the persistent operand's buffer */
};

/* cblas_sgemm's arguments (M, N, K as given); returns a gb_rec_map_status. */
int gb_rec_map_gemm(int order, int transa, int transb, long M, long N, long K,
		    const void *A, long lda, const void *B, long ldb, long ldc,
		    struct gb_rec_call *c);
/* cblas_sgemv's (M x N is A as stored in order). */
int gb_rec_map_gemv(int order, int trans, long M, long N, const void *A, long lda,
		    long incx, long incy, struct gb_rec_call *c);
/* A Fortran transpose character ('N', 'T', 'C', either case) as CBLAS's value; -1 if none. */
int gb_rec_map_trans_char(const char *t);

/*
 * The id of the weight at (w, n, k), named "w<id>" in the trace: ids are
 * given in the order weights are first seen, so two runs of one program
 * name its weights alike whatever the addresses. ids, when not NULL, is a
 * counter shared between processes. A full table (65536 weights) gives
 * every further one a fresh id. Thread-safe.
 */
uint32_t gb_rec_map_tensor(const void *w, uint32_t n, uint32_t k, uint32_t *ids);

#endif
