/*
 * kvlink connection add, edit and delete, and the dispatch of every
 * connection subcommand. Changes need a sign-in as an Admin of the
 * environment, but an edit that changes nothing stops before it. Secret
 * names are checked against the linked vault's secret list, which holds
 * names and attributes only. kvlink never reads a secret's value and
 * never writes to a vault. A typed credential arrives only through
 * --credential-stdin and is sealed at once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/conn.h"
#include "core/crypto.h"
#include "core/keyvault.h"
#include "core/sanitize.h"
#include "flow/link.h"
#include "i18n.h"

/* The action only Admins may take, for kvl_cli_require_admin(). */
#define CHANGE_CONNECTIONS _("change its connections")

/* Room for the largest credential a field accepts (a private key). */
#define CREDENTIAL_MAX 16384

/* Splits "KEY=VALUE" into a copy of KEY and a pointer to VALUE. */
static kvl_result split_pair(const char *arg, char **key,
			     const char **value, struct kvl_error *err)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("invalid value '%s': expected "
				       "KEY=VALUE"), arg);
	*key = strndup(arg, (size_t)(eq - arg));
	if (*key == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	*value = eq + 1;
	return KVL_OK;
}

/* Rejects a KEY given twice in args (KEY=VALUE each), since only one of
 * the values could be kept. */
static kvl_result check_repeats(const char *option,
				const char *const *args,
				size_t n, struct kvl_error *err)
{
	size_t i, j, len;

	for (i = 0; i < n; i++) {
		len = (size_t)(strchr(args[i], '=') - args[i]);
		for (j = 0; j < i; j++) {
			if (strncmp(args[i], args[j], len + 1) != 0)
				continue;
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("%s %.*s is given more than "
					       "once; give each key once"),
					     option, (int)len, args[i]);
		}
	}
	return KVL_OK;
}

/* Applies --field KEY=VALUE, or --secret FIELD=SECRET_NAME when secrets;
 * an empty value removes the entry (a field gets its default back). */
static kvl_result apply_pairs(const char *const *args, size_t n,
			      bool secrets,
			      struct kvl_connection *c,
			      struct kvl_error *err)
{
	const char *value;
	char *key = NULL;
	kvl_result r;
	size_t i;

	r = check_repeats(secrets ? "--secret" : "--field", args, n, err);
	for (i = 0; i < n && r == KVL_OK; i++) {
		value = NULL;
		r = split_pair(args[i], &key, &value, err);
		if (value != NULL && value[0] == '\0')
			value = NULL;
		if (r == KVL_OK && secrets)
			r = kvl_conn_set_secret(c, key, value, err);
		else if (r == KVL_OK)
			r = kvl_conn_set_field(c, key, value, err);
		free(key);
		key = NULL;
	}
	return r;
}

static kvl_result apply_fields(const struct kvl_cli_options *opt,
			       struct kvl_connection *c,
			       struct kvl_error *err)
{
	return apply_pairs(opt->fields, opt->n_fields, false, c, err);
}

static kvl_result apply_secret_names(const struct kvl_cli_options *opt,
				     struct kvl_connection *c,
				     struct kvl_error *err)
{
	return apply_pairs(opt->secrets, opt->n_secrets, true, c, err);
}

/* Reads the --credential-stdin field and seals it into c. */
static kvl_result apply_credential(struct kvl_cli *cli,
				   struct kvl_connection *c,
				   struct kvl_error *err)
{
	const char *key = cli->opt.credential_stdin;
	const struct kvl_field_def *f;
	char *prompt = NULL, *plain = NULL;
	size_t len = 0;
	kvl_result r;

	if (key == NULL)
		return KVL_OK;
	if (c->use_key_vault)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' uses Key Vault, so its "
				       "credentials are secret names; give "
				       "--secret FIELD=SECRET_NAME instead of "
				       "--credential-stdin"), c->display_name);
	f = kvl_conn_type_field(kvl_conn_type_find(c->type_id), key);
	if (f == NULL || !f->credential)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a credential field of "
				       "this connection type; see 'kvlink "
				       "connection types'"), key);
	r = kvl_conn_check_credentials_key(kvl_envstore_dir(
		cli->session.store), &cli->session.env, err);
	if (r != KVL_OK)
		return r;
	if (asprintf(&prompt, _("%s for '%s': "), _(f->label),
		     c->display_name) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	r = kvl_cli_read_credential(prompt, CREDENTIAL_MAX, &plain, &len,
				    err);
	if (r == KVL_OK)
		r = kvl_conn_seal_credential(kvl_envstore_dir(
			cli->session.store), c, key, plain, len, err);
	if (plain != NULL) {
		OPENSSL_cleanse(plain, len);
		free(plain);
	}
	free(prompt);
	return r;
}

