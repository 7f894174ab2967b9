/*
 * inject.h - a real, calibrated slowdown for measuring the regression gate
 * (issue 16): GB_INJECT=OP:FRACTION[,OP:FRACTION...] (OP an op name or
 * "all", FRACTION in (0, 10], "2%" or 0.02) makes every executor call of
 * that op do extra work after the call itself: dependent integer
 * arithmetic with a cache-line touch every 16 steps, as many steps as take
 * FRACTION of the call's own time. The steps per call are calibrated per
 * shape in each process (the fastest of three runs of its first call times
 * the steps per ns of this machine) and then fixed, so the repetitions of a
 * process do the same number of instructions: a callgrind child counts the
 * same extra instructions every time, and the fraction shows in sim_ir.
 *
 * A slowdown that is real work, not multiplied numbers: the probe, the
 * clock, the cache and the scheduler all see it as they would see slower
 * code. Runs record the spec in meta.json ("inject").
 */
#ifndef GB_INJECT_H
#define GB_INJECT_H

#include <stdint.h>

#include "op.h"

/*
 * Parse GB_INJECT from the environment (unset or empty: off). 0, or -1
 * with the reason (a bad spec is a usage error: exit 2 before anything
 * runs).
 *
 * Besides OP:FRACTION, an item OP:+STEPS gives every call of OP exactly
 * STEPS steps, uncalibrated: the same instructions in every process, on
 * the native clock and under valgrind, which is how a change of a known
 * number of instructions is made (scripts/gate-figure.sh sizes STEPS from
 * the counts it measures). GB_INJECT_CELLS=GLOB[,GLOB...] (fnmatch on the
 * cell id) limits injection to the cells it names; unset, every cell.
 */
int gb_inject_setup(void);
/* The spec in force, or NULL when off. */
const char *gb_inject_spec(void);
/* The fraction for op (0: none). */
double gb_inject_fraction(enum gb_op op);
/*
 * Whether a cell gets the injecting executor: injection on, one of the op
 * kinds in ops (bit 1 << op) has a fraction or steps, and GB_INJECT_CELLS
 * is unset or names cell_id. A cell without it runs the executor itself,
 * so its instructions are those of a run without GB_INJECT.
 */
int gb_inject_applies(const char *cell_id, uint32_t ops);
/*
 * The extra steps a call of shape s gets: 0 when off or for an op without
 * a fraction, -1 when the shape is not calibrated yet. Thread-safe.
 */
int64_t gb_inject_lookup(const struct gb_shape *s);
/*
 * Calibrate shape s with min_ns, the fastest of its first calls (a shape
 * calibrated already keeps its count); its steps returned.
 */
int64_t gb_inject_calibrate(const struct gb_shape *s, uint64_t min_ns);
/*
 * Put this process's calibration in the environment (GB_INJECT_TABLE) for
 * the callgrind children it spawns next, so that they do the steps
 * calibrated on the native clock; nothing when off.
 */
void gb_inject_export_env(void);
/* Run n steps of the extra work; returns a value that depends on all of them. */
uint64_t gb_inject_work(uint64_t n);

#endif
