/*
 * Line mode's Admin > Connections: the list, one connection's details
 * (as `kvlink connection show` prints them) and Add connection in the
 * wizard's steps: type, name, fields, Key Vault, credentials, audience,
 * privacy statement, and review and save. Saving runs `kvlink
 * connection add` with the values entered, so the validation, the
 * secret checks and the locked save are the command's own.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/conn.h"
#include "cli/plain.h"
#include "core/sanitize.h"
#include "env/conntypes.h"
#include "flow/link.h"
#include "i18n.h"

enum conn_step {
	STEP_TYPE,
	STEP_NAME,
	STEP_FIELDS,
	STEP_KEY_VAULT,
	STEP_CREDENTIALS,
	STEP_AUDIENCE,
	STEP_PRIVACY,
	STEP_REVIEW,
	STEP_DONE,
};

struct conn_state {
	struct kvl_cli *cli;
	const struct kvl_conn_type *type;
	char *name;
	/* Per index of type->fields: a plain field's value, the secret
	 * name of a credential (Key Vault), or a typed credential; NULL
	 * when not given. */
	char **values;
	char **secret_names;
	char **typed;
	size_t *typed_len;
	bool use_key_vault;
	enum kvl_conn_audience audience;
	struct kvl_secret_item *secrets;
	size_t n_secrets;
	bool secrets_loaded;
};

static void free_answers(struct conn_state *st)
{
	for (size_t i = 0; st->type != NULL && i < st->type->n_fields; i++) {
		free(st->values[i]);
		free(st->secret_names[i]);
		plain_free_secret(st->typed[i]);
	}
	free(st->values);
	free(st->secret_names);
	free(st->typed);
	free(st->typed_len);
	st->values = NULL;
	st->secret_names = NULL;
	st->typed = NULL;
	st->typed_len = NULL;
}

static bool alloc_answers(struct conn_state *st)
{
	size_t n = st->type->n_fields ? st->type->n_fields : 1;

	st->values = calloc(n, sizeof(char *));
	st->secret_names = calloc(n, sizeof(char *));
	st->typed = calloc(n, sizeof(char *));
	st->typed_len = calloc(n, sizeof(size_t));
	return st->values && st->secret_names && st->typed && st->typed_len;
}

static enum plain_answer choose_type(struct conn_state *st)
{
	const char **names = calloc(kvl_n_conn_types, sizeof(char *));
	enum plain_answer a;
	size_t choice = 0;

	if (names == NULL)
		return PLAIN_END;
	for (size_t i = 0; i < kvl_n_conn_types; i++)
		names[i] = kvl_conn_types[i].display_name;
	a = plain_choose(_("Add connection, step 1: choose the type."), names,
			 kvl_n_conn_types, &choice);
	free(names);
	if (a != PLAIN_OK)
		return a;
	free_answers(st);
	st->type = &kvl_conn_types[choice];
	if (!alloc_answers(st))
		return PLAIN_END;
	return PLAIN_OK;
}

static enum plain_answer ask_name(struct conn_state *st)
{
	enum plain_answer a;
	char *name = NULL;

	putchar('\n');
	for (;;) {
		a = plain_read_text(_("Add connection, step 2: the "
				      "connection's name (q goes back):"),
				    &name);
		if (a != PLAIN_OK)
			return a;
		if (name[0] == '\0')
			plain_say("%s", _("The name is empty; type a name."));
		else if (kvl_conn_find(&st->cli->session.env, name) != NULL)
			plain_say(_("A connection named '%s' already exists "
				    "(names are compared ignoring case); type "
				    "another name."), name);
		else
			break;
		free(name);
	}
	free(st->name);
	st->name = name;
	return PLAIN_OK;
}

/* "Host (the server's host name) [default: 22]:" for a plain field. */
static char *field_prompt(const struct kvl_field_def *f)
{
	char *prompt = NULL;
	int n;

	if (f->default_value != NULL)
		n = asprintf(&prompt, _("%s (%s) [empty: %s]:"), _(f->label),
			     _(f->help), f->default_value);
	else if (!f->required)
		n = asprintf(&prompt, _("%s (%s) [optional, empty: none]:"),
			     _(f->label), _(f->help));
	else
		n = asprintf(&prompt, "%s (%s):", _(f->label), _(f->help));
	return n < 0 ? NULL : prompt;
}

