/*
 * papi.c - the PAPI counter source: PAPI presets (PAPI_TOT_INS,
 * PAPI_TOT_CYC, ...) where the PMU has them, native perf_event names where
 * it does not (perf::TASK-CLOCK, perf::PAGE-FAULTS), one event set on the
 * perf_event component, started and stopped around each window.
 *
 * A PAPI event set counts the thread that created it and, with
 * PAPI_INHERIT, the threads it creates afterwards; threads that already run
 * (the CPU executor's pool) are not counted: scope[] says so, and the auto
 * ladder puts perf-event first. "papi-multiplex" asks PAPI to multiplex the
 * set; PAPI 7 refuses that on some machines (PAPI_ENOEVNT), which is
 * recorded and not fatal. PAPI scales multiplexed counts itself and does not
 * tell the running share. The library is initialized on first use and shut
 * down when its last user closes, so that a sanitizer sees no leak.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <papi.h>

#include "gbench.h"
#include "profiler.h"

#define PAPI_OFFERS (GB_CM_HARDWARE | GB_CM_BIT(GB_CM_TASK_CLOCK) | GB_CM_BIT(GB_CM_PAGE_FAULTS))

static const char *const papi_names[GB_CM_COUNT][3] = {
	[GB_CM_INSTRUCTIONS] = { "PAPI_TOT_INS", NULL },
	[GB_CM_CYCLES] = { "PAPI_TOT_CYC", NULL },
	[GB_CM_BRANCHES] = { "PAPI_BR_INS", NULL },
	[GB_CM_BRANCH_MISSES] = { "PAPI_BR_MSP", NULL },
	[GB_CM_L1D_MISSES] = { "PAPI_L1_DCM", NULL },
	[GB_CM_LLC_MISSES] = { "PAPI_L3_TCM", "perf::PERF_COUNT_HW_CACHE_MISSES", NULL },
	[GB_CM_DTLB_MISSES] = { "PAPI_TLB_DM", NULL },
	[GB_CM_TASK_CLOCK] = { "perf::TASK-CLOCK", NULL },
	[GB_CM_PAGE_FAULTS] = { "perf::PAGE-FAULTS", NULL },
};

static int papi_users;

struct papi_ctx {
	int es;
	int metric_of[GB_CM_COUNT];
	int n;
	long long v[GB_CM_COUNT];
	int ok, multiplexed;
};

static int papi_up(char *reason, size_t len)
{
	int rc;

	if (papi_users++ > 0)
		return 0;
	rc = PAPI_library_init(PAPI_VER_CURRENT);
	if (rc != PAPI_VER_CURRENT) {
		papi_users = 0;
		snprintf(reason, len, "PAPI_library_init: %s",
			 rc > 0 ? "version mismatch with the headers" : PAPI_strerror(rc));
		return -1;
	}
	return 0;
}

static void papi_down(void)
{
	if (papi_users > 0 && --papi_users == 0)
		PAPI_shutdown();
}

/* The perf_event component's index, or -1 with the reason. */
static int perf_component(char *reason, size_t len)
{
	int cidx = PAPI_get_component_index("perf_event");
	const PAPI_component_info_t *ci;

	if (cidx < 0) {
		snprintf(reason, len, "PAPI: no perf_event component in this build of PAPI");
		return -1;
	}
	ci = PAPI_get_component_info(cidx);
	if (ci && ci->disabled) {
		snprintf(reason, len, "PAPI: the perf_event component is disabled: %s",
			 ci->disabled_reason);
		return -1;
	}
	return cidx;
}

static int papi_probe(char *reason, size_t len)
{
	int es = PAPI_NULL, rc, cidx;

	if (papi_up(reason, len) < 0)
		return -1;
	cidx = perf_component(reason, len);
	rc = cidx < 0 ? -1 : PAPI_create_eventset(&es);
	if (cidx >= 0 && rc != PAPI_OK)
		snprintf(reason, len, "PAPI_create_eventset: %s", PAPI_strerror(rc));
	if (rc == PAPI_OK) {
		rc = PAPI_add_named_event(es, "PAPI_TOT_INS");
		if (rc != PAPI_OK)
			snprintf(reason, len, "PAPI: PAPI_TOT_INS: %s (the perf_event component "
				 "has %d presets here)", PAPI_strerror(rc),
				 PAPI_get_component_info(cidx)->num_preset_events);
		PAPI_cleanup_eventset(es);
		PAPI_destroy_eventset(&es);
	}
	papi_down();
	return rc == PAPI_OK ? 0 : -1;
}

