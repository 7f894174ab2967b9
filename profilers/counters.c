/*
 * counters.c - the counter set of a run: parse the --counters spec, walk
 * the ladder of sources (perf-event -> software -> papi by default), give
 * each metric to the first source that counts it here, and keep for every
 * other metric the reasons each source gave. Also measures what a
 * start/stop/read cycle costs, so that meta.json can say how much of a
 * repetition's time the counters themselves take.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callgrind.h"
#include "counters.h"
#include "gbench.h"
#include "perf-group.h"

#define MAX_SOURCES 4
#define OVERHEAD_CYCLES 100

static const struct gb_profiler_i *const all_sources[] = {
	&gb_perf_event_profiler,
	&gb_software_profiler,
	&gb_papi_profiler,
	&gb_papi_mpx_profiler,
};
/* The auto ladder: the first three (papi-multiplex only when named). */
#define AUTO_SOURCES 3

struct gb_counters {
	struct gb_profiler src[MAX_SOURCES];
	int open[MAX_SOURCES];           /* src[i] opened and gives a metric */
	int read_ok[MAX_SOURCES];
	size_t nsrc;
	int metric[GB_CM_COUNT];         /* the set, in enum order */
	size_t nmetrics;
	int from[GB_CM_COUNT];           /* per metric: source index, or -1 */
	char *why[GB_CM_COUNT];          /* per metric: why unavailable */
	double val[GB_CM_COUNT], share[GB_CM_COUNT];
};

static const struct gb_profiler_i *find_source(const char *name)
{
	for (size_t i = 0; i < GB_ARRAY_SIZE(all_sources); i++)
		if (!strcmp(all_sources[i]->name, name))
			return all_sources[i];
	return NULL;
}

int gb_counters_want_callgrind(const char *spec)
{
	char **v = gb_strv_split(spec ? spec : "");
	int yes = 0;

	for (char **t = v; *t; t++)
		yes |= !strcmp(*t, "callgrind");
	gb_strv_free(v);
	return yes;
}

static void bad_token(const char *tok)
{
	char names[512];
	size_t o = 0;

	for (int m = 0; m < GB_CM_COUNT; m++)
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", m ? ", " : "",
				      gb_cmetrics[m].name);
	gb_error("--counters: unknown counter source or metric '%s' (auto, none, callgrind, "
		 "perf-event, papi, papi-multiplex, software, or metrics: %s)", tok, names);
}

/* Parse spec into a ladder and a metric mask; 0, or -1 after a message. */
static int parse_spec(const char *spec, const struct gb_profiler_i **ladder, size_t *nladder,
		      unsigned *metrics, int *none)
{
	char **v = gb_strv_split(spec);
	unsigned named = 0;
	int rc = 0, saw_auto = 0, ntok = 0;

	/* Every output defined on every path, the error returns included: the
	 * caller cannot see that gb_error() returns -1. */
	*nladder = 0;
	*none = 0;
	*metrics = 0;
	for (char **t = v; *t && !rc; t++) {
		const struct gb_profiler_i *s = find_source(*t);
		int m = gb_cmetric_find(*t);

		ntok++;
		if (!strcmp(*t, "none")) {
			*none = 1;
		} else if (!strcmp(*t, "auto")) {
			saw_auto = 1;
		} else if (!strcmp(*t, "callgrind")) {
			ntok--;
		} else if (s) {
			size_t i;

			for (i = 0; i < *nladder && ladder[i] != s; i++)
				;
			if (i == *nladder)
				ladder[(*nladder)++] = s;
		} else if (m >= 0) {
			named |= GB_CM_BIT(m);
		} else {
			bad_token(*t);
			rc = -1;
		}
	}
	gb_strv_free(v);
	if (rc)
		return -1;
	if (*none && ntok > 1)
		return gb_error("--counters: 'none' cannot be combined with other names");
	if (!*nladder || saw_auto) {
		size_t n = *nladder;

		for (size_t i = 0; i < AUTO_SOURCES; i++) {
			size_t j;

			for (j = 0; j < n && ladder[j] != all_sources[i]; j++)
				;
			if (j == n)
				ladder[(*nladder)++] = all_sources[i];
		}
	}
	if (named) {
		*metrics = named;
	} else {
		*metrics = 0;
		for (size_t i = 0; i < *nladder; i++)
			*metrics |= ladder[i]->offers;
	}
	return 0;
}

