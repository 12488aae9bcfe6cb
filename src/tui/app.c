#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/intro.h"
#include "tui/keys.h"
#include "tui/term.h"
#include "tui/tui.h"
#include "tui/widgets.h"

/* How often the loop wakes to advance the spinner and look at signals. */
#define TICK_BUSY_MS 100
#define TICK_IDLE_MS 500

void tui_app_push(struct tui_app *app, const struct tui_screen *screen)
{
	app->nav = TUI_NAV_PUSH;
	app->nav_target = screen;
}

void tui_app_pop(struct tui_app *app)
{
	app->nav = TUI_NAV_POP;
	app->nav_target = NULL;
}

void tui_app_pop_to(struct tui_app *app, const struct tui_screen *screen)
{
	app->nav = TUI_NAV_POP_TO;
	app->nav_target = screen;
}

void tui_app_reset(struct tui_app *app, const struct tui_screen *screen)
{
	app->nav = TUI_NAV_RESET;
	app->nav_target = screen;
}

void tui_app_status(struct tui_app *app, enum tui_role role,
		    const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	free(app->status);
	app->status = kvl_sanitize(text);
	app->status_role = role;
	free(text);
}

static const struct tui_screen *top_screen(const struct tui_app *app)
{
	return app->depth > 0 ? app->stack[app->depth - 1] : NULL;
}

void tui_app_error(struct tui_app *app, const char *title,
		   const struct kvl_error *err)
{
	const struct tui_screen *top = top_screen(app);
	char *text = kvl_error_format(err);

	/* The log keeps the untranslated breadcrumb, as logs are never
	 * translated; kvl_log escapes and redacts the text. */
	kvl_log("wizard: error on '%s': %s (%s)",
		top ? top->breadcrumb : "-", text ? text : "?",
		kvl_result_name(err->result));
	free(app->dialog_title);
	free(app->dialog_text);
	app->dialog_title = kvl_sanitize(title);
	app->dialog_text = kvl_sanitize(text ? text : _("out of memory"));
	free(text);
	tui_app_status(app, TUI_ROLE_ERROR, "%s", title);
}

/* A copy of text with every line sanitised and the '\n's kept. */
static char *sanitize_lines(const char *text)
{
	struct kvl_buf buf;
	const char *p = text;

	kvl_buf_init(&buf);
	for (;;) {
		size_t len = strcspn(p, "\n");
		char *raw = strndup(p, len);
		char *clean = raw != NULL ? kvl_sanitize(raw) : NULL;
		bool ok = clean != NULL && kvl_buf_adds(&buf, clean);

		free(raw);
		free(clean);
		if (!ok || p[len] == '\0' || !kvl_buf_adds(&buf, "\n"))
			break;
		p += len + 1;
	}
	return buf.data != NULL ? kvl_buf_detach(&buf) : NULL;
}

void tui_app_error_lines(struct tui_app *app, const char *title,
			 const char *text)
{
	const struct tui_screen *top = top_screen(app);

	kvl_log("wizard: error on '%s': %s", top ? top->breadcrumb : "-",
		text);
	free(app->dialog_title);
	free(app->dialog_text);
	app->dialog_title = kvl_sanitize(title);
	app->dialog_text = sanitize_lines(text);
	if (app->dialog_text == NULL)
		app->dialog_text = strdup(_("out of memory"));
	tui_app_status(app, TUI_ROLE_ERROR, "%s", title);
}

const struct kvl_identity *tui_app_identity(const struct tui_app *app)
{
	if (!app->session->az_ready || app->session->az.auth == NULL)
		return NULL;
	return kvl_auth_identity(app->session->az.auth);
}

static void pop_one(struct tui_app *app)
{
	const struct tui_screen *top = top_screen(app);

	if (top == NULL)
		return;
	if (top->leave != NULL)
		top->leave(app);
	app->depth--;
}

