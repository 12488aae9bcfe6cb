#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/tokencache.h"
#include "i18n.h"

#define CACHE_FORMAT 1
/* Tokens this close to expiry are treated as expired. */
#define EXPIRY_MARGIN_S 300
/* How many set-aside caches (path.bad, path.bad.1, ...) may pile up. */
#define MAX_ASIDE 10

static void token_clear(struct kvl_token *t)
{
	free(t->tenant);
	free(t->scope);
	kvl_free_secret(t->access_token);
	memset(t, 0, sizeof(*t));
}

void kvl_token_cache_clear(struct kvl_token_cache *cache)
{
	free(cache->authority);
	free(cache->client_id);
	kvl_free_secret(cache->refresh_token);
	for (size_t i = 0; i < cache->n_tokens; i++)
		token_clear(&cache->tokens[i]);
	free(cache->tokens);
	memset(cache, 0, sizeof(*cache));
}

const struct kvl_token *kvl_token_cache_find(const struct kvl_token_cache *c,
					     const char *tenant,
					     const char *scope, int64_t now)
{
	for (size_t i = 0; i < c->n_tokens; i++) {
		const struct kvl_token *t = &c->tokens[i];

		if (strcasecmp(t->tenant, tenant) != 0 ||
		    strcmp(t->scope, scope) != 0)
			continue;
		if (t->expires_at - EXPIRY_MARGIN_S > now)
			return t;
	}
	return NULL;
}

kvl_result kvl_token_cache_put(struct kvl_token_cache *cache,
			       const char *tenant, const char *scope,
			       const char *access_token, int64_t expires_at)
{
	struct kvl_token fresh = { 0 }, *grown;
	size_t i;

	fresh.tenant = strdup(tenant);
	fresh.scope = strdup(scope);
	fresh.access_token = kvl_secret_strdup(access_token);
	fresh.expires_at = expires_at;
	if (!fresh.tenant || !fresh.scope || !fresh.access_token) {
		token_clear(&fresh);
		return KVL_ERR_NOMEM;
	}

	for (i = 0; i < cache->n_tokens; i++) {
		if (strcasecmp(cache->tokens[i].tenant, tenant) == 0 &&
		    strcmp(cache->tokens[i].scope, scope) == 0)
			break;
	}
	if (i == cache->n_tokens) {
		grown = realloc(cache->tokens, (i + 1) * sizeof(*grown));
		if (grown == NULL) {
			token_clear(&fresh);
			return KVL_ERR_NOMEM;
		}
		cache->tokens = grown;
		cache->n_tokens++;
	} else {
		token_clear(&cache->tokens[i]);
	}
	cache->tokens[i] = fresh;
	return KVL_OK;
}

static kvl_result cache_from_json(json_object *obj,
				  struct kvl_token_cache *cache)
{
	json_object *tokens = kvl_json_path(obj, "tokens");
	size_t n;

	if (kvl_json_int64(obj, "format", 0) != CACHE_FORMAT)
		return KVL_ERR_PARSE;
	cache->authority = kvl_json_strdup(obj, "authority");
	cache->client_id = kvl_json_strdup(obj, "clientId");
	cache->refresh_token = kvl_secret_strdup(kvl_json_str(obj,
							      "refreshToken"));
	if (cache->authority == NULL || cache->client_id == NULL)
		return KVL_ERR_PARSE;
	if (tokens == NULL || !json_object_is_type(tokens, json_type_array))
		return KVL_OK;

	n = json_object_array_length(tokens);
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(tokens, i);
		const char *tenant = kvl_json_str(t, "tenant");
		const char *scope = kvl_json_str(t, "scope");
		const char *access = kvl_json_str(t, "accessToken");

		if (tenant == NULL || scope == NULL || access == NULL)
			return KVL_ERR_PARSE;
		if (kvl_token_cache_put(cache, tenant, scope, access,
					kvl_json_int64(t, "expiresAt", 0)) !=
		    KVL_OK)
			return KVL_ERR_NOMEM;
	}
	return KVL_OK;
}

