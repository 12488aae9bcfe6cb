/* Defensive accessors for json-c objects parsed from outside data. */
#ifndef KVL_JSONUTIL_H
#define KVL_JSONUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/result.h"

/* Azure payloads nest about eight levels deep; anything far past that is
 * not something kvlink reads. */
#define KVL_JSON_MAX_DEPTH 32

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
/*
 * The latest Unix time kvlink accepts from outside data, 9999-12-31
 * 23:59:59 UTC. Later expiry times are taken as damaged, not as "never".
 */
#define KVL_JSON_MAX_UNIX_TIME INT64_C(253402300799)

/*
 * Reads the whole number at path into *out: a JSON integer, an integral
 * JSON double, or a string of decimal digits (managed identity endpoints
 * send numbers as strings). Returns KVL_ERR_NOT_FOUND, leaving err alone,
 * when path is absent or null, and KVL_ERR_PARSE with a message naming
 * what and the range when the value is not a whole number from min to
 * max.
 */
kvl_result kvl_json_int64_range(json_object *obj, const char *path,
				const char *what, int64_t min, int64_t max,
				int64_t *out, struct kvl_error *err)
	KVL_NODISCARD;
/* Whether the value at path exists and is not JSON null. */
bool kvl_json_has(json_object *obj, const char *path);

/*
 * Wipes every string inside obj with OPENSSL_cleanse and releases it; for
 * objects that held tokens or secrets. The caller must hold the only
 * reference. NULL-safe.
 */
void kvl_json_put_secret(json_object *obj);

#endif
