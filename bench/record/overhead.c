/*
 * overhead.c - `make bench`'s measure of what the recorder costs a call:
 * the median over 15 rounds of the time per call of 2000 cblas_sgemv
 * calls of 16 x 16, printed in ns. record.mk runs it plain and under
 * `gbench record`; the difference is the recorder's cost per call. The
 * product is small on purpose, so that the cost is not lost in it.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 16
#define CALLS 2000
#define ROUNDS 15

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	static float a[N * N], x[N], y[N];
	double t[ROUNDS];

	for (int i = 0; i < N * N; i++)
		a[i] = (float)(i % 7) * 0.25f;
	for (int i = 0; i < N; i++)
		x[i] = 1.0f;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (int c = 0; c < CALLS; c++)
			cblas_sgemv(CblasRowMajor, CblasNoTrans, N, N, 1.0f, a, N, x, 1, 0.0f, y, 1);
		t[r] = (now_ns() - t0) / CALLS;
	}
	qsort(t, ROUNDS, sizeof(t[0]), cmp);
	printf("%.0f\n", t[ROUNDS / 2]);
	return y[0] == y[0] ? 0 : 1;
}
