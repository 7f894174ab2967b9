/*
 * changepoint.h - persistent shifts in a series of per-run values: PELT
 * (Killick, Fearnhead and Eckley 2012) over the logarithm of the values,
 * with a penalty chosen from the data, then a floor on the size of a shift.
 *
 * Why PELT with a data-chosen penalty rather than E-Divisive means: a
 * history series is one median per run, close to normal around a level
 * that moves in steps; PELT finds the optimal segmentation for a mean
 * change exactly in about linear time and is deterministic (E-Divisive
 * decides by a permutation test, so its answer depends on a seed and costs
 * hundreds of passes). The penalty is GB_CP_PENALTY * sigma^2 * ln(n),
 * sigma the run-to-run noise estimated from the data: the standard
 * deviation of the first differences of log x over sqrt 2. A step adds one
 * large difference among n - 1, so it raises sigma only a little (a 3%
 * step in 60 runs of 0.5% noise: by about 14%), while the tails of real
 * timings (bimodal medians, a slow run now and then) are counted in full:
 * robust estimates (MAD or IQR of the differences) ignored them and let
 * A/A histories built from real runs show false shifts in half the trials
 * (docs/history.md has the figures). Four times sigma^2 ln n rather than
 * BIC's two for the same reason; segments of fewer than GB_CP_MIN_SEGMENT
 * runs are not allowed (a shift is persistent when it held that long), and
 * a shift smaller than min_shift (relative) is dropped as too small to
 * matter.
 */
#ifndef GB_CHANGEPOINT_H
#define GB_CHANGEPOINT_H

#include <stddef.h>

#define GB_CP_PENALTY     4.0
#define GB_CP_MIN_SEGMENT 5
#define GB_CP_MIN_SHIFT   0.01    /* 1% */
#define GB_CP_SIGMA_FLOOR 1e-4    /* of the log: deterministic counts still need a floor */

struct gb_changepoint {
	size_t index;     /* the first run of the new level (0-based) */
	double before;    /* median of the segment before */
	double after;     /* median of the segment from index on */
	double shift;     /* after / before - 1 */
};

/*
 * Find the shifts in x[0..n) (positive values; a value <= 0 or NAN makes
 * the series unusable: 0 found). *out is allocated (caller frees; NULL when
 * none); returns the number found, in order of index.
 */
size_t gb_changepoints(const double *x, size_t n, double min_shift, struct gb_changepoint **out);

/* The noise estimate the penalty uses, of log x (exposed for tests and docs). */
double gb_changepoint_sigma(const double *x, size_t n);

#endif
