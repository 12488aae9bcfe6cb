/*
 * A screen or wizard step: a table of callbacks the main loop calls. Each
 * screen lives in its own file and keeps its state there. A screen stays
 * alive (entered, not yet left) while it is anywhere on the stack, so
 * later steps may point into the state of earlier ones.
 */
#ifndef KVL_TUI_SCREEN_H
#define KVL_TUI_SCREEN_H

#include <stdbool.h>
#include <wchar.h>

#include "core/result.h"

struct tui_app;
struct tui_layout;

/* One key press: a curses KEY_* code when function is set, else a
 * character. */
struct tui_key {
	bool function;
	wint_t ch;
};

/* The outcome of a key handler; the main loop acts on it after the
 * handler returned. */
enum tui_outcome {
	TUI_KEY_IGNORED,	/* not for this screen */
	TUI_KEY_HANDLED,
	TUI_KEY_BACK,		/* leave this screen */
	TUI_KEY_QUIT,		/* leave the wizard */
};

struct tui_screen {
	const char *breadcrumb;	/* N_() text: "Admin > Security" */
	const char *legend;	/* N_() text of the key legend */
	/* Optional: the translated legend for the current state, for a
	 * screen whose keys apply only sometimes; legend when NULL. */
	const char *(*legend_for)(const struct tui_app *app);
	/* N_() text for the help overlay: what the screen is for. */
	const char *help;
	/* Optional: a description of the focused item (a list row, a form
	 * field) for the help overlay, untrusted text the caller frees;
	 * NULL when nothing is focused. */
	char *(*help_for)(struct tui_app *app);
	void (*enter)(struct tui_app *app);
	void (*leave)(struct tui_app *app);
	void (*draw)(struct tui_app *app, const struct tui_layout *layout);
	enum tui_outcome (*key)(struct tui_app *app,
				const struct tui_key *key);
	/* A worker job this screen started has finished; err is cleared
	 * by the caller afterwards. */
	void (*job_done)(struct tui_app *app, int tag, kvl_result result,
			 const struct kvl_error *err);
};

extern const struct tui_screen tui_screen_signin;
extern const struct tui_screen tui_screen_env_create;
extern const struct tui_screen tui_screen_home;
extern const struct tui_screen tui_screen_security;
extern const struct tui_screen tui_screen_about;
extern const struct tui_screen tui_screen_unlink;
extern const struct tui_screen tui_screen_notifications;
extern const struct tui_screen tui_step_subscription;
extern const struct tui_screen tui_step_resource_group;
extern const struct tui_screen tui_step_vault;
extern const struct tui_screen tui_step_checks;
extern const struct tui_screen tui_step_privacy;
extern const struct tui_screen tui_step_save;

#endif
