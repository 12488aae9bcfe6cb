/* Admin > Connections: the environment's export connections, and the way
 * into adding, editing and deleting them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "tui/app.h"
#include "tui/conn_draft.h"
#include "tui/confirm.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/steps.h"

#define CONN_COLUMNS 6

enum { ACTION_DELETE = 1 };

static struct {
	struct tui_list list;
	long revision;		/* of the environment the list shows */
	size_t count;
	bool built;
	struct tui_confirm confirm;
} st;

const char *tui_conn_audience_text(enum kvl_conn_audience audience)
{
	if (audience == KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS)
		return _("admins, contributors");
	return _("admins");
}

static const char *type_name(const struct kvl_connection *conn)
{
	const struct kvl_conn_type *type = kvl_conn_type_find(conn->type_id);

	return type != NULL ? type->display_name : conn->type_id;
}

/* The date of an RFC 3339 time ("2026-12-04"); the caller frees. The
 * editor shows the whole time. */
static char *short_time(const char *when)
{
	return strndup(when ? when : "?", 10);
}

static void add_row(struct tui_app *app, const struct kvl_connection *conn)
{
	char *when = short_time(conn->created_at);
	const char *cells[CONN_COLUMNS] = {
		conn->display_name, type_name(conn),
		conn->use_key_vault ? _("Key Vault") : _("typed"),
		tui_conn_audience_text(conn->audience),
		conn->created_by_name ? conn->created_by_name : "?",
		when ? when : "?",
	};

	tui_steps_row(app, &st.list, cells, false);
	free(when);
}

static void build(struct tui_app *app)
{
	static const int minimum[CONN_COLUMNS] = { 12, 4, 5, 6, 8, 10 };
	const struct kvl_environment *env = &app->session->env;
	const char *head[CONN_COLUMNS] = {
		_("Name"), _("Type"), _("Source"), _("Who may use"),
		_("Created by"), _("Created"),
	};
	char filter[TUI_FILTER_MAX];
	bool filtering = st.list.filtering;

	memcpy(filter, st.list.filter, sizeof(filter));
	tui_list_clear(&st.list);
	tui_steps_columns(app, &st.list, head, minimum, CONN_COLUMNS);
	for (size_t i = 0; i < env->n_connections; i++)
		add_row(app, &env->connections[i]);
	memcpy(st.list.filter, filter, sizeof(filter));
	st.list.filtering = filtering;
	tui_list_refilter(&st.list);

	st.revision = env->revision;
	st.count = env->n_connections;
	st.built = true;
}

/* Rebuilds the rows when the environment changed since they were built
 * (a save bumps its revision). */
static void refresh(struct tui_app *app)
{
	const struct kvl_environment *env = &app->session->env;

	if (!st.built || st.revision != env->revision ||
	    st.count != env->n_connections)
		build(app);
}

/*
 * Reads the environment from disk again, so connections that the command
 * line or another wizard changed show up. Returns false, with the reason
 * on the status line, when the store cannot be read.
 */
static bool reread_store(struct tui_app *app)
{
	struct kvl_error err;
	bool ok = true;

	kvl_error_init(&err);
	if (kvl_session_reload(app->session, &err) != KVL_OK) {
		tui_app_status(app, TUI_ROLE_ERROR,
			       _("Could not read the environment again: %s"),
			       err.message != NULL ? err.message : "?");
		ok = false;
	}
	kvl_error_clear(&err);
	return ok;
}

static void connections_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	tui_list_init(&st.list);
	(void)reread_store(app);
	build(app);
}

static void connections_leave(struct tui_app *app)
{
	(void)app;
	tui_list_clear(&st.list);
	tui_confirm_close(&st.confirm);
	tui_conn_draft_clear();
}

static void connections_draw(struct tui_app *app,
			     const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 2);

	refresh(app);
	tui_steps_title(lay, _("Export connections of this environment"));
	if (st.list.n == 0)
		tui_draw_text(r.top, r.left, r.cols,
			      _("No connections yet. Press a to add one."),
			      TUI_ROLE_NORMAL, false);
	else
		tui_list_draw(&st.list, &r);
	tui_confirm_draw(&st.confirm, lay);
}

/* Only the environment's administrators manage connections. */
static bool may_manage(struct tui_app *app)
{
	const struct kvl_identity *me = tui_app_identity(app);
	enum kvl_role role;

	if (me != NULL && me->object_id != NULL &&
	    kvl_env_user_role(&app->session->env, me->object_id, &role) &&
	    role == KVL_ROLE_ADMIN)
		return true;
	tui_app_status(app, TUI_ROLE_ERROR, "%s",
		       _("Only administrators of this environment can add, "
			 "change or delete connections."));
	return false;
}

static struct kvl_connection *selected(struct tui_app *app)
{
	long row = tui_list_selected(&st.list);