/* Seals the credentials typed in line mode into c. */
static kvl_result apply_typed(struct kvl_cli *cli, struct kvl_connection *c,
			      struct kvl_error *err)
{
	const char *dir = kvl_envstore_dir(cli->session.store);
	kvl_result r = KVL_OK;

	if (cli->n_typed > 0)
		r = kvl_conn_check_credentials_key(dir, &cli->session.env,
						   err);
	for (size_t i = 0; i < cli->n_typed && r == KVL_OK; i++)
		r = kvl_conn_seal_credential(dir, c, cli->typed[i].key,
					     cli->typed[i].value,
					     cli->typed[i].len, err);
	return r;
}

/* Prints why an unusable secret was picked anyway. */
static void warn_unusable(const char *name, enum kvl_secret_usability u)
{
	char *clean = kvl_sanitize(name);

	fprintf(stderr, _("kvlink: warning: secret '%s' was picked although "
			  "%s\n"), clean != NULL ? clean : "?",
		_(kvl_secret_usability_reason(u)));
	free(clean);
}

static kvl_result check_one_secret(const struct kvl_cli *cli,
				   const struct kvl_secret_item *items,
				   size_t n, const char *name,
				   struct kvl_error *err)
{
	enum kvl_secret_usability u = KVL_SECRET_USABLE;
	kvl_result r;

	r = kvl_conn_check_secret(items, n, name,
				  cli->opt.allow_unusable_secret,
				  (int64_t)time(NULL), &u, err);
	if (r == KVL_OK && u != KVL_SECRET_USABLE)
		warn_unusable(name, u);
	if (r == KVL_ERR_INVALID && u != KVL_SECRET_MANAGED)
		kvl_error_set(err, r, _("secret '%s' cannot be used as it is: "
					"%s; add --allow-unusable-secret to "
					"pick it anyway"), name,
			      _(kvl_secret_usability_reason(u)));
	if (r == KVL_ERR_NOT_FOUND)
		kvl_error_operation(err, _("check the secret names"));
	return r;
}

/*
 * Stores the vault's own spelling of the secret picked for the field of
 * the --secret argument arg, as Key Vault matches names ignoring case.
 */