static void add_why(char **why, const char *source, const char *text)
{
	char *n = *why ? gb_xasprintf("%s; %s: %s", *why, source, text)
		       : gb_xasprintf("%s: %s", source, text);

	free(*why);
	*why = n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void measure_overhead(struct gb_counters *c, json_t *meta)
{
	uint64_t t[3][OVERHEAD_CYCLES];
	struct gb_counter out[GB_CM_COUNT];

	for (int i = 0; i < OVERHEAD_CYCLES; i++) {
		uint64_t t0 = gb_now_ns(), t1, t2, t3;

		gb_counters_start(c);
		t1 = gb_now_ns();
		gb_counters_stop(c);
		t2 = gb_now_ns();
		gb_counters_read(c, out, GB_CM_COUNT);
		t3 = gb_now_ns();
		t[0][i] = t1 - t0;
		t[1][i] = t2 - t1;
		t[2][i] = t3 - t2;
	}
	for (int k = 0; k < 3; k++)
		qsort(t[k], OVERHEAD_CYCLES, sizeof(uint64_t), cmp_u64);
	json_object_set_new(meta, "overhead_ns", json_pack("{s:I, s:I, s:I, s:i, s:s}",
		"start", (json_int_t)t[0][OVERHEAD_CYCLES / 2],
		"stop", (json_int_t)t[1][OVERHEAD_CYCLES / 2],
		"read", (json_int_t)t[2][OVERHEAD_CYCLES / 2],
		"cycles", OVERHEAD_CYCLES,
		"note", "median of start/stop/read cycles measured at open; the counters "
			"bracket each measured repetition, not each request"));
}

int gb_counters_open(struct gb_counters **out, const char *spec, json_t *meta)
{
	const struct gb_profiler_i *ladder[MAX_SOURCES];
	size_t nladder;
	unsigned metrics, left;
	int none;
	struct gb_counters *c;
	json_t *jm, *js, *jl;

	*out = NULL;
	if (!spec || !spec[0])
		spec = "auto";
	if (parse_spec(spec, ladder, &nladder, &metrics, &none) < 0)
		return -1;
	c = gb_xcalloc(1, sizeof(*c));
	if (meta)
		json_object_set_new(meta, "requested", json_string(spec));
	if (none) {
		*out = c;
		return 0;
	}
	for (int m = 0; m < GB_CM_COUNT; m++) {
		c->from[m] = -1;
		if (metrics & GB_CM_BIT(m))
			c->metric[c->nmetrics++] = m;
	}
	left = metrics;
	js = json_object();
	jl = json_array();
	for (size_t i = 0; i < nladder; i++) {
		const struct gb_profiler_i *s = ladder[i];
		struct gb_profiler *p = &c->src[c->nsrc];
		unsigned want = left & s->offers;
		char reason[GB_WHY_LEN] = "";

		json_array_append_new(jl, json_string(s->name));
		if (!want) {
			json_object_set_new(js, s->name, json_pack("{s:s}", "state",
				(metrics & s->offers) ? "not needed: its metrics come from "
				"sources before it" : "not needed: it counts none of the metrics asked"));
			continue;
		}
		memset(p, 0, sizeof(*p));
		p->iface = s;
		if (s->open(p, want, reason, sizeof(reason)) < 0) {
			for (int m = 0; m < GB_CM_COUNT; m++)
				if (want & GB_CM_BIT(m))
					add_why(&c->why[m], s->name, p->why[m][0] ? p->why[m] : reason);
			json_object_set_new(js, s->name, json_pack("{s:s, s:s}", "state",
				"unavailable", "reason", reason));
			continue;
		}
		{
			json_t *given = json_array(), *not = json_object();

			for (int m = 0; m < GB_CM_COUNT; m++) {
				if (!(want & GB_CM_BIT(m)))
					continue;
				if (p->has & GB_CM_BIT(m)) {
					c->from[m] = (int)c->nsrc;
					json_array_append_new(given, json_string(gb_cmetrics[m].name));
				} else {
					add_why(&c->why[m], s->name, p->why[m][0] ? p->why[m]
								 : "cannot count it here");
					json_object_set_new(not, gb_cmetrics[m].name,
							    json_string(p->why[m]));
				}
			}
			json_object_set_new(js, s->name, json_pack("{s:s, s:o, s:o, s:s}", "state",
				"available", "gives", given, "cannot", not, "scope", p->scope));
		}
		left &= ~p->has;
		c->open[c->nsrc++] = 1;
	}
	jm = json_object();
	for (size_t k = 0; k < c->nmetrics; k++) {
		int m = c->metric[k];

		if (c->from[m] >= 0) {
			const struct gb_profiler *p = &c->src[c->from[m]];

			json_object_set_new(jm, gb_cmetrics[m].name, json_pack("{s:s, s:s}",
				"source", p->iface->name, "event", p->detail[m]));
			continue;
		}
		if (!c->why[m])
			c->why[m] = gb_xasprintf("no counter source in '%s' counts it", spec);
		json_object_set_new(jm, gb_cmetrics[m].name, json_pack("{s:s, s:s}",
			"source", "unavailable", "reason", c->why[m]));
	}
	if (meta) {
		json_object_set_new(meta, "ladder", jl);
		json_object_set_new(meta, "metrics", jm);
		json_object_set_new(meta, "sources", js);
		json_object_set_new(meta, "perf_event_paranoid", json_integer(gb_perf_paranoid()));
		if (c->nmetrics)
			measure_overhead(c, meta);
	} else {
		json_decref(jl);
		json_decref(jm);
		json_decref(js);
	}
	*out = c;
	return 0;
}

int gb_counters_start(struct gb_counters *c)
{
	int rc = 0;

	for (size_t i = 0; i < c->nsrc; i++) {
		c->read_ok[i] = c->src[i].iface->start(&c->src[i]) == 0;
		if (!c->read_ok[i])
			rc = -1;
	}
	return rc;
}

int gb_counters_stop(struct gb_counters *c)
{
	int rc = 0;

	for (size_t i = c->nsrc; i-- > 0;)
		if (c->src[i].iface->stop(&c->src[i]) < 0) {
			c->read_ok[i] = 0;
			rc = -1;
		}
	return rc;
}

size_t gb_counters_read(struct gb_counters *c, struct gb_counter *out, size_t max)
{
	for (int m = 0; m < GB_CM_COUNT; m++) {
		c->val[m] = NAN;
		c->share[m] = NAN;
	}
	for (size_t i = 0; i < c->nsrc; i++) {
		double v[GB_CM_COUNT], s[GB_CM_COUNT];

		if (!c->read_ok[i] || c->src[i].iface->read(&c->src[i], v, s) < 0)
			continue;
		for (int m = 0; m < GB_CM_COUNT; m++)
			if (c->from[m] == (int)i) {
				c->val[m] = v[m];
				c->share[m] = s[m];
			}
	}
	for (size_t k = 0; k < c->nmetrics && k < max; k++) {
		int m = c->metric[k];
		struct gb_counter *o = &out[k];

		o->metric = gb_cmetrics[m].name;
		o->unit = gb_cmetrics[m].unit;
		o->reason = NULL;
		if (c->from[m] < 0) {
			o->value = NAN;
			o->source = GB_SRC_UNAVAILABLE;
			o->running_share = NAN;
			o->reason = c->why[m];
			continue;
		}
		o->value = c->val[m];
		o->running_share = c->share[m];
		o->source = (c->share[m] < 1.0 ||
			     (isnan(c->share[m]) && c->src[c->from[m]].iface == &gb_papi_mpx_profiler))
			    ? GB_SRC_SCALED : GB_SRC_MEASURED;
	}
	return c->nmetrics;
}

size_t gb_counters_count(const struct gb_counters *c)
{
	return c ? c->nmetrics : 0;
}

void gb_counters_close(struct gb_counters *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nsrc; i++)
		c->src[i].iface->close(&c->src[i]);
	for (int m = 0; m < GB_CM_COUNT; m++)
		free(c->why[m]);
	free(c);
}

