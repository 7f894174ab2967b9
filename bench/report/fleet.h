/*
 * fleet.h - a fleet summary: runs of one config on several machine classes
 * side by side (issue 18; docs/slurm.md).
 *
 * The input is a list of results directories, or one folder of class
 * folders as `gbench merge --by-class --out OUT` writes them. Runs of one
 * class are not pooled here (that is merge's job): two folders of one class
 * are refused, so a class's figures are never silently those of one share.
 * The summary is fleet.md in out_dir: the machines, then per workload the
 * best cell of each class and, per cell, each class's median throughput
 * with its 95% interval and the ratio to the first class; two classes
 * whose intervals overlap are called a tie, not ranked.
 */
#ifndef GB_REPORT_FLEET_H
#define GB_REPORT_FLEET_H

#include <stddef.h>

/*
 * The class folders of root, as merge --by-class writes them (each holds a
 * meta.json), sorted by name, into *dirs (caller frees each and the array);
 * their count, 0 when root holds none, -1 on error (message printed).
 */
int gb_fleet_find(const char *root, char ***dirs);

/* Write out_dir/fleet.md from the runs in dirs[0..n), n >= 2; 0, or -1 (message printed). */
int gb_fleet_report(const char *const *dirs, size_t n, const char *out_dir);

#endif
