/*
 * Admin > Connections > Edit: one row per part of the connection, each
 * opening the step that changes it; s saves. A connection saved with Key
 * Vault keeps it: the toggle refuses to go off and n starts a new
 * connection with the same type and settings and typed credentials. t
 * tests the saved connection.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "core/buf.h"
#include "i18n.h"
#include "tui/confirm.h"
#include "tui/conn_draft.h"
#include "tui/conn_host_key.h"
#include "tui/conn_test.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/keys.h"

enum edit_row {
	ROW_NAME,
	ROW_SETTINGS,
	ROW_KEY_VAULT,
	ROW_CREDENTIALS,
	ROW_AUDIENCE,
	ROW_SAVE,
	ROW_COUNT
};

#define LABEL_COLS 16

enum { ACTION_DISCARD = 1, ACTION_TRUST_HOST_KEY };

static struct {
	char *id;		/* the connection being edited */
	int cursor;
	struct tui_confirm confirm;
} st;

/* Reloads the draft from the environment when a flow started from here
 * (a new connection instead) replaced it. Returns false when the
 * connection is gone. */
static bool ensure_draft(struct tui_app *app)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	const struct kvl_connection *conn;

	if (draft->type != NULL && draft->mode == TUI_CONN_EDIT &&
	    draft->edit_id != NULL && strcmp(draft->edit_id, st.id) == 0)
		return true;
	conn = kvl_conn_find(&app->session->env, st.id);
	return conn != NULL && tui_conn_draft_edit(conn);
}

static void edit_enter(struct tui_app *app)
{
	const char *id = tui_conn_draft()->edit_id;

	(void)app;
	memset(&st, 0, sizeof(st));
	st.id = strdup(id ? id : "");
}

static void edit_leave(struct tui_app *app)
{
	(void)app;
	free(st.id);
	tui_confirm_close(&st.confirm);
	memset(&st, 0, sizeof(st));
	tui_conn_draft_clear();
}

/* "host=sftp.contoso.test, port=22, ..." of the plain fields. */
static char *settings_text(const struct tui_conn_draft *draft)
{
	struct kvl_buf buf;

	kvl_buf_init(&buf);
	for (size_t i = 0; i < draft->fields.n; i++) {
		const struct tui_form_row *row = &draft->fields.rows[i];

		(void)kvl_buf_addf(&buf, "%s%s=%s", i ? ", " : "",
				   draft->type->fields[row->tag].key,
				   row->field.text);
	}
	if (draft->fields.n == 0)
		(void)kvl_buf_adds(&buf, _("none"));
	(void)kvl_buf_add(&buf, "", 0);
	return kvl_buf_detach(&buf);
}

/* N_(): why the stored credential of row cannot be decrypted, checked
 * against the saved connection; NULL when it decrypts. */
static const char *stored_problem(struct tui_app *app,
				  const struct tui_conn_draft *draft,
				  const struct tui_form_row *row)
{
	const struct kvl_connection *conn =
		kvl_conn_find(&app->session->env, draft->edit_id);

	if (conn == NULL)
		return NULL;
	return kvl_conn_credential_problem(
		kvl_envstore_dir(app->session->store), conn,
		draft->type->fields[row->tag].key);
}

