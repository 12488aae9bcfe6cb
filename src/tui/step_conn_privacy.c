/* Add connection, step 7: the data privacy and compliance statement of
 * the connection, and an explicit, initially unchecked "I agree". */
#include "config.h"

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/text.h"
#include "tui/keys.h"

static struct tui_text statement;

static void privacy_enter(struct tui_app *app)
{
	const char *type = tui_conn_draft()->type->display_name;

	(void)app;
	tui_conn_draft()->consent = false;
	tui_text_init(&statement);
	tui_text_addf(&statement, TUI_ROLE_NORMAL,
		      _("Exports through this connection send customer data "
			"from Customer Insights to %s. Once sent, the data is "
			"handled under %s's terms and may leave the "
			"compliance boundary of your organisation and of "
			"Microsoft."),
		      type, type);
	tui_text_add(&statement, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(&statement,
		     _("Customer Insights uses the connection's credentials "
		       "only to sign in to that service for the exports you "
		       "set up."),
		     TUI_ROLE_NORMAL, 0);
	tui_text_add(&statement, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(&statement,
		     _("By agreeing, you confirm that your organisation "
		       "allows this data to be sent there."),
		     TUI_ROLE_NORMAL, 0);
}

static void privacy_leave(struct tui_app *app)
{
	(void)app;
	tui_conn_draft()->consent = false;
	tui_text_clear(&statement);
}

static void privacy_draw(struct tui_app *app, const struct tui_layout *lay)
{
	bool consent = tui_conn_draft()->consent;
	struct tui_rect r = tui_body_rect(lay, 2);
	int agree_row = r.top + r.rows - 1;

	(void)app;
	tui_steps_title(lay, _("Data privacy and compliance"));
	r.rows -= 2;
	tui_text_draw(&statement, &r);
	tui_draw_text(agree_row, r.left, r.cols,
		      consent ? _("[x] I agree (Space toggles)") :
				_("[ ] I agree (Space toggles)"),
		      consent ? TUI_ROLE_PASSED : TUI_ROLE_SELECTED, false);
}

static enum tui_outcome privacy_key(struct tui_app *app,
				    const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();

	if (tui_key_is_space(key)) {
		draft->consent = !draft->consent;
		return TUI_KEY_HANDLED;
	}
	if (tui_text_key(&statement, key))
		return TUI_KEY_HANDLED;
	if (!tui_steps_enter_key(key))
		return TUI_KEY_IGNORED;
	if (!draft->consent) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Press Space to agree to the statement "
				 "before you continue."));
		return TUI_KEY_HANDLED;
	}
	tui_app_push(app, &tui_step_conn_review);
	return TUI_KEY_HANDLED;
}

const struct tui_screen tui_step_conn_privacy = {
	.breadcrumb = N_("Admin > Connections > Add 7/8 Privacy"),
	.legend = N_("Space agree  Enter continue  Up/Down scroll  Esc back"),
	.help = N_("Read the data privacy and compliance statement of the "
		     "connection, then tick I agree with Space to go on."),
	.enter = privacy_enter,
	.leave = privacy_leave,
	.draw = privacy_draw,
	.key = privacy_key,
};
