/*
 * software.c - the software counter source: what the kernel counts without
 * a PMU. Task clock and page faults through perf software events (counted
 * over every thread, perf-group.c); voluntary and involuntary context
 * switches and the peak RSS through getrusage(RUSAGE_SELF).
 *
 * The software context-switch perf event reads 0 when kernel events are
 * excluded (which an unprivileged user must do at perf_event_paranoid 2),
 * so context switches always come from getrusage. Where perf events are
 * refused altogether (paranoid 3, seccomp), task clock falls back to
 * CLOCK_PROCESS_CPUTIME_ID and page faults to getrusage's minor + major
 * faults: the same quantities, counted by other means, named in detail[].
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <linux/perf_event.h>

#include "gbench.h"
#include "perf-group.h"
#include "profiler.h"

#define SW_OFFERS (GB_CM_BIT(GB_CM_TASK_CLOCK) | GB_CM_BIT(GB_CM_PAGE_FAULTS) | \
		   GB_CM_BIT(GB_CM_CSW_VOLUNTARY) | GB_CM_BIT(GB_CM_CSW_INVOLUNTARY) | \
		   GB_CM_BIT(GB_CM_MAX_RSS))

struct sw_ctx {
	struct gb_perf_set *set;        /* NULL when perf events are refused */
	int perf_metric[2];             /* event index -> metric */
	size_t nperf;
	int perf_ok[GB_CM_COUNT];       /* metric counted by perf */
	struct rusage r0, r1;
	struct timespec t0, t1;
	int ok;                         /* the last start..stop completed */
};

static int sw_probe(char *reason, size_t len)
{
	struct rusage r;

	if (getrusage(RUSAGE_SELF, &r) < 0) {
		snprintf(reason, len, "getrusage: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int sw_open(struct gb_profiler *p, unsigned want, char *reason, size_t len)
{
	struct sw_ctx *c = gb_xcalloc(1, sizeof(*c));
	struct gb_perf_ev ev[2];
	int err[2], user_only = 0;
	char why[GB_WHY_LEN] = "";

	if (sw_probe(reason, len) < 0) {
		free(c);
		return -1;
	}
	if (want & GB_CM_BIT(GB_CM_TASK_CLOCK)) {
		ev[c->nperf] = (struct gb_perf_ev){ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK,
						    0, 0, 0 };
		c->perf_metric[c->nperf++] = GB_CM_TASK_CLOCK;
	}
	if (want & GB_CM_BIT(GB_CM_PAGE_FAULTS)) {
		ev[c->nperf] = (struct gb_perf_ev){ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS,
						    0, 0, 0 };
		c->perf_metric[c->nperf++] = GB_CM_PAGE_FAULTS;
	}
	if (c->nperf && gb_perf_set_open(&c->set, ev, c->nperf, err, &user_only) == 0) {
		for (size_t i = 0; i < c->nperf; i++)
			if (!err[i])
				c->perf_ok[c->perf_metric[i]] = 1;
			else if (!why[0])
				gb_perf_why(err[i], 0, why, sizeof(why));
	} else if (c->nperf) {
		gb_perf_why(err[0], 0, why, sizeof(why));
	}
	p->has = want & SW_OFFERS;
	for (int m = 0; m < GB_CM_COUNT; m++) {
		const char *d = NULL;

		if (!(p->has & GB_CM_BIT(m)))
			continue;
		switch (m) {
		case GB_CM_TASK_CLOCK:
			d = c->perf_ok[m] ? "perf_event PERF_COUNT_SW_TASK_CLOCK"
					  : "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)";
			break;
		case GB_CM_PAGE_FAULTS:
			d = c->perf_ok[m] ? "perf_event PERF_COUNT_SW_PAGE_FAULTS"
					  : "getrusage ru_minflt + ru_majflt";
			break;
		case GB_CM_CSW_VOLUNTARY:
			d = "getrusage ru_nvcsw";
			break;
		case GB_CM_CSW_INVOLUNTARY:
			d = "getrusage ru_nivcsw";
			break;
		case GB_CM_MAX_RSS:
			d = "getrusage ru_maxrss, the process's peak so far";
			break;
		}
		snprintf(p->detail[m], sizeof(p->detail[m]), "%s", d ? d : "");
	}
	if (c->set)
		snprintf(p->scope, sizeof(p->scope), "perf events in %s mode on every thread "
			 "(%zu now, and threads created later); getrusage of the whole process",
			 user_only ? "user" : "user and kernel", gb_perf_set_threads(c->set));
	else
		snprintf(p->scope, sizeof(p->scope), "the whole process; perf events refused (%s)",
			 why[0] ? why : "not asked for");
	p->ctx = c;
	return 0;
}

static int sw_start(struct gb_profiler *p)
{
	struct sw_ctx *c = p->ctx;
	int rc = 0;

	c->ok = 0;
	if (getrusage(RUSAGE_SELF, &c->r0) < 0 ||
	    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c->t0) < 0)
		rc = -1;
	if (c->set && gb_perf_set_start(c->set) < 0)
		rc = -1;
	return rc;
}

static int sw_stop(struct gb_profiler *p)
{
	struct sw_ctx *c = p->ctx;
	int rc = 0;

	if (c->set && gb_perf_set_stop(c->set) < 0)
		rc = -1;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c->t1) < 0 ||
	    getrusage(RUSAGE_SELF, &c->r1) < 0)
		rc = -1;
	c->ok = rc == 0;
	return rc;
}