static int papi_open(struct gb_profiler *p, unsigned want, char *reason, size_t len)
{
	struct papi_ctx *c;
	PAPI_option_t opt;
	int cidx, rc, inherit = 0, npresets;
	char mpx[128] = "", inh[96] = "";

	p->ctx = NULL;
	if (papi_up(reason, len) < 0)
		goto fail_all;
	cidx = perf_component(reason, len);
	if (cidx < 0) {
		papi_down();
		goto fail_all;
	}
	npresets = PAPI_get_component_info(cidx)->num_preset_events;
	c = gb_xcalloc(1, sizeof(*c));
	c->es = PAPI_NULL;
	if ((rc = PAPI_create_eventset(&c->es)) != PAPI_OK ||
	    (rc = PAPI_assign_eventset_component(c->es, cidx)) != PAPI_OK) {
		snprintf(reason, len, "PAPI event set: %s", PAPI_strerror(rc));
		if (c->es != PAPI_NULL)
			PAPI_destroy_eventset(&c->es);
		free(c);
		papi_down();
		goto fail_all;
	}
	if (p->iface == &gb_papi_mpx_profiler) {
		rc = PAPI_set_multiplex(c->es);
		if (rc == PAPI_OK)
			c->multiplexed = 1;
		else
			snprintf(mpx, sizeof(mpx), "; multiplexing refused: %s", PAPI_strerror(rc));
	}
	memset(&opt, 0, sizeof(opt));
	opt.inherit.eventset = c->es;
	opt.inherit.inherit = PAPI_INHERIT_ALL;
	rc = PAPI_set_opt(PAPI_INHERIT, &opt);
	inherit = rc == PAPI_OK;
	if (!inherit)
		snprintf(inh, sizeof(inh), " (PAPI_INHERIT refused: %s)", PAPI_strerror(rc));
	for (int m = 0; m < GB_CM_COUNT; m++) {
		if (!(want & GB_CM_BIT(m)))
			continue;
		for (int k = 0; k < 3 && papi_names[m][k]; k++) {
			rc = PAPI_add_named_event(c->es, papi_names[m][k]);
			if (rc == PAPI_OK) {
				c->metric_of[c->n++] = m;
				p->has |= GB_CM_BIT(m);
				snprintf(p->detail[m], sizeof(p->detail[m]), "%s", papi_names[m][k]);
				break;
			}
			if (k == 0)
				snprintf(p->why[m], GB_WHY_LEN, "PAPI: %s: %s%s", papi_names[m][k],
					 PAPI_strerror(rc), npresets == 0 && !strncmp(papi_names[m][k],
					 "PAPI_", 5) ? " (the perf_event component has no presets here)"
					 : "");
		}
		if (p->has & GB_CM_BIT(m))
			p->why[m][0] = 0;
	}
	if (!c->n) {
		snprintf(reason, len, "PAPI: no event could be added");
		for (int m = 0; m < GB_CM_COUNT; m++)
			if (p->why[m][0]) {
				snprintf(reason, len, "%s", p->why[m]);
				break;
			}
		PAPI_cleanup_eventset(c->es);
		PAPI_destroy_eventset(&c->es);
		free(c);
		papi_down();
		return -1;
	}
	snprintf(p->scope, sizeof(p->scope), "the opening thread%s%s, user mode%s%s",
		 inherit ? " and threads it creates later (threads running already are not "
			   "counted)" : " only", inh, c->multiplexed ? ", multiplexed" : "", mpx);
	p->ctx = c;
	return 0;

fail_all:
	for (int m = 0; m < GB_CM_COUNT; m++)
		if (want & GB_CM_BIT(m))
			snprintf(p->why[m], GB_WHY_LEN, "%s", reason);
	return -1;
}

static int papi_start(struct gb_profiler *p)
{
	struct papi_ctx *c = p->ctx;

	c->ok = 0;
	return PAPI_start(c->es) == PAPI_OK ? 0 : -1;
}

static int papi_stop(struct gb_profiler *p)
{
	struct papi_ctx *c = p->ctx;

	c->ok = PAPI_stop(c->es, c->v) == PAPI_OK;
	return c->ok ? 0 : -1;
}

static int papi_read(struct gb_profiler *p, double *val, double *share)
{
	struct papi_ctx *c = p->ctx;

	for (int i = 0; i < c->n; i++) {
		val[c->metric_of[i]] = c->ok ? (double)c->v[i] : NAN;
		share[c->metric_of[i]] = c->multiplexed ? NAN : 1.0;
	}
	return c->ok ? 0 : -1;
}

static void papi_close(struct gb_profiler *p)
{
	struct papi_ctx *c = p->ctx;

	if (!c)
		return;
	PAPI_cleanup_eventset(c->es);
	PAPI_destroy_eventset(&c->es);
	free(c);
	p->ctx = NULL;
	papi_down();
}

static void papi_describe(FILE *f, const char *indent)
{
	char reason[256];
	int n;

	if (papi_up(reason, sizeof(reason)) < 0) {
		fprintf(f, "%s%s\n", indent, reason);
		return;
	}
	n = PAPI_num_components();
	fprintf(f, "%sPAPI %d.%d.%d, %d components:", indent, PAPI_VERSION_MAJOR(PAPI_VERSION),
		PAPI_VERSION_MINOR(PAPI_VERSION), PAPI_VERSION_REVISION(PAPI_VERSION), n);
	for (int i = 0; i < n; i++) {
		const PAPI_component_info_t *ci = PAPI_get_component_info(i);

		if (!ci)
			continue;
		if (!strcmp(ci->name, "perf_event") && !ci->disabled)
			fprintf(f, " %s (%d presets, %d native events)", ci->name,
				ci->num_preset_events, ci->num_native_events);
		else if (!strcmp(ci->name, "perf_event"))
			fprintf(f, " %s (disabled: %s)", ci->name, ci->disabled_reason);
	}
	fprintf(f, "\n");
	papi_down();
}

const struct gb_profiler_i gb_papi_profiler = {
	.name = "papi",
	.offers = PAPI_OFFERS,
	.probe = papi_probe,
	.open = papi_open,
	.start = papi_start,
	.stop = papi_stop,
	.read = papi_read,
	.close = papi_close,
	.describe = papi_describe,
};

const struct gb_profiler_i gb_papi_mpx_profiler = {
	.name = "papi-multiplex",
	.offers = PAPI_OFFERS,
	.probe = papi_probe,
	.open = papi_open,
	.start = papi_start,
	.stop = papi_stop,
	.read = papi_read,
	.close = papi_close,
	.describe = NULL,
};