/* Names the first of path.bad, path.bad.1, ... that does not exist yet,
 * so that setting a cache aside never overwrites an earlier one. */
static char *aside_name(const char *path)
{
	struct stat st;
	char *name = NULL;

	for (int i = 0; i < MAX_ASIDE; i++) {
		int n = i == 0 ? asprintf(&name, "%s.bad", path)
			       : asprintf(&name, "%s.bad.%d", path, i);

		if (n < 0)
			return NULL;
		if (lstat(name, &st) != 0 && errno == ENOENT)
			return name;
		free(name);
		name = NULL;
	}
	return NULL;
}

/*
 * Moves an unusable cache out of the way so that the next sign-in can
 * save a fresh one, and reports it once in err's message. reason
 * describes what is wrong with the cache.
 */
static void set_aside(const char *path, const char *reason,
		      struct kvl_error *err)
{
	char *bad = aside_name(path);

	if (bad == NULL || rename(path, bad) != 0) {
		kvl_log("token cache %s cannot be used (%s) nor moved aside: "
			"%s", path, reason, strerror(errno));
		kvl_error_set(err, KVL_OK,
			      _("the saved sign-in '%s' cannot be used (%s) "
				"and cannot be moved aside; remove it and "
				"sign in again with 'kvlink login'"),
			      path, reason);
		free(bad);
		return;
	}
	kvl_log("token cache %s cannot be used (%s); moved to %s", path,
		reason, bad);
	kvl_error_set(err, KVL_OK,
		      _("the saved sign-in '%s' cannot be used (%s); it was "
			"moved to '%s' and you need to sign in again with "
			"'kvlink login'"), path, reason, bad);
	free(bad);
}

/* Says why path cannot be read as a cache file, or returns NULL when it
 * is a readable regular file or does not exist. */
static const char *file_problem(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? NULL : strerror(errno);
	if (S_ISDIR(st.st_mode))
		return "it is a directory";
	if (S_ISLNK(st.st_mode))
		return "it is a symbolic link";
	if (!S_ISREG(st.st_mode))
		return "it is not a regular file";
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return strerror(errno);
	close(fd);
	return NULL;
}

/* Whether opening failed because of the key file, missing or of the
 * wrong size, and not because of the cache. crypto.c names the key file
 * in those messages only after the cache's seal header was found
 * valid, so a cache that is not sealed at all still counts as damaged.
 * A failed authentication names the key file too, but there the cache
 * itself may be damaged. */
static bool key_unusable(const struct kvl_error *why, const char *key_path,
			 bool *missing)
{
	char *damaged = NULL;
	bool found;

	*missing = false;
	if (why->message == NULL || strstr(why->message, key_path) == NULL)
		return false;
	if (access(key_path, F_OK) != 0 && errno == ENOENT) {
		*missing = true;
		return true;
	}
	if (asprintf(&damaged, "key file '%s' is damaged", key_path) < 0)
		return false;
	found = strstr(why->message, damaged) != NULL;
	free(damaged);
	return found;
}

/* Opens, decrypts and parses the cache file into cache. */
static kvl_result read_cache(const char *path, const char *key_path,
			     struct kvl_token_cache *cache,
			     struct kvl_error *err)
{
	json_object *obj = NULL;
	char *text = NULL;
	size_t len = 0;
	kvl_result res;

	res = kvl_open_sealed_file(path, key_path, &text, &len, err);
	if (res == KVL_OK)
		res = kvl_json_parse(text, len, "token cache", &obj, err);
	if (res == KVL_OK) {
		res = cache_from_json(obj, cache);
		if (res == KVL_ERR_PARSE)
			kvl_error_set(err, res, _("unexpected contents"));
	}
	kvl_json_put_secret(obj);
	kvl_free_secret(text);
	return res;
}

