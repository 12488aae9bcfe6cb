/* Home: the environment, who is signed in, notifications and the menu.
 * Entering it the first time starts the health check in the
 * background. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env/notifications.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/check.h"
#include "tui/conn_draft.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/keys.h"

enum home_item {
	HOME_SECURITY,
	HOME_CONNECTIONS,
	HOME_NOTIFICATIONS,
	HOME_ABOUT,
	HOME_QUIT,
};

static struct tui_list menu;

static void home_enter(struct tui_app *app)
{
	tui_list_init(&menu);
	if (!tui_list_add(&menu, _("Admin > Security"), false) ||
	    !tui_list_add(&menu, _("Admin > Connections"), false) ||
	    !tui_list_add(&menu, _("Notifications"), false) ||
	    !tui_list_add(&menu, _("Admin > System > About"), false) ||
	    !tui_list_add(&menu, _("Quit"), false))
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
	tui_check_start_once(app);
}

static void home_leave(struct tui_app *app)
{
	(void)app;
	tui_list_clear(&menu);
}

static void home_draw(struct tui_app *app, const struct tui_layout *lay)
{
	const struct kvl_environment *env = &app->session->env;
	const struct kvl_identity *me = tui_app_identity(app);
	int width = lay->cols - 2;
	int row = lay->body_top;
	char *count = NULL;
	struct tui_rect r;

	tui_draw_field(row++, 1, width, _("Environment"), env->display_name);
	tui_draw_field(row++, 1, width, _("Region"), env->region);
	tui_draw_field(row++, 1, width, _("Signed in as"),
		       me && me->name ? me->name : "?");
	if (asprintf(&count, tui_check_running(app) ?
		     _("%zu  (checking the key vault...)") :
		     _("%zu  (press n to view)"),
		     kvl_notifications_count(env)) < 0)
		count = NULL;
	tui_draw_field(row++, 1, width, _("Notifications"), count);
	free(count);
	row++;
	tui_draw_text(row, 1, width, _("Menu"), TUI_ROLE_HEADING, false);

	r = tui_body_rect(lay, row + 1 - lay->body_top);
	tui_list_draw(&menu, &r);
}

static enum tui_outcome choose(struct tui_app *app)
{
	switch (tui_list_selected(&menu)) {
	case HOME_SECURITY:
		tui_app_push(app, &tui_screen_security);
		break;
	case HOME_CONNECTIONS:
		tui_app_push(app, &tui_screen_connections);
		break;
	case HOME_NOTIFICATIONS:
		tui_app_push(app, &tui_screen_notifications);
		break;
	case HOME_ABOUT:
		tui_app_push(app, &tui_screen_about);
		break;
	case HOME_QUIT:
		return TUI_KEY_QUIT;
	default:
		break;
	}
	return TUI_KEY_HANDLED;
}

static enum tui_outcome home_key(struct tui_app *app,
				 const struct tui_key *key)
{
	switch (tui_list_key(&menu, key)) {
	case TUI_LIST_CHOSEN:
		return choose(app);
	case TUI_LIST_HANDLED:
		return TUI_KEY_HANDLED;
	case TUI_LIST_IGNORED:
		break;
	}
	if (tui_key_is_letter(key, 'q'))
		return TUI_KEY_QUIT;
	if (!key->function && (key->ch == 'n' || key->ch == 'N')) {
		tui_app_push(app, &tui_screen_notifications);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_IGNORED;
}

static char *menu_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&menu);
}

const struct tui_screen tui_screen_home = {
	.breadcrumb = N_("Home"),
	.legend = N_("Up/Down move  Enter choose  n notifications  / filter  "
		     "q quit"),
	.help = N_("The start screen: who is signed in, the environment, and "
		     "where you can go from here. Enter opens the chosen item."),
	.help_for = menu_help,
	.enter = home_enter,
	.leave = home_leave,
	.draw = home_draw,
	.key = home_key,
};