/* Reads one plain field until its value is valid, or empty where that
 * is allowed. *value stays NULL for an empty line. */
static enum plain_answer ask_field(const struct kvl_field_def *f,
				   char **value)
{
	char *prompt = field_prompt(f);
	struct kvl_error err;
	enum plain_answer a = PLAIN_END;
	char *line = NULL;

	kvl_error_init(&err);
	while (prompt != NULL) {
		a = plain_read_text(prompt, &line);
		if (a != PLAIN_OK)
			break;
		if (line[0] == '\0' && (!f->required || f->default_value)) {
			free(line);
			line = NULL;
			break;
		}
		if (kvl_conn_field_validate(f, line, &err) == KVL_OK)
			break;
		plain_invalid(&err);
		kvl_error_clear(&err);
		free(line);
		line = NULL;
	}
	free(prompt);
	free(*value);
	*value = line;
	return a;
}

static enum plain_answer ask_fields(struct conn_state *st)
{
	enum plain_answer a = PLAIN_OK;

	putchar('\n');
	plain_say("%s", _("Add connection, step 3: the settings (q goes "
			  "back)."));
	if (kvl_conn_type_n_credentials(st->type) == st->type->n_fields)
		plain_say("%s", _("This type has no settings."));
	for (size_t i = 0; i < st->type->n_fields && a == PLAIN_OK; i++) {
		if (!st->type->fields[i].credential)
			a = ask_field(&st->type->fields[i], &st->values[i]);
	}
	return a;
}

static bool key_vault_offered(const struct conn_state *st)
{
	return st->type->key_vault && kvl_conn_type_n_credentials(st->type) &&
	       st->cli->session.env.vault.state == KVL_LINK_LINKED;
}

static enum plain_answer ask_key_vault(struct conn_state *st)
{
	const char *items[2];
	char *yes = NULL;
	enum plain_answer a;
	size_t choice = 0;

	if (asprintf(&yes, _("Yes: use secrets of the linked key vault %s"),
		     st->cli->session.env.vault.name) < 0)
		return PLAIN_END;
	items[0] = yes;
	items[1] = _("No: type the credentials; kvlink seals them");
	a = plain_choose(_("Add connection, step 4: take the credentials "
			   "from Key Vault?"), items, 2, &choice);
	free(yes);
	if (a == PLAIN_OK)
		st->use_key_vault = choice == 0;
	return a;
}

static enum plain_answer load_secrets(struct conn_state *st)
{
	const char *again[] = { _("Try again") };
	struct kvl_error err;
	enum plain_answer a;
	size_t choice;
	kvl_result r;

	kvl_error_init(&err);
	while (!st->secrets_loaded) {
		r = kvl_link_list_secrets(&st->cli->session.az,
					  &st->cli->session.env.vault,
					  &st->secrets, &st->n_secrets, &err);
		if (r == KVL_OK) {
			st->secrets_loaded = true;
			break;
		}
		if (kvl_cli_interrupted)
			return PLAIN_END;
		plain_report(_("Could not list the vault's secrets"), &err);
		kvl_error_clear(&err);
		a = plain_choose(_("What next?"), again, 1, &choice);
		if (a != PLAIN_OK)
			return a;
	}
	return PLAIN_OK;
}

/* The list rows of the vault's secrets, each with why it cannot be used
 * when it cannot, and "None" last for an optional field. */
static char **secret_rows(const struct conn_state *st, bool optional,
			  int64_t now)
{
	char **rows = calloc(st->n_secrets + 1, sizeof(char *));
	enum kvl_secret_usability u;

	for (size_t i = 0; rows != NULL && i < st->n_secrets; i++) {
		u = kvl_secret_usability(&st->secrets[i], now);
		if (u == KVL_SECRET_USABLE)
			rows[i] = strdup(st->secrets[i].name);
		else if (asprintf(&rows[i], _("%s  (cannot be used: %s)"),
				  st->secrets[i].name,
				  _(kvl_secret_usability_reason(u))) < 0)
			rows[i] = NULL;
	}
	if (rows != NULL && optional)
		rows[st->n_secrets] = strdup(_("None"));
	return rows;
}

