#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/jsonutil.h"

/* Azure payloads nest about eight levels deep; anything far past that is
 * not something kvlink reads. */
#define KVL_JSON_MAX_DEPTH 32

/*
 * Wipes the tokener's scratch buffer, which keeps a copy of the last
 * string it parsed (a token or secret value, say), before freeing it.
 * NOTE: json-c (0.16) publishes struct json_tokener but calls its fields
 * private; if a later version makes it opaque, this stops compiling.
 */
static void tokener_free_wiped(json_tokener *tok)
{
	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		OPENSSL_cleanse(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
}

kvl_result kvl_json_parse(const char *text, size_t len, const char *what,
			  json_object **out, struct kvl_error *err)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (text == NULL || len > INT_MAX)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     "%s is empty or too large", what);
	tok = json_tokener_new_ex(KVL_JSON_MAX_DEPTH);
	if (tok == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	tokener_free_wiped(tok);

	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     "%s is not valid JSON (%s)", what,
				     jerr == json_tokener_continue
				     ? "unexpected end of text"
				     : json_tokener_error_desc(jerr));
	}
	while (end < len && isspace((unsigned char)text[end]))
		end++;
	if (end < len && text[end] != '\0') {
		json_object_put(obj);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     "%s has text after the JSON value", what);
	}
	*out = obj;
	return KVL_OK;
}

/*
 * Keys may themselves contain dots ("@odata.nextLink"), so each level tries
 * the whole remaining path as a key, then every prefix ending at a dot.
 */
json_object *kvl_json_path(json_object *obj, const char *path)
{
	json_object *child, *found;
	const char *dot;
	char *key;

	if (obj == NULL || path == NULL || *path == '\0')
		return obj;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	if (json_object_object_get_ex(obj, path, &child))
		return child;

	for (dot = strchr(path, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
		key = strndup(path, (size_t)(dot - path));
		if (key == NULL)
			return NULL;
		found = NULL;
		if (json_object_object_get_ex(obj, key, &child))
			found = kvl_json_path(child, dot + 1);
		free(key);
		if (found != NULL)
			return found;
	}
	return NULL;
}

const char *kvl_json_str(json_object *obj, const char *path)
{
	json_object *v = kvl_json_path(obj, path);

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

char *kvl_json_strdup(json_object *obj, const char *path)
{
	const char *s = kvl_json_str(obj, path);

	return s != NULL ? strdup(s) : NULL;
}

bool kvl_json_bool(json_object *obj, const char *path, bool fallback)
{
	json_object *v = kvl_json_path(obj, path);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return fallback;
	return json_object_get_boolean(v);
}

int64_t kvl_json_int64(json_object *obj, const char *path, int64_t fallback)
{
	json_object *v = kvl_json_path(obj, path);
	double d;

	if (v == NULL)
		return fallback;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_double))
		return fallback;
	d = json_object_get_double(v);
	if (!(d >= (double)INT64_MIN && d < (double)INT64_MAX))
		return fallback;
	return (int64_t)d;
}

bool kvl_json_has(json_object *obj, const char *path)
{
	json_object *v = kvl_json_path(obj, path);

	return v != NULL && !json_object_is_type(v, json_type_null);
}

static void wipe_strings(json_object *obj)
{
	size_t n;

	switch (json_object_get_type(obj)) {
	case json_type_string:
		/* json-c owns this buffer; it is wiped just before release. */
		OPENSSL_cleanse((char *)json_object_get_string(obj),
				(size_t)json_object_get_string_len(obj));
		break;
	case json_type_array:
		n = json_object_array_length(obj);
		for (size_t i = 0; i < n; i++)
			wipe_strings(json_object_array_get_idx(obj, i));
		break;
	case json_type_object: {
		json_object_object_foreach(obj, key, value) {
			(void)key;
			wipe_strings(value);
		}
		break;
	}
	default:
		break;
	}
}

void kvl_json_put_secret(json_object *obj)
{
	if (obj == NULL)
		return;
	wipe_strings(obj);
	json_object_put(obj);
}
