/* Validation of the connection draft, and saving it through
 * env/connections.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "i18n.h"
#include "tui/conn_draft.h"

static const struct kvl_field_def *row_def(const struct tui_conn_draft *d,
					   const struct tui_form_row *row)
{
	return &d->type->fields[row->tag];
}

/* Sets the row's error from a validation result. */
static bool check(struct tui_form_row *row, kvl_result rc,
		  struct kvl_error *err)
{
	tui_form_set_error(row, rc == KVL_OK ? NULL :
				err->message ? err->message :
					       _("invalid value"));
	kvl_error_clear(err);
	return rc == KVL_OK;
}

bool tui_conn_validate_field(struct tui_conn_draft *d,
			     struct tui_form_row *row)
{
	struct kvl_error err;

	kvl_error_init(&err);
	return check(row, kvl_conn_field_validate(row_def(d, row),
						  row->field.text, &err),
		     &err);
}

size_t tui_conn_validate_fields(struct tui_conn_draft *d)
{
	size_t bad = 0;

	for (size_t i = 0; i < d->fields.n; i++) {
		if (!tui_conn_validate_field(d, &d->fields.rows[i]))
			bad++;
	}
	return bad;
}

static bool check_cred(struct tui_conn_draft *d, struct tui_form_row *row,
		       struct kvl_error *err)
{
	const struct kvl_field_def *def = row_def(d, row);
	const char *text = tui_secret_entry_text(&row->secret);

	switch (row->kind) {
	case TUI_FORM_CHOICE:
		if (row->choice == NULL) {
			tui_form_set_error(row, def->required ?
				_("Choose a secret from the vault for this "
				  "field.") : NULL);
			return !def->required;
		}
		return check(row, kvl_conn_secret_name_validate(
					  _(def->label), row->choice, err),
			     err);
	case TUI_FORM_MASKED:
		/* Left empty, a replaced credential keeps its stored value. */
		if (text[0] == '\0' && d->stored[row->tag]) {
			tui_form_set_error(row, NULL);
			return true;
		}
		return check(row, kvl_conn_field_validate(def, text, err),
			     err);
	case TUI_FORM_STORED:
	case TUI_FORM_TEXT:
		break;
	}
	tui_form_set_error(row, NULL);
	return true;
}

bool tui_conn_validate_cred(struct tui_conn_draft *d,
			    struct tui_form_row *row)
{
	struct kvl_error err;

	kvl_error_init(&err);
	return check_cred(d, row, &err);
}

/* The value a credential row contributes to the whole-set check: NULL
 * stands for a sealed value kept as it is, "" for nothing given. */
static const char *cred_value(const struct tui_conn_draft *d,
			      const struct tui_form_row *row)
{
	const char *text = tui_secret_entry_text(&row->secret);

	switch (row->kind) {
	case TUI_FORM_CHOICE:
		return row->choice ? row->choice : "";
	case TUI_FORM_MASKED:
		return text[0] == '\0' && d->stored[row->tag] ? NULL : text;
	case TUI_FORM_STORED:
		return NULL;
	case TUI_FORM_TEXT:
		break;
	}
	return "";
}

/* Collects the values given (empty ones left out) for
 * kvl_conn_values_validate(). The array points into the draft; the
 * caller frees the array only. */
static struct kvl_field_value *collect(const struct tui_conn_draft *d,
				       size_t *n)
{
	size_t cap = d->fields.n + d->creds.n;
	struct kvl_field_value *v = calloc(cap ? cap : 1, sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < d->fields.n; i++) {
		const struct tui_form_row *row = &d->fields.rows[i];

		if (row->field.text[0] == '\0')
			continue;
		v[*n].key = (char *)row_def(d, row)->key;
		v[(*n)++].value = (char *)row->field.text;
	}
	for (size_t i = 0; i < d->creds.n; i++) {
		const char *value = cred_value(d, &d->creds.rows[i]);

		if (value != NULL && value[0] == '\0')
			continue;
		v[*n].key = (char *)row_def(d, &d->creds.rows[i])->key;
		v[(*n)++].value = (char *)value;
	}
	return v;
}

/* The rules across fields (a password or a private key, a passphrase
 * only with a key); a failure is shown on the first credential row. */
