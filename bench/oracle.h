/*
 * oracle.h - the float64 reference and the accuracy measures of DESIGN.md
 * section 8.
 *
 * The oracle computes each op in double on the unquantized data (the f32
 * persistent operand as generated, the f32 inputs), with the same output
 * layout as an executor call. It runs outside every timed region.
 */
#ifndef GB_ORACLE_H
#define GB_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "op.h"
#include "quant.h"

/*
 * y gets gb_shape_out_floats(s) doubles; idx (topk only) m*p indices, ties
 * to the lower index. w is the unquantized persistent operand (n rows of k
 * floats) or NULL for ops without one. 0 or -1.
 */
int gb_oracle_run(const struct gb_shape *s, const float *x, const float *w,
		  double *y, uint32_t *idx);

/* Accumulates NMSE = sum (a-b)^2 / sum a^2 over many calls; a = reference. */
struct gb_nmse {
	double err2, ref2, max_abs;
	size_t n, nonfinite;  /* values seen; NaN or inf in the tested output */
};

void gb_nmse_add(struct gb_nmse *acc, const double *ref, const float *got, size_t n);
/* Same, with a float reference (the CPU executor as reference for Vulkan). */
void gb_nmse_add_f(struct gb_nmse *acc, const float *ref, const float *got, size_t n);
/* NMSE so far; NAN when nonfinite > 0 (NaN never passes), 0 when ref2 == 0 and err2 == 0. */
double gb_nmse_value(const struct gb_nmse *acc);

/* Recall of top-k sets: |got ∩ ref| / p per query, accumulated. */
struct gb_recall {
	double hits, total;
};
void gb_recall_add(struct gb_recall *acc, const uint32_t *ref_idx, const uint32_t *got_idx,
		   uint32_t m, uint32_t p);
double gb_recall_value(const struct gb_recall *acc);

/* The budgets of DESIGN.md section 8. */
double gb_budget_nmse_f64(enum gb_quant q);
double gb_budget_nmse_cpu(enum gb_quant q);
double gb_budget_recall(enum gb_quant q);

#endif
