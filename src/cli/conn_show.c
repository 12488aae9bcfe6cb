/*
 * kvlink connection types, list and show. Output never contains a
 * credential: a Key Vault connection shows its secret names, a typed one
 * only which fields are set ("typed (encrypted)", or that one cannot be
 * decrypted, which is checked in wiped memory). None of these
 * commands needs a sign-in or the network.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/conn.h"
#include "env/connections.h"
#include "i18n.h"

static const char *const kind_keys[] = {
	[KVL_FIELD_TEXT] = "text",
	[KVL_FIELD_HOSTNAME] = "hostname",
	[KVL_FIELD_PORT] = "port",
	[KVL_FIELD_PATH] = "path",
	[KVL_FIELD_ID] = "id",
	[KVL_FIELD_NUMERIC_ID] = "numericId",
	[KVL_FIELD_EMAIL] = "email",
	[KVL_FIELD_USERNAME] = "username",
	[KVL_FIELD_URL] = "url",
	[KVL_FIELD_PRIVATE_KEY] = "privateKey",
	[KVL_FIELD_GOOGLE_ADS_ID] = "googleAdsCustomerId",
};

static json_object *field_def_json(const struct kvl_field_def *f)
{
	json_object *doc = json_object_new_object();

	kvl_cli_json_add_string(doc, "key", f->key);
	kvl_cli_json_add_string(doc, "label", f->label);
	kvl_cli_json_add_string(doc, "help", f->help);
	kvl_cli_json_add_string(doc, "kind", kind_keys[f->kind]);
	json_object_object_add(doc, "credential",
			       json_object_new_boolean(f->credential));
	json_object_object_add(doc, "required",
			       json_object_new_boolean(f->required));
	kvl_cli_json_add_string(doc, "default", f->default_value);
	if (f->needs != NULL)
		kvl_cli_json_add_string(doc, "needs", f->needs);
	return doc;
}

static json_object *type_json(const struct kvl_conn_type *t)
{
	json_object *doc = json_object_new_object();
	json_object *fields = json_object_new_array();
	size_t i;

	kvl_cli_json_add_string(doc, "id", t->id);
	kvl_cli_json_add_string(doc, "name", t->display_name);
	json_object_object_add(doc, "keyVault",
			       json_object_new_boolean(t->key_vault));
	kvl_cli_json_add_string(doc, "rule", t->rule);
	for (i = 0; i < t->n_fields; i++)
		json_object_array_add(fields, field_def_json(&t->fields[i]));
	json_object_object_add(doc, "fields", fields);
	return doc;
}

/* One field line of `connection types`: key, flags, label and help. */
static void print_field_def(const struct kvl_field_def *f)
{
	char *flags = NULL;

	if (asprintf(&flags, "%s%s%s%s",
		     f->required ? _("required") : _("optional"),
		     f->credential ? _(", credential") : "",
		     f->default_value != NULL ? _(", default ") : "",
		     f->default_value != NULL ? f->default_value : "") < 0)
		flags = NULL;
	printf("  %-16s %s (%s)\n", f->key, _(f->label),
	       flags != NULL ? flags : "");
	printf("  %-16s %s\n", "", _(f->help));
	free(flags);
}

static kvl_result show_types(const struct kvl_cli *cli)
{
	size_t i, j;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();
		json_object *list = json_object_new_array();

		for (i = 0; i < kvl_n_conn_types; i++)
			json_object_array_add(list,
					      type_json(&kvl_conn_types[i]));
		json_object_object_add(doc, "types", list);
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return KVL_OK;
	}

	for (i = 0; i < kvl_n_conn_types; i++) {
		const struct kvl_conn_type *t = &kvl_conn_types[i];

		printf("%s%s (--type %s)%s\n", i > 0 ? "\n" : "",
		       t->display_name, t->id,
		       t->key_vault ? "" : _(", no Key Vault"));
		if (t->rule != NULL)
			printf("  %s\n", _(t->rule));
		for (j = 0; j < t->n_fields; j++)
			print_field_def(&t->fields[j]);
	}
	return KVL_OK;
}

static json_object *map_json(const struct kvl_field_value *v, size_t n)
{
	json_object *doc = json_object_new_object();
	size_t i;

	for (i = 0; i < n; i++)
		kvl_cli_json_add_string(doc, v[i].key, v[i].value);
	return doc;
}

/* The keys of the sealed credentials; their values never leave here. */
static json_object *typed_keys_json(const struct kvl_connection *c)
{
	json_object *list = json_object_new_array();
	size_t i;

	for (i = 0; i < c->n_sealed; i++)
		json_object_array_add(list,
				      json_object_new_string(c->sealed[i].key));
	return list;
}

static json_object *who_json(const char *object_id, const char *name,
			     const char *at)
{
	json_object *doc = json_object_new_object();

	kvl_cli_json_add_string(doc, "objectId", object_id);
	kvl_cli_json_add_string(doc, "name", name);
	kvl_cli_json_add_string(doc, "at", at);
	return doc;
}