static void push_one(struct tui_app *app, const struct tui_screen *screen)
{
	if (app->depth == TUI_STACK_MAX) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("internal error: too many nested screens"));
		return;
	}
	app->stack[app->depth++] = screen;
	if (screen->enter != NULL)
		screen->enter(app);
}

/* Applies the navigation a callback asked for; entering a screen may ask
 * for more, so this loops. */
static void apply_navigation(struct tui_app *app)
{
	/* The help describes the screen it was opened on. */
	if (app->nav != TUI_NAV_NONE)
		tui_help_close(app);
	while (app->nav != TUI_NAV_NONE) {
		enum tui_nav nav = app->nav;
		const struct tui_screen *target = app->nav_target;

		app->nav = TUI_NAV_NONE;
		switch (nav) {
		case TUI_NAV_PUSH:
			push_one(app, target);
			break;
		case TUI_NAV_POP:
			pop_one(app);
			break;
		case TUI_NAV_POP_TO:
			while (app->depth > 1 && top_screen(app) != target)
				pop_one(app);
			break;
		case TUI_NAV_RESET:
			while (app->depth > 0)
				pop_one(app);
			push_one(app, target);
			break;
		case TUI_NAV_NONE:
			break;
		}
	}
	if (app->depth == 0)
		app->quit = true;
}

/* The title bar's environment text, read only while no worker runs
 * because a worker may be saving the environment. */
static void refresh_context(struct tui_app *app)
{
	const struct kvl_environment *env = &app->session->env;
	char *text = NULL;

	if (tui_app_busy(app))
		return;
	/* The sandbox marker comes first so that truncation never hides
	 * it. */
	if (app->session->env_loaded &&
	    asprintf(&text, "%s%s (%s)", app->sandbox ? _("[sandbox] ") : "",
		     env->display_name, env->region) < 0)
		text = NULL;
	else if (!app->session->env_loaded && app->sandbox)
		text = strdup(_("[sandbox]"));
	free(app->context);
	app->context = kvl_sanitize(text);
	free(text);
}

/* Columns the breadcrumb keeps however long the environment's name. */
#define TITLE_CRUMB_MIN 24

/*
 * The title bar: "kvlink", the breadcrumb, and the environment on the
 * right. The environment keeps its full name unless the breadcrumb would
 * get fewer than TITLE_CRUMB_MIN columns. A long breadcrumb loses its
 * middle instead, so that its first and current steps stay readable.
 */
static void draw_title(struct tui_app *app, const struct tui_screen *top)
{
	static const char prefix[] = "kvlink  ";
	const struct tui_layout *lay = &app->layout;
	const char *context = app->context ? app->context : "";
	int right = (int)kvl_display_width(context);
	int right_max = lay->cols - 3 - (int)strlen(prefix) - TITLE_CRUMB_MIN;
	char *crumb, *title = NULL;

	if (right > right_max)
		right = right_max;
	crumb = tui_cut_middle(top ? _(top->breadcrumb) : "",
			       lay->cols - right - 2 - (int)strlen(prefix));
	if (crumb == NULL || asprintf(&title, "%s%s", prefix, crumb) < 0)
		title = NULL;

	tui_draw_text(lay->title_row, 0, lay->cols, "", TUI_ROLE_TITLE, true);
	tui_draw_text(lay->title_row, 0, lay->cols - right - 2,
		      title ? title : "kvlink", TUI_ROLE_TITLE, false);
	tui_draw_text(lay->title_row, lay->cols - right - 1, right, context,
		      TUI_ROLE_TITLE, false);
	free(crumb);
	free(title);
}

/* Draws text wrapped to the row's width from row on; returns the next
 * row. */
static int draw_wrapped(int row, int cols, const char *text,
			enum tui_role role)
{
	char **lines = NULL;
	size_t n = tui_wrap(text, cols, &lines);

	for (size_t i = 0; i < n; i++)
		tui_draw_text(row++, 0, cols, lines[i], role, false);
	tui_lines_free(lines, n);
	return row;
}

/* The size comes first and the message wraps, so that even a narrow
 * terminal shows what it has and what it needs. */
