/*
 * Notifications: the findings of the last health check as stored in the
 * environment, each with its severity, cause, when it was first and last
 * seen, the connections it affects and how to fix it. r runs the check
 * again in the background; the list is rebuilt when it has finished. f
 * repairs the link when a notification reports its grants missing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonutil.h"
#include "env/notifications.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/check.h"
#include "tui/draw.h"
#include "tui/repair.h"
#include "tui/text.h"
#include "tui/keys.h"

#define DETAIL_INDENT 2

static struct {
	struct tui_text body;
	unsigned serial;	/* app->check_serial the body was built at */
} st;

/* "2026-12-04T17:55:57Z" as "2026-12-04 17:55:57 UTC"; other text as it
 * is. The caller frees the result. */
static char *format_time(const char *stamp)
{
	size_t n = stamp != NULL ? strlen(stamp) : 0;
	char *out = NULL;

	if (n == 20 && stamp[10] == 'T' && stamp[19] == 'Z') {
		if (asprintf(&out, "%.10s %.8s UTC", stamp, stamp + 11) < 0)
			out = NULL;
		return out;
	}
	return strdup(n > 0 ? stamp : "?");
}

static const char *string_or(json_object *item, const char *key,
			     const char *fallback)
{
	const char *value = kvl_json_str(item, key);

	return value != NULL && value[0] != '\0' ? value : fallback;
}

/* The affected connections as "A, B", or NULL when none are named. */
static char *join_connections(json_object *item)
{
	json_object *names = kvl_json_path(item, "connections");
	size_t i, n = json_object_is_type(names, json_type_array) ?
			      json_object_array_length(names) : 0;
	char *joined = NULL;

	for (i = 0; i < n; i++) {
		const char *name = json_object_get_string(
			json_object_array_get_idx(names, i));
		char *longer = NULL;

		if (asprintf(&longer, "%s%s%s", joined ? joined : "",
			     joined ? ", " : "", name ? name : "?") < 0) {
			free(joined);
			return NULL;
		}
		free(joined);
		joined = longer;
	}
	return joined;
}

static void add_seen(json_object *item)
{
	char *first = format_time(kvl_json_str(item, "firstSeen"));
	char *last = format_time(kvl_json_str(item, "lastSeen"));

	tui_text_addf(&st.body, TUI_ROLE_NORMAL, _("  First seen: %s"),
		      first ? first : "?");
	tui_text_addf(&st.body, TUI_ROLE_NORMAL, _("  Last seen:  %s"),
		      last ? last : "?");
	free(first);
	free(last);
}

static bool is_error(json_object *item)
{
	return strcmp(string_or(item, "severity", ""), "error") == 0;
}

/* Appends one stored notification; every value in it is untrusted and
 * sanitised when the text is wrapped. */
static void add_notification(json_object *item)
{
	bool error = is_error(item);
	char *names = join_connections(item);

	tui_text_addf(&st.body, error ? TUI_ROLE_FAILED : TUI_ROLE_UNKNOWN,
		      "%s: %s", error ? _("Error") : _("Recommendation"),
		      string_or(item, "cause", "?"));
	tui_text_add(&st.body, _("Connections affected:"), TUI_ROLE_HEADING,
		     DETAIL_INDENT);
	tui_text_add(&st.body, names ? names : _("none named"),
		     TUI_ROLE_NORMAL, DETAIL_INDENT * 2);
	tui_text_add(&st.body, _("How to fix:"), TUI_ROLE_HEADING,
		     DETAIL_INDENT);
	tui_text_add(&st.body, string_or(item, "fix", "?"), TUI_ROLE_NORMAL,
		     DETAIL_INDENT * 2);
	add_seen(item);
	tui_text_addf(&st.body, TUI_ROLE_NORMAL, _("  Id: %s"),
		      string_or(item, "id", "?"));
	tui_text_add(&st.body, "", TUI_ROLE_NORMAL, 0);
	free(names);
}