/* The keys of the sealed credentials that fail to decrypt. */
static json_object *undecryptable_json(const char *env_dir,
				       const struct kvl_connection *c)
{
	json_object *list = json_object_new_array();
	size_t i;

	for (i = 0; i < c->n_sealed; i++)
		if (kvl_conn_credential_problem(env_dir, c,
						c->sealed[i].key) != NULL)
			json_object_array_add(list, json_object_new_string(
				c->sealed[i].key));
	return list;
}

static json_object *host_key_json(const struct kvl_connection *c)
{
	json_object *doc = json_object_new_object();

	kvl_cli_json_add_string(doc, "host", c->host_key.host);
	kvl_cli_json_add_string(doc, "port", c->host_key.port);
	kvl_cli_json_add_string(doc, "type", c->host_key.type);
	kvl_cli_json_add_string(doc, "fingerprint", c->host_key.fingerprint);
	kvl_cli_json_add_string(doc, "trustedAt", c->host_key.trusted_at);
	return doc;
}

json_object *kvl_cli_conn_json(const char *env_dir,
			       const struct kvl_connection *c)
{
	const struct kvl_conn_type *t = kvl_conn_type_find(c->type_id);
	json_object *doc = json_object_new_object();

	kvl_cli_json_add_string(doc, "id", c->id);
	kvl_cli_json_add_string(doc, "name", c->display_name);
	kvl_cli_json_add_string(doc, "type", c->type_id);
	kvl_cli_json_add_string(doc, "typeName",
				t != NULL ? t->display_name : NULL);
	json_object_object_add(doc, "useKeyVault",
			       json_object_new_boolean(c->use_key_vault));
	json_object_object_add(doc, "fields",
			       map_json(c->fields, c->n_fields));
	if (c->use_key_vault) {
		json_object_object_add(doc, "secrets",
				       map_json(c->secrets, c->n_secrets));
		kvl_cli_json_add_string(doc, "vaultName", c->vault_name);
		kvl_cli_json_add_string(doc, "vaultUri", c->vault_uri);
	} else {
		json_object_object_add(doc, "typedCredentials",
				       typed_keys_json(c));
		json_object_object_add(doc, "undecryptableCredentials",
				       undecryptable_json(env_dir, c));
	}
	kvl_cli_json_add_string(doc, "audience",
				kvl_conn_audience_name(c->audience));
	json_object_object_add(doc, "created",
			       who_json(c->created_by, c->created_by_name,
					c->created_at));
	kvl_cli_json_add_string(doc, "updatedAt", c->updated_at);
	json_object_object_add(doc, "consent",
			       who_json(c->consent_by, c->consent_by_name,
					c->consent_at));
	if (c->host_key.fingerprint != NULL)
		json_object_object_add(doc, "hostKey", host_key_json(c));
	return doc;
}

static const char *audience_text(enum kvl_conn_audience a)
{
	return a == KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS
		? _("administrators and contributors")
		: _("administrators only");
}

/* "typed (encrypted)", unless a sealed credential fails to decrypt. */
static const char *mode_text(const char *env_dir,
			     const struct kvl_connection *c)
{
	size_t i;

	if (c->use_key_vault)
		return _("Key Vault");
	for (i = 0; i < c->n_sealed; i++)
		if (kvl_conn_credential_problem(env_dir, c,
						c->sealed[i].key) != NULL)
			return _("typed (cannot be decrypted)");
	return _("typed (encrypted)");
}

static kvl_result show_list(const struct kvl_cli *cli,
			    const struct kvl_environment *env,
			    struct kvl_error *err)
{
	const char *cols[] = { _("NAME"), _("TYPE"), _("CREDENTIALS"),
			       _("USED BY"), _("CREATED BY"), _("CREATED") };
	struct kvl_cli_table t;
	kvl_result r;
	size_t i;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();
		json_object *list = json_object_new_array();

		for (i = 0; i < env->n_connections; i++)
			json_object_array_add(list, kvl_cli_conn_json(
				kvl_envstore_dir(cli->session.store),
				&env->connections[i]));
		json_object_object_add(doc, "connections", list);
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return KVL_OK;
	}
	if (env->n_connections == 0) {
		puts(_("No connections yet; add one with 'kvlink connection "
		       "add'."));
		return KVL_OK;
	}

	r = kvl_cli_table_init(&t, 6, cols);
	for (i = 0; i < env->n_connections && r == KVL_OK; i++) {
		const struct kvl_connection *c = &env->connections[i];
		const struct kvl_conn_type *type = kvl_conn_type_find(
			c->type_id);
		const char *row[] = {
			c->display_name,
			type != NULL ? type->display_name : c->type_id,
			mode_text(kvl_envstore_dir(cli->session.store), c),
			audience_text(c->audience),
			c->created_by_name, c->created_at,
		};

		r = kvl_cli_table_add(&t, row);
	}
	if (r == KVL_OK)
		kvl_cli_table_print(&t, stdout);
	else
		kvl_error_set(err, r, _("out of memory"));
	kvl_cli_table_clear(&t);
	return r;
}

static const char *value_of(const struct kvl_field_value *v, size_t n,
			    const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].value != NULL ? v[i].value : "";
	return NULL;
}