kvl_result kvl_token_cache_load(const char *path, const char *key_path,
				struct kvl_token_cache *cache,
				struct kvl_error *err)
{
	struct kvl_error inner;
	const char *problem;
	bool missing;
	kvl_result res;

	memset(cache, 0, sizeof(*cache));
	problem = file_problem(path);
	if (problem != NULL) {
		set_aside(path, problem, err);
		return KVL_OK;
	}

	kvl_error_init(&inner);
	res = read_cache(path, key_path, cache, &inner);
	if (res == KVL_ERR_NOT_FOUND) {
		res = KVL_OK;
	} else if (res == KVL_ERR_PARSE &&
		   key_unusable(&inner, key_path, &missing)) {
		/* The next save replaces the key and then the cache, so
		 * the cache, which may be sound, stays where it is. */
		kvl_token_cache_clear(cache);
		kvl_error_set(err, KVL_OK,
			      _("the saved sign-in cannot be read because its "
				"key file '%s' is %s; sign in again with "
				"'kvlink login'"), key_path,
			      missing ? "missing"
				      : "empty or of the wrong size");
		res = KVL_OK;
	} else if (res == KVL_ERR_PARSE) {
		kvl_token_cache_clear(cache);
		kvl_log("token cache %s: %s", path,
			inner.message ? inner.message : "unreadable");
		set_aside(path, "it is damaged or truncated", err);
		res = KVL_OK;
	} else if (res != KVL_OK) {
		kvl_token_cache_clear(cache);
		kvl_error_move(err, &inner);
	}
	kvl_error_clear(&inner);
	return res;
}

static json_object *cache_to_json(const struct kvl_token_cache *cache)
{
	json_object *obj = json_object_new_object();
	json_object *tokens = json_object_new_array();

	json_object_object_add(obj, "format",
			       json_object_new_int(CACHE_FORMAT));
	json_object_object_add(obj, "authority",
			       json_object_new_string(cache->authority));
	json_object_object_add(obj, "clientId",
			       json_object_new_string(cache->client_id));
	if (cache->refresh_token != NULL)
		json_object_object_add(obj, "refreshToken",
				       json_object_new_string(
					       cache->refresh_token));
	for (size_t i = 0; i < cache->n_tokens; i++) {
		const struct kvl_token *t = &cache->tokens[i];
		json_object *item = json_object_new_object();

		json_object_object_add(item, "tenant",
				       json_object_new_string(t->tenant));
		json_object_object_add(item, "scope",
				       json_object_new_string(t->scope));
		json_object_object_add(item, "accessToken",
				       json_object_new_string(t->access_token));
		json_object_object_add(item, "expiresAt",
				       json_object_new_int64(t->expires_at));
		json_object_array_add(tokens, item);
	}
	json_object_object_add(obj, "tokens", tokens);
	return obj;
}

/* Creates the directory of path (mode 0700) when it is missing. */
static kvl_result make_parent_dir(const char *path, struct kvl_error *err)
{
	char *copy = strdup(path);
	kvl_result res;

	if (copy == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = kvl_make_dirs(dirname(copy), err);
	free(copy);
	return res;
}

kvl_result kvl_token_cache_save(const char *path, const char *key_path,
				const struct kvl_token_cache *cache,
				struct kvl_error *err)
{
	json_object *obj;
	const char *text;
	size_t len;
	kvl_result res;

	if (cache->authority == NULL || cache->client_id == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("token cache has no authority or "
				       "client id"));
	obj = cache_to_json(cache);
	if (obj == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN,
						 &len);
	if (text == NULL) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	res = make_parent_dir(path, err);
	if (res == KVL_OK)
		res = kvl_seal_file(path, key_path, text, len, err);
	/* The serialised copy lives in obj's print buffer, so wipe it too. */
	OPENSSL_cleanse((char *)text, len);
out:
	kvl_json_put_secret(obj);
	return res;
}