static void draw_too_small(const struct tui_layout *lay)
{
	char *text = NULL;
	int row = lay->rows / 2 - 1;

	if (asprintf(&text, _("Terminal too small: %dx%d, need %dx%d"),
		     lay->cols, lay->rows, TUI_MIN_COLS, TUI_MIN_ROWS) < 0)
		text = NULL;
	row = draw_wrapped(row > 0 ? row : 0, lay->cols,
			   text ? text : _("Terminal too small"),
			   TUI_ROLE_ERROR);
	(void)draw_wrapped(row, lay->cols,
			   _("Enlarge the window, or press q to quit."),
			   TUI_ROLE_NORMAL);
	free(text);
}

static void draw_frame(struct tui_app *app)
{
	const struct tui_screen *top = top_screen(app);
	struct tui_status_view status = { 0 };
	char *legend;

	erase();
	tui_layout_compute(&app->layout, LINES, COLS);
	if (app->layout.too_small) {
		draw_too_small(&app->layout);
		tui_term_flush();
		return;
	}

	status.busy = tui_app_busy(app);
	status.label = app->job.label ? app->job.label : "";
	status.elapsed_s = status.busy ? tui_job_elapsed(&app->job) : 0;
	status.tick = app->tick;
	status.text = app->status;
	status.role = app->status_role;
	/* A long message wraps upwards into the body, so the screen is
	 * laid out for it before it draws. */
	tui_layout_status_rows(&app->layout,
			       tui_status_rows(app->layout.cols, &status));

	draw_title(app, top);
	if (top != NULL && top->draw != NULL)
		top->draw(app, &app->layout);
	tui_status_draw(&app->layout, &status);
	legend = tui_help_legend(app);
	tui_legend_draw(&app->layout, legend != NULL ? legend : "");
	free(legend);
	if (tui_help_is_open(app))
		tui_help_draw(app);
	if (app->dialog_text != NULL)
		tui_dialog_draw(&app->layout, app->dialog_title,
				app->dialog_text);
	if (tui_intro_is_open(app))
		tui_intro_draw(app);
	tui_term_flush();
}

static void close_dialog(struct tui_app *app)
{
	free(app->dialog_title);
	free(app->dialog_text);
	app->dialog_title = NULL;
	app->dialog_text = NULL;
}

static void dispatch(struct tui_app *app, const struct tui_key *key)
{
	const struct tui_screen *top = top_screen(app);
	enum tui_outcome outcome = TUI_KEY_IGNORED;

	/* A key press acknowledges the last message. */
	free(app->status);
	app->status = NULL;
	if (tui_key_is_help_function(key)) {
		tui_help_open(app);
		return;
	}
	if (top != NULL && top->key != NULL)
		outcome = top->key(app, key);
	/* ? reaches the help only when the screen did not take it, so that
	 * it can be typed into a text field or a filter. */
	if (outcome == TUI_KEY_IGNORED && tui_key_is_help_letter(key)) {
		tui_help_open(app);
		return;
	}
	if (outcome == TUI_KEY_IGNORED && tui_key_is_escape(key) &&
	    app->depth > 1)
		outcome = TUI_KEY_BACK;

	if (outcome == TUI_KEY_BACK)
		tui_app_pop(app);
	else if (outcome == TUI_KEY_QUIT)
		app->quit = true;
}

/* Esc cancels the running job. On the sign-in screen, whose legend
 * offers q at all times, q cancels it and quits. */
static void busy_key(struct tui_app *app, const struct tui_key *key)
{
	const struct tui_screen *top =
		app->depth > 0 ? app->stack[app->depth - 1] : NULL;
	bool quit = top == &tui_screen_signin && tui_key_is_letter(key, 'q');

	if (!tui_key_is_escape(key) && !quit)
		return;
	atomic_store(&app->job.cancel, true);
	free(app->job.label);
	app->job.label = strdup(_("Cancelling"));
	if (quit)
		app->quit = true;
}

