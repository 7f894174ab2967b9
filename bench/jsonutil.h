/*
 * jsonutil.h - reading strings out of meta.json and other jansson
 * documents: the string at a path of one or two keys, and whether two such
 * strings, either of which may be absent, are the same. Nothing here
 * allocates or prints; the strings returned belong to the document.
 */
#ifndef GB_JSONUTIL_H
#define GB_JSONUTIL_H

#include <jansson.h>

/*
 * The string at o[a], or at o[a][b] when b is not NULL; NULL when o is
 * NULL, a key is absent or the value is not a string. Valid while o is.
 */
const char *gb_json_str(json_t *o, const char *a, const char *b);

/* 1 when a and b are both NULL or both equal strings, else 0. */
int gb_str_same(const char *a, const char *b);

#endif
