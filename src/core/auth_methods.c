/*
 * The credentials of the sign-in chain that need no person: a service
 * principal from the environment (client secret or certificate), a
 * workload identity's federated token, a managed identity and the Azure
 * CLI. Their tokens stay in memory; core/auth.c chooses among them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/auth_private.h"
#include "core/azcli_token.h"
#include "core/buf.h"
#include "core/credential.h"
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/secret.h"
#include "i18n.h"

/* Maximum size of the federated token file, in bytes. Kubernetes
 * service account tokens are about 1 KB. */
#define FEDERATED_TOKEN_MAX (64 * 1024)

#define SECRET_ADVICE \
	N_("check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET")
#define CERTIFICATE_ADVICE \
	N_("check AZURE_TENANT_ID, AZURE_CLIENT_ID and that the certificate " \
	   "in AZURE_CLIENT_CERTIFICATE_PATH is registered on the app")
#define MANAGED_ADVICE \
	N_("check that this host has a managed identity that may sign in " \
	   "(for a user-assigned one, AZURE_CLIENT_ID names it), or choose " \
	   "another --auth method")
#define WORKLOAD_ADVICE \
	N_("check AZURE_TENANT_ID, AZURE_CLIENT_ID and the token in " \
	   "AZURE_FEDERATED_TOKEN_FILE: the app needs a federated " \
	   "credential for its issuer and subject")

/* The characters of a tenant id or domain name. */
#define TENANT_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

/* Appends the names in the NULL-terminated list that are not set to
 * missing, joined with ", "; returns how many there were. */
static int list_missing(struct kvl_buf *missing, const char *const *names)
{
	int n = 0;

	for (size_t i = 0; names[i] != NULL; i++) {
		if (env_set(names[i]))
			continue;
		kvl_buf_addf(missing, "%s%s", n > 0 ? ", " : "", names[i]);
		n++;
	}
	return n;
}

static const char *const app_variables[] = {
	"AZURE_TENANT_ID", "AZURE_CLIENT_ID", NULL,
};

static bool env_ready(void)
{
	return env_set("AZURE_TENANT_ID") && env_set("AZURE_CLIENT_ID") &&
	       (env_set("AZURE_CLIENT_SECRET") ||
		env_set("AZURE_CLIENT_CERTIFICATE_PATH"));
}

static bool workload_ready(void)
{
	return env_set("AZURE_TENANT_ID") && env_set("AZURE_CLIENT_ID") &&
	       env_set("AZURE_FEDERATED_TOKEN_FILE");
}

static bool app_service_ready(void)
{
	return env_set("IDENTITY_ENDPOINT") && env_set("IDENTITY_HEADER");
}

bool kvl_auth_method_ready(struct kvl_auth *auth,
			   enum kvl_auth_method method, const char **why)
{
	(void)auth;
	switch (method) {
	case KVL_AUTH_ENVIRONMENT:
		*why = "AZURE_TENANT_ID, AZURE_CLIENT_ID and "
		       "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH "
		       "are not all set";
		return env_ready();
	case KVL_AUTH_WORKLOAD_IDENTITY:
		*why = "AZURE_TENANT_ID, AZURE_CLIENT_ID and "
		       "AZURE_FEDERATED_TOKEN_FILE are not all set";
		return workload_ready();
	case KVL_AUTH_MANAGED_IDENTITY:
		*why = "IDENTITY_ENDPOINT and IDENTITY_HEADER are not set and "
		       "this machine is not an Azure VM";
		return app_service_ready() || kvl_is_azure_vm();
	case KVL_AUTH_AZURE_CLI:
		*why = "no 'az' on PATH, or az's azureProfile.json lists no "
		       "subscription (no 'az login' yet)";
		return kvl_azcli_signed_in();
	default:
		*why = "not a method of this module";
		return false;
	}
}

/* Sets the sign-in tenant and app from AZURE_TENANT_ID and
 * AZURE_CLIENT_ID, either of which may be unset. */
static kvl_result take_app_ids(struct kvl_auth *auth, bool with_tenant,
			       struct kvl_error *err)
{
	free(auth->app_client_id);
	auth->app_client_id = NULL;
	if (env_set("AZURE_CLIENT_ID")) {
		auth->app_client_id = strdup(getenv("AZURE_CLIENT_ID"));
		if (auth->app_client_id == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
	}
	if (with_tenant) {
		const char *value = getenv("AZURE_TENANT_ID");
		char *tenant;

		if (auth->tenant_given && strcasecmp(auth->tenant, value) != 0)
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("--tenant %s conflicts with "
					       "AZURE_TENANT_ID=%s; give the "
					       "same tenant in both, or leave "
					       "out --tenant"),
					     auth->tenant, value);
		if (value[0] == '-' ||
		    strspn(value, TENANT_CHARS) != strlen(value))
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("invalid AZURE_TENANT_ID '%s': "
					       "expected a tenant id (a GUID) "
					       "or a domain name"), value);
		tenant = strdup(value);
		if (tenant == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
		free(auth->tenant);
		auth->tenant = tenant;
	}
	return KVL_OK;
}

