/*
 * perf-event.c - the perf-event counter source: hardware events named
 * portably, encoded by libpfm4 (pfm_get_os_event_encoding) and counted with
 * perf_event_open over every thread of the process (perf-group.c), one
 * group per PMU, read with time enabled/running and scaled when the kernel
 * multiplexed them.
 *
 * Each metric has a short list of event names, perf's generic events first
 * (the kernel maps them to the PMU it found), then PMU-specific names for
 * PMUs where the generic one is missing; the first that encodes and opens
 * wins. libpfm4 may well know the CPU's PMU and encode every event on a
 * machine where no PMU is exposed (a VM): only the open fails, and that
 * errno is the reason reported.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <perfmon/pfmlib_perf_event.h>

#include "gbench.h"
#include "perf-group.h"
#include "profiler.h"

static const char *const candidates[GB_CM_COUNT][4] = {
	[GB_CM_INSTRUCTIONS] = { "PERF_COUNT_HW_INSTRUCTIONS", "INST_RETIRED:ANY_P",
				 "RETIRED_INSTRUCTIONS", NULL },
	[GB_CM_CYCLES] = { "PERF_COUNT_HW_CPU_CYCLES", "UNHALTED_CORE_CYCLES",
			   "CYCLES_NOT_IN_HALT", NULL },
	[GB_CM_BRANCHES] = { "PERF_COUNT_HW_BRANCH_INSTRUCTIONS", "BRANCH_INSTRUCTIONS_RETIRED",
			     "RETIRED_BRANCH_INSTRUCTIONS", NULL },
	[GB_CM_BRANCH_MISSES] = { "PERF_COUNT_HW_BRANCH_MISSES", "MISPREDICTED_BRANCH_RETIRED",
				  "RETIRED_BRANCH_INSTRUCTIONS_MISPREDICTED", NULL },
	[GB_CM_L1D_MISSES] = { "PERF_COUNT_HW_CACHE_L1D:READ:MISS", "L1D:REPLACEMENT", NULL },
	[GB_CM_LLC_MISSES] = { "PERF_COUNT_HW_CACHE_MISSES", "PERF_COUNT_HW_CACHE_LL:READ:MISS",
			       "LLC_MISSES", NULL },
	[GB_CM_DTLB_MISSES] = { "PERF_COUNT_HW_CACHE_DTLB:READ:MISS", NULL },
};

struct pe_ctx {
	struct gb_perf_set *set;
	int metric_of[GB_CM_COUNT];      /* event index -> metric */
	size_t n;
};

static int pfm_ready(char *reason, size_t len)
{
	int rc = pfm_initialize();

	if (rc != PFM_SUCCESS) {
		snprintf(reason, len, "libpfm4: pfm_initialize: %s", pfm_strerror(rc));
		return -1;
	}
	return 0;
}

/* Encode name into e; 0, or -1 with libpfm4's reason. */
static int encode(const char *name, struct gb_perf_ev *e, char *reason, size_t len)
{
	struct perf_event_attr attr;
	pfm_perf_encode_arg_t arg;
	int rc;

	memset(&attr, 0, sizeof(attr));
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = &attr;
	rc = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT, &arg);
	if (rc != PFM_SUCCESS) {
		snprintf(reason, len, "libpfm4: %s: %s", name, pfm_strerror(rc));
		return -1;
	}
	e->type = attr.type;
	e->config = attr.config;
	e->config1 = attr.config1;
	e->config2 = attr.config2;
	/* One group per PMU: the generic, cache and raw types all go to the core PMU. */
	e->group = attr.type == PERF_TYPE_HARDWARE || attr.type == PERF_TYPE_HW_CACHE ||
		   attr.type == PERF_TYPE_RAW ? 0 : (int)attr.type;
	return 0;
}

