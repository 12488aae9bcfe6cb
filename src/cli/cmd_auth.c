/* kvlink login, logout and whoami, and the sign-in rule of the others. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "i18n.h"

/*
 * Only `login` may start the device code flow against Azure: the other
 * commands run in scripts, where nobody would see the code, so they use
 * the cached sign-in or a service principal and fail with exit 4. The
 * sandbox approves its device codes by itself, so there it is allowed.
 */
kvl_result kvl_cli_sign_in(struct kvl_cli *cli, struct kvl_error *err)
{
	bool interactive = cli->opt.sandbox;
	kvl_result r;

	r = kvl_auth_sign_in(cli->session.az.auth, interactive, err);
	if (r != KVL_OK)
		kvl_error_operation(err, _("sign in"));
	return r;
}

kvl_result kvl_cli_require_env(struct kvl_cli *cli, struct kvl_error *err)
{
	if (cli->session.env_loaded)
		return KVL_OK;
	return kvl_error_set(err, KVL_ERR_NOT_FOUND,
			     _("there is no environment in '%s' yet; create "
			       "one with 'kvlink env create --name NAME "
			       "--region REGION'"),
			     kvl_envstore_dir(cli->session.store));
}

kvl_result kvl_cli_require_admin(struct kvl_cli *cli, const char *action,
				 const struct kvl_identity **who,
				 struct kvl_error *err)
{
	const struct kvl_identity *id;
	enum kvl_role role;
	kvl_result r;

	r = kvl_cli_sign_in(cli, err);
	if (r != KVL_OK)
		return r;
	id = kvl_auth_identity(cli->session.az.auth);
	if (id == NULL || id->object_id == NULL)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("signed in, but the token does not say "
				       "who you are"));
	if (!kvl_env_user_role(&cli->session.env, id->object_id, &role) ||
	    role != KVL_ROLE_ADMIN)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("only Admins of environment '%s' can "
				       "%s; ask an Admin"),
				     cli->session.env.display_name, action);
	*who = id;
	return KVL_OK;
}

static json_object *identity_json(const struct kvl_identity *id,
				  enum kvl_auth_method method)
{
	json_object *doc = json_object_new_object();

	kvl_cli_json_add_string(doc, "method", kvl_auth_method_name(method));
	kvl_cli_json_add_string(doc, "name", id->name);
	kvl_cli_json_add_string(doc, "objectId", id->object_id);
	kvl_cli_json_add_string(doc, "tenantId", id->tenant_id);
	kvl_cli_json_add_string(doc, "type",
				id->is_app ? "servicePrincipal" : "user");
	return doc;
}

static kvl_result print_identity(const struct kvl_cli *cli,
				 struct kvl_error *err)
{
	const struct kvl_identity *id;
	enum kvl_auth_method method;

	id = kvl_auth_identity(cli->session.az.auth);
	method = kvl_auth_used_method(cli->session.az.auth);
	if (id == NULL)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("signed in, but the token does not say "
				       "who you are"));

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = identity_json(id, method);

		kvl_cli_print_json(doc);
		json_object_put(doc);
		return KVL_OK;
	}
	kvl_cli_print_field(_("Signed in with"), kvl_auth_method_name(method));
	kvl_cli_print_field(id->is_app ? _("Service principal") : _("User"),
			    id->name);
	kvl_cli_print_field(_("Object id"), id->object_id);
	kvl_cli_print_field(_("Tenant"), id->tenant_id);
	return KVL_OK;
}

/* Description of the source of a method's identity other than kvlink's
 * own sign-in, for messages; NULL for kvlink's own. */
static const char *identity_source(enum kvl_auth_method method)
{
	switch (method) {
	case KVL_AUTH_ENVIRONMENT:
		return _("the service principal in AZURE_TENANT_ID, "
			 "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or "
			 "AZURE_CLIENT_CERTIFICATE_PATH");
	case KVL_AUTH_WORKLOAD_IDENTITY:
		return _("the workload identity in AZURE_TENANT_ID, "
			 "AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE");
	case KVL_AUTH_MANAGED_IDENTITY:
		return _("this host's managed identity");
	case KVL_AUTH_AZURE_CLI:
		return _("the Azure CLI's sign-in");
	default:
		return NULL;
	}
}

/* Tells how to sign in with kvlink's own sign-in when the identity came
 * from another method, which 'kvlink logout' cannot change. */
static void print_other_identity(enum kvl_auth_method method)
{
	const char *source = identity_source(method);

	if (source == NULL)
		return;
	fprintf(stderr, _("Signed in with %s (--auth %s); 'kvlink logout' "
			  "does not change that.\n"), source,
		kvl_auth_method_name(method));
	if (method == KVL_AUTH_ENVIRONMENT ||
	    method == KVL_AUTH_WORKLOAD_IDENTITY)
		fputs(_("To sign in interactively instead, unset "
			"AZURE_CLIENT_ID, or run 'kvlink login --auth "
			"device-code' and give --auth cached to later "
			"commands.\n"), stderr);
	else
		fputs(_("To sign in interactively instead, run 'kvlink login "
			"--auth device-code'; later commands then use that "
			"sign-in first.\n"), stderr);
}

/* login is the one command that may show a device code without a
 * terminal: the user asked for it, and the code goes to stderr. */
kvl_result kvl_cli_cmd_login(struct kvl_cli *cli, struct kvl_error *err)
{
	bool cached = kvl_auth_has_cached(cli->session.az.auth);
	enum kvl_auth_method method;
	kvl_result r;

	r = kvl_auth_sign_in(cli->session.az.auth, true, err);
	if (r != KVL_OK) {
		kvl_error_operation(err, _("sign in"));
		return r;
	}

	method = kvl_auth_used_method(cli->session.az.auth);
	if (cli->opt.output == KVL_OUTPUT_TEXT &&
	    identity_source(method) != NULL)
		print_other_identity(method);
	else if (cached && cli->opt.output == KVL_OUTPUT_TEXT)
		fputs(_("Already signed in; run 'kvlink logout' first to sign "
			"in as someone else.\n"), stderr);
	return print_identity(cli, err);
}

static void print_signed_out(enum kvl_auth_method still)
{
	const char *source = identity_source(still);

	if (source == NULL) {
		puts(_("Signed out; the cached tokens are removed."));
		return;
	}
	printf(_("Signed out of kvlink's own sign-in; the cached tokens are "
		 "removed. Later commands still sign in with %s (--auth "
		 "%s).\n"), source, kvl_auth_method_name(still));
}

kvl_result kvl_cli_cmd_logout(struct kvl_cli *cli, struct kvl_error *err)
{
	kvl_result r = kvl_auth_sign_out(cli->session.az.auth, err);
	enum kvl_auth_method still;

	if (r != KVL_OK) {
		kvl_error_operation(err, _("sign out"));
		return r;
	}

	still = kvl_auth_ready_method(cli->session.az.auth);
	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "signedIn",
				       json_object_new_boolean(false));
		if (identity_source(still) != NULL)
			json_object_object_add(doc, "stillSignedInWith",
				json_object_new_string(
					kvl_auth_method_name(still)));
		kvl_cli_print_json(doc);
		json_object_put(doc);
	} else {
		print_signed_out(still);
	}
	return KVL_OK;
}

kvl_result kvl_cli_cmd_whoami(struct kvl_cli *cli, struct kvl_error *err)
{
	kvl_result r = kvl_cli_sign_in(cli, err);

	if (r != KVL_OK)
		return r;
	return print_identity(cli, err);
}
