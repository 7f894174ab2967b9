/*
 * perf-group.h - perf_event_open groups over every thread of the process,
 * shared by the perf-event source (hardware events encoded by libpfm4) and
 * the software source (task clock, page faults).
 *
 * The events are described by type and config only, so that this header
 * does not need <linux/perf_event.h>: libpfm4's pfmlib_perf_event.h brings
 * its own copy and the two cannot be included together.
 */
#ifndef GB_PERF_GROUP_H
#define GB_PERF_GROUP_H

#include <stddef.h>
#include <stdint.h>

struct gb_perf_ev {
	uint32_t type;                   /* perf_event_attr.type */
	uint64_t config, config1, config2;
	int group;                       /* events of one PMU share a group number */
};

struct gb_perf_set;

/*
 * Open ev[0..n) on every thread the process has now (one group per thread
 * and group number, leader first, inherit=1 so that threads created later
 * count too), disabled. Each event is first tried alone on the calling
 * thread, counting kernel mode too; where that is refused (EACCES, EPERM:
 * perf_event_paranoid) it counts user mode only and *user_only is set.
 * err[i] is 0 when event i opened, else the errno of its open. A group the
 * kernel refuses as a whole is split into single events (multiplexed, then
 * scaled). At most 32 events. Returns 0 when at least one event opened,
 * else -1 (no message).
 */
int gb_perf_set_open(struct gb_perf_set **out, const struct gb_perf_ev *ev, size_t n,
		     int *err, int *user_only);
/* Start counting (takes a baseline, then enables every group). 0 or -1. */
int gb_perf_set_start(struct gb_perf_set *s);
/* Stop counting and take the values of the window. 0 or -1. */
int gb_perf_set_stop(struct gb_perf_set *s);
/*
 * The values of the last start..stop per event, summed over threads and
 * scaled by time enabled / time running; share[i] is running / enabled
 * (1 when never multiplexed). An event not opened, or one enabled but never
 * scheduled on some thread, has val NAN.
 */
void gb_perf_set_values(const struct gb_perf_set *s, double *val, double *share);
/* The number of threads counted at open. */
size_t gb_perf_set_threads(const struct gb_perf_set *s);
void gb_perf_set_close(struct gb_perf_set *s);

/*
 * Why perf_event_open failed with errno err, for a person: the errno text
 * and what it means here (no PMU under a hypervisor, perf_event_paranoid).
 * hardware: the event needs the CPU's PMU.
 */
void gb_perf_why(int err, int hardware, char *buf, size_t len);
/* /proc/sys/kernel/perf_event_paranoid, or -100 when it cannot be read. */
int gb_perf_paranoid(void);
/* 1 when /sys/bus/event_source/devices has a CPU PMU (cpu, cpu_core, armv8...). */
int gb_perf_has_cpu_pmu(void);

#endif
