/* The connection draft shared by the Admin > Connections screens: its
 * life cycle, its forms and their validation. Saving is in conn_save.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "tui/conn_draft.h"

static struct tui_conn_draft draft;

struct tui_conn_draft *tui_conn_draft(void)
{
	return &draft;
}

static void free_names(void)
{
	if (draft.secret_names == NULL)
		return;
	for (size_t i = 0; i < draft.type->n_fields; i++)
		free(draft.secret_names[i]);
	free(draft.secret_names);
	draft.secret_names = NULL;
}

void tui_conn_draft_clear(void)
{
	tui_form_clear(&draft.fields);
	tui_form_clear(&draft.creds);
	free_names();
	free(draft.stored);
	free(draft.edit_id);
	kvl_secret_items_free(draft.secrets, draft.n_secrets);
	memset(&draft, 0, sizeof(draft));
	tui_form_init(&draft.fields);
	tui_form_init(&draft.creds);
}

/* Resets the draft for type and builds its plain-field rows with each
 * field's default. */
static bool start(const struct kvl_conn_type *type)
{
	tui_conn_draft_clear();
	draft.type = type;
	tui_field_init(&draft.name, KVL_CONN_NAME_MAX);
	draft.secret_names = calloc(type->n_fields, sizeof(char *));
	draft.stored = calloc(type->n_fields, sizeof(bool));
	if (draft.secret_names == NULL || draft.stored == NULL)
		return false;

	for (size_t i = 0; i < type->n_fields; i++) {
		const struct kvl_field_def *def = &type->fields[i];
		struct tui_form_row *row;

		if (def->credential)
			continue;
		row = tui_form_add(&draft.fields, TUI_FORM_TEXT,
				   _(def->label), _(def->help), i, false);
		if (row == NULL)
			return false;
		if (def->default_value != NULL)
			snprintf(row->field.text, sizeof(row->field.text),
				 "%s", def->default_value);
	}
	return true;
}

bool tui_conn_draft_add(const struct kvl_conn_type *type)
{
	if (!start(type))
		return false;
	draft.mode = TUI_CONN_ADD;
	return tui_conn_draft_build_creds(&draft);
}

static const char *find_value(const struct kvl_field_value *values,
			      size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(values[i].key, key) == 0)
			return values[i].value;
	}
	return NULL;
}

/* Sets a field to a value read from environment.json, unchanged: the
 * field sanitises it when drawing. A value longer than the field (only
 * possible in a hand-edited file) is cut, and tui_conn_setting_changed()
 * then keeps the stored value unless the user edits the field. */
static void set_text(struct tui_field *field, const char *value)
{
	snprintf(field->text, sizeof(field->text), "%s", value ? value : "");
}

bool tui_conn_setting_changed(const struct tui_conn_draft *d,
			      const struct tui_form_row *row,
			      const struct kvl_connection *conn)
{
	const char *key = d->type->fields[row->tag].key;
	struct tui_field loaded;

	tui_field_init(&loaded, 0);
	set_text(&loaded, find_value(conn->fields, conn->n_fields, key));
	return strcmp(loaded.text, row->field.text) != 0;
}

/* Copies conn's values into the draft built by start(). */
static bool load_values(const struct kvl_connection *conn)
{
	for (size_t i = 0; i < draft.fields.n; i++) {
		struct tui_form_row *row = &draft.fields.rows[i];
		const char *key = draft.type->fields[row->tag].key;
		const char *value = find_value(conn->fields, conn->n_fields,
					       key);

		set_text(&row->field, value);
	}
	for (size_t i = 0; i < draft.type->n_fields; i++) {
		const char *key = draft.type->fields[i].key;
		const char *secret = find_value(conn->secrets,
						conn->n_secrets, key);

		draft.stored[i] = find_value(conn->sealed, conn->n_sealed,
					     key) != NULL;
		if (secret != NULL &&
		    (draft.secret_names[i] = strdup(secret)) == NULL)
			return false;
	}
	return true;
}

bool tui_conn_draft_edit(const struct kvl_connection *conn)
{
	const struct kvl_conn_type *type = kvl_conn_type_find(conn->type_id);

	if (type == NULL || !start(type))
		return false;
	draft.mode = TUI_CONN_EDIT;
	draft.edit_id = strdup(conn->id ? conn->id : "");
	set_text(&draft.name, conn->display_name);
	draft.use_key_vault = conn->use_key_vault;
	draft.saved_with_key_vault = conn->use_key_vault;
	draft.audience = conn->audience;
	draft.consent = conn->consent_by != NULL;
	if (draft.edit_id == NULL || !load_values(conn))
		return false;
	return tui_conn_draft_build_creds(&draft);
}