static kvl_result store_vault_spelling(struct kvl_connection *c,
				       const char *arg,
				       const struct kvl_secret_item *items,
				       size_t n, struct kvl_error *err)
{
	const char *eq = strchr(arg, '=');
	const struct kvl_secret_item *item;
	char *key;
	kvl_result r;

	item = kvl_conn_find_secret(items, n, eq + 1);
	if (item == NULL || strcmp(item->name, eq + 1) == 0)
		return KVL_OK;
	key = strndup(arg, (size_t)(eq - arg));
	if (key == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	r = kvl_conn_set_secret(c, key, item->name, err);
	free(key);
	return r;
}

/* Checks every secret name given on this run against the vault's list. */
static kvl_result check_secrets(struct kvl_cli *cli, struct kvl_connection *c,
				struct kvl_error *err)
{
	const struct kvl_vault_link *link = &cli->session.env.vault;
	struct kvl_secret_item *items = NULL;
	size_t i, n = 0;
	kvl_result r;

	if (cli->opt.n_secrets == 0)
		return KVL_OK;
	r = kvl_link_list_secrets(&cli->session.az, link, &items, &n, err);
	if (r != KVL_OK) {
		kvl_error_context(err, _("list the secrets of the linked "
					 "vault"));
		return r;
	}
	/* Only the names given now: one picked earlier stays as it is. */
	for (i = 0; i < cli->opt.n_secrets && r == KVL_OK; i++) {
		const char *arg = cli->opt.secrets[i];

		/* FIELD= removes a secret name: nothing to look up. */
		if (strchr(arg, '=')[1] == '\0')
			continue;
		r = check_one_secret(cli, items, n, strchr(arg, '=') + 1,
				     err);
		if (r == KVL_OK)
			r = store_vault_spelling(c, arg, items, n, err);
	}
	kvl_secret_items_free(items, n);
	return r;
}

/* The user's name as stored in the environment, else the token's. */
static const char *user_name(const struct kvl_environment *env,
			     const struct kvl_identity *id)
{
	size_t i;

	for (i = 0; i < env->n_users; i++)
		if (env->users[i].object_id != NULL &&
		    strcmp(env->users[i].object_id, id->object_id) == 0 &&
		    env->users[i].name != NULL)
			return env->users[i].name;
	return id->name;
}

/*
 * Applies change to the environment as it is on disk and saves it under
 * the store lock, so that a change another kvlink saved since this one
 * read the environment is kept. On success cli->session.env is the saved
 * environment, which invalidates pointers into the old one.
 */
static kvl_result update_env(struct kvl_cli *cli, kvl_env_change change,
			     void *arg, const char *operation,
			     struct kvl_error *err)
{
	kvl_result r = kvl_envstore_update(cli->session.store,
					   &cli->session.env, change, arg,
					   err);

	if (r != KVL_OK)
		kvl_error_operation(err, operation);
	return r;
}

/* Adds the connection arg to env unless its name was taken meanwhile. */
static kvl_result add_to_env(struct kvl_environment *env, void *arg,
			     struct kvl_error *err)
{
	struct kvl_connection *c = arg;

	if (kvl_conn_find(env, c->display_name) != NULL)
		return kvl_error_set(err, KVL_ERR_CONFLICT,
				     _("another kvlink added a connection "
				       "named '%s' while this one was adding "
				       "it (names are compared ignoring case); "
				       "nothing was saved, so choose another "
				       "--name"), c->display_name);
	return kvl_conn_add(env, c, err);
}

/* An edit of one connection, for edit_in_env(). */
struct conn_edit {
	const char *id;
	json_object *base;	/* stored form before the edit */
	const struct kvl_connection *edited;
};

/* Applies the edit to the connection as saved on disk. */
static kvl_result edit_in_env(struct kvl_environment *env, void *arg,
			      struct kvl_error *err)
{
	const struct conn_edit *edit = arg;
	struct kvl_connection *target = kvl_conn_find(env, edit->id);
	kvl_result r;

	if (target == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("another kvlink deleted connection "
				       "'%s' while this one was editing it; "
				       "nothing was saved"),
				     edit->edited->display_name);
	r = kvl_conn_merge(env, target, edit->base, edit->edited, err);
	if (r == KVL_OK)
		r = kvl_conn_touch(target, err);
	return r;
}

/* A connection to delete: its id and its display name. */
struct conn_ref {
	const char *id;
	const char *name;
};

/* Deletes the connection arg names, unless it is gone already. */
static kvl_result delete_in_env(struct kvl_environment *env, void *arg,
				struct kvl_error *err)
{
	const struct conn_ref *ref = arg;

	if (kvl_conn_find(env, ref->id) == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("another kvlink deleted connection '%s' "
				       "while this one was deleting it; "
				       "nothing was changed"), ref->name);
	return kvl_conn_delete(env, ref->id, err);
}

enum conn_change { CONN_ADDED, CONN_UPDATED, CONN_UNCHANGED, CONN_DELETED };

/* Reports a saved change to c, or the deletion of the connection that
 * had the display name deleted when c is NULL. */
static void print_done(const struct kvl_cli *cli, enum conn_change change,
		       const struct kvl_connection *c, const char *deleted)
{
	const char *shown;
	char *name;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		const char *dir = kvl_envstore_dir(cli->session.store);
		json_object *doc = json_object_new_object();

		if (c != NULL)
			json_object_object_add(doc, "connection",
					       kvl_cli_conn_json(dir, c));
		else
			kvl_cli_json_add_string(doc, "deleted", deleted);
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return;
	}

	name = kvl_sanitize(c != NULL ? c->display_name : deleted);
	shown = name != NULL ? name : "?";
	switch (change) {
	case CONN_ADDED:
		printf(_("Added connection '%s'."), shown);
		break;
	case CONN_UPDATED:
		printf(_("Updated connection '%s'."), shown);
		break;
	case CONN_UNCHANGED:
		printf(_("Nothing to change in connection '%s'."), shown);
		break;
	case CONN_DELETED:
		printf(_("Deleted connection '%s'."), shown);
		break;
	}
	putchar('\n');
	free(name);
}