/* The last part of a reason ("PAPI: PAPI_TOT_INS: Event does not exist" -> "Event ..."). */
static const char *why_tail(const char *why)
{
	const char *t = strrchr(why, ':');

	return t ? t + 1 : why;
}

/* One source for `gbench info`: what it counts here, and why not the rest. */
static void print_source(FILE *f, const struct gb_profiler_i *s)
{
	struct gb_profiler p;
	char reason[GB_WHY_LEN] = "";
	const char *ind = "               ";

	memset(&p, 0, sizeof(p));
	p.iface = s;
	if (s->open(&p, s->offers, reason, sizeof(reason)) < 0) {
		fprintf(f, "  %-12s unavailable: %s\n", s->name, reason);
	} else {
		int first = 1;

		fprintf(f, "  %-12s available: ", s->name);
		for (int m = 0; m < GB_CM_COUNT; m++)
			if (p.has & GB_CM_BIT(m)) {
				fprintf(f, "%s%s (%s)", first ? "" : ", ", gb_cmetrics[m].name,
					p.detail[m]);
				first = 0;
			}
		fprintf(f, "\n%scounts %s\n", ind, p.scope);
		for (int m = 0; m < GB_CM_COUNT; m++) {
			int same = 0;

			if (!(s->offers & GB_CM_BIT(m)) || (p.has & GB_CM_BIT(m)))
				continue;
			/* Metrics whose reasons end alike share one line. */
			for (int k = 0; k < m && !same; k++)
				same = (s->offers & GB_CM_BIT(k)) && !(p.has & GB_CM_BIT(k)) &&
				       !strcmp(why_tail(p.why[k]), why_tail(p.why[m]));
			if (same)
				continue;
			fprintf(f, "%snot here: %s", ind, gb_cmetrics[m].name);
			for (int k = m + 1; k < GB_CM_COUNT; k++)
				if ((s->offers & GB_CM_BIT(k)) && !(p.has & GB_CM_BIT(k)) &&
				    !strcmp(why_tail(p.why[k]), why_tail(p.why[m])))
					fprintf(f, ", %s", gb_cmetrics[k].name);
			fprintf(f, ": %s\n", p.why[m]);
		}
		s->close(&p);
	}
	if (s->describe)
		s->describe(f, ind);
}

void gb_counters_print_info(FILE *f)
{
	struct gb_counters *c = NULL;
	int hw = 0;

	/* The summary first: what `--counters auto` gives here. */
	if (gb_counters_open(&c, "auto", NULL) == 0) {
		const char *why = NULL;

		for (size_t k = 0; k < c->nmetrics; k++) {
			int m = c->metric[k];

			if (!(GB_CM_HARDWARE & GB_CM_BIT(m)))
				continue;
			if (c->from[m] >= 0)
				hw++;
			else if (!why)
				why = c->why[m];
		}
		if (hw)
			fprintf(f, "  hardware counters: %d of 7 available\n", hw);
		else
			fprintf(f, "  hardware counters: unavailable (%s)\n", why ? why : "?");
		gb_counters_close(c);
	}
	for (size_t i = 0; i < AUTO_SOURCES; i++)
		print_source(f, all_sources[i]);
	gb_callgrind_print_info(f, "  ");
}
