/* JSON member helpers shared by the readers and writers of
 * environment.json (envjson.c and connjson.c). */
#ifndef KVL_ENV_MEMBERS_H
#define KVL_ENV_MEMBERS_H

#include <stdbool.h>

#include <json-c/json.h>

#include "core/result.h"

/*
 * Copies the string member key of obj into *out. A missing or null member
 * is an error only when required; a member of another type always is.
 */
kvl_result kvl_env_member_string(json_object *obj, const char *key,
				 bool required, char **out,
				 struct kvl_error *err) KVL_NODISCARD;

/* Adds key: value to obj when value is not NULL. */
void kvl_env_member_add(json_object *obj, const char *key,
			const char *value);

#endif
