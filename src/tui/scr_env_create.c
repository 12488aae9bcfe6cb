/* First run: create the Customer Insights environment (display name and
 * region); the signed-in user becomes its Admin. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "i18n.h"
#include "tui/app.h"
#include "tui/confirm.h"
#include "tui/draw.h"
#include "tui/field.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/keys.h"

/* Maximum length of a display name, in characters. */
#define ENV_NAME_MAX 64

static struct {
	struct tui_field name;
	struct tui_list regions;
	bool focus_regions;
	const char *problem;	/* translated inline error, or NULL */
	struct tui_confirm confirm;	/* quit although a name is typed */
} st;

static void env_create_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	tui_field_init(&st.name, ENV_NAME_MAX);
	tui_list_init(&st.regions);
	for (size_t i = 0; kvl_env_regions[i] != NULL &&
			   kvl_env_regions[i + 1] != NULL; i += 2) {
		char *row = NULL;

		if (asprintf(&row, "%-24s %s", kvl_env_regions[i + 1],
			     kvl_env_regions[i]) < 0 ||
		    !tui_list_add(&st.regions, row, false))
			tui_app_status(app, TUI_ROLE_ERROR, "%s",
				       _("out of memory"));
		free(row);
	}
}

static void env_create_leave(struct tui_app *app)
{
	(void)app;
	tui_confirm_close(&st.confirm);
	tui_list_clear(&st.regions);
}

static void env_create_draw(struct tui_app *app, const struct tui_layout *lay)
{
	const struct kvl_identity *me = tui_app_identity(app);
	struct tui_rect r = tui_body_rect(lay, 6);
	char *intro = NULL;
	int row = lay->body_top;

	tui_draw_text(row++, 1, lay->cols - 2,
		      _("Create the Customer Insights environment"),
		      TUI_ROLE_HEADING, false);
	if (asprintf(&intro, _("No environment exists yet. You (%s) become "
			     "its Admin."),
		     me && me->name ? me->name : "?") >= 0)
		tui_draw_untrusted(row, 1, lay->cols - 2, intro,
				   TUI_ROLE_NORMAL);
	free(intro);
	row += 2;

	tui_draw_text(row, 1, 16,
		      st.problem ? _("! Display name:") : _("Display name:"),
		      st.problem ? TUI_ROLE_ERROR : TUI_ROLE_HEADING, false);
	tui_field_draw(&st.name, row++, 18, lay->cols - 20, !st.focus_regions);
	if (st.problem != NULL)
		tui_draw_text(row, 18, lay->cols - 20, st.problem,
			      TUI_ROLE_ERROR, false);
	row++;
	tui_draw_text(row, 1, 16, _("Region:"),
		      st.focus_regions ? TUI_ROLE_SELECTED : TUI_ROLE_HEADING,
		      false);
	tui_list_draw(&st.regions, &r);
	tui_confirm_draw(&st.confirm, lay);
}

/* The name without leading and trailing spaces, or NULL when empty. */
static char *trimmed_name(void)
{
	const char *start = st.name.text;
	size_t len;

	while (*start == ' ')
		start++;
	len = strlen(start);
	while (len > 0 && start[len - 1] == ' ')
		len--;
	return len > 0 ? strndup(start, len) : NULL;
}

static void create(struct tui_app *app, const char *name, const char *region)
{
	const struct kvl_identity *me = tui_app_identity(app);
	struct kvl_environment env;
	struct kvl_error err;
	kvl_result rc;

	memset(&env, 0, sizeof(env));
	kvl_error_init(&err);
	if (me == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("nobody is signed in; restart kvlink"));
		goto out;
	}
	rc = kvl_env_create(&env, name, region, me->object_id, me->name,
			    &err);
	if (rc == KVL_OK)
		rc = kvl_envstore_save(app->session->store, &env, &err);
	if (rc != KVL_OK) {
		tui_app_error(app, _("Could not create the environment"), &err);
		goto out;
	}

	kvl_env_clear(&app->session->env);
	app->session->env = env;
	app->session->env_loaded = true;
	memset(&env, 0, sizeof(env));
	tui_app_status(app, TUI_ROLE_STATUS,
		       _("Environment %s created; you are its Admin."), name);
	tui_app_reset(app, &tui_screen_home);

out:
	kvl_env_clear(&env);
	kvl_error_clear(&err);
}

static void submit(struct tui_app *app)
{
	long row = tui_list_selected(&st.regions);
	char *name = trimmed_name();

	st.problem = NULL;
	if (name == NULL) {
		st.problem = _("Enter a display name.");
		st.focus_regions = false;
	} else if (row < 0) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Choose a region from the list."));
	} else {
		create(app, name, kvl_env_regions[row * 2]);
	}
	free(name);
}

/* Esc quits at once while the name is blank, and after a question once
 * a name is typed, since nothing is saved before the region is chosen. */
static enum tui_outcome name_escape(void)
{
	char *name = trimmed_name();

	if (name == NULL)
		return TUI_KEY_QUIT;
	tui_confirm_open(&st.confirm, 0, 0,
			 _("Quit without saving"),
			 _("Quit kvlink without creating the environment "
			   "'%s'? Nothing is saved until you choose its "
			   "region."),
			 name);
	free(name);
	return TUI_KEY_HANDLED;
}

static enum tui_outcome name_key(const struct tui_key *key)
{
	bool enter = tui_key_is_enter(key);

	if (tui_key_is_escape(key))
		return name_escape();
	if (enter || (key->function && key->ch == KEY_DOWN)) {
		char *name = trimmed_name();

		st.problem = name ? NULL : _("Enter a display name.");
		st.focus_regions = name != NULL;
		free(name);
		return TUI_KEY_HANDLED;
	}
	tui_field_key(&st.name, key);
	st.problem = NULL;
	return TUI_KEY_HANDLED;
}

static enum tui_outcome env_create_key(struct tui_app *app,
				       const struct tui_key *key)
{
	if (st.confirm.open)
		return tui_confirm_key(&st.confirm, key) == TUI_CONFIRM_YES
		       ? TUI_KEY_QUIT : TUI_KEY_HANDLED;
	if (tui_key_is_char(key, TUI_KEY_TAB) ||
	    tui_key_is_code(key, KEY_BTAB)) {
		st.focus_regions = !st.focus_regions;
		return TUI_KEY_HANDLED;
	}
	if (!st.focus_regions)
		return name_key(key);

	switch (tui_list_key(&st.regions, key)) {
	case TUI_LIST_CHOSEN:
		submit(app);
		return TUI_KEY_HANDLED;
	case TUI_LIST_HANDLED:
		return TUI_KEY_HANDLED;
	case TUI_LIST_IGNORED:
		break;
	}
	if (!tui_key_is_escape(key))
		return TUI_KEY_IGNORED;
	st.focus_regions = false;
	return TUI_KEY_HANDLED;
}

static char *regions_help(struct tui_app *app)
{
	(void)app;
	return st.focus_regions ? tui_help_list_row(&st.regions) : NULL;
}

const struct tui_screen tui_screen_env_create = {
	.breadcrumb = N_("New environment"),
	.legend = N_("Tab next field  Enter choose  / filter  "
		     "Esc back (quit from the name)"),
	.help = N_("Creates the Customer Insights environment that kvlink "
		     "manages. Type its display name, then choose the Azure "
		     "region it runs in. Tab moves between the name and the list "
		     "of regions."),
	.help_for = regions_help,
	.enter = env_create_enter,
	.leave = env_create_leave,
	.draw = env_create_draw,
	.key = env_create_key,
};
