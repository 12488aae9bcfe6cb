#include "config.h"

#include <stdlib.h>

#include "core/log.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/intro.h"
#include "tui/text.h"
#include "tui/widgets.h"

static const char *const paragraphs[] = {
	N_("kvlink links an Azure key vault to your Dynamics 365 Customer "
	   "Insights environment and manages the export connections that "
	   "take their credentials from it."),
	N_("The wizard goes step by step. Before it changes anything in "
	   "Azure, a review lists every change and the az command that "
	   "makes the same change."),
	N_("Up and Down move, Enter chooses or goes on, Esc goes back one "
	   "step, Tab moves between fields, / filters a list and Space "
	   "ticks a box. The bottom line lists the keys of each screen."),
	N_("F1 or ? opens the help for the screen you are on; t in the "
	   "help shows this introduction again."),
};

void tui_intro_start(struct tui_app *app)
{
	struct kvl_envstore *store = app->session->store;

	if (store != NULL && !kvl_envstore_intro_seen(store))
		tui_intro_open(app);
}

void tui_intro_open(struct tui_app *app)
{
	size_t n = sizeof(paragraphs) / sizeof(paragraphs[0]);

	if (app->intro != NULL)
		return;
	app->intro = malloc(sizeof(*app->intro));
	if (app->intro == NULL)
		return;
	tui_text_init(app->intro);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			tui_text_add(app->intro, "", TUI_ROLE_NORMAL, 0);
		tui_text_add(app->intro, _(paragraphs[i]), TUI_ROLE_NORMAL,
			     0);
	}
}

bool tui_intro_is_open(const struct tui_app *app)
{
	return app->intro != NULL;
}

void tui_intro_close(struct tui_app *app)
{
	if (app->intro == NULL)
		return;
	tui_text_clear(app->intro);
	free(app->intro);
	app->intro = NULL;
}

void tui_intro_dismiss(struct tui_app *app)
{
	struct kvl_envstore *store = app->session->store;
	struct kvl_error err;

	if (app->intro == NULL)
		return;
	tui_intro_close(app);
	if (store == NULL || kvl_envstore_intro_seen(store))
		return;
	kvl_error_init(&err);
	/* The wizard works on without the marker; it only shows the
	 * introduction again next time. */
	if (kvl_envstore_set_intro_seen(store, &err) != KVL_OK)
		kvl_log("wizard: cannot record that the introduction was "
			"seen: %s", err.message ? err.message : "?");
	kvl_error_clear(&err);
}

void tui_intro_draw(struct tui_app *app)
{
	tui_panel_draw(&app->layout, _("Welcome to kvlink"), app->intro,
		       _("Press any key to start."));
}