/* Asks which secret backs credential field f, until a usable one or
 * None (optional fields only) is chosen. */
static enum plain_answer pick_secret(struct conn_state *st,
				     const struct kvl_field_def *f,
				     char **name)
{
	int64_t now = (int64_t)time(NULL);
	size_t n = st->n_secrets + (f->required ? 0 : 1);
	char **rows = secret_rows(st, !f->required, now);
	char *question = NULL;
	enum plain_answer a = PLAIN_END;
	size_t choice = 0;

	if (rows != NULL && asprintf(&question, _("The secret for %s:"),
				     _(f->label)) < 0)
		question = NULL;
	while (question != NULL) {
		a = plain_choose(question, (const char *const *)rows, n,
				 &choice);
		if (a != PLAIN_OK || choice == st->n_secrets ||
		    kvl_secret_usability(&st->secrets[choice], now) ==
			    KVL_SECRET_USABLE)
			break;
		plain_say(_("Secret '%s' cannot be used as it is: %s; choose "
			    "another."), st->secrets[choice].name,
			  _(kvl_secret_usability_reason(kvl_secret_usability(
				  &st->secrets[choice], now))));
	}
	free(*name);
	*name = NULL;
	if (a == PLAIN_OK && choice < st->n_secrets)
		*name = strdup(st->secrets[choice].name);
	free(question);
	for (size_t i = 0; rows != NULL && i <= st->n_secrets; i++)
		free(rows[i]);
	free(rows);
	return a;
}

static enum plain_answer pick_secrets(struct conn_state *st)
{
	enum plain_answer a = load_secrets(st);

	if (a == PLAIN_OK && st->n_secrets == 0) {
		plain_say("%s", _("The linked vault lists no secrets; add "
				  "them in Azure first, or go back and type "
				  "the credentials."));
		return PLAIN_BACK;
	}
	for (size_t i = 0; i < st->type->n_fields && a == PLAIN_OK; i++) {
		const struct kvl_field_def *f = &st->type->fields[i];

		if (f->credential)
			a = pick_secret(st, f, &st->secret_names[i]);
	}
	return a;
}

/* Reads a typed credential. An empty line leaves an optional one out. */
static enum plain_answer type_credential(struct conn_state *st, size_t i)
{
	const struct kvl_field_def *f = &st->type->fields[i];
	struct kvl_error err;
	enum plain_answer a = PLAIN_END;
	char *prompt = NULL;

	kvl_error_init(&err);
	if (asprintf(&prompt, f->required ? _("%s (not shown as you type):")
			      : _("%s (not shown as you type; empty: none):"),
		     _(f->label)) < 0)
		return PLAIN_END;
	for (;;) {
		plain_free_secret(st->typed[i]);
		st->typed[i] = NULL;
		a = plain_read_secret(prompt, &st->typed[i], &st->typed_len[i]);
		if (a != PLAIN_OK || (st->typed_len[i] == 0 && !f->required))
			break;
		if (st->typed_len[i] == 0)
			plain_say(_("%s is required; type it."), _(f->label));
		else if (kvl_conn_field_validate(f, st->typed[i], &err) ==
			 KVL_OK)
			break;
		else
			plain_invalid(&err);
		kvl_error_clear(&err);
	}
	free(prompt);
	return a;
}

static enum plain_answer type_credentials(struct conn_state *st)
{
	enum plain_answer a = PLAIN_OK;

	for (size_t i = 0; i < st->type->n_fields && a == PLAIN_OK; i++) {
		if (st->type->fields[i].credential)
			a = type_credential(st, i);
	}
	return a;
}

static enum plain_answer ask_credentials(struct conn_state *st)
{
	putchar('\n');
	plain_say("%s", _("Add connection, step 5: the credentials."));
	if (kvl_conn_type_n_credentials(st->type) == 0) {
		plain_say("%s", _("This type has no credentials."));
		return PLAIN_OK;
	}
	return st->use_key_vault ? pick_secrets(st) : type_credentials(st);
}