	if (row < 0 || (size_t)row >= app->session->env.n_connections)
		return NULL;
	return &app->session->env.connections[row];
}

static void start_add(struct tui_app *app)
{
	tui_conn_draft_clear();
	tui_app_push(app, &tui_step_conn_type);
}

static void start_edit(struct tui_app *app)
{
	struct kvl_connection *conn = selected(app);

	if (conn == NULL)
		return;
	if (!tui_conn_draft_edit(conn)) {
		tui_app_status(app, TUI_ROLE_ERROR,
			       _("cannot edit connection %s: its type '%s' is "
				 "unknown to this version, or memory ran out"),
			       conn->display_name, conn->type_id);
		tui_conn_draft_clear();
		return;
	}
	tui_app_push(app, &tui_screen_conn_edit);
}

static void ask_delete(struct tui_app *app)
{
	struct kvl_connection *conn = selected(app);
	long row = tui_list_selected(&st.list);

	if (conn == NULL)
		return;
	tui_confirm_open(&st.confirm, ACTION_DELETE, row,
			 _("Delete connection"),
			 _("Delete connection '%s' (%s)? Exports that use it "
			   "stop working. Secrets in the key vault are not "
			   "touched."),
			 conn->display_name, type_name(conn));
}

static void delete_confirmed(struct tui_app *app)
{
	struct kvl_environment *env = &app->session->env;
	struct kvl_connection *conn;
	struct kvl_error err;
	char *name = NULL;
	kvl_result rc = KVL_ERR_NOT_FOUND;

	/* A health check saving the environment meanwhile would make this
	 * save fail with a conflict. */
	tui_app_stop_background(app);
	kvl_error_init(&err);
	if (st.confirm.target < 0 ||
	    (size_t)st.confirm.target >= env->n_connections)
		goto out;
	conn = &env->connections[st.confirm.target];
	name = strdup(conn->display_name);
	rc = kvl_conn_delete(env, conn->id ? conn->id : name, &err);
	if (rc == KVL_OK)
		rc = kvl_envstore_save(app->session->store, env, &err);
	if (rc != KVL_OK) {
		tui_app_error(app, _("Could not delete the connection"), &err);
		if (kvl_session_reload(app->session, &err) != KVL_OK)
			kvl_error_clear(&err);
		goto out;
	}
	tui_app_status(app, TUI_ROLE_PASSED, _("Deleted connection %s."),
		       name ? name : "?");

out:
	free(name);
	kvl_error_clear(&err);
	build(app);
}

static enum tui_outcome confirm_key(struct tui_app *app,
				    const struct tui_key *key)
{
	if (tui_confirm_key(&st.confirm, key) == TUI_CONFIRM_YES &&
	    st.confirm.action == ACTION_DELETE)
		delete_confirmed(app);
	return TUI_KEY_HANDLED;
}

static enum tui_outcome command_key(struct tui_app *app, wint_t ch)
{
	switch (ch) {
	case 'a':
	case 'A':
		if (may_manage(app))
			start_add(app);
		return TUI_KEY_HANDLED;
	case 'e':
	case 'E':
		if (may_manage(app))
			start_edit(app);
		return TUI_KEY_HANDLED;
	case 'd':
	case 'D':
		if (may_manage(app))
			ask_delete(app);
		return TUI_KEY_HANDLED;
	case 'r':
	case 'R':
		if (reread_store(app)) {
			build(app);
			tui_app_status(app, TUI_ROLE_PASSED, "%s",
				       _("Connections read again from the "
					 "environment."));
		}
		return TUI_KEY_HANDLED;
	default:
		return TUI_KEY_IGNORED;
	}
}

static enum tui_outcome connections_key(struct tui_app *app,
					const struct tui_key *key)
{
	if (st.confirm.open)
		return confirm_key(app, key);
	refresh(app);
	switch (tui_list_key(&st.list, key)) {
	case TUI_LIST_CHOSEN:
		if (may_manage(app))
			start_edit(app);
		return TUI_KEY_HANDLED;
	case TUI_LIST_HANDLED:
		return TUI_KEY_HANDLED;
	case TUI_LIST_IGNORED:
		break;
	}
	if (key->function || st.list.filtering)
		return TUI_KEY_IGNORED;
	return command_key(app, key->ch);
}

static char *list_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&st.list);
}

const struct tui_screen tui_screen_connections = {
	.breadcrumb = N_("Admin > Connections"),
	.legend = N_("a add  Enter/e edit  d delete  r reload  / filter  "
		     "Esc back"),
	.help = N_("Lists the data source connections of the environment. a "
		     "adds one, Enter or e edits the chosen one, d deletes it."),
	.help_for = list_help,
	.enter = connections_enter,
	.leave = connections_leave,
	.draw = connections_draw,
	.key = connections_key,
};
