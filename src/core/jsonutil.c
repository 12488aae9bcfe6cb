#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/jsonutil.h"
#include "core/sanitize.h"
#include "i18n.h"

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
				     _("%s is empty or too large"), what);
	tok = json_tokener_new_ex(KVL_JSON_MAX_DEPTH);
	if (tok == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	tokener_free_wiped(tok);

	if (jerr == json_tokener_error_depth) {
		json_object_put(obj);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("%s nests arrays and objects deeper "
				       "than %d levels, kvlink's limit"), what,
				     KVL_JSON_MAX_DEPTH);
	}
	if (obj == NULL || jerr != json_tokener_success) {
		json_object_put(obj);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("%s is not valid JSON (%s)"), what,
				     jerr == json_tokener_continue
				     ? "unexpected end of text"
				     : json_tokener_error_desc(jerr));
	}
	while (end < len && isspace((unsigned char)text[end]))
		end++;
	if (end < len && text[end] != '\0') {
		json_object_put(obj);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("%s has text after the JSON value"),
				     what);
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
	char short_key[64], *key;
	size_t key_len;

	if (obj == NULL || path == NULL || *path == '\0')
		return obj;
	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	if (json_object_object_get_ex(obj, path, &child))
		return child;

	for (dot = strchr(path, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
		/* Keys are short, so most need no allocation. */
		key_len = (size_t)(dot - path);
		key = key_len < sizeof(short_key) ? short_key :
		      malloc(key_len + 1);
		if (key == NULL)
			return NULL;
		memcpy(key, path, key_len);
		key[key_len] = '\0';
		found = NULL;
		if (json_object_object_get_ex(obj, key, &child))
			found = kvl_json_path(child, dot + 1);
		if (key != short_key)
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

/* A string of decimal digits with an optional leading '-', and nothing
 * else, that fits in 64 bits. */
static bool text_to_int64(const char *text, int64_t *out)
{
	const char *digits = text[0] == '-' ? text + 1 : text;
	char *end;
	long long value;

	if (!isdigit((unsigned char)digits[0]))
		return false;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (int64_t)value;
	return true;
}

/* Reads v as a whole number. Returns false when v is not one or does not
 * fit in 64 bits. */
static bool value_to_int64(json_object *v, int64_t *out)
{
	double d;

	switch (json_object_get_type(v)) {
	case json_type_int:
		/* json-c caps integers past 64 bits at INT64_MIN/INT64_MAX,
		 * which no caller's range includes. */
		*out = json_object_get_int64(v);
		return true;
	case json_type_double:
		d = json_object_get_double(v);
		if (!(d > (double)INT64_MIN && d < (double)INT64_MAX))
			return false;
		*out = (int64_t)d;
		return (double)*out == d;
	case json_type_string:
		return text_to_int64(json_object_get_string(v), out);
	default:
		return false;
	}
}

kvl_result kvl_json_int64_range(json_object *obj, const char *path,
				const char *what, int64_t min, int64_t max,
				int64_t *out, struct kvl_error *err)
{
	json_object *v = kvl_json_path(obj, path);
	char *clean, *excerpt;
	int64_t value;
	kvl_result res;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return KVL_ERR_NOT_FOUND;
	if (value_to_int64(v, &value) && value >= min && value <= max) {
		*out = value;
		return KVL_OK;
	}

	clean = kvl_sanitize_line(json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN));
	excerpt = clean ? kvl_truncate_cols(clean, 40) : NULL;
	res = kvl_error_set(err, KVL_ERR_PARSE,
			    _("%s is %s, which is not a whole number from "
			      "%lld to %lld, kvlink's limit"), what,
			    excerpt ? excerpt : "not readable", (long long)min,
			    (long long)max);
	free(excerpt);
	free(clean);
	return res;
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