static void handle_key(struct tui_app *app, const struct tui_key *key)
{
	if (tui_key_is_redraw(key)) {
		clearok(curscr, TRUE);
		return;
	}
	if (key->function && key->ch == KEY_RESIZE) {
		/* A shrinking terminal may scroll or cut what it shows, so
		 * curses' idea of the screen is stale: repaint it all. */
		clearok(curscr, TRUE);
		tui_layout_compute(&app->layout, LINES, COLS);
		return;
	}

	if (app->layout.too_small) {
		if (tui_key_is_letter(key, 'q'))
			app->quit = true;
		return;
	}

	if (tui_intro_is_open(app)) {
		tui_intro_dismiss(app);
		return;
	}
	if (app->dialog_text != NULL) {
		if (tui_key_is_enter(key) || tui_key_is_escape(key) ||
		    tui_key_is_space(key))
			close_dialog(app);
		return;
	}
	if (tui_help_is_open(app)) {
		tui_help_key(app, key);
		return;
	}
	if (tui_app_busy(app)) {
		busy_key(app, key);
		return;
	}

	dispatch(app, key);
}

static void run_loop(struct tui_app *app)
{
	struct tui_key key;

	tui_layout_compute(&app->layout, LINES, COLS);
	while (!app->quit && tui_term_signal() == 0) {
		tui_job_collect(app, false);
		apply_navigation(app);
		if (app->quit)
			break;
		refresh_context(app);
		draw_frame(app);

		if (tui_term_read_key(app->job.running ? TICK_BUSY_MS :
							 TICK_IDLE_MS,
				      &key))
			handle_key(app, &key);
		app->tick++;
	}
}

static void app_free(struct tui_app *app)
{
	if (app->job.running) {
		atomic_store(&app->job.cancel, true);
		tui_job_collect(app, true);
	}
	app->nav = TUI_NAV_NONE;
	while (app->depth > 0)
		pop_one(app);
	tui_job_free(&app->job);
	kvl_listcache_clear(&app->lists);
	tui_help_close(app);
	tui_intro_close(app);
	close_dialog(app);
	free(app->status);
	free(app->context);
	free(app->progress);
	free(app->device_message);
	pthread_mutex_destroy(&app->lock);
}

int kvl_tui_run(struct kvl_session *session,
		const struct kvl_tui_options *options)
{
	struct tui_app app;
	struct kvl_sink saved;
	const char *reason = NULL;
	int code;

	memset(&app, 0, sizeof(app));
	app.session = session;
	app.sandbox = options != NULL && options->sandbox;
	kvl_listcache_init(&app.lists);
	pthread_mutex_init(&app.lock, NULL);
	if (!tui_term_start(&reason)) {
		fprintf(stderr, "kvlink: %s\n", reason);
		pthread_mutex_destroy(&app.lock);
		return KVL_EXIT_USAGE;
	}
	tui_theme_init(options != NULL && options->no_colour);
	tui_draw_set_ascii(options != NULL && options->ascii);

	if (options != NULL && options->sink != NULL) {
		saved = *options->sink;
		tui_sink_fill(options->sink, &app);
	} else {
		tui_app_status(&app, TUI_ROLE_ERROR, "%s",
			       _("internal error: no sink for the wizard; "
				 "sign-in codes cannot be shown"));
	}

	kvl_log("wizard: started on a %dx%d terminal", COLS, LINES);
	tui_app_reset(&app, &tui_screen_signin);
	tui_intro_start(&app);
	run_loop(&app);

	/* 128 + N, as a shell reports a process that signal N ended. */
	code = tui_term_signal() != 0 ? 128 + tui_term_signal() :
					 app.exit_code;
	kvl_log("wizard: stopped with exit status %d (signal %d)", code,
		tui_term_signal());
	/* Terminal first: waiting for a cancelled worker may take a while. */
	tui_term_stop();
	app_free(&app);
	if (options != NULL && options->sink != NULL)
		*options->sink = saved;
	return code;
}
