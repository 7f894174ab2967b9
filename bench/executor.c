/*
 * executor.c - the executor registry and the wrappers that check optional
 * interface members; and, under GB_INJECT (inject.h), the slowdown hook
 * around every call: an executor initialized while injection is on gets a
 * copy of its interface whose run() calls the real one and then does the
 * extra work, so every caller of iface->run (replay, the accuracy check,
 * the CPU fallback) sees it without knowing.
 */
#include "executor.h"

#include <string.h>

#include "gbench.h"
#include "inject.h"

const struct gb_executor_i *const gb_executors[] = {
	&gb_executor_cpu,
	&gb_executor_vulkan,
	NULL,
};

const struct gb_executor_i *gb_executor_find(const char *name)
{
	for (size_t i = 0; gb_executors[i]; i++)
		if (strcmp(gb_executors[i]->name, name) == 0)
			return gb_executors[i];
	return NULL;
}

/* The injecting copies of the registered interfaces, in gb_executors order. */
static struct gb_executor_i injecting[8];

static const struct gb_executor_i *real_iface(const struct gb_executor_i *self)
{
	for (size_t i = 0; gb_executors[i] && i < GB_ARRAY_SIZE(injecting); i++)
		if (self == &injecting[i])
			return gb_executors[i];
	return self;
}

static int inject_run(struct gb_executor *ex, const struct gb_exec_call *c,
		      struct gb_exec_timing *t)
{
	const struct gb_executor_i *real = real_iface(ex->iface);
	int64_t steps = gb_inject_lookup(&c->shape);
	uint64_t t0, best = UINT64_MAX;
	int rc;

	if (steps >= 0) {
		rc = real->run(ex, c, t);
		if (rc == 0 && steps > 0)
			gb_inject_work((uint64_t)steps);
		return rc;
	}
	/* a shape's first call: the fastest of three runs (the first is cold) sets its steps */
	for (int i = 0; i < 3; i++) {
		struct gb_exec_timing scratch = { 0 };
		uint64_t dt;

		t0 = gb_now_ns();
		rc = real->run(ex, c, i ? &scratch : t);
		dt = gb_now_ns() - t0;
		if (rc != 0)
			return rc;
		best = dt < best ? dt : best;
	}
	gb_inject_work((uint64_t)gb_inject_calibrate(&c->shape, best));
	return 0;
}

/* The interface ex should use: iface itself, or its injecting copy under GB_INJECT. */
static const struct gb_executor_i *with_injection(const struct gb_executor_i *iface)
{
	if (!gb_inject_spec())
		return iface;
	for (size_t i = 0; gb_executors[i] && i < GB_ARRAY_SIZE(injecting); i++)
		if (gb_executors[i] == iface) {
			if (!injecting[i].run) {
				injecting[i] = *iface;
				injecting[i].run = inject_run;
			}
			return &injecting[i];
		}
	return iface;
}

void gb_executor_inject(struct gb_executor *ex, int on)
{
	if (ex && ex->iface && gb_inject_spec())
		ex->iface = on ? with_injection(real_iface(ex->iface)) : real_iface(ex->iface);
}

int gb_executor_init(struct gb_executor *ex, const struct gb_executor_i *iface,
		     const struct gb_exec_opts *o, char *reason, size_t len)
{
	ex->iface = with_injection(iface);
	ex->ctx = NULL;
	if (len)
		reason[0] = '\0';
	return iface->init(ex, o, reason, len);
}

void gb_executor_release(struct gb_executor *ex)
{
	if (ex->iface && ex->iface->release)
		ex->iface->release(ex);
	ex->iface = NULL;
	ex->ctx = NULL;
}

unsigned gb_executor_validation_messages(const struct gb_executor *ex)
{
	if (ex->iface && ex->iface->validation_messages)
		return ex->iface->validation_messages(ex);
	return 0;
}

void gb_executor_turn(struct gb_executor *ex, int begin)
{
	if (ex->iface && ex->iface->turn)
		ex->iface->turn(ex, begin);
}