/* What `connection show` prints for a credential field. */
static char *credential_text(const char *env_dir,
			     const struct kvl_connection *c,
			     const struct kvl_field_def *f)
{
	const char *secret, *problem;
	char *text = NULL;

	if (!c->use_key_vault &&
	    value_of(c->sealed, c->n_sealed, f->key) == NULL)
		return strdup(_("not set"));
	if (!c->use_key_vault) {
		problem = kvl_conn_credential_problem(env_dir, c, f->key);
		if (problem == NULL)
			return strdup(_("typed (encrypted)"));
		if (asprintf(&text, _("typed (cannot be decrypted: %s)"),
			     _(problem)) < 0)
			return NULL;
		return text;
	}
	secret = value_of(c->secrets, c->n_secrets, f->key);
	if (secret == NULL)
		return strdup(_("not set"));
	if (asprintf(&text, _("secret '%s' in %s"), secret,
		     c->vault_name != NULL ? c->vault_name : "?") < 0)
		return NULL;
	return text;
}

static void print_fields(const char *env_dir, const struct kvl_connection *c,
			 const struct kvl_conn_type *t)
{
	size_t i;

	for (i = 0; t != NULL && i < t->n_fields; i++) {
		const struct kvl_field_def *f = &t->fields[i];
		char *text;

		if (!f->credential) {
			kvl_cli_print_field(_(f->label),
					    value_of(c->fields, c->n_fields,
						     f->key));
			continue;
		}
		text = credential_text(env_dir, c, f);
		kvl_cli_print_field(_(f->label), text);
		free(text);
	}
}

static void print_who(const char *label, const char *name,
		      const char *object_id, const char *at)
{
	char *text = NULL;

	if (object_id == NULL && at == NULL)
		return;
	if (asprintf(&text, _("%s (%s) at %s"), name != NULL ? name : "?",
		     object_id != NULL ? object_id : "?",
		     at != NULL ? at : "?") < 0)
		text = NULL;
	kvl_cli_print_field(label, text);
	free(text);
}

/* Prints the trusted SFTP host key, its server and when it was trusted. */
static void print_host_key(const struct kvl_connection *c)
{
	const struct kvl_conn_host_key *key = &c->host_key;
	char *text = NULL;

	if (key->fingerprint == NULL)
		return;
	if (asprintf(&text, _("%s %s (%s port %s, trusted at %s)"),
		     key->type, key->fingerprint, key->host, key->port,
		     key->trusted_at != NULL ? key->trusted_at : "?") < 0)
		text = NULL;
	kvl_cli_print_field(_("Host key"), text);
	free(text);
}

static void print_connection(const char *env_dir,
			     const struct kvl_connection *c)
{
	const struct kvl_conn_type *t = kvl_conn_type_find(c->type_id);

	kvl_cli_print_field(_("Connection"), c->display_name);
	kvl_cli_print_field(_("Id"), c->id);
	kvl_cli_print_field(_("Type"), t != NULL ? t->display_name
						 : c->type_id);
	kvl_cli_print_field(_("Credentials"), mode_text(env_dir, c));
	if (c->use_key_vault)
		kvl_cli_print_field(_("Key vault"), c->vault_name);
	print_fields(env_dir, c, t);
	kvl_cli_print_field(_("Used by"), audience_text(c->audience));
	print_who(_("Created by"), c->created_by_name, c->created_by,
		  c->created_at);
	kvl_cli_print_field(_("Updated"), c->updated_at);
	print_who(_("Consent"), c->consent_by_name, c->consent_by,
		  c->consent_at);
	print_host_key(c);
}

static kvl_result show_one(const struct kvl_cli *cli,
			   const struct kvl_environment *env,
			   struct kvl_error *err)
{
	const struct kvl_connection *c = kvl_cli_conn_find(cli, env, err);

	if (c == NULL)
		return KVL_ERR_NOT_FOUND;
	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "connection", kvl_cli_conn_json(
			kvl_envstore_dir(cli->session.store), c));
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return KVL_OK;
	}
	print_connection(kvl_envstore_dir(cli->session.store), c);
	return KVL_OK;
}

struct kvl_connection *kvl_cli_conn_find(const struct kvl_cli *cli,
					 const struct kvl_environment *env,
					 struct kvl_error *err)
{
	struct kvl_connection *c = kvl_conn_find(env, cli->opt.argument);

	if (c == NULL)
		kvl_error_set(err, KVL_ERR_NOT_FOUND,
			      _("no connection named '%s'; list them with "
				"'kvlink connection list'"), cli->opt.argument);
	return c;
}

kvl_result kvl_cli_conn_show(struct kvl_cli *cli, struct kvl_error *err)
{
	kvl_result r;

	if (cli->opt.command == KVL_CMD_CONN_TYPES)
		return show_types(cli);
	r = kvl_cli_require_env(cli, err);
	if (r != KVL_OK)
		return r;
	if (cli->opt.command == KVL_CMD_CONN_LIST)
		return show_list(cli, &cli->session.env, err);
	return show_one(cli, &cli->session.env, err);
}
