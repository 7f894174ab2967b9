/*
 * t1000-record-blas.c - the program t1000-record-blas.sh records: a known
 * sequence of f32 BLAS calls, linked against the system's OpenBLAS, both
 * storage orders, transposes, padded leading dimensions, the Fortran entry
 * points, two threads, and calls that give no row (a dgemm, an sdot, an
 * empty sgemm). It prints the rows the recorder must write, one per call,
 * as "stream,matmul,m,n,k,0,tensor,", to compare with the trace.
 *
 *   t1000-record-blas [crash]   crash: abort() after the first thread's calls
 */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
	    const float *alpha, const float *a, const int *lda, const float *b, const int *ldb,
	    const float *beta, float *c, const int *ldc);
void sgemv_(const char *t, const int *m, const int *n, const float *alpha, const float *a,
	    const int *lda, const float *x, const int *incx, const float *beta, float *y,
	    const int *incy);

static float *w1, *w2, *w3, *x, *y;

static float *filled(size_t n)
{
	float *p = malloc(n * sizeof(*p));

	if (!p)
		abort();
	for (size_t i = 0; i < n; i++)
		p[i] = (float)(i % 13) * 0.125f - 0.5f;
	return p;
}

/* The second thread: its own stream, one of the first thread's weights. */
static void *second(void *arg)
{
	(void)arg;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 3, 64, 32, 1.0f, x, 32,
		    w1, 64, 0.0f, y, 64);
	printf("1,matmul,3,64,32,0,w0,\n");
	return NULL;
}

int main(int argc, char **argv)
{
	int m = 5, n = 48, k = 40, lda = 44, ldb = 50, ldc = 52, one = 1;
	float alpha = 1.0f, beta = 0.0f;
	double d[64] = { 0 };
	pthread_t t;

	w1 = filled(32 * 64);      /* k x n = 32 x 64 */
	w2 = filled(64 * 64);
	w3 = filled(50 * 64);
	x = filled(64 * 64);
	y = filled(64 * 64);

	/* Row major, W = w1 (32 x 64), x 8 x 32. */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 8, 64, 32, 1.0f, x, 32,
		    w1, 64, 0.0f, y, 64);
	printf("0,matmul,8,64,32,0,w0,\n");
	/* The same weight again: the same name. */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 64, 32, 1.0f, x, 32,
		    w1, 64, 0.0f, y, 64);
	printf("0,matmul,2,64,32,0,w0,\n");
	/* Row major, B transposed (stored n x k = 16 x 64, ldb 64): y = x w2'. */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 4, 16, 64, 1.0f, x, 64,
		    w2, 64, 0.0f, y, 16);
	printf("0,matmul,4,16,64,0,w1,\n");
	/* Column major, A transposed, padded leading dimensions. */
	cblas_sgemm(CblasColMajor, CblasTrans, CblasNoTrans, 6, 24, 20, 1.0f, x, 30,
		    w3, 40, 0.0f, y, 10);
	printf("0,matmul,6,24,20,0,w2,\n");
	/* Matrix-vector, row major: A 48 x 40, y = A x: n 48, k 40. */
	cblas_sgemv(CblasRowMajor, CblasNoTrans, 48, 40, 1.0f, w2, 64, x, 1, 0.0f, y, 1);
	printf("0,matmul,1,48,40,0,w3,\n");
	/* Transposed, column major: A 30 x 20, y = A' x: n 20, k 30. */
	cblas_sgemv(CblasColMajor, CblasTrans, 30, 20, 1.0f, w3, 32, x, 1, 0.0f, y, 1);
	printf("0,matmul,1,20,30,0,w4,\n");
	/* Fortran: column major, lowercase transposes. */
	sgemm_("n", "t", &m, &n, &k, &alpha, x, &lda, w3, &ldb, &beta, y, &ldc);
	printf("0,matmul,5,48,40,0,w5,\n");
	sgemv_("T", &k, &n, &alpha, w2, &ldb, x, &one, &beta, y, &one);
	printf("0,matmul,1,48,40,0,w3,\n");  /* w2 again, as 40 x 48 again */
	/* No rows: an f64 product, a dot product, an empty product. */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 4, 4, 4, 1.0, d, 4, d + 16, 4,
		    0.0, d + 32, 4);
	if (cblas_sdot(16, x, 1, y, 1) != cblas_sdot(16, x, 1, y, 1))
		return 1;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 0, 8, 8, 1.0f, x, 8, w1, 8,
		    0.0f, y, 8);
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "crash"))
		abort();
	if (pthread_create(&t, NULL, second, NULL) || pthread_join(t, NULL))
		return 1;
	return 0;
}