/* Lists the errors first, then the rest, each in stored order. */
static void build(struct tui_app *app)
{
	json_object *list = kvl_notifications_get(&app->session->env);
	size_t i, n = list != NULL ? json_object_array_length(list) : 0;
	int pass;

	tui_text_clear(&st.body);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			json_object *item = json_object_array_get_idx(list, i);

			if (is_error(item) == (pass == 0))
				add_notification(item);
		}
	}
	st.serial = app->check_serial;
}

static void notifications_enter(struct tui_app *app)
{
	tui_text_init(&st.body);
	build(app);
}

static void notifications_leave(struct tui_app *app)
{
	(void)app;
	tui_text_clear(&st.body);
	tui_repair_close();
}

/* The line under the title: a check running, when the last one ran and
 * what it found. */
static char *summary(const struct tui_app *app)
{
	const struct kvl_environment *env = &app->session->env;
	size_t n = kvl_notifications_count(env);
	char *when = format_time(kvl_notifications_checked_at(env));
	char *text = NULL;
	int rc;

	if (tui_check_running(app))
		rc = asprintf(&text, "%s", _("Checking the key vault now..."));
	else if (kvl_notifications_checked_at(env) == NULL)
		rc = asprintf(&text, "%s", _("No health check has run yet. "
					     "Press r to run one."));
	else if (n == 0)
		rc = asprintf(&text, _("No problems found at %s."), when);
	else
		rc = asprintf(&text, _("%zu problem(s) found at %s."), n,
			      when);
	free(when);
	return rc < 0 ? NULL : text;
}

static void notifications_draw(struct tui_app *app,
			       const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 3);
	char *line = summary(app);

	if (st.serial != app->check_serial)
		build(app);
	tui_draw_text(lay->body_top, 1, lay->cols - 2, _("Notifications"),
		      TUI_ROLE_HEADING, false);
	tui_draw_untrusted(lay->body_top + 1, 1, lay->cols - 2,
			   line ? line : _("out of memory"), TUI_ROLE_NORMAL);
	tui_text_draw(&st.body, &r);
	free(line);
	tui_repair_draw(lay);
}

static enum tui_outcome notifications_key(struct tui_app *app,
					  const struct tui_key *key)
{
	if (tui_repair_key(app, key))
		return TUI_KEY_HANDLED;
	if (key->function)
		return tui_text_key(&st.body, key) ? TUI_KEY_HANDLED :
						     TUI_KEY_IGNORED;
	if (tui_key_is_letter(key, 'q'))
		return TUI_KEY_BACK;
	if (tui_key_is_letter(key, 'r')) {
		if (tui_check_running(app))
			tui_app_status(app, TUI_ROLE_STATUS, "%s",
				       _("The health check is already "
					 "running."));
		else
			(void)tui_check_start(app, true);
		return TUI_KEY_HANDLED;
	}
	if (tui_key_is_letter(key, 'f')) {
		tui_repair_ask(app);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_IGNORED;
}

static void notifications_done(struct tui_app *app, int tag,
			       kvl_result result, const struct kvl_error *err)
{
	(void)tui_repair_done(app, tag, result, err);
}

/* f appears only while a notification reports access that a repair
 * can grant again. */
static const char *notifications_legend(const struct tui_app *app)
{
	if (tui_repair_offered(app))
		return _("Up/Down/PgUp/PgDn scroll  r check again  "
			 "f repair access  Esc/q back");
	return _("Up/Down/PgUp/PgDn scroll  r check again  Esc/q back");
}

const struct tui_screen tui_screen_notifications = {
	.breadcrumb = N_("Home > Notifications"),
	.legend = N_("Up/Down/PgUp/PgDn scroll  r check again  "
		     "f repair access  Esc/q back"),
	.help = N_("Lists the problems the health check found, each with what "
		     "to do about it. r runs the check again; f repairs the "
		     "access when that is the fix."),
	.legend_for = notifications_legend,
	.enter = notifications_enter,
	.leave = notifications_leave,
	.draw = notifications_draw,
	.key = notifications_key,
	.job_done = notifications_done,
};