bool tui_conn_draft_copy_as_new(void)
{
	draft.mode = TUI_CONN_ADD;
	free(draft.edit_id);
	draft.edit_id = NULL;
	draft.saved_with_key_vault = false;
	draft.use_key_vault = false;
	draft.consent = false;
	draft.name.text[0] = '\0';
	for (size_t i = 0; i < draft.type->n_fields; i++)
		draft.stored[i] = false;
	for (size_t i = 0; i < draft.fields.n; i++)
		tui_form_set_error(&draft.fields.rows[i], NULL);
	return tui_conn_draft_build_creds(&draft);
}

static bool add_cred_row(struct tui_conn_draft *d, size_t index)
{
	const struct kvl_field_def *def = &d->type->fields[index];
	enum tui_form_kind kind = TUI_FORM_MASKED;
	struct tui_form_row *row;

	if (d->use_key_vault)
		kind = TUI_FORM_CHOICE;
	else if (d->stored[index])
		kind = TUI_FORM_STORED;
	row = tui_form_add(&d->creds, kind, _(def->label), _(def->help),
			   index, def->kind == KVL_FIELD_PRIVATE_KEY);
	if (row == NULL)
		return false;
	if (kind == TUI_FORM_CHOICE)
		tui_form_set_choice(row, d->secret_names[index]);
	return true;
}

bool tui_conn_draft_build_creds(struct tui_conn_draft *d)
{
	tui_form_clear(&d->creds);
	for (size_t i = 0; i < d->type->n_fields; i++) {
		if (d->type->fields[i].credential && !add_cred_row(d, i))
			return false;
	}
	return true;
}

static bool differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

static bool creds_changed(const struct tui_conn_draft *d,
			  const struct kvl_connection *conn)
{
	for (size_t i = 0; i < d->creds.n; i++) {
		const struct tui_form_row *row = &d->creds.rows[i];
		const char *key = d->type->fields[row->tag].key;

		if (row->kind == TUI_FORM_MASKED && row->secret.len > 0)
			return true;
		if (row->kind == TUI_FORM_CHOICE &&
		    differs(row->choice, find_value(conn->secrets,
						    conn->n_secrets, key)))
			return true;
	}
	return false;
}

bool tui_conn_draft_changed(const struct tui_app *app,
			    const struct tui_conn_draft *d)
{
	const struct kvl_connection *conn;
	char *name = tui_conn_draft_name(d);
	bool changed;

	conn = d->edit_id ? kvl_conn_find(&app->session->env, d->edit_id) :
			    NULL;
	changed = conn != NULL &&
		  (differs(name, conn->display_name) ||
		   d->use_key_vault != conn->use_key_vault ||
		   d->audience != conn->audience || creds_changed(d, conn));
	for (size_t i = 0; conn != NULL && !changed && i < d->fields.n; i++)
		changed = tui_conn_setting_changed(d, &d->fields.rows[i],
						   conn);
	free(name);
	return changed;
}

char *tui_conn_draft_name(const struct tui_conn_draft *d)
{
	return d->name.text[0] != '\0' ? strdup(d->name.text) : NULL;
}

const char *tui_conn_name_problem(const struct tui_app *app,
				  const struct tui_conn_draft *d)
{
	char *name = tui_conn_draft_name(d);
	const struct kvl_connection *other;
	const char *problem = NULL;

	if (name == NULL)
		return _("Enter a display name.");
	if (name[0] == ' ' || name[strlen(name) - 1] == ' ')
		problem = _("Remove the spaces at the start or end of the "
			    "name.");
	else if (kvl_conn_name_problem(name) != NULL)
		problem = _("The name is too long or has control characters; "
			    "shorten it.");
	if (problem != NULL) {
		free(name);
		return problem;
	}
	other = kvl_conn_find(&app->session->env, name);
	if (other != NULL && (d->mode == TUI_CONN_ADD || other->id == NULL ||
			      strcmp(other->id, d->edit_id) != 0))
		problem = _("Another connection has this name; choose "
			    "another.");
	free(name);
	return problem;
}

bool tui_conn_key_vault_offered(const struct tui_app *app,
				const struct tui_conn_draft *d,
				const char **why)
{
	*why = NULL;
	if (!d->type->key_vault)
		*why = _("Not offered: this type takes typed credentials "
			 "only, stored encrypted.");
	else if (app->session->env.vault.state != KVL_LINK_LINKED)
		*why = _("Not offered: no key vault is linked. Link one in "
			 "Admin > Security first.");
	return *why == NULL;
}