static kvl_result check_add_options(struct kvl_cli *cli,
				    const struct kvl_conn_type **type,
				    enum kvl_conn_audience *audience,
				    struct kvl_error *err)
{
	const struct kvl_cli_options *opt = &cli->opt;

	*type = kvl_conn_type_find(opt->type);
	if (*type == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("unknown connection type '%s'; list "
				       "them with 'kvlink connection types'"),
				     opt->type);
	if (opt->audience != NULL &&
	    !kvl_conn_audience_parse(opt->audience, audience))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("invalid value '%s' for --audience: use "
				       "admins or admins-and-contributors"),
				     opt->audience);
	if (opt->n_secrets > 0 && !opt->use_key_vault)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("--secret needs --use-key-vault"));
	if (opt->use_key_vault && opt->credential_stdin != NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("a connection that uses Key Vault "
				       "takes secret names only; drop "
				       "--credential-stdin and give --secret "
				       "FIELD=SECRET_NAME"));
	return KVL_OK;
}

static kvl_result check_vault_linked(const struct kvl_cli *cli,
				     struct kvl_error *err)
{
	if (!cli->opt.use_key_vault ||
	    cli->session.env.vault.state == KVL_LINK_LINKED)
		return KVL_OK;
	return kvl_error_set(err, KVL_ERR_PREREQ,
			     _("--use-key-vault needs a linked key vault, "
			       "and environment '%s' has none; link one with "
			       "'kvlink link' first"),
			     cli->session.env.display_name);
}

/* Fills a new connection from the options and checks it locally. */
static kvl_result build_connection(struct kvl_cli *cli,
				   const struct kvl_conn_type *type,
				   struct kvl_connection *c,
				   struct kvl_error *err)
{
	kvl_result r;

	c->type_id = strdup(type->id);
	c->display_name = strdup(cli->opt.name);
	if (c->type_id == NULL || c->display_name == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	r = kvl_conn_set_use_key_vault(c, cli->opt.use_key_vault, err);
	if (r == KVL_OK)
		r = apply_fields(&cli->opt, c, err);
	if (r == KVL_OK)
		r = apply_secret_names(&cli->opt, c, err);
	if (r == KVL_OK)
		r = apply_credential(cli, c, err);
	if (r == KVL_OK)
		r = apply_typed(cli, c, err);
	if (r == KVL_OK)
		r = kvl_conn_validate(c, err);
	return r;
}

/* Records who created the connection and accepted the statement. */
static kvl_result stamp_creator(struct kvl_cli *cli,
				const struct kvl_identity *who,
				struct kvl_connection *c,
				struct kvl_error *err)
{
	const char *name = user_name(&cli->session.env, who);

	c->created_by = strdup(who->object_id);
	c->created_by_name = name != NULL ? strdup(name) : NULL;
	if (c->created_by == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return kvl_conn_consent(c, who->object_id, name, err);
}

static kvl_result cmd_add(struct kvl_cli *cli, struct kvl_error *err)
{
	enum kvl_conn_audience audience = KVL_AUDIENCE_ADMINS;
	const struct kvl_identity *who = NULL;
	const struct kvl_conn_type *type = NULL;
	struct kvl_connection c = { 0 };
	kvl_result r;

	r = check_add_options(cli, &type, &audience, err);
	if (r == KVL_OK)
		r = kvl_cli_require_env(cli, err);
	if (r == KVL_OK)
		r = check_vault_linked(cli, err);
	if (r != KVL_OK)
		return r;
	if (kvl_conn_find(&cli->session.env, cli->opt.name) != NULL)
		return kvl_error_set(err, KVL_ERR_CONFLICT,
				     _("a connection named '%s' already "
				       "exists (names are compared ignoring "
				       "case); choose another --name"),
				     cli->opt.name);
	c.audience = audience;

	r = build_connection(cli, type, &c, err);
	if (r == KVL_OK)
		r = kvl_cli_require_admin(cli, CHANGE_CONNECTIONS, &who, err);
	if (r == KVL_OK)
		r = check_secrets(cli, &c, err);
	if (r == KVL_OK)
		r = stamp_creator(cli, who, &c, err);
	if (r == KVL_OK)
		r = update_env(cli, add_to_env, &c, _("save the connection"),
			       err);
	if (r == KVL_OK)
		print_done(cli, CONN_ADDED, kvl_conn_find(&cli->session.env,
							  cli->opt.name), NULL);
	kvl_connection_clear(&c);
	return r;
}

/* The environment's connection named by the NAME argument. */
static kvl_result find_target(struct kvl_cli *cli, struct kvl_connection **c,
			      struct kvl_error *err)
{
	kvl_result r = kvl_cli_require_env(cli, err);