/* One entry per credential: its secret, or whether it is stored. */
static char *credentials_text(struct tui_app *app,
			      const struct tui_conn_draft *draft)
{
	struct kvl_buf buf;

	kvl_buf_init(&buf);
	for (size_t i = 0; i < draft->creds.n; i++) {
		const struct tui_form_row *row = &draft->creds.rows[i];
		const char *state = _("not set");
		const char *problem = NULL;

		if (row->kind == TUI_FORM_CHOICE && row->choice != NULL)
			state = row->choice;
		else if (row->kind == TUI_FORM_STORED)
			state = _("stored, encrypted");
		else if (row->kind == TUI_FORM_MASKED && row->secret.len > 0)
			state = _("replaced, not saved yet");
		else if (row->kind == TUI_FORM_MASKED &&
			 draft->stored[row->tag])
			state = _("stored, encrypted");
		if (row->kind == TUI_FORM_STORED)
			problem = stored_problem(app, draft, row);
		if (problem != NULL)
			(void)kvl_buf_addf(&buf, _("%s%s: stored, cannot be "
						   "decrypted (%s)"),
					   i ? ", " : "",
					   draft->type->fields[row->tag].key,
					   _(problem));
		else
			(void)kvl_buf_addf(&buf, "%s%s: %s", i ? ", " : "",
					   draft->type->fields[row->tag].key,
					   state);
	}
	(void)kvl_buf_add(&buf, "", 0);
	return kvl_buf_detach(&buf);
}

static char *key_vault_text(struct tui_app *app,
			    const struct tui_conn_draft *draft)
{
	char *text = NULL;

	if (!draft->use_key_vault)
		return strdup(_("[ ] off: typed credentials (Space toggles)"));
	if (asprintf(&text, _("[x] on: secrets of key vault %s"),
		     app->session->env.vault.name ?
			     app->session->env.vault.name : "?") < 0)
		return NULL;
	return text;
}

static void draw_row(int row, int index, int cols, const char *label,
		     const char *value)
{
	enum tui_role role = index == st.cursor ? TUI_ROLE_SELECTED :
						  TUI_ROLE_HEADING;

	tui_draw_text(row, 1, LABEL_COLS, label, role, true);
	tui_draw_untrusted(row, LABEL_COLS + 2, cols - LABEL_COLS - 3,
			   value ? value : "?", TUI_ROLE_NORMAL);
}

/* The creator and the creation time, which cannot be edited. */
static void draw_created(struct tui_app *app, int row, int cols)
{
	const struct kvl_connection *conn =
		kvl_conn_find(&app->session->env, st.id);
	char *text = NULL;

	if (conn == NULL ||
	    asprintf(&text, _("%s on %s"),
		     conn->created_by_name ? conn->created_by_name : "?",
		     conn->created_at ? conn->created_at : "?") < 0)
		text = NULL;
	tui_draw_text(row, 1, LABEL_COLS, _("Created by"), TUI_ROLE_HEADING,
		      false);
	tui_draw_untrusted(row, LABEL_COLS + 2, cols - LABEL_COLS - 3,
			   text ? text : "?", TUI_ROLE_NORMAL);
	free(text);
}

static void draw_note(const struct tui_conn_draft *draft, int row,
		      int cols)
{
	if (draft->saved_with_key_vault)
		tui_draw_text(row, 1, cols - 2,
			      _("Saved with Key Vault, so it stays on. n "
				"creates a new connection instead."),
			      TUI_ROLE_UNKNOWN, false);
	else if (draft->use_key_vault)
		tui_draw_text(row, 1, cols - 2,
			      _("Once saved with Key Vault, it can never go "
				"back to typed credentials."),
			      TUI_ROLE_UNKNOWN, false);
}

/* The Save row: dimmed, with the reason, while a value is invalid. */
static void draw_save(struct tui_app *app, struct tui_conn_draft *draft,
		      int row, int cols)
{
	bool valid = tui_conn_name_problem(app, draft) == NULL &&
		     tui_conn_fields_valid(draft) &&
		     tui_conn_creds_valid(draft);

	if (st.cursor == ROW_SAVE && valid) {
		tui_draw_text(row, 1, 20, _("[ Save changes ]"),
			      TUI_ROLE_SELECTED, false);
		return;
	}
	if (valid) {
		tui_draw_text(row, 1, 20, _("[ Save changes ]"),
			      TUI_ROLE_HEADING, false);
		return;
	}
	/* A dimmed row shows the cursor with a mark instead of a colour. */
	tui_draw_text(row, 0, 1, st.cursor == ROW_SAVE ? ">" : " ",
		      TUI_ROLE_SELECTED, false);
	tui_form_draw_action(row, 1, cols - 2, _("Save changes"), false);
}

