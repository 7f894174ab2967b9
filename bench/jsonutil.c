/*
 * jsonutil.c - strings read out of jansson documents (jsonutil.h).
 */
#include "jsonutil.h"

#include <string.h>

const char *gb_json_str(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	return json_string_value(v);
}

int gb_str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}