static enum plain_answer ask_audience(struct conn_state *st)
{
	const char *items[] = { _("Admins only"),
				_("Admins and contributors") };
	enum plain_answer a;
	size_t choice = 0;

	a = plain_choose(_("Add connection, step 6: who may use the "
			   "connection?"), items, 2, &choice);
	if (a == PLAIN_OK)
		st->audience = choice == 0 ? KVL_AUDIENCE_ADMINS :
			       KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS;
	return a;
}


/* "key=value" for the command's --field and --secret lists. */
static char *pair(const char *key, const char *value)
{
	char *text = NULL;

	return asprintf(&text, "%s=%s", key, value) < 0 ? NULL : text;
}

/* The answers as the options of `kvlink connection add`. Returns false
 * when out of memory. */
static bool fill_options(struct conn_state *st, struct kvl_cli_options *opt,
			 struct kvl_cli_credential *typed, size_t *n_typed)
{
	bool ok = true;

	opt->command = KVL_CMD_CONN_ADD;
	opt->type = st->type->id;
	opt->name = st->name;
	opt->use_key_vault = st->use_key_vault;
	opt->audience = kvl_conn_audience_name(st->audience);
	opt->accept_privacy_statement = true;
	for (size_t i = 0; i < st->type->n_fields; i++) {
		const char *key = st->type->fields[i].key;

		if (st->values[i] != NULL && opt->n_fields < KVL_CLI_MAX_PAIRS)
			ok &= (opt->fields[opt->n_fields++] =
				       pair(key, st->values[i])) != NULL;
		if (st->use_key_vault && st->secret_names[i] != NULL &&
		    opt->n_secrets < KVL_CLI_MAX_PAIRS)
			ok &= (opt->secrets[opt->n_secrets++] =
				       pair(key, st->secret_names[i])) != NULL;
		if (!st->use_key_vault && st->typed[i] != NULL &&
		    st->typed_len[i] > 0)
			typed[(*n_typed)++] = (struct kvl_cli_credential){
				key, st->typed[i], st->typed_len[i] };
	}
	return ok;
}

/* Runs `kvlink connection add` with the answers, then puts the
 * command-line options back as they were. */
static kvl_result save_connection(struct conn_state *st,
				  struct kvl_error *err)
{
	struct kvl_cli *cli = st->cli;
	struct kvl_cli_options saved = cli->opt;
	struct kvl_cli_credential *typed;
	size_t n_typed = 0;
	kvl_result r;

	typed = calloc(st->type->n_fields + 1, sizeof(*typed));
	if (typed == NULL || !fill_options(st, &cli->opt, typed, &n_typed)) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	} else {
		cli->typed = typed;
		cli->n_typed = n_typed;
		r = kvl_cli_cmd_connection(cli, err);
	}
	for (size_t i = 0; i < cli->opt.n_fields; i++)
		free((char *)cli->opt.fields[i]);
	for (size_t i = 0; i < cli->opt.n_secrets; i++)
		free((char *)cli->opt.secrets[i]);
	free(typed);
	cli->typed = NULL;
	cli->n_typed = 0;
	cli->opt = saved;
	return r;
}

static void print_review(const struct conn_state *st)
{
	putchar('\n');
	plain_say("%s", _("Add connection, step 8: review and save."));
	kvl_cli_print_field(_("Type"), st->type->display_name);
	kvl_cli_print_field(_("Name"), st->name);
	for (size_t i = 0; i < st->type->n_fields; i++) {
		const struct kvl_field_def *f = &st->type->fields[i];

		if (!f->credential)
			kvl_cli_print_field(_(f->label), st->values[i] ?
					    st->values[i] : f->default_value);
		else if (st->use_key_vault)
			kvl_cli_print_field(_(f->label), st->secret_names[i]);
		else
			kvl_cli_print_field(_(f->label), st->typed[i] &&
					    st->typed_len[i] ? _("(typed, "
					    "sealed on save)") : NULL);
	}
	kvl_cli_print_field(_("Key Vault"), st->use_key_vault ? _("yes") :
			    _("no"));
	kvl_cli_print_field(_("Who may use it"), st->audience ==
			    KVL_AUDIENCE_ADMINS ? _("Admins only") :
			    _("Admins and contributors"));
}

