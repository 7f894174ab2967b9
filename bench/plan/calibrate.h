/*
 * calibrate.h - the time plan's calibration: seconds of one whole replay
 * of each workload through each executor at each batch size and quant
 * level (cache 0), scaled from short untimed replays of a window of the
 * trace's first rows, into each cell's rep_s and rep_fixed_s.
 */
#ifndef GB_PLAN_CALIBRATE_H
#define GB_PLAN_CALIBRATE_H

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

#endif