static size_t check_whole(struct tui_conn_draft *d)
{
	struct kvl_error err;
	size_t n = 0;
	struct kvl_field_value *values = collect(d, &n);
	kvl_result rc;

	kvl_error_init(&err);
	if (values == NULL) {
		tui_form_set_error(&d->creds.rows[0], _("out of memory"));
		return 1;
	}
	rc = kvl_conn_values_validate(d->type, values, n, d->use_key_vault,
				      &err);
	free(values);
	return check(&d->creds.rows[0], rc, &err) ? 0 : 1;
}

size_t tui_conn_validate_creds(struct tui_conn_draft *d)
{
	struct kvl_error err;
	size_t bad = 0;

	kvl_error_init(&err);
	for (size_t i = 0; i < d->creds.n; i++) {
		if (!check_cred(d, &d->creds.rows[i], &err))
			bad++;
	}
	if (bad == 0 && d->creds.n > 0)
		bad = check_whole(d);
	return bad;
}

/*
 * Runs validate on the draft and puts every row's error of form back as
 * it was, so that a screen can show whether the draft is valid without
 * marking rows the user has not reached yet. Returns validate's count.
 */
static size_t count_quietly(struct tui_conn_draft *d, struct tui_form *form,
			    size_t (*validate)(struct tui_conn_draft *draft))
{
	char **saved = calloc(form->n ? form->n : 1, sizeof(*saved));
	size_t bad;

	if (saved == NULL)
		return 1;
	for (size_t i = 0; i < form->n; i++) {
		saved[i] = form->rows[i].error;
		form->rows[i].error = NULL;
	}
	bad = validate(d);
	for (size_t i = 0; i < form->n; i++) {
		free(form->rows[i].error);
		form->rows[i].error = saved[i];
	}
	free(saved);
	return bad;
}

bool tui_conn_fields_valid(struct tui_conn_draft *d)
{
	return count_quietly(d, &d->fields, tui_conn_validate_fields) == 0;
}

bool tui_conn_creds_valid(struct tui_conn_draft *d)
{
	return count_quietly(d, &d->creds, tui_conn_validate_creds) == 0;
}

enum tui_form_event tui_conn_form_key(struct tui_conn_draft *d,
				      struct tui_form *form,
				      const struct tui_key *key,
				      bool (*validate)(
					      struct tui_conn_draft *draft,
					      struct tui_form_row *row))
{
	enum tui_form_event event = tui_form_key(form, key);
	struct tui_form_row *row = tui_form_focused(form);

	if (event == TUI_FORM_EDITED && row != NULL && row->error != NULL)
		(void)validate(d, row);
	else if (event == TUI_FORM_MOVED && form->left < form->n)
		(void)validate(d, &form->rows[form->left]);
	return event;
}

