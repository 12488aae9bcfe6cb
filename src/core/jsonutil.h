/* Defensive accessors for json-c objects parsed from outside data. */
#ifndef KVL_JSONUTIL_H
#define KVL_JSONUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/result.h"

/*
 * Parses text as JSON with a nesting limit. Returns KVL_ERR_PARSE with a
 * message naming what was being parsed when the text is not JSON.
 */
kvl_result kvl_json_parse(const char *text, size_t len, const char *what,
			  json_object **out, struct kvl_error *err)
	KVL_NODISCARD;

/* Follows a dotted path ("properties.networkAcls.defaultAction"). */
json_object *kvl_json_path(json_object *obj, const char *path);

/* String at path, or NULL when absent or not a string. Not a copy. */
const char *kvl_json_str(json_object *obj, const char *path);
/* strdup of the string at path, or NULL. */
char *kvl_json_strdup(json_object *obj, const char *path);
/* Boolean at path, or fallback when absent or not a boolean. */
bool kvl_json_bool(json_object *obj, const char *path, bool fallback);
/* 64-bit integer at path, or fallback when absent or not a number. */
int64_t kvl_json_int64(json_object *obj, const char *path, int64_t fallback);
/* Whether the value at path exists and is not JSON null. */
bool kvl_json_has(json_object *obj, const char *path);

/*
 * Wipes every string inside obj with OPENSSL_cleanse and releases it; for
 * objects that held tokens or secrets. The caller must hold the only
 * reference. NULL-safe.
 */
void kvl_json_put_secret(json_object *obj);

#endif
