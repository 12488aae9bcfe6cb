/* The environment's service identity in environment.json. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/crypto.h"
#include "core/graph.h"
#include "env/connections.h"
#include "env/identity.h"
#include "env/members.h"
#include "i18n.h"

void kvl_env_identity_free(struct kvl_env_identity *id)
{
	if (id == NULL)
		return;
	free(id->tenant_id);
	free(id->client_id);
	free(id->certificate_path);
	free(id->sealed_secret);
	free(id->set_by);
	free(id->set_at);
	free(id);
}

bool kvl_env_identity_other_app(const struct kvl_env_identity *id)
{
	return id->client_id != NULL &&
	       strcasecmp(id->client_id, KVL_CI_APP_ID) != 0;
}

/* Checks that the members a kind needs are there. */
static kvl_result check_complete(const struct kvl_env_identity *id,
				 struct kvl_error *err)
{
	const char *kind = kvl_credential_kind_name(id->kind);

	if (id->kind == KVL_CREDENTIAL_MANAGED_IDENTITY)
		return KVL_OK;
	if (id->tenant_id == NULL || id->client_id == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the service identity (%s) has no "
				       "tenantId or clientId"), kind);
	if (id->kind == KVL_CREDENTIAL_CLIENT_SECRET &&
	    id->sealed_secret == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the service identity (%s) has no "
				       "sealedClientSecret"), kind);
	if (id->kind == KVL_CREDENTIAL_CERTIFICATE &&
	    id->certificate_path == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the service identity (%s) has no "
				       "certificatePath"), kind);
	return KVL_OK;
}

static kvl_result parse_kind(json_object *obj, struct kvl_env_identity *id,
			     struct kvl_error *err)
{
	char *kind = NULL;
	kvl_result rc;

	rc = kvl_env_member_string(obj, "kind", true, &kind, err);
	if (rc == KVL_OK && !kvl_credential_kind_parse(kind, &id->kind))
		rc = kvl_error_set(err, KVL_ERR_PARSE,
				   _("the service identity's kind '%s' is not "
				     "clientSecret, certificate or "
				     "managedIdentity"), kind);
	free(kind);
	return rc;
}

kvl_result kvl_env_identity_from_json(json_object *obj,
				      struct kvl_env_identity **out,
				      struct kvl_error *err)
{
	struct kvl_env_identity *id;
	kvl_result rc;