/* The error of a method whose variables are missing; missing names
 * them. */
static kvl_result missing_inputs(struct kvl_buf *missing,
				 const char *method, const char *rest,
				 struct kvl_error *err)
{
	kvl_error_set(err, KVL_ERR_AUTH,
		      _("--auth %s needs %s%s; set %s and try again"), method,
		      _("AZURE_TENANT_ID, AZURE_CLIENT_ID and "), rest,
		      missing->data != NULL ? missing->data : rest);
	kvl_buf_clear(missing);
	return KVL_ERR_AUTH;
}

static kvl_result prepare_env(struct kvl_auth *auth, struct kvl_error *err)
{
	struct kvl_buf missing;
	char *password;
	kvl_result res;

	kvl_buf_init(&missing);
	list_missing(&missing, app_variables);
	if (!env_set("AZURE_CLIENT_SECRET") &&
	    !env_set("AZURE_CLIENT_CERTIFICATE_PATH"))
		kvl_buf_addf(&missing, "%sAZURE_CLIENT_SECRET or "
			     "AZURE_CLIENT_CERTIFICATE_PATH",
			     missing.len > 0 ? ", " : "");
	if (missing.len > 0)
		return missing_inputs(&missing, "env", "AZURE_CLIENT_SECRET "
				      "or AZURE_CLIENT_CERTIFICATE_PATH",
				      err);
	res = take_app_ids(auth, true, err);
	if (res != KVL_OK || env_set("AZURE_CLIENT_SECRET"))
		return res;

	/* The password is needed only to open the file: the loaded key
	 * stays in memory and the copy is wiped at once. */
	password = env_set("AZURE_CLIENT_CERTIFICATE_PASSWORD")
		? kvl_secret_strdup(getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
		: NULL;
	kvl_signing_cert_free(auth->env_cert);
	auth->env_cert = NULL;
	res = kvl_signing_cert_load(getenv("AZURE_CLIENT_CERTIFICATE_PATH"),
				    password, &auth->env_cert, err);
	kvl_free_secret(password);
	if (res != KVL_OK && err != NULL && err->message != NULL) {
		char *reason = err->message;

		err->message = NULL;
		kvl_error_set(err, res, "AZURE_CLIENT_CERTIFICATE_PATH: %s",
			      reason);
		free(reason);
	}
	return res;
}

/*
 * Reads the federated token file. Whitespace around the token is
 * dropped; the caller frees *token with kvl_free_secret().
 */
static kvl_result read_federated_token(const char *path, char **token,
				       struct kvl_error *err)
{
	struct kvl_buf buf;
	char chunk[4096];
	ssize_t n;
	size_t start = 0;
	int fd;

	*token = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("cannot read the federated token file "
				       "'%s' (AZURE_FEDERATED_TOKEN_FILE): "
				       "%s; check the path and that the "
				       "workload identity's token is mounted "
				       "there"),
				     path, strerror(errno));
	kvl_buf_init(&buf);
	buf.secret = true;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 &&
	       buf.len + (size_t)n <= FEDERATED_TOKEN_MAX)
		kvl_buf_add(&buf, chunk, (size_t)n);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	close(fd);
	while (buf.len > 0 && strchr(" \t\r\n", buf.data[buf.len - 1]))
		buf.data[--buf.len] = '\0';
	while (start < buf.len && strchr(" \t\r\n", buf.data[start]))
		start++;
	if (n != 0 || start == buf.len) {
		kvl_buf_clear(&buf);
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("the federated token file '%s' "
				       "(AZURE_FEDERATED_TOKEN_FILE) is %s; "
				       "it must hold one token (a JWT)"), path,
				     n != 0 ? "unreadable or too large"
					    : "empty");
	}
	*token = kvl_secret_strdup(buf.data + start);
	kvl_buf_clear(&buf);
	if (*token == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

static kvl_result prepare_workload(struct kvl_auth *auth,
				   struct kvl_error *err)
{
	static const char *const names[] = {
		"AZURE_TENANT_ID", "AZURE_CLIENT_ID",
		"AZURE_FEDERATED_TOKEN_FILE", NULL,
	};
	struct kvl_buf missing;
	char *token = NULL;
	kvl_result res;

	kvl_buf_init(&missing);
	if (list_missing(&missing, names) > 0)
		return missing_inputs(&missing, "workload-identity",
				      "AZURE_FEDERATED_TOKEN_FILE", err);
	res = take_app_ids(auth, true, err);
	if (res == KVL_OK)
		res = read_federated_token(
			getenv("AZURE_FEDERATED_TOKEN_FILE"), &token, err);
	kvl_free_secret(token);
	return res;
}

static kvl_result prepare_managed(struct kvl_auth *auth,
				  struct kvl_error *err)
{
	if (!app_service_ready() && !kvl_is_azure_vm())
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("--auth managed-identity needs "
				       "IDENTITY_ENDPOINT and IDENTITY_HEADER "
				       "(App Service, Functions, Container "
				       "Apps) or an Azure VM; set both "
				       "variables, or run kvlink on a machine "
				       "that has a managed identity"));
	return take_app_ids(auth, false, err);
}