/* Sets the settings of conn; when editing, only those that changed. */
static kvl_result apply_fields(const struct tui_conn_draft *d,
			       struct kvl_connection *conn,
			       struct kvl_error *err)
{
	for (size_t i = 0; i < d->fields.n; i++) {
		const struct tui_form_row *row = &d->fields.rows[i];
		const char *text = row->field.text;
		kvl_result rc;

		if (d->mode == TUI_CONN_EDIT &&
		    !tui_conn_setting_changed(d, row, conn))
			continue;
		rc = kvl_conn_set_field(conn, row_def(d, row)->key,
					text[0] ? text : NULL, err);
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

/* Sets the secret names (Key Vault) or seals the typed credentials. */
static kvl_result apply_creds(struct tui_app *app,
			      const struct tui_conn_draft *d,
			      struct kvl_connection *conn,
			      struct kvl_error *err)
{
	const char *dir = kvl_envstore_dir(app->session->store);
	kvl_result rc = KVL_OK;

	for (size_t i = 0; i < d->creds.n && rc == KVL_OK; i++) {
		const struct tui_form_row *row = &d->creds.rows[i];
		const char *key = row_def(d, row)->key;

		if (d->use_key_vault) {
			rc = kvl_conn_set_secret(conn, key, row->choice, err);
			continue;
		}
		if (row->kind != TUI_FORM_MASKED || row->secret.len == 0)
			continue;
		rc = kvl_conn_check_credentials_key(dir, &app->session->env,
						    err);
		if (rc == KVL_OK)
			rc = kvl_conn_seal_credential(dir, conn, key,
						      row->secret.text,
						      row->secret.len, err);
	}
	return rc;
}

/* Wipes every typed credential once it is sealed and saved. */
static void wipe_creds(struct tui_conn_draft *d)
{
	for (size_t i = 0; i < d->creds.n; i++)
		tui_secret_entry_clear(&d->creds.rows[i].secret);
}

static kvl_result save_new(struct tui_app *app, struct tui_conn_draft *d,
			   struct kvl_error *err)
{
	const struct kvl_identity *me = tui_app_identity(app);
	struct kvl_connection conn;
	kvl_result rc;

	memset(&conn, 0, sizeof(conn));
	if (me == NULL || !d->consent) {
		rc = kvl_error_set(err, KVL_ERR_INVALID, "%s",
				   _("nobody agreed to the privacy statement; "
				     "go back to the privacy step"));
		goto out;
	}
	conn.display_name = tui_conn_draft_name(d);
	conn.type_id = strdup(d->type->id);
	conn.use_key_vault = d->use_key_vault;
	conn.audience = d->audience;
	conn.created_by = strdup(me->object_id ? me->object_id : "");
	conn.created_by_name = strdup(me->name ? me->name : "");
	if (conn.display_name == NULL || conn.type_id == NULL ||
	    conn.created_by == NULL || conn.created_by_name == NULL) {
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}

	rc = apply_fields(d, &conn, err);
	if (rc == KVL_OK)
		rc = apply_creds(app, d, &conn, err);
	if (rc == KVL_OK)
		rc = kvl_conn_consent(&conn, me->object_id, me->name, err);
	if (rc == KVL_OK)
		rc = kvl_conn_add(&app->session->env, &conn, err);

out:
	kvl_connection_clear(&conn);
	return rc;
}

static kvl_result save_edit(struct tui_app *app, struct tui_conn_draft *d,
			    struct kvl_error *err)
{
	struct kvl_environment *env = &app->session->env;
	struct kvl_connection *conn = kvl_conn_find(env, d->edit_id);
	char *name = tui_conn_draft_name(d);
	kvl_result rc;

	if (conn == NULL || name == NULL) {
		rc = kvl_error_set(err, KVL_ERR_NOT_FOUND,
				   _("connection '%s' is no longer in the "
				     "environment; it may have been deleted "
				     "meanwhile"),
				   name ? name : d->edit_id);
		goto out;
	}
	rc = strcmp(name, conn->display_name) == 0 ?
		     KVL_OK : kvl_conn_rename(env, conn, name, err);
	if (rc == KVL_OK)
		rc = apply_fields(d, conn, err);
	if (rc == KVL_OK && d->use_key_vault != conn->use_key_vault)
		rc = kvl_conn_set_use_key_vault(conn, d->use_key_vault, err);
	if (rc == KVL_OK)
		rc = apply_creds(app, d, conn, err);
	if (rc == KVL_OK) {
		conn->audience = d->audience;
		rc = kvl_conn_validate(conn, err);
	}
	if (rc == KVL_OK)
		rc = kvl_conn_touch(conn, err);

out:
	free(name);
	return rc;
}

/* Drops unsaved changes from memory by reading the environment again. */
static void reload(struct tui_app *app)
{
	struct kvl_error err;

	kvl_error_init(&err);
	if (kvl_session_reload(app->session, &err) != KVL_OK)
		kvl_log("wizard: reloading the environment failed: %s",
			err.message ? err.message : "?");
	kvl_error_clear(&err);
}

kvl_result tui_conn_draft_save(struct tui_app *app, struct kvl_error *err)
{
	struct tui_conn_draft *d = tui_conn_draft();
	kvl_result rc;

	/* A health check saving the environment meanwhile would make this
	 * save fail with a conflict. */
	tui_app_stop_background(app);
	if (d->mode == TUI_CONN_ADD)
		rc = save_new(app, d, err);
	else
		rc = save_edit(app, d, err);
	if (rc == KVL_OK)
		rc = kvl_envstore_save(app->session->store, &app->session->env,
				       err);
	if (rc != KVL_OK) {
		/* The typed credentials stay for another try; clearing the
		 * draft wipes them. */
		reload(app);
		return rc;
	}
	wipe_creds(d);
	kvl_log("wizard: saved connection of type %s (%s)", d->type->id,
		d->use_key_vault ? "Key Vault" : "typed");
	return KVL_OK;
}

void tui_conn_next(struct tui_app *app, const struct tui_screen *next)
{
	if (tui_conn_draft()->mode == TUI_CONN_EDIT)
		tui_app_pop(app);
	else
		tui_app_push(app, next);
}
