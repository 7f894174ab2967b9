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

/* What the oracle did in this process: its cost, for meta.json. */
struct gb_oracle_stats {
	uint64_t calls, rows;
	uint32_t threads_max;     /* the most threads one call ran on */
	double seconds;           /* wall time in gb_oracle_run */
};
void gb_oracle_stats_get(struct gb_oracle_stats *out);

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

/*
 * The budgets of DESIGN.md section 8. The f64 ones (NMSE maximum, recall
 * minimum) are those of gb_acc_budget_use when it was called, else the
 * table's; the cpu one is the table's always (correctness).
 */
double gb_budget_nmse_f64(enum gb_quant q);
double gb_budget_nmse_cpu(enum gb_quant q);
double gb_budget_recall(enum gb_quant q);

/*
 * Two kinds of accuracy (DESIGN.md section 8). Correctness: an executor
 * against the cpu executor on the same quantized bytes, f32 against the
 * float64 oracle, and any NaN; over budget always fails the run (exit 5).
 * Accuracy cost: a quant level below f32 against float64 (NMSE, top-k
 * recall): measured and reported, failing the run only when asked
 * (`accuracy_budget` in a config, `--accuracy-budget`), since how much a
 * quantization loses depends on the data (recall on the database's size
 * and score gaps), not on an executor being right.
 */
struct gb_acc_budget {
	int gate;                     /* the accuracy cost gates (exit 5) */
	double nmse[GB_Q_COUNT];      /* NMSE against float64: a maximum */
	double recall[GB_Q_COUNT];    /* top-k recall against float64: a minimum */
};

/*
 * "none" (reported only, the table's budgets), "default" (the table's
 * budgets gate), or a list of QUANT:METRIC=VALUE (metric nmse or recall;
 * "q8:recall=0.95,q4:nmse=5e-2"): those budgets, the table's elsewhere,
 * and gating, unless the list also holds "none" (then the rows are judged
 * against them and reported, not gated). f32 takes no budget here: f32
 * against float64 is correctness. 0, or -1 with *b untouched (no message).
 */
int gb_acc_budget_parse(struct gb_acc_budget *b, const char *s);
/* "none", "default" or "default; q8 recall >= 0.95, ..."; caller frees. */
char *gb_acc_budget_describe(const struct gb_acc_budget *b);
/* Make b's f64 budgets the ones gb_budget_nmse_f64 and gb_budget_recall return. */
void gb_acc_budget_use(const struct gb_acc_budget *b);
/*
 * Whether a failed accuracy row gates (exit 5): always for correctness
 * (reference "cpu", quant f32, metric max_abs_err, a NaN value), for the
 * accuracy cost only when b->gate. q is the quant level the op ran at.
 */
int gb_accuracy_gates(const struct gb_acc_budget *b, const char *reference,
		      const char *metric, enum gb_quant q, double value);

#endif