kvl_result kvl_auth_method_prepare(struct kvl_auth *auth,
				   enum kvl_auth_method method,
				   struct kvl_error *err)
{
	switch (method) {
	case KVL_AUTH_ENVIRONMENT:
		return prepare_env(auth, err);
	case KVL_AUTH_WORKLOAD_IDENTITY:
		return prepare_workload(auth, err);
	case KVL_AUTH_MANAGED_IDENTITY:
		return prepare_managed(auth, err);
	case KVL_AUTH_AZURE_CLI:
		return kvl_azcli_check(err);
	default:
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("sign-in method %s has no inputs to "
				       "prepare"),
				     kvl_auth_method_name(method));
	}
}

kvl_result kvl_auth_client_credentials(struct kvl_auth *auth,
				       const char *tenant,
				       const char *client_id,
				       const char *secret,
				       const char *assertion,
				       const char *scope, const char *advice,
				       struct kvl_error *err)
{
	struct kvl_form_field fields[6] = { { NULL, NULL } };
	json_object *body = NULL;
	long status = 0;
	kvl_result res;

	fields[0] = (struct kvl_form_field){ "client_id", client_id };
	fields[1] = (struct kvl_form_field){ "grant_type",
					     "client_credentials" };
	fields[2] = (struct kvl_form_field){ "scope", scope };
	if (assertion != NULL) {
		fields[3] = (struct kvl_form_field){ "client_assertion_type",
						     KVL_ASSERTION_TYPE_JWT };
		fields[4] = (struct kvl_form_field){ "client_assertion",
						     assertion };
	} else {
		fields[3] = (struct kvl_form_field){ "client_secret", secret };
	}
	res = kvl_auth_post_form(auth, tenant, "token", fields, &status,
				 &body, err);
	if (res == KVL_OK && status != 200)
		res = kvl_auth_entra_error(body, status, advice, err);
	else if (res == KVL_OK)
		res = kvl_auth_store_tokens(auth, tenant, scope, body, err);
	kvl_json_put_secret(body);
	return res;
}

/* A client credentials grant with AZURE_CLIENT_SECRET (read again and
 * wiped here) or a PS256 assertion signed by the loaded certificate. */
static kvl_result env_token(struct kvl_auth *auth, const char *tenant,
			    const char *scope, struct kvl_error *err)
{
	char *secret = NULL, *assertion = NULL, *audience = NULL;
	kvl_result res;

	if (auth->env_cert == NULL) {
		secret = env_set("AZURE_CLIENT_SECRET")
			? kvl_secret_strdup(getenv("AZURE_CLIENT_SECRET"))
			: NULL;
		if (secret == NULL)
			return kvl_error_set(err, KVL_ERR_AUTH,
					     _("AZURE_CLIENT_SECRET is no "
					       "longer set; set it again"));
	} else {
		audience = kvl_auth_endpoint_url(auth, tenant, "token");
		if (audience == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
		res = kvl_signing_cert_assertion(auth->env_cert,
						 KVL_JWS_PS256,
						 auth->app_client_id, audience,
						 (int64_t)time(NULL),
						 &assertion, err);
		if (res != KVL_OK)
			goto out;
	}
	res = kvl_auth_client_credentials(auth, tenant, auth->app_client_id,
					  secret, assertion, scope,
					  secret != NULL ? _(SECRET_ADVICE)
							 : _(CERTIFICATE_ADVICE),
					  err);
out:
	kvl_free_secret(secret);
	kvl_free_secret(assertion);
	free(audience);
	return res;
}

/* The federated token is read for every request: the platform replaces
 * the file before the token in it expires. */
static kvl_result workload_token(struct kvl_auth *auth, const char *tenant,
				 const char *scope, struct kvl_error *err)
{
	const char *path = getenv("AZURE_FEDERATED_TOKEN_FILE");
	char *assertion = NULL;
	kvl_result res;

	if (path == NULL || path[0] == '\0')
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("AZURE_FEDERATED_TOKEN_FILE is no "
				       "longer set; set it again"));
	res = read_federated_token(path, &assertion, err);
	if (res == KVL_OK)
		res = kvl_auth_client_credentials(auth, tenant,
						  auth->app_client_id, NULL,
						  assertion, scope,
						  _(WORKLOAD_ADVICE), err);
	kvl_free_secret(assertion);
	return res;
}

