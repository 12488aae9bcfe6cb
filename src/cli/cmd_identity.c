/*
 * kvlink env identity set|show|clear: the environment's service identity,
 * which `kvlink check` signs in as to read the connections' secrets. A
 * client secret comes from standard input or a prompt without echo, never
 * from the command line, and is stored sealed.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/conn.h"
#include "core/crypto.h"
#include "core/graph.h"
#include "env/connections.h"
#include "env/identity.h"
#include "i18n.h"

/* Maximum length of a client secret, in bytes; Entra ID's secrets are
 * about 40 characters long. */
#define CLIENT_SECRET_MAX 1024

/* The action only Admins may take, for kvl_cli_require_admin(). */
#define CHANGE_IDENTITY _("change its service identity")

static kvl_result not_for_kind(const char *option, const char *kind,
			       struct kvl_error *err)
{
	return kvl_error_set(err, KVL_ERR_INVALID,
			     _("option '%s' does not apply to --kind %s; see "
			       "'kvlink --help'"), option, kind);
}

static kvl_result missing_for_kind(const char *option, const char *kind,
				   struct kvl_error *err)
{
	return kvl_error_set(err, KVL_ERR_INVALID,
			     _("--kind %s needs option '%s'; see 'kvlink "
			       "--help'"), kind, option);
}

/* Checks that the options given fit the kind. */
static kvl_result check_options(const struct kvl_cli_options *o,
				enum kvl_credential_kind kind,
				struct kvl_error *err)
{
	bool managed = kind == KVL_CREDENTIAL_MANAGED_IDENTITY;

	if (!managed && o->identity_tenant == NULL)
		return missing_for_kind("--identity-tenant", o->kind, err);
	if (!managed && o->identity_client_id == NULL)
		return missing_for_kind("--identity-client-id", o->kind, err);
	if (managed && o->identity_tenant != NULL)
		return not_for_kind("--identity-tenant", o->kind, err);
	if (kind == KVL_CREDENTIAL_CERTIFICATE && o->certificate == NULL)
		return missing_for_kind("--certificate", o->kind, err);
	if (kind != KVL_CREDENTIAL_CERTIFICATE && o->certificate != NULL)
		return not_for_kind("--certificate", o->kind, err);
	if (kind != KVL_CREDENTIAL_CLIENT_SECRET && o->client_secret_stdin)
		return not_for_kind("--client-secret-stdin", o->kind, err);
	if (kind == KVL_CREDENTIAL_CLIENT_SECRET && !o->client_secret_stdin &&
	    !isatty(STDIN_FILENO))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("give the client secret on standard "
				       "input with --client-secret-stdin, or "
				       "run the command in a terminal to be "
				       "prompted for it"));
	return KVL_OK;
}

/* Makes the certificate path absolute and checks that it signs. */
static kvl_result check_certificate(const char *path, char **absolute,
				    struct kvl_error *err)
{
	char resolved[PATH_MAX], *jwt = NULL;
	kvl_result r;