	if (r != KVL_OK)
		return r;
	*c = kvl_cli_conn_find(cli, &cli->session.env, err);
	return *c != NULL ? KVL_OK : KVL_ERR_NOT_FOUND;
}

/*
 * New secret names are looked up in the linked vault, so they must
 * belong to the vault the connection was created with.
 */
static kvl_result check_same_vault(const struct kvl_cli *cli,
				   const struct kvl_connection *c,
				   struct kvl_error *err)
{
	const struct kvl_vault_link *link = &cli->session.env.vault;

	/* Vault names are unique in a cloud, and unlike the URI the name
	 * does not change when the sandbox moves to another port. */
	if (cli->opt.n_secrets == 0 || c->vault_name == NULL ||
	    link->name == NULL || strcasecmp(c->vault_name, link->name) == 0)
		return KVL_OK;
	return kvl_error_set(err, KVL_ERR_CONFLICT,
			     _("connection '%s' uses secrets of vault '%s', "
			       "but the environment now links '%s'; create "
			       "a new connection for the linked vault"),
			     c->display_name, c->vault_name != NULL
				? c->vault_name : c->vault_uri,
			     link->name != NULL ? link->name : "?");
}

/*
 * Switches a typed connection to Key Vault, the one direction allowed:
 * its sealed credentials are dropped and the linked vault recorded, so
 * --secret must name every credential the type needs.
 */
static kvl_result switch_to_key_vault(const struct kvl_cli *cli,
				      struct kvl_connection *c,
				      struct kvl_error *err)
{
	const struct kvl_vault_link *link = &cli->session.env.vault;
	kvl_result r;

