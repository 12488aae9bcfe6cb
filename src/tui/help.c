#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/intro.h"
#include "tui/keys.h"
#include "tui/text.h"
#include "tui/widgets.h"

/* The keys every screen shares, as key name and meaning. */
static const char *const shared_keys[][2] = {
	{ N_("Tab, Shift-Tab"), N_("next or previous field") },
	{ N_("Up, Down"), N_("move the cursor or scroll") },
	{ N_("PgUp, PgDn"), N_("move or scroll one page") },
	{ N_("Home, End"), N_("go to the first or the last row") },
	{ N_("Enter"), N_("choose, or go on to the next step") },
	{ N_("Space"), N_("tick or untick a box") },
	{ N_("/"), N_("filter a list; Esc clears the filter first") },
	{ N_("Esc"), N_("go back one step; an editor with unsaved changes "
			"asks first") },
	{ N_("Ctrl-L"), N_("draw the screen again") },
	{ N_("F1 or ?"), N_("this help; in a text field only F1 opens it") },
};

static const struct tui_screen *top_screen(const struct tui_app *app)
{
	return app->depth > 0 ? app->stack[app->depth - 1] : NULL;
}

static const char *screen_legend(const struct tui_app *app)
{
	const struct tui_screen *top = top_screen(app);

	if (top == NULL)
		return "";
	if (top->legend_for != NULL)
		return top->legend_for(app);
	return _(top->legend);
}

char *tui_help_legend(const struct tui_app *app)
{
	char *text = NULL;

	if (asprintf(&text, "%s  %s", screen_legend(app), _("F1 help")) < 0)
		return NULL;
	return text;
}

static void add_shared_keys(struct tui_text *text)
{
	size_t n = sizeof(shared_keys) / sizeof(shared_keys[0]);

	for (size_t i = 0; i < n; i++)
		tui_text_addf(text, TUI_ROLE_NORMAL, "  %s: %s",
			      _(shared_keys[i][0]), _(shared_keys[i][1]));
}

static void fill(struct tui_app *app, struct tui_text *text)
{
	const struct tui_screen *top = top_screen(app);
	char *focused = NULL;

	if (top != NULL && top->help != NULL) {
		tui_text_add(text, _(top->help), TUI_ROLE_NORMAL, 0);
		tui_text_add(text, "", TUI_ROLE_NORMAL, 0);
	}
	if (top != NULL && top->help_for != NULL)
		focused = top->help_for(app);
	if (focused != NULL) {
		tui_text_add(text, _("Selected:"), TUI_ROLE_HEADING, 0);
		tui_text_add(text, focused, TUI_ROLE_NORMAL, 2);
		tui_text_add(text, "", TUI_ROLE_NORMAL, 0);
		free(focused);
	}
	tui_text_add(text, _("Keys on this screen:"), TUI_ROLE_HEADING, 0);
	tui_text_add(text, screen_legend(app), TUI_ROLE_NORMAL, 2);
	tui_text_add(text, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(text, _("Keys on every screen:"), TUI_ROLE_HEADING, 0);
	add_shared_keys(text);
	tui_text_add(text, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(text, _("t in this help shows the introduction again."),
		     TUI_ROLE_NORMAL, 0);
}

void tui_help_open(struct tui_app *app)
{
	tui_help_close(app);
	app->help = malloc(sizeof(*app->help));
	if (app->help == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	tui_text_init(app->help);
	fill(app, app->help);
}

void tui_help_close(struct tui_app *app)
{
	if (app->help == NULL)
		return;
	tui_text_clear(app->help);
	free(app->help);
	app->help = NULL;
}

bool tui_help_is_open(const struct tui_app *app)
{
	return app->help != NULL;
}

void tui_help_key(struct tui_app *app, const struct tui_key *key)
{
	if (tui_key_is_escape(key) || tui_key_is_help_letter(key) ||
	    tui_key_is_help_function(key) || tui_key_is_enter(key)) {
		tui_help_close(app);
		return;
	}
	if (tui_key_is_letter(key, 't')) {
		tui_help_close(app);
		tui_intro_open(app);
		return;
	}
	(void)tui_text_key(app->help, key);
}

void tui_help_draw(struct tui_app *app)
{
	const struct tui_screen *top = top_screen(app);
	char *title = NULL;

	if (asprintf(&title, _("Help: %s"), top ? _(top->breadcrumb) : "") < 0)
		title = NULL;
	tui_panel_draw(&app->layout, title ? title : _("Help"), app->help,
		       _("Esc or ? closes this help."));
	free(title);
}

char *tui_help_list_row(const struct tui_list *list)
{
	long row = tui_list_selected(list);

	if (row < 0)
		return NULL;
	return strdup(list->rows[row].text);
}

char *tui_help_form_row(struct tui_form *form)
{
	const struct tui_form_row *row = tui_form_focused(form);
	char *text = NULL;

	if (row == NULL)
		return NULL;
	if (asprintf(&text, "%s%s%s%s%s", row->label,
		     row->help != NULL ? ": " : "",
		     row->help != NULL ? row->help : "",
		     row->error != NULL ? "\n! " : "",
		     row->error != NULL ? row->error : "") < 0)
		return NULL;
	return text;
}