static int sw_read(struct gb_profiler *p, double *val, double *share)
{
	struct sw_ctx *c = p->ctx;
	double v[2] = { NAN, NAN }, s[2] = { 1, 1 };

	for (int m = 0; m < GB_CM_COUNT; m++)
		if (p->has & GB_CM_BIT(m)) {
			val[m] = NAN;
			share[m] = 1.0;
		}
	if (!c->ok)
		return -1;
	if (c->set)
		gb_perf_set_values(c->set, v, s);
	for (size_t i = 0; i < c->nperf; i++) {
		int m = c->perf_metric[i];

		if (c->perf_ok[m]) {
			val[m] = v[i];
			share[m] = s[i];
		}
	}
	if ((p->has & GB_CM_BIT(GB_CM_TASK_CLOCK)) && !c->perf_ok[GB_CM_TASK_CLOCK])
		val[GB_CM_TASK_CLOCK] = (double)(c->t1.tv_sec - c->t0.tv_sec) * 1e9 +
					(double)(c->t1.tv_nsec - c->t0.tv_nsec);
	if ((p->has & GB_CM_BIT(GB_CM_PAGE_FAULTS)) && !c->perf_ok[GB_CM_PAGE_FAULTS])
		val[GB_CM_PAGE_FAULTS] = (double)(c->r1.ru_minflt - c->r0.ru_minflt) +
					 (double)(c->r1.ru_majflt - c->r0.ru_majflt);
	if (p->has & GB_CM_BIT(GB_CM_CSW_VOLUNTARY))
		val[GB_CM_CSW_VOLUNTARY] = (double)(c->r1.ru_nvcsw - c->r0.ru_nvcsw);
	if (p->has & GB_CM_BIT(GB_CM_CSW_INVOLUNTARY))
		val[GB_CM_CSW_INVOLUNTARY] = (double)(c->r1.ru_nivcsw - c->r0.ru_nivcsw);
	if (p->has & GB_CM_BIT(GB_CM_MAX_RSS))
		val[GB_CM_MAX_RSS] = (double)c->r1.ru_maxrss;
	return 0;
}

static void sw_close(struct gb_profiler *p)
{
	struct sw_ctx *c = p->ctx;

	if (!c)
		return;
	gb_perf_set_close(c->set);
	free(c);
	p->ctx = NULL;
}

const struct gb_profiler_i gb_software_profiler = {
	.name = "software",
	.offers = SW_OFFERS,
	.probe = sw_probe,
	.open = sw_open,
	.start = sw_start,
	.stop = sw_stop,
	.read = sw_read,
	.close = sw_close,
};