	r = check_vault_linked(cli, err);
	if (r == KVL_OK)
		r = kvl_conn_set_use_key_vault(c, true, err);
	if (r != KVL_OK)
		return r;
	free(c->vault_name);
	free(c->vault_uri);
	c->vault_name = link->name != NULL ? strdup(link->name) : NULL;
	c->vault_uri = link->vault_uri != NULL ? strdup(link->vault_uri)
					       : NULL;
	if (c->vault_name == NULL || c->vault_uri == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

/* Applies the options of `connection edit` to c. */
static kvl_result apply_edits(struct kvl_cli *cli, struct kvl_connection *c,
			      struct kvl_error *err)
{
	const struct kvl_cli_options *opt = &cli->opt;
	kvl_result r = KVL_OK;

	if (opt->no_use_key_vault)
		r = kvl_conn_set_use_key_vault(c, false, err);
	else if (opt->use_key_vault && !c->use_key_vault)
		r = switch_to_key_vault(cli, c, err);
	if (r == KVL_OK && opt->rename != NULL)
		r = kvl_conn_rename(&cli->session.env, c, opt->rename, err);
	if (r == KVL_OK && opt->audience != NULL &&
	    !kvl_conn_audience_parse(opt->audience, &c->audience))
		r = kvl_error_set(err, KVL_ERR_INVALID,
				  _("invalid value '%s' for --audience: use "
				    "admins or admins-and-contributors"),
				  opt->audience);
	if (r == KVL_OK)
		r = apply_fields(opt, c, err);
	if (r == KVL_OK)
		r = check_same_vault(cli, c, err);
	if (r == KVL_OK)
		r = apply_secret_names(opt, c, err);
	if (r == KVL_OK)
		r = apply_credential(cli, c, err);
	if (r == KVL_OK)
		r = apply_typed(cli, c, err);
	if (r == KVL_OK)
		r = kvl_conn_validate(c, err);
	return r;
}

/* The stored form of c, to tell whether an edit changed anything. */
static char *stored_form(const struct kvl_connection *c)
{
	json_object *doc = kvl_conn_to_json(c);
	char *text = NULL;

	if (doc != NULL)
		text = strdup(json_object_to_json_string_ext(
			doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	return text;
}

/*
 * Saves the edited connection c (a member of cli->session.env) merged
 * into the environment on disk, and reports it. before is the stored form
 * of c before the edit.
 */
static kvl_result save_edit(struct kvl_cli *cli, struct kvl_connection *c,
			    const char *before, struct kvl_error *err)
{
	/* The saved environment replaces the one c points into. Stored
	 * connections always have an id (kvl_conn_from_json). */
	char *id = strdup(c->id);
	struct conn_edit edit = { id, NULL, c };
	kvl_result r;

	if (before != NULL)
		edit.base = json_tokener_parse(before);
	if (id == NULL || edit.base == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}

	r = update_env(cli, edit_in_env, &edit, _("save the connection"),
		       err);
	if (r == KVL_OK)
		print_done(cli, CONN_UPDATED,
			   kvl_conn_find(&cli->session.env, id), NULL);

out:
	json_object_put(edit.base);
	free(id);
	return r;
}

static kvl_result cmd_edit(struct kvl_cli *cli, struct kvl_error *err)
{
	const struct kvl_identity *who = NULL;
	struct kvl_connection *c;
	char *before = NULL, *after = NULL;
	kvl_result r;

	r = find_target(cli, &c, err);
	if (r != KVL_OK)
		return r;

	before = stored_form(c);
	r = apply_edits(cli, c, err);
	if (r == KVL_OK && cli->opt.credential_stdin == NULL) {
		after = stored_form(c);
		if (before != NULL && after != NULL &&
		    strcmp(before, after) == 0) {
			print_done(cli, CONN_UNCHANGED, c, NULL);
			goto out;
		}
	}
	if (r == KVL_OK)
		r = kvl_cli_require_admin(cli, CHANGE_CONNECTIONS, &who, err);
	if (r == KVL_OK)
		r = check_secrets(cli, c, err);
	if (r == KVL_OK)
		r = save_edit(cli, c, before, err);
out:
	free(before);
	free(after);
	return r;
}

/* Without --yes a terminal must confirm; a script must pass --yes. */
static kvl_result confirm_delete(const struct kvl_cli *cli,
				 const struct kvl_connection *c,
				 struct kvl_error *err)
{
	char *question = NULL, *name;
	bool yes;

	if (cli->opt.yes)
		return KVL_OK;
	if (!isatty(STDIN_FILENO))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("deleting connection '%s' needs a "
				       "confirmation and standard input is "
				       "not a terminal; add --yes"),
				     c->display_name);
	name = kvl_sanitize(c->display_name);
	if (asprintf(&question, _("Delete connection '%s'? Exports that use "
				  "it stop working."),
		     name != NULL ? name : "?") < 0)
		question = NULL;
	yes = question != NULL && kvl_cli_confirm(question);
	free(question);
	free(name);
	/* Declining is a decision, not an interruption: exit 2, never 130. */
	if (!yes)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' was not deleted: the "
				       "deletion was not confirmed"),
				     c->display_name);
	return KVL_OK;
}

static kvl_result cmd_delete(struct kvl_cli *cli, struct kvl_error *err)
{
	const struct kvl_identity *who = NULL;
	struct conn_ref ref;
	struct kvl_connection *c;
	char *name = NULL, *id = NULL;
	kvl_result r;

	r = find_target(cli, &c, err);
	if (r != KVL_OK)
		return r;
	name = strdup(c->display_name);
	id = strdup(c->id);
	if (name == NULL || id == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	ref = (struct conn_ref){ id, name };

	r = confirm_delete(cli, c, err);
	if (r == KVL_OK)
		r = kvl_cli_require_admin(cli, CHANGE_CONNECTIONS, &who, err);
	if (r == KVL_OK)
		r = update_env(cli, delete_in_env, &ref,
			       _("delete the connection"), err);
	if (r == KVL_OK)
		print_done(cli, CONN_DELETED, NULL, name);
out:
	free(name);
	free(id);
	return r;
}

kvl_result kvl_cli_cmd_connection(struct kvl_cli *cli, struct kvl_error *err)
{
	switch (cli->opt.command) {
	case KVL_CMD_CONN_ADD:
		return cmd_add(cli, err);
	case KVL_CMD_CONN_EDIT:
		return cmd_edit(cli, err);
	case KVL_CMD_CONN_DELETE:
		return cmd_delete(cli, err);
	case KVL_CMD_CONN_TEST:
		return kvl_cli_conn_test(cli, err);
	default:
		return kvl_cli_conn_show(cli, err);
	}
}
