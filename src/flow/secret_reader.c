/* The reader of secret values in a health check. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/identity.h"
#include "flow/secret_reader.h"
#include "i18n.h"

/* English, like the findings the name appears in. */
static const char *kind_text(enum kvl_credential_kind kind)
{
	switch (kind) {
	case KVL_CREDENTIAL_CLIENT_SECRET:
		return "client secret";
	case KVL_CREDENTIAL_CERTIFICATE:
		return "certificate";
	case KVL_CREDENTIAL_MANAGED_IDENTITY:
		return "managed identity";
	}
	return "unknown kind";
}

static kvl_result open_service(struct kvl_azure *az, const char *env_dir,
			       const struct kvl_environment *env,
			       struct kvl_secret_reader *reader,
			       struct kvl_error *err)
{
	const struct kvl_env_identity *id = env->service_identity;
	struct kvl_credential cred;
	kvl_result r;
	int len;

	r = kvl_env_identity_credential(env_dir, env->id, id, &cred, err);
	if (r != KVL_OK)
		return r;
	r = kvl_azure_service_init(&reader->service, az, &cred, err);
	kvl_credential_clear(&cred);
	if (r != KVL_OK)
		return r;
	reader->health.az = &reader->service;
	reader->health.service = true;
	reader->kind = id->kind;
	if (id->client_id == NULL)
		len = asprintf(&reader->name, "the service identity (%s, "
			       "system-assigned)", kind_text(id->kind));
	else
		len = asprintf(&reader->name, "the service identity (%s, "
			       "client id %s)", kind_text(id->kind),
			       id->client_id);
	if (len < 0)
		reader->name = NULL;
	if (id->client_id != NULL)
		reader->client_id = strdup(id->client_id);
	if (reader->name == NULL ||
	    (id->client_id != NULL && reader->client_id == NULL))
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	reader->health.name = reader->name;
	if (kvl_env_identity_other_app(id))
		reader->health.other_app_id = reader->client_id;
	return KVL_OK;
}

kvl_result kvl_secret_reader_open(struct kvl_azure *az, const char *env_dir,
				  const struct kvl_environment *env,
				  struct kvl_secret_reader *reader,
				  struct kvl_error *err)
{
	const struct kvl_identity *user;

	memset(reader, 0, sizeof(*reader));
	if (env->service_identity != NULL)
		return open_service(az, env_dir, env, reader, err);
	user = kvl_auth_identity(az->auth);
	reader->health.az = az;
	if (asprintf(&reader->name, "the signed-in user (%s)",
		     user != NULL && user->name != NULL ? user->name :
		     "unknown") < 0) {
		reader->name = NULL;
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	reader->health.name = reader->name;
	return KVL_OK;
}

void kvl_secret_reader_close(struct kvl_secret_reader *reader)
{
	if (reader->health.service)
		kvl_azure_service_clear(&reader->service);
	free(reader->name);
	free(reader->client_id);
	memset(reader, 0, sizeof(*reader));
}