static void edit_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	char *settings, *creds, *vault;
	int row = lay->body_top + 2;

	if (!ensure_draft(app)) {
		tui_steps_title(lay, _("This connection no longer exists. "
				       "Press Esc."));
		return;
	}
	settings = settings_text(draft);
	creds = credentials_text(app, draft);
	vault = key_vault_text(app, draft);
	tui_steps_title(lay, draft->type->display_name);
	draw_row(row++, ROW_NAME, lay->cols, _("Display name"),
		 draft->name.text);
	draw_row(row++, ROW_SETTINGS, lay->cols, _("Settings"), settings);
	draw_row(row++, ROW_KEY_VAULT, lay->cols, _("Use Key Vault"), vault);
	draw_row(row++, ROW_CREDENTIALS, lay->cols, _("Credentials"), creds);
	draw_row(row++, ROW_AUDIENCE, lay->cols, _("Who may use"),
		 tui_conn_audience_text(draft->audience));
	draw_created(app, row++, lay->cols);
	row++;
	draw_save(app, draft, row++, lay->cols);
	draw_note(draft, row + 1, lay->cols);
	tui_confirm_draw(&st.confirm, lay);
	free(settings);
	free(creds);
	free(vault);
}

/* The wizard's side of the one-way rule; kvl_conn_set_use_key_vault()
 * enforces it again on save. */
static void refuse_off(struct tui_app *app, const struct tui_conn_draft *d)
{
	struct kvl_error err;

	kvl_error_init(&err);
	(void)kvl_error_set(&err, KVL_ERR_INVALID,
			    _("Connection '%s' was saved with Key Vault, so it "
			      "can never use typed credentials. Press n to "
			      "create a new connection with the same type and "
			      "settings and typed credentials; delete this one "
			      "afterwards with d in Admin > Connections."),
			    d->name.text);
	tui_app_error(app, _("Use Key Vault cannot be turned off"), &err);
	kvl_error_clear(&err);
}

static void toggle(struct tui_app *app, struct tui_conn_draft *draft)
{
	const char *why = NULL;

	if (draft->use_key_vault && draft->saved_with_key_vault) {
		refuse_off(app, draft);
		return;
	}
	if (!draft->use_key_vault &&
	    !tui_conn_key_vault_offered(app, draft, &why)) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", why);
		return;
	}
	draft->use_key_vault = !draft->use_key_vault;
	if (!tui_conn_draft_build_creds(draft))
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
	else if (draft->use_key_vault)
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       _("Pick a secret for each credential, then "
				 "save."));
}

static void save(struct tui_app *app, struct tui_conn_draft *draft)
{
	struct kvl_error err;

	kvl_error_init(&err);
	if (tui_conn_name_problem(app, draft) != NULL ||
	    tui_conn_validate_fields(draft) > 0 ||
	    tui_conn_validate_creds(draft) > 0) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Some values need attention: open the name, "
				 "settings or credentials to see why."));
		return;
	}
	if (tui_conn_draft_save(app, &err) != KVL_OK) {
		tui_app_error(app, _("Could not save the connection"), &err);
		kvl_error_clear(&err);
		return;
	}
	tui_app_status(app, TUI_ROLE_PASSED, _("Saved connection %s."),
		       draft->name.text);
	tui_app_pop(app);
}

static void new_instead(struct tui_app *app, struct tui_conn_draft *draft)
{
	if (!draft->saved_with_key_vault) {
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       _("This connection uses typed credentials; "
				 "edit it here."));
		return;
	}
	if (!tui_conn_draft_copy_as_new()) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	tui_app_status(app, TUI_ROLE_STATUS, "%s",
		       _("New connection with the same type and settings, "
			 "Key Vault off."));
	tui_app_push(app, &tui_step_conn_name);
}

