/*
 * run-simulate.c - the gb_run_simulate stage of `gbench run` (run.h):
 * --counters callgrind re-runs the cpu cells under valgrind after every
 * measured repetition.
 */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../profilers/callgrind.h"
#include "../profilers/counters.h"
#include "gbench.h"

/* sim_* of cell r unavailable, with the reason also in meta.json "unavailable". */
static void sim_unavailable(struct gb_run *r, struct gb_cell_result *c, const char *why)
{
	json_t *un = json_object_get(r->meta, "unavailable"), *u;

	for (int m = 0; m < GB_SIM_METRICS; m++)
		gb_metric_unavailable(gb_cell_metric(c, gb_sim_metric_names[m], "count",
						     GB_SRC_UNAVAILABLE), why);
	if (!un)
		return;
	u = json_object_get(un, c->id);
	if (!u) {
		u = json_object();
		json_object_set_new(un, c->id, u);
	}
	for (int m = 0; m < GB_SIM_METRICS; m++)
		json_object_set_new(u, gb_sim_metric_names[m], json_string(why));
}

/*
 * --counters callgrind: every cpu cell once more, all in one valgrind child
 * per simulated cache geometry (the config's sim_cache list, else sysfs;
 * GBENCH_CALLGRIND_SIM=ir: instructions only, callgrind.h); its
 * sim_* metrics go to the cell itself, or with several geometries to a cell
 * <id>.g<N> each (DESIGN.md section 6). Other executors' cells get them
 * unavailable. Runs after every measured repetition, so that valgrind never
 * competes with a measurement.
 */
int gb_run_simulate(struct gb_run *r)
{
	const struct gb_config *cfg = r->cfg;
	size_t ngeo = gb_strv_len(cfg->sim_cache), ncells = r->ncells;
	struct gb_sim_cache *geo;
	json_t *jg, *jc = json_object_get(r->meta, "counters");
	char why[1024], gwhy[256];
	int have_geo = 1, probe;
	size_t *idx, ncpu = 0;
	char **ids;
	struct gb_sim_values *sv;

	if (r->interrupted || !gb_counters_want_callgrind(cfg->counters) || gb_callgrind_child())
		return 0;
	probe = gb_callgrind_probe(why, sizeof(why));
	geo = gb_xcalloc(ngeo ? ngeo : 1, sizeof(*geo));
	for (size_t g = 0; g < ngeo; g++)
		gb_sim_cache_parse(cfg->sim_cache[g], &geo[g], "sim_cache");   /* checked already */
	if (!ngeo) {
		ngeo = 1;
		have_geo = gb_sim_cache_sysfs(&geo[0], gwhy, sizeof(gwhy)) == 0;
	}
	jg = json_array();
	for (size_t g = 0; g < ngeo; g++)
		json_array_append_new(jg, have_geo ? gb_sim_cache_json(&geo[g]) : json_pack(
			"{s:s, s:s}", "simulated", "valgrind's own detection", "why", gwhy));
	if (jc)
		json_object_set_new(jc, "callgrind", json_pack("{s:o, s:s}", "geometries", jg,
			"state", probe ? why : gb_callgrind_ir_only()
			? "ran: one valgrind child per geometry for every cpu cell, instructions only"
			: "ran: one valgrind child per geometry for every cpu cell"));
	else
		json_decref(jg);
	/* the cpu cells, all in one valgrind child per geometry */
	idx = gb_xcalloc(ncells ? ncells : 1, sizeof(*idx));
	ids = gb_xcalloc(ncells ? ncells : 1, sizeof(*ids));
	for (size_t i = 0; i < ncells; i++) {
		if (r->res.cells[i].skipped)
			continue;
		if (strcmp(r->ex[r->cells[i].exec].name, "cpu")) {
			sim_unavailable(r, &r->res.cells[i], "callgrind simulates the cpu executor only");
			continue;
		}
		/* copies: adding a .g<N> cell may move r->res.cells */
		ids[ncpu] = gb_xstrdup(r->res.cells[i].id);
		idx[ncpu++] = i;
	}
	sv = gb_xcalloc(ncpu ? ncpu : 1, sizeof(*sv));
	for (size_t g = 0; g < ngeo && ncpu && !gb_interrupted; g++) {
		int failed = 0;

		if (!probe) {
			gb_note("gbench: simulating %zu cpu cells under callgrind (geometry %zu of %zu)",
				ncpu, g + 1, ngeo);
			failed = gb_callgrind_run_cells(r->opts->argc, r->opts->argv, ncpu,
							(const char *const *)ids, have_geo ? &geo[g] : NULL,
							sv, why, sizeof(why)) < 0;
			if (failed && gb_interrupted)
				break;
			if (failed)
				gb_warn("callgrind: %s", why);
		}
		for (size_t k = 0; k < ncpu; k++) {
			const struct gb_run_cell *cl = &r->cells[idx[k]];
			struct gb_cell_result *t = &r->res.cells[idx[k]];

			if (ngeo > 1) {
				char *gid = gb_xasprintf("%s.g%zu", ids[k], g);
				char *wname = gb_xstrdup(t->workload);
				char *dev = gb_xstrdup(t->device ? t->device : "");

				t = gb_results_add(&r->res, gid, wname, "cpu", dev, cl->batch, cl->quant,
						   cl->cache);
				free(gid);
				free(wname);
				free(dev);
			}
			if (probe || failed || !sv[k].nreps) {
				sim_unavailable(r, t, probe || failed ? why
					: "the callgrind child did not run this cell");
				continue;
			}
			for (int m = 0; m < GB_SIM_METRICS; m++) {
				struct gb_metric *mt = gb_cell_metric(t, gb_sim_metric_names[m], "count",
								      GB_SRC_SIMULATED);

				if (isnan(sv[k].v[0][m])) {
					gb_metric_unavailable(mt, "not simulated: instruction counting only "
							      "(GBENCH_CALLGRIND_SIM=ir)");
					continue;
				}
				for (size_t j = 0; j < sv[k].nreps; j++)
					gb_metric_push(mt, sv[k].v[j][m]);
			}
			gb_sim_values_release(&sv[k]);
		}
	}
	for (size_t k = 0; k < ncpu; k++) {
		gb_sim_values_release(&sv[k]);
		free(ids[k]);
	}
	free(sv);
	free(ids);
	free(idx);
	free(geo);
	if (gb_interrupted)
		r->interrupted = 1;
	return 0;
}
