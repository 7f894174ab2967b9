/*
 * fake-exec.h - what the replay unit tests share: an executor of the
 * test's own making, so that the replay runs on exactly what the test sets,
 * and the replay of a trace file through it as one cell. A test writes only
 * its run() and the state that run() reads as ex->ctx, and builds the
 * interface with FAKE_EXEC(name, run); the rest (init, release, info,
 * weights_upload) does nothing the test could observe. Included once per
 * test binary, after unit.h.
 */
#ifndef GB_FAKE_EXEC_H
#define GB_FAKE_EXEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "replay.h"
#include "results/results.h"

/* What init puts in ex->ctx: the state fake_exec_replay was given. */
static void *fake_exec_state;

static inline int fake_exec_init(struct gb_executor *ex, const struct gb_exec_opts *o, char *r,
				 size_t n)
{
	(void)o;
	(void)r;
	(void)n;
	ex->ctx = fake_exec_state;
	return 0;
}

static inline void fake_exec_release(struct gb_executor *ex)
{
	(void)ex;
}

/* The device is named after the interface, of type cpu. */
static inline void fake_exec_info(const struct gb_executor *ex, struct gb_exec_info *out)
{
	snprintf(out->device, sizeof(out->device), "%s", ex->iface->name);
	snprintf(out->type, sizeof(out->type), "cpu");
}

/* Weights stay where they are: the handle is the operand itself. */
static inline int fake_exec_upload(struct gb_executor *ex, const struct gb_weights *w, void **h)
{
	(void)ex;
	*h = (void *)w;
	return 0;
}

/* The initializer of a struct gb_executor_i named name_ whose calls run run_. */
#define FAKE_EXEC(name_, run_)                                                \
	{                                                                     \
		.name = (name_),                                              \
		.init = fake_exec_init,                                       \
		.release = fake_exec_release,                                 \
		.info = fake_exec_info,                                       \
		.weights_upload = fake_exec_upload,                           \
		.run = (run_),                                                \
	}

/*
 * A new trace file from the mkstemps template tmpl (ending in ".csv"), its
 * header written: the caller writes the rows and closes it; *path is the
 * file's name (free it).
 */
static inline FILE *fake_exec_trace(const char *tmpl, char **path)
{
	FILE *f;

	*path = strdup(tmpl);
	f = fdopen(mkstemps(*path, 4), "w");
	fprintf(f, "# gbench-trace v1\narrival_ns,stream,op,m,n,k,p,tensor,key\n");
	return f;
}

/*
 * Replay the trace at path as one cell of spec on an executor of iface
 * whose run() finds state in ex->ctx: the cell's result is added to res as
 * workload "t" on executor and device iface->name, and *out points at it
 * (NULL when the trace or the executor could not be set up: then -1).
 * Otherwise gb_replay_cell's status.
 */
static inline int fake_exec_replay(const char *path, const struct gb_executor_i *iface,
				   void *state, const struct gb_cell_spec *spec,
				   struct gb_results *res, struct gb_cell_result **out)
{
	struct gb_workload w;
	struct gb_executor ex;
	char reason[64];
	int rc;

	*out = NULL;
	if (gb_workload_load(&w, path, 1) < 0)
		return -1;
	fake_exec_state = state;
	if (gb_executor_init(&ex, iface, NULL, reason, sizeof(reason)) < 0) {
		gb_workload_release(&w);
		return -1;
	}
	*out = gb_results_add(res, NULL, "t", iface->name, iface->name, spec->batch, spec->quant,
			      0);
	rc = gb_replay_cell(&w, &ex, &ex, spec, *out);
	gb_workload_unload(&w);
	gb_workload_release(&w);
	gb_executor_release(&ex);
	gb_replay_scratch_release();
	return rc;
}

#endif
