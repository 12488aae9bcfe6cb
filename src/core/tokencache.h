/*
 * The token cache: a sealed JSON file (see kvl_seal_file) holding the
 * refresh token and access tokens keyed by tenant and scope.
 */
#ifndef KVL_TOKENCACHE_H
#define KVL_TOKENCACHE_H

#include <stdint.h>

#include "core/result.h"

struct kvl_token {
	char *tenant;
	char *scope;
	char *access_token;	/* secret */
	int64_t expires_at;	/* Unix seconds */
};

struct kvl_token_cache {
	char *authority;	/* authority host the tokens came from */
	char *client_id;
	char *refresh_token;	/* secret; NULL when none */
	struct kvl_token *tokens;
	size_t n_tokens;
};

/* A missing file gives an empty cache and KVL_OK. A file that cannot be
 * used (truncated, damaged, not a regular file, unreadable) is renamed to
 * path.bad (or path.bad.N when that exists) and also gives an empty cache
 * and KVL_OK, with the warning for the user in err->message. */
kvl_result kvl_token_cache_load(const char *path, const char *key_path,
				struct kvl_token_cache *cache,
				struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_token_cache_save(const char *path, const char *key_path,
				const struct kvl_token_cache *cache,
				struct kvl_error *err) KVL_NODISCARD;
/* Returns a token valid for at least five more minutes, or NULL. */
const struct kvl_token *kvl_token_cache_find(const struct kvl_token_cache *c,
					     const char *tenant,
					     const char *scope, int64_t now);
kvl_result kvl_token_cache_put(struct kvl_token_cache *cache,
			       const char *tenant, const char *scope,
			       const char *access_token, int64_t expires_at)
	KVL_NODISCARD;
/* Wipes every secret and frees everything. */
void kvl_token_cache_clear(struct kvl_token_cache *cache);

#endif