/* Appends "; advice" to err's message, so that a failure names its own
 * next step. */
static void add_advice(struct kvl_error *err, const char *advice)
{
	char *reason;

	if (err == NULL || err->message == NULL)
		return;
	reason = err->message;
	err->message = NULL;
	kvl_error_set(err, err->result, "%s; %s", reason, advice);
	free(reason);
}

/* The resource a managed identity or az names: scope without
 * "/.default"; NULL when out of memory. */
static char *scope_resource(const char *scope)
{
	size_t len = strlen(scope);

	if (len > 9 && strcmp(scope + len - 9, "/.default") == 0)
		len -= 9;
	return strndup(scope, len);
}

kvl_result kvl_auth_managed_token(struct kvl_auth *auth,
				  const char *client_id, const char *tenant,
				  const char *scope, struct kvl_error *err)
{
	char *resource = scope_resource(scope), *token = NULL;
	int64_t expires_at = 0;
	kvl_result res;

	if (resource == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = kvl_managed_identity_token(auth->http, client_id, resource,
					 &token, &expires_at, err);
	/* A refusal by the endpoint already says what to check. */
	if (res != KVL_OK && res != KVL_ERR_NOMEM &&
	    res != KVL_ERR_CANCELLED && err != NULL && err->message != NULL)
		add_advice(err, strstr(err->message, "refused a token") != NULL
				? _("or choose another --auth method")
				: _(MANAGED_ADVICE));
	if (res == KVL_OK &&
	    kvl_token_cache_put(&auth->cache, tenant, scope, token,
				expires_at) != KVL_OK)
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	kvl_free_secret(token);
	free(resource);
	return res;
}

/*
 * The tenant az is asked for: none unless --tenant named one or the
 * request is for another tenant than the sign-in's, because az then
 * answers for the tenant it signed in to, and az rejects --tenant for a
 * managed identity sign-in. "organizations" and "common" name no tenant.
 */
static const char *az_tenant(const struct kvl_auth *auth, const char *tenant)
{
	if (!auth->tenant_given && strcmp(tenant, auth->tenant) == 0)
		return NULL;
	if (strcmp(tenant, "organizations") == 0 ||
	    strcmp(tenant, "common") == 0)
		return NULL;
	return tenant;
}

static kvl_result azcli_token(struct kvl_auth *auth, const char *tenant,
			      const char *scope, struct kvl_error *err)
{
	struct kvl_azcli_token t = { 0 };
	kvl_result res;

	res = kvl_azcli_get_token(scope, az_tenant(auth, tenant), auth->sink,
				  &t, err);
	if (res == KVL_OK &&
	    kvl_token_cache_put(&auth->cache, tenant, scope, t.access_token,
				t.expires_at) != KVL_OK)
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	kvl_azcli_token_clear(&t);
	return res;
}

kvl_result kvl_auth_method_token(struct kvl_auth *auth, const char *tenant,
				 const char *scope, struct kvl_error *err)
{
	switch (auth->used) {
	case KVL_AUTH_ENVIRONMENT:
		return env_token(auth, tenant, scope, err);
	case KVL_AUTH_WORKLOAD_IDENTITY:
		return workload_token(auth, tenant, scope, err);
	case KVL_AUTH_MANAGED_IDENTITY:
		return kvl_auth_managed_token(auth, auth->app_client_id,
					      tenant, scope, err);
	case KVL_AUTH_AZURE_CLI:
		return azcli_token(auth, tenant, scope, err);
	default:
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("sign-in method %s gets no tokens here"),
				     kvl_auth_method_name(auth->used));
	}
}
