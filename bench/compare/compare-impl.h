/*
 * compare-impl.h - what the files of compare (compare.c, compare-read.c,
 * compare-out.c, ...) share and nothing else includes.
 */
#ifndef GB_COMPARE_IMPL_H
#define GB_COMPARE_IMPL_H

#include "compare/compare.h"
#include "gbench.h"

/* A warning: printed with gb_warn now and kept in c for the outputs. */
void gb_compare_warn(struct gb_compare *c, const char *fmt, ...) GB_PRINTF(2, 3);

/* The metric's values without NAN (caller frees); n 0 for an absent or unavailable metric. */
double *gb_compare_values(const struct gb_metric *m, size_t *n);
const struct gb_cell_result *gb_compare_find_cell(const struct gb_results *r, const char *id);
const struct gb_metric *gb_compare_find_metric(const struct gb_cell_result *c, const char *name);

/* Is the ratio x past the row's band on the worse or the better side? */
int gb_compare_worse(const struct gb_compare_row *r, double x);
int gb_compare_better(const struct gb_compare_row *r, double x);

/*
 * counts.c: a row of deterministic counts (sim_ir) judged from both sides'
 * repetitions, b and v, without a test; and the gating time rows that
 * time left inconclusive made unchanged where the cell's count settled
 * them (c->opts.counts_settled).
 */
void gb_compare_judge_counts(struct gb_compare_row *r, const double *b, size_t nb,
			     const double *v, size_t nv);
void gb_compare_counts_decide(struct gb_compare *c);

/*
 * compare-read.c: row r of a cell whose sides replayed different windows
 * of its trace (c->windows) made inconclusive, with the reason.
 */
void gb_compare_window_rule(const struct gb_compare *c, struct gb_compare_row *r);

/* compare-diag.c: reported beside the verdicts, never moving one. */
/* Why a row's verdict may be the noise's (caller frees), or NULL. */
char *gb_compare_noise_reason(const struct gb_cell_result *cb, const struct gb_cell_result *cc);
/* The probe's speed ratio per executor of base's cells, into c->machine. */
void gb_compare_machine_speed(struct gb_compare *c, const struct gb_results *base,
			      const struct gb_results *cur);
/* Each executor's median wall_ns ratio over its cells (after the rows exist). */
void gb_compare_cell_shifts(struct gb_compare *c, const struct gb_results *base);
/* A warning where every cell of an executor moved beyond the threshold. */
void gb_compare_drift_warning(struct gb_compare *c);

/*
 * compare-out.c: the columns of one row as the table shows them, each a
 * string the caller frees with gb_compare_free_cols; and the word for a
 * comparison's exit code (OK, REGRESSION, INCONCLUSIVE).
 */
enum { COL_VERDICT, COL_CELL, COL_METRIC, COL_BASE, COL_CUR, COL_RATIO, COL_CI, COL_P,
       COL_NOTE, NCOL };
void gb_compare_row_cols(const struct gb_compare_row *r, char **col);
void gb_compare_free_cols(char **col);
const char *gb_compare_result_word(int code);

#endif
