/* Admin > System > About. */
#include "config.h"

#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"

static void about_draw(struct tui_app *app, const struct tui_layout *lay)
{
	const struct kvl_environment *env = &app->session->env;
	int width = lay->cols - 2;
	int row = lay->body_top;

	tui_draw_text(row++, 1, width, _("About"), TUI_ROLE_HEADING, false);
	row++;
	tui_draw_field(row++, 1, width, _("Region"), env->region);
	tui_draw_field(row++, 1, width, _("Environment ID"), env->id);
	tui_draw_field(row++, 1, width, _("Environment name"),
		       env->display_name);
	tui_draw_field(row++, 1, width, _("kvlink version"), PACKAGE_VERSION);
	tui_draw_field(row++, 1, width, _("Cloud"),
		       app->session->az.cloud.name);
}

const struct tui_screen tui_screen_about = {
	.breadcrumb = N_("Admin > System > About"),
	.legend = N_("Esc back"),
	.help = N_("Shows what kvlink is and which version runs."),
	.draw = about_draw,
};