	*out = NULL;
	if (obj == NULL)
		return KVL_OK;
	if (!json_object_is_type(obj, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"serviceIdentity\" is "
				       "not an object"));
	id = calloc(1, sizeof(*id));
	if (id == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	rc = parse_kind(obj, id, err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(obj, "tenantId", false,
					   &id->tenant_id, err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(obj, "clientId", false,
					   &id->client_id, err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(obj, "certificatePath", false,
					   &id->certificate_path, err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(obj, "sealedClientSecret", false,
					   &id->sealed_secret, err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(obj, "setBy", false, &id->set_by,
					   err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(obj, "setAt", false, &id->set_at,
					   err);
	if (rc == KVL_OK)
		rc = check_complete(id, err);
	if (rc != KVL_OK) {
		kvl_env_identity_free(id);
		return rc;
	}
	*out = id;
	return KVL_OK;
}

json_object *kvl_env_identity_to_json(const struct kvl_env_identity *id)
{
	json_object *obj;

	if (id == NULL)
		return NULL;
	obj = json_object_new_object();
	kvl_env_member_add(obj, "kind", kvl_credential_kind_name(id->kind));
	kvl_env_member_add(obj, "tenantId", id->tenant_id);
	kvl_env_member_add(obj, "clientId", id->client_id);
	kvl_env_member_add(obj, "certificatePath", id->certificate_path);
	kvl_env_member_add(obj, "sealedClientSecret", id->sealed_secret);
	kvl_env_member_add(obj, "setBy", id->set_by);
	kvl_env_member_add(obj, "setAt", id->set_at);
	return obj;
}

/* The key file path and the additional authenticated data of the sealed
 * secret; the caller frees both. */
static kvl_result seal_paths(const char *env_dir, const char *env_id,
			     const struct kvl_env_identity *id, char **key,
			     char **aad, struct kvl_error *err)
{
	*key = NULL;
	*aad = NULL;
	if (asprintf(key, "%s/%s", env_dir, KVL_CREDENTIALS_KEY_FILE) < 0)
		*key = NULL;
	if (asprintf(aad, "kvlink-service-identity:%s:%s", env_id,
		     id->client_id ? id->client_id : "") < 0)
		*aad = NULL;
	if (*key != NULL && *aad != NULL)
		return KVL_OK;
	free(*key);
	free(*aad);
	*key = *aad = NULL;
	return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
}

kvl_result kvl_env_identity_seal(const char *env_dir, const char *env_id,
				 struct kvl_env_identity *id,
				 const char *secret, size_t len,
				 struct kvl_error *err)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char *key, *aad, *encoded;
	kvl_result rc;

	rc = seal_paths(env_dir, env_id, id, &key, &aad, err);
	if (rc != KVL_OK)
		return rc;
	rc = kvl_seal_buffer(key, aad, secret, len, &sealed, &sealed_len,
			     err);
	if (rc != KVL_OK)
		goto out;
	encoded = kvl_base64_encode(sealed, sealed_len);
	if (encoded == NULL) {
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	free(id->sealed_secret);
	id->sealed_secret = encoded;
out:
	free(sealed);
	free(key);
	free(aad);
	return rc;
}

/* Replaces the error of a sealed client secret that did not open with
 * result rc by one that says why and how to recover. */
static kvl_result open_failed(const char *env_dir, kvl_result rc,
			      struct kvl_error *err)
{
	const char *problem = kvl_credentials_key_problem(env_dir);
	char *detail = NULL;

	if (problem == NULL && rc == KVL_ERR_PARSE)
		problem = "it was sealed with another key file "
			  KVL_CREDENTIALS_KEY_FILE " (the file was replaced, "
			  "or the environment was copied without it)";
	if (problem == NULL && err != NULL && err->message != NULL)
		detail = strdup(err->message);
	kvl_error_set(err, KVL_ERR_PREREQ,
		      _("cannot open the sealed client secret of the service "
			"identity: %s; restore %s from a backup of the "
			"environment directory, or set the secret again with "
			"'kvlink env identity set'"), problem != NULL ? problem
			: detail != NULL ? detail : _("it cannot be read"),
		      KVL_CREDENTIALS_KEY_FILE);
	free(detail);
	return KVL_ERR_PREREQ;
}

static kvl_result open_secret(const char *env_dir, const char *env_id,
			      const struct kvl_env_identity *id,
			      char **secret, struct kvl_error *err)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0, len = 0;
	char *key, *aad;
	kvl_result rc;

	if (kvl_base64_decode(id->sealed_secret, &sealed, &sealed_len) !=
	    KVL_OK)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("the sealed client secret of the "
				       "service identity is not base64; set "
				       "it again with 'kvlink env identity "
				       "set'"));
	rc = seal_paths(env_dir, env_id, id, &key, &aad, err);
	if (rc == KVL_OK)
		rc = kvl_open_sealed_buffer(key, aad, sealed, sealed_len,
					    secret, &len, err);
	if (rc != KVL_OK && rc != KVL_ERR_NOMEM)
		rc = open_failed(env_dir, rc, err);
	free(sealed);
	free(key);
	free(aad);
	return rc;
}

kvl_result kvl_env_identity_credential(const char *env_dir,
				       const char *env_id,
				       const struct kvl_env_identity *id,
				       struct kvl_credential *out,
				       struct kvl_error *err)
{
	struct kvl_credential view = {
		.kind = id->kind,
		.tenant = id->tenant_id,
		.client_id = id->client_id,
		.certificate_path = id->certificate_path,
	};
	kvl_result rc;

	memset(out, 0, sizeof(*out));
	if (kvl_credential_copy(&view, out) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (id->kind != KVL_CREDENTIAL_CLIENT_SECRET)
		return KVL_OK;
	rc = open_secret(env_dir, env_id, id, &out->client_secret, err);
	if (rc != KVL_OK)
		kvl_credential_clear(out);
	return rc;
}
