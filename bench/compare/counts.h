/*
 * counts.h - the cells that instruction counts settled (issue 16, item 2:
 * counts first, time second). Read from the JSON that `gbench compare
 * --json` wrote for the count stage (perf-gate.sh's compare-ir.json): a
 * cell is settled when its sim_ir row gates and is unchanged (counts that
 * differ between repetitions by more than half the threshold do not gate).
 * A gating time row of a settled cell that time alone cannot decide is then
 * unchanged; a regression that time confirms still stands.
 */
#ifndef GB_COMPARE_COUNTS_H
#define GB_COMPARE_COUNTS_H

struct gb_counts;

/*
 * Read path into *out: 0, or -1 with the reason (not a compare JSON, no
 * sim_ir row in it).
 */
int gb_counts_load(struct gb_counts **out, const char *path);
void gb_counts_free(struct gb_counts *s);
/* 1 when cell's count gated and was unchanged (a struct gb_counts * as ctx). */
int gb_counts_settled(void *ctx, const char *cell);

#endif
