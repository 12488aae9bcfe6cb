#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/log.h"
#include "flow/session.h"
#include "i18n.h"

/* $XDG_STATE_HOME/kvlink or ~/.local/state/kvlink; caller frees. */
static char *default_state_dir(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL;

	if (state != NULL && state[0] == '/')
		return asprintf(&dir, "%s/kvlink", state) < 0 ? NULL : dir;
	if (home == NULL || home[0] == '\0') {
		struct passwd *pw = getpwuid(getuid());

		home = pw != NULL ? pw->pw_dir : NULL;
	}
	if (home == NULL)
		return NULL;
	return asprintf(&dir, "%s/.local/state/kvlink", home) < 0 ? NULL
	       : dir;
}

/*
 * Chooses the token cache files. An explicit environment directory gets
 * its own cache, so tests and the sandbox never touch a real sign-in.
 */
static kvl_result choose_cache(struct kvl_session *s, const char *env_dir,
			       struct kvl_error *err)
{
	char *dir = env_dir != NULL ? strdup(env_dir) : default_state_dir();
	kvl_result rc;

	if (dir == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("cannot find a directory for the token cache; set "
			  "HOME or XDG_STATE_HOME"));

	/* kvl_token_cache_save makes the directory when it first saves. */
	rc = KVL_OK;
	if (asprintf(&s->cache_path, "%s/token-cache", dir) < 0 ||
	    asprintf(&s->cache_key_path, "%s/token-cache.key", dir) < 0)
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	free(dir);
	return rc;
}

static kvl_result open_store(struct kvl_session *s, const char *env_dir,
			     struct kvl_error *err)
{
	char *dir = env_dir != NULL ? strdup(env_dir)
		    : kvl_envstore_default_dir();
	kvl_result rc;

	if (dir == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("cannot find a directory for the environment; set "
			  "HOME or XDG_DATA_HOME, or use --env-dir"));
	rc = kvl_envstore_open(dir, &s->store, err);
	free(dir);
	if (rc != KVL_OK)
		return rc;

	return kvl_session_reload(s, err);
}

/* Records the tenant of the linked vault's subscription, so that calls
 * about it use that tenant's token from the first one on. */
static kvl_result remember_link_tenant(struct kvl_session *s,
				       struct kvl_error *err)
{
	const struct kvl_vault_link *v = &s->env.vault;

	if (!s->az_ready || !s->env_loaded || v->subscription_id == NULL ||
	    v->tenant_id == NULL)
		return KVL_OK;
	if (kvl_azure_set_tenant_of(&s->az, v->subscription_id,
				    v->tenant_id) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

static kvl_result open_azure(struct kvl_session *s,
			     const struct kvl_session_options *options,
			     struct kvl_error *err)
{
	struct kvl_azure_options az = {
		.cloud_file = options->cloud_file,
		.auth = {
			.method = options->auth_method,
			.tenant = options->tenant,
			.client_id = options->client_id,
			.cache_path = s->cache_path,
			.cache_key_path = s->cache_key_path,
			.own_sign_in_only = options->own_sign_in_only,
		},
		.http = {
			.sink = s->sink,
			.total_timeout_ms = options->timeout_s * 1000,
		},
		.sink = s->sink,
	};
	kvl_result rc;

	rc = kvl_azure_init(&s->az, &az, err);
	if (rc == KVL_OK) {
		s->az_ready = true;
	} else if (options->azure_optional && rc != KVL_ERR_NOMEM) {
		kvl_sink_message(s->sink, KVL_LEVEL_INFO,
				 _("kvlink: note: %s; this command makes no "
				   "Azure call, so it runs anyway"),
				 err->message);
		kvl_error_clear(err);
		rc = KVL_OK;
	}
	if (rc == KVL_OK)
		rc = remember_link_tenant(s, err);
	return rc;
}

kvl_result kvl_session_open(struct kvl_session *s,
			    const struct kvl_session_options *options,
			    const struct kvl_sink *sink,
			    struct kvl_error *err)
{
	kvl_result rc;

	memset(s, 0, sizeof(*s));
	s->sink = sink;

	if (options->log_file != NULL) {
		rc = kvl_log_open(options->log_file);
		if (rc != KVL_OK) {
			kvl_error_set(err, rc, _("cannot open the log file "
						 "'%s'; check the path and "
						 "its permissions"),
					       options->log_file);
			goto out;
		}
		s->log_opened = true;
	}

	rc = open_store(s, options->env_dir, err);
	if (rc == KVL_OK)
		rc = choose_cache(s, options->env_dir, err);
	if (rc == KVL_OK)
		rc = open_azure(s, options, err);

out:
	if (rc != KVL_OK)
		kvl_session_close(s);
	return rc;
}

kvl_result kvl_session_reload(struct kvl_session *s, struct kvl_error *err)
{
	kvl_result rc;

	rc = kvl_envstore_load(s->store, &s->env, err);
	if (rc == KVL_ERR_NOT_FOUND) {
		kvl_error_clear(err);
		kvl_env_clear(&s->env);
		s->env_loaded = false;
		return KVL_OK;
	}
	if (rc != KVL_OK)
		return rc;
	s->env_loaded = true;
	return remember_link_tenant(s, err);
}

void kvl_session_close(struct kvl_session *s)
{
	if (s->az_ready)
		kvl_azure_clear(&s->az);
	kvl_env_clear(&s->env);
	kvl_envstore_close(s->store);
	free(s->cache_path);
	free(s->cache_key_path);
	if (s->log_opened)
		kvl_log_close();
	memset(s, 0, sizeof(*s));
}
