/*
 * op.c - names, buffer sizes and FLOP counts of the seven operations a trace
 * can request (op.h has the table of buffer shapes).
 *
 * FLOPs count what a straightforward implementation does per element, so
 * that throughput numbers are comparable between executors: a multiply-add
 * is 2, an exp or a division is 1. The FFT uses the customary 5 n log2(n)
 * per transform, whatever algorithm actually runs.
 */
#include "op.h"

#include <string.h>

static const char *const op_names[GB_OP_COUNT] = {
	[GB_OP_MATMUL] = "matmul",
	[GB_OP_SOFTMAX] = "softmax",
	[GB_OP_RMSNORM] = "rmsnorm",
	[GB_OP_SILU] = "silu",
	[GB_OP_REDUCE] = "reduce",
	[GB_OP_TOPK] = "topk",
	[GB_OP_FFT] = "fft",
};

const char *gb_op_name(enum gb_op op)
{
	if ((unsigned)op >= GB_OP_COUNT)
		return "unknown";
	return op_names[op];
}

int gb_op_parse(const char *name, enum gb_op *op)
{
	for (unsigned i = 0; i < GB_OP_COUNT; i++) {
		if (!strcmp(name, op_names[i])) {
			*op = (enum gb_op)i;
			return 0;
		}
	}
	return -1;
}

int gb_op_has_weights(enum gb_op op)
{
	return op == GB_OP_MATMUL || op == GB_OP_TOPK;
}

size_t gb_shape_in_floats(const struct gb_shape *s)
{
	size_t m = s->m, n = s->n, k = s->k;

	switch (s->op) {
	case GB_OP_MATMUL:
	case GB_OP_TOPK:
		return m * k;
	case GB_OP_SOFTMAX:
	case GB_OP_RMSNORM:
	case GB_OP_SILU:
	case GB_OP_REDUCE:
		return m * n;
	case GB_OP_FFT:
		return 2 * m * n;
	case GB_OP_COUNT:
		break;
	}
	return 0;
}

size_t gb_shape_out_floats(const struct gb_shape *s)
{
	size_t m = s->m, n = s->n, p = s->p;

	switch (s->op) {
	case GB_OP_MATMUL:
	case GB_OP_SOFTMAX:
	case GB_OP_RMSNORM:
	case GB_OP_SILU:
		return m * n;
	case GB_OP_REDUCE:
		return m;
	case GB_OP_TOPK:
		return m * p;        /* scores; the indices are a second m*p array */
	case GB_OP_FFT:
		return 2 * m * n;
	case GB_OP_COUNT:
		break;
	}
	return 0;
}

static double log2_u32(uint32_t n)
{
	double l = 0;

	while (n > 1) {
		n >>= 1;
		l += 1;
	}
	return l;
}

double gb_shape_flops(const struct gb_shape *s)
{
	double m = s->m, n = s->n, k = s->k;

	switch (s->op) {
	case GB_OP_MATMUL:
	case GB_OP_TOPK:             /* the inner products; selection is compares */
		return 2 * m * n * k;
	case GB_OP_SOFTMAX:          /* max, subtract, exp, sum, scale */
		return 5 * m * n;
	case GB_OP_RMSNORM:          /* square-add, scale; one sqrt per row */
		return 3 * m * n + m;
	case GB_OP_SILU:             /* exp, add, divide, multiply */
		return 4 * m * n;
	case GB_OP_REDUCE:
		return m * n;
	case GB_OP_FFT:
		return 5 * m * n * log2_u32(s->n);
	case GB_OP_COUNT:
		break;
	}
	return 0;
}
