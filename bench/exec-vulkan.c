/*
 * exec-vulkan.c - placeholder until the Vulkan executor lands: every init
 * fails with the reason, so vulkan cells are skipped, never faked.
 */
#include "executor.h"

#include <stdio.h>

static int vk_init(struct gb_executor *ex, const struct gb_exec_opts *o,
		   char *reason, size_t len)
{
	(void)ex;
	(void)o;
	snprintf(reason, len, "the vulkan executor is not implemented yet");
	return -1;
}

const struct gb_executor_i gb_executor_vulkan = {
	.name = "vulkan",
	.init = vk_init,
};
