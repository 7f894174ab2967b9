/*
 * executor.c - the executor registry and the wrappers that check optional
 * interface members.
 */
#include "executor.h"

#include <string.h>

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

int gb_executor_init(struct gb_executor *ex, const struct gb_executor_i *iface,
		     const struct gb_exec_opts *o, char *reason, size_t len)
{
	ex->iface = iface;
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
