/* Link step 5: the data privacy and compliance statement and an explicit,
 * initially unchecked "I agree". */
#include "config.h"

#include <string.h>

#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/text.h"
#include "tui/keys.h"

static struct tui_text statement;

static void privacy_enter(struct tui_app *app)
{
	app->link.consent = false;
	tui_text_init(&statement);
	tui_text_add(&statement, kvl_link_privacy_statement(),
		     TUI_ROLE_NORMAL, 0);
}

static void privacy_leave(struct tui_app *app)
{
	app->link.consent = false;
	tui_text_clear(&statement);
}

static void privacy_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 2);
	int agree_row = r.top + r.rows - 1;

	tui_steps_title(lay, _("Data privacy and compliance"));
	r.rows -= 2;
	tui_text_draw(&statement, &r);
	tui_draw_text(agree_row, r.left, r.cols,
		      app->link.consent ?
			      _("[x] I agree (Space toggles)") :
			      _("[ ] I agree (Space toggles)"),
		      app->link.consent ? TUI_ROLE_PASSED : TUI_ROLE_SELECTED,
		      false);
}

static enum tui_outcome privacy_key(struct tui_app *app,
				    const struct tui_key *key)
{
	if (tui_key_is_space(key)) {
		app->link.consent = !app->link.consent;
		return TUI_KEY_HANDLED;
	}
	if (tui_text_key(&statement, key))
		return TUI_KEY_HANDLED;
	if (!tui_steps_enter_key(key))
		return TUI_KEY_IGNORED;

	if (!app->link.consent) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Press Space to agree to the statement "
				 "before you continue."));
		return TUI_KEY_HANDLED;
	}
	tui_app_push(app, &tui_step_save);
	return TUI_KEY_HANDLED;
}

const struct tui_screen tui_step_privacy = {
	.breadcrumb = N_("Admin > Security > Key Vault > 5/6 Privacy"),
	.legend = N_("Space agree  Enter continue  Up/Down scroll  Esc back"),
	.help = N_("Step 5 of 6: read the data privacy and compliance "
		     "statement, then tick I agree with Space to go on."),
	.enter = privacy_enter,
	.leave = privacy_leave,
	.draw = privacy_draw,
	.key = privacy_key,
};