/* Can ev be opened alone on this thread (user mode, which needs least privilege)? 0 or errno. */
static int try_open(const struct gb_perf_ev *ev)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = ev->type;
	a.config = ev->config;
	a.config1 = ev->config1;
	a.config2 = ev->config2;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = perf_event_open(&a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int pe_probe(char *reason, size_t len)
{
	struct gb_perf_ev ev;
	int err;

	if (pfm_ready(reason, len) < 0)
		return -1;
	if (encode(candidates[GB_CM_INSTRUCTIONS][0], &ev, reason, len) < 0)
		return -1;
	err = try_open(&ev);
	if (err) {
		gb_perf_why(err, 1, reason, len);
		return -1;
	}
	return 0;
}

static int pe_open(struct gb_profiler *p, unsigned want, char *reason, size_t len)
{
	struct pe_ctx *c;
	struct gb_perf_ev ev[GB_CM_COUNT];
	const char *evname[GB_CM_COUNT];
	int err[GB_CM_COUNT], user_only = 0;

	p->ctx = NULL;
	if (pfm_ready(reason, len) < 0) {
		for (int m = 0; m < GB_CM_COUNT; m++)
			if (want & GB_CM_BIT(m))
				snprintf(p->why[m], GB_WHY_LEN, "%s", reason);
		return -1;
	}
	c = gb_xcalloc(1, sizeof(*c));
	for (int m = 0; m < GB_CM_COUNT; m++) {
		/* Why not: an open's errno says more than a name libpfm4 lacks. */
		char enc_why[GB_WHY_LEN] = "", open_why[GB_WHY_LEN] = "";
		int found = 0;

		if (!(want & GB_CM_BIT(m)))
			continue;
		for (int k = 0; k < 4 && candidates[m][k] && !found; k++) {
			struct gb_perf_ev e;
			char why[GB_WHY_LEN];
			int e_err;

			if (encode(candidates[m][k], &e, why, sizeof(why)) < 0) {
				if (!enc_why[0])
					snprintf(enc_why, sizeof(enc_why), "%s", why);
				continue;
			}
			e_err = try_open(&e);
			if (e_err) {
				if (!open_why[0])
					gb_perf_why(e_err, 1, open_why, sizeof(open_why));
				continue;
			}
			ev[c->n] = e;
			evname[c->n] = candidates[m][k];
			c->metric_of[c->n++] = m;
			found = 1;
		}
		if (!found)
			snprintf(p->why[m], GB_WHY_LEN, "%s", open_why[0] ? open_why : enc_why);
	}
	if (c->n && gb_perf_set_open(&c->set, ev, c->n, err, &user_only) == 0) {
		for (size_t i = 0; i < c->n; i++) {
			int m = c->metric_of[i];

			if (err[i]) {
				gb_perf_why(err[i], 1, p->why[m], GB_WHY_LEN);
				continue;
			}
			p->has |= GB_CM_BIT(m);
			snprintf(p->detail[m], sizeof(p->detail[m]), "%s", evname[i]);
		}
		snprintf(p->scope, sizeof(p->scope), "%s mode, every thread (%zu now, and "
			 "threads created later), one group per PMU",
			 user_only ? "user" : "user and kernel", gb_perf_set_threads(c->set));
		p->ctx = c;
		return 0;
	}
	if (c->n) {
		for (size_t i = 0; i < c->n; i++)
			gb_perf_why(err[i] ? err[i] : EINVAL, 1, p->why[c->metric_of[i]], GB_WHY_LEN);
	}
	free(c);
	for (int m = 0; m < GB_CM_COUNT; m++)
		if ((want & GB_CM_BIT(m)) && p->why[m][0]) {
			snprintf(reason, len, "%s", p->why[m]);
			break;
		}
	return -1;
}

static int pe_start(struct gb_profiler *p)
{
	struct pe_ctx *c = p->ctx;

	return gb_perf_set_start(c->set);
}

static int pe_stop(struct gb_profiler *p)
{
	struct pe_ctx *c = p->ctx;

	return gb_perf_set_stop(c->set);
}

static int pe_read(struct gb_profiler *p, double *val, double *share)
{
	struct pe_ctx *c = p->ctx;
	double v[GB_CM_COUNT], s[GB_CM_COUNT];

	gb_perf_set_values(c->set, v, s);
	for (size_t i = 0; i < c->n; i++) {
		val[c->metric_of[i]] = v[i];
		share[c->metric_of[i]] = s[i];
	}
	return 0;
}

static void pe_close(struct gb_profiler *p)
{
	struct pe_ctx *c = p->ctx;

	if (!c)
		return;
	gb_perf_set_close(c->set);
	free(c);
	p->ctx = NULL;
}

static void pe_describe(FILE *f, const char *indent)
{
	int found = 0;
	char reason[256];

	if (pfm_ready(reason, sizeof(reason)) < 0) {
		fprintf(f, "%s%s\n", indent, reason);
		return;
	}
	for (int i = 0; i < PFM_PMU_MAX; i++) {
		pfm_pmu_info_t pi;

		memset(&pi, 0, sizeof(pi));
		pi.size = sizeof(pi);
		if (pfm_get_pmu_info((pfm_pmu_t)i, &pi) != PFM_SUCCESS || !pi.is_present ||
		    pi.type == PFM_PMU_TYPE_OS_GENERIC)
			continue;
		fprintf(f, "%slibpfm4 knows this CPU's PMU: %s (%s, %d counters, %d fixed)\n",
			indent, pi.name, pi.desc, pi.num_cntrs, pi.num_fixed_cntrs);
		found = 1;
	}
	if (!found)
		fprintf(f, "%slibpfm4 knows no PMU of this CPU (generic perf events only)\n",
			indent);
	fprintf(f, "%sperf_event_paranoid %d; cpu PMU in /sys/bus/event_source/devices: %s\n",
		indent, gb_perf_paranoid(), gb_perf_has_cpu_pmu() ? "yes" : "no");
}

const struct gb_profiler_i gb_perf_event_profiler = {
	.name = "perf-event",
	.offers = GB_CM_HARDWARE,
	.probe = pe_probe,
	.open = pe_open,
	.start = pe_start,
	.stop = pe_stop,
	.read = pe_read,
	.close = pe_close,
	.describe = pe_describe,
};
