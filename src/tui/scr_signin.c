/* Sign-in: runs the device code flow (or uses the token cache) in the
 * worker and shows the server's instructions while it polls. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/text.h"
#include "tui/keys.h"

static struct {
	bool failed;
	bool cached;
} st;

static kvl_result sign_in(struct tui_app *app, void *arg,
			  struct kvl_error *err)
{
	(void)arg;
	return kvl_auth_sign_in(app->session->az.auth, true, err);
}

static void start(struct tui_app *app)
{
	st.failed = false;
	if (!app->session->az_ready || app->session->az.auth == NULL) {
		st.failed = true;
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("the Azure client is not set up; check the "
				 "cloud profile and try again"));
		return;
	}
	st.cached = kvl_auth_has_cached(app->session->az.auth);
	if (!tui_app_start_job(app, 0, _("Signing in"), sign_in, NULL))
		st.failed = true;
}

static void signin_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	start(app);
}

static void draw_instructions(struct tui_app *app, struct tui_rect *r)
{
	struct tui_text text;

	tui_text_init(&text);
	pthread_mutex_lock(&app->lock);
	if (app->device_message != NULL)
		tui_text_add(&text, app->device_message, TUI_ROLE_NORMAL, 0);
	pthread_mutex_unlock(&app->lock);

	if (text.n == 0 && st.cached)
		tui_text_add(&text, _("Using the saved sign-in."),
			     TUI_ROLE_NORMAL, 0);
	else if (text.n == 0)
		tui_text_add(&text, _("Asking Microsoft Entra ID for a "
				      "sign-in code..."),
			     TUI_ROLE_NORMAL, 0);
	tui_text_draw(&text, r);
	tui_text_clear(&text);
}

static void signin_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 2);

	tui_draw_text(lay->body_top, 1, lay->cols - 2,
		      _("Sign in to Microsoft Entra ID"), TUI_ROLE_HEADING,
		      false);
	if (st.failed) {
		tui_draw_text(r.top, r.left, r.cols,
			      _("Sign-in did not complete. Press Enter to "
				"try again, or q to quit."),
			      TUI_ROLE_NORMAL, false);
		return;
	}
	draw_instructions(app, &r);
}

static enum tui_outcome signin_key(struct tui_app *app,
				   const struct tui_key *key)
{
	if (tui_key_is_letter(key, 'q') || tui_key_is_escape(key))
		return TUI_KEY_QUIT;
	if (st.failed && tui_key_is_enter(key)) {
		start(app);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_IGNORED;
}

static void signin_done(struct tui_app *app, int tag, kvl_result result,
			const struct kvl_error *err)
{
	(void)tag;
	pthread_mutex_lock(&app->lock);
	free(app->device_message);
	app->device_message = NULL;
	pthread_mutex_unlock(&app->lock);

	if (result == KVL_OK) {
		tui_app_reset(app, app->session->env_loaded ?
					   &tui_screen_home :
					   &tui_screen_env_create);
		return;
	}
	st.failed = true;
	if (result == KVL_ERR_CANCELLED)
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Sign-in cancelled."));
	else
		tui_app_error(app, _("Sign-in failed"), err);
}

const struct tui_screen tui_screen_signin = {
	.breadcrumb = N_("Sign in"),
	.legend = N_("Esc cancel  Enter retry  q quit"),
	.help = N_("Signs you in to Microsoft Entra ID with a device code: "
		     "open the address shown in a browser and enter the code "
		     "there. The wizard goes on by itself once you are signed "
		     "in."),
	.enter = signin_enter,
	.draw = signin_draw,
	.key = signin_key,
	.job_done = signin_done,
};