static void activate(struct tui_app *app, struct tui_conn_draft *draft)
{
	static const struct tui_screen *const steps[ROW_COUNT] = {
		[ROW_NAME] = &tui_edit_conn_name,
		[ROW_SETTINGS] = &tui_edit_conn_fields,
		[ROW_CREDENTIALS] = &tui_edit_conn_creds,
		[ROW_AUDIENCE] = &tui_edit_conn_audience,
	};

	if (st.cursor == ROW_KEY_VAULT)
		toggle(app, draft);
	else if (st.cursor == ROW_SAVE)
		save(app, draft);
	else
		tui_app_push(app, steps[st.cursor]);
}

/* Tests the saved connection; unsaved changes take no part. */
static void test_saved(struct tui_app *app, const struct tui_conn_draft *d)
{
	tui_conn_test_start(app, st.id);
	if (tui_app_busy(app) && tui_conn_draft_changed(app, d))
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       _("Testing the saved connection; the changes "
				 "not saved yet are not used."));
}

static void edit_job_done(struct tui_app *app, int tag, kvl_result result,
			  const struct kvl_error *err)
{
	if (tag == TUI_JOB_CONN_TEST)
		tui_conn_test_done(app, result, err);
	else if (tag == TUI_JOB_SFTP_HOST_KEY)
		tui_host_key_done(app, result, err, &st.confirm,
				  ACTION_TRUST_HOST_KEY);
}

/* Esc leaves at once, or after a confirmation when changes are unsaved. */
static enum tui_outcome leave_key(struct tui_app *app,
				  const struct tui_conn_draft *draft)
{
	if (!tui_conn_draft_changed(app, draft))
		return TUI_KEY_BACK;
	tui_confirm_open(&st.confirm, ACTION_DISCARD, 0,
			 _("Discard changes"),
			 _("Discard the changes to connection '%s' that are "
			   "not saved? s saves them instead."),
			 draft->name.text);
	return TUI_KEY_HANDLED;
}

static enum tui_outcome edit_key(struct tui_app *app,
				 const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();

	if (st.confirm.open) {
		int action = st.confirm.action;

		if (tui_confirm_key(&st.confirm, key) != TUI_CONFIRM_YES)
			return TUI_KEY_HANDLED;
		if (action == ACTION_TRUST_HOST_KEY) {
			tui_host_key_trust(app);
			return TUI_KEY_HANDLED;
		}
		return TUI_KEY_BACK;
	}
	if (!ensure_draft(app))
		return TUI_KEY_IGNORED;
	if (tui_key_is_escape(key))
		return leave_key(app, draft);
	if (key->function && key->ch == KEY_UP)
		st.cursor = st.cursor > 0 ? st.cursor - 1 : 0;
	else if (key->function && key->ch == KEY_DOWN)
		st.cursor = st.cursor < ROW_SAVE ? st.cursor + 1 : ROW_SAVE;
	else if (tui_steps_enter_key(key))
		activate(app, draft);
	else if (tui_key_is_space(key) &&
		 st.cursor == ROW_KEY_VAULT)
		toggle(app, draft);
	else if (tui_key_is_letter(key, 's'))
		save(app, draft);
	else if (tui_key_is_letter(key, 'n'))
		new_instead(app, draft);
	else if (tui_key_is_letter(key, 't'))
		test_saved(app, draft);
	else
		return TUI_KEY_IGNORED;
	return TUI_KEY_HANDLED;
}

const struct tui_screen tui_screen_conn_edit = {
	.breadcrumb = N_("Admin > Connections > Edit"),
	.legend = N_("Enter open  Space toggle  s save  t test  n new instead  "
		     "Esc back"),
	.help = N_("Edits a saved connection. Enter opens the chosen part, s "
		     "saves the changes, t tests the saved connection. Esc asks "
		     "before it drops changes that are not saved."),
	.enter = edit_enter,
	.leave = edit_leave,
	.draw = edit_draw,
	.key = edit_key,
	.job_done = edit_job_done,
};
