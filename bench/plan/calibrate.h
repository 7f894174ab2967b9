/*
 * calibrate.h - the time plan's calibration: seconds of one whole replay
 * of each workload through each executor at each batch size and quant
 * level (cache 0), scaled from short untimed replays of a window of the
 * trace's first rows, into each cell's rep_s and rep_fixed_s.
 */
#ifndef GB_PLAN_CALIBRATE_H
#define GB_PLAN_CALIBRATE_H

#include <stddef.h>

#include <jansson.h>

struct gb_run;

/*
 * Calibrate every cell of r (one probe per workload, executor, batch and
 * quant, shared by the cells of other cache sizes): first one probe of
 * each workload and executor, then the others while the calibration is
 * within a quarter of a time budget; the probes not taken are planned as
 * the dearest probe of their workload and executor, and the run warns.
 * Returns the probes as meta.json's time_plan "calibration" array.
 */
json_t *gb_run_calibrate(struct gb_run *r);

/* The windows a probe timed: rows, their FLOPs, seconds of a replay. */
struct gb_probe_points {
	double rows[32], flops[32], sec[32];
	size_t n;
};

/*
 * What a row costs besides its FLOPs, in FLOPs (a cell's rep_row_flops):
 * sec = a * rows + c * flops fitted to p's windows by least squares with
 * a, c >= 0, as a / c. NAN where the windows cannot tell the two apart
 * (fewer than two, or rows and FLOPs in one proportion: a trace of one
 * shape) or say FLOPs cost nothing (a window then costs its part of the
 * rows, as without a fit). A fit of no cost besides FLOPs is kept at a
 * thousandth of an average row's FLOPs (mean_flops), so that no window of
 * FLOP-free rows is planned as free.
 */
double gb_calibrate_row_flops(const struct gb_probe_points *p, double mean_flops);

#endif