static enum plain_answer review_and_save(struct conn_state *st)
{
	const char *save[] = { _("Save the connection") };
	struct kvl_error err;
	enum plain_answer a;
	size_t choice;

	kvl_error_init(&err);
	for (;;) {
		print_review(st);
		a = plain_choose(_("Save?"), save, 1, &choice);
		if (a != PLAIN_OK)
			return a;
		if (save_connection(st, &err) == KVL_OK)
			return PLAIN_OK;
		plain_report(_("Could not save the connection"), &err);
		kvl_error_clear(&err);
		if (kvl_cli_interrupted)
			return PLAIN_END;
		plain_say("%s", _("Nothing was saved; q goes back to change "
				  "the answers."));
	}
}

static enum plain_answer run_step(struct conn_state *st, enum conn_step step,
				  enum plain_answer direction)
{
	switch (step) {
	case STEP_TYPE:
		return choose_type(st);
	case STEP_NAME:
		return ask_name(st);
	case STEP_FIELDS:
		return ask_fields(st);
	case STEP_KEY_VAULT:
		if (!key_vault_offered(st)) {
			st->use_key_vault = false;
			return direction;
		}
		return ask_key_vault(st);
	case STEP_CREDENTIALS:
		return ask_credentials(st);
	case STEP_AUDIENCE:
		return ask_audience(st);
	case STEP_PRIVACY:
		return plain_consent(_("Add connection, step 7: data privacy "
				       "and compliance."),
				     _("The connection shares data with "
				       "Customer Insights."));
	case STEP_REVIEW:
		return review_and_save(st);
	default:
		return PLAIN_OK;
	}
}

static enum plain_answer add_connection(struct kvl_cli *cli)
{
	struct conn_state st;
	enum plain_answer a = PLAIN_OK;
	int step = STEP_TYPE;

	memset(&st, 0, sizeof(st));
	st.cli = cli;
	while (step >= STEP_TYPE && step < STEP_DONE) {
		a = run_step(&st, (enum conn_step)step, a);
		if (a == PLAIN_END)
			break;
		step += a == PLAIN_OK ? 1 : -1;
	}
	free_answers(&st);
	free(st.name);
	kvl_secret_items_free(st.secrets, st.n_secrets);
	return a == PLAIN_END ? PLAIN_END : PLAIN_OK;
}

/* Prints one connection as `kvlink connection show NAME` does. */
static void show_connection(struct kvl_cli *cli, const char *name)
{
	struct kvl_cli_options saved = cli->opt;
	struct kvl_error err;

	kvl_error_init(&err);
	cli->opt.command = KVL_CMD_CONN_SHOW;
	cli->opt.argument = name;
	putchar('\n');
	if (kvl_cli_conn_show(cli, &err) != KVL_OK)
		plain_report(_("Could not show the connection"), &err);
	kvl_error_clear(&err);
	cli->opt = saved;
}

enum plain_answer plain_connections(struct kvl_cli *cli)
{
	enum plain_answer a = PLAIN_OK;
	size_t choice = 0;

	while (a == PLAIN_OK) {
		const struct kvl_environment *env = &cli->session.env;
		size_t n = env->n_connections + 1;
		char **rows = calloc(n, sizeof(char *));

		if (rows == NULL)
			return PLAIN_END;
		rows[0] = strdup(_("Add connection"));
		for (size_t i = 0; i < env->n_connections; i++) {
			const struct kvl_connection *c = &env->connections[i];

			if (asprintf(&rows[i + 1], "%s  (%s)", c->display_name,
				     c->type_id) < 0)
				rows[i + 1] = NULL;
		}
		a = plain_choose(_("Admin > Connections"),
				 (const char *const *)rows, n, &choice);
		for (size_t i = 0; i < n; i++)
			free(rows[i]);
		free(rows);
		if (a == PLAIN_OK && choice == 0)
			a = add_connection(cli);
		else if (a == PLAIN_OK)
			show_connection(cli, env->connections[choice - 1]
						     .display_name);
	}
	return a == PLAIN_END ? PLAIN_END : PLAIN_OK;
}