	if (realpath(path, resolved) == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("cannot open the certificate file "
				       "'%s'; give the path of a PEM file "
				       "with the certificate and its private "
				       "key"), path);
	r = kvl_client_assertion(resolved, "check", "check", time(NULL),
				 &jwt, err);
	kvl_free_secret(jwt);
	if (r != KVL_OK)
		return r;
	*absolute = strdup(resolved);
	if (*absolute == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

static kvl_result seal_secret(struct kvl_cli *cli,
			      struct kvl_env_identity *id,
			      struct kvl_error *err)
{
	struct kvl_environment others = cli->session.env;
	char *secret = NULL;
	size_t len = 0;
	kvl_result r;

	/* A new key file would lock the connections' sealed credentials.
	 * The identity's own old secret is about to be replaced, so it
	 * does not count. */
	others.service_identity = NULL;
	r = kvl_conn_check_credentials_key(kvl_envstore_dir(cli->session.store),
					   &others, err);
	if (r != KVL_OK)
		return r;
	r = kvl_cli_read_credential(_("Client secret: "), CLIENT_SECRET_MAX,
				    &secret, &len, err);
	if (r != KVL_OK)
		return r;
	r = kvl_env_identity_seal(kvl_envstore_dir(cli->session.store),
				  cli->session.env.id, id, secret, len, err);
	kvl_free_secret(secret);
	return r;
}

static bool copy_option(const char *value, char **out)
{
	*out = value != NULL ? strdup(value) : NULL;
	return value == NULL || *out != NULL;
}

/* Builds the new identity from the options; *id is freed by the caller. */
static kvl_result build_identity(struct kvl_cli *cli,
				 enum kvl_credential_kind kind,
				 const char *admin,
				 struct kvl_env_identity **out,
				 struct kvl_error *err)
{
	const struct kvl_cli_options *o = &cli->opt;
	struct kvl_env_identity *id = calloc(1, sizeof(*id));
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	kvl_result r = KVL_OK;

	*out = id;
	if (id == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	id->kind = kind;
	if (!copy_option(o->identity_tenant, &id->tenant_id) ||
	    !copy_option(o->identity_client_id, &id->client_id) ||
	    !copy_option(admin, &id->set_by) ||
	    !copy_option(now, &id->set_at))
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (kind == KVL_CREDENTIAL_CERTIFICATE)
		r = check_certificate(o->certificate, &id->certificate_path,
				      err);
	else if (kind == KVL_CREDENTIAL_CLIENT_SECRET)
		r = seal_secret(cli, id, err);
	return r;
}

static void print_identity(const struct kvl_cli *cli);

/* Warns on standard error when id is an app other than Customer
 * Insights: a check as that app says nothing about Customer Insights. */
static void warn_other_app(const struct kvl_env_identity *id)
{
	if (!kvl_env_identity_other_app(id))
		return;
	fprintf(stderr, _("kvlink: warning: client id %s is not the "
			  "Customer Insights app (%s); 'kvlink check' will "
			  "read secrets as that other app, so its result "
			  "does not show whether Customer Insights can read "
			  "them; run 'kvlink env identity set' again with "
			  "--identity-client-id %s\n"), id->client_id,
		KVL_CI_APP_ID, KVL_CI_APP_ID);
}

/* Source of the managed identity's tokens on this machine. */
enum msi_source { MSI_APP_SERVICE, MSI_IMDS, MSI_NONE };

/* The managed identity endpoint kvlink would use here, the same choice
 * the sign-in makes: IDENTITY_ENDPOINT with IDENTITY_HEADER, else the
 * instance metadata service on an Azure VM only. *endpoint is NULL for
 * MSI_NONE. */
static enum msi_source msi_source(const char **endpoint)
{
	bool app_service = false;
	const char *url = kvl_managed_identity_endpoint(&app_service);

	*endpoint = url;
	if (app_service)
		return MSI_APP_SERVICE;
	if (kvl_is_azure_vm())
		return MSI_IMDS;
	*endpoint = NULL;
	return MSI_NONE;
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

/* Notes on standard error where a managed identity's tokens would come
 * from when that is not IDENTITY_ENDPOINT with IDENTITY_HEADER. */
static void note_metadata_service(const struct kvl_env_identity *id)
{
	const char *endpoint;
	enum msi_source source;

	if (id == NULL || id->kind != KVL_CREDENTIAL_MANAGED_IDENTITY)
		return;
	source = msi_source(&endpoint);
	if (source == MSI_APP_SERVICE)
		return;
	if (env_set("IDENTITY_ENDPOINT") && !env_set("IDENTITY_HEADER"))
		fputs(_("kvlink: note: IDENTITY_ENDPOINT is set but "
			"IDENTITY_HEADER is missing; kvlink uses the endpoint "
			"only with both, so set IDENTITY_HEADER too.\n"),
		      stderr);
	if (source == MSI_IMDS)
		fprintf(stderr, _("kvlink: note: 'kvlink check' will ask "
				  "Azure's instance metadata service (%s) "
				  "for the managed identity's tokens, because "
				  "this machine is an Azure VM.\n"), endpoint);
	else
		fputs(_("kvlink: note: this machine is not an Azure VM and "
			"IDENTITY_ENDPOINT and IDENTITY_HEADER are not both "
			"set, so 'kvlink check' cannot sign in as the managed "
			"identity here. Run kvlink where App Service sets "
			"both, or on an Azure VM, or remove the identity with "
			"'kvlink env identity clear'.\n"), stderr);
}

static kvl_result identity_set(struct kvl_cli *cli, struct kvl_error *err)
{
	const struct kvl_identity *admin = NULL;
	struct kvl_env_identity *id = NULL, *old;
	enum kvl_credential_kind kind = KVL_CREDENTIAL_CLIENT_SECRET;
	kvl_result r;

	if (!kvl_credential_kind_parse(cli->opt.kind, &kind))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("invalid value '%s' for --kind"),
				     cli->opt.kind);
	r = check_options(&cli->opt, kind, err);
	if (r == KVL_OK)
		r = kvl_cli_require_admin(cli, CHANGE_IDENTITY, &admin, err);
	if (r == KVL_OK)
		r = build_identity(cli, kind, admin->object_id, &id, err);
	if (r != KVL_OK)
		goto out;

	old = cli->session.env.service_identity;
	cli->session.env.service_identity = id;
	r = kvl_envstore_save(cli->session.store, &cli->session.env, err);
	if (r != KVL_OK) {
		cli->session.env.service_identity = old;
		kvl_error_operation(err, _("save the service identity"));
		goto out;
	}
	id = old;
	print_identity(cli);
	warn_other_app(cli->session.env.service_identity);
	note_metadata_service(cli->session.env.service_identity);
out:
	kvl_env_identity_free(id);
	return r;
}

static kvl_result identity_clear(struct kvl_cli *cli, struct kvl_error *err)
{
	const struct kvl_identity *admin = NULL;
	struct kvl_env_identity *old = cli->session.env.service_identity;
	kvl_result r;

	if (old == NULL) {
		if (cli->opt.output != KVL_OUTPUT_JSON)
			puts(_("No service identity is set; nothing to "
			       "clear."));
		else
			print_identity(cli);
		return KVL_OK;
	}
	r = kvl_cli_require_admin(cli, CHANGE_IDENTITY, &admin, err);
	if (r != KVL_OK)
		return r;
	cli->session.env.service_identity = NULL;
	r = kvl_envstore_save(cli->session.store, &cli->session.env, err);
	if (r != KVL_OK) {
		cli->session.env.service_identity = old;
		kvl_error_operation(err, _("clear the service identity"));
		return r;
	}
	kvl_env_identity_free(old);
	if (cli->opt.output == KVL_OUTPUT_JSON)
		print_identity(cli);
	else
		puts(_("Service identity removed; 'kvlink check' reads secrets "
		       "as the signed-in user again."));
	return KVL_OK;
}

/* The certificate's thumbprint, or NULL when the file cannot be read. */
static char *thumbprint_or_null(const char *path)
{
	struct kvl_error err;
	char *thumb = NULL;

	kvl_error_init(&err);
	if (path == NULL ||
	    kvl_certificate_thumbprint(path, &thumb, &err) != KVL_OK)
		thumb = NULL;
	kvl_error_clear(&err);
	return thumb;
}

json_object *kvl_cli_identity_json(const struct kvl_env_identity *id)
{
	json_object *obj = json_object_new_object();
	const char *endpoint;
	char *thumb;

	kvl_cli_json_add_string(obj, "kind", kvl_credential_kind_name(
					id->kind));
	kvl_cli_json_add_string(obj, "tenantId", id->tenant_id);
	kvl_cli_json_add_string(obj, "clientId", id->client_id);
	if (id->client_id != NULL)
		json_object_object_add(obj, "customerInsightsApp",
				       json_object_new_boolean(
					       !kvl_env_identity_other_app(id)));
	if (id->kind == KVL_CREDENTIAL_CLIENT_SECRET)
		json_object_object_add(obj, "clientSecretSealed",
				       json_object_new_boolean(
					       id->sealed_secret != NULL));
	if (id->kind == KVL_CREDENTIAL_CERTIFICATE) {
		thumb = thumbprint_or_null(id->certificate_path);
		kvl_cli_json_add_string(obj, "certificatePath",
					id->certificate_path);
		kvl_cli_json_add_string(obj, "certificateThumbprintSha256",
					thumb);
		free(thumb);
	}
	if (id->kind == KVL_CREDENTIAL_MANAGED_IDENTITY) {
		static const char *const names[] = {
			[MSI_APP_SERVICE] = "IDENTITY_ENDPOINT",
			[MSI_IMDS] = "imds",
			[MSI_NONE] = "none",
		};
		enum msi_source source = msi_source(&endpoint);

		kvl_cli_json_add_string(obj, "endpoint", endpoint);
		kvl_cli_json_add_string(obj, "endpointSource", names[source]);
	}
	kvl_cli_json_add_string(obj, "setBy", id->set_by);
	kvl_cli_json_add_string(obj, "setAt", id->set_at);
	return obj;
}

static const char *kind_label(enum kvl_credential_kind kind)
{
	switch (kind) {
	case KVL_CREDENTIAL_CLIENT_SECRET:
		return _("client secret");
	case KVL_CREDENTIAL_CERTIFICATE:
		return _("certificate");
	case KVL_CREDENTIAL_MANAGED_IDENTITY:
		return _("managed identity");
	}
	return "?";
}

/*
 * Prints whether the sealed client secret opens under credentials.key,
 * and why not on standard error. The opened secret is wiped at once.
 */
static void print_secret_state(const struct kvl_cli *cli,
			       const struct kvl_env_identity *id)
{
	struct kvl_credential cred;
	struct kvl_error err;

	kvl_error_init(&err);
	if (kvl_env_identity_credential(kvl_envstore_dir(cli->session.store),
					cli->session.env.id, id, &cred,
					&err) == KVL_OK) {
		kvl_credential_clear(&cred);
		kvl_cli_print_field(_("Client secret"),
				    _("stored sealed (never shown)"));
	} else {
		kvl_cli_print_field(_("Client secret"),
				    _("stored sealed, but it cannot be "
				      "opened"));
		fprintf(stderr, _("kvlink: warning: %s\n"),
			err.message != NULL ? err.message : "");
	}
	kvl_error_clear(&err);
}

static void print_identity_text(const struct kvl_cli *cli,
				const struct kvl_env_identity *id)
{
	const char *endpoint;
	char *thumb;

	kvl_cli_print_field(_("Kind"), kind_label(id->kind));
	if (id->tenant_id != NULL)
		kvl_cli_print_field(_("Tenant"), id->tenant_id);
	kvl_cli_print_field(_("Client id"), id->client_id != NULL ?
			    id->client_id : _("(system-assigned identity)"));
	if (id->kind == KVL_CREDENTIAL_CLIENT_SECRET)
		print_secret_state(cli, id);
	if (id->kind == KVL_CREDENTIAL_CERTIFICATE) {
		thumb = thumbprint_or_null(id->certificate_path);
		kvl_cli_print_field(_("Certificate"), id->certificate_path);
		kvl_cli_print_field(_("Thumbprint"), thumb != NULL ? thumb :
				    _("(the file cannot be read)"));
		free(thumb);
	}
	if (id->kind == KVL_CREDENTIAL_MANAGED_IDENTITY) {
		(void)msi_source(&endpoint);
		kvl_cli_print_field(_("Endpoint"), endpoint != NULL ? endpoint :
				    _("(none on this machine)"));
	}
	kvl_cli_print_field(_("Set by"), id->set_by);
	kvl_cli_print_field(_("Set at"), id->set_at);
}

static void print_identity(const struct kvl_cli *cli)
{
	const struct kvl_env_identity *id = cli->session.env.service_identity;
	json_object *doc;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		doc = json_object_new_object();
		json_object_object_add(doc, "serviceIdentity", id != NULL ?
				       kvl_cli_identity_json(id) : NULL);
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return;
	}
	if (id == NULL) {
		puts(_("No service identity is set; 'kvlink check' reads "
		       "secrets as the signed-in user."));
		return;
	}
	print_identity_text(cli, id);
}

kvl_result kvl_cli_cmd_identity(struct kvl_cli *cli, struct kvl_error *err)
{
	kvl_result r = kvl_cli_require_env(cli, err);

	if (r != KVL_OK)
		return r;
	switch (cli->opt.command) {
	case KVL_CMD_IDENTITY_SET:
		return identity_set(cli, err);
	case KVL_CMD_IDENTITY_CLEAR:
		return identity_clear(cli, err);
	default:
		print_identity(cli);
		if (cli->session.env.service_identity != NULL)
			warn_other_app(cli->session.env.service_identity);
		note_metadata_service(cli->session.env.service_identity);
		return KVL_OK;
	}
}

json_object *kvl_cli_reader_json(const struct kvl_secret_reader *reader)
{
	const struct kvl_identity *who;
	json_object *obj = json_object_new_object();

	who = kvl_auth_identity(reader->health.az->auth);
	kvl_cli_json_add_string(obj, "type", reader->health.service ?
				"serviceIdentity" : "user");
	if (reader->health.service) {
		kvl_cli_json_add_string(obj, "kind",
					kvl_credential_kind_name(reader->kind));
		kvl_cli_json_add_string(obj, "clientId", reader->client_id);
	} else {
		kvl_cli_json_add_string(obj, "name", who ? who->name : NULL);
	}
	kvl_cli_json_add_string(obj, "objectId", who ? who->object_id : NULL);
	json_object_object_add(obj, "signedIn",
			       json_object_new_boolean(who != NULL));
	return obj;
}
