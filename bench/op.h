/*
 * op.h - the seven operations a trace can request (DESIGN.md section 5) and
 * the sizes, FLOPs and bytes that follow from a request's shape.
 *
 * Buffer shapes, for a call of m stacked rows:
 *   matmul   x: m*k          weights: n rows of k   y: m*n
 *   softmax  x: m*n                                 y: m*n
 *   rmsnorm  x: m*n                                 y: m*n
 *   silu     x: m*n                                 y: m*n
 *   reduce   x: m*n                                 y: m
 *   topk     x: m*k (query)  weights: n rows of k   y: m*p scores, idx: m*p
 *   fft      x: m*2n (interleaved re,im)            y: m*2n
 * The persistent operand of matmul and topk is stored as n rows of k (W
 * transposed for matmul), so both quantize along k the same way.
 */
#ifndef GB_OP_H
#define GB_OP_H

#include <stddef.h>
#include <stdint.h>

enum gb_op {
	GB_OP_MATMUL,
	GB_OP_SOFTMAX,
	GB_OP_RMSNORM,
	GB_OP_SILU,
	GB_OP_REDUCE,
	GB_OP_TOPK,
	GB_OP_FFT,
	GB_OP_COUNT
};

/* Limits a trace row may not exceed (documented in workloads/README.md). */
#define GB_MAX_M 65536u
#define GB_MAX_NK (1u << 20)          /* n and k each */
#define GB_MAX_ELEMS (1ull << 26)     /* any one operand, in elements (256 MiB f32) */
#define GB_MAX_TOPK_P 1024u
#define GB_MAX_FFT_N (1u << 20)

struct gb_shape {
	enum gb_op op;
	uint32_t m, n, k, p;
};

const char *gb_op_name(enum gb_op op);
/* Returns 0 and sets *op, or -1 for an unknown name. */
int gb_op_parse(const char *name, enum gb_op *op);
/* 1 when the op has a persistent operand (matmul, topk). */
int gb_op_has_weights(enum gb_op op);

/* Element counts of a call's buffers (floats; see the table above). */
size_t gb_shape_in_floats(const struct gb_shape *s);
size_t gb_shape_out_floats(const struct gb_shape *s);
/* Floating-point operations of the call (a multiply-add counts as 2). */
double gb_shape_flops(const struct gb_shape *s);

#endif
